// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for the lock kinds: spin locks, mutexes,
 * reader-writer locks, semaphores and condition variables (LOCKLAB_IOC_OP).
 *
 * Rules the ABI promises (include/uapi/linux/locklab.h, struct locklab_op):
 *
 *  - A spin lock is never held across a return to userspace: HOLD takes
 *    it, runs the checked section (at most max_hold_ns) and releases it in
 *    one call, with preemption disabled as for any spin lock.
 *  - The kernel-native variants are HOLD-only too: struct mutex and
 *    rw_semaphore must be released by their owner, which a hold reaped for
 *    a dead thread could not honour.
 *  - Sleeping locks of locklab's own variants may be held across calls.
 *    Their waits are interruptible, honour the caller's timeout, and run
 *    in slices of LAB_OBJ_REAP_MS so that a holder that died is noticed
 *    (dev/object.c). A lock handed to userspace is released from lockdep's
 *    view at the end of the call and re-entered at unlock, so lockdep does
 *    not report a lock held on return to userspace.
 */
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include <locklab/condvar.h>
#include <locklab/mutex.h>
#include <locklab/rwlock.h>
#include <locklab/semaphore.h>

#include "object.h"

static bool lab_obj_native(struct lab_obj *obj)
{
	return obj->ops->props & (LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_BROKEN);
}

static ktime_t lab_op_deadline(const struct locklab_op *op)
{
	if (!(op->flags & LOCKLAB_OP_TIMEOUT))
		return LAB_WAIT_FOREVER;
	return lab_deadline(min_t(u64, op->timeout_ns, S64_MAX));
}

typedef int (*lab_acquire_fn)(struct lab_obj *obj, unsigned int flags,
			      ktime_t deadline);

/*
 * Take something with @acquire (a waiting acquisition that honours flags
 * and deadline), after one non-waiting attempt @try. NONBLOCK stops after
 * the attempt. Waits are interruptible and, when @reapable, sliced so dead
 * holders are reaped.
 */
static int lab_obj_acquire(struct lab_obj *obj, struct locklab_op *op,
			   bool (*try)(struct lab_obj *obj),
			   lab_acquire_fn acquire, bool reapable)
{
	ktime_t deadline = lab_op_deadline(op), slice, t0 = ktime_get();
	int ret;

	if (try(obj))
		return lab_obj_acquired(obj);
	if (op->flags & LOCKLAB_OP_NONBLOCK)
		return -EBUSY;
	atomic64_inc(&obj->stats.contended);
	for (;;) {
		slice = deadline;
		if (reapable)
			slice = min(deadline, ktime_add_ms(ktime_get(),
							   LAB_OBJ_REAP_MS));
		ret = acquire(obj, LAB_WAIT_INTERRUPTIBLE, slice);
		if (ret != -ETIMEDOUT || ktime_compare(slice, deadline) >= 0)
			break;
		lab_obj_reap(obj, NULL);
	}
	op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (ret == -ETIMEDOUT)
		atomic64_inc(&obj->stats.timeouts);
	else if (ret == -EINTR)
		atomic64_inc(&obj->stats.interrupted);
	if (ret)
		return ret;
	return lab_obj_acquired(obj);
}

/* An acquisition that succeeded may still report -EOWNERDEAD. */
static bool lab_acquired(int ret)
{
	return !ret || ret == -EOWNERDEAD;
}

static void *lab_obj_alloc_prim(struct lab_obj *obj, size_t size)
{
	obj->prim = kzalloc(size, GFP_KERNEL);
	return obj->prim;
}

/* --- Exclusive locks through struct lab_lock_ops (spin, mutex) ----------- */

static const struct lab_lock_ops *lab_obj_lock_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_lock_ops, head);
}

