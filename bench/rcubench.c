// SPDX-License-Identifier: GPL-2.0
/*
 * locklab RCU benchmark: N reader kthreads, pinned to CPUs, each looping
 * over read-side sections that load the shared record's pointer and check
 * the record, for a fixed time; one updater kthread meanwhile replaces the
 * record, waits for a grace period and retires the old copy (poisons it,
 * frees it after the next grace period). The same run through locklab
 * RCU (lab_rcu_read_lock(), lab_rcu_synchronize()) and through the
 * kernel's RCU (rcu_read_lock(), synchronize_rcu()) compares like with
 * like: the kernel's readers pay nothing but a preemption-count update,
 * ours pay two full barriers and two per-CPU increments
 * (include/locklab/rcu.h says why).
 *
 * A reader that meets a poisoned copy counts a violation: a grace period
 * that ended under a reader. Each variant has its own thread functions,
 * so the measured loop makes direct calls.
 */
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <locklab/ops.h>
#include <locklab/rcu.h>
#include <locklab/wait.h>

#include "bench/rcubench.h"
#include "bench/threads.h"

#define RCUBENCH_BATCH	64
#define RCUBENCH_LIVE	0x4c495645U	/* "LIVE" */
#define RCUBENCH_DEAD	0x44454144U	/* "DEAD" */

struct rcubench_rec {
	u32 live;
	u64 seq;
};

struct rcubench {
	struct lab_rcu rcu;
	struct rcubench_rec *cur;		/* locklab RCU */
	struct rcubench_rec __rcu *kcur;	/* kernel RCU */
	struct rcubench_rec *retired;		/* poisoned, freed one GP later */
	unsigned int readers;
	bool lab;				/* locklab RCU, else the kernel's */
	bool stop ____cacheline_aligned_in_smp;
	atomic64_t violations;
	u64 grace_periods;
	u64 sections[];			/* per reader, written at its end */
};

static struct rcubench_rec *rcubench_rec_new(u64 seq)
{
	struct rcubench_rec *r = kmalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (r) {
		r->live = RCUBENCH_LIVE;
		r->seq = seq;
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
static __always_inline bool rcubench_lab_section(struct rcubench *b)
{
	int idx = lab_rcu_read_lock(&b->rcu);
	struct rcubench_rec *r = lab_rcu_dereference(b->cur);
	bool bad = READ_ONCE(r->live) != RCUBENCH_LIVE;

	lab_rcu_read_unlock(&b->rcu, idx);
	return bad;
}

static __always_inline bool rcubench_kernel_section(struct rcubench *b)
{
	struct rcubench_rec *r;
	bool bad;

	rcu_read_lock();
	r = rcu_dereference(b->kcur);
	bad = READ_ONCE(r->live) != RCUBENCH_LIVE;
	rcu_read_unlock();
	return bad;
}

/* Publish @n and wait out the readers of the copy it replaced: that copy. */
static __always_inline struct rcubench_rec *
rcubench_swap(struct rcubench *b, struct rcubench_rec *n, bool kernel)
{
	struct rcubench_rec *r;

	if (kernel) {
		r = rcu_replace_pointer(b->kcur, n, true);
		synchronize_rcu();
	} else {
		r = lab_rcu_replace_pointer(b->cur, n);
		lab_rcu_synchronize(&b->rcu);
	}
	return r;
}

/*
 * The updater (the last thread) or a reader, of ours (@kernel false) or of
 * the kernel's RCU. Inlined into each thread function with @kernel
 * constant, so neither loop tests it.
 */
static __always_inline int rcubench_thread(struct rcubench *b,
					   unsigned int id, bool kernel)
{
	struct rcubench_rec *n;
	unsigned int i;
	u64 cnt = 0, bad = 0;

	if (id == b->readers) {		/* the updater */
		while (!READ_ONCE(b->stop)) {
			n = rcubench_rec_new(b->grace_periods + 1);
			if (!n)
				return -ENOMEM;
			rcubench_retire(b, rcubench_swap(b, n, kernel));
			b->grace_periods++;
			cond_resched();
		}
		return 0;
	}
	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < RCUBENCH_BATCH; i++)
			bad += kernel ? rcubench_kernel_section(b) :
					rcubench_lab_section(b);
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
	return rcubench_thread(arg, id, false);
}

static int rcubench_kernel_thread(void *arg, unsigned int id)
{
	return rcubench_thread(arg, id, true);
}

static void rcubench_free(void *arg)
{
	struct rcubench *b = arg;

	kfree(b->lab ? b->cur : rcu_dereference_protected(b->kcur, true));
	kfree(b->retired);
	lab_rcu_destroy(&b->rcu);
	kfree(b);
}

/**
 * lab_rcu_bench() - read-side sections per second under a busy updater
 * @variant: LOCKLAB_RCU_LAB or LOCKLAB_RCU_KERNEL
 * @threads: reader kthreads, 1 .. LAB_RCU_BENCH_MAX_THREADS (plus the
 *	updater)
 * @duration_ms: run time, at least 1
 * @r: out: the measurements
 *
 * Sleeps; process context only. A signal stops the run.
 *
 * Return: 0; -EINVAL for bad arguments; -ENOMEM; -EINTR or -ETIMEDOUT
 * when stopped early (at once: the threads finish and free their state).
 */
int lab_rcu_bench(u32 variant, unsigned int threads, unsigned int duration_ms,
		  struct lab_rcu_bench_result *r)
{
	struct rcubench *b;
	struct lab_run_opts opts = {
		.timeout_ms = duration_ms + 10000,
		.duration_ms = duration_ms,
		.bind = true,
		.interruptible = true,
		.abandon = rcubench_free,
	};
	bool lab = variant == LOCKLAB_RCU_LAB;
	struct rcubench_rec *rec;
	bool gone = false;
	unsigned int i;
	int ret;

	if ((!lab && variant != LOCKLAB_RCU_KERNEL) || !threads ||
	    threads > LAB_RCU_BENCH_MAX_THREADS || !duration_ms)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	b = kzalloc(struct_size(b, sections, threads), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	ret = lab_rcu_init(&b->rcu);
	rec = rcubench_rec_new(0);
	if (ret || !rec) {
		kfree(rec);
		if (!ret)
			lab_rcu_destroy(&b->rcu);
		kfree(b);
		return -ENOMEM;
	}
	b->readers = threads;
	b->lab = lab;
	if (lab)
		b->cur = rec;
	else
		RCU_INIT_POINTER(b->kcur, rec);
	opts.stop = &b->stop;
	opts.abandoned = &gone;
	opts.elapsed_ns = &r->elapsed_ns;
	ret = lab_run_threads(threads + 1, lab ? rcubench_lab_thread :
				rcubench_kernel_thread, b, &opts);
	if (gone)
		return ret;	/* abandoned: the threads free b */

	for (i = 0; i < threads; i++)
		r->sections += b->sections[i];
	r->grace_periods = b->grace_periods;
	r->violations = atomic64_read(&b->violations);
	rcubench_free(b);
	return ret;
}

/* The registry entries: the benchmark is all there is of this kind. */
const struct lab_plain_ops lab_rcu_ops[] = {
	{ .name = "rcu", .kind = LOCKLAB_KIND_RCU, .variant = LOCKLAB_RCU_LAB },
	{ .name = "kernel", .kind = LOCKLAB_KIND_RCU,
	  .variant = LOCKLAB_RCU_KERNEL, .props = LOCKLAB_PROP_KERNEL },
};

const unsigned int lab_rcu_ops_nr = ARRAY_SIZE(lab_rcu_ops);
