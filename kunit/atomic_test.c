// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for locklab's atomics backends (include/locklab/atomic.h).
 *
 * Every backend this kernel can run is a parameter: "selected" (the
 * lab_atomic_*() names the algorithms use), "generic", "x86-64" on x86-64
 * builds, and on arm64 "arm64" (the run-time LSE/LL/SC dispatch),
 * "arm64-llsc" and "arm64-lse", each path called by its own name whichever
 * one is selected (LSE skips, saying so, on a CPU without it). The oracle is
 * the kernel's atomic_t API called directly (eq_kernel_*() below), not any
 * locklab backend.
 *
 *  - equivalence: every operation in every ordering form returns what the
 *    kernel's returns for the same word and arguments, leaves the same value
 *    in memory, and touches nothing beside the word (guard words around it
 *    catch an operation of the wrong width); every cond_read returns at once
 *    with the word when the condition already holds;
 *  - concurrency: 2 and 4 kthreads hammer one word per operation: fetch_add
 *    and a cmpxchg increment loop (final counts exact), xchg of values unique
 *    to each thread and iteration (the values taken out plus the one left
 *    equal the values put in: none lost, none duplicated), and release
 *    stores read by acquire loads (a flag never seen ahead of its data),
 *    each in every ordering form, on atomic_t and atomic_long_t;
 *  - hand-off: two threads on two CPUs pass a turn back and forth through
 *    cond_read (arm64: the wfe wait) and each way of publishing (release
 *    store; release fence + relaxed store; full barrier + relaxed store) and
 *    of observing (acquire cond_read; relaxed + acquire fence; relaxed +
 *    full barrier); a plain counter bumped in every turn comes out exact;
 *  - arm64 path: the path in use is the one the CPUs' ID registers and the
 *    kernel's own choice imply, and the one the kernel command line expects
 *    (locklab.expect_atomics=lse|llsc, which scripts/kunit.sh sets from the
 *    QEMU -cpu), and the backend name says so: a silent fallback fails.
 *
 * Not tested here: that the orderings are strong enough on hardware that
 * reorders. QEMU's TCG runs guest accesses in host order, so the hand-off
 * and message-passing checks can only fail there for a compiler reordering
 * or a wrong result; the instructions chosen are argued in the arch headers.
 * Nor that the wfe wait actually sleeps (TCG treats wfe as a yield).
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/limits.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <locklab/atomic.h>

#ifdef CONFIG_ARM64
#include <asm/cpufeature.h>
#include <asm/lse.h>
#include <asm/sysreg.h>
#endif

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"
#include "lab_test.h"

static char *expect_atomics = "";
module_param(expect_atomics, charp, 0444);
MODULE_PARM_DESC(expect_atomics,
		 "KUnit: the arm64 atomics path this run must use (lse or llsc); empty: no expectation");

/*
 * The oracle: the kernel's own atomic_t and atomic_long_t helpers. They take
 * the word first too, except fetch_add (addend first), adapted here.
 */
#define eq_kernel_atomic_fetch_add(v, i)		atomic_fetch_add(i, v)
#define eq_kernel_atomic_fetch_add_acquire(v, i)	atomic_fetch_add_acquire(i, v)
#define eq_kernel_atomic_fetch_add_release(v, i)	atomic_fetch_add_release(i, v)
#define eq_kernel_atomic_fetch_add_relaxed(v, i)	atomic_fetch_add_relaxed(i, v)
#define eq_kernel_atomic_long_fetch_add(v, i)	atomic_long_fetch_add(i, v)
#define eq_kernel_atomic_long_fetch_add_acquire(v, i) \
	atomic_long_fetch_add_acquire(i, v)
#define eq_kernel_atomic_long_fetch_add_release(v, i) \
	atomic_long_fetch_add_release(i, v)
#define eq_kernel_atomic_long_fetch_add_relaxed(v, i) \
	atomic_long_fetch_add_relaxed(i, v)

