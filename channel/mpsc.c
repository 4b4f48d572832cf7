// SPDX-License-Identifier: GPL-2.0
/*
 * locklab mpsc channel: the book's first channel (ch. 5, "A Simple
 * Mutex-Based Channel"), a queue under a mutex plus a condition variable.
 *
 * Senders append a message to a list under a lab_mutex and then, with the
 * mutex released (as the book does), notify one receiver on a lab_condvar.
 * Receivers take the first message under the mutex, or wait on the condvar
 * while the list is empty. No atomics of its own: lab_mutex and lab_condvar
 * provide all the ordering.
 *
 * The mutex is the book's spinning one (ch. 9, LAB_MUTEX_SPIN): every
 * holder keeps it for a few list operations, so a waiter that spins a
 * little mostly gets it without a sleep and a wake-up. With the plain
 * 3-state mutex, each collision of a sender and a receiver cost both
 * (the 1+1 benchmark measured 0.68x kfifo against 1.17x spinning).
 *
 * Differences from the book: messages are byte buffers copied into a heap
 * message (allocated before the mutex is taken, so the critical section
 * never allocates); the queue is unbounded up to a memory cap (then
 * -ENOSPC), the book's has none; the channel has a sending and a receiving
 * side that disconnect (-EPIPE); waits take signals and deadlines. Like the
 * book's, any number of tasks may receive: "mpsc" names the use, not a
 * restriction.
 *
 * State, all under @lock:
 *   (queue, bytes, send_closed, recv_closed)
 *   bytes = sum of lab_chan_msg_bytes() over the queue, <= cap
 *   recv_closed => queue empty (close_recv frees what was queued) and
 *                  every send fails with -EPIPE
 *   send_closed => every send fails; receivers take what is queued, then
 *                  get -EPIPE
 *
 * No lost wake-up: the condvar's argument (include/locklab/condvar.h). A
 * receiver that found the queue empty reads the condvar counter before it
 * releases @lock; a sender appends under @lock and notifies afterwards, so
 * its notify bumps the counter past the value that receiver read, and the
 * receiver either does not sleep or is woken. Close flags are set under
 * @lock and followed by notify_all, by the same argument.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <locklab/channel.h>
#include <locklab/condvar.h>
#include <locklab/contention.h>
#include <locklab/mutex.h>
#include <locklab/param.h>

#include "chan.h"

static unsigned long lab_mpsc_max_bytes = 4UL << 20;
LAB_PARAM_ULONG(chan_mpsc_max_bytes, lab_mpsc_max_bytes, 64, 1UL << 30, 0644,
		"Most bytes one mpsc channel may queue (a smaller capacity asked at creation wins)");

struct lab_mpsc {
	struct lab_chan ch;
	struct lab_mutex lock;
	struct lab_condvar item_ready;	/* with @lock */
	struct list_head queue;		/* under @lock */
	size_t bytes;			/* under @lock */
	size_t cap;
	bool send_closed;		/* under @lock */
	bool recv_closed;		/* under @lock */
};

static struct lab_mpsc *to_mpsc(struct lab_chan *ch)
{
	return container_of(ch, struct lab_mpsc, ch);
}

/*
 * @capacity: bytes the queue may hold, at most the chan_mpsc_max_bytes
 * parameter (0: that parameter).
 */
static struct lab_chan *mpsc_create(size_t capacity, size_t msg_max,
				    struct lab_budget *budget)
{
	struct lab_mpsc *q = lab_chan_alloc(budget, sizeof(*q));

	if (IS_ERR(q))
		return ERR_CAST(q);
	lab_mutex_init(&q->lock, LAB_MUTEX_SPIN);
	lab_condvar_init(&q->item_ready, LAB_CONDVAR_WAITCOUNT);
	INIT_LIST_HEAD(&q->queue);
	q->cap = min_not_zero(capacity, READ_ONCE(lab_mpsc_max_bytes));
	return &q->ch;
}

static void mpsc_free_list(struct lab_chan *ch, struct list_head *list)
{
	struct lab_chan_msg *m, *next;

	list_for_each_entry_safe(m, next, list, node)
		lab_chan_msg_free(ch, m);
}

static void mpsc_destroy(struct lab_chan *ch)
{
	struct lab_mpsc *q = to_mpsc(ch);

	WARN_ON_ONCE(lab_mutex_is_locked(&q->lock));
	mpsc_free_list(ch, &q->queue);
	lab_chan_free(ch->budget, q, sizeof(*q));
}

/* Trylocks a NONBLOCK op makes before it says -EAGAIN, about a microsecond. */
#define MPSC_NONBLOCK_TRIES	64

/*
 * Take @q->lock for one op. Every holder keeps it for a few list
 * operations and never sleeps under it (the condvar wait drops it), so a
 * NONBLOCK op spins a little on trylock instead of sleeping in the
 * mutex's slow path, and says the op would wait if the holder is slow
 * (preempted, say).
 */
static int mpsc_lock(struct lab_mpsc *q, unsigned int flags, ktime_t deadline)
{
	unsigned int i;

	if (!(flags & LAB_CHAN_NONBLOCK))
		return lab_mutex_lock_wait(&q->lock, lab_chan_wait_flags(flags),
					   deadline);
	for (i = 0; i < MPSC_NONBLOCK_TRIES; i++) {
		if (lab_mutex_trylock(&q->lock))
			return 0;
		cpu_relax();
	}
	return -EAGAIN;
}

