/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab arm64 atomics, the LSE path (ARMv8.1 cas, swp, ldadd).
 * Included by arch/arm64/locklab-atomic.h, which documents both paths,
 * their ordering and how one is chosen.
 */
#ifndef _LOCKLAB_ARCH_ARM64_ATOMIC_LSE_H
#define _LOCKLAB_ARCH_ARM64_ATOMIC_LSE_H

/*
 * ---------------------------------------------------------------------------
 * LSE path: one instruction each. ".arch_extension lse" lets the assembler
 * accept them although the kernel is compiled for ARMv8.0; they only run
 * where the CPU has them (lab_arm64_uses_lse(), lab_arm64_cpu_has_lse()).
 *
 * Each reads all of its register inputs before it writes its result, so no
 * operand needs an early clobber. [v] "+Q": the word is read and written.
 */

/*
 * swp Rs, Rt, [Xn]: store Rs, Rt = the old value; ldadd Rs, Rt, [Xn]: add
 * Rs to the word, Rt = the old value. Same operands; [i] "rZ" for swp
 * (wzr/xzr), "r" for ldadd.
 */
#define __LAB_LSE_RMW(fn, insn, type, ptype, r, iop, kb, cl...)	\
static __always_inline type lab_arm64_lse_##fn(ptype v, type i)	\
{									\
	type old;							\
									\
	kb;								\
	instrument_atomic_read_write(v, sizeof(*v));			\
	asm volatile("	.arch_extension lse\n"				\
		     "	" insn "	%" r "[i], %" r "[old], %[v]"	\
		     : [old] "=r" (old), [v] "+Q" (v->counter)		\
		     : iop						\
		     : cl);						\
	return old;							\
}

#define __LAB_LSE_XCHG(fn, insn, type, ptype, r, kb, cl...)		\
	__LAB_LSE_RMW(fn, insn, type, ptype, r, [i] "rZ" (i), kb, cl)
#define __LAB_LSE_FETCH_ADD(fn, insn, type, ptype, r, kb, cl...)	\
	__LAB_LSE_RMW(fn, insn, type, ptype, r, [i] "r" (i), kb, cl)

/*
 * cas Rs, Rt, [Xn]: if the word equals Rs store Rt; Rs = the old value
 * either way. [old] "+r": read as the expected value, written with the one
 * found. On a mismatch it is a load only, with the acquire (if any) of the
 * variant: -a and -al still order as acquire, which is more than a failed
 * cmpxchg needs.
 */
#define __LAB_LSE_CMPXCHG(fn, insn, type, ptype, r, kb, cl...)	\
static __always_inline type lab_arm64_lse_##fn(ptype v, type old,	\
					       type new)		\
{									\
	kb;								\
	instrument_atomic_read_write(v, sizeof(*v));			\
	asm volatile("	.arch_extension lse\n"				\
		     "	" insn "	%" r "[old], %" r "[new], %[v]"	\
		     : [old] "+r" (old), [v] "+Q" (v->counter)		\
		     : [new] "rZ" (new)					\
		     : cl);						\
	return old;							\
}

/*
 * full: -al   acquire: -a   release: -l   relaxed: none, no "memory".
 * KCSAN cannot see inside the asm: the full forms tell it they are a full
 * barrier (kcsan_mb()) and the release forms a release (kcsan_release()),
 * as the kernel's instrumented atomic_*() do, or its weak-memory model
 * would let earlier plain accesses drift past them.
 */
#define __LAB_LSE_ORDERS(gen, op, insn, type, ptype, r)		\
	gen(op, insn "al", type, ptype, r, kcsan_mb(), "memory")	\
	gen(op##_acquire, insn "a", type, ptype, r, (void)0, "memory")	\
	gen(op##_release, insn "l", type, ptype, r, kcsan_release(),	\
	    "memory")							\
	gen(op##_relaxed, insn, type, ptype, r, (void)0)

__LAB_LSE_ORDERS(__LAB_LSE_XCHG, atomic_xchg, "swp", int, atomic_t *, "w")
__LAB_LSE_ORDERS(__LAB_LSE_CMPXCHG, atomic_cmpxchg, "cas", int, atomic_t *, "w")
__LAB_LSE_ORDERS(__LAB_LSE_FETCH_ADD, atomic_fetch_add, "ldadd", int,
		 atomic_t *, "w")
__LAB_LSE_ORDERS(__LAB_LSE_XCHG, atomic_long_xchg, "swp", long,
		 atomic_long_t *, "x")
__LAB_LSE_ORDERS(__LAB_LSE_CMPXCHG, atomic_long_cmpxchg, "cas", long,
		 atomic_long_t *, "x")
__LAB_LSE_ORDERS(__LAB_LSE_FETCH_ADD, atomic_long_fetch_add, "ldadd", long,
		 atomic_long_t *, "x")

#endif /* _LOCKLAB_ARCH_ARM64_ATOMIC_LSE_H */
