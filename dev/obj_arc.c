// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for Arcs (LOCKLAB_KIND_ARC, LOCKLAB_IOC_ARC).
 *
 * Every handle is its own fd: LOCKLAB_IOC_CREATE makes the Arc and its
 * first strong handle; CLONE, DOWNGRADE and UPGRADE make new handle fds;
 * closing an fd drops its handle (the last close of a strong handle runs
 * the data's destructor, the last handle of any kind frees the
 * allocation, exactly as refcount/arc.c does for kernel callers). The
 * kernel variant counts an object with refcount_t and has strong handles
 * only, so userspace compares like with like.
 *
 * Each handle object's prim is a struct lab_arc_handle; the primitive
 * behind it is shared by all handles of one Arc. Everything is charged to
 * the open the Arc was created through (every handle object belongs to
 * it): each handle, and the shared allocation, whose charge a struct
 * lab_arc_charge shared by the handles gives back with the last of them
 * (which is also when the allocation itself is freed).
 */
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <locklab/budget.h>

#include <locklab/arc.h>

#include "object.h"

#define LAB_ARC_MAX_SIZE	4096

/* refcount_t baseline: an object freed by the last refcount_dec_and_test(). */
struct lab_kref_obj {
	refcount_t ref;
	char data[];
};

/* The shared allocation's charge, given back with the last handle. */
struct lab_arc_charge {
	refcount_t handles;
	size_t bytes;			/* the allocation, and this record */
};

struct lab_arc_handle {
	struct lab_arc_charge *charge;
	bool weak;
	union {
		struct lab_arc *arc;
		struct lab_weak *wk;
		struct lab_kref_obj *kobj;
	};
};

const struct lab_plain_ops lab_arc_ops[] = {
	{ .name = "arc", .kind = LOCKLAB_KIND_ARC, .variant = LOCKLAB_ARC_ARC },
	{ .name = "kernel", .kind = LOCKLAB_KIND_ARC,
	  .variant = LOCKLAB_ARC_KERNEL, .props = LOCKLAB_PROP_KERNEL },
};

const unsigned int lab_arc_ops_nr = ARRAY_SIZE(lab_arc_ops);

static bool lab_obj_is_kref(struct lab_obj *obj)
{
	return obj->ops->variant == LOCKLAB_ARC_KERNEL;
}

static void lab_arc_handle_free(struct lab_obj *obj, struct lab_arc_handle *h)
{
	lab_budget_kfree(&obj->ctx->budget, h, sizeof(*h));
}

/* The handles' shared allocation (@bytes of it) and its charge record. */
static struct lab_arc_charge *lab_arc_charge_new(struct lab_obj *obj,
						 size_t bytes)
{
	struct lab_budget *b = &obj->ctx->budget;
	struct lab_arc_charge *ch;

	bytes = lab_charge_size(bytes) + lab_charge_size(sizeof(*ch));
	if (lab_budget_charge(b, bytes))
		return ERR_PTR(-ENOSPC);
	ch = kmalloc(sizeof(*ch), GFP_KERNEL_ACCOUNT);
	if (!ch) {
		lab_budget_uncharge(b, bytes);
		return ERR_PTR(-ENOMEM);
	}
	refcount_set(&ch->handles, 1);
	ch->bytes = bytes;
	return ch;
}

static void lab_arc_charge_put(struct lab_obj *obj, struct lab_arc_charge *ch)
{
	if (!refcount_dec_and_test(&ch->handles))
		return;
	lab_budget_uncharge(&obj->ctx->budget, ch->bytes);
	kfree(ch);
}

static int lab_obj_arc_create(struct lab_obj *obj,
			      const struct locklab_create *c)
{
	struct lab_arc_inner *in;
	struct lab_arc_handle *h;
	int ret = -ENOMEM;

	if (c->params[1] || c->params[2] || c->params[3] ||
	    c->arc_size > LAB_ARC_MAX_SIZE)
		return -EINVAL;
	obj->ops = lab_ops_find(c->kind, c->variant);
	if (!obj->ops)
		return -EINVAL;
	h = lab_budget_kzalloc(&obj->ctx->budget, sizeof(*h));
	if (IS_ERR(h))
		return PTR_ERR(h);
	h->charge = lab_arc_charge_new(obj, lab_obj_is_kref(obj) ?
				       struct_size(h->kobj, data, c->arc_size) :
				       struct_size(in, data, c->arc_size));
	if (IS_ERR(h->charge)) {
		ret = PTR_ERR(h->charge);
		goto err;
	}
	if (lab_obj_is_kref(obj)) {
		h->kobj = kzalloc(struct_size(h->kobj, data, c->arc_size),
				  GFP_KERNEL_ACCOUNT);
		if (h->kobj)
			refcount_set(&h->kobj->ref, 1);
	} else {
		/* The data has no destructor of its own: freeing is enough. */
		h->arc = lab_arc_new(c->arc_size, NULL, GFP_KERNEL_ACCOUNT);
	}
	if (lab_obj_is_kref(obj) ? !h->kobj : !h->arc) {
		lab_arc_charge_put(obj, h->charge);
		goto err;
	}
	obj->prim = h;
	return 0;
err:
	lab_arc_handle_free(obj, h);
	return ret;
}

