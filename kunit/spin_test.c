// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab spin locks (lock/spin.c).
 *
 * Properties checked, over every variant, the kernel's spinlock_t and a
 * deliberately broken lock:
 *
 *  - mutual exclusion: 1, 2 and 4 kthreads run a checked critical section
 *    (bench/torture.c) a fixed number of times; no thread ever finds
 *    another inside, and the plain counter equals the number of sections;
 *  - the broken lock is caught by exactly those checks (on 2+ CPUs);
 *  - trylock fails while the lock is held and succeeds once it is free;
 *  - ticket, MCS and CLH hand the lock over in arrival order: the test
 *    drives the queue step by step through the same helpers lock() and
 *    unlock() use, in an arrival order it chooses;
 *  - MCS with a pending bit: the first waiter spins on the lock word
 *    without a queue node, the second queues (the word read at each step);
 *  - the ticket lock draws at arrival: a ticket is drawn while the lock is
 *    still held, and the waiter gets the lock at the release;
 *  - guards release on scope exit;
 *  - in softirq context (a timer) against process context with bottom
 *    halves disabled, counts stay exact and nothing deadlocks.
 *
 * Not tested here: fairness under real contention (a property of the
 * benchmark, not a pass/fail fact), hardirq-context use, and behaviour
 * with more waiters than CPUs beyond "it terminates".
 *
 * Every wait is bounded (lab_run_threads() timeouts); a stuck lock fails
 * the case instead of hanging the kernel.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/bottom_half.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/spinlock.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timer.h>

#include <locklab/ops.h>
#include <locklab/spinlock.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

#define SPIN_ITERS	20000
#define LAB_SOFTIRQ_TIMEOUT_MS	30000

struct spin_case {
	u32 variant;
	unsigned int threads;
};

static const struct spin_case spin_excl_cases[] = {
	{ LOCKLAB_SPIN_TAS, 1 }, { LOCKLAB_SPIN_TAS, 2 }, { LOCKLAB_SPIN_TAS, 4 },
	{ LOCKLAB_SPIN_TTAS, 1 }, { LOCKLAB_SPIN_TTAS, 2 }, { LOCKLAB_SPIN_TTAS, 4 },
	{ LOCKLAB_SPIN_TICKET, 1 }, { LOCKLAB_SPIN_TICKET, 2 },
	{ LOCKLAB_SPIN_TICKET, 4 },
	{ LOCKLAB_SPIN_MCS, 1 }, { LOCKLAB_SPIN_MCS, 2 }, { LOCKLAB_SPIN_MCS, 4 },
	{ LOCKLAB_SPIN_CLH, 1 }, { LOCKLAB_SPIN_CLH, 2 }, { LOCKLAB_SPIN_CLH, 4 },
	{ LOCKLAB_SPIN_MCS_PENDING, 1 }, { LOCKLAB_SPIN_MCS_PENDING, 2 },
	{ LOCKLAB_SPIN_MCS_PENDING, 4 },
	{ LOCKLAB_SPIN_KERNEL, 1 }, { LOCKLAB_SPIN_KERNEL, 2 },
	{ LOCKLAB_SPIN_KERNEL, 4 },
};

static void spin_case_desc(const struct spin_case *c, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_SPIN, c->variant);

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%u",
		 ops ? ops->name : "?", c->threads);
}

KUNIT_ARRAY_PARAM(spin_excl, spin_excl_cases, spin_case_desc);

static const struct lab_lock_ops *spin_ops(struct kunit *test, u32 variant)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_SPIN, variant);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	return ops;
}

static bool spin_is_broken(const struct lab_lock_ops *ops)
{
	return ops->props & LOCKLAB_PROP_BROKEN;
}

static void spin_torture(struct kunit *test, const struct lab_lock_ops *ops,
			 unsigned int threads, struct lab_torture_stats *st)
{
	struct lab_torture_cfg cfg = {
		.ops = ops,
		.threads = threads,
		.iterations = SPIN_ITERS,
		.bind = true,
		.timeout_ms = 120000,
	};
	int ret = lab_torture_run(&cfg, st);

	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "torture run failed or hung");
}

