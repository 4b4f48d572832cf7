// SPDX-License-Identifier: GPL-2.0
/*
 * locklab robustness selftest, part 1: holders that die.
 *
 *  - the queue mutex hands over in arrival order after a long hold;
 *  - a dying holder (thread exit, SIGKILL of its process) wakes the waiter
 *    behind it within 50 ms (median), EOWNERDEAD after a writer, 0 after a reader,
 *    for every sleeping mutex and rwlock; also during a condvar's relock
 *    and during a v3 UPGRADE;
 *  - UPGRADE never gets past a reader of another process, and upgrade
 *    cycles lose no reader and no token, under a close(dup(fd)) storm.
 *
 * Not here: blocked waits under close(dup()) and channel closes
 * (robust_race_test), wrong-kind commands (robust_kind_test), kill storms
 * (robust_kill_test), each kind's basic semantics (lock_test, owned_test,
 * condvar_test). Kernel warnings are caught by the VM run. Skips (exit 4)
 * without /dev/locklab.
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

/*
 * A death is seen within DEATH_MS at the median of the trials: a reaper
 * that polled, or a waiter that slept until its timeout, would put every
 * trial far above it. One trial may be slower where the guest's vCPUs are
 * descheduled by a loaded host (seen: 69 ms under arm64 TCG with other
 * guests running), so the slowest only has to stay under DEATH_MAX_MS,
 * which still catches a lost wake-up (the waiter's timeout is 6 s).
 */
#define DEATH_MS	50.0
#define DEATH_MAX_MS	1000.0

static int rb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @ms and prints min/median/max. */
static void rb_print_ms(const char *what, double *ms, int n)
{
	qsort(ms, n, sizeof(*ms), rb_cmp);
	printf("# %s: min %.2f median %.2f max %.2f ms (%d trials)\n", what,
	       ms[0], ms[n / 2], ms[n - 1], n);
	fflush(stdout);
}

#define FIFO_N	6

struct fifo_waiter {
	int fd, pos, ret, unlock_ret;
	int *next;
	pthread_t t;
};

static void *fifo_main(void *p)
{
	struct fifo_waiter *w = p;

	w->ret = ll_op_timeout(w->fd, OP(LOCK), 30000 * MS);
	w->pos = __atomic_fetch_add(w->next, 1, __ATOMIC_SEQ_CST);
	usleep(20000);
	w->unlock_ret = ll_op(w->fd, OP(UNLOCK));
	return NULL;
}

TEST_F_TIMEOUT(robust, queue_mutex_hands_over_in_arrival_order, 90)
{
	struct fifo_waiter w[FIFO_N];
	char order[64] = "";
	int fd, i, next = 0;
	uint64_t before;
	double t0;

	ASSERT_EQ(0, ll_create(self->dev, K_MUTEX, LOCKLAB_MUTEX_QUEUE, 0, 0,
			       &fd));
	t0 = ll_now();
	ASSERT_EQ(0, ll_op(fd, OP(LOCK)));
	for (i = 0; i < FIFO_N; i++) {
		w[i] = (struct fifo_waiter){ .fd = fd, .next = &next, .pos = -1 };
		before = STAT(fd, contended);
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, fifo_main, &w[i]));
		/* Waiter i counted its wait, then had time to queue. */
		ASSERT_TRUE(rb_wait_contended(fd, before, 10));
		usleep(50000);
	}
	/* A long hold: a waiter that polled or re-queued would reorder. */
	while (ll_now() - t0 < 1.3)
		usleep(10000);
	ASSERT_EQ(0, ll_op(fd, OP(UNLOCK)));
	for (i = 0; i < FIFO_N; i++) {
		pthread_join(w[i].t, NULL);
		EXPECT_EQ(0, w[i].ret);
		EXPECT_EQ(0, w[i].unlock_ret);
		snprintf(order + strlen(order), sizeof(order) - strlen(order),
			 " %d", w[i].pos);
	}
	printf("# fifo order (acquisition rank of arrivals 0..%d):%s\n",
	       FIFO_N - 1, order);
	fflush(stdout);
	for (i = 0; i < FIFO_N; i++)
		EXPECT_EQ(i, w[i].pos);
	EXPECT_EQ(FIFO_N, STAT(fd, contended));
	close(fd);
}

