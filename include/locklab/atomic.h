/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab atomics: the operations every locklab algorithm is written with.
 *
 * The algorithms call lab_atomic_*() rather than the kernel's atomic_*(),
 * so that the same C runs on hand-written instructions (book ch. 7) or on
 * the kernel's own helpers, and the two can be compared. Some code calls
 * the kernel's directly, on purpose: initialization and teardown checks
 * (no other thread can see the word yet, or any more), statistics and
 * counters that are not part of an algorithm (the device's, the
 * benchmarks'), and the one-byte
 * parking-lot lock (lock/parking.c), whose u8 word needs cmpxchg on a byte,
 * which the backends here (32- and 64-bit words) do not provide.
 *
 * Backends (one is selected at build time):
 *
 *   arch/x86/locklab-atomic.h      CONFIG_X86_64 && !CONFIG_UML
 *   arch/arm64/locklab-atomic.h    CONFIG_ARM64; runs LSE or LL/SC, chosen
 *                                  at module load (lab_atomic_backend_init())
 *   arch/generic/locklab-atomic.h  everything else, or when
 *                                  CONFIG_LOCKLAB_GENERIC_ATOMICS=y
 *
 * The generic backend is always compiled in as well, and so is the arch
 * file of the architecture even when generic is forced: the equivalence
 * tests compare every backend the machine can run with the kernel's own
 * atomics. LAB_HAVE_X86_ATOMICS / LAB_HAVE_ARM64_ATOMICS say which arch file
 * is present; LAB_HAVE_ARCH_ATOMICS that the selected backend is one.
 *
 * Word types are the kernel's atomic_t (32 bits: lock words, counters, the
 * values lab_wait() compares) and atomic_long_t (pointer-sized: queue tails,
 * reference counts).
 *
 * Operations and their ordering (Documentation/atomic_t.txt terms):
 *
 *   lab_atomic_read / _set                 relaxed (READ_ONCE/WRITE_ONCE)
 *   lab_atomic_read_acquire                ACQUIRE load
 *   lab_atomic_set_release                 RELEASE store
 *   lab_atomic_xchg{,_acquire,_release,_relaxed}      return the old value
 *   lab_atomic_cmpxchg{,_acquire,_release,_relaxed}   return the old value;
 *                                          on failure only the load happens
 *                                          and it is relaxed (or acquire)
 *   lab_atomic_try_cmpxchg{...}            bool, *old updated on failure
 *   lab_atomic_fetch_add / fetch_sub{...}  return the old value
 *   lab_atomic_cond_read_{acquire,relaxed} spin until a condition on VAL
 *   lab_mb()                               full barrier
 *   lab_fence_acquire / lab_fence_release  stand-alone fences
 *   lab_cpu_relax()                        spin-wait hint
 *
 * and the same with lab_atomic_long_ on atomic_long_t.
 */
#ifndef _LOCKLAB_ATOMIC_H
#define _LOCKLAB_ATOMIC_H

#include <linux/atomic.h>
#include <linux/types.h>

#include "arch/generic/locklab-atomic.h"

#if defined(CONFIG_X86_64) && !defined(CONFIG_UML)
#include "arch/x86/locklab-atomic.h"
#define LAB_HAVE_X86_ATOMICS		1
#else
#define LAB_HAVE_X86_ATOMICS		0
#endif

#ifdef CONFIG_ARM64
#include "arch/arm64/locklab-atomic.h"
#define LAB_HAVE_ARM64_ATOMICS		1
#define __lab_atomic_backend_init()	lab_arm64_atomics_init()
#else
#define LAB_HAVE_ARM64_ATOMICS		0
#define __lab_atomic_backend_init()	0
#endif

