// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab mutexes: the three of chapter 9
 * (lock/mutex.c), the queue lock (lock/queue.c) and the parking-lot lock
 * (lock/parking.c) of chapter 10, next to the kernel's struct mutex and a
 * broken mutex, through the same ops tables.
 *
 *  - mutual exclusion with exact counts, 1, 2 and 4 kthreads;
 *  - the broken mutex is caught by the same checks (2+ CPUs);
 *  - an uncontended lock/unlock never enters the wake path for the
 *    3-state variants, and always does for the 2-state one (the book's
 *    point about avoiding the syscall);
 *  - trylock fails and a timed lock times out while another task holds
 *    the mutex; both succeed once it is released;
 *  - a killable or interruptible lock returns -EINTR when the waiting
 *    kthread is signalled, without the lock;
 *  - queue and parking locks wake waiters in arrival order, also after a
 *    waiter at the head, in the middle or at the tail gave up;
 *  - the parking lock's "parked" bit is exact: the last waiter to give up
 *    clears it and the unlock then wakes nobody;
 *  - the eventually fair queue and parking locks bound the longest wait
 *    where their barging twins, in the same case, starve a waiter; the
 *    pause after a hand-off is 9 times its cost, 5 ms at most;
 *  - the guards release on scope exit.
 *
 * Not tested here: lockdep reports (the debug tier runs these suites with
 * lockdep on, which checks the annotations stay balanced).
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/mutex.h>
#include <locklab/ops.h>
#include <locklab/parking.h>
#include <locklab/queue.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define MUTEX_ITERS	5000

struct mutex_case {
	u32 variant;
	unsigned int threads;
};

static const struct mutex_case mutex_excl_cases[] = {
	{ LOCKLAB_MUTEX_2STATE, 1 }, { LOCKLAB_MUTEX_2STATE, 2 },
	{ LOCKLAB_MUTEX_2STATE, 4 },
	{ LOCKLAB_MUTEX_3STATE, 1 }, { LOCKLAB_MUTEX_3STATE, 2 },
	{ LOCKLAB_MUTEX_3STATE, 4 },
	{ LOCKLAB_MUTEX_SPIN, 1 }, { LOCKLAB_MUTEX_SPIN, 2 },
	{ LOCKLAB_MUTEX_SPIN, 4 },
	{ LOCKLAB_MUTEX_QUEUE, 1 }, { LOCKLAB_MUTEX_QUEUE, 2 },
	{ LOCKLAB_MUTEX_QUEUE, 4 },
	{ LOCKLAB_MUTEX_PARKING, 1 }, { LOCKLAB_MUTEX_PARKING, 2 },
	{ LOCKLAB_MUTEX_PARKING, 4 },
	{ LOCKLAB_MUTEX_QUEUE_FAIR, 2 }, { LOCKLAB_MUTEX_QUEUE_FAIR, 4 },
	{ LOCKLAB_MUTEX_PARKING_FAIR, 2 }, { LOCKLAB_MUTEX_PARKING_FAIR, 4 },
	{ LOCKLAB_MUTEX_KERNEL, 1 }, { LOCKLAB_MUTEX_KERNEL, 2 },
	{ LOCKLAB_MUTEX_KERNEL, 4 },
};

static const struct lab_lock_ops *mutex_ops(struct kunit *test, u32 variant)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, variant);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	return ops;
}

static void mutex_case_desc(const struct mutex_case *c, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, c->variant);

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%u", ops ? ops->name : "?",
		 c->threads);
}

KUNIT_ARRAY_PARAM(mutex_excl, mutex_excl_cases, mutex_case_desc);

static void mutex_mutual_exclusion_test(struct kunit *test)
{
	const struct mutex_case *c = test->param_value;
	struct lab_torture_cfg cfg = {
		.ops = mutex_ops(test, c->variant),
		.threads = c->threads,
		.iterations = MUTEX_ITERS,
		.hold_ns = 100,
		.bind = true,
		.timeout_ms = 240000,
	};
	struct lab_torture_stats st = { };

	lab_test_needs_smp(test);
	KUNIT_ASSERT_EQ(test, lab_torture_run(&cfg, &st), 0);
	KUNIT_EXPECT_EQ(test, st.acquisitions, (u64)c->threads * MUTEX_ITERS);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
}

