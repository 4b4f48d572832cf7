// SPDX-License-Identifier: GPL-2.0
/*
 * locklab address-based wait/wake: a hashed "parking lot" of wait queues.
 *
 * This is the kernel-side futex the book's chapter 8 assumes: waiters park
 * on the address of a 32-bit atomic and are woken by address. As in
 * kernel/futex/ and in WebKit's parking lot, waiters do not live in the
 * object they wait on: a global table of buckets, indexed by a hash of the
 * address, holds them: a lock word costs 4 bytes however many tasks wait.
 *
 * Bucket: a spinlock, a list of waiters (of any address hashing there, in
 * arrival order) and a count of the waiters on that list. Buckets are cache
 * line aligned; their number is a power of two set by the wait_buckets
 * module parameter.
 *
 * Waiter: on the waiting task's stack, queued from the value check until a
 * waker removes it (list_del_init() under the bucket lock: an empty node
 * means "woken") or the waiter removes itself (timeout, signal, spurious
 * wake-up). @bucket changes only under the locks of both buckets, by
 * requeue; a waiter that wants to dequeue itself locks the bucket it read
 * and re-checks that it is still the waiter's bucket.
 *
 * Invariants, under the bucket lock:
 *   - a queued waiter's @key hashes to its @bucket;
 *   - @waiters counts the list, plus waiters that have incremented it and
 *     not yet taken the lock (so it is never below the list length);
 *   - a waiter is queued only if its validation held under the lock
 *     (for lab_wait(): *addr == expected).
 *
 * The same table serves as a parking lot in WebKit's and Rust parking_lot's
 * sense (the book's ch. 10): lab_park() validates with any callback and
 * lab_unpark_one() runs a callback under the bucket lock once it chose whom
 * to wake, so a lock word can keep an exact "tasks are parked" bit
 * (lock/parking.c).
 *
 * No lost wake-ups. The waker changes *addr, then calls lab_wake(). The
 * waiter increments the bucket count, then checks *addr under the lock:
 *
 *   lab_wait()                          changer + lab_wake()
 *     atomic_inc(&b->waiters)             *addr = new
 *     smp_mb__after_atomic()  <-pairs->   smp_mb()
 *     lock; if (*addr != expected)        if (!atomic_read(&b->waiters))
 *               return -EAGAIN;                   return;   (no lock)
 *     queue; set_current_state()          lock; dequeue + wake_up_process()
 *     unlock; schedule()
 *
 * The two full barriers order "count, then value" against "value, then
 * count": if the waker reads a count of 0, the waiter's value check comes
 * after the change and sees it (or the value went back to expected, which
 * is not a change the waiter could have missed). If the waker sees the
 * count, it takes the lock: either the waiter already queued (and is
 * woken), or it has not checked yet and will check after the waker's
 * unlock, seeing the new value. (LOCKLAB_INJECT=wait_no_mb drops both,
 * for scripts/inject.sh: see wait_table.h.) A wake therefore takes no lock at all when
 * nobody waits in the bucket, which is what makes an uncontended unlock
 * cheap (the book's "avoid the syscall" argument, here "avoid the lock").
 *
 * Bucket locks are raw spinlocks taken with interrupts disabled, so
 * lab_wake() may be called from interrupt context (a semaphore up() in an
 * IRQ handler), PREEMPT_RT included (a spinlock_t sleeps there).
 *
 * Wake-ups are done with the bucket lock held, as __wake_up_common() does:
 * the waiter cannot leave lab_wait() before it has taken the same lock and
 * seen its node empty, so its stack and task are valid while we wake it.
 */
#include <linux/hash.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <locklab/export.h>
#include <locklab/param.h>
#include <locklab/wait.h>

#include "wait_table.h"

/* At least 2: hash_ptr() wants at least one bit. */
static unsigned int lab_wait_buckets = 256;
LAB_PARAM_UINT(wait_buckets, lab_wait_buckets, 2, 1U << 16, 0444,
	       "Buckets of the wait/wake hash table, rounded up to a power of two");

struct lab_wait_bucket *lab_bucket_table;
unsigned int lab_bucket_bits;

DEFINE_PER_CPU(struct lab_wait_stats, lab_wait_pcpu);

/* Lock the bucket @w is queued in, following requeues. */
static struct lab_wait_bucket *lab_lock_waiter_bucket(struct lab_waiter *w)
	__acquires(&w->bucket->lock)
{
	struct lab_wait_bucket *b;

	for (;;) {
		b = READ_ONCE(w->bucket);
		raw_spin_lock_irq(&b->lock);
		if (likely(b == w->bucket))
			return b;
		raw_spin_unlock_irq(&b->lock);
	}
}