/* ------------------------------------------------------------------------ */

FIXTURE(death) {
	int dev;
};

FIXTURE_VARIANT(death) {
	const char *name;	/* "r/w": a reader behind a writer */
	uint32_t kind, variant;
	uint32_t hold;		/* what the holder that dies holds */
	uint32_t wait;		/* what the waiter behind it asks for */
	int expect;		/* the waiter's result */
};

#define LK	OP(LOCK)
#define RL	OP(READ_LOCK)
#define OD	EOWNERDEAD
FIXTURE_VARIANT_ADD(death, mutex_2state) { "mutex_2state", K_MUTEX, 1, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, mutex_3state) { "mutex_3state", K_MUTEX, 2, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, mutex_spin) { "mutex_spin", K_MUTEX, 3, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, mutex_queue) { "mutex_queue", K_MUTEX, 4, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, mutex_parking) { "mutex_parking", K_MUTEX, 5, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, rw_v1_reader_behind_writer) { "rw_v1 r/w", K_RW, 1, LK, RL, OD };
FIXTURE_VARIANT_ADD(death, rw_v2_reader_behind_writer) { "rw_v2 r/w", K_RW, 2, LK, RL, OD };
FIXTURE_VARIANT_ADD(death, rw_v3_reader_behind_writer) { "rw_v3 r/w", K_RW, 3, LK, RL, OD };
FIXTURE_VARIANT_ADD(death, rw_v1_writer_behind_writer) { "rw_v1 w/w", K_RW, 1, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, rw_v2_writer_behind_writer) { "rw_v2 w/w", K_RW, 2, LK, LK, OD };
FIXTURE_VARIANT_ADD(death, rw_v3_writer_behind_writer) { "rw_v3 w/w", K_RW, 3, LK, LK, OD };
/* A reaped read hold is no owner death: the writer gets 0. */
FIXTURE_VARIANT_ADD(death, rw_v1_writer_behind_reader) { "rw_v1 w/r", K_RW, 1, RL, LK, 0 };
FIXTURE_VARIANT_ADD(death, rw_v2_writer_behind_reader) { "rw_v2 w/r", K_RW, 2, RL, LK, 0 };
FIXTURE_VARIANT_ADD(death, rw_v3_writer_behind_reader) { "rw_v3 w/r", K_RW, 3, RL, LK, 0 };
FIXTURE_VARIANT_ADD(death, rw_v3_upgrade_behind_reader) {
	"rw_v3 upgrade/r", K_RW, 3, RL, OP(UPGRADE), 0 };

FIXTURE_SETUP(death)
{
	self->dev = rb_setup(_metadata);
}

FIXTURE_TEARDOWN(death)
{
	close(self->dev);
}

#define DEATH_TRIALS	5	/* 3 in a short run */

typedef FIXTURE_VARIANT(death) death_variant_t;

/*
 * One trial: the holder (a thread, or a process when @process) holds, the
 * waiter blocks behind it, the holder dies. Returns the ms from the death
 * to the waiter's return.
 */
