/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab address-based wait/wake: the kernel-side futex (book ch. 8).
 *
 * The book builds every blocking primitive on three operations on a 32-bit
 * atomic: wait(&a, expected) sleeps only if a still holds expected,
 * wake_one(&a) and wake_all(&a). Linux offers that to userspace (futex) but
 * not for kernel memory, so locklab provides it:
 *
 *   lab_wait(addr, expected, flags, deadline)
 *   lab_wake(addr, n), lab_wake_one(addr), lab_wake_all(addr)
 *   lab_requeue(from, to, n_wake, n_requeue)
 *   lab_cmp_requeue(from, expected, to, n_wake, n_requeue)
 *
 * and, for locks that keep their waiters' existence in their own word (the
 * parking-lot locks of ch. 10), the parking lot underneath:
 *
 *   lab_park(key, validate, timed_out, arg, flags, deadline)
 *   lab_park_token(..., since_ns, &token)
 *   lab_unpark_one(key, callback, arg)
 *
 * Guarantees: a wake that follows a change of *addr is never lost by a
 * waiter that saw the old value (the comparison and the queueing happen
 * under the bucket lock; see lock/wait.c for the ordering argument).
 * Spurious wake-ups are allowed: lab_wait() may return 0 without a wake, so
 * callers re-check their condition in a loop, as with futex.
 */
#ifndef _LOCKLAB_WAIT_H
#define _LOCKLAB_WAIT_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/time64.h>
#include <linux/types.h>

/* lab_wait() flags: how a signal affects the sleep. */
#define LAB_WAIT_INTERRUPTIBLE	0x1	/* any signal ends it: -EINTR */
#define LAB_WAIT_KILLABLE	0x2	/* a fatal signal ends it: -EINTR */
/*
 * Not a wait mode: the lock call of an eventually fair queue or parking
 * lock (one unlocked with lab_qlock_unlock_fair() or lab_plock_unlock_fair())
 * passes it so that the contention trace events name the fair variant.
 * The lock word cannot tell the two apart: fairness lives in the unlock.
 * The slow paths strip it before they wait.
 */
#define LAB_WAIT_TRACE_FAIR	0x100

/* A deadline that never expires. */
#define LAB_WAIT_FOREVER	KTIME_MAX

/**
 * lab_deadline() - turn a relative timeout into a lab_wait() deadline
 * @timeout_ns: nanoseconds from now; negative means no timeout
 *
 * Return: an absolute CLOCK_MONOTONIC time, or LAB_WAIT_FOREVER.
 */
static inline ktime_t lab_deadline(s64 timeout_ns)
{
	if (timeout_ns < 0)
		return LAB_WAIT_FOREVER;
	return ktime_add_safe(ktime_get(), ns_to_ktime(timeout_ns));
}

/**
 * lab_wait_gave_up() - did a wait end for good (signal or deadline)?
 * @ret: what lab_wait() (or a wait built on it) returned
 *
 * 0 and -EAGAIN mean "look again"; these two mean "stop".
 */
static inline bool lab_wait_gave_up(int ret)
{
	return ret == -EINTR || ret == -ETIMEDOUT;
}

/* The task state a sleep with lab_wait() @flags uses. */
static inline unsigned int lab_wait_task_state(unsigned int flags)
{
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return TASK_INTERRUPTIBLE;
	if (flags & LAB_WAIT_KILLABLE)
		return TASK_KILLABLE;
	return TASK_UNINTERRUPTIBLE;
}

/**
 * lab_wait_should_end() - must a wait with @flags and @deadline end now?
 * @flags: lab_wait() flags
 * @deadline: absolute deadline, or LAB_WAIT_FOREVER
 *
 * Return: -EINTR (a signal @flags lets through is pending), -ETIMEDOUT
 * (@deadline passed) or 0.
 */
static inline int lab_wait_should_end(unsigned int flags, ktime_t deadline)
{
	if ((flags & LAB_WAIT_INTERRUPTIBLE) && signal_pending(current))
		return -EINTR;
	if ((flags & LAB_WAIT_KILLABLE) && fatal_signal_pending(current))
		return -EINTR;
	if (deadline != LAB_WAIT_FOREVER &&
	    ktime_compare(ktime_get(), deadline) >= 0)
		return -ETIMEDOUT;
	return 0;
}

/* Sleep, in the state the caller set, until woken or @deadline. */
static inline void lab_wait_schedule(ktime_t deadline)
{
	if (deadline == LAB_WAIT_FOREVER)
		schedule();
	else
		schedule_hrtimeout_range(&deadline, 0, HRTIMER_MODE_ABS);
}

int lab_wait(atomic_t *addr, u32 expected, unsigned int flags,
	     ktime_t deadline);
