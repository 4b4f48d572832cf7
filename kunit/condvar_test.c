// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab condition variables (lock/condvar.c), over
 * the three variants.
 *
 *  - producer/consumer: 100000 items through a 16-slot buffer guarded by a
 *    lab_mutex with "not empty" and "not full" condition variables, 1 and
 *    2 producers and consumers; every item arrives exactly once (count and
 *    sum) and nothing hangs: each wait has a timeout, and a timeout with
 *    the condition still false is counted as a lost wake-up;
 *  - notify_one wakes at most one waiter (and one when there are waiters);
 *  - notify_all wakes every waiter, or (REQUEUE) wakes one and moves the
 *    rest onto the mutex, and every waiter still returns;
 *  - a timed wait returns -ETIMEDOUT with the mutex held again.
 *
 * Not tested here: fairness between waiters.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/condvar.h>
#include <locklab/mutex.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define PC_ITEMS	100000
#define PC_SLOTS	16

struct cv_case {
	enum lab_condvar_variant variant;
	unsigned int pairs;	/* producers = consumers */
};

static const struct cv_case cv_pc_cases[] = {
	{ LAB_CONDVAR_COUNTER, 1 }, { LAB_CONDVAR_COUNTER, 2 },
	{ LAB_CONDVAR_WAITCOUNT, 1 }, { LAB_CONDVAR_WAITCOUNT, 2 },
	{ LAB_CONDVAR_REQUEUE, 1 }, { LAB_CONDVAR_REQUEUE, 2 },
};

static const char *const cv_names[] = { "counter", "waitcount", "requeue" };

static void cv_case_desc(const struct cv_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%ux%u", cv_names[c->variant],
		 c->pairs, c->pairs);
}

KUNIT_ARRAY_PARAM(cv_pc, cv_pc_cases, cv_case_desc);

struct pc {
	struct lab_mutex m;
	struct lab_condvar not_empty, not_full;
	u64 buf[PC_SLOTS];
	unsigned int head, tail, len;	/* under m */
	unsigned int pairs;
	u64 received, sum;		/* under m */
	atomic_t lost_wakeups;
	atomic_t taken;			/* items consumed: the watchdog's count */
};

static bool pc_has_room(struct pc *p)
{
	return p->len < PC_SLOTS;
}

static bool pc_has_item(struct pc *p)
{
	return p->len > 0;
}

/*
 * With @p->m held, wait on @cv until @cond(@p). A timeout with the
 * condition still false means a notify was lost: count it and give up.
 */
static int pc_wait_until(struct pc *p, struct lab_condvar *cv,
			 bool (*cond)(struct pc *p))
{
	while (!cond(p)) {
		if (lab_condvar_wait_timeout(cv, &p->m, 5LL * NSEC_PER_SEC) ==
		    -ETIMEDOUT && !cond(p)) {
			atomic_inc(&p->lost_wakeups);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

static int pc_producer(struct pc *p, unsigned int id)
{
	u64 i;

	for (i = id; i < PC_ITEMS; i += p->pairs) {
		lab_mutex_lock(&p->m);
		if (pc_wait_until(p, &p->not_full, pc_has_room)) {
			lab_mutex_unlock(&p->m);
			return -ETIMEDOUT;
		}
		p->buf[p->tail] = i + 1;
		p->tail = (p->tail + 1) % PC_SLOTS;
		p->len++;
		lab_mutex_unlock(&p->m);
		lab_condvar_notify_one(&p->not_empty);
	}
	return 0;
}

static int pc_consumer(struct pc *p)
{
	u64 mine = PC_ITEMS / p->pairs, i;

	for (i = 0; i < mine; i++) {
		lab_mutex_lock(&p->m);
		if (pc_wait_until(p, &p->not_empty, pc_has_item)) {
			lab_mutex_unlock(&p->m);
			return -ETIMEDOUT;
		}
		p->sum += p->buf[p->head];
		p->head = (p->head + 1) % PC_SLOTS;
		p->len--;
		p->received++;
		lab_mutex_unlock(&p->m);
		atomic_inc(&p->taken);
		lab_condvar_notify_one(&p->not_full);
	}
	return 0;
}

static int pc_thread(void *arg, unsigned int id)
{
	struct pc *p = arg;

	if (id < p->pairs)
		return pc_producer(p, id);
	return pc_consumer(p);
}

/*
 * The watchdog's count: a notify lost by the mutex under the condvar
 * leaves every thread asleep in lab_mutex_lock(), which has no deadline;
 * the count then stops and the run fails in seconds, not at its limit.
 */
static u64 pc_progress(void *arg)
{
	struct pc *p = arg;

	return atomic_read(&p->taken);
}

static void condvar_producer_consumer_no_loss_test(struct kunit *test)
{
	const struct cv_case *c = test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 280000,
				     .progress = pc_progress };
	struct pc *p = kzalloc(sizeof(*p), GFP_KERNEL);
	u64 want = (u64)PC_ITEMS * (PC_ITEMS + 1) / 2;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	lab_mutex_init(&p->m, LAB_MUTEX_3STATE);
	lab_condvar_init(&p->not_empty, c->variant);
	lab_condvar_init(&p->not_full, c->variant);
	p->pairs = c->pairs;
	ret = lab_run_threads(2 * c->pairs, pc_thread, p, &opts);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->lost_wakeups), 0);
	KUNIT_EXPECT_EQ(test, p->received, (u64)PC_ITEMS);
	KUNIT_EXPECT_EQ(test, p->sum, want);
	KUNIT_EXPECT_EQ(test, p->len, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->not_empty.waiters), 0);
	kfree(p);
}

