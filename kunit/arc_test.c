// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab Arc (refcount/arc.c, include/locklab/arc.h).
 *
 * Properties checked:
 *
 *  - the book's DetectDrop test: one clone is dropped by another thread, the
 *    destructor has not run; the last drop runs it, exactly once;
 *  - weak handles (the book's second test): upgrade succeeds while a strong
 *    handle exists and fails after the last strong put; the allocation
 *    lives until the last weak put (module live-allocation counter);
 *  - get_mut succeeds only for the sole strong handle with no weak handle,
 *    and leaves the counts as it found them; against a thread that keeps
 *    swapping its strong handle for a weak one and back (the book's
 *    "annoying" function), it never succeeds;
 *  - upgrade racing the last put, in 1000 barrier-started rounds: one
 *    release per Arc, no upgrade succeeds on released data or after
 *    another upgrade of the same thread failed;
 *  - 1, 2 and 4 kthreads clone, put, downgrade, weak-clone, weak-put,
 *    upgrade and get_mut at random (prandom, a fixed seed per thread), each
 *    ending with the handles it started with: final counts, destructor
 *    count and allocation count are exact;
 *  - saturation of either count: warns (counted), never releases or frees
 *    what it must not, and the test can undo it and free;
 *  - misuse (put of a zero count, clone of a released Arc) is reported,
 *    never runs the destructor twice and leaks instead of freeing;
 *  - the benchmark runs both variants and hands back its references.
 *
 * After every case the module's live-allocation counter is where the case
 * found it (the suite's exit hook): nothing leaked.
 *
 * Not tested here: that each ordering is needed or sufficient (a missing
 * one shows only on weakly ordered hardware, by luck; the race cases on
 * the SMP arches and KCSAN builds are the best effort); use from interrupt
 * context; the WARN splat itself (the log is not read, the event counters
 * are); the 32-bit saturation margin; concurrent misuse, whose repair is
 * documented as best effort.
 *
 * Every wait is bounded (lab_run_threads() timeouts). When threads are stuck
 * (-EDEADLK) the case fails and leaks what they might still use.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include <locklab/arc.h>
#include <locklab/arc_debug.h>

#include "bench/arcbench.h"
#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define ARC_MAGIC		0x4c41b0c5u
#define ARC_POISON		0xdeadbeefu
#define ARC_TIMEOUT_MS		60000
#define ARC_SWAP_ITERS		20000
#define ARC_RANDOM_OPS		20000
#define ARC_RANDOM_SEED		0x10c71abULL
#define ARC_RANDOM_HELD		8

/* What every test Arc's destructor reports to. */
struct arc_tally {
	atomic_t drops;		/* destructor calls */
	atomic_t bad;		/* destructor found the data already poisoned */
};

struct arc_payload {
	u32 magic;		/* ARC_MAGIC while alive, ARC_POISON after */
	char text[8];
	struct arc_tally *tally;
};

static long arc_live_at_start;

static void arc_payload_release(void *data)
{
	struct arc_payload *p = data;

	if (p->magic != ARC_MAGIC)
		atomic_inc(&p->tally->bad);
	WRITE_ONCE(p->magic, ARC_POISON);
	atomic_inc(&p->tally->drops);
}

static struct lab_arc *arc_new(struct arc_tally *t)
{
	struct lab_arc *arc = lab_arc_new(sizeof(struct arc_payload),
					  arc_payload_release, GFP_KERNEL);
	struct arc_payload *p;

	if (!arc)
		return NULL;
	p = lab_arc_data(arc);
	p->magic = ARC_MAGIC;
	strscpy(p->text, "hello", sizeof(p->text));
	p->tally = t;
	return arc;
}

static bool arc_alive(struct lab_arc *arc)
{
	struct arc_payload *p = lab_arc_data(arc);

	return READ_ONCE(p->magic) == ARC_MAGIC;
}

static long arc_raw_weak(struct lab_arc *arc)
{
	return atomic_long_read(&__lab_arc_inner(arc)->weak);
}

static long arc_live(void)
{
	return lab_arc_live_count() - arc_live_at_start;
}

/*
 * *@x = a new arc counted in @t, the tally of the test's state @s. False
 * when it cannot be made: the test failed and @s is freed (*@x, which may
 * be in @s, is not written).
 */
static bool arc_new_in(struct kunit *test, void *s, struct arc_tally *t,
		       struct lab_arc **x)
{
	struct lab_arc *arc = arc_new(t);

	if (!arc) {
		kfree(s);
		KUNIT_FAIL(test, "lab_arc_new failed");
		return false;
	}
	*x = arc;
	return true;
}

static int arc_run(unsigned int threads, lab_thread_fn fn, void *state)
{
	struct lab_run_opts opts = {
		.timeout_ms = ARC_TIMEOUT_MS,
		.bind = true,
	};

	return lab_run_threads(threads, fn, state, &opts);
}

/* --- DetectDrop ------------------------------------------------------- */

struct arc_detect {
	struct arc_tally tally;
	struct lab_arc *x;
	bool ran;
	bool saw_hello;
};

/* The thread is given x and drops it, as the book's moved closure does. */
static int arc_detect_thread(void *arg, unsigned int id)
{
	struct arc_detect *s = arg;
	struct arc_payload *p = lab_arc_data(s->x);

	s->ran = true;
	s->saw_hello = arc_alive(s->x) && !strcmp(p->text, "hello");
	lab_arc_put(s->x);
	return 0;
}

static void arc_detect_drop_test(struct kunit *test)
{
	struct arc_detect *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (!arc_new_in(test, s, &s->tally, &s->x))
		return;
	{
		struct lab_arc *y __free(lab_arc) = lab_arc_clone(s->x);
		struct arc_payload *p = lab_arc_data(y);

		KUNIT_EXPECT_EQ(test, lab_arc_strong_count(y), 2);
		ret = arc_run(1, arc_detect_thread, s);
		if (ret == -EDEADLK) {
			y = NULL;	/* leak it too: nothing is put */
			KUNIT_FAIL(test, "thread stuck; state leaked");
			return;
		}
		KUNIT_EXPECT_EQ(test, ret, 0);
		if (!s->ran)
			lab_arc_put(s->x);
		KUNIT_EXPECT_TRUE(test, s->saw_hello);
		KUNIT_EXPECT_STREQ(test, p->text, "hello");
		/* x is gone, y is not: the data must still be there. */
		KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 0);
		KUNIT_EXPECT_EQ(test, lab_arc_strong_count(y), 1);
		KUNIT_EXPECT_TRUE(test, arc_alive(y));
	}
	/* y dropped at the end of its scope: now, and only now, released. */
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.bad), 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
	kfree(s);
}

