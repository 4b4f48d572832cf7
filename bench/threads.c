// SPDX-License-Identifier: GPL-2.0
/*
 * locklab thread groups: run one function on N kthreads, released at once,
 * with a bound on the time everything may take.
 *
 * Lifetime. Each kthread holds a task reference taken at creation, so
 * kthread_stop() is safe whether the thread has returned or not. A thread
 * that does not return within the bound even after *stop was set is stuck
 * (a lock that never hands over): the group and everything the thread
 * function uses must then stay allocated forever, because the thread may
 * still touch them. lab_run_threads() says so by returning -EDEADLK, warns,
 * and leaks the group; its callers leak their state too.
 *
 * Waits. The caller sleeps in wait_for_completion*() while the threads run,
 * so on a uniprocessor or PREEMPT_NONE kernel the threads get the CPU.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "torture.h"

#define LAB_GRACE_MS	10000	/* after *stop, for threads to notice */

struct lab_tgroup;

struct lab_tslot {
	struct lab_tgroup *group;
	struct task_struct *task;
	unsigned int id;
};

struct lab_tgroup {
	lab_thread_fn fn;
	void *arg;
	bool abort;			/* set before release: do not run fn */
	struct completion start;
	struct completion done;
	atomic_t live;
	atomic_t err;			/* first non-zero return of fn */
	atomic64_t end_ns;		/* latest return time */
	struct lab_tslot slot[];
};

static int lab_tgroup_thread(void *data)
{
	struct lab_tslot *slot = data;
	struct lab_tgroup *g = slot->group;
	int ret;

	wait_for_completion(&g->start);
	if (!READ_ONCE(g->abort)) {
		ret = g->fn(g->arg, slot->id);
		if (ret)
			atomic_cmpxchg(&g->err, 0, ret);
	}
	atomic64_set(&g->end_ns, ktime_get_ns());
	/*
	 * The last thread out wakes the caller; complete_all() so that every
	 * later wait on @done returns at once. It releases the completion's
	 * lock before the waiter can return from its wait (the waiter
	 * reacquires that lock), so the caller may free @g right after.
	 */
	if (atomic_dec_and_test(&g->live))
		complete_all(&g->done);
	return 0;
}

static void lab_tgroup_reap(struct lab_tgroup *g, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		kthread_stop(g->slot[i].task);
		put_task_struct(g->slot[i].task);
	}
}

static int lab_tgroup_create(struct lab_tgroup *g, unsigned int nr, bool bind)
{
	struct task_struct *t;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		g->slot[i].group = g;
		g->slot[i].id = i;
		t = kthread_create(lab_tgroup_thread, &g->slot[i], "locklab/%u",
				   i);
		if (IS_ERR(t)) {
			/* Created threads stop before running fn. */
			WRITE_ONCE(g->abort, true);
			complete_all(&g->start);
			lab_tgroup_reap(g, i);
			return PTR_ERR(t);
		}
		get_task_struct(t);
		if (bind)
			kthread_bind(t, cpumask_nth(i % num_online_cpus(),
						    cpu_online_mask));
		g->slot[i].task = t;
		wake_up_process(t);
	}
	return 0;
}

/* Wait for the threads; returns 0, -EINTR or -ETIMEDOUT. */
static int lab_tgroup_wait(struct lab_tgroup *g,
			   const struct lab_run_opts *opts)
{
	unsigned long tmo = msecs_to_jiffies(opts->timeout_ms ?: 60000);
	long left;

	if (opts->duration_ms && opts->stop) {
		unsigned long d = msecs_to_jiffies(opts->duration_ms);

		left = opts->interruptible ?
		       wait_for_completion_interruptible_timeout(&g->done, d) :
		       wait_for_completion_timeout(&g->done, d);
		if (left < 0)
			return -EINTR;
		WRITE_ONCE(*opts->stop, true);
	}
	left = opts->interruptible ?
	       wait_for_completion_interruptible_timeout(&g->done, tmo) :
	       wait_for_completion_timeout(&g->done, tmo);
	if (left < 0)
		return -EINTR;
	return left ? 0 : -ETIMEDOUT;
}

/**
 * lab_run_threads() - run @fn(@arg, id) on @nr kthreads, id = 0..@nr-1
 * @nr: number of threads, at least 1
 * @fn: the thread function; returns 0 or -errno
 * @arg: passed to every call
 * @opts: bounds and options, see struct lab_run_opts
 *
 * All threads are created first and released together. Sleeps; process
 * context only.
 *
 * Return: 0 when every thread returned 0; the first error a thread
 * returned; -EINTR (signal) or -ETIMEDOUT (bound exceeded) when the run was
 * stopped early and every thread then returned; -EDEADLK when some thread
 * did not return even after *@opts->stop was set: @arg must then be leaked.
 * -ENOMEM or a kthread_create() error when the threads could not be made.
 */
int lab_run_threads(unsigned int nr, lab_thread_fn fn, void *arg,
		    const struct lab_run_opts *opts)
{
	struct lab_tgroup *g;
	u64 t0;
	int ret;

	if (!nr)
		return -EINVAL;
	g = kzalloc(struct_size(g, slot, nr), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	g->fn = fn;
	g->arg = arg;
	init_completion(&g->start);
	init_completion(&g->done);
	atomic_set(&g->live, nr);

	ret = lab_tgroup_create(g, nr, opts->bind);
	if (ret) {
		kfree(g);
		return ret;
	}

	t0 = ktime_get_ns();
	complete_all(&g->start);
	ret = lab_tgroup_wait(g, opts);
	if (ret) {
		if (opts->stop)
			WRITE_ONCE(*opts->stop, true);
		if (!wait_for_completion_timeout(&g->done,
						 msecs_to_jiffies(LAB_GRACE_MS))) {
			WARN(1, "locklab: threads stuck after stop; leaking them\n");
			return -EDEADLK;
		}
	}
	if (opts->elapsed_ns)
		*opts->elapsed_ns = atomic64_read(&g->end_ns) - t0;
	if (!ret)
		ret = atomic_read(&g->err);
	lab_tgroup_reap(g, nr);
	kfree(g);
	return ret;
}
