// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab seqlock (include/locklab/seqlock.h).
 *
 *  - no torn read: a writer keeps rewriting an 8-word record with one
 *    value in every word; 1-3 readers copy it under the seqlock, and a
 *    copy that seqretry accepts always has all words equal, and its value
 *    never goes backwards;
 *  - the check can fail: a reader copying without the seqlock (on 2+
 *    CPUs, pinned apart from a writer that runs until the reader is done)
 *    does see torn records;
 *  - writers exclude each other (two writers, exact count).
 *
 * Not tested here: reader starvation under a writer that never pauses.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/seqlock.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define SEQ_WORDS	8
#define SEQ_WRITES	20000
#define SEQ_TIMED_READS	2000000	/* reads the torn-read check may take */

struct seq_state {
	struct lab_seqlock sl;
	u64 rec[SEQ_WORDS];
	bool use_seqlock;
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

	lab_write_seqlock(&s->sl);
	for (i = 0; i < SEQ_WORDS; i++)
		WRITE_ONCE(s->rec[i], v);
	lab_write_sequnlock(&s->sl);
}

static void seq_read(struct seq_state *s, u64 *copy)
{
	u32 start;
	int i;

	if (!s->use_seqlock) {
		for (i = 0; i < SEQ_WORDS; i++)
			copy[i] = READ_ONCE(s->rec[i]);
		return;
	}
	for (;;) {
		start = lab_read_seqbegin(&s->sl);
		for (i = 0; i < SEQ_WORDS; i++)
			copy[i] = READ_ONCE(s->rec[i]);
		if (!lab_read_seqretry(&s->sl, start))
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

static int seq_run(struct kunit *test, struct seq_state *s, unsigned int readers,
		   bool bind)
{
	struct lab_run_opts opts = { .timeout_ms = 120000, .bind = bind };

	lab_seqlock_init(&s->sl);
	return lab_run_threads(1 + readers, seq_thread, s, &opts);
}

static const unsigned int seq_readers[] = { 1, 2, 3 };

static void seq_readers_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u-readers", *n);
}

KUNIT_ARRAY_PARAM(seq_readers, seq_readers, seq_readers_desc);

static void seqlock_no_torn_read_test(struct kunit *test)
{
	struct seq_state *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->use_seqlock = true;
	ret = seq_run(test, s, *(const unsigned int *)test->param_value, true);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->torn), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->backwards), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->rec[0]), (u64)SEQ_WRITES);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->sl.seq), 2 * SEQ_WRITES);
	kunit_info(test, "%ld reads, %ld retries\n", atomic_long_read(&s->reads),
		   atomic_long_read(&s->retries));
	kfree(s);
}

static void seqlock_checker_catches_unprotected_reads_test(struct kunit *test)
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
		ret = seq_run(test, s, 1, true);
		KUNIT_ASSERT_EQ(test, ret, 0);
		torn = atomic_read(&s->torn);
	}
	KUNIT_EXPECT_GT_MSG(test, torn, 0,
			    "reads without the seqlock never tore: the check cannot fail");
	kfree(s);
}

struct seq_writers {
	struct lab_seqlock sl;
	unsigned long counter;	/* plain, under the writer lock */
};

static int seq_writer_thread(void *arg, unsigned int id)
{
	struct seq_writers *w = arg;
	int i;

	for (i = 0; i < SEQ_WRITES; i++) {
		scoped_guard(lab_write_seqlock, &w->sl)
			WRITE_ONCE(w->counter, READ_ONCE(w->counter) + 1);
		if (!(i & 63))
			cond_resched();
	}
	return 0;
}

static void seqlock_writers_exclude_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000, .bind = true };
	struct seq_writers *w;
	int ret;

	lab_test_needs_smp(test);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	lab_seqlock_init(&w->sl);
	ret = lab_run_threads(2, seq_writer_thread, w, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, w->counter, 2UL * SEQ_WRITES);
	KUNIT_EXPECT_EQ(test, atomic_read(&w->sl.seq), 4 * SEQ_WRITES);
	kfree(w);
}

static struct kunit_case seqlock_test_cases[] = {
	KUNIT_CASE_PARAM(seqlock_no_torn_read_test, seq_readers_gen_params),
	KUNIT_CASE(seqlock_checker_catches_unprotected_reads_test),
	KUNIT_CASE(seqlock_writers_exclude_test),
	{}
};

static struct kunit_suite seqlock_test_suite = {
	.name = "locklab_seqlock",
	.test_cases = seqlock_test_cases,
};

kunit_test_suites(&seqlock_test_suite);
