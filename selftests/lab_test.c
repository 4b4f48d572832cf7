// SPDX-License-Identifier: GPL-2.0
/*
 * locklab experiments selftest (LOCKLAB_IOC_LAB): every experiment runs
 * through the device with small rounds.
 *
 *  - litmus tests, every test under every ordering it takes: the outcome
 *    counts sum to the rounds; no outcome the kernel memory model forbids
 *    is ever seen (the fenced runs are where it forbids something for
 *    every test); the model's verdict is the one documented in the UAPI
 *    header (SB forbids outcome 0 only with a full fence);
 *  - clobber: the fenced counter equals the increments made;
 *  - cache experiments: every configuration took time; TTAS counted every
 *    critical section;
 *  - bad fields are EINVAL (flags, reserved, experiment, ordering, rounds,
 *    threads); a signal ends a long run with EINTR, well before its end.
 *
 * Skips (exit 4) when /dev/locklab does not exist; needs 2 online CPUs
 * for the runs (each thread has a CPU of its own), skips otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"

#include "dev_fixture.h"

#define LAB_ROUNDS	20000

static void lab_init(struct locklab_lab *l, uint32_t exp, uint32_t variant,
		     uint64_t rounds)
{
	memset(l, 0, sizeof(*l));
	l->experiment = exp;
	l->variant = variant;
	l->rounds = rounds;
}

static bool lab_smp(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

TEST_F(dev, lab_litmus_never_forbidden)
{
	static const uint32_t tests[] = { LOCKLAB_LAB_SB, LOCKLAB_LAB_MP,
					  LOCKLAB_LAB_LB, LOCKLAB_LAB_2P2W };
	unsigned int t, fenced = 0;
	uint32_t ord, o;

	if (!lab_smp())
		SKIP(return, "needs 2 online CPUs");
	for (t = 0; t < ARRAY_SIZE(tests); t++) {
		for (ord = LOCKLAB_LAB_RELAXED; ord <= LOCKLAB_LAB_RWMB; ord++) {
			struct locklab_lab l;
			bool takes = ord != LOCKLAB_LAB_RWMB ||
				     tests[t] == LOCKLAB_LAB_MP ||
				     tests[t] == LOCKLAB_LAB_2P2W;
			int err;

			lab_init(&l, tests[t], ord, LAB_ROUNDS);
			err = ll_lab(self->dev, &l);
			if (!takes) {
				EXPECT_EQ(EINVAL, err);
				continue;
			}
			ASSERT_EQ(0, err);
			EXPECT_EQ(LAB_ROUNDS, l.rounds);
			EXPECT_EQ(2, l.threads);
			ASSERT_EQ(4, l.nr_results);
			EXPECT_EQ(LAB_ROUNDS, l.results[0] + l.results[1] +
				  l.results[2] + l.results[3]);
			/* Braces: EXPECT_EQ() {} is two statements. */
			for (o = 0; o < 4; o++) {
				if (!(l.forbidden & (1U << o)))
					continue;
				EXPECT_EQ(0, l.results[o]) {
					TH_LOG("test %u ordering %u: %s %u seen %llu times",
					       tests[t], ord, "forbidden outcome", o,
					       (unsigned long long)l.results[o]);
				}
			}
			/* A full fence forbids the target of every test. */
			if (ord == LOCKLAB_LAB_LAB_MB || ord == LOCKLAB_LAB_SMP_MB) {
				EXPECT_NE(0, l.forbidden);
				fenced++;
			}
			/* SB: only a full fence forbids store buffering. */
			if (tests[t] == LOCKLAB_LAB_SB)
				EXPECT_EQ(ord == LOCKLAB_LAB_LAB_MB ||
					  ord == LOCKLAB_LAB_SMP_MB ? 1U : 0U,
					  l.forbidden);
			TH_LOG("test %u ordering %u: %llu %llu %llu %llu",
			       tests[t], ord, (unsigned long long)l.results[0],
			       (unsigned long long)l.results[1],
			       (unsigned long long)l.results[2],
			       (unsigned long long)l.results[3]);
		}
	}
	EXPECT_EQ(8, fenced);
}

TEST_F(dev, lab_clobber_fenced_counts_exactly)
{
	struct locklab_lab l;
	int err;

	if (!lab_smp())
		SKIP(return, "needs 2 online CPUs");
	lab_init(&l, LOCKLAB_LAB_CLOBBER, 0, 50000);
	err = ll_lab(self->dev, &l);
	if (err == EOPNOTSUPP)
		SKIP(return, "no hand-written lock on this architecture");
	ASSERT_EQ(0, err);
	ASSERT_EQ(5, l.nr_results);
	EXPECT_LE(50000, l.rounds);	/* rounded up to a whole chunk */
	EXPECT_EQ(l.threads * l.rounds, l.results[0]);
	EXPECT_EQ(l.results[0], l.results[1]);
	EXPECT_GE(l.results[0], l.results[2]);	/* lost, never invented */
	TH_LOG("clobber: %llu made, %llu fenced, %llu unfenced",
	       (unsigned long long)l.results[0],
	       (unsigned long long)l.results[1],
	       (unsigned long long)l.results[2]);
}

