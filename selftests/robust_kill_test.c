// SPDX-License-Identifier: GPL-2.0
/*
 * locklab robustness selftest, part 4: SIGKILL of 24 processes blocked in
 * every kind of wait (mutexes, rwlocks, an upgrade, condvars, a semaphore,
 * channel receives and sends, BENCH): all reaped within 500 ms, the holds
 * of the living survive, the dead upgrader's hold is an owner death, and
 * no module reference, object or charged byte is left.
 *
 * Not here: single deaths and their latency (robust_death_test). Kernel
 * warnings are caught by the VM run. Skips (exit 4) without /dev/locklab.
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
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "robust_common.h"

#define rb_refcnt()	ll_read_long("/sys/module/locklab/refcnt")

/* A fresh open of the device: its objects (-1: no LIMITS), user's bytes. */
static int rb_fresh(uint64_t *user_bytes)
{
	struct locklab_limits l;

	if (ll_fresh_limits(&l))
		return -1;
	*user_bytes = l.user_bytes;
	return l.objects;
}

enum { SW_OP, SW_UPGRADE, SW_WAIT, SW_CHAN, SW_BENCH };

struct sw {
	int how, fd, fd2;
	uint32_t op;
	pid_t pid;
	double reaped;
};

/* A child that blocks in @w's wait until it is killed. */
static void sw_child(int dev, const struct sw *w, int ready)
{
	struct locklab_bench b = { .size = sizeof(b), .kind = K_MUTEX,
				   .variant = LOCKLAB_MUTEX_3STATE,
				   .threads = 1, .duration_ms = 3000 };
	char buf[64] = "m";
	uint32_t len = w->op == CH(SEND) ? 1 : sizeof(buf);
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (w->how == SW_UPGRADE && ll_op(w->fd, OP(UPGRADABLE_LOCK)))
		_exit(2);
	if (w->how == SW_WAIT && ll_op(w->fd2, OP(LOCK)))
		_exit(2);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	if (w->how == SW_CHAN)
		ret = ll_chan(w->fd, w->op, TMO, buf, &len, 20000 * MS, NULL);
	else if (w->how == SW_BENCH)
		ret = ll_err(ioctl(dev, LOCKLAB_IOC_BENCH, &b));
	else
		ret = ll_op_timeout(w->fd, w->op, 20000 * MS);
	_exit(10 + (ret & 0x7f));	/* it returned: not killed in it */
}

