/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab from userspace: thin wrappers around the ioctls of
 * include/uapi/linux/locklab.h, shared by the CLI (tools/) and the
 * selftests (selftests/locklab_test.h). Header-only, so both link nothing.
 *
 * Each returns 0 or a positive errno (not -1 and errno), so that callers
 * compare with EBUSY directly and tests write EXPECT_EQ(EBUSY, ...).
 */
#ifndef _LOCKLAB_USER_H
#define _LOCKLAB_USER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#define LL_DEV "/dev/locklab"

static inline int ll_err(int ret)
{
	return ret ? errno : 0;
}

static inline int ll_version(int dev, struct locklab_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	return ll_err(ioctl(dev, LOCKLAB_IOC_VERSION, v));
}

/* The @index-th variant; ENOENT past the last. */
static inline int ll_list(int dev, uint32_t index, struct locklab_list *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	l->index = index;
	return ll_err(ioctl(dev, LOCKLAB_IOC_LIST, l));
}

static inline int ll_limits(int dev, struct locklab_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->size = sizeof(*l);
	return ll_err(ioctl(dev, LOCKLAB_IOC_LIMITS, l));
}

static inline int ll_bench(int dev, struct locklab_bench *b)
{
	b->size = sizeof(*b);
	return ll_err(ioctl(dev, LOCKLAB_IOC_BENCH, b));
}

/* LOCKLAB_IOC_LAB: @l's experiment, variant, rounds, threads filled in. */
static inline int ll_lab(int dev, struct locklab_lab *l)
{
	l->size = sizeof(*l);
	return ll_err(ioctl(dev, LOCKLAB_IOC_LAB, l));
}

static inline int ll_create(int dev, uint32_t kind, uint32_t variant,
			    uint32_t p0, uint32_t p1, int *fd)
{
	struct locklab_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = LOCKLAB_CREATE_CLOEXEC;
	c.kind = kind;
	c.variant = variant;
	c.params[0] = p0;
	c.params[1] = p1;
	c.fd = -1;
	ret = ll_err(ioctl(dev, LOCKLAB_IOC_CREATE, &c));
	*fd = ret ? -1 : c.fd;
	return ret;
}

/* One LOCKLAB_IOC_OP; *o then holds what the kernel wrote back. */
static inline int ll_op_out(int fd, uint32_t op, uint32_t flags,
			    uint32_t hold_ns, uint64_t timeout_ns,
			    struct locklab_op *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->op = op;
	o->flags = flags;
	o->hold_ns = hold_ns;
	o->timeout_ns = timeout_ns;
	return ll_err(ioctl(fd, LOCKLAB_IOC_OP, o));
}

static inline int ll_op_full(int fd, uint32_t op, uint32_t flags,
			     uint32_t hold_ns, uint64_t timeout_ns,
			     uint64_t *wait_ns)
{
	struct locklab_op o;
	int ret = ll_op_out(fd, op, flags, hold_ns, timeout_ns, &o);

	if (wait_ns)
		*wait_ns = o.wait_ns;
	return ret;
}

static inline int ll_op(int fd, uint32_t op)
{
	return ll_op_full(fd, op, 0, 0, 0, NULL);
}

static inline int ll_op_timeout(int fd, uint32_t op, uint64_t ns)
{
	return ll_op_full(fd, op, LOCKLAB_OP_TIMEOUT, 0, ns, NULL);
}

static inline int ll_stats(int fd, struct locklab_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ll_err(ioctl(fd, LOCKLAB_IOC_STATS, st));
}

/* One LOCKLAB_IOC_ARC; *newfd gets the new handle, counts are reported. */
static inline int ll_arc(int fd, uint32_t op, int *newfd, int64_t *strong,
			 int64_t *weak)
{
	struct locklab_arc_op a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = LOCKLAB_CREATE_CLOEXEC;
	a.op = op;
	ret = ll_err(ioctl(fd, LOCKLAB_IOC_ARC, &a));
	if (newfd)
		*newfd = ret ? -1 : a.fd;
	if (strong)
		*strong = a.strong;
	if (weak)
		*weak = a.weak;
	return ret;
}

/* One LOCKLAB_IOC_CHAN; *len in/out. */
static inline int ll_chan(int fd, uint32_t op, uint32_t flags, void *buf,
			  uint32_t *len, uint64_t timeout_ns, int *newfd)
{
	struct locklab_chan_op c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags | LOCKLAB_CHAN_CLOEXEC;
	c.op = op;
	c.buf = (uintptr_t)buf;
	c.len = len ? *len : 0;
	c.timeout_ns = timeout_ns;
	ret = ll_err(ioctl(fd, LOCKLAB_IOC_CHAN, &c));
	if (len && !ret)
		*len = c.len;
	if (newfd)
		*newfd = ret ? -1 : c.fd;
	return ret;
}

static inline int ll_send(int fd, const void *buf, uint32_t len)
{
	return ll_chan(fd, LOCKLAB_CHAN_SEND, 0, (void *)buf, &len, 0, NULL);
}

static inline int ll_recv(int fd, void *buf, uint32_t *len)
{
	return ll_chan(fd, LOCKLAB_CHAN_RECV, 0, buf, len, 0, NULL);
}

/* Set a module parameter; 0 or -1. */
static inline int ll_write_param(const char *name, const char *val)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), "/sys/module/locklab/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

static inline double ll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* _LOCKLAB_USER_H */