static double death_trial(struct __test_metadata *_metadata, int dev,
			  const death_variant_t *v, bool process)
{
	bool upgrade = v->wait == OP(UPGRADE);
	struct agent h, w;
	pid_t pid = -1;
	uint64_t before;
	double t0;
	int fd, ret;

	if (ll_create(dev, v->kind, v->variant, 0, 0, &fd))
		return 1e9;
	if (process)
		pid = rb_fork_holder(fd, v->hold);
	else
		agent_start(&h);
	agent_start(&w);
	ret = process ? (pid > 0 ? 0 : -1) : agent_call(&h, fd, v->hold, 0);
	EXPECT_EQ(0, ret);
	if (upgrade)
		EXPECT_EQ(0, agent_call(&w, fd, OP(UPGRADABLE_LOCK), 0));
	before = STAT(fd, contended);
	agent_post(&w, A_OP, fd, v->wait, TMO, 5000 * MS, NULL);
	/* An upgrade is not counted as contended: give it time. */
	EXPECT_TRUE(upgrade || rb_wait_contended(fd, before, 5));
	usleep(upgrade ? 100000 : 20000);
	EXPECT_TRUE(agent_busy(&w));
	t0 = ll_now();
	if (process)
		kill(pid, SIGKILL);
	else
		t0 = agent_exit(&h);
	ret = agent_wait(&w, 6);
	EXPECT_EQ(v->expect, ret);
	/* The waiter holds it now, exclusively unless it is a reader. */
	EXPECT_EQ(EBUSY, rb_nb(fd, OP(HOLD)));
	if (v->kind == K_RW && v->wait != RL)
		EXPECT_EQ(EBUSY, rb_nb(fd, OP(READ_HOLD)));
	if (ret == 0 || ret == EOWNERDEAD)
		EXPECT_EQ(0, agent_call(&w, fd, rb_release_of(v->wait), 0));
	EXPECT_EQ(1, STAT(fd, owner_deaths));
	if (pid > 0)
		waitpid(pid, NULL, 0);
	agent_stop(&w);
	close(fd);
	return ret == v->expect ? (w.t_end - t0) * 1000 : 1e9;
}

static void death_run(struct __test_metadata *_metadata, int dev,
		      const death_variant_t *v, bool process)
{
	int i, n = rb_pick(DEATH_TRIALS, 3);
	double ms[DEATH_TRIALS];
	char what[96];

	for (i = 0; i < n; i++)
		ms[i] = death_trial(_metadata, dev, v, process);
	snprintf(what, sizeof(what), "death latency %s (%s)", v->name,
		 process ? "SIGKILL of its process" : "thread exit");
	rb_print_ms(what, ms, n);
	EXPECT_GT(DEATH_MS, ms[n / 2]);
	EXPECT_GT(DEATH_MAX_MS, ms[n - 1]);
}

TEST_F_TIMEOUT(death, holder_thread_exit_wakes_waiter_within_50ms, 120)
{
	death_run(_metadata, self->dev, variant, false);
}

TEST_F_TIMEOUT(death, holder_process_kill_wakes_waiter_within_50ms, 120)
{
	death_run(_metadata, self->dev, variant, true);
}

/* ------------------------------------------------------------------------ */

/* A waits on a condvar; B takes the mutex, notifies, dies holding it. */
static double cv_death_trial(struct __test_metadata *_metadata, int dev,
			     int variant)
{
	struct agent a, b;
	double end, t0;
	int m, cv, ret;

	ASSERT_EQ(0, ll_create(dev, K_MUTEX, LOCKLAB_MUTEX_3STATE, 0, 0, &m));
	ASSERT_EQ(0, ll_create(dev, K_CV, variant, m, 0, &cv));
	agent_start(&a);
	agent_start(&b);
	ASSERT_EQ(0, agent_call(&a, m, OP(LOCK), 0));
	agent_op(&a, cv, OP(WAIT), TMO);
	end = ll_now() + 5;
	while (STAT(cv, waits) < 1 && ll_now() < end)
		usleep(500);
	/* B gets the mutex once A sleeps in WAIT. */
	EXPECT_EQ(0, agent_call(&b, m, OP(LOCK), TMO));
	EXPECT_EQ(0, agent_call(&b, cv, OP(NOTIFY_ONE), 0));
	usleep(50000);
	EXPECT_TRUE(agent_busy(&a));	/* relocking, behind B */
	t0 = agent_exit(&b);
	ret = agent_wait(&a, 6);
	EXPECT_EQ(EOWNERDEAD, ret);
	/* WAIT returned with the mutex held. */
	EXPECT_EQ(0, agent_call(&a, m, OP(UNLOCK), 0));
	EXPECT_EQ(0, rb_nb(m, OP(LOCK)));
	EXPECT_EQ(0, ll_op(m, OP(UNLOCK)));
	EXPECT_EQ(1, STAT(m, owner_deaths));
	agent_stop(&a);
	close(cv);
	close(m);
	return ret == EOWNERDEAD ? (a.t_end - t0) * 1000 : 1e9;
}

