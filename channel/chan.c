// SPDX-License-Identifier: GPL-2.0
/*
 * locklab channels: what every flavour shares. Endpoint reference counts,
 * argument checks, dispatch through the ops table, and counted allocations.
 *
 * Endpoints. Three counters in struct lab_chan:
 *
 *   (senders, receivers, sides)   created as (1, 1, 2)
 *
 *   sender_get      s -> s+1, only if s > 0    (a side never comes back)
 *   sender_put      s -> s-1; at 0: close_send(), then sides -> sides-1
 *   receiver_*      the same on r, with close_recv()
 *   sides -> 0      ops->destroy(): nobody can reach the channel any more
 *
 * Invariant: sides == (senders > 0) + (receivers > 0), except between a
 * counter reaching 0 and its side's close/unref completing. While a caller
 * holds an endpoint its side is counted in @sides, so the channel stays
 * allocated through every send, receive and wake-up that caller makes.
 *
 * Ordering, as for any reference count (include/linux/refcount.h): a get
 * is relaxed, since the caller already holds a reference that keeps the
 * object alive; a put is RELEASE, so everything done through the endpoint
 * happens before the close or the free, and whoever drops the last one
 * issues an ACQUIRE fence before acting on it.
 *
 * The allocation counter is a statistic: relaxed, read by tests after the
 * threads that used the channel were joined (the join orders it).
 */
#include <linux/bug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/export.h>

#include "chan.h"

static atomic_long_t lab_chan_allocs = ATOMIC_LONG_INIT(0);

/* Relaxed: a statistic, see the file comment. */
void lab_chan_count_alloc(long delta)
{
	lab_atomic_long_fetch_add_relaxed(&lab_chan_allocs, delta);
}

/**
 * lab_chan_live_allocs() - channel allocations not yet freed, module-wide
 *
 * Return: the number of live channel objects, rings, messages and kfifo
 * buffers. A racy snapshot while channels are in use.
 */
long lab_chan_live_allocs(void)
{
	return lab_atomic_long_read(&lab_chan_allocs);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_live_allocs);

/*
 * Channel memory: charged to the channel's budget (may be NULL) and counted
 * in lab_chan_live_allocs(). Each returns the memory or an ERR_PTR():
 * -ENOSPC (over budget) or -ENOMEM.
 */
static void *lab_chan_counted(void *p)
{
	if (!IS_ERR(p))
		lab_chan_count_alloc(1);
	return p;
}

void *lab_chan_alloc(struct lab_budget *b, size_t size)
{
	return lab_chan_counted(lab_budget_kzalloc(b, size));
}

void lab_chan_free(struct lab_budget *b, const void *p, size_t size)
{
	if (IS_ERR_OR_NULL(p))
		return;
	lab_budget_kfree(b, p, size);
	lab_chan_count_alloc(-1);
}

/* kvzalloc(): rings may be large. */
void *lab_chan_valloc(struct lab_budget *b, size_t size)
{
	return lab_chan_counted(lab_budget_kvzalloc(b, size));
}

void lab_chan_vfree(struct lab_budget *b, const void *p, size_t size)
{
	if (IS_ERR_OR_NULL(p))
		return;
	lab_budget_kvfree(b, p, size);
	lab_chan_count_alloc(-1);
}

/* A heap copy of @len bytes of @buf, charged to @ch's budget. */
struct lab_chan_msg *lab_chan_msg_new(struct lab_chan *ch, const void *buf,
				      size_t len)
{
	struct lab_chan_msg *m;

	m = lab_chan_counted(lab_budget_kmalloc(ch->budget,
						struct_size(m, data, len)));
	if (IS_ERR(m))
		return m;
	INIT_LIST_HEAD(&m->node);
	m->len = len;
	if (len)
		memcpy(m->data, buf, len);
	return m;
}

void lab_chan_msg_free(struct lab_chan *ch, struct lab_chan_msg *m)
{
	lab_chan_free(ch->budget, m, lab_chan_msg_bytes(m));
}

/* What a message costs against the mpsc memory cap. */
size_t lab_chan_msg_bytes(const struct lab_chan_msg *m)
{
	return struct_size(m, data, m->len);
}

