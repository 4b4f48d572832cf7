// SPDX-License-Identifier: GPL-2.0
/*
 * locklab errno selftest, part 1: the errnos of arguments and resources
 * that include/uapi/linux/locklab.h lists, each provoked through the ABI
 * and checked, one test per errno: EFAULT, EINVAL, E2BIG, ENOTTY, ENOMEM,
 * ENOSPC, EMFILE, ENOENT. errno_ops_test provokes the others, and
 * errno_seen_test checks that each errno of the header was seen at least
 * once (errno_common.h). This program runs first and starts the record.
 *
 * Not tested here: the semantics behind each errno beyond what provokes
 * it (the object, channel, robust and accounting selftests do that), and
 * every command x errno pair. ENOMEM needs a memory cgroup (cgroup v2 with
 * the memory controller) and is skipped without one.
 *
 * Needs root (module parameters, rlimits, cgroups). Skips (exit 4) when
 * /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"

#define ERRNO_PROGRAM	"errno_args_test"
#define ERRNO_FIRST
#include "errno_common.h"

TEST_F(err, efault)
{
	struct locklab_limits l0, l;
	struct locklab_create *c;
	char *bad, *page, rbuf[64];
	int fd, probe;

	if (_metadata->skip)
		return;
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bad);
	/* The argument itself. */
	EXPECT_ERRNO(EFAULT, ioc(self->dev, LOCKLAB_IOC_VERSION, NULL));
	EXPECT_ERRNO(EFAULT, ioc(self->dev, LOCKLAB_IOC_LIMITS, bad));
	EXPECT_ERRNO(EFAULT, ioc(self->dev, LOCKLAB_IOC_CREATE, bad));
	fd = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 64);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EFAULT, ioc(fd, LOCKLAB_IOC_CHAN, bad));
	/* A bad message buffer: nothing is queued. */
	EXPECT_ERRNO(EFAULT, chan_op(fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK,
				     bad, 4));
	EXPECT_EQ(EAGAIN, chan_op(fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				  rbuf, sizeof(rbuf)));
	/* A bad receive buffer: the message is taken. */
	ASSERT_EQ(0, ll_send(fd, "abcd", 4));
	EXPECT_ERRNO(EFAULT, chan_op(fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				     bad, 4));
	EXPECT_EQ(EAGAIN, chan_op(fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				  rbuf, sizeof(rbuf)));
	close(fd);

	/* CREATE cannot write the new fd back: no object, no fd is left. */
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	c = (struct locklab_create *)page;
	c->size = sizeof(*c);
	c->kind = LOCKLAB_KIND_MUTEX;
	c->variant = LOCKLAB_MUTEX_3STATE;
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	probe = dup(0);
	close(probe);
	EXPECT_ERRNO(EFAULT, ioc(self->dev, LOCKLAB_IOC_CREATE, c));
	fd = dup(0);
	EXPECT_EQ(probe, fd);
	close(fd);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(l0.objects, l.objects);
	EXPECT_EQ(l0.open_bytes, l.open_bytes);
	munmap(page, 4096);
	munmap(bad, 4096);
}