/* --- Weak handles ----------------------------------------------------- */

struct arc_weak {
	struct arc_tally tally;
	struct lab_weak *y;
	bool ran;
	bool upgraded;
};

/* Given the weak handle y: upgrade it, read, drop both. */
static int arc_weak_thread(void *arg, unsigned int id)
{
	struct arc_weak *s = arg;
	struct lab_arc *u = lab_weak_upgrade(s->y);

	s->ran = true;
	if (u) {
		s->upgraded = arc_alive(u);
		lab_arc_put(u);
	}
	lab_weak_put(s->y);
	return 0;
}

static void arc_weak_upgrade_fails_after_last_put_test(struct kunit *test)
{
	struct arc_weak *s = kzalloc(sizeof(*s), GFP_KERNEL);
	struct lab_weak *z, *z2;
	struct lab_arc *x, *u;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (!arc_new_in(test, s, &s->tally, &x))
		return;
	s->y = lab_arc_downgrade(x);
	z = lab_arc_downgrade(x);
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), 1);
	KUNIT_EXPECT_EQ(test, lab_arc_weak_count(x), 2);

	ret = arc_run(1, arc_weak_thread, s);
	if (ret == -EDEADLK) {
		KUNIT_FAIL(test, "thread stuck; state leaked");
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (!s->ran)
		lab_weak_put(s->y);
	KUNIT_EXPECT_TRUE(test, s->upgraded);
	KUNIT_EXPECT_TRUE(test, arc_alive(x));
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 0);
	KUNIT_EXPECT_EQ(test, lab_arc_weak_count(x), 1);

	/* Still upgradable while x exists. */
	u = lab_weak_upgrade(z);
	KUNIT_EXPECT_NOT_NULL(test, u);
	if (u) {
		KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), 2);
		lab_arc_put(u);
	}
	z2 = lab_weak_clone(z);

	lab_arc_put(x);
	/* The data is gone, for good; the allocation is not. */
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 1);
	KUNIT_EXPECT_EQ(test, lab_weak_strong_count(z), 0);
	KUNIT_EXPECT_EQ(test, lab_weak_weak_count(z), 2);
	u = lab_weak_upgrade(z);
	KUNIT_EXPECT_NULL(test, u);
	if (u)
		lab_arc_put(u);
	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(z2));
	KUNIT_EXPECT_EQ(test, arc_live(), 1);

	lab_weak_put(z2);
	KUNIT_EXPECT_EQ(test, arc_live(), 1);
	KUNIT_EXPECT_EQ(test, lab_weak_weak_count(z), 1);
	lab_weak_put(z);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.bad), 0);
	kfree(s);
}

