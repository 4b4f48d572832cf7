// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab channels (channel/, bench/native_chan.c), over
 * every flavour through struct lab_chan_ops.
 *
 *  - exactly once, in order: M producers x N consumers (1, 2 or 4 each)
 *    send 2000 tagged (producer, seq) messages each, of varying length,
 *    through a small channel; every message arrives once and intact, each
 *    consumer sees each producer's seqs increasing, and the consumers all
 *    end on -EPIPE once the last producer drops its endpoint;
 *  - one-shot misuse: second send -EBUSY, try-receive on empty -EAGAIN,
 *    receive after receiving -EPIPE, capacity > 1 -EINVAL, an unread
 *    message is freed with the channel; of four receivers blocked on one
 *    one-shot, exactly one gets the message and three get -EPIPE;
 *  - a blocked receiver wakes on a send, and on the sending side's close
 *    with -EPIPE;
 *  - rendezvous: a send has not returned while no receiver took the
 *    message (checked while the sender sleeps), and returns once one did;
 *  - bounded and kfifo: try-send fails exactly at capacity, a blocked
 *    sender wakes when a slot frees, FIFO order; mpsc: -ENOSPC at its cap;
 *  - close both ways: without receivers a send fails with -EPIPE and
 *    nothing stays in the channel; without senders receivers drain, then
 *    get -EPIPE; a blocked sender wakes with -EPIPE when the receivers go;
 *    explicit close_send/close_recv with endpoints left;
 *  - -EMSGSIZE: a message longer than msg_max is refused; one longer than
 *    the receiver's buffer stays queued (rendezvous: stays offered);
 *  - interruptible and killable waits return -EINTR when the kthread is
 *    signalled, nothing is lost, and the channel still works;
 *  - timed waits return -ETIMEDOUT after the deadline, nothing delivered;
 *  - lab_chan_bench() runs and shuts down with sent == received;
 *  - after every case, the module's live channel allocation count is back
 *    to zero (suite exit).
 *
 * State shared with kthreads is kzalloc'ed and, like the channel, leaked
 * when lab_run_threads() reports stuck threads (-EDEADLK).
 *
 * Not tested here: fairness between senders or between receivers;
 * throughput (the benchmark is only run, not judged); allocation failures;
 * LAB_CHAN_NONBLOCK sends on a rendezvous channel while a receiver waits;
 * the endpoint counts under concurrent get/put; more than 4 x 4 threads.
 * The ordering arguments are exercised on x86-64 and arm64 (-smp 2), not
 * proven.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <locklab/channel.h>

#include "bench/chanbench.h"
#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "channel/chan.h"
#include "lab_test.h"

#define CHAN_MSG_MAX	16
#define CHAN_CAP	4	/* bounded and kfifo */
#define XO_MSGS		2000
#define XO_MAX_THREADS	4

static ktime_t chan_deadline(void)
{
	return lab_deadline(LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC);
}

static bool chan_send_blocks(u32 v)
{
	return v == LOCKLAB_CHANNEL_BOUNDED || v == LOCKLAB_CHANNEL_RENDEZVOUS ||
	       v == LOCKLAB_CHANNEL_KERNEL;
}

/* Flavours whose capacity is CHAN_CAP messages. */
static bool chan_has_slots(u32 v)
{
	return v == LOCKLAB_CHANNEL_BOUNDED || v == LOCKLAB_CHANNEL_KERNEL;
}

static const char *chan_name(u32 v)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(v);

	return ops ? ops->name : "?";
}

static struct lab_chan *chan_new(struct kunit *test, u32 v)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(v);
	struct lab_chan *ch;

	KUNIT_ASSERT_NOT_NULL(test, ops);
	ch = lab_chan_create(ops, chan_has_slots(v) ? CHAN_CAP : 0,
			     CHAN_MSG_MAX, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(ch), "create %s: %ld",
			       ops->name, PTR_ERR(ch));
	return ch;
}

/* Has the thread that published @t gone to sleep? */
static bool chan_asleep(struct task_struct *const *t)
{
	struct task_struct *task = READ_ONCE(*t);

	return task && !task_is_running(task);
}

static void chan_variant_desc(const u32 *v, char *desc)
{
	strscpy(desc, chan_name(*v), KUNIT_PARAM_DESC_SIZE);
}

static const u32 chan_all[] = {
	LOCKLAB_CHANNEL_MPSC, LOCKLAB_CHANNEL_ONESHOT, LOCKLAB_CHANNEL_BOUNDED,
	LOCKLAB_CHANNEL_RENDEZVOUS, LOCKLAB_CHANNEL_KERNEL,
};

KUNIT_ARRAY_PARAM(chan_all, chan_all, chan_variant_desc);

