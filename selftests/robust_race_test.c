// SPDX-License-Identifier: GPL-2.0
/*
 * locklab robustness selftest, part 2: races with blocked and racing ops.
 *
 *  - another thread's close(dup(fd)) neither ends nor breaks a blocked
 *    wait of any kind (locks, upgrade, condvar, semaphore, channels);
 *  - CLOSE_SEND + CLOSE_RECV make SEND/RECV EBADF, racing other ops;
 *  - semaphore HOLDs racing UPs: every HOLD 0, every UP 0 or EOVERFLOW,
 *    no violation without UPs, and once the race is over the semaphore
 *    holds at most its maximum. (With UPs, the checked section may see
 *    one holder too many: the maximum bounds the count, not the permits
 *    in circulation, see struct locklab_op in the UAPI header.)
 *
 * Not here: holder deaths (robust_death_test), wrong-kind commands
 * (robust_kind_test), kill storms (robust_kill_test). Kernel warnings are
 * caught by the VM run. Skips (exit 4) without /dev/locklab.
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
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "robust_common.h"

/* ------------------------------------------------------------------------ */

/* What the blocked thread waits in. */
enum {
	BL_LOCK, BL_READ, BL_WRITE, BL_UPGRADE, BL_WAIT, BL_DOWN, BL_RECV, BL_SEND,
};

FIXTURE(blocked) {
	int dev;
};

FIXTURE_VARIANT(blocked) {
	uint32_t kind, variant, p0, p1;
	int how;
};

FIXTURE_VARIANT_ADD(blocked, mutex_2state) { K_MUTEX, 1, 0, 0, BL_LOCK };
FIXTURE_VARIANT_ADD(blocked, mutex_3state) { K_MUTEX, 2, 0, 0, BL_LOCK };
FIXTURE_VARIANT_ADD(blocked, mutex_spin) { K_MUTEX, 3, 0, 0, BL_LOCK };
FIXTURE_VARIANT_ADD(blocked, mutex_queue) { K_MUTEX, 4, 0, 0, BL_LOCK };
FIXTURE_VARIANT_ADD(blocked, mutex_parking) { K_MUTEX, 5, 0, 0, BL_LOCK };
FIXTURE_VARIANT_ADD(blocked, rwlock_v1_read) { K_RW, 1, 0, 0, BL_READ };
FIXTURE_VARIANT_ADD(blocked, rwlock_v2_read) { K_RW, 2, 0, 0, BL_READ };
FIXTURE_VARIANT_ADD(blocked, rwlock_v3_read) { K_RW, 3, 0, 0, BL_READ };
FIXTURE_VARIANT_ADD(blocked, rwlock_v1_write) { K_RW, 1, 0, 0, BL_WRITE };
FIXTURE_VARIANT_ADD(blocked, rwlock_v2_write) { K_RW, 2, 0, 0, BL_WRITE };
FIXTURE_VARIANT_ADD(blocked, rwlock_v3_write) { K_RW, 3, 0, 0, BL_WRITE };
FIXTURE_VARIANT_ADD(blocked, rwlock_v3_upgrade) { K_RW, 3, 0, 0, BL_UPGRADE };
FIXTURE_VARIANT_ADD(blocked, condvar_counter) { K_CV, 1, 0, 0, BL_WAIT };
FIXTURE_VARIANT_ADD(blocked, condvar_waitcount) { K_CV, 2, 0, 0, BL_WAIT };
FIXTURE_VARIANT_ADD(blocked, condvar_requeue) { K_CV, 3, 0, 0, BL_WAIT };
FIXTURE_VARIANT_ADD(blocked, semaphore) { LOCKLAB_KIND_SEMAPHORE, 1, 0, 1, BL_DOWN };
FIXTURE_VARIANT_ADD(blocked, recv_mpsc) { K_CHAN, 1, 0, 64, BL_RECV };
FIXTURE_VARIANT_ADD(blocked, recv_oneshot) { K_CHAN, 2, 0, 64, BL_RECV };
FIXTURE_VARIANT_ADD(blocked, recv_bounded) { K_CHAN, 3, 4, 64, BL_RECV };
FIXTURE_VARIANT_ADD(blocked, recv_rendezvous) { K_CHAN, 4, 0, 64, BL_RECV };
FIXTURE_VARIANT_ADD(blocked, recv_kfifo) { K_CHAN, 0x40, 4, 64, BL_RECV };
FIXTURE_VARIANT_ADD(blocked, send_bounded_full) { K_CHAN, 3, 1, 64, BL_SEND };
FIXTURE_VARIANT_ADD(blocked, send_rendezvous) { K_CHAN, 4, 0, 64, BL_SEND };

