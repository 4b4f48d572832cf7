// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the address wait/wake layer (lock/wait.c).
 *
 *  - no lost wake-up: two kthreads hand a token back and forth 100000
 *    times (or as many as fit in a time budget on a slow machine), each
 *    sleeping in lab_wait() until the token is theirs; every wait has a
 *    deadline, so a lost wake-up fails the case instead of hanging it;
 *  - a wait on a stale value returns -EAGAIN at once;
 *  - a timed wait returns -ETIMEDOUT after its timeout and within twice it;
 *  - a signal ends an interruptible or killable wait with -EINTR;
 *  - a wake with no waiter takes no bucket lock (event counters);
 *  - requeue wakes exactly n_wake and moves exactly n_requeue, and the
 *    moved waiters are woken by a wake on the new address; a compare
 *    requeue with a stale value does nothing.
 *
 * Not tested here: hash distribution and bucket contention (benchmark
 * material), and interrupt-context wakers.
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include <locklab/wait.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define PINGPONG_ROUNDS	100000
#define PINGPONG_MIN	20000		/* hand-offs that make the case count */
#define PINGPONG_BUDGET_MS	150000	/* KUnit gives a case 300 s */

struct pingpong {
	atomic_t token;		/* whose turn: 0 or 1 */
	bool stop;		/* the time budget ran out */
	atomic_t errors;
	atomic_t last_error;
	unsigned int rounds[2];
};

static int pingpong_thread(void *arg, unsigned int id)
{
	struct pingpong *p = arg;
	unsigned int i;
	int ret;

	for (i = 0; i < PINGPONG_ROUNDS && !READ_ONCE(p->stop); i++) {
		/* Sleep while it is the other thread's turn. */
		while (atomic_read_acquire(&p->token) != id) {
			if (READ_ONCE(p->stop))
				goto out;
			ret = lab_wait(&p->token, !id, 0,
				       lab_deadline(10 * NSEC_PER_SEC));
			if (ret == -ETIMEDOUT && !READ_ONCE(p->stop)) {
				/* 10 s without the hand-off: it was lost. */
				atomic_inc(&p->errors);
				atomic_set(&p->last_error, i);
				return -ETIMEDOUT;
			}
		}
		/* RELEASE: pairs with the acquire load of the other thread. */
		atomic_set_release(&p->token, !id);
		lab_wake_one(&p->token);
	}
out:
	p->rounds[id] = i;
	/* Whatever the reason to stop, never leave the other one waiting. */
	atomic_set_release(&p->token, !id);
	lab_wake_one(&p->token);
	return 0;
}

/*
 * 2 x 100000 hand-offs, each a sleep and a wake. On a slow or loaded
 * machine (QEMU TCG) the case stops after its time budget rather than hit
 * KUnit's 300 s limit; it then still needs PINGPONG_MIN hand-offs.
 */
static void wait_pingpong_no_lost_wakeup_test(struct kunit *test)
{
	struct pingpong *p = kzalloc(sizeof(*p), GFP_KERNEL);
	struct lab_run_opts opts = {
		.timeout_ms = 60000,
		.duration_ms = PINGPONG_BUDGET_MS,
		.stop = &p->stop,
	};
	struct lab_wait_stats before, after;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	lab_wait_stats_read(&before);
	ret = lab_run_threads(2, pingpong_thread, p, &opts);
	lab_wait_stats_read(&after);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "a hand-off was lost at round %d",
			    atomic_read(&p->last_error));
	KUNIT_EXPECT_EQ(test, atomic_read(&p->errors), 0);
	KUNIT_EXPECT_GE(test, p->rounds[0] + p->rounds[1], PINGPONG_MIN);
	kunit_info(test, "%u hand-offs: %llu waits, %llu woken, %llu -EAGAIN\n",
		   p->rounds[0] + p->rounds[1], after.waits - before.waits,
		   after.woken - before.woken, after.eagain - before.eagain);
	kfree(p);
}

static void wait_stale_value_returns_eagain_test(struct kunit *test)
{
	atomic_t word = ATOMIC_INIT(5);
	ktime_t t0 = ktime_get();

	KUNIT_EXPECT_EQ(test, lab_wait(&word, 4, 0, LAB_WAIT_FOREVER), -EAGAIN);
	KUNIT_EXPECT_EQ(test, lab_wait(&word, 6, LAB_WAIT_INTERRUPTIBLE,
				       LAB_WAIT_FOREVER), -EAGAIN);
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), t0), 1000);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&word), 0U);
}

static void wait_timeout_within_twice_the_timeout_test(struct kunit *test)
{
	const s64 timeout_ms = 1000;
	atomic_t word = ATOMIC_INIT(0);
	ktime_t t0 = ktime_get();
	s64 elapsed;
	int ret;

	ret = lab_wait(&word, 0, 0, lab_deadline(timeout_ms * NSEC_PER_MSEC));
	elapsed = ktime_ms_delta(ktime_get(), t0);
	KUNIT_EXPECT_EQ(test, ret, -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, elapsed, timeout_ms);
	KUNIT_EXPECT_LT(test, elapsed, 2 * timeout_ms);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&word), 0U);
}

struct sigwait {
	atomic_t word;
	struct task_struct *waiter;
	unsigned int flags;
	int ret;
	bool done;
};

