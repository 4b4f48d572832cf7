// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the seqlocks (include/locklab/seqlock.h, lock/seqlock.c),
 * every variant driven through its struct lab_seq_ops.
 *
 *  - a read section that a write section overlapped is retried, one that
 *    none overlapped is not (deterministic, one thread; the broken variant
 *    is shown to accept both);
 *  - no torn read: a writer keeps rewriting an 8-word record with one
 *    value in every word; 1-3 readers copy it under locklab's seqlock or
 *    the kernel's seqlock_t, and a copy that seqretry accepts always has
 *    all words equal, and its value never goes backwards;
 *  - the check can fail: the broken variant's readers (on 2+ CPUs, pinned
 *    apart from a writer that runs until the reader is done) do accept
 *    torn records;
 *  - writers exclude each other (two writers, exact count; 2+ CPUs).
 *
 * Not tested here: reader starvation under a writer that never pauses.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/ops.h>
#include <locklab/seqlock.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define SEQ_WORDS	8
#define SEQ_WRITES	20000
#define SEQ_TIMED_READS	2000000	/* reads the torn-read check may take */

struct seq_state {
	const struct lab_seq_ops *ops;
	void *sl;		/* ops->size bytes */
	u64 rec[SEQ_WORDS];
	bool timed;		/* writer runs until the readers are done */
	bool stop;
	atomic_t torn;
	atomic_t backwards;
	atomic_long_t retries;
	atomic_long_t reads;
};

static void seq_write(struct seq_state *s, u64 v)
{
	int i;

	s->ops->wr_lock(s->sl);
	for (i = 0; i < SEQ_WORDS; i++)
		WRITE_ONCE(s->rec[i], v);
	s->ops->wr_unlock(s->sl);
}

static void seq_read(struct seq_state *s, u64 *copy)
{
	u32 start;
	int i;

	for (;;) {
		start = s->ops->rd_begin(s->sl);
		for (i = 0; i < SEQ_WORDS; i++)
			copy[i] = READ_ONCE(s->rec[i]);
		if (!s->ops->rd_retry(s->sl, start))
			return;
		atomic_long_inc(&s->retries);
	}
}

static int seq_thread(void *arg, unsigned int id)
{
	struct seq_state *s = arg;
	u64 copy[SEQ_WORDS], last = 0;
	int i;

	if (id == 0) {		/* the writer */
		for (i = 1; s->timed ? !READ_ONCE(s->stop) : i <= SEQ_WRITES; i++) {
			seq_write(s, i);
			if (!(i & 63))
				cond_resched();
		}
		WRITE_ONCE(s->stop, true);
		return 0;
	}
	while (!READ_ONCE(s->stop)) {
		/* Timed: a reader stops at the first torn copy, or the budget. */
		if (s->timed && (atomic_read(&s->torn) ||
				 atomic_long_read(&s->reads) >= SEQ_TIMED_READS)) {
			WRITE_ONCE(s->stop, true);
			break;
		}
		seq_read(s, copy);
		atomic_long_inc(&s->reads);
		for (i = 1; i < SEQ_WORDS; i++) {
			if (copy[i] != copy[0]) {
				atomic_inc(&s->torn);
				break;
			}
		}
		if (copy[0] < last)
			atomic_inc(&s->backwards);
		last = copy[0];
		cond_resched();
	}
	return 0;
}

static const struct lab_seq_ops *seq_ops(struct kunit *test, u32 variant)
{
	const struct lab_seq_ops *ops = lab_seq_ops_find(LOCKLAB_KIND_SEQLOCK,
							 variant);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	return ops;
}

/* A seqlock of @ops, zeroed and initialized; freed by the test's end. */
static void *seq_new(struct kunit *test, const struct lab_seq_ops *ops)
{
	void *sl = kunit_kzalloc(test, ops->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sl);
	KUNIT_ASSERT_EQ(test, ops->init(sl), 0);
	return sl;
}

static int seq_run(struct kunit *test, struct seq_state *s, u32 variant,
		   unsigned int readers)
{
	struct lab_run_opts opts = { .timeout_ms = 120000, .bind = true };

	s->ops = seq_ops(test, variant);
	s->sl = seq_new(test, s->ops);
	return lab_run_threads(1 + readers, seq_thread, s, &opts);
}

struct seq_param {
	u32 variant;
	unsigned int readers;
};

static const struct seq_param seq_params[] = {
	{ LOCKLAB_SEQLOCK_LAB, 1 }, { LOCKLAB_SEQLOCK_LAB, 2 },
	{ LOCKLAB_SEQLOCK_LAB, 3 }, { LOCKLAB_SEQLOCK_KERNEL, 1 },
	{ LOCKLAB_SEQLOCK_KERNEL, 2 }, { LOCKLAB_SEQLOCK_KERNEL, 3 },
};

static void seq_param_desc(const struct seq_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s-%u-readers",
		 p->variant == LOCKLAB_SEQLOCK_LAB ? "seqlock" : "kernel",
		 p->readers);
}

KUNIT_ARRAY_PARAM(seq, seq_params, seq_param_desc);

static const u32 seq_variants[] = {
	LOCKLAB_SEQLOCK_LAB, LOCKLAB_SEQLOCK_KERNEL, LOCKLAB_SEQLOCK_BROKEN,
};

