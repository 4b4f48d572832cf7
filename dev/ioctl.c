// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ioctls: the one dispatch table, its gate, and the commands of
 * /dev/locklab itself (the ABI handshake, the variant list, object
 * creation, the budgets). The ABI rules (include/uapi/linux/locklab.h,
 * "General ioctl format") are enforced once, in lab_ioctl_dispatch().
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <locklab/atomic.h>
#include <locklab/ops.h>
#include <uapi/linux/locklab.h>

#include "budget.h"
#include "dev.h"
#include "object.h"

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

static int lab_ioc_create(struct file *file, void *arg, void __user *uarg)
{
	return lab_obj_create(file->private_data, arg,
			      &((struct locklab_create __user *)uarg)->fd);
}

static int lab_ioc_limits(struct file *file, void *arg, void __user *uarg)
{
	struct lab_dev_ctx *ctx = file->private_data;
	struct locklab_limits *l = arg;

	if (l->flags)
		return -EINVAL;
	l->objects = atomic_read(&ctx->objects);
	l->max_objects = READ_ONCE(lab_max_objects);
	l->open_bytes = atomic_long_read(&ctx->budget.used);
	l->max_open_bytes = READ_ONCE(lab_max_open_bytes);
	l->user_bytes = atomic_long_read(&ctx->budget.parent->used);
	l->max_user_bytes = READ_ONCE(lab_max_user_bytes);
	return 0;
}

#define LAB_ON_LOCKS	(LAB_ON_KIND(LOCKLAB_KIND_SPIN) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_MUTEX) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_RWLOCK) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_SEMAPHORE) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_CONDVAR) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_SEQLOCK))
#define LAB_ON_OBJECTS	(LAB_ON_LOCKS |					\
			 LAB_ON_KIND(LOCKLAB_KIND_ARC) |		\
			 LAB_ON_KIND(LOCKLAB_KIND_CHANNEL))

#define LAB_IOCTL(_cmd, _where, _struct, _last, _fn, _nocopy)		\
	{								\
		.cmd = _cmd,						\
		.where = _where,					\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(_struct) > LAB_IOCTL_MAX_SIZE), \
		.min_size = offsetofend(_struct, _last),		\
		.fn = _fn,						\
		.no_copyout = _nocopy,					\
	}

static const struct lab_ioctl_desc lab_ioctls[] = {
	LAB_IOCTL(LOCKLAB_IOC_VERSION, LAB_ON_DEV, struct locklab_version,
		  backend, lab_ioc_version, false),
	LAB_IOCTL(LOCKLAB_IOC_LIST, LAB_ON_DEV, struct locklab_list, kind_name,
		  lab_ioc_list, false),
	LAB_IOCTL(LOCKLAB_IOC_BENCH, LAB_ON_DEV, struct locklab_bench,
		  elapsed_ns, lab_ioc_bench, false),
	LAB_IOCTL(LOCKLAB_IOC_CREATE, LAB_ON_DEV, struct locklab_create,
		  __reserved, lab_ioc_create, true),
	LAB_IOCTL(LOCKLAB_IOC_LIMITS, LAB_ON_DEV, struct locklab_limits,
		  max_user_bytes, lab_ioc_limits, false),
	LAB_IOCTL(LOCKLAB_IOC_OP, LAB_ON_LOCKS, struct locklab_op, wait_ns,
		  lab_obj_ioc_op, false),
	LAB_IOCTL(LOCKLAB_IOC_STATS, LAB_ON_OBJECTS, struct locklab_stats,
		  counter, lab_obj_ioc_stats, false),
	LAB_IOCTL(LOCKLAB_IOC_ARC, LAB_ON_KIND(LOCKLAB_KIND_ARC),
		  struct locklab_arc_op, weak, lab_arc_ioc, false),
	LAB_IOCTL(LOCKLAB_IOC_CHAN, LAB_ON_KIND(LOCKLAB_KIND_CHANNEL),
		  struct locklab_chan_op, __reserved, lab_chan_ioc, false),
	LAB_IOCTL(LOCKLAB_IOC_LAB, LAB_ON_DEV, struct locklab_lab, __reserved,
		  lab_ioc_lab, false),
};

/**
 * lab_ioctl_dispatch() - gate, decode and run one ioctl
 * @file: the file the ioctl was made on
 * @where: what @file is: LAB_ON_DEV or LAB_ON_KIND(its object's kind)
 * @cmd: ioctl number
 * @uarg: user pointer to the structure
 *
 * Return: the handler's result, or -ENOTTY (unknown command), -EINVAL (a
 * command this fd does not take, or a size below the minimum), -E2BIG
 * (size above a page, or non-zero bytes past the kernel's structure),
 * -EFAULT (bad pointer).
 */
long lab_ioctl_dispatch(struct file *file, u32 where, unsigned int cmd,
			void __user *uarg)
{
	u64 buf[LAB_IOCTL_MAX_SIZE / sizeof(u64)];
	const struct lab_ioctl_desc *d = NULL;
	unsigned int i;
	u32 usize;
	int ret;

	for (i = 0; i < ARRAY_SIZE(lab_ioctls); i++) {
		if (lab_ioctls[i].cmd == cmd) {
			d = &lab_ioctls[i];
			break;
		}
	}
	if (!d)
		return -ENOTTY;
	/* The gate: the wrong fd for the command reads nothing. */
	if (!(d->where & where))
		return -EINVAL;
	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < d->min_size)
		return -EINVAL;
	if (usize > LAB_IOCTL_MAX_USIZE)
		return -E2BIG;
	ret = copy_struct_from_user(buf, d->size, uarg, usize);
	if (ret)
		return ret;
	/*
	 * All or nothing: the structure is written back (unchanged) before
	 * the command runs, so that a structure we could read but cannot
	 * write (read-only, or across a read-only page) is EFAULT before any
	 * effect: no lock taken, no fd installed that the caller cannot
	 * learn of. (A caller that remaps its memory during the call can
	 * still see EFAULT after the effect; it asked for it.)
	 */
	if (copy_to_user(uarg, buf, min_t(size_t, usize, d->size)))
		return -EFAULT;
	ret = d->fn(file, buf, uarg);
	if (ret || d->no_copyout)
		return ret;
	if (copy_to_user(uarg, buf, min_t(size_t, usize, d->size)))
		return -EFAULT;
	return 0;
}

long lab_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	BUILD_BUG_ON(LOCKLAB_KIND_MAX > 31);	/* LAB_ON_KIND() fits a u32 */
	return lab_ioctl_dispatch(file, LAB_ON_DEV, cmd,
				  u64_to_user_ptr((u64)arg));
}
