// SPDX-License-Identifier: GPL-2.0
/*
 * locklab kernel-native baselines: the kernel's own primitives behind the
 * same ops tables as locklab's, so every benchmark and torture run measures
 * them in the same harness, on the same machine, in the same run.
 *
 *   spin:      spinlock_t (qspinlock on SMP builds; with
 *              CONFIG_DEBUG_SPINLOCK or lockdep it carries their checks,
 *              which the numbers then include; on PREEMPT_RT an rt_mutex
 *              that sleeps: the comparison is then spin vs sleep)
 *   mutex:     struct mutex (optimistic spinning on the owner, then a
 *              wait list)
 *   semaphore: struct semaphore of count 1 (a spinlock and a wait list)
 *   rwlock:    struct rw_semaphore
 *
 * Waits. Where the kernel has the wait asked for, the *_wait ops use it:
 * mutex_lock_interruptible(), down_killable(), down_read_interruptible()...
 * The kernel has no wait that both times out and ends on signals, and no
 * interruptible down_write(); for those the ops poll the trylock between
 * sleeps of 50 us doubling to 1 ms in the task state @flags asks for
 * (lab_native_poll()), so a signal ends the wait at once and the deadline
 * is kept within a millisecond. A poller is not queued behind the lock's
 * own waiters: those waits are not FIFO, and that is the kernel API's
 * gap, not the lock's. (The benchmarks never take that path: they lock.)
 */
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/semaphore.h>
#include <linux/spinlock.h>

#include <locklab/compat.h>
#include <locklab/ops.h>
#include <locklab/wait.h>

/* See "Waits" above. */
static int lab_native_poll(bool (*try)(void *l), void *l, unsigned int flags,
			   ktime_t deadline)
{
	u64 step = 50 * NSEC_PER_USEC;
	ktime_t wake;
	int ret;

	for (;;) {
		if (try(l))
			return 0;
		ret = lab_wait_should_end(flags, deadline);
		if (ret)
			return ret;
		wake = ktime_add_ns(ktime_get(), step);
		if (deadline != LAB_WAIT_FOREVER && ktime_after(wake, deadline))
			wake = deadline;
		set_current_state(lab_wait_task_state(flags));
		schedule_hrtimeout_range(&wake, step / 4, HRTIMER_MODE_ABS);
		step = min_t(u64, step * 2, NSEC_PER_MSEC);
	}
}

static int kspin_init(void *l)
{
	spin_lock_init((spinlock_t *)l);
	return 0;
}

static void kspin_destroy(void *l)
{
}

/* The ops interface hides the lock behind void *: tell sparse. */
static void kspin_lock(void *l, union lab_lock_ctx *c)
	__acquires(l)
{
	spin_lock(l);
}

static bool kspin_trylock(void *l, union lab_lock_ctx *c)
{
#ifdef __CHECKER__
	/*
	 * sparse reports "different lock contexts for basic block" in every
	 * function that calls spin_trylock(), however balanced: it cannot
	 * model a conditional acquisition. Let it check the rest of the file.
	 */
	return false;
#else
	return spin_trylock(l);
#endif
}

static void kspin_unlock(void *l, union lab_lock_ctx *c)
	__releases(l)
{
	spin_unlock(l);
}

static bool kspin_is_locked(void *l)
{
	return lab_compat_spin_is_locked(l);
}

const struct lab_lock_ops lab_kernel_spinlock_ops = {
	.name = "kernel",
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_KERNEL,
	.props = LOCKLAB_PROP_KERNEL,
	.size = sizeof(spinlock_t),
	.init = kspin_init,
	.destroy = kspin_destroy,
	.lock = kspin_lock,
	.trylock = kspin_trylock,
	.unlock = kspin_unlock,
	.is_locked = kspin_is_locked,
};

/* --- struct mutex -------------------------------------------------------- */

static int kmutex_init(void *l)
{
	mutex_init((struct mutex *)l);
	return 0;
}

static void kmutex_destroy(void *l)
{
	mutex_destroy((struct mutex *)l);
}

static void kmutex_lock(void *l, union lab_lock_ctx *c)
{
	mutex_lock(l);
}

static bool kmutex_try(void *l)
{
	return mutex_trylock(l);
}

static int kmutex_lock_wait(void *l, union lab_lock_ctx *c,
			    unsigned int flags, ktime_t deadline)
{
	/* struct mutex has no timed lock. */
	if (deadline != LAB_WAIT_FOREVER)
		return lab_native_poll(kmutex_try, l, flags, deadline);
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return mutex_lock_interruptible(l);
	if (flags & LAB_WAIT_KILLABLE)
		return mutex_lock_killable(l);
	mutex_lock(l);
	return 0;
}

static bool kmutex_trylock(void *l, union lab_lock_ctx *c)
{
	return mutex_trylock(l);
}

static void kmutex_unlock(void *l, union lab_lock_ctx *c)
{
	mutex_unlock(l);
}