FIXTURE_SETUP(blocked)
{
	self->dev = rb_setup(_metadata);
}

FIXTURE_TEARDOWN(blocked)
{
	close(self->dev);
}

TEST_F_TIMEOUT(blocked, close_dup_by_sibling_keeps_wait_and_object, 60)
{
	static const uint32_t blocking[] = {
		[BL_LOCK] = OP(LOCK), [BL_READ] = OP(READ_LOCK),
		[BL_WRITE] = OP(LOCK), [BL_UPGRADE] = OP(UPGRADE),
		[BL_WAIT] = OP(WAIT), [BL_DOWN] = OP(LOCK),
		[BL_RECV] = CH(RECV), [BL_SEND] = CH(SEND),
	};
	int how = variant->how, fd, m = -1, ret, hold = 0;
	bool bounded = variant->variant == LOCKLAB_CHANNEL_BOUNDED;
	uint32_t len = 0;
	struct agent h, b;
	struct storm s;
	char buf[64];

	if (how == BL_WAIT) {
		ASSERT_EQ(0, ll_create(self->dev, K_MUTEX, LOCKLAB_MUTEX_3STATE,
				       0, 0, &m));
		ASSERT_EQ(0, ll_create(self->dev, K_CV, variant->variant, m, 0,
				       &fd));
	} else {
		ASSERT_EQ(0, ll_create(self->dev, variant->kind, variant->variant,
				       variant->p0, variant->p1, &fd));
	}
	agent_start(&h);
	agent_start(&b);
	/* What B will wait behind (H's hold, B's own first step, a full ring). */
	if (how == BL_LOCK || how == BL_READ)
		hold = OP(LOCK);
	else if (how == BL_WRITE || how == BL_UPGRADE)
		hold = OP(READ_LOCK);
	if (hold)
		ASSERT_EQ(0, agent_call(&h, fd, hold, 0));
	if (how == BL_UPGRADE)
		ASSERT_EQ(0, agent_call(&b, fd, OP(UPGRADABLE_LOCK), 0));
	if (how == BL_WAIT)
		ASSERT_EQ(0, agent_call(&b, m, OP(LOCK), 0));
	if (how == BL_SEND && bounded) {
		ASSERT_EQ(0, rb_send(fd, NB, "first"));
		ASSERT_EQ(EAGAIN, rb_send(fd, NB, "full"));
	}

	agent_post(&b, how >= BL_RECV ? A_CHAN : A_OP, fd, blocking[how], TMO,
		   LONG_NS, how == BL_SEND ? "second" : NULL);
	/*
	 * Time for B to get into its wait (agent_busy() only says it has
	 * not returned): the full window in a short run too, or a condvar
	 * NOTIFY below could come before B's WAIT and be lost.
	 */
	usleep(150000);
	ASSERT_TRUE(agent_busy(&b));
	storm_start(&s, fd, m);
	usleep(rb_pick(200000, 80000));
	EXPECT_LT(0, storm_stop(&s));
	/* The closes ended neither B's wait nor H's hold. */
	EXPECT_TRUE(agent_busy(&b));
	if (hold)
		EXPECT_EQ(EBUSY, rb_nb(fd, OP(HOLD)));

	/* Satisfy B. */
	if (hold)
		ret = agent_call(&h, fd, rb_release_of(hold), 0);
	else if (how == BL_WAIT)
		ret = ll_op(fd, OP(NOTIFY_ONE));
	else if (how == BL_DOWN)
		ret = ll_op(fd, OP(UP));
	else if (how == BL_RECV)
		ret = rb_send(fd, TMO, "ping");
	else
		ret = rb_recv(fd, TMO, buf, &len);
	EXPECT_EQ(0, ret);
	ret = agent_wait(&b, 10);
	EXPECT_EQ(0, ret);
	if (how == BL_RECV) {
		EXPECT_EQ(4, b.len);
		EXPECT_EQ(0, memcmp(b.buf, "ping", 4));
	}
	if (how == BL_SEND && bounded) {
		EXPECT_EQ(0, memcmp(buf, "first", 5));
		EXPECT_EQ(0, rb_recv(fd, NB, buf, &len));
	}
	if (how == BL_SEND) {
		EXPECT_EQ(6, len);
		EXPECT_EQ(0, memcmp(buf, "second", 6));
	}

	/* The object still works, and nobody died. */
	if (ret)
		goto out;
	if (how <= BL_UPGRADE) {
		EXPECT_EQ(0, agent_call(&b, fd, how == BL_READ ?
					OP(READ_UNLOCK) : OP(UNLOCK), 0));
		EXPECT_EQ(0, rb_nb(fd, OP(LOCK)));
		EXPECT_EQ(0, ll_op(fd, OP(UNLOCK)));
		EXPECT_EQ(0, STAT(fd, owner_deaths));
	} else if (how == BL_WAIT) {
		EXPECT_EQ(0, agent_call(&b, m, OP(UNLOCK), 0));
		EXPECT_EQ(0, rb_nb(m, OP(LOCK)));
		EXPECT_EQ(ETIMEDOUT, ll_op_timeout(fd, OP(WAIT), 20 * MS));
		EXPECT_EQ(0, ll_op(m, OP(UNLOCK)));
		EXPECT_EQ(0, STAT(m, owner_deaths));
	} else if (how == BL_DOWN) {
		EXPECT_EQ(EBUSY, rb_nb(fd, OP(LOCK)));
		EXPECT_EQ(0, ll_op(fd, OP(UP)));
		EXPECT_EQ(EOVERFLOW, ll_op(fd, OP(UP)));
	} else if (variant->variant == LOCKLAB_CHANNEL_ONESHOT) {
		/* A one-shot that delivered will never deliver again. */
		EXPECT_EQ(EBUSY, rb_send(fd, NB, "again"));
		EXPECT_EQ(EPIPE, rb_recv(fd, NB, buf, &len));
	} else if (variant->variant == LOCKLAB_CHANNEL_RENDEZVOUS) {
		agent_post(&b, A_CHAN, fd, CH(RECV), TMO, LONG_NS, NULL);
		EXPECT_EQ(0, rb_send(fd, TMO, "again"));
		EXPECT_EQ(0, agent_wait(&b, 10));
		EXPECT_EQ(5, b.len);
		EXPECT_EQ(EAGAIN, rb_recv(fd, NB, buf, &len));
	} else {
		EXPECT_EQ(0, rb_send(fd, NB, "again"));
		EXPECT_EQ(0, rb_recv(fd, NB, buf, &len));
		EXPECT_EQ(5, len);
		EXPECT_EQ(EAGAIN, rb_recv(fd, NB, buf, &len));
	}
out:
	agent_stop(&h);
	agent_stop(&b);
	close(fd);
	if (m >= 0)
		close(m);
}

