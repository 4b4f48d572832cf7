/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab compatibility: every difference between the kernels locklab
 * builds on (Debian's 6.1, 6.12 and 6.12 PREEMPT_RT), in one place. Code
 * elsewhere calls the lab_compat_*() helpers here and never tests
 * LINUX_VERSION_CODE or a kernel configuration itself.
 *
 * Checked: 6.1 and 6.12 share every other interface locklab uses
 * (tracepoint probes, task and kthread helpers, kmalloc_size_roundup(),
 * copy_struct_from_user(), anon_inode_getfile()); the differences are:
 *
 *   spinlock_t on PREEMPT_RT is an rt_mutex (it sleeps): "is it locked"
 *   reads another field.
 *   scoped_guard() since 6.12 needs two helpers of a guard class written
 *   with DEFINE_CLASS() (LAB_CLASS_IS_GUARD()).
 *
 * One more lives in the Kbuild: an in-tree build's $(src) became absolute
 * in 6.10.
 *
 *   SRCU is built only when something selects it in 6.1 (CONFIG_SRCU,
 *   which every configuration locklab is built for has), always in 6.12
 *   (no CONFIG_SRCU symbol left): LAB_COMPAT_HAVE_SRCU tests for either of
 *   its two implementations.
 */
#ifndef _LOCKLAB_COMPAT_H
#define _LOCKLAB_COMPAT_H

#include <linux/cleanup.h>
#include <linux/spinlock.h>
#include <linux/version.h>

/* Is the kernel's spinlock_t @l held (a racy snapshot)? */
static inline bool lab_compat_spin_is_locked(spinlock_t *l)
{
#ifndef CONFIG_PREEMPT_RT
	return raw_spin_is_locked(&l->rlock);
#else
	return rt_mutex_base_is_locked(&l->lock);
#endif
}

/*
 * A lock guard written with DEFINE_CLASS() (one that carries more than the
 * lock, as the MCS guard carries its node) used with scoped_guard(). Since
 * 6.12 scoped_guard() asks the class whether it is conditional and for the
 * lock it holds (DEFINE_GUARD() defines both); 6.1's needs neither. Feature
 * test: the macro that defines the first.
 */
#ifdef __DEFINE_CLASS_IS_CONDITIONAL
#define LAB_CLASS_IS_GUARD(_name, _lock_expr)				\
	__DEFINE_CLASS_IS_CONDITIONAL(_name, false);			\
	static inline void *class_##_name##_lock_ptr(class_##_name##_t * _T) \
	{ return (void *)(_lock_expr); }
#else
#define LAB_CLASS_IS_GUARD(_name, _lock_expr)
#endif

/*
 * Is the kernel's SRCU there (srcu_read_lock(), synchronize_srcu(),
 * call_srcu())? 1 or 0, for C conditions (the calls behind a 0 are
 * compiled out, so they need no symbol) and #if alike.
 */
#if defined(CONFIG_TINY_SRCU) || defined(CONFIG_TREE_SRCU)
#define LAB_COMPAT_HAVE_SRCU	1
#else
#define LAB_COMPAT_HAVE_SRCU	0
#endif

/*
 * srcu_barrier() is declared by srcutree.h and srcutiny.h only, not by
 * srcu.h as the other calls are: without SRCU even a call behind a 0
 * would not compile. Never reached there (no SRCU variant is made).
 */
#if LAB_COMPAT_HAVE_SRCU
#define lab_compat_srcu_barrier(ssp)	srcu_barrier(ssp)
#else
#define lab_compat_srcu_barrier(ssp)	((void)(ssp))
#endif

#endif /* _LOCKLAB_COMPAT_H */
