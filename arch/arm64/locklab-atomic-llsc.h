/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab arm64 atomics, the LL/SC path (ldxr/stxr loops, ARMv8.0).
 * Included by arch/arm64/locklab-atomic.h, which documents both paths,
 * their ordering and how one is chosen.
 */
#ifndef _LOCKLAB_ARCH_ARM64_ATOMIC_LLSC_H
#define _LOCKLAB_ARCH_ARM64_ATOMIC_LLSC_H

/*
 * ---------------------------------------------------------------------------
 * LL/SC path. Generators take the function name, the value and word-pointer
 * types, the register width ("w" or "x"), the load- and store-exclusive,
 * the barrier after a successful store, and the clobbers.
 *
 * Operands common to the three:
 *   [v] "+Q"      the word: read by the ldxr, written by the stxr
 *   [fail] "=&r"  stxr's status (0 stored, 1 monitor lost). Early clobber:
 *                 a status register equal to the data or the address
 *                 register is CONSTRAINED UNPREDICTABLE, and both are
 *                 inputs still live when stxr writes it.
 *   prfm pstl1strm  ask for the line in a writable state before the ldxr,
 *                 so the stxr does not have to upgrade a shared copy (and
 *                 fail more often under contention).
 */
/*
 * xchg. [old] "=&r": loaded while [i] and the address are still to be
 * used, so it shares neither's register. [i] "rZ": zero comes from wzr/xzr.
 */
#define __LAB_LLSC_XCHG(fn, type, ptype, r, ldx, stx, mb, kb, cl...)	\
static __always_inline type lab_arm64_llsc_##fn(ptype v, type i)	\
{									\
	unsigned int fail;						\
	type old;							\
									\
	kb;								\
	instrument_atomic_read_write(v, sizeof(*v));			\
	asm volatile("	prfm	pstl1strm, %[v]\n"			\
		     "1:	" ldx "	%" r "[old], %[v]\n"		\
		     "	" stx "	%w[fail], %" r "[i], %[v]\n"		\
		     "	cbnz	%w[fail], 1b\n"				\
		     "	" mb "\n"					\
		     : [old] "=&r" (old), [fail] "=&r" (fail),		\
		       [v] "+Q" (v->counter)				\
		     : [i] "rZ" (i)					\
		     : cl);						\
	return old;							\
}

/*
 * cmpxchg. Compare with eor + cbnz (no flags). On a mismatch branch past
 * the store and the barrier: the result is the value seen, and only the
 * load ran. [seen] "=&r": loaded while [old], [new] and the address are
 * still to be used. [tmp] "=&r": the difference, then stxr's status (see
 * [fail] above). [old], [new] "rZ": zero comes from wzr/xzr.
 */
#define __LAB_LLSC_CMPXCHG(fn, type, ptype, r, ldx, stx, mb, kb, cl...)	\
static __always_inline type lab_arm64_llsc_##fn(ptype v, type old,	\
						type new)		\
{									\
	unsigned long tmp;						\
	type seen;							\
									\
	kb;								\
	instrument_atomic_read_write(v, sizeof(*v));			\
	asm volatile("	prfm	pstl1strm, %[v]\n"			\
		     "1:	" ldx "	%" r "[seen], %[v]\n"		\
		     "	eor	%" r "[tmp], %" r "[seen], %" r "[old]\n" \
		     "	cbnz	%" r "[tmp], 2f\n"			\
		     "	" stx "	%w[tmp], %" r "[new], %[v]\n"		\
		     "	cbnz	%w[tmp], 1b\n"				\
		     "	" mb "\n"					\
		     "2:"						\
		     : [seen] "=&r" (seen), [tmp] "=&r" (tmp),		\
		       [v] "+Q" (v->counter)				\
		     : [old] "rZ" (old), [new] "rZ" (new)		\
		     : cl);						\
	return seen;							\
}

/*
 * fetch_add. [old], [sum] "=&r": written while [i] and the address are
 * still to be used. [i] "rI": a register, or an add immediate (0..4095,
 * optionally shifted by 12) folded into the add.
 */
#define __LAB_LLSC_FETCH_ADD(fn, type, ptype, r, ldx, stx, mb, kb, cl...)	\
static __always_inline type lab_arm64_llsc_##fn(ptype v, type i)	\
{									\
	unsigned int fail;						\
	type old, sum;							\
									\
	kb;								\
	instrument_atomic_read_write(v, sizeof(*v));			\
	asm volatile("	prfm	pstl1strm, %[v]\n"			\
		     "1:	" ldx "	%" r "[old], %[v]\n"		\
		     "	add	%" r "[sum], %" r "[old], %" r "[i]\n"	\
		     "	" stx "	%w[fail], %" r "[sum], %[v]\n"		\
		     "	cbnz	%w[fail], 1b\n"				\
		     "	" mb "\n"					\
		     : [old] "=&r" (old), [sum] "=&r" (sum),		\
		       [fail] "=&r" (fail), [v] "+Q" (v->counter)	\
		     : [i] "rI" (i)					\
		     : cl);						\
	return old;							\
}

/*
 * The four orderings of one LL/SC operation (see the table at the top):
 * full: ldxr .. stlxr; dmb ish   acquire: ldaxr .. stxr
 * release: ldxr .. stlxr         relaxed: ldxr .. stxr, no "memory"
 * and what KCSAN is told, which it cannot see in the asm: the full forms
 * are a full barrier (kcsan_mb()), the release forms a release
 * (kcsan_release()), as in the kernel's instrumented atomic_*().
 */
#define __LAB_LLSC_ORDERS(gen, op, type, ptype, r)			\
	gen(op, type, ptype, r, "ldxr", "stlxr", "dmb ish", kcsan_mb(),	\
	    "memory")							\
	gen(op##_acquire, type, ptype, r, "ldaxr", "stxr", "", (void)0,	\
	    "memory")							\
	gen(op##_release, type, ptype, r, "ldxr", "stlxr", "",		\
	    kcsan_release(), "memory")					\
	gen(op##_relaxed, type, ptype, r, "ldxr", "stxr", "", (void)0)

__LAB_LLSC_ORDERS(__LAB_LLSC_XCHG, atomic_xchg, int, atomic_t *, "w")
__LAB_LLSC_ORDERS(__LAB_LLSC_CMPXCHG, atomic_cmpxchg, int, atomic_t *, "w")
__LAB_LLSC_ORDERS(__LAB_LLSC_FETCH_ADD, atomic_fetch_add, int, atomic_t *, "w")
__LAB_LLSC_ORDERS(__LAB_LLSC_XCHG, atomic_long_xchg, long, atomic_long_t *,
		  "x")
__LAB_LLSC_ORDERS(__LAB_LLSC_CMPXCHG, atomic_long_cmpxchg, long,
		  atomic_long_t *, "x")
__LAB_LLSC_ORDERS(__LAB_LLSC_FETCH_ADD, atomic_long_fetch_add, long,
		  atomic_long_t *, "x")

#endif /* _LOCKLAB_ARCH_ARM64_ATOMIC_LLSC_H */
