// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ioctls of /dev/locklab: the ABI handshake, the variant list and
 * the in-kernel benchmark. The ABI rules (include/uapi/linux/locklab.h,
 * "General ioctl format") are enforced once, in lab_ioctl_dispatch().
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/ops.h>
#include <uapi/linux/locklab.h>

#include "../bench/arcbench.h"
#include "../bench/rcubench.h"
#include "../bench/seqbench.h"
#include "../bench/torture.h"
#include "dev.h"
#include "object.h"

/**
 * lab_ioctl_dispatch() - decode, check and run one ioctl of @table
 * @table: dispatch table
 * @nr: entries in @table
 * @file: the file the ioctl was made on
 * @cmd: ioctl number
 * @uarg: user pointer to the structure
 *
 * Return: the handler's result, or -ENOTTY (unknown command), -EFAULT (bad
 * pointer), -EINVAL (size below the minimum), -E2BIG (non-zero bytes past
 * the kernel's structure).
 */
long lab_ioctl_dispatch(const struct lab_ioctl_desc *table, unsigned int nr,
			struct file *file, unsigned int cmd,
			void __user *uarg)
{
	u64 buf[LAB_IOCTL_MAX_SIZE / sizeof(u64)];
	const struct lab_ioctl_desc *d = NULL;
	unsigned int i;
	u32 usize;
	int ret;

	for (i = 0; i < nr; i++) {
		if (table[i].cmd == cmd) {
			d = &table[i];
			break;
		}
	}
	if (!d)
		return -ENOTTY;
	if (WARN_ON_ONCE(d->size > sizeof(buf)))
		return -EINVAL;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < d->min_size)
		return -EINVAL;
	ret = copy_struct_from_user(buf, d->size, uarg, usize);
	if (ret)
		return ret;
	ret = d->fn(file, buf, uarg);
	if (ret || d->no_copyout)
		return ret;
	if (copy_to_user(uarg, buf, min_t(size_t, usize, d->size)))
		return -EFAULT;
	return 0;
}

static int lab_ioc_version(struct file *file, void *arg, void __user *uarg)
{
	struct locklab_version *v = arg;
	const struct lab_ops_head *h;
	unsigned int i;

	if (v->flags || v->__reserved)
		return -EINVAL;
	v->abi_major = LOCKLAB_ABI_MAJOR;
	v->abi_minor = LOCKLAB_ABI_MINOR;
	v->kinds = 0;
	for (i = 0; (h = lab_ops_at(i)); i++)
		v->kinds |= 1ULL << h->kind;
	v->nr_cpus = num_online_cpus();
	strscpy(v->backend, lab_atomic_backend_name(), sizeof(v->backend));
	return 0;
}

static int lab_ioc_list(struct file *file, void *arg, void __user *uarg)
{
	struct locklab_list *l = arg;
	const struct lab_ops_head *h;

	if (l->flags)
		return -EINVAL;
	h = lab_ops_at(l->index);
	if (!h)
		return -ENOENT;
	l->kind = h->kind;
	l->variant = h->variant;
	l->props = h->props;
	strscpy(l->name, h->name, sizeof(l->name));
	strscpy(l->kind_name, lab_kind_name(h->kind), sizeof(l->kind_name));
	return 0;
}

static int lab_bench_check(const struct locklab_bench *b)
{
	if (b->flags & ~LOCKLAB_BENCH_BIND || b->__reserved)
		return -EINVAL;
	if (!b->threads || b->threads > LOCKLAB_BENCH_MAX_THREADS)
		return -EINVAL;
	if (!b->duration_ms || b->duration_ms > lab_bench_max_ms)
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

	if (!ops)
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
 * periods, and a reader that met a retired copy counts a violation.
 */
static int lab_bench_rcu(struct locklab_bench *b)
{
	struct lab_rcu_bench_result r;
	int ret;

	if (b->flags || b->hold_ns || b->gap_ns || b->per_thread)
		return -EINVAL;
	ret = lab_rcu_bench(b->variant, b->threads, b->duration_ms, &r);
	if (ret)
		return ret;
	b->acquisitions = r.sections;
	b->elapsed_ns = r.elapsed_ns;
	b->reads = r.grace_periods;
	b->violations = r.violations;
	return 0;
}

/*
 * Seqlocks: @threads readers take consistent copies of a record while one
 * more kthread keeps rewriting it (bench/seqbench.c); "acquisitions" are
 * accepted copies, "reads" write sections, and an accepted torn copy
 * counts a violation. (Retried copies are not in the ABI.)
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
	return 0;
}

static int lab_ioc_bench(struct file *file, void *arg, void __user *uarg)
{
	struct locklab_bench *b = arg;
	struct lab_torture_cfg cfg = { };
	struct lab_torture_stats st = { };
	u64 __user *uper = u64_to_user_ptr(b->per_thread);
	int ret;

	ret = lab_bench_check(b);
	if (ret)
		return ret;
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
	cfg.interruptible = true;
	if (uper) {
		st.per_thread = kcalloc(b->threads, sizeof(u64), GFP_KERNEL);
		if (!st.per_thread)
			return -ENOMEM;
	}

	ret = lab_torture_run(&cfg, &st);
	if (ret == -EDEADLK) {
		/* The run's threads still write per_thread: leak it. */
		return ret;
	}
	if (!ret && uper &&
	    copy_to_user(uper, st.per_thread, b->threads * sizeof(u64)))
		ret = -EFAULT;
	kfree(st.per_thread);
	if (!ret)
		lab_bench_result(b, &st);
	return ret;
}

static int lab_ioc_create(struct file *file, void *arg, void __user *uarg)
{
	return lab_obj_create(file->private_data, arg,
			      &((struct locklab_create __user *)uarg)->fd);
}

/* A command of the other kind of fd (factory vs object): -EINVAL. */
int lab_ioc_wrong_fd(struct file *file, void *arg, void __user *uarg)
{
	return -EINVAL;
}

static const struct lab_ioctl_desc lab_dev_ioctls[] = {
	LAB_IOCTL(LOCKLAB_IOC_VERSION, struct locklab_version, backend,
		  lab_ioc_version),
	LAB_IOCTL(LOCKLAB_IOC_LIST, struct locklab_list, kind_name,
		  lab_ioc_list),
	LAB_IOCTL(LOCKLAB_IOC_BENCH, struct locklab_bench, elapsed_ns,
		  lab_ioc_bench),
	LAB_IOCTL_FLAGS(LOCKLAB_IOC_CREATE, struct locklab_create, __reserved,
			lab_ioc_create, true),
	/* Object commands are the wrong kind for /dev/locklab itself. */
	LAB_IOCTL(LOCKLAB_IOC_OP, struct locklab_op, wait_ns, lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_STATS, struct locklab_stats, counter,
		  lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_ARC, struct locklab_arc_op, weak, lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_CHAN, struct locklab_chan_op, __reserved,
		  lab_ioc_wrong_fd),
};

long lab_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	BUILD_BUG_ON(sizeof(struct locklab_bench) > LAB_IOCTL_MAX_SIZE);
	BUILD_BUG_ON(sizeof(struct locklab_stats) > LAB_IOCTL_MAX_SIZE);
	return lab_ioctl_dispatch(lab_dev_ioctls, ARRAY_SIZE(lab_dev_ioctls),
				  file, cmd, u64_to_user_ptr((u64)arg));
}