/**
 * lab_chan_ops_find() - a channel flavour by its UAPI variant number
 * @variant: enum locklab_channel_variant
 *
 * Return: the ops table, or NULL.
 */
const struct lab_chan_ops *lab_chan_ops_find(u32 variant)
{
	const struct lab_ops_head *h = lab_ops_find(LOCKLAB_KIND_CHANNEL,
						    variant);

	/* Only channel tables carry LOCKLAB_KIND_CHANNEL. */
	return h ? container_of(h, struct lab_chan_ops, head) : NULL;
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_ops_find);

/**
 * lab_chan_create_charged() - make a channel of flavour @ops
 * @ops: the flavour
 * @capacity: in the flavour's unit (bounded, kfifo: messages; mpsc: bytes
 *	queued; oneshot: 0 or 1; rendezvous: 0); 0 picks the flavour's default
 * @msg_max: largest message in bytes, at most LAB_CHAN_MSG_MAX; 0 picks
 *	LAB_CHAN_MSG_DEFAULT
 * @flags: must be 0
 * @budget: what everything the channel allocates is charged to, from the
 *	channel itself to every queued message (NULL: nothing); it must
 *	outlive the channel
 *
 * The caller owns the first sender and the first receiver endpoint. May
 * sleep.
 *
 * Return: the channel, or ERR_PTR(-EINVAL) for a bad argument,
 * ERR_PTR(-ENOSPC) (over budget), ERR_PTR(-ENOMEM).
 */
struct lab_chan *lab_chan_create_charged(const struct lab_chan_ops *ops,
					 size_t capacity, size_t msg_max,
					 unsigned int flags,
					 struct lab_budget *budget)
{
	struct lab_chan *ch;

	if (flags || msg_max > LAB_CHAN_MSG_MAX)
		return ERR_PTR(-EINVAL);
	msg_max = msg_max ?: LAB_CHAN_MSG_DEFAULT;
	ch = ops->create(capacity, msg_max, budget);
	if (IS_ERR(ch))
		return ch;
	ch->ops = ops;
	ch->msg_max = msg_max;
	ch->budget = budget;
	atomic_set(&ch->senders, 1);
	atomic_set(&ch->receivers, 1);
	atomic_set(&ch->sides, 2);
	return ch;
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_create_charged);

/** lab_chan_create() - lab_chan_create_charged() with no budget */
struct lab_chan *lab_chan_create(const struct lab_chan_ops *ops,
				 size_t capacity, size_t msg_max,
				 unsigned int flags)
{
	return lab_chan_create_charged(ops, capacity, msg_max, flags, NULL);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_create);

/* s -> s+1 if s > 0. */
static int lab_chan_ref_get(atomic_t *count)
{
	int old = lab_atomic_read(count);

	do {
		if (old <= 0)
			return -EPIPE;
		/* Relaxed: see "Ordering" in the file comment. */
	} while (!lab_atomic_try_cmpxchg_relaxed(count, &old, old + 1));
	return 0;
}

/* s -> s-1; true when this was the last one. */
static bool lab_chan_ref_put(atomic_t *count)
{
	/* RELEASE: pairs with the ACQUIRE fence of the last put. */
	int old = lab_atomic_fetch_sub_release(count, 1);

	if (WARN_ONCE(old <= 0, "locklab: channel endpoint put too often\n"))
		return false;
	if (old != 1)
		return false;
	/* ACQUIRE: pairs with the RELEASE of every earlier put. */
	lab_fence_acquire();
	return true;
}

static void lab_chan_unref(struct lab_chan *ch)
{
	if (lab_chan_ref_put(&ch->sides))
		ch->ops->destroy(ch);
}

/**
 * lab_chan_sender_get() - add a sender endpoint
 * @ch: a channel the caller holds an endpoint of
 *
 * Never sleeps.
 *
 * Return: 0, or -EPIPE when the sending side is already disconnected.
 */
int lab_chan_sender_get(struct lab_chan *ch)
{
	return lab_chan_ref_get(&ch->senders);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_sender_get);

