/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab mutexes: the three mutexes of the book's chapter 9, on lab_wait().
 *
 * One lock word and one state machine; the variants differ only where the
 * book's versions do:
 *
 *   LAB_MUTEX_2STATE   state 0 unlocked, 1 locked. Waiters swap in 1 and
 *                      sleep while it stays 1; unlock always wakes one,
 *                      contended or not.
 *   LAB_MUTEX_3STATE   adds 2, "locked, and someone may be sleeping". A
 *                      waiter swaps in 2 before sleeping; unlock wakes only
 *                      when it swaps out a 2, so an uncontended
 *                      lock/unlock pair never enters the wait layer.
 *   LAB_MUTEX_SPIN     3-state, and a waiter first spins a bounded number
 *                      of times (default 100, as in the book) while the
 *                      state is 1 (held, nobody sleeping), because short
 *                      critical sections often end before a sleep would.
 *
 * Transitions (state before -> after):
 *   lock fast path     0 -> 1                  cmpxchg, ACQUIRE
 *   2STATE slow path   * -> 1, took it iff 0    xchg, ACQUIRE
 *   3STATE slow path   * -> 2, took it iff 0    xchg, ACQUIRE
 *   unlock 2STATE      1 -> 0, then wake one    store, RELEASE
 *   unlock 3STATE      * -> 0, wake iff was 2   xchg, RELEASE
 *
 * Invariant (3-state): a task sleeping in lab_wait() on the word saw it
 * equal to 2 under the bucket lock, so the unlock that follows swaps out a
 * 2 and wakes someone. A waiter that gives up (signal, timeout) may leave a
 * 2 behind: harmless, it costs one unneeded wake.
 *
 * All waits may sleep: process context only, never with a spinlock held.
 * The _interruptible, _killable and _timeout forms return -EINTR or
 * -ETIMEDOUT without the lock. Owners are recorded with
 * CONFIG_DEBUG_MUTEXES, and unlock by a non-owner then WARNs. With
 * CONFIG_DEBUG_LOCK_ALLOC every mutex carries a lockdep map, so lockdep
 * reports AB-BA inversions and sleeping in atomic context with these
 * mutexes as with the kernel's.
 */
#ifndef _LOCKLAB_MUTEX_H
#define _LOCKLAB_MUTEX_H

#include <linux/cleanup.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/wait.h>

enum lab_mutex_variant {
	LAB_MUTEX_2STATE,
	LAB_MUTEX_3STATE,
	LAB_MUTEX_SPIN,
};

#define LAB_MUTEX_UNLOCKED	0
#define LAB_MUTEX_LOCKED	1
#define LAB_MUTEX_CONTENDED	2

#define LAB_MUTEX_SPIN_DEFAULT	100

