// SPDX-License-Identifier: GPL-2.0
/*
 * locklab bounded channel: a multi-producer multi-consumer ring with a
 * sequence number per slot (Dmitry Vyukov's bounded MPMC queue, in the
 * shape crossbeam-channel's array flavour gives it), blocking through
 * lab_wait() when full or empty; and, with capacity 0, a rendezvous
 * channel whose send returns only once a receiver has taken the message.
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
 *   waiter (b_wait_loop)                   notifier (b_notify)
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
 * ---------------------------------------------------------------------------
 * Rendezvous (capacity 0). No ring: one offer slot (@rv_buf, @rv_len) and
 * a state word, with a lab_mutex @send_lock so that one sender offers at
 * a time:
 *
 *   bits 0-1  phase: IDLE 0, OFFERED 1, TAKING 2, TAKEN 3
 *   bit 2     SCLOSED     bit 3  RCLOSED
 *   bits 4-   generation: +1 at every offer (the check of a message's
 *             length and its claim name the same offer)
 *
 *   sender (holds send_lock)  (IDLE, g) -> (OFFERED, g+1)   RELEASE
 *   receiver                  (OFFERED, g) -> (TAKING, g)   ACQUIRE
 *   receiver, after copying   (TAKING, g) -> (TAKEN, g)     RELEASE
 *   sender, then unlocks      (TAKEN, g) -> (IDLE, g)
 *   sender gives up           (OFFERED, g) -> (IDLE, g)     cmpxchg: the
 *                             message was not taken; if it fails, a
 *                             receiver is TAKING and the send succeeds
 *
 * Everyone sleeps on the state word itself, with the exact value that made
 * them sleep, and every change that someone may wait for is followed by
 * lab_wake_all(): the futex argument, no lost wake-ups. The send returns 0
 * only after TAKEN, -EPIPE/-EINTR/-ETIMEDOUT only after withdrawing the
 * offer, so "returned 0" is exactly "a receiver has the message".
 *
 * LAB_CHAN_NONBLOCK on a rendezvous send fails with -EAGAIN unless a
 * receiver is blocked in receive right then; if one is, the message is
 * offered and the send waits (as its flags and deadline allow) for a
 * receiver to take it, which the blocked one does at once unless it gives
 * up at the same moment.
 */
#include <linux/cache.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/mutex.h>
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
	atomic_t waiters;	/* registered sleepers, see b_wait_loop() */
};

struct lab_bounded {
	struct lab_chan ch;
	unsigned long cap;	/* 0: rendezvous */
	unsigned long mark_bit;
	unsigned long one_lap;
	size_t stride;		/* bytes per slot */
	void *ring;
	atomic_t rx_closed;

	atomic_long_t tail ____cacheline_aligned_in_smp;
	struct lab_bside senders;	/* wait for room */

	atomic_long_t head ____cacheline_aligned_in_smp;
	struct lab_bside receivers;	/* wait for a message */

	/* Rendezvous. */
	struct lab_mutex send_lock;
	atomic_t rv_state;
	atomic_t rv_waiting;	/* receivers blocked in receive (a hint) */
	u32 rv_len;		/* written under send_lock in IDLE */
	void *rv_buf;		/* msg_max bytes */
};

static struct lab_bounded *to_bounded(struct lab_chan *ch)
{
	return container_of(ch, struct lab_bounded, ch);
}

/* --- Positions ------------------------------------------------------------ */

static unsigned long b_index(struct lab_bounded *b, unsigned long pos)
{
	return pos & (b->mark_bit - 1);
}

static unsigned long b_next(struct lab_bounded *b, unsigned long pos)
{
	if (b_index(b, pos) + 1 < b->cap)
		return pos + 1;
	return (pos & ~(b->one_lap - 1)) + b->one_lap;
}

static struct lab_bslot *b_slot(struct lab_bounded *b, unsigned long pos)
{
	return b->ring + b_index(b, pos) * b->stride;
}

/* --- Sleeping ------------------------------------------------------------- */

