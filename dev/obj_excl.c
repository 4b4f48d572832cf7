// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for the exclusive locks: spin locks and mutexes
 * (LOCKLAB_IOC_OP), driven only through their struct lab_lock_ops.
 *
 * Rules the ABI promises (include/uapi/linux/locklab.h, struct locklab_op):
 *
 *  - A spin lock is never held across a return to userspace: HOLD takes
 *    it, runs the checked section (at most max_hold_ns) and releases it in
 *    one call, with preemption disabled as for any spin lock. Its wait is
 *    a spin, bounded by the other CPUs' sections: not a sleep, so neither
 *    a signal nor a timeout ends it (TIMEOUT is EINVAL).
 *  - The kernel-native and broken variants are HOLD-only too: struct mutex
 *    must be released by its owner, which a hold released for a dead
 *    thread could not honour. Their tables have no user_hold.
 *  - locklab's sleeping mutexes (their tables have user_hold) may be held
 *    across calls: LOCK and UNLOCK keep a hold record (dev/hold.h).
 */
#include <linux/string.h>

#include <locklab/ops.h>

#include "hold.h"
#include "object.h"

static const struct lab_lock_ops *lab_excl_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_lock_ops, head);
}

/* Spin locks and mutexes: a variant, no parameters. */
static int lab_excl_create(struct lab_obj *obj, const struct locklab_create *c)
{
	const struct lab_lock_ops *ops;

	if (memchr_inv(c->params, 0, sizeof(c->params)))
		return -EINVAL;
	ops = lab_lock_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	obj->limit = 1;
	return lab_obj_init_prim(obj, ops->size, ops->init_bytes,
				 ops->init);
}

static void lab_excl_destroy(struct lab_obj *obj)
{
	lab_excl_ops(obj)->destroy(obj->prim);
	lab_obj_free_prim(obj);
}

/* --- Spin locks ------------------------------------------------------------ */

static int lab_spin_op(struct lab_obj *obj, struct locklab_op *op)
{
	const struct lab_lock_ops *ops = lab_excl_ops(obj);
	union lab_lock_ctx ctx;
	ktime_t t0;
	int ret;

	/* Never held across calls (see the file comment). */
	if (op->op == LOCKLAB_OP_LOCK || op->op == LOCKLAB_OP_UNLOCK)
		return -EOPNOTSUPP;
	if (op->op != LOCKLAB_OP_HOLD || (op->flags & LOCKLAB_OP_TIMEOUT))
		return -EINVAL;
	/* trylock and lock use the ctx that unlock gets: the MCS node. */
	if (!ops->trylock(obj->prim, &ctx)) {
		if (op->flags & LOCKLAB_OP_NONBLOCK)
			return -EBUSY;
		atomic64_inc(&obj->stats.contended);
		t0 = ktime_get();
		ops->lock(obj->prim, &ctx);
		op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	}
	ret = lab_obj_acquired(obj);
	lab_obj_section(obj, LAB_HOLD_EXCL, op->hold_ns);
	ops->unlock(obj->prim, &ctx);
	return ret;
}

const struct lab_obj_type lab_obj_spin_type = {
	.kind = LOCKLAB_KIND_SPIN,
	.name = "[locklab-spin]",
	.create = lab_excl_create,
	.destroy = lab_excl_destroy,
	.op = lab_spin_op,
};

/* --- Mutexes --------------------------------------------------------------- */

/* Mutex variants keep nothing in the ctx: a scratch one will do. */
static bool lab_mutex_try(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	return lab_excl_ops(obj)->trylock(obj->prim, &ctx);
}

static int lab_mutex_wait(struct lab_obj *obj, unsigned int flags,
			  ktime_t deadline)
{
	union lab_lock_ctx ctx;

	return lab_excl_ops(obj)->lock_wait(obj->prim, &ctx, flags, deadline);
}

static void lab_mutex_unlock_prim(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	lab_excl_ops(obj)->unlock(obj->prim, &ctx);
}

/* Can userspace hold it across calls? locklab's own sleeping mutexes. */
static bool lab_mutex_holdable(struct lab_obj *obj)
{
	return lab_excl_ops(obj)->user_hold;
}

static int lab_mutex_hold(struct lab_obj *obj, struct locklab_op *op)
{
	int ret;

	/* A thread holding it from userspace would deadlock. */
	if (lab_mutex_holdable(obj) && lab_hold_held(obj))
		return -EDEADLK;
	ret = lab_obj_acquire(obj, op, lab_mutex_try, lab_mutex_wait);
	if (!lab_acquired(ret))
		return ret;
	lab_obj_section(obj, LAB_HOLD_EXCL, op->hold_ns);
	lab_mutex_unlock_prim(obj);
	return ret;
}

static int lab_mutex_op(struct lab_obj *obj, struct locklab_op *op)
{
	switch (op->op) {
	case LOCKLAB_OP_HOLD:
		return lab_mutex_hold(obj, op);
	case LOCKLAB_OP_LOCK:
		if (!lab_mutex_holdable(obj))
			return -EOPNOTSUPP;
		return lab_hold_lock(obj, op, LAB_HOLD_EXCL, lab_mutex_try,
				     lab_mutex_wait);
	case LOCKLAB_OP_UNLOCK:
		if (!lab_mutex_holdable(obj))
			return -EOPNOTSUPP;
		return lab_hold_unlock(obj, LAB_HOLD_EXCL);
	default:
		return -EINVAL;
	}
}

static void lab_mutex_user_hold(struct lab_obj *obj, enum lab_hold_mode mode,
				bool to_user)
{
	lab_excl_ops(obj)->user_hold(obj->prim, to_user);
}

/* Taken back from userspace (the calling task becomes the owner), released. */
static void lab_mutex_release_hold(struct lab_obj *obj,
				   enum lab_hold_mode mode)
{
	lab_mutex_user_hold(obj, mode, false);
	lab_mutex_unlock_prim(obj);
}

const struct lab_obj_type lab_obj_mutex_type = {
	.kind = LOCKLAB_KIND_MUTEX,
	.name = "[locklab-mutex]",
	.create = lab_excl_create,
	.destroy = lab_excl_destroy,
	.op = lab_mutex_op,
	.user_hold = lab_mutex_user_hold,
	.release_hold = lab_mutex_release_hold,
};
