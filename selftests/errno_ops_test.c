// SPDX-License-Identifier: GPL-2.0
/*
 * locklab errno selftest, part 2: the errnos of waits and of objects'
 * states that include/uapi/linux/locklab.h lists, each provoked through
 * the ABI and checked, one test per errno: EINTR, ETIMEDOUT, EBUSY, EPERM,
 * EDEADLK, EOVERFLOW, EOWNERDEAD, EOPNOTSUPP, EBADF, EAGAIN, EPIPE,
 * EMSGSIZE. errno_args_test provokes the others, and errno_seen_test
 * checks that each errno of the header was seen at least once
 * (errno_common.h).
 *
 * Not tested here: the semantics behind each errno beyond what provokes
 * it (the object, channel, robust and accounting selftests do that), and
 * every command x errno pair.
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
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"

#define ERRNO_PROGRAM	"errno_ops_test"
#include "errno_common.h"

/* --- A thread that holds a lock ---------------------------------------------- */

struct holder {
	int fd;
	bool exit_holding;	/* end the thread with the lock held */
	int lock_ret, unlock_ret;
	int state;		/* 1 locked, 2 release please, 3 released */
	pthread_t t;
};

static void *holder_main(void *p)
{
	struct holder *h = p;
	double end;

	h->lock_ret = ll_op(h->fd, LOCKLAB_OP_LOCK);
	__atomic_store_n(&h->state, 1, __ATOMIC_RELEASE);
	if (h->exit_holding)
		return NULL;
	end = ll_now() + 60;
	while (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != 2 && ll_now() < end)
		usleep(1000);
	h->unlock_ret = ll_op(h->fd, LOCKLAB_OP_UNLOCK);
	__atomic_store_n(&h->state, 3, __ATOMIC_RELEASE);
	return NULL;
}

/* Start @h holding @fd; true once it holds. */
static bool holder_start(struct holder *h, int fd, bool exit_holding)
{
	double end = ll_now() + 30;

	memset(h, 0, sizeof(*h));
	h->fd = fd;
	h->exit_holding = exit_holding;
	if (pthread_create(&h->t, NULL, holder_main, h))
		return false;
	while (!__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) && ll_now() < end)
		usleep(1000);
	return __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) && !h->lock_ret;
}

static void holder_stop(struct holder *h)
{
	__atomic_store_n(&h->state, 2, __ATOMIC_RELEASE);
	pthread_join(h->t, NULL);
}

/* --- A thread that keeps signalling another until told to stop ------------- */

struct pester {
	pthread_t target, t;
	bool stop;
};

static void *pester_main(void *p)
{
	struct pester *k = p;
	double end = ll_now() + 60;

	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE) && ll_now() < end) {
		usleep(50000);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

static void pester_start(struct pester *k)
{
	k->target = pthread_self();
	k->stop = false;
	pthread_create(&k->t, NULL, pester_main, k);
}

static void pester_stop(struct pester *k)
{
	__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
	pthread_join(k->t, NULL);
}

TEST_F(err, eintr)
{
	struct holder h;
	struct pester k;
	uint32_t len = 16;
	char buf[16];
	double t0;
	int fd, chan;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_2STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(holder_start(&h, fd, false));
	t0 = ll_now();
	pester_start(&k);
	EXPECT_ERRNO(EINTR, ll_op_timeout(fd, LOCKLAB_OP_LOCK, 20000 * MS));
	pester_stop(&k);
	EXPECT_GT(10.0, ll_now() - t0);
	holder_stop(&h);
	EXPECT_EQ(0, h.unlock_ret);

	/* A blocked receive too. */
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 0);
	ASSERT_LE(0, chan);
	pester_start(&k);
	EXPECT_ERRNO(EINTR, ll_chan(chan, LOCKLAB_CHAN_RECV, LOCKLAB_OP_TIMEOUT,
				    buf, &len, 20000 * MS, NULL));
	pester_stop(&k);
	close(chan);
	close(fd);
}

