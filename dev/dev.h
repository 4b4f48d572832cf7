/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab character device internals: the ioctl dispatcher shared by
 * /dev/locklab and (later) the object fds it creates.
 */
#ifndef _LOCKLAB_DEV_H
#define _LOCKLAB_DEV_H

#include <linux/fs.h>
#include <linux/stddef.h>
#include <linux/types.h>

/**
 * struct lab_ioctl_desc - one ioctl of a dispatch table (searched linearly:
 * tables are short)
 * @cmd: the ioctl number
 * @size: sizeof the kernel's structure
 * @min_size: bytes of the first version of the structure (offsetofend of
 *	its last field); a smaller caller size is -EINVAL
 * @fn: the handler; gets the structure copied in and zero-extended (and
 *	the user pointer, for handlers that write back themselves); on
 *	return 0 the structure is copied back (caller's size, at most @size)
 *	unless @no_copyout
 * @no_copyout: the handler did its own copy to the user (LOCKLAB_IOC_CREATE
 *	installs the new fd only once the fd number reached the caller)
 */
struct lab_ioctl_desc {
	unsigned int cmd;
	size_t size;
	size_t min_size;
	int (*fn)(struct file *file, void *arg, void __user *uarg);
	bool no_copyout;
};

#define LAB_IOCTL_FLAGS(_cmd, _struct, _last, _fn, _nocopy)		\
	{								\
		.cmd = _cmd,						\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.fn = _fn,						\
		.no_copyout = _nocopy,					\
	}

#define LAB_IOCTL(_cmd, _struct, _last, _fn)				\
	LAB_IOCTL_FLAGS(_cmd, _struct, _last, _fn, false)

/* Largest structure any table uses: the on-stack buffer. */
#define LAB_IOCTL_MAX_SIZE	128

long lab_ioctl_dispatch(const struct lab_ioctl_desc *table, unsigned int nr,
			struct file *file, unsigned int cmd,
			void __user *uarg);

long lab_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int lab_ioc_wrong_fd(struct file *file, void *arg, void __user *uarg);
int lab_dev_open(struct inode *inode, struct file *file);
int lab_dev_release(struct inode *inode, struct file *file);

extern unsigned int lab_bench_max_ms;

#endif /* _LOCKLAB_DEV_H */
