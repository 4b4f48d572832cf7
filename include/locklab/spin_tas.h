/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks, one algorithm (contexts, queue nodes and the
 * ordering rules every locklab spin lock follows: spinlock.h).
 *
 * TAS and TTAS: one word.
 *
 *   locked: 0 free, 1 held.   lock: 0 -> 1   unlock: 1 -> 0
 *
 * The two share the state machine, the trylock and the unlock; they differ
 * only in how a waiter waits (lab_tas_lock_slowpath() swaps in a loop,
 * lab_ttas_lock_slowpath() loads until it sees 0).
 */
#ifndef _LOCKLAB_SPIN_TAS_H
#define _LOCKLAB_SPIN_TAS_H

#include <linux/cleanup.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include <locklab/atomic.h>

struct lab_tas_spinlock {
	atomic_t locked;
};

#define __LAB_TAS_SPINLOCK_INIT	{ .locked = ATOMIC_INIT(0) }

static inline void lab_tas_init(struct lab_tas_spinlock *l)
{
	atomic_set(&l->locked, 0);
}

/* 0 -> 1. True when this call took the lock. */
static __always_inline bool __lab_tas_acquire(struct lab_tas_spinlock *l)
{
	/*
	 * ACQUIRE: pairs with the RELEASE store in lab_tas_unlock(), so the
	 * previous holder's critical section happens before ours.
	 */
	return !lab_atomic_xchg_acquire(&l->locked, 1);
}

void lab_tas_lock_slowpath(struct lab_tas_spinlock *l);
void lab_ttas_lock_slowpath(struct lab_tas_spinlock *l);

/**
 * lab_tas_lock() - take a TAS lock, spinning with atomic swaps
 * @l: the lock
 *
 * ACQUIRE. Disables preemption until lab_tas_unlock(). Any context but NMI;
 * see the header comment for interrupts.
 */
static __always_inline void lab_tas_lock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	if (likely(__lab_tas_acquire(l)))
		return;
	lab_tas_lock_slowpath(l);
}

/**
 * lab_ttas_lock() - take a TAS lock, waiting with plain loads
 * @l: the lock
 *
 * Same lock word, guarantees and unlock as lab_tas_lock().
 */
static __always_inline void lab_ttas_lock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	if (likely(__lab_tas_acquire(l)))
		return;
	lab_ttas_lock_slowpath(l);
}

/**
 * lab_tas_trylock() - take a TAS/TTAS lock if it is free
 * @l: the lock
 *
 * ACQUIRE on success, no ordering on failure. Never waits.
 *
 * Return: true if the lock was taken (preemption is then disabled).
 */
static __always_inline bool lab_tas_trylock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	/* Test first: a failing trylock then does not steal the line. */
	if (!lab_atomic_read(&l->locked) && __lab_tas_acquire(l))
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_tas_unlock() - release a TAS/TTAS lock
 * @l: the lock, held by the caller
 *
 * RELEASE. Re-enables preemption.
 */
static __always_inline void lab_tas_unlock(struct lab_tas_spinlock *l)
{
#ifdef LOCKLAB_INJECT_UNLOCK_RELAXED
	/* An injected bug (scripts/inject.sh): no RELEASE. Never by default. */
	atomic_set(&l->locked, 0);
#else
	/* 1 -> 0. RELEASE: pairs with the ACQUIRE in __lab_tas_acquire(). */
	lab_atomic_set_release(&l->locked, 0);
#endif
	preempt_enable();
}

static inline bool lab_tas_is_locked(struct lab_tas_spinlock *l)
{
	return lab_atomic_read(&l->locked) != 0;
}

DEFINE_GUARD(lab_tas, struct lab_tas_spinlock *, lab_tas_lock(_T),
	     lab_tas_unlock(_T))
DEFINE_GUARD(lab_ttas, struct lab_tas_spinlock *, lab_ttas_lock(_T),
	     lab_tas_unlock(_T))

#endif /* _LOCKLAB_SPIN_TAS_H */