TEST_F(err, etimedout)
{
	struct holder h;
	char buf[16];
	double t0;
	int fd, chan;
	uint32_t len = sizeof(buf);

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(holder_start(&h, fd, false));
	t0 = ll_now();
	EXPECT_ERRNO(ETIMEDOUT, ll_op_timeout(fd, LOCKLAB_OP_LOCK, 20 * MS));
	EXPECT_LE(0.02, ll_now() - t0);
	holder_stop(&h);
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 0);
	ASSERT_LE(0, chan);
	EXPECT_ERRNO(ETIMEDOUT, ll_chan(chan, LOCKLAB_CHAN_RECV,
					LOCKLAB_OP_TIMEOUT, buf, &len, 20 * MS,
					NULL));
	close(chan);
	close(fd);
}

TEST_F(err, ebusy)
{
	struct holder h;
	int fd, once, strong, clone;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(holder_start(&h, fd, false));
	EXPECT_ERRNO(EBUSY, ll_op_full(fd, LOCKLAB_OP_LOCK, LOCKLAB_OP_NONBLOCK,
				       0, 0, NULL));
	EXPECT_ERRNO(EBUSY, ll_op_full(fd, LOCKLAB_OP_HOLD, LOCKLAB_OP_NONBLOCK,
				       0, 0, NULL));
	holder_stop(&h);
	close(fd);
	/* One-shot channel: a second send. */
	once = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_ONESHOT, 0, 16);
	ASSERT_LE(0, once);
	EXPECT_EQ(0, ll_send(once, "one", 3));
	EXPECT_ERRNO(EBUSY, ll_send(once, "two", 3));
	close(once);
	/* GET_MUT while another handle exists. */
	strong = mk(self->dev, LOCKLAB_KIND_ARC, LOCKLAB_ARC_ARC, 16, 0);
	ASSERT_LE(0, strong);
	EXPECT_EQ(0, ll_arc(strong, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	ASSERT_EQ(0, ll_arc(strong, LOCKLAB_ARC_CLONE, &clone, NULL, NULL));
	EXPECT_ERRNO(EBUSY, ll_arc(strong, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	close(clone);
	EXPECT_EQ(0, ll_arc(strong, LOCKLAB_ARC_GET_MUT, NULL, NULL, NULL));
	close(strong);
}

TEST_F(err, eperm)
{
	int fd, rw, m, cv;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_2STATE, 0, 0);
	rw = mk(self->dev, LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V3, 0, 0);
	m = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, rw);
	ASSERT_LE(0, m);
	cv = mk(self->dev, LOCKLAB_KIND_CONDVAR, LOCKLAB_CONDVAR_COUNTER, m, 0);
	ASSERT_LE(0, cv);
	EXPECT_ERRNO(EPERM, ll_op(fd, LOCKLAB_OP_UNLOCK));
	EXPECT_ERRNO(EPERM, ll_op(rw, LOCKLAB_OP_READ_UNLOCK));
	EXPECT_ERRNO(EPERM, ll_op(rw, LOCKLAB_OP_UPGRADE));
	EXPECT_ERRNO(EPERM, ll_op_timeout(cv, LOCKLAB_OP_WAIT, 10 * MS));
	close(cv);
	close(m);
	close(rw);
	close(fd);
}

TEST_F(err, edeadlk)
{
	int fd;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_op(fd, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EDEADLK, ll_op(fd, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EDEADLK, ll_op(fd, LOCKLAB_OP_HOLD));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UNLOCK));
	close(fd);
}

