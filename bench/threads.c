// SPDX-License-Identifier: GPL-2.0
/*
 * locklab thread groups: run one function on N kthreads, released at once,
 * with a bound on the time everything may take.
 *
 * Lifetime. The group is referenced by each of its threads and by the
 * caller, and freed by the last of them. Threads are never stopped with
 * kthread_stop(): they end by themselves, when the function returns, so
 * nothing needs their task once they are woken.
 *
 * Module lifetime. A thread holds no module reference (one would make
 * rmmod right after a finished run fail, while the threads are still on
 * their way out). Instead its last act in module code is a tail call to
 * kthread_complete_and_exit() on lab_threads_gone, which completes from
 * core kernel code, and module exit waits for one completion per thread
 * ever made (lab_run_threads_exit()) before it frees anything. Threads
 * are made only from an ioctl or a KUnit case, both of which keep the
 * module in: no thread can be made once exit has begun. A group that is
 * stuck (-EDEADLK below) pins the module for good instead, since its
 * threads may never end.
 *
 * Ending early. When the run is stopped early (a signal to an
 * interruptible caller, or the time bound), *stop is set so that the
 * thread functions return. A caller that set opts->abandon returns at
 * once: the threads own @arg from then on and the last one hands it to
 * abandon(); *opts->abandoned says so, and only that says so (a thread's
 * own error may be -EINTR or -ETIMEDOUT too, and a kthread_create() that
 * a fatal signal interrupted is -EINTR with @arg still the caller's).
 * A caller that did not (the KUnit cases) waits a grace period; threads
 * still running after it are stuck (a lock that never hands over),
 * and since they may still touch @arg, lab_run_threads() warns, returns
 * -EDEADLK and leaks the group, and its callers leak @arg too.
 *
 * Waits. The caller sleeps in wait_for_completion*() while the threads run,
 * so on a uniprocessor or PREEMPT_NONE kernel the threads get the CPU.
 *
 * lab_run_threads_wait_idle() waits until no group is left (a benchmark
 * of the device waits for the threads of an abandoned one first).
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "bench/threads.h"

#define LAB_GRACE_MS	10000	/* after *stop, for threads to notice */

struct lab_tgroup;

struct lab_tslot {
	struct lab_tgroup *group;
	unsigned int id;
};

struct lab_tgroup {
	refcount_t ref;			/* every thread, and the caller */
	lab_thread_fn fn;
	void *arg;
	void (*abandon)(void *arg);
	bool abandoned;			/* the caller left: @arg is ours */
	bool abort;			/* set before release: do not run fn */
	struct completion start;
	struct completion done;
	atomic_t live;			/* threads that have not returned */
	atomic_t err;			/* first non-zero return of fn */
	atomic64_t end_ns;		/* latest return time */
	struct lab_tslot slot[];
};

static atomic_t lab_groups = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(lab_groups_wq);
static atomic_t lab_threads_made = ATOMIC_INIT(0);
static DECLARE_COMPLETION(lab_threads_gone);

static void lab_tgroup_put(struct lab_tgroup *g)
{
	bool abandoned;

	/*
	 * RELEASE, and ACQUIRE for the last one: the caller's store of
	 * @abandoned happens before its put, so the last put sees it.
	 */
	if (!refcount_dec_and_test(&g->ref))
		return;
	abandoned = READ_ONCE(g->abandoned);
	if (abandoned)
		g->abandon(g->arg);
	kfree(g);
	/* Fully ordered decrement: a waiter that sees 0 sees us gone. */
	atomic_dec_return(&lab_groups);
	wake_up_all(&lab_groups_wq);
}

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
	 * later wait on @done returns at once. The group stays until our put.
	 */
	if (atomic_dec_and_test(&g->live))
		complete_all(&g->done);
	lab_tgroup_put(g);
	/* Nothing of the module runs after this call: see "Module lifetime". */
	kthread_complete_and_exit(&lab_threads_gone, 0);
}

/*
 * Take the completions of threads that have ended, so that neither the
 * count nor the completion's (saturating) one grows without bound.
 */
static void lab_threads_reap(void)
{
	while (try_wait_for_completion(&lab_threads_gone))
		atomic_dec(&lab_threads_made);
}

