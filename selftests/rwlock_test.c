// SPDX-License-Identifier: GPL-2.0
/*
 * locklab reader-writer selftest (fixture "rw"): readers share, writers
 * wait, downgrade lets readers in, upgradable holds only on v3.
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

FIXTURE(rw) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(rw) {
	uint32_t variant;
};

FIXTURE_VARIANT_ADD(rw, v1) { .variant = LOCKLAB_RWLOCK_V1 };
FIXTURE_VARIANT_ADD(rw, v2) { .variant = LOCKLAB_RWLOCK_V2 };
FIXTURE_VARIANT_ADD(rw, v3) { .variant = LOCKLAB_RWLOCK_V3 };

FIXTURE_SETUP(rw)
{
	self->fd = -1;
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_RWLOCK, variant->variant,
			       0, 0, &self->fd));
}

FIXTURE_TEARDOWN(rw)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

static void *read_lock_other(void *p)
{
	int fd = *(int *)p, ret;

	ret = ll_op_full(fd, LOCKLAB_OP_READ_LOCK, LOCKLAB_OP_NONBLOCK, 0, 0, NULL);
	if (!ret)
		ret = ll_op(fd, LOCKLAB_OP_READ_UNLOCK);
	return (void *)(long)ret;
}

static void *write_try_other(void *p)
{
	int fd = *(int *)p;

	return (void *)(long)ll_op_full(fd, LOCKLAB_OP_HOLD, LOCKLAB_OP_NONBLOCK,
					0, 0, NULL);
}

static long run_other(void *(*fn)(void *), int *fd)
{
	pthread_t t;
	void *ret;

	pthread_create(&t, NULL, fn, fd);
	pthread_join(t, &ret);
	return (long)ret;
}

TEST_F(rw, readers_share_writers_wait_downgrade_lets_readers_in)
{
	ASSERT_EQ(0, ll_op(self->fd, LOCKLAB_OP_READ_LOCK));
	EXPECT_EQ(0, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(EBUSY, run_other(write_try_other, &self->fd));
	EXPECT_EQ(EPERM, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_READ_UNLOCK));

	ASSERT_EQ(0, ll_op(self->fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(EBUSY, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_DOWNGRADE));
	EXPECT_EQ(EPERM, ll_op(self->fd, LOCKLAB_OP_DOWNGRADE));
	EXPECT_EQ(0, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(EBUSY, run_other(write_try_other, &self->fd));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_READ_UNLOCK));
	EXPECT_EQ(0, run_other(write_try_other, &self->fd));
}

TEST_F(rw, upgradable_only_on_v3)
{
	if (variant->variant != LOCKLAB_RWLOCK_V3) {
		EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_UPGRADABLE_LOCK));
		EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_UPGRADE));
		return;
	}
	ASSERT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UPGRADABLE_LOCK));
	EXPECT_EQ(0, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UPGRADE));
	EXPECT_EQ(EBUSY, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	ASSERT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UPGRADABLE_LOCK));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UPGRADABLE_UNLOCK));
	EXPECT_EQ(0, run_other(write_try_other, &self->fd));
}

static void *upgradable_try_other(void *p)
{
	return (void *)(long)ll_op_full(*(int *)p, LOCKLAB_OP_UPGRADABLE_LOCK,
					LOCKLAB_OP_NONBLOCK, 0, 0, NULL);
}

struct reader {
	int fd;
	bool in, go;
	int ret;
};

/* Hold a read share until told to go, at most 3 s. */
static void *reader_until_go(void *p)
{
	struct reader *r = p;

	r->ret = ll_op(r->fd, LOCKLAB_OP_READ_LOCK);
	set_flag(&r->in);
	wait_flag(&r->go, 3.0);
	if (!r->ret)
		r->ret = ll_op(r->fd, LOCKLAB_OP_READ_UNLOCK);
	return NULL;
}

/*
 * NONBLOCK never waits, for the upgradable hold too: taken on a free lock,
 * EBUSY while another thread has it; UPGRADE says EBUSY (and leaves the
 * upgradable hold) while a reader is in, instead of waiting for it to
 * leave (which would make it return 0 once the reader gives up).
 */
TEST_F(rw, upgradable_nonblock_never_waits)
{
	struct reader r = { .fd = self->fd };
	pthread_t t;

	if (variant->variant != LOCKLAB_RWLOCK_V3)
		SKIP(return, "no upgradable hold on this variant");
	ASSERT_EQ(0, ll_op_full(self->fd, LOCKLAB_OP_UPGRADABLE_LOCK,
				LOCKLAB_OP_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(EBUSY, run_other(upgradable_try_other, &self->fd));
	ASSERT_EQ(0, pthread_create(&t, NULL, reader_until_go, &r));
	ASSERT_TRUE(wait_flag(&r.in, 5.0));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(EBUSY, ll_op_full(self->fd, LOCKLAB_OP_UPGRADE,
				    LOCKLAB_OP_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(EPERM, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	set_flag(&r.go);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.ret);
	/* The reader left: the same NONBLOCK upgrade succeeds now. */
	EXPECT_EQ(0, ll_op_full(self->fd, LOCKLAB_OP_UPGRADE,
				LOCKLAB_OP_NONBLOCK, 0, 0, NULL));
	EXPECT_EQ(EBUSY, run_other(read_lock_other, &self->fd));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(0, run_other(write_try_other, &self->fd));
}

TEST_HARNESS_MAIN