static int lab_obj_lock_create(struct lab_obj *obj,
			       const struct locklab_create *c)
{
	const struct lab_lock_ops *ops;
	int ret;

	if (memchr_inv(c->params, 0, sizeof(c->params)))
		return -EINVAL;
	ops = lab_lock_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	if (!lab_obj_alloc_prim(obj, ops->size))
		return -ENOMEM;
	ret = ops->init(obj->prim);
	if (ret)
		kfree(obj->prim);
	return ret;
}

static void lab_obj_lock_destroy(struct lab_obj *obj)
{
	struct lab_holder *h;

	/* A hold left at the last close is released as if reaped. */
	list_for_each_entry(h, &obj->holders, node)
		obj->type->release_hold(obj, h->mode);
	lab_obj_lock_ops(obj)->destroy(obj->prim);
	kfree(obj->prim);
}

static bool lab_obj_trylock(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	/* Spin kinds: trylock with the same ctx the HOLD then unlocks with. */
	return lab_obj_lock_ops(obj)->trylock(obj->prim, &ctx);
}

/* Spin locks: HOLD only, everything in one call. */
static int lab_obj_spin_op(struct lab_obj *obj, struct locklab_op *op)
{
	const struct lab_lock_ops *ops = lab_obj_lock_ops(obj);
	union lab_lock_ctx ctx;
	ktime_t t0;
	int ret;

	if (op->op != LOCKLAB_OP_HOLD || (op->flags & LOCKLAB_OP_TIMEOUT))
		return -EINVAL;
	if (op->flags & LOCKLAB_OP_NONBLOCK) {
		if (!ops->trylock(obj->prim, &ctx))
			return -EBUSY;
	} else {
		t0 = ktime_get();
		if (!ops->trylock(obj->prim, &ctx)) {
			atomic64_inc(&obj->stats.contended);
			ops->lock(obj->prim, &ctx);
		}
		op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	}
	ret = lab_obj_acquired(obj);
	lab_cs_section(&obj->cs, op->hold_ns);
	ops->unlock(obj->prim, &ctx);
	return ret;
}

const struct lab_obj_type lab_obj_spin_type = {
	.kind = LOCKLAB_KIND_SPIN,
	.name = "[locklab-spin]",
	.create = lab_obj_lock_create,
	.destroy = lab_obj_lock_destroy,
	.op = lab_obj_spin_op,
};

/* Mutexes: native and broken ones through their ops, HOLD only. */

static int lab_obj_ops_lock_wait(struct lab_obj *obj, unsigned int flags,
				 ktime_t deadline)
{
	union lab_lock_ctx ctx;

	return lab_obj_lock_ops(obj)->lock_wait(obj->prim, &ctx, flags,
						  deadline);
}

static void lab_obj_ops_unlock(struct lab_obj *obj)
{
	union lab_lock_ctx ctx;

	lab_obj_lock_ops(obj)->unlock(obj->prim, &ctx);
}

static int lab_obj_hold(struct lab_obj *obj, struct locklab_op *op,
			bool (*try)(struct lab_obj *obj), lab_acquire_fn acquire,
			void (*release)(struct lab_obj *obj))
{
	int ret = lab_obj_acquire(obj, op, try, acquire, !lab_obj_native(obj));

	if (!lab_acquired(ret))
		return ret;
	lab_cs_section(&obj->cs, op->hold_ns);
	release(obj);
	return ret;
}

/*
 * A sleeping lock of locklab's own handed to and taken back from userspace
 * (see the file comment): every such variant has ->user_hold.
 */
static void lab_obj_user_hold(struct lab_obj *obj, bool to_user)
{
	lab_obj_lock_ops(obj)->user_hold(obj->prim, to_user);
}

static void lab_obj_mutex_release_hold(struct lab_obj *obj,
				       enum lab_hold_mode mode);