/*
 * Every operation under test, X(prefix, pfx, kind, op): the function is
 * prefix ## pfx ## _ ## op, e.g. lab_arm64_lse_ ## atomic ## _ ## xchg.
 * The kernel oracle's prefix is empty except for fetch_add (FADD).
 */
#define EQ_OPS_OF(X, p, pfx)						\
	X(p, pfx, RMW, xchg) X(p, pfx, RMW, xchg_acquire)		\
	X(p, pfx, RMW, xchg_release) X(p, pfx, RMW, xchg_relaxed)	\
	X(p, pfx, CMPXCHG, cmpxchg) X(p, pfx, CMPXCHG, cmpxchg_acquire)	\
	X(p, pfx, CMPXCHG, cmpxchg_release)				\
	X(p, pfx, CMPXCHG, cmpxchg_relaxed)				\
	X(p, pfx, FADD, fetch_add) X(p, pfx, FADD, fetch_add_acquire)	\
	X(p, pfx, FADD, fetch_add_release)				\
	X(p, pfx, FADD, fetch_add_relaxed)				\
	X(p, pfx, LOAD, read_acquire) X(p, pfx, STORE, set_release)

#define EQ_ALL_OPS(X, p) EQ_OPS_OF(X, p, atomic) EQ_OPS_OF(X, p, atomic_long)

#define EQ_T_atomic		int
#define EQ_AT_atomic		atomic_t
#define EQ_T_atomic_long	long
#define EQ_AT_atomic_long	atomic_long_t

#define EQ_IDX(p, pfx, kind, op)	EQ_##pfx##_##op,
enum eq_op_idx { EQ_ALL_OPS(EQ_IDX, _) EQ_NR_OPS };

enum eq_kind { EQ_RMW, EQ_CMPXCHG, EQ_FADD, EQ_LOAD, EQ_STORE };

/* Tables indexed by enum eq_op_idx: the X-macro fixes the same order. */
#define EQ_KIND(p, pfx, kind, op)	EQ_##kind,
static const u8 eq_op_kind[EQ_NR_OPS] = { EQ_ALL_OPS(EQ_KIND, _) };

#define EQ_NAME(p, pfx, kind, op)	#pfx "_" #op,
static const char * const eq_op_name[EQ_NR_OPS] = { EQ_ALL_OPS(EQ_NAME, _) };

#define EQ_LONG(p, pfx, kind, op)	sizeof(EQ_T_##pfx) == sizeof(long),
static const bool eq_op_long[EQ_NR_OPS] = { EQ_ALL_OPS(EQ_LONG, _) };

/* One signature for all: fn(word, a, b) -> result; a store returns 0. */
typedef long (*eq_fn)(void *w, long a, long b);

#define EQ_FN(p, pfx, op)	p##pfx##_##op
#define EQ_W(pfx)		((EQ_AT_##pfx *)w)
#define EQ_A(pfx)		((EQ_T_##pfx)a)
#define EQ_CALL_RMW(f, pfx)	f(EQ_W(pfx), EQ_A(pfx))
#define EQ_CALL_FADD(f, pfx)	f(EQ_W(pfx), EQ_A(pfx))
#define EQ_CALL_CMPXCHG(f, pfx)	f(EQ_W(pfx), EQ_A(pfx), (EQ_T_##pfx)b)
#define EQ_CALL_LOAD(f, pfx)	f(EQ_W(pfx))
#define EQ_CALL_STORE(f, pfx)	(f(EQ_W(pfx), EQ_A(pfx)), 0)

#define EQ_WRAP(p, pfx, kind, op)					\
static long eq_##p##pfx##_##op(void *w, long a, long b)		\
{									\
	return (long)EQ_CALL_##kind(EQ_FN(p, pfx, op), pfx);		\
}

/* The oracle: kernel names, with the fetch_add adapters above. */
#define EQ_KFN_RMW(pfx, op)	pfx##_##op
#define EQ_KFN_CMPXCHG(pfx, op)	pfx##_##op
#define EQ_KFN_FADD(pfx, op)	eq_kernel_##pfx##_##op
#define EQ_KFN_LOAD(pfx, op)	pfx##_##op
#define EQ_KFN_STORE(pfx, op)	pfx##_##op

