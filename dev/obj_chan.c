// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for channels (LOCKLAB_KIND_CHANNEL,
 * LOCKLAB_IOC_CHAN).
 *
 * A channel fd holds endpoints of one channel: LOCKLAB_IOC_CREATE returns
 * an fd with a sender and a receiver endpoint; NEW_SENDER and NEW_RECEIVER
 * make an fd with one endpoint of that side; CLOSE_SEND and CLOSE_RECV
 * drop this fd's endpoint of a side; closing the fd drops what it still
 * has. The last sender gone: receivers drain, then get EPIPE. The last
 * receiver gone: senders get EPIPE and keep their message
 * (include/locklab/channel.h).
 *
 * Endpoint lifetime. A send or receive must run through an endpoint that
 * stays held for the whole call: it is what keeps the channel alive. So
 * each side of an fd counts the calls using it (@users); CLOSE_* clears
 * the side at once (new calls get EBADF) and the last call in flight drops
 * the endpoint. All under @lock, a spinlock: the counts change around
 * calls, never during one.
 *
 * Messages are copied between user memory and a kernel buffer around the
 * channel's send and receive. A receive whose copy to the user faults has
 * consumed the message: the ioctl returns EFAULT and the message is gone.
 *
 * Queued bytes are charged to the /dev/locklab open that created the
 * channel, against the max_queued_bytes module parameter: a send that
 * would go past it is ENOSPC. What is still queued when the channel's last
 * fd goes is uncharged then.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <locklab/channel.h>

#include "object.h"

static unsigned long lab_max_queued_bytes = 1UL << 20;
module_param_named(max_queued_bytes, lab_max_queued_bytes, ulong, 0644);
MODULE_PARM_DESC(max_queued_bytes,
		 "Bytes one open of /dev/locklab may have queued in its channels (default 1 MiB)");

/* Shared by every fd of one channel. */
struct lab_chan_acct {
	struct kref ref;
	struct lab_dev_ctx *ctx;	/* charged for queued bytes */
	atomic_long_t queued;		/* bytes sent and not yet received */
};

struct lab_chan_side {
	bool open;
	bool closing;		/* closed with calls in flight */
	unsigned int users;
};

/* One channel fd. */
struct lab_chan_end {
	struct lab_chan *ch;
	struct lab_chan_acct *acct;
	spinlock_t lock;	/* protects tx and rx */
	struct lab_chan_side tx, rx;
};

static void lab_chan_acct_free(struct kref *ref)
{
	struct lab_chan_acct *a = container_of(ref, struct lab_chan_acct, ref);

	atomic_long_sub(atomic_long_read(&a->queued), &a->ctx->queued_bytes);
	lab_dev_ctx_put(a->ctx);
	kfree(a);
}

/* Drop the endpoint of @side (the channel may be freed here). */
static void lab_chan_end_put(struct lab_chan_end *e, struct lab_chan_side *side)
{
	if (side == &e->tx)
		lab_chan_sender_put(e->ch);
	else
		lab_chan_receiver_put(e->ch);
}

/* Start a call on @side: -EBADF when this fd has no such endpoint. */
static int lab_chan_side_enter(struct lab_chan_end *e,
			       struct lab_chan_side *side)
{
	int ret = 0;

	spin_lock(&e->lock);
	if (side->open)
		side->users++;
	else
		ret = -EBADF;
	spin_unlock(&e->lock);
	return ret;
}

static void lab_chan_side_exit(struct lab_chan_end *e,
			       struct lab_chan_side *side)
{
	bool put;

	spin_lock(&e->lock);
	put = !--side->users && side->closing;
	if (put)
		side->closing = false;
	spin_unlock(&e->lock);
	if (put)
		lab_chan_end_put(e, side);
}

/* CLOSE_SEND / CLOSE_RECV. */
static int lab_chan_side_close(struct lab_chan_end *e,
			       struct lab_chan_side *side)
{
	bool put = false;
	int ret = 0;

