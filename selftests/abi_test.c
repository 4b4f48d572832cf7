// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ABI selftest: the /dev/locklab handshake, the variant list and
 * the in-kernel benchmark, and the ABI rules every ioctl follows (short
 * size, non-zero tail, zero tail, flags, reserved fields, unknown command,
 * bad pointers).
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#include "kselftest_harness.h"

#define DEV_PATH "/dev/locklab"

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: locklab.ko not loaded");
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, version_handshake)
{
	struct locklab_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
	EXPECT_EQ(LOCKLAB_ABI_MAJOR, v.abi_major);
	EXPECT_LE(LOCKLAB_ABI_MINOR, v.abi_minor);
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SPIN));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_MUTEX));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_RWLOCK));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SEMAPHORE));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_RCU));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SEQLOCK));
	EXPECT_EQ(0, v.kinds & 1);	/* kind 0 does not exist */
	EXPECT_LE(1, v.nr_cpus);
	EXPECT_NE(0, v.backend[0]);
	EXPECT_GT(sizeof(v.backend), strnlen(v.backend, sizeof(v.backend)));
	EXPECT_EQ(sizeof(v), v.size);
}

TEST_F(dev, version_short_size_einval)
{
	struct locklab_version v = { .size = 4 };

	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
	v.size = 0;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
	v.size = offsetof(struct locklab_version, backend);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
}

struct version_tail {
	struct locklab_version v;
	uint64_t tail[4];
};

TEST_F(dev, version_zero_tail_accepted)
{
	struct version_tail t;

	memset(&t, 0, sizeof(t));
	t.v.size = sizeof(t);
	ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &t));
	EXPECT_EQ(LOCKLAB_ABI_MAJOR, t.v.abi_major);
	/* The kernel writes back its own size at most. */
	EXPECT_EQ(0, t.tail[0] | t.tail[1] | t.tail[2] | t.tail[3]);
}

TEST_F(dev, version_nonzero_tail_e2big)
{
	struct version_tail t;

	memset(&t, 0, sizeof(t));
	t.v.size = sizeof(t);
	t.tail[3] = 1;
	EXPECT_EQ(E2BIG, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &t));
}

TEST_F(dev, version_flags_and_reserved_einval)
{
	struct locklab_version v = { .size = sizeof(v), .flags = 1 };

	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.__reserved = 1;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
}

TEST_F(dev, unknown_command_enotty)
{
	struct locklab_version v = { .size = sizeof(v) };

	EXPECT_EQ(ENOTTY, ioctl_err(self->fd, _IO(LOCKLAB_TYPE, 0x7f), &v));
	EXPECT_EQ(ENOTTY, ioctl_err(self->fd, _IO(LOCKLAB_TYPE + 1, 0x00), &v));
	/* The right number with a size encoded is a different command. */
	EXPECT_EQ(ENOTTY, ioctl_err(self->fd,
				    _IOWR(LOCKLAB_TYPE, 0x00, struct locklab_version), &v));
}

TEST_F(dev, bad_pointer_efault)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long cmds[] = { LOCKLAB_IOC_VERSION, LOCKLAB_IOC_LIST, LOCKLAB_IOC_BENCH };
	unsigned int i;

	ASSERT_NE(MAP_FAILED, unmapped);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(EFAULT, ioctl_err(self->fd, cmds[i], NULL));
		EXPECT_EQ(EFAULT, ioctl_err(self->fd, cmds[i], unmapped));
	}
	munmap(unmapped, 4096);
}

TEST_F(dev, list_enumerates_every_spin_variant)
{
	static const char *const want[] = {
		"tas", "ttas", "ticket", "mcs", "clh", "kernel", "broken",
	};
	unsigned int found = 0, i, n;
	struct locklab_list l;

	for (n = 0; n < 1024; n++) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.index = n;
		if (ioctl(self->fd, LOCKLAB_IOC_LIST, &l))
			break;
		EXPECT_NE(0, l.name[0]);
		EXPECT_NE(0, l.kind_name[0]);
		EXPECT_LT(0, l.kind);
		if (l.kind != LOCKLAB_KIND_SPIN)
			continue;
		EXPECT_STREQ("spin", l.kind_name);
		for (i = 0; i < ARRAY_SIZE(want); i++)
			if (!strcmp(l.name, want[i]))
				found |= 1U << i;
		if (l.variant == LOCKLAB_VARIANT_KERNEL)
			EXPECT_TRUE(l.props & LOCKLAB_PROP_KERNEL);
		if (l.variant == LOCKLAB_VARIANT_BROKEN)
			EXPECT_TRUE(l.props & LOCKLAB_PROP_BROKEN);
	}
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ((1U << (ARRAY_SIZE(want))) - 1, found);
	l.flags = 1;
	l.index = 0;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_LIST, &l));
}

static void bench_init(struct locklab_bench *b, uint32_t variant,
		       uint32_t threads, uint32_t ms)
{
	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->kind = LOCKLAB_KIND_SPIN;
	b->variant = variant;
	b->threads = threads;
	b->duration_ms = ms;
}

