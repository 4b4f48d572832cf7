// SPDX-License-Identifier: GPL-2.0
/*
 * locklab rendezvous channel (capacity 0): a send returns only once a
 * receiver has the message.
 *
 * Direct hand-off, as Go's unbuffered channels and crossbeam's zero-capacity
 * flavour do it: whoever comes second does the transfer. A sender that
 * finds a receiver waiting copies its message straight into that
 * receiver's buffer and completes it; a receiver that finds a sender
 * waiting copies from the sender's buffer and completes it. Only when the
 * other side has nobody waiting does a task queue itself (a struct
 * rendezvous_waiter on its own stack, holding its buffer) and sleep, after a short
 * spin in case its partner is about to arrive on another CPU. One wake-up
 * per message, to the one task it is for.
 *
 * State, under @lock: two FIFO queues of waiters (senders, receivers) and
 * the two close flags. Invariant: a waiter is queued, claimed or done:
 *
 *   queued    on its queue; only it (giving up) or a partner (claiming)
 *             takes it off, both under @lock
 *   claimed   off the queue, done == 0: a partner is copying; the waiter
 *             may not leave, and does not give up any more
 *   done      done == 1, @result set: the waiter may return (and its
 *             stack frame go) at once
 *
 * A waiter that a signal or its deadline ends takes @lock: still queued,
 * it leaves with -EINTR/-ETIMEDOUT and nothing happened; claimed, it waits
 * (uninterruptibly, for a memcpy) for done, and the transfer counts. So a
 * send that returned 0 was received, and one that failed was not.
 *
 * Ordering. rendezvous_complete() writes @result (and, for a receiver, the copied
 * bytes) and then sets @done with a RELEASE store; the waiter reads @done
 * with an ACQUIRE load before it reads @result or its buffer. The wake-up
 * after the store is the usual CONDITION; wake_up_process() pattern
 * against set_current_state(); check CONDITION in the waiter, which
 * cannot miss it (include/linux/sched.h, "wakeup" comment).
 *
 * A partner reads the waiter's buffer (or writes it) between claim and
 * done, outside @lock: the claim keeps the waiter, and so its buffer,
 * where it is. @lock is held only for queue and flag changes.
 *
 * LAB_CHAN_NONBLOCK: succeed only by pairing with a task already waiting,
 * never queue, never sleep: -EAGAIN otherwise.
 */
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/contention.h>
#include <locklab/wait.h>

#include "channel/chan.h"

/* Spins on @done before sleeping: about a microsecond on real hardware. */
#define RENDEZVOUS_SPIN		128

struct rendezvous_waiter {
	struct list_head node;
	struct task_struct *task;
	union {
		const void *sbuf;	/* sender: the message */
		void *rbuf;		/* receiver: room for it */
	};
	size_t len;			/* sender: its length; receiver: room */
	ssize_t result;			/* set by the partner before @done */
	int done;
};

struct lab_rendezvous {
	struct lab_chan ch;
	spinlock_t lock;		/* protects the queues and flags */
	struct list_head senders;	/* under @lock */
	struct list_head receivers;	/* under @lock */
	bool send_closed;		/* under @lock */
	bool recv_closed;		/* under @lock */
};

static struct lab_rendezvous *to_rv(struct lab_chan *ch)
{
	return container_of(ch, struct lab_rendezvous, ch);
}

/* Queued -> claimed; @lock held. */
static struct rendezvous_waiter *rendezvous_claim_first(struct list_head *q)
{
	struct rendezvous_waiter *w = list_first_entry_or_null(q, struct rendezvous_waiter,
							node);

	if (w)
		list_del_init(&w->node);
	return w;
}

/* Claimed -> done: hand @w its result and wake it. Any context. */
static void rendezvous_complete(struct rendezvous_waiter *w, ssize_t result)
{
	/* @w may be gone once @done is set: keep its task. */
	struct task_struct *t = get_task_struct(w->task);

	w->result = result;
	/* RELEASE: pairs with the ACQUIRE in rendezvous_wait(); see the file comment. */
	smp_store_release(&w->done, 1);
	wake_up_process(t);
	put_task_struct(t);
}

/* Wait for a claimed waiter's partner to finish (a memcpy away). */
static void rendezvous_wait_claimed(struct rendezvous_waiter *w)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		/* ACQUIRE: pairs with the RELEASE in rendezvous_complete(). */
		if (smp_load_acquire(&w->done))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* Queued (by the caller, who dropped @lock): wait to be done, or give up. */
static ssize_t __rendezvous_wait(struct lab_rendezvous *rv,
				 struct rendezvous_waiter *w,
				 unsigned int flags, ktime_t deadline)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RENDEZVOUS_SPIN; i++) {
		/* ACQUIRE: pairs with the RELEASE in rendezvous_complete(). */
		if (smp_load_acquire(&w->done))
			return w->result;
		lab_cpu_relax();
	}
	for (;;) {
		set_current_state(lab_wait_task_state(flags));
		/* ACQUIRE: pairs with the RELEASE in rendezvous_complete(). */
		if (smp_load_acquire(&w->done))
			break;
		ret = lab_wait_should_end(flags, deadline);
		if (ret) {
			__set_current_state(TASK_RUNNING);
			spin_lock(&rv->lock);
			if (!list_empty(&w->node)) {
				list_del_init(&w->node);	/* queued: leave */
				spin_unlock(&rv->lock);
				return ret;
			}
			spin_unlock(&rv->lock);
			rendezvous_wait_claimed(w);	/* claimed: it counts */
			return w->result;
		}
		lab_wait_schedule(deadline);
	}
	__set_current_state(TASK_RUNNING);
	return w->result;
}

