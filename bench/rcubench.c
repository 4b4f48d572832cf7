// SPDX-License-Identifier: GPL-2.0
/*
 * locklab RCU benchmark: N reader kthreads, pinned to CPUs, each looping
 * over read-side sections that load the shared record's pointer and check
 * the record, for a fixed time; one updater kthread meanwhile replaces the
 * record, waits for a grace period and retires the old copy (poisons it,
 * frees it after the next grace period). The same run through locklab
 * RCU (lab_rcu_read_lock(), lab_rcu_synchronize()), the kernel's SRCU
 * (srcu_read_lock(), synchronize_srcu() on an srcu_struct of the run) and
 * the kernel's RCU (rcu_read_lock(), synchronize_rcu()) compares like with
 * like. SRCU is the fair baseline: its readers, like ours, count
 * themselves in per-CPU counters and may sleep; kernel RCU is the lower
 * bound, its readers pay nothing but a preemption-count update (ours pay
 * two full barriers and two per-CPU increments, as SRCU's do;
 * include/locklab/rcu.h says why).
 *
 * Paced (@pause_ns): the updater sleeps that long after each update, so
 * that the readers of every flavor see about the same stream of updates
 * and its loop does not hold a CPU the readers could use. Unpaced, the
 * updater of locklab RCU, whose grace periods end in microseconds, makes
 * thousands of times more updates than SRCU's (milliseconds), and each
 * one moves the phase and the record under the readers: that run
 * measures the readers under their own updater, the paced one the read
 * sections themselves.
 *
 * Callback mode (@callbacks): the updater does not wait. It replaces the
 * record and hands the old copy to lab_call_rcu(), call_srcu() or
 * call_rcu() as fast as it can; the callback poisons the copy, counts
 * itself and puts the copy on @grave. The updater frees the grave one
 * grace period later, whenever @reap_at copies are out (queued and not yet
 * freed), which bounds the run's memory to RCUBENCH_CB_LIMIT records (and
 * makes the updater wait for grace periods then, as a flood of call_rcu()
 * makes the kernel's RCU expedite). At the end the updater waits for every
 * callback (lab_rcu_barrier(), srcu_barrier(), rcu_barrier()) before it
 * returns, so the run's elapsed time covers every callback it counts.
 *
 * A reader that meets a poisoned copy counts a violation: a grace period
 * that ended under a reader. Each variant has its own thread functions,
 * so the measured loop makes direct calls.
 */
#include <linux/delay.h>
#include <linux/llist.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include <locklab/compat.h>
#include <locklab/ops.h>
#include <locklab/rcu.h>
#include <locklab/wait.h>

#include "bench/rcubench.h"
#include "bench/threads.h"

#define RCUBENCH_BATCH		64
#define RCUBENCH_CB_LIMIT	16384	/* callback mode: copies out at once */
#define RCUBENCH_LIVE	0x4c495645U	/* "LIVE" */
#define RCUBENCH_DEAD	0x44454144U	/* "DEAD" */

/* Which RCU a run goes through; a constant in each thread function. */
enum rcubench_flavor {
	RCUBENCH_LAB,
	RCUBENCH_SRCU,
	RCUBENCH_KERNEL,
};

struct rcubench;

struct rcubench_rec {
	u32 live;
	u64 seq;
	/* Callback mode only: */
	struct rcubench *b;
	union {
		struct lab_rcu_head lh;
		struct rcu_head rh;	/* call_srcu(), call_rcu() */
	};
	struct llist_node dead;		/* on @grave once its callback ran */
};

struct rcubench {
	struct lab_rcu rcu;
	struct srcu_struct srcu;
	struct rcubench_rec *cur;		/* locklab RCU */
	struct rcubench_rec __rcu *kcur;	/* SRCU, kernel RCU */
	struct rcubench_rec *retired;		/* poisoned, freed one GP later */
	unsigned int readers;
	unsigned int pause_us;
	enum rcubench_flavor flavor;
	bool callbacks;
	bool srcu_live;				/* @srcu initialized */
	bool stop ____cacheline_aligned_in_smp;
	atomic64_t violations;
	u64 grace_periods;
	u64 cb_queued;				/* the updater's */
	u64 cb_freed;				/* the updater's */
	atomic64_t cb_done;			/* the callbacks' */
	struct llist_head grave;
	u64 sections[];			/* per reader, written at its end */
};

static struct rcubench_rec *rcubench_rec_new(struct rcubench *b, u64 seq)
{
	struct rcubench_rec *r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (r) {
		r->live = RCUBENCH_LIVE;
		r->seq = seq;
		r->b = b;
	}
	return r;
}

