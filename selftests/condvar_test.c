// SPDX-License-Identifier: GPL-2.0
/*
 * locklab condition variable selftest (fixture "cv"): condvars bound to a
 * mutex object: WAIT needs the mutex and keeps it on a timeout; producers
 * and consumers lose nothing; NOTIFY_ALL wakes every waiter, a signal
 * keeps the mutex.
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

TEST_HARNESS_MAIN