TEST_F(err, einval)
{
	struct locklab_version v;
	struct locklab_create c;
	struct locklab_op op;
	int mutex, chan, arc;

	if (_metadata->skip)
		return;
	/* Short size. */
	memset(&v, 0, sizeof(v));
	v.size = 4;
	EXPECT_ERRNO(EINVAL, ioc(self->dev, LOCKLAB_IOC_VERSION, &v));
	/* Unknown flag. */
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.kind = LOCKLAB_KIND_MUTEX;
	c.variant = LOCKLAB_MUTEX_3STATE;
	c.flags = 0x80;
	EXPECT_ERRNO(EINVAL, ioc(self->dev, LOCKLAB_IOC_CREATE, &c));
	/* Reserved field. */
	c.flags = 0;
	c.__reserved = 1;
	EXPECT_ERRNO(EINVAL, ioc(self->dev, LOCKLAB_IOC_CREATE, &c));
	/* Bad kind, variant, parameter; a kind without objects. */
	EXPECT_ERRNO(EINVAL, ll_create(self->dev, 0, 1, 0, 0, &mutex));
	EXPECT_ERRNO(EINVAL, ll_create(self->dev, 99, 1, 0, 0, &mutex));
	EXPECT_ERRNO(EINVAL, ll_create(self->dev, LOCKLAB_KIND_MUTEX, 99, 0, 0,
				       &mutex));
	EXPECT_ERRNO(EINVAL, ll_create(self->dev, LOCKLAB_KIND_RCU,
				       LOCKLAB_RCU_LAB, 0, 0, &mutex));
	EXPECT_ERRNO(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
				       LOCKLAB_CHANNEL_MPSC, 0, 32769, &mutex));
	/* Wrong fd kind, before any field is read (NULL argument). */
	mutex = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 0);
	arc = mk(self->dev, LOCKLAB_KIND_ARC, LOCKLAB_ARC_ARC, 16, 0);
	ASSERT_LE(0, mutex);
	ASSERT_LE(0, chan);
	ASSERT_LE(0, arc);
	EXPECT_ERRNO(EINVAL, ioc(mutex, LOCKLAB_IOC_CHAN, NULL));
	EXPECT_ERRNO(EINVAL, ioc(chan, LOCKLAB_IOC_OP, NULL));
	EXPECT_ERRNO(EINVAL, ioc(arc, LOCKLAB_IOC_CHAN, NULL));
	EXPECT_ERRNO(EINVAL, ioc(chan, LOCKLAB_IOC_ARC, NULL));
	EXPECT_ERRNO(EINVAL, ioc(mutex, LOCKLAB_IOC_CREATE, NULL));
	EXPECT_ERRNO(EINVAL, ioc(mutex, LOCKLAB_IOC_LIMITS, NULL));
	EXPECT_ERRNO(EINVAL, ioc(self->dev, LOCKLAB_IOC_OP, NULL));
	EXPECT_ERRNO(EINVAL, ioc(self->dev, LOCKLAB_IOC_STATS, NULL));
	/* An op's unknown flag, unknown op, and NONBLOCK with TIMEOUT. */
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.op = LOCKLAB_OP_HOLD;
	op.flags = 0x80;
	EXPECT_ERRNO(EINVAL, ioc(mutex, LOCKLAB_IOC_OP, &op));
	EXPECT_ERRNO(EINVAL, ll_op(mutex, 999));
	EXPECT_ERRNO(EINVAL, ll_op_full(mutex, LOCKLAB_OP_HOLD,
					LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_TIMEOUT,
					0, MS, NULL));
	EXPECT_ERRNO(EINVAL, chan_op(chan, 77, 0, NULL, 0));
	close(arc);
	close(chan);
	close(mutex);
}

TEST_F(err, e2big)
{
	struct {
		struct locklab_version v;
		uint64_t tail;
	} t;
	uint32_t *edge;
	char *map;
	int mutex;

	if (_metadata->skip)
		return;
	/* A non-zero tail past the kernel's structure. */
	memset(&t, 0, sizeof(t));
	t.v.size = sizeof(t);
	t.tail = 1;
	EXPECT_ERRNO(E2BIG, ioc(self->dev, LOCKLAB_IOC_VERSION, &t));
	/*
	 * Size 4097 and more: E2BIG before anything past the size is read,
	 * so an argument that ends 8 bytes before an unmapped page will do.
	 */
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + 4096, 4096, PROT_NONE));
	edge = (uint32_t *)(map + 4096 - 8);
	edge[0] = 4097;
	edge[1] = 0;
	EXPECT_ERRNO(E2BIG, ioc(self->dev, LOCKLAB_IOC_VERSION, edge));
	EXPECT_ERRNO(E2BIG, ioc(self->dev, LOCKLAB_IOC_CREATE, edge));
	edge[0] = 0xffffffff;
	EXPECT_ERRNO(E2BIG, ioc(self->dev, LOCKLAB_IOC_LIMITS, edge));
	mutex = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, mutex);
	edge[0] = 4097;
	EXPECT_ERRNO(E2BIG, ioc(mutex, LOCKLAB_IOC_OP, edge));
	EXPECT_ERRNO(E2BIG, ioc(mutex, LOCKLAB_IOC_STATS, edge));
	close(mutex);
	munmap(map, 8192);
}

