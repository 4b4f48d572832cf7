/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks, one algorithm (contexts, queue nodes and the
 * ordering rules every locklab spin lock follows: spinlock.h).
 *
 * MCS with a pending bit: the shape of the kernel's qspinlock. One 32-bit
 * word holds the lock, a pending flag for the first waiter, and the tail
 * of an MCS queue of per-CPU nodes for everybody after it:
 *
 *   bits  0- 7  locked:  1 while held
 *   bits  8-15  pending: 1 while one waiter spins on the word itself
 *   bits 16-31  tail:    0 when no node is queued, else the last node,
 *                        ((cpu + 1) << 2 | depth), depth < LAB_PEND_NESTING
 *
 * Written (locked, pending, tail), transitions:
 *
 *   lock, free:        (0, 0, 0) -> (1, 0, 0)          one cmpxchg
 *   first waiter:      (1, 0, 0) -> (1, 1, 0); wait for locked == 0, then
 *                      (0, 1, *) -> (1, 0, *)          no queue node at all
 *   later waiters:     tail t -> our node; link behind t, wait for our
 *                      node's turn, then for locked == pending == 0, then
 *                      (0, 0, us) -> (1, 0, 0)  or  (0, 0, other) ->
 *                      (1, 0, other) and hand the queue head to our next
 *   unlock:            locked = 0                      one byte store
 *
 * Why: an MCS lock moves two cache lines per hand-over (the lock's tail
 * and the successor's node) where a ticket or test-and-set lock moves one.
 * With a single waiter, the common case, the pending waiter spins on the
 * lock word, so the hand-over is one line, as the ticket lock's; only a
 * third contender pays for a queue node, and then it spins on its own line
 * as in MCS. The word is also only 4 bytes, and a node is per CPU, not per
 * caller, so the API takes none.
 *
 * Invariants: (1) only the holder writes locked 1 -> 0; (2) pending is set
 * only when tail was 0 and pending was 0, by the waiter that then owns it,
 * and cleared only by that waiter, as it takes the lock; (3) while pending
 * or tail is non-zero the free-lock cmpxchg fails, so nobody overtakes a
 * pending waiter or the queue head; (4) pending is only taken while the
 * queue is empty, so everybody queued arrived after the pending waiter.
 * Waiters are thus served in the order of the read-modify-write that made
 * them wait (the fetch-or of pending or the cmpxchg of tail): FIFO, as the
 * ticket lock is in the order of its fetch-add.
 *
 * Mixed-size accesses. The locked byte and the locked+pending halfword are
 * stored on their own, while other CPUs run cmpxchg on the whole word. The
 * hardware keeps such stores single-copy atomic and coherent with the
 * word's read-modify-writes on x86 and arm64 (qspinlock relies on the same);
 * the C memory model says nothing about it, which is why these stores are
 * made only where no other CPU can be writing the same bytes: locked by the
 * holder, locked+pending by the pending waiter once locked is 0, locked by
 * the queue head once locked and pending are 0.
 */
#ifndef _LOCKLAB_SPIN_PENDING_H
#define _LOCKLAB_SPIN_PENDING_H

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#include <locklab/atomic.h>

struct lab_pend_spinlock {
	union {
		atomic_t val;
		struct {
#ifdef __LITTLE_ENDIAN
			u8 locked;
			u8 pending;
			u16 tail;
#else
			u16 tail;
			u8 pending;
			u8 locked;
#endif
		};
		struct {
#ifdef __LITTLE_ENDIAN
			u16 locked_pending;
			u16 __tail;
#else
			u16 __tail;
			u16 locked_pending;
#endif
		};
	};
};

#define LAB_PEND_LOCKED		0x00000001U
#define LAB_PEND_PENDING	0x00000100U
#define LAB_PEND_LOCKED_MASK	0x000000ffU
#define LAB_PEND_LP_MASK	0x0000ffffU	/* locked and pending */
#define LAB_PEND_TAIL_SHIFT	16
#define LAB_PEND_TAIL_MASK	0xffff0000U
#define LAB_PEND_NESTING	4	/* task, softirq, hardirq, spare */

/* The tail that names the node of @cpu at nesting @depth. */
static __always_inline u32 lab_pend_encode(unsigned int cpu,
					   unsigned int depth)
{
	return ((cpu + 1) << 2 | depth) << LAB_PEND_TAIL_SHIFT;
}

#define __LAB_PEND_SPINLOCK_INIT	{ { .val = ATOMIC_INIT(0) } }

static inline void lab_pend_init(struct lab_pend_spinlock *l)
{
	atomic_set(&l->val, 0);
}

/* (0, 0, 0) -> (1, 0, 0). */
static __always_inline bool __lab_pend_acquire(struct lab_pend_spinlock *l)
{
	/* ACQUIRE: pairs with the RELEASE byte store in __lab_pend_release(). */
	return lab_atomic_cmpxchg_acquire(&l->val, 0, LAB_PEND_LOCKED) == 0;
}

static __always_inline void __lab_pend_release(struct lab_pend_spinlock *l)
{
	/*
	 * locked 1 -> 0, the byte alone (invariant 1: nobody else writes it
	 * now). RELEASE: pairs with the ACQUIRE of whoever takes the lock
	 * next: the cmpxchg of __lab_pend_acquire(), the pending waiter's or
	 * the queue head's acquire load of the word.
	 */
	smp_store_release(&l->locked, 0);
}

void lab_pend_lock_slowpath(struct lab_pend_spinlock *l);

/**
 * lab_pend_lock() - take an MCS lock with a pending bit
 * @l: the lock
 *
 * ACQUIRE. The first waiter spins on the lock word, later ones on per-CPU
 * queue nodes, in arrival order. Disables preemption until
 * lab_pend_unlock().
 */
static __always_inline void lab_pend_lock(struct lab_pend_spinlock *l)
{
	preempt_disable();
	if (likely(__lab_pend_acquire(l)))
		return;
	lab_pend_lock_slowpath(l);
}

/**
 * lab_pend_trylock() - take the lock if it is free and nobody waits
 * @l: the lock
 *
 * ACQUIRE on success. Never waits.
 *
 * Return: true if the lock was taken (preemption is then disabled).
 */
static __always_inline bool lab_pend_trylock(struct lab_pend_spinlock *l)
{
	preempt_disable();
	if (lab_atomic_read(&l->val) == 0 && __lab_pend_acquire(l))
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_pend_unlock() - release the lock
 * @l: the lock, held by the caller
 *
 * RELEASE, one byte store: the waiters take the lock themselves.
 * Re-enables preemption.
 */
static __always_inline void lab_pend_unlock(struct lab_pend_spinlock *l)
{
	__lab_pend_release(l);
	preempt_enable();
}

/* Held, or being handed over to a waiter: anything but (0, 0, 0). */
static inline bool lab_pend_is_locked(struct lab_pend_spinlock *l)
{
	return lab_atomic_read(&l->val) != 0;
}

DEFINE_GUARD(lab_pend, struct lab_pend_spinlock *, lab_pend_lock(_T),
	     lab_pend_unlock(_T))

#endif /* _LOCKLAB_SPIN_PENDING_H */