/* Is a waiter of @key queued in @b? Bucket locked. */
static bool lab_key_queued(struct lab_wait_bucket *b, const void *key)
{
	struct lab_waiter *w;

	list_for_each_entry(w, &b->list, node)
		if (w->key == key)
			return true;
	return false;
}

/*
 * Remove a waiter that stopped sleeping; returns true if a waker had
 * removed it already. If it was still queued, @timed_out runs under the
 * bucket lock, told whether it was the last waiter of its key.
 */
static bool lab_unqueue(struct lab_waiter *w,
			void (*timed_out)(void *arg, bool last), void *arg)
{
	struct lab_wait_bucket *b = lab_lock_waiter_bucket(w);
	bool woken = list_empty(&w->node);
	u64 now;

	if (woken && w->token) {
		/*
		 * Handed a token: the time since the unpark is what this
		 * hand-off cost. No other before LAB_PARK_FAIR_COST times
		 * that, or LAB_PARK_FAIR_PAUSE_MAX_NS (struct
		 * lab_unpark_result, @be_fair).
		 */
		now = ktime_get_ns();
		b->fair_next_ns = lab_fair_next_ns(now, w->token_ns);
	}
	if (!woken) {
		list_del_init(&w->node);
		atomic_dec(&b->waiters);
		if (timed_out)
			timed_out(arg, !lab_key_queued(b, w->key));
	}
	raw_spin_unlock_irq(&b->lock);
	return woken;
}

/* Why did a waiter that was not woken stop sleeping? */
static int lab_wait_reason(unsigned int flags, ktime_t deadline)
{
	int ret = lab_wait_should_end(flags, deadline);

	if (ret == -EINTR)
		lab_stat_inc(interrupted);
	else if (ret == -ETIMEDOUT)
		lab_stat_inc(timeouts);
	else
		lab_stat_inc(spurious);
	return ret;
}

/**
 * lab_park_token() - sleep on @key if @validate agrees, under the bucket lock
 * @key: the address waited on (any object; waiters and wakers agree on it)
 * @validate: called with the bucket lock held and interrupts off (must not
 *	sleep): false means do not sleep (-EAGAIN)
 * @timed_out: NULL, or called with the bucket lock held when the waiter
 *	leaves the queue by itself (signal, deadline, or a spurious wake-up
 *	after which the caller will park again); @last is true when no
 *	other waiter of @key is left
 * @arg: passed to @validate and @timed_out
 * @flags: 0 (uninterruptible), LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute CLOCK_MONOTONIC time (lab_deadline()), or
 *	LAB_WAIT_FOREVER
 * @since_ns: when the caller began to wait (ktime_get_ns(); kept across
 *	the parks of one acquisition), or 0: lab_unpark_one() tells its
 *	callback how long the chosen task has waited
 * @token: NULL, or out: the token lab_unpark_one()'s callback returned
 *	when it chose this task; 0 after any other return
 *
 * The parking lot's park (WebKit, Rust's parking_lot; the book's ch. 10):
 * the check that decides to sleep runs under the same lock as the
 * wake-up's choice of whom to wake, so the lock word can keep a "someone
 * is parked" bit exact (see lock/parking.c). lab_wait() is lab_park() with
 * a value comparison as @validate. Sleeps; process context.
 *
 * The token is written by the unparker under the bucket lock and read
 * here after lab_unqueue() took that lock and found the node dequeued, so
 * it and everything the unparker did before its unlock of the bucket
 * (RELEASE) is visible to us after our lock of it (ACQUIRE): a lock handed
 * over by token needs no other ordering.
 *
 * Return: 0 after a wake-up (lab_wake*(), lab_unpark_one()) or a spurious
 * wake-up; -EAGAIN if @validate said no; -ETIMEDOUT or -EINTR (per @flags)
 * when the waiter gave up. A waiter that was woken and then saw its
 * deadline pass returns 0: a wake (and its token) is never dropped.
 */