static int lab_obj_mutex_lock(struct lab_obj *obj, struct locklab_op *op)
{
	int ret;

	if (lab_obj_find_holder(obj))
		return -EDEADLK;
	ret = lab_obj_acquire(obj, op, lab_obj_trylock, lab_obj_ops_lock_wait,
			      true);
	if (!lab_acquired(ret))
		return ret;
	if (op->flags & LOCKLAB_OP_SECTION)
		lab_cs_section(&obj->cs, op->hold_ns);
	lab_obj_user_hold(obj, true);
	if (lab_obj_add_holder(obj, LAB_HOLD_EXCL)) {
		lab_obj_mutex_release_hold(obj, LAB_HOLD_EXCL);
		return -ENOMEM;
	}
	return ret;
}

/* Can userspace hold it across calls? locklab's own sleeping variants. */
static bool lab_obj_user_holdable(struct lab_obj *obj)
{
	return !lab_obj_native(obj) && lab_obj_lock_ops(obj)->user_hold;
}

static int lab_obj_mutex_op(struct lab_obj *obj, struct locklab_op *op)
{
	bool holdable = lab_obj_user_holdable(obj);

	switch (op->op) {
	case LOCKLAB_OP_HOLD:
		/* A thread holding it from userspace would deadlock. */
		if (holdable && lab_obj_find_holder(obj))
			return -EDEADLK;
		return lab_obj_hold(obj, op, lab_obj_trylock,
				    lab_obj_ops_lock_wait, lab_obj_ops_unlock);
	case LOCKLAB_OP_LOCK:
		return holdable ? lab_obj_mutex_lock(obj, op) : -EOPNOTSUPP;
	case LOCKLAB_OP_UNLOCK:
		if (!holdable)
			return -EOPNOTSUPP;
		if (!lab_obj_take_holder(obj, LAB_HOLD_EXCL))
			return -EPERM;
		lab_obj_mutex_release_hold(obj, LAB_HOLD_EXCL);
		atomic64_inc(&obj->stats.wakeups);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Release a hold that was handed to userspace. For a reaped hold this runs
 * on the dead holder's behalf: ->user_hold makes us the owner first.
 */
static void lab_obj_mutex_release_hold(struct lab_obj *obj,
				       enum lab_hold_mode mode)
{
	lab_obj_user_hold(obj, false);
	lab_obj_ops_unlock(obj);
}

const struct lab_obj_type lab_obj_mutex_type = {
	.kind = LOCKLAB_KIND_MUTEX,
	.name = "[locklab-mutex]",
	.create = lab_obj_lock_create,
	.destroy = lab_obj_lock_destroy,
	.op = lab_obj_mutex_op,
	.release_hold = lab_obj_mutex_release_hold,
};

/* --- Reader-writer locks ------------------------------------------------- */

static const struct lab_rwlock_ops *lab_obj_rw_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_rwlock_ops, head);
}

static int lab_obj_rw_create(struct lab_obj *obj,
			     const struct locklab_create *c)
{
	const struct lab_rwlock_ops *ops;

	if (memchr_inv(c->params, 0, sizeof(c->params)))
		return -EINVAL;
	ops = lab_rwlock_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	if (!lab_obj_alloc_prim(obj, ops->size))
		return -ENOMEM;
	return ops->init(obj->prim);
}

static void lab_obj_rw_destroy(struct lab_obj *obj)
{
	struct lab_holder *h;

	list_for_each_entry(h, &obj->holders, node)
		obj->type->release_hold(obj, h->mode);
	lab_obj_rw_ops(obj)->destroy(obj->prim);
	kfree(obj->prim);
}

static bool lab_obj_rd_try(struct lab_obj *obj)
{
	return lab_obj_rw_ops(obj)->rd_trylock(obj->prim);
}

static bool lab_obj_wr_try(struct lab_obj *obj)
{
	return lab_obj_rw_ops(obj)->wr_trylock(obj->prim);
}

static int lab_obj_rd_wait(struct lab_obj *obj, unsigned int flags,
			   ktime_t deadline)
{
	return lab_obj_rw_ops(obj)->rd_lock(obj->prim, flags, deadline);
}

