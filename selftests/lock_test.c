// SPDX-License-Identifier: GPL-2.0
/*
 * locklab lock selftest: every lock kind and variant behind its own fd
 * (fixture "lock"): holds from several threads exclude (exact counter, no
 * violation); only locklab's sleeping locks are held across calls; fork
 * and SCM_RIGHTS share one object; the OP and STATS ioctls' ABI; a
 * semaphore counts and keeps its bounds.
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

FIXTURE(lock) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(lock) {
	uint32_t kind;
	uint32_t variant;
	uint32_t p0, p1;
	bool owned;	/* locklab sleeping lock: see FIXTURE(owned) */
	bool spin;
	bool native;
};

FIXTURE_VARIANT_ADD(lock, spin_tas) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_TAS,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_ttas) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_TTAS,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_ticket) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_TICKET,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_mcs) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_MCS,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_clh) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_CLH,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_mcs_pending) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_MCS_PENDING,
	.spin = true,
};

FIXTURE_VARIANT_ADD(lock, spin_kernel) {
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_KERNEL,
	.spin = true,
	.native = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_2state) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_2STATE,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_3state) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_3STATE,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_spin) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_SPIN,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_queue) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_QUEUE,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_parking) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_PARKING,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_queue_fair) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_QUEUE_FAIR,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_parking_fair) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_PARKING_FAIR,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, mutex_kernel) {
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_KERNEL,
	.native = true,
};

FIXTURE_VARIANT_ADD(lock, rwlock_v1) {
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_V1,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, rwlock_v2) {
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_V2,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, rwlock_v3) {
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_V3,
	.owned = true,
};

FIXTURE_VARIANT_ADD(lock, rwlock_kernel) {
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_KERNEL,
	.native = true,
};

FIXTURE_VARIANT_ADD(lock, sem_atomic) {
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.variant = LOCKLAB_SEMAPHORE_ATOMIC,
	.p0 = 1, .p1 = 1,
};

FIXTURE_VARIANT_ADD(lock, sem_kernel) {
	.kind = LOCKLAB_KIND_SEMAPHORE,
	.variant = LOCKLAB_SEMAPHORE_KERNEL,
	.native = true,
};

FIXTURE_SETUP(lock)
{
	self->fd = -1;
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, variant->kind, variant->variant,
			       variant->p0, variant->p1, &self->fd));
	install_usr1();
}

FIXTURE_TEARDOWN(lock)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

struct hold_arg {
	int fd;
	int iters;
	int errors;
};

static void *hold_loop(void *p)
{
	struct hold_arg *a = p;
	int i;

	for (i = 0; i < a->iters; i++)
		if (ll_op_full(a->fd, LOCKLAB_OP_HOLD, 0, 500, 0, NULL))
			a->errors++;
	return NULL;
}

TEST_F(lock, holds_from_threads_exclude_with_exact_count)
{
	struct hold_arg a[4];
	pthread_t t[4];
	struct locklab_stats st;
	int i;

	for (i = 0; i < 4; i++) {
		a[i] = (struct hold_arg){ .fd = self->fd, .iters = 2000 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, hold_loop, &a[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, a[i].errors);
	}
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(variant->kind, st.kind);
	EXPECT_EQ(variant->variant, st.variant);
	EXPECT_EQ(8000, st.acquisitions);
	EXPECT_EQ(0, st.violations);
	if (variant->kind != LOCKLAB_KIND_SEMAPHORE)
		EXPECT_EQ(8000, st.counter);
}

TEST_F(lock, held_across_calls_only_for_locklab_sleeping_locks)
{
	if (variant->spin) {
		/* Spin locks are never held across calls, nor waited on with a timeout. */
		EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_LOCK));
		EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
		EXPECT_EQ(EINVAL, ll_op_timeout(self->fd, LOCKLAB_OP_HOLD, MS));
	} else if (variant->native) {
		EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_LOCK));
		EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	} else {
		EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_LOCK));
		EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	}
	EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_NOTIFY_ONE));
	EXPECT_EQ(EINVAL, ll_op(self->fd, 999));
}

