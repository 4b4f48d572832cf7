// SPDX-License-Identifier: GPL-2.0
/*
 * locklab seqlock selftest: seqlock objects (LOCKLAB_KIND_SEQLOCK) driven
 * from userspace threads, one fixture variant per seqlock variant.
 *
 *  - writers and readers at once: every SEQ_WRITE gets a distinct section
 *    number and together they are exactly 1..N (exact writer count, also
 *    in STATS @counter); no accepted copy is torn (STATS @violations 0,
 *    checked in the kernel word by word); a reader's section numbers never
 *    go backwards;
 *  - the check can fail: the broken variant's readers (2+ CPUs) do accept
 *    torn copies, counted in @violations;
 *  - misuse: a write_unlock (UNLOCK) without a write_lock, and LOCK, are
 *    EOPNOTSUPP (the write section is one call); HOLD, the SECTION flag,
 *    TIMEOUT on SEQ_WRITE and bad create parameters are EINVAL; NONBLOCK
 *    SEQ_WRITE on seqlock_t (no trylock) is EOPNOTSUPP;
 *  - the benchmark's retries per read (LOCKLAB_IOC_BENCH @read_retries),
 *    and callers of the older, shorter struct locklab_bench.
 *
 * Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"

#define SEQ_WRITERS	2
#define SEQ_READERS	2
#define SEQ_WRITES	1500	/* per writer */
#define SEQ_HOLD_NS	2000

/* One SEQ_WRITE or SEQ_READ; *value and *retries as the kernel said. */
static int seq_op(int fd, uint32_t op, uint32_t flags, uint32_t hold_ns,
		  uint64_t *value, uint64_t *retries)
{
	struct locklab_op o;
	int ret;

	ret = ll_op_out(fd, op, flags, hold_ns,
			flags & LOCKLAB_OP_TIMEOUT ? 100 * MS : 0, &o);
	if (value)
		*value = o.value;
	if (retries)
		*retries = o.retries;
	return ret;
}

FIXTURE(seq) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(seq) {
	uint32_t variant;
	bool broken;
	bool trylock;
};

FIXTURE_VARIANT_ADD(seq, lab) {
	.variant = LOCKLAB_SEQLOCK_LAB,
	.trylock = true,
};

FIXTURE_VARIANT_ADD(seq, kernel) {
	.variant = LOCKLAB_SEQLOCK_KERNEL,
};

FIXTURE_VARIANT_ADD(seq, broken) {
	.variant = LOCKLAB_SEQLOCK_BROKEN,
	.broken = true,
	.trylock = true,
};

FIXTURE_SETUP(seq)
{
	self->fd = -1;
	if (ll_dev_missing(&self->dev))
		SKIP(return, LL_MISSING);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SEQLOCK,
			       variant->variant, 16, 0, &self->fd));
}

FIXTURE_TEARDOWN(seq)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->dev >= 0)
		close(self->dev);
}

struct seq_arg {
	int fd;
	bool *stop;
	uint64_t *got;		/* writer: the section numbers it got */
	uint64_t reads, retries, backwards, errors;
};

static void *seq_writer(void *p)
{
	struct seq_arg *a = p;
	int i;

	for (i = 0; i < SEQ_WRITES; i++)
		if (seq_op(a->fd, LOCKLAB_OP_SEQ_WRITE, 0, SEQ_HOLD_NS,
			   &a->got[i], NULL))
			a->errors++;
	return NULL;
}