/* Exclusion holds: exact count, nobody ever inside with us. */
static void spin_mutual_exclusion_test(struct kunit *test)
{
	const struct spin_case *c = test->param_value;
	const struct lab_lock_ops *ops = spin_ops(test, c->variant);
	struct lab_torture_stats st = { };

	lab_test_needs_smp(test);
	spin_torture(test, ops, c->threads, &st);
	KUNIT_EXPECT_EQ(test, st.acquisitions, (u64)c->threads * SPIN_ITERS);
	KUNIT_EXPECT_EQ(test, st.thread_min, (u64)SPIN_ITERS);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
}

static void spin_checker_catches_broken_lock_test(struct kunit *test)
{
	struct lab_torture_cfg cfg = {
		.ops = spin_ops(test, LOCKLAB_SPIN_BROKEN),
	};

	lab_test_catches_broken(test, &cfg);
}

static const u32 spin_all_variants[] = {
	LOCKLAB_SPIN_TAS, LOCKLAB_SPIN_TTAS, LOCKLAB_SPIN_TICKET,
	LOCKLAB_SPIN_MCS, LOCKLAB_SPIN_CLH, LOCKLAB_SPIN_MCS_PENDING,
	LOCKLAB_SPIN_KERNEL,
	LOCKLAB_SPIN_BROKEN,
};

static void spin_variant_desc(const u32 *v, char *desc)
{
	const struct lab_lock_ops *ops =
		lab_lock_ops_find(LOCKLAB_KIND_SPIN, *v);

	strscpy(desc, ops ? ops->name : "?", KUNIT_PARAM_DESC_SIZE);
}

/*
 * Every variant, except spinlock_t on a uniprocessor kernel without
 * CONFIG_DEBUG_SPINLOCK: there it only disables preemption, so a trylock
 * while held succeeds by design. (Not a skip: KUnit 6.1 counts a skipped
 * parameter as passed.)
 */
static const void *spin_variant_gen_params(const void *prev, char *desc)
{
	const u32 *v = prev ? (const u32 *)prev + 1 : spin_all_variants;

	for (; v < spin_all_variants + ARRAY_SIZE(spin_all_variants); v++) {
		if (*v == LOCKLAB_SPIN_KERNEL && !IS_ENABLED(CONFIG_SMP) &&
		    !IS_ENABLED(CONFIG_DEBUG_SPINLOCK))
			continue;
		spin_variant_desc(v, desc);
		return v;
	}
	return NULL;
}

static void *spin_new_lock(struct kunit *test, const struct lab_lock_ops *ops)
{
	void *lock = kunit_kzalloc(test, ops->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, lock);
	KUNIT_ASSERT_EQ(test, ops->init(lock), 0);
	return lock;
}

/*
 * trylock while held fails, after unlock succeeds. For the broken lock the
 * property must be violated: that is how this check shows it can fail.
 */
static void spin_trylock_excludes_test(struct kunit *test)
{
	const struct lab_lock_ops *ops = spin_ops(test, *(u32 *)test->param_value);
	union lab_lock_ctx holder, other;
	void *lock = spin_new_lock(test, ops);
	bool second;

	KUNIT_EXPECT_FALSE(test, ops->is_locked(lock));
	KUNIT_ASSERT_TRUE(test, ops->trylock(lock, &holder));
	KUNIT_EXPECT_TRUE(test, ops->is_locked(lock));
	second = ops->trylock(lock, &other);
	if (spin_is_broken(ops)) {
		KUNIT_EXPECT_TRUE_MSG(test, second,
				      "broken lock excluded: the check cannot fail");
		if (second)
			ops->unlock(lock, &other);
	} else {
		KUNIT_EXPECT_FALSE(test, second);
		if (second)
			ops->unlock(lock, &other);
	}
	ops->unlock(lock, &holder);
	KUNIT_EXPECT_FALSE(test, ops->is_locked(lock));

	/* Free again: lock() and trylock() both take it at once. */
	ops->lock(lock, &holder);
	KUNIT_EXPECT_TRUE(test, ops->is_locked(lock));
	ops->unlock(lock, &holder);
	KUNIT_EXPECT_TRUE(test, ops->trylock(lock, &other));
	ops->unlock(lock, &other);
	KUNIT_EXPECT_FALSE(test, ops->is_locked(lock));
	ops->destroy(lock);
}

