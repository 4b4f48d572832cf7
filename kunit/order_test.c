// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for ordering bugs: tests that fail when a barrier or a
 * RELEASE that the code needs is missing, not only when it excludes or
 * counts wrong.
 *
 *  - The wait/wake handshake (lock/wait.c) is a store-buffering (SB)
 *    shape: the waiter increments the bucket's waiter count and then
 *    reads the word, the waker stores the word and then reads the count.
 *    Without the full barriers both reads may miss the other's write: the
 *    waker sees no waiter and takes no lock, the waiter sees the old
 *    value and sleeps, and the wake-up is lost. The stress runs many
 *    short rounds, the two threads released together each round (a
 *    per-round meeting, as the litmus runner of lab/litmus.c does): the
 *    waiter lab_wait()s on the old value, the waker stores the new one
 *    and lab_wake_one()s. A wake that woke nobody while the waiter is
 *    still queued on the word (lab_wait_queued() after the wake) is a lost
 *    wake-up, seen at once and exactly: with the barriers, a waiter that
 *    queued before the waker looked is woken, and one that queues after
 *    it reads the new value under the bucket lock. The waker then wakes
 *    it again and the case ends, failed; every wait has a 10 ms deadline
 *    besides, and the case lasts 20 s at most. On QEMU TCG with the
 *    barriers gone, about one round in 500000 loses its wake-up. Before
 *    its store the waker writes lines the waiter just wrote, so its store
 *    waits in the store buffer behind their misses, and a random spin on
 *    one side each round sweeps the two threads' relative timing across
 *    the window.
 *  - A too-weak unlock: critical sections with many plain accesses, in
 *    the same function as the lock and unlock calls, so that KCSAN's
 *    weak-memory modelling (CONFIG_KCSAN_WEAK_MEMORY, part of the KCSAN
 *    tier's CONFIG_KCSAN_STRICT) may delay a plain access past an
 *    unlock that is not a RELEASE, into the next holder's section: a
 *    data race KCSAN reports. The case counts KCSAN's reports about its
 *    own function (the console tracepoint, as KCSAN's own tests do) and
 *    fails on any; everywhere it also checks the exact count.
 *
 *  - The stall watchdog of lab_run_threads() (opts.progress), which the
 *    long stresses use so that a lost wake-up fails them in seconds
 *    instead of at their 240-280 s limit: two threads left asleep with no
 *    deadline are seen, woken and stopped within 30 s.
 *
 * scripts/inject.sh builds the module with each bug (LOCKLAB_INJECT=
 * wait_no_mb, unlock_relaxed; see Kbuild) and shows the matching case
 * failing, and passing without it. Both need two CPUs and are skipped on
 * one (UML), where threads never overlap.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include <locklab/spin_tas.h>
#include <locklab/wait.h>

#include "lab/lab_internal.h"
#include "lab_test.h"

/* --- SB stress of the wait/wake handshake ---------------------------------- */

#define SB_ROUNDS	4000000		/* at most; the budget usually ends it */
/*
 * The first lost wake-up ends it. A bug-injected build (scripts/inject.sh)
 * gets 20 s; the normal tiers, which only guard against regressions, 5 s
 * (the injected bug was seen within 0.5-2.3 s).
 */
#if defined(LOCKLAB_INJECT_WAIT_NO_MB)
#define SB_BUDGET_MS	20000
#else
#define SB_BUDGET_MS	5000
#endif
#define SB_WAIT_MS	10		/* each round's wait */
#define SB_LINES	24		/* lines the waker writes before its store */
#define SB_SPIN_MAX	256		/* the random spin of a round, in loops */

struct sb_line {
	unsigned long v;
} ____cacheline_aligned_in_smp;

struct sb_run {
	struct lab_pair pair;
	bool stop;
	atomic_t word ____cacheline_aligned_in_smp;
	struct sb_line lines[SB_LINES];
	/* Written by one thread each, read after the run. */
	u64 rounds;
	u64 early;		/* the waiter saw the new value: -EAGAIN */
	u64 woken;		/* ... was woken (or woke spuriously): 0 */
	u64 timeouts;		/* ... hit its deadline */
	u64 lost;		/* the waker woke nobody, the waiter queued */
	u64 first_lost_round;
	u64 first_lost_ns;	/* since the release of the threads */
	int err;
};

static noinline void sb_spin(unsigned int loops)
{
	unsigned int i;

	for (i = 0; i < loops; i++)
		barrier();
}

static int sb_waiter(struct sb_run *r)
{
	struct rnd_state rs;
	u32 phase = 0, rnd;
	u64 i;
	ktime_t deadline;
	int ret;

	prandom_seed_state(&rs, 0x5b0001);
	for (i = 0; i < SB_ROUNDS; i++) {
		/* Its lines are ours again: the waker's stores will miss. */
		for (ret = 0; ret < SB_LINES; ret++)
			WRITE_ONCE(r->lines[ret].v, i);
		rnd = prandom_u32_state(&rs);
		deadline = lab_deadline(SB_WAIT_MS * NSEC_PER_MSEC);
		if (!lab_pair_meet_relaxed(&r->pair, 0, ++phase, &r->stop))
			break;
		if (rnd & 1)
			sb_spin((rnd >> 1) % SB_SPIN_MAX);
		/* The word holds i (the last round's store, or the initial 0). */
		ret = lab_wait(&r->word, (u32)i, 0, deadline);
		if (ret == -EAGAIN)
			r->early++;
		else if (!ret)
			r->woken++;
		else if (ret == -ETIMEDOUT)
			r->timeouts++;
		else
			r->err = ret;
		/* Our result and the waker's store happen before round i + 1. */
		if (!lab_pair_meet(&r->pair, 0, ++phase, &r->stop))
			break;
	}
	r->rounds = i;
	return 0;
}

static int sb_waker(struct sb_run *r, u64 t0)
{
	struct rnd_state rs;
	u32 phase = 0, rnd;
	unsigned int l;
	u64 i;

	prandom_seed_state(&rs, 0x5b0002);
	for (i = 0; i < SB_ROUNDS; i++) {
		rnd = prandom_u32_state(&rs);
		if (!lab_pair_meet_relaxed(&r->pair, 1, ++phase, &r->stop))
			break;
		if (!(rnd & 1))
			sb_spin((rnd >> 1) % SB_SPIN_MAX);
		for (l = 0; l < SB_LINES; l++)
			WRITE_ONCE(r->lines[l].v, i);
		/* The plain store and the wake of the handshake under test. */
		atomic_set(&r->word, (u32)(i + 1));
		if (!lab_wake_one(&r->word) && lab_wait_queued(&r->word)) {
			/* Woke nobody, yet the waiter sleeps: lost. */
			if (!r->lost++) {
				r->first_lost_round = i;
				r->first_lost_ns = ktime_get_ns() - t0;
			}
			lab_wake_one(&r->word);
			/* One is the verdict: end the case now. */
			WRITE_ONCE(r->stop, true);
		}
		if (!lab_pair_meet(&r->pair, 1, ++phase, &r->stop))
			break;
	}
	return 0;
}

struct sb_arg {
	struct sb_run *r;
	u64 t0;
};

static int sb_thread(void *arg, unsigned int id)
{
	struct sb_arg *a = arg;

	return id ? sb_waker(a->r, a->t0) : sb_waiter(a->r);
}

static void order_wait_sb_no_lost_wakeup_test(struct kunit *test)
{
	struct sb_run *r;
	struct lab_run_opts opts = {
		.timeout_ms = SB_BUDGET_MS + 60000,
		.duration_ms = SB_BUDGET_MS,
		.bind = true,
	};
	struct lab_wait_stats before, after;
	struct sb_arg a;
	u64 elapsed = 0;
	int ret;

	lab_test_needs_smp(test);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	opts.stop = &r->stop;
	opts.elapsed_ns = &elapsed;
	a.r = r;
	a.t0 = ktime_get_ns();
	lab_wait_stats_read(&before);
	ret = lab_run_threads(2, sb_thread, &a, &opts);
	lab_wait_stats_read(&after);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, r->err, 0);
	kunit_info(test, "%llu rounds in %llu ms: %llu saw the store, %llu woken, %llu timed out (%d ms), %llu lost; %llu of %llu wakes took the lock\n",
		   r->rounds, elapsed / NSEC_PER_MSEC, r->early, r->woken,
		   r->timeouts, SB_WAIT_MS, r->lost,
		   after.wakes_locked - before.wakes_locked,
		   after.wakes - before.wakes);
	KUNIT_EXPECT_EQ_MSG(test, r->lost, 0ULL,
			    "lost wake-ups: the first in round %llu, %llu ms after the start",
			    r->first_lost_round,
			    r->first_lost_ns / NSEC_PER_MSEC);
	/* Rounds that ran at all, or the case showed nothing. */
	KUNIT_EXPECT_GE(test, r->rounds, 1000ULL);
	kfree(r);
}

/* --- Plain accesses across an unlock (KCSAN) ------------------------------- */

#define PLAIN_BUDGET_MS	3000
#define PLAIN_MIN	2000		/* sections that make the case count */

/*
 * How often KCSAN looks: it watches one plain access in about
 * kcsan.skip_watch (4000, randomized: 2000 on average) per CPU, and only a
 * watched plain access becomes the one it then models as delayed
 * (reorder_access, set at the end of kcsan_setup_watchpoint()). That
 * delayed access is looked at again at each later instrumented access of
 * the function, and each look costs one more step of the same skip count,
 * so a report needs two watches in one section: one of the section's plain
 * accesses, then the delayed access at a look after the unlock. With one
 * plain access and 64 looks that is about 1e-3 * 3e-2 of the sections,
 * too few to count on in 3 s of QEMU. So a section makes PLAIN_ACCESSES
 * plain accesses (one of them is watched in about a quarter of the
 * sections) and PLAIN_TAIL looks after the unlock (the delayed access is
 * then watched in about half of those), as KCSAN's own test of a missing
 * barrier does.
 */
#define PLAIN_ACCESSES	256
#define PLAIN_TAIL	1024

struct plain_run {
	struct lab_tas_spinlock lock;
	bool stop;
	unsigned long data ____cacheline_aligned_in_smp;
	u64 count[2];
};

/*
 * One section: lock, PLAIN_ACCESSES plain read-modify-writes, unlock, then
 * the thread's PLAIN_TAIL looks at *stop, all in this function. KCSAN may
 * consider a plain access of the section as late as any access after it in
 * this function unless the unlock is a RELEASE it knows about (its
 * kcsan_release() ends the delay); each load after the unlock is one more
 * chance for it to watch the delayed access there, while the other thread
 * holds the lock and writes data.
 */
static noinline bool order_plain_section(struct plain_run *p)
{
	bool stop = false;
	int i;

	lab_tas_lock(&p->lock);
	for (i = 0; i < PLAIN_ACCESSES; i++) {
		p->data++;
		barrier();	/* each one a load and a store of its own */
	}
	lab_tas_unlock(&p->lock);
	for (i = 0; i < PLAIN_TAIL; i++)
		stop |= READ_ONCE(p->stop);
	return stop;
}

static int plain_thread(void *arg, unsigned int id)
{
	struct plain_run *p = arg;
	u64 n = 0;

	do {
		n++;
		if (!(n & 255))
			cond_resched();
	} while (!order_plain_section(p));
	p->count[id] = n;
	return 0;
}

#if IS_ENABLED(CONFIG_KCSAN) && IS_ENABLED(CONFIG_TRACEPOINTS)
/* KCSAN's reports that name order_plain_section(), seen on the console. */
static atomic_t plain_kcsan_reports = ATOMIC_INIT(0);

__no_kcsan
static void plain_probe_console(void *ignore, const char *buf, size_t len)
{
	if (strnstr(buf, "BUG: KCSAN: ", len) &&
	    strnstr(buf, "order_plain_section", len))
		atomic_inc(&plain_kcsan_reports);
}

__no_kcsan
static void plain_probe_register(struct tracepoint *tp, void *on)
{
	if (strcmp(tp->name, "console"))
		return;
	if (on)
		WARN_ON(tracepoint_probe_register(tp, plain_probe_console, NULL));
	else
		tracepoint_probe_unregister(tp, plain_probe_console, NULL);
}

static void plain_kcsan_watch(bool on)
{
	for_each_kernel_tracepoint(plain_probe_register, on ? (void *)1 : NULL);
	if (!on)
		tracepoint_synchronize_unregister();
}

static int plain_kcsan_reports_read(void)
{
	return atomic_read(&plain_kcsan_reports);
}
#else
static void plain_kcsan_watch(bool on)
{
}

static int plain_kcsan_reports_read(void)
{
	return 0;
}
#endif

static void order_unlock_release_plain_section_test(struct kunit *test)
{
	struct plain_run *p;
	struct lab_run_opts opts = {
		.timeout_ms = PLAIN_BUDGET_MS + 60000,
		.duration_ms = PLAIN_BUDGET_MS,
		.bind = true,
	};
	int ret, reports;
	u64 total;

	lab_test_needs_smp(test);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	lab_tas_init(&p->lock);
	opts.stop = &p->stop;
	reports = plain_kcsan_reports_read();
	plain_kcsan_watch(true);
	ret = lab_run_threads(2, plain_thread, p, &opts);
	plain_kcsan_watch(false);
	reports = plain_kcsan_reports_read() - reports;
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	total = p->count[0] + p->count[1];
	kunit_info(test, "%llu sections (%llu + %llu), data %lu, KCSAN %s: %d reports\n",
		   total, p->count[0], p->count[1], p->data,
		   IS_ENABLED(CONFIG_KCSAN_WEAK_MEMORY) ? "with weak memory" :
		   IS_ENABLED(CONFIG_KCSAN) ? "without weak memory" : "off",
		   reports);
	KUNIT_EXPECT_EQ(test, (u64)p->data, total * PLAIN_ACCESSES);
	KUNIT_EXPECT_GE(test, total, (u64)PLAIN_MIN);
	KUNIT_EXPECT_EQ_MSG(test, reports, 0,
			    "KCSAN saw the section's plain access race past the unlock");
	kfree(p);
}

/* --- The stall watchdog of lab_run_threads() ------------------------------- */

#define STALL_MS	2000

struct stall_run {
	atomic_t word;		/* nobody ever changes it: a lost wake-up */
	atomic_t sections;
	bool stop;
	int ret[2];
};

static u64 stall_progress(void *arg)
{
	struct stall_run *s = arg;

	return atomic_read(&s->sections);
}

/*
 * Both threads make progress for a while, then sleep with no deadline on
 * a word nobody will change, as a lost wake-up leaves them; only the
 * watchdog's wake-up and *stop get them out.
 */
static int stall_thread(void *arg, unsigned int id)
{
	struct stall_run *s = arg;
	int i;

	for (i = 0; i < 100; i++) {
		atomic_inc(&s->sections);
		lab_test_sleep_ms(1);
	}
	while (!READ_ONCE(s->stop))
		s->ret[id] = lab_wait(&s->word, 0, 0, LAB_WAIT_FOREVER);
	return 0;
}

static void order_watchdog_ends_a_stall_test(struct kunit *test)
{
	struct stall_run *s = kzalloc(sizeof(*s), GFP_KERNEL);
	struct lab_run_opts opts = {
		.timeout_ms = 240000,
		.progress = stall_progress,
		.stall_ms = STALL_MS,
	};
	u64 elapsed = 0;
	ktime_t t0;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	opts.stop = &s->stop;
	opts.elapsed_ns = &elapsed;
	t0 = ktime_get();
	ret = lab_run_threads(2, stall_thread, s, &opts);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "the watchdog did not free them");
	kunit_info(test, "stall seen and ended after %lld ms (no progress for %d ms)\n",
		   ktime_ms_delta(ktime_get(), t0), STALL_MS);
	KUNIT_EXPECT_EQ(test, ret, -ETIME);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->sections), 200);
	/* The kick is a spurious wake-up: lab_wait() returned 0. */
	KUNIT_EXPECT_EQ(test, s->ret[0], 0);
	KUNIT_EXPECT_EQ(test, s->ret[1], 0);
	/* Well within 30 s, far from the 240 s limit. */
	KUNIT_EXPECT_LT(test, ktime_ms_delta(ktime_get(), t0), 30000LL);
	KUNIT_EXPECT_EQ(test, lab_wait_queued(&s->word), 0U);
	kfree(s);
}

static int order_suite_init(struct kunit_suite *suite)
{
#ifdef LOCKLAB_INJECT_WAIT_NO_MB
	pr_info("locklab: built with an injected bug: wait_no_mb\n");
#endif
#ifdef LOCKLAB_INJECT_UNLOCK_RELAXED
	pr_info("locklab: built with an injected bug: unlock_relaxed\n");
#endif
	return 0;
}

static struct kunit_case order_test_cases[] = {
	KUNIT_CASE(order_wait_sb_no_lost_wakeup_test),
	KUNIT_CASE(order_unlock_release_plain_section_test),
	KUNIT_CASE(order_watchdog_ends_a_stall_test),
	{}
};

static struct kunit_suite order_test_suite = {
	.name = "locklab_order",
	.suite_init = order_suite_init,
	.test_cases = order_test_cases,
};

kunit_test_suites(&order_test_suite);