static int lab_obj_wr_wait(struct lab_obj *obj, unsigned int flags,
			   ktime_t deadline)
{
	return lab_obj_rw_ops(obj)->wr_lock(obj->prim, flags, deadline);
}

static bool lab_obj_upg_try(struct lab_obj *obj)
{
	return false;	/* the token has no trylock: always take the wait path */
}

static int lab_obj_upg_wait(struct lab_obj *obj, unsigned int flags,
			    ktime_t deadline)
{
	return lab_rwlock_upgradable_lock_wait(obj->prim, flags, deadline);
}

static void lab_obj_rd_unlock(struct lab_obj *obj)
{
	lab_obj_rw_ops(obj)->rd_unlock(obj->prim);
}

static void lab_obj_wr_unlock(struct lab_obj *obj)
{
	lab_obj_rw_ops(obj)->wr_unlock(obj->prim);
}

/* Writers and readers: shared section for reads, checked one for writes. */
static int lab_obj_rw_hold(struct lab_obj *obj, struct locklab_op *op,
			   bool read)
{
	int ret;

	if (!lab_obj_native(obj) && lab_obj_find_holder(obj))
		return -EDEADLK;
	ret = lab_obj_acquire(obj, op, read ? lab_obj_rd_try : lab_obj_wr_try,
			      read ? lab_obj_rd_wait : lab_obj_wr_wait,
			      !lab_obj_native(obj));
	if (!lab_acquired(ret))
		return ret;
	if (read) {
		lab_cs_read_section(&obj->cs, op->hold_ns);
		lab_obj_rd_unlock(obj);
	} else {
		lab_cs_section(&obj->cs, op->hold_ns);
		lab_obj_wr_unlock(obj);
	}
	return ret;
}

static void lab_rw_to_user(struct lab_rwlock *l)
{
	rwsem_release(&l->dep_map, _THIS_IP_);
}

static void lab_rw_from_user(struct lab_rwlock *l, bool read)
{
	if (read)
		rwsem_acquire_read(&l->dep_map, 0, 0, _THIS_IP_);
	else
		rwsem_acquire(&l->dep_map, 0, 0, _THIS_IP_);
}

static int lab_obj_rw_lock(struct lab_obj *obj, struct locklab_op *op,
			   enum lab_hold_mode mode)
{
	static const struct {
		bool (*try)(struct lab_obj *obj);
		lab_acquire_fn wait;
	} how[] = {
		[LAB_HOLD_EXCL] = { lab_obj_wr_try, lab_obj_wr_wait },
		[LAB_HOLD_READ] = { lab_obj_rd_try, lab_obj_rd_wait },
		[LAB_HOLD_UPGRADABLE] = { lab_obj_upg_try, lab_obj_upg_wait },
	};
	int ret;

	if (lab_obj_find_holder(obj))
		return -EDEADLK;
	ret = lab_obj_acquire(obj, op, how[mode].try, how[mode].wait, true);
	if (!lab_acquired(ret))
		return ret;
	if (op->flags & LOCKLAB_OP_SECTION) {
		if (mode == LAB_HOLD_EXCL)
			lab_cs_section(&obj->cs, op->hold_ns);
		else
			lab_cs_read_section(&obj->cs, op->hold_ns);
	}
	lab_rw_to_user(obj->prim);
	if (lab_obj_add_holder(obj, mode)) {
		obj->type->release_hold(obj, mode);
		return -ENOMEM;
	}
	return ret;
}

static int lab_obj_rw_unlock(struct lab_obj *obj, enum lab_hold_mode mode)
{
	if (!lab_obj_take_holder(obj, mode))
		return -EPERM;
	obj->type->release_hold(obj, mode);
	atomic64_inc(&obj->stats.wakeups);
	return 0;
}