static void *seq_reader(void *p)
{
	struct seq_arg *a = p;
	uint64_t v, r, last = 0;

	/* At least a few reads even if the writers are already done. */
	while (!get_flag(a->stop) || a->reads < 100) {
		if (seq_op(a->fd, LOCKLAB_OP_SEQ_READ, LOCKLAB_OP_TIMEOUT,
			   SEQ_HOLD_NS, &v, &r)) {
			a->errors++;
			continue;
		}
		a->reads++;
		a->retries += r;
		a->backwards += v < last;
		last = v;
	}
	return NULL;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Run the writers and readers; the writers' numbers sorted in *all. */
static void seq_run(struct __test_metadata *_metadata, int fd,
		    struct seq_arg *r, uint64_t *all)
{
	struct seq_arg w[SEQ_WRITERS];
	pthread_t tw[SEQ_WRITERS], tr[SEQ_READERS];
	bool stop = false;
	int i;

	for (i = 0; i < SEQ_READERS; i++) {
		r[i] = (struct seq_arg){ .fd = fd, .stop = &stop };
		ASSERT_EQ(0, pthread_create(&tr[i], NULL, seq_reader, &r[i]));
	}
	for (i = 0; i < SEQ_WRITERS; i++) {
		w[i] = (struct seq_arg){ .fd = fd, .got = all + i * SEQ_WRITES };
		ASSERT_EQ(0, pthread_create(&tw[i], NULL, seq_writer, &w[i]));
	}
	for (i = 0; i < SEQ_WRITERS; i++) {
		pthread_join(tw[i], NULL);
		EXPECT_EQ(0, w[i].errors);
	}
	set_flag(&stop);
	for (i = 0; i < SEQ_READERS; i++)
		pthread_join(tr[i], NULL);
	qsort(all, SEQ_WRITERS * SEQ_WRITES, sizeof(*all), cmp_u64);
}

TEST_F(seq, writers_exact_and_no_torn_read)
{
	uint64_t all[SEQ_WRITERS * SEQ_WRITES], reads = 0, retries = 0;
	struct seq_arg r[SEQ_READERS];
	struct locklab_version v = { .size = sizeof(v) };
	struct locklab_stats st;
	int i, tries;

	ASSERT_EQ(0, ll_version(self->dev, &v));
	if (variant->broken && v.nr_cpus < 2)
		SKIP(return, "needs 2 CPUs for copies to tear");
	for (tries = 0; tries < 5; tries++) {
		if (tries) {
			st.flags = LOCKLAB_STATS_RESET;
			ASSERT_EQ(0, ll_err(ioctl(self->fd, LOCKLAB_IOC_STATS,
						  &st)));
		}
		seq_run(_metadata, self->fd, r, all);
		ASSERT_EQ(0, ll_stats(self->fd, &st));
		/* The broken one must be caught: run again until it is. */
		if (!variant->broken || st.violations)
			break;
	}
	/* Exact: the section numbers are 1..N, each given once. */
	for (i = 0; i < SEQ_WRITERS * SEQ_WRITES; i++)
		if (all[i] != (uint64_t)(tries * SEQ_WRITERS * SEQ_WRITES + i + 1))
			break;
	EXPECT_EQ(SEQ_WRITERS * SEQ_WRITES, i);
	for (i = 0; i < SEQ_READERS; i++) {
		EXPECT_EQ(0, r[i].errors);
		reads += r[i].reads;
		retries += r[i].retries;
		EXPECT_EQ(0, r[i].backwards);
		if (variant->broken)
			EXPECT_EQ(0, r[i].retries);	/* it never retries */
	}
	EXPECT_EQ((tries + 1) * SEQ_WRITERS * SEQ_WRITES, st.counter);
	EXPECT_EQ(SEQ_WRITERS * SEQ_WRITES + reads, st.acquisitions);
	TH_LOG("%s: %llu reads, %llu retries, %llu torn accepted, try %d",
	       variant->broken ? "broken" : "ok", (unsigned long long)reads,
	       (unsigned long long)retries,
	       (unsigned long long)st.violations, tries);
	/* None torn if it works; some if it is the broken one. */
	EXPECT_EQ(variant->broken, st.violations > 0);
}

TEST_F(seq, uncontended_read_is_the_last_write)
{
	uint64_t v, r;

	ASSERT_EQ(0, seq_op(self->fd, LOCKLAB_OP_SEQ_READ, 0, 0, &v, &r));
	EXPECT_EQ(0, v);		/* section 0: the created payload */
	EXPECT_EQ(0, r);
	ASSERT_EQ(0, seq_op(self->fd, LOCKLAB_OP_SEQ_WRITE, 0, 0, &v, NULL));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, seq_op(self->fd, LOCKLAB_OP_SEQ_WRITE, 0, 0, &v, NULL));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, seq_op(self->fd, LOCKLAB_OP_SEQ_READ, LOCKLAB_OP_NONBLOCK,
			    0, &v, &r));
	EXPECT_EQ(2, v);
	EXPECT_EQ(0, r);
}