/*
 * A copy replaced and waited for: poison it now, free it after the next
 * grace period, so that a reader holding it by mistake meets the poison
 * rather than a reallocation (which would read LIVE again).
 */
static void rcubench_retire(struct rcubench *b, struct rcubench_rec *r)
{
	kfree(b->retired);
	WRITE_ONCE(r->live, RCUBENCH_DEAD);
	b->retired = r;
}

/* One read-side section of each kind: did it meet a retired copy? */
static __always_inline bool rcubench_section(struct rcubench *b,
					     enum rcubench_flavor f)
{
	struct rcubench_rec *r;
	bool bad;
	int idx;

	switch (f) {
	case RCUBENCH_LAB:
		idx = lab_rcu_read_lock(&b->rcu);
		r = lab_rcu_dereference(b->cur);
		bad = READ_ONCE(r->live) != RCUBENCH_LIVE;
		lab_rcu_read_unlock(&b->rcu, idx);
		break;
	case RCUBENCH_SRCU:
		idx = srcu_read_lock(&b->srcu);
		r = srcu_dereference(b->kcur, &b->srcu);
		bad = READ_ONCE(r->live) != RCUBENCH_LIVE;
		srcu_read_unlock(&b->srcu, idx);
		break;
	default:
		rcu_read_lock();
		r = rcu_dereference(b->kcur);
		bad = READ_ONCE(r->live) != RCUBENCH_LIVE;
		rcu_read_unlock();
		break;
	}
	return bad;
}

/* Publish @n; the copy it replaced. */
static __always_inline struct rcubench_rec *
rcubench_publish(struct rcubench *b, struct rcubench_rec *n,
		 enum rcubench_flavor f)
{
	if (f == RCUBENCH_LAB)
		return lab_rcu_replace_pointer(b->cur, n);
	return rcu_replace_pointer(b->kcur, n, true);
}

/* A grace period of @f. */
static __always_inline void rcubench_sync(struct rcubench *b,
					  enum rcubench_flavor f)
{
	if (f == RCUBENCH_LAB)
		lab_rcu_synchronize(&b->rcu);
	else if (f == RCUBENCH_SRCU)
		synchronize_srcu(&b->srcu);
	else
		synchronize_rcu();
}

/* Every callback of @f queued so far has run. */
static __always_inline void rcubench_barrier(struct rcubench *b, enum rcubench_flavor f)
{
	if (f == RCUBENCH_LAB)
		lab_rcu_barrier(&b->rcu);
	else if (f == RCUBENCH_SRCU)
		lab_compat_srcu_barrier(&b->srcu);
	else
		rcu_barrier();
}

/*
 * A callback: the grace period after the copy was replaced has ended.
 * Poison it and leave it on @grave, to be freed one grace period later
 * (rcubench_reap()), as rcubench_retire() does. Kernel RCU's callbacks run
 * in softirq context: llist_add() and the atomic are safe there.
 */
static void rcubench_cb_done(struct rcubench_rec *r)
{
	struct rcubench *b = r->b;

	WRITE_ONCE(r->live, RCUBENCH_DEAD);
	/* Fully ordered cmpxchg: pairs with llist_del_all() in the reaper. */
	llist_add(&r->dead, &b->grave);
	/* Relaxed: read after the barrier that waited for this callback. */
	atomic64_inc(&b->cb_done);
}

static void rcubench_lab_cb(struct lab_rcu_head *h)
{
	rcubench_cb_done(container_of(h, struct rcubench_rec, lh));
}

static void rcubench_kernel_cb(struct rcu_head *h)
{
	rcubench_cb_done(container_of(h, struct rcubench_rec, rh));
}

/* Free the copies that are poisoned, one grace period after the poison. */
static void rcubench_free_list(struct rcubench *b, struct llist_node *list)
{
	struct rcubench_rec *r, *next;

	llist_for_each_entry_safe(r, next, list, dead) {
		kfree(r);
		b->cb_freed++;
	}
}

static __always_inline void rcubench_reap(struct rcubench *b,
					  enum rcubench_flavor f)
{
	/* Fully ordered xchg: pairs with llist_add() in the callback. */
	struct llist_node *list = llist_del_all(&b->grave);

	rcubench_sync(b, f);
	rcubench_free_list(b, list);
}

/* Paced runs: the updater's sleep after each update (the file comment). */
static void rcubench_pause(struct rcubench *b)
{
	if (b->pause_us)
		usleep_range(b->pause_us, b->pause_us + b->pause_us / 4 + 1);
}

/* The updater of callback mode: queue, never wait but for memory. */
static __always_inline int rcubench_cb_updater(struct rcubench *b,
					       enum rcubench_flavor f)
{
	struct rcubench_rec *n, *old;
	int ret = 0;