/* --- get_mut ---------------------------------------------------------- */

/*
 * get_mut must leave the weak count as it found it: unlocked. Checked on
 * the raw value before anything that would spin on a stuck lock.
 */
#define ARC_EXPECT_UNLOCKED(test, x, raw)				\
	KUNIT_ASSERT_EQ_MSG(test, arc_raw_weak(x), (long)(raw),		\
			    "get_mut left the weak count locked or moved")

static void arc_get_mut_only_when_unique_test(struct kunit *test)
{
	struct arc_tally t = { };
	struct lab_arc *x = arc_new(&t), *y;
	struct lab_weak *w;
	struct arc_payload *p;

	KUNIT_ASSERT_NOT_NULL(test, x);
	p = lab_arc_get_mut(x);
	KUNIT_EXPECT_PTR_EQ(test, (void *)p, lab_arc_data(x));
	ARC_EXPECT_UNLOCKED(test, x, 1);
	if (p)
		p->text[0] = 'j';	/* exclusive: a plain write is fine */

	/* A second strong handle. */
	y = lab_arc_clone(x);
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(y));
	ARC_EXPECT_UNLOCKED(test, x, 1);
	lab_arc_put(y);
	KUNIT_EXPECT_NOT_NULL(test, lab_arc_get_mut(x));

	/* A weak handle: it could upgrade at any time, so never unique. */
	w = lab_arc_downgrade(x);
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));
	ARC_EXPECT_UNLOCKED(test, x, 2);
	y = lab_weak_upgrade(w);
	KUNIT_ASSERT_NOT_NULL(test, y);
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));
	lab_arc_put(y);
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));
	lab_weak_put(w);

	p = lab_arc_get_mut(x);
	KUNIT_EXPECT_NOT_NULL(test, p);
	if (p)
		KUNIT_EXPECT_STREQ(test, p->text, "jello");
	ARC_EXPECT_UNLOCKED(test, x, 1);
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 0);
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
}

struct arc_annoy {
	struct arc_tally tally;
	struct lab_arc *x;	/* thread 0's handle */
	struct lab_arc *a;	/* thread 1's handle, strong or NULL */
	bool done;
	unsigned long unique_seen;
	unsigned long get_mut_calls;
	unsigned long upgrade_failed;
	unsigned long cycles;
};

/*
 * Thread 0 calls get_mut on its own handle; thread 1 at every moment holds
 * a strong or a weak handle (or both) and keeps swapping one for the
 * other. An implementation that read the two counts without locking could
 * read the strong count while thread 1 holds only a weak handle and the
 * weak count while it holds only a strong one, and call x unique (tried:
 * such a get_mut fails this case on x86_64 with 2 CPUs).
 */
static int arc_annoy_thread(void *arg, unsigned int id)
{
	struct arc_annoy *s = arg;
	unsigned int i;

	if (id == 0) {
		for (i = 0; i < ARC_SWAP_ITERS && !READ_ONCE(s->done); i++) {
			if (lab_arc_get_mut(s->x))
				s->unique_seen++;
			s->get_mut_calls++;
			if (!(i % 64))
				cond_resched();
		}
		return 0;
	}
	for (i = 0; i < ARC_SWAP_ITERS; i++) {
		struct lab_weak *w = lab_arc_downgrade(s->a);

		lab_arc_put(s->a);
		s->a = lab_weak_upgrade(w);	/* x exists: cannot fail */
		lab_weak_put(w);
		if (!s->a) {
			s->upgrade_failed++;
			break;
		}
		s->cycles++;
		if (!(i % 64))
			cond_resched();
	}
	WRITE_ONCE(s->done, true);
	return 0;
}

