// SPDX-License-Identifier: GPL-2.0
/*
 * locklab kernel-native channel baseline: the kernel's record kfifo
 * (include/linux/kfifo.h, 2-byte length headers) under a spinlock_t, with
 * two wait queues, behind struct lab_chan_ops, so that benchmarks compare
 * locklab's channels with what a driver would write from stock parts.
 *
 * A kfifo is safe without a lock for one reader and one writer only; this
 * channel has any number of both, so every fifo access is under @lock.
 * Capacity counts messages (@count <= @cap); the fifo holds cap records of
 * msg_max bytes, so a message that passes the count check always fits.
 *
 * State, under @lock: (fifo, count, send_closed, recv_closed), with the
 * same meaning as in channel/mpsc.c.
 *
 * Sleeping is the kernel's wait-queue pattern (include/linux/wait.h):
 * a waiter queues itself (prepare_to_wait_exclusive(), which also sets its
 * task state) before it re-checks under @lock; a waker changes the state
 * under @lock, then calls wake_up(). The lock orders the waker's change
 * after the waiter's check or the waiter's check after the change, and
 * the wait-queue lock makes a queued waiter visible to the later
 * wake_up(), so no wake-up is lost. wake_up() wakes one exclusive waiter
 * per message or slot; a waiter that leaves on a signal or deadline tries
 * once more, so a wake-up it consumed is not lost either. Disconnection
 * wakes every waiter.
 */
#include <linux/hrtimer.h>
#include <linux/kfifo.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <locklab/channel.h>

#include "channel/chan.h"

#define LAB_KFIFO_DEFAULT_CAP	64
#define LAB_KFIFO_MAX_CAP	65536
/* kfifo_alloc() uses kmalloc: stay well under KMALLOC_MAX_SIZE. */
#define LAB_KFIFO_MAX_BYTES	SZ_1M

struct lab_kfifo_chan {
	struct lab_chan ch;
	spinlock_t lock;			/* protects the fields marked so */
	struct kfifo_rec_ptr_2 fifo;	/* under @lock */
	unsigned int count;		/* messages in @fifo, under @lock */
	unsigned int cap;
	size_t charged;			/* the kfifo buffer, to the budget */
	bool send_closed;		/* under @lock */
	bool recv_closed;		/* under @lock */
	wait_queue_head_t not_empty;	/* receivers */
	wait_queue_head_t not_full;	/* senders */
};

static struct lab_kfifo_chan *to_kf(struct lab_chan *ch)
{
	return container_of(ch, struct lab_kfifo_chan, ch);
}

/*
 * @capacity: messages, 1 .. 65536, with capacity * (msg_max + 2) at most
 * LAB_KFIFO_MAX_BYTES; 0: 64, or fewer if the messages are large.
 */
static struct lab_chan *kf_create(size_t capacity, size_t msg_max,
				  struct lab_budget *budget)
{
	struct lab_kfifo_chan *kf;
	size_t bytes;

	/* 2-byte record headers: LAB_CHAN_MSG_MAX < 65536. */
	BUILD_BUG_ON(LAB_CHAN_MSG_MAX > U16_MAX);
	BUILD_BUG_ON(LAB_CHAN_MSG_MAX + 2 > LAB_KFIFO_MAX_BYTES);
	if (!capacity)
		capacity = min_t(size_t, LAB_KFIFO_DEFAULT_CAP,
				 LAB_KFIFO_MAX_BYTES / (msg_max + 2));
	if (capacity > LAB_KFIFO_MAX_CAP)
		return ERR_PTR(-EINVAL);
	bytes = array_size(capacity, msg_max + 2);
	if (bytes > LAB_KFIFO_MAX_BYTES)
		return ERR_PTR(-EINVAL);
	kf = lab_chan_alloc(budget, sizeof(*kf));
	if (IS_ERR(kf))
		return ERR_CAST(kf);
	/* kfifo_alloc() rounds the size up to a power of two. */
	kf->charged = lab_charge_size(roundup_pow_of_two(bytes));
	if (lab_budget_charge(budget, kf->charged)) {
		lab_chan_free(budget, kf, sizeof(*kf));
		return ERR_PTR(-ENOSPC);
	}
	if (kfifo_alloc(&kf->fifo, bytes, GFP_KERNEL_ACCOUNT)) {
		lab_budget_uncharge(budget, kf->charged);
		lab_chan_free(budget, kf, sizeof(*kf));
		return ERR_PTR(-ENOMEM);
	}
	lab_chan_count_alloc(1);
	spin_lock_init(&kf->lock);
	init_waitqueue_head(&kf->not_empty);
	init_waitqueue_head(&kf->not_full);
	kf->cap = capacity;
	return &kf->ch;
}

static void kf_destroy(struct lab_chan *ch)
{
	struct lab_kfifo_chan *kf = to_kf(ch);

	kfifo_free(&kf->fifo);
	lab_budget_uncharge(ch->budget, kf->charged);
	lab_chan_count_alloc(-1);
	lab_chan_free(ch->budget, kf, sizeof(*kf));
}

struct kf_op {
	ssize_t (*try)(struct lab_kfifo_chan *kf, struct kf_op *op);
	const void *sbuf;
	void *rbuf;
	size_t len;
};