static int lab_obj_rw_upgrade(struct lab_obj *obj, struct locklab_op *op)
{
	struct lab_holder *h = lab_obj_find_holder(obj);
	ktime_t t0 = ktime_get();
	int ret;

	if (!h || h->mode != LAB_HOLD_UPGRADABLE)
		return -EPERM;
	lab_rw_from_user(obj->prim, true);
	ret = lab_rwlock_upgrade_wait(obj->prim, LAB_WAIT_INTERRUPTIBLE,
				      lab_op_deadline(op));
	op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	lab_rw_to_user(obj->prim);
	if (ret)
		return ret;
	lab_obj_set_holder_mode(obj, LAB_HOLD_EXCL);
	return 0;
}

static int lab_obj_rw_downgrade(struct lab_obj *obj)
{
	struct lab_holder *h = lab_obj_find_holder(obj);

	if (!h || h->mode != LAB_HOLD_EXCL)
		return -EPERM;
	lab_rw_from_user(obj->prim, false);
	lab_rwlock_downgrade(obj->prim);
	lab_rw_to_user(obj->prim);
	lab_obj_set_holder_mode(obj, LAB_HOLD_READ);
	return 0;
}

static int lab_obj_rwlock_op(struct lab_obj *obj, struct locklab_op *op)
{
	bool v3 = obj->ops->variant == LOCKLAB_RWLOCK_V3;

	if (op->op == LOCKLAB_OP_HOLD || op->op == LOCKLAB_OP_READ_HOLD)
		return lab_obj_rw_hold(obj, op, op->op == LOCKLAB_OP_READ_HOLD);
	if (lab_obj_native(obj))
		return op->op <= LOCKLAB_OP_UPGRADABLE_UNLOCK ? -EOPNOTSUPP :
								-EINVAL;
	switch (op->op) {
	case LOCKLAB_OP_LOCK:
		return lab_obj_rw_lock(obj, op, LAB_HOLD_EXCL);
	case LOCKLAB_OP_UNLOCK:
		return lab_obj_rw_unlock(obj, LAB_HOLD_EXCL);
	case LOCKLAB_OP_READ_LOCK:
		return lab_obj_rw_lock(obj, op, LAB_HOLD_READ);
	case LOCKLAB_OP_READ_UNLOCK:
		return lab_obj_rw_unlock(obj, LAB_HOLD_READ);
	case LOCKLAB_OP_DOWNGRADE:
		return lab_obj_rw_downgrade(obj);
	case LOCKLAB_OP_UPGRADABLE_LOCK:
		return v3 ? lab_obj_rw_lock(obj, op, LAB_HOLD_UPGRADABLE) :
			    -EINVAL;
	case LOCKLAB_OP_UPGRADE:
		return v3 ? lab_obj_rw_upgrade(obj, op) : -EINVAL;
	case LOCKLAB_OP_UPGRADABLE_UNLOCK:
		return v3 ? lab_obj_rw_unlock(obj, LAB_HOLD_UPGRADABLE) :
			    -EINVAL;
	default:
		return -EINVAL;
	}
}

/* Release a hold that was handed to userspace (lockdep-wise too). */
static void lab_obj_rw_release_hold(struct lab_obj *obj,
				    enum lab_hold_mode mode)
{
	lab_rw_from_user(obj->prim, mode != LAB_HOLD_EXCL);
	switch (mode) {
	case LAB_HOLD_EXCL:
		lab_rwlock_write_unlock(obj->prim);
		break;
	case LAB_HOLD_READ:
		lab_rwlock_read_unlock(obj->prim);
		break;
	case LAB_HOLD_UPGRADABLE:
		lab_rwlock_upgradable_unlock(obj->prim);
		break;
	}
}

const struct lab_obj_type lab_obj_rwlock_type = {
	.kind = LOCKLAB_KIND_RWLOCK,
	.name = "[locklab-rwlock]",
	.create = lab_obj_rw_create,
	.destroy = lab_obj_rw_destroy,
	.op = lab_obj_rwlock_op,
	.release_hold = lab_obj_rw_release_hold,
};

/* --- Semaphores ------------------------------------------------------------ */