/* Create and wake the threads; on failure the made ones end by themselves. */
static int lab_tgroup_create(struct lab_tgroup *g, unsigned int nr, bool bind)
{
	struct task_struct *t;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		g->slot[i].group = g;
		g->slot[i].id = i;
		refcount_inc(&g->ref);
		t = kthread_create(lab_tgroup_thread, &g->slot[i], "locklab/%u",
				   i);
		if (IS_ERR(t)) {
			refcount_dec(&g->ref);
			/* Made threads stop before running fn. */
			WRITE_ONCE(g->abort, true);
			if (atomic_sub_and_test(nr - i, &g->live))
				complete_all(&g->done);
			complete_all(&g->start);
			return PTR_ERR(t);
		}
		/* Only the ioctl or KUnit case making it counts: no race. */
		atomic_inc(&lab_threads_made);
		if (bind)
			kthread_bind(t, cpumask_nth(i % num_online_cpus(),
						    cpu_online_mask));
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
		/*
		 * One jiffy more: a timeout of d jiffies ends at the d-th tick
		 * from now, up to a tick short of d ticks' time, and a run
		 * must last at least its duration (seen: 96.5 ms of 100 at
		 * HZ=250).
		 */
		unsigned long d = msecs_to_jiffies(opts->duration_ms) + 1;

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
 * stopped early (with @opts->abandon: at once, @arg now the threads' and
 * *@opts->abandoned set; else once every thread returned); -EDEADLK (no
 * @opts->abandon only) when some thread did not return even after
 * *@opts->stop was set: @arg must then be leaked. -ENOMEM or a
 * kthread_create() error when the threads could not be made (@arg stays
 * the caller's, *@opts->abandoned false).
 */
int lab_run_threads(unsigned int nr, lab_thread_fn fn, void *arg,
		    const struct lab_run_opts *opts)
{
	struct lab_tgroup *g;
	u64 t0;
	int ret;

	if (!nr || (opts->abandon && !opts->abandoned))
		return -EINVAL;
	if (opts->abandon)
		*opts->abandoned = false;
	lab_threads_reap();
	g = kzalloc(struct_size(g, slot, nr), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	refcount_set(&g->ref, 1);
	g->fn = fn;
	g->arg = arg;
	g->abandon = opts->abandon;
	init_completion(&g->start);
	init_completion(&g->done);
	atomic_set(&g->live, nr);
	atomic_inc(&lab_groups);

	ret = lab_tgroup_create(g, nr, opts->bind);
	if (ret) {
		lab_tgroup_put(g);
		return ret;
	}

	t0 = ktime_get_ns();
	complete_all(&g->start);
	ret = lab_tgroup_wait(g, opts);
	if (ret) {
		if (opts->stop)
			WRITE_ONCE(*opts->stop, true);
		if (opts->abandon) {
			WRITE_ONCE(g->abandoned, true);
			*opts->abandoned = true;
			lab_tgroup_put(g);
			return ret;
		}
		if (!wait_for_completion_timeout(&g->done,
						 msecs_to_jiffies(LAB_GRACE_MS))) {
			WARN(1, "locklab: threads stuck after stop; leaking them\n");
			/* They may run module code forever: it stays. */
			__module_get(THIS_MODULE);
			return -EDEADLK;
		}
	}
	if (opts->elapsed_ns)
		*opts->elapsed_ns = atomic64_read(&g->end_ns) - t0;
	if (!ret)
		ret = atomic_read(&g->err);
	lab_tgroup_put(g);
	return ret;
}

/* Thread groups not yet freed (running, or abandoned and finishing). */
unsigned int lab_run_threads_live(void)
{
	return atomic_read(&lab_groups);
}

/**
 * lab_run_threads_exit() - wait until every thread ever made has ended
 *
 * Module exit calls it first. Each thread completes lab_threads_gone once,
 * from core kernel code, as its end; threads of an abandoned group were
 * told to stop, so this waits at most the grace they have to notice. A
 * stuck group pinned the module, so exit never waits for it.
 */
void lab_run_threads_exit(void)
{
	int n = atomic_read(&lab_threads_made);

	while (n-- > 0)
		wait_for_completion(&lab_threads_gone);
}

/**
 * lab_run_threads_wait_idle() - wait until no thread group is left
 *
 * Return: 0, or -EINTR on a signal.
 */
int lab_run_threads_wait_idle(void)
{
	if (wait_event_interruptible(lab_groups_wq, !atomic_read(&lab_groups)))
		return -EINTR;
	return 0;
}