TEST_F_TIMEOUT(robust, holder_death_in_condvar_relock_gives_ownerdead_held, 60)
{
	static const char *const name[] = { "", "counter", "waitcount",
					    "requeue" };
	char what[64];
	double ms[3];
	int v, i;

	for (v = 1; v <= 3; v++) {
		for (i = 0; i < 3; i++)
			ms[i] = cv_death_trial(_metadata, self->dev, v);
		snprintf(what, sizeof(what), "death latency condvar_%s relock",
			 name[v]);
		rb_print_ms(what, ms, 3);
		EXPECT_GT(DEATH_MS, ms[1]);
		EXPECT_GT(DEATH_MAX_MS, ms[2]);
	}
}

/* ------------------------------------------------------------------------ */

/* NONBLOCK probes from a thread that holds nothing. */
static int rb_probe(struct agent *p, int fd, uint32_t op)
{
	return agent_call(p, fd, op, NB);
}

#define UPG_CYCLES	50

TEST_F_TIMEOUT(robust, upgrade_excludes_foreign_reader_under_close_dup, 90)
{
	int fd, i, ret, bad = 0;
	struct storm s;
	struct agent p;
	pid_t pid;
	double t0;

	ASSERT_EQ(0, ll_create(self->dev, K_RW, LOCKLAB_RWLOCK_V3, 0, 0, &fd));
	agent_start(&p);
	pid = rb_fork_holder(fd, OP(READ_LOCK));
	ASSERT_LT(0, pid);
	storm_start(&s, fd, -1);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, ll_op(fd, OP(UPGRADABLE_LOCK)));
		t0 = ll_now();
		ret = ll_op_timeout(fd, OP(UPGRADE), 300 * MS);
		EXPECT_EQ(ETIMEDOUT, ret);
		EXPECT_LE(0.3, ll_now() - t0);
		if (!ret) {
			TH_LOG("UPGRADE succeeded over a live reader");
			EXPECT_EQ(0, ll_op(fd, OP(UNLOCK)));
			continue;
		}
		/* Still upgradable: readers come in, writers do not. */
		EXPECT_EQ(0, rb_probe(&p, fd, OP(READ_HOLD)));
		EXPECT_EQ(EBUSY, rb_probe(&p, fd, OP(HOLD)));
		EXPECT_EQ(0, ll_op(fd, OP(UPGRADABLE_UNLOCK)));
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (i = 0; i < UPG_CYCLES; i++) {
		bad += !!ll_op(fd, OP(UPGRADABLE_LOCK));
		bad += !!rb_probe(&p, fd, OP(READ_HOLD));
		bad += !!ll_op_timeout(fd, OP(UPGRADE), 5000 * MS);
		bad += rb_probe(&p, fd, OP(READ_HOLD)) != EBUSY;
		bad += !!ll_op(fd, OP(DOWNGRADE));
		bad += !!rb_probe(&p, fd, OP(READ_HOLD));
		bad += rb_probe(&p, fd, OP(HOLD)) != EBUSY;
		bad += !!ll_op(fd, OP(READ_UNLOCK));
		bad += !!ll_op(fd, OP(UPGRADABLE_LOCK));
		bad += !!ll_op(fd, OP(UPGRADABLE_UNLOCK));
	}
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, storm_stop(&s));
	/* No phantom reader, no lost upgradable token. */
	EXPECT_EQ(0, rb_probe(&p, fd, OP(LOCK)));
	EXPECT_EQ(0, agent_call(&p, fd, OP(UNLOCK), 0));
	EXPECT_EQ(0, agent_call(&p, fd, OP(UPGRADABLE_LOCK), TMO));
	EXPECT_EQ(0, agent_call(&p, fd, OP(UPGRADABLE_UNLOCK), 0));
	EXPECT_EQ(0, ll_op_timeout(fd, OP(UPGRADABLE_LOCK), 1000 * MS));
	EXPECT_EQ(0, ll_op(fd, OP(UPGRADABLE_UNLOCK)));
	EXPECT_EQ(0, STAT(fd, violations));
	agent_stop(&p);
	close(fd);
}

TEST_HARNESS_MAIN
