// SPDX-License-Identifier: GPL-2.0
/*
 * locklab LOCKLAB_IOC_BENCH: the in-kernel benchmark, run from userspace.
 *
 * One run at a time, module-wide (@lab_bench_lock), and never while the
 * threads of an earlier run are still finishing: a caller that a signal
 * stopped returns at once and leaves its threads their state (they own it,
 * and hold the module, see bench/threads.c), so the next caller first
 * waits for them. Every wait here is interruptible. So however many
 * processes ask, at most one run's kthreads exist (LOCKLAB_BENCH_MAX_THREADS,
 * plus one for the seqlock and RCU writers, twice that for a channel's
 * producers and consumers), and a benchmark can outlive neither its state
 * nor the module. Its state is allocated GFP_KERNEL_ACCOUNT, and so is what
 * the kthreads allocate while they run (they run inside the caller's
 * memcg, see bench/threads.c): the caller's memory cgroup sees it for the
 * length of the run (it is not charged to the device budgets, which count
 * what outlives an ioctl).
 */
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <locklab/channel.h>
#include <locklab/ops.h>
#include <locklab/param.h>
#include <uapi/linux/locklab.h>

#include "bench/arcbench.h"
#include "bench/chanbench.h"
#include "bench/rcubench.h"
#include "bench/seqbench.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "dev.h"
#include "stat.h"

unsigned int lab_bench_max_ms = 10000;
LAB_PARAM_UINT(bench_max_ms, lab_bench_max_ms, 1, 600000, 0644,
	       "Longest LOCKLAB_IOC_BENCH run in ms");

/* One run at a time: LOCKLAB_IOC_BENCH and LOCKLAB_IOC_LAB (dev/lab.c). */
DEFINE_MUTEX(lab_bench_lock);

static int lab_bench_check(const struct locklab_bench *b)
{
	if (b->flags & ~(LOCKLAB_BENCH_BIND | LOCKLAB_BENCH_TIMES |
			 LOCKLAB_BENCH_CALLBACKS) ||
	    b->__reserved)
		return -EINVAL;
	if ((b->flags & LOCKLAB_BENCH_CALLBACKS) && b->kind != LOCKLAB_KIND_RCU)
		return -EINVAL;
	if (!b->threads || b->threads > LOCKLAB_BENCH_MAX_THREADS)
		return -EINVAL;
	if (!b->duration_ms || b->duration_ms > READ_ONCE(lab_bench_max_ms))
		return -EINVAL;
	if (b->hold_ns > LOCKLAB_BENCH_MAX_BUSY_NS ||
	    b->gap_ns > LOCKLAB_BENCH_MAX_BUSY_NS)
		return -EINVAL;
	if (b->read_pct > 100 ||
	    (b->read_pct && b->kind != LOCKLAB_KIND_RWLOCK))
		return -EINVAL;
	return 0;
}

static void lab_bench_result(struct locklab_bench *b,
			     const struct lab_torture_stats *st)
{
	b->acquisitions = st->acquisitions;
	b->thread_min = st->thread_min;
	b->thread_max = st->thread_max;
	b->violations = st->violations;
	b->lost_updates = st->lost_updates;
	b->elapsed_ns = st->elapsed_ns;
	b->reads = st->reads;
	b->max_readers = st->max_readers;
	if (st->wait) {
		b->wait_max_ns = atomic64_read(&st->wait->max_ns);
		b->wait_p99_ns = lab_times_percentile(st->wait, 99);
	}
}

/*
 * Arcs: clone+put pairs per second on one shared Arc (or refcount_t), from
 * bench/arcbench.c, which measures both in one call. Counted as
 * "acquisitions"; there is no section, hence no violations.
 */
static int lab_bench_arc(struct locklab_bench *b)
{
	struct lab_arc_bench_result r;
	struct lab_arc_bench_stat *st;
	int ret;

	if (b->variant != LOCKLAB_ARC_ARC && b->variant != LOCKLAB_ARC_KERNEL)
		return -EINVAL;
	if (b->flags || b->hold_ns || b->gap_ns || b->per_thread)
		return -EINVAL;
	ret = lab_arc_bench(b->threads, b->duration_ms, &r);
	if (ret)
		return ret;
	st = b->variant == LOCKLAB_ARC_ARC ? &r.arc : &r.refcount;
	b->acquisitions = st->pairs;
	b->elapsed_ns = st->elapsed_ns;
	return 0;
}

/*
 * Channels: @threads producers and as many consumers move 64-byte messages
 * for the duration (bench/chanbench.c); "acquisitions" are messages
 * received, and a channel that loses or invents messages shows as
 * lost_updates (sent - received, both ways).
 */
static int lab_bench_chan(struct locklab_bench *b)
{
	const struct lab_chan_ops *ops = lab_chan_ops_find(b->variant);
	struct lab_chan_bench_result r;
	int ret;

	/* A one-shot channel carries one message: it has no rate. */
	if (!ops || ops->oneshot)
		return -EINVAL;
	if (b->flags || b->hold_ns || b->gap_ns || b->per_thread)
		return -EINVAL;
	ret = lab_chan_bench(ops, b->threads, b->threads, b->duration_ms, 64, &r);
	if (ret)
		return ret;
	b->acquisitions = r.received;
	b->elapsed_ns = r.elapsed_ns;
	b->lost_updates = r.sent > r.received ? r.sent - r.received :
						 r.received - r.sent;
	b->violations = r.errors;
	return 0;
}

