// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab mutexes (lock/mutex.c), next to the kernel's
 * struct mutex and a broken mutex, through the same ops tables.
 *
 *  - mutual exclusion with exact counts, 1, 2 and 4 kthreads;
 *  - the broken mutex is caught by the same checks (2+ CPUs);
 *  - an uncontended lock/unlock never enters the wake path for the
 *    3-state variants, and always does for the 2-state one (the book's
 *    point about avoiding the syscall);
 *  - trylock fails and a timed lock times out while another task holds
 *    the mutex; both succeed once it is released;
 *  - a killable or interruptible lock returns -EINTR when the waiting
 *    kthread is signalled, without the lock;
 *  - the guard releases on scope exit.
 *
 * Not tested here: lockdep reports (the debug tier runs these suites with
 * lockdep on, which checks the annotations stay balanced) and fairness.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/mutex.h>
#include <locklab/ops.h>

#include "../bench/torture.h"
#include "lab_test.h"

#define MUTEX_ITERS	5000

struct mutex_case {
	u32 variant;
	unsigned int threads;
};

static const struct mutex_case mutex_excl_cases[] = {
	{ LOCKLAB_MUTEX_2STATE, 1 }, { LOCKLAB_MUTEX_2STATE, 2 },
	{ LOCKLAB_MUTEX_2STATE, 4 },
	{ LOCKLAB_MUTEX_3STATE, 1 }, { LOCKLAB_MUTEX_3STATE, 2 },
	{ LOCKLAB_MUTEX_3STATE, 4 },
	{ LOCKLAB_MUTEX_SPIN, 1 }, { LOCKLAB_MUTEX_SPIN, 2 },
	{ LOCKLAB_MUTEX_SPIN, 4 },
	{ LOCKLAB_MUTEX_KERNEL, 1 }, { LOCKLAB_MUTEX_KERNEL, 2 },
	{ LOCKLAB_MUTEX_KERNEL, 4 },
};

static const struct lab_lock_ops *mutex_ops(struct kunit *test, u32 variant)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, variant);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	return ops;
}

static void mutex_case_desc(const struct mutex_case *c, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, c->variant);

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%u", ops ? ops->name : "?",
		 c->threads);
}

KUNIT_ARRAY_PARAM(mutex_excl, mutex_excl_cases, mutex_case_desc);

static void mutex_mutual_exclusion_test(struct kunit *test)
{
	const struct mutex_case *c = test->param_value;
	struct lab_torture_cfg cfg = {
		.ops = mutex_ops(test, c->variant),
		.threads = c->threads,
		.iterations = MUTEX_ITERS,
		.hold_ns = 100,
		.bind = true,
		.timeout_ms = 240000,
	};
	struct lab_torture_stats st = { };

	KUNIT_ASSERT_EQ(test, lab_torture_run(&cfg, &st), 0);
	KUNIT_EXPECT_EQ(test, st.acquisitions, (u64)c->threads * MUTEX_ITERS);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
}

static void mutex_checker_catches_broken_mutex_test(struct kunit *test)
{
	struct lab_torture_cfg cfg = {
		.ops = mutex_ops(test, LOCKLAB_MUTEX_BROKEN),
	};

	lab_test_catches_broken(test, &cfg);
}

static const enum lab_mutex_variant mutex_variants[] = {
	LAB_MUTEX_2STATE, LAB_MUTEX_3STATE, LAB_MUTEX_SPIN,
};

static void mutex_variant_desc(const enum lab_mutex_variant *v, char *desc)
{
	static const char *const names[] = { "2state", "3state", "spin" };

	strscpy(desc, names[*v], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mutex_variant, mutex_variants, mutex_variant_desc);

static void mutex_uncontended_never_wakes_test(struct kunit *test)
{
	enum lab_mutex_variant v = *(const enum lab_mutex_variant *)test->param_value;
	struct lab_wait_stats before, after;
	struct lab_mutex m;
	int i;

	lab_mutex_init(&m, v);
	lab_wait_stats_read(&before);
	for (i = 0; i < 1000; i++) {
		lab_mutex_lock(&m);
		lab_mutex_unlock(&m);
	}
	lab_wait_stats_read(&after);
	if (v == LAB_MUTEX_2STATE)
		KUNIT_EXPECT_EQ(test, after.wakes - before.wakes, 1000ULL);
	else
		KUNIT_EXPECT_EQ(test, after.wakes - before.wakes, 0ULL);
	KUNIT_EXPECT_EQ(test, after.waits - before.waits, 0ULL);
	KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&m));
}

/* A kthread holds the mutex while the test probes it. */
struct holder {
	struct lab_mutex m;
	bool held;
	bool release;
	struct task_struct *waiter;
	int waiter_ret;
	bool waiter_done;
	unsigned int waiter_flags;
};

static int holder_thread(struct holder *h)
{
	lab_mutex_lock(&h->m);
	WRITE_ONCE(h->held, true);
	if (!lab_test_wait_for(READ_ONCE(h->release), LAB_TEST_TIMEOUT_MS)) {
		lab_mutex_unlock(&h->m);
		return -ETIMEDOUT;
	}
	lab_mutex_unlock(&h->m);
	return 0;
}