#define EQ_KWRAP(p, pfx, kind, op)					\
static long eq_kernel_##pfx##_##op##_w(void *w, long a, long b)	\
{									\
	return (long)EQ_CALL_##kind(EQ_KFN_##kind(pfx, op), pfx);	\
}

#define EQ_KPTR(p, pfx, kind, op)	eq_kernel_##pfx##_##op##_w,

EQ_ALL_OPS(EQ_KWRAP, _)
static const eq_fn eq_kernel_fns[EQ_NR_OPS] = { EQ_ALL_OPS(EQ_KPTR, _) };

/*
 * cond_read wrappers: wait until the word equals @want or *@stop is set,
 * return the value that ended the wait. The wait also calls cond_resched()
 * every EQ_WAIT_YIELD looks: on a PREEMPT_NONE kernel a thread spinning for
 * its turn never leaves its CPU otherwise, and stop_machine() (or the
 * watchdog that would set *@stop) may be waiting for that CPU while the
 * other thread, whose turn it is, waits in the stopper on its own.
 */
typedef long (*eq_wait_fn)(void *w, long want, const bool *stop);

#define EQ_WAIT_YIELD	64

/* Part of a cond_read condition: true when the wait must end. */
static __always_inline bool eq_wait_give_up(unsigned int *looks,
					    const bool *stop)
{
	if (!(++*looks % EQ_WAIT_YIELD))
		cond_resched();
	return READ_ONCE(*stop);
}

enum { EQ_WAIT_ACQ, EQ_WAIT_RLX, EQ_WAIT_LACQ, EQ_WAIT_LRLX, EQ_NR_WAITS };

#define EQ_WAIT_WRAP(p, pfx, order)					\
static long eq_##p##pfx##_cond_read_##order(void *w, long want,		\
					   const bool *stop)		\
{									\
	unsigned int looks = 0;						\
									\
	return p##pfx##_cond_read_##order(EQ_W(pfx),			\
		VAL == (EQ_T_##pfx)want || eq_wait_give_up(&looks, stop)); \
}

struct eq_backend {
	const char *name;
	const eq_fn *fn;			/* [EQ_NR_OPS] */
	const eq_wait_fn *wait;			/* [EQ_NR_WAITS] */
	void (*full_barrier)(void);	/* not "mb": that is a macro */
	void (*fence_acquire)(void);
	void (*fence_release)(void);
	/* NULL when the backend can run here, else why not. */
	const char *(*unavailable)(void);
};

#define EQ_PTR(p, pfx, kind, op)	eq_##p##pfx##_##op,

/* Everything one backend needs, for the function prefix @p. */
#define EQ_BACKEND(id, p, label, why)					\
EQ_ALL_OPS(EQ_WRAP, p)							\
EQ_WAIT_WRAP(p, atomic, acquire)					\
EQ_WAIT_WRAP(p, atomic, relaxed)					\
EQ_WAIT_WRAP(p, atomic_long, acquire)					\
EQ_WAIT_WRAP(p, atomic_long, relaxed)					\
/* The backend's full barrier, called through a pointer. */		\
static void eq_##id##_mb(void) { p##mb(); }				\
static void eq_##id##_fence_acquire(void) { p##fence_acquire(); }	\
static void eq_##id##_fence_release(void) { p##fence_release(); }	\
static const eq_fn eq_##id##_fns[EQ_NR_OPS] = { EQ_ALL_OPS(EQ_PTR, p) }; \
static const eq_wait_fn eq_##id##_waits[EQ_NR_WAITS] = {		\
	[EQ_WAIT_ACQ] = eq_##p##atomic_cond_read_acquire,		\
	[EQ_WAIT_RLX] = eq_##p##atomic_cond_read_relaxed,		\
	[EQ_WAIT_LACQ] = eq_##p##atomic_long_cond_read_acquire,		\
	[EQ_WAIT_LRLX] = eq_##p##atomic_long_cond_read_relaxed,		\
};									\
static const struct eq_backend eq_backend_##id = {			\
	.name = label,							\
	.fn = eq_##id##_fns,						\
	.wait = eq_##id##_waits,					\
	.full_barrier = eq_##id##_mb,					\
	.fence_acquire = eq_##id##_fence_acquire,			\
	.fence_release = eq_##id##_fence_release,			\
	.unavailable = why,						\
}