static const u32 chan_streams[] = {
	LOCKLAB_CHANNEL_MPSC, LOCKLAB_CHANNEL_BOUNDED,
	LOCKLAB_CHANNEL_RENDEZVOUS, LOCKLAB_CHANNEL_KERNEL,
};

KUNIT_ARRAY_PARAM(chan_streams, chan_streams, chan_variant_desc);

static const u32 chan_blocking_send[] = {
	LOCKLAB_CHANNEL_BOUNDED, LOCKLAB_CHANNEL_RENDEZVOUS,
	LOCKLAB_CHANNEL_KERNEL,
};

KUNIT_ARRAY_PARAM(chan_blocking_send, chan_blocking_send, chan_variant_desc);

static const u32 chan_slots[] = {
	LOCKLAB_CHANNEL_BOUNDED, LOCKLAB_CHANNEL_KERNEL,
};

KUNIT_ARRAY_PARAM(chan_slots, chan_slots, chan_variant_desc);

/* --- Exactly once, in order ---------------------------------------------- */

struct xo_case {
	u32 variant;
	unsigned int producers;
	unsigned int consumers;
};

static const struct xo_case xo_cases[] = {
	{ LOCKLAB_CHANNEL_MPSC, 1, 1 },
	{ LOCKLAB_CHANNEL_MPSC, 2, 2 },
	{ LOCKLAB_CHANNEL_MPSC, 4, 1 },
	{ LOCKLAB_CHANNEL_MPSC, 1, 4 },
	{ LOCKLAB_CHANNEL_MPSC, 4, 4 },
	{ LOCKLAB_CHANNEL_BOUNDED, 1, 1 },
	{ LOCKLAB_CHANNEL_BOUNDED, 2, 2 },
	{ LOCKLAB_CHANNEL_BOUNDED, 4, 1 },
	{ LOCKLAB_CHANNEL_BOUNDED, 1, 4 },
	{ LOCKLAB_CHANNEL_BOUNDED, 4, 4 },
	{ LOCKLAB_CHANNEL_RENDEZVOUS, 1, 1 },
	{ LOCKLAB_CHANNEL_RENDEZVOUS, 2, 2 },
	{ LOCKLAB_CHANNEL_RENDEZVOUS, 4, 1 },
	{ LOCKLAB_CHANNEL_RENDEZVOUS, 1, 4 },
	{ LOCKLAB_CHANNEL_RENDEZVOUS, 4, 4 },
	{ LOCKLAB_CHANNEL_KERNEL, 1, 1 },
	{ LOCKLAB_CHANNEL_KERNEL, 2, 2 },
	{ LOCKLAB_CHANNEL_KERNEL, 4, 1 },
	{ LOCKLAB_CHANNEL_KERNEL, 1, 4 },
	{ LOCKLAB_CHANNEL_KERNEL, 4, 4 },
};

static void xo_case_desc(const struct xo_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%ux%u", chan_name(c->variant),
		 c->producers, c->consumers);
}

KUNIT_ARRAY_PARAM(xo, xo_cases, xo_case_desc);

/* A message: producer, seq, then filler up to xo_len(seq) bytes. */
struct xo_hdr {
	u32 producer;
	u32 seq;
};

struct xo {
	struct lab_chan *ch;
	unsigned int producers;
	unsigned long *seen;		/* bit p * XO_MSGS + seq */
	atomic_t received;
	atomic_t dups;
	atomic_t disorder;
	atomic_t corrupt;
	atomic_t send_err;		/* first failed send's errno */
	atomic_t recv_err;		/* first receive that ended on != -EPIPE */
};

static size_t xo_len(u32 seq)
{
	return sizeof(struct xo_hdr) + seq % (CHAN_MSG_MAX - 7);
}

static u8 xo_filler(u32 p, u32 seq, size_t i)
{
	return (u8)(p * 31 + seq * 7 + i);
}

static size_t xo_fill(u8 *buf, u32 p, u32 seq)
{
	struct xo_hdr h = { .producer = p, .seq = seq };
	size_t i, len = xo_len(seq);

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++)
		buf[i] = xo_filler(p, seq, i);
	return len;
}

static int xo_producer(struct xo *x, u32 p)
{
	u8 buf[CHAN_MSG_MAX];
	int ret = 0;
	u32 seq;

	for (seq = 0; seq < XO_MSGS; seq++) {
		size_t len = xo_fill(buf, p, seq);

		ret = lab_chan_send(x->ch, buf, len, 0, chan_deadline());
		if (ret) {
			atomic_cmpxchg(&x->send_err, 0, ret);
			break;
		}
		cond_resched();
	}
	lab_chan_sender_put(x->ch);
	return ret;
}