/*
 * FIFO hand-over, driven step by step. Each driver exposes the queue
 * algorithm's own steps (the helpers lock() and unlock() are made of):
 * arrive (join the queue), granted (would the spin loop exit now),
 * release (what unlock does).
 */
#define FIFO_N	8

struct fifo_state {
	struct lab_ticket_spinlock ticket;
	struct lab_mcs_spinlock mcs;
	struct lab_clh_spinlock clh;
	u32 tickets[FIFO_N];
	struct lab_mcs_node mnode[FIFO_N];
	bool mcs_at_once[FIFO_N];
	struct lab_clh_node *cnode[FIFO_N];
	struct lab_clh_node *cspare;
	unsigned long cpred[FIFO_N];
};

struct fifo_driver {
	const char *name;
	void (*setup)(struct kunit *test, struct fifo_state *s);
	void (*arrive)(struct fifo_state *s, int i);
	bool (*granted)(struct fifo_state *s, int i);
	void (*release)(struct fifo_state *s, int i);
	bool (*is_locked)(struct fifo_state *s);
};

static void ticket_setup(struct kunit *test, struct fifo_state *s)
{
	lab_ticket_init(&s->ticket);
	/* Start near the wrap so the 2^32 wrap is exercised too. */
	atomic_set(&s->ticket.next, -3);
	atomic_set(&s->ticket.owner, -3);
}

static void ticket_arrive(struct fifo_state *s, int i)
{
	s->tickets[i] = __lab_ticket_take(&s->ticket);
}

static bool ticket_granted(struct fifo_state *s, int i)
{
	return __lab_ticket_served(&s->ticket, s->tickets[i]);
}

static void ticket_release(struct fifo_state *s, int i)
{
	__lab_ticket_release(&s->ticket);
}

static bool ticket_locked(struct fifo_state *s)
{
	return lab_ticket_is_locked(&s->ticket);
}

static void mcs_setup(struct kunit *test, struct fifo_state *s)
{
	lab_mcs_init(&s->mcs);
}

static void mcs_arrive(struct fifo_state *s, int i)
{
	s->mcs_at_once[i] = __lab_mcs_enqueue(&s->mcs, &s->mnode[i]);
}

static bool mcs_granted(struct fifo_state *s, int i)
{
	return s->mcs_at_once[i] || __lab_mcs_granted(&s->mnode[i]);
}

static void mcs_release(struct fifo_state *s, int i)
{
	struct lab_mcs_node *node = &s->mnode[i];

	/*
	 * Single-threaded, every successor links itself at once: a node with
	 * no successor link must be the tail. Otherwise the release would wait
	 * for a link that never comes; leave the lock held and let the
	 * granted() checks fail instead.
	 */
	if (!READ_ONCE(node->next) &&
	    atomic_long_read(&s->mcs.tail) != (long)node)
		return;
	__lab_mcs_release(&s->mcs, node);
}

static bool mcs_locked(struct fifo_state *s)
{
	return lab_mcs_is_locked(&s->mcs);
}

static void clh_setup(struct kunit *test, struct fifo_state *s)
{
	int i;

	s->cspare = kunit_kzalloc(test, sizeof(*s->cspare), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->cspare);
	for (i = 0; i < FIFO_N; i++) {
		s->cnode[i] = kunit_kzalloc(test, sizeof(*s->cnode[i]),
					    GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s->cnode[i]);
	}
	__lab_clh_init_node(&s->clh, s->cspare);
}

static void clh_arrive(struct fifo_state *s, int i)
{
	s->cpred[i] = __lab_clh_enqueue(&s->clh, s->cnode[i]);
}