static void arc_get_mut_never_misses_a_swapping_holder_test(struct kunit *test)
{
	struct arc_annoy *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (!arc_new_in(test, s, &s->tally, &s->x))
		return;
	s->a = lab_arc_clone(s->x);
	ret = arc_run(2, arc_annoy_thread, s);
	if (ret == -EDEADLK) {
		KUNIT_FAIL(test, "threads stuck; state leaked");
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	kunit_info(test, "%lu get_mut calls against %lu swaps\n",
		   s->get_mut_calls, s->cycles);
	KUNIT_EXPECT_EQ(test, s->unique_seen, 0);
	KUNIT_EXPECT_EQ(test, s->upgrade_failed, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 0);
	if (s->a)
		lab_arc_put(s->a);
	/* Alone again: get_mut succeeds, so the check above could fail. */
	KUNIT_EXPECT_NOT_NULL(test, lab_arc_get_mut(s->x));
	lab_arc_put(s->x);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 1);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
	kfree(s);
}

/* --- Thread counts ---------------------------------------------------- */

static const unsigned int arc_thread_counts[] = { 1, 2, 4 };

static void arc_threads_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u thread%s", *n,
		 *n == 1 ? "" : "s");
}

KUNIT_ARRAY_PARAM(arc_nthreads, arc_thread_counts, arc_threads_desc);

/* --- Upgrade racing the last put -------------------------------------- */

#define ARC_RACE_ROUNDS		1000
#define ARC_RACE_TRIES		2000	/* upgrades per thread and round, at most */
#define ARC_RACE_AFTER		4	/* ... and after the first failure */
#define ARC_BARRIER_SPINS	10000

/*
 * One Arc per round: thread 0 holds its only strong handle, every thread
 * holds one weak handle. All threads meet at a barrier; then every thread
 * upgrades and puts in a loop until it has seen the Arc dead a few times,
 * while thread 0, after a delay that varies from round to round, puts the
 * strong handle. So each round's one 1 -> 0 transition lands among
 * concurrent upgrades. A check-then-increment upgrade loses this race
 * (tried: hundreds of double releases per run on x86_64 with 2 CPUs).
 */
struct arc_race {
	struct arc_tally tally;
	unsigned int threads;
	bool stop;
	atomic_t arrived;
	atomic_long_t upgrades;
	atomic_long_t stale;		/* upgrade handed out released data */
	atomic_long_t resurrected;	/* success after a failure */
	struct lab_arc *x[ARC_RACE_ROUNDS];
	struct lab_weak *w[ARC_RACE_ROUNDS];	/* one counted per thread */
};

/*
 * Round @r starts when all threads arrived. Threads on CPUs of their own
 * spin a little, so they start the round together; then they sleep, so a
 * thread that shares their CPU can arrive. False if the run is stopped.
 */
static bool arc_race_barrier(struct arc_race *s, unsigned int r)
{
	int all = (r + 1) * s->threads;
	unsigned int spins;

	/*
	 * Fully ordered: the increment is visible before wake_up_var() looks
	 * for sleepers, pairing with the check wait_var_event*() makes after
	 * queueing itself (no lost wake-up).
	 */
	if (atomic_inc_return(&s->arrived) == all) {
		wake_up_var(&s->arrived);
		return true;
	}
	for (spins = 0; spins < ARC_BARRIER_SPINS; spins++) {
		if (atomic_read(&s->arrived) >= all)
			return true;
		cpu_relax();
	}
	while (!wait_var_event_timeout(&s->arrived,
				       atomic_read(&s->arrived) >= all,
				       HZ / 10)) {
		if (READ_ONCE(s->stop))
			return false;
	}
	return true;
}

