// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the locklab reader-writer locks (lock/rwlock.c), next to
 * the kernel's rw_semaphore and a broken lock, through the same ops tables.
 *
 *  - readers really overlap: while one task holds a shared lock another
 *    takes one too (deterministic: the first holder waits for the second);
 *  - writers exclude: while a reader holds, a write trylock fails and a
 *    timed write lock times out; while a writer holds, both trylocks fail;
 *  - torture: 2 and 4 kthreads mixing reads and writes never see a writer
 *    with anyone else inside, nor the data change under a reader; the
 *    broken lock is caught by the same checks;
 *  - v3: under a continuous stream of overlapping readers a writer gets in
 *    within a bounded time (no writer starvation);
 *  - downgrade keeps writers out and lets readers in;
 *  - v3 upgradable: a second upgrader waits, readers do not; upgrade waits
 *    for the readers to leave, times out while one stays, and then succeeds.
 *
 * Not tested here: v1/v2 writer starvation (it may or may not happen: it
 * is what v3 fixes, not a property they guarantee), fairness among writers.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include <locklab/ops.h>
#include <locklab/rwlock.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

static const u32 rw_variants[] = {
	LOCKLAB_RWLOCK_V1, LOCKLAB_RWLOCK_V2, LOCKLAB_RWLOCK_V3,
	LOCKLAB_RWLOCK_KERNEL,
};

static const struct lab_rwlock_ops *rw_ops(struct kunit *test, u32 variant)
{
	const struct lab_rwlock_ops *ops =
		lab_rwlock_ops_find(LOCKLAB_KIND_RWLOCK, variant);

	KUNIT_ASSERT_NOT_NULL(test, ops);
	return ops;
}

