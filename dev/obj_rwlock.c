// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for reader-writer locks (LOCKLAB_IOC_OP), driven
 * only through their struct lab_rwlock_ops.
 *
 * HOLD and READ_HOLD take, run the section (exclusive or shared) and
 * release in one call, for every variant. locklab's own variants (their
 * tables have user_hold) may also be held across calls, in three modes:
 * exclusive (LOCK), shared (READ_LOCK) and, on v3, upgradable
 * (UPGRADABLE_LOCK), each with a hold record (dev/hold.h). DOWNGRADE and
 * UPGRADE change a kept hold's mode: they claim the record for the length
 * of the op, so no reaper can release the hold while its mode changes,
 * and put it back in its new mode.
 */
#include <linux/string.h>

#include <locklab/ops.h>
#include <locklab/wait.h>

#include "hold.h"
#include "object.h"

static const struct lab_rwlock_ops *lab_rw_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_rwlock_ops, head);
}

static int lab_rw_create(struct lab_obj *obj, const struct locklab_create *c)
{
	const struct lab_rwlock_ops *ops;

	if (memchr_inv(c->params, 0, sizeof(c->params)))
		return -EINVAL;
	ops = lab_rwlock_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	obj->limit = 1;
	return lab_obj_init_prim(obj, ops->size, 0, ops->init);
}

static void lab_rw_destroy(struct lab_obj *obj)
{
	lab_rw_ops(obj)->destroy(obj->prim);
	lab_obj_free_prim(obj);
}

static bool lab_rw_holdable(struct lab_obj *obj)
{
	return lab_rw_ops(obj)->user_hold;
}

static bool lab_rw_upgradable(struct lab_obj *obj)
{
	return lab_rw_ops(obj)->upgradable_lock;
}

static bool lab_rd_try(struct lab_obj *obj)
{
	return lab_rw_ops(obj)->rd_trylock(obj->prim);
}

static bool lab_wr_try(struct lab_obj *obj)
{
	return lab_rw_ops(obj)->wr_trylock(obj->prim);
}

static int lab_rd_wait(struct lab_obj *obj, unsigned int flags,
		       ktime_t deadline)
{
	return lab_rw_ops(obj)->rd_lock(obj->prim, flags, deadline);
}

static int lab_wr_wait(struct lab_obj *obj, unsigned int flags,
		       ktime_t deadline)
{
	return lab_rw_ops(obj)->wr_lock(obj->prim, flags, deadline);
}

static bool lab_upg_try(struct lab_obj *obj)
{
	return lab_rw_ops(obj)->upgradable_trylock(obj->prim);
}

static int lab_upg_wait(struct lab_obj *obj, unsigned int flags,
			ktime_t deadline)
{
	return lab_rw_ops(obj)->upgradable_lock(obj->prim, flags, deadline);
}

/* Release @mode, held by the calling task in the kernel's view. */
static void lab_rw_unlock_prim(struct lab_obj *obj, enum lab_hold_mode mode)
{
	const struct lab_rwlock_ops *ops = lab_rw_ops(obj);

	switch (mode) {
	case LAB_HOLD_EXCL:
		ops->wr_unlock(obj->prim);
		break;
	case LAB_HOLD_READ:
		ops->rd_unlock(obj->prim);
		break;
	case LAB_HOLD_UPGRADABLE:
		ops->upgradable_unlock(obj->prim);
		break;
	}
}

static int lab_rw_hold(struct lab_obj *obj, struct locklab_op *op,
		       enum lab_hold_mode mode)
{
	bool read = mode == LAB_HOLD_READ;
	int ret;

	if (lab_rw_holdable(obj) && lab_hold_held(obj))
		return -EDEADLK;
	ret = lab_obj_acquire(obj, op, read ? lab_rd_try : lab_wr_try,
			      read ? lab_rd_wait : lab_wr_wait);
	if (!lab_acquired(ret))
		return ret;
	lab_obj_section(obj, mode, op->hold_ns);
	lab_rw_unlock_prim(obj, mode);
	return ret;
}

static void lab_rw_user_hold(struct lab_obj *obj, enum lab_hold_mode mode,
			     bool to_user)
{
	lab_rw_ops(obj)->user_hold(obj->prim, mode != LAB_HOLD_EXCL, to_user);
}

static void lab_rw_release_hold(struct lab_obj *obj, enum lab_hold_mode mode)
{
	lab_rw_user_hold(obj, mode, false);
	lab_rw_unlock_prim(obj, mode);
}

