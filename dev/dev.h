/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab character device internals: the one ioctl table of /dev/locklab
 * and of the object fds it creates, and the gate every command passes.
 *
 * Each command names where it may be made (@where: /dev/locklab itself,
 * or object fds of given kinds). lab_ioctl_dispatch() checks that first,
 * before it reads a byte of the argument, then the size (capped at a
 * page before any user memory is scanned), then copies the structure in
 * with copy_struct_from_user(), so every handler starts from a structure
 * of the kernel's size whose ABI rules are already enforced.
 */
#ifndef _LOCKLAB_DEV_H
#define _LOCKLAB_DEV_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* Where a command may be made. */
#define LAB_ON_DEV		BIT(0)		/* /dev/locklab */
#define LAB_ON_KIND(kind)	BIT(kind)	/* object fds of one kind */

/**
 * struct lab_ioctl_desc - one ioctl of the dispatch table
 * @cmd: the ioctl number
 * @where: LAB_ON_* bits: the fds that take it (elsewhere: -EINVAL)
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
	u32 where;
	size_t size;
	size_t min_size;
	int (*fn)(struct file *file, void *arg, void __user *uarg);
	bool no_copyout;
};

/* Largest structure any command takes: the on-stack buffer. */
#define LAB_IOCTL_MAX_SIZE	192

/* Largest @size a caller may pass (the kernel's extensible ABIs: a page). */
#define LAB_IOCTL_MAX_USIZE	4096

long lab_ioctl_dispatch(struct file *file, u32 where, unsigned int cmd,
			void __user *uarg);

long lab_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int lab_dev_open(struct inode *inode, struct file *file);
int lab_dev_release(struct inode *inode, struct file *file);

/* LOCKLAB_IOC_BENCH (dev/bench.c). */
int lab_ioc_bench(struct file *file, void *arg, void __user *uarg);
extern unsigned int lab_bench_max_ms;
extern struct mutex lab_bench_lock;

/* LOCKLAB_IOC_LAB (dev/lab.c): one experiment of lab/. */
int lab_ioc_lab(struct file *file, void *arg, void __user *uarg);

#endif /* _LOCKLAB_DEV_H */