TEST_F(lock, fork_shares_one_object)
{
	struct locklab_stats st;
	pid_t pid;
	int i, status, errors = 0;

	pid = fork();
	ASSERT_LE(0, pid);
	for (i = 0; i < 1000; i++)
		errors += !!ll_op_full(self->fd, LOCKLAB_OP_HOLD, 0, 200, 0, NULL);
	if (!pid)
		_exit(errors ? 1 : 0);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, errors);
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(2000, st.acquisitions);
	EXPECT_EQ(0, st.violations);
	if (variant->kind != LOCKLAB_KIND_SEMAPHORE)
		EXPECT_EQ(2000, st.counter);
}

TEST_F(lock, scm_rights_passes_the_object)
{
	struct locklab_stats st;
	int sv[2], status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd, i;

		/* A child that did not inherit the object's fd: close ours. */
		close(self->fd);
		fd = recv_fd(sv[1]);
		if (fd < 0)
			_exit(1);
		for (i = 0; i < 500; i++)
			if (ll_op(fd, LOCKLAB_OP_HOLD))
				_exit(2);
		_exit(0);
	}
	ASSERT_EQ(0, send_fd(sv[0], self->fd));
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(500, st.acquisitions);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(lock, op_and_stats_abi)
{
	struct {
		struct locklab_op op;
		uint64_t tail;
	} big;
	struct locklab_version v = { .size = sizeof(v) };
	struct locklab_stats st;

	memset(&big, 0, sizeof(big));
	big.op.size = sizeof(big);
	big.op.op = LOCKLAB_OP_HOLD;
	EXPECT_EQ(0, ll_err(ioctl(self->fd, LOCKLAB_IOC_OP, &big)));
	big.tail = 1;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->fd, LOCKLAB_IOC_OP, &big)));
	big.tail = 0;
	big.op.size = 8;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_OP, &big)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->fd, LOCKLAB_IOC_OP, NULL)));
	EXPECT_EQ(EINVAL, ll_op_full(self->fd, LOCKLAB_OP_HOLD, 0x80, 0, 0, NULL));
	EXPECT_EQ(EINVAL, ll_op_full(self->fd, LOCKLAB_OP_HOLD,
				     LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_TIMEOUT,
				     0, MS, NULL));
	EXPECT_EQ(EINVAL, ll_op_full(self->fd, LOCKLAB_OP_HOLD, 0, 2000000000, 0,
				     NULL));
	EXPECT_EQ(ENOTTY, ll_err(ioctl(self->fd, _IO(LOCKLAB_TYPE, 0x7e), &big)));
	/* The factory's commands are the wrong kind for an object fd. */
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_VERSION, &v)));
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(1, st.acquisitions);
	st.flags = LOCKLAB_STATS_RESET;
	EXPECT_EQ(0, ll_err(ioctl(self->fd, LOCKLAB_IOC_STATS, &st)));
	EXPECT_EQ(1, st.acquisitions);
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(0, st.acquisitions);
	st.flags = 2;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_STATS, &st)));
	st.flags = 0;
	st.size = 4;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->fd, LOCKLAB_IOC_STATS, &st)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->fd, LOCKLAB_IOC_STATS, NULL)));
	/* Object commands are the wrong kind for /dev/locklab. */
	EXPECT_EQ(EINVAL, ll_op(self->dev, LOCKLAB_OP_HOLD));
	EXPECT_EQ(EINVAL, ll_stats(self->dev, &st));
}

TEST(semaphore_counts_and_bounds)
{
	int dev = open(LL_DEV, O_RDWR | O_CLOEXEC), fd;

	if (dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, dev);

	EXPECT_EQ(EINVAL, ll_create(dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_ATOMIC, 3, 2, &fd));
	EXPECT_EQ(EINVAL, ll_create(dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_ATOMIC, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_KERNEL, 1, 1, &fd));
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_SEMAPHORE,
			       LOCKLAB_SEMAPHORE_ATOMIC, 2, 3, &fd));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(EBUSY, ll_op_full(fd, LOCKLAB_OP_LOCK, LOCKLAB_OP_NONBLOCK, 0, 0,
				    NULL));
	EXPECT_EQ(ETIMEDOUT, ll_op_timeout(fd, LOCKLAB_OP_LOCK, 20 * MS));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UP));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UP));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UP));
	EXPECT_EQ(EOVERFLOW, ll_op(fd, LOCKLAB_OP_UP));
	close(fd);	close(dev);
}

TEST_HARNESS_MAIN