static void xo_check(struct xo *x, const u8 *buf, size_t len, s64 *last)
{
	struct xo_hdr h;
	size_t i;

	if (len < sizeof(h))
		goto corrupt;
	memcpy(&h, buf, sizeof(h));
	if (h.producer >= x->producers || h.seq >= XO_MSGS ||
	    len != xo_len(h.seq))
		goto corrupt;
	for (i = sizeof(h); i < len; i++)
		if (buf[i] != xo_filler(h.producer, h.seq, i))
			goto corrupt;
	if ((s64)h.seq <= last[h.producer])
		atomic_inc(&x->disorder);
	last[h.producer] = h.seq;
	if (test_and_set_bit(h.producer * XO_MSGS + h.seq, x->seen))
		atomic_inc(&x->dups);
	atomic_inc(&x->received);
	return;
corrupt:
	atomic_inc(&x->corrupt);
}

static int xo_consumer(struct xo *x)
{
	s64 last[XO_MAX_THREADS] = { -1, -1, -1, -1 };
	u8 buf[CHAN_MSG_MAX];
	ssize_t ret;

	for (;;) {
		ret = lab_chan_recv(x->ch, buf, sizeof(buf), 0, chan_deadline());
		if (ret < 0)
			break;
		xo_check(x, buf, ret, last);
		cond_resched();
	}
	if (ret != -EPIPE)
		atomic_cmpxchg(&x->recv_err, 0, ret);
	lab_chan_receiver_put(x->ch);
	return ret == -EPIPE ? 0 : ret;
}

static int xo_thread(void *arg, unsigned int id)
{
	struct xo *x = arg;

	if (id < x->producers)
		return xo_producer(x, id);
	return xo_consumer(x);
}

/* The watchdog's count: a stall (a lost wake-up) fails in seconds. */
static u64 xo_progress(void *arg)
{
	struct xo *x = arg;

	return atomic_read(&x->received);
}

static void channel_mpmc_exactly_once_in_order_test(struct kunit *test)
{
	const struct xo_case *c = test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 240000,
				     .progress = xo_progress };
	unsigned int total = c->producers * XO_MSGS, i;
	struct xo *x;
	int ret;

	x = kzalloc(sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);
	x->seen = bitmap_zalloc(total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x->seen);
	x->producers = c->producers;
	x->ch = chan_new(test, c->variant);
	for (i = 1; i < c->producers; i++)
		KUNIT_ASSERT_EQ(test, lab_chan_sender_get(x->ch), 0);
	for (i = 1; i < c->consumers; i++)
		KUNIT_ASSERT_EQ(test, lab_chan_receiver_get(x->ch), 0);

	/* Every thread drops its endpoint; the last one frees the channel. */
	ret = lab_run_threads(c->producers + c->consumers, xo_thread, x, &opts);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->send_err), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->recv_err), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->corrupt), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->dups), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->disorder), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&x->received), (int)total);
	KUNIT_EXPECT_TRUE(test, bitmap_full(x->seen, total));
	bitmap_free(x->seen);
	kfree(x);
}

/* --- One-shot misuse ------------------------------------------------------- */

static void channel_oneshot_misuse_errno_test(struct kunit *test)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(LOCKLAB_CHANNEL_ONESHOT);
	struct lab_chan_bench_result r = { };
	struct lab_chan *ch;
	u8 buf[CHAN_MSG_MAX];
	long before;

	KUNIT_ASSERT_NOT_NULL(test, ops);
	KUNIT_EXPECT_EQ(test, PTR_ERR(lab_chan_create(ops, 2, CHAN_MSG_MAX, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, lab_chan_bench(ops, 1, 1, 10, 8, &r), -EOPNOTSUPP);

	ch = chan_new(test, LOCKLAB_CHANNEL_ONESHOT);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), -EAGAIN);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, "hello", 5), 0);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, "again", 5), -EBUSY);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, 4), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), 5);
	KUNIT_EXPECT_EQ(test, memcmp(buf, "hello", 5), 0);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), -EPIPE);
	/* Blocking receive after the message was taken: at once. */
	KUNIT_EXPECT_EQ(test, lab_chan_recv(ch, buf, sizeof(buf), 0,
					    chan_deadline()), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, "late", 4), -EBUSY);
	lab_chan_destroy(ch);

	/* Sent, never received: the message goes with the channel. */
	ch = chan_new(test, LOCKLAB_CHANNEL_ONESHOT);
	before = lab_chan_live_allocs();
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, "lost", 4), 0);
	KUNIT_EXPECT_EQ(test, lab_chan_live_allocs(), before + 1);
	lab_chan_destroy(ch);
	KUNIT_EXPECT_EQ(test, lab_chan_live_allocs(), before - 1);
}

#define OS_RECEIVERS	4

