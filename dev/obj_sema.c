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
 */
#include <locklab/ops.h>

#include "object.h"

static const struct lab_lock_ops *lab_sema_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_lock_ops, head);
}

static bool lab_sema_counting(struct lab_obj *obj)
{
	return obj->ops->caps & LAB_CAP_COUNTING;
}

static int lab_sema_create(struct lab_obj *obj, const struct locklab_create *c)
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
	if (!lab_sema_counting(obj) && (c->sem_count || c->sem_max))
		return -EINVAL;
	ret = lab_obj_alloc_prim(obj, ops->size);
	if (ret)
		return ret;
	if (lab_sema_counting(obj)) {
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

static void lab_sema_destroy(struct lab_obj *obj)
{
	lab_sema_ops(obj)->destroy(obj->prim);
	lab_obj_free_prim(obj);
}

static bool lab_sema_try(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	return lab_sema_ops(obj)->trylock(obj->prim, &ctx);
}

static int lab_sema_wait(struct lab_obj *obj, unsigned int flags,
			 ktime_t deadline)
{
	union lab_lock_ctx ctx;

	return lab_sema_ops(obj)->lock_wait(obj->prim, &ctx, flags, deadline);
}

/* Return a permit: -EOVERFLOW when the semaphore is full. */
static int lab_sema_give(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	if (lab_sema_counting(obj))
		return lab_sema_ops(obj)->up(obj->prim);
	lab_sema_ops(obj)->unlock(obj->prim, &ctx);
	return 0;
}

static int lab_sema_op(struct lab_obj *obj, struct locklab_op *op)
{
	int ret;

	switch (op->op) {
	case LOCKLAB_OP_HOLD:
		ret = lab_obj_acquire(obj, op, lab_sema_try, lab_sema_wait);
		if (ret)
			return ret;
		lab_cs_count_section(&obj->cs, obj->limit, op->hold_ns);
		/* -EOVERFLOW: see the file comment, the permit is dropped. */
		lab_sema_give(obj);
		return 0;
	case LOCKLAB_OP_LOCK:
		if (!lab_sema_counting(obj))
			return -EOPNOTSUPP;
		ret = lab_obj_acquire(obj, op, lab_sema_try, lab_sema_wait);
		if (!ret && (op->flags & LOCKLAB_OP_SECTION))
			lab_cs_count_section(&obj->cs, obj->limit, op->hold_ns);
		return ret;
	case LOCKLAB_OP_UNLOCK:
	case LOCKLAB_OP_UP:
		if (!lab_sema_counting(obj))
			return -EOPNOTSUPP;
		atomic64_inc(&obj->stats.wakeups);
		return lab_sema_give(obj);
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_semaphore_type = {
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.name = "[locklab-semaphore]",
	.create = lab_sema_create,
	.destroy = lab_sema_destroy,
	.op = lab_sema_op,
};