EQ_BACKEND(selected, lab_, "selected", NULL);
EQ_BACKEND(generic, lab_generic_, LAB_GENERIC_BACKEND_NAME, NULL);

#if LAB_HAVE_X86_ATOMICS
EQ_BACKEND(x86, lab_x86_, LAB_X86_BACKEND_NAME, NULL);
#define EQ_X86(X)	X(x86)
#else
#define EQ_X86(X)
#endif

#if LAB_HAVE_ARM64_ATOMICS
static const char *eq_lse_unavailable(void)
{
	return lab_arm64_cpu_has_lse() ? NULL :
	       "the CPUs have no LSE atomics (ID_AA64ISAR0_EL1.Atomic < 2)";
}

EQ_BACKEND(arm64, lab_arm64_, "arm64", NULL);
EQ_BACKEND(arm64_llsc, lab_arm64_llsc_, LAB_ARM64_LLSC_NAME, NULL);
EQ_BACKEND(arm64_lse, lab_arm64_lse_, LAB_ARM64_LSE_NAME, eq_lse_unavailable);
#define EQ_ARM64(X)	X(arm64) X(arm64_llsc) X(arm64_lse)
#else
#define EQ_ARM64(X)
#endif

#define EQ_BACKENDS(X)	X(selected) X(generic) EQ_X86(X) EQ_ARM64(X)

#define EQ_BACKEND_PTR(id)	&eq_backend_##id,
static const struct eq_backend * const eq_backends[] = {
	EQ_BACKENDS(EQ_BACKEND_PTR)
};

static void eq_backend_desc(const struct eq_backend * const *be, char *desc)
{
	if (*be == &eq_backend_selected)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "selected:%s",
			 lab_atomic_backend_name());
	else
		strscpy(desc, (*be)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(eq_backend, eq_backends, eq_backend_desc);

/*
 * Skips the case, saying why, when @be cannot run on this machine. The
 * reason is logged too: KUnit 6.1 drops a parameter's skip message.
 */
static void eq_require(struct kunit *test, const struct eq_backend *be)
{
	const char *why = be->unavailable ? be->unavailable() : NULL;

	if (!why)
		return;
	kunit_info(test, "skipped: %s: %s\n", be->name, why);
	kunit_skip(test, "%s: %s", be->name, why);
}

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

/* Every operation, every argument triple: same result, same memory. */
static void atomic_backend_matches_kernel_test(struct kunit *test)
{
	const struct eq_backend *be =
		*(const struct eq_backend * const *)test->param_value;
	const size_t nv = ARRAY_SIZE(eq_values);
	struct eq_cell ref, got;
	unsigned int o, i, checked = 0;
	bool never = false;

	eq_require(test, be);
	for (o = 0; o < EQ_NR_OPS; o++) {
		for (i = 0; i < nv * nv * nv; i++) {
			long w0 = eq_values[i % nv];
			long a = eq_values[(i / nv) % nv];
			long b = eq_values[i / (nv * nv)];
			long r_ref, r_got;

			/* cmpxchg: also take the success path on purpose. */
			if (eq_op_kind[o] == EQ_CMPXCHG && i / (nv * nv) == 0)
				a = w0;
			eq_cell_init(&ref, eq_op_long[o], w0);
			eq_cell_init(&got, eq_op_long[o], w0);
			r_ref = eq_kernel_fns[o](&ref.i, a, b);
			r_got = be->fn[o](&got.i, a, b);
			checked++;
			KUNIT_EXPECT_EQ_MSG(test, r_got, r_ref,
					    "%s(%lx, %lx, %lx) returned differently",
					    eq_op_name[o], w0, a, b);
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&got, &ref, sizeof(ref)), 0,
					    "%s(%lx, %lx, %lx) left memory differently",
					    eq_op_name[o], w0, a, b);
			KUNIT_EXPECT_EQ(test, got.before, EQ_GUARD);
			KUNIT_EXPECT_EQ(test, got.after, EQ_GUARD);
			if (test->status == KUNIT_FAILURE)
				return;
		}
	}

	/* cond_read whose condition holds at once: returns the word. */
	for (i = 0; i < nv; i++) {
		for (o = 0; o < EQ_NR_WAITS; o++) {
			bool is_long = o == EQ_WAIT_LACQ || o == EQ_WAIT_LRLX;
			long want = is_long ? eq_values[i] : (int)eq_values[i];

			eq_cell_init(&got, is_long, want);
			eq_cell_init(&ref, is_long, want);
			KUNIT_EXPECT_EQ_MSG(test, be->wait[o](&got.i, want, &never),
					    want, "cond_read %u on %lx", o, want);
			KUNIT_EXPECT_EQ(test, memcmp(&got, &ref, sizeof(ref)), 0);
			checked++;
		}
	}
	kunit_info(test, "%s: %u operation/argument combinations agree with the kernel's\n",
		   be->name, checked);
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

