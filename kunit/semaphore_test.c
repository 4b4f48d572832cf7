// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab counting semaphore (lock/semaphore.c).
 *
 *  - under 2 and 4 kthreads taking and returning permits of a semaphore
 *    of 2, never more than 2 holders at once, the count never leaves
 *    0..max, and the final count is exact;
 *  - down blocks at zero (times out) and up beyond the maximum is
 *    -EOVERFLOW with nothing changed; bad init parameters are -EINVAL;
 *  - an up wakes a task blocked in down;
 *  - as a binary semaphore it passes the same exclusion torture as the
 *    locks, next to the kernel's struct semaphore.
 *
 * Not tested here: fairness between waiters.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/ops.h>
#include <locklab/semaphore.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define SEMA_ITERS	5000
#define SEMA_MAX	2

struct sema_stress {
	struct lab_semaphore s;
	atomic_t inside;
	atomic_t max_inside;
	atomic_t bad_count;
	atomic_t errors;
};

static int sema_stress_thread(void *arg, unsigned int id)
{
	struct sema_stress *st = arg;
	unsigned int i;
	int in, c, max;

	for (i = 0; i < SEMA_ITERS; i++) {
		if (lab_semaphore_down_timeout(&st->s, LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC)) {
			atomic_inc(&st->errors);
			return -ETIMEDOUT;
		}
		in = atomic_inc_return(&st->inside);
		max = atomic_read(&st->max_inside);
		while (in > max && !atomic_try_cmpxchg(&st->max_inside, &max, in))
			;
		c = lab_semaphore_count(&st->s);
		if (c < 0 || c > SEMA_MAX)
			atomic_inc(&st->bad_count);
		if (!(i & 7))
			cond_resched();
		atomic_dec(&st->inside);
		if (lab_semaphore_up(&st->s))
			atomic_inc(&st->errors);
	}
	return 0;
}

static const unsigned int sema_threads[] = { 2, 4 };

static void sema_threads_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u-threads", *n);
}

KUNIT_ARRAY_PARAM(sema_threads, sema_threads, sema_threads_desc);

static void sema_count_bounds_under_stress_test(struct kunit *test)
{
	unsigned int n = *(const unsigned int *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 240000, .bind = true };
	struct sema_stress *st;
	int ret;

	lab_test_needs_smp(test);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_EQ(test, lab_semaphore_init(&st->s, SEMA_MAX, SEMA_MAX), 0);
	ret = lab_run_threads(n, sema_stress_thread, st, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->bad_count), 0);
	KUNIT_EXPECT_LE(test, atomic_read(&st->max_inside), SEMA_MAX);
	KUNIT_EXPECT_EQ(test, lab_semaphore_count(&st->s), (u32)SEMA_MAX);
	kfree(st);
}

static void sema_down_blocks_at_zero_up_bounded_test(struct kunit *test)
{
	struct lab_semaphore s;
	ktime_t t0;

	KUNIT_EXPECT_EQ(test, lab_semaphore_init(&s, 2, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, lab_semaphore_init(&s, 0, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, lab_semaphore_init(&s, 0, 2), 0);
	KUNIT_EXPECT_FALSE(test, lab_semaphore_trydown(&s));
	t0 = ktime_get();
	KUNIT_EXPECT_EQ(test, lab_semaphore_down_timeout(&s, 50 * NSEC_PER_MSEC),
			-ETIMEDOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), t0), 50);
	KUNIT_EXPECT_EQ(test, lab_semaphore_count(&s), 0U);
	KUNIT_EXPECT_EQ(test, lab_semaphore_up(&s), 0);
	KUNIT_EXPECT_EQ(test, lab_semaphore_up(&s), 0);
	KUNIT_EXPECT_EQ(test, lab_semaphore_up(&s), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, lab_semaphore_count(&s), 2U);
	KUNIT_EXPECT_TRUE(test, lab_semaphore_trydown(&s));
	KUNIT_EXPECT_EQ(test, lab_semaphore_down_timeout(&s, 0), 0);
	KUNIT_EXPECT_EQ(test, lab_semaphore_count(&s), 0U);
}

struct sema_wake {
	struct lab_semaphore s;
	int ret;
	bool done;
};

static int sema_wake_thread(void *arg, unsigned int id)
{
	struct sema_wake *w = arg;

	if (id == 0) {
		w->ret = lab_semaphore_down_timeout(&w->s, LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC);
		WRITE_ONCE(w->done, true);
		return 0;
	}
	if (!lab_test_wait_for(lab_wait_queued(&w->s.count) == 1,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	if (READ_ONCE(w->done))
		return -EINVAL;		/* returned without a permit */
	return lab_semaphore_up(&w->s);
}

static void sema_up_wakes_blocked_down_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 60000 };
	struct sema_wake *w = kzalloc(sizeof(*w), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_EQ(test, lab_semaphore_init(&w->s, 0, 1), 0);
	ret = lab_run_threads(2, sema_wake_thread, w, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, w->ret, 0);
	KUNIT_EXPECT_EQ(test, lab_semaphore_count(&w->s), 0U);
	kfree(w);
}

static const u32 sema_variants[] = {
	LOCKLAB_SEMAPHORE_ATOMIC, LOCKLAB_SEMAPHORE_KERNEL,
};

static void sema_variant_desc(const u32 *v, char *desc)
{
	strscpy(desc, *v == LOCKLAB_SEMAPHORE_KERNEL ? "kernel" : "atomic",
		KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sema_variant, sema_variants, sema_variant_desc);

static void sema_binary_excludes_test(struct kunit *test)
{
	struct lab_torture_cfg cfg = {
		.ops = lab_lock_ops_find(LOCKLAB_KIND_SEMAPHORE,
					 *(const u32 *)test->param_value),
		.threads = 4,
		.iterations = SEMA_ITERS,
		.hold_ns = 100,
		.bind = true,
		.timeout_ms = 240000,
	};
	struct lab_torture_stats st = { };

	lab_test_needs_smp(test);
	KUNIT_ASSERT_NOT_NULL(test, cfg.ops);
	KUNIT_ASSERT_EQ(test, lab_torture_run(&cfg, &st), 0);
	KUNIT_EXPECT_EQ(test, st.acquisitions, 4ULL * SEMA_ITERS);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
}

static struct kunit_case sema_test_cases[] = {
	KUNIT_CASE_PARAM(sema_count_bounds_under_stress_test,
			 sema_threads_gen_params),
	KUNIT_CASE(sema_down_blocks_at_zero_up_bounded_test),
	KUNIT_CASE(sema_up_wakes_blocked_down_test),
	KUNIT_CASE_PARAM(sema_binary_excludes_test, sema_variant_gen_params),
	{}
};

static struct kunit_suite sema_test_suite = {
	.name = "locklab_semaphore",
	.test_cases = sema_test_cases,
};

kunit_test_suites(&sema_test_suite);