static void lab_kref_put(struct lab_kref_obj *kobj)
{
	if (refcount_dec_and_test(&kobj->ref))
		kfree(kobj);
}

static void lab_obj_arc_destroy(struct lab_obj *obj)
{
	struct lab_arc_handle *h = obj->prim;

	if (lab_obj_is_kref(obj))
		lab_kref_put(h->kobj);
	else if (h->weak)
		lab_weak_put(h->wk);
	else
		lab_arc_put(h->arc);
	lab_arc_charge_put(obj, h->charge);
	lab_arc_handle_free(obj, h);
}

static void lab_arc_counts(struct lab_obj *obj, struct locklab_arc_op *a)
{
	struct lab_arc_handle *h = obj->prim;

	if (lab_obj_is_kref(obj)) {
		a->strong = refcount_read(&h->kobj->ref);
		a->weak = 0;
	} else if (h->weak) {
		a->strong = lab_weak_strong_count(h->wk);
		a->weak = lab_weak_weak_count(h->wk);
	} else {
		a->strong = lab_arc_strong_count(h->arc);
		a->weak = lab_arc_weak_count(h->arc);
	}
}

/* Make the handle object for @nh and publish it as a new fd. */
static int lab_arc_publish(struct lab_obj *obj, struct lab_arc_handle *nh,
			   struct locklab_arc_op *a, void __user *uarg)
{
	struct locklab_arc_op __user *ua = uarg;

	return lab_obj_new_handle(obj, nh, a->flags & LOCKLAB_CREATE_CLOEXEC,
				  &ua->fd);
}

static int lab_arc_new_handle(struct lab_obj *obj, struct locklab_arc_op *a,
			      void __user *uarg)
{
	struct lab_arc_handle *h = obj->prim, *nh;

	nh = lab_budget_kzalloc(&obj->ctx->budget, sizeof(*nh));
	if (IS_ERR(nh))
		return PTR_ERR(nh);
	switch (a->op) {
	case LOCKLAB_ARC_CLONE:
		if (lab_obj_is_kref(obj)) {
			refcount_inc(&h->kobj->ref);
			nh->kobj = h->kobj;
		} else {
			nh->arc = lab_arc_clone(h->arc);
		}
		break;
	case LOCKLAB_ARC_DOWNGRADE:
		nh->weak = true;
		nh->wk = lab_arc_downgrade(h->arc);
		break;
	case LOCKLAB_ARC_UPGRADE:
		nh->arc = lab_weak_upgrade(h->wk);
		if (!nh->arc) {
			lab_arc_handle_free(obj, nh);
			return -ENOENT;
		}
		break;
	}
	nh->charge = h->charge;
	refcount_inc(&nh->charge->handles);
	/* On failure the new handle object's destroy puts the handle. */
	return lab_arc_publish(obj, nh, a, uarg);
}

int lab_arc_ioc(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = lab_obj_of(file);
	struct lab_arc_handle *h = obj->prim;
	struct locklab_arc_op *a = arg;
	bool kref = lab_obj_is_kref(obj);
	bool upgrade = a->op == LOCKLAB_ARC_UPGRADE;
	int ret = 0;

	if (a->flags & ~LOCKLAB_CREATE_CLOEXEC)
		return -EINVAL;
	a->fd = -1;
	switch (a->op) {
	case LOCKLAB_ARC_CLONE:
	case LOCKLAB_ARC_DOWNGRADE:
	case LOCKLAB_ARC_UPGRADE:
		if (kref && a->op != LOCKLAB_ARC_CLONE)
			return -EOPNOTSUPP;
		/* Only a weak handle upgrades; only a strong one clones. */
		if (h->weak != upgrade)
			return -EINVAL;
		/* The new fd number is written to uarg->fd by the publish. */
		ret = lab_arc_new_handle(obj, a, uarg);
		if (!ret && get_user(a->fd, &((struct locklab_arc_op __user *)uarg)->fd))
			ret = -EFAULT;
		break;
	case LOCKLAB_ARC_GET_MUT:
		if (kref)
			return -EOPNOTSUPP;
		if (h->weak)
			return -EINVAL;
		if (!lab_arc_get_mut(h->arc))
			return -EBUSY;
		break;
	case LOCKLAB_ARC_COUNTS:
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	lab_arc_counts(obj, a);
	return 0;
}

const struct lab_obj_type lab_obj_arc_type = {
	.kind = LOCKLAB_KIND_ARC,
	.name = "[locklab-arc]",
	.create = lab_obj_arc_create,
	.destroy = lab_obj_arc_destroy,
};
