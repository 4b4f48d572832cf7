/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks, one algorithm (contexts, queue nodes and the
 * ordering rules every locklab spin lock follows: spinlock.h).
 *
 * Ticket lock: two counters.
 *
 *   (next, owner): next is the ticket the next arrival draws, owner the
 *   ticket being served. Free iff next == owner; the holder has ticket
 *   owner, waiters hold owner+1 .. next-1. Both wrap at 2^32; only their
 *   equality is ever tested, so the wrap is harmless with fewer than 2^32
 *   simultaneous waiters.
 *
 *   lock:    (n, o) -> (n+1, o), then wait for owner == n
 *   trylock: (o, o) -> (o+1, o)
 *   unlock:  (n, o) -> (n, o+1)       only the holder writes owner;
 *            then, if n != o+1 was read before (handed to a waiter),
 *            one pause. Nothing reads the lock after the store.
 *
 * The pause after a hand-over. Both counters share one cache line, and the
 * waiter next in line learns of its turn by reading it. A holder that
 * unlocks and at once locks again would draw with a fetch-add that takes
 * the line exclusive just as that waiter reads it, so every hand-over paid
 * for the line twice. A holder that has just handed the lock to a waiter
 * therefore waits one pause before it returns, and the waiter's read
 * usually goes first. Waiting in the unlock, not before the draw, keeps
 * the lock path a lone fetch-add (a load first would fetch the line
 * shared and then again exclusive) and costs nothing when nobody waits.
 * The order of service is untouched: the lock is released before the
 * pause. qspinlock knows the same race: an arrival whose fast-path
 * cmpxchg fails while a pending waiter is taking over waits, briefly, for
 * that hand-over before it sets pending (_Q_PENDING_LOOPS). In QEMU TCG
 * with 2 vCPUs, threads bound, a quiet host, the pause took the ticket
 * lock from 0.82-0.88x to 1.04-1.06x of qspinlock at 2 and 4 threads
 * (README, "Where the ticket lock's last 15% went"). Measured with the
 * pause placed before the draw: more pauses, or polling without one,
 * were slower, and the same pause before MCS's and CLH's enqueue gained
 * nothing, their waiters spinning on their own nodes.
 */
#ifndef _LOCKLAB_SPIN_TICKET_H
#define _LOCKLAB_SPIN_TICKET_H

#include <linux/cleanup.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include <locklab/atomic.h>

struct lab_ticket_spinlock {
	atomic_t next;
	atomic_t owner;
};

#define __LAB_TICKET_SPINLOCK_INIT \
	{ .next = ATOMIC_INIT(0), .owner = ATOMIC_INIT(0) }

static inline void lab_ticket_init(struct lab_ticket_spinlock *l)
{
	atomic_set(&l->next, 0);
	atomic_set(&l->owner, 0);
}

/* (n, o) -> (n+1, o): draw ticket n. */
static __always_inline u32 __lab_ticket_take(struct lab_ticket_spinlock *l)
{
	/*
	 * Relaxed: drawing a ticket orders nothing. The ACQUIRE of the lock is
	 * the load in __lab_ticket_served() that sees our number.
	 */
	return (u32)lab_atomic_fetch_add_relaxed(&l->next, 1);
}

static __always_inline bool __lab_ticket_served(struct lab_ticket_spinlock *l,
						u32 ticket)
{
	/* ACQUIRE: pairs with the RELEASE in __lab_ticket_release(). */
	return (u32)lab_atomic_read_acquire(&l->owner) == ticket;
}

/* (n, o) -> (n, o+1): serve the next ticket; one pause if it was drawn. */
static __always_inline void __lab_ticket_release(struct lab_ticket_spinlock *l)
{
	/* Only the holder writes owner, so a relaxed read is exact. */
	u32 owner = (u32)lab_atomic_read(&l->owner);
	/*
	 * Relaxed: a hint that orders nothing, read while we still hold the
	 * lock. After the store below the lock is no longer ours to touch:
	 * its next holder may free it, as a spin_unlock() caller may. A ticket
	 * drawn after this read only misses the pause.
	 */
	bool waiter = (u32)lab_atomic_read(&l->next) != owner + 1;

	/*
	 * RELEASE: pairs with the ACQUIRE in __lab_ticket_served() and in
	 * lab_ticket_trylock().
	 */
	lab_atomic_set_release(&l->owner, (int)(owner + 1));
	if (waiter)
		lab_cpu_relax();
}

void lab_ticket_lock_slowpath(struct lab_ticket_spinlock *l, u32 ticket);

/**
 * lab_ticket_lock() - take a ticket lock, FIFO
 * @l: the lock
 *
 * ACQUIRE. Waiters are served in the order they drew tickets. Disables
 * preemption until lab_ticket_unlock().
 */
static __always_inline void lab_ticket_lock(struct lab_ticket_spinlock *l)
{
	u32 ticket;

	preempt_disable();
	ticket = __lab_ticket_take(l);
	if (likely(__lab_ticket_served(l, ticket)))
		return;
	lab_ticket_lock_slowpath(l, ticket);
}

/**
 * lab_ticket_trylock() - take a ticket lock if nobody holds or waits
 * @l: the lock
 *
 * ACQUIRE on success. Never waits.
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool lab_ticket_trylock(struct lab_ticket_spinlock *l)
{
	int owner;

	preempt_disable();
	/*
	 * ACQUIRE: pairs with the RELEASE in __lab_ticket_release() that
	 * published this owner value. If next still equals it, every ticket
	 * drawn has been served: owner <= next always and owner only grows,
	 * so the lock is free and the cmpxchg draws the ticket being served.
	 * The cmpxchg itself can be relaxed: the synchronization is the load.
	 */
	owner = lab_atomic_read_acquire(&l->owner);
	if (lab_atomic_cmpxchg_relaxed(&l->next, owner,
				       (int)((u32)owner + 1)) == owner)
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_ticket_unlock() - release a ticket lock to the next ticket
 * @l: the lock, held by the caller
 *
 * RELEASE. When a waiter has drawn the next ticket, one pause follows the
 * release. Re-enables preemption.
 */
static __always_inline void lab_ticket_unlock(struct lab_ticket_spinlock *l)
{
	__lab_ticket_release(l);
	preempt_enable();
}

static inline bool lab_ticket_is_locked(struct lab_ticket_spinlock *l)
{
	return lab_atomic_read(&l->next) != lab_atomic_read(&l->owner);
}

DEFINE_GUARD(lab_ticket, struct lab_ticket_spinlock *, lab_ticket_lock(_T),
	     lab_ticket_unlock(_T))

#endif /* _LOCKLAB_SPIN_TICKET_H */