/* ------------------------------------------------------------------------ */

#define HAMMER_ITERS	10000
#define HAMMER_MAX	4

/* Indexed by iteration & 3: full, acquire, release, relaxed. */
#define EQ_ORDERS(pfx, op) { EQ_##pfx##_##op, EQ_##pfx##_##op##_acquire,	\
			     EQ_##pfx##_##op##_release, EQ_##pfx##_##op##_relaxed }

static const u8 hammer_fadd[2][4] = {
	EQ_ORDERS(atomic, fetch_add), EQ_ORDERS(atomic_long, fetch_add)
};

static const u8 hammer_cas[2][4] = {
	EQ_ORDERS(atomic, cmpxchg), EQ_ORDERS(atomic_long, cmpxchg)
};

static const u8 hammer_xchg[2][4] = {
	EQ_ORDERS(atomic, xchg), EQ_ORDERS(atomic_long, xchg)
};

/* The long words move by this much: both halves of a 64-bit word carry. */
#define HAMMER_LONG_ADD	((long)(BIT_ULL(BITS_PER_LONG - 32) | 1))

struct hammer_mp {
	long data;		/* plain; written only by its owner thread */
	atomic_t flag;		/* = the iteration whose data is published */
	long ldata;
	atomic_long_t lflag;
};

struct hammer {
	const struct eq_backend *be;
	unsigned int threads;
	atomic_t add;
	atomic_long_t ladd;
	atomic_t cas;
	atomic_long_t lcas;
	atomic_t swap;
	atomic_long_t lswap;
	atomic64_t swapped;	/* sum of what every xchg took out */
	atomic64_t lswapped;
	atomic_t mp_errors;
	struct hammer_mp mp[HAMMER_MAX];
};

/* The value thread @id puts into the xchg word at iteration @i: unique. */
static long hammer_token(unsigned int id, unsigned int i, bool is_long)
{
	long t = (long)id * HAMMER_ITERS + i + 1;

	return is_long ? t * HAMMER_LONG_ADD : t;
}

static void hammer_cas_inc(const struct eq_backend *be, void *w, int is_long,
			   long inc, unsigned int order)
{
	u8 op = hammer_cas[is_long][order];
	long old = is_long ? atomic_long_read(w) : atomic_read(w);

	for (;;) {
		long seen = be->fn[op](w, old, old + inc);

		if (seen == old)
			return;
		old = seen;
	}
}

