// SPDX-License-Identifier: GPL-2.0
/*
 * locklab one-shot channel: one message, one atomic state machine.
 *
 * The book's chapter 5 "Using a Single Atomic for the Channel State"
 * version, with its "Blocking" section's receiver: the state word goes
 * empty -> writing -> ready -> reading, and every step is a compare-and-
 * swap from the one state it may follow, so a second send or a second
 * receive fails the check instead of racing on the message. Where the book
 * panics, locklab returns an errno; the receiver may sleep in lab_wait()
 * on the state word and the sender wakes it after publishing.
 *
 * Differences from the book: the message is a heap copy of a byte buffer
 * (allocated before the state is touched, so a failed allocation changes
 * nothing); the word also carries the two disconnect bits, so "the other
 * side is gone" and "a message is ready" are decided by one load; any task
 * holding an endpoint may send or receive (the checks make that safe).
 *
 * State word:
 *
 *   bits 0-1  phase: EMPTY 0, WRITING 1, READY 2, READING 3 (terminal:
 *             the message was taken)
 *   bit 2     SCLOSED: the sending side is disconnected
 *   bit 3     RCLOSED: the receiving side is disconnected
 *
 *   send       (EMPTY, 0, 0) -> (WRITING, 0, 0)       cmpxchg, relaxed
 *              (WRITING, s, r) -> (READY, s, r)        add 1, RELEASE
 *   receive    (READY, s, 0) -> (READING, s, 0)        cmpxchg, ACQUIRE
 *   close      (p, s, r) -> (p, 1, r) or (p, s, 1)     cmpxchg loop
 *
 * Errors: send when a side is closed: -EPIPE (the message stays with the
 * caller); else send when the phase is not EMPTY: -EBUSY; receive in EMPTY or
 * WRITING: -EAGAIN (LAB_CHAN_NONBLOCK) or wait; receive in READING (the
 * message was already taken), in EMPTY after SCLOSED (it will never come)
 * or after RCLOSED: -EPIPE; receive with a buffer shorter than the
 * message: -EMSGSIZE, READY stays.
 *
 * Invariants: @msg and @len are written only in WRITING, by the one sender
 * that won EMPTY -> WRITING, and never change after. @len may be read by
 * any receiver that saw READY (the length check); @msg only by the one
 * receiver that won READY -> READING, which frees it, or by destroy if the
 * channel dies in READY. So a receiver that lost the race never touches
 * the message, which the winner may already have freed.
 *
 * No lost wake-up: the sender changes the word (READY) before it calls
 * lab_wake_all(); a receiver sleeps with lab_wait(&state, w) only if the
 * word still holds the value w it decided on, checked under the wait
 * bucket lock (lock/wait.c). Closing likewise changes the word, then wakes.
 */
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/contention.h>
#include <locklab/wait.h>

#include "chan.h"

#define OS_EMPTY	0
#define OS_WRITING	1
#define OS_READY	2
#define OS_READING	3
#define OS_PHASE	3
#define OS_SCLOSED	4
#define OS_RCLOSED	8

struct lab_oneshot {
	struct lab_chan ch;
	atomic_t state;
	size_t len;			/* see "Invariants" */
	struct lab_chan_msg *msg;	/* see "Invariants" */
};

static struct lab_oneshot *to_oneshot(struct lab_chan *ch)
{
	return container_of(ch, struct lab_oneshot, ch);
}

/* @capacity: 0 or 1, there is room for exactly one message. */
static struct lab_chan *oneshot_create(size_t capacity, size_t msg_max,
				       struct lab_budget *budget)
{
	struct lab_oneshot *os;

	if (capacity > 1)
		return ERR_PTR(-EINVAL);
	os = lab_chan_alloc(budget, sizeof(*os));
	if (IS_ERR(os))
		return ERR_CAST(os);
	atomic_set(&os->state, OS_EMPTY);
	return &os->ch;
}

static void oneshot_destroy(struct lab_chan *ch)
{
	struct lab_oneshot *os = to_oneshot(ch);
	int phase = atomic_read(&os->state) & OS_PHASE;

	/* Nobody else holds an endpoint: plain reads are exact. */
	WARN_ON_ONCE(phase == OS_WRITING);
	if (phase == OS_READY)
		lab_chan_msg_free(ch, os->msg);	/* sent, never received */
	lab_chan_free(ch->budget, os, sizeof(*os));
}

