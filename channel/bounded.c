// SPDX-License-Identifier: GPL-2.0
/*
 * locklab bounded channel: a multi-producer multi-consumer ring with a
 * sequence number per slot (Dmitry Vyukov's bounded MPMC queue, in the
 * shape crossbeam-channel's array flavour gives it), blocking through
 * lab_wait() when full or empty. (Capacity 0, the rendezvous channel, is
 * channel/rendezvous.c.)
 *
 * ---------------------------------------------------------------------------
 * The ring.
 *
 * Positions are unsigned longs that encode (lap, mark, index):
 *
 *   index   bits below mark_bit: the slot, 0 .. cap-1
 *   mark    mark_bit = roundup_pow_of_two(cap + 1); set in @tail only, once
 *           the sending side is disconnected
 *   lap     the bits from one_lap = 2 * mark_bit up: how many times the
 *           position went round the ring (wraps harmlessly: positions and
 *           stamps are only compared for equality)
 *
 * next(pos) is pos + 1 within a lap and (lap + one_lap, index 0) after
 * the last slot. @head is the next position to receive, @tail (without
 * the mark) the next position to send. Each slot has a stamp, initially
 * its index, that says who may use it:
 *
 *   stamp == pos          empty for the lap of pos: a sender at pos may
 *                         claim it
 *   stamp == pos + 1      holds the message sent at pos: a receiver at pos
 *                         may claim it
 *   stamp == pos + one_lap   emptied; empty for the next lap
 *
 *   send at t:     stamp == t: cmpxchg tail t -> next(t) (claim), copy in,
 *                  stamp = t + 1 (RELEASE)
 *   receive at h:  stamp == h + 1: cmpxchg head h -> next(h) (claim),
 *                  copy out, stamp = h + one_lap (RELEASE)
 *
 * Invariants: head <= tail (positions, mark excluded) and tail - head <=
 * cap slots; a slot is written only by the sender that claimed it and
 * read only by the receiver that claimed it, between the claim and the
 * stamp store; the stamp goes pos -> pos+1 -> pos+one_lap and nothing else.
 * A claimed slot is always released: copies never sleep.
 *
 * Where Vyukov's queue and crossbeam spin (a slot claimed but not yet
 * released by the other side), this one treats the slot as not ready and
 * sleeps like on a full or empty ring: the task that claimed it wakes the
 * sleepers when it releases it. So no task ever spins on another, which
 * matters on a uniprocessor or PREEMPT_NONE kernel.
 *
 * Disconnection. close_send sets the mark in @tail with a cmpxchg, so each
 * send claimed its slot either before the mark (its message counts) or
 * sees the mark and fails with -EPIPE. A receiver that finds the slot at
 * @head empty and @tail == head with the mark knows nothing more can
 * arrive: -EPIPE after draining, and never before. close_recv sets
 * @rx_closed; sends and receives that see it fail with -EPIPE (a send that
 * claimed its slot before has succeeded: its message dies with the ring).
 *
 * ---------------------------------------------------------------------------
 * Sleeping. Each direction has an event counter and a count of sleepers:
 * receivers sleep on @receivers.ev while the ring gives them nothing,
 * senders on @senders.ev while it gives them no room. After releasing a
 * slot, a sender notifies the receivers and a receiver the senders:
 *
 *   waiter (bounded_wait_loop)                   notifier (bounded_notify)
 *     seen = ev                              stamp = ... (RELEASE)
 *     fetch_add(&waiters, 1) (full) <-SB->   lab_mb()
 *     try again: read stamps, head, tail     if (!waiters) return
 *     if it failed: lab_wait(&ev, seen)      ev++; lab_wake_one(&ev)
 *
 * No lost wake-up: the two full barriers make this the store-buffering
 * pattern, so either the waiter's second try sees the released stamp, or
 * the notifier sees the waiter counted and bumps @ev. In the second case,
 * either the waiter read @ev after the bump, and then (the bump follows
 * the stamp, the try follows the read of @ev, both through full barriers)
 * its try saw the stamp; or it read @ev before, and lab_wait() either
 * finds @ev changed (-EAGAIN) or sleeps before the bump's wake-up, which
 * wakes it (lock/wait.c). One wake-up per released slot suffices: a woken
 * task tries again before it can give up (lab_wait() returns 0 to a task
 * that was woken, even if its deadline passed), so the slot is used by it
 * or by someone else. Disconnection bumps @ev and wakes everybody.
 *
 */
