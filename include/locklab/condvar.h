/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab condition variables (book ch. 9) on lab_wait() and lab_mutex.
 *
 * A waiter reads @counter while holding the mutex, unlocks, and sleeps while
 * @counter still holds what it read; a notify bumps @counter and wakes.
 * Because the waiter read the counter before unlocking, any notify that
 * follows a state change made under the mutex bumps the counter past that
 * value, so the waiter either does not sleep or is woken: no lost wake-up.
 *
 *   LAB_CONDVAR_COUNTER    the book's first condvar: every notify bumps
 *                          and wakes.
 *   LAB_CONDVAR_WAITCOUNT  the book's optimized one: @waiters counts
 *                          sleepers, and notify does nothing when it is 0.
 *   LAB_CONDVAR_REQUEUE    WAITCOUNT, and notify_all wakes one waiter and
 *                          moves the others onto the mutex's word
 *                          (lab_requeue(), FUTEX_CMP_REQUEUE's job), so they
 *                          are woken one by one as the mutex is released
 *                          instead of all at once to fight over it.
 *
 * Ordering. @counter and @waiters are relaxed: the mutex orders them. A
 * waiter's increment of @waiters and its read of @counter happen while it
 * holds the mutex; a notifier that changed the condition under the mutex
 * and then notifies (holding it or not) is ordered after that critical
 * section, so it sees the increment and its bump follows the read in
 * @counter's modification order. The wake itself is fully ordered
 * (lab_wake()).
 *
 * Requeue relocking. Waiters moved onto the mutex did not mark it
 * contended, so every waiter of a REQUEUE condvar relocks with
 * lab_mutex_lock_contended(): the first woken leaves the mutex marked, its
 * unlock wakes the next, and so on. A waiter that gives up relocking
 * (a fatal signal: relocking ignores the others, as pthread_cond_wait()
 * returns with the mutex whatever happened) passes the wake on with
 * lab_wake_one() so the chain does not stop with it.
 *
 * Spurious wake-ups: wait may return without a notify (a signal, a
 * requeue race, or a notify meant for another waiter that this one
 * consumed). As with every condition variable, re-check the condition in a
 * loop.
 */
#ifndef _LOCKLAB_CONDVAR_H
#define _LOCKLAB_CONDVAR_H

#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/mutex.h>
#include <locklab/wait.h>

enum lab_condvar_variant {
	LAB_CONDVAR_COUNTER,
	LAB_CONDVAR_WAITCOUNT,
	LAB_CONDVAR_REQUEUE,
};

struct lab_condvar {
	atomic_t counter;
	atomic_t waiters;
	struct lab_mutex *mutex;	/* REQUEUE: the mutex of the waiters */
	u8 variant;
};

void lab_condvar_init(struct lab_condvar *cv, enum lab_condvar_variant variant);
int lab_condvar_wait_flags(struct lab_condvar *cv, struct lab_mutex *m,
			   unsigned int flags, ktime_t deadline);
void lab_condvar_notify_one(struct lab_condvar *cv);
void lab_condvar_notify_all(struct lab_condvar *cv);

/**
 * lab_condvar_wait() - unlock @m, sleep until notified, relock @m
 * @cv: the condition variable
 * @m: a mutex the caller holds; the same one for every waiter of @cv
 *
 * May return spuriously: re-check the condition. Returns with @m held.
 */
static inline void lab_condvar_wait(struct lab_condvar *cv, struct lab_mutex *m)
{
	WARN_ON_ONCE(lab_condvar_wait_flags(cv, m, 0, LAB_WAIT_FOREVER));
}

/** lab_condvar_wait_timeout() - lab_condvar_wait() for at most @timeout_ns */
static inline int lab_condvar_wait_timeout(struct lab_condvar *cv,
					   struct lab_mutex *m, s64 timeout_ns)
{
	return lab_condvar_wait_flags(cv, m, 0, lab_deadline(timeout_ns));
}

/** lab_condvar_wait_interruptible() - lab_condvar_wait() ended by signals */
static inline int lab_condvar_wait_interruptible(struct lab_condvar *cv,
						 struct lab_mutex *m)
{
	return lab_condvar_wait_flags(cv, m, LAB_WAIT_INTERRUPTIBLE,
				      LAB_WAIT_FOREVER);
}

#endif /* _LOCKLAB_CONDVAR_H */
