// SPDX-License-Identifier: GPL-2.0
/*
 * locklab LOCKLAB_IOC_LAB: run one experiment of lab/ from userspace.
 *
 * The same rules as LOCKLAB_IOC_BENCH (dev/bench.c), and the same lock:
 * one run at a time, module-wide, benchmarks and experiments together
 * (they would disturb each other's numbers, and so at most one run's
 * kthreads exist), never while the threads of an interrupted run are
 * still finishing, every wait interruptible. A signal ends the run at
 * once; its threads finish and free their state by themselves.
 */
#include <linux/mutex.h>

#include <locklab/lab.h>
#include <uapi/linux/locklab.h>

#include "bench/threads.h"
#include "dev.h"

int lab_ioc_lab(struct file *file, void *arg, void __user *uarg)
{
	struct locklab_lab *l = arg;
	struct lab_exp_cfg cfg = {
		.experiment = l->experiment,
		.variant = l->variant,
		.rounds = l->rounds,
		.threads = l->threads,
		.interruptible = true,
	};
	struct lab_exp_result res;
	unsigned int i;
	int ret;

	if (l->flags || l->__reserved)
		return -EINVAL;
	ret = lab_exp_check(&cfg);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&lab_bench_lock))
		return -EINTR;
	ret = lab_run_threads_wait_idle();
	if (!ret)
		ret = lab_exp_run(&cfg, &res);
	mutex_unlock(&lab_bench_lock);
	if (ret)
		return ret;
	l->rounds = res.rounds;
	l->threads = res.threads;
	l->nr_results = res.nr_results;
	l->forbidden = res.forbidden;
	l->arch_forbidden = res.arch_forbidden;
	l->elapsed_ns = res.elapsed_ns;
	for (i = 0; i < LOCKLAB_LAB_RESULTS; i++)
		l->results[i] = res.results[i];
	return 0;
}