struct os_race {
	struct lab_chan *ch;
	struct task_struct *task[OS_RECEIVERS];
	bool done[OS_RECEIVERS];
	ssize_t ret[OS_RECEIVERS];
	u8 buf[OS_RECEIVERS][CHAN_MSG_MAX];
	int sret;
};

static bool os_race_all(struct os_race *o, bool asleep)
{
	int i;

	for (i = 0; i < OS_RECEIVERS; i++)
		if (asleep ? !chan_asleep(&o->task[i]) : !READ_ONCE(o->done[i]))
			return false;
	return true;
}

static int os_race_thread(void *arg, unsigned int id)
{
	struct os_race *o = arg;

	if (id < OS_RECEIVERS) {
		WRITE_ONCE(o->task[id], current);
		o->ret[id] = lab_chan_recv(o->ch, o->buf[id], CHAN_MSG_MAX, 0,
					   chan_deadline());
		WRITE_ONCE(o->done[id], true);
		return 0;
	}
	if (!lab_test_wait_for(os_race_all(o, true), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	o->sret = lab_chan_send(o->ch, "once", 4, 0, chan_deadline());
	if (!lab_test_wait_for(os_race_all(o, false), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	return 0;
}

/* Several receivers wait for one one-shot message: one gets it. */
static void channel_oneshot_one_of_many_receivers_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct os_race *o = kzalloc(sizeof(*o), GFP_KERNEL);
	int i, got = 0, pipe = 0;

	KUNIT_ASSERT_NOT_NULL(test, o);
	o->ch = chan_new(test, LOCKLAB_CHANNEL_ONESHOT);
	lab_test_run_threads(test, OS_RECEIVERS + 1, os_race_thread, o, &opts);
	KUNIT_EXPECT_EQ(test, o->sret, 0);
	for (i = 0; i < OS_RECEIVERS; i++) {
		if (o->ret[i] == 4 && !memcmp(o->buf[i], "once", 4))
			got++;
		else if (o->ret[i] == -EPIPE)
			pipe++;
	}
	KUNIT_EXPECT_EQ(test, got, 1);
	KUNIT_EXPECT_EQ(test, pipe, OS_RECEIVERS - 1);
	lab_chan_destroy(o->ch);
	kfree(o);
}

/* --- A blocked receiver wakes ------------------------------------------- */

struct wake {
	struct lab_chan *ch[2];
	struct task_struct *task;
	int phase;		/* receiver: about to block in receive #phase */
	bool done[2];
	bool early[2];		/* returned before the controller acted */
	ssize_t ret[2];
	int sret;
	u8 buf[CHAN_MSG_MAX];
};

static int wake_thread(void *arg, unsigned int id)
{
	struct wake *w = arg;
	int i;

	if (id == 0) {		/* the receiver */
		WRITE_ONCE(w->task, current);
		for (i = 0; i < 2; i++) {
			WRITE_ONCE(w->phase, i + 1);
			w->ret[i] = lab_chan_recv(w->ch[i], w->buf,
						  sizeof(w->buf), 0,
						  chan_deadline());
			WRITE_ONCE(w->done[i], true);
		}
		return 0;
	}
	for (i = 0; i < 2; i++) {	/* the controller */
		if (!lab_test_wait_for(READ_ONCE(w->phase) == i + 1 &&
				       chan_asleep(&w->task),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		lab_test_sleep_ms(20);
		w->early[i] = READ_ONCE(w->done[i]);
		if (i == 0)
			w->sret = lab_chan_send(w->ch[0], "ping", 4, 0,
						chan_deadline());
		else
			lab_chan_sender_put(w->ch[1]);	/* the only sender */
		if (!lab_test_wait_for(READ_ONCE(w->done[i]),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
	}
	return 0;
}

static void channel_blocked_recv_wakes_on_send_and_close_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct wake *w = kzalloc(sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ch[0] = chan_new(test, v);
	w->ch[1] = chan_new(test, v);
	lab_test_run_threads(test, 2, wake_thread, w, &opts);
	KUNIT_EXPECT_FALSE(test, w->early[0]);
	KUNIT_EXPECT_FALSE(test, w->early[1]);
	KUNIT_EXPECT_EQ(test, w->sret, 0);
	KUNIT_EXPECT_EQ(test, w->ret[0], 4);
	KUNIT_EXPECT_EQ(test, memcmp(w->buf, "ping", 4), 0);
	KUNIT_EXPECT_EQ(test, w->ret[1], -EPIPE);
	lab_chan_destroy(w->ch[0]);
	lab_chan_receiver_put(w->ch[1]);
	kfree(w);
}

/* --- A blocked sender: rendezvous and full channels ------------------------ */

struct blocked_send {
	struct lab_chan *ch;
	struct task_struct *task;
	unsigned int flags;
	bool done;
	bool early;		/* returned before the controller acted */
	bool early2;
	int sret;
	ssize_t rret;
	ssize_t small;
	u8 msg[CHAN_MSG_MAX];
	size_t len;
	u8 buf[CHAN_MSG_MAX];
	/* What the controller does once the sender sleeps. */
	void (*act)(struct blocked_send *bs);
};

static int blocked_send_thread(void *arg, unsigned int id)
{
	struct blocked_send *bs = arg;

	if (id == 0) {
		lab_test_allow_kill();
		WRITE_ONCE(bs->task, current);
		bs->sret = lab_chan_send(bs->ch, bs->msg, bs->len, bs->flags,
					 chan_deadline());
		lab_test_forget_signals();
		WRITE_ONCE(bs->done, true);
		return 0;
	}
	if (!lab_test_wait_for(chan_asleep(&bs->task), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	lab_test_sleep_ms(50);
	bs->early = READ_ONCE(bs->done);
	bs->act(bs);
	if (!lab_test_wait_for(READ_ONCE(bs->done), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	return 0;
}

/* Fill a CHAN_CAP channel with one-byte messages 0 .. CHAN_CAP-1. */
static void chan_fill(struct kunit *test, struct lab_chan *ch)
{
	u8 i;

	for (i = 0; i < CHAN_CAP; i++)
		KUNIT_ASSERT_EQ(test, lab_chan_try_send(ch, &i, 1), 0);
}

/*
 * A blocked_send on a new channel of variant @v, filled first if @fill.
 * Freed by the test; not after a failed run (its threads may still use it).
 */
static struct blocked_send *blocked_send_new(struct kunit *test, u32 v,
					     bool fill)
{
	struct blocked_send *bs = kzalloc(sizeof(*bs), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bs);
	bs->ch = chan_new(test, v);
	if (fill)
		chan_fill(test, bs->ch);
	return bs;
}

/*
 * Run the sender of @msg and the thread that acts on it; both end in time
 * (a hung one ends the test: -EDEADLK) and without error.
 */
static void run_blocked_send(struct kunit *test, struct blocked_send *bs,
			     const char *msg)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };

	bs->len = strlen(msg);
	memcpy(bs->msg, msg, bs->len);
	lab_test_run_threads(test, 2, blocked_send_thread, bs, &opts);
}

/* Rendezvous: look at the offer with a short buffer, then take it. */
static void rv_act(struct blocked_send *bs)
{
	bs->small = lab_chan_try_recv(bs->ch, bs->buf, 2);
	bs->early2 = READ_ONCE(bs->done);
	bs->rret = lab_chan_recv(bs->ch, bs->buf, sizeof(bs->buf), 0,
				 chan_deadline());
}

static void channel_rendezvous_send_waits_for_receiver_test(struct kunit *test)
{
	struct blocked_send *bs = blocked_send_new(test,
						   LOCKLAB_CHANNEL_RENDEZVOUS,
						   false);

	/* Nobody receiving: a non-blocking send cannot hand over. */
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(bs->ch, "x", 1), -EAGAIN);
	bs->act = rv_act;
	run_blocked_send(test, bs, "meet");
	KUNIT_EXPECT_FALSE_MSG(test, bs->early,
			       "send returned before any receive");
	KUNIT_EXPECT_EQ(test, bs->small, -EMSGSIZE);
	KUNIT_EXPECT_FALSE_MSG(test, bs->early2,
			       "send returned after a receive that took nothing");
	KUNIT_EXPECT_EQ(test, bs->rret, 4);
	KUNIT_EXPECT_EQ(test, memcmp(bs->buf, "meet", 4), 0);
	KUNIT_EXPECT_EQ(test, bs->sret, 0);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(bs->ch, bs->buf, sizeof(bs->buf)),
			-EAGAIN);
	lab_chan_destroy(bs->ch);
	kfree(bs);
}

/* Receive one-byte messages: expect @first, @first+1, ... (@n of them). */
static void chan_expect_seq(struct kunit *test, struct lab_chan *ch, u8 first,
			    unsigned int n)
{
	unsigned int i;
	u8 b;

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, &b, 1), 1);
		KUNIT_EXPECT_EQ(test, b, (u8)(first + i));
	}
}

static void full_act(struct blocked_send *bs)
{
	bs->rret = lab_chan_recv(bs->ch, bs->buf, sizeof(bs->buf), 0,
				 chan_deadline());
}

static void channel_send_waits_while_full_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct blocked_send *bs = blocked_send_new(test, v, true);
	u8 extra = CHAN_CAP;

	KUNIT_EXPECT_EQ(test, lab_chan_try_send(bs->ch, &extra, 1), -EAGAIN);

	bs->act = full_act;
	run_blocked_send(test, bs, "\x05");
	KUNIT_EXPECT_FALSE(test, bs->early);
	KUNIT_EXPECT_EQ(test, bs->rret, 1);
	KUNIT_EXPECT_EQ(test, bs->buf[0], 0);
	KUNIT_EXPECT_EQ(test, bs->sret, 0);
	/* FIFO: the rest of the fill, then the message that waited. */
	chan_expect_seq(test, bs->ch, 1, CHAN_CAP - 1);
	chan_expect_seq(test, bs->ch, 5, 1);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(bs->ch, bs->buf, 1), -EAGAIN);
	lab_chan_destroy(bs->ch);
	kfree(bs);
}

static void channel_mpsc_memory_cap_enospc_test(struct kunit *test)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(LOCKLAB_CHANNEL_MPSC);
	size_t one = sizeof(struct lab_chan_msg) + CHAN_MSG_MAX;
	u8 msg[CHAN_MSG_MAX] = { 1 }, buf[CHAN_MSG_MAX];
	struct lab_chan *ch;
	long before;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, ops);
	ch = lab_chan_create(ops, 3 * one, CHAN_MSG_MAX, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(ch));
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, msg, sizeof(msg)), 0);
	before = lab_chan_live_allocs();
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, msg, sizeof(msg)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, lab_chan_live_allocs(), before);
	/* Nothing is left, not even for a 1-byte message. */
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, msg, 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)),
			(ssize_t)sizeof(msg));
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, msg, sizeof(msg)), 0);
	lab_chan_destroy(ch);
}