static bool clh_granted(struct fifo_state *s, int i)
{
	return __lab_clh_granted(s->cpred[i]);
}

static void clh_release(struct fifo_state *s, int i)
{
	__lab_clh_release(&s->clh, s->cnode[i]);
}

static bool clh_locked(struct fifo_state *s)
{
	return lab_clh_is_locked(&s->clh);
}

static const struct fifo_driver fifo_drivers[] = {
	{ "ticket", ticket_setup, ticket_arrive, ticket_granted, ticket_release,
	  ticket_locked },
	{ "mcs", mcs_setup, mcs_arrive, mcs_granted, mcs_release, mcs_locked },
	{ "clh", clh_setup, clh_arrive, clh_granted, clh_release, clh_locked },
};

static void fifo_driver_desc(const struct fifo_driver *d, char *desc)
{
	strscpy(desc, d->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fifo, fifo_drivers, fifo_driver_desc);

/*
 * Waiters arrive in a shuffled order while the first holds the lock; each
 * release must grant exactly the next arrival and nobody else.
 */
static void spin_fifo_handoff_in_arrival_order_test(struct kunit *test)
{
	const struct fifo_driver *d = test->param_value;
	struct fifo_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	int order[FIFO_N];
	int i, k;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < FIFO_N; i++)
		order[i] = i;
	for (i = FIFO_N - 1; i > 0; i--) {
		k = get_random_u32_below(i + 1);	/* swap() reads it twice */
		swap(order[i], order[k]);
	}

	d->setup(test, s);
	KUNIT_EXPECT_FALSE(test, d->is_locked(s));
	for (k = 0; k < FIFO_N; k++)
		d->arrive(s, order[k]);
	KUNIT_EXPECT_TRUE(test, d->is_locked(s));

	for (k = 0; k < FIFO_N; k++) {
		KUNIT_EXPECT_TRUE_MSG(test, d->granted(s, order[k]),
				      "arrival %d (waiter %d) not granted", k,
				      order[k]);
		for (i = k + 1; i < FIFO_N; i++)
			KUNIT_EXPECT_FALSE_MSG(test, d->granted(s, order[i]),
					       "arrival %d granted while %d holds",
					       i, k);
		d->release(s, order[k]);
	}
	KUNIT_EXPECT_FALSE(test, d->is_locked(s));
}

/* The guards take the lock for the scope and release it on exit. */
static void spin_guard_releases_on_scope_exit_test(struct kunit *test)
{
	struct lab_tas_spinlock tas = __LAB_TAS_SPINLOCK_INIT;
	struct lab_ticket_spinlock ticket = __LAB_TICKET_SPINLOCK_INIT;
	struct lab_mcs_spinlock mcs = __LAB_MCS_SPINLOCK_INIT;
	struct lab_clh_spinlock clh;
	struct lab_mcs_node node;

	KUNIT_ASSERT_EQ(test, lab_clh_init(&clh, GFP_KERNEL), 0);
	scoped_guard(lab_tas, &tas)
		KUNIT_EXPECT_TRUE(test, lab_tas_is_locked(&tas));
	KUNIT_EXPECT_FALSE(test, lab_tas_is_locked(&tas));
	scoped_guard(lab_ttas, &tas)
		KUNIT_EXPECT_TRUE(test, lab_tas_is_locked(&tas));
	KUNIT_EXPECT_FALSE(test, lab_tas_is_locked(&tas));
	scoped_guard(lab_ticket, &ticket)
		KUNIT_EXPECT_TRUE(test, lab_ticket_is_locked(&ticket));
	KUNIT_EXPECT_FALSE(test, lab_ticket_is_locked(&ticket));
	scoped_guard(lab_mcs, &mcs, &node)
		KUNIT_EXPECT_TRUE(test, lab_mcs_is_locked(&mcs));
	KUNIT_EXPECT_FALSE(test, lab_mcs_is_locked(&mcs));
	scoped_guard(lab_clh, &clh)
		KUNIT_EXPECT_TRUE(test, lab_clh_is_locked(&clh));
	KUNIT_EXPECT_FALSE(test, lab_clh_is_locked(&clh));
	lab_clh_destroy(&clh);
}

