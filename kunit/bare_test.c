// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite locklab_bare: the uncontended cost of every primitive, one
 * thread, next to the kernel's own and to a floor, measured in the same
 * run. Under UML (scripts/bench.sh runs it there) the kernel code runs
 * natively on the host CPU, so these are CPU numbers, not an emulator's.
 *
 * One case per family (spin, mutex, semaphore, rwlock read and write,
 * seqlock read, Arc, RCU read sections, channel), parameterized. A case
 * builds its rows (every variant of the family from the ops registry, the
 * kernel's primitive, and three reference rows), then runs BARE_ROUNDS
 * rounds; each round times every row once, in order, over lab_bare_iters
 * pairs (lock+unlock, clone+put, send+recv, ...), so a slow drift of the
 * host hits every row alike. It prints, per row, the median, min and max
 * ns per pair over the rounds:
 *
 *	# locklab-bare FAMILY ROW MEDIAN MIN MAX
 *
 * (ns with two decimals), which scripts/bench-report.py --bare turns into
 * the bare-CPU table, ratios included. The reference rows go through the
 * same indirect lock/unlock call shape as the lock families' ops tables:
 *
 *	call		an empty lock and unlock: the loop and the two calls
 *	floor-xchg	one xchg ACQUIRE and one RELEASE store: what any lock's
 *			uncontended lock+unlock must at least do
 *	floor-cmpxchg	the same with a cmpxchg
 *
 * so "vs floor" compares like with like. The other families call their
 * primitives directly (inline), both ours and the kernel's.
 *
 * What the cases assert, so that a broken primitive fails them: every
 * pair ran and was counted exactly (rounds x iterations), every hold was
 * released (is_locked false; a writer gets an rwlock after the read loop;
 * the Arc is back to one strong handle; no RCU reader is left; the channel
 * is empty and every message came back as sent), and no seqlock read
 * retried without a writer. The rwlock loops wait with a deadline, so a
 * hold a broken variant leaked fails the case; the lock-shaped loops call
 * ->lock(), which has none (it is the timed fast path), and are bounded
 * by kunit.py's timeout, after the other suites have caught such a lock.
 *
 * lab_bare_iters (module parameter locklab.bare_iters) defaults to a
 * smoke-test size, so the suite runs in every KUnit tier in well under a
 * second of the host's time; make bench boots UML with 1 << 20.
 *
 * On a uniprocessor kernel (UML) the kernel's spinlock_t compiles to
 * preempt_disable()/preempt_enable() and x86's lock prefix is dropped from
 * the kernel's atomics (not from xchg, which is always locked): the
 * report says so next to the numbers.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/srcu.h>

#include <locklab/arc.h>
#include <locklab/atomic.h>
#include <locklab/channel.h>
#include <locklab/ops.h>
#include <locklab/param.h>
#include <locklab/rcu.h>
#include <locklab/wait.h>

#define BARE_ROUNDS	5
#define BARE_MAX_ROWS	16
#define BARE_WAIT_NS	(20 * NSEC_PER_SEC)	/* bound on an rwlock loop */

static unsigned int lab_bare_iters = 1 << 12;
LAB_PARAM_UINT(bare_iters, lab_bare_iters, 1, 1U << 26, 0644,
	       "Pairs per row and round of the locklab_bare KUnit suite");

enum bare_shape {
	BARE_LOCK,		/* struct lab_lock_ops: lock + unlock */
	BARE_RD,		/* struct lab_rwlock_ops: rd_lock + rd_unlock */
	BARE_WR,		/* struct lab_rwlock_ops: wr_lock + wr_unlock */
	BARE_SEQ,		/* struct lab_seq_ops: rd_begin + rd_retry */
	BARE_ARC,		/* lab_arc_clone + lab_arc_put */
	BARE_REFCOUNT,		/* refcount_inc + refcount_dec_and_test */
	BARE_LAB_RCU,		/* lab_rcu_read_lock + unlock */
	BARE_SRCU,		/* srcu_read_lock + unlock */
	BARE_RCU,		/* rcu_read_lock + unlock */
	BARE_CHAN,		/* lab_chan_try_send + lab_chan_try_recv */
};

struct bare_row {
	const char *name;
	enum bare_shape shape;
	const void *ops;
	void *obj;
	u64 count;		/* pairs done and counted */
	u64 bad;		/* pairs that failed (an error, a retry) */
	bool held;		/* a hold was left: the lock is not destroyed */
	u64 ns100[BARE_ROUNDS];	/* ns per pair x 100, per round */
};

struct bare_ctx {
	struct kunit *test;
	unsigned int nr;
	struct bare_row row[BARE_MAX_ROWS];
};

/* ---- the reference rows: lock-shaped, called through a table ---------- */

static int bare_word_init(void *l)
{
	atomic_set(l, 0);
	return 0;
}

static void bare_call_lock(void *l, union lab_lock_ctx *c)
{
}

static void bare_call_unlock(void *l, union lab_lock_ctx *c)
{
}

static bool bare_word_is_locked(void *l)
{
	return atomic_read(l) != 0;
}

/*
 * ACQUIRE: the floor of an uncontended lock is the RMW that takes it,
 * ordered as a lock's must be (pairs with the RELEASE store of the
 * previous unlock, bare_floor_unlock()).
 */
static void bare_floor_xchg_lock(void *l, union lab_lock_ctx *c)
{
	lab_atomic_xchg_acquire(l, 1);
}

static void bare_floor_cmpxchg_lock(void *l, union lab_lock_ctx *c)
{
	lab_atomic_cmpxchg_acquire(l, 0, 1);
}

/* RELEASE: pairs with the ACQUIRE of the next bare_floor_*_lock(). */
static void bare_floor_unlock(void *l, union lab_lock_ctx *c)
{
	lab_atomic_set_release(l, 0);
}

static const struct lab_lock_ops bare_ref_ops[] = {
	{ .name = "call", .size = sizeof(atomic_t), .init = bare_word_init,
	  .lock = bare_call_lock, .unlock = bare_call_unlock,
	  .is_locked = bare_word_is_locked },
	{ .name = "floor-xchg", .size = sizeof(atomic_t),
	  .init = bare_word_init, .lock = bare_floor_xchg_lock,
	  .unlock = bare_floor_unlock, .is_locked = bare_word_is_locked },
	{ .name = "floor-cmpxchg", .size = sizeof(atomic_t),
	  .init = bare_word_init, .lock = bare_floor_cmpxchg_lock,
	  .unlock = bare_floor_unlock, .is_locked = bare_word_is_locked },
};

/* ---- the timed loops: one per shape, out of line ---------------------- */

static noinline void bare_lock_loop(struct bare_row *r, u64 n)
{
	const struct lab_lock_ops *ops = r->ops;
	union lab_lock_ctx ctx;
	u64 i;

	for (i = 0; i < n; i++) {
		ops->lock(r->obj, &ctx);
		WRITE_ONCE(r->count, r->count + 1);
		ops->unlock(r->obj, &ctx);
	}
}

/* A hold a broken variant leaked makes the next lock fail, not hang. */
static noinline void bare_rw_loop(struct bare_row *r, u64 n, bool write)
{
	const struct lab_rwlock_ops *ops = r->ops;
	ktime_t deadline = lab_deadline(BARE_WAIT_NS);
	u64 i;

	for (i = 0; i < n; i++) {
		if ((write ? ops->wr_lock : ops->rd_lock)(r->obj, 0, deadline)) {
			r->bad++;
			continue;
		}
		WRITE_ONCE(r->count, r->count + 1);
		(write ? ops->wr_unlock : ops->rd_unlock)(r->obj);
	}
}

static noinline void bare_seq_loop(struct bare_row *r, u64 n)
{
	const struct lab_seq_ops *ops = r->ops;
	u64 i;
	u32 s;

	for (i = 0; i < n; i++) {
		s = ops->rd_begin(r->obj);
		WRITE_ONCE(r->count, r->count + 1);
		if (ops->rd_retry(r->obj, s))
			r->bad++;
	}
}

static noinline void bare_arc_loop(struct bare_row *r, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		lab_arc_put(lab_arc_clone(r->obj));
		WRITE_ONCE(r->count, r->count + 1);
	}
}