static int arc_race_thread(void *arg, unsigned int id)
{
	struct arc_race *s = arg;
	unsigned int r, k, fails, spin;

	for (r = 0; r < ARC_RACE_ROUNDS; r++) {
		struct lab_weak *w = s->w[r];

		if (!arc_race_barrier(s, r))
			return -ETIMEDOUT;
		if (id == 0) {
			for (spin = 0; spin < (r % 32) * 32; spin++)
				cpu_relax();
			lab_arc_put(s->x[r]);
		}
		fails = 0;
		for (k = 0; k < ARC_RACE_TRIES && fails < ARC_RACE_AFTER; k++) {
			struct lab_arc *u = lab_weak_upgrade(w);

			if (!u) {
				fails++;
				continue;
			}
			atomic_long_inc(&s->upgrades);
			if (!arc_alive(u))
				atomic_long_inc(&s->stale);
			if (fails)
				atomic_long_inc(&s->resurrected);
			lab_arc_put(u);
		}
		lab_weak_put(w);
		cond_resched();
	}
	return 0;
}

static void arc_upgrade_races_last_put_test(struct kunit *test)
{
	unsigned int n = *(const unsigned int *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = ARC_TIMEOUT_MS, .bind = true };
	struct arc_race *s;
	unsigned int i, r;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->threads = n;
	for (r = 0; r < ARC_RACE_ROUNDS; r++) {
		s->x[r] = arc_new(&s->tally);
		if (!s->x[r])
			break;
		for (i = 0; i < n; i++)
			s->w[r] = lab_arc_downgrade(s->x[r]);
	}
	if (r < ARC_RACE_ROUNDS) {
		while (r--) {
			for (i = 0; i < n; i++)
				lab_weak_put(s->w[r]);
			lab_arc_put(s->x[r]);
		}
		kfree(s);
		KUNIT_FAIL(test, "lab_arc_new failed");
		return;
	}

	opts.stop = &s->stop;
	ret = lab_run_threads(n, arc_race_thread, s, &opts);
	if (ret == -EDEADLK) {
		KUNIT_FAIL(test, "threads stuck; state leaked");
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "run incomplete; state leaked");
	kunit_info(test, "%ld successful upgrades in %u rounds\n",
		   atomic_long_read(&s->upgrades), ARC_RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), ARC_RACE_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->stale), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&s->resurrected), 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
	kfree(s);
}

/* --- Random operations from N threads ---------------------------------- */

struct arc_hand {
	struct lab_arc *strong[ARC_RANDOM_HELD];
	struct lab_weak *weak[ARC_RANDOM_HELD];
	unsigned int ns, nw;
	unsigned long ops;
	unsigned long errors;
};

struct arc_random {
	struct arc_tally tally;
	struct arc_hand hand[];
};

enum { ARC_CLONE, ARC_PUT, ARC_DOWNGRADE, ARC_WEAK_CLONE, ARC_WEAK_PUT,
	ARC_UPGRADE, ARC_GET_MUT, ARC_NR_RANDOM_OPS };

/*
 * One random step. The test's own handle keeps the data alive, so an
 * upgrade must succeed, get_mut must fail and the data must be intact.
 * A thread always keeps at least one handle, to make the next one from.
 * Returns false when the chosen operation did not apply.
 */
static bool arc_random_step(struct arc_hand *h, u32 op)
{
	struct lab_arc *u;

	switch (op) {
	case ARC_CLONE:
		if (!h->ns || h->ns == ARC_RANDOM_HELD)
			return false;
		h->strong[h->ns] = lab_arc_clone(h->strong[h->ns - 1]);
		h->ns++;
		break;
	case ARC_PUT:
		if (!h->ns || h->ns + h->nw < 2)
			return false;
		lab_arc_put(h->strong[--h->ns]);
		break;
	case ARC_DOWNGRADE:
		if (!h->ns || h->nw == ARC_RANDOM_HELD)
			return false;
		h->weak[h->nw++] = lab_arc_downgrade(h->strong[h->ns - 1]);
		break;
	case ARC_WEAK_CLONE:
		if (!h->nw || h->nw == ARC_RANDOM_HELD)
			return false;
		h->weak[h->nw] = lab_weak_clone(h->weak[h->nw - 1]);
		h->nw++;
		break;
	case ARC_WEAK_PUT:
		if (!h->nw || h->ns + h->nw < 2)
			return false;
		lab_weak_put(h->weak[--h->nw]);
		break;
	case ARC_UPGRADE:
		if (!h->nw || h->ns == ARC_RANDOM_HELD)
			return false;
		u = lab_weak_upgrade(h->weak[h->nw - 1]);
		if (!u) {
			h->errors++;
			return true;
		}
		h->strong[h->ns++] = u;
		break;
	default:
		if (!h->ns)
			return false;
		if (lab_arc_get_mut(h->strong[h->ns - 1]))
			h->errors++;
		break;
	}
	if (h->ns && !arc_alive(h->strong[h->ns - 1]))
		h->errors++;
	return true;
}