TEST_F_TIMEOUT(robust, kill_storm_reaps_every_waiter_and_leaks_nothing, 90)
{
	int fds[40], nfd = 0, nw = 0, i, v, m, p[2], st, reaped = 0;
	long ref0 = rb_refcnt(), ref;
	uint64_t ub0 = 0, ub1 = 1;
	double t0, end, max = 0;
	struct sw w[32];
	char c;

	EXPECT_EQ(0, rb_fresh(&ub0));
#define ADD(_how, _fd2, _op) \
	(w[nw++] = (struct sw){ .how = _how, .fd = fds[nfd - 1], .fd2 = _fd2, \
				.op = _op })
#define NEW(_k, _v, _p0, _p1) \
	ASSERT_EQ(0, ll_create(self->dev, _k, _v, _p0, _p1, &fds[nfd++]))
	/* Held by this thread: mutexes, rwlocks (write, then read). */
	for (v = 1; v <= 5; v++) {
		NEW(K_MUTEX, v, 0, 0);
		ASSERT_EQ(0, ll_op(fds[nfd - 1], OP(LOCK)));
		ADD(SW_OP, -1, OP(LOCK));
	}
	for (v = 1; v <= 3; v++) {
		NEW(K_RW, v, 0, 0);
		ASSERT_EQ(0, ll_op(fds[nfd - 1], OP(LOCK)));
		ADD(SW_OP, -1, OP(READ_LOCK));
		NEW(K_RW, v, 0, 0);
		ASSERT_EQ(0, ll_op(fds[nfd - 1], OP(READ_LOCK)));
		ADD(SW_OP, -1, OP(LOCK));
	}
	NEW(K_RW, 3, 0, 0);
	ASSERT_EQ(0, ll_op(fds[nfd - 1], OP(READ_LOCK)));
	ADD(SW_UPGRADE, -1, OP(UPGRADE));
	NEW(K_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0);
	m = fds[nfd - 1];
	for (v = 1; v <= 3; v++) {
		NEW(K_CV, v, m, 0);
		ADD(SW_WAIT, m, OP(WAIT));
	}
	NEW(LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_ATOMIC, 0, 1);
	ADD(SW_OP, -1, OP(LOCK));
	for (v = 0; v < RB_NCHANS; v++) {
		NEW(K_CHAN, rb_chan(v)[0], rb_chan(v)[1], 64);
		ADD(SW_CHAN, -1, CH(RECV));
	}
	NEW(K_CHAN, LOCKLAB_CHANNEL_BOUNDED, 1, 64);
	ASSERT_EQ(0, rb_send(fds[nfd - 1], NB, "full"));
	ADD(SW_CHAN, -1, CH(SEND));
	NEW(K_CHAN, LOCKLAB_CHANNEL_RENDEZVOUS, 0, 64);
	ADD(SW_CHAN, -1, CH(SEND));
	ADD(SW_BENCH, -1, 0);
#undef ADD
#undef NEW

	for (i = 0; i < nw; i++) {
		ASSERT_EQ(0, pipe(p));
		w[i].pid = fork();
		ASSERT_LE(0, w[i].pid);
		if (!w[i].pid)
			sw_child(self->dev, &w[i], p[1]);
		close(p[1]);
		EXPECT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
	}
	usleep(700000);		/* all of them get into their waits */
	for (i = 0; i < nw; i++) {
		EXPECT_EQ(0, waitpid(w[i].pid, &st, WNOHANG)) {
			TH_LOG("waiter %d (how %d) returned early", i, w[i].how);
		}
	}
	t0 = ll_now();
	for (i = 0; i < nw; i++)
		kill(w[i].pid, SIGKILL);
	end = t0 + 5;
	while (reaped < nw && ll_now() < end) {
		for (i = 0; i < nw; i++) {
			if (w[i].reaped || waitpid(w[i].pid, &st, WNOHANG) <= 0)
				continue;
			w[i].reaped = (ll_now() - t0) * 1000;
			reaped++;
			EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		}
		usleep(100);
	}
	for (i = 0; i < nw; i++) {
		EXPECT_NE(0, w[i].reaped) {
			TH_LOG("waiter %d (how %d) not reaped", i, w[i].how);
			kill(w[i].pid, SIGKILL);
			waitpid(w[i].pid, NULL, 0);
			w[i].reaped = 1e9;
		}
		if (w[i].reaped > max)
			max = w[i].reaped;
		EXPECT_GT(500, w[i].reaped);
	}
	printf("# kill latency: max %.2f ms for %d processes (kill to reap)\n",
	       max, nw);
	fflush(stdout);
	EXPECT_GT(1000, max);

	/* Our holds survived; only the dead upgrader's hold was a death. */
	for (i = 0; i < 11; i++) {
		EXPECT_EQ(0, ll_op(fds[i], i >= 5 && w[i].op == OP(LOCK) ?
				   OP(READ_UNLOCK) : OP(UNLOCK)));
		EXPECT_EQ(0, rb_nb(fds[i], OP(LOCK)));
		EXPECT_EQ(0, ll_op(fds[i], OP(UNLOCK)));
	}
	EXPECT_EQ(0, ll_op(fds[11], OP(READ_UNLOCK)));
	EXPECT_EQ(EOWNERDEAD, rb_nb(fds[11], OP(LOCK)));
	EXPECT_EQ(0, ll_op(fds[11], OP(UNLOCK)));
	EXPECT_EQ(EBUSY, rb_nb(fds[16], OP(LOCK)));	/* count still 0 */
	for (i = 0; i < nfd; i++)
		close(fds[i]);

	end = ll_now() + 2;
	do {
		ref = rb_refcnt();
		if (ref == ref0 && !rb_objects(self->dev, NULL))
			break;
		usleep(10000);
	} while (ll_now() < end);
	printf("# module refcnt %ld at start, %ld after the storm\n", ref0, ref);
	fflush(stdout);
	EXPECT_EQ(ref0, ref);
	EXPECT_EQ(0, rb_objects(self->dev, NULL));
	EXPECT_EQ(0, rb_fresh(&ub1));
	EXPECT_EQ(ub0, ub1);
}

TEST_HARNESS_MAIN