TEST_F(err, enotty)
{
	struct locklab_version v = { .size = sizeof(v) };
	int mutex;

	if (_metadata->skip)
		return;
	EXPECT_ERRNO(ENOTTY, ioc(self->dev, _IO(LOCKLAB_TYPE, 0x7f), &v));
	EXPECT_ERRNO(ENOTTY, ioc(self->dev,
				 _IOWR(LOCKLAB_TYPE, 0x00, struct locklab_version),
				 &v));
	mutex = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, mutex);
	EXPECT_ERRNO(ENOTTY, ioc(mutex, _IO(LOCKLAB_TYPE, 0x7f), &v));
	EXPECT_ERRNO(ENOTTY, ioc(mutex, _IO(LOCKLAB_TYPE + 1, 0x10), &v));
	close(mutex);
}

/*
 * ENOMEM: a child in a memory cgroup whose memory.max leaves a few hundred
 * KiB sends 32 KiB messages. Each message is an order-4 allocation (above
 * PAGE_ALLOC_COSTLY_ORDER), for which the memory cgroup fails the charge
 * instead of calling the OOM killer.
 */
struct nomem_shared {
	int phase;	/* 1 in the cgroup, 2 ready, 3 go, 4 done, 5 exit */
	int fail;
	int err;
	int sent;
	char buf[32768];	/* touched by the parent: no faults in the child */
};

static void nomem_child(void *arg, int olddev)
{
	struct nomem_shared *s = arg;
	uint32_t len;
	int dev, fd, i;

	fd = ll_cg_child_chan(olddev, &s->phase, &s->fail, &dev);
	for (i = 0; i < 4; i++) {
		len = sizeof(s->buf);
		if (ll_send(fd, s->buf, 32768) || ll_recv(fd, s->buf, &len)) {
			s->fail = 2;
			_exit(1);
		}
	}
	ll_child_step(&s->phase, 2);
	s->sent = ll_sends_until_error(fd, s->buf, 32768, 1024, &s->err);
	ll_child_done(&s->phase, 4);
}

TEST_F_TIMEOUT(err, enomem, 180)
{
	uint64_t cur = 0, ooms0 = 0, ooms1 = 0;
	char cg[128], why[256], max[32];
	struct nomem_shared *s;
	pid_t pid;

	if (_metadata->skip)
		return;
	if (ll_cg_make("errno", cg, sizeof(cg), why, sizeof(why))) {
		mark(ENOMEM, SKIPPED);
		SKIP(return, "ENOMEM needs a memory cgroup: %s", why);
	}
	s = ll_shared_new(_metadata, sizeof(*s), 0);
	if (!ll_cg_child_start(_metadata, cg, &s->phase, nomem_child, s,
			       self->dev, 60, &pid)) {
		TH_LOG("child not ready (step %d)", s->fail);
		EXPECT_TRUE(false);
		goto out;
	}
	EXPECT_EQ(0, ll_cg_read(cg, "memory.current", NULL, &cur));
	EXPECT_EQ(0, ll_cg_read(cg, "memory.events", "oom_kill", &ooms0));
	snprintf(max, sizeof(max), "%llu", (unsigned long long)cur + 256 * 1024);
	EXPECT_EQ(0, ll_cg_write(cg, "memory.max", max));
	ll_phase_set(&s->phase, 3);
	if (!ll_phase_wait(&s->phase, 4, 60)) {
		TH_LOG("sends did not end");
		EXPECT_TRUE(false);
		goto out;
	}
	EXPECT_ERRNO(ENOMEM, s->err);
	EXPECT_GT(64, s->sent);
	EXPECT_EQ(0, ll_cg_read(cg, "memory.events", "oom_kill", &ooms1));
	EXPECT_EQ(ooms0, ooms1);	/* failed the charge, killed nobody */
out:
	ll_cg_child_end(_metadata, cg, &s->phase, 5, pid);
	munmap(s, sizeof(*s));
}