static int arc_random_thread(void *arg, unsigned int id)
{
	struct arc_random *s = arg;
	struct arc_hand *h = &s->hand[id];
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, ARC_RANDOM_SEED + id);
	for (i = 0; i < ARC_RANDOM_OPS; i++) {
		if (arc_random_step(h, prandom_u32_state(&rnd) %
				       ARC_NR_RANDOM_OPS))
			h->ops++;
		if (!(i % 64))
			cond_resched();
	}
	/* End with what we started with: one strong, one weak handle. */
	if (!h->ns) {
		h->strong[0] = lab_weak_upgrade(h->weak[0]);
		if (!h->strong[0]) {
			h->errors++;
			return 0;
		}
		h->ns = 1;
	}
	if (!h->nw)
		h->weak[h->nw++] = lab_arc_downgrade(h->strong[0]);
	while (h->ns > 1)
		lab_arc_put(h->strong[--h->ns]);
	while (h->nw > 1)
		lab_weak_put(h->weak[--h->nw]);
	return 0;
}

static void arc_random_ops_exact_counts_test(struct kunit *test)
{
	unsigned int n = *(const unsigned int *)test->param_value;
	struct arc_random *s;
	struct lab_arc *x;
	unsigned long ops = 0;
	unsigned int i;
	int ret;

	lab_test_needs_smp(test);
	s = kzalloc(struct_size(s, hand, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	if (!arc_new_in(test, s, &s->tally, &x))
		return;
	for (i = 0; i < n; i++) {
		s->hand[i].strong[0] = lab_arc_clone(x);
		s->hand[i].weak[0] = lab_arc_downgrade(x);
		s->hand[i].ns = 1;
		s->hand[i].nw = 1;
	}

	ret = arc_run(n, arc_random_thread, s);
	if (ret == -EDEADLK) {
		KUNIT_FAIL(test, "threads stuck; state leaked");
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, s->hand[i].errors, 0, "thread %u", i);
		ops += s->hand[i].ops;
	}
	kunit_info(test, "%lu operations\n", ops);

	/* Each thread is back to one strong and one weak handle. */
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), 1 + (long)n);
	KUNIT_EXPECT_EQ(test, lab_arc_weak_count(x), (long)n);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 0);
	for (i = 0; i < n; i++) {
		struct arc_hand *h = &s->hand[i];

		while (h->ns)
			lab_arc_put(h->strong[--h->ns]);
		while (h->nw)
			lab_weak_put(h->weak[--h->nw]);
	}
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), 1);
	KUNIT_EXPECT_EQ(test, lab_arc_weak_count(x), 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 1);
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tally.bad), 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
	kfree(s);
}

/* --- Saturation and misuse -------------------------------------------- */

/*
 * Strong count forced next to LAB_ARC_MAX. Expect one WARN splat in the
 * log ("strong count saturated"), the first of its kind in this boot; the
 * later events are only counted. A saturated strong count is immortal:
 * puts do not release, the allocation stays, upgrade and get_mut fail.
 */