/* --- Close both ways -------------------------------------------------------- */

/* Messages the flavour can hold with no receiver waiting. */
static unsigned int chan_queueable(u32 v)
{
	if (v == LOCKLAB_CHANNEL_RENDEZVOUS)
		return 0;
	return v == LOCKLAB_CHANNEL_ONESHOT ? 1 : 2;
}

static void channel_close_both_ways_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	unsigned int n = chan_queueable(v);
	static const char keep[] = "keep";
	u8 i;
	struct lab_chan *ch;
	u8 buf[CHAN_MSG_MAX];
	long before;

	/* No receiver left: the send fails and the message is not kept. */
	ch = chan_new(test, v);
	before = lab_chan_live_allocs();
	lab_chan_receiver_put(ch);
	KUNIT_EXPECT_EQ(test, lab_chan_receiver_get(ch), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_send(ch, keep, 4, 0,
					    chan_deadline()), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, keep, 4), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_live_allocs(), before);
	KUNIT_EXPECT_EQ(test, memcmp(keep, "keep", 4), 0);
	lab_chan_sender_put(ch);

	/* No sender left: receivers drain, then -EPIPE, without waiting. */
	ch = chan_new(test, v);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, &i, 1), 0);
	KUNIT_EXPECT_EQ(test, lab_chan_sender_get(ch), 0);
	lab_chan_sender_put(ch);	/* not the last one: still open */
	KUNIT_EXPECT_EQ(test, lab_chan_receiver_get(ch), 0);
	lab_chan_receiver_put(ch);
	lab_chan_sender_put(ch);	/* the last one */
	KUNIT_EXPECT_EQ(test, lab_chan_sender_get(ch), -EPIPE);
	chan_expect_seq(test, ch, 0, n);
	KUNIT_EXPECT_EQ(test, lab_chan_recv(ch, buf, sizeof(buf), 0,
					    chan_deadline()), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), -EPIPE);
	lab_chan_receiver_put(ch);

	/* Explicit close_send while endpoints remain. */
	ch = chan_new(test, v);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, &i, 1), 0);
	lab_chan_close_send(ch);
	lab_chan_close_send(ch);	/* idempotent */
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, keep, 1), -EPIPE);
	chan_expect_seq(test, ch, 0, n);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), -EPIPE);
	lab_chan_destroy(ch);

	/* Explicit close_recv: both directions fail, queued messages freed. */
	ch = chan_new(test, v);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, &i, 1), 0);
	lab_chan_close_recv(ch);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(ch, keep, 1), -EPIPE);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)), -EPIPE);
	lab_chan_destroy(ch);
}