/* ------------------------------------------------------------------------ */

struct poker {
	int fd;
	bool oneshot;
	bool closed;		/* both sides were closed: EBADF only now */
	long ops, after;
	int bad, bad_after, last_bad;
	pthread_t t;
};

/* NONBLOCK sends and receives on the fd while it is being closed. */
static void *poker_main(void *p)
{
	struct poker *k = p;
	char buf[64];
	uint32_t len;
	bool closed;
	int r;

	for (;;) {
		closed = get_flag(&k->closed);
		if (k->ops & 1)
			r = rb_recv(k->fd, NB, buf, &len);
		else
			r = rb_send(k->fd, NB, "poke");
		__atomic_store_n(&k->ops, k->ops + 1, __ATOMIC_RELEASE);
		if (r && r != EAGAIN && r != EPIPE && r != EBADF &&
		    !(k->oneshot && r == EBUSY)) {
			k->bad++;
			k->last_bad = r;
		}
		if (!closed)
			continue;
		k->bad_after += r != EBADF;
		if (++k->after >= 20)
			return NULL;
	}
}

static int rb_chan_op(int fd, uint32_t op)
{
	int nfd;

	return ll_chan(fd, op, 0, NULL, NULL, 0, &nfd);
}

/* Close both sides of @fd, its only fd, while another thread pokes it. */
static int rb_close_round(int fd, int round, bool oneshot, struct poker *k)
{
	uint32_t first = round & 1 ? CH(CLOSE_RECV) : CH(CLOSE_SEND);
	uint32_t second = round & 1 ? CH(CLOSE_SEND) : CH(CLOSE_RECV);
	int bad = 0;
	uint32_t len;
	char buf[64];
	double end;

	*k = (struct poker){ .fd = fd, .oneshot = oneshot };
	if (pthread_create(&k->t, NULL, poker_main, k))
		return 1;
	end = ll_now() + 2;
	while (__atomic_load_n(&k->ops, __ATOMIC_ACQUIRE) < 3 && ll_now() < end)
		;
	bad += !!rb_chan_op(fd, first);
	bad += !!rb_chan_op(fd, second);
	set_flag(&k->closed);
	bad += rb_send(fd, NB, "x") != EBADF;
	bad += rb_recv(fd, NB, buf, &len) != EBADF;
	bad += rb_send(fd, TMO, "x") != EBADF;
	bad += rb_recv(fd, TMO, buf, &len) != EBADF;
	bad += rb_chan_op(fd, CH(CLOSE_SEND)) != EBADF;
	bad += rb_chan_op(fd, CH(CLOSE_RECV)) != EBADF;
	bad += rb_chan_op(fd, CH(NEW_SENDER)) != EBADF;
	bad += rb_chan_op(fd, CH(NEW_RECEIVER)) != EBADF;
	pthread_join(k->t, NULL);
	return bad;
}