	spin_lock(&e->lock);
	if (!side->open) {
		ret = -EBADF;
	} else {
		side->open = false;
		if (side->users)
			side->closing = true;
		else
			put = true;
	}
	spin_unlock(&e->lock);
	if (put)
		lab_chan_end_put(e, side);
	return ret;
}

static struct lab_chan_end *lab_chan_end_alloc(struct lab_chan *ch,
					       struct lab_chan_acct *acct)
{
	struct lab_chan_end *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return NULL;
	e->ch = ch;
	e->acct = acct;
	spin_lock_init(&e->lock);
	return e;
}

static int lab_obj_chan_create(struct lab_obj *obj,
			       const struct locklab_create *c)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(c->variant);
	struct lab_chan_acct *acct;
	struct lab_chan_end *e;
	struct lab_chan *ch;

	if (!ops || c->params[2] || c->params[3])
		return -EINVAL;
	acct = kzalloc(sizeof(*acct), GFP_KERNEL);
	if (!acct)
		return -ENOMEM;
	ch = lab_chan_create(ops, c->chan_capacity, c->chan_msg_max, 0);
	if (IS_ERR(ch)) {
		kfree(acct);
		return PTR_ERR(ch);
	}
	e = lab_chan_end_alloc(ch, acct);
	if (!e) {
		lab_chan_sender_put(ch);
		lab_chan_receiver_put(ch);
		kfree(acct);
		return -ENOMEM;
	}
	kref_init(&acct->ref);
	acct->ctx = obj->ctx;
	lab_dev_ctx_get(obj->ctx);
	e->tx.open = true;
	e->rx.open = true;
	obj->ops = &ops->head;
	obj->prim = e;
	return 0;
}

static void lab_obj_chan_destroy(struct lab_obj *obj)
{
	struct lab_chan_end *e = obj->prim;
	struct lab_chan_acct *acct = e->acct;

	/* No call is in flight: the file is going away. */
	if (e->tx.open || e->tx.closing)
		lab_chan_sender_put(e->ch);
	if (e->rx.open || e->rx.closing)
		lab_chan_receiver_put(e->ch);
	kfree(e);
	kref_put(&acct->ref, lab_chan_acct_free);
}

static unsigned int lab_chan_flags(const struct locklab_chan_op *c)
{
	return LAB_WAIT_INTERRUPTIBLE |
	       (c->flags & LOCKLAB_OP_NONBLOCK ? LAB_CHAN_NONBLOCK : 0);
}

static ktime_t lab_chan_deadline(const struct locklab_chan_op *c)
{
	if (!(c->flags & LOCKLAB_OP_TIMEOUT))
		return LAB_WAIT_FOREVER;
	return lab_deadline(min_t(u64, c->timeout_ns, S64_MAX));
}

static int lab_chan_charge(struct lab_chan_acct *a, long len)
{
	if (atomic_long_add_return(len, &a->ctx->queued_bytes) >
	    lab_max_queued_bytes) {
		atomic_long_sub(len, &a->ctx->queued_bytes);
		return -ENOSPC;
	}
	atomic_long_add(len, &a->queued);
	return 0;
}

static void lab_chan_uncharge(struct lab_chan_acct *a, long len)
{
	atomic_long_sub(len, &a->queued);
	atomic_long_sub(len, &a->ctx->queued_bytes);
}