static void mutex_checker_catches_broken_mutex_test(struct kunit *test)
{
	struct lab_torture_cfg cfg = {
		.ops = mutex_ops(test, LOCKLAB_MUTEX_BROKEN),
	};

	lab_test_catches_broken(test, &cfg);
}

/* locklab's sleeping variants, driven through their ops tables. */
static const u32 mutex_variants[] = {
	LOCKLAB_MUTEX_2STATE, LOCKLAB_MUTEX_3STATE, LOCKLAB_MUTEX_SPIN,
	LOCKLAB_MUTEX_QUEUE, LOCKLAB_MUTEX_PARKING,
	LOCKLAB_MUTEX_QUEUE_FAIR, LOCKLAB_MUTEX_PARKING_FAIR,
};

static void mutex_variant_desc(const u32 *v, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, *v);

	strscpy(desc, ops ? ops->name : "?", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mutex_variant, mutex_variants, mutex_variant_desc);

/* The ch. 10 locks, whose waiters are woken oldest first. */
static const u32 mutex_fifo_variants[] = {
	LOCKLAB_MUTEX_QUEUE, LOCKLAB_MUTEX_PARKING,
	LOCKLAB_MUTEX_QUEUE_FAIR, LOCKLAB_MUTEX_PARKING_FAIR,
};

KUNIT_ARRAY_PARAM(mutex_fifo, mutex_fifo_variants, mutex_variant_desc);

/* One lock object of any variant, and the ops that drive it. */
struct mutex_obj {
	const struct lab_lock_ops *ops;
	void *lock;
};

static void mutex_obj_init(struct kunit *test, struct mutex_obj *o, u32 variant)
{
	o->ops = mutex_ops(test, variant);
	o->lock = kzalloc(o->ops->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o->lock);
	KUNIT_ASSERT_EQ(test, o->ops->init(o->lock), 0);
}

/*
 * Free a lock after a run. Not after -EDEADLK: stuck threads may still
 * touch it (the test asserts that first, leaking it and its harness).
 */
static void mutex_obj_free(struct mutex_obj *o)
{
	o->ops->destroy(o->lock);
	kfree(o->lock);
}

static int mutex_obj_lock_wait(struct mutex_obj *o, unsigned int flags,
			       s64 timeout_ms)
{
	union lab_lock_ctx ctx;

	return o->ops->lock_wait(o->lock, &ctx, flags,
				 lab_deadline(timeout_ms * NSEC_PER_MSEC));
}

static bool mutex_obj_trylock(struct mutex_obj *o)
{
	union lab_lock_ctx ctx;

	return o->ops->trylock(o->lock, &ctx);
}

static void mutex_obj_unlock(struct mutex_obj *o)
{
	union lab_lock_ctx ctx;

	o->ops->unlock(o->lock, &ctx);
}

/*
 * Free, with nobody queued: for the queue and parking locks the whole word
 * is 0 (no stale node, no stale PARKED bit); for the others, not locked
 * and nobody left in the wait layer.
 */
static bool mutex_obj_idle(struct mutex_obj *o)
{
	switch (o->ops->variant) {
	case LOCKLAB_MUTEX_QUEUE:
	case LOCKLAB_MUTEX_QUEUE_FAIR:
		return !atomic_long_read(&((struct lab_qlock *)o->lock)->state);
	case LOCKLAB_MUTEX_PARKING:
	case LOCKLAB_MUTEX_PARKING_FAIR:
		return !READ_ONCE(((struct lab_plock *)o->lock)->state);
	default:
		return !o->ops->is_locked(o->lock) && !lab_wait_queued(o->lock);
	}
}

/* Asleep in the lock (the only place these threads sleep when flagged). */
static bool mutex_task_sleeps(struct task_struct *t)
{
	return t && !task_is_running(t);
}