#define CLOSE_ROUNDS	100	/* 30 in a short run */

TEST_F_TIMEOUT(robust, send_recv_after_close_send_and_recv_are_ebadf, 120)
{
	int fd, v, i, bad, bad_ops, bad_after, last_bad = 0;
	int rounds = rb_pick(CLOSE_ROUNDS, 30);
	struct poker k;

	for (v = 0; v < RB_NCHANS; v++) {
		bad = 0;
		bad_ops = 0;
		bad_after = 0;
		for (i = 0; i < rounds; i++) {
			ASSERT_EQ(0, ll_create(self->dev, K_CHAN, rb_chan(v)[0],
					       rb_chan(v)[1], 64, &fd));
			bad += rb_close_round(fd, i, rb_chan(v)[0] ==
					      LOCKLAB_CHANNEL_ONESHOT, &k);
			bad_ops += k.bad;
			bad_after += k.bad_after;
			if (k.bad)
				last_bad = k.last_bad;
			close(fd);
		}
		EXPECT_EQ(0, bad + bad_after) {
			TH_LOG("channel variant %u: %d bad results, %d not EBADF once closed",
			       rb_chan(v)[0], bad, bad_after);
		}
		EXPECT_EQ(0, bad_ops) {
			TH_LOG("channel variant %u: a racing op returned %d",
			       rb_chan(v)[0], last_bad);
		}
	}
}

/* ------------------------------------------------------------------------ */

struct semrace {
	int fd;
	bool up, stop;
	long n, overflow, bad;
	int last_bad;
	pthread_t t;
};

static void *semrace_main(void *p)
{
	struct semrace *r = p;
	int ret;

	while (!get_flag(&r->stop)) {
		if (r->up)
			ret = ll_op(r->fd, OP(UP));
		else
			ret = ll_op_full(r->fd, OP(HOLD), TMO, 2000, 5000 * MS,
					 NULL);
		r->n++;
		if (r->up && ret == EOVERFLOW) {
			r->overflow++;
		} else if (ret) {
			r->bad++;
			r->last_bad = ret;
		}
	}
	return NULL;
}

