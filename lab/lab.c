// SPDX-License-Identifier: GPL-2.0
/*
 * locklab experiments: the registry, the checks every run passes before
 * it starts, and the threads it runs on.
 *
 * Each experiment has a default size (rounds, or operations per thread,
 * chosen so that one run takes a few seconds in a 2-vCPU QEMU TCG guest),
 * a range of thread counts, and the family that runs it. The threads are
 * bench/threads.c's, pinned one per CPU, bounded by the lab_max_ms module
 * parameter; an interruptible (device) run that a signal or the bound
 * stops returns at once and its threads free their state when they end.
 */
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include <locklab/atomic.h>
#include <locklab/lab.h>
#include <locklab/param.h>

#include "lab/lab_internal.h"

unsigned int lab_exp_max_ms = 60000;
LAB_PARAM_UINT(lab_max_ms, lab_exp_max_ms, 1, 600000, 0644,
	       "Longest LOCKLAB_IOC_LAB run in ms");

struct lab_exp_desc {
	u32 id;
	bool litmus;		/* takes an ordering in @variant */
	bool needs_asm;		/* x86-64 or arm64 hand-written code only */
	u32 max_threads;	/* 2 unless more are meaningful */
	u64 rounds;		/* the default */
	int (*run)(const struct lab_exp_cfg *cfg, struct lab_exp_result *res);
};

#define LAB_LITMUS(_id)							\
	{ .id = _id, .litmus = true, .max_threads = 2, .rounds = 200000,	\
	  .run = lab_litmus_run }

static const struct lab_exp_desc lab_exps[] = {
	LAB_LITMUS(LOCKLAB_LAB_SB),
	LAB_LITMUS(LOCKLAB_LAB_MP),
	LAB_LITMUS(LOCKLAB_LAB_LB),
	LAB_LITMUS(LOCKLAB_LAB_2P2W),
	{ .id = LOCKLAB_LAB_CLOBBER, .needs_asm = true,
	  .max_threads = LOCKLAB_LAB_MAX_THREADS, .rounds = 1000000,
	  .run = lab_clobber_run },
	{ .id = LOCKLAB_LAB_FALSE_SHARING, .max_threads = 2,
	  .rounds = 1000000, .run = lab_cache_run },
	{ .id = LOCKLAB_LAB_CMPXCHG, .max_threads = 2, .rounds = 200000,
	  .run = lab_cache_run },
	{ .id = LOCKLAB_LAB_TTAS, .max_threads = LOCKLAB_LAB_MAX_THREADS,
	  .rounds = 100000, .run = lab_cache_run },
	{ .id = LOCKLAB_LAB_HANDOFF, .max_threads = 2, .rounds = 100000,
	  .run = lab_cache_run },
};

static const struct lab_exp_desc *lab_exp_find(u32 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lab_exps); i++)
		if (lab_exps[i].id == id)
			return &lab_exps[i];
	return NULL;
}

/**
 * lab_exp_check() - validate a configuration and fill in its defaults
 * @cfg: in: as asked; out: @rounds and @threads set when they were 0
 *
 * Return: 0; -EINVAL for an unknown experiment, an ordering it does not
 * take, too many rounds, or a thread count it does not take or the online
 * CPUs cannot give each thread a CPU of its own; -EOPNOTSUPP for an
 * experiment this architecture has no hand-written code for.
 */
int lab_exp_check(struct lab_exp_cfg *cfg)
{
	const struct lab_exp_desc *d = lab_exp_find(cfg->experiment);

	if (!d)
		return -EINVAL;
	if (d->litmus ? !lab_litmus_takes(d->id, cfg->variant) : cfg->variant)
		return -EINVAL;
	if (cfg->rounds > LOCKLAB_LAB_MAX_ROUNDS)
		return -EINVAL;
	if (!cfg->threads)
		cfg->threads = 2;
	if (cfg->threads < 2 || cfg->threads > d->max_threads ||
	    cfg->threads > num_online_cpus())
		return -EINVAL;
	if (d->needs_asm && !LAB_HAVE_X86_ATOMICS && !LAB_HAVE_ARM64_ATOMICS)
		return -EOPNOTSUPP;
	if (!cfg->rounds)
		cfg->rounds = d->rounds;
	return 0;
}

/**
 * lab_exp_run() - run one checked experiment
 * @cfg: a configuration lab_exp_check() accepted
 * @res: out: what it measured
 *
 * Sleeps; process context only. One run at a time is the caller's rule
 * (the device's run lock; KUnit runs one case at a time).
 *
 * Return: 0; -ENOMEM; -EINTR (a signal, @cfg->interruptible only) or
 * -ETIMEDOUT (lab_max_ms) when the run was stopped early.
 */
int lab_exp_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res)
{
	const struct lab_exp_desc *d = lab_exp_find(cfg->experiment);

	memset(res, 0, sizeof(*res));
	if (WARN_ON_ONCE(!d || !cfg->rounds || !cfg->threads))
		return -EINVAL;
	res->rounds = cfg->rounds;
	res->threads = cfg->threads;
	return d->run(cfg, res);
}

static void lab_exp_free(void *arg)
{
	kvfree(arg);
}

/**
 * lab_exp_threads() - run @fn on @nr threads pinned one per CPU
 * @cfg: the run's configuration (whether a signal stops it)
 * @nr: threads
 * @fn: the thread function, fn(@arg, id) with id 0 .. @nr - 1
 * @arg: the run's state, from kvzalloc(); freed by the threads (kvfree())
 *	when the run was abandoned
 * @stop: in @arg: set when the run must end early
 * @elapsed_ns: out: time from the release to the last thread's return
 * @gone: out: true when the call returned before its threads ended: @arg
 *	is theirs now, the caller must not touch it
 *
 * Return: as lab_run_threads().
 */
int lab_exp_threads(const struct lab_exp_cfg *cfg, unsigned int nr,
		    lab_thread_fn fn, void *arg, bool *stop, u64 *elapsed_ns,
		    bool *gone)
{
	struct lab_run_opts opts = {
		.timeout_ms = READ_ONCE(lab_exp_max_ms),
		.bind = true,
		.interruptible = cfg->interruptible,
		.stop = stop,
		.elapsed_ns = elapsed_ns,
		.abandon = cfg->interruptible ? lab_exp_free : NULL,
		.abandoned = gone,
	};

	*gone = false;
	return lab_run_threads(nr, fn, arg, &opts);
}