static void mutex_uncontended_never_wakes_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct lab_wait_stats before, after;
	struct mutex_obj o;
	int i;

	mutex_obj_init(test, &o, v);
	lab_wait_stats_read(&before);
	for (i = 0; i < 1000; i++) {
		KUNIT_ASSERT_EQ(test, mutex_obj_lock_wait(&o, 0, -1), 0);
		mutex_obj_unlock(&o);
	}
	lab_wait_stats_read(&after);
	if (v == LOCKLAB_MUTEX_2STATE)
		KUNIT_EXPECT_EQ(test, after.wakes - before.wakes, 1000ULL);
	else
		KUNIT_EXPECT_EQ(test, after.wakes - before.wakes, 0ULL);
	KUNIT_EXPECT_EQ(test, after.waits - before.waits, 0ULL);
	KUNIT_EXPECT_TRUE(test, mutex_obj_idle(&o));
	mutex_obj_free(&o);
}

/* A kthread holds the mutex while the test probes it. */
struct holder {
	struct mutex_obj o;
	bool held;
	bool release;
	struct task_struct *waiter;
	int waiter_ret;
	bool waiter_done;
	unsigned int waiter_flags;
};

static int holder_thread(struct holder *h)
{
	int ret = mutex_obj_lock_wait(&h->o, 0, LAB_TEST_TIMEOUT_MS);

	if (ret)
		return ret;
	WRITE_ONCE(h->held, true);
	if (!lab_test_wait_for(READ_ONCE(h->release), LAB_TEST_TIMEOUT_MS))
		ret = -ETIMEDOUT;
	mutex_obj_unlock(&h->o);
	return ret;
}

struct probe {
	struct holder h;
	bool trylock_failed;
	int timed_ret;
	s64 timed_ms;
	int after_ret;
};