static void rw_variant_desc(const u32 *v, char *desc)
{
	const struct lab_rwlock_ops *ops =
		lab_rwlock_ops_find(LOCKLAB_KIND_RWLOCK, *v);

	strscpy(desc, ops ? ops->name : "?", KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rw_variant, rw_variants, rw_variant_desc);

struct rw_pair {
	const struct lab_rwlock_ops *ops;
	void *lock;
	bool held, done;
	bool second_read_ok, write_try_failed;
	int write_timed;
};

static int rw_overlap_thread(void *arg, unsigned int id)
{
	struct rw_pair *p = arg;
	const struct lab_rwlock_ops *ops = p->ops;

	if (id == 0) {
		if (ops->rd_lock(p->lock, 0, LAB_WAIT_FOREVER))
			return -EINVAL;
		WRITE_ONCE(p->held, true);
		/* Hold until the other thread has probed. */
		lab_test_wait_for(READ_ONCE(p->done), LAB_TEST_TIMEOUT_MS);
		ops->rd_unlock(p->lock);
		return 0;
	}
	if (!lab_test_wait_for(READ_ONCE(p->held), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	p->second_read_ok = ops->rd_trylock(p->lock);
	if (p->second_read_ok)
		ops->rd_unlock(p->lock);
	p->write_try_failed = !ops->wr_trylock(p->lock);
	if (!p->write_try_failed)
		ops->wr_unlock(p->lock);
	p->write_timed = ops->wr_lock(p->lock, 0, lab_deadline(50 * NSEC_PER_MSEC));
	if (!p->write_timed)
		ops->wr_unlock(p->lock);
	WRITE_ONCE(p->done, true);
	return 0;
}

static void *rw_new(struct kunit *test, const struct lab_rwlock_ops *ops)
{
	void *lock = kunit_kzalloc(test, ops->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, lock);
	KUNIT_ASSERT_EQ(test, ops->init(lock), 0);
	return lock;
}

static void rwlock_readers_overlap_writers_excluded_test(struct kunit *test)
{
	const struct lab_rwlock_ops *ops = rw_ops(test, *(u32 *)test->param_value);
	struct lab_run_opts opts = { .timeout_ms = 60000 };
	struct rw_pair *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, p);
	p->ops = ops;
	p->lock = rw_new(test, ops);
	ret = lab_run_threads(2, rw_overlap_thread, p, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE_MSG(test, p->second_read_ok,
			      "a second reader could not join the first");
	KUNIT_EXPECT_TRUE(test, p->write_try_failed);
	/* The kernel's rw_semaphore too: its timed wait polls the trylock. */
	KUNIT_EXPECT_EQ(test, p->write_timed, -ETIMEDOUT);

	/* Write-held: nobody else gets in. */
	KUNIT_ASSERT_TRUE(test, ops->wr_trylock(p->lock));
	KUNIT_EXPECT_FALSE(test, ops->rd_trylock(p->lock));
	KUNIT_EXPECT_FALSE(test, ops->wr_trylock(p->lock));
	ops->wr_unlock(p->lock);
	KUNIT_EXPECT_TRUE(test, ops->wr_trylock(p->lock));
	ops->wr_unlock(p->lock);
	ops->destroy(p->lock);
	kfree(p);
}

struct rw_case {
	u32 variant;
	unsigned int threads;
};

static const struct rw_case rw_torture_cases[] = {
	{ LOCKLAB_RWLOCK_V1, 2 }, { LOCKLAB_RWLOCK_V1, 4 },
	{ LOCKLAB_RWLOCK_V2, 2 }, { LOCKLAB_RWLOCK_V2, 4 },
	{ LOCKLAB_RWLOCK_V3, 2 }, { LOCKLAB_RWLOCK_V3, 4 },
	{ LOCKLAB_RWLOCK_KERNEL, 2 }, { LOCKLAB_RWLOCK_KERNEL, 4 },
};

static void rw_case_desc(const struct rw_case *c, char *desc)
{
	const struct lab_rwlock_ops *ops =
		lab_rwlock_ops_find(LOCKLAB_KIND_RWLOCK, c->variant);

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%u", ops ? ops->name : "?",
		 c->threads);
}

KUNIT_ARRAY_PARAM(rw_torture, rw_torture_cases, rw_case_desc);

static void rwlock_torture_exclusion_test(struct kunit *test)
{
	const struct rw_case *c = test->param_value;
	struct lab_torture_cfg cfg = {
		.rw = rw_ops(test, c->variant),
		.threads = c->threads,
		.iterations = 4000,
		.read_pct = 75,
		.hold_ns = 200,
		.bind = true,
		.timeout_ms = 240000,
	};
	struct lab_torture_stats st = { };

	lab_test_needs_smp(test);
	KUNIT_ASSERT_EQ(test, lab_torture_run(&cfg, &st), 0);
	KUNIT_EXPECT_EQ(test, st.acquisitions, 4000ULL * c->threads);
	KUNIT_EXPECT_EQ(test, st.violations, 0);
	KUNIT_EXPECT_EQ(test, st.lost_updates, 0);
	KUNIT_EXPECT_GT(test, st.reads, 0);
	kunit_info(test, "%llu reads, at most %llu readers at once\n", st.reads,
		   st.max_readers);
}

static void rwlock_checker_catches_broken_lock_test(struct kunit *test)
{
	struct lab_torture_cfg cfg = {
		.rw = rw_ops(test, LOCKLAB_RWLOCK_BROKEN),
		.read_pct = 50,
	};

	lab_test_catches_broken(test, &cfg);
}

/* v3: readers keep the lock read-held without a gap; a writer gets in. */
struct starve {
	struct lab_rwlock l;
	bool stop;
	atomic_t readers_in;
	int writer_ret;
	s64 writer_ms;
};

static int starve_thread(void *arg, unsigned int id)
{
	struct starve *s = arg;
	ktime_t t0;

	if (id < 2) {
		/* Two readers whose holds overlap: the count never hits 0. */
		if (id == 1)
			lab_test_sleep_ms(2);
		while (!READ_ONCE(s->stop)) {
			if (lab_rwlock_read_lock_timeout(&s->l, LAB_TEST_TIMEOUT_MS *
							 NSEC_PER_MSEC))
				return -ETIMEDOUT;
			atomic_inc(&s->readers_in);
			lab_test_sleep_ms(4);
			lab_rwlock_read_unlock(&s->l);
		}
		return 0;
	}
	if (!lab_test_wait_for(atomic_read(&s->readers_in) >= 4,
			       LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	t0 = ktime_get();
	s->writer_ret = lab_rwlock_write_lock_timeout(&s->l, 5 * NSEC_PER_SEC);
	s->writer_ms = ktime_ms_delta(ktime_get(), t0);
	if (!s->writer_ret)
		lab_rwlock_write_unlock(&s->l);
	WRITE_ONCE(s->stop, true);
	return 0;
}

static void rwlock_v3_writer_not_starved_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 60000 };
	struct starve *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lab_rwlock_init(&s->l, LAB_RWLOCK_V3);
	ret = lab_run_threads(3, starve_thread, s, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, s->writer_ret, 0,
			    "writer starved for 5 s behind a reader stream");
	kunit_info(test, "writer waited %lld ms\n", s->writer_ms);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->l.state), 0);
	kfree(s);
}

