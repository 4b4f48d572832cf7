// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for locklab's atomics backends (include/locklab/atomic.h).
 *
 *  - equivalence: every operation of the arch backend, in every ordering
 *    form, returns what the generic backend (the kernel's atomic_*())
 *    returns for the same word and arguments, leaves the same value in
 *    memory, and touches nothing beside the word (guard words around it
 *    catch an operation of the wrong width);
 *  - concurrency: 2 and 4 kthreads hammer one word with fetch_add, a
 *    cmpxchg loop and xchg in every ordering form; the final values are
 *    exact.
 *
 * Not tested here: that the orderings are strong enough. That is a property
 * of the instructions chosen (see the arch headers) and is exercised by the
 * lock suites' exclusion checks on SMP, not provable by a unit test.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/slab.h>

#include <locklab/atomic.h>

#include "../bench/torture.h"

/*
 * Wrappers with one signature: fn(word, a, b) -> result, for the reference
 * (generic) and the selected backend. For set_release the result is 0.
 */
#define EQ_WRAP(side, be, pfx, atype, type, op, call)			\
static long eq_##side##_##pfx##_##op(void *w, long a, long b)		\
{									\
	return (long)call;						\
}

#define EQ_RMW(side, be, pfx, atype, type, op)				\
	EQ_WRAP(side, be, pfx, atype, type, op,				\
		__LAB_BE(be, pfx##_##op)((atype *)w, (type)a))
#define EQ_CMPXCHG(side, be, pfx, atype, type, op)			\
	EQ_WRAP(side, be, pfx, atype, type, op,				\
		__LAB_BE(be, pfx##_##op)((atype *)w, (type)a, (type)b))
#define EQ_LOAD(side, be, pfx, atype, type, op)				\
	EQ_WRAP(side, be, pfx, atype, type, op,				\
		__LAB_BE(be, pfx##_##op)((atype *)w))
#define EQ_STORE(side, be, pfx, atype, type, op)			\
	EQ_WRAP(side, be, pfx, atype, type, op,				\
		(__LAB_BE(be, pfx##_##op)((atype *)w, (type)a), 0))

#define EQ_ALL_ORDERS(m, side, be, pfx, atype, type, op)		\
	m(side, be, pfx, atype, type, op)				\
	m(side, be, pfx, atype, type, op##_acquire)			\
	m(side, be, pfx, atype, type, op##_release)			\
	m(side, be, pfx, atype, type, op##_relaxed)

#define EQ_TYPE(side, be, pfx, atype, type)				\
	EQ_ALL_ORDERS(EQ_RMW, side, be, pfx, atype, type, xchg)		\
	EQ_ALL_ORDERS(EQ_CMPXCHG, side, be, pfx, atype, type, cmpxchg)	\
	EQ_ALL_ORDERS(EQ_RMW, side, be, pfx, atype, type, fetch_add)	\
	EQ_LOAD(side, be, pfx, atype, type, read_acquire)		\
	EQ_STORE(side, be, pfx, atype, type, set_release)

#define EQ_SIDE(side, be)						\
	EQ_TYPE(side, be, atomic, atomic_t, int)			\
	EQ_TYPE(side, be, atomic_long, atomic_long_t, long)

EQ_SIDE(ref, generic)
EQ_SIDE(arch, LAB_ATOMIC_BACKEND)

struct eq_op {
	const char *name;
	bool is_long;
	long (*ref)(void *w, long a, long b);
	long (*arch)(void *w, long a, long b);
};

#define EQ_OP(pfx, op, l) { #pfx "_" #op, l, eq_ref_##pfx##_##op, eq_arch_##pfx##_##op }
#define EQ_OPS_ORDERS(pfx, op, l)					\
	EQ_OP(pfx, op, l), EQ_OP(pfx, op##_acquire, l),			\
	EQ_OP(pfx, op##_release, l), EQ_OP(pfx, op##_relaxed, l)
#define EQ_OPS_TYPE(pfx, l)						\
	EQ_OPS_ORDERS(pfx, xchg, l), EQ_OPS_ORDERS(pfx, cmpxchg, l),	\
	EQ_OPS_ORDERS(pfx, fetch_add, l), EQ_OP(pfx, read_acquire, l),	\
	EQ_OP(pfx, set_release, l)

static const struct eq_op eq_ops[] = {
	EQ_OPS_TYPE(atomic, false),
	EQ_OPS_TYPE(atomic_long, true),
};

static const long eq_values[] = {
	0, 1, -1, 2, 0x5a5a5a5a, INT_MAX, INT_MIN, (long)UINT_MAX,
	LONG_MAX, LONG_MIN, 0x0123456789abcdefL,
};

/* The word under test sits between guards that must never change. */
struct eq_cell {
	u64 before;
	union {
		atomic_t i;
		atomic_long_t l;
	};
	u64 after;
};

#define EQ_GUARD	0xdeadbeefcafef00dULL

static void eq_cell_init(struct eq_cell *c, bool is_long, long v)
{
	memset(c, 0xa5, sizeof(*c));
	c->before = EQ_GUARD;
	c->after = EQ_GUARD;
	if (is_long)
		atomic_long_set(&c->l, v);
	else
		atomic_set(&c->i, (int)v);
}

static void atomic_arch_matches_generic_test(struct kunit *test)
{
	struct eq_cell ref, arch;
	unsigned int o, i, k, checked = 0;

	if (!LAB_HAVE_ARCH_ATOMICS)
		kunit_skip(test, "backend is generic: nothing to compare");

	for (o = 0; o < ARRAY_SIZE(eq_ops); o++) {
		const struct eq_op *op = &eq_ops[o];

		for (i = 0; i < ARRAY_SIZE(eq_values) * ARRAY_SIZE(eq_values) *
			    ARRAY_SIZE(eq_values); i++) {
			long w0 = eq_values[i % ARRAY_SIZE(eq_values)];
			long a = eq_values[(i / ARRAY_SIZE(eq_values)) %
					   ARRAY_SIZE(eq_values)];
			long b, r_ref, r_arch;

			k = i / (ARRAY_SIZE(eq_values) * ARRAY_SIZE(eq_values));
			b = eq_values[k];

			/* cmpxchg: also take the success path on purpose. */
			if (strstr(op->name, "cmpxchg") && k == 0)
				a = w0;
			eq_cell_init(&ref, op->is_long, w0);
			eq_cell_init(&arch, op->is_long, w0);
			r_ref = op->ref(&ref.i, a, b);
			r_arch = op->arch(&arch.i, a, b);
			checked++;
			KUNIT_EXPECT_EQ_MSG(test, r_arch, r_ref,
					    "%s(%lx, %lx, %lx) returned differently",
					    op->name, w0, a, b);
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&arch, &ref, sizeof(ref)), 0,
					    "%s(%lx, %lx, %lx) left memory differently",
					    op->name, w0, a, b);
			KUNIT_EXPECT_EQ(test, arch.before, EQ_GUARD);
			KUNIT_EXPECT_EQ(test, arch.after, EQ_GUARD);
			if (test->status == KUNIT_FAILURE)
				return;
		}
	}
	kunit_info(test, "%s: %u operation/argument combinations agree with generic\n",
		   LAB_ATOMIC_BACKEND_NAME, checked);
}

/* Derived helpers keep their contract on the selected backend. */
static void atomic_try_cmpxchg_updates_old_test(struct kunit *test)
{
	atomic_t v = ATOMIC_INIT(5);
	atomic_long_t l = ATOMIC_LONG_INIT(-7);
	int old = 4;
	long lold = -7;

	KUNIT_EXPECT_FALSE(test, lab_atomic_try_cmpxchg_acquire(&v, &old, 9));
	KUNIT_EXPECT_EQ(test, old, 5);
	KUNIT_EXPECT_EQ(test, atomic_read(&v), 5);
	KUNIT_EXPECT_TRUE(test, lab_atomic_try_cmpxchg_release(&v, &old, 9));
	KUNIT_EXPECT_EQ(test, atomic_read(&v), 9);
	KUNIT_EXPECT_TRUE(test, lab_atomic_long_try_cmpxchg(&l, &lold, 3));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&l), 3L);
	KUNIT_EXPECT_EQ(test, lab_atomic_fetch_sub_relaxed(&v, 4), 9);
	KUNIT_EXPECT_EQ(test, atomic_read(&v), 5);
	KUNIT_EXPECT_EQ(test, lab_atomic_long_fetch_sub(&l, 5), 3L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&l), -2L);
}

#define HAMMER_ITERS	20000

struct hammer {
	atomic_t add;		/* fetch_add, all orders */
	atomic_long_t cas;	/* cmpxchg loop, all orders */
	atomic_t token;		/* xchg passes a token: never two holders */
	atomic_t token_errors;
};

static void hammer_cas_inc(atomic_long_t *v, unsigned int order)
{
	long old = lab_atomic_long_read(v);

	for (;;) {
		long seen;

		switch (order) {
		case 0:
			seen = lab_atomic_long_cmpxchg(v, old, old + 1);
			break;
		case 1:
			seen = lab_atomic_long_cmpxchg_acquire(v, old, old + 1);
			break;
		case 2:
			seen = lab_atomic_long_cmpxchg_release(v, old, old + 1);
			break;
		default:
			seen = lab_atomic_long_cmpxchg_relaxed(v, old, old + 1);
			break;
		}
		if (seen == old)
			return;
		old = seen;
	}
}

static int hammer_thread(void *arg, unsigned int id)
{
	struct hammer *h = arg;
	unsigned int i;

	for (i = 0; i < HAMMER_ITERS; i++) {
		switch (i & 3) {
		case 0:
			lab_atomic_fetch_add(&h->add, 1);
			break;
		case 1:
			lab_atomic_fetch_add_acquire(&h->add, 1);
			break;
		case 2:
			lab_atomic_fetch_add_release(&h->add, 1);
			break;
		default:
			lab_atomic_fetch_add_relaxed(&h->add, 1);
			break;
		}
		hammer_cas_inc(&h->cas, i & 3);
		/* Take the token (1 -> 0) and give it back (0 -> 1). */
		if (lab_atomic_xchg_acquire(&h->token, 0) == 1) {
			if (lab_atomic_xchg_release(&h->token, 1) != 0)
				atomic_inc(&h->token_errors);
		}
		if (!(i & 255))
			cond_resched();
	}
	return 0;
}

static const unsigned int hammer_threads[] = { 2, 4 };

static void hammer_desc(const unsigned int *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u-threads", *n);
}

KUNIT_ARRAY_PARAM(hammer, hammer_threads, hammer_desc);

static void atomic_concurrent_counts_exact_test(struct kunit *test)
{
	unsigned int n = *(const unsigned int *)test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	struct hammer *h = kzalloc(sizeof(*h), GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, h);
	atomic_set(&h->token, 1);
	ret = lab_run_threads(n, hammer_thread, h, &opts);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->add), n * HAMMER_ITERS);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->cas), (long)n * HAMMER_ITERS);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->token), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->token_errors), 0);
	kfree(h);
}

static struct kunit_case atomic_test_cases[] = {
	KUNIT_CASE(atomic_arch_matches_generic_test),
	KUNIT_CASE(atomic_try_cmpxchg_updates_old_test),
	KUNIT_CASE_PARAM(atomic_concurrent_counts_exact_test,
			 hammer_gen_params),
	{}
};

static struct kunit_suite atomic_test_suite = {
	.name = "locklab_atomic",
	.test_cases = atomic_test_cases,
};

kunit_test_suites(&atomic_test_suite);
