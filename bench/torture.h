/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab lock torture and benchmark (private to the module):
 * lab_torture_run() hammers one lock through its ops table from N kthreads,
 * each running a checked critical section (bench/section.h), as
 * kernel/locking/locktorture.c does.
 */
#ifndef _LOCKLAB_BENCH_TORTURE_H
#define _LOCKLAB_BENCH_TORTURE_H

#include <linux/types.h>

#include <locklab/ops.h>
#include <locklab/times.h>

/**
 * struct lab_torture_cfg - one torture or benchmark run of one lock
 * @ops: the lock, if exclusive
 * @rw: the lock, if reader-writer (exactly one of @ops and @rw is set)
 * @read_pct: with @rw: percent of acquisitions that are shared
 * @threads: kthreads hammering it
 * @iterations: sections per thread; 0: run for @duration_ms instead
 * @duration_ms: run time when @iterations is 0
 * @hold_ns: busy time inside each section
 * @gap_ns: busy time between sections
 * @bind: pin threads to CPUs
 * @interruptible: see struct lab_run_opts
 * @timeout_ms: bound on the run; 0: 60 s (iterations) or duration + 10 s
 * @times: time every acquisition's wait and every section (the clock is
 *	read three times per iteration: it costs throughput)
 */
struct lab_torture_cfg {
	const struct lab_lock_ops *ops;
	const struct lab_rwlock_ops *rw;
	unsigned int read_pct;
	unsigned int threads;
	u64 iterations;
	unsigned int duration_ms;
	unsigned int hold_ns;
	unsigned int gap_ns;
	bool bind;
	bool interruptible;
	unsigned long timeout_ms;
	bool times;
};

/**
 * struct lab_torture_stats - what a run measured
 * @acquisitions: sections run by all threads
 * @thread_min: fewest sections of one thread
 * @thread_max: most sections of one thread
 * @violations: entries that found another thread inside
 * @lost_updates: @acquisitions minus the final shared counter
 * @elapsed_ns: wall time of the run
 * @reads: shared acquisitions among @acquisitions
 * @max_readers: most threads seen inside a shared section at once
 * @per_thread: if not NULL, receives each thread's sections (@threads
 *	entries)
 * @wait: if not NULL, with @cfg->times: receives every acquisition's wait,
 *	all threads merged
 * @hold: likewise, every section's length
 */
struct lab_torture_stats {
	u64 acquisitions;
	u64 thread_min;
	u64 thread_max;
	u64 violations;
	u64 lost_updates;
	u64 elapsed_ns;
	u64 reads;
	u64 max_readers;
	u64 *per_thread;
	struct lab_times *wait;
	struct lab_times *hold;
};

int lab_torture_run(const struct lab_torture_cfg *cfg,
		    struct lab_torture_stats *st);

#endif /* _LOCKLAB_BENCH_TORTURE_H */