static ssize_t rendezvous_wait(struct lab_rendezvous *rv,
			       struct rendezvous_waiter *w, bool send,
			       unsigned int flags, ktime_t deadline)
{
	u64 t0 = lab_chan_wait_begin(&rv->ch, send);
	ssize_t ret = __rendezvous_wait(rv, w, flags, deadline);

	lab_chan_wait_end(&rv->ch, send, ret < 0 ? ret : 0, t0);
	return ret;
}

static int rendezvous_send(struct lab_chan *ch, const void *buf, size_t len,
			   unsigned int flags, ktime_t deadline)
{
	struct lab_rendezvous *rv = to_rv(ch);
	struct rendezvous_waiter me = { .task = current, .sbuf = buf, .len = len };
	struct rendezvous_waiter *r;

	spin_lock(&rv->lock);
	for (;;) {
		if (rv->send_closed || rv->recv_closed) {
			spin_unlock(&rv->lock);
			return -EPIPE;
		}
		r = rendezvous_claim_first(&rv->receivers);
		if (!r)
			break;
		if (r->len < len) {
			/* Too small for this message: that receiver is told. */
			rendezvous_complete(r, -EMSGSIZE);
			continue;
		}
		spin_unlock(&rv->lock);
		if (len)
			memcpy(r->rbuf, buf, len);
		rendezvous_complete(r, len);
		return 0;
	}
	if (flags & LAB_CHAN_NONBLOCK) {
		spin_unlock(&rv->lock);
		return -EAGAIN;
	}
	list_add_tail(&me.node, &rv->senders);
	spin_unlock(&rv->lock);
	return rendezvous_wait(rv, &me, true, lab_chan_wait_flags(flags),
			       deadline);
}

static ssize_t rendezvous_recv(struct lab_chan *ch, void *buf, size_t len,
			       unsigned int flags, ktime_t deadline)
{
	struct lab_rendezvous *rv = to_rv(ch);
	struct rendezvous_waiter me = { .task = current, .rbuf = buf, .len = len };
	struct rendezvous_waiter *s;
	size_t n;

	spin_lock(&rv->lock);
	s = list_first_entry_or_null(&rv->senders, struct rendezvous_waiter, node);
	if (s) {
		if (s->len > len) {
			/* The next message stays with its sender. */
			spin_unlock(&rv->lock);
			return -EMSGSIZE;
		}
		list_del_init(&s->node);	/* claimed */
		spin_unlock(&rv->lock);
		n = s->len;
		if (n)
			memcpy(buf, s->sbuf, n);
		rendezvous_complete(s, 0);
		return n;
	}
	if (rv->send_closed || rv->recv_closed) {
		spin_unlock(&rv->lock);
		return -EPIPE;
	}
	if (flags & LAB_CHAN_NONBLOCK) {
		spin_unlock(&rv->lock);
		return -EAGAIN;
	}
	list_add_tail(&me.node, &rv->receivers);
	spin_unlock(&rv->lock);
	return rendezvous_wait(rv, &me, false, lab_chan_wait_flags(flags),
			       deadline);
}

/* Every waiter of @q gets -EPIPE; @lock held. */
static void rendezvous_fail_all(struct list_head *q)
{
	struct rendezvous_waiter *w;

	while ((w = rendezvous_claim_first(q)))
		rendezvous_complete(w, -EPIPE);
}

static void rendezvous_close(struct lab_rendezvous *rv, bool *flag)
{
	spin_lock(&rv->lock);
	*flag = true;
	rendezvous_fail_all(&rv->senders);	/* they keep their message */
	rendezvous_fail_all(&rv->receivers);
	spin_unlock(&rv->lock);
}

static void rendezvous_close_send(struct lab_chan *ch)
{
	rendezvous_close(to_rv(ch), &to_rv(ch)->send_closed);
}

static void rendezvous_close_recv(struct lab_chan *ch)
{
	rendezvous_close(to_rv(ch), &to_rv(ch)->recv_closed);
}

/* @capacity: must be 0. */
static struct lab_chan *rendezvous_create(size_t capacity, size_t msg_max,
					  struct lab_budget *budget)
{
	struct lab_rendezvous *rv;

	if (capacity)
		return ERR_PTR(-EINVAL);
	rv = lab_chan_alloc(budget, sizeof(*rv));
	if (IS_ERR(rv))
		return ERR_CAST(rv);
	spin_lock_init(&rv->lock);
	INIT_LIST_HEAD(&rv->senders);
	INIT_LIST_HEAD(&rv->receivers);
	return &rv->ch;
}

/* The last endpoint is gone: nobody waits (a waiter holds an endpoint). */
static void rendezvous_destroy(struct lab_chan *ch)
{
	struct lab_rendezvous *rv = to_rv(ch);

	WARN_ON_ONCE(!list_empty(&rv->senders) || !list_empty(&rv->receivers));
	lab_chan_free(ch->budget, rv, sizeof(*rv));
}

const struct lab_chan_ops lab_rendezvous_chan_ops = {
	.name = "rendezvous",
	.kind = LOCKLAB_KIND_CHANNEL,
	.variant = LOCKLAB_CHANNEL_RENDEZVOUS,
	.props = LOCKLAB_PROP_SLEEPS | LOCKLAB_PROP_FIFO,
	.create = rendezvous_create,
	.destroy = rendezvous_destroy,
	.send = rendezvous_send,
	.recv = rendezvous_recv,
	.close_send = rendezvous_close_send,
	.close_recv = rendezvous_close_recv,
};