static int oneshot_send(struct lab_chan *ch, const void *buf, size_t len,
			unsigned int flags, ktime_t deadline)
{
	struct lab_oneshot *os = to_oneshot(ch);
	struct lab_chan_msg *m = lab_chan_msg_new(ch, buf, len);
	int w, ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	w = lab_atomic_read(&os->state);
	for (;;) {
		if (w & (OS_SCLOSED | OS_RCLOSED)) {
			ret = -EPIPE;
			break;
		}
		if ((w & OS_PHASE) != OS_EMPTY) {
			ret = -EBUSY;
			break;
		}
		/*
		 * (EMPTY, 0, 0) -> (WRITING, 0, 0). Relaxed, as in the book:
		 * the modification order of @state lets exactly one sender
		 * win, and @msg is published by the RELEASE below, not here.
		 */
		if (lab_atomic_try_cmpxchg_relaxed(&os->state, &w,
						   w | OS_WRITING)) {
			ret = 0;
			break;
		}
	}
	if (ret) {
		lab_chan_msg_free(ch, m);	/* the caller keeps its buffer */
		return ret;
	}
	os->msg = m;
	os->len = len;
	/*
	 * (WRITING, s, r) -> (READY, s, r), with the close bits as they are.
	 * RELEASE: publishes @msg, @len and the contents; pairs with the
	 * ACQUIRE load in oneshot_recv() and the cmpxchg in oneshot_take().
	 */
	lab_atomic_fetch_add_release(&os->state, OS_READY - OS_WRITING);
	lab_wake_all(&os->state);
	return 0;
}

/* READY seen in @w: take the message, or tell why not. */
static ssize_t oneshot_take(struct lab_oneshot *os, int *w, void *buf,
			    size_t len)
{
	struct lab_chan_msg *m;
	ssize_t ret;

	if (os->len > len)	/* READY: stable, see "Invariants" */
		return -EMSGSIZE;
	/*
	 * (READY, s, 0) -> (READING, s, 0). ACQUIRE: pairs with the RELEASE
	 * of READY in oneshot_send(); only one receiver wins.
	 */
	if (!lab_atomic_try_cmpxchg_acquire(&os->state, w,
					    (*w & ~OS_PHASE) | OS_READING))
		return -EAGAIN;		/* the word changed: look again */
	m = os->msg;		/* ours alone from here */
	ret = m->len;
	if (m->len)
		memcpy(buf, m->data, m->len);
	lab_chan_msg_free(&os->ch, m);
	return ret;
}

static ssize_t oneshot_recv(struct lab_chan *ch, void *buf, size_t len,
			    unsigned int flags, ktime_t deadline)
{
	struct lab_oneshot *os = to_oneshot(ch);
	ssize_t ret;
	u64 t0;
	int w;

	for (;;) {
		/* ACQUIRE: pairs with the RELEASE of READY in oneshot_send(). */
		w = lab_atomic_read_acquire(&os->state);
		if (w & OS_RCLOSED)
			return -EPIPE;
		switch (w & OS_PHASE) {
		case OS_READY:
			ret = oneshot_take(os, &w, buf, len);
			if (ret != -EAGAIN)
				return ret;
			continue;
		case OS_READING:
			return -EPIPE;	/* already received */
		case OS_EMPTY:
			if (w & OS_SCLOSED)
				return -EPIPE;	/* will never be sent */
			break;
		}
		if (flags & LAB_CHAN_NONBLOCK)
			return -EAGAIN;
		t0 = lab_chan_wait_begin(ch, false);
		ret = lab_wait(&os->state, w, lab_chan_wait_flags(flags),
			       deadline);
		lab_chan_wait_end(ch, false, lab_wait_gave_up(ret) ? ret : 0,
				  t0);
		if (lab_wait_gave_up(ret))
			return ret;
	}
}

/* (p, s, r) -> (p, s, r) | @bit, then wake every waiter. */
static void oneshot_close(struct lab_oneshot *os, int bit)
{
	int w = lab_atomic_read(&os->state);

	/* Fully ordered: the bit is set before the wake-up's checks. */
	while (!(w & bit) && !lab_atomic_try_cmpxchg(&os->state, &w, w | bit))
		;
	lab_wake_all(&os->state);
}

static void oneshot_close_send(struct lab_chan *ch)
{
	oneshot_close(to_oneshot(ch), OS_SCLOSED);
}

static void oneshot_close_recv(struct lab_chan *ch)
{
	oneshot_close(to_oneshot(ch), OS_RCLOSED);
}

const struct lab_chan_ops lab_oneshot_chan_ops = {
	.name = "oneshot",
	.kind = LOCKLAB_KIND_CHANNEL,
	.variant = LOCKLAB_CHANNEL_ONESHOT,
	.props = LOCKLAB_PROP_SLEEPS,
	.create = oneshot_create,
	.destroy = oneshot_destroy,
	.send = oneshot_send,
	.recv = oneshot_recv,
	.close_send = oneshot_close_send,
	.close_recv = oneshot_close_recv,
	.oneshot = true,
};