static noinline void bare_refcount_loop(struct bare_row *r, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		refcount_inc(r->obj);
		if (refcount_dec_and_test(r->obj))
			r->bad++;
		WRITE_ONCE(r->count, r->count + 1);
	}
}

static noinline void bare_lab_rcu_loop(struct bare_row *r, u64 n)
{
	u64 i;
	int idx;

	for (i = 0; i < n; i++) {
		idx = lab_rcu_read_lock(r->obj);
		WRITE_ONCE(r->count, r->count + 1);
		lab_rcu_read_unlock(r->obj, idx);
	}
}

static noinline void bare_srcu_loop(struct bare_row *r, u64 n)
{
	u64 i;
	int idx;

	for (i = 0; i < n; i++) {
		idx = srcu_read_lock(r->obj);
		WRITE_ONCE(r->count, r->count + 1);
		srcu_read_unlock(r->obj, idx);
	}
}

static noinline void bare_rcu_loop(struct bare_row *r, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++) {
		rcu_read_lock();
		WRITE_ONCE(r->count, r->count + 1);
		rcu_read_unlock();
	}
}

static noinline void bare_chan_loop(struct bare_row *r, u64 n)
{
	u64 i, got;

	for (i = 0; i < n; i++) {
		if (lab_chan_try_send(r->obj, &i, sizeof(i)) ||
		    lab_chan_try_recv(r->obj, &got, sizeof(got)) != sizeof(got) ||
		    got != i) {
			r->bad++;
			continue;
		}
		WRITE_ONCE(r->count, r->count + 1);
	}
}