#define SEM_MAX		1
#define SEM_THREADS	4

/*
 * SEM_THREADS threads on a fresh semaphore (count and maximum SEM_MAX) for
 * @ms milliseconds: the even ones HOLD, the odd ones UP if @ups (else HOLD too).
 * Returns its fd, every thread stopped and joined, or -1.
 */
static int sem_race(int dev, bool ups, unsigned int ms,
		    struct semrace *r)
{
	int fd, i;

	if (ll_create(dev, LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_ATOMIC,
		      SEM_MAX, SEM_MAX, &fd))
		return -1;
	for (i = 0; i < SEM_THREADS; i++) {
		r[i] = (struct semrace){ .fd = fd, .up = ups && (i & 1) };
		if (pthread_create(&r[i].t, NULL, semrace_main, &r[i]))
			abort();
	}
	usleep(ms * 1000);
	for (i = 0; i < SEM_THREADS; i++)
		set_flag(&r[i].stop);
	for (i = 0; i < SEM_THREADS; i++)
		pthread_join(r[i].t, NULL);
	return fd;
}

/* Permits left: NONBLOCK LOCKs that succeed before the first EBUSY. */
static int sem_permits(int fd, int *last)
{
	int n = 0;

	while (n <= SEM_MAX + 8 && !(*last = rb_nb(fd, OP(LOCK))))
		n++;
	return n;
}

/*
 * The maximum bounds the count, not the permits in circulation: an UP
 * while a HOLD's permit is out may let one more HOLD in, which the checked
 * section counts as a violation (struct locklab_op in the UAPI header,
 * dev/obj_sema.c). So violations are reported, not asserted, with UPs;
 * without UPs there must be none, and after the race the semaphore holds
 * at most its maximum.
 */
TEST_F_TIMEOUT(robust, semaphore_hold_racing_up_only_overflows, 60)
{
	long holds = 0, ups = 0, overflows = 0;
	struct semrace r[SEM_THREADS];
	int fd, i, n, last;

	/* Control: HOLDs only. */
	fd = sem_race(self->dev, false, rb_pick(1000, 400), r);
	ASSERT_LE(0, fd);
	for (i = 0; i < SEM_THREADS; i++) {
		EXPECT_EQ(0, r[i].bad)
			TH_LOG("HOLD without UPs returned %d", r[i].last_bad);
		holds += r[i].n;
	}
	printf("# semaphore without UPs: %ld holds, %llu violations\n", holds,
	       (unsigned long long)STAT(fd, violations));
	EXPECT_LT(0, holds);
	EXPECT_EQ(0, STAT(fd, violations));
	close(fd);

	/* The race. */
	fd = sem_race(self->dev, true, rb_pick(2000, 800), r);
	ASSERT_LE(0, fd);
	holds = 0;
	for (i = 0; i < SEM_THREADS; i++) {
		EXPECT_EQ(0, r[i].bad) {
			TH_LOG("%s returned %d", r[i].up ? "UP" : "HOLD",
			       r[i].last_bad);
		}
		*(r[i].up ? &ups : &holds) += r[i].n;
		overflows += r[i].overflow;
	}
	printf("# semaphore race: %ld holds, %ld ups (%ld EOVERFLOW), %llu violations\n",
	       holds, ups, overflows, (unsigned long long)STAT(fd, violations));
	EXPECT_LT(0, holds);
	EXPECT_LT(0, overflows);
	/* UPs stopped, every HOLD done: at most SEM_MAX permits left. */
	n = sem_permits(fd, &last);
	printf("# semaphore after the race: %d of at most %d permits\n", n,
	       SEM_MAX);
	fflush(stdout);
	EXPECT_GE(SEM_MAX, n);
	EXPECT_EQ(EBUSY, last);
	close(fd);
}

TEST_HARNESS_MAIN
