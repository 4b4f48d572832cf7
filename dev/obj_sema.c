// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for semaphores (LOCKLAB_IOC_OP), driven through
 * struct lab_lock_ops: locklab's counting semaphore (LAB_CAP_COUNTING:
 * ->init_count and ->up) and the kernel's struct semaphore as a lock of
 * one permit.
 *
 * Permits are not owned: LOCK takes one and keeps nothing, UNLOCK and UP
 * return one, from any thread. HOLD takes a permit, runs a counted section
 * (no more threads inside than permits, bench/section.h) and returns the
 * permit. Another thread may UP meanwhile, legally, up to the maximum; the
 * HOLD's permit then has no room left and is dropped (the count stays at
 * its maximum, which is what both permits together would exceed), never
 * an overflow.
 *
 * The maximum bounds the count, not the permits in circulation: an UP
 * while a HOLD's permit is out can let one more thread in than the
 * maximum (a counting semaphore cannot tell a returned permit from a new
 * one), and the counted section reports that overlap as a violation. It
 * is the over-release the section is there to show, not a broken
 * semaphore; without such UPs a correct semaphore shows none.
 */
#include <locklab/ops.h>

#include "object.h"

static const struct lab_lock_ops *obj_sema_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_lock_ops, head);
}

static bool obj_sema_counting(struct lab_obj *obj)
{
	return obj->ops->caps & LAB_CAP_COUNTING;
}

static int obj_sema_create(struct lab_obj *obj, const struct locklab_create *c)
{
	const struct lab_lock_ops *ops;
	int ret;

	if (c->params[2] || c->params[3])
		return -EINVAL;
	ops = lab_lock_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	/* The kernel variant is a lock of one permit: no parameters. */
	if (!obj_sema_counting(obj) && (c->sem_count || c->sem_max))
		return -EINVAL;
	ret = lab_obj_alloc_prim(obj, ops->size, ops->init_bytes);
	if (ret)
		return ret;
	if (obj_sema_counting(obj)) {
		ret = ops->init_count(obj->prim, c->sem_count, c->sem_max);
		obj->limit = c->sem_max;
	} else {
		ret = ops->init(obj->prim);
		obj->limit = 1;
	}
	if (ret)
		lab_obj_free_prim(obj);
	return ret;
}

static void obj_sema_destroy(struct lab_obj *obj)
{
	obj_sema_ops(obj)->destroy(obj->prim);
	lab_obj_free_prim(obj);
}

static bool obj_sema_try(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	return obj_sema_ops(obj)->trylock(obj->prim, &ctx);
}

static int obj_sema_wait(struct lab_obj *obj, unsigned int flags,
			 ktime_t deadline)
{
	union lab_lock_ctx ctx;

	return obj_sema_ops(obj)->lock_wait(obj->prim, &ctx, flags, deadline);
}

/* Return a permit: -EOVERFLOW when the semaphore is full. */
static int obj_sema_give(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	if (obj_sema_counting(obj))
		return obj_sema_ops(obj)->up(obj->prim);
	obj_sema_ops(obj)->unlock(obj->prim, &ctx);
	return 0;
}

static int obj_sema_op(struct lab_obj *obj, struct locklab_op *op)
{
	int ret;

	switch (op->op) {
	case LOCKLAB_OP_HOLD:
		ret = lab_obj_acquire(obj, op, obj_sema_try, obj_sema_wait);
		if (ret)
			return ret;
		lab_obj_section(obj, LAB_HOLD_EXCL, op->hold_ns);
		/* -EOVERFLOW: see the file comment, the permit is dropped. */
		obj_sema_give(obj);
		return 0;
	case LOCKLAB_OP_LOCK:
		if (!obj_sema_counting(obj))
			return -EOPNOTSUPP;
		ret = lab_obj_acquire(obj, op, obj_sema_try, obj_sema_wait);
		if (!ret && (op->flags & LOCKLAB_OP_SECTION))
			lab_obj_section(obj, LAB_HOLD_EXCL, op->hold_ns);
		return ret;
	case LOCKLAB_OP_UNLOCK:
	case LOCKLAB_OP_UP:
		if (!obj_sema_counting(obj))
			return -EOPNOTSUPP;
		atomic64_inc(&obj->stats.wakeups);
		return obj_sema_give(obj);
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_semaphore_type = {
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.name = "[locklab-semaphore]",
	.create = obj_sema_create,
	.destroy = obj_sema_destroy,
	.op = obj_sema_op,
};
