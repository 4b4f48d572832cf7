// SPDX-License-Identifier: GPL-2.0
/*
 * locklab benchmark selftest (LOCKLAB_IOC_BENCH): every lock excludes
 * under the in-kernel torture, the sleeping ones too; RCU readers never
 * meet a retired copy; seqlock readers never accept a torn one; the
 * broken lock is caught; bad parameters are EINVAL; a signal ends a run
 * with EINTR.
 *
 * Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ll_err(ioctl(fd, cmd, arg));
}

#include "dev_fixture.h"

static void bench_init_kind(struct locklab_bench *b, uint32_t kind,
			    uint32_t variant, uint32_t threads, uint32_t ms)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->kind = kind;
	b->variant = variant;
	b->threads = threads;
	b->duration_ms = ms;
}

static void bench_init(struct locklab_bench *b, uint32_t variant,
		       uint32_t threads, uint32_t ms)
{
	bench_init_kind(b, LOCKLAB_KIND_SPIN, variant, threads, ms);
}

TEST_F(dev, bench_every_lock_excludes)
{
	static const uint32_t variants[] = {
		LOCKLAB_SPIN_TAS, LOCKLAB_SPIN_TTAS, LOCKLAB_SPIN_TICKET,
		LOCKLAB_SPIN_MCS, LOCKLAB_SPIN_CLH, LOCKLAB_SPIN_MCS_PENDING,
		LOCKLAB_SPIN_KERNEL,
	};
	uint64_t per[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		struct locklab_bench b;

		bench_init(&b, variants[i], 3, 100);
		b.hold_ns = 100;
		b.per_thread = (uintptr_t)per;
		ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_EQ(0, b.violations);
		EXPECT_EQ(0, b.lost_updates);
		EXPECT_LE(b.thread_min, b.thread_max);
		EXPECT_EQ(b.acquisitions, per[0] + per[1] + per[2]);
		EXPECT_LE(100000000ULL, b.elapsed_ns);
	}
}

/* Every sleeping lock kind through the same benchmark: exclusion holds. */
TEST_F(dev, bench_sleeping_locks_exclude)
{
	static const struct { uint32_t kind, variant, read_pct; } locks[] = {
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_2STATE, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_3STATE, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_SPIN, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE_FAIR, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING_FAIR, 0 },
		{ LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_KERNEL, 0 },
		{ LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V1, 75 },
		{ LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V2, 75 },
		{ LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V3, 75 },
		{ LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_KERNEL, 75 },
		{ LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_ATOMIC, 0 },
		{ LOCKLAB_KIND_SEMAPHORE, LOCKLAB_SEMAPHORE_KERNEL, 0 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(locks); i++) {
		struct locklab_bench b;

		bench_init_kind(&b, locks[i].kind, locks[i].variant, 3, 100);
		b.read_pct = locks[i].read_pct;
		b.hold_ns = 100;
		ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_EQ(0, b.violations);
		EXPECT_EQ(0, b.lost_updates);
		EXPECT_EQ(!!locks[i].read_pct, b.reads > 0);
	}
	/* read_pct is for reader-writer locks only, and at most 100. */
	{
		struct locklab_bench b;

		bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
		b.read_pct = 50;
		EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		bench_init_kind(&b, LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V1, 1, 10);
		b.read_pct = 101;
		EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	}
}

/*
 * Each of @n @variants of @kind, two threads for 200 ms (RCU and seqlocks:
 * readers and one writer-side thread): read sections ran (acquisitions),
 * the writer side ran (reads: grace periods, write sections), and no
 * reader saw what it must not (violations: a retired copy, a torn one).
 */