int lab_wake(atomic_t *addr, int nr);
int lab_park(const void *key, bool (*validate)(void *arg),
	     void (*timed_out)(void *arg, bool last), void *arg,
	     unsigned int flags, ktime_t deadline);
int lab_park_token(const void *key, bool (*validate)(void *arg),
		   void (*timed_out)(void *arg, bool last), void *arg,
		   unsigned int flags, ktime_t deadline, u64 since_ns,
		   unsigned long *token);

/**
 * struct lab_unpark_result - what lab_unpark_one() tells its callback
 * @unparked: a task was chosen; it is woken after the callback
 * @more: other tasks of the key are still parked
 * @waited_ns: how long the chosen task has been waiting, counted from the
 *	@since_ns it gave lab_park_token(); 0 when it gave none
 * @be_fair: a hand-off now is affordable: the last one this bucket made
 *	(a nonzero token) is at least LAB_PARK_FAIR_COST times its own
 *	cost ago (LAB_PARK_FAIR_PAUSE_MAX_NS at most), the cost being the
 *	time from the unpark to the woken task running, while nobody could
 *	take the lock. Rate-limiting hand-offs so keeps their dead time
 *	under 1/(LAB_PARK_FAIR_COST + 1) of the lock's time unless every
 *	hand-off takes longer than 0.55 ms, where the cap wins (Rust's
 *	parking_lot keeps a per-bucket fair timeout for the same reason).
 *	Only for a task that gave @since_ns.
 *
 * The callback's return value is the token the chosen task's
 * lab_park_token() hands back (0 for lab_park() and when none was chosen):
 * the parking lot's way of telling a woken task "the lock is yours".
 */
struct lab_unpark_result {
	bool unparked;
	bool more;
	u64 waited_ns;
	bool be_fair;
};

/* Hand-offs may cost at most 1 / (LAB_PARK_FAIR_COST + 1) of the time. */
#define LAB_PARK_FAIR_COST	9

/*
 * ... but one slow wake-up (a vCPU the host kept off its CPU for 8 ms)
 * must not switch fairness off for nine times that: the pause after a
 * hand-off is at most this long. Where every hand-off is slower than
 * LAB_PARK_FAIR_PAUSE_MAX_NS / LAB_PARK_FAIR_COST (0.55 ms), the bound on
 * a waiter wins over the throughput bound.
 */
#define LAB_PARK_FAIR_PAUSE_MAX_NS	(5 * NSEC_PER_MSEC)

/*
 * A hand-off made at @handoff_ns ran at @now: the time before which no
 * other may be made (struct lab_unpark_result's @be_fair, the queue lock's
 * @fair_next_ns).
 */
static inline u64 lab_fair_next_ns(u64 now, u64 handoff_ns)
{
	return now + min_t(u64, LAB_PARK_FAIR_COST * (now - handoff_ns),
			   LAB_PARK_FAIR_PAUSE_MAX_NS);
}

int lab_unpark_one(const void *key,
		   unsigned long (*callback)(void *arg,
					     const struct lab_unpark_result *r),
		   void *arg);
int lab_requeue(atomic_t *from, atomic_t *to, int nr_wake, int nr_requeue);
int lab_cmp_requeue(atomic_t *from, u32 expected, atomic_t *to, int nr_wake,
		    int nr_requeue);

/**
 * lab_wake_one() - wake one waiter on @addr
 * @addr: the word waited on
 *
 * Return: the number of tasks woken (0 or 1).
 */
static inline int lab_wake_one(atomic_t *addr)
{
	return lab_wake(addr, 1);
}

/**
 * lab_wake_all() - wake every waiter on @addr
 * @addr: the word waited on
 *
 * Return: the number of tasks woken.
 */
static inline int lab_wake_all(atomic_t *addr)
{
	return lab_wake(addr, INT_MAX);
}

/*
 * Event counters, summed over CPUs. Tests take a snapshot before and after
 * an operation and look at the difference.
 */
struct lab_wait_stats {
	u64 waits;		/* lab_wait() calls */
	u64 eagain;		/* ... that found the value changed */
	u64 timeouts;		/* ... that ended with -ETIMEDOUT */
	u64 interrupted;	/* ... that ended with -EINTR */
	u64 spurious;		/* ... that returned 0 without a wake */
	u64 wakes;		/* lab_wake() and requeue calls */
	u64 wakes_locked;	/* ... that had to take a bucket lock */
	u64 woken;		/* tasks woken */
	u64 requeued;		/* tasks moved to another address */
};

void lab_wait_stats_read(struct lab_wait_stats *st);
unsigned int lab_wait_queued(const void *addr);

int lab_wait_init(void);
void lab_wait_exit(void);

#endif /* _LOCKLAB_WAIT_H */