static int probe_thread(void *arg, unsigned int id)
{
	struct probe *p = arg;
	ktime_t t0;

	if (id == 0)
		return holder_thread(&p->h);
	if (!lab_test_wait_for(READ_ONCE(p->h.held), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	p->trylock_failed = !mutex_obj_trylock(&p->h.o);
	if (!p->trylock_failed)
		mutex_obj_unlock(&p->h.o);
	t0 = ktime_get();
	p->timed_ret = mutex_obj_lock_wait(&p->h.o, 0, 100);
	p->timed_ms = ktime_ms_delta(ktime_get(), t0);
	if (!p->timed_ret)
		mutex_obj_unlock(&p->h.o);
	WRITE_ONCE(p->h.release, true);
	p->after_ret = mutex_obj_lock_wait(&p->h.o, 0, LAB_TEST_TIMEOUT_MS);
	if (!p->after_ret)
		mutex_obj_unlock(&p->h.o);
	return 0;
}

static void mutex_trylock_and_timeout_while_held_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct probe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	mutex_obj_init(test, &p->h.o, *(const u32 *)test->param_value);
	ret = lab_run_threads(2, probe_thread, p, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, p->trylock_failed);
	KUNIT_EXPECT_EQ(test, p->timed_ret, -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, p->timed_ms, 100);
	KUNIT_EXPECT_EQ(test, p->after_ret, 0);
	KUNIT_EXPECT_TRUE(test, mutex_obj_idle(&p->h.o));
	mutex_obj_free(&p->h.o);
	kfree(p);
}

static int killable_thread(void *arg, unsigned int id)
{
	struct holder *h = arg;

	switch (id) {
	case 0:
		return holder_thread(h);
	case 1:		/* the waiter, killed while it waits */
		lab_test_allow_kill();
		if (!lab_test_wait_for(READ_ONCE(h->held), LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		WRITE_ONCE(h->waiter, current);
		h->waiter_ret = mutex_obj_lock_wait(&h->o, h->waiter_flags,
						    LAB_TEST_TIMEOUT_MS);
		if (!h->waiter_ret)
			mutex_obj_unlock(&h->o);
		WRITE_ONCE(h->waiter_done, true);
		lab_test_forget_signals();
		return 0;
	default:	/* the killer, once the waiter sleeps in the lock */
		if (!lab_test_wait_for(mutex_task_sleeps(READ_ONCE(h->waiter)),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		send_sig(SIGKILL, h->waiter, 1);
		if (!lab_test_wait_for(READ_ONCE(h->waiter_done),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		WRITE_ONCE(h->release, true);
		return 0;
	}
}

static void mutex_lock_killable_signal_eintr_test(struct kunit *test)
{
	u32 v = *(const u32 *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct holder *h = kzalloc(sizeof(*h), GFP_KERNEL);
	unsigned int flags[] = { LAB_WAIT_KILLABLE, LAB_WAIT_INTERRUPTIBLE };
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, h);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(h, 0, sizeof(*h));
		mutex_obj_init(test, &h->o, v);
		h->waiter_flags = flags[i];
		ret = lab_run_threads(3, killable_thread, h, &opts);
		KUNIT_ASSERT_NE(test, ret, -EDEADLK);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, h->waiter_ret, -EINTR);
		KUNIT_EXPECT_TRUE(test, mutex_obj_idle(&h->o));
		mutex_obj_free(&h->o);
	}
	kfree(h);
}

/*
 * Arrival order: waiters 0..FIFO_WAITERS-1 queue one after another behind a
 * holder (each starts once the previous sleeps in the lock); once all
 * sleep, waiter @leaver is signalled and gives up while queued (at the
 * head, in the middle or at the tail); then one more arrives after the
 * leaver left (so a queue repaired after the removal must link it last).
 * On release, only woken waiters compete, one at a time, so the
 * acquisitions follow arrival order exactly, without the leaver.
 */
#define FIFO_WAITERS	3
#define FIFO_LATE	FIFO_WAITERS
#define FIFO_THREADS	(FIFO_WAITERS + 3)	/* + late, holder, driver */

struct fifo {
	struct mutex_obj o;
	unsigned int leaver;
	struct task_struct *task[FIFO_WAITERS + 1];
	bool go[FIFO_WAITERS + 1];
	int ret[FIFO_WAITERS + 1];
	bool held, release;
	unsigned int order[FIFO_WAITERS + 1];
	unsigned int acquired;		/* under the lock */
};

static int fifo_waiter(struct fifo *f, unsigned int i)
{
	unsigned int flags = 0;
	int ret;

	if (i == f->leaver) {
		lab_test_allow_kill();
		flags = LAB_WAIT_INTERRUPTIBLE;
	}
	if (!lab_test_wait_for(READ_ONCE(f->go[i]), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	WRITE_ONCE(f->task[i], current);
	ret = mutex_obj_lock_wait(&f->o, flags, LAB_TEST_TIMEOUT_MS);
	WRITE_ONCE(f->ret[i], ret);
	if (ret) {
		lab_test_forget_signals();
		return 0;
	}
	f->order[f->acquired++] = i;
	mutex_obj_unlock(&f->o);
	return 0;
}

static int fifo_driver(struct fifo *f)
{
	unsigned int i;

	if (!lab_test_wait_for(READ_ONCE(f->held), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	for (i = 0; i < FIFO_WAITERS; i++) {
		WRITE_ONCE(f->go[i], true);
		if (!lab_test_wait_for(mutex_task_sleeps(READ_ONCE(f->task[i])),
				       LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
	}
	/* The leaver is signalled while queued; it must leave the queue. */
	send_sig(SIGKILL, f->task[f->leaver], 1);
	if (!lab_test_wait_for(READ_ONCE(f->ret[f->leaver]) == -EINTR,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	WRITE_ONCE(f->go[FIFO_LATE], true);
	if (!lab_test_wait_for(mutex_task_sleeps(READ_ONCE(f->task[FIFO_LATE])),
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	WRITE_ONCE(f->release, true);
	return 0;
}

static int fifo_thread(void *arg, unsigned int id)
{
	struct fifo *f = arg;
	int ret;

	if (id <= FIFO_LATE)
		return fifo_waiter(f, id);
	if (id == FIFO_LATE + 2)
		return fifo_driver(f);
	ret = mutex_obj_lock_wait(&f->o, 0, LAB_TEST_TIMEOUT_MS);
	if (ret)
		return ret;
	WRITE_ONCE(f->held, true);
	if (!lab_test_wait_for(READ_ONCE(f->release), LAB_TEST_TIMEOUT_MS))
		ret = -ETIMEDOUT;
	mutex_obj_unlock(&f->o);
	return ret;
}

static void mutex_wakes_in_arrival_order_after_leave_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct fifo *f = kzalloc(sizeof(*f), GFP_KERNEL);
	unsigned int leaver, i, n;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, f);
	/* The head, a middle node and the tail of the queue leave. */
	for (leaver = 0; leaver < FIFO_WAITERS; leaver++) {
		memset(f, 0, sizeof(*f));
		mutex_obj_init(test, &f->o, *(const u32 *)test->param_value);
		f->leaver = leaver;
		ret = lab_run_threads(FIFO_THREADS, fifo_thread, f, &opts);
		KUNIT_ASSERT_NE(test, ret, -EDEADLK);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_EQ(test, f->ret[leaver], -EINTR);
		KUNIT_EXPECT_EQ(test, f->acquired, FIFO_WAITERS);
		if (f->acquired != FIFO_WAITERS) {
			mutex_obj_free(&f->o);
			continue;
		}
		for (i = 0, n = 0; i <= FIFO_LATE; i++) {
			if (i == leaver)
				continue;
			KUNIT_EXPECT_EQ_MSG(test, f->order[n], i,
					    "leaver %u: acquisition %u", leaver, n);
			n++;
		}
		KUNIT_EXPECT_TRUE(test, mutex_obj_idle(&f->o));
		mutex_obj_free(&f->o);
	}
	kfree(f);
}

/*
 * The parking lock's PARKED bit is exact: set while a task is parked,
 * cleared by the last parked task giving up, so the holder's unlock then
 * takes the fast path and calls no unpark at all.
 */
struct parked {
	struct lab_plock l;
	struct task_struct *waiter;
	bool held;
	int waiter_ret;
	u8 while_parked;	/* the byte while the waiter was parked */
	u8 after_leave;		/* ... after it gave up */
	u64 unlock_wakes;	/* wake/unpark calls of the unlock after that */
};

static int parked_thread(void *arg, unsigned int id)
{
	struct parked *p = arg;
	struct lab_wait_stats before, after;
	int ret;

	if (id == 1) {
		lab_test_allow_kill();
		if (!lab_test_wait_for(READ_ONCE(p->held), LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		WRITE_ONCE(p->waiter, current);
		ret = lab_plock_lock_wait(&p->l, LAB_WAIT_INTERRUPTIBLE,
					  lab_deadline(LAB_TEST_TIMEOUT_MS *
						       NSEC_PER_MSEC));
		if (!ret)
			lab_plock_unlock(&p->l);
		lab_test_forget_signals();
		WRITE_ONCE(p->waiter_ret, ret);
		return 0;
	}
	lab_plock_lock(&p->l);
	WRITE_ONCE(p->held, true);
	if (lab_test_wait_for(mutex_task_sleeps(READ_ONCE(p->waiter)),
			      LAB_TEST_TIMEOUT_MS)) {
		p->while_parked = READ_ONCE(p->l.state);
		/* The parked waiter gives up; hold on until it has. */
		send_sig(SIGKILL, p->waiter, 1);
		lab_test_wait_for(READ_ONCE(p->waiter_ret), LAB_TEST_TIMEOUT_MS);
	}
	p->after_leave = READ_ONCE(p->l.state);
	lab_wait_stats_read(&before);
	lab_plock_unlock(&p->l);
	lab_wait_stats_read(&after);
	p->unlock_wakes = after.wakes - before.wakes;
	return 0;
}

static void plock_parked_bit_exact_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct parked *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	lab_plock_init(&p->l);
	ret = lab_run_threads(2, parked_thread, p, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, p->while_parked,
			LAB_PLOCK_LOCKED | LAB_PLOCK_PARKED);
	KUNIT_EXPECT_EQ(test, p->waiter_ret, -EINTR);
	/* Still held: only PARKED went away with the last waiter. */
	KUNIT_EXPECT_EQ(test, p->after_leave, LAB_PLOCK_LOCKED);
	KUNIT_EXPECT_EQ(test, p->unlock_wakes, 0ULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p->l.state), 0);
	kfree(p);
}

/*
 * Eventual fairness: the same contended run (threads that relock at once
 * after each unlock, so a woken waiter usually finds the lock taken again)
 * with the barging lock and with its eventually fair twin, every
 * acquisition's wait timed. The fair twin hands the lock to a waiter that
 * has waited LAB_[PQ]LOCK_FAIR_NS (0.5 ms), at most every
 * LAB_PARK_FAIR_COST wake-ups and at least every
 * LAB_PARK_FAIR_PAUSE_MAX_NS (5 ms), so its longest wait is about the
 * larger of the first two, 5 ms at most, plus a wake-up and (more than 2
 * threads) one turn of the queue; FAIR_BOUND_MS leaves room for slow
 * wake-ups under QEMU TCG on a loaded host (without the 5 ms cap one 8 ms
 * wake-up paused hand-offs for 72 ms: max waits of 45-88 ms in five runs
 * on arm64 beside a kernel build). It is asserted with a CPU per thread
 * (with more threads, waits include runqueue time: only reported). The
 * barging lock's longest wait, measured in the same case, is what the
 * bound is compared with: when it exceeds the bound (starvation seen), the
 * assertion on the fair lock is one the barging lock fails. A loaded host
 * can stretch any one run's longest wait: see FAIR_TRIES.
 */
#define FAIR_RUN_MS	300
#define FAIR_BOUND_MS	20
#define FAIR_TRIES	5
#define FAIR_HOLD_NS	20000	/* longer than a woken waiter's spin */

struct fair_case {
	u32 barging;
	u32 fair;
};

static const struct fair_case mutex_fair_cases[] = {
	{ LOCKLAB_MUTEX_QUEUE, LOCKLAB_MUTEX_QUEUE_FAIR },
	{ LOCKLAB_MUTEX_PARKING, LOCKLAB_MUTEX_PARKING_FAIR },
};

static void mutex_fair_desc(const struct fair_case *c, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_MUTEX, c->fair);

	strscpy(desc, ops ? ops->name : "?", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mutex_fair, mutex_fair_cases, mutex_fair_desc);

/* One timed run; returns the longest wait in ns, thread_min in *@least. */
static u64 mutex_fair_run(struct kunit *test, struct lab_times *t,
			  u32 variant, unsigned int threads, u64 *least)
{
	struct lab_torture_cfg cfg = {
		.ops = mutex_ops(test, variant),
		.threads = threads,
		.duration_ms = FAIR_RUN_MS,
		.hold_ns = FAIR_HOLD_NS,
		.bind = true,
		.times = true,
	};
	struct lab_torture_stats st = { .wait = &t[0], .hold = &t[1] };

	lab_times_reset(&t[0]);
	lab_times_reset(&t[1]);
	KUNIT_ASSERT_EQ(test, lab_torture_run(&cfg, &st), 0);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
	*least = st.thread_min;
	kunit_info(test, "%s/%u: %llu acquisitions, fewest %llu per thread, max wait %llu us, p99 %llu us\n",
		   cfg.ops->name, threads, st.acquisitions, st.thread_min,
		   (u64)atomic64_read(&t[0].max_ns) / NSEC_PER_USEC,
		   lab_times_percentile(&t[0], 99) / NSEC_PER_USEC);
	return atomic64_read(&t[0].max_ns);
}

static void mutex_fair_max_wait_bounded_test(struct kunit *test)
{
	static const unsigned int threads[] = { 2, 4 };
	const struct fair_case *c = test->param_value;
	struct lab_times *t = kunit_kcalloc(test, 2, sizeof(*t), GFP_KERNEL);
	u64 bound = FAIR_BOUND_MS * NSEC_PER_MSEC, barging, fair, least;
	unsigned int i, try;

	lab_test_needs_smp(test);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < ARRAY_SIZE(threads); i++) {
		/*
		 * A host that deschedules a vCPU longer than the bound
		 * stretches one wait whatever the lock does (seen: 80 ms
		 * under TCG with the host's two cores busy): up to
		 * FAIR_TRIES runs, the bound must hold in one of them.
		 */
		for (try = 0; try < FAIR_TRIES; try++) {
			barging = mutex_fair_run(test, t, c->barging,
						 threads[i], &least);
			fair = mutex_fair_run(test, t, c->fair, threads[i],
					      &least);
			if (barging <= bound)
				kunit_info(test, "%u threads: barging lock not starved past %d ms this run\n",
					   threads[i], FAIR_BOUND_MS);
			/* Every thread got the lock. */
			KUNIT_EXPECT_GT(test, least, 0ULL);
			if (fair <= bound || threads[i] > num_online_cpus())
				break;
		}
		if (threads[i] > num_online_cpus())
			continue;	/* waits include waiting for a CPU */
		/* Nobody waited past the bound. */
		KUNIT_EXPECT_LE_MSG(test, fair, bound,
				    "%u threads: fair max wait %llu us, barging %llu us, %u tries",
				    threads[i], fair / NSEC_PER_USEC,
				    barging / NSEC_PER_USEC, try);
	}
}

/*
 * The pause after a fair hand-off (both eventually fair locks take it from
 * lab_fair_next_ns()): LAB_PARK_FAIR_COST times what the hand-off cost,
 * never more than LAB_PARK_FAIR_PAUSE_MAX_NS, also for a clock that went
 * backwards between the hand-off and its measurement.
 */
static void mutex_fair_pause_is_capped_test(struct kunit *test)
{
	const u64 ms = NSEC_PER_MSEC, us = NSEC_PER_USEC;

	/* A 100 us hand-off: 900 us without one. */
	KUNIT_EXPECT_EQ(test, lab_fair_next_ns(10 * ms, 10 * ms - 100 * us),
			10 * ms + 900 * us);
	/* An 8 ms one would pause 72 ms: 5 ms. */
	KUNIT_EXPECT_EQ(test, lab_fair_next_ns(20 * ms, 12 * ms),
			20 * ms + LAB_PARK_FAIR_PAUSE_MAX_NS);
	KUNIT_EXPECT_EQ(test, lab_fair_next_ns(20 * ms, 20 * ms), 20 * ms);
	KUNIT_EXPECT_EQ(test, lab_fair_next_ns(20 * ms, 21 * ms),
			20 * ms + LAB_PARK_FAIR_PAUSE_MAX_NS);
}

static void mutex_guard_releases_on_scope_exit_test(struct kunit *test)
{
	struct lab_mutex m;
	struct lab_qlock q;
	struct lab_plock p;

	lab_mutex_init(&m, LAB_MUTEX_SPIN);
	scoped_guard(lab_mutex, &m)
		KUNIT_EXPECT_TRUE(test, lab_mutex_is_locked(&m));
	KUNIT_EXPECT_FALSE(test, lab_mutex_is_locked(&m));
	lab_qlock_init(&q);
	scoped_guard(lab_qlock, &q)
		KUNIT_EXPECT_TRUE(test, lab_qlock_is_locked(&q));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&q.state), 0);
	lab_plock_init(&p);
	scoped_guard(lab_plock, &p)
		KUNIT_EXPECT_TRUE(test, lab_plock_is_locked(&p));
	KUNIT_EXPECT_EQ(test, READ_ONCE(p.state), 0);
}

static struct kunit_case mutex_test_cases[] = {
	KUNIT_CASE_PARAM(mutex_mutual_exclusion_test, mutex_excl_gen_params),
	KUNIT_CASE(mutex_checker_catches_broken_mutex_test),
	KUNIT_CASE_PARAM(mutex_uncontended_never_wakes_test,
			 mutex_variant_gen_params),
	KUNIT_CASE_PARAM(mutex_trylock_and_timeout_while_held_test,
			 mutex_variant_gen_params),
	KUNIT_CASE_PARAM(mutex_lock_killable_signal_eintr_test,
			 mutex_variant_gen_params),
	KUNIT_CASE_PARAM(mutex_wakes_in_arrival_order_after_leave_test,
			 mutex_fifo_gen_params),
	KUNIT_CASE(plock_parked_bit_exact_test),
	KUNIT_CASE_PARAM(mutex_fair_max_wait_bounded_test,
			 mutex_fair_gen_params),
	KUNIT_CASE(mutex_fair_pause_is_capped_test),
	KUNIT_CASE(mutex_guard_releases_on_scope_exit_test),
	{}
};

static struct kunit_suite mutex_test_suite = {
	.name = "locklab_mutex",
	.test_cases = mutex_test_cases,
};

kunit_test_suites(&mutex_test_suite);