static void close_recv_act(struct blocked_send *bs)
{
	lab_chan_receiver_put(bs->ch);	/* the only receiver */
}

static void channel_close_recv_wakes_blocked_sender_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct blocked_send *bs = blocked_send_new(test, v, chan_has_slots(v));

	bs->act = close_recv_act;
	run_blocked_send(test, bs, "back");
	KUNIT_EXPECT_FALSE(test, bs->early);
	KUNIT_EXPECT_EQ(test, bs->sret, -EPIPE);
	lab_chan_sender_put(bs->ch);
	kfree(bs);
}

/* --- -EMSGSIZE ------------------------------------------------------------- */

struct msgsize {
	struct lab_chan *ch;
	bool done;
	bool early;
	int sret;
	ssize_t first, second, full;
	u8 buf[CHAN_MSG_MAX];
};

/* Receive into a buffer too short for the message: false while empty. */
static bool msgsize_peek(struct msgsize *m)
{
	m->first = lab_chan_try_recv(m->ch, m->buf, 8);
	return m->first != -EAGAIN;
}

static int msgsize_thread(void *arg, unsigned int id)
{
	struct msgsize *m = arg;

	if (id == 0) {
		m->sret = lab_chan_send(m->ch, "twelve bytes", 12, 0,
					chan_deadline());
		WRITE_ONCE(m->done, true);
		return 0;
	}
	/* Until the message is there (sent, or offered by the sender). */
	if (!lab_test_wait_for(msgsize_peek(m), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	m->second = lab_chan_try_recv(m->ch, m->buf, 8);
	m->early = READ_ONCE(m->done);
	m->full = lab_chan_recv(m->ch, m->buf, sizeof(m->buf), 0,
				chan_deadline());
	if (!lab_test_wait_for(READ_ONCE(m->done), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	return 0;
}

static void channel_emsgsize_keeps_message_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct msgsize *m = kzalloc(sizeof(*m), GFP_KERNEL);
	u8 big[CHAN_MSG_MAX + 1] = { };

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->ch = chan_new(test, v);
	KUNIT_EXPECT_EQ(test, lab_chan_try_send(m->ch, big, sizeof(big)),
			-EMSGSIZE);
	lab_test_run_threads(test, 2, msgsize_thread, m, &opts);
	KUNIT_EXPECT_EQ(test, m->first, -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, m->second, -EMSGSIZE);
	if (v == LOCKLAB_CHANNEL_RENDEZVOUS)
		KUNIT_EXPECT_FALSE(test, m->early);
	KUNIT_EXPECT_EQ(test, m->full, 12);
	KUNIT_EXPECT_EQ(test, memcmp(m->buf, "twelve bytes", 12), 0);
	KUNIT_EXPECT_EQ(test, m->sret, 0);
	lab_chan_destroy(m->ch);
	kfree(m);
}

/* --- Signals --------------------------------------------------------------- */

struct sig_recv {
	struct lab_chan *ch;
	struct task_struct *task;
	unsigned int flags;
	bool done;
	ssize_t ret;
	u8 buf[CHAN_MSG_MAX];
};

static int sig_recv_thread(void *arg, unsigned int id)
{
	struct sig_recv *s = arg;

	if (id == 0) {
		lab_test_allow_kill();
		WRITE_ONCE(s->task, current);
		s->ret = lab_chan_recv(s->ch, s->buf, sizeof(s->buf), s->flags,
				       chan_deadline());
		lab_test_forget_signals();
		WRITE_ONCE(s->done, true);
		return 0;
	}
	if (!lab_test_wait_for(chan_asleep(&s->task), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	send_sig(SIGKILL, s->task, 1);
	if (!lab_test_wait_for(READ_ONCE(s->done), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	return 0;
}

static void channel_interruptible_recv_eintr_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	static const unsigned int flags[] = {
		LAB_WAIT_INTERRUPTIBLE, LAB_WAIT_KILLABLE,
	};
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct sig_recv *s = kzalloc(sizeof(*s), GFP_KERNEL);
	u8 b;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(s, 0, sizeof(*s));
		s->flags = flags[i];
		s->ch = chan_new(test, v);
		lab_test_run_threads(test, 2, sig_recv_thread, s, &opts);
		KUNIT_EXPECT_EQ(test, s->ret, -EINTR);
		/* Still usable (a rendezvous needs a receiver: not here). */
		if (v != LOCKLAB_CHANNEL_RENDEZVOUS) {
			KUNIT_EXPECT_EQ(test, lab_chan_try_send(s->ch, "z", 1), 0);
			KUNIT_EXPECT_EQ(test, lab_chan_try_recv(s->ch, &b, 1), 1);
		}
		lab_chan_destroy(s->ch);
	}
	kfree(s);
}

static void sig_send_act(struct blocked_send *bs)
{
	send_sig(SIGKILL, bs->task, 1);
}

static void channel_interruptible_send_eintr_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct blocked_send *bs = blocked_send_new(test, v, chan_has_slots(v));

	bs->flags = LAB_WAIT_KILLABLE;
	bs->act = sig_send_act;
	run_blocked_send(test, bs, "\x09");
	KUNIT_EXPECT_FALSE(test, bs->early);
	KUNIT_EXPECT_EQ(test, bs->sret, -EINTR);
	/* Not delivered: only the fill is there (rendezvous: no offer). */
	if (chan_has_slots(v))
		chan_expect_seq(test, bs->ch, 0, CHAN_CAP);
	KUNIT_EXPECT_EQ(test, lab_chan_try_recv(bs->ch, bs->buf, 1), -EAGAIN);
	lab_chan_destroy(bs->ch);
	kfree(bs);
}

/* --- Timeouts -------------------------------------------------------------- */

static void channel_timeout_etimedout_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct lab_chan *ch = chan_new(test, v);
	u8 buf[CHAN_MSG_MAX], b = 0x77;
	ktime_t t0;

	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, lab_chan_recv_timeout(ch, buf, sizeof(buf),
						    50 * NSEC_PER_MSEC),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), t0), 50);

	if (chan_send_blocks(v)) {
		if (chan_has_slots(v))
			chan_fill(test, ch);
		t0 = ktime_get();
		KUNIT_EXPECT_EQ(test, lab_chan_send_timeout(ch, &b, 1,
							    50 * NSEC_PER_MSEC),
				-ETIMEDOUT);
		KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), t0), 50);
		if (chan_has_slots(v))
			chan_expect_seq(test, ch, 0, CHAN_CAP);
		KUNIT_EXPECT_EQ(test, lab_chan_try_recv(ch, buf, sizeof(buf)),
				-EAGAIN);
	}
	lab_chan_destroy(ch);
}

