// SPDX-License-Identifier: GPL-2.0
/*
 * locklab object selftest: every lock kind behind its own fd
 * (LOCKLAB_IOC_CREATE, LOCKLAB_IOC_OP, LOCKLAB_IOC_STATS).
 *
 *  - fixture "lock", one variant per lock kind and variant: holds from
 *    several threads exclude (exact counter, no violation); non-blocking
 *    and timed waits; unlock by a non-holder, double unlock and relock are
 *    refused; a signal interrupts a wait; a holder killed with SIGKILL, a
 *    holder thread that exits, and a holder that closes a descriptor of
 *    the object all let the next locker in with EOWNERDEAD, and another
 *    thread's close does not end a live holder's hold; fork and SCM_RIGHTS
 *    share one
 *    object; spin and kernel-native locks refuse to be held across calls;
 *  - fixture "rw": readers share, writers wait, downgrade, v3 upgrade;
 *  - fixture "cv": condition variables bound to a mutex object;
 *  - fixture "arc": Arc and refcount_t handles as fds: clone, downgrade,
 *    upgrade, get_mut, exact counts from threads, the ARC op's ABI;
 *  - semaphore counting, ABI errors of CREATE/OP/STATS, per-open limits.
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

#define MS	1000000ULL

static void set_flag(bool *flag)
{
	__atomic_store_n(flag, true, __ATOMIC_RELEASE);
}

static bool get_flag(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

static void on_usr1(int sig)
{
}

/* SIGUSR1 interrupts blocking ioctls (no SA_RESTART). */
static void install_usr1(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

static int open_dev(struct __test_metadata *_metadata)
{
	int dev = open(LL_DEV, O_RDWR | O_CLOEXEC);

	return dev;
}

/* ------------------------------------------------------------------------ */

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
		EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_LOCK));
		EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
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

/* ------------------------------------------------------------------------ */

/* locklab's own sleeping locks: holds are per thread and outlive a call. */
FIXTURE(owned) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(owned) {
	uint32_t kind;
	uint32_t variant;
};

FIXTURE_VARIANT_ADD(owned, mutex_2state) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_2STATE };
FIXTURE_VARIANT_ADD(owned, mutex_3state) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE };
FIXTURE_VARIANT_ADD(owned, mutex_spin) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_SPIN };
FIXTURE_VARIANT_ADD(owned, mutex_queue) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE };
FIXTURE_VARIANT_ADD(owned, mutex_parking) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING };
FIXTURE_VARIANT_ADD(owned, rwlock_v1) { LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V1 };
FIXTURE_VARIANT_ADD(owned, rwlock_v2) { LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V2 };
FIXTURE_VARIANT_ADD(owned, rwlock_v3) { LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V3 };

FIXTURE_SETUP(owned)
{
	self->fd = -1;
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, variant->kind, variant->variant, 0, 0,
			       &self->fd));
	install_usr1();
}

FIXTURE_TEARDOWN(owned)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

struct holder_thread {
	int fd;
	int lock_ret;
	int unlock_ret;
	int pipe_go[2];		/* main -> holder: release */
	int pipe_held[2];	/* holder -> main: held */
	bool exit_holding;
};

static void *holder_main(void *p)
{
	struct holder_thread *h = p;
	char c = 'h';

	h->lock_ret = ll_op(h->fd, LOCKLAB_OP_LOCK);
	if (write(h->pipe_held[1], &c, 1) != 1)
		return NULL;
	if (h->exit_holding)
		return NULL;
	if (read(h->pipe_go[0], &c, 1) != 1)
		return NULL;
	h->unlock_ret = ll_op(h->fd, LOCKLAB_OP_UNLOCK);
	return NULL;
}

static void holder_start(struct holder_thread *h, int fd, pthread_t *t)
{
	char c;

	h->fd = fd;
	if (pipe(h->pipe_go) || pipe(h->pipe_held))
		abort();
	pthread_create(t, NULL, holder_main, h);
	if (read(h->pipe_held[0], &c, 1) != 1)
		abort();
}