/* Time one round of @r: ns per pair x 100. */
static u64 bare_time(struct bare_row *r, u64 n)
{
	u64 t0 = ktime_get_ns(), dt;

	switch (r->shape) {
	case BARE_LOCK:
		bare_lock_loop(r, n);
		break;
	case BARE_RD:
	case BARE_WR:
		bare_rw_loop(r, n, r->shape == BARE_WR);
		break;
	case BARE_SEQ:
		bare_seq_loop(r, n);
		break;
	case BARE_ARC:
		bare_arc_loop(r, n);
		break;
	case BARE_REFCOUNT:
		bare_refcount_loop(r, n);
		break;
	case BARE_LAB_RCU:
		bare_lab_rcu_loop(r, n);
		break;
	case BARE_SRCU:
		bare_srcu_loop(r, n);
		break;
	case BARE_RCU:
		bare_rcu_loop(r, n);
		break;
	case BARE_CHAN:
		bare_chan_loop(r, n);
		break;
	}
	dt = ktime_get_ns() - t0;
	return div64_u64(dt * 100, n);
}

/* ---- rows: made, checked, freed --------------------------------------- */

static struct bare_row *bare_add(struct bare_ctx *c, const char *name,
				 enum bare_shape shape, const void *ops,
				 void *obj)
{
	struct bare_row *r;

	KUNIT_ASSERT_LT(c->test, c->nr, BARE_MAX_ROWS);
	KUNIT_ASSERT_NOT_NULL(c->test, obj);
	r = &c->row[c->nr++];
	r->name = name;
	r->shape = shape;
	r->ops = ops;
	r->obj = obj;
	return r;
}

/* A zeroed object of @size, initialized by @init; freed at the case's end. */
static void *bare_obj(struct bare_ctx *c, size_t size, int (*init)(void *))
{
	void *l = kunit_kzalloc(c->test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(c->test, l);
	KUNIT_ASSERT_EQ(c->test, init(l), 0);
	return l;
}

static void bare_add_lock(struct bare_ctx *c, const struct lab_lock_ops *ops)
{
	KUNIT_ASSERT_NOT_NULL(c->test, ops);
	bare_add(c, ops->name, BARE_LOCK, ops, bare_obj(c, ops->size, ops->init));
}

/* The reference rows, first in every family's table. */
static void bare_add_refs(struct bare_ctx *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bare_ref_ops); i++)
		bare_add_lock(c, &bare_ref_ops[i]);
}

/* Every variant of @kind in the registry, the broken one left out. */
static void bare_add_kind(struct bare_ctx *c, u32 kind, enum bare_shape shape)
{
	const struct lab_rwlock_ops *rw;
	const struct lab_ops_head *h;
	const struct lab_seq_ops *sq;
	unsigned int i;

	for (i = 0; (h = lab_ops_at(i)); i++) {
		if (h->kind != kind || h->variant == LOCKLAB_VARIANT_BROKEN)
			continue;
		if (shape == BARE_LOCK) {
			bare_add_lock(c, lab_lock_ops_find(kind, h->variant));
		} else if (shape == BARE_SEQ) {
			sq = lab_seq_ops_find(kind, h->variant);
			KUNIT_ASSERT_NOT_NULL(c->test, sq);
			bare_add(c, sq->name, shape, sq,
				 bare_obj(c, sq->size, sq->init));
		} else {
			rw = lab_rwlock_ops_find(kind, h->variant);
			KUNIT_ASSERT_NOT_NULL(c->test, rw);
			bare_add(c, rw->name, shape, rw,
				 bare_obj(c, rw->size, rw->init));
		}
	}
}

