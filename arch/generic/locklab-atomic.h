/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab generic atomics backend: the kernel's own atomic_*() and smp_*().
 *
 * This is the reference every arch backend is tested against
 * (kunit/atomic_test.c) and the backend on UML, on architectures without
 * an arch/ file, and wherever CONFIG_LOCKLAB_GENERIC_ATOMICS is set.
 *
 * Every helper has the ordering its name says, exactly as the kernel's
 * atomic_t API defines it (Documentation/atomic_t.txt):
 *   (none)    fully ordered: as if smp_mb() before and after
 *   _acquire  the load half is ACQUIRE
 *   _release  the store half is RELEASE
 *   _relaxed  no ordering beyond the atomicity of the access
 * Only include/locklab/atomic.h includes this file.
 */
#ifndef _LOCKLAB_ARCH_GENERIC_ATOMIC_H
#define _LOCKLAB_ARCH_GENERIC_ATOMIC_H

#include <linux/atomic.h>
#include <asm/barrier.h>
#include <asm/processor.h>

#define LAB_GENERIC_BACKEND_NAME	"generic"

/*
 * One line per operation and ordering; the names are the backend contract
 * documented in include/locklab/atomic.h. They are plain aliases: the kernel
 * helpers already carry the instrumentation (KASAN, KCSAN) and the per-arch
 * ordering.
 */
#define lab_generic_atomic_read_acquire		atomic_read_acquire
#define lab_generic_atomic_set_release		atomic_set_release
#define lab_generic_atomic_xchg			atomic_xchg
#define lab_generic_atomic_xchg_acquire		atomic_xchg_acquire
#define lab_generic_atomic_xchg_release		atomic_xchg_release
#define lab_generic_atomic_xchg_relaxed		atomic_xchg_relaxed
#define lab_generic_atomic_cmpxchg		atomic_cmpxchg
#define lab_generic_atomic_cmpxchg_acquire	atomic_cmpxchg_acquire
#define lab_generic_atomic_cmpxchg_release	atomic_cmpxchg_release
#define lab_generic_atomic_cmpxchg_relaxed	atomic_cmpxchg_relaxed

#define lab_generic_atomic_long_read_acquire	atomic_long_read_acquire
#define lab_generic_atomic_long_set_release	atomic_long_set_release
#define lab_generic_atomic_long_xchg		atomic_long_xchg
#define lab_generic_atomic_long_xchg_acquire	atomic_long_xchg_acquire
#define lab_generic_atomic_long_xchg_release	atomic_long_xchg_release
#define lab_generic_atomic_long_xchg_relaxed	atomic_long_xchg_relaxed
#define lab_generic_atomic_long_cmpxchg		atomic_long_cmpxchg
#define lab_generic_atomic_long_cmpxchg_acquire	atomic_long_cmpxchg_acquire
#define lab_generic_atomic_long_cmpxchg_release	atomic_long_cmpxchg_release
#define lab_generic_atomic_long_cmpxchg_relaxed	atomic_long_cmpxchg_relaxed

/*
 * The kernel's fetch_add takes the addend first, (i, v); every locklab
 * helper takes the word first, (v, i), like the other RMWs.
 */
#define lab_generic_atomic_fetch_add(v, i)	atomic_fetch_add(i, v)
#define lab_generic_atomic_fetch_add_acquire(v, i) atomic_fetch_add_acquire(i, v)
#define lab_generic_atomic_fetch_add_release(v, i) atomic_fetch_add_release(i, v)
#define lab_generic_atomic_fetch_add_relaxed(v, i) atomic_fetch_add_relaxed(i, v)
#define lab_generic_atomic_long_fetch_add(v, i)	atomic_long_fetch_add(i, v)
#define lab_generic_atomic_long_fetch_add_acquire(v, i) \
	atomic_long_fetch_add_acquire(i, v)
#define lab_generic_atomic_long_fetch_add_release(v, i) \
	atomic_long_fetch_add_release(i, v)
#define lab_generic_atomic_long_fetch_add_relaxed(v, i) \
	atomic_long_fetch_add_relaxed(i, v)

/*
 * Fences. The kernel has no stand-alone acquire or release fence that orders
 * both loads and stores on every architecture, so the generic backend uses
 * the full barrier for both: correct everywhere, and only weakly ordered
 * architectures pay for it (and those have their own backend).
 */
/* Full barrier: the definition of lab_mb(). */
#define lab_generic_mb()		smp_mb()
/* Acquire fence: smp_mb() orders earlier loads before later accesses. */
#define lab_generic_fence_acquire()	smp_mb()
/* Release fence: smp_mb() orders earlier accesses before later stores. */
#define lab_generic_fence_release()	smp_mb()
#define lab_generic_cpu_relax()		cpu_relax()

/*
 * Spin until @cond_expr (which reads the loaded value as VAL) is true. The
 * kernel's version lets an architecture wait for the cache line to change
 * (arm64: sevl; wfe on an exclusive monitor) instead of polling.
 */
#define lab_generic_atomic_cond_read_acquire(v, c)	atomic_cond_read_acquire(v, c)
#define lab_generic_atomic_cond_read_relaxed(v, c)	atomic_cond_read_relaxed(v, c)
#define lab_generic_atomic_long_cond_read_acquire(v, c) \
	atomic_long_cond_read_acquire(v, c)
#define lab_generic_atomic_long_cond_read_relaxed(v, c) \
	atomic_long_cond_read_relaxed(v, c)

#endif /* _LOCKLAB_ARCH_GENERIC_ATOMIC_H */