	while (!READ_ONCE(b->stop)) {
		if (b->cb_queued - b->cb_freed >= RCUBENCH_CB_LIMIT) {
			/*
			 * Let the queued callbacks run first (they put their
			 * copies on @grave), then free what they poisoned. The
			 * barrier sleeps: reaping alone may find @grave empty
			 * and a grace period with no reader inside takes no
			 * sleep, so on one CPU without preemption this loop
			 * kept the callbacks' worker from ever running.
			 */
			rcubench_barrier(b, f);
			rcubench_reap(b, f);
			continue;
		}
		n = rcubench_rec_new(b, b->cb_queued + 1);
		if (!n) {
			ret = -ENOMEM;
			break;
		}
		old = rcubench_publish(b, n, f);
		if (f == RCUBENCH_LAB)
			lab_call_rcu(&b->rcu, &old->lh, rcubench_lab_cb);
		else if (f == RCUBENCH_SRCU)
			call_srcu(&b->srcu, &old->rh, rcubench_kernel_cb);
		else
			call_rcu(&old->rh, rcubench_kernel_cb);
		b->cb_queued++;
		rcubench_pause(b);
		if (!(b->cb_queued % RCUBENCH_BATCH))
			cond_resched();
	}
	/* Counted in the run's time: every callback queued has run. */
	rcubench_barrier(b, f);
	return ret;
}

/*
 * The updater (the last thread) or a reader, of flavor @f. Inlined into
 * each thread function with @f constant, so neither loop tests it.
 */
static __always_inline int rcubench_thread(struct rcubench *b,
					   unsigned int id,
					   enum rcubench_flavor f)
{
	struct rcubench_rec *n;
	unsigned int i;
	u64 cnt = 0, bad = 0;

	if (id == b->readers && b->callbacks)
		return rcubench_cb_updater(b, f);
	if (id == b->readers) {		/* the updater */
		while (!READ_ONCE(b->stop)) {
			n = rcubench_rec_new(b, b->grace_periods + 1);
			if (!n)
				return -ENOMEM;
			n = rcubench_publish(b, n, f);
			rcubench_sync(b, f);
			rcubench_retire(b, n);
			b->grace_periods++;
			rcubench_pause(b);
			cond_resched();
		}
		return 0;
	}
	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < RCUBENCH_BATCH; i++)
			bad += rcubench_section(b, f);
		cnt += RCUBENCH_BATCH;
		cond_resched();
	}
	b->sections[id] = cnt;
	/* Relaxed: summed after lab_run_threads() joined the threads. */
	atomic64_add(bad, &b->violations);
	return 0;
}

static int rcubench_lab_thread(void *arg, unsigned int id)
{
	return rcubench_thread(arg, id, RCUBENCH_LAB);
}

static int rcubench_srcu_thread(void *arg, unsigned int id)
{
	return rcubench_thread(arg, id, RCUBENCH_SRCU);
}

static int rcubench_kernel_thread(void *arg, unsigned int id)
{
	return rcubench_thread(arg, id, RCUBENCH_KERNEL);
}

/* After the threads: no reader is left, no callback is pending. */
static void rcubench_free(void *arg)
{
	struct rcubench *b = arg;

	kfree(b->flavor == RCUBENCH_LAB ? b->cur :
	      rcu_dereference_protected(b->kcur, true));
	kfree(b->retired);
	rcubench_free_list(b, llist_del_all(&b->grave));
	if (LAB_COMPAT_HAVE_SRCU && b->srcu_live)
		cleanup_srcu_struct(&b->srcu);
	lab_rcu_destroy(&b->rcu);
	kfree(b);
}

