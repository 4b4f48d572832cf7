// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects: what every LOCKLAB_IOC_OP shares (the common
 * checks, one acquisition, its wait bookkeeping, the checked section and
 * the hold time), LOCK and UNLOCK of the holds kept across calls (the
 * record table is dev/hold.c) and LOCKLAB_IOC_STATS.
 */
#include <linux/ktime.h>

#include <locklab/wait.h>

#include "hold.h"
#include "object.h"

/**
 * lab_obj_acquired() - bookkeeping after a successful acquisition
 * @obj: the object
 *
 * Return: -EOWNERDEAD if a previous holder died holding the lock (once,
 * for the first acquirer after the death: the reaper sets the mark before
 * it releases the lock, and the first to take the lock after that release
 * clears it), else 0.
 */
int lab_obj_acquired(struct lab_obj *obj)
{
	atomic64_inc(&obj->stats.acquisitions);
	if (likely(!atomic_read(&obj->owner_died)))
		return 0;
	return atomic_xchg(&obj->owner_died, 0) ? -EOWNERDEAD : 0;
}

ktime_t lab_op_deadline(const struct locklab_op *op)
{
	if (!(op->flags & LOCKLAB_OP_TIMEOUT))
		return LAB_WAIT_FOREVER;
	return lab_deadline(min_t(u64, op->timeout_ns, S64_MAX));
}

/* After a wait that started at @t0: wait_ns and the counters. */
void lab_op_waited(struct lab_obj *obj, struct locklab_op *op, ktime_t t0,
		   int ret)
{
	op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	if (!ret || ret == -EOWNERDEAD)
		lab_times_add(&obj->wait_times, op->wait_ns);
	if (ret == -ETIMEDOUT)
		atomic64_inc(&obj->stats.timeouts);
	else if (ret == -EINTR)
		atomic64_inc(&obj->stats.interrupted);
}

/**
 * lab_obj_acquire() - one acquisition for LOCKLAB_IOC_OP
 * @obj: the object
 * @op: the request (its flags, deadline; wait_ns is set)
 * @try: take it without waiting
 * @wait: take it, waiting with these lab_wait() flags until @deadline
 *
 * One attempt, then (unless NONBLOCK) one interruptible wait until the
 * caller's deadline: a holder that dies is released by its reaper, which
 * wakes the waiter through the primitive itself, so nobody polls and the
 * primitive's own order (FIFO, writer priority) holds however long the
 * wait.
 *
 * Return: 0 or -EOWNERDEAD with the lock; -EBUSY (NONBLOCK), -EINTR or
 * -ETIMEDOUT without it.
 */
int lab_obj_acquire(struct lab_obj *obj, struct locklab_op *op,
		    bool (*try)(struct lab_obj *obj),
		    int (*wait)(struct lab_obj *obj, unsigned int flags,
				ktime_t deadline))
{
	ktime_t t0;
	int ret;

	if (try(obj))
		return lab_obj_acquired(obj);
	if (op->flags & LOCKLAB_OP_NONBLOCK)
		return -EBUSY;
	atomic64_inc(&obj->stats.contended);
	t0 = ktime_get();
	ret = wait(obj, LAB_WAIT_INTERRUPTIBLE, lab_op_deadline(op));
	lab_op_waited(obj, op, t0, ret);
	return ret ?: lab_obj_acquired(obj);
}

/*
 * The checked section, run holding @obj in @mode (hold_ns busy): a
 * semaphore's admits its permits (@limit), a lock's one writer or many
 * readers. A HOLD's section is its hold time.
 */
void lab_obj_section(struct lab_obj *obj, enum lab_hold_mode mode,
		     unsigned int hold_ns)
{
	u64 t0 = ktime_get_ns();

	if (obj->limit > 1)
		lab_cs_count_section(&obj->cs, obj->limit, hold_ns);
	else if (mode == LAB_HOLD_EXCL)
		lab_cs_section(&obj->cs, hold_ns);
	else
		lab_cs_read_section(&obj->cs, hold_ns);
	lab_obj_held(obj, t0);
}

int lab_obj_ioc_op(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = lab_obj_of(file);
	struct locklab_op *op = arg;

	if (op->flags & ~(LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_TIMEOUT |
			  LOCKLAB_OP_SECTION))
		return -EINVAL;
	if ((op->flags & LOCKLAB_OP_NONBLOCK) && (op->flags & LOCKLAB_OP_TIMEOUT))
		return -EINVAL;
	if (op->hold_ns > READ_ONCE(lab_max_hold_ns))
		return -EINVAL;
	op->wait_ns = 0;
	op->retries = 0;
	op->value = 0;
	return obj->type->op(obj, op);
}

