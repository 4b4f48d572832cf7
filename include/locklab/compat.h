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
 */
#ifndef _LOCKLAB_COMPAT_H
#define _LOCKLAB_COMPAT_H

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

#endif /* _LOCKLAB_COMPAT_H */