/*
 * A semaphore's checked section allows up to max threads inside: it counts
 * them and reports a violation when there are more.
 */
static void lab_obj_sema_section(struct lab_obj *obj, unsigned int hold_ns)
{
	u32 max = obj->ops->props & LOCKLAB_PROP_KERNEL ? 1 :
		  ((struct lab_semaphore *)obj->prim)->max;

	if (atomic_inc_return(&obj->cs.readers) > max)
		atomic_long_inc(&obj->cs.violations);
	if (hold_ns)
		ndelay(hold_ns);
	atomic_dec(&obj->cs.readers);
}

static int lab_obj_sema_create(struct lab_obj *obj,
			       const struct locklab_create *c)
{
	int ret;

	if (c->params[2] || c->params[3])
		return -EINVAL;
	if (c->variant != LOCKLAB_SEMAPHORE_ATOMIC) {
		/* The kernel variant is a count-1 lock: no parameters. */
		if (c->sem_count || c->sem_max)
			return -EINVAL;
		return lab_obj_lock_create(obj, c);
	}
	obj->ops = &lab_lock_ops_find(c->kind, c->variant)->head;
	if (!lab_obj_alloc_prim(obj, sizeof(struct lab_semaphore)))
		return -ENOMEM;
	ret = lab_sema_init(obj->prim, c->sem_count, c->sem_max);
	if (ret)
		kfree(obj->prim);
	return ret;
}

static void lab_obj_sema_destroy(struct lab_obj *obj)
{
	/* Permits are not owned: nothing to release, no count to check. */
	kfree(obj->prim);
}

static bool lab_obj_sema_try(struct lab_obj *obj)
{
	return lab_sema_trydown(obj->prim);
}

static int lab_obj_sema_wait(struct lab_obj *obj, unsigned int flags,
			     ktime_t deadline)
{
	return lab_sema_down_wait(obj->prim, flags, deadline);
}

