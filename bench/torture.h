/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab in-kernel torture and benchmark runner (private to the module).
 *
 * lab_run_threads() runs one function on N kthreads released together, with
 * a time bound, and is the building block of every concurrent KUnit case.
 * lab_torture_run() uses it to hammer one lock through its ops table, with
 * a checked critical section (struct lab_cs), as kernel/locking/locktorture.c
 * does. lab_chan_bench() (bench/chanbench.c) measures a channel flavour's
 * message rate through struct lab_chan_ops.
 */
#ifndef _LOCKLAB_BENCH_TORTURE_H
#define _LOCKLAB_BENCH_TORTURE_H

#include <linux/atomic.h>
#include <linux/types.h>

#include <locklab/ops.h>

/**
 * struct lab_run_opts - how lab_run_threads() runs its threads
 * @timeout_ms: bound on the whole run; 0 means 60 s
 * @duration_ms: if not 0, set *@stop this long after the release
 * @bind: pin thread i to the i-th online CPU (modulo their number)
 * @interruptible: a signal to the caller stops the run (-EINTR); for
 *	ioctls. KUnit callers leave it false.
 * @stop: set to true when the run must end early (timeout, signal); thread
 *	functions poll it. May be NULL.
 * @elapsed_ns: out: time from release to the last thread's return; may be
 *	NULL
 */
struct lab_run_opts {
	unsigned long timeout_ms;
	unsigned int duration_ms;
	bool bind;
	bool interruptible;
	bool *stop;
	u64 *elapsed_ns;
};

typedef int (*lab_thread_fn)(void *arg, unsigned int id);

int lab_run_threads(unsigned int nr, lab_thread_fn fn, void *arg,
		    const struct lab_run_opts *opts);

/*
 * The checked critical section. A thread inside sets @inside and increments
 * @counter with a non-atomic read-modify-write, then clears @inside. Under a
 * lock that excludes, nobody ever finds @inside set and no increment is
 * lost; a lock that does not exclude shows up in @violations and in a
 * @counter below the number of sections run.
 */
struct lab_cs {
	int inside;
	unsigned long counter;
	atomic_long_t violations;
	atomic_t readers;
	atomic_t max_readers;
};

void lab_cs_section(struct lab_cs *cs, unsigned int hold_ns);
void lab_cs_read_section(struct lab_cs *cs, unsigned int hold_ns);

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
};

int lab_torture_run(const struct lab_torture_cfg *cfg,
		    struct lab_torture_stats *st);

struct lab_chan_ops;

/**
 * struct lab_chan_bench_result - what lab_chan_bench() measured
 * @sent: messages producers sent successfully
 * @received: messages consumers received; equals @sent for a channel that
 *	neither loses nor invents messages
 * @errors: threads that stopped on an unexpected error (a producer on
 *	anything but the stop flag, a consumer on anything but -EPIPE)
 * @elapsed_ns: from the release of the threads to the last one's return
 *	(includes draining what was queued when producers stopped)
 * @msgs_per_sec: @received per second of @elapsed_ns
 */
struct lab_chan_bench_result {
	u64 sent;
	u64 received;
	u64 errors;
	u64 elapsed_ns;
	u64 msgs_per_sec;
};

int lab_chan_bench(const struct lab_chan_ops *ops, unsigned int producers,
		   unsigned int consumers, unsigned int duration_ms,
		   size_t msg_size, struct lab_chan_bench_result *r);

#endif /* _LOCKLAB_BENCH_TORTURE_H */