static void bare_arc_release(void *data)
{
}

static void bare_add_arcs(struct bare_ctx *c)
{
	refcount_t *ref = kunit_kzalloc(c->test, sizeof(*ref), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(c->test, ref);
	bare_add(c, "arc", BARE_ARC, NULL,
		 lab_arc_new(sizeof(long), bare_arc_release, GFP_KERNEL));
	refcount_set(ref, 1);
	bare_add(c, "kernel", BARE_REFCOUNT, NULL, ref);
}

static void bare_add_rcus(struct bare_ctx *c)
{
	struct lab_rcu *d = kzalloc(sizeof(*d), GFP_KERNEL);
	struct srcu_struct *ss;
	int ret;

	KUNIT_ASSERT_NOT_NULL(c->test, d);
	ret = lab_rcu_init(d);
	if (ret)
		kfree(d);
	KUNIT_ASSERT_EQ(c->test, ret, 0);
	bare_add(c, "rcu", BARE_LAB_RCU, NULL, d);
	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(c->test, ss);
	ret = init_srcu_struct(ss);
	if (ret)
		kfree(ss);
	KUNIT_ASSERT_EQ(c->test, ret, 0);
	bare_add(c, "kernel-srcu", BARE_SRCU, NULL, ss);
	/* No object: a non-NULL token for bare_add(). */
	bare_add(c, "kernel-rcu", BARE_RCU, NULL, c);
}

static void bare_add_chans(struct bare_ctx *c)
{
	static const u32 v[] = { LOCKLAB_CHANNEL_MPSC, LOCKLAB_CHANNEL_BOUNDED,
				 LOCKLAB_CHANNEL_KERNEL };
	const struct lab_chan_ops *ops;
	struct lab_chan *ch;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		ops = lab_chan_ops_find(v[i]);
		KUNIT_ASSERT_NOT_NULL(c->test, ops);
		ch = lab_chan_create(ops, v[i] == LOCKLAB_CHANNEL_MPSC ? 0 : 4,
				     sizeof(u64), 0);
		KUNIT_ASSERT_FALSE(c->test, IS_ERR(ch));
		bare_add(c, ops->name, BARE_CHAN, ops, ch);
	}
}

/* Every hold released, every pair counted (see the file comment). */
static void bare_check(struct bare_ctx *c, struct bare_row *r, u64 pairs)
{
	const struct lab_rwlock_ops *rw = r->ops;
	const struct lab_lock_ops *lk = r->ops;
	struct kunit *test = c->test;
	u64 got;

	KUNIT_EXPECT_EQ_MSG(test, r->bad, 0, "%s: %llu pairs failed", r->name,
			    r->bad);
	KUNIT_EXPECT_EQ_MSG(test, r->count, pairs, "%s", r->name);
	switch (r->shape) {
	case BARE_LOCK:
		r->held = lk->is_locked(r->obj);
		KUNIT_EXPECT_FALSE_MSG(test, r->held, "%s: still locked",
				       r->name);
		break;
	case BARE_RD:
	case BARE_WR:
		r->held = !rw->wr_trylock(r->obj);
		if (r->held)
			KUNIT_FAIL(test, "%s: a hold was left", r->name);
		else
			rw->wr_unlock(r->obj);
		break;
	case BARE_ARC:
		KUNIT_EXPECT_EQ(test, lab_arc_strong_count(r->obj), 1);
		KUNIT_EXPECT_EQ(test, lab_arc_weak_count(r->obj), 0);
		break;
	case BARE_REFCOUNT:
		KUNIT_EXPECT_EQ(test, refcount_read(r->obj), 1);
		break;
	case BARE_LAB_RCU:
		KUNIT_EXPECT_TRUE(test, lab_rcu_readers_idle(r->obj));
		break;
	case BARE_CHAN:
		KUNIT_EXPECT_EQ(test, lab_chan_try_recv(r->obj, &got,
							sizeof(got)),
				(ssize_t)-EAGAIN);
		break;
	default:
		break;
	}
}

