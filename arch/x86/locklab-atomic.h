/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab x86-64 atomics backend: hand-written inline asm (book ch. 7).
 *
 * x86-64 is strongly ordered (TSO): every load is an acquire and every store
 * a release, and any `lock`-prefixed read-modify-write is a full barrier.
 * So the four orderings of each RMW compile to the same instruction here;
 * what differs from a plain C access is only what the *compiler* may do:
 *
 *   xchg       `xchg r, m`        (a memory operand implies `lock`)
 *   cmpxchg    `lock cmpxchg r, m` (old value in/out through %eax/%rax)
 *   fetch_add  `lock xadd r, m`
 *   load-acq   `mov m, r`          (TSO: loads are not reordered with
 *                                   later loads or stores)
 *   store-rel  `mov r, m`          (TSO: stores are not reordered with
 *                                   earlier loads or stores)
 *   full fence `mfence`            (the only reordering TSO allows is a
 *                                   later load passing an earlier store to
 *                                   another location; mfence forbids it.
 *                                   The kernel's smp_mb() uses the cheaper
 *                                   `lock addl $0,-4(%rsp)`; locklab keeps
 *                                   the textbook instruction.)
 *   relax      `pause`             (tells the core this is a spin-wait
 *                                   loop: saves power and avoids the memory
 *                                   order machine clear on loop exit)
 *
 * The "memory" clobber on every asm block is what makes it a compiler
 * barrier: without it GCC may keep the protected data in registers across
 * the lock operation, or move plain loads and stores of the critical
 * section past it, and the hardware ordering above would order nothing
 * (see the seed post on hand-written `lock; xchg` atomics). The "+m"
 * operand tells GCC the word itself is read and written; "cc" is implied on
 * x86 but spelled out where the instruction sets flags.
 *
 * Each RMW first calls instrument_atomic_read_write() so KASAN and KCSAN see
 * the access exactly as they see the kernel's own atomic_*() (they cannot
 * look inside asm).
 *
 * Only include/locklab/atomic.h includes this file.
 */
#ifndef _LOCKLAB_ARCH_X86_ATOMIC_H
#define _LOCKLAB_ARCH_X86_ATOMIC_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/instrumented.h>

#define LAB_X86_BACKEND_NAME	"x86-64"

/* 32-bit operations on atomic_t. */

static __always_inline int lab_x86_atomic_read_acquire(const atomic_t *v)
{
	int ret;

	instrument_atomic_read(v, sizeof(*v));
	asm volatile("movl %1, %0" : "=r" (ret) : "m" (v->counter) : "memory");
	return ret;
}

static __always_inline void lab_x86_atomic_set_release(atomic_t *v, int i)
{
	kcsan_release();
	instrument_atomic_write(v, sizeof(*v));
	asm volatile("movl %1, %0" : "=m" (v->counter) : "r" (i) : "memory");
}

static __always_inline int lab_x86_atomic_xchg(atomic_t *v, int i)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	/* xchg with a memory operand is locked without the prefix. */
	asm volatile("xchgl %0, %1"
		     : "+r" (i), "+m" (v->counter) : : "memory");
	return i;
}

static __always_inline int lab_x86_atomic_cmpxchg(atomic_t *v, int old,
						  int new)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	/* Compare %eax with *v: if equal store @new; %eax = old *v either way. */
	asm volatile("lock cmpxchgl %2, %1"
		     : "+a" (old), "+m" (v->counter)
		     : "r" (new) : "memory", "cc");
	return old;
}

static __always_inline int lab_x86_atomic_fetch_add(atomic_t *v, int i)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	/* xadd leaves the old value in the register operand. */
	asm volatile("lock xaddl %0, %1"
		     : "+r" (i), "+m" (v->counter) : : "memory", "cc");
	return i;
}

/* 64-bit operations on atomic_long_t: the same instructions, q suffix. */

static __always_inline long lab_x86_atomic_long_read_acquire(const atomic_long_t *v)
{
	long ret;

	instrument_atomic_read(v, sizeof(*v));
	asm volatile("movq %1, %0" : "=r" (ret) : "m" (v->counter) : "memory");
	return ret;
}

static __always_inline void lab_x86_atomic_long_set_release(atomic_long_t *v,
							    long i)
{
	kcsan_release();
	instrument_atomic_write(v, sizeof(*v));
	asm volatile("movq %1, %0" : "=m" (v->counter) : "r" (i) : "memory");
}

static __always_inline long lab_x86_atomic_long_xchg(atomic_long_t *v, long i)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	asm volatile("xchgq %0, %1"
		     : "+r" (i), "+m" (v->counter) : : "memory");
	return i;
}

static __always_inline long lab_x86_atomic_long_cmpxchg(atomic_long_t *v,
							long old, long new)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	asm volatile("lock cmpxchgq %2, %1"
		     : "+a" (old), "+m" (v->counter)
		     : "r" (new) : "memory", "cc");
	return old;
}