/* --- Benchmark -------------------------------------------------------------- */

static void channel_bench_runs_and_shuts_down_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	const struct lab_chan_ops *ops = lab_chan_ops_find(v);
	struct lab_chan_bench_result r = { };

	KUNIT_ASSERT_NOT_NULL(test, ops);
	KUNIT_ASSERT_EQ(test, lab_chan_bench(ops, 2, 2, 100, 16, &r), 0);
	KUNIT_EXPECT_GT(test, r.received, 0ULL);
	KUNIT_EXPECT_EQ(test, r.sent, r.received);
	KUNIT_EXPECT_EQ(test, r.errors, 0ULL);
	KUNIT_EXPECT_GT(test, r.msgs_per_sec, 0ULL);
	kunit_info(test, "%s: %llu msgs/s (%llu in %llu us)", ops->name,
		   r.msgs_per_sec, r.received, r.elapsed_ns / NSEC_PER_USEC);
}

/* --- Suite -------------------------------------------------------------------- */

static int channel_test_init(struct kunit *test)
{
	test->priv = (void *)lab_chan_live_allocs();
	return 0;
}

/*
 * Nothing else allocates channel memory while the suite runs, so the count
 * must be 0 after every case. The count before the case tells a leak of
 * this case from one inherited from an earlier, failed one.
 */