static void holder_stop(struct holder_thread *h, pthread_t t)
{
	char c = 'g';

	if (!h->exit_holding && write(h->pipe_go[1], &c, 1) != 1)
		abort();
	pthread_join(t, NULL);
	close(h->pipe_go[0]);
	close(h->pipe_go[1]);
	close(h->pipe_held[0]);
	close(h->pipe_held[1]);
}

TEST_F(owned, nonblock_and_timeout_while_held)
{
	struct holder_thread h = { };
	uint64_t wait_ns = 0;
	pthread_t t;
	double t0;

	holder_start(&h, self->fd, &t);
	ASSERT_EQ(0, h.lock_ret);
	EXPECT_EQ(EBUSY, ll_op_full(self->fd, LOCKLAB_OP_HOLD, LOCKLAB_OP_NONBLOCK,
				    0, 0, NULL));
	t0 = ll_now();
	EXPECT_EQ(ETIMEDOUT, ll_op_full(self->fd, LOCKLAB_OP_HOLD, LOCKLAB_OP_TIMEOUT,
					0, 150 * MS, &wait_ns));
	EXPECT_LE(0.15, ll_now() - t0);
	holder_stop(&h, t);
	EXPECT_EQ(0, h.unlock_ret);
	EXPECT_EQ(0, ll_op_full(self->fd, LOCKLAB_OP_HOLD, LOCKLAB_OP_TIMEOUT,
				0, 1000 * MS, &wait_ns));
}

static void *unlock_other(void *p)
{
	int *fd = p;

	return (void *)(long)ll_op(*fd, LOCKLAB_OP_UNLOCK);
}

