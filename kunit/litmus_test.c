// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the litmus experiments (lab/litmus.c).
 *
 * Only what must never happen is asserted: with a full fence (lab_mb(),
 * the hand-written mfence / dmb ish, and smp_mb()) between its two
 * accesses, no round of SB, MP, LB or 2+2W may end in the outcome the
 * kernel memory model forbids, and the outcome counts sum to the rounds.
 * A weak outcome without a fence is allowed, never required (whether it
 * appears is the CPU's or the emulator's choice), so the relaxed run of
 * each test is only reported: on x86-64 hardware and QEMU TCG its SB
 * count is in the thousands, which is what this case would report as a
 * failure if a fence stopped ordering (or the outcome bookkeeping broke).
 *
 * The two threads must run at once, pinned to two CPUs: on one CPU (the
 * UML tier) every round is sequentially consistent whatever the fences
 * do, so the case is skipped there rather than counted as a pass.
 */
#include <kunit/test.h>

#include <locklab/lab.h>

#include "lab_test.h"

#define LITMUS_TEST_ROUNDS	100000

struct litmus_test_param {
	u32 experiment;
	u32 ordering;
	const char *name;
};

static const struct litmus_test_param litmus_test_params[] = {
	{ LOCKLAB_LAB_SB, LOCKLAB_LAB_LAB_MB, "SB lab_mb" },
	{ LOCKLAB_LAB_SB, LOCKLAB_LAB_SMP_MB, "SB smp_mb" },
	{ LOCKLAB_LAB_MP, LOCKLAB_LAB_LAB_MB, "MP lab_mb" },
	{ LOCKLAB_LAB_MP, LOCKLAB_LAB_SMP_MB, "MP smp_mb" },
	{ LOCKLAB_LAB_LB, LOCKLAB_LAB_LAB_MB, "LB lab_mb" },
	{ LOCKLAB_LAB_LB, LOCKLAB_LAB_SMP_MB, "LB smp_mb" },
	{ LOCKLAB_LAB_2P2W, LOCKLAB_LAB_LAB_MB, "2+2W lab_mb" },
	{ LOCKLAB_LAB_2P2W, LOCKLAB_LAB_SMP_MB, "2+2W smp_mb" },
};

static void litmus_param_desc(const struct litmus_test_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(litmus_fenced, litmus_test_params, litmus_param_desc);

/* Run one configuration; every count, and their sum, in @res. */
static void litmus_test_run(struct kunit *test, u32 experiment, u32 ordering,
			    struct lab_exp_result *res)
{
	struct lab_exp_cfg cfg = {
		.experiment = experiment,
		.variant = ordering,
		.rounds = LITMUS_TEST_ROUNDS,
		.threads = 2,
	};

	KUNIT_ASSERT_EQ(test, lab_exp_check(&cfg), 0);
	KUNIT_ASSERT_EQ(test, lab_exp_run(&cfg, res), 0);
	KUNIT_ASSERT_EQ(test, res->nr_results, 4U);
	KUNIT_EXPECT_EQ(test, res->results[0] + res->results[1] +
			res->results[2] + res->results[3],
			(u64)LITMUS_TEST_ROUNDS);
}

static void litmus_fenced_never_forbidden_test(struct kunit *test)
{
	const struct litmus_test_param *p = test->param_value;
	struct lab_exp_result res, relaxed;
	unsigned int o;

	lab_test_needs_smp(test);
	litmus_test_run(test, p->experiment, p->ordering, &res);
	/* The model must forbid something here, or there is nothing to test. */
	KUNIT_ASSERT_NE(test, res.forbidden, 0U);
	for (o = 0; o < 4; o++)
		if (res.forbidden & BIT(o))
			KUNIT_EXPECT_EQ_MSG(test, res.results[o], 0ULL,
					    "%s: forbidden outcome %u seen",
					    p->name, o);

	/* For the record: the same test without the fence. */
	litmus_test_run(test, p->experiment, LOCKLAB_LAB_RELAXED, &relaxed);
	kunit_info(test, "%s: %llu/%llu/%llu/%llu; relaxed: %llu/%llu/%llu/%llu\n",
		   p->name, res.results[0], res.results[1], res.results[2],
		   res.results[3], relaxed.results[0], relaxed.results[1],
		   relaxed.results[2], relaxed.results[3]);
}

/* The configurations lab_exp_check() must refuse. */
static void litmus_check_refuses_test(struct kunit *test)
{
	struct lab_exp_cfg cfg = { .experiment = LOCKLAB_LAB_SB,
				   .variant = LOCKLAB_LAB_RWMB };

	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.variant = 0;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.variant = LOCKLAB_LAB_RWMB + 1;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.variant = LOCKLAB_LAB_RELAXED;
	cfg.rounds = LOCKLAB_LAB_MAX_ROUNDS + 1;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.rounds = 1;
	cfg.threads = 3;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.threads = 1;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.threads = 2;
	cfg.experiment = 0;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
	cfg.experiment = LOCKLAB_LAB_TTAS;
	cfg.variant = 1;
	KUNIT_EXPECT_EQ(test, lab_exp_check(&cfg), -EINVAL);
}

static struct kunit_case litmus_test_cases[] = {
	KUNIT_CASE_PARAM(litmus_fenced_never_forbidden_test,
			 litmus_fenced_gen_params),
	KUNIT_CASE(litmus_check_refuses_test),
	{}
};

static struct kunit_suite litmus_test_suite = {
	.name = "locklab_litmus",
	.test_cases = litmus_test_cases,
};

kunit_test_suites(&litmus_test_suite);