/*
 * CLH trylock only ever replaces a FREE-tagged tail, and the lock keeps
 * exactly one node through any sequence: after lock/trylock/unlock cycles
 * the tail is FREE again and destroy frees one node (kmemleak and KASAN
 * check the rest).
 */
static void spin_clh_trylock_exact_test(struct kunit *test)
{
	struct lab_clh_spinlock clh;
	int i;

	KUNIT_ASSERT_EQ(test, lab_clh_init(&clh, GFP_KERNEL), 0);
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_TRUE(test, lab_clh_trylock(&clh));
		KUNIT_EXPECT_FALSE(test, lab_clh_trylock(&clh));
		lab_clh_unlock(&clh);
		lab_clh_lock(&clh);
		KUNIT_EXPECT_FALSE(test, lab_clh_trylock(&clh));
		lab_clh_unlock(&clh);
	}
	KUNIT_EXPECT_TRUE(test, atomic_long_read(&clh.tail) & LAB_CLH_FREE);
	lab_clh_destroy(&clh);
}

/*
 * MCS with a pending bit, one transition at a time. The test plays the
 * holder (and, in the second phase, a pending waiter) by writing the lock
 * word itself; one kthread on the other CPU is the contender.
 *
 *  - first waiter: with the lock held and nobody waiting, the contender
 *    sets pending and spins on the word: no queue node (tail stays 0);
 *  - second waiter: with pending taken too, the contender queues: tail
 *    names its CPU and depth 0, locked and pending are left alone;
 *  - either way it takes the lock once the bytes it waits on clear, and
 *    leaves the word (0, 0, 0) after its unlock.
 */
struct spin_pend_state {
	struct lab_pend_spinlock lock;
	struct completion done;
	unsigned int cpu;
	int sections;
};

static int spin_pend_contender(void *arg)
{
	struct spin_pend_state *s = arg;

	s->cpu = raw_smp_processor_id();
	lab_pend_lock(&s->lock);
	s->sections++;
	lab_pend_unlock(&s->lock);
	complete(&s->done);
	return 0;
}

/*
 * Poll @word until it reads @want, for up to 10 s (a KASAN kernel under
 * TCG can take a second to get a new kthread running). The states waited
 * for are stable, the contender spins in them until we move, so sleeping
 * between reads misses nothing and leaves this CPU to whoever needs it.
 */
static bool spin_await_word(const atomic_t *word, u32 want)
{
	unsigned long deadline = jiffies + 10 * HZ;

	while ((u32)atomic_read(word) != want) {
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(100, 200);
	}
	return true;
}

/*
 * Start @fn(@arg) in a kthread bound to a CPU other than ours (*@cpu), and
 * stay off that CPU: the contender spins there with preemption disabled
 * until we move, and we may sleep meanwhile. The caller calls
 * migrate_enable() once it has let the contender through; on an error
 * return that is already done.
 */
static struct task_struct *spin_contender_start(int (*fn)(void *), void *arg,
						unsigned int *cpu)
{
	struct task_struct *t;

	migrate_disable();
	*cpu = cpumask_any_but(cpu_online_mask, smp_processor_id());
	t = kthread_create(fn, arg, "locklab-spin");
	if (IS_ERR(t)) {
		migrate_enable();
		return t;
	}
	kthread_bind(t, *cpu);
	wake_up_process(t);
	return t;
}

