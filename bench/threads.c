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
 * Memory. What the threads allocate with GFP_KERNEL_ACCOUNT is charged to
 * the memory cgroup of the task that called lab_run_threads() (the ioctl's
 * caller): a kthread has no mm, so without an active memcg its charges
 * would go nowhere. The group holds a reference on that memcg, and each
 * thread runs @fn inside set_active_memcg() of it.
 *
 * Waits. The caller sleeps in wait_for_completion*() while the threads run,
 * so on a uniprocessor or PREEMPT_NONE kernel the threads get the CPU.
 *
 * Watchdog. With opts->progress, the caller's wait is cut in slices of a
 * second; after each, the progress count is read, and a count that has not
 * grown for opts->stall_ms is a stall: every thread gets one
 * wake_up_process() (the group keeps a reference on each task for this),
 * after *stop is set (a woken thread sees it: a wake-up is a full barrier
 * when it wakes), and the run ends with -ETIME. Waking a task in any sleep is
 * safe, a spurious wake-up every wait handles; a thread that a lost
 * wake-up left asleep re-checks its condition and finishes.
 *
 * lab_run_threads_wait_idle() waits until no group is left (a benchmark
 * of the device waits for the threads of an abandoned one first).
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "bench/threads.h"

#define LAB_GRACE_MS	10000	/* after *stop, for threads to notice */
#define LAB_STALL_MS	10000	/* default opts->stall_ms */

struct lab_tgroup;

struct lab_tslot {
	struct lab_tgroup *group;
	unsigned int id;
	struct task_struct *task;	/* referenced, for the watchdog */
};

struct lab_tgroup {
	refcount_t ref;			/* every thread, and the caller */
	lab_thread_fn fn;
	void *arg;
	void (*abandon)(void *arg);
	bool abandoned;			/* the caller left: @arg is ours */
	bool abort;			/* set before release: do not run fn */
	struct mem_cgroup *memcg;	/* the caller's, referenced; or NULL */
	struct completion start;
	struct completion done;
	atomic_t live;			/* threads that have not returned */
	atomic_t err;			/* first non-zero return of fn */
	atomic64_t end_ns;		/* latest return time */
	unsigned int nr;		/* slots */
	u64 seen;			/* watchdog: the last progress count */
	unsigned long seen_at;		/* ... and when it changed (jiffies) */
	struct lab_tslot slot[];
};

static atomic_t lab_groups = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(lab_groups_wq);
static atomic_t lab_threads_made = ATOMIC_INIT(0);
static DECLARE_COMPLETION(lab_threads_gone);

static void lab_tgroup_put(struct lab_tgroup *g)
{
	unsigned int i;
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
	for (i = 0; i < g->nr; i++)
		if (g->slot[i].task)
			put_task_struct(g->slot[i].task);
	mem_cgroup_put(g->memcg);
	kfree(g);
	/* Fully ordered decrement: a waiter that sees 0 sees us gone. */
	atomic_dec_return(&lab_groups);
	wake_up_all(&lab_groups_wq);
}

static int lab_tgroup_thread(void *data)
{
	struct lab_tslot *slot = data;
	struct lab_tgroup *g = slot->group;
	struct mem_cgroup *old;
	int ret;

	wait_for_completion(&g->start);
	if (!READ_ONCE(g->abort)) {
		old = set_active_memcg(g->memcg);
		ret = g->fn(g->arg, slot->id);
		set_active_memcg(old);
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
		get_task_struct(t);
		g->slot[i].task = t;
		wake_up_process(t);
	}
	return 0;
}

static long lab_tgroup_wait_for(struct lab_tgroup *g,
				const struct lab_run_opts *opts,
				unsigned long tmo)
{
	return opts->interruptible ?
	       wait_for_completion_interruptible_timeout(&g->done, tmo) :
	       wait_for_completion_timeout(&g->done, tmo);
}

