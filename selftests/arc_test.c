// SPDX-License-Identifier: GPL-2.0
/*
 * locklab Arc selftest (fixture "arc"): Arc and refcount_t handles as
 * fds: clone, downgrade, upgrade, get_mut, exact counts from threads, and
 * the ARC op's ABI.
 *
 * Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"

static int open_dev(struct __test_metadata *_metadata)
{
	return open(LL_DEV, O_RDWR | O_CLOEXEC);
}

FIXTURE(arc) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(arc) {
	uint32_t variant;
};

FIXTURE_VARIANT_ADD(arc, arc) { .variant = LOCKLAB_ARC_ARC };
FIXTURE_VARIANT_ADD(arc, kernel_refcount) { .variant = LOCKLAB_ARC_KERNEL };

FIXTURE_SETUP(arc)
{
	self->fd = -1;
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_ARC, variant->variant, 64,
			       0, &self->fd));
}

FIXTURE_TEARDOWN(arc)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(arc, clone_and_close_count_exactly)
{
	int64_t s, w;
	int c1, c2;

	ASSERT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_COUNTS, NULL, &s, &w));
	EXPECT_EQ(1, s);
	EXPECT_EQ(0, w);
	ASSERT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_CLONE, &c1, &s, NULL));
	EXPECT_EQ(2, s);
	ASSERT_EQ(0, ll_arc(c1, LOCKLAB_ARC_CLONE, &c2, &s, NULL));
	EXPECT_EQ(3, s);
	close(c1);
	ASSERT_EQ(0, ll_arc(c2, LOCKLAB_ARC_COUNTS, NULL, &s, NULL));
	EXPECT_EQ(2, s);
	close(c2);
	ASSERT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_COUNTS, NULL, &s, NULL));
	EXPECT_EQ(1, s);
}

TEST_F(arc, weak_handles_upgrade_until_the_data_is_gone)
{
	int64_t s, w;
	int wk, st, st2;

	if (variant->variant == LOCKLAB_ARC_KERNEL) {
		EXPECT_EQ(EOPNOTSUPP, ll_arc(self->fd, LOCKLAB_ARC_DOWNGRADE, &wk,
					     NULL, NULL));
		EXPECT_EQ(EOPNOTSUPP, ll_arc(self->fd, LOCKLAB_ARC_GET_MUT, NULL,
					     NULL, NULL));
		return;
	}
	EXPECT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	ASSERT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_DOWNGRADE, &wk, &s, &w));
	EXPECT_EQ(1, s);
	EXPECT_EQ(1, w);
	/* Never unique while a weak handle exists. */
	EXPECT_EQ(EBUSY, ll_arc(self->fd, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	EXPECT_EQ(EINVAL, ll_arc(wk, LOCKLAB_ARC_CLONE, &st, NULL, NULL));
	EXPECT_EQ(EINVAL, ll_arc(wk, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	EXPECT_EQ(EINVAL, ll_arc(self->fd, LOCKLAB_ARC_UPGRADE, &st, NULL, NULL));
	ASSERT_EQ(0, ll_arc(wk, LOCKLAB_ARC_UPGRADE, &st, &s, &w));
	EXPECT_EQ(2, s);
	close(st);
	close(self->fd);
	self->fd = -1;
	/* The last strong handle is gone: upgrade fails, the weak one lives. */
	EXPECT_EQ(ENOENT, ll_arc(wk, LOCKLAB_ARC_UPGRADE, &st2, NULL, NULL));
	ASSERT_EQ(0, ll_arc(wk, LOCKLAB_ARC_COUNTS, NULL, &s, &w));
	EXPECT_EQ(0, s);
	EXPECT_EQ(1, w);
	close(wk);
}

static void *clone_close_loop(void *p)
{
	int fd = *(int *)p, i, c;
	long errors = 0;

	for (i = 0; i < 500; i++) {
		if (ll_arc(fd, LOCKLAB_ARC_CLONE, &c, NULL, NULL)) {
			errors++;
			continue;
		}
		close(c);
	}
	return (void *)errors;
}

TEST_F(arc, threads_clone_and_close_end_where_they_started)
{
	pthread_t t[4];
	void *ret;
	int64_t s, w;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, clone_close_loop, &self->fd);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		EXPECT_EQ(0, (long)ret);
	}
	ASSERT_EQ(0, ll_arc(self->fd, LOCKLAB_ARC_COUNTS, NULL, &s, &w));
	EXPECT_EQ(1, s);
	EXPECT_EQ(0, w);
}

TEST_F(arc, arc_op_abi)
{
	struct {
		struct locklab_arc_op a;
		uint64_t tail;
	} big;
	int mutex;

	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	big.a.op = LOCKLAB_ARC_COUNTS;
	EXPECT_EQ(0, ll_err(ioctl(self->fd, LOCKLAB_IOC_ARC, &big)));
	EXPECT_EQ(-1, big.a.fd);
	big.tail = 1;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->fd, LOCKLAB_IOC_ARC, &big)));
	big.tail = 0;
	big.a.size = 8;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_ARC, &big)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->fd, LOCKLAB_IOC_ARC, NULL)));
	EXPECT_EQ(EINVAL, ll_arc(self->fd, 99, NULL, NULL, NULL));
	big.a.size = sizeof(big.a);
	big.a.flags = 0x100;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_ARC, &big)));
	/* Wrong kinds: an Arc takes no lock op, a lock takes no Arc op. */
	EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_HOLD));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE,
			       0, 0, &mutex));
	EXPECT_EQ(EINVAL, ll_arc(mutex, LOCKLAB_ARC_COUNTS, NULL, NULL, NULL));
	close(mutex);
	EXPECT_EQ(EINVAL, ll_arc(self->dev, LOCKLAB_ARC_COUNTS, NULL, NULL, NULL));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_ARC, variant->variant,
				    5000, 0, &mutex));
}

TEST_HARNESS_MAIN