static void rwlock_downgrade_admits_readers_not_writers_test(struct kunit *test)
{
	const struct lab_rwlock_ops *ops = rw_ops(test, *(u32 *)test->param_value);
	void *lock = rw_new(test, ops);

	KUNIT_ASSERT_EQ(test, ops->wr_lock(lock, 0, LAB_WAIT_FOREVER), 0);
	KUNIT_EXPECT_FALSE(test, ops->rd_trylock(lock));
	ops->downgrade(lock);
	KUNIT_EXPECT_FALSE(test, ops->wr_trylock(lock));
	KUNIT_ASSERT_TRUE(test, ops->rd_trylock(lock));
	ops->rd_unlock(lock);
	ops->rd_unlock(lock);	/* the downgraded hold */
	KUNIT_EXPECT_TRUE(test, ops->wr_trylock(lock));
	ops->wr_unlock(lock);
	ops->destroy(lock);
}

struct upg {
	struct lab_rwlock l;
	bool held, reader_in, reader_out;
	int second_upgrader, reader_ret, upgrade_early, upgrade_late;
	bool read_blocked_after_upgrade;
};

static int upg_thread(void *arg, unsigned int id)
{
	struct upg *u = arg;
	const s64 tmo = LAB_TEST_TIMEOUT_MS * NSEC_PER_MSEC;

	if (id == 0) {		/* the upgrader */
		if (lab_rwlock_upgradable_lock_wait(&u->l, 0, lab_deadline(tmo)))
			return -EINVAL;
		WRITE_ONCE(u->held, true);
		if (!lab_test_wait_for(READ_ONCE(u->reader_in), LAB_TEST_TIMEOUT_MS))
			return -ETIMEDOUT;
		/* A reader is still in: upgrade must time out. */
		u->upgrade_early = lab_rwlock_upgrade_wait(&u->l, 0,
							   lab_deadline(50 * NSEC_PER_MSEC));
		WRITE_ONCE(u->reader_out, true);
		u->upgrade_late = lab_rwlock_upgrade_wait(&u->l, 0, lab_deadline(tmo));
		if (u->upgrade_late)
			return -EINVAL;
		u->read_blocked_after_upgrade = !lab_rwlock_read_trylock(&u->l);
		lab_rwlock_write_unlock(&u->l);
		return 0;
	}
	/* id 1: a reader, and a second would-be upgrader. */
	if (!lab_test_wait_for(READ_ONCE(u->held), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	u->second_upgrader = lab_rwlock_upgradable_lock_wait(&u->l, 0,
							     lab_deadline(50 * NSEC_PER_MSEC));
	u->reader_ret = lab_rwlock_read_lock_wait(&u->l, 0, lab_deadline(tmo));
	if (u->reader_ret)
		return -EINVAL;
	WRITE_ONCE(u->reader_in, true);
	if (!lab_test_wait_for(READ_ONCE(u->reader_out), LAB_TEST_TIMEOUT_MS))
		return -ETIMEDOUT;
	lab_test_sleep_ms(10);	/* let the upgrader sleep waiting for us */
	lab_rwlock_read_unlock(&u->l);
	return 0;
}

static void rwlock_v3_upgradable_excludes_upgraders_test(struct kunit *test)
{
	struct lab_run_opts opts = { .timeout_ms = 60000 };
	struct upg *u = kzalloc(sizeof(*u), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, u);
	lab_rwlock_init(&u->l, LAB_RWLOCK_V3);
	ret = lab_run_threads(2, upg_thread, u, &opts);
	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, u->second_upgrader, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, u->reader_ret, 0);
	KUNIT_EXPECT_EQ(test, u->upgrade_early, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, u->upgrade_late, 0);
	KUNIT_EXPECT_TRUE(test, u->read_blocked_after_upgrade);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->l.state), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->l.upgrader), LAB_RW_UPGRADE_FREE);
	/* The token is free again: another task can take it. */
	ret = lab_rwlock_upgradable_lock_wait(&u->l, 0, LAB_WAIT_FOREVER);
	KUNIT_EXPECT_EQ(test, ret, 0);
	lab_rwlock_upgradable_unlock(&u->l);
	KUNIT_EXPECT_EQ(test, atomic_read(&u->l.state), 0);
	kfree(u);
}

