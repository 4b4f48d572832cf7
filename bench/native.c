// SPDX-License-Identifier: GPL-2.0
/*
 * locklab kernel-native baselines: the kernel's own primitives behind the
 * same ops tables as locklab's, so every benchmark and torture run measures
 * them in the same harness, on the same machine, in the same run.
 *
 *   spin: spinlock_t (qspinlock on SMP builds; with CONFIG_DEBUG_SPINLOCK or
 *         lockdep it carries their checks, which the numbers then include)
 */
#include <linux/spinlock.h>

#include <locklab/ops.h>

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
#ifndef CONFIG_PREEMPT_RT
	return raw_spin_is_locked(&((spinlock_t *)l)->rlock);
#else
	return rt_mutex_base_is_locked(&((spinlock_t *)l)->lock);
#endif
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