static int sigwait_thread(void *arg, unsigned int id)
{
	struct sigwait *s = arg;

	if (id == 0) {		/* the waiter */
		lab_test_allow_kill();
		WRITE_ONCE(s->waiter, current);
		s->ret = lab_wait(&s->word, 0, s->flags,
				  lab_deadline(LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC));
		WRITE_ONCE(s->done, true);
		lab_test_forget_signals();
		return 0;
	}
	/* The signaller: once the waiter sleeps, kill it. */
	if (!lab_test_wait_for(READ_ONCE(s->waiter) &&
			       lab_wait_queued(&s->word) == 1, LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	send_sig(SIGKILL, s->waiter, 1);
	return lab_test_wait_for(READ_ONCE(s->done), LAB_TEST_TIMEOUT_MS) ?
	       0 : -ETIMEDOUT;
}

static const unsigned int sigwait_flags[] = {
	LAB_WAIT_INTERRUPTIBLE, LAB_WAIT_KILLABLE,
};

static void sigwait_desc(const unsigned int *f, char *desc)
{
	strscpy(desc, *f == LAB_WAIT_KILLABLE ? "killable" : "interruptible",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sigwait, sigwait_flags, sigwait_desc);

static void wait_signal_returns_eintr_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 60000 };
	struct sigwait *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->flags = *(const unsigned int *)test->param_value;
	ret = lab_run_threads(2, sigwait_thread, s, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, s->ret, -EINTR);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&s->word), 0U);
	kfree(s);
}

static void wait_wake_without_waiters_takes_no_lock_test(struct kunit *test)
{
	struct lab_wait_stats before, after;
	atomic_t word = ATOMIC_INIT(0);
	int i, woken = 0;

	lab_wait_stats_read(&before);
	for (i = 0; i < 1000; i++) {
		woken += lab_wake_one(&word);
		woken += lab_wake_all(&word);
	}
	lab_wait_stats_read(&after);
	KUNIT_EXPECT_EQ(test, woken, 0);
	KUNIT_EXPECT_EQ(test, after.wakes - before.wakes, 2000ULL);
	KUNIT_EXPECT_EQ(test, after.wakes_locked - before.wakes_locked, 0ULL);
}

#define RQ_WAITERS	5

struct requeue {
	atomic_t from;
	atomic_t to;
	atomic_t returned;
	int ret[RQ_WAITERS];
};

static int requeue_thread(void *arg, unsigned int id)
{
	struct requeue *r = arg;

	r->ret[id] = lab_wait(&r->from, 0, 0,
			      lab_deadline(LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC));
	atomic_inc(&r->returned);
	return 0;
}

struct requeue_ctl {
	struct requeue *r;
	struct kunit *test;
	bool ok;
};

static int requeue_ctl_thread(void *arg, unsigned int id)
{
	struct requeue_ctl *c = arg;
	struct requeue *r = c->r;

	if (id < RQ_WAITERS)
		return requeue_thread(r, id);

	/* The controller. */
	if (!lab_test_wait_for(lab_wait_queued(&r->from) == RQ_WAITERS,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	/* A stale compare does nothing. */
	if (lab_cmp_requeue(&r->from, 1, &r->to, 1, INT_MAX) != -EAGAIN ||
	    lab_wait_queued(&r->from) != RQ_WAITERS)
		return -EINVAL;
	/* Wake exactly 1, move exactly 2. */
	if (lab_cmp_requeue(&r->from, 0, &r->to, 1, 2) != 3)
		return -EINVAL;
	if (lab_wait_queued(&r->from) != RQ_WAITERS - 3 ||
	    lab_wait_queued(&r->to) != 2)
		return -EINVAL;
	if (!lab_test_wait_for(atomic_read(&r->returned) == 1,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	/* The moved ones are woken by a wake on the new address. */
	if (lab_wake_all(&r->to) != 2)
		return -EINVAL;
	if (!lab_test_wait_for(atomic_read(&r->returned) == 3,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	if (lab_wake_all(&r->from) != RQ_WAITERS - 3)
		return -EINVAL;
	c->ok = true;
	return 0;
}

static void wait_requeue_moves_exactly_n_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct requeue_ctl *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->r = kzalloc(sizeof(*c->r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->r);
	ret = lab_run_threads(RQ_WAITERS + 1, requeue_ctl_thread, c, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, c->ok);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->r->returned), RQ_WAITERS);
	for (i = 0; i < RQ_WAITERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, c->r->ret[i], 0, "waiter %d", i);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&c->r->from), 0U);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&c->r->to), 0U);
	kfree(c->r);
	kfree(c);
}

static struct kunit_case wait_test_cases[] = {
	KUNIT_CASE(wait_pingpong_no_lost_wakeup_test),
	KUNIT_CASE(wait_stale_value_returns_eagain_test),
	KUNIT_CASE(wait_timeout_within_twice_the_timeout_test),
	KUNIT_CASE_PARAM(wait_signal_returns_eintr_test, sigwait_gen_params),
	KUNIT_CASE(wait_wake_without_waiters_takes_no_lock_test),
	KUNIT_CASE(wait_requeue_moves_exactly_n_test),
	{}
};

static struct kunit_suite wait_test_suite = {
	.name = "locklab_wait",
	.test_cases = wait_test_cases,
};

kunit_test_suites(&wait_test_suite);