TEST_F(dev, bench_every_lock_excludes)
{
	static const uint32_t variants[] = {
		LOCKLAB_SPIN_TAS, LOCKLAB_SPIN_TTAS, LOCKLAB_SPIN_TICKET,
		LOCKLAB_SPIN_MCS, LOCKLAB_SPIN_CLH, LOCKLAB_SPIN_KERNEL,
	};
	uint64_t per[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		struct locklab_bench b;

		bench_init(&b, variants[i], 3, 100);
		b.hold_ns = 100;
		b.per_thread = (uintptr_t)per;
		ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
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

		bench_init(&b, locks[i].variant, 3, 100);
		b.kind = locks[i].kind;
		b.read_pct = locks[i].read_pct;
		b.hold_ns = 100;
		ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
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
		EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
		bench_init(&b, LOCKLAB_RWLOCK_V1, 1, 10);
		b.kind = LOCKLAB_KIND_RWLOCK;
		b.read_pct = 101;
		EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	}
}

/*
 * RCU, ours and the kernel's: readers run sections while an updater keeps
 * retiring copies; no reader meets a retired copy, and grace periods pass.
 */
TEST_F(dev, bench_rcu_readers_never_meet_retired_copy)
{
	static const uint32_t variants[] = {
		LOCKLAB_RCU_LAB, LOCKLAB_RCU_KERNEL,
	};
	struct locklab_create c;
	struct locklab_bench b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		bench_init(&b, variants[i], 2, 200);
		b.kind = LOCKLAB_KIND_RCU;
		ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_LT(0, b.reads);		/* grace periods */
		EXPECT_EQ(0, b.violations);
	}
	/* No hold time, no per-thread array; and no RCU objects to create. */
	bench_init(&b, LOCKLAB_RCU_LAB, 1, 10);
	b.kind = LOCKLAB_KIND_RCU;
	b.hold_ns = 100;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, 2, 1, 10);
	b.kind = LOCKLAB_KIND_RCU;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.kind = LOCKLAB_KIND_RCU;
	c.variant = LOCKLAB_RCU_LAB;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_CREATE, &c));
}

/* Seqlocks, ours and seqlock_t: no accepted copy is torn. */
TEST_F(dev, bench_seqlock_never_accepts_torn_copy)
{
	static const uint32_t variants[] = {
		LOCKLAB_SEQLOCK_LAB, LOCKLAB_SEQLOCK_KERNEL,
	};
	struct locklab_bench b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		bench_init(&b, variants[i], 2, 200);
		b.kind = LOCKLAB_KIND_SEQLOCK;
		ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
		EXPECT_LT(0, b.acquisitions);
		EXPECT_LT(0, b.reads);		/* write sections */
		EXPECT_EQ(0, b.violations);
	}
	bench_init(&b, LOCKLAB_SEQLOCK_LAB, 1, 10);
	b.kind = LOCKLAB_KIND_SEQLOCK;
	b.gap_ns = 100;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
}

TEST_F(dev, bench_catches_broken_lock)
{
	struct locklab_version v = { .size = sizeof(v) };
	struct locklab_bench b;
	int tries;

	ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_VERSION, &v));
	if (v.nr_cpus < 2)
		SKIP(return, "needs 2 CPUs for sections to overlap");
	for (tries = 0; tries < 5; tries++) {
		/* Pinned to two CPUs, with a hold time: sections overlap. */
		bench_init(&b, LOCKLAB_SPIN_BROKEN, 2, 200);
		b.flags = LOCKLAB_BENCH_BIND;
		b.hold_ns = 200;
		ASSERT_EQ(0, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
		if (b.violations || b.lost_updates)
			break;
	}
	EXPECT_TRUE(b.violations || b.lost_updates);
}

TEST_F(dev, bench_bad_parameters_einval)
{
	struct locklab_bench b;

	bench_init(&b, LOCKLAB_SPIN_TAS, 0, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, LOCKLAB_BENCH_MAX_THREADS + 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 0);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 1000000);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, 99, 1, 10);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.kind = 0;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.flags = 0x80;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.hold_ns = LOCKLAB_BENCH_MAX_BUSY_NS + 1;
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 2, 10);
	b.per_thread = 8;	/* not user memory */
	EXPECT_EQ(EFAULT, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	bench_init(&b, LOCKLAB_SPIN_TAS, 1, 10);
	b.size = offsetof(struct locklab_bench, elapsed_ns);
	EXPECT_EQ(EINVAL, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
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
	EXPECT_EQ(EINTR, ioctl_err(self->fd, LOCKLAB_IOC_BENCH, &b));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	EXPECT_GT(6.0, secs);	/* stopped well before the 8 s it asked */
	signal(SIGALRM, SIG_DFL);
}

TEST(device_is_0600)
{
	struct stat st;

	if (stat(DEV_PATH, &st) && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: locklab.ko not loaded");
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_HARNESS_MAIN