#if !defined(CONFIG_LOCKLAB_GENERIC_ATOMICS) && LAB_HAVE_X86_ATOMICS
#define LAB_ATOMIC_BACKEND		x86
#define LAB_ATOMIC_BACKEND_NAME		LAB_X86_BACKEND_NAME
#define LAB_HAVE_ARCH_ATOMICS		1
#elif !defined(CONFIG_LOCKLAB_GENERIC_ATOMICS) && LAB_HAVE_ARM64_ATOMICS
#define LAB_ATOMIC_BACKEND		arm64
#define LAB_ATOMIC_BACKEND_NAME		LAB_ARM64_BACKEND_NAME
#define LAB_HAVE_ARCH_ATOMICS		1
#else
#define LAB_ATOMIC_BACKEND		generic
#define LAB_ATOMIC_BACKEND_NAME		LAB_GENERIC_BACKEND_NAME
#define LAB_HAVE_ARCH_ATOMICS		0
#endif

/*
 * __LAB(op) is lab_<backend>_<op>. The op is pasted at once (_##op), never
 * macro-expanded first: some kernel names are object-like macros (on 64-bit,
 * atomic_long_cond_read_acquire is atomic64_cond_read_acquire), and an
 * expanded argument would name a helper that does not exist.
 */
#define ___LAB_BE(be, sfx)	lab_##be##sfx
#define __LAB_BE(be, sfx)	___LAB_BE(be, sfx)
#define __LAB(op)		__LAB_BE(LAB_ATOMIC_BACKEND, _##op)

/* Relaxed accesses are plain volatile accesses on every backend. */
#define lab_atomic_read			atomic_read
#define lab_atomic_set			atomic_set
#define lab_atomic_long_read		atomic_long_read
#define lab_atomic_long_set		atomic_long_set

#define lab_atomic_read_acquire		__LAB(atomic_read_acquire)
#define lab_atomic_set_release		__LAB(atomic_set_release)
#define lab_atomic_xchg			__LAB(atomic_xchg)
#define lab_atomic_xchg_acquire		__LAB(atomic_xchg_acquire)
#define lab_atomic_xchg_release		__LAB(atomic_xchg_release)
#define lab_atomic_xchg_relaxed		__LAB(atomic_xchg_relaxed)
#define lab_atomic_cmpxchg		__LAB(atomic_cmpxchg)
#define lab_atomic_cmpxchg_acquire	__LAB(atomic_cmpxchg_acquire)
#define lab_atomic_cmpxchg_release	__LAB(atomic_cmpxchg_release)
#define lab_atomic_cmpxchg_relaxed	__LAB(atomic_cmpxchg_relaxed)
#define lab_atomic_fetch_add		__LAB(atomic_fetch_add)
#define lab_atomic_fetch_add_acquire	__LAB(atomic_fetch_add_acquire)
#define lab_atomic_fetch_add_release	__LAB(atomic_fetch_add_release)
#define lab_atomic_fetch_add_relaxed	__LAB(atomic_fetch_add_relaxed)
#define lab_atomic_cond_read_acquire	__LAB(atomic_cond_read_acquire)
#define lab_atomic_cond_read_relaxed	__LAB(atomic_cond_read_relaxed)

#define lab_atomic_long_read_acquire	__LAB(atomic_long_read_acquire)
#define lab_atomic_long_set_release	__LAB(atomic_long_set_release)
#define lab_atomic_long_xchg		__LAB(atomic_long_xchg)
#define lab_atomic_long_xchg_acquire	__LAB(atomic_long_xchg_acquire)
#define lab_atomic_long_xchg_release	__LAB(atomic_long_xchg_release)
#define lab_atomic_long_xchg_relaxed	__LAB(atomic_long_xchg_relaxed)
#define lab_atomic_long_cmpxchg		__LAB(atomic_long_cmpxchg)
#define lab_atomic_long_cmpxchg_acquire	__LAB(atomic_long_cmpxchg_acquire)
#define lab_atomic_long_cmpxchg_release	__LAB(atomic_long_cmpxchg_release)
#define lab_atomic_long_cmpxchg_relaxed	__LAB(atomic_long_cmpxchg_relaxed)
#define lab_atomic_long_fetch_add	__LAB(atomic_long_fetch_add)
#define lab_atomic_long_fetch_add_acquire __LAB(atomic_long_fetch_add_acquire)
#define lab_atomic_long_fetch_add_release __LAB(atomic_long_fetch_add_release)
#define lab_atomic_long_fetch_add_relaxed __LAB(atomic_long_fetch_add_relaxed)
#define lab_atomic_long_cond_read_acquire __LAB(atomic_long_cond_read_acquire)
#define lab_atomic_long_cond_read_relaxed __LAB(atomic_long_cond_read_relaxed)

