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
 * Endpoint lifetime, by construction. The channel is reached only through
 * lab_chan_end_get(), which returns it with a use of one side of this fd
 * counted (@users), or -EBADF when the fd has no endpoint of that side:
 * an endpoint is what keeps the channel allocated, and a counted use keeps
 * the endpoint. CLOSE_* clears the side at once (new calls get EBADF) and
 * the last use in flight drops the endpoint (lab_chan_end_put()). So no
 * call ever touches a channel that its endpoints have left, whatever the
 * order of sends, receives and closes from any number of threads. All of
 * it under @lock, a spinlock: the counts change around calls, never
 * during one.
 *
 * Messages are copied between user memory and a kernel buffer around the
 * channel's send and receive. A receive whose copy to the user faults has
 * consumed the message: the ioctl returns EFAULT and the message is gone.
 *
 * Memory. The channel is created charged to the budget of the open that
 * made it (lab_chan_create_charged()), so everything it allocates, each
 * queued message with its header, each ring, is charged there and to its
 * user; so are the endpoints' own state and the bounce buffers of calls
 * in flight. A send past the budget is ENOSPC.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <locklab/budget.h>
#include <locklab/channel.h>

#include "object.h"

struct lab_chan_side {
	bool open;		/* this fd has an endpoint of the side */
	bool closing;		/* closed with uses in flight */
	unsigned int users;	/* uses in flight */
};

/* One channel fd. */
struct lab_chan_end {
	struct lab_chan *ch;
	spinlock_t lock;	/* protects tx and rx */
	struct lab_chan_side tx, rx;
};

/* Drop the endpoint of @side (the channel may be freed here). */
static void lab_chan_end_drop(struct lab_chan_end *e,
			      struct lab_chan_side *side)
{
	if (side == &e->tx)
		lab_chan_sender_put(e->ch);
	else
		lab_chan_receiver_put(e->ch);
}

/**
 * lab_chan_end_get() - the channel, through this fd's endpoint of @side
 * @e: the fd's endpoints
 * @side: &e->tx or &e->rx
 *
 * Return: the channel, valid until lab_chan_end_put(@e, @side); or
 * ERR_PTR(-EBADF) when this fd has no endpoint of @side.
 */
static struct lab_chan *lab_chan_end_get(struct lab_chan_end *e,
					 struct lab_chan_side *side)
{
	struct lab_chan *ch = ERR_PTR(-EBADF);

	spin_lock(&e->lock);
	if (side->open) {
		side->users++;
		ch = e->ch;
	}
	spin_unlock(&e->lock);
	return ch;
}

static void lab_chan_end_put(struct lab_chan_end *e,
			     struct lab_chan_side *side)
{
	bool drop;

	spin_lock(&e->lock);
	drop = !--side->users && side->closing;
	if (drop)
		side->closing = false;
	spin_unlock(&e->lock);
	if (drop)
		lab_chan_end_drop(e, side);
}

/* CLOSE_SEND / CLOSE_RECV. */
static int lab_chan_side_close(struct lab_chan_end *e,
			       struct lab_chan_side *side)
{
	bool drop = false;
	int ret = 0;

	spin_lock(&e->lock);
	if (!side->open) {
		ret = -EBADF;
	} else {
		side->open = false;
		if (side->users)
			side->closing = true;
		else
			drop = true;
	}
	spin_unlock(&e->lock);
	if (drop)
		lab_chan_end_drop(e, side);
	return ret;
}

static struct lab_chan_end *lab_chan_end_new(struct lab_obj *obj,
					     struct lab_chan *ch)
{
	struct lab_chan_end *e = lab_budget_kzalloc(&obj->ctx->budget,
						    sizeof(*e));

	if (IS_ERR(e))
		return e;
	e->ch = ch;
	spin_lock_init(&e->lock);
	return e;
}

static int lab_obj_chan_create(struct lab_obj *obj,
			       const struct locklab_create *c)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(c->variant);
	struct lab_chan_end *e;
	struct lab_chan *ch;

	if (!ops || c->params[2] || c->params[3])
		return -EINVAL;
	ch = lab_chan_create_charged(ops, c->chan_capacity, c->chan_msg_max,
				     0, &obj->ctx->budget);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	e = lab_chan_end_new(obj, ch);
	if (IS_ERR(e)) {
		lab_chan_destroy(ch);
		return PTR_ERR(e);
	}
	e->tx.open = true;
	e->rx.open = true;
	obj->ops = &ops->head;
	obj->prim = e;
	return 0;
}

