/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab RCU: read-copy-update with counted read sections and grace
 * periods (book ch. 10, "RCU"), and the RCU pointer built on it.
 *
 * The pattern: readers load a pointer and read what it points to, taking
 * no lock and writing nothing the writers wait on. A writer makes a new
 * copy, publishes it with one pointer store (or swap), and may free the
 * old copy only when no reader can still hold it: after a grace period,
 * an interval that every read section that was running at its start has
 * left. The book names the problem (reclamation) and the usual answers;
 * this is the one that counts readers, as the kernel's SRCU does, so read
 * sections may sleep and the module needs no hook into the scheduler.
 *
 * State: a phase index (0 or 1) and, per CPU, monotonic counters
 * lock[i] and unlock[i] of the read sections that entered and left under
 * index i. Counters are per CPU so that readers on different CPUs write
 * different cache lines; a section may enter on one CPU and leave on
 * another, so only the sums over CPUs mean anything.
 *
 *   read_lock     i = phase; lock[i]++ (this CPU); smp_mb() (A);
 *                 if phase != i: unlock[i]++, smp_mb() (F), wake the
 *                 grace period's waiter, and start over; return i
 *   read_unlock   smp_mb() (B); unlock[i]++ (this CPU); if phase != i
 *                 (we were an old reader): smp_mb() (F), and if a grace
 *                 period sleeps on @gp_wq, wake it
 *   synchronize   s = snapshot of @gp_seq (the grace period that must end)
 *                 after smp_mb() (E); then, under the mutex @gp_lock:
 *                 if @gp_seq reached s, another caller's grace period
 *                 served us; else run one:
 *                 gp_seq++ (odd: running); smp_mb() (E'); old = phase;
 *                 phase = !old; smp_mb() (C); sleep on @gp_wq until
 *                 sum(unlock[old]) == sum(lock[old]), where all the unlock
 *                 counters are read before all the lock counters (smp_mb()
 *                 (D) between); gp_seq++ (even: done)
 *
 * @gp_seq encoding: 2 * (grace periods completed) + (1 while one runs).
 * A caller that reads 2k needs the next grace period to end: s = 2k + 2;
 * one that reads 2k + 1 came while grace period k+1 ran, possibly after
 * its flip, and needs the one after: s = 2k + 4. So every caller that
 * arrives while a grace period runs waits for the same next one, and N
 * concurrent callers cost two grace periods, not N (the kernel's SRCU
 * shares them the same way). The snapshot is taken after (E): a grace
 * period that begins after the read (a later @gp_seq store, then (E'),
 * then the flip) has every reader that enters under the new phase see
 * the caller's unpublishing, and waits for those under the old one.
 *
 * Why a grace period waits for every reader that was inside at its start:
 * such a reader read phase == old after its lock[old]++ and its (A), so
 * its increment precedes the flip, and the writer's scan after (C) sees
 * it; its unlock[old]++ follows everything it read (B). A reader that
 * increments lock[old] too late for the scan to see is on the other side
 * of the store-buffering pair (A)/(C): it sees the new phase and backs out
 * without reading anything. A reader that enters under the new index is
 * not waited for, and need not be: it read the new phase, then passed (A),
 * so it also sees the writer's unpublishing, which (E)/(E') put before the
 * flip (message passing through the phase word). Reading every unlock
 * counter before any lock counter (D) makes the sums safe against
 * sections that migrate: a section whose unlock was counted has its
 * earlier lock counted too, so the sums can be equal only when every
 * counted section has left.
 *
 * The sleep (woken, not polled): the waiter queues itself on @gp_wq and
 * sets its state, a full barrier (G, in prepare_to_wait()), then sums the
 * counters. An old reader leaving increments unlock[old], then reads
 * @phase; if it sees the flip, it passes (F) and reads @gp_wq. (F) and
 * (G) are a store-buffering pair: either the scan sees the increment, or
 * the reader sees the waiter queued and wakes it. So the waiter sleeps
 * until some old reader leaves, sums again, and returns after the last
 * one; a reader that left under the current phase wakes nobody.
 *
 * The one race left open, on purpose: the common unlock has no barrier
 * between its increment and its read of @phase (kernel SRCU's unlock has
 * none there either: one full barrier per side). The reader may read the
 * old @phase while its increment is still in its store buffer, and the
 * writer's scans after (C) and (G) miss that increment: a wake-up nobody
 * sends. The writer therefore sleeps at most LAB_RCU_BACKSTOP (200 ms)
 * and sums again; @gp_backstops counts the sleeps that ended so with the
 * readers gone: the wake-ups this race lost, and any that came in the
 * jiffy the timer ran out (an estimate from above). The race needs the
 * increment to stay invisible from before the flip until after the
 * writer's second scan, a prepare_to_wait() later, which stores do not do
 * in practice; the KUnit suite prints the count. Leaving (F) out of every
 * read section is what it buys: a read section costs two full barriers,
 * as SRCU's does, not three.
 *
 * Deferred reclamation (lab_call_rcu()): callbacks go on a lock-free list
 * and a work item takes the whole list, waits for one grace period and
 * runs every callback of the batch; callbacks queued meanwhile form the
 * next batch. lab_rcu_barrier() waits until every queued callback ran.
 *
 * Unlike the kernel's RCU, whose readers pay nothing because grace periods
 * are inferred from context switches, readers here pay two full barriers
 * and two per-CPU increments; the benchmark shows the difference
 * (LOCKLAB_KIND_RCU, kernel RCU as the baseline).
 *
 * Contexts: read sections in any context that may use this_cpu ops and
 * wake a task (process, softirq, hardirq; not NMI), and they may sleep;
 * lab_call_rcu() in the same contexts, its callbacks run in process
 * context (a workqueue); lab_rcu_synchronize()
 * sleeps, process context only, never inside a read section of the same
 * domain (it would wait for itself).
 *
 * The RCU pointer: lab_rcu_dereference() is a READ_ONCE() whose address
 * dependency orders the reads through the pointer after the load (as
 * rcu_dereference(); the book uses an acquire load, which also works and
 * costs a barrier on arm64); lab_rcu_assign_pointer() is a store-release,
 * so the new copy's initialization is visible before the pointer;
 * lab_rcu_replace_pointer() swaps with a fully ordered xchg and returns
 * the old copy, to be freed after lab_rcu_synchronize().
 */
#ifndef _LOCKLAB_RCU_H
#define _LOCKLAB_RCU_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <locklab/mutex.h>

/* The longest a grace period sleeps between two sums (the lost wake-up). */
#define LAB_RCU_BACKSTOP	msecs_to_jiffies(200)

struct lab_rcu_cpu {
	unsigned long lock[2];
	unsigned long unlock[2];
};

struct lab_rcu_head;
typedef void (*lab_rcu_callback_t)(struct lab_rcu_head *head);

/* Embedded in what lab_call_rcu() is to reclaim. */
struct lab_rcu_head {
	struct llist_node node;
	lab_rcu_callback_t func;
};

/**
 * struct lab_rcu - an RCU domain
 * @phase: the index new readers enter under, 0 or 1
 * @cpu: the per-CPU section counters
 * @gp_lock: one grace period at a time; shared by the callers it queues
 * @gp_seq: 2 * grace periods completed + 1 while one runs; written under
 *	@gp_lock, read without it (snapshots)
 * @gp_wq: where the grace period's writer sleeps for the old readers
 * @gp_requests: lab_rcu_synchronize() calls (for tests and reports)
 * @gp_scans: counter sums the grace periods made (tests: sleeps, not
 *	polls); under @gp_lock
 * @gp_backstops: sleeps that LAB_RCU_BACKSTOP ended with the old readers
 *	gone (wake-ups lost to the race the header describes, or that came
 *	as the timer ran out); under @gp_lock
 * @cbs: callbacks waiting for the next batch
 * @cb_work: runs the batches
 * @cb_pending: callbacks queued and not yet run
 * @cb_batches: batches run (one grace period each); by @cb_work only
 */
struct lab_rcu {
	unsigned int phase;
	struct lab_rcu_cpu __percpu *cpu;
	struct lab_mutex gp_lock;
	unsigned long gp_seq;
	wait_queue_head_t gp_wq;
	atomic_long_t gp_requests;
	unsigned long gp_scans;
	unsigned long gp_backstops;
	struct llist_head cbs;
	struct work_struct cb_work;
	atomic_long_t cb_pending;
	unsigned long cb_batches;
};

int lab_rcu_init(struct lab_rcu *d);
void lab_rcu_destroy(struct lab_rcu *d);
void lab_rcu_synchronize(struct lab_rcu *d);
bool lab_rcu_readers_idle(struct lab_rcu *d);
void lab_call_rcu(struct lab_rcu *d, struct lab_rcu_head *head,
		  lab_rcu_callback_t func);
void lab_rcu_barrier(struct lab_rcu *d);
void lab_rcu_old_reader_left(struct lab_rcu *d);

/* Grace periods of @d completed so far. */
static inline unsigned long lab_rcu_gp_count(struct lab_rcu *d)
{
	return READ_ONCE(d->gp_seq) >> 1;
}

/**
 * lab_rcu_read_lock() - enter a read section of @d
 * @d: the RCU domain
 *
 * Full barrier after entering (see the file comment). May be nested; may
 * sleep inside.
 *
 * Return: the index to pass to lab_rcu_read_unlock().
 */
static __always_inline int lab_rcu_read_lock(struct lab_rcu *d)
{
	unsigned int i;

	for (;;) {
		i = READ_ONCE(d->phase);
		this_cpu_inc(d->cpu->lock[i]);
		/* (A): pairs with (C) in lab_rcu_synchronize(). */
		smp_mb();
		if (likely(READ_ONCE(d->phase) == i))
			return i;
		/*
		 * Flipped meanwhile: leave the old index, which we never
		 * used; the grace period may have counted us in, so wake it
		 * as an old reader leaving does.
		 */
		this_cpu_inc(d->cpu->unlock[i]);
		lab_rcu_old_reader_left(d);
	}
}

/**
 * lab_rcu_read_unlock() - leave a read section of @d
 * @d: the RCU domain
 * @idx: what lab_rcu_read_lock() returned
 */
static __always_inline void lab_rcu_read_unlock(struct lab_rcu *d, int idx)
{
	/* (B): our reads are done before the writer can count us out. */
	smp_mb();
	this_cpu_inc(d->cpu->unlock[idx]);
	/*
	 * No barrier: this read may pass the increment (the race that
	 * LAB_RCU_BACKSTOP covers, see the file comment). An old reader
	 * passes (F) before it looks at @gp_wq.
	 */
	if (unlikely(READ_ONCE(d->phase) != idx))
		lab_rcu_old_reader_left(d);
}

/* Load an RCU-protected pointer inside a read section. */
#define lab_rcu_dereference(p)	READ_ONCE(p)

/* Publish @v: its initialization is visible before the pointer. */
#define lab_rcu_assign_pointer(p, v)	smp_store_release(&(p), (v))

/* Swap in @v, fully ordered; the old value, to free after a grace period. */
#define lab_rcu_replace_pointer(p, v)	xchg(&(p), (v))

#endif /* _LOCKLAB_RCU_H */
