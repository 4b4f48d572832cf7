// SPDX-License-Identifier: GPL-2.0
/*
 * locklab robustness selftest, part 3: a command on the wrong kind of fd
 * (object commands on /dev/locklab, factory commands on objects, channel
 * commands on Arc handles, ...) is EINVAL before it reads its argument,
 * and changes nothing: no fd, no object, no output field, no lock taken.
 * The commands each fd does take read the argument (EFAULT on an
 * unreadable page).
 *
 * Not here: each structure's ABI (abi_test), the errnos of the right fds
 * (errno_*_test). Skips (exit 4) without /dev/locklab.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "robust_common.h"

static int rb_next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	close(fd);
	return fd;
}

TEST_F(robust, wrong_kind_ioctls_are_einval_unread_and_change_nothing)
{
	static const struct { unsigned int cmd; const char *name; } cmds[] = {
		{ LOCKLAB_IOC_VERSION, "VERSION" }, { LOCKLAB_IOC_LIST, "LIST" },
		{ LOCKLAB_IOC_BENCH, "BENCH" }, { LOCKLAB_IOC_CREATE, "CREATE" },
		{ LOCKLAB_IOC_LIMITS, "LIMITS" }, { LOCKLAB_IOC_OP, "OP" },
		{ LOCKLAB_IOC_STATS, "STATS" }, { LOCKLAB_IOC_ARC, "ARC" },
		{ LOCKLAB_IOC_CHAN, "CHAN" },
	};
	/* The bits of cmds[] each fd takes. */
	enum { DEV = 0x1f, LOCK = 0x60, ARC = 0xc0, CHAN = 0x140 };
	static const unsigned int takes[10] = { DEV, LOCK, LOCK, LOCK, LOCK,
						LOCK, ARC, ARC, CHAN, CHAN };
	static const char *const name[10] = { "/dev/locklab", "spin", "mutex",
		"rwlock", "semaphore", "condvar", "arc", "arc weak", "mpsc",
		"mpsc sender" };
	struct locklab_chan_op co = { .size = sizeof(co), .op = CH(SEND),
				      .len = 4, .buf = (uintptr_t)"abcd" };
	struct locklab_arc_op ao = { .size = sizeof(ao),
				     .op = LOCKLAB_ARC_CLONE, .fd = -7 };
	struct locklab_op op = { .size = sizeof(op), .op = OP(LOCK) };
	struct locklab_create cr = { .size = sizeof(cr), .kind = K_MUTEX,
				     .variant = 1, .fd = -7 };
	struct locklab_limits li = { .size = sizeof(li), .objects = 0xdead };
	struct locklab_version ve = { .size = sizeof(ve), .abi_major = 0xdead };
	struct locklab_bench be = { .size = sizeof(be), .kind = K_MUTEX,
				    .variant = 1, .threads = 1,
				    .duration_ms = 1 };
	int f[10], i, j, ret, want, nfd, objs;
	int64_t strong, weak;
	uint32_t len;
	char buf[64];
	void *page;

	page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	f[0] = self->dev;
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, 1, 0, 0, &f[1]));
	ASSERT_EQ(0, ll_create(self->dev, K_MUTEX, 2, 0, 0, &f[2]));
	ASSERT_EQ(0, ll_create(self->dev, K_RW, 3, 0, 0, &f[3]));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SEMAPHORE, 1, 1, 1, &f[4]));
	ASSERT_EQ(0, ll_create(self->dev, K_CV, 1, f[2], 0, &f[5]));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_ARC, 1, 16, 0, &f[6]));
	ASSERT_EQ(0, ll_arc(f[6], LOCKLAB_ARC_DOWNGRADE, &f[7], NULL, NULL));
	ASSERT_EQ(0, ll_create(self->dev, K_CHAN, 1, 0, 64, &f[8]));
	ASSERT_EQ(0, ll_chan(f[8], CH(NEW_SENDER), 0, NULL, NULL, 0, &f[9]));

	/* Taken: the unreadable page is read (EFAULT); not: EINVAL. */
	for (i = 0; i < 10; i++) {
		for (j = 0; j < 9; j++) {
			ret = ll_err(ioctl(f[i], cmds[j].cmd, page));
			want = takes[i] & (1U << j) ? EFAULT : EINVAL;
			EXPECT_EQ(want, ret) {
				TH_LOG("%s on %s", cmds[j].name, name[i]);
			}
		}
	}

	/* Valid structures on the wrong fds: refused, and nothing changed. */
	nfd = rb_next_fd();
	objs = rb_objects(self->dev, NULL);
	EXPECT_EQ(EINVAL, ll_err(ioctl(f[8], LOCKLAB_IOC_ARC, &ao)));
	EXPECT_EQ(EINVAL, ll_err(ioctl(f[9], LOCKLAB_IOC_ARC, &ao)));
	EXPECT_EQ(-7, ao.fd);
	EXPECT_EQ(EAGAIN, rb_recv(f[8], NB, buf, &len));
	EXPECT_EQ(EINVAL, ll_err(ioctl(f[6], LOCKLAB_IOC_CHAN, &co)));
	EXPECT_EQ(EINVAL, ll_err(ioctl(f[7], LOCKLAB_IOC_CHAN, &co)));
	EXPECT_EQ(EINVAL, ll_err(ioctl(f[2], LOCKLAB_IOC_CHAN, &co)));
	EXPECT_EQ(0, ll_arc(f[6], LOCKLAB_ARC_COUNTS, NULL, &strong, &weak));
	EXPECT_EQ(1, strong);
	EXPECT_EQ(1, weak);
	for (i = 0; i < 10; i++)
		if (takes[i] != LOCK)
			EXPECT_EQ(EINVAL, ll_err(ioctl(f[i], LOCKLAB_IOC_OP, &op)));
	for (i = 1; i < 10; i++) {
		EXPECT_EQ(EINVAL, ll_err(ioctl(f[i], LOCKLAB_IOC_CREATE, &cr)));
		EXPECT_EQ(EINVAL, ll_err(ioctl(f[i], LOCKLAB_IOC_LIMITS, &li)));
		EXPECT_EQ(EINVAL, ll_err(ioctl(f[i], LOCKLAB_IOC_VERSION, &ve)));
		EXPECT_EQ(EINVAL, ll_err(ioctl(f[i], LOCKLAB_IOC_BENCH, &be)));
	}
	EXPECT_EQ(-7, cr.fd);
	EXPECT_EQ(0xdead, li.objects);
	EXPECT_EQ(0xdead, ve.abi_major);
	EXPECT_EQ(0, be.acquisitions);
	EXPECT_EQ(nfd, rb_next_fd());
	EXPECT_EQ(objs, rb_objects(self->dev, NULL));
	EXPECT_EQ(0, rb_nb(f[2], OP(LOCK)));
	EXPECT_EQ(0, ll_op(f[2], OP(UNLOCK)));
	for (i = 1; i < 10; i++)
		close(f[i]);
	munmap(page, 4096);
}

TEST_HARNESS_MAIN