/* One thread holds at most LOCKLAB_MAX_HOLDS locks across calls. */
TEST_F(err, enolck)
{
	int fd[LOCKLAB_MAX_HOLDS + 1], i;

	if (_metadata->skip)
		return;
	for (i = 0; i <= LOCKLAB_MAX_HOLDS; i++) {
		fd[i] = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE,
			   0, 0);
		ASSERT_LE(0, fd[i]);
	}
	for (i = 0; i < LOCKLAB_MAX_HOLDS; i++)
		ASSERT_EQ(0, ll_op(fd[i], LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(ENOLCK, ll_op(fd[i], LOCKLAB_OP_LOCK));
	/* A one-call HOLD records nothing: still allowed. */
	EXPECT_EQ(0, ll_op(fd[i], LOCKLAB_OP_HOLD));
	/* The one that holds it already: EDEADLK first. */
	EXPECT_ERRNO(EDEADLK, ll_op(fd[0], LOCKLAB_OP_LOCK));
	EXPECT_EQ(0, ll_op(fd[0], LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(0, ll_op(fd[i], LOCKLAB_OP_LOCK));
	EXPECT_EQ(0, ll_op(fd[i], LOCKLAB_OP_UNLOCK));
	for (i = 1; i < LOCKLAB_MAX_HOLDS; i++)
		EXPECT_EQ(0, ll_op(fd[i], LOCKLAB_OP_UNLOCK));
	for (i = 0; i <= LOCKLAB_MAX_HOLDS; i++)
		close(fd[i]);
}

TEST_F(err, eoverflow)
{
	int fd;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_ATOMIC, 1, 1);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EOVERFLOW, ll_op(fd, LOCKLAB_OP_UP));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_LOCK));	/* down */
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UP));
	EXPECT_ERRNO(EOVERFLOW, ll_op(fd, LOCKLAB_OP_UP));
	close(fd);
}

TEST_F(err, eownerdead)
{
	struct holder h;
	int fd;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_2STATE, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(holder_start(&h, fd, true));
	pthread_join(h.t, NULL);	/* it exited holding the lock */
	EXPECT_ERRNO(EOWNERDEAD, ll_op_timeout(fd, LOCKLAB_OP_LOCK, 10000 * MS));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(0, ll_op_timeout(fd, LOCKLAB_OP_LOCK, 10000 * MS));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_UNLOCK));
	close(fd);
}

/* Kernel-native and broken variants are HOLD only. */
TEST_F(err, eopnotsupp_kernel_native)
{
	int mutex, rw, arc, sem, fd, bmutex, brw;

	if (_metadata->skip)
		return;
	mutex = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_KERNEL, 0, 0);
	bmutex = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_BROKEN, 0, 0);
	brw = mk(self->dev, LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_BROKEN, 0, 0);
	ASSERT_LE(0, bmutex);
	ASSERT_LE(0, brw);
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(bmutex, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(brw, LOCKLAB_OP_READ_LOCK));
	close(brw);
	close(bmutex);
	rw = mk(self->dev, LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_KERNEL, 0, 0);
	arc = mk(self->dev, LOCKLAB_KIND_ARC, LOCKLAB_ARC_KERNEL, 16, 0);
	sem = mk(self->dev, LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_KERNEL, 0, 0);
	ASSERT_LE(0, mutex);
	ASSERT_LE(0, rw);
	ASSERT_LE(0, arc);
	ASSERT_LE(0, sem);
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(mutex, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(rw, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(rw, LOCKLAB_OP_READ_LOCK));
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(sem, LOCKLAB_OP_LOCK));
	EXPECT_ERRNO(EOPNOTSUPP, ll_arc(arc, LOCKLAB_ARC_DOWNGRADE, &fd, NULL,
					NULL));
	EXPECT_ERRNO(EOPNOTSUPP, ll_arc(arc, LOCKLAB_ARC_GET_MUT, NULL, NULL,
					NULL));
	close(sem);
	close(arc);
	close(rw);
	close(mutex);
}

/* The header: "every spin lock [is] taken and released inside one call". */
TEST_F(err, eopnotsupp_spin_lock)
{
	int fd;

	if (_metadata->skip)
		return;
	fd = mk(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TICKET, 0, 0);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(fd, LOCKLAB_OP_LOCK));
	close(fd);
	fd = mk(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_BROKEN, 0, 0);
	ASSERT_LE(0, fd);
	EXPECT_ERRNO(EOPNOTSUPP, ll_op(fd, LOCKLAB_OP_LOCK));
	close(fd);
}

