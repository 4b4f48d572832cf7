/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab parking-lot lock: a one-byte sleeping mutex (book ch. 10,
 * "Parking Lot-Based Locks"; the design of WebKit's WTF::Lock and of Rust's
 * parking_lot::Mutex).
 *
 * A sleeping lock needs somewhere to keep its waiters. The chapter 9
 * mutexes keep them in the wait layer, keyed by a 32-bit word they compare
 * against. A parking-lot lock keeps only two bits of its own and parks its
 * waiters in the global table of lock/wait.c (lab_park(), lab_unpark_one()),
 * whose callbacks run under the bucket lock; that is what lets one byte
 * carry an exact "someone is parked" bit, so every lock in a large array
 * costs a byte however contended it gets.
 *
 * State byte:
 *   bit 0  LAB_PLOCK_LOCKED   held
 *   bit 1  LAB_PLOCK_PARKED   tasks may be parked on this lock
 *
 * Transitions:
 *   lock fast path      0 -> LOCKED                  cmpxchg, ACQUIRE
 *   lock slow path      x -> x|LOCKED if !LOCKED     cmpxchg, ACQUIRE
 *                       LOCKED -> LOCKED|PARKED      cmpxchg, relaxed, then
 *                       park while LOCKED|PARKED (validated under the
 *                       bucket lock)
 *   unlock fast path    LOCKED -> 0                  cmpxchg, RELEASE
 *   unlock slow path    LOCKED|PARKED -> PARKED (others still parked) or
 *                       0 (none left), stored under the bucket lock as the
 *                       oldest parked task is woken;  store, RELEASE
 *   last waiter gives up (signal, timeout): clear PARKED under the bucket
 *                       lock
 *
 * Invariant: a task is parked only if it saw LOCKED|PARKED under the bucket
 * lock, and PARKED is cleared only under that lock when no task of this
 * lock is parked there. So an unlock that finds PARKED clear has nobody to
 * wake, and one that finds it set always takes the slow path.
 *
 * Fairness. lab_plock_unlock() does not hand the lock to the task it
 * wakes: that task competes again and may lose to one that arrived
 * meanwhile (barging, as in the book's mutexes), which is fast and can
 * starve a waiter for as long as others keep the lock busy.
 * lab_plock_unlock_fair() is eventually fair, as Rust's parking_lot is:
 * when the oldest parked task has waited LAB_PLOCK_FAIR_NS or more since
 * it first parked, and the parking lot says a hand-off is affordable
 * (struct lab_unpark_result's @be_fair: hand-offs rate-limited to a tenth
 * of the time, measured, since the lock idles while the woken task gets
 * a CPU, but never paused longer than LAB_PARK_FAIR_PAUSE_MAX_NS), the
 * unpark callback keeps LOCKED set and hands that task the lock through
 * the parking lot's token (LAB_PLOCK_HANDOFF), so nobody can barge in
 * between:
 *
 *   fair unlock, hand-off  LOCKED|PARKED -> LOCKED|PARKED (others still
 *                          parked) or LOCKED (none left), under the
 *                          bucket lock; the woken task owns the lock
 *
 * Both unlocks drive the same state machine, and every locker understands
 * a hand-off: which unlock a lock gets decides its fairness, not its
 * encoding. Short waits stay barging (throughput); no parked task waits
 * much longer than the bound, or LAB_PARK_FAIR_COST wake-ups where those
 * are slower (LAB_PARK_FAIR_PAUSE_MAX_NS at most), plus one turn of the
 * queue.
 *
 * Spinning: before parking, a locker spins up to LAB_PLOCK_SPIN times while
 * the lock is held and nobody is parked (the book's ch. 9 spin phase).
 *
 * The arch backends of include/locklab/atomic.h are 32-bit; the byte-wide
 * RMWs here use the kernel's cmpxchg on u8 (x86 `lock cmpxchgb`, arm64
 * `casb`/`ldxrb`), with the orderings named at each use.
 *
 * Process context only; all waits may sleep. Lockdep sees each lock as a
 * mutex (CONFIG_DEBUG_LOCK_ALLOC), which makes it larger than one byte in
 * debug builds only.
 */
#ifndef _LOCKLAB_PARKING_H
#define _LOCKLAB_PARKING_H

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/lockdep.h>
#include <linux/time64.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <locklab/wait.h>

#define LAB_PLOCK_LOCKED	0x1
#define LAB_PLOCK_PARKED	0x2

#define LAB_PLOCK_SPIN		100

/* lab_plock_unlock_fair(): hand over to a task parked this long (ns). */
#define LAB_PLOCK_FAIR_NS	(500 * NSEC_PER_USEC)

struct lab_plock {
	u8 state;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

void __lab_plock_init(struct lab_plock *l, const char *name,
		      struct lock_class_key *key);

/**
 * lab_plock_init() - initialize an unlocked parking-lot lock
 * @l: the lock
 *
 * Each call site gets its own lockdep class.
 */
#define lab_plock_init(l)						\
do {									\
	static struct lock_class_key __key;				\
									\
	__lab_plock_init((l), #l, &__key);				\
} while (0)

int lab_plock_lock_slowpath(struct lab_plock *l, unsigned int flags,
			    ktime_t deadline);
void lab_plock_unlock_slowpath(struct lab_plock *l, u64 fair_ns);

/* 0 -> LOCKED. ACQUIRE: pairs with the RELEASE of either unlock path. */
static __always_inline bool __lab_plock_acquire(struct lab_plock *l)
{
	return cmpxchg_acquire(&l->state, 0, LAB_PLOCK_LOCKED) == 0;
}

/**
 * lab_plock_lock_wait() - take the lock, or give up on a signal or deadline
 * @l: the lock
 * @flags: 0, LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute deadline (lab_deadline()) or LAB_WAIT_FOREVER
 *
 * ACQUIRE on success. May sleep.
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
static __always_inline int __must_check
lab_plock_lock_wait(struct lab_plock *l, unsigned int flags, ktime_t deadline)
{
	int ret;

	might_sleep();
	mutex_acquire(&l->dep_map, 0, 0, _RET_IP_);
	if (unlikely(!__lab_plock_acquire(l))) {
		lock_contended(&l->dep_map, _RET_IP_);
		ret = lab_plock_lock_slowpath(l, flags, deadline);
		if (ret) {
			mutex_release(&l->dep_map, _RET_IP_);
			return ret;
		}
	}
	lock_acquired(&l->dep_map, _RET_IP_);
	return 0;
}

/** lab_plock_lock() - take the lock, sleeping uninterruptibly */
static __always_inline void lab_plock_lock(struct lab_plock *l)
{
	int ret = lab_plock_lock_wait(l, 0, LAB_WAIT_FOREVER);

	WARN_ON_ONCE(ret);
}

/**
 * lab_plock_trylock() - take the lock if it is free
 * @l: the lock
 *
 * ACQUIRE on success. Never sleeps. Fails if the lock is held, and also
 * when it is free but has parked waiters (a woken one is on its way).
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool __must_check lab_plock_trylock(struct lab_plock *l)
{
	if (!__lab_plock_acquire(l))
		return false;
	mutex_acquire(&l->dep_map, 0, 1, _RET_IP_);
	return true;
}

static __always_inline void __lab_plock_unlock(struct lab_plock *l,
					       u64 fair_ns)
{
	mutex_release(&l->dep_map, _RET_IP_);
	/* LOCKED -> 0. RELEASE: pairs with the next locker's ACQUIRE. */
	if (unlikely(cmpxchg_release(&l->state, LAB_PLOCK_LOCKED, 0) !=
		     LAB_PLOCK_LOCKED))
		lab_plock_unlock_slowpath(l, fair_ns);
}

/**
 * lab_plock_unlock() - release the lock, waking one parked task if any
 * @l: the lock, held by the caller
 *
 * RELEASE. Does not sleep. The woken task competes for the lock again
 * (barging). Unlocking a free lock WARNs and does nothing.
 */
static __always_inline void lab_plock_unlock(struct lab_plock *l)
{
	__lab_plock_unlock(l, 0);
}

/**
 * lab_plock_unlock_fair() - release the lock, eventually fair
 * @l: the lock, held by the caller
 *
 * As lab_plock_unlock(), but when the oldest parked task has waited at
 * least LAB_PLOCK_FAIR_NS, the lock passes to it directly (it stays held
 * and that task returns from its lock call owning it). RELEASE: the woken
 * owner sees our critical section through the parking lot's bucket lock
 * (lab_park_token()).
 */
static __always_inline void lab_plock_unlock_fair(struct lab_plock *l)
{
	__lab_plock_unlock(l, LAB_PLOCK_FAIR_NS);
}

static inline bool lab_plock_is_locked(struct lab_plock *l)
{
	return READ_ONCE(l->state) & LAB_PLOCK_LOCKED;
}

DEFINE_GUARD(lab_plock, struct lab_plock *, lab_plock_lock(_T),
	     lab_plock_unlock(_T))
DEFINE_GUARD(lab_plock_fair, struct lab_plock *, lab_plock_lock(_T),
	     lab_plock_unlock_fair(_T))

#endif /* _LOCKLAB_PARKING_H */