#define lab_mb				__LAB(mb)
#define lab_fence_acquire		__LAB(fence_acquire)
#define lab_fence_release		__LAB(fence_release)
#define lab_cpu_relax			__LAB(cpu_relax)

/*
 * Derived operations, the same for every backend: try_cmpxchg is cmpxchg
 * plus a compare (GCC folds the compare into the flags on x86), fetch_sub is
 * fetch_add of the negation. Their ordering is that of the cmpxchg or
 * fetch_add they are built on. Both work on atomic_t and atomic_long_t.
 */
#define __lab_try_cmpxchg(cmpxchg, v, pold, new)			\
({									\
	typeof(pold) __pold = (pold);					\
	typeof(*__pold) __old = *__pold;				\
	typeof(*__pold) __seen = cmpxchg(v, __old, new);		\
									\
	if (unlikely(__seen != __old))					\
		*__pold = __seen;					\
	likely(__seen == __old);					\
})

#define lab_atomic_try_cmpxchg(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_cmpxchg, v, po, n)
#define lab_atomic_try_cmpxchg_acquire(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_cmpxchg_acquire, v, po, n)
#define lab_atomic_try_cmpxchg_release(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_cmpxchg_release, v, po, n)
#define lab_atomic_try_cmpxchg_relaxed(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_cmpxchg_relaxed, v, po, n)
#define lab_atomic_long_try_cmpxchg(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_long_cmpxchg, v, po, n)
#define lab_atomic_long_try_cmpxchg_acquire(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_long_cmpxchg_acquire, v, po, n)
#define lab_atomic_long_try_cmpxchg_release(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_long_cmpxchg_release, v, po, n)
#define lab_atomic_long_try_cmpxchg_relaxed(v, po, n) \
	__lab_try_cmpxchg(lab_atomic_long_cmpxchg_relaxed, v, po, n)

#define lab_atomic_fetch_sub(v, i)	lab_atomic_fetch_add(v, -(i))
#define lab_atomic_fetch_sub_acquire(v, i) lab_atomic_fetch_add_acquire(v, -(i))
#define lab_atomic_fetch_sub_release(v, i) lab_atomic_fetch_add_release(v, -(i))
#define lab_atomic_fetch_sub_relaxed(v, i) lab_atomic_fetch_add_relaxed(v, -(i))
#define lab_atomic_long_fetch_sub(v, i)	lab_atomic_long_fetch_add(v, -(i))
#define lab_atomic_long_fetch_sub_acquire(v, i) \
	lab_atomic_long_fetch_add_acquire(v, -(i))
#define lab_atomic_long_fetch_sub_release(v, i) \
	lab_atomic_long_fetch_add_release(v, -(i))
#define lab_atomic_long_fetch_sub_relaxed(v, i) \
	lab_atomic_long_fetch_add_relaxed(v, -(i))

/**
 * lab_atomic_backend_init() - settle the run-time part of the backend choice
 *
 * On arm64, picks LSE or LL/SC (arch/arm64/atomic.c); nothing elsewhere.
 * Call once at module load, before any lock is used. Process context.
 *
 * Return: 0, or -EINVAL for a bad module parameter.
 */
static inline int lab_atomic_backend_init(void)
{
	return __lab_atomic_backend_init();
}

/**
 * lab_atomic_backend_name() - name of the backend the algorithms run on
 *
 * On arm64 this is the path actually in use, so only meaningful after
 * lab_atomic_backend_init().
 *
 * Return: a static string: "x86-64", "arm64-lse", "arm64-llsc", "generic"
 */
static inline const char *lab_atomic_backend_name(void)
{
	return LAB_ATOMIC_BACKEND_NAME;
}

#endif /* _LOCKLAB_ATOMIC_H */
