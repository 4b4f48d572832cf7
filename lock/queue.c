// SPDX-License-Identifier: GPL-2.0
/*
 * locklab queue lock: slow paths and the ops table.
 *
 * The algorithm, word encoding and invariants are in
 * include/locklab/queue.h. Here: the queue bit lock, enqueueing and
 * parking a waiter, a waiter leaving the queue on a signal or deadline,
 * the unlock that pops the head and hands it its wake-up, and the adapter
 * behind struct lab_lock_ops.
 *
 * Ordering of the queue links: every section that reads or writes nodes
 * runs between an ACQUIRE cmpxchg that set QLOCKED and a RELEASE that
 * clears it, so each such section sees the links as the previous one left
 * them (the bit is a lock over the nodes). QLOCKED is held with preemption
 * disabled: others spin on it only for a few instructions.
 *
 * Eventual fairness (lab_qlock_unlock_fair()): a waiter stamps @since at
 * its first enqueue and keeps it when it re-queues after losing a race;
 * the unlocker that pops a head whose wait reached the bound keeps LOCKED
 * set and marks the node @handoff_ns before it clears @task (RELEASE), so the
 * waiter, which reads @task with ACQUIRE, finds the lock its own.
 */
#include <linux/bug.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>

#include <locklab/contention.h>
#include <locklab/ops.h>
#include <locklab/queue.h>
#include <locklab/export.h>

void __lab_qlock_init(struct lab_qlock *l, const char *name,
		      struct lock_class_key *key)
{
	lab_atomic_long_set(&l->state, 0);
	l->fair_next_ns = 0;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&l->dep_map, name, key, 0);
#endif
}
EXPORT_SYMBOL_LOCKLAB(__lab_qlock_init);

static struct lab_qlock_waiter *lab_qlock_head(unsigned long state)
{
	return (struct lab_qlock_waiter *)(state & ~LAB_QLOCK_BITS);
}

/*
 * Take the queue bit from a word that must have all of @need set (LOCKED
 * when enqueueing, so the holder's unlock sees the node); preemption is
 * disabled. Returns false, without the bit, if @need is not met.
 */
static bool lab_qlock_lock_queue(struct lab_qlock *l, long need, long *statep)
{
	long state = lab_atomic_long_read(&l->state);

	for (;;) {
		if ((state & need) != need)
			return false;
		if (state & LAB_QLOCK_QLOCKED) {
			cpu_relax();
			state = lab_atomic_long_read(&l->state);
			continue;
		}
		/* ACQUIRE: see the links the last queue holder released. */
		if (lab_atomic_long_try_cmpxchg_acquire(&l->state, &state,
							state | LAB_QLOCK_QLOCKED))
			break;
	}
	*statep = state;
	return true;
}

/*
 * Drop the queue bit and install @head. Meanwhile only LOCKED may have
 * changed (0 -> 1, a barging locker), so keep whatever it is now.
 * RELEASE: publishes the links to the next queue holder's ACQUIRE.
 */
static void lab_qlock_unlock_queue(struct lab_qlock *l,
				   struct lab_qlock_waiter *head)
{
	long state = lab_atomic_long_read(&l->state), new;

	do {
		new = (state & LAB_QLOCK_LOCKED) | (long)head;
	} while (!lab_atomic_long_try_cmpxchg_release(&l->state, &state, new));
}

/* Append @w; false if the lock was no longer held (compete instead). */
static bool lab_qlock_enqueue(struct lab_qlock *l, struct lab_qlock_waiter *w)
{
	struct lab_qlock_waiter *head;
	long state;

	w->next = NULL;
	w->tail = w;
	w->task = current;
	w->handoff_ns = 0;
	preempt_disable();
	if (!lab_qlock_lock_queue(l, LAB_QLOCK_LOCKED, &state)) {
		preempt_enable();
		return false;
	}
	head = lab_qlock_head(state);
	if (head) {
		head->tail->next = w;
		head->tail = w;
	} else {
		head = w;
	}
	lab_qlock_unlock_queue(l, head);
	preempt_enable();
	return true;
}

/* Unlink @w if it is still queued; QLOCKED held. */
static bool lab_qlock_unlink(struct lab_qlock_waiter **headp,
			     struct lab_qlock_waiter *w)
{
	struct lab_qlock_waiter *head = *headp, *prev = NULL, *n;