static void bench_readers_clean(struct __test_metadata *_metadata, int dev,
				uint32_t kind, const uint32_t *variants,
				unsigned int n)
{
	struct locklab_bench b;
	unsigned int i;

	for (i = 0; i < n; i++) {
		bench_init_kind(&b, kind, variants[i], 2, 200);
		ASSERT_EQ(0, ioctl_err(dev, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_LT(0, b.reads);
		EXPECT_EQ(0, b.violations);
	}
}

/*
 * RCU, ours and the kernel's: readers run sections while an updater keeps
 * retiring copies; no reader meets a retired copy, and grace periods pass.
 */
TEST_F(dev, bench_rcu_readers_never_meet_retired_copy)
{
	static const uint32_t variants[] = {
		LOCKLAB_RCU_LAB, LOCKLAB_RCU_SRCU, LOCKLAB_RCU_KERNEL,
	};
	struct locklab_create c;
	struct locklab_bench b;
	unsigned int i;

	/* Debian's kernels have SRCU: the variant is there (no EOPNOTSUPP). */
	bench_readers_clean(_metadata, self->dev, LOCKLAB_KIND_RCU, variants,
			    ARRAY_SIZE(variants));
	/* Callback mode: every callback queued ran by the end of the run. */
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		bench_init_kind(&b, LOCKLAB_KIND_RCU, variants[i], 2, 200);
		b.flags = LOCKLAB_BENCH_CALLBACKS;
		ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_LT(0, b.reads);
		EXPECT_EQ(0, b.lost_updates);
		EXPECT_EQ(0, b.violations);
	}
	/*
	 * Paced (ABI 1.4): the updater sleeps @gap_ns after each update, so
	 * it makes no more than the sleeps leave room for; at most 1 ms.
	 */
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		bench_init_kind(&b, LOCKLAB_KIND_RCU, variants[i], 2, 200);
		b.gap_ns = 200000;
		ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_LT(0, b.reads);
		EXPECT_GE(b.elapsed_ns / 200000 + 1, b.reads);
		EXPECT_EQ(0, b.violations);
	}
	bench_init_kind(&b, LOCKLAB_KIND_RCU, LOCKLAB_RCU_LAB, 1, 10);
	b.gap_ns = 1000001;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	/* ... for RCU only. */
	bench_init_kind(&b, LOCKLAB_KIND_SEQLOCK, LOCKLAB_SEQLOCK_LAB, 1, 10);
	b.flags = LOCKLAB_BENCH_CALLBACKS;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init_kind(&b, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS, 1, 10);
	b.flags = LOCKLAB_BENCH_CALLBACKS;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	/* No hold time, no per-thread array; and no RCU objects to create. */
	bench_init_kind(&b, LOCKLAB_KIND_RCU, LOCKLAB_RCU_LAB, 1, 10);
	b.hold_ns = 100;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init_kind(&b, LOCKLAB_KIND_RCU, 3, 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.kind = LOCKLAB_KIND_RCU;
	c.variant = LOCKLAB_RCU_LAB;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_CREATE, &c));
}

/* Seqlocks, ours and seqlock_t: no accepted copy is torn. */
TEST_F(dev, bench_seqlock_never_accepts_torn_copy)
{
	static const uint32_t variants[] = {
		LOCKLAB_SEQLOCK_LAB, LOCKLAB_SEQLOCK_KERNEL,
	};
	struct locklab_bench b;

	bench_readers_clean(_metadata, self->dev, LOCKLAB_KIND_SEQLOCK, variants,
			    ARRAY_SIZE(variants));
	bench_init_kind(&b, LOCKLAB_KIND_SEQLOCK, LOCKLAB_SEQLOCK_LAB, 1, 10);
	b.gap_ns = 100;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
}

TEST_F(dev, bench_catches_broken_lock)
{
	struct locklab_version v = { .size = sizeof(v) };
	struct locklab_bench b;
	int tries;

	ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
	if (v.nr_cpus < 2)
		SKIP(return, "needs 2 CPUs for sections to overlap");
	for (tries = 0; tries < 5; tries++) {
		/* Pinned to two CPUs, with a hold time: sections overlap. */
		bench_init(&b, LOCKLAB_SPIN_BROKEN, 2, 200);
		b.flags = LOCKLAB_BENCH_BIND;
		b.hold_ns = 200;
		ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
		if (b.violations || b.lost_updates)
			break;
	}
	EXPECT_TRUE(b.violations || b.lost_updates);
}

TEST_F(dev, bench_bad_parameters_einval)
{
	struct locklab_bench b;

	bench_init(&b, LOCKLAB_SPIN_TAS, 0, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, LOCKLAB_BENCH_MAX_THREADS + 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 0);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 1000000);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, 99, 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init_kind(&b, 0, LOCKLAB_SPIN_TAS, 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.flags = 0x80;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.hold_ns = LOCKLAB_BENCH_MAX_BUSY_NS + 1;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 2, 10);
	b.per_thread = 8;	/* not user memory */
	EXPECT_EQ(EFAULT, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.size = offsetof(struct locklab_bench, elapsed_ns);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
}

static void on_alarm(int sig)
{
}

TEST_F(dev, bench_interrupted_by_signal_eintr)
{
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct timespec t0, t1;
	struct locklab_bench b;
	double secs;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 8000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alarm(1);
	EXPECT_EQ(EINTR, ioctl_err(self->dev, LOCKLAB_IOC_BENCH, &b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	EXPECT_GT(6.0, secs);	/* stopped well before the 8 s it asked */
	signal(SIGALRM, SIG_DFL);
}

TEST_HARNESS_MAIN