/* After releasing a slot: wake one sleeper of @side, if any. */
static void b_notify(struct lab_bside *side)
{
	/*
	 * Full barrier: the stamp store before the load of @waiters; pairs
	 * with the fully ordered increment in b_wait_loop() (store
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
static void b_notify_all(struct lab_bside *side)
{
	/* Fully ordered: the close before the bump. */
	lab_atomic_fetch_add(&side->ev, 1);
	lab_wake_all(&side->ev);
}

/* One attempt at an operation; -EAGAIN when it would have to wait. */
struct b_op {
	ssize_t (*try)(struct lab_bounded *b, struct b_op *op);
	const void *sbuf;
	void *rbuf;
	size_t len;
};

/*
 * Try @op; while it would wait, register on @side, try again, and sleep
 * on @side->ev. See "Sleeping" in the file comment.
 */
static ssize_t b_wait_loop(struct lab_bounded *b, struct lab_bside *side,
			   struct b_op *op, unsigned int flags,
			   ktime_t deadline)
{
	ssize_t ret = op->try(b, op);
	int err;
	u32 seen;

	if (ret != -EAGAIN || (flags & LAB_CHAN_NONBLOCK))
		return ret;
	for (;;) {
		/* Relaxed: ordered before the retry by the increment's barrier. */
		seen = lab_atomic_read(&side->ev);
		/* Full barrier: pairs with lab_mb() in b_notify(). */
		lab_atomic_fetch_add(&side->waiters, 1);
		ret = op->try(b, op);
		err = 0;
		if (ret == -EAGAIN)
			err = lab_wait(&side->ev, seen,
				       lab_chan_wait_flags(flags), deadline);
		/* Relaxed: a stale count costs one needless wake-up at most. */
		lab_atomic_fetch_sub_relaxed(&side->waiters, 1);
		if (ret != -EAGAIN)
			return ret;
		if (lab_chan_wait_failed(err))
			return err;
	}
}

/* --- Ring send and receive ----------------------------------------------- */