TEST_F(owned, unlock_by_non_holder_double_unlock_and_relock_refused)
{
	pthread_t t;
	void *ret;

	EXPECT_EQ(EPERM, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	ASSERT_EQ(0, ll_op(self->fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(EDEADLK, ll_op(self->fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(EDEADLK, ll_op(self->fd, LOCKLAB_OP_HOLD));
	pthread_create(&t, NULL, unlock_other, &self->fd);
	pthread_join(t, &ret);
	EXPECT_EQ(EPERM, (long)ret);
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(EPERM, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
}

struct blocked {
	int fd;
	int ret;
	bool done;		/* set_flag()/get_flag() */
	pthread_t t;
};

static void *blocked_lock(void *p)
{
	struct blocked *b = p;

	b->ret = ll_op(b->fd, LOCKLAB_OP_LOCK);
	set_flag(&b->done);
	return NULL;
}

/* Wait up to @secs for @flag. */
static bool wait_flag(bool *flag, double secs)
{
	double end = ll_now() + secs;

	while (!get_flag(flag) && ll_now() < end)
		usleep(1000);
	return get_flag(flag);
}

TEST_F(owned, signal_interrupts_wait_with_eintr)
{
	struct holder_thread h = { };
	struct blocked b = { .fd = self->fd };
	pthread_t t;

	holder_start(&h, self->fd, &t);
	pthread_create(&b.t, NULL, blocked_lock, &b);
	usleep(100000);
	EXPECT_FALSE(get_flag(&b.done));
	pthread_kill(b.t, SIGUSR1);
	EXPECT_TRUE(wait_flag(&b.done, 5));
	pthread_join(b.t, NULL);
	EXPECT_EQ(EINTR, b.ret);
	holder_stop(&h, t);
	EXPECT_EQ(0, h.unlock_ret);
}

TEST_F(owned, holder_killed_next_locker_gets_ownerdead)
{
	int sync[2];
	pid_t pid;
	char c;
	int status;
	struct locklab_stats st;

	ASSERT_EQ(0, pipe(sync));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (ll_op(self->fd, LOCKLAB_OP_LOCK))
			_exit(1);
		c = 'l';
		if (write(sync[1], &c, 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(sync[0], &c, 1));
	EXPECT_EQ(EBUSY, ll_op_full(self->fd, LOCKLAB_OP_LOCK, LOCKLAB_OP_NONBLOCK,
				    0, 0, NULL));
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_EQ(EOWNERDEAD, ll_op_timeout(self->fd, LOCKLAB_OP_LOCK, 5000 * MS));
	/* EOWNERDEAD comes with the lock held, as with a robust mutex. */
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	ASSERT_EQ(0, ll_stats(self->fd, &st));
	EXPECT_EQ(1, st.owner_deaths);
	close(sync[0]);
	close(sync[1]);
}

TEST_F(owned, holder_thread_exit_next_locker_gets_ownerdead)
{
	struct holder_thread h = { .exit_holding = true };
	pthread_t t;
	double t0;

	holder_start(&h, self->fd, &t);
	ASSERT_EQ(0, h.lock_ret);
	holder_stop(&h, t);	/* joined: the holder thread is gone */
	t0 = ll_now();
	EXPECT_EQ(EOWNERDEAD, ll_op_timeout(self->fd, LOCKLAB_OP_LOCK, 5000 * MS));
	EXPECT_GT(0.5, ll_now() - t0);	/* reaped when it exits: no polling */
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
}

/* The holder closes a descriptor of the object while a waiter waits. */
static void *holder_close_main(void *p)
{
	struct holder_thread *h = p;
	char c = 'h';

	h->lock_ret = ll_op(h->fd, LOCKLAB_OP_LOCK);
	if (write(h->pipe_held[1], &c, 1) != 1)
		return NULL;
	if (read(h->pipe_go[0], &c, 1) != 1)
		return NULL;
	close(h->fd);	/* a dup: the object stays open */
	h->unlock_ret = ll_op(h->fd, LOCKLAB_OP_UNLOCK);
	return NULL;
}

TEST_F(owned, holder_close_lets_waiter_in_with_ownerdead)
{
	struct holder_thread h = { };
	struct blocked b = { .fd = self->fd };
	pthread_t t;
	char c = 'g';

	h.fd = dup(self->fd);
	ASSERT_LE(0, h.fd);
	ASSERT_EQ(0, pipe(h.pipe_go));
	ASSERT_EQ(0, pipe(h.pipe_held));
	pthread_create(&t, NULL, holder_close_main, &h);
	ASSERT_EQ(1, read(h.pipe_held[0], &c, 1));
	ASSERT_EQ(0, h.lock_ret);
	pthread_create(&b.t, NULL, blocked_lock, &b);
	usleep(50000);
	EXPECT_FALSE(get_flag(&b.done));
	/* The holder's own close() ends its hold: the waiter gets in. */
	ASSERT_EQ(1, write(h.pipe_go[1], &c, 1));
	EXPECT_TRUE(wait_flag(&b.done, 5));
	pthread_join(b.t, NULL);
	EXPECT_EQ(EOWNERDEAD, b.ret);
	pthread_join(t, NULL);
	/* Its fd is gone: its unlock fails cleanly. */
	EXPECT_EQ(EBADF, h.unlock_ret);
	/* The waiter thread exited holding it: another owner death. */
	EXPECT_EQ(EOWNERDEAD, ll_op_timeout(self->fd, LOCKLAB_OP_LOCK, 5000 * MS));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	close(h.pipe_go[0]);
	close(h.pipe_go[1]);
	close(h.pipe_held[0]);
	close(h.pipe_held[1]);
}

TEST_F(owned, other_threads_close_keeps_a_live_holders_hold)
{
	struct holder_thread h = { };
	pthread_t t;
	int fd2;

	holder_start(&h, self->fd, &t);
	ASSERT_EQ(0, h.lock_ret);
	/* Another thread's close() of a dup: the hold is the holder's. */
	fd2 = dup(self->fd);
	ASSERT_LE(0, fd2);
	close(fd2);
	EXPECT_EQ(EBUSY, ll_op_full(self->fd, LOCKLAB_OP_LOCK, LOCKLAB_OP_NONBLOCK,
				    0, 0, NULL));
	holder_stop(&h, t);
	EXPECT_EQ(0, h.unlock_ret);
	EXPECT_EQ(0, ll_op_full(self->fd, LOCKLAB_OP_LOCK, LOCKLAB_OP_NONBLOCK,
				0, 0, NULL));
	EXPECT_EQ(0, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
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

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
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

/* ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------ */

FIXTURE(cv) {
	int dev;
	int mutex;
	int cv;
};

FIXTURE_VARIANT(cv) {
	uint32_t variant;
};

FIXTURE_VARIANT_ADD(cv, counter) { .variant = LOCKLAB_CONDVAR_COUNTER };
FIXTURE_VARIANT_ADD(cv, waitcount) { .variant = LOCKLAB_CONDVAR_WAITCOUNT };
FIXTURE_VARIANT_ADD(cv, requeue) { .variant = LOCKLAB_CONDVAR_REQUEUE };

FIXTURE_SETUP(cv)
{
	self->mutex = -1;
	self->cv = -1;
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE,
			       0, 0, &self->mutex));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CONDVAR, variant->variant,
			       self->mutex, 0, &self->cv));
	install_usr1();
}

FIXTURE_TEARDOWN(cv)
{
	if (self->cv >= 0)
		close(self->cv);
	if (self->mutex >= 0)
		close(self->mutex);
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(cv, wait_needs_the_mutex_and_keeps_it_on_timeout)
{
	EXPECT_EQ(EPERM, ll_op(self->cv, LOCKLAB_OP_WAIT));
	ASSERT_EQ(0, ll_op(self->mutex, LOCKLAB_OP_LOCK));
	EXPECT_EQ(ETIMEDOUT, ll_op_timeout(self->cv, LOCKLAB_OP_WAIT, 50 * MS));
	/* Still held by us after the wait. */
	EXPECT_EQ(0, ll_op(self->mutex, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(EINVAL, ll_op(self->cv, LOCKLAB_OP_LOCK));
	EXPECT_EQ(0, ll_op(self->cv, LOCKLAB_OP_NOTIFY_ALL));
}

#define PC_ITEMS	2000

struct pc {
	int mutex, not_empty, not_full;
	int len, next, got;	/* under the mutex object */
	int errors;
};

static void *pc_consumer(void *p)
{
	struct pc *c = p;
	int i;

	for (i = 0; i < PC_ITEMS; i++) {
		if (ll_op(c->mutex, LOCKLAB_OP_LOCK))
			goto err;
		while (!c->len)
			if (ll_op_timeout(c->not_empty, LOCKLAB_OP_WAIT, 5000 * MS))
				goto err_unlock;
		c->len--;
		c->got++;
		ll_op(c->mutex, LOCKLAB_OP_UNLOCK);
		ll_op(c->not_full, LOCKLAB_OP_NOTIFY_ONE);
	}
	return NULL;
err_unlock:
	ll_op(c->mutex, LOCKLAB_OP_UNLOCK);
err:
	c->errors++;
	return NULL;
}

TEST_F(cv, producer_consumer_loses_nothing)
{
	struct pc c = { .mutex = self->mutex, .not_empty = self->cv };
	pthread_t t;
	int i, ret;

	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CONDVAR, variant->variant,
			       self->mutex, 0, &c.not_full));
	pthread_create(&t, NULL, pc_consumer, &c);
	for (i = 0; i < PC_ITEMS; i++) {
		ASSERT_EQ(0, ll_op(c.mutex, LOCKLAB_OP_LOCK));
		ret = 0;
		while (c.len >= 4 && !ret)
			ret = ll_op_timeout(c.not_full, LOCKLAB_OP_WAIT, 5000 * MS);
		ASSERT_EQ(0, ret);
		c.len++;
		c.next++;
		ASSERT_EQ(0, ll_op(c.mutex, LOCKLAB_OP_UNLOCK));
		ASSERT_EQ(0, ll_op(c.not_empty, LOCKLAB_OP_NOTIFY_ONE));
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.errors);
	EXPECT_EQ(PC_ITEMS, c.got);
	EXPECT_EQ(0, c.len);
	close(c.not_full);
}

struct cv_waiter {
	int mutex, cv;
	int ret, unlock_ret;
	bool done;		/* set_flag()/get_flag() */
	pthread_t t;
};

static void *cv_wait_once(void *p)
{
	struct cv_waiter *w = p;

	if (ll_op(w->mutex, LOCKLAB_OP_LOCK)) {
		w->ret = -1;
	} else {
		w->ret = ll_op_timeout(w->cv, LOCKLAB_OP_WAIT, 10000 * MS);
		w->unlock_ret = ll_op(w->mutex, LOCKLAB_OP_UNLOCK);
	}
	set_flag(&w->done);
	return NULL;
}

TEST_F(cv, notify_all_wakes_every_waiter_signal_keeps_mutex)
{
	struct cv_waiter w[3];
	int i;

	for (i = 0; i < 3; i++) {
		w[i] = (struct cv_waiter){ .mutex = self->mutex, .cv = self->cv };
		pthread_create(&w[i].t, NULL, cv_wait_once, &w[i]);
	}
	usleep(200000);
	for (i = 0; i < 3; i++)
		EXPECT_FALSE(get_flag(&w[i].done));
	/* A signal ends one wait with EINTR, the mutex held again. */
	pthread_kill(w[0].t, SIGUSR1);
	EXPECT_TRUE(wait_flag(&w[0].done, 5));
	EXPECT_EQ(EINTR, w[0].ret);
	EXPECT_EQ(0, w[0].unlock_ret);
	EXPECT_EQ(0, ll_op(self->cv, LOCKLAB_OP_NOTIFY_ALL));
	for (i = 1; i < 3; i++) {
		EXPECT_TRUE(wait_flag(&w[i].done, 5));
		EXPECT_EQ(0, w[i].ret);
		EXPECT_EQ(0, w[i].unlock_ret);
	}
	for (i = 0; i < 3; i++)
		pthread_join(w[i].t, NULL);
}

/* ------------------------------------------------------------------------ */

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

/* ------------------------------------------------------------------------ */

FIXTURE(dev) {
	int dev;
};

FIXTURE_SETUP(dev)
{
	self->dev = open_dev(_metadata);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, LL_DEV " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(dev, semaphore_counts_and_bounds)
{
	int fd;

	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_ATOMIC, 3, 2, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_ATOMIC, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_KERNEL, 1, 1, &fd));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SEMAPHORE,
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
	close(fd);
}

TEST_F(dev, create_abi_and_bad_parameters)
{
	struct {
		struct locklab_create c;
		uint64_t tail;
	} big;
	int fd, other;

	EXPECT_EQ(EINVAL, ll_create(self->dev, 0, 1, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, 99, 1, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_MUTEX, 42, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_MUTEX,
				    LOCKLAB_MUTEX_3STATE, 1, 0, &fd));
	EXPECT_EQ(EBADF, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				   LOCKLAB_CONDVAR_COUNTER, 9999, 0, &fd));
	/*
	 * A condvar needs a ch. 9 locklab mutex (it requeues onto its word):
	 * not the kernel's, not a queue or parking lock, not a spin lock.
	 */
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_KERNEL,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, self->dev, 0, &fd));

	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.kind = LOCKLAB_KIND_SPIN;
	big.c.variant = LOCKLAB_SPIN_TAS;
	ASSERT_EQ(0, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	EXPECT_LE(0, big.c.fd);
	/* Without LOCKLAB_CREATE_CLOEXEC the fd survives exec. */
	EXPECT_EQ(0, fcntl(big.c.fd, F_GETFD) & FD_CLOEXEC);
	/* An object fd refuses the factory's commands. */
	EXPECT_EQ(EINVAL, ll_err(ioctl(big.c.fd, LOCKLAB_IOC_CREATE, &big)));
	close(big.c.fd);
	big.tail = 7;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.tail = 0;
	big.c.flags = 0x10;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.c.flags = 0;
	big.c.__reserved = 1;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.c.__reserved = 0;
	big.c.size = 12;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, NULL)));
}

TEST_F(dev, objects_per_open_are_limited)
{
	int fds[8], fd, dev2, i;

	if (ll_write_param("max_objects", "8"))
		SKIP(return, "cannot set the max_objects parameter");
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
				       0, 0, &fds[i]));
	EXPECT_EQ(ENOSPC, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
				    0, 0, &fd));
	/* Another open has its own quota. */
	dev2 = open(LL_DEV, O_RDWR);
	ASSERT_LE(0, dev2);
	EXPECT_EQ(0, ll_create(dev2, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS, 0, 0, &fd));
	close(fd);
	close(dev2);
	/* Closing one object frees its slot. */
	close(fds[0]);
	EXPECT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
			       0, 0, &fds[0]));
	for (i = 0; i < 8; i++)
		close(fds[i]);
	ll_write_param("max_objects", "1024");
}

TEST_HARNESS_MAIN