static int lab_rw_lock(struct lab_obj *obj, struct locklab_op *op,
		       enum lab_hold_mode mode)
{
	static const struct {
		bool (*try)(struct lab_obj *obj);
		int (*wait)(struct lab_obj *obj, unsigned int flags,
			    ktime_t deadline);
	} how[] = {
		[LAB_HOLD_EXCL] = { lab_wr_try, lab_wr_wait },
		[LAB_HOLD_READ] = { lab_rd_try, lab_rd_wait },
		[LAB_HOLD_UPGRADABLE] = { lab_upg_try, lab_upg_wait },
	};

	return lab_hold_lock(obj, op, mode, how[mode].try, how[mode].wait);
}

/* Exclusive -> shared, atomically; the record is ours meanwhile. */
static int lab_rw_downgrade(struct lab_obj *obj)
{
	struct lab_hold *h = lab_hold_claim(obj, LAB_HOLD_EXCL);

	if (!h)
		return -EPERM;
	lab_rw_user_hold(obj, LAB_HOLD_EXCL, false);
	lab_rw_ops(obj)->downgrade(obj->prim);
	lab_rw_user_hold(obj, LAB_HOLD_READ, true);
	h->mode = LAB_HOLD_READ;
	if (lab_hold_restore(h)) {
		/* Cannot happen for the object of the ioctl's own fd. */
		lab_rw_release_hold(obj, LAB_HOLD_READ);
		lab_hold_free(h);
		return -EBADF;
	}
	return 0;
}

/*
 * Upgradable -> exclusive; on failure the upgradable hold stays. NONBLOCK
 * tries once and never sleeps (-EBUSY while other readers hold).
 */
static int lab_rw_upgrade(struct lab_obj *obj, struct locklab_op *op)
{
	const struct lab_rwlock_ops *ops = lab_rw_ops(obj);
	struct lab_hold *h = lab_hold_claim(obj, LAB_HOLD_UPGRADABLE);
	ktime_t t0;
	int ret;

	if (!h)
		return -EPERM;
	lab_rw_user_hold(obj, LAB_HOLD_UPGRADABLE, false);
	if (ops->try_upgrade(obj->prim)) {
		ret = 0;
	} else if (op->flags & LOCKLAB_OP_NONBLOCK) {
		ret = -EBUSY;
	} else {
		t0 = ktime_get();
		ret = ops->upgrade(obj->prim, LAB_WAIT_INTERRUPTIBLE,
				   lab_op_deadline(op));
		lab_op_waited(obj, op, t0, ret);
	}
	if (!ret)
		h->mode = LAB_HOLD_EXCL;
	lab_rw_user_hold(obj, h->mode, true);
	if (lab_hold_restore(h)) {
		/* Cannot happen for the object of the ioctl's own fd. */
		lab_rw_release_hold(obj, h->mode);
		lab_hold_free(h);
		return -EBADF;
	}
	return ret;
}

static int lab_rw_op(struct lab_obj *obj, struct locklab_op *op)
{
	bool upg = lab_rw_upgradable(obj);

	if (op->op == LOCKLAB_OP_HOLD)
		return lab_rw_hold(obj, op, LAB_HOLD_EXCL);
	if (op->op == LOCKLAB_OP_READ_HOLD)
		return lab_rw_hold(obj, op, LAB_HOLD_READ);
	if (op->op < LOCKLAB_OP_LOCK || op->op > LOCKLAB_OP_UPGRADABLE_UNLOCK)
		return -EINVAL;
	if (!lab_rw_holdable(obj))
		return -EOPNOTSUPP;
	switch (op->op) {
	case LOCKLAB_OP_LOCK:
		return lab_rw_lock(obj, op, LAB_HOLD_EXCL);
	case LOCKLAB_OP_UNLOCK:
		return lab_hold_unlock(obj, LAB_HOLD_EXCL);
	case LOCKLAB_OP_READ_LOCK:
		return lab_rw_lock(obj, op, LAB_HOLD_READ);
	case LOCKLAB_OP_READ_UNLOCK:
		return lab_hold_unlock(obj, LAB_HOLD_READ);
	case LOCKLAB_OP_DOWNGRADE:
		return lab_rw_downgrade(obj);
	case LOCKLAB_OP_UPGRADABLE_LOCK:
		return upg ? lab_rw_lock(obj, op, LAB_HOLD_UPGRADABLE) : -EINVAL;
	case LOCKLAB_OP_UPGRADE:
		return upg ? lab_rw_upgrade(obj, op) : -EINVAL;
	case LOCKLAB_OP_UPGRADABLE_UNLOCK:
		return upg ? lab_hold_unlock(obj, LAB_HOLD_UPGRADABLE) :
			     -EINVAL;
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_rwlock_type = {
	.kind = LOCKLAB_KIND_RWLOCK,
	.name = "[locklab-rwlock]",
	.create = lab_rw_create,
	.destroy = lab_rw_destroy,
	.op = lab_rw_op,
	.user_hold = lab_rw_user_hold,
	.release_hold = lab_rw_release_hold,
};
