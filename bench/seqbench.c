// SPDX-License-Identifier: GPL-2.0
/*
 * locklab seqlock benchmark: N reader kthreads, pinned to CPUs, each
 * copying a 4-word record under the seqlock in a loop for a fixed time,
 * while one writer kthread rewrites the record (every word the same new
 * value) about once a microsecond. Run through the locklab seqlock
 * (include/locklab/seqlock.h) and through the kernel's seqlock_t, so the
 * two are compared on the same machine under the same load.
 *
 * A copy that the seqlock accepted with words that disagree is a torn read
 * and counts as a violation; a copy thrown away because a writer got in
 * counts as a retry. The broken variant (LOCKLAB_SEQLOCK_BROKEN) copies
 * without a read section and accepts every copy, so that the torn-read
 * check is seen to fire. Each variant has its own thread function, so the
 * measured loop makes direct calls.
 */
#include <linux/delay.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/slab.h>

#include <uapi/linux/locklab.h>
#include <locklab/seqlock.h>
#include <locklab/wait.h>

#include "bench/seqbench.h"
#include "bench/threads.h"

#define SEQBENCH_WORDS		4
#define SEQBENCH_BATCH		64
#define SEQBENCH_WRITE_GAP_NS	1000

struct seqbench {
	struct lab_seqlock lab;
	seqlock_t kernel;
	u64 rec[SEQBENCH_WORDS] ____cacheline_aligned_in_smp;
	unsigned int readers;
	bool stop ____cacheline_aligned_in_smp;
	u64 writes;
	atomic64_t torn;
	atomic64_t retries;
	u64 reads[];			/* per reader, written at its end */
};

static void seqbench_write_rec(struct seqbench *b, u64 v)
{
	int i;

	for (i = 0; i < SEQBENCH_WORDS; i++)
		WRITE_ONCE(b->rec[i], v);
}

static bool seqbench_torn(const u64 *copy)
{
	int i;

	for (i = 1; i < SEQBENCH_WORDS; i++)
		if (copy[i] != copy[0])
			return true;
	return false;
}

static void seqbench_read_rec(struct seqbench *b, u64 *copy)
{
	int i;

	for (i = 0; i < SEQBENCH_WORDS; i++)
		copy[i] = READ_ONCE(b->rec[i]);
}

/* Reader and writer loops, one pair of functions per variant. */
/* A reader's totals, at its end. */
static void seqbench_reader_done(struct seqbench *b, unsigned int id, u64 n,
				 u64 torn, u64 retries)
{
	b->reads[id] = n;
	/* Relaxed: summed after lab_run_threads() joined the threads. */
	atomic64_add(torn, &b->torn);
	atomic64_add(retries, &b->retries);
}

/* The writer of the locklab and the broken variants. */
static void seqbench_lab_writer(struct seqbench *b)
{
	while (!READ_ONCE(b->stop)) {
		lab_write_seqlock(&b->lab);
		seqbench_write_rec(b, ++b->writes);
		lab_write_sequnlock(&b->lab);
		ndelay(SEQBENCH_WRITE_GAP_NS);
		cond_resched();
	}
}

/*
 * A reader of ours (@kernel false) or of seqlock_t: copies accepted by the
 * retry check, the torn ones among them counted. Inlined into each
 * thread function with @kernel constant, so neither loop tests it.
 */
static __always_inline void seqbench_reader(struct seqbench *b,
					    unsigned int id, bool kernel)
{
	u64 copy[SEQBENCH_WORDS], n = 0, torn = 0, retries = 0;
	unsigned int i, s;

	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < SEQBENCH_BATCH; i++) {
			for (;;) {
				s = kernel ? read_seqbegin(&b->kernel) :
					     lab_read_seqbegin(&b->lab);
				seqbench_read_rec(b, copy);
				if (!(kernel ? read_seqretry(&b->kernel, s) :
					       lab_read_seqretry(&b->lab, s)))
					break;
				retries++;
			}
			torn += seqbench_torn(copy);
		}
		n += SEQBENCH_BATCH;
		cond_resched();
	}
	seqbench_reader_done(b, id, n, torn, retries);
}