static int lab_obj_sema_op(struct lab_obj *obj, struct locklab_op *op)
{
	bool native = lab_obj_native(obj);
	int ret;

	switch (op->op) {
	case LOCKLAB_OP_HOLD:
		ret = native ?
		      lab_obj_acquire(obj, op, lab_obj_trylock,
				      lab_obj_ops_lock_wait, false) :
		      lab_obj_acquire(obj, op, lab_obj_sema_try,
				      lab_obj_sema_wait, false);
		if (!lab_acquired(ret))
			return ret;
		lab_obj_sema_section(obj, op->hold_ns);
		if (native)
			lab_obj_ops_unlock(obj);
		else
			WARN_ON_ONCE(lab_sema_up(obj->prim));
		return ret;
	case LOCKLAB_OP_LOCK:
		if (native)
			return -EOPNOTSUPP;
		ret = lab_obj_acquire(obj, op, lab_obj_sema_try,
				      lab_obj_sema_wait, false);
		if (lab_acquired(ret) && (op->flags & LOCKLAB_OP_SECTION))
			lab_obj_sema_section(obj, op->hold_ns);
		return ret;
	case LOCKLAB_OP_UNLOCK:
	case LOCKLAB_OP_UP:
		if (native)
			return -EOPNOTSUPP;
		atomic64_inc(&obj->stats.wakeups);
		return lab_sema_up(obj->prim);
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_semaphore_type = {
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.name = "[locklab-semaphore]",
	.create = lab_obj_sema_create,
	.destroy = lab_obj_sema_destroy,
	.op = lab_obj_sema_op,
};

/* --- Condition variables --------------------------------------------------- */

/* The condvars requeue onto a struct lab_mutex's word: the ch. 9 mutexes. */
static bool lab_obj_is_lab_mutex(struct lab_obj *obj)
{
	const struct lab_lock_ops *ops = lab_obj_lock_ops(obj);

	return ops >= lab_mutex_ops && ops < lab_mutex_ops + lab_mutex_ops_nr;
}

static int lab_obj_cv_create(struct lab_obj *obj,
			     const struct locklab_create *c)
{
	static const enum lab_condvar_variant variants[] = {
		[LOCKLAB_CONDVAR_COUNTER] = LAB_CONDVAR_COUNTER,
		[LOCKLAB_CONDVAR_WAITCOUNT] = LAB_CONDVAR_WAITCOUNT,
		[LOCKLAB_CONDVAR_REQUEUE] = LAB_CONDVAR_REQUEUE,
	};
	struct lab_obj *mobj;
	struct file *mfile;

	if (c->params[1] || c->params[2] || c->params[3])
		return -EINVAL;
	obj->ops = lab_ops_find(c->kind, c->variant);
	if (!obj->ops || c->variant >= ARRAY_SIZE(variants))
		return -EINVAL;
	mfile = fget(c->mutex_fd);
	if (!mfile)
		return -EBADF;
	mobj = lab_obj_from_file(mfile);
	if (!mobj || mobj->type != &lab_obj_mutex_type ||
	    !lab_obj_is_lab_mutex(mobj) || mobj->ctx != obj->ctx) {
		fput(mfile);
		return -EINVAL;
	}
	if (!lab_obj_alloc_prim(obj, sizeof(struct lab_condvar))) {
		fput(mfile);
		return -ENOMEM;
	}
	lab_condvar_init(obj->prim, variants[c->variant]);
	obj->peer = mfile;	/* the mutex lives as long as the condvar */
	return 0;
}

static void lab_obj_cv_destroy(struct lab_obj *obj)
{
	kfree(obj->prim);
}

static int lab_obj_cv_wait(struct lab_obj *obj, struct locklab_op *op)
{
	struct lab_obj *mobj = lab_obj_from_file(obj->peer);
	struct lab_mutex *m = mobj->prim;
	struct lab_holder *h;
	ktime_t t0 = ktime_get();
	int ret;

	/*
	 * The hold record is off the mutex while we wait: the mutex is not
	 * ours then, and a reaper must not release it for us.
	 */
	h = lab_obj_detach_holder(mobj, LAB_HOLD_EXCL);
	if (!h)
		return -EPERM;
	atomic64_inc(&obj->stats.waits);
	lab_obj_user_hold(mobj, false);
	ret = lab_condvar_wait_flags(obj->prim, m, LAB_WAIT_INTERRUPTIBLE,
				     lab_op_deadline(op));
	op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (ret == -ENOLCK) {
		/* Interrupted retaking the mutex: the caller holds nothing. */
		lab_holder_free(h);
		atomic64_inc(&obj->stats.interrupted);
		return -ENOLCK;
	}
	lab_obj_user_hold(mobj, true);
	lab_obj_attach_holder(mobj, h);
	if (ret == -ETIMEDOUT)
		atomic64_inc(&obj->stats.timeouts);
	else if (ret == -EINTR)
		atomic64_inc(&obj->stats.interrupted);
	return ret;
}

static int lab_obj_cv_op(struct lab_obj *obj, struct locklab_op *op)
{
	if (op->flags & (LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_SECTION))
		return -EINVAL;
	switch (op->op) {
	case LOCKLAB_OP_WAIT:
		return lab_obj_cv_wait(obj, op);
	case LOCKLAB_OP_NOTIFY_ONE:
		atomic64_inc(&obj->stats.wakeups);
		lab_condvar_notify_one(obj->prim);
		return 0;
	case LOCKLAB_OP_NOTIFY_ALL:
		atomic64_inc(&obj->stats.wakeups);
		lab_condvar_notify_all(obj->prim);
		return 0;
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_condvar_type = {
	.kind = LOCKLAB_KIND_CONDVAR,
	.name = "[locklab-condvar]",
	.create = lab_obj_cv_create,
	.destroy = lab_obj_cv_destroy,
	.op = lab_obj_cv_op,
};