/*
 * Message passing through each slot: its owner writes data = i, then
 * publishes flag = i with a release store; the next thread reads flag with
 * an acquire load, then data. The acquire pairs with the release, so data
 * is at least the flag it read.
 */
static void hammer_mp(struct hammer *h, unsigned int id, unsigned int i)
{
	const struct eq_backend *be = h->be;
	struct hammer_mp *own = &h->mp[id];
	struct hammer_mp *next = &h->mp[(id + 1) % h->threads];
	long f;

	WRITE_ONCE(own->data, i);
	be->fn[EQ_atomic_set_release](&own->flag, i, 0);
	WRITE_ONCE(own->ldata, (long)i * HAMMER_LONG_ADD);
	be->fn[EQ_atomic_long_set_release](&own->lflag,
					   (long)i * HAMMER_LONG_ADD, 0);

	f = be->fn[EQ_atomic_read_acquire](&next->flag, 0, 0);
	if (READ_ONCE(next->data) < f)
		atomic_inc(&h->mp_errors);
	f = be->fn[EQ_atomic_long_read_acquire](&next->lflag, 0, 0);
	if (READ_ONCE(next->ldata) < f)
		atomic_inc(&h->mp_errors);
}

static int hammer_thread(void *arg, unsigned int id)
{
	struct hammer *h = arg;
	const struct eq_backend *be = h->be;
	u64 took = 0, ltook = 0;
	unsigned int i;

	for (i = 0; i < HAMMER_ITERS; i++) {
		unsigned int o = i & 3;

		be->fn[hammer_fadd[0][o]](&h->add, 1, 0);
		be->fn[hammer_fadd[1][o]](&h->ladd, HAMMER_LONG_ADD, 0);
		hammer_cas_inc(be, &h->cas, 0, 1, o);
		hammer_cas_inc(be, &h->lcas, 1, HAMMER_LONG_ADD, o);
		took += (u64)be->fn[hammer_xchg[0][o]](&h->swap,
					hammer_token(id, i, false), 0);
		ltook += (u64)be->fn[hammer_xchg[1][o]](&h->lswap,
					hammer_token(id, i, true), 0);
		hammer_mp(h, id, i);
		if (!(i & 255))
			cond_resched();
	}
	atomic64_add(took, &h->swapped);
	atomic64_add(ltook, &h->lswapped);
	return 0;
}

struct hammer_param {
	const struct eq_backend *be;
	unsigned int threads;
};

#define EQ_HAMMER_PARAMS(id)	{ &eq_backend_##id, 2 }, { &eq_backend_##id, 4 },
static const struct hammer_param hammer_params[] = {
	EQ_BACKENDS(EQ_HAMMER_PARAMS)
};

static void hammer_desc(const struct hammer_param *p, char *desc)
{
	if (p->be == &eq_backend_selected)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "selected:%s/%u-threads",
			 lab_atomic_backend_name(), p->threads);
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s/%u-threads",
			 p->be->name, p->threads);
}

KUNIT_ARRAY_PARAM(hammer, hammer_params, hammer_desc);

static void atomic_concurrent_counts_exact_test(struct kunit *test)
{
	const struct hammer_param *p = test->param_value;
	struct lab_run_opts opts = { .timeout_ms = 120000 };
	u64 n = p->threads, total = n * HAMMER_ITERS;
	u64 sum = total * (total + 1) / 2;	/* all tokens put in */
	struct hammer *h;
	int ret;

	lab_test_needs_smp(test);
	eq_require(test, p->be);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->be = p->be;
	h->threads = p->threads;
	ret = lab_run_threads(p->threads, hammer_thread, h, &opts);
	KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK, "threads stuck: state leaked");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->add), (int)total);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->ladd),
			(long)(total * HAMMER_LONG_ADD));
	KUNIT_EXPECT_EQ(test, atomic_read(&h->cas), (int)total);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&h->lcas),
			(long)(total * HAMMER_LONG_ADD));
	/* Taken out + left in = put in, for every xchg word. */
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&h->swapped) +
			(u64)atomic_read(&h->swap), sum);
	KUNIT_EXPECT_EQ(test, (u64)atomic64_read(&h->lswapped) +
			(u64)atomic_long_read(&h->lswap),
			sum * (u64)HAMMER_LONG_ADD);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->mp_errors), 0);
	kfree(h);
}