static void arc_strong_saturation_leaks_test(struct kunit *test)
{
	long ev = lab_arc_events(LAB_ARC_EV_STRONG_SATURATED);
	struct arc_tally t = { };
	struct lab_arc *x = arc_new(&t), *y, *z;
	struct lab_weak *w;

	KUNIT_ASSERT_NOT_NULL(test, x);
	w = lab_arc_downgrade(x);
	/* Pretend LAB_ARC_MAX - 1 strong handles exist. */
	__lab_arc_set_counts(x, LAB_ARC_MAX - 1, 2);
	y = lab_arc_clone(x);
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), LAB_ARC_MAX);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_STRONG_SATURATED), ev);
	z = lab_arc_clone(x);
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_STRONG_SATURATED),
			ev + 1);

	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(w));
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));
	lab_arc_put(z);
	lab_arc_put(y);
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_STRONG_SATURATED),
			ev + 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 1);
	KUNIT_EXPECT_TRUE(test, arc_alive(x));

	/* Upgrade at LAB_ARC_MAX saturates too, and fails. */
	__lab_arc_set_counts(x, LAB_ARC_MAX - 1, 2);
	y = lab_weak_upgrade(w);
	KUNIT_EXPECT_PTR_EQ(test, y, x);
	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(w));
	KUNIT_EXPECT_EQ(test, lab_arc_strong_count(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_STRONG_SATURATED),
			ev + 5);

	/* Undo: one strong, one weak handle; then free the normal way. */
	__lab_arc_set_counts(x, 1, 2);
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);
	KUNIT_EXPECT_EQ(test, arc_live(), 1);
	lab_weak_put(w);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
}

/*
 * Weak count forced next to LAB_ARC_MAX. Expect one WARN splat ("weak
 * count saturated"). The data is still released after the last strong put
 * (its lifetime does not depend on the weak count); the allocation stays.
 */
static void arc_weak_saturation_leaks_test(struct kunit *test)
{
	long ev = lab_arc_events(LAB_ARC_EV_WEAK_SATURATED);
	struct arc_tally t = { };
	struct lab_arc *x = arc_new(&t);
	struct lab_weak *w, *w1, *w2;

	KUNIT_ASSERT_NOT_NULL(test, x);
	w = lab_arc_downgrade(x);
	/* Downgrade at LAB_ARC_MAX: the cmpxchg saturates exactly. */
	__lab_arc_set_counts(x, 1, LAB_ARC_MAX - 1);
	w1 = lab_arc_downgrade(x);
	KUNIT_EXPECT_EQ(test, arc_raw_weak(x), LAB_ARC_MAX);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_WEAK_SATURATED), ev);
	w2 = lab_arc_downgrade(x);
	KUNIT_EXPECT_EQ(test, arc_raw_weak(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_WEAK_SATURATED),
			ev + 1);
	/* Weak clone at LAB_ARC_MAX: fetch_add wraps, then is reset. */
	__lab_arc_set_counts(x, 1, LAB_ARC_MAX);
	w2 = lab_weak_clone(w);
	KUNIT_EXPECT_EQ(test, arc_raw_weak(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_WEAK_SATURATED),
			ev + 2);
	KUNIT_EXPECT_NULL(test, lab_arc_get_mut(x));

	/*
	 * The last strong put releases the data; its drop of the strong
	 * handles' weak reference finds the saturated count (one event).
	 */
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_WEAK_SATURATED),
			ev + 3);
	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(w1));
	lab_weak_put(w2);
	lab_weak_put(w1);
	lab_weak_put(w);
	KUNIT_EXPECT_EQ(test, arc_raw_weak(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_WEAK_SATURATED),
			ev + 6);
	KUNIT_EXPECT_EQ(test, arc_live(), 1);

	/* Undo: only w left; its put frees. */
	__lab_arc_set_counts(x, 0, 1);
	lab_weak_put(w);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
}

/*
 * Misuse while a weak handle keeps the allocation: a second put of a
 * released Arc, then a clone of it. Expect two WARN splats ("put of a zero
 * strong count", "clone of a released Arc"). The destructor must not run
 * again, upgrades must keep failing, and the allocation leaks (weak count
 * saturated) instead of being freed under the stale handle.
 */