static void spin_pend_run(struct kunit *test, bool queue)
{
	u32 held = LAB_PEND_LOCKED | (queue ? LAB_PEND_PENDING : 0);
	struct spin_pend_state *s;
	struct task_struct *t;
	unsigned int cpu;
	u32 tail;

	lab_test_needs_smp(test);
	/* Leaked, not freed, if the contender never finishes. */
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(&s->done);
	atomic_set(&s->lock.val, held);

	t = spin_contender_start(spin_pend_contender, s, &cpu);
	if (IS_ERR(t))
		kfree(s);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	tail = lab_pend_encode(cpu, 0);
	if (!queue) {
		bool pending = spin_await_word(&s->lock.val,
					       held | LAB_PEND_PENDING);

		KUNIT_EXPECT_TRUE_MSG(test, pending,
				      "word %#x: the first waiter did not set pending",
				      atomic_read(&s->lock.val));
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&s->done),
				       "the contender took a held lock");
		__lab_pend_release(&s->lock);
	} else {
		KUNIT_EXPECT_TRUE_MSG(test, spin_await_word(&s->lock.val, held | tail),
				      "word %#x, want %#x: the second waiter did not queue",
				      atomic_read(&s->lock.val), held | tail);
		KUNIT_EXPECT_FALSE_MSG(test, completion_done(&s->done),
				       "the contender overtook a pending waiter");
		/* The holder and the pending waiter leave at once. */
		WRITE_ONCE(s->lock.locked_pending, 0);
	}
	migrate_enable();
	if (!wait_for_completion_timeout(&s->done, 10 * HZ)) {
		KUNIT_FAIL(test, "the contender never got the lock (word %#x)",
			   atomic_read(&s->lock.val));
		return;
	}
	KUNIT_EXPECT_EQ(test, s->cpu, cpu);
	KUNIT_EXPECT_EQ(test, s->sections, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->lock.val), 0);
	kfree(s);
}

static void spin_pending_first_waiter_takes_no_node_test(struct kunit *test)
{
	spin_pend_run(test, false);
}

static void spin_pending_second_waiter_queues_test(struct kunit *test)
{
	spin_pend_run(test, true);
}

/*
 * The ticket lock serves in the order of arrival: an arrival draws its
 * ticket at once, also while the lock is held (the hand-over pause of
 * spin_ticket.h is in the unlock, after the release, never before a draw),
 * and takes the lock at the release, which returns although it pauses.
 * The test holds the lock by writing the counters (ticket 0 drawn and
 * served); a kthread on the other CPU arrives.
 */
struct spin_ticket_state {
	struct lab_ticket_spinlock lock;
	struct completion done;
	int sections;
};

static int spin_ticket_contender(void *arg)
{
	struct spin_ticket_state *s = arg;

	lab_ticket_lock(&s->lock);
	s->sections++;
	lab_ticket_unlock(&s->lock);
	complete(&s->done);
	return 0;
}

static void spin_ticket_arrival_draws_while_held_test(struct kunit *test)
{
	struct spin_ticket_state *s;
	struct task_struct *t;
	unsigned int cpu;

	lab_test_needs_smp(test);
	/* Leaked, not freed, if the contender never finishes. */
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(&s->done);
	atomic_set(&s->lock.next, 1);
	atomic_set(&s->lock.owner, 0);

	t = spin_contender_start(spin_ticket_contender, s, &cpu);
	if (IS_ERR(t))
		kfree(s);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_EXPECT_TRUE_MSG(test, spin_await_word(&s->lock.next, 2),
			      "next %d: the arrival did not draw while the lock was held",
			      atomic_read(&s->lock.next));
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&s->done),
			       "the contender took a held lock");
	__lab_ticket_release(&s->lock);
	migrate_enable();
	if (!wait_for_completion_timeout(&s->done, 10 * HZ)) {
		KUNIT_FAIL(test, "the contender never got the lock (next %d, owner %d)",
			   atomic_read(&s->lock.next), atomic_read(&s->lock.owner));
		return;
	}
	KUNIT_EXPECT_EQ(test, s->sections, 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->lock.next), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->lock.owner), 2);
	kfree(s);
}

/*
 * Softirq context, as the header documents: a timer callback (softirq)
 * takes the lock while process context takes it with bottom halves
 * disabled. Every increment from both sides is counted exactly, and
 * nothing deadlocks (the process side is bounded by a deadline).
 */