static const enum lab_condvar_variant cv_variants[] = {
	LAB_CONDVAR_COUNTER, LAB_CONDVAR_WAITCOUNT, LAB_CONDVAR_REQUEUE,
};

static void cv_variant_desc(const enum lab_condvar_variant *v, char *desc)
{
	strscpy(desc, cv_names[*v], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cv_variant, cv_variants, cv_variant_desc);

#define NOTIFY_WAITERS	4

struct notify {
	struct lab_mutex m;
	struct lab_condvar cv;
	bool go;			/* under m */
	atomic_t returned;
	atomic_t sleeping;		/* waiters that reached the wait */
	struct lab_wait_stats one, all;	/* deltas, filled by the controller */
	unsigned int after_one;		/* returned after notify_one */
	bool ok;
};

static int notify_thread(void *arg, unsigned int id)
{
	struct notify *n = arg;
	struct lab_wait_stats s0, s1;

	if (id < NOTIFY_WAITERS) {
		lab_mutex_lock(&n->m);
		atomic_inc(&n->sleeping);
		/* One wait, no loop: the test counts who a notify wakes. */
		lab_condvar_wait_timeout(&n->cv, &n->m,
					 LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC);
		lab_mutex_unlock(&n->m);
		atomic_inc(&n->returned);
		return 0;
	}
	/* Controller: wait until all four sleep on the counter. */
	if (!lab_test_wait_for(lab_wait_queued(&n->cv.counter) == NOTIFY_WAITERS,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	lab_wait_stats_read(&s0);
	lab_condvar_notify_one(&n->cv);
	lab_wait_stats_read(&s1);
	n->one.woken = s1.woken - s0.woken;
	n->one.requeued = s1.requeued - s0.requeued;
	if (!lab_test_wait_for(atomic_read(&n->returned) == 1,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	lab_test_sleep_ms(20);	/* give a wrongly woken second waiter time to show */
	n->after_one = atomic_read(&n->returned);

	lab_mutex_lock(&n->m);
	lab_wait_stats_read(&s0);
	lab_condvar_notify_all(&n->cv);
	lab_wait_stats_read(&s1);
	lab_mutex_unlock(&n->m);
	n->all.woken = s1.woken - s0.woken;
	n->all.requeued = s1.requeued - s0.requeued;
	if (!lab_test_wait_for(atomic_read(&n->returned) == NOTIFY_WAITERS,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	n->ok = true;
	return 0;
}

static void condvar_notify_one_wakes_one_all_wakes_all_test(struct kunit *test)
{
	enum lab_condvar_variant v = *(const enum lab_condvar_variant *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct notify *n = kzalloc(sizeof(*n), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, n);
	lab_mutex_init(&n->m, LAB_MUTEX_3STATE);
	lab_condvar_init(&n->cv, v);
	ret = lab_run_threads(NOTIFY_WAITERS + 1, notify_thread, n, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, n->ok);
	KUNIT_EXPECT_EQ(test, n->one.woken, 1ULL);
	KUNIT_EXPECT_EQ(test, n->one.requeued, 0ULL);
	KUNIT_EXPECT_EQ(test, n->after_one, 1U);
	if (v == LAB_CONDVAR_REQUEUE) {
		KUNIT_EXPECT_EQ(test, n->all.woken, 1ULL);
		KUNIT_EXPECT_EQ(test, n->all.requeued, NOTIFY_WAITERS - 2ULL);
	} else {
		KUNIT_EXPECT_EQ(test, n->all.woken, NOTIFY_WAITERS - 1ULL);
		KUNIT_EXPECT_EQ(test, n->all.requeued, 0ULL);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&n->returned), NOTIFY_WAITERS);
	KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&n->m));
	kfree(n);
}

static void condvar_timeout_relocks_test(struct kunit *test)
{
	enum lab_condvar_variant v = *(const enum lab_condvar_variant *)test->param_value;
	struct lab_condvar cv;
	struct lab_mutex m;
	ktime_t t0;

	lab_mutex_init(&m, LAB_MUTEX_3STATE);
	lab_condvar_init(&cv, v);
	lab_mutex_lock(&m);
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, lab_condvar_wait_timeout(&cv, &m, 50 * NSEC_PER_MSEC),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), t0), 50);
	KUNIT_EXPECT_TRUE(test, lab_mutex_is_locked(&m));
	lab_mutex_unlock(&m);
	KUNIT_EXPECT_EQ(test, atomic_read(&cv.waiters), 0);
}

static struct kunit_case condvar_test_cases[] = {
	KUNIT_CASE_PARAM(condvar_producer_consumer_no_loss_test,
			 cv_pc_gen_params),
	KUNIT_CASE_PARAM(condvar_notify_one_wakes_one_all_wakes_all_test,
			 cv_variant_gen_params),
	KUNIT_CASE_PARAM(condvar_timeout_relocks_test, cv_variant_gen_params),
	{}
};

static struct kunit_suite condvar_test_suite = {
	.name = "locklab_condvar",
	.test_cases = condvar_test_cases,
};

kunit_test_suites(&condvar_test_suite);
