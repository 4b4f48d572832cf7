/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab arm64 atomics backend: hand-written inline asm, two ways (book
 * ch. 7: "ARM load-exclusive and store-exclusive", "ARMv8.1 Atomic
 * Instructions", "ARM64: Weakly Ordered", "Fences").
 *
 * The two paths. ARMv8.0 has no single-instruction read-modify-write: every
 * RMW is a load-exclusive/store-exclusive (LL/SC) loop that retries when the
 * store-exclusive reports that the exclusive monitor lost the word. ARMv8.1's
 * Large System Extensions (LSE) add one instruction per RMW, which the
 * interconnect can perform near the data. Each is written here for 32-bit
 * atomic_t (w registers) and 64-bit atomic_long_t (x registers):
 *
 *                 LL/SC: lab_arm64_llsc_*()        LSE: lab_arm64_lse_*()
 *   xchg          ldxr; stxr; cbnz                 swp
 *   cmpxchg       ldxr; eor; cbnz; stxr; cbnz      cas
 *   fetch_add     ldxr; add; stxr; cbnz            ldadd
 *
 * and the ordering is the instruction variant:
 *
 *                 LL/SC                            LSE
 *   (full)        ldxr  .. stlxr; dmb ish          swpal  casal  ldaddal
 *   _acquire      ldaxr .. stxr                    swpa   casa   ldadda
 *   _release      ldxr  .. stlxr                   swpl   casl   ldaddl
 *   _relaxed      ldxr  .. stxr                    swp    cas    ldadd
 *
 * Shared by both paths (no RMW in them):
 *   read_acquire  ldar              set_release    stlr
 *   mb            dmb ish           fence_acquire  dmb ishld
 *   fence_release dmb ish           cpu_relax      yield
 *   cond_read     load the word (ldr, or ldar for _acquire); while the
 *                 condition is false, sevl; wfe; ldxr; wfe: sleep until
 *                 the exclusive monitor sees the word written
 *
 * Choosing. lab_arm64_atomic_*(), the backend include/locklab/atomic.h
 * selects, tests one static key on every call and runs the LSE or the LL/SC
 * body. lab_arm64_atomics_init() (arch/arm64/atomic.c, at module load) sets
 * the key once: LSE when the kernel itself uses LSE atomics
 * (system_uses_lse_atomics(): every CPU has them and the kernel was built
 * for them), unless the module parameter atomics=llsc forces LL/SC. Until
 * then the key is off and LL/SC, which every ARMv8 CPU runs, is used. Both
 * paths stay callable by their own names so the tests compare each with
 * the kernel's atomics whichever one is selected. The two may even be mixed
 * on one word: an LSE atomic is a write that clears every other observer's
 * exclusive monitor, so an LL/SC loop racing with it retries.
 *
 * Invariants.
 * - An LL/SC loop is one asm statement with nothing between load-exclusive
 *   and store-exclusive but register arithmetic and a forward branch: no
 *   memory access or compiler spill can land inside, clear the monitor on
 *   every iteration and livelock the loop. That is the condition under
 *   which the architecture guarantees such a loop eventually succeeds.
 * - No clrex. A failed compare leaves the cmpxchg loop, and the wait
 *   leaves its ldxr, with the local monitor still armed. The architecture
 *   does not require clearing it: every store-exclusive here is preceded by
 *   its own load-exclusive, which re-arms the monitor for its own address,
 *   and an exception return clears the local monitor, so a stale
 *   reservation can never make another context's store-exclusive succeed.
 *   (The book shows LLVM emitting clrex: allowed, not needed. Linux's own
 *   cmpxchg does without it, as here.)
 * - Full ordering. ldaxr .. stlxr is not a full barrier: a later load may
 *   be satisfied before the stlxr and an earlier store become visible after
 *   the ldaxr, so the two can pass each other inside the loop. The fully
 *   ordered LL/SC form is ldxr .. stlxr followed by dmb ish: stlxr orders
 *   every earlier access before the store half (the ldxr may be satisfied
 *   early, but then the stlxr fails unless the word is still unchanged when
 *   it completes), and the dmb orders the whole RMW before every later
 *   access. A failed cmpxchg skips the dmb: it is only a load, and the
 *   atomic_t contract gives a failed cmpxchg no ordering. An LSE -al
 *   instruction is one access that is both acquire and release: no earlier
 *   access can be ordered after it and no later one before it, which is the
 *   full barrier Linux's own LSE atomics rely on, with no dmb.
 * - Widths: 32-bit helpers use w registers and compare 32 bits only (the
 *   upper half of an int's register is undefined); 64-bit helpers use x.
 * - Every ordered form has a "memory" clobber, so the compiler cannot move a
 *   memory access across what the CPU may not move it across. The relaxed
 *   forms have none: they order nothing, for the compiler as for the CPU.
 *   No helper sets the flags (compares are eor + cbnz), so none clobbers
 *   "cc".
 * - The word operand is "Q" (a single base register, no offset): the only
 *   addressing mode ldxr/stxr, ldar/stlr and the LSE atomics accept.
 *
 * Each RMW calls instrument_atomic_read_write() first and each load or
 * store its own instrument_*(), so KASAN and KCSAN see these accesses as
 * they see the kernel's atomic_*() (they cannot look inside asm).
 *
 * Only include/locklab/atomic.h includes this file.
 */
#ifndef _LOCKLAB_ARCH_ARM64_ATOMIC_H
#define _LOCKLAB_ARCH_ARM64_ATOMIC_H

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/instrumented.h>
#include <linux/jump_label.h>
#include <linux/types.h>

#define LAB_ARM64_LSE_NAME	"arm64-lse"
#define LAB_ARM64_LLSC_NAME	"arm64-llsc"

/* The 64-bit helpers use x registers for atomic_long_t's counter. */
static_assert(sizeof(atomic_long_t) == 8);

/* On: lab_arm64_atomic_*() run the LSE bodies. Set in arch/arm64/atomic.c. */
DECLARE_STATIC_KEY_FALSE(lab_arm64_lse_key);

int lab_arm64_atomics_init(void);
bool lab_arm64_cpu_has_lse(void);
bool lab_arm64_llsc_forced(void);

/* True when lab_arm64_atomic_*() run the LSE path. */
static __always_inline bool lab_arm64_uses_lse(void)
{
	return static_branch_likely(&lab_arm64_lse_key);
}

/* The path in use: what LOCKLAB_IOC_VERSION and the load message report. */
static inline const char *lab_arm64_backend_name(void)
{
	return lab_arm64_uses_lse() ? LAB_ARM64_LSE_NAME : LAB_ARM64_LLSC_NAME;
}

#define LAB_ARM64_BACKEND_NAME	lab_arm64_backend_name()

/*
 * ---------------------------------------------------------------------------
 * Shared by both paths: acquire loads, release stores, fences, waiting.
 *
 * ldar is never reordered with any later access (and, unlike a plain load
 * followed by dmb ishld, also not with an earlier stlr: RCsc, which is what
 * the kernel's smp_load_acquire() gives too); stlr is never reordered with
 * any earlier access. Each pairs with whatever the caller pairs it with: the
 * callers name the pairing (lock/spin.c, include/locklab/spinlock.h).
 */
static __always_inline int lab_arm64_atomic_read_acquire(const atomic_t *v)
{
	int ret;

	instrument_atomic_read(v, sizeof(*v));
	/* "=r": the loaded value. "memory": later accesses stay after it. */
	asm volatile("ldar	%w[ret], %[v]"
		     : [ret] "=r" (ret) : [v] "Q" (v->counter) : "memory");
	return ret;
}

static __always_inline void lab_arm64_atomic_set_release(atomic_t *v, int i)
{
	kcsan_release();
	instrument_atomic_write(v, sizeof(*v));
	/*
	 * "=Q": the word is written, not read. "rZ": a zero (an unlock) is
	 * stored from wzr without a mov. "memory": earlier accesses stay
	 * before it.
	 */
	asm volatile("stlr	%w[i], %[v]"
		     : [v] "=Q" (v->counter) : [i] "rZ" (i) : "memory");
}

/* The same two for atomic_long_t: x registers, same operands. */
static __always_inline long
lab_arm64_atomic_long_read_acquire(const atomic_long_t *v)
{
	long ret;

	instrument_atomic_read(v, sizeof(*v));
	asm volatile("ldar	%x[ret], %[v]"
		     : [ret] "=r" (ret) : [v] "Q" (v->counter) : "memory");
	return ret;
}

static __always_inline void lab_arm64_atomic_long_set_release(atomic_long_t *v,
							      long i)
{
	kcsan_release();
	instrument_atomic_write(v, sizeof(*v));
	asm volatile("stlr	%x[i], %[v]"
		     : [v] "=Q" (v->counter) : [i] "rZ" (i) : "memory");
}

/*
 * Fences. Each has only a "memory" clobber: no operands, and the clobber
 * keeps the compiler from moving memory accesses across the fence, which
 * the instruction only forbids the CPU to do.
 *
 * Full barrier, inner shareable domain (all CPUs running the kernel):
 * orders every earlier access before every later one; pairs with whatever
 * fence, acquire or release the caller argues it against.
 */
static __always_inline void lab_arm64_mb(void)
{
	kcsan_mb();	/* what KCSAN cannot see in the asm */
	asm volatile("dmb	ish" : : : "memory");
}

/*
 * Acquire fence: dmb ishld orders every earlier load before every later
 * load and store, which is what an acquire fence promises (the book's
 * fence(Acquire)). It pairs with the release (store or fence) that wrote
 * the value one of those earlier loads read.
 */
static __always_inline void lab_arm64_fence_acquire(void)
{
	kcsan_rmb();	/* what KCSAN cannot see in the asm */
	asm volatile("dmb	ishld" : : : "memory");
}

/*
 * Release fence: earlier loads *and* stores before every later store.
 * dmb ishst only orders stores against stores, so it takes the full
 * dmb ish. Pairs with the acquire (load or fence) that reads a store made
 * after it.
 */
static __always_inline void lab_arm64_fence_release(void)
{
	kcsan_release();	/* what KCSAN cannot see in the asm */
	asm volatile("dmb	ish" : : : "memory");
}

/* Spin-loop hint; "memory": the loop reloads the word after it. */
static __always_inline void lab_arm64_cpu_relax(void)
{
	asm volatile("yield" : : : "memory");
}

/*
 * Sleep until *@v may differ from @seen.
 *
 *   sevl; wfe     set, then consume, the local event: clears an event left
 *                 over from before, so the wfe below really waits
 *   ldxr          reload the word and arm the exclusive monitor on it
 *   eor; cbnz     changed since the caller looked: return now
 *   wfe           wait for an event. A write to the word by another CPU
 *                 moves the global monitor from exclusive to open, which
 *                 generates one, so does an interrupt, and so does the
 *                 architected timer's event stream (CONFIG_ARM_ARCH_TIMER_
 *                 EVTSTREAM, every 100 us), which bounds the sleep even if
 *                 a wake-up is missed.
 *
 * A write that lands between the ldxr and the wfe has already cleared the
 * monitor and set the event, so the wfe returns at once: no lost wake-up.
 * It orders nothing: the caller's next load of the word is the access that
 * counts. The monitor is left armed (see "No clrex" above).
 *
 * [tmp] "=&r": written by the ldxr before [seen] is read, so it must not
 * share a register with [seen] or the word's address. [v] "Q": read only.
 * No "memory" clobber: the caller reloads the word with a volatile access
 * anyway, and nothing else needs reloading after a wait.
 */
#define __LAB_ARM64_WAIT_CHANGE(fn, ptype, type, utype, r)		\
static __always_inline void lab_arm64_##fn(ptype v, type seen)		\
{									\
	utype tmp;							\
									\
	asm volatile("	sevl\n"					\
		     "	wfe\n"						\
		     "	ldxr	%" r "[tmp], %[v]\n"			\
		     "	eor	%" r "[tmp], %" r "[tmp], %" r "[seen]\n"	\
		     "	cbnz	%" r "[tmp], 1f\n"			\
		     "	wfe\n"						\
		     "1:"						\
		     : [tmp] "=&r" (tmp)				\
		     : [v] "Q" (v->counter), [seen] "r" (seen));	\
}

/* w registers for atomic_t, x registers for atomic_long_t. */
__LAB_ARM64_WAIT_CHANGE(wait_change, const atomic_t *, int, unsigned int, "w")
__LAB_ARM64_WAIT_CHANGE(wait_change_long, const atomic_long_t *, long,
			unsigned long, "x")

/*
 * Spin until @c (an expression of VAL, the loaded value) holds, sleeping in
 * wfe between loads. For the _acquire forms every load is an ldar; the one
 * that ends the loop is the ACQUIRE the caller pairs with its RELEASE.
 */
#define __lab_arm64_cond_read(type, ptype, load, wait, v, c)		\
({									\
	type VAL;							\
	ptype __v = (v);						\
									\
	for (;;) {							\
		VAL = load(__v);					\
		if (c)							\
			break;						\
		wait(__v, VAL);						\
	}								\
	VAL;								\
})

#define lab_arm64_atomic_cond_read_acquire(v, c)			\
	__lab_arm64_cond_read(int, const atomic_t *,			\
			      lab_arm64_atomic_read_acquire,		\
			      lab_arm64_wait_change, v, c)
#define lab_arm64_atomic_cond_read_relaxed(v, c)			\
	__lab_arm64_cond_read(int, const atomic_t *, atomic_read,	\
			      lab_arm64_wait_change, v, c)
#define lab_arm64_atomic_long_cond_read_acquire(v, c)			\
	__lab_arm64_cond_read(long, const atomic_long_t *,		\
			      lab_arm64_atomic_long_read_acquire,	\
			      lab_arm64_wait_change_long, v, c)
#define lab_arm64_atomic_long_cond_read_relaxed(v, c)			\
	__lab_arm64_cond_read(long, const atomic_long_t *,		\
			      atomic_long_read,				\
			      lab_arm64_wait_change_long, v, c)

#include "arch/arm64/locklab-atomic-llsc.h"
#include "arch/arm64/locklab-atomic-lse.h"

/*
 * ---------------------------------------------------------------------------
 * The selected path: one static-key test, then the LSE or the LL/SC body.
 * Same names, arguments and ordering as the bodies.
 */
#define __LAB_ARM64_PICK2(fn, type, ptype)				\
static __always_inline type lab_arm64_##fn(ptype v, type i)		\
{									\
	if (lab_arm64_uses_lse())					\
		return lab_arm64_lse_##fn(v, i);			\
	return lab_arm64_llsc_##fn(v, i);				\
}

#define __LAB_ARM64_PICK3(fn, type, ptype)				\
static __always_inline type lab_arm64_##fn(ptype v, type old, type new)	\
{									\
	if (lab_arm64_uses_lse())					\
		return lab_arm64_lse_##fn(v, old, new);			\
	return lab_arm64_llsc_##fn(v, old, new);			\
}

#define __LAB_ARM64_PICK_ORDERS(pick, op, type, ptype)			\
	pick(op, type, ptype)						\
	pick(op##_acquire, type, ptype)					\
	pick(op##_release, type, ptype)					\
	pick(op##_relaxed, type, ptype)

__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK2, atomic_xchg, int, atomic_t *)
__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK3, atomic_cmpxchg, int, atomic_t *)
__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK2, atomic_fetch_add, int, atomic_t *)
__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK2, atomic_long_xchg, long,
			atomic_long_t *)
__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK3, atomic_long_cmpxchg, long,
			atomic_long_t *)