	for (n = head; n && n != w; n = n->next)
		prev = n;
	if (!n)
		return false;
	if (!prev) {
		*headp = w->next;
		if (w->next)
			w->next->tail = head->tail;
	} else {
		prev->next = w->next;
		if (head->tail == w)
			head->tail = prev;
	}
	return true;
}

/* Sleep until the node's task is cleared by the unlocker that popped it. */
static void lab_qlock_wait_handoff(struct lab_qlock_waiter *w)
{
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		/* ACQUIRE: pairs with the RELEASE clearing @task. */
		if (!smp_load_acquire(&w->task))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * A waiter gives up with @reason. If still queued, unlink and report
 * @reason; if an unlocker popped it first, take the wake-up (0) so the
 * caller competes once more and no wake-up is dropped.
 */
static int lab_qlock_leave(struct lab_qlock *l, struct lab_qlock_waiter *w,
			   int reason)
{
	struct lab_qlock_waiter *head;
	long state;
	bool queued;

	preempt_disable();
	lab_qlock_lock_queue(l, 0, &state);
	head = lab_qlock_head(state);
	queued = lab_qlock_unlink(&head, w);
	lab_qlock_unlock_queue(l, head);
	preempt_enable();
	if (queued)
		return reason;
	lab_qlock_wait_handoff(w);
	return 0;
}

static unsigned int lab_qlock_task_state(unsigned int flags)
{
	if (flags & LAB_WAIT_INTERRUPTIBLE)
		return TASK_INTERRUPTIBLE;
	if (flags & LAB_WAIT_KILLABLE)
		return TASK_KILLABLE;
	return TASK_UNINTERRUPTIBLE;
}

/* Sleep until popped (0) or until giving up (-EINTR, -ETIMEDOUT). */
static int lab_qlock_park(struct lab_qlock *l, struct lab_qlock_waiter *w,
			  unsigned int flags, ktime_t deadline)
{
	unsigned int state = lab_qlock_task_state(flags);
	int reason;

	for (;;) {
		/*
		 * set_current_state() is a full barrier before the load:
		 * pairs with wake_up_process() after the unlocker's store,
		 * so either we see NULL or the unlocker sees us sleeping.
		 */
		set_current_state(state);
		/* ACQUIRE: pairs with the RELEASE clearing @task. */
		if (!smp_load_acquire(&w->task))
			break;
		reason = 0;
		if (signal_pending_state(state, current))
			reason = -EINTR;
		else if (deadline != LAB_WAIT_FOREVER &&
			 ktime_compare(ktime_get(), deadline) >= 0)
			reason = -ETIMEDOUT;
		if (reason) {
			__set_current_state(TASK_RUNNING);
			return lab_qlock_leave(l, w, reason);
		}
		if (deadline == LAB_WAIT_FOREVER)
			schedule();
		else
			schedule_hrtimeout_range(&deadline, 0,
						 HRTIMER_MODE_ABS);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Handed the lock at @handoff_ns: allow the next hand-off only after
 * LAB_PARK_FAIR_COST times what this one cost, LAB_PARK_FAIR_PAUSE_MAX_NS
 * at most (lab_fair_next_ns()). The holder alone reads and
 * writes @fair_next_ns, so the lock orders it.
 */
static void lab_qlock_fair_paid(struct lab_qlock *l, u64 handoff_ns)
{
	u64 now = ktime_get_ns();

	l->fair_next_ns = lab_fair_next_ns(now, handoff_ns);
}

static int __lab_qlock_lock_slowpath(struct lab_qlock *l, unsigned int flags,
				     ktime_t deadline)
{
	struct lab_qlock_waiter w = { };
	unsigned int spins = 0;
	long state = lab_atomic_long_read(&l->state);
	int ret;

	for (;;) {
		if (!(state & LAB_QLOCK_LOCKED)) {
			/* ACQUIRE: pairs with the RELEASE of the unlock. */
			if (lab_atomic_long_try_cmpxchg_acquire(&l->state, &state,
								state | LAB_QLOCK_LOCKED))
				return 0;
			continue;
		}
		/* Spin while held and nobody queues: short sections end. */
		if (!lab_qlock_head(state) && spins++ < LAB_QLOCK_SPIN) {
			cpu_relax();
			state = lab_atomic_long_read(&l->state);
			continue;
		}
		/* The first enqueue of this acquisition starts the clock. */
		if (!w.since)
			w.since = ktime_get_ns() ?: 1;
		if (lab_qlock_enqueue(l, &w)) {
			ret = lab_qlock_park(l, &w, flags, deadline);
			if (ret)
				return ret;
			/*
			 * Popped with the lock: ours. Read after the ACQUIRE
			 * that saw @task cleared (lab_qlock_park() or
			 * lab_qlock_wait_handoff()).
			 */
			if (w.handoff_ns) {
				lab_qlock_fair_paid(l, w.handoff_ns);
				return 0;
			}
			spins = 0;
		}
		state = lab_atomic_long_read(&l->state);
	}
}

/**
 * lab_qlock_lock_slowpath() - the contended part of lab_qlock_lock_wait()
 * @l: the lock
 * @flags: LAB_WAIT_* flags; LAB_WAIT_TRACE_FAIR names the fair variant in
 *	the trace events
 * @deadline: absolute deadline or LAB_WAIT_FOREVER
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
noinline int lab_qlock_lock_slowpath(struct lab_qlock *l, unsigned int flags,
				     ktime_t deadline)
{
	u32 variant = flags & LAB_WAIT_TRACE_FAIR ? LOCKLAB_MUTEX_QUEUE_FAIR :
						    LOCKLAB_MUTEX_QUEUE;

	flags &= ~LAB_WAIT_TRACE_FAIR;
	return lab_contended(l, LOCKLAB_KIND_MUTEX, variant, 0,
			     __lab_qlock_lock_slowpath(l, flags, deadline));
}
EXPORT_SYMBOL_LOCKLAB(lab_qlock_lock_slowpath);

/*
 * Is the popped @head to be handed the lock? If it has waited @fair_ns and
 * the last hand-off is paid for; returns the time of the hand-off, or 0.
 */
static u64 lab_qlock_fair_due(struct lab_qlock *l,
			      struct lab_qlock_waiter *head, u64 fair_ns)
{
	u64 now;

	if (!fair_ns)
		return 0;
	now = ktime_get_ns();
	if (now - head->since < fair_ns || now < l->fair_next_ns)
		return 0;
	return now;
}

/**
 * lab_qlock_unlock_slowpath() - unlock with waiters queued (or QLOCKED set)
 * @l: the lock, held by the caller
 * @fair_ns: hand the lock to the popped head if it has been queued this
 *	long; 0: never (barging)
 */
noinline void lab_qlock_unlock_slowpath(struct lab_qlock *l, u64 fair_ns)
{
	struct lab_qlock_waiter *head, *next;
	struct task_struct *task;
	long state, keep = 0;

	preempt_disable();
	if (!lab_qlock_lock_queue(l, LAB_QLOCK_LOCKED, &state)) {
		WARN_ONCE(1, "locklab: queue lock %p unlocked while free\n", l);
		goto out;
	}
	head = lab_qlock_head(state);
	if (!head) {
		/*
		 * The queue emptied (waiters left) while QLOCKED was held:
		 * both bits are ours, so a plain store unlocks. RELEASE:
		 * pairs with the next locker's ACQUIRE.
		 */
		lab_atomic_long_set_release(&l->state, 0);
		goto out;
	}
	next = head->next;
	if (next)
		next->tail = head->tail;
	head->handoff_ns = lab_qlock_fair_due(l, head, fair_ns);
	if (head->handoff_ns)
		keep = LAB_QLOCK_LOCKED;	/* the lock goes to @head */
	/*
	 * Pop the head and drop QLOCKED, and LOCKED unless we hand it over,
	 * in one store: both bits are ours, so nobody else writes the word
	 * meanwhile. RELEASE: pairs with the next locker's ACQUIRE (our
	 * critical section) and the next queue holder's ACQUIRE (the links).
	 */
	lab_atomic_long_set_release(&l->state, (long)next | keep);
	task = get_task_struct(head->task);
	/*
	 * RELEASE: our reads of the node are done before its owner may see
	 * NULL and return (its stack is then gone), and @handoff_ns and our
	 * critical section are visible to it. Pairs with the ACQUIRE loads
	 * in lab_qlock_park() and lab_qlock_wait_handoff().
	 */
	smp_store_release(&head->task, NULL);
	/*
	 * The waiter may already have seen NULL, returned and gone to sleep
	 * somewhere else: this wake-up is then spurious there, which every
	 * sleep in the kernel tolerates (as with rwsem's wake_q).
	 */
	wake_up_process(task);
	put_task_struct(task);
out:
	preempt_enable();
}
EXPORT_SYMBOL_LOCKLAB(lab_qlock_unlock_slowpath);