static bool kmutex_is_locked(void *l)
{
	return mutex_is_locked((struct mutex *)l);
}

const struct lab_lock_ops lab_kernel_mutex_ops = {
	.name = "kernel",
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_KERNEL,
	.props = LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_SLEEPS,
	.size = sizeof(struct mutex),
	.init = kmutex_init,
	.destroy = kmutex_destroy,
	.lock = kmutex_lock,
	.lock_wait = kmutex_lock_wait,
	.trylock = kmutex_trylock,
	.unlock = kmutex_unlock,
	.is_locked = kmutex_is_locked,
};

/* --- struct semaphore (count 1, as a lock) --------------------------------- */

static int ksema_init(void *l)
{
	sema_init(l, 1);
	return 0;
}

static void ksema_destroy(void *l)
{
}

static void ksema_lock(void *l, union lab_lock_ctx *c)
{
	down(l);
}

static bool ksema_try(void *l)
{
	return !down_trylock(l);	/* 0 means taken */
}

static int ksema_lock_wait(void *l, union lab_lock_ctx *c,
			   unsigned int flags, ktime_t deadline)
{
	/* down_timeout() sleeps uninterruptibly: only for flags 0. */
	if (deadline != LAB_WAIT_FOREVER && flags)
		return lab_native_poll(ksema_try, l, flags, deadline);
	if (deadline != LAB_WAIT_FOREVER) {
		s64 ns = ktime_to_ns(ktime_sub(deadline, ktime_get()));

		return down_timeout(l, ns > 0 ? nsecs_to_jiffies(ns) : 0) ?
		       -ETIMEDOUT : 0;
	}
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return down_interruptible(l);
	if (flags & LAB_WAIT_KILLABLE)
		return down_killable(l);
	down(l);
	return 0;
}

static bool ksema_trylock(void *l, union lab_lock_ctx *c)
{
	return ksema_try(l);
}

static void ksema_unlock(void *l, union lab_lock_ctx *c)
{
	up(l);
}

static bool ksema_is_locked(void *l)
{
	return !READ_ONCE(((struct semaphore *)l)->count);
}

const struct lab_lock_ops lab_kernel_semaphore_ops = {
	.name = "kernel",
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.variant = LOCKLAB_SEMAPHORE_KERNEL,
	.props = LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_SLEEPS,
	.size = sizeof(struct semaphore),
	.init = ksema_init,
	.destroy = ksema_destroy,
	.lock = ksema_lock,
	.lock_wait = ksema_lock_wait,
	.trylock = ksema_trylock,
	.unlock = ksema_unlock,
	.is_locked = ksema_is_locked,
};

/* --- struct rw_semaphore ---------------------------------------------------- */

static int krwsem_init(void *l)
{
	init_rwsem((struct rw_semaphore *)l);
	return 0;
}

static void krwsem_destroy(void *l)
{
}

static bool krwsem_read_try(void *l)
{
	return down_read_trylock(l);
}

static bool krwsem_write_try(void *l)
{
	return down_write_trylock(l);
}

/* rw_semaphore has no timed forms, and down_write() only a killable one. */
static int krwsem_read_lock(void *l, unsigned int flags, ktime_t deadline)
{
	if (deadline != LAB_WAIT_FOREVER)
		return lab_native_poll(krwsem_read_try, l, flags, deadline);
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return down_read_interruptible(l);
	if (flags & LAB_WAIT_KILLABLE)
		return down_read_killable(l);
	down_read(l);
	return 0;
}

static int krwsem_write_lock(void *l, unsigned int flags, ktime_t deadline)
{
	if (deadline != LAB_WAIT_FOREVER || (flags & LAB_WAIT_INTERRUPTIBLE))
		return lab_native_poll(krwsem_write_try, l, flags, deadline);
	if (flags & LAB_WAIT_KILLABLE)
		return down_write_killable(l);
	down_write(l);
	return 0;
}

static bool krwsem_read_trylock(void *l)
{
	return down_read_trylock(l);
}

static bool krwsem_write_trylock(void *l)
{
	return down_write_trylock(l);
}

static void krwsem_read_unlock(void *l)
{
	up_read(l);
}

static void krwsem_write_unlock(void *l)
{
	up_write(l);
}

static void krwsem_downgrade(void *l)
{
	downgrade_write(l);
}

const struct lab_rwlock_ops lab_kernel_rwsem_ops = {
	.name = "kernel",
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_KERNEL,
	.props = LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_SLEEPS,
	.size = sizeof(struct rw_semaphore),
	.init = krwsem_init,
	.destroy = krwsem_destroy,
	.rd_lock = krwsem_read_lock,
	.wr_lock = krwsem_write_lock,
	.rd_trylock = krwsem_read_trylock,
	.wr_trylock = krwsem_write_trylock,
	.rd_unlock = krwsem_read_unlock,
	.wr_unlock = krwsem_write_unlock,
	.downgrade = krwsem_downgrade,
};
