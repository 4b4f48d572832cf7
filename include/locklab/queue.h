/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab queue lock: a sleeping mutex whose waiters queue in the lock word
 * itself (book ch. 10, "Queue-Based Locks": the design of Windows' SRW lock
 * and of WebKit's WordLock).
 *
 * Where the chapter 9 mutexes need an address-keyed wait layer (a futex),
 * a queue-based lock needs only "park this thread" and "unpark that
 * thread": the word holds a pointer to a queue of waiter nodes that live on
 * the waiters' stacks, and each node names its task. Here parking is
 * set_current_state() + schedule() and unparking is wake_up_process(),
 * the kernel's per-task primitives; lock/wait.c is not used at all.
 *
 * Lock word (unsigned long):
 *   bit 0       LAB_QLOCK_LOCKED   held
 *   bit 1       LAB_QLOCK_QLOCKED  the queue is being changed (a bit lock
 *                                  over the nodes, held with preemption
 *                                  disabled, for a few instructions)
 *   bits 2..63  pointer to the head waiter node, or NULL
 *
 * The head node's @tail points at the last node, so enqueueing is O(1);
 * @tail of other nodes is stale and unused. Nodes are linked head -> tail
 * by @next: waiters are woken in arrival order.
 *
 * Transitions:
 *   lock fast path     0 -> LOCKED                        cmpxchg, ACQUIRE
 *   lock slow path     x -> x|LOCKED if !LOCKED            cmpxchg, ACQUIRE
 *                      enqueue: LOCKED|h -> LOCKED|QLOCKED|h, link the node,
 *                      -> (LOCKED bit as now)|new head      ACQUIRE / RELEASE
 *   unlock fast path   LOCKED -> 0                        cmpxchg, RELEASE
 *   unlock slow path   LOCKED|h -> LOCKED|QLOCKED|h, pop h,
 *                      -> h->next (LOCKED and QLOCKED clear) store, RELEASE,
 *                      then hand h its wake-up
 *
 * Invariants:
 *   - a node is enqueued only while LOCKED is set and stays set until the
 *     queue lock is released, so the holder's unlock sees the node and
 *     takes the slow path (while QLOCKED is held, LOCKED can only go from
 *     0 to 1: the unlocker must take QLOCKED first);
 *   - a queued node's @task is its waiter; the unlocker that pops it
 *     clears @task (RELEASE) and only then wakes the task, holding a task
 *     reference, as kernel/locking/rwsem.c does: once @task reads NULL the
 *     node and its stack may be gone;
 *   - if the lock is free with nodes queued, a popped waiter is on its way
 *     to compete for it; it either takes the lock (and its unlock pops the
 *     next) or loses to a holder whose unlock will. So a waiter that was
 *     popped competes once more even if its deadline has passed: a wake-up
 *     is never dropped.
 *
 * lab_qlock_unlock() does not hand the lock to the waiter it wakes
 * (barging allowed: fast, but a waiter can lose again and again).
 * lab_qlock_unlock_fair() is eventually fair: when the popped head has
 * waited LAB_QLOCK_FAIR_NS or more since it first queued (@since, kept
 * across its re-queues) and the lock can afford a hand-off (@fair_next_ns:
 * the new owner measures what its hand-off cost, the time from the pop to
 * its running, and allows the next one only LAB_PARK_FAIR_COST times that
 * later, LAB_PARK_FAIR_PAUSE_MAX_NS at most, so hand-offs take at most a
 * tenth of the lock's time unless wake-ups are slower than 0.55 ms), the
 * unlocker keeps LOCKED set and passes it to that waiter (@handoff_ns),
 * so it cannot be barged:
 *
 *   unlock slow path, hand-off  LOCKED|h -> LOCKED|QLOCKED|h, pop h,
 *                       set h->handoff_ns, -> LOCKED|h->next (QLOCKED
 *                       clear) store, RELEASE, then h its wake-up
 *
 * Lockers are the same for both unlocks (one state machine): a woken
 * waiter that finds @handoff_ns set returns owning the lock. A waiter that
 * gives up (signal, deadline) unlinks its own node under QLOCKED; if an
 * unlocker popped it first, it waits for the hand-off to finish and then
 * counts as woken (or, handed the lock, returns holding it).
 *
 * Process context only; all waits may sleep. The word is an atomic_long_t
 * driven through lab_atomic_long_*() (include/locklab/atomic.h), with the
 * orderings named at each use.
 */
#ifndef _LOCKLAB_QUEUE_H
#define _LOCKLAB_QUEUE_H

#include <linux/atomic.h>
#include <linux/cleanup.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/time64.h>
#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/wait.h>
#include <locklab/wait.h>

#define LAB_QLOCK_LOCKED	0x1UL
#define LAB_QLOCK_QLOCKED	0x2UL
#define LAB_QLOCK_BITS		(LAB_QLOCK_LOCKED | LAB_QLOCK_QLOCKED)

#define LAB_QLOCK_SPIN		100

/* lab_qlock_unlock_fair(): hand over to a waiter queued this long (ns). */
#define LAB_QLOCK_FAIR_NS	(500 * NSEC_PER_USEC)

struct lab_qlock {
	atomic_long_t state;
	u64 fair_next_ns;	/* holder only: no hand-off before this */
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

/* A waiter's queue node, on its stack while it waits. */
struct lab_qlock_waiter {
	struct lab_qlock_waiter *next;	/* toward the tail */
	struct lab_qlock_waiter *tail;	/* the last node: head node only */
	struct task_struct *task;	/* NULL once popped and handed off */
	u64 since;			/* first enqueue, ktime_get_ns() */
	u64 handoff_ns;			/* popped with the lock then; 0: not */
} __aligned(4);

void __lab_qlock_init(struct lab_qlock *l, const char *name,
		      struct lock_class_key *key);

/**
 * lab_qlock_init() - initialize an unlocked queue lock
 * @l: the lock
 *
 * Each call site gets its own lockdep class.
 */
#define lab_qlock_init(l)						\
do {									\
	static struct lock_class_key __key;				\
									\
	__lab_qlock_init((l), #l, &__key);				\
} while (0)

int lab_qlock_lock_slowpath(struct lab_qlock *l, unsigned int flags,
			    ktime_t deadline);
void lab_qlock_unlock_slowpath(struct lab_qlock *l, u64 fair_ns);

/* 0 -> LOCKED. ACQUIRE: pairs with the RELEASE of either unlock path. */
static __always_inline bool __lab_qlock_acquire(struct lab_qlock *l)
{
	long old = 0;

	return lab_atomic_long_try_cmpxchg_acquire(&l->state, &old,
					       LAB_QLOCK_LOCKED);
}

/**
 * lab_qlock_lock_wait() - take the lock, or give up on a signal or deadline
 * @l: the lock
 * @flags: 0, LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute deadline (lab_deadline()) or LAB_WAIT_FOREVER
 *
 * ACQUIRE on success. May sleep.
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
static __always_inline int __must_check
lab_qlock_lock_wait(struct lab_qlock *l, unsigned int flags, ktime_t deadline)
{
	int ret;

	might_sleep();
	mutex_acquire(&l->dep_map, 0, 0, _RET_IP_);
	if (unlikely(!__lab_qlock_acquire(l))) {
		lock_contended(&l->dep_map, _RET_IP_);
		ret = lab_qlock_lock_slowpath(l, flags, deadline);
		if (ret) {
			mutex_release(&l->dep_map, _RET_IP_);
			return ret;
		}
	}
	lock_acquired(&l->dep_map, _RET_IP_);
	return 0;
}

/** lab_qlock_lock() - take the lock, sleeping uninterruptibly */
static __always_inline void lab_qlock_lock(struct lab_qlock *l)
{
	int ret = lab_qlock_lock_wait(l, 0, LAB_WAIT_FOREVER);

	WARN_ON_ONCE(ret);
}

/**
 * lab_qlock_trylock() - take the lock if it is free and nobody queues
 * @l: the lock
 *
 * ACQUIRE on success. Never sleeps.
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool __must_check lab_qlock_trylock(struct lab_qlock *l)
{
	if (!__lab_qlock_acquire(l))
		return false;
	mutex_acquire(&l->dep_map, 0, 1, _RET_IP_);
	return true;
}

static __always_inline void __lab_qlock_unlock(struct lab_qlock *l,
					       u64 fair_ns)
{
	long old = LAB_QLOCK_LOCKED;

	mutex_release(&l->dep_map, _RET_IP_);
	/* LOCKED -> 0. RELEASE: pairs with the next locker's ACQUIRE. */
	if (unlikely(!lab_atomic_long_try_cmpxchg_release(&l->state, &old, 0)))
		lab_qlock_unlock_slowpath(l, fair_ns);
}

/**
 * lab_qlock_unlock() - release the lock, waking the oldest waiter if any
 * @l: the lock, held by the caller
 *
 * RELEASE. Does not sleep. The woken waiter competes again (barging).
 * Unlocking a free lock WARNs and does nothing.
 */
static __always_inline void lab_qlock_unlock(struct lab_qlock *l)
{
	__lab_qlock_unlock(l, 0);
}

/**
 * lab_qlock_unlock_fair() - release the lock, eventually fair
 * @l: the lock, held by the caller
 *
 * As lab_qlock_unlock(), but when the oldest waiter has been queued at
 * least LAB_QLOCK_FAIR_NS, the lock passes to it directly: it stays held
 * and that waiter returns from its lock call owning it. RELEASE: pairs
 * with the ACQUIRE by which the new owner sees its node popped.
 */
static __always_inline void lab_qlock_unlock_fair(struct lab_qlock *l)
{
	__lab_qlock_unlock(l, LAB_QLOCK_FAIR_NS);
}

static inline bool lab_qlock_is_locked(struct lab_qlock *l)
{
	return lab_atomic_long_read(&l->state) & LAB_QLOCK_LOCKED;
}

DEFINE_GUARD(lab_qlock, struct lab_qlock *, lab_qlock_lock(_T),
	     lab_qlock_unlock(_T))
DEFINE_GUARD(lab_qlock_fair, struct lab_qlock *, lab_qlock_lock(_T),
	     lab_qlock_unlock_fair(_T))

#endif /* _LOCKLAB_QUEUE_H */