static int rcubench_flavor_of(u32 variant, enum rcubench_flavor *f)
{
	switch (variant) {
	case LOCKLAB_RCU_LAB:
		*f = RCUBENCH_LAB;
		return 0;
	case LOCKLAB_RCU_SRCU:
		*f = RCUBENCH_SRCU;
		return LAB_COMPAT_HAVE_SRCU ? 0 : -EOPNOTSUPP;
	case LOCKLAB_RCU_KERNEL:
		*f = RCUBENCH_KERNEL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The run's state: the domain, an srcu_struct for SRCU, the first record. */
static struct rcubench *rcubench_new(enum rcubench_flavor f,
				     unsigned int threads, bool callbacks)
{
	struct rcubench *b;
	struct rcubench_rec *rec;

	b = kzalloc(struct_size(b, sections, threads), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	if (lab_rcu_init(&b->rcu))
		goto free_b;
	if (LAB_COMPAT_HAVE_SRCU && f == RCUBENCH_SRCU) {
		if (init_srcu_struct(&b->srcu))
			goto free_rcu;
		b->srcu_live = true;
	}
	rec = rcubench_rec_new(b, 0);
	if (!rec)
		goto free_srcu;
	b->readers = threads;
	b->flavor = f;
	b->callbacks = callbacks;
	init_llist_head(&b->grave);
	if (f == RCUBENCH_LAB)
		b->cur = rec;
	else
		RCU_INIT_POINTER(b->kcur, rec);
	return b;

free_srcu:
	if (LAB_COMPAT_HAVE_SRCU && b->srcu_live)
		cleanup_srcu_struct(&b->srcu);
free_rcu:
	lab_rcu_destroy(&b->rcu);
free_b:
	kfree(b);
	return NULL;
}

/**
 * lab_rcu_bench() - read-side sections per second under a busy updater
 * @variant: LOCKLAB_RCU_LAB, LOCKLAB_RCU_SRCU or LOCKLAB_RCU_KERNEL
 * @threads: reader kthreads, 1 .. LAB_RCU_BENCH_MAX_THREADS (plus the
 *	updater)
 * @duration_ms: run time, at least 1
 * @callbacks: the updater queues callbacks instead of waiting for grace
 *	periods (the file comment); @r->callbacks counts those that ran
 * @pause_ns: the updater sleeps this long after each update (rounded up
 *	to microseconds), at most LAB_RCU_BENCH_MAX_PAUSE_NS; 0: busy
 * @r: out: the measurements
 *
 * Sleeps; process context only. A signal stops the run.
 *
 * Return: 0; -EINVAL for bad arguments; -EOPNOTSUPP for SRCU on a kernel
 * built without it; -ENOMEM; -EINTR or -ETIMEDOUT when stopped early (at
 * once: the threads finish and free their state).
 */
int lab_rcu_bench(u32 variant, unsigned int threads, unsigned int duration_ms,
		  bool callbacks, unsigned int pause_ns,
		  struct lab_rcu_bench_result *r)
{
	static int (* const fns[])(void *, unsigned int) = {
		[RCUBENCH_LAB] = rcubench_lab_thread,
		/* Without SRCU, none of its calls is compiled in. */
		[RCUBENCH_SRCU] = LAB_COMPAT_HAVE_SRCU ? rcubench_srcu_thread :
							 NULL,
		[RCUBENCH_KERNEL] = rcubench_kernel_thread,
	};
	struct lab_run_opts opts = {
		.timeout_ms = duration_ms + 10000,
		.duration_ms = duration_ms,
		.bind = true,
		.interruptible = true,
		.abandon = rcubench_free,
	};
	enum rcubench_flavor f;
	struct rcubench *b;
	bool gone = false;
	unsigned int i;
	int ret;

	ret = rcubench_flavor_of(variant, &f);
	if (ret)
		return ret;
	if (!threads || threads > LAB_RCU_BENCH_MAX_THREADS || !duration_ms ||
	    pause_ns > LAB_RCU_BENCH_MAX_PAUSE_NS)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	b = rcubench_new(f, threads, callbacks);
	if (!b)
		return -ENOMEM;
	b->pause_us = DIV_ROUND_UP(pause_ns, NSEC_PER_USEC);
	opts.stop = &b->stop;
	opts.abandoned = &gone;
	opts.elapsed_ns = &r->elapsed_ns;
	ret = lab_run_threads(threads + 1, fns[f], b, &opts);
	if (gone)
		return ret;	/* abandoned: the threads free b */

	for (i = 0; i < threads; i++)
		r->sections += b->sections[i];
	r->grace_periods = b->grace_periods;
	r->violations = atomic64_read(&b->violations);
	r->cb_queued = b->cb_queued;
	r->callbacks = atomic64_read(&b->cb_done);
	rcubench_free(b);
	return ret;
}

/* The registry entries: the benchmark is all there is of this kind. */
const struct lab_plain_ops lab_rcu_ops[] = {
	{ .name = "rcu", .kind = LOCKLAB_KIND_RCU, .variant = LOCKLAB_RCU_LAB },
#if LAB_COMPAT_HAVE_SRCU
	{ .name = "srcu", .kind = LOCKLAB_KIND_RCU, .variant = LOCKLAB_RCU_SRCU },
#endif
	{ .name = "kernel", .kind = LOCKLAB_KIND_RCU,
	  .variant = LOCKLAB_RCU_KERNEL, .props = LOCKLAB_PROP_KERNEL },
};

const unsigned int lab_rcu_ops_nr = ARRAY_SIZE(lab_rcu_ops);