__LAB_ARM64_PICK_ORDERS(__LAB_ARM64_PICK2, atomic_long_fetch_add, long,
			atomic_long_t *)

/*
 * Each path is a complete backend under its own name (the contract of
 * include/locklab/atomic.h), so the tests can drive either one. What has no
 * RMW in it is the same instruction on both.
 */
#define lab_arm64_llsc_atomic_read_acquire	lab_arm64_atomic_read_acquire
#define lab_arm64_llsc_atomic_set_release	lab_arm64_atomic_set_release
#define lab_arm64_llsc_atomic_long_read_acquire	lab_arm64_atomic_long_read_acquire
#define lab_arm64_llsc_atomic_long_set_release	lab_arm64_atomic_long_set_release
#define lab_arm64_llsc_atomic_cond_read_acquire	lab_arm64_atomic_cond_read_acquire
#define lab_arm64_llsc_atomic_cond_read_relaxed	lab_arm64_atomic_cond_read_relaxed
#define lab_arm64_llsc_atomic_long_cond_read_acquire \
	lab_arm64_atomic_long_cond_read_acquire
#define lab_arm64_llsc_atomic_long_cond_read_relaxed \
	lab_arm64_atomic_long_cond_read_relaxed
#define lab_arm64_llsc_mb			lab_arm64_mb
#define lab_arm64_llsc_fence_acquire		lab_arm64_fence_acquire
#define lab_arm64_llsc_fence_release		lab_arm64_fence_release
#define lab_arm64_llsc_cpu_relax		lab_arm64_cpu_relax

#define lab_arm64_lse_atomic_read_acquire	lab_arm64_atomic_read_acquire
#define lab_arm64_lse_atomic_set_release	lab_arm64_atomic_set_release
#define lab_arm64_lse_atomic_long_read_acquire	lab_arm64_atomic_long_read_acquire
#define lab_arm64_lse_atomic_long_set_release	lab_arm64_atomic_long_set_release
#define lab_arm64_lse_atomic_cond_read_acquire	lab_arm64_atomic_cond_read_acquire
#define lab_arm64_lse_atomic_cond_read_relaxed	lab_arm64_atomic_cond_read_relaxed
#define lab_arm64_lse_atomic_long_cond_read_acquire \
	lab_arm64_atomic_long_cond_read_acquire
#define lab_arm64_lse_atomic_long_cond_read_relaxed \
	lab_arm64_atomic_long_cond_read_relaxed
#define lab_arm64_lse_mb			lab_arm64_mb
#define lab_arm64_lse_fence_acquire		lab_arm64_fence_acquire
#define lab_arm64_lse_fence_release		lab_arm64_fence_release
#define lab_arm64_lse_cpu_relax			lab_arm64_cpu_relax

#endif /* _LOCKLAB_ARCH_ARM64_ATOMIC_H */