static __always_inline long lab_x86_atomic_long_fetch_add(atomic_long_t *v,
							  long i)
{
	kcsan_mb();	/* a lock-prefixed RMW is a full barrier */
	instrument_atomic_read_write(v, sizeof(*v));
	asm volatile("lock xaddq %0, %1"
		     : "+r" (i), "+m" (v->counter) : : "memory", "cc");
	return i;
}

/*
 * Every locked RMW is a full barrier on x86, so the weaker orderings are the
 * same instruction. They are named anyway so the algorithms state the
 * ordering they need and stay correct on weakly ordered backends.
 */
#define lab_x86_atomic_xchg_acquire		lab_x86_atomic_xchg
#define lab_x86_atomic_xchg_release		lab_x86_atomic_xchg
#define lab_x86_atomic_xchg_relaxed		lab_x86_atomic_xchg
#define lab_x86_atomic_cmpxchg_acquire		lab_x86_atomic_cmpxchg
#define lab_x86_atomic_cmpxchg_release		lab_x86_atomic_cmpxchg
#define lab_x86_atomic_cmpxchg_relaxed		lab_x86_atomic_cmpxchg
#define lab_x86_atomic_fetch_add_acquire	lab_x86_atomic_fetch_add
#define lab_x86_atomic_fetch_add_release	lab_x86_atomic_fetch_add
#define lab_x86_atomic_fetch_add_relaxed	lab_x86_atomic_fetch_add
#define lab_x86_atomic_long_xchg_acquire	lab_x86_atomic_long_xchg
#define lab_x86_atomic_long_xchg_release	lab_x86_atomic_long_xchg
#define lab_x86_atomic_long_xchg_relaxed	lab_x86_atomic_long_xchg
#define lab_x86_atomic_long_cmpxchg_acquire	lab_x86_atomic_long_cmpxchg
#define lab_x86_atomic_long_cmpxchg_release	lab_x86_atomic_long_cmpxchg
#define lab_x86_atomic_long_cmpxchg_relaxed	lab_x86_atomic_long_cmpxchg
#define lab_x86_atomic_long_fetch_add_acquire	lab_x86_atomic_long_fetch_add
#define lab_x86_atomic_long_fetch_add_release	lab_x86_atomic_long_fetch_add
#define lab_x86_atomic_long_fetch_add_relaxed	lab_x86_atomic_long_fetch_add

static __always_inline void lab_x86_mb(void)
{
	kcsan_mb();
	asm volatile("mfence" : : : "memory");
}

/*
 * Acquire and release fences need no instruction under TSO, only the
 * compiler barrier that stops GCC from moving accesses across them.
 *
 * The kcsan_*() calls (nothing unless CONFIG_KCSAN) tell KCSAN what each
 * barrier orders, as the kernel's own smp_*() and atomic wrappers do: it
 * cannot see into asm, and would otherwise model plain accesses as
 * reordered across these.
 */
static __always_inline void lab_x86_fence_acquire(void)
{
	kcsan_rmb();
	asm volatile("" : : : "memory");
}

static __always_inline void lab_x86_fence_release(void)
{
	kcsan_release();
	asm volatile("" : : : "memory");
}

static __always_inline void lab_x86_cpu_relax(void)
{
	/* "memory": the loop must reload the word after every pause. */
	asm volatile("pause" : : : "memory");
}

/*
 * Spin-wait: load, test, pause. With the acquire form, the ordering that
 * counts is that of the load which finally satisfies @c: the one the
 * caller pairs with.
 */
#define lab_x86_atomic_cond_read_acquire(v, c)				\
({									\
	int VAL;							\
	const atomic_t *__v = (v);					\
									\
	while (VAL = lab_x86_atomic_read_acquire(__v), !(c))		\
		lab_x86_cpu_relax();					\
	VAL;								\
})

#define lab_x86_atomic_cond_read_relaxed(v, c)				\
({									\
	int VAL;							\
	const atomic_t *__v = (v);					\
									\
	while (VAL = atomic_read(__v), !(c))				\
		lab_x86_cpu_relax();					\
	VAL;								\
})

#define lab_x86_atomic_long_cond_read_acquire(v, c)			\
({									\
	long VAL;							\
	const atomic_long_t *__v = (v);					\
									\
	while (VAL = lab_x86_atomic_long_read_acquire(__v), !(c))	\
		lab_x86_cpu_relax();					\
	VAL;								\
})

#define lab_x86_atomic_long_cond_read_relaxed(v, c)			\
({									\
	long VAL;							\
	const atomic_long_t *__v = (v);					\
									\
	while (VAL = atomic_long_read(__v), !(c))			\
		lab_x86_cpu_relax();					\
	VAL;								\
})

#endif /* _LOCKLAB_ARCH_X86_ATOMIC_H */
