/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab Arc benchmark (private to the module): clone+put pairs per second
 * on one shared Arc from N kthreads, next to the kernel's refcount_t
 * (refcount_inc() + refcount_dec_and_test()) in the same run.
 */
#ifndef _LOCKLAB_BENCH_ARCBENCH_H
#define _LOCKLAB_BENCH_ARCBENCH_H

#include <linux/types.h>

#define LAB_ARC_BENCH_MAX_THREADS	64

/**
 * struct lab_arc_bench_stat - one variant's numbers
 * @pairs: increment+decrement pairs made by all threads together
 * @elapsed_ns: from the threads' release to the last thread's return
 * @pairs_per_sec: @pairs per second of @elapsed_ns (all threads together)
 * @ns_per_pair: average time one thread spent on one pair:
 *	@elapsed_ns * threads / @pairs, rounded down
 */
struct lab_arc_bench_stat {
	u64 pairs;
	u64 elapsed_ns;
	u64 pairs_per_sec;
	u64 ns_per_pair;
};

/**
 * struct lab_arc_bench_result - what lab_arc_bench() measured
 * @threads: kthreads per variant
 * @duration_ms: run time per variant
 * @arc: lab_arc_clone() + lab_arc_put()
 * @refcount: refcount_inc() + refcount_dec_and_test()
 */
struct lab_arc_bench_result {
	unsigned int threads;
	unsigned int duration_ms;
	struct lab_arc_bench_stat arc;
	struct lab_arc_bench_stat refcount;
};

int lab_arc_bench(unsigned int threads, unsigned int duration_ms,
		  struct lab_arc_bench_result *r);

#endif /* _LOCKLAB_BENCH_ARCBENCH_H */