/**
 * lab_chan_sender_put() - drop a sender endpoint
 * @ch: the channel; the caller may not use this endpoint any more
 *
 * The last one disconnects the sending side (receivers drain, then get
 * -EPIPE). May free the channel. RELEASE. Does not sleep except in the
 * mpsc flavour's close, which takes its mutex.
 */
void lab_chan_sender_put(struct lab_chan *ch)
{
	if (!lab_chan_ref_put(&ch->senders))
		return;
	ch->ops->close_send(ch);
	lab_chan_unref(ch);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_sender_put);

/**
 * lab_chan_receiver_get() - add a receiver endpoint
 * @ch: a channel the caller holds an endpoint of
 *
 * Return: 0, or -EPIPE when the receiving side is already disconnected.
 */
int lab_chan_receiver_get(struct lab_chan *ch)
{
	return lab_chan_ref_get(&ch->receivers);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_receiver_get);

/**
 * lab_chan_receiver_put() - drop a receiver endpoint
 * @ch: the channel; the caller may not use this endpoint any more
 *
 * The last one disconnects the receiving side (senders get -EPIPE and
 * keep their message). May free the channel. RELEASE.
 */
void lab_chan_receiver_put(struct lab_chan *ch)
{
	if (!lab_chan_ref_put(&ch->receivers))
		return;
	ch->ops->close_recv(ch);
	lab_chan_unref(ch);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_receiver_put);

/**
 * lab_chan_destroy() - drop the creator's sender and receiver endpoints
 * @ch: the channel from lab_chan_create()
 *
 * Frees the channel (and any message left in it) unless other endpoints
 * remain.
 */
void lab_chan_destroy(struct lab_chan *ch)
{
	lab_chan_sender_put(ch);
	lab_chan_receiver_put(ch);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_destroy);

/**
 * lab_chan_close_send() - disconnect the sending side now
 * @ch: a channel the caller holds an endpoint of
 *
 * Sends from now on fail with -EPIPE; receivers drain what is queued, then
 * get -EPIPE. Endpoints stay valid and must still be put. Idempotent.
 */
void lab_chan_close_send(struct lab_chan *ch)
{
	ch->ops->close_send(ch);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_close_send);

/**
 * lab_chan_close_recv() - disconnect the receiving side now
 * @ch: a channel the caller holds an endpoint of
 *
 * Sends and receives from now on fail with -EPIPE; blocked senders wake
 * with -EPIPE and keep their message. Idempotent.
 */
void lab_chan_close_recv(struct lab_chan *ch)
{
	ch->ops->close_recv(ch);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_close_recv);

/**
 * lab_chan_send() - send @len bytes of @buf
 * @ch: a channel the caller holds a sender endpoint of
 * @buf: kernel buffer
 * @len: at most the channel's msg_max
 * @flags: LAB_CHAN_NONBLOCK, LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute (lab_deadline()) or LAB_WAIT_FOREVER
 *
 * May sleep. On success the message is queued (or, rendezvous, taken by a
 * receiver); on failure nothing of it stayed in the channel.
 *
 * Return: 0 or a -errno listed in include/locklab/channel.h.
 */
int lab_chan_send(struct lab_chan *ch, const void *buf, size_t len,
		  unsigned int flags, ktime_t deadline)
{
	if (flags & ~LAB_CHAN_OP_FLAGS)
		return -EINVAL;
	if (len > ch->msg_max)
		return -EMSGSIZE;
	might_sleep();
	return ch->ops->send(ch, buf, len, flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_send);

/**
 * lab_chan_recv() - receive the next message into @buf
 * @ch: a channel the caller holds a receiver endpoint of
 * @buf: kernel buffer
 * @len: room in @buf
 * @flags: LAB_CHAN_NONBLOCK, LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute (lab_deadline()) or LAB_WAIT_FOREVER
 *
 * May sleep.
 *
 * Return: the message's length, or a -errno listed in
 * include/locklab/channel.h (-EMSGSIZE leaves the message queued).
 */
ssize_t lab_chan_recv(struct lab_chan *ch, void *buf, size_t len,
		      unsigned int flags, ktime_t deadline)
{
	if (flags & ~LAB_CHAN_OP_FLAGS)
		return -EINVAL;
	might_sleep();
	return ch->ops->recv(ch, buf, len, flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_chan_recv);