TEST_F(seq, misuse_errnos)
{
	int fd;

	/* write_unlock without write_lock, and write_lock: one call only. */
	EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_LOCK));
	EXPECT_EQ(EOPNOTSUPP, ll_op(self->fd, LOCKLAB_OP_UNLOCK));
	EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_HOLD));
	EXPECT_EQ(EINVAL, ll_op(self->fd, LOCKLAB_OP_NOTIFY_ONE));
	EXPECT_EQ(EINVAL, seq_op(self->fd, LOCKLAB_OP_SEQ_WRITE,
				 LOCKLAB_OP_TIMEOUT, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, seq_op(self->fd, LOCKLAB_OP_SEQ_WRITE,
				 LOCKLAB_OP_SECTION, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, seq_op(self->fd, LOCKLAB_OP_SEQ_READ,
				 LOCKLAB_OP_SECTION, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, seq_op(self->fd, LOCKLAB_OP_SEQ_READ, 0,
				 2000000000, NULL, NULL));
	EXPECT_EQ(variant->trylock ? 0 : EOPNOTSUPP,
		  seq_op(self->fd, LOCKLAB_OP_SEQ_WRITE, LOCKLAB_OP_NONBLOCK,
			 0, NULL, NULL));
	/* The other kinds' ops are not a seqlock's, nor its theirs. */
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEQLOCK,
				    variant->variant, LOCKLAB_SEQ_MAX_WORDS + 1,
				    0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEQLOCK,
				    variant->variant, 1, 1, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_SEQLOCK, 99, 1, 0,
				    &fd));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SEQLOCK,
			       variant->variant, LOCKLAB_SEQ_MAX_WORDS, 0, &fd));
	EXPECT_EQ(0, seq_op(fd, LOCKLAB_OP_SEQ_WRITE, 0, 0, NULL, NULL));
	close(fd);
}

/* A struct locklab_bench with room past it, to see what the kernel wrote. */
struct bench_buf {
	struct locklab_bench b;
	uint64_t pad[2];
};

static void bench_seq_init(struct bench_buf *bb, uint32_t variant,
			   uint32_t size)
{
	memset(bb, 0xa5, sizeof(*bb));
	memset(&bb->b, 0, size);
	bb->b.size = size;
	bb->b.kind = LOCKLAB_KIND_SEQLOCK;
	bb->b.variant = variant;
	bb->b.threads = 2;
	bb->b.duration_ms = 200;
}

TEST_F(seq, bench_retries_and_old_sizes)
{
	struct bench_buf bb;
	uint8_t tail[sizeof(bb)];
	uint32_t sizes[] = { LOCKLAB_BENCH_SIZE_VER0, LOCKLAB_BENCH_SIZE_VER1 };
	unsigned int i;

	ASSERT_EQ(LOCKLAB_BENCH_SIZE_VER2, sizeof(struct locklab_bench));
	bench_seq_init(&bb, variant->variant, sizeof(bb.b));
	ASSERT_EQ(0, ll_err(ioctl(self->dev, LOCKLAB_IOC_BENCH, &bb.b)));
	EXPECT_LT(0, bb.b.acquisitions);
	TH_LOG("%llu reads, %llu retries: %.4f retries per read",
	       (unsigned long long)bb.b.acquisitions,
	       (unsigned long long)bb.b.read_retries,
	       (double)bb.b.read_retries / bb.b.acquisitions);
	if (variant->broken)
		EXPECT_EQ(0, bb.b.read_retries);	/* it never retries */
	/* Fewer retries than there were write sections and reads. */
	EXPECT_GE(bb.b.reads + bb.b.acquisitions, bb.b.read_retries);
	/* Older callers: everything up to their size, nothing past it. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		bench_seq_init(&bb, variant->variant, sizes[i]);
		memcpy(tail, &bb, sizeof(bb));
		ASSERT_EQ(0, ll_err(ioctl(self->dev, LOCKLAB_IOC_BENCH,
					  &bb.b)));
		EXPECT_LT(0, bb.b.acquisitions);
		EXPECT_EQ(0, memcmp((uint8_t *)&bb + sizes[i],
				    tail + sizes[i], sizeof(bb) - sizes[i]));
	}
	/* A newer caller's tail must be zero. */
	bench_seq_init(&bb, variant->variant, sizeof(bb));
	memset(bb.pad, 0, sizeof(bb.pad));
	EXPECT_EQ(0, ll_err(ioctl(self->dev, LOCKLAB_IOC_BENCH, &bb.b)));
	bench_seq_init(&bb, variant->variant, sizeof(bb));
	bb.pad[0] = 1;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->dev, LOCKLAB_IOC_BENCH, &bb.b)));
}

TEST_HARNESS_MAIN
