/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab experiments: the book's chapter 7 (and the seed posts on
 * compiler barriers and store buffers) as programs that kernel threads run
 * many times while the kernel counts what happened.
 *
 *   lab/litmus.c   litmus tests SB, MP, LB and 2+2W under each ordering
 *                  (relaxed, acquire/release, fences): outcome counts and
 *                  which outcomes the kernel memory model and the CPU forbid
 *   lab/clobber.c  a hand-written spin lock with and without the asm
 *                  "memory" clobber: lost updates when the compiler caches
 *                  the protected counter in a register
 *   lab/cache.c    false sharing, failed vs successful cmpxchg on a
 *                  contended line, TTAS vs TAS: two configurations timed in
 *                  one run
 *   lab/lab.c      the registry, the checks every run passes, the threads
 *
 * Every experiment runs on kernel threads pinned to different CPUs
 * (bench/threads.c), one run at a time (the device serializes them with
 * LOCKLAB_IOC_BENCH). The experiment and ordering numbers and the meaning
 * of each result are the UAPI's (include/uapi/linux/locklab.h, "Experiments").
 */
#ifndef _LOCKLAB_LAB_H
#define _LOCKLAB_LAB_H

#include <linux/types.h>

#include <uapi/linux/locklab.h>

/**
 * struct lab_exp_cfg - what to run
 * @experiment: enum locklab_lab_experiment
 * @variant: litmus tests: enum locklab_lab_ordering; else 0
 * @rounds: rounds or operations per thread; 0 for the default
 * @threads: 0 for 2
 * @interruptible: a signal stops the run (-EINTR) and the call returns at
 *	once, leaving the threads their state (the device's runs); KUnit
 *	callers leave it false and wait for the threads
 */
struct lab_exp_cfg {
	u32 experiment;
	u32 variant;
	u64 rounds;
	u32 threads;
	bool interruptible;
};

/**
 * struct lab_exp_result - what a run measured
 * @rounds: rounds run (the default filled in)
 * @threads: threads run
 * @nr_results: entries of @results filled
 * @forbidden: litmus: bit i set when the kernel memory model forbids
 *	outcome i under this ordering
 * @arch_forbidden: litmus: the same for this CPU architecture's own model
 * @elapsed_ns: wall time of the run
 * @results: per experiment, see the UAPI header
 */
struct lab_exp_result {
	u64 rounds;
	u32 threads;
	u32 nr_results;
	u32 forbidden;
	u32 arch_forbidden;
	u64 elapsed_ns;
	u64 results[LOCKLAB_LAB_RESULTS];
};

extern unsigned int lab_exp_max_ms;

int lab_exp_check(struct lab_exp_cfg *cfg);
int lab_exp_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res);

/* The families, called by lab_exp_run() on a checked configuration. */
bool lab_litmus_takes(u32 experiment, u32 ordering);
u32 lab_litmus_forbidden(u32 experiment, u32 ordering, bool arch);
int lab_litmus_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res);
int lab_clobber_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res);
int lab_cache_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res);

#endif /* _LOCKLAB_LAB_H */