/* The file is gone: no use is in flight; drop what the fd still has. */
static void lab_obj_chan_destroy(struct lab_obj *obj)
{
	struct lab_chan_end *e = obj->prim;

	if (e->tx.open || e->tx.closing)
		lab_chan_sender_put(e->ch);
	if (e->rx.open || e->rx.closing)
		lab_chan_receiver_put(e->ch);
	lab_budget_kfree(&obj->ctx->budget, e, sizeof(*e));
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

static int lab_obj_chan_send(struct lab_obj *obj, struct locklab_chan_op *c)
{
	struct lab_budget *b = &obj->ctx->budget;
	struct lab_chan_end *e = obj->prim;
	struct lab_chan *ch;
	size_t len = c->len;
	void *buf;
	int ret;

	ch = lab_chan_end_get(e, &e->tx);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	ret = -EMSGSIZE;
	if (len > ch->msg_max)
		goto out;
	buf = lab_budget_kmalloc(b, len ?: 1);
	ret = PTR_ERR_OR_ZERO(buf);
	if (ret)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(buf, u64_to_user_ptr(c->buf), len))
		goto free;
	ret = lab_chan_send(ch, buf, len, lab_chan_flags(c),
			    lab_chan_deadline(c));
	if (!ret)
		atomic64_inc(&obj->stats.wakeups);
free:
	lab_budget_kfree(b, buf, len ?: 1);
out:
	lab_chan_end_put(e, &e->tx);
	return ret;
}

static int lab_obj_chan_recv(struct lab_obj *obj, struct locklab_chan_op *c)
{
	struct lab_budget *b = &obj->ctx->budget;
	struct lab_chan_end *e = obj->prim;
	struct lab_chan *ch;
	int reserved, ret = 0;
	unsigned int flags;
	ssize_t got;
	size_t room;
	void *buf;

	ch = lab_chan_end_get(e, &e->rx);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	room = min_t(size_t, c->len, ch->msg_max);
	/*
	 * The bounce buffer is charged to the channel creator's open. Past
	 * its budget only on the user's one reserve, and then the receive
	 * takes a queued message or nothing, never waits: a full budget can
	 * always be drained, and no receive blocked on an empty channel keeps
	 * the reserve from one that could drain.
	 */
	reserved = lab_budget_charge_reserve(b, lab_charge_size(room ?: 1));
	if (reserved < 0) {
		ret = reserved;
		goto out;
	}
	buf = kmalloc(room ?: 1, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		lab_budget_uncharge_reserve(b, lab_charge_size(room ?: 1),
					    reserved);
		ret = -ENOMEM;
		goto out;
	}
	flags = lab_chan_flags(c);
	if (reserved)
		flags |= LAB_CHAN_NONBLOCK;
	got = lab_chan_recv(ch, buf, room, flags, lab_chan_deadline(c));
	if (got < 0) {
		ret = got;
		if (ret == -EAGAIN && reserved &&
		    !(c->flags & LOCKLAB_OP_NONBLOCK))
			ret = -ENOSPC;	/* it would wait past the budget */
		goto free;
	}
	atomic64_inc(&obj->stats.acquisitions);
	c->len = got;
	if (copy_to_user(u64_to_user_ptr(c->buf), buf, got))
		ret = -EFAULT;	/* the message is consumed */
free:
	kfree(buf);
	lab_budget_uncharge_reserve(b, lab_charge_size(room ?: 1), reserved);
out:
	lab_chan_end_put(e, &e->rx);
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
	struct lab_chan *ch;
	int ret;

	/* Any endpoint of ours keeps the channel alive during the get. */
	any = &e->tx;
	ch = lab_chan_end_get(e, any);
	if (IS_ERR(ch)) {
		any = &e->rx;
		ch = lab_chan_end_get(e, any);
		if (IS_ERR(ch))
			return PTR_ERR(ch);
	}
	ne = lab_chan_end_new(obj, ch);
	if (IS_ERR(ne)) {
		ret = PTR_ERR(ne);
		goto out;
	}
	ret = sender ? lab_chan_sender_get(ch) : lab_chan_receiver_get(ch);
	if (ret) {
		lab_budget_kfree(&obj->ctx->budget, ne, sizeof(*ne));
		goto out;
	}
	if (sender)
		ne->tx.open = true;
	else
		ne->rx.open = true;
	/* On failure the new object's destroy drops what ne holds. */
	ret = lab_obj_new_handle(obj, ne, c->flags & LOCKLAB_CHAN_CLOEXEC,
				 &uc->fd);
	if (!ret && get_user(c->fd, &uc->fd))
		ret = -EFAULT;
out:
	lab_chan_end_put(e, any);
	return ret;
}

int lab_chan_ioc(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = lab_obj_of(file);
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
};