TEST_F(err, ebadf)
{
	char buf[16];
	int m, closed, cv, chan;

	if (_metadata->skip)
		return;
	/* A condvar's mutex_fd that is not an open fd. */
	m = mk(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	ASSERT_LE(0, m);
	closed = m;
	close(m);
	EXPECT_ERRNO(EBADF, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				      LOCKLAB_CONDVAR_COUNTER, closed, 0, &cv));
	EXPECT_ERRNO(EBADF, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				      LOCKLAB_CONDVAR_COUNTER, (uint32_t)-1, 0,
				      &cv));
	/* A channel fd without the side the op needs. */
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 16);
	ASSERT_LE(0, chan);
	EXPECT_EQ(0, chan_op(chan, LOCKLAB_CHAN_CLOSE_SEND, 0, NULL, 0));
	EXPECT_ERRNO(EBADF, ll_send(chan, "x", 1));
	EXPECT_ERRNO(EBADF, chan_op(chan, LOCKLAB_CHAN_CLOSE_SEND, 0, NULL, 0));
	EXPECT_EQ(0, chan_op(chan, LOCKLAB_CHAN_CLOSE_RECV, 0, NULL, 0));
	EXPECT_ERRNO(EBADF, chan_op(chan, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				    buf, sizeof(buf)));
	close(chan);
}

TEST_F(err, eagain)
{
	char buf[16];
	int chan, rdv;

	if (_metadata->skip)
		return;
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 16);
	rdv = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_RENDEZVOUS, 0, 16);
	ASSERT_LE(0, chan);
	ASSERT_LE(0, rdv);
	EXPECT_ERRNO(EAGAIN, chan_op(chan, LOCKLAB_CHAN_RECV, LOCKLAB_OP_NONBLOCK,
				     buf, sizeof(buf)));
	/* Rendezvous: nobody is receiving. */
	EXPECT_ERRNO(EAGAIN, chan_op(rdv, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK,
				     "x", 1));
	close(rdv);
	close(chan);
}

TEST_F(err, epipe)
{
	char buf[16];
	int chan, rx, tx;

	if (_metadata->skip)
		return;
	/* All senders gone: the receiver drains, then EPIPE. */
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 16);
	ASSERT_LE(0, chan);
	ASSERT_EQ(0, ll_chan(chan, LOCKLAB_CHAN_NEW_RECEIVER, 0, NULL, NULL, 0,
			     &rx));
	ASSERT_EQ(0, ll_send(chan, "last", 4));
	close(chan);
	EXPECT_EQ(0, chan_op(rx, LOCKLAB_CHAN_RECV, 0, buf, sizeof(buf)));
	EXPECT_ERRNO(EPIPE, chan_op(rx, LOCKLAB_CHAN_RECV, 0, buf, sizeof(buf)));
	close(rx);
	/* All receivers gone: sends fail. */
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_BOUNDED, 4, 16);
	ASSERT_LE(0, chan);
	ASSERT_EQ(0, ll_chan(chan, LOCKLAB_CHAN_NEW_SENDER, 0, NULL, NULL, 0, &tx));
	close(chan);
	EXPECT_ERRNO(EPIPE, ll_send(tx, "lost", 4));
	close(tx);
}

TEST_F(err, emsgsize)
{
	char buf[64] = "0123456789";
	uint32_t len;
	int chan;

	if (_metadata->skip)
		return;
	chan = mk(self->dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0, 16);
	ASSERT_LE(0, chan);
	EXPECT_ERRNO(EMSGSIZE, ll_send(chan, buf, 17));
	ASSERT_EQ(0, ll_send(chan, buf, 10));
	len = 4;
	EXPECT_ERRNO(EMSGSIZE, ll_recv(chan, buf, &len));
	/* The message stayed queued. */
	len = sizeof(buf);
	EXPECT_EQ(0, ll_recv(chan, buf, &len));
	EXPECT_EQ(10, len);
	close(chan);
}

TEST_HARNESS_MAIN