static u64 lab_stat(atomic64_t *v, bool reset)
{
	return reset ? atomic64_xchg(v, 0) : atomic64_read(v);
}

int lab_obj_ioc_stats(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = lab_obj_of(file);
	struct lab_obj_stats *s = &obj->stats;
	struct locklab_stats *st = arg;
	bool reset;

	if (st->flags & ~LOCKLAB_STATS_RESET)
		return -EINVAL;
	reset = st->flags & LOCKLAB_STATS_RESET;
	st->kind = obj->ops->kind;
	st->variant = obj->ops->variant;
	st->acquisitions = lab_stat(&s->acquisitions, reset);
	st->contended = lab_stat(&s->contended, reset);
	st->waits = lab_stat(&s->waits, reset);
	st->wakeups = lab_stat(&s->wakeups, reset);
	st->timeouts = lab_stat(&s->timeouts, reset);
	st->interrupted = lab_stat(&s->interrupted, reset);
	st->owner_deaths = lab_stat(&s->owner_deaths, reset);
	st->violations = reset ? atomic_long_xchg(&obj->cs.violations, 0) :
				 atomic_long_read(&obj->cs.violations);
	st->counter = READ_ONCE(obj->cs.counter);
	st->id = obj->id;
	st->wait_total_ns = atomic64_read(&obj->wait_times.total_ns);
	st->wait_max_ns = atomic64_read(&obj->wait_times.max_ns);
	st->hold_total_ns = atomic64_read(&obj->hold_times.total_ns);
	st->hold_max_ns = atomic64_read(&obj->hold_times.max_ns);
	if (reset) {
		lab_times_reset(&obj->wait_times);
		lab_times_reset(&obj->hold_times);
	}
	return 0;
}

/**
 * lab_hold_lock() - LOCK, READ_LOCK, UPGRADABLE_LOCK: take @mode and keep it
 * @obj: the object
 * @op: the request
 * @mode: the hold
 * @try: take it without waiting
 * @wait: take it, waiting (lab_obj_acquire())
 *
 * The record is made first, so a lock taken is never released again for
 * want of memory. Once the lock is held (and the section run, if asked),
 * it is handed to userspace, then recorded.
 *
 * Return: 0 or -EOWNERDEAD with the hold; -EOPNOTSUPP (no exit hook),
 * -EDEADLK (the thread holds @obj already), -ENOLCK (it holds
 * LOCKLAB_MAX_HOLDS locks), -ENOMEM, -ENOSPC, -EBUSY,
 * -EINTR, -ETIMEDOUT without it.
 */
int lab_hold_lock(struct lab_obj *obj, struct locklab_op *op,
		  enum lab_hold_mode mode, bool (*try)(struct lab_obj *obj),
		  int (*wait)(struct lab_obj *obj, unsigned int flags,
			      ktime_t deadline))
{
	struct lab_hold *h;
	int ret;

	if (!lab_hold_supported())
		return -EOPNOTSUPP;
	h = lab_hold_new(obj, mode);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = lab_obj_acquire(obj, op, try, wait);
	if (ret && ret != -EOWNERDEAD) {
		lab_hold_free(h);
		return ret;
	}
	if (op->flags & LOCKLAB_OP_SECTION)
		lab_obj_section(obj, mode, op->hold_ns);
	obj->type->user_hold(obj, mode, true);
	h->since_ns = ktime_get_ns();
	if (lab_hold_restore(h)) {
		/* Cannot happen for the object of the ioctl's own fd. */
		obj->type->release_hold(obj, mode);
		lab_hold_free(h);
		return -EBADF;
	}
	return ret;
}

/**
 * lab_hold_unlock() - UNLOCK, READ_UNLOCK, UPGRADABLE_UNLOCK
 * @obj: the object
 * @mode: the hold the calling thread gives up
 *
 * Return: 0, or -EPERM when the thread does not hold @obj in @mode.
 */
int lab_hold_unlock(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_hold *h = lab_hold_claim(obj, mode);

	if (!h)
		return -EPERM;
	obj->type->release_hold(obj, mode);
	lab_obj_held(obj, h->since_ns);
	lab_hold_free(h);
	atomic64_inc(&obj->stats.wakeups);
	return 0;
}