/*
 * RCU: @threads readers run read-side sections while one more kthread
 * keeps replacing the record and waiting for grace periods
 * (bench/rcubench.c); "acquisitions" are read sections, "reads" grace
 * periods, and a reader that met a retired copy counts a violation. With
 * LOCKLAB_BENCH_CALLBACKS the updater queues callbacks instead: "reads"
 * are callbacks that ran, "lost_updates" those queued that did not.
 */
static int lab_bench_rcu(struct locklab_bench *b)
{
	bool cbs = b->flags & LOCKLAB_BENCH_CALLBACKS;
	struct lab_rcu_bench_result r;
	int ret;

	if ((b->flags & ~LOCKLAB_BENCH_CALLBACKS) || b->hold_ns || b->per_thread)
		return -EINVAL;
	/* @gap_ns: the updater's sleep after each update (its range checked). */
	ret = lab_rcu_bench(b->variant, b->threads, b->duration_ms, cbs,
			    b->gap_ns, &r);
	if (ret)
		return ret;
	b->acquisitions = r.sections;
	b->elapsed_ns = r.elapsed_ns;
	b->reads = cbs ? r.callbacks : r.grace_periods;
	b->lost_updates = r.cb_queued - r.callbacks;
	b->violations = r.violations;
	return 0;
}

/*
 * Seqlocks: @threads readers take consistent copies of a record while one
 * more kthread keeps rewriting it (bench/seqbench.c); "acquisitions" are
 * accepted copies, "reads" write sections, "read_retries" the copies
 * thrown away, and an accepted torn copy counts a violation.
 */
static int lab_bench_seq(struct locklab_bench *b)
{
	struct lab_seq_bench_result r;
	int ret;

	if (b->flags || b->hold_ns || b->gap_ns || b->per_thread)
		return -EINVAL;
	ret = lab_seq_bench(b->variant, b->threads, b->duration_ms, &r);
	if (ret)
		return ret;
	b->acquisitions = r.reads;
	b->elapsed_ns = r.elapsed_ns;
	b->reads = r.writes;
	b->violations = r.torn;
	b->read_retries = r.retries;
	return 0;
}

static int lab_bench_run(struct locklab_bench *b)
{
	struct lab_torture_cfg cfg = { };
	struct lab_torture_stats st = { };
	struct lab_bench_times *times = NULL;
	u64 __user *uper = u64_to_user_ptr(b->per_thread);
	int ret;

	if (b->kind == LOCKLAB_KIND_ARC)
		return lab_bench_arc(b);
	if (b->kind == LOCKLAB_KIND_CHANNEL)
		return lab_bench_chan(b);
	if (b->kind == LOCKLAB_KIND_RCU)
		return lab_bench_rcu(b);
	if (b->kind == LOCKLAB_KIND_SEQLOCK)
		return lab_bench_seq(b);
	cfg.ops = lab_lock_ops_find(b->kind, b->variant);
	if (!cfg.ops)
		cfg.rw = lab_rwlock_ops_find(b->kind, b->variant);
	if (!cfg.ops && !cfg.rw)
		return -EINVAL;
	if (uper && !access_ok(uper, b->threads * sizeof(u64)))
		return -EFAULT;

	cfg.threads = b->threads;
	cfg.duration_ms = b->duration_ms;
	cfg.hold_ns = b->hold_ns;
	cfg.gap_ns = b->gap_ns;
	cfg.read_pct = b->read_pct;
	cfg.bind = b->flags & LOCKLAB_BENCH_BIND;
	cfg.times = b->flags & LOCKLAB_BENCH_TIMES;
	cfg.interruptible = true;
	if (uper)
		st.per_thread = kcalloc(b->threads, sizeof(u64),
					GFP_KERNEL_ACCOUNT);
	if (cfg.times)
		times = kzalloc(sizeof(*times), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if ((uper && !st.per_thread) || (cfg.times && !times))
		goto out;
	if (times) {
		st.wait = &times->wait;
		st.hold = &times->hold;
	}

	/* per_thread is the caller's: only filled once the threads are done. */
	ret = lab_torture_run(&cfg, &st);
	if (!ret && uper &&
	    copy_to_user(uper, st.per_thread, b->threads * sizeof(u64)))
		ret = -EFAULT;
	if (ret)
		goto out;
	lab_bench_result(b, &st);
	if (times)
		lab_stat_bench_set(cfg.ops ? &cfg.ops->head : &cfg.rw->head,
				   cfg.threads, st.wait, st.hold);
out:
	kfree(times);
	kfree(st.per_thread);
	return ret;
}

int lab_ioc_bench(struct file *file, void *arg, void __user *uarg)
{
	struct locklab_bench *b = arg;
	int ret;

	/* The sizes the UAPI header names are the ones the kernel takes. */
	BUILD_BUG_ON(offsetofend(struct locklab_bench, elapsed_ns) !=
		     LOCKLAB_BENCH_SIZE_VER0);
	BUILD_BUG_ON(offsetof(struct locklab_bench, read_retries) !=
		     LOCKLAB_BENCH_SIZE_VER1);
	BUILD_BUG_ON(sizeof(struct locklab_bench) != LOCKLAB_BENCH_SIZE_VER2);
	ret = lab_bench_check(b);
	if (ret)
		return ret;
	if (mutex_lock_interruptible(&lab_bench_lock))
		return -EINTR;
	ret = lab_run_threads_wait_idle();
	b->read_retries = 0;
	if (!ret)
		ret = lab_bench_run(b);
	mutex_unlock(&lab_bench_lock);
	return ret;
}