/* The watchdog's verdict: wake every thread once. */
static void lab_tgroup_kick(struct lab_tgroup *g, unsigned int stall_ms)
{
	unsigned int i;

	pr_warn("locklab: threads made no progress for %u ms (a lost wake-up?): waking them\n",
		stall_ms);
	for (i = 0; i < g->nr; i++)
		if (g->slot[i].task)
			wake_up_process(g->slot[i].task);
}

/*
 * Wait up to @tmo jiffies for the threads, as wait_for_completion*_timeout()
 * (> 0 done, 0 timed out, < 0 a signal), watching their progress with
 * @opts->progress: -ETIME when they stalled.
 */
static long lab_tgroup_wait_watched(struct lab_tgroup *g,
				    const struct lab_run_opts *opts,
				    unsigned long tmo)
{
	unsigned long end = jiffies + tmo, stall;
	long left;
	u64 now;

	if (!opts->progress)
		return lab_tgroup_wait_for(g, opts, tmo);
	stall = msecs_to_jiffies(opts->stall_ms ?: LAB_STALL_MS);
	for (;;) {
		left = lab_tgroup_wait_for(g, opts, min_t(unsigned long, tmo, HZ));
		if (left)
			return left;
		now = opts->progress(g->arg);
		if (now != g->seen) {
			g->seen = now;
			g->seen_at = jiffies;
		} else if (time_after_eq(jiffies, g->seen_at + stall)) {
			/* Before the kick: a woken thread must see it. */
			if (opts->stop)
				WRITE_ONCE(*opts->stop, true);
			lab_tgroup_kick(g, opts->stall_ms ?: LAB_STALL_MS);
			return -ETIME;
		}
		if (time_after_eq(jiffies, end))
			return 0;
		tmo = end - jiffies;
	}
}

/*
 * Wait for the threads, released at @t0 (ktime_get_ns()); returns 0,
 * -EINTR, -ETIMEDOUT or -ETIME (stall).
 */
static int lab_tgroup_wait(struct lab_tgroup *g,
			   const struct lab_run_opts *opts, u64 t0)
{
	unsigned long tmo = msecs_to_jiffies(opts->timeout_ms ?: 60000);
	long left = 0;

	if (opts->duration_ms && opts->stop) {
		u64 end = t0 + (u64)opts->duration_ms * NSEC_PER_MSEC, now;

		/*
		 * A run lasts at least its duration by the clock the result
		 * is measured with, not by jiffies: a timeout of d jiffies
		 * ends at the d-th tick, up to a tick short of d ticks'
		 * time, and in a guest whose vCPU was descheduled the ticks
		 * may come closer together than the clock says (seen: 96.5
		 * and 95.97 ms of 100 at HZ=250, the second with one jiffy
		 * added). So wait again, one jiffy past what the clock says
		 * is left, until the clock is past the end or the threads
		 * returned.
		 */
		while ((now = ktime_get_ns()) < end) {
			left = lab_tgroup_wait_watched(g, opts,
						       nsecs_to_jiffies(end - now) + 1);
			if (left == -ETIME)
				return -ETIME;
			if (left < 0)
				return -EINTR;
			if (left)
				break;
		}
		WRITE_ONCE(*opts->stop, true);
	}
	left = lab_tgroup_wait_watched(g, opts, tmo);
	if (left == -ETIME)
		return -ETIME;
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
 * returned; -ETIME when @opts->progress saw the threads stall (they were
 * woken and stopped, and returned); -EINTR (signal) or -ETIMEDOUT (bound
 * exceeded) when the run was
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
	/* NULL without memcg; the root one for a kthread caller (KUnit). */
	g->memcg = get_mem_cgroup_from_mm(current->mm);
	init_completion(&g->start);
	init_completion(&g->done);
	atomic_set(&g->live, nr);
	g->nr = nr;
	atomic_inc(&lab_groups);

	ret = lab_tgroup_create(g, nr, opts->bind);
	if (ret) {
		lab_tgroup_put(g);
		return ret;
	}

	t0 = ktime_get_ns();
	if (opts->progress) {
		g->seen = opts->progress(arg);
		g->seen_at = jiffies;
	}
	complete_all(&g->start);
	ret = lab_tgroup_wait(g, opts, t0);
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