/*
 * The never-waiting forms of the upgradable hold: taken on a free lock,
 * refused (and nothing changed) while another holds the token or a writer
 * holds, and try_upgrade refused while another reader is in, granted once
 * it leaves.
 */
static void rwlock_v3_upgradable_trylock_never_waits_test(struct kunit *test)
{
	struct lab_rwlock l;

	lab_rwlock_init(&l, LAB_RWLOCK_V3);
	KUNIT_ASSERT_TRUE(test, lab_rwlock_upgradable_trylock(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 2);
	KUNIT_EXPECT_FALSE(test, lab_rwlock_upgradable_trylock(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 2);
	KUNIT_ASSERT_TRUE(test, lab_rwlock_read_trylock(&l));
	KUNIT_EXPECT_FALSE(test, lab_rwlock_try_upgrade(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 4);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.upgrader), LAB_RW_UPGRADE_HELD);
	lab_rwlock_read_unlock(&l);
	KUNIT_ASSERT_TRUE(test, lab_rwlock_try_upgrade(&l));
	KUNIT_EXPECT_TRUE(test, lab_rwlock_is_write_locked(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.upgrader), LAB_RW_UPGRADE_FREE);
	/* Write-locked: neither the token's share nor a reader gets in. */
	KUNIT_EXPECT_FALSE(test, lab_rwlock_upgradable_trylock(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.upgrader), LAB_RW_UPGRADE_FREE);
	lab_rwlock_write_unlock(&l);
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 0);
	/* V1 and V2 have no upgradable hold. */
	lab_rwlock_init(&l, LAB_RWLOCK_V2);
	KUNIT_EXPECT_FALSE(test, lab_rwlock_upgradable_trylock(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 0);
}

static void rwlock_guards_release_on_scope_exit_test(struct kunit *test)
{
	struct lab_rwlock l;

	lab_rwlock_init(&l, LAB_RWLOCK_V2);
	scoped_guard(lab_rwlock_read, &l)
		KUNIT_EXPECT_EQ(test, lab_rwlock_readers(&l), 1U);
	scoped_guard(lab_rwlock_write, &l)
		KUNIT_EXPECT_TRUE(test, lab_rwlock_is_write_locked(&l));
	KUNIT_EXPECT_EQ(test, atomic_read(&l.state), 0);
}

static struct kunit_case rwlock_test_cases[] = {
	KUNIT_CASE_PARAM(rwlock_readers_overlap_writers_excluded_test,
			 rw_variant_gen_params),
	KUNIT_CASE_PARAM(rwlock_torture_exclusion_test, rw_torture_gen_params),
	KUNIT_CASE(rwlock_checker_catches_broken_lock_test),
	KUNIT_CASE(rwlock_v3_writer_not_starved_test),
	KUNIT_CASE_PARAM(rwlock_downgrade_admits_readers_not_writers_test,
			 rw_variant_gen_params),
	KUNIT_CASE(rwlock_v3_upgradable_excludes_upgraders_test),
	KUNIT_CASE(rwlock_v3_upgradable_trylock_never_waits_test),
	KUNIT_CASE(rwlock_guards_release_on_scope_exit_test),
	{}
};

static struct kunit_suite rwlock_test_suite = {
	.name = "locklab_rwlock",
	.test_cases = rwlock_test_cases,
};

kunit_test_suites(&rwlock_test_suite);