static void seq_variant_desc(const u32 *v, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 lab_seq_ops_find(LOCKLAB_KIND_SEQLOCK, *v)->name);
}

KUNIT_ARRAY_PARAM(seq_variant, seq_variants, seq_variant_desc);

/*
 * One thread, so the interleaving is the test's: a write section between
 * rd_begin and rd_retry must make the read retry, and with none between
 * it must not. The broken variant accepts both (that is how it is broken).
 */
static void seqlock_overlapped_read_retries_test(struct kunit *test)
{
	u32 variant = *(const u32 *)test->param_value;
	const struct lab_seq_ops *ops = seq_ops(test, variant);
	bool broken = variant == LOCKLAB_SEQLOCK_BROKEN;
	void *sl = seq_new(test, ops);
	u32 s;

	s = ops->rd_begin(sl);
	KUNIT_EXPECT_FALSE(test, ops->rd_retry(sl, s));
	s = ops->rd_begin(sl);
	ops->wr_lock(sl);
	ops->wr_unlock(sl);
	KUNIT_EXPECT_EQ(test, ops->rd_retry(sl, s), !broken);
	/* A read that starts after the write is consistent again. */
	s = ops->rd_begin(sl);
	KUNIT_EXPECT_FALSE(test, ops->rd_retry(sl, s));
	if (ops->wr_trylock) {
		KUNIT_ASSERT_TRUE(test, ops->wr_trylock(sl));
		/* A writer inside: a second one cannot get in. */
		KUNIT_EXPECT_FALSE(test, ops->wr_trylock(sl));
		ops->wr_unlock(sl);
		KUNIT_EXPECT_EQ(test, ops->rd_retry(sl, s), !broken);
	}
	ops->destroy(sl);
}

static void seqlock_no_torn_read_test(struct kunit *test)
{
	const struct seq_param *p = test->param_value;
	struct seq_state *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	ret = seq_run(test, s, p->variant, p->readers);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->torn), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->backwards), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->rec[0]), (u64)SEQ_WRITES);
	if (p->variant == LOCKLAB_SEQLOCK_LAB)
		KUNIT_EXPECT_EQ(test,
				atomic_read(&((struct lab_seqlock *)s->sl)->seq),
				2 * SEQ_WRITES);
	kunit_info(test, "%ld reads, %ld retries\n", atomic_long_read(&s->reads),
		   atomic_long_read(&s->retries));
	s->ops->destroy(s->sl);
	kfree(s);
}

static void seqlock_checker_catches_broken_variant_test(struct kunit *test)
{
	struct seq_state *s;
	int i, ret, torn = 0;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs for reads to overlap writes");
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < 5 && !torn; i++) {
		memset(s, 0, sizeof(*s));
		s->timed = true;
		ret = seq_run(test, s, LOCKLAB_SEQLOCK_BROKEN, 1);
		KUNIT_ASSERT_EQ(test, ret, 0);
		torn = atomic_read(&s->torn);
	}
	kunit_info(test, "%d torn of %ld accepted copies, try %d\n", torn,
		   atomic_long_read(&s->reads), i);
	KUNIT_EXPECT_GT_MSG(test, torn, 0,
			    "the broken seqlock's copies never tore: the check cannot fail");
	kfree(s);
}

struct seq_writers {
	const struct lab_seq_ops *ops;
	void *sl;
	unsigned long counter;	/* plain, under the writer lock */
};

static int seq_writer_thread(void *arg, unsigned int id)
{
	struct seq_writers *w = arg;
	int i;

	for (i = 0; i < SEQ_WRITES; i++) {
		w->ops->wr_lock(w->sl);
		WRITE_ONCE(w->counter, READ_ONCE(w->counter) + 1);
		w->ops->wr_unlock(w->sl);
		if (!(i & 63))
			cond_resched();
	}
	return 0;
}

static void seqlock_writers_exclude_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000, .bind = true };
	u32 variant = *(const u32 *)test->param_value;
	struct seq_writers *w;
	int ret;

	lab_test_needs_smp(test);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->ops = seq_ops(test, variant);
	w->sl = seq_new(test, w->ops);
	ret = lab_run_threads(2, seq_writer_thread, w, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, w->counter, 2UL * SEQ_WRITES);
	if (variant == LOCKLAB_SEQLOCK_LAB)
		KUNIT_EXPECT_EQ(test,
				atomic_read(&((struct lab_seqlock *)w->sl)->seq),
				4 * SEQ_WRITES);
	w->ops->destroy(w->sl);
	kfree(w);
}

static struct kunit_case seqlock_test_cases[] = {
	KUNIT_CASE_PARAM(seqlock_overlapped_read_retries_test,
			 seq_variant_gen_params),
	KUNIT_CASE_PARAM(seqlock_no_torn_read_test, seq_gen_params),
	KUNIT_CASE(seqlock_checker_catches_broken_variant_test),
	KUNIT_CASE_PARAM(seqlock_writers_exclude_test, seq_variant_gen_params),
	{}
};

static struct kunit_suite seqlock_test_suite = {
	.name = "locklab_seqlock",
	.test_cases = seqlock_test_cases,
};

kunit_test_suites(&seqlock_test_suite);
