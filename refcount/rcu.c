// SPDX-License-Identifier: GPL-2.0
/*
 * locklab RCU: domains, shared grace periods, deferred reclamation.
 *
 * The algorithm, the state encoding (@phase, the per-CPU counters,
 * @gp_seq) and the ordering argument, barrier by barrier, are in
 * include/locklab/rcu.h, where the read side lives. Here: setting a domain
 * up, the snapshot that lets concurrent callers share a grace period, the
 * flip of the phase, the sleep until the old index's last reader leaves
 * (woken by that reader, never polled), and the batches of callbacks.
 *
 * Invariants: (I1) @gp_seq is odd exactly while a grace period runs, and
 * only the holder of @gp_lock writes it; (I2) lab_rcu_synchronize()
 * returns only once @gp_seq reached its snapshot, that is after a grace
 * period that began after the call; (I3) a callback runs after the grace
 * period of its batch, which began after lab_call_rcu() queued it;
 * (I4) @cb_pending counts the callbacks queued and not yet run.
 */
#include <linux/bug.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <locklab/trace.h>
#include <locklab/rcu.h>
#include <locklab/export.h>

static void lab_rcu_cb_work(struct work_struct *work);

/**
 * lab_rcu_init() - set up an RCU domain
 * @d: the domain
 *
 * Return: 0 or -ENOMEM.
 */
int lab_rcu_init(struct lab_rcu *d)
{
	d->phase = 0;
	d->gp_seq = 0;
	d->cpu = alloc_percpu(struct lab_rcu_cpu);
	if (!d->cpu)
		return -ENOMEM;
	lab_mutex_init(&d->gp_lock, LAB_MUTEX_3STATE);
	init_waitqueue_head(&d->gp_wq);
	atomic_long_set(&d->gp_requests, 0);
	d->gp_scans = 0;
	d->gp_backstops = 0;
	init_llist_head(&d->cbs);
	INIT_WORK(&d->cb_work, lab_rcu_cb_work);
	atomic_long_set(&d->cb_pending, 0);
	d->cb_batches = 0;
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_init);

/**
 * lab_rcu_destroy() - free a domain; no reader may be inside
 * @d: the domain
 *
 * Runs the callbacks still queued first (lab_rcu_barrier()). The work
 * item may still be queued with nothing to do (a lab_call_rcu() requeued
 * it while the running batch took its callback too): it goes before @d.
 */
void lab_rcu_destroy(struct lab_rcu *d)
{
	lab_rcu_barrier(d);
	cancel_work_sync(&d->cb_work);
	WARN_ON_ONCE(!lab_rcu_readers_idle(d));
	free_percpu(d->cpu);
	d->cpu = NULL;
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_destroy);

/*
 * Have all read sections that entered under @idx left? Every unlock
 * counter is read before any lock counter: see (D) in the header.
 */
static bool lab_rcu_idx_idle(struct lab_rcu *d, unsigned int idx)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		unlocks += READ_ONCE(per_cpu_ptr(d->cpu, cpu)->unlock[idx]);
	/* (D): pairs with (A) and (B) of the sections being counted. */
	smp_mb();
	for_each_possible_cpu(cpu)
		locks += READ_ONCE(per_cpu_ptr(d->cpu, cpu)->lock[idx]);
	return locks == unlocks;
}

/**
 * lab_rcu_readers_idle() - is any read section of @d running? (tests)
 * @d: the domain
 *
 * Return: true if none was inside when the counters were read.
 */
bool lab_rcu_readers_idle(struct lab_rcu *d)
{
	return lab_rcu_idx_idle(d, 0) && lab_rcu_idx_idle(d, 1);
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_readers_idle);

/**
 * lab_rcu_old_reader_left() - an old reader left: wake the grace period
 * @d: the domain
 *
 * Called by readers that left (or backed out of) the index a grace period
 * waits for, after their unlock[] increment and a read of @phase that saw
 * the flip. Out of line: the read side's slow path.
 */
void lab_rcu_old_reader_left(struct lab_rcu *d)
{
	/* (F): the increment before the look at @gp_wq; pairs with (G). */
	smp_mb();
	/* Lockless look, safe after (F): see "The sleep" in the header. */
	if (waitqueue_active(&d->gp_wq))
		wake_up(&d->gp_wq);
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_old_reader_left);

/* Have the readers of @idx left? Counted in @gp_scans; under @gp_lock. */
static bool lab_rcu_gp_scan(struct lab_rcu *d, unsigned int idx)
{
	d->gp_scans++;
	return lab_rcu_idx_idle(d, idx);
}

/*
 * Sleep until the last reader of @idx left. TASK_IDLE: uninterruptible
 * (a grace period cannot be abandoned half way) but neither in the load
 * average nor reported as hung while a reader sleeps in its section. Each
 * sleep lasts at most LAB_RCU_BACKSTOP (the lost wake-up of the header);
 * one that ran out and finds the readers gone is counted.
 */
static void lab_rcu_wait_idx(struct lab_rcu *d, unsigned int idx)
{
	DEFINE_WAIT(wait);
	bool ran_out = false;

	if (lab_rcu_gp_scan(d, idx))
		return;
	for (;;) {
		/* (G): queued and state set, a full barrier, then the sums. */
		prepare_to_wait(&d->gp_wq, &wait, TASK_IDLE);
		if (lab_rcu_gp_scan(d, idx)) {
			d->gp_backstops += ran_out;
			break;
		}
		ran_out = !schedule_timeout(LAB_RCU_BACKSTOP);
	}
	finish_wait(&d->gp_wq, &wait);
}