static ssize_t b_try_send(struct lab_bounded *b, struct b_op *op)
{
	unsigned long tail = lab_atomic_long_read(&b->tail), stamp, head, prev;
	struct lab_bslot *s;

	for (;;) {
		/* Relaxed: a close that we miss orders after this send. */
		if ((tail & b->mark_bit) || lab_atomic_read(&b->rx_closed))
			return -EPIPE;
		s = b_slot(b, tail);
		/*
		 * ACQUIRE: pairs with the RELEASE of the stamp in
		 * b_try_recv(): the receiver that emptied the slot is done
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
								 b_next(b, tail)))
				continue;	/* @tail was reloaded */
			if (op->len)
				memcpy(s->data, op->sbuf, op->len);
			WRITE_ONCE(s->len, op->len);
			/* RELEASE: pairs with the ACQUIRE in b_try_recv(). */
			lab_atomic_long_set_release(&s->stamp, tail + 1);
			b_notify(&b->receivers);
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
static bool b_head_unchanged(struct lab_bounded *b, unsigned long *head)
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

static ssize_t b_try_recv(struct lab_bounded *b, struct b_op *op)
{
	unsigned long head = lab_atomic_long_read(&b->head), stamp, tail, prev;
	struct lab_bslot *s;
	u32 len;

	for (;;) {
		/* Relaxed: see b_try_send(). */
		if (lab_atomic_read(&b->rx_closed))
			return -EPIPE;
		s = b_slot(b, head);
		/*
		 * ACQUIRE: pairs with the RELEASE of the stamp in
		 * b_try_send(): the message is complete.
		 */
		stamp = lab_atomic_long_read_acquire(&s->stamp);
		if (stamp == head + 1) {
			len = READ_ONCE(s->len);
			if (len > op->len) {
				if (b_head_unchanged(b, &head))
					return -EMSGSIZE;
				continue;
			}
			/* (head) -> (next). Relaxed: as the claim in b_try_send(). */
			if (!lab_atomic_long_try_cmpxchg_relaxed(&b->head, &head,
								 b_next(b, head)))
				continue;
			if (len)
				memcpy(op->rbuf, s->data, len);
			/* RELEASE: pairs with the ACQUIRE in b_try_send(). */
			lab_atomic_long_set_release(&s->stamp,
						    head + b->one_lap);
			b_notify(&b->senders);
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

/* --- Rendezvous ------------------------------------------------------------ */

#define RV_IDLE		0
#define RV_OFFERED	1
#define RV_TAKING	2
#define RV_TAKEN	3
#define RV_PHASE	3
#define RV_SCLOSED	4
#define RV_RCLOSED	8
#define RV_CLOSED	(RV_SCLOSED | RV_RCLOSED)
#define RV_GEN_ONE	16

/* (IDLE, g) -> (OFFERED, g+1); the generation wraps (in u32). */
static int rv_next_offer(int w)
{
	return (int)((u32)w + RV_GEN_ONE + RV_OFFERED);
}

/* Holding send_lock, the offer is out: wait until it is taken or withdrawn. */
static int rv_await_taker(struct lab_bounded *b, unsigned int wflags,
			  ktime_t deadline)
{
	int w, err;

	for (;;) {
		/*
		 * ACQUIRE: pairs with the RELEASE of TAKEN in rv_recv(): the
		 * receiver is done reading @rv_buf before we reuse it.
		 */
		w = lab_atomic_read_acquire(&b->rv_state);
		switch (w & RV_PHASE) {
		case RV_TAKEN:
			/*
			 * (TAKEN, g) -> (IDLE, g). Relaxed: nobody waits for
			 * IDLE; the next sender sees it through send_lock.
			 */
			lab_atomic_fetch_sub_relaxed(&b->rv_state, RV_TAKEN);
			return 0;
		case RV_TAKING:
			/* The taker copies and never sleeps: a short wait. */
			lab_wait(&b->rv_state, w, 0, LAB_WAIT_FOREVER);
			continue;
		case RV_OFFERED:
			err = -EPIPE;
			if (!(w & RV_RCLOSED))
				err = lab_wait(&b->rv_state, w, wflags, deadline);
			if (!lab_chan_wait_failed(err) && err != -EPIPE)
				continue;
			/*
			 * (OFFERED, g) -> (IDLE, g): withdraw. Relaxed: no
			 * receiver read anything of an offer it did not claim.
			 */
			if (lab_atomic_try_cmpxchg_relaxed(&b->rv_state, &w,
							   w - RV_OFFERED))
				return err;
			continue;	/* claimed meanwhile, or a close bit */
		default:
			WARN_ONCE(1, "locklab: rendezvous offer vanished\n");
			return -EIO;
		}
	}
}

/* Holding send_lock: offer @buf and wait for a taker. */
static int rv_offer(struct lab_bounded *b, const void *buf, size_t len,
		    unsigned int wflags, ktime_t deadline)
{
	int w = lab_atomic_read(&b->rv_state);

	if (w & RV_CLOSED)
		return -EPIPE;
	WARN_ON_ONCE((w & RV_PHASE) != RV_IDLE);
	if (len)
		memcpy(b->rv_buf, buf, len);
	WRITE_ONCE(b->rv_len, len);
	do {
		if (w & RV_CLOSED)
			return -EPIPE;
		/*
		 * (IDLE, g) -> (OFFERED, g+1). RELEASE: publishes @rv_buf and
		 * @rv_len; pairs with the ACQUIRE loads in rv_recv().
		 */
	} while (!lab_atomic_try_cmpxchg_release(&b->rv_state, &w,
						 rv_next_offer(w)));
	lab_wake_all(&b->rv_state);
	return rv_await_taker(b, wflags, deadline);
}

static int rv_send(struct lab_bounded *b, const void *buf, size_t len,
		   unsigned int flags, ktime_t deadline)
{
	int ret;

	if (lab_atomic_read(&b->rv_state) & RV_CLOSED)
		return -EPIPE;
	if (flags & LAB_CHAN_NONBLOCK) {
		/* Relaxed: a hint, see the file comment. */
		if (!lab_atomic_read(&b->rv_waiting) ||
		    !lab_mutex_trylock(&b->send_lock))
			return -EAGAIN;
	} else {
		ret = lab_mutex_lock_wait(&b->send_lock,
					  lab_chan_wait_flags(flags), deadline);
		if (ret)
			return ret;
	}
	ret = rv_offer(b, buf, len, lab_chan_wait_flags(flags), deadline);
	lab_mutex_unlock(&b->send_lock);
	return ret;
}

/* OFFERED seen in @w: take it, or tell why not (-EAGAIN: look again). */
static ssize_t rv_take(struct lab_bounded *b, int w, void *buf, size_t len)
{
	u32 mlen = READ_ONCE(b->rv_len);

	if (mlen > len) {
		/* As b_head_unchanged(): the length belongs to offer @w? */
		lab_fence_acquire();
		return lab_atomic_read(&b->rv_state) == w ? -EMSGSIZE : -EAGAIN;
	}
	/*
	 * (OFFERED, g) -> (TAKING, g). ACQUIRE: pairs with the RELEASE of
	 * the offer in rv_offer().
	 */
	if (!lab_atomic_try_cmpxchg_acquire(&b->rv_state, &w,
					    w - RV_OFFERED + RV_TAKING))
		return -EAGAIN;
	if (mlen)
		memcpy(buf, b->rv_buf, mlen);
	/*
	 * (TAKING, g) -> (TAKEN, g), close bits untouched. RELEASE: pairs
	 * with the ACQUIRE in rv_await_taker().
	 */
	lab_atomic_fetch_add_release(&b->rv_state, RV_TAKEN - RV_TAKING);
	lab_wake_all(&b->rv_state);
	return mlen;
}

static ssize_t rv_recv(struct lab_bounded *b, void *buf, size_t len,
		       unsigned int flags, ktime_t deadline)
{
	bool registered = false;
	ssize_t ret;
	int w;

	for (;;) {
		/* ACQUIRE: pairs with the RELEASE of the offer in rv_offer(). */
		w = lab_atomic_read_acquire(&b->rv_state);
		if (w & RV_RCLOSED) {
			ret = -EPIPE;
			break;
		}
		if ((w & RV_PHASE) == RV_OFFERED) {
			ret = rv_take(b, w, buf, len);
			if (ret != -EAGAIN)
				break;
			continue;
		}
		if (w & RV_SCLOSED) {
			ret = -EPIPE;	/* no offer can come any more */
			break;
		}
		if (flags & LAB_CHAN_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		if (!registered) {
			/* Relaxed: a hint for non-blocking senders. */
			lab_atomic_fetch_add_relaxed(&b->rv_waiting, 1);
			registered = true;
		}
		ret = lab_wait(&b->rv_state, w, lab_chan_wait_flags(flags),
			       deadline);
		if (lab_chan_wait_failed(ret))
			break;
	}
	if (registered)
		lab_atomic_fetch_sub_relaxed(&b->rv_waiting, 1);
	return ret;
}

/* (p, s, r, g) -> the same with @bit set, then wake everyone. */
static void rv_close(struct lab_bounded *b, int bit)
{
	int w = lab_atomic_read(&b->rv_state);

	/* Fully ordered: the bit is set before the wake-up's checks. */
	while (!(w & bit) && !lab_atomic_try_cmpxchg(&b->rv_state, &w, w | bit))
		;
	lab_wake_all(&b->rv_state);
}

/* --- Ops ------------------------------------------------------------------ */

static struct lab_chan *b_create(size_t cap, size_t msg_max)
{
	struct lab_bounded *b;
	struct lab_bslot *s;
	size_t bytes;
	unsigned long i;

	b = lab_chan_alloc(sizeof(*b));
	if (!b)
		return ERR_PTR(-ENOMEM);
	b->cap = cap;
	lab_mutex_init(&b->send_lock, LAB_MUTEX_3STATE);
	if (!cap) {
		b->rv_buf = lab_chan_valloc(msg_max);
		if (!b->rv_buf)
			goto nomem;
		return &b->ch;
	}
	b->mark_bit = roundup_pow_of_two(cap + 1);
	b->one_lap = b->mark_bit * 2;
	b->stride = ALIGN(struct_size(s, data, msg_max), SMP_CACHE_BYTES);
	bytes = array_size(cap, b->stride);
	if (bytes > LAB_BOUNDED_MAX_BYTES) {
		lab_chan_free(b);
		return ERR_PTR(-EINVAL);
	}
	b->ring = lab_chan_valloc(bytes);
	if (!b->ring)
		goto nomem;
	for (i = 0; i < cap; i++)
		atomic_long_set(&b_slot(b, i)->stamp, i);
	return &b->ch;
nomem:
	lab_chan_free(b);
	return ERR_PTR(-ENOMEM);
}

/* @capacity: slots, 1 .. 65536; 0: 64. */
static struct lab_chan *bounded_create(size_t capacity, size_t msg_max,
				       unsigned int flags)
{
	if (capacity > LAB_BOUNDED_MAX_CAP)
		return ERR_PTR(-EINVAL);
	return b_create(capacity ?: LAB_BOUNDED_DEFAULT_CAP, msg_max);
}

/* @capacity: must be 0. */
static struct lab_chan *rendezvous_create(size_t capacity, size_t msg_max,
					  unsigned int flags)
{
	if (capacity)
		return ERR_PTR(-EINVAL);
	return b_create(0, msg_max);
}

static void bounded_destroy(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);

	WARN_ON_ONCE(lab_mutex_is_locked(&b->send_lock));
	lab_chan_vfree(b->ring);	/* messages live in the ring */
	lab_chan_vfree(b->rv_buf);
	lab_chan_free(b);
}

static int bounded_send(struct lab_chan *ch, const void *buf, size_t len,
			unsigned int flags, ktime_t deadline)
{
	struct lab_bounded *b = to_bounded(ch);
	struct b_op op = { .try = b_try_send, .sbuf = buf, .len = len };

	if (!b->cap)
		return rv_send(b, buf, len, flags, deadline);
	return b_wait_loop(b, &b->senders, &op, flags, deadline);
}

static ssize_t bounded_recv(struct lab_chan *ch, void *buf, size_t len,
			    unsigned int flags, ktime_t deadline)
{
	struct lab_bounded *b = to_bounded(ch);
	struct b_op op = { .try = b_try_recv, .rbuf = buf, .len = len };
	ssize_t ret;

	if (!b->cap)
		return rv_recv(b, buf, len, flags, deadline);
	ret = b_wait_loop(b, &b->receivers, &op, flags, deadline);
	/* We may have consumed the wake-up meant for it: pass it on. */
	if (ret == -EMSGSIZE)
		b_notify(&b->receivers);
	return ret;
}

static void bounded_close_send(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);
	unsigned long tail;

	if (!b->cap) {
		rv_close(b, RV_SCLOSED);
		return;
	}
	tail = lab_atomic_long_read(&b->tail);
	/* (lap, 0, index) -> (lap, 1, index). Fully ordered, before the wakes. */
	while (!(tail & b->mark_bit) &&
	       !lab_atomic_long_try_cmpxchg(&b->tail, &tail, tail | b->mark_bit))
		;
	b_notify_all(&b->receivers);
	b_notify_all(&b->senders);
}

static void bounded_close_recv(struct lab_chan *ch)
{
	struct lab_bounded *b = to_bounded(ch);

	if (!b->cap) {
		rv_close(b, RV_RCLOSED);
		return;
	}
	/* Relaxed: ordered before the wake-ups by b_notify_all(). */
	lab_atomic_set(&b->rx_closed, 1);
	b_notify_all(&b->senders);
	b_notify_all(&b->receivers);
}

#define BOUNDED_OPS(_name, _variant, _props, _create)			\
	{								\
		.name = _name,						\
		.kind = LOCKLAB_KIND_CHANNEL,				\
		.variant = _variant,					\
		.props = LOCKLAB_PROP_SLEEPS | (_props),		\
		.create = _create,					\
		.destroy = bounded_destroy,				\
		.send = bounded_send,					\
		.recv = bounded_recv,					\
		.close_send = bounded_close_send,			\
		.close_recv = bounded_close_recv,			\
	}

const struct lab_chan_ops lab_bounded_chan_ops =
	BOUNDED_OPS("bounded", LOCKLAB_CHANNEL_BOUNDED, LOCKLAB_PROP_FIFO,
		    bounded_create);
const struct lab_chan_ops lab_rendezvous_chan_ops =
	BOUNDED_OPS("rendezvous", LOCKLAB_CHANNEL_RENDEZVOUS, 0,
		    rendezvous_create);
