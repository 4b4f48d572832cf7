/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab RCU benchmark (private to the module): read-side sections per
 * second from N kthreads, through locklab RCU, the kernel's SRCU or its
 * RCU, while one more kthread keeps replacing the record they read (and
 * waits for grace periods, or queues callbacks).
 */
#ifndef _LOCKLAB_BENCH_RCUBENCH_H
#define _LOCKLAB_BENCH_RCUBENCH_H

#include <linux/types.h>

#define LAB_RCU_BENCH_MAX_THREADS	64
#define LAB_RCU_BENCH_MAX_PAUSE_NS	1000000	/* the updater's sleep */

/**
 * struct lab_rcu_bench_result - what lab_rcu_bench() measured
 * @sections: read-side sections completed by all readers together
 * @elapsed_ns: from the threads' release to the last thread's return
 * @grace_periods: grace periods the updater waited for
 * @violations: reads that met a copy already retired (must be 0)
 * @cb_queued: callback mode: callbacks the updater queued
 * @callbacks: callback mode: callbacks that ran before the run ended
 *	(all of @cb_queued: the updater waits for them)
 */
struct lab_rcu_bench_result {
	u64 sections;
	u64 elapsed_ns;
	u64 grace_periods;
	u64 violations;
	u64 cb_queued;
	u64 callbacks;
};

int lab_rcu_bench(u32 variant, unsigned int threads, unsigned int duration_ms,
		  bool callbacks, unsigned int pause_ns,
		  struct lab_rcu_bench_result *r);

#endif /* _LOCKLAB_BENCH_RCUBENCH_H */