TEST_F(dev, lab_cache_experiments_run)
{
	static const struct { uint32_t exp, nr; } exps[] = {
		{ LOCKLAB_LAB_FALSE_SHARING, 2 }, { LOCKLAB_LAB_CMPXCHG, 3 },
		{ LOCKLAB_LAB_TTAS, 5 }, { LOCKLAB_LAB_HANDOFF, 7 },
	};
	unsigned int i, c;

	if (!lab_smp())
		SKIP(return, "needs 2 online CPUs");
	for (i = 0; i < ARRAY_SIZE(exps); i++) {
		struct locklab_lab l;

		lab_init(&l, exps[i].exp, 0, 20000);
		ASSERT_EQ(0, ll_lab(self->dev, &l));
		ASSERT_EQ(exps[i].nr, l.nr_results);
		for (c = 0; c < (exps[i].exp == LOCKLAB_LAB_TTAS ? 2 :
				 exps[i].exp == LOCKLAB_LAB_HANDOFF ? 4 :
				 exps[i].nr); c++)
			EXPECT_LT(0, l.results[c]);
		if (exps[i].exp == LOCKLAB_LAB_HANDOFF) {
			/* Every section counted once, under either lock. */
			EXPECT_EQ(4 * 20000ULL, l.results[6]);
			/*
			 * Both threads take both locks in every slice, so
			 * each lock changes hands at least once; the first
			 * section of a slice follows none, so never all.
			 */
			EXPECT_LE(1, l.results[4]);
			EXPECT_LE(1, l.results[5]);
			EXPECT_GT(2 * 20000ULL, l.results[4]);
			EXPECT_GT(2 * 20000ULL, l.results[5]);
		}
		if (exps[i].exp == LOCKLAB_LAB_TTAS) {
			/* Every acquisition swaps at least once. */
			EXPECT_LE(2 * 20000ULL, l.results[2]);
			EXPECT_LE(2 * 20000ULL, l.results[3]);
			EXPECT_EQ(2 * 2 * 20000ULL, l.results[4]);
		}
	}
}

TEST_F(dev, lab_bad_fields_einval)
{
	struct locklab_lab l;

	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, 10);
	l.flags = 1;
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, 10);
	l.__reserved = 1;
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, 0, LOCKLAB_LAB_RELAXED, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, 5, LOCKLAB_LAB_RELAXED, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, 0xffffffff, 0, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, 0, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RWMB, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_MP, LOCKLAB_LAB_RWMB + 1, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_MP, 0xffffffff, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_TTAS, 1, 10);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED,
		 LOCKLAB_LAB_MAX_ROUNDS + 1);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, ~0ULL);
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, 10);
	l.threads = 3;
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_TTAS, 0, 10);
	l.threads = 1;
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_TTAS, 0, 10);
	l.threads = LOCKLAB_LAB_MAX_THREADS + 1;
	EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	lab_init(&l, LOCKLAB_LAB_CLOBBER, 0, 10);
	l.threads = sysconf(_SC_NPROCESSORS_ONLN) + 1;
	if (l.threads <= LOCKLAB_LAB_MAX_THREADS)
		EXPECT_EQ(EINVAL, ll_lab(self->dev, &l));
	/* A short size (the kernel would read past it): EINVAL too. */
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, 10);
	l.size = 8;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_LAB, &l)));
}

static void on_alarm(int sig)
{
}

TEST_F(dev, lab_interrupted_by_signal_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct locklab_lab l;
	uint64_t t0, secs;

	if (!lab_smp())
		SKIP(return, "needs 2 online CPUs");
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	/* A billion rounds: far beyond the run bound if not stopped. */
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_RELAXED, LOCKLAB_LAB_MAX_ROUNDS);
	t0 = ll_now_ns();
	alarm(1);
	EXPECT_EQ(EINTR, ll_lab(self->dev, &l));
	secs = (ll_now_ns() - t0) / 1000000000ULL;
	EXPECT_GT(6, secs);
	signal(SIGALRM, SIG_DFL);
	/* The next run waits for the abandoned threads, then works. */
	lab_init(&l, LOCKLAB_LAB_SB, LOCKLAB_LAB_SMP_MB, 1000);
	EXPECT_EQ(0, ll_lab(self->dev, &l));
	EXPECT_EQ(0, l.results[0]);
}

/* SIGKILL ends a run at once: the child that asked for it dies. */
TEST_F(dev, lab_sigkill_ends_run)
{
	struct locklab_lab l;
	int status;
	pid_t pid;

	if (!lab_smp())
		SKIP(return, "needs 2 online CPUs");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		lab_init(&l, LOCKLAB_LAB_TTAS, 0, LOCKLAB_LAB_MAX_ROUNDS);
		ll_lab(self->dev, &l);
		_exit(0);
	}
	usleep(300000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, ll_wait_child(pid, 5, &status));
	EXPECT_TRUE(WIFSIGNALED(status));
	lab_init(&l, LOCKLAB_LAB_FALSE_SHARING, 0, 1000);
	EXPECT_EQ(0, ll_lab(self->dev, &l));
}

TEST_HARNESS_MAIN
