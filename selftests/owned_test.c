// SPDX-License-Identifier: GPL-2.0
/*
 * locklab held-lock selftest: locks that userspace holds across calls
 * (fixture "owned", every locklab sleeping mutex and rwlock): non-blocking
 * and timed waits while held; unlock by a non-holder, double unlock and
 * relock are refused; a signal interrupts a wait; a holder killed with
 * SIGKILL, a holder thread that exits, and a holder that closes a
 * descriptor of the object let the next locker in with EOWNERDEAD, and
 * another thread's close does not end a live holder's hold.
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
FIXTURE_VARIANT_ADD(owned, mutex_queue_fair) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE_FAIR };
FIXTURE_VARIANT_ADD(owned, mutex_parking_fair) { LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING_FAIR };
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

TEST_HARNESS_MAIN