static int lab_obj_chan_send(struct lab_obj *obj, struct locklab_chan_op *c)
{
	struct lab_chan_end *e = obj->prim;
	void *buf;
	int ret;

	if (c->len > e->ch->msg_max)
		return -EMSGSIZE;
	buf = memdup_user(u64_to_user_ptr(c->buf), c->len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = lab_chan_side_enter(e, &e->tx);
	if (ret)
		goto out;
	ret = lab_chan_charge(e->acct, c->len);
	if (!ret) {
		ret = lab_chan_send(e->ch, buf, c->len, lab_chan_flags(c),
				    lab_chan_deadline(c));
		if (ret)
			lab_chan_uncharge(e->acct, c->len);
		else
			atomic64_inc(&obj->stats.wakeups);
	}
	lab_chan_side_exit(e, &e->tx);
out:
	kfree(buf);
	return ret;
}

static int lab_obj_chan_recv(struct lab_obj *obj, struct locklab_chan_op *c)
{
	struct lab_chan_end *e = obj->prim;
	size_t room = min_t(size_t, c->len, e->ch->msg_max);
	ssize_t got;
	void *buf;
	int ret;

	buf = kmalloc(room ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = lab_chan_side_enter(e, &e->rx);
	if (ret)
		goto out;
	got = lab_chan_recv(e->ch, buf, room, lab_chan_flags(c),
			    lab_chan_deadline(c));
	lab_chan_side_exit(e, &e->rx);
	if (got < 0) {
		ret = got;
		goto out;
	}
	lab_chan_uncharge(e->acct, got);
	atomic64_inc(&obj->stats.acquisitions);
	c->len = got;
	if (copy_to_user(u64_to_user_ptr(c->buf), buf, got))
		ret = -EFAULT;	/* the message is consumed */
out:
	kfree(buf);
	return ret;
}

/* NEW_SENDER / NEW_RECEIVER: an fd with one new endpoint of that side. */
static int lab_obj_chan_new_end(struct lab_obj *obj, struct locklab_chan_op *c,
				void __user *uarg)
{
	struct lab_chan_end *e = obj->prim, *ne;
	bool sender = c->op == LOCKLAB_CHAN_NEW_SENDER;
	struct locklab_chan_op __user *uc = uarg;
	struct lab_chan_side *any;
	int ret;

	/* Any endpoint of ours keeps the channel alive during the get. */
	any = e->tx.open ? &e->tx : &e->rx;
	ret = lab_chan_side_enter(e, any);
	if (ret)
		return ret;
	ne = lab_chan_end_alloc(e->ch, e->acct);
	if (!ne) {
		ret = -ENOMEM;
		goto out;
	}
	ret = sender ? lab_chan_sender_get(e->ch) : lab_chan_receiver_get(e->ch);
	if (ret) {
		kfree(ne);
		goto out;
	}
	if (sender)
		ne->tx.open = true;
	else
		ne->rx.open = true;
	kref_get(&e->acct->ref);
	/* On failure the new object's destroy drops what ne holds. */
	ret = lab_obj_new_handle(obj, obj->type, obj->ops, ne,
				 c->flags & LOCKLAB_CHAN_CLOEXEC, &uc->fd);
	if (!ret && get_user(c->fd, &uc->fd))
		ret = -EFAULT;
out:
	lab_chan_side_exit(e, any);
	return ret;
}

static int lab_obj_chan_ext(struct lab_obj *obj, unsigned int cmd, void *arg,
			    void __user *uarg)
{
	struct lab_chan_end *e = obj->prim;
	struct locklab_chan_op *c = arg;

	if (c->flags & ~(LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_TIMEOUT |
			 LOCKLAB_CHAN_CLOEXEC) || c->__reserved)
		return -EINVAL;
	if ((c->flags & LOCKLAB_OP_NONBLOCK) && (c->flags & LOCKLAB_OP_TIMEOUT))
		return -EINVAL;
	c->fd = -1;
	switch (c->op) {
	case LOCKLAB_CHAN_SEND:
		return lab_obj_chan_send(obj, c);
	case LOCKLAB_CHAN_RECV:
		return lab_obj_chan_recv(obj, c);
	case LOCKLAB_CHAN_NEW_SENDER:
	case LOCKLAB_CHAN_NEW_RECEIVER:
		return lab_obj_chan_new_end(obj, c, uarg);
	case LOCKLAB_CHAN_CLOSE_SEND:
		return lab_chan_side_close(e, &e->tx);
	case LOCKLAB_CHAN_CLOSE_RECV:
		return lab_chan_side_close(e, &e->rx);
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_chan_type = {
	.kind = LOCKLAB_KIND_CHANNEL,
	.name = "[locklab-channel]",
	.create = lab_obj_chan_create,
	.destroy = lab_obj_chan_destroy,
	.ext = lab_obj_chan_ext,
};