/* ------------------------------------------------------------------------ */

#define HANDOFF_ROUNDS	3000

struct handoff {
	const struct eq_backend *be;
	bool is_long;
	atomic_t turn;
	atomic_long_t lturn;
	unsigned long data;	/* plain: only the thread whose turn it is */
	bool stop;
	atomic_t errors;
};

/*
 * Thread @id owns the turns t with t % 2 == id. It waits for turn == t,
 * bumps the plain counter, and publishes turn = t + 1. Round k publishes and
 * observes in style k % 3:
 *
 *   publisher                         observer
 *   0: set_release(turn, t + 1)       cond_read_acquire(turn == t + 1)
 *   1: fence_release; set(turn, ..)   cond_read_relaxed(..); fence_acquire
 *   2: mb; set(turn, ..)              cond_read_relaxed(..); mb
 *
 * The observer of turn t + 1 runs round k (thread 1) or k + 1 (thread 0),
 * so every publishing style meets every observing style. Each pair is a
 * release (store or fence before the store) read by an acquire (load or
 * fence after the load), so each turn's increment of the counter happens
 * before the next turn's.
 */
static int handoff_thread(void *arg, unsigned int id)
{
	struct handoff *s = arg;
	const struct eq_backend *be = s->be;
	void *w = s->is_long ? (void *)&s->lturn : (void *)&s->turn;
	u8 set = s->is_long ? EQ_atomic_long_set_release : EQ_atomic_set_release;
	unsigned int k;

	for (k = 0; k < HANDOFF_ROUNDS; k++) {
		long t = 2 * k + id;
		unsigned int style = k % 3;
		long seen;

		seen = be->wait[(style ? EQ_WAIT_RLX : EQ_WAIT_ACQ) +
				(s->is_long ? 2 : 0)](w, t, &s->stop);
		/*
		 * Acquire side: pairs with the release side (set_release,
		 * fence_release or mb) before the store that ended the wait.
		 */
		if (style == 1)
			be->fence_acquire();
		else if (style == 2)
			be->full_barrier();	/* as an acquire fence, see above */
		if (seen != t) {
			if (READ_ONCE(s->stop))
				return -ETIMEDOUT;
			atomic_inc(&s->errors);
			return -EIO;
		}

		s->data++;

		if (style == 0) {
			be->fn[set](w, t + 1, 0);
			continue;
		}
		/*
		 * Release side: pairs with the acquire side (cond_read_acquire,
		 * fence_acquire or mb) of the wait this store ends.
		 */
		if (style == 1)
			be->fence_release();
		else
			be->full_barrier();	/* as a release fence, see above */
		if (s->is_long)
			atomic_long_set(w, t + 1);
		else
			atomic_set(w, t + 1);
	}
	return 0;
}

static void atomic_cond_read_handoff_test(struct kunit *test)
{
	const struct eq_backend *be =
		*(const struct eq_backend * const *)test->param_value;
	struct handoff *s;
	int is_long, ret;

	eq_require(test, be);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs: a busy-wait does not yield");

	for (is_long = 0; is_long < 2; is_long++) {
		struct lab_run_opts opts = { .timeout_ms = 60000, .bind = true };

		s = kzalloc(sizeof(*s), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		s->be = be;
		s->is_long = is_long;
		opts.stop = &s->stop;
		ret = lab_run_threads(2, handoff_thread, s, &opts);
		KUNIT_ASSERT_NE_MSG(test, ret, -EDEADLK,
				    "threads stuck: state leaked");
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s word",
				    is_long ? "long" : "int");
		KUNIT_EXPECT_EQ(test, atomic_read(&s->errors), 0);
		KUNIT_EXPECT_EQ(test, s->data, 2UL * HANDOFF_ROUNDS);
		if (is_long)
			KUNIT_EXPECT_EQ(test, atomic_long_read(&s->lturn),
					2L * HANDOFF_ROUNDS);
		else
			KUNIT_EXPECT_EQ(test, atomic_read(&s->turn),
					2 * HANDOFF_ROUNDS);
		kfree(s);
	}
}