#include <linux/cache.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/contention.h>
#include <locklab/wait.h>

#include "chan.h"

#define LAB_BOUNDED_DEFAULT_CAP	64
#define LAB_BOUNDED_MAX_CAP	65536
#define LAB_BOUNDED_MAX_BYTES	(16UL << 20)

struct lab_bslot {
	atomic_long_t stamp;
	u32 len;
	u8 data[];
};

/* The sleepers of one direction. */
struct lab_bside {
	atomic_t ev;		/* bumped by the other side, waited on */
	atomic_t waiters;	/* registered sleepers, see bounded_wait_loop() */
};

struct lab_bounded {
	struct lab_chan ch;
	unsigned long cap;
	unsigned long mark_bit;
	unsigned long one_lap;
	size_t stride;		/* bytes per slot */
	void *ring;
	atomic_t rx_closed;

	atomic_long_t tail ____cacheline_aligned_in_smp;
	struct lab_bside senders;	/* wait for room */

	atomic_long_t head ____cacheline_aligned_in_smp;
	struct lab_bside receivers;	/* wait for a message */

	size_t ring_bytes;	/* as charged */
};

static struct lab_bounded *to_bounded(struct lab_chan *ch)
{
	return container_of(ch, struct lab_bounded, ch);
}

/* --- Positions ------------------------------------------------------------ */

static unsigned long bounded_index(struct lab_bounded *b, unsigned long pos)
{
	return pos & (b->mark_bit - 1);
}

static unsigned long bounded_next(struct lab_bounded *b, unsigned long pos)
{
	if (bounded_index(b, pos) + 1 < b->cap)
		return pos + 1;
	return (pos & ~(b->one_lap - 1)) + b->one_lap;
}

static struct lab_bslot *bounded_slot(struct lab_bounded *b, unsigned long pos)
{
	return b->ring + bounded_index(b, pos) * b->stride;
}

/* --- Sleeping ------------------------------------------------------------- */

/* After releasing a slot: wake one sleeper of @side, if any. */
static void bounded_notify(struct lab_bside *side)
{
	/*
	 * Full barrier: the stamp store before the load of @waiters; pairs
	 * with the fully ordered increment in bounded_wait_loop() (store
	 * buffering, see the file comment).
	 */
	lab_mb();
	if (!lab_atomic_read(&side->waiters))
		return;
	/*
	 * Relaxed: ordered after the stamp by lab_mb() above, and before the
	 * wake-up's check by lab_wake()'s own full barrier.
	 */
	lab_atomic_fetch_add_relaxed(&side->ev, 1);
	lab_wake_one(&side->ev);
}

/* After a disconnection: wake every sleeper of @side. */
static void bounded_notify_all(struct lab_bside *side)
{
	/* Fully ordered: the close before the bump. */
	lab_atomic_fetch_add(&side->ev, 1);
	lab_wake_all(&side->ev);
}

/* One attempt at an operation; -EAGAIN when it would have to wait. */
struct bounded_op {
	ssize_t (*try)(struct lab_bounded *b, struct bounded_op *op);
	const void *sbuf;
	void *rbuf;
	size_t len;
};

/*
 * Try @op; while it would wait, register on @side, try again, and sleep
 * on @side->ev. See "Sleeping" in the file comment.
 */
static ssize_t bounded_wait_loop(struct lab_bounded *b, struct lab_bside *side,
				 struct bounded_op *op, unsigned int flags,
				 ktime_t deadline)
{
	ssize_t ret = op->try(b, op);
	bool send = side == &b->senders;
	int err;
	u32 seen;
	u64 t0;

	if (ret != -EAGAIN || (flags & LAB_CHAN_NONBLOCK))
		return ret;
	t0 = lab_chan_wait_begin(&b->ch, send);
	for (;;) {
		/* Relaxed: ordered before the retry by the increment's barrier. */
		seen = lab_atomic_read(&side->ev);
		/* Full barrier: pairs with lab_mb() in bounded_notify(). */
		lab_atomic_fetch_add(&side->waiters, 1);
		ret = op->try(b, op);
		err = 0;
		if (ret == -EAGAIN)
			err = lab_wait(&side->ev, seen,
				       lab_chan_wait_flags(flags), deadline);
		/* Relaxed: a stale count costs one needless wake-up at most. */
		lab_atomic_fetch_sub_relaxed(&side->waiters, 1);
		if (ret != -EAGAIN)
			break;
		if (lab_wait_gave_up(err)) {
			ret = err;
			break;
		}
	}
	lab_chan_wait_end(&b->ch, send, ret < 0 ? ret : 0, t0);
	return ret;
}