struct lab_mutex {
	atomic_t state;
	u8 variant;
	u16 spin;		/* LAB_MUTEX_SPIN: bound of the spin phase */
#ifdef CONFIG_DEBUG_MUTEXES
	struct task_struct *owner;
#endif
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

void __lab_mutex_init(struct lab_mutex *m, enum lab_mutex_variant variant,
		      const char *name, struct lock_class_key *key);

/**
 * lab_mutex_init() - initialize an unlocked mutex of the given variant
 * @m: the mutex
 * @variant: enum lab_mutex_variant
 *
 * Each call site gets its own lockdep class, as with mutex_init().
 */
#define lab_mutex_init(m, variant)					\
do {									\
	static struct lock_class_key __key;				\
									\
	__lab_mutex_init((m), (variant), #m, &__key);			\
} while (0)

int lab_mutex_lock_slowpath(struct lab_mutex *m, unsigned int flags,
			    ktime_t deadline);
void lab_mutex_unlock_slowpath(struct lab_mutex *m);
void lab_mutex_bad_unlock(struct lab_mutex *m);

static __always_inline void lab_mutex_set_owner(struct lab_mutex *m)
{
#ifdef CONFIG_DEBUG_MUTEXES
	WRITE_ONCE(m->owner, current);
#endif
}

static __always_inline bool lab_mutex_owner_ok(struct lab_mutex *m)
{
#ifdef CONFIG_DEBUG_MUTEXES
	if (unlikely(READ_ONCE(m->owner) != current))
		return false;
	WRITE_ONCE(m->owner, NULL);
#endif
	return true;
}

/* 0 -> 1. True when this call took the lock. */
static __always_inline bool __lab_mutex_acquire(struct lab_mutex *m)
{
	/* ACQUIRE: pairs with the RELEASE in lab_mutex_unlock(). */
	return lab_atomic_cmpxchg_acquire(&m->state, LAB_MUTEX_UNLOCKED,
					  LAB_MUTEX_LOCKED) == LAB_MUTEX_UNLOCKED;
}

/**
 * lab_mutex_lock_wait() - take a mutex, or give up on a signal or deadline
 * @m: the mutex
 * @flags: 0, LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute deadline (lab_deadline()) or LAB_WAIT_FOREVER
 *
 * ACQUIRE on success. May sleep.
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
static __always_inline int __must_check
lab_mutex_lock_wait(struct lab_mutex *m, unsigned int flags, ktime_t deadline)
{
	int ret = 0;

	might_sleep();
	mutex_acquire(&m->dep_map, 0, 0, _RET_IP_);
	if (unlikely(!__lab_mutex_acquire(m))) {
		lock_contended(&m->dep_map, _RET_IP_);
		ret = lab_mutex_lock_slowpath(m, flags, deadline);
		if (ret) {
			mutex_release(&m->dep_map, _RET_IP_);
			return ret;
		}
	}
	lock_acquired(&m->dep_map, _RET_IP_);
	lab_mutex_set_owner(m);
	return 0;
}

/**
 * lab_mutex_lock() - take a mutex, sleeping uninterruptibly while it is held
 * @m: the mutex
 *
 * ACQUIRE. May sleep.
 */
static __always_inline void lab_mutex_lock(struct lab_mutex *m)
{
	int ret = lab_mutex_lock_wait(m, 0, LAB_WAIT_FOREVER);

	WARN_ON_ONCE(ret);
}

/** lab_mutex_lock_interruptible() - lab_mutex_lock_wait() on any signal */
static __always_inline int __must_check
lab_mutex_lock_interruptible(struct lab_mutex *m)
{
	return lab_mutex_lock_wait(m, LAB_WAIT_INTERRUPTIBLE, LAB_WAIT_FOREVER);
}

/** lab_mutex_lock_killable() - lab_mutex_lock_wait() on fatal signals */
static __always_inline int __must_check lab_mutex_lock_killable(struct lab_mutex *m)
{
	return lab_mutex_lock_wait(m, LAB_WAIT_KILLABLE, LAB_WAIT_FOREVER);
}

/**
 * lab_mutex_lock_timeout() - take a mutex within @timeout_ns
 * @m: the mutex
 * @timeout_ns: relative timeout; negative waits forever
 *
 * Return: 0 with the lock held, -ETIMEDOUT without it.
 */
static __always_inline int __must_check
lab_mutex_lock_timeout(struct lab_mutex *m, s64 timeout_ns)
{
	return lab_mutex_lock_wait(m, 0, lab_deadline(timeout_ns));
}

/**
 * lab_mutex_trylock() - take a mutex if it is free
 * @m: the mutex
 *
 * ACQUIRE on success. Never sleeps; any context.
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool __must_check lab_mutex_trylock(struct lab_mutex *m)
{
	if (!__lab_mutex_acquire(m))
		return false;
	mutex_acquire(&m->dep_map, 0, 1, _RET_IP_);
	lab_mutex_set_owner(m);
	return true;
}

/**
 * lab_mutex_unlock() - release a mutex, waking a waiter if there may be one
 * @m: the mutex, held by the caller
 *
 * RELEASE. Does not sleep. With CONFIG_DEBUG_MUTEXES an unlock by a task
 * that does not hold @m WARNs (and still releases, as the kernel's does).
 */
static __always_inline void lab_mutex_unlock(struct lab_mutex *m)
{
	if (unlikely(!lab_mutex_owner_ok(m)))
		lab_mutex_bad_unlock(m);
	mutex_release(&m->dep_map, _RET_IP_);
	if (m->variant == LAB_MUTEX_2STATE) {
		/* 1 -> 0. RELEASE: pairs with the ACQUIRE of the next lock. */
		lab_atomic_set_release(&m->state, LAB_MUTEX_UNLOCKED);
		lab_mutex_unlock_slowpath(m);	/* the book's v1 always wakes */
		return;
	}
	/* * -> 0. RELEASE: pairs with the ACQUIRE of the next lock. */
	if (unlikely(lab_atomic_xchg_release(&m->state, LAB_MUTEX_UNLOCKED) ==
		     LAB_MUTEX_CONTENDED))
		lab_mutex_unlock_slowpath(m);
}

static inline bool lab_mutex_is_locked(struct lab_mutex *m)
{
	return lab_atomic_read(&m->state) != LAB_MUTEX_UNLOCKED;
}

int lab_mutex_lock_contended(struct lab_mutex *m, unsigned int flags,
			     ktime_t deadline);

DEFINE_GUARD(lab_mutex, struct lab_mutex *, lab_mutex_lock(_T),
	     lab_mutex_unlock(_T))

#endif /* _LOCKLAB_MUTEX_H */