static int mpsc_send(struct lab_chan *ch, const void *buf, size_t len,
		     unsigned int flags, ktime_t deadline)
{
	struct lab_mpsc *q = to_mpsc(ch);
	struct lab_chan_msg *m = lab_chan_msg_new(ch, buf, len);
	size_t need;
	int ret;

	if (IS_ERR(m))
		return PTR_ERR(m);
	need = lab_chan_msg_bytes(m);
	/* Never waits for room; the mutex is held only briefly by anyone. */
	ret = mpsc_lock(q, flags, deadline);
	if (ret)
		goto free;
	if (q->recv_closed || q->send_closed) {
		ret = -EPIPE;
	} else if (need > q->cap || q->bytes > q->cap - need) {
		ret = -ENOSPC;
	} else {
		list_add_tail(&m->node, &q->queue);
		q->bytes += need;
	}
	lab_mutex_unlock(&q->lock);
	if (ret)
		goto free;
	lab_condvar_notify_one(&q->item_ready);
	return 0;
free:
	lab_chan_msg_free(ch, m);
	return ret;
}

/*
 * With @lock held, wait until a message is queued or the channel is
 * closed. Returns the first message, or an ERR_PTR(); ERR_PTR(-ENOLCK)
 * means the lock was lost (a signal interrupted relocking).
 */
static struct lab_chan_msg *mpsc_wait_first(struct lab_mpsc *q,
					    unsigned int flags,
					    ktime_t deadline)
{
	struct lab_chan_msg *m;
	int ret;
	u64 t0;

	for (;;) {
		m = list_first_entry_or_null(&q->queue, struct lab_chan_msg,
					     node);
		if (m)
			return m;
		if (q->recv_closed || q->send_closed)
			return ERR_PTR(-EPIPE);
		if (flags & LAB_CHAN_NONBLOCK)
			return ERR_PTR(-EAGAIN);
		t0 = lab_chan_wait_begin(&q->ch, false);
		ret = lab_condvar_wait_flags(&q->item_ready, &q->lock,
					     lab_chan_wait_flags(flags),
					     deadline);
		lab_chan_wait_end(&q->ch, false, ret, t0);
		if (ret == -ENOLCK)
			return ERR_PTR(ret);
		/* A message that raced with the timeout or signal wins. */
		if (ret && list_empty(&q->queue))
			return ERR_PTR(ret);
	}
}

static ssize_t mpsc_recv(struct lab_chan *ch, void *buf, size_t len,
			 unsigned int flags, ktime_t deadline)
{
	struct lab_mpsc *q = to_mpsc(ch);
	struct lab_chan_msg *m;
	ssize_t ret;

	ret = mpsc_lock(q, flags, deadline);
	if (ret)
		return ret;
	m = mpsc_wait_first(q, flags, deadline);
	if (IS_ERR(m)) {
		ret = PTR_ERR(m);
		if (ret == -ENOLCK) {
			/*
			 * Interrupted relocking @lock, which the condvar left
			 * unlocked. The notify that woke us may have been the
			 * only one for a queued message: pass it on.
			 */
			lab_condvar_notify_one(&q->item_ready);
			return -EINTR;
		}
		goto unlock;
	}
	if (m->len > len) {
		/*
		 * It stays first in the queue. We may have consumed the
		 * notify meant for it: pass it on to a receiver with room.
		 */
		lab_mutex_unlock(&q->lock);
		lab_condvar_notify_one(&q->item_ready);
		return -EMSGSIZE;
	}
	list_del(&m->node);
	q->bytes -= lab_chan_msg_bytes(m);
	lab_mutex_unlock(&q->lock);

	ret = m->len;
	if (m->len)
		memcpy(buf, m->data, m->len);
	lab_chan_msg_free(ch, m);
	return ret;
unlock:
	lab_mutex_unlock(&q->lock);
	return ret;
}

static void mpsc_close_send(struct lab_chan *ch)
{
	struct lab_mpsc *q = to_mpsc(ch);

	scoped_guard(lab_mutex, &q->lock)
		q->send_closed = true;
	lab_condvar_notify_all(&q->item_ready);
}

static void mpsc_close_recv(struct lab_chan *ch)
{
	struct lab_mpsc *q = to_mpsc(ch);
	LIST_HEAD(drop);

	scoped_guard(lab_mutex, &q->lock) {
		q->recv_closed = true;
		list_splice_init(&q->queue, &drop);
		q->bytes = 0;
	}
	lab_condvar_notify_all(&q->item_ready);
	mpsc_free_list(ch, &drop);
}

const struct lab_chan_ops lab_mpsc_chan_ops = {
	.name = "mpsc",
	.kind = LOCKLAB_KIND_CHANNEL,
	.variant = LOCKLAB_CHANNEL_MPSC,
	.props = LOCKLAB_PROP_SLEEPS | LOCKLAB_PROP_FIFO,
	.create = mpsc_create,
	.destroy = mpsc_destroy,
	.send = mpsc_send,
	.recv = mpsc_recv,
	.close_send = mpsc_close_send,
	.close_recv = mpsc_close_recv,
};