/* Free a row's object; one a hold was left on is leaked (the case failed). */
static void bare_free(struct bare_row *r)
{
	const struct lab_rwlock_ops *rw = r->ops;
	const struct lab_lock_ops *lk = r->ops;
	const struct lab_seq_ops *sq = r->ops;

	if (r->held)
		return;
	switch (r->shape) {
	case BARE_LOCK:
		if (lk->destroy)
			lk->destroy(r->obj);
		break;
	case BARE_RD:
	case BARE_WR:
		if (rw->destroy)
			rw->destroy(r->obj);
		break;
	case BARE_SEQ:
		if (sq->destroy)
			sq->destroy(r->obj);
		break;
	case BARE_ARC:
		lab_arc_put(r->obj);
		break;
	case BARE_LAB_RCU:
		lab_rcu_destroy(r->obj);
		kfree(r->obj);
		break;
	case BARE_SRCU:
		cleanup_srcu_struct(r->obj);
		kfree(r->obj);
		break;
	case BARE_CHAN:
		lab_chan_destroy(r->obj);
		break;
	default:
		break;
	}
}

static int bare_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bare_print(struct kunit *test, const char *family,
		       struct bare_row *r)
{
	u64 v[BARE_ROUNDS];

	memcpy(v, r->ns100, sizeof(v));
	sort(v, BARE_ROUNDS, sizeof(v[0]), bare_cmp, NULL);
	kunit_info(test, "locklab-bare %s %s %llu.%02llu %llu.%02llu %llu.%02llu\n",
		   family, r->name, v[BARE_ROUNDS / 2] / 100,
		   v[BARE_ROUNDS / 2] % 100, v[0] / 100, v[0] % 100,
		   v[BARE_ROUNDS - 1] / 100, v[BARE_ROUNDS - 1] % 100);
}

/* ---- the families ------------------------------------------------------ */

struct bare_family {
	const char *name;
	void (*add)(struct bare_ctx *c);
};

static void bare_spin(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_SPIN, BARE_LOCK);
}

static void bare_mutex(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_MUTEX, BARE_LOCK);
}

static void bare_semaphore(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_SEMAPHORE, BARE_LOCK);
}

static void bare_rwlock_read(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_RWLOCK, BARE_RD);
}

static void bare_rwlock_write(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_RWLOCK, BARE_WR);
}

static void bare_seqlock_read(struct bare_ctx *c)
{
	bare_add_kind(c, LOCKLAB_KIND_SEQLOCK, BARE_SEQ);
}

static const struct bare_family bare_families[] = {
	{ "spin", bare_spin },
	{ "mutex", bare_mutex },
	{ "semaphore", bare_semaphore },
	{ "rwlock-read", bare_rwlock_read },
	{ "rwlock-write", bare_rwlock_write },
	{ "seqlock-read", bare_seqlock_read },
	{ "arc", bare_add_arcs },
	{ "rcu-read", bare_add_rcus },
	{ "channel", bare_add_chans },
};

static void bare_family_desc(const struct bare_family *f, char *desc)
{
	strscpy(desc, f->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bare_family, bare_families, bare_family_desc);

/*
 * Every row of the family, BARE_ROUNDS interleaved rounds: each pair
 * counted, every hold released; the timings are printed.
 */
static void bare_uncontended_pairs_exact_and_released_test(struct kunit *test)
{
	const struct bare_family *f = test->param_value;
	u64 n = READ_ONCE(lab_bare_iters);
	struct bare_ctx *c;
	unsigned int i, round;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->test = test;
	bare_add_refs(c);
	f->add(c);
	for (round = 0; round < BARE_ROUNDS; round++) {
		for (i = 0; i < c->nr; i++) {
			c->row[i].ns100[round] = bare_time(&c->row[i], n);
			cond_resched();
		}
	}
	for (i = 0; i < c->nr; i++) {
		bare_check(c, &c->row[i], n * BARE_ROUNDS);
		bare_print(test, f->name, &c->row[i]);
		bare_free(&c->row[i]);
	}
}

static struct kunit_case bare_test_cases[] = {
	KUNIT_CASE_PARAM(bare_uncontended_pairs_exact_and_released_test,
			 bare_family_gen_params),
	{}
};

static struct kunit_suite bare_test_suite = {
	.name = "locklab_bare",
	.test_cases = bare_test_cases,
};

kunit_test_suites(&bare_test_suite);