TEST_F(err, enospc_max_objects)
{
	struct locklab_limits l;
	int a, b, c;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_write_param("max_objects", "2"));
	a = mk(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS, 0, 0);
	b = mk(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_ERRNO(ENOSPC, ll_create(self->dev, LOCKLAB_KIND_SPIN,
				       LOCKLAB_SPIN_TAS, 0, 0, &c));
	/* Handles count as objects too. */
	close(b);
	b = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 0);
	ASSERT_LE(0, b);
	EXPECT_ERRNO(ENOSPC, ll_chan(b, LOCKLAB_CHAN_NEW_SENDER, 0, NULL, NULL,
				     0, &c));
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(2, l.objects);
	EXPECT_EQ(2, l.max_objects);
	close(a);
	close(b);
}

TEST_F(err, enospc_budget)
{
	unsigned long n = 0;
	int fd, ring, err;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_write_param("max_open_bytes", "65536"));
	ASSERT_EQ(0, ll_write_param("chan_mpsc_max_bytes", "1048576"));
	fd = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 256);
	ASSERT_LE(0, fd);
	while (n < 100000 && !(err = chan_op(fd, LOCKLAB_CHAN_SEND,
					     LOCKLAB_OP_NONBLOCK, "x", 1)))
		n++;
	EXPECT_ERRNO(ENOSPC, err);
	EXPECT_LT(0, n);
	/* Objects are charged too: a ring that does not fit. */
	EXPECT_ERRNO(ENOSPC, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
				       LOCKLAB_CHANNEL_BOUNDED, 64, 1024, &ring));
	close(fd);
}

TEST_F(err, emfile)
{
	struct locklab_limits l0, l;
	struct rlimit old, low;
	int chan, arc, fd, probe;

	if (_metadata->skip)
		return;
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 0);
	arc = mk(self->dev, LOCKLAB_KIND_ARC, LOCKLAB_ARC_ARC, 16, 0);
	ASSERT_LE(0, chan);
	ASSERT_LE(0, arc);
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	probe = dup(0);		/* the lowest free fd */
	ASSERT_LE(0, probe);
	close(probe);
	low = old;
	low.rlim_cur = probe;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &low));
	EXPECT_ERRNO(EMFILE, ll_create(self->dev, LOCKLAB_KIND_MUTEX,
				       LOCKLAB_MUTEX_3STATE, 0, 0, &fd));
	EXPECT_ERRNO(EMFILE, ll_arc(arc, LOCKLAB_ARC_CLONE, &fd, NULL, NULL));
	EXPECT_ERRNO(EMFILE, ll_chan(chan, LOCKLAB_CHAN_NEW_SENDER, 0, NULL, NULL,
				     0, &fd));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	/* Nothing was left behind. */
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(l0.objects, l.objects);
	EXPECT_EQ(l0.open_bytes, l.open_bytes);
	close(arc);
	close(chan);
}

TEST_F(err, enoent)
{
	struct locklab_list l;
	int strong, weak, fd;
	int64_t s, w;
	uint32_t n;

	if (_metadata->skip)
		return;
	/* LIST just past the last entry, and far past it. */
	for (n = 0; n < 4096; n++) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.index = n;
		if (ioc(self->dev, LOCKLAB_IOC_LIST, &l))
			break;
	}
	EXPECT_LT(0, n);
	EXPECT_ERRNO(ENOENT, ioc(self->dev, LOCKLAB_IOC_LIST, &l));
	l.index = 1U << 30;
	EXPECT_ERRNO(ENOENT, ioc(self->dev, LOCKLAB_IOC_LIST, &l));
	/* UPGRADE once the last strong handle is gone. */
	strong = mk(self->dev, LOCKLAB_KIND_ARC, LOCKLAB_ARC_ARC, 64, 0);
	ASSERT_LE(0, strong);
	ASSERT_EQ(0, ll_arc(strong, LOCKLAB_ARC_DOWNGRADE, &weak, NULL, NULL));
	EXPECT_EQ(0, ll_arc(weak, LOCKLAB_ARC_UPGRADE, &fd, NULL, NULL));
	close(fd);
	close(strong);
	EXPECT_ERRNO(ENOENT, ll_arc(weak, LOCKLAB_ARC_UPGRADE, &fd, &s, &w));
	close(weak);
}

TEST_HARNESS_MAIN
