// SPDX-License-Identifier: GPL-2.0
/*
 * locklab statistics in debugfs, lock_stat style (/proc/lock_stat):
 *
 *   /sys/kernel/debug/locklab/objects   every live object of the device:
 *	its id (LOCKLAB_IOC_STATS' @id), kind, variant, acquisitions,
 *	contentions, wait and hold times (count, total, max, average) and the
 *	non-empty buckets of their log2 histograms
 *   /sys/kernel/debug/locklab/bench     the last LOCKLAB_IOC_BENCH run made
 *	with LOCKLAB_BENCH_TIMES: its lock, and its threads' wait and hold
 *	times
 *   /sys/kernel/debug/locklab/reset     write anything: zero every
 *	object's times and counters (as LOCKLAB_STATS_RESET does for one)
 *
 * The list of objects is under @lab_stat_lock, a mutex: objects join it
 * once created and leave it before they are torn down, so the view never
 * shows a freed object. The times are read while they change (see
 * include/locklab/times.h).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "object.h"
#include "stat.h"

static LIST_HEAD(lab_stat_objects);
static DEFINE_MUTEX(lab_stat_lock);
static u64 lab_stat_next_id = 1;		/* under lab_stat_lock */
static struct dentry *lab_stat_dir;

/* The last timed benchmark: lab_stat_bench_set() (the bench lock held). */
static struct lab_bench_times lab_stat_bench;

void lab_stat_register(struct lab_obj *obj)
{
	mutex_lock(&lab_stat_lock);
	obj->id = lab_stat_next_id++;
	list_add_tail(&obj->node, &lab_stat_objects);
	mutex_unlock(&lab_stat_lock);
}

void lab_stat_unregister(struct lab_obj *obj)
{
	mutex_lock(&lab_stat_lock);
	list_del_init(&obj->node);
	mutex_unlock(&lab_stat_lock);
}

/* A hold of @obj that began at @since_ns ends now. */
void lab_obj_held(struct lab_obj *obj, u64 since_ns)
{
	lab_times_add(&obj->hold_times, ktime_get_ns() - since_ns);
}

static void lab_times_show(struct seq_file *m, const char *what,
			   const struct lab_times *t)
{
	u64 n = atomic64_read(&t->count), v;
	unsigned int i;

	seq_printf(m, "  %s: count %llu total_ns %llu max_ns %llu avg_ns %llu\n",
		   what, n, atomic64_read(&t->total_ns),
		   atomic64_read(&t->max_ns),
		   n ? div64_u64(atomic64_read(&t->total_ns), n) : 0);
	if (!n)
		return;
	seq_printf(m, "  %s_hist:", what);
	for (i = 0; i < LAB_TIMES_BUCKETS; i++) {
		v = atomic64_read(&t->hist[i]);
		if (v)
			seq_printf(m, " [%llu,%llu):%llu", i ? 1ULL << i : 0,
				   2ULL << i, v);
	}
	seq_puts(m, "\n");
}

static int lab_stat_objects_show(struct seq_file *m, void *v)
{
	struct lab_obj *obj;

	seq_puts(m, "# locklab objects: id kind variant acquisitions contentions\n");
	mutex_lock(&lab_stat_lock);
	list_for_each_entry(obj, &lab_stat_objects, node) {
		seq_printf(m, "%llu %s %s acquisitions %lld contentions %lld owner_deaths %lld\n",
			   obj->id, lab_kind_name(obj->ops->kind),
			   obj->ops->name,
			   atomic64_read(&obj->stats.acquisitions),
			   atomic64_read(&obj->stats.contended),
			   atomic64_read(&obj->stats.owner_deaths));
		lab_times_show(m, "wait", &obj->wait_times);
		lab_times_show(m, "hold", &obj->hold_times);
	}
	mutex_unlock(&lab_stat_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_stat_objects);

static int lab_stat_bench_show(struct seq_file *m, void *v)
{
	struct lab_bench_times *b = &lab_stat_bench;

	mutex_lock(&lab_stat_lock);
	if (b->ops) {
		seq_printf(m, "bench %s %s threads %u\n",
			   lab_kind_name(b->ops->kind), b->ops->name,
			   b->threads);
		lab_times_show(m, "wait", &b->wait);
		lab_times_show(m, "hold", &b->hold);
	}
	mutex_unlock(&lab_stat_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(lab_stat_bench);

/* The times of a timed benchmark run, for the "bench" file. */
void lab_stat_bench_set(const struct lab_ops_head *ops, unsigned int threads,
			const struct lab_times *wait,
			const struct lab_times *hold)
{
	mutex_lock(&lab_stat_lock);
	lab_stat_bench.ops = ops;
	lab_stat_bench.threads = threads;
	lab_times_reset(&lab_stat_bench.wait);
	lab_times_reset(&lab_stat_bench.hold);
	lab_times_merge(&lab_stat_bench.wait, wait);
	lab_times_merge(&lab_stat_bench.hold, hold);
	mutex_unlock(&lab_stat_lock);
}

static ssize_t lab_stat_reset_write(struct file *file, const char __user *buf,
				    size_t len, loff_t *ppos)
{
	struct lab_obj_stats *s;
	struct lab_obj *obj;

	mutex_lock(&lab_stat_lock);
	list_for_each_entry(obj, &lab_stat_objects, node) {
		s = &obj->stats;
		atomic64_set(&s->acquisitions, 0);
		atomic64_set(&s->contended, 0);
		atomic64_set(&s->owner_deaths, 0);
		lab_times_reset(&obj->wait_times);
		lab_times_reset(&obj->hold_times);
	}
	mutex_unlock(&lab_stat_lock);
	return len;
}

static const struct file_operations lab_stat_reset_fops = {
	.owner = THIS_MODULE,
	.write = lab_stat_reset_write,
	.llseek = noop_llseek,
};

/* The debugfs files; without debugfs there is nothing to show, no error. */
int lab_stat_init(void)
{
	lab_stat_dir = debugfs_create_dir("locklab", NULL);
	debugfs_create_file("objects", 0400, lab_stat_dir, NULL,
			    &lab_stat_objects_fops);
	debugfs_create_file("bench", 0400, lab_stat_dir, NULL,
			    &lab_stat_bench_fops);
	debugfs_create_file("reset", 0200, lab_stat_dir, NULL,
			    &lab_stat_reset_fops);
	return 0;
}

void lab_stat_exit(void)
{
	debugfs_remove_recursive(lab_stat_dir);
}