int lab_park_token(const void *key, bool (*validate)(void *arg),
		   void (*timed_out)(void *arg, bool last), void *arg,
		   unsigned int flags, ktime_t deadline, u64 since_ns,
		   unsigned long *token)
{
	struct lab_waiter w = { .key = key, .task = current,
				.since_ns = since_ns };
	struct lab_wait_bucket *b = lab_bucket(key);

	might_sleep();
	lab_stat_inc(waits);
	if (token)
		*token = 0;

	atomic_inc(&b->waiters);
	/* Count before value: pairs with the smp_mb() in lab_wake(). */
	lab_wait_mb_count();

	raw_spin_lock_irq(&b->lock);
	if (!validate(arg)) {
		raw_spin_unlock_irq(&b->lock);
		atomic_dec(&b->waiters);
		lab_stat_inc(eagain);
		return -EAGAIN;
	}
	w.bucket = b;
	list_add_tail(&w.node, &b->list);
	/* Before the unlock: a waker that dequeues us sets TASK_RUNNING. */
	set_current_state(lab_wait_task_state(flags));
	raw_spin_unlock_irq(&b->lock);

	lab_wait_schedule(deadline);
	__set_current_state(TASK_RUNNING);

	if (lab_unqueue(&w, timed_out, arg)) {
		/* Under the bucket lock the waker held: see above. */
		if (token)
			*token = w.token;
		return 0;
	}
	return lab_wait_reason(flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_park_token);

/**
 * lab_park() - lab_park_token() without a start time or a token
 * @key: the address waited on
 * @validate: see lab_park_token()
 * @timed_out: see lab_park_token()
 * @arg: passed to @validate and @timed_out
 * @flags: see lab_park_token()
 * @deadline: see lab_park_token()
 *
 * Return: as lab_park_token().
 */
int lab_park(const void *key, bool (*validate)(void *arg),
	     void (*timed_out)(void *arg, bool last), void *arg,
	     unsigned int flags, ktime_t deadline)
{
	return lab_park_token(key, validate, timed_out, arg, flags, deadline,
			      0, NULL);
}
EXPORT_SYMBOL_LOCKLAB(lab_park);

struct lab_wait_cmp {
	atomic_t *addr;
	u32 expected;
};

/*
 * lab_wait()'s validation: a plain load, ordered after the queueing by the
 * bucket lock; it does not order the caller's later accesses.
 */
static bool lab_wait_validate(void *arg)
{
	struct lab_wait_cmp *c = arg;

	return (u32)atomic_read(c->addr) == c->expected;
}

/**
 * lab_wait() - sleep while *@addr == @expected
 * @addr: the 32-bit word to wait on
 * @expected: sleep only if *@addr holds this value when the waiter queues
 * @flags: 0 (uninterruptible), LAB_WAIT_INTERRUPTIBLE or LAB_WAIT_KILLABLE
 * @deadline: absolute CLOCK_MONOTONIC time (lab_deadline()), or
 *	LAB_WAIT_FOREVER
 *
 * Sleeps; process context, no locks held that a waker needs. The value check
 * is a plain load done under the bucket lock, which orders it after the
 * queueing; it does not order the caller's later accesses (callers re-read
 * their word with the ordering they need after a return).
 *
 * Return: 0 after a wake-up or a spurious wake-up (re-check and call
 * again); -EAGAIN if *@addr != @expected at once; -ETIMEDOUT when
 * @deadline passed; -EINTR when a signal (per @flags) ended the wait.
 */
int lab_wait(atomic_t *addr, u32 expected, unsigned int flags,
	     ktime_t deadline)
{
	struct lab_wait_cmp c = { .addr = addr, .expected = expected };

	return lab_park(addr, lab_wait_validate, NULL, &c, flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_wait);

/* Wake up to @nr waiters of @addr in @b; bucket locked. */
int lab_wake_locked(struct lab_wait_bucket *b, const void *addr,
		    int nr)
{
	struct lab_waiter *w, *next;
	int woken = 0;

	list_for_each_entry_safe(w, next, &b->list, node) {
		if (woken >= nr)
			break;
		if (w->key != addr)
			continue;
		list_del_init(&w->node);
		atomic_dec(&b->waiters);
		wake_up_process(w->task);
		woken++;
	}
	return woken;
}

/**
 * lab_wake() - wake up to @nr waiters of @addr, oldest first
 * @addr: the word waited on
 * @nr: how many to wake at most (INT_MAX: all)
 *
 * Fully ordered with respect to the caller's earlier store to *@addr (see
 * the file comment). Takes no lock when no task waits in @addr's bucket.
 * Any context that may take a spinlock (not NMI).
 *
 * Return: the number of tasks woken.
 */
int lab_wake(atomic_t *addr, int nr)
{
	struct lab_wait_bucket *b = lab_bucket(addr);
	unsigned long flags;
	int woken;

	lab_stat_inc(wakes);
	/* Value before count: pairs with smp_mb__after_atomic() in lab_wait(). */
	lab_wait_mb_value();
	if (!atomic_read(&b->waiters))
		return 0;

	lab_stat_inc(wakes_locked);
	raw_spin_lock_irqsave(&b->lock, flags);
	woken = lab_wake_locked(b, addr, nr);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	lab_stat_add(woken, woken);
	return woken;
}
EXPORT_SYMBOL_LOCKLAB(lab_wake);

/**
 * lab_unpark_one() - wake the oldest task parked on @key
 * @key: the address waited on
 * @callback: called with the bucket lock held, after the waiter is chosen
 *	and before it is woken, with what struct lab_unpark_result says; it
 *	returns the token the chosen task's lab_park_token() receives, and
 *	must not sleep
 * @arg: passed to @callback
 *
 * The parking lot's unpark: because @callback runs under the lock that
 * lab_park()'s validation also takes, it can update the lock word's
 * "parked" bit exactly (no parker is between its check and its sleep), and
 * through the token it can hand the woken task the lock itself instead of
 * releasing it (eventual fairness, lock/parking.c). Always takes the
 * bucket lock: callers come here only when their word says someone is
 * parked. Any context that may take a spinlock.
 *
 * Return: 1 if a task was woken, else 0.
 */
int lab_unpark_one(const void *key,
		   unsigned long (*callback)(void *arg,
					     const struct lab_unpark_result *r),
		   void *arg)
{
	struct lab_wait_bucket *b = lab_bucket(key);
	struct lab_unpark_result r = { };
	struct lab_waiter *w;
	unsigned long flags, token;
	u64 now = 0;

	lab_stat_inc(wakes);
	lab_stat_inc(wakes_locked);
	raw_spin_lock_irqsave(&b->lock, flags);
	list_for_each_entry(w, &b->list, node) {
		if (w->key == key) {
			list_del_init(&w->node);
			atomic_dec(&b->waiters);
			r.unparked = true;
			break;
		}
	}
	r.more = lab_key_queued(b, key);
	if (r.unparked && w->since_ns) {
		now = ktime_get_ns();
		r.waited_ns = now - w->since_ns;
		r.be_fair = now >= b->fair_next_ns;
	}
	token = callback(arg, &r);
	/*
	 * Still under the bucket lock: the waiter cannot leave lab_park()
	 * before it took the lock and saw its node empty, and it reads the
	 * token only then.
	 */
	if (r.unparked) {
		w->token = token;
		w->token_ns = now;
		wake_up_process(w->task);
	}
	raw_spin_unlock_irqrestore(&b->lock, flags);
	lab_stat_add(woken, r.unparked ? 1 : 0);
	return r.unparked ? 1 : 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_unpark_one);

/**
 * lab_wait_queued() - count the tasks queued on @addr right now
 * @addr: the word
 *
 * For tests and statistics: takes the bucket lock; the answer may be stale
 * as soon as it is returned.
 *
 * Return: the number of waiters queued on @addr.
 */
unsigned int lab_wait_queued(const void *addr)
{
	struct lab_wait_bucket *b = lab_bucket(addr);
	struct lab_waiter *w;
	unsigned int n = 0;

	raw_spin_lock_irq(&b->lock);
	list_for_each_entry(w, &b->list, node)
		n += w->key == addr;
	raw_spin_unlock_irq(&b->lock);
	return n;
}
EXPORT_SYMBOL_LOCKLAB(lab_wait_queued);

/**
 * lab_wait_stats_read() - sum the wait/wake event counters over all CPUs
 * @st: out: the sums since module load
 */
void lab_wait_stats_read(struct lab_wait_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct lab_wait_stats *p = per_cpu_ptr(&lab_wait_pcpu, cpu);

		st->waits += p->waits;
		st->eagain += p->eagain;
		st->timeouts += p->timeouts;
		st->interrupted += p->interrupted;
		st->spurious += p->spurious;
		st->wakes += p->wakes;
		st->wakes_locked += p->wakes_locked;
		st->woken += p->woken;
		st->requeued += p->requeued;
	}
}
EXPORT_SYMBOL_LOCKLAB(lab_wait_stats_read);

/* Allocate the bucket table; called once at module load. */
int lab_wait_init(void)
{
	unsigned int n, i;

	n = roundup_pow_of_two(lab_wait_buckets);	/* 2 .. 65536 */
	lab_bucket_table = kvcalloc(n, sizeof(*lab_bucket_table), GFP_KERNEL);
	if (!lab_bucket_table)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		raw_spin_lock_init(&lab_bucket_table[i].lock);
		atomic_set(&lab_bucket_table[i].waiters, 0);
		INIT_LIST_HEAD(&lab_bucket_table[i].list);
	}
	lab_bucket_bits = ilog2(n);
	lab_wait_buckets = n;
	return 0;
}

/* Free the table; no task may be waiting (every user object is gone). */
void lab_wait_exit(void)
{
	unsigned int i;

	for (i = 0; i < (1U << lab_bucket_bits); i++)
		WARN_ON_ONCE(!list_empty(&lab_bucket_table[i].list));
	kvfree(lab_bucket_table);
	lab_bucket_table = NULL;
}
