// SPDX-License-Identifier: GPL-2.0
/*
 * locklab Arc benchmark: N kthreads, pinned to CPUs, each loop taking and
 * dropping one reference on one shared object for a fixed time, first
 * through the locklab Arc (lab_arc_clone() + lab_arc_put(), relaxed
 * increment and release decrement), then through the kernel's refcount_t
 * (refcount_inc() + refcount_dec_and_test(), the same orderings) in the
 * same call, so the two are compared on the same machine under the same
 * load. Every thread writes the one contended cache line, so the numbers
 * are mostly the cost of moving that line between CPUs.
 *
 * The benchmark holds one reference on each object throughout, so no pair
 * ever reaches zero; when the threads are done both counts must be back at
 * 1, which is checked (-EIO otherwise).
 *
 * Each variant has its own thread function, so the measured loop makes
 * direct (inlined) calls: no indirect call per pair.
 */
#include <linux/bug.h>
#include <linux/cache.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <locklab/arc.h>
#include <locklab/wait.h>

#include "bench/arcbench.h"
#include "bench/threads.h"

/* Pairs between two looks at the stop flag and two cond_resched(). */
#define ARCBENCH_BATCH	64

struct arcbench {
	struct lab_arc *arc;
	/* The contended words each get a cache line of their own. */
	refcount_t ref ____cacheline_aligned_in_smp;
	bool stop ____cacheline_aligned_in_smp;
	bool refcount_hit_zero;
	u64 pairs[];			/* per thread, written at its end */
};

static int arcbench_arc_thread(void *arg, unsigned int id)
{
	struct arcbench *b = arg;
	struct lab_arc *arc = b->arc;
	unsigned int i;
	u64 n = 0;

	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < ARCBENCH_BATCH; i++)
			lab_arc_put(lab_arc_clone(arc));
		n += ARCBENCH_BATCH;
		/* PREEMPT_NONE and UP kernels: let the other threads run. */
		cond_resched();
	}
	b->pairs[id] = n;
	return 0;
}

static int arcbench_refcount_thread(void *arg, unsigned int id)
{
	struct arcbench *b = arg;
	unsigned int i;
	u64 n = 0;

	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < ARCBENCH_BATCH; i++) {
			refcount_inc(&b->ref);
			/* The benchmark's own reference keeps it above 0. */
			if (unlikely(refcount_dec_and_test(&b->ref)))
				WRITE_ONCE(b->refcount_hit_zero, true);
		}
		n += ARCBENCH_BATCH;
		cond_resched();
	}
	b->pairs[id] = n;
	return 0;
}

static void arcbench_free(void *arg)
{
	struct arcbench *b = arg;

	lab_arc_put(b->arc);
	kfree(b);
}

static int arcbench_run(struct arcbench *b, unsigned int threads,
			unsigned int duration_ms, lab_thread_fn fn,
			struct lab_arc_bench_stat *st, bool *gone)
{
	struct lab_run_opts opts = {
		.timeout_ms = duration_ms + 10000,
		.duration_ms = duration_ms,
		.bind = true,
		.interruptible = true,
		.stop = &b->stop,
		.elapsed_ns = &st->elapsed_ns,
		.abandon = arcbench_free,
		.abandoned = gone,
	};
	unsigned int i;
	int ret;

	WRITE_ONCE(b->stop, false);
	memset(b->pairs, 0, threads * sizeof(b->pairs[0]));
	ret = lab_run_threads(threads, fn, b, &opts);
	if (ret)
		return ret;

	st->pairs = 0;
	for (i = 0; i < threads; i++)
		st->pairs += b->pairs[i];
	if (st->elapsed_ns)
		st->pairs_per_sec = mul_u64_u64_div_u64(st->pairs, NSEC_PER_SEC,
							st->elapsed_ns);
	if (st->pairs)
		st->ns_per_pair = div64_u64(st->elapsed_ns * threads,
					    st->pairs);
	return 0;
}

/**
 * lab_arc_bench() - clone+put pairs per second: locklab Arc vs refcount_t
 * @threads: kthreads per variant, 1 .. LAB_ARC_BENCH_MAX_THREADS
 * @duration_ms: run time of each variant, at least 1
 * @r: out: the measurements (zeroed first)
 *
 * Runs the Arc variant, then the refcount_t one, each for @duration_ms on
 * @threads kthreads pinned round-robin to the online CPUs. Sleeps; process
 * context only. A signal stops the run.
 *
 * Return: 0; -EINVAL for bad arguments; -ENOMEM; -EINTR or -ETIMEDOUT when
 * stopped early (at once: the threads finish and free their state); -EIO
 * when a count did not return to the benchmark's single reference.
 */
int lab_arc_bench(unsigned int threads, unsigned int duration_ms,
		  struct lab_arc_bench_result *r)
{
	struct arcbench *b;
	bool gone = false;
	int ret;

	if (!threads || threads > LAB_ARC_BENCH_MAX_THREADS || !duration_ms)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->threads = threads;
	r->duration_ms = duration_ms;

	b = kzalloc(struct_size(b, pairs, threads), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	b->arc = lab_arc_new(0, NULL, GFP_KERNEL_ACCOUNT);
	if (!b->arc) {
		kfree(b);
		return -ENOMEM;
	}
	refcount_set(&b->ref, 1);

	ret = arcbench_run(b, threads, duration_ms, arcbench_arc_thread,
			   &r->arc, &gone);
	if (!ret)
		ret = arcbench_run(b, threads, duration_ms,
				   arcbench_refcount_thread, &r->refcount,
				   &gone);
	if (gone)
		return ret;	/* abandoned: the threads free b */

	if (!ret && (WARN_ON_ONCE(lab_arc_strong_count(b->arc) != 1) ||
		     WARN_ON_ONCE(refcount_read(&b->ref) != 1 ||
				  b->refcount_hit_zero)))
		ret = -EIO;
	arcbench_free(b);
	return ret;
}