static int seqbench_lab_thread(void *arg, unsigned int id)
{
	struct seqbench *b = arg;

	if (id == b->readers)
		seqbench_lab_writer(b);
	else
		seqbench_reader(b, id, false);
	return 0;
}

/* Broken: every copy is accepted, read section or not. */
static int seqbench_broken_thread(void *arg, unsigned int id)
{
	struct seqbench *b = arg;
	u64 copy[SEQBENCH_WORDS], n = 0, torn = 0;
	unsigned int i;

	if (id == b->readers) {
		seqbench_lab_writer(b);
		return 0;
	}
	while (!READ_ONCE(b->stop)) {
		for (i = 0; i < SEQBENCH_BATCH; i++) {
			seqbench_read_rec(b, copy);
			torn += seqbench_torn(copy);
		}
		n += SEQBENCH_BATCH;
		cond_resched();
	}
	seqbench_reader_done(b, id, n, torn, 0);
	return 0;
}

static int seqbench_kernel_thread(void *arg, unsigned int id)
{
	struct seqbench *b = arg;

	if (id != b->readers) {
		seqbench_reader(b, id, true);
		return 0;
	}
	while (!READ_ONCE(b->stop)) {
		write_seqlock(&b->kernel);
		seqbench_write_rec(b, ++b->writes);
		write_sequnlock(&b->kernel);
		ndelay(SEQBENCH_WRITE_GAP_NS);
		cond_resched();
	}
	return 0;
}

static void seqbench_free(void *arg)
{
	kfree(arg);
}

/**
 * lab_seq_bench() - consistent reads per second under a busy writer
 * @variant: LOCKLAB_SEQLOCK_LAB, _KERNEL or _BROKEN
 * @threads: reader kthreads, 1 .. LAB_SEQ_BENCH_MAX_THREADS (plus the
 *	writer)
 * @duration_ms: run time, at least 1
 * @r: out: the measurements
 *
 * Sleeps; process context only. A signal stops the run.
 *
 * Return: 0; -EINVAL for bad arguments; -ENOMEM; -EINTR or -ETIMEDOUT
 * when stopped early (at once: the threads finish and free their state).
 */
int lab_seq_bench(u32 variant, unsigned int threads, unsigned int duration_ms,
		  struct lab_seq_bench_result *r)
{
	bool gone = false;
	struct lab_run_opts opts = {
		.timeout_ms = duration_ms + 10000,
		.duration_ms = duration_ms,
		.bind = true,
		.interruptible = true,
		.elapsed_ns = &r->elapsed_ns,
		.abandon = seqbench_free,
		.abandoned = &gone,
	};
	struct seqbench *b;
	lab_thread_fn fn;
	unsigned int i;
	int ret;

	if (variant == LOCKLAB_SEQLOCK_LAB)
		fn = seqbench_lab_thread;
	else if (variant == LOCKLAB_SEQLOCK_KERNEL)
		fn = seqbench_kernel_thread;
	else if (variant == LOCKLAB_SEQLOCK_BROKEN)
		fn = seqbench_broken_thread;
	else
		return -EINVAL;
	if (!threads || threads > LAB_SEQ_BENCH_MAX_THREADS || !duration_ms)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	b = kzalloc(struct_size(b, reads, threads), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	lab_seqlock_init(&b->lab);
	seqlock_init(&b->kernel);
	b->readers = threads;
	opts.stop = &b->stop;
	ret = lab_run_threads(threads + 1, fn, b, &opts);
	if (gone)
		return ret;	/* abandoned: the threads free b */

	for (i = 0; i < threads; i++)
		r->reads += b->reads[i];
	r->writes = b->writes;
	r->torn = atomic64_read(&b->torn);
	r->retries = atomic64_read(&b->retries);
	kfree(b);
	return ret;
}