static void channel_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, lab_chan_live_allocs(), 0L,
			    "channel allocations live after the case (%ld before it)",
			    (long)test->priv);
}

static struct kunit_case channel_test_cases[] = {
	KUNIT_CASE_PARAM(channel_mpmc_exactly_once_in_order_test,
			 xo_gen_params),
	KUNIT_CASE(channel_oneshot_misuse_errno_test),
	KUNIT_CASE(channel_oneshot_one_of_many_receivers_test),
	KUNIT_CASE_PARAM(channel_blocked_recv_wakes_on_send_and_close_test,
			 chan_all_gen_params),
	KUNIT_CASE(channel_rendezvous_send_waits_for_receiver_test),
	KUNIT_CASE_PARAM(channel_send_waits_while_full_test,
			 chan_slots_gen_params),
	KUNIT_CASE(channel_mpsc_memory_cap_enospc_test),
	KUNIT_CASE_PARAM(channel_close_both_ways_test, chan_all_gen_params),
	KUNIT_CASE_PARAM(channel_close_recv_wakes_blocked_sender_test,
			 chan_blocking_send_gen_params),
	KUNIT_CASE_PARAM(channel_emsgsize_keeps_message_test,
			 chan_all_gen_params),
	KUNIT_CASE_PARAM(channel_interruptible_recv_eintr_test,
			 chan_all_gen_params),
	KUNIT_CASE_PARAM(channel_interruptible_send_eintr_test,
			 chan_blocking_send_gen_params),
	KUNIT_CASE_PARAM(channel_timeout_etimedout_test, chan_all_gen_params),
	KUNIT_CASE_PARAM(channel_bench_runs_and_shuts_down_test,
			 chan_streams_gen_params),
	{}
};

static struct kunit_suite channel_test_suite = {
	.name = "locklab_channel",
	.init = channel_test_init,
	.exit = channel_test_exit,
	.test_cases = channel_test_cases,
};

kunit_test_suites(&channel_test_suite);