static void arc_misuse_never_releases_twice_test(struct kunit *test)
{
	long put_ev = lab_arc_events(LAB_ARC_EV_PUT_DEAD);
	long clone_ev = lab_arc_events(LAB_ARC_EV_CLONE_DEAD);
	struct arc_tally t = { };
	struct lab_arc *x = arc_new(&t), *stale;
	struct lab_weak *w;

	KUNIT_ASSERT_NOT_NULL(test, x);
	w = lab_arc_downgrade(x);
	lab_arc_put(x);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);

	lab_arc_put(x);			/* double put */
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_PUT_DEAD), put_ev + 1);
	KUNIT_EXPECT_EQ(test, lab_weak_strong_count(w), 0);
	KUNIT_EXPECT_EQ(test, arc_raw_weak(x), LAB_ARC_SATURATED);
	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(w));

	stale = lab_arc_clone(x);	/* clone of a released Arc */
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_CLONE_DEAD),
			clone_ev + 1);
	KUNIT_EXPECT_EQ(test, lab_weak_strong_count(w), 0);
	KUNIT_EXPECT_NULL(test, lab_weak_upgrade(w));
	lab_arc_put(stale);
	KUNIT_EXPECT_EQ(test, lab_arc_events(LAB_ARC_EV_PUT_DEAD), put_ev + 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.drops), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&t.bad), 0);

	lab_weak_put(w);		/* saturated: does not free */
	KUNIT_EXPECT_EQ(test, arc_live(), 1);

	/* Undo: one weak handle left; its put frees. */
	__lab_arc_set_counts(x, 0, 1);
	lab_weak_put(w);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
}

/* --- Benchmark -------------------------------------------------------- */

static void arc_bench_returns_its_references_test(struct kunit *test)
{
	struct lab_arc_bench_result r;
	int ret;

	KUNIT_EXPECT_EQ(test, lab_arc_bench(0, 10, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, lab_arc_bench(1, 0, &r), -EINVAL);
	KUNIT_EXPECT_EQ(test, lab_arc_bench(LAB_ARC_BENCH_MAX_THREADS + 1, 10,
					    &r), -EINVAL);
	ret = lab_arc_bench(2, 50, &r);
	if (ret == -EDEADLK) {
		KUNIT_FAIL(test, "benchmark threads stuck");
		return;
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	kunit_info(test, "arc %llu pairs/s (%llu ns), refcount_t %llu pairs/s (%llu ns)\n",
		   r.arc.pairs_per_sec, r.arc.ns_per_pair,
		   r.refcount.pairs_per_sec, r.refcount.ns_per_pair);
	KUNIT_EXPECT_EQ(test, r.threads, 2);
	KUNIT_EXPECT_GT(test, r.arc.pairs, 0);
	KUNIT_EXPECT_GT(test, r.refcount.pairs, 0);
	KUNIT_EXPECT_GT(test, r.arc.pairs_per_sec, 0);
	KUNIT_EXPECT_GT(test, r.refcount.pairs_per_sec, 0);
	KUNIT_EXPECT_GT(test, r.arc.elapsed_ns, 0);
	KUNIT_EXPECT_GT(test, r.refcount.elapsed_ns, 0);
	KUNIT_EXPECT_EQ(test, arc_live(), 0);
}

/* --- Suite -------------------------------------------------------------- */

static int arc_test_init(struct kunit *test)
{
	arc_live_at_start = lab_arc_live_count();
	return 0;
}

/* Every case must free every Arc it made: checked after each case. */
static void arc_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, lab_arc_live_count(), arc_live_at_start,
			    "Arc allocations leaked by this case");
}

static struct kunit_case arc_test_cases[] = {
	KUNIT_CASE(arc_detect_drop_test),
	KUNIT_CASE(arc_weak_upgrade_fails_after_last_put_test),
	KUNIT_CASE(arc_get_mut_only_when_unique_test),
	KUNIT_CASE(arc_get_mut_never_misses_a_swapping_holder_test),
	KUNIT_CASE_PARAM(arc_upgrade_races_last_put_test,
			 arc_nthreads_gen_params),
	KUNIT_CASE_PARAM(arc_random_ops_exact_counts_test,
			 arc_nthreads_gen_params),
	KUNIT_CASE(arc_strong_saturation_leaks_test),
	KUNIT_CASE(arc_weak_saturation_leaks_test),
	KUNIT_CASE(arc_misuse_never_releases_twice_test),
	KUNIT_CASE(arc_bench_returns_its_references_test),
	{}
};

static struct kunit_suite arc_test_suite = {
	.name = "locklab_arc",
	.init = arc_test_init,
	.exit = arc_test_exit,
	.test_cases = arc_test_cases,
};

kunit_test_suites(&arc_test_suite);