static ssize_t kf_try_send(struct lab_kfifo_chan *kf, struct kf_op *op)
{
	ssize_t ret = 0;

	spin_lock(&kf->lock);
	if (kf->recv_closed || kf->send_closed) {
		ret = -EPIPE;
	} else if (kf->count == kf->cap) {
		ret = -EAGAIN;
	} else {
		/* Fits: see the file comment. A 0-byte record returns 0. */
		WARN_ON_ONCE(kfifo_in(&kf->fifo, op->sbuf, op->len) != op->len);
		kf->count++;
	}
	spin_unlock(&kf->lock);
	if (!ret)
		wake_up(&kf->not_empty);
	return ret;
}

static ssize_t kf_try_recv(struct lab_kfifo_chan *kf, struct kf_op *op)
{
	ssize_t ret;

	spin_lock(&kf->lock);
	if (kf->recv_closed) {
		ret = -EPIPE;
	} else if (!kf->count) {
		ret = kf->send_closed ? -EPIPE : -EAGAIN;
	} else {
		ret = kfifo_peek_len(&kf->fifo);
		if (ret > op->len) {
			ret = -EMSGSIZE;	/* it stays first */
		} else {
			WARN_ON_ONCE(kfifo_out(&kf->fifo, op->rbuf, ret) != ret);
			kf->count--;
		}
	}
	spin_unlock(&kf->lock);
	if (ret >= 0)
		wake_up(&kf->not_full);
	else if (ret == -EMSGSIZE)
		wake_up(&kf->not_empty);	/* pass on a wake-up we took */
	return ret;
}

static unsigned int kf_task_state(unsigned int flags)
{
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return TASK_INTERRUPTIBLE;
	if (flags & LAB_WAIT_KILLABLE)
		return TASK_KILLABLE;
	return TASK_UNINTERRUPTIBLE;
}

static ssize_t kf_wait_loop(struct lab_kfifo_chan *kf, wait_queue_head_t *wq,
			    struct kf_op *op, unsigned int flags,
			    ktime_t deadline)
{
	unsigned int state = kf_task_state(flags);
	ssize_t ret = op->try(kf, op);
	DEFINE_WAIT(wait);

	if (ret != -EAGAIN || (flags & LAB_CHAN_NONBLOCK))
		return ret;
	for (;;) {
		prepare_to_wait_exclusive(wq, &wait, state);
		ret = op->try(kf, op);
		if (ret != -EAGAIN)
			break;
		if (signal_pending_state(state, current)) {
			ret = -EINTR;
			break;
		}
		if (deadline != LAB_WAIT_FOREVER &&
		    ktime_compare(ktime_get(), deadline) >= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (deadline == LAB_WAIT_FOREVER)
			schedule();
		else
			schedule_hrtimeout_range(&deadline, 0, HRTIMER_MODE_ABS);
	}
	finish_wait(wq, &wait);
	if (lab_wait_gave_up(ret)) {
		/* A wake-up may have come with the signal or the deadline. */
		ssize_t again = op->try(kf, op);

		if (again != -EAGAIN)
			return again;
	}
	return ret;
}

static int kf_send(struct lab_chan *ch, const void *buf, size_t len,
		   unsigned int flags, ktime_t deadline)
{
	struct lab_kfifo_chan *kf = to_kf(ch);
	struct kf_op op = { .try = kf_try_send, .sbuf = buf, .len = len };

	return kf_wait_loop(kf, &kf->not_full, &op, flags, deadline);
}

static ssize_t kf_recv(struct lab_chan *ch, void *buf, size_t len,
		       unsigned int flags, ktime_t deadline)
{
	struct lab_kfifo_chan *kf = to_kf(ch);
	struct kf_op op = { .try = kf_try_recv, .rbuf = buf, .len = len };

	return kf_wait_loop(kf, &kf->not_empty, &op, flags, deadline);
}

static void kf_close_send(struct lab_chan *ch)
{
	struct lab_kfifo_chan *kf = to_kf(ch);

	spin_lock(&kf->lock);
	kf->send_closed = true;
	spin_unlock(&kf->lock);
	wake_up_all(&kf->not_empty);
	wake_up_all(&kf->not_full);
}

static void kf_close_recv(struct lab_chan *ch)
{
	struct lab_kfifo_chan *kf = to_kf(ch);

	spin_lock(&kf->lock);
	kf->recv_closed = true;
	kfifo_reset_out(&kf->fifo);	/* drop what is queued */
	kf->count = 0;
	spin_unlock(&kf->lock);
	wake_up_all(&kf->not_full);
	wake_up_all(&kf->not_empty);
}

const struct lab_chan_ops lab_kernel_kfifo_chan_ops = {
	.name = "kfifo",
	.kind = LOCKLAB_KIND_CHANNEL,
	.variant = LOCKLAB_CHANNEL_KERNEL,
	.props = LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_SLEEPS | LOCKLAB_PROP_FIFO,
	.create = kf_create,
	.destroy = kf_destroy,
	.send = kf_send,
	.recv = kf_recv,
	.close_send = kf_close_send,
	.close_recv = kf_close_recv,
};