/* --- Ring send and receive ----------------------------------------------- */

static ssize_t bounded_try_send(struct lab_bounded *b, struct bounded_op *op)
{
	unsigned long tail = lab_atomic_long_read(&b->tail), stamp, head, prev;
	struct lab_bslot *s;

	for (;;) {
		/* Relaxed: a close that we miss orders after this send. */
		if ((tail & b->mark_bit) || lab_atomic_read(&b->rx_closed))
			return -EPIPE;
		s = bounded_slot(b, tail);
		/*
		 * ACQUIRE: pairs with the RELEASE of the stamp in
		 * bounded_try_recv(): the receiver that emptied the slot is done
		 * reading it before we write it.
		 */
		stamp = lab_atomic_long_read_acquire(&s->stamp);
		if (stamp == tail) {
			/*
			 * (tail) -> (next). Relaxed: the claim publishes
			 * nothing; the slot's contents are published by the
			 * RELEASE of its stamp below.
			 */
			if (!lab_atomic_long_try_cmpxchg_relaxed(&b->tail, &tail,
								 bounded_next(b, tail)))
				continue;	/* @tail was reloaded */
			if (op->len)
				memcpy(s->data, op->sbuf, op->len);
			WRITE_ONCE(s->len, op->len);
			/* RELEASE: pairs with the ACQUIRE in bounded_try_recv(). */
			lab_atomic_long_set_release(&s->stamp, tail + 1);
			bounded_notify(&b->receivers);
			return 0;
		}
		if (stamp + b->one_lap == tail + 1) {
			/* Still holds the previous lap's message. */
			head = lab_atomic_long_read(&b->head);
			if (head + b->one_lap == tail)
				return -EAGAIN;		/* full */
		}
		/*
		 * A receiver claimed the slot and is copying out of it, or
		 * @tail is stale. If @tail did not move, wait for that
		 * receiver's release (it notifies).
		 */
		prev = tail;
		tail = lab_atomic_long_read(&b->tail);
		if (tail == prev)
			return -EAGAIN;
	}
}

/* Too long for the caller: -EMSGSIZE if the slot still heads the ring. */
static bool bounded_head_unchanged(struct lab_bounded *b, unsigned long *head)
{
	unsigned long prev = *head;

	/*
	 * Order the length load before the reload of @head. A length from a
	 * later lap was written after a receiver moved @head past us (the
	 * stamp RELEASE/ACQUIRE chain), so the reload then sees it moved.
	 */
	lab_fence_acquire();
	*head = lab_atomic_long_read(&b->head);
	return *head == prev;
}

static ssize_t bounded_try_recv(struct lab_bounded *b, struct bounded_op *op)
{
	unsigned long head = lab_atomic_long_read(&b->head), stamp, tail, prev;
	struct lab_bslot *s;
	u32 len;

	for (;;) {
		/* Relaxed: see bounded_try_send(). */
		if (lab_atomic_read(&b->rx_closed))
			return -EPIPE;
		s = bounded_slot(b, head);
		/*
		 * ACQUIRE: pairs with the RELEASE of the stamp in
		 * bounded_try_send(): the message is complete.
		 */
		stamp = lab_atomic_long_read_acquire(&s->stamp);
		if (stamp == head + 1) {
			len = READ_ONCE(s->len);
			if (len > op->len) {
				if (bounded_head_unchanged(b, &head))
					return -EMSGSIZE;
				continue;
			}
			/* (head) -> (next). Relaxed: as the claim in bounded_try_send(). */
			if (!lab_atomic_long_try_cmpxchg_relaxed(&b->head, &head,
								 bounded_next(b, head)))
				continue;
			if (len)
				memcpy(op->rbuf, s->data, len);
			/* RELEASE: pairs with the ACQUIRE in bounded_try_send(). */
			lab_atomic_long_set_release(&s->stamp,
						    head + b->one_lap);
			bounded_notify(&b->senders);
			return len;
		}
		if (stamp == head) {
			/* Empty for this lap: is anything on its way? */
			tail = lab_atomic_long_read(&b->tail);
			if ((tail & ~b->mark_bit) == head)
				return tail & b->mark_bit ? -EPIPE : -EAGAIN;
		}
		/* A sender is copying into the slot, or @head is stale. */
		prev = head;
		head = lab_atomic_long_read(&b->head);
		if (head == prev)
			return -EAGAIN;
	}
}