/* One grace period; the caller holds @gp_lock. */
static void lab_rcu_gp(struct lab_rcu *d)
{
	unsigned int old;

	/* Odd: running (I1). Snapshots that read it wait for the next. */
	WRITE_ONCE(d->gp_seq, d->gp_seq + 1);
	/* (E'): the odd @gp_seq and the callers' unpublishing before the flip. */
	smp_mb();
	old = d->phase;
	WRITE_ONCE(d->phase, !old);
	/* (C): the flip before the scan; pairs with (A). */
	smp_mb();
	lab_rcu_wait_idx(d, old);
	/*
	 * Even: done. Plain store under @gp_lock; snapshots that read it
	 * locklessly only ask for more than they need if it is stale, and
	 * the callers it serves read it under @gp_lock (ACQUIRE after this
	 * holder's RELEASE).
	 */
	WRITE_ONCE(d->gp_seq, d->gp_seq + 1);
}

/* The @gp_seq that ends a grace period begun after this read (header). */
static unsigned long lab_rcu_gp_snap(struct lab_rcu *d)
{
	return (READ_ONCE(d->gp_seq) + 3) & ~1UL;
}

/**
 * lab_rcu_synchronize() - wait for a grace period of @d
 * @d: the domain
 *
 * Returns once every read section of @d that was running when it was
 * called has left; sections that start meanwhile are not waited for.
 * Callers that come while a grace period runs share the next one (see
 * @gp_seq in the header): whoever takes @gp_lock first runs it, the others
 * find it done. Full barrier on entry and exit: what the caller did before
 * (unpublishing a pointer) is visible to every later reader, and what it
 * does after (freeing) follows every earlier reader's last access. Sleeps;
 * process context; not inside a read section of @d.
 */
void lab_rcu_synchronize(struct lab_rcu *d)
{
	unsigned long snap;
	u64 t0 = 0;

	might_sleep();
	if (trace_lab_rcu_gp_begin_enabled()) {
		trace_lab_rcu_gp_begin(d);
		t0 = ktime_get_ns();
	}
	/* (E): the caller's unpublishing before the snapshot; see header. */
	smp_mb();
	snap = lab_rcu_gp_snap(d);
	/* Relaxed: a statistic, read by tests once the callers are queued. */
	atomic_long_inc(&d->gp_requests);
	lab_mutex_lock(&d->gp_lock);
	/* (I2): a grace period begun after our snapshot has ended? */
	if (ULONG_CMP_LT(d->gp_seq, snap))
		lab_rcu_gp(d);
	lab_mutex_unlock(&d->gp_lock);
	/* The readers' last accesses before our caller's frees. */
	smp_mb();
	if (t0)
		trace_lab_rcu_gp_end(d, ktime_get_ns() - t0);
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_synchronize);

/* --- Deferred reclamation ------------------------------------------------ */

/*
 * One batch: everything queued so far, one grace period, every callback.
 * A work item never runs twice at once, so @cb_batches needs no lock;
 * callbacks queued while this runs requeue the work (lab_call_rcu()).
 */
static void lab_rcu_cb_work(struct work_struct *work)
{
	struct lab_rcu *d = container_of(work, struct lab_rcu, cb_work);
	struct lab_rcu_head *h, *next;
	struct llist_node *batch;
	long n = 0;

	/* Fully ordered xchg: pairs with the cmpxchg of llist_add(). */
	batch = llist_del_all(&d->cbs);
	if (!batch)
		return;
	/* (I3): the grace period begins after every callback was queued. */
	lab_rcu_synchronize(d);
	WRITE_ONCE(d->cb_batches, d->cb_batches + 1);
	/* Oldest first. */
	llist_for_each_entry_safe(h, next, llist_reverse_order(batch), node) {
		h->func(h);
		n++;
	}
	/* Fully ordered (value-returning): the callbacks ran before (I4). */
	atomic_long_sub_return(n, &d->cb_pending);
}

/**
 * lab_call_rcu() - run @func(@head) after a grace period of @d
 * @d: the domain
 * @head: embedded in what is to be reclaimed, not queued already
 * @func: the callback, e.g. to kfree() the container of @head
 *
 * Returns at once. The callback runs in process context (a workqueue)
 * after a grace period that began after this call: every reader that
 * could still see what the caller unpublished before has left. Callbacks
 * are batched, one grace period for all that are queued when a batch
 * starts. Any context that may take a read section of @d.
 */
void lab_call_rcu(struct lab_rcu *d, struct lab_rcu_head *head,
		  lab_rcu_callback_t func)
{
	head->func = func;
	/* Before the node is visible: a barrier that sees 0 finds none. */
	atomic_long_inc(&d->cb_pending);
	/*
	 * llist_add() is a fully ordered cmpxchg: the caller's unpublishing
	 * happens before the batch takes the node, so before its grace
	 * period's (E).
	 */
	llist_add(&head->node, &d->cbs);
	/* Runs the batch, or reruns it if one is running (no lost node). */
	queue_work(system_unbound_wq, &d->cb_work);
}
EXPORT_SYMBOL_LOCKLAB(lab_call_rcu);

/**
 * lab_rcu_barrier() - wait until every callback queued on @d has run
 * @d: the domain
 *
 * Callbacks queued by callbacks are waited for too. Sleeps; process
 * context; not inside a read section of @d.
 */
void lab_rcu_barrier(struct lab_rcu *d)
{
	might_sleep();
	/* Pairs with the fully ordered sub in lab_rcu_cb_work(). */
	while (atomic_long_read_acquire(&d->cb_pending)) {
		flush_work(&d->cb_work);
		cond_resched();
	}
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_barrier);