/* ------------------------------------------------------------------------ */

#if LAB_HAVE_ARM64_ATOMICS
/* Atomic field of this CPU's own ID_AA64ISAR0_EL1, not the system's. */
static bool arm64_this_cpu_has_lse(void)
{
	u64 isar0 = read_sysreg_s(SYS_ID_AA64ISAR0_EL1);

	return cpuid_feature_extract_unsigned_field(isar0,
			ID_AA64ISAR0_EL1_ATOMIC_SHIFT) >=
	       ID_AA64ISAR0_EL1_ATOMIC_IMP;
}

/*
 * The path in use is the one everything else implies:
 *  - the kernel uses LSE iff the CPUs have it (and it was built for it);
 *  - locklab uses LSE iff the kernel does, unless atomics=llsc;
 *  - the backend name reports that path;
 *  - and it is the path the command line expects, if it says.
 */
static void atomic_arm64_path_matches_cpu_test(struct kunit *test)
{
	bool cpu = lab_arm64_cpu_has_lse();
	bool kernel = system_uses_lse_atomics();
	bool forced = lab_arm64_llsc_forced();
	bool used = lab_arm64_uses_lse();
	const char *name = lab_arm64_backend_name();

	kunit_info(test, "CPUs %s LSE, kernel %s it, atomics=llsc %s: %s; expected %s\n",
		   cpu ? "have" : "lack", kernel ? "uses" : "does not use",
		   forced ? "given" : "not given", name,
		   *expect_atomics ? expect_atomics : "(not given)");

	KUNIT_EXPECT_TRUE_MSG(test, !cpu || arm64_this_cpu_has_lse(),
			      "system-wide ID register claims LSE, this CPU does not");
	KUNIT_EXPECT_EQ(test, kernel,
			cpu && IS_ENABLED(CONFIG_ARM64_LSE_ATOMICS));
	KUNIT_EXPECT_EQ(test, used, kernel && !forced);
	KUNIT_EXPECT_STREQ(test, name,
			   used ? LAB_ARM64_LSE_NAME : LAB_ARM64_LLSC_NAME);
	if (LAB_HAVE_ARCH_ATOMICS)
		KUNIT_EXPECT_STREQ(test, lab_atomic_backend_name(), name);
	else
		KUNIT_EXPECT_STREQ(test, lab_atomic_backend_name(),
				   LAB_GENERIC_BACKEND_NAME);

	if (*expect_atomics)
		KUNIT_EXPECT_STREQ_MSG(test, used ? "lse" : "llsc",
				       expect_atomics,
				       "the run expected another atomics path");
}
#else
static void atomic_arm64_path_matches_cpu_test(struct kunit *test)
{
	kunit_skip(test, "not an arm64 build");
}
#endif

static struct kunit_case atomic_test_cases[] = {
	KUNIT_CASE(atomic_arm64_path_matches_cpu_test),
	KUNIT_CASE_PARAM(atomic_backend_matches_kernel_test,
			 eq_backend_gen_params),
	KUNIT_CASE(atomic_try_cmpxchg_updates_old_test),
	KUNIT_CASE_PARAM(atomic_concurrent_counts_exact_test,
			 hammer_gen_params),
	KUNIT_CASE_PARAM(atomic_cond_read_handoff_test,
			 eq_backend_gen_params),
	{}
};

static struct kunit_suite atomic_test_suite = {
	.name = "locklab_atomic",
	.test_cases = atomic_test_cases,
};

kunit_test_suites(&atomic_test_suite);