#define SOFTIRQ_ROUNDS	200

static struct lock_class_key spin_softirq_key;

struct spin_softirq {
	const struct lab_lock_ops *ops;
	void *lock;
	struct timer_list timer;
	unsigned long counter;		/* under the lock */
	atomic_t fired;
	bool stop;
};

static void spin_softirq_timer(struct timer_list *t)
{
	struct spin_softirq *s = from_timer(s, t, timer);
	union lab_lock_ctx ctx;

	s->ops->lock(s->lock, &ctx);
	s->counter++;
	s->ops->unlock(s->lock, &ctx);
	if (atomic_inc_return(&s->fired) < SOFTIRQ_ROUNDS && !READ_ONCE(s->stop))
		mod_timer(&s->timer, jiffies + 1);
}

static void spin_softirq_context_test(struct kunit *test)
{
	const struct lab_lock_ops *ops = spin_ops(test, *(u32 *)test->param_value);
	struct spin_softirq *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned long end = jiffies + msecs_to_jiffies(LAB_SOFTIRQ_TIMEOUT_MS);
	union lab_lock_ctx ctx;
	unsigned long mine = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->ops = ops;
	s->lock = spin_new_lock(test, ops);
	/*
	 * spinlock_t: other cases take locks of the ops table's one lockdep
	 * class with softirqs on; this one is used in softirq context, so
	 * it gets a class of its own (a different lock, not an inversion).
	 */
	if (ops->props & LOCKLAB_PROP_KERNEL)
		lockdep_set_class((spinlock_t *)s->lock, &spin_softirq_key);
	timer_setup(&s->timer, spin_softirq_timer, 0);
	mod_timer(&s->timer, jiffies + 1);
	while (atomic_read(&s->fired) < SOFTIRQ_ROUNDS &&
	       time_before(jiffies, end)) {
		local_bh_disable();
		ops->lock(s->lock, &ctx);
		s->counter++;
		ops->unlock(s->lock, &ctx);
		local_bh_enable();
		mine++;
		cond_resched();
	}
	WRITE_ONCE(s->stop, true);
	del_timer_sync(&s->timer);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->fired), SOFTIRQ_ROUNDS);
	KUNIT_EXPECT_EQ(test, s->counter, mine + atomic_read(&s->fired));
	KUNIT_EXPECT_FALSE(test, ops->is_locked(s->lock));
	ops->destroy(s->lock);
}

static const u32 spin_good_variants[] = {
	LOCKLAB_SPIN_TAS, LOCKLAB_SPIN_TTAS, LOCKLAB_SPIN_TICKET,
	LOCKLAB_SPIN_MCS, LOCKLAB_SPIN_CLH, LOCKLAB_SPIN_MCS_PENDING,
	LOCKLAB_SPIN_KERNEL,
};

KUNIT_ARRAY_PARAM(spin_good, spin_good_variants, spin_variant_desc);

static struct kunit_case spin_test_cases[] = {
	KUNIT_CASE_PARAM(spin_mutual_exclusion_test, spin_excl_gen_params),
	KUNIT_CASE(spin_checker_catches_broken_lock_test),
	KUNIT_CASE_PARAM(spin_trylock_excludes_test, spin_variant_gen_params),
	KUNIT_CASE_PARAM(spin_fifo_handoff_in_arrival_order_test,
			 fifo_gen_params),
	KUNIT_CASE(spin_guard_releases_on_scope_exit_test),
	KUNIT_CASE(spin_clh_trylock_exact_test),
	KUNIT_CASE(spin_pending_first_waiter_takes_no_node_test),
	KUNIT_CASE(spin_pending_second_waiter_queues_test),
	KUNIT_CASE(spin_ticket_arrival_draws_while_held_test),
	KUNIT_CASE_PARAM(spin_softirq_context_test, spin_good_gen_params),
	{}
};

static struct kunit_suite spin_test_suite = {
	.name = "locklab_spin",
	.test_cases = spin_test_cases,
};

kunit_test_suites(&spin_test_suite);