/* --- Ops ------------------------------------------------------------------ */

/* @capacity: slots, 1 .. 65536; 0: 64. */
static struct lab_chan *bounded_create(size_t capacity, size_t msg_max,
				       struct lab_budget *budget)
{
	size_t cap = capacity ?: LAB_BOUNDED_DEFAULT_CAP, bytes;
	struct lab_bounded *b;
	struct lab_bslot *s;
	unsigned long i;
	void *ring;

	if (capacity > LAB_BOUNDED_MAX_CAP)
		return ERR_PTR(-EINVAL);
	bytes = array_size(cap, ALIGN(struct_size(s, data, msg_max),
				      SMP_CACHE_BYTES));
	if (bytes > LAB_BOUNDED_MAX_BYTES)
		return ERR_PTR(-EINVAL);
	b = lab_chan_alloc(budget, sizeof(*b));
	if (IS_ERR(b))
		return ERR_CAST(b);
	ring = lab_chan_valloc(budget, bytes);
	if (IS_ERR(ring)) {
		lab_chan_free(budget, b, sizeof(*b));
		return ERR_CAST(ring);
	}
	b->cap = cap;
	b->mark_bit = roundup_pow_of_two(cap + 1);
	b->one_lap = b->mark_bit * 2;
	b->stride = ALIGN(struct_size(s, data, msg_max), SMP_CACHE_BYTES);
	b->ring = ring;
	b->ring_bytes = bytes;
	for (i = 0; i < cap; i++)
		atomic_long_set(&bounded_slot(b, i)->stamp, i);
	return &b->ch;
}

static void bounded_destroy(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);

	/* Messages live in the ring. */
	lab_chan_vfree(ch->budget, b->ring, b->ring_bytes);
	lab_chan_free(ch->budget, b, sizeof(*b));
}

static int bounded_send(struct lab_chan *ch, const void *buf, size_t len,
			unsigned int flags, ktime_t deadline)
{
	struct lab_bounded *b = to_bounded(ch);
	struct bounded_op op = { .try = bounded_try_send, .sbuf = buf, .len = len };

	return bounded_wait_loop(b, &b->senders, &op, flags, deadline);
}

static ssize_t bounded_recv(struct lab_chan *ch, void *buf, size_t len,
			    unsigned int flags, ktime_t deadline)
{
	struct lab_bounded *b = to_bounded(ch);
	struct bounded_op op = { .try = bounded_try_recv, .rbuf = buf, .len = len };
	ssize_t ret;

	ret = bounded_wait_loop(b, &b->receivers, &op, flags, deadline);
	/* We may have consumed the wake-up meant for it: pass it on. */
	if (ret == -EMSGSIZE)
		bounded_notify(&b->receivers);
	return ret;
}

static void bounded_close_send(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);
	unsigned long tail;

	tail = lab_atomic_long_read(&b->tail);
	/* (lap, 0, index) -> (lap, 1, index). Fully ordered, before the wakes. */
	while (!(tail & b->mark_bit) &&
	       !lab_atomic_long_try_cmpxchg(&b->tail, &tail, tail | b->mark_bit))
		;
	bounded_notify_all(&b->receivers);
	bounded_notify_all(&b->senders);
}

static void bounded_close_recv(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);

	/* Relaxed: ordered before the wake-ups by bounded_notify_all(). */
	lab_atomic_set(&b->rx_closed, 1);
	bounded_notify_all(&b->senders);
	bounded_notify_all(&b->receivers);
}

const struct lab_chan_ops lab_bounded_chan_ops = {
	.name = "bounded",
	.kind = LOCKLAB_KIND_CHANNEL,
	.variant = LOCKLAB_CHANNEL_BOUNDED,
	.props = LOCKLAB_PROP_SLEEPS | LOCKLAB_PROP_FIFO,
	.create = bounded_create,
	.destroy = bounded_destroy,
	.send = bounded_send,
	.recv = bounded_recv,
	.close_send = bounded_close_send,
	.close_recv = bounded_close_recv,
};