struct probe {
	struct holder h;
	struct kunit *test;
	bool trylock_failed;
	int timed_ret;
	s64 timed_ms;
	int after_ret;
};

static int probe_thread(void *arg, unsigned int id)
{
	struct probe *p = arg;
	ktime_t t0;

	if (id == 0)
		return holder_thread(&p->h);
	if (!lab_test_wait_for(READ_ONCE(p->h.held), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	p->trylock_failed = !lab_mutex_trylock(&p->h.m);
	if (!p->trylock_failed)
		lab_mutex_unlock(&p->h.m);
	t0 = ktime_get();
	p->timed_ret = lab_mutex_lock_timeout(&p->h.m, 100 * NSEC_PER_MSEC);
	p->timed_ms = ktime_ms_delta(ktime_get(), t0);
	if (!p->timed_ret)
		lab_mutex_unlock(&p->h.m);
	WRITE_ONCE(p->h.release, true);
	p->after_ret = lab_mutex_lock_timeout(&p->h.m,
					      LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC);
	if (!p->after_ret)
		lab_mutex_unlock(&p->h.m);
	return 0;
}

static void mutex_trylock_and_timeout_while_held_test(struct kunit *test)
{
	enum lab_mutex_variant v = *(const enum lab_mutex_variant *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct probe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	lab_mutex_init(&p->h.m, v);
	ret = lab_run_threads(2, probe_thread, p, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, p->trylock_failed);
	KUNIT_EXPECT_EQ(test, p->timed_ret, -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, p->timed_ms, 100);
	KUNIT_EXPECT_EQ(test, p->after_ret, 0);
	KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&p->h.m));
	kfree(p);
}

static int killable_thread(void *arg, unsigned int id)
{
	struct holder *h = arg;

	switch (id) {
	case 0:
		return holder_thread(h);
	case 1:		/* the waiter, killed while it waits */
		lab_test_allow_kill();
		if (!lab_test_wait_for(READ_ONCE(h->held), LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		WRITE_ONCE(h->waiter, current);
		h->waiter_ret = lab_mutex_lock_wait(&h->m, h->waiter_flags,
						    lab_deadline(LAB_TEST_TIMEOUT_MS *
								 NSEC_PER_MSEC));
		if (!h->waiter_ret)
			lab_mutex_unlock(&h->m);
		WRITE_ONCE(h->waiter_done, true);
		lab_test_forget_signals();
		return 0;
	default:	/* the killer */
		if (!lab_test_wait_for(READ_ONCE(h->waiter) &&
				       lab_wait_queued(&h->m.state) == 1,
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		send_sig(SIGKILL, h->waiter, 1);
		if (!lab_test_wait_for(READ_ONCE(h->waiter_done),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		WRITE_ONCE(h->release, true);
		return 0;
	}
}

static void mutex_lock_killable_signal_eintr_test(struct kunit *test)
{
	enum lab_mutex_variant v = *(const enum lab_mutex_variant *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct holder *h = kzalloc(sizeof(*h), GFP_KERNEL);
	unsigned int flags[] = { LAB_WAIT_KILLABLE, LAB_WAIT_INTERRUPTIBLE };
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(h, 0, sizeof(*h));
		lab_mutex_init(&h->m, v);
		h->waiter_flags = flags[i];
		ret = lab_run_threads(3, killable_thread, h, &opts);
		KUNIT_ASSERT_NE(test, ret, -EDEADLK);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, h->waiter_ret, -EINTR);
		KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&h->m));
		KUNIT_EXPECT_EQ(test, lab_wait_queued(&h->m.state), 0U);
	}
	kfree(h);
}

static void mutex_guard_releases_on_scope_exit_test(struct kunit *test)
{
	struct lab_mutex m;

	lab_mutex_init(&m, LAB_MUTEX_SPIN);
	scoped_guard(lab_mutex, &m)
		KUNIT_EXPECT_TRUE(test, lab_mutex_is_locked(&m));
	KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&m));
}

static struct kunit_case mutex_test_cases[] = {
	KUNIT_CASE_PARAM(mutex_mutual_exclusion_test, mutex_excl_gen_params),
	KUNIT_CASE(mutex_checker_catches_broken_mutex_test),
	KUNIT_CASE_PARAM(mutex_uncontended_never_wakes_test,
			 mutex_variant_gen_params),
	KUNIT_CASE_PARAM(mutex_trylock_and_timeout_while_held_test,
			 mutex_variant_gen_params),
	KUNIT_CASE_PARAM(mutex_lock_killable_signal_eintr_test,
			 mutex_variant_gen_params),
	KUNIT_CASE(mutex_guard_releases_on_scope_exit_test),
	{}
};

static struct kunit_suite mutex_test_suite = {
	.name = "locklab_mutex",
	.test_cases = mutex_test_cases,
};

kunit_test_suites(&mutex_test_suite);
