// SPDX-License-Identifier: GPL-2.0
/*
 * locklab litmus tests: four two-thread programs, each run for many rounds
 * under each way of ordering its accesses, counting every outcome.
 *
 * The tests (x and y start at 0 every round; r0 is bit 0 of the outcome,
 * r1 bit 1; "target" is the outcome the orderings below are about):
 *
 *   SB    T0: x = 1; r0 = y       T1: y = 1; r1 = x      target 0: r0=0 r1=0
 *   MP    T0: x = 1; y = 1        T1: r0 = y; r1 = x     target 1: r0=1 r1=0
 *   LB    T0: r0 = x; y = 1       T1: r1 = y; x = 1      target 3: r0=1 r1=1
 *   2+2W  T0: x = 1; y = 2        T1: y = 1; x = 2       target 0: x=1 y=1
 *         (2+2W has no loads: r0 is "x == 2" and r1 "y == 2" once the
 *          round is over)
 *
 * Orderings (enum locklab_lab_ordering): relaxed (READ_ONCE/WRITE_ONCE);
 * acqrel (smp_store_release/smp_load_acquire); lab-acqrel (locklab's own
 * lab_atomic_set_release/lab_atomic_read_acquire); lab-mb (a relaxed pair
 * with lab_mb(), the hand-written mfence / dmb ish, between); smp-mb (with
 * smp_mb()); rwmb (smp_wmb() between two stores, smp_rmb() between two
 * loads: MP and 2+2W). In MP and 2+2W the release is the second store
 * and the acquire the first load; the other access stays relaxed.
 *
 * Which orderings forbid the target, and why:
 *
 *  - SB. The target needs each load to run before the other thread's store
 *    is visible, while its own store waits: a store passed by a later load
 *    (what a store buffer does). Release orders what comes before a store,
 *    acquire what comes after a load; neither orders a store before a later
 *    load, so the kernel memory model (LKMM) allows the target under
 *    acqrel. Only a full fence forbids it (LKMM: the propagation axiom).
 *    x86-64 (TSO) allows exactly this one reordering, also for its
 *    acquire/release (plain movs); Armv8 forbids it for stlr followed by
 *    ldar (its release/acquire are sequentially consistent with each
 *    other), which the LKMM does not promise.
 *  - MP. The target is the flag seen and the data not. It is forbidden as
 *    soon as the writer orders its two stores (release, smp_wmb, a fence)
 *    and the reader its two loads (acquire, smp_rmb, a fence): the
 *    reader's data load reads before the data store (fr), which is ordered
 *    before the flag store, which the flag load read (rf): the data load
 *    would have to come before the flag load, against the reader's order.
 *    Relaxed: allowed by the LKMM and by Armv8; TSO keeps stores in order
 *    and loads in order, so x86-64 forbids it.
 *  - LB. The target needs each load to read a store that comes after the
 *    other thread's load in its program order: a load passed by a later
 *    store. Forbidden when each thread orders load before store: acquire
 *    on the load, release on the store (both here), or a full fence; a
 *    cycle of program order and reads-from. smp_rmb/smp_wmb order neither
 *    (not offered). Relaxed: allowed by the LKMM and Armv8, forbidden by
 *    TSO (a store never passes an earlier load).
 *  - 2+2W. The target means the coherence order of x and of y both end
 *    with the first store of a thread, a cycle of two coherence edges and
 *    two program orders. The LKMM forbids it only with a strong fence in
 *    both threads: in tools/memory-model/linux-kernel.cat the propagation
 *    axiom needs a strong fence for every link that is not reads-from,
 *    and release or smp_wmb, which order how the two stores of one thread
 *    propagate, do not order two coherence orders. Both x86-64 (stores in
 *    order) and Armv8 (a store is ordered before a later stlr or dmb
 *    ishst-separated store, and coherence respects that order) forbid it
 *    under every ordering but relaxed on Armv8.
 *
 * A round: both threads meet (lab_pair_meet_relaxed(), one cache line each
 * way), run their two accesses, record their result bits. Rounds come in
 * batches with fresh variables, a cache line each (so r0 and r1 of one
 * round never share a line with another variable): thread 0 zeroes a
 * batch, both meet with RELEASE/ACQUIRE (the zeroes happen before any
 * round of the batch), run it, meet again (every result happens before the
 * count), and thread 0 counts. The round meeting is only about time: any
 * outcome a round produces is one the program allows, whenever each
 * thread really started, because its variables are its own. Each
 * (test, ordering, thread) has its own function, generated below, so the
 * timed loop is straight-line code.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <locklab/atomic.h>
#include <locklab/lab.h>

#include "lab/lab_internal.h"

#define LITMUS_BATCH	256
#define LITMUS_TARGET_MASK(o)	(1U << (o))

struct litmus_vars {
	atomic_t x ____cacheline_aligned_in_smp;
	atomic_t y ____cacheline_aligned_in_smp;
};

struct litmus_run;
typedef void (*litmus_body_fn)(struct litmus_run *lr, unsigned int n, u32 *phase);

struct litmus_run {
	litmus_body_fn body[2];
	bool final;			/* 2+2W: the outcome is x and y after */
	u64 rounds;
	bool stop;
	struct lab_pair pair;
	u8 res0[LITMUS_BATCH] ____cacheline_aligned_in_smp;
	u8 res1[LITMUS_BATCH] ____cacheline_aligned_in_smp;
	u64 counts[4];
	struct litmus_vars vars[LITMUS_BATCH];
};

/*
 * The accesses and fences of each ordering, pasted into the bodies:
 * ST/LD the ordered access, FWW/FRR/FWR/FRW what goes between a store and
 * a store, a load and a load, a store and a load, a load and a store.
 * Weaker than full, each on purpose: the test is what they order. The
 * release/acquire forms pair with each other across the two threads.
 */
#define ST_relaxed(v, i)	atomic_set(v, i)
#define LD_relaxed(v)		atomic_read(v)
/* RELEASE: pairs with the other thread's ACQUIRE load (LD_acqrel). */
#define ST_acqrel(v, i)		smp_store_release(&(v)->counter, i)
/* ACQUIRE: pairs with the other thread's RELEASE store (ST_acqrel). */
#define LD_acqrel(v)		smp_load_acquire(&(v)->counter)
#define ST_labacqrel(v, i)	lab_atomic_set_release(v, i)
#define LD_labacqrel(v)		lab_atomic_read_acquire(v)
#define ST_labmb		ST_relaxed
#define LD_labmb		LD_relaxed
#define ST_smpmb		ST_relaxed
#define LD_smpmb		LD_relaxed
#define ST_rwmb			ST_relaxed
#define LD_rwmb			LD_relaxed

#define LITMUS_NOFENCE()	do { } while (0)
#define F_relaxed		LITMUS_NOFENCE
#define F_acqrel		LITMUS_NOFENCE
#define F_labacqrel		LITMUS_NOFENCE
#define F_labmb			lab_mb
#define F_smpmb			smp_mb
#define FWW_relaxed		F_relaxed
#define FWW_acqrel		F_acqrel
#define FWW_labacqrel		F_labacqrel
#define FWW_labmb		F_labmb
#define FWW_smpmb		F_smpmb
#define FWW_rwmb		smp_wmb
#define FRR_relaxed		F_relaxed
#define FRR_acqrel		F_acqrel
#define FRR_labacqrel		F_labacqrel
#define FRR_labmb		F_labmb
#define FRR_smpmb		F_smpmb
#define FRR_rwmb		smp_rmb

/*
 * One thread's rounds of one batch: meet, run @stmt on this round's
 * variables @v, keep its result bits in @res[i].
 */
#define LITMUS_BODY(name, me, stmt)					\
static void name(struct litmus_run *lr, unsigned int n, u32 *phase)	\
{									\
	u8 *res = (me) ? lr->res1 : lr->res0;				\
	struct litmus_vars *v = lr->vars;				\
	unsigned int i;							\
	u8 r;								\
									\
	for (i = 0; i < n; i++, v++) {					\
		if (!lab_pair_meet_relaxed(&lr->pair, me, ++*phase,	\
					   &lr->stop))			\
			return;						\
		stmt;							\
		res[i] = r;						\
	}								\
}

/* SB: store mine, then load the other's. */
#define LITMUS_SB(o)							\
	LITMUS_BODY(sb_##o##_0, 0,					\
		    ST_##o(&v->x, 1); F_##o(); r = LD_##o(&v->y))	\
	LITMUS_BODY(sb_##o##_1, 1,					\
		    ST_##o(&v->y, 1); F_##o(); r = LD_##o(&v->x) << 1)

/* MP: T0 writes the data (x) then the flag (y); T1 reads them back. */
#define LITMUS_MP(o)							\
	LITMUS_BODY(mp_##o##_0, 0,					\
		    ST_relaxed(&v->x, 1); FWW_##o(); ST_##o(&v->y, 1);	\
		    r = 0)						\
	LITMUS_BODY(mp_##o##_1, 1,					\
		    r = LD_##o(&v->y); FRR_##o();			\
		    r |= LD_relaxed(&v->x) << 1)

/* LB: load the other's, then store mine. */
#define LITMUS_LB(o)							\
	LITMUS_BODY(lb_##o##_0, 0,					\
		    r = LD_##o(&v->x); F_##o(); ST_##o(&v->y, 1))	\
	LITMUS_BODY(lb_##o##_1, 1,					\
		    r = LD_##o(&v->y) << 1; F_##o(); ST_##o(&v->x, 1))

/* 2+2W: two stores each, in opposite orders; the outcome is read after. */
#define LITMUS_2P2W(o)							\
	LITMUS_BODY(w2_##o##_0, 0,					\
		    ST_relaxed(&v->x, 1); FWW_##o(); ST_##o(&v->y, 2);	\
		    r = 0)						\
	LITMUS_BODY(w2_##o##_1, 1,					\
		    ST_relaxed(&v->y, 1); FWW_##o(); ST_##o(&v->x, 2);	\
		    r = 0)

LITMUS_SB(relaxed)
LITMUS_SB(acqrel)
LITMUS_SB(labacqrel)
LITMUS_SB(labmb)
LITMUS_SB(smpmb)
LITMUS_MP(relaxed)
LITMUS_MP(acqrel)
LITMUS_MP(labacqrel)
LITMUS_MP(labmb)
LITMUS_MP(smpmb)
LITMUS_MP(rwmb)
LITMUS_LB(relaxed)
LITMUS_LB(acqrel)
LITMUS_LB(labacqrel)
LITMUS_LB(labmb)
LITMUS_LB(smpmb)
LITMUS_2P2W(relaxed)
LITMUS_2P2W(acqrel)
LITMUS_2P2W(labacqrel)
LITMUS_2P2W(labmb)
LITMUS_2P2W(smpmb)
LITMUS_2P2W(rwmb)

#define ORD(o)		BIT(LOCKLAB_LAB_##o)
#define ORD_ALL		(ORD(RELAXED) | ORD(ACQREL) | ORD(LAB_ACQREL) |	\
			 ORD(LAB_MB) | ORD(SMP_MB))
#define ORD_FULL	(ORD(LAB_MB) | ORD(SMP_MB))
#define ORD_ORDERED	(ORD_ALL & ~ORD(RELAXED))

/**
 * struct litmus_test - one test, its bodies and what forbids its target
 * @id: enum locklab_lab_experiment
 * @target: the outcome the orderings are about
 * @final: the outcome is read from x and y after the round (2+2W)
 * @takes: ORD() bits of the orderings it runs under
 * @lkmm: orderings under which the kernel memory model forbids @target
 * @tso: the same for x86-64 (TSO)
 * @armv8: the same for arm64 (Armv8)
 * @body: per ordering, the two threads' functions
 */
struct litmus_test {
	u32 id;
	u8 target;
	bool final;
	u32 takes;
	u32 lkmm;
	u32 tso;
	u32 armv8;
	struct {
		litmus_body_fn thread[2];
	} body[LOCKLAB_LAB_RWMB + 1];
};

#define LITMUS_ORD(t, O, o)	[LOCKLAB_LAB_##O] = { { t##_##o##_0, t##_##o##_1 } }
#define LITMUS_BODIES(t)						\
	LITMUS_ORD(t, RELAXED, relaxed), LITMUS_ORD(t, ACQREL, acqrel),	\
	LITMUS_ORD(t, LAB_ACQREL, labacqrel),				\
	LITMUS_ORD(t, LAB_MB, labmb), LITMUS_ORD(t, SMP_MB, smpmb)

static const struct litmus_test litmus_tests[] = {
	{ .id = LOCKLAB_LAB_SB, .target = 0, .takes = ORD_ALL,
	  .lkmm = ORD_FULL, .tso = ORD_FULL, .armv8 = ORD_ORDERED,
	  .body = { LITMUS_BODIES(sb) } },
	{ .id = LOCKLAB_LAB_MP, .target = 1, .takes = ORD_ALL | ORD(RWMB),
	  .lkmm = ORD_ORDERED | ORD(RWMB), .tso = ORD_ALL | ORD(RWMB),
	  .armv8 = ORD_ORDERED | ORD(RWMB),
	  .body = { LITMUS_BODIES(mp), LITMUS_ORD(mp, RWMB, rwmb) } },
	{ .id = LOCKLAB_LAB_LB, .target = 3, .takes = ORD_ALL,
	  .lkmm = ORD_ORDERED, .tso = ORD_ALL, .armv8 = ORD_ORDERED,
	  .body = { LITMUS_BODIES(lb) } },
	{ .id = LOCKLAB_LAB_2P2W, .target = 0, .final = true,
	  .takes = ORD_ALL | ORD(RWMB), .lkmm = ORD_FULL,
	  .tso = ORD_ALL | ORD(RWMB), .armv8 = ORD_ORDERED | ORD(RWMB),
	  .body = { LITMUS_BODIES(w2), LITMUS_ORD(w2, RWMB, rwmb) } },
};

static const struct litmus_test *litmus_find(u32 id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(litmus_tests); i++)
		if (litmus_tests[i].id == id)
			return &litmus_tests[i];
	return NULL;
}

/* Does litmus test @experiment run under @ordering? */
bool lab_litmus_takes(u32 experiment, u32 ordering)
{
	const struct litmus_test *t = litmus_find(experiment);

	return t && ordering <= LOCKLAB_LAB_RWMB && (t->takes & BIT(ordering));
}

/**
 * lab_litmus_forbidden() - outcomes a model forbids
 * @experiment: a litmus test
 * @ordering: an ordering it takes
 * @arch: false: the kernel memory model; true: this CPU's architecture
 *	(x86-64 TSO, Armv8; elsewhere the kernel memory model)
 *
 * Return: bit i set when outcome i is forbidden.
 */
u32 lab_litmus_forbidden(u32 experiment, u32 ordering, bool arch)
{
	const struct litmus_test *t = litmus_find(experiment);
	u32 forbids;

	if (!t)
		return 0;
	forbids = t->lkmm;
	if (arch && IS_ENABLED(CONFIG_X86_64) && !IS_ENABLED(CONFIG_UML))
		forbids = t->tso;
	else if (arch && IS_ENABLED(CONFIG_ARM64))
		forbids = t->armv8;
	return forbids & BIT(ordering) ? LITMUS_TARGET_MASK(t->target) : 0;
}

/* Thread 0, between batches: the outcome of each round of the last one. */
static void litmus_count(struct litmus_run *lr, unsigned int n)
{
	unsigned int i, o;

	for (i = 0; i < n; i++) {
		if (lr->final)
			o = (atomic_read(&lr->vars[i].x) == 2) |
			    (atomic_read(&lr->vars[i].y) == 2) << 1;
		else
			o = lr->res0[i] | lr->res1[i];
		lr->counts[o & 3]++;
	}
}

static int litmus_thread(void *arg, unsigned int me)
{
	struct litmus_run *lr = arg;
	u32 phase = 0;
	unsigned int n;
	u64 done;

	for (done = 0; done < lr->rounds; done += n) {
		n = min_t(u64, LITMUS_BATCH, lr->rounds - done);
		if (!me)
			memset(lr->vars, 0, n * sizeof(*lr->vars));
		if (!lab_pair_meet(&lr->pair, me, ++phase, &lr->stop))
			return -EINTR;
		lr->body[me](lr, n, &phase);
		if (!lab_pair_meet(&lr->pair, me, ++phase, &lr->stop))
			return -EINTR;
		if (!me)
			litmus_count(lr, n);
		/*
		 * Meetings that never wait never look at stop: look once a
		 * batch, so a killed run ends within a batch, not its rounds.
		 */
		if (READ_ONCE(lr->stop))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/**
 * lab_litmus_run() - run one litmus test under one ordering
 * @cfg: checked by lab_exp_check(): a litmus test, an ordering it takes,
 *	two threads
 * @res: out: @results[0..3] the count of each outcome (they sum to the
 *	rounds), @forbidden and @arch_forbidden
 *
 * Return: 0, -ENOMEM, -EINTR or -ETIMEDOUT (see lab_exp_run()).
 */
int lab_litmus_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res)
{
	const struct litmus_test *t = litmus_find(cfg->experiment);
	struct litmus_run *lr;
	bool gone;
	int ret;

	lr = kvzalloc(sizeof(*lr), GFP_KERNEL_ACCOUNT);
	if (!lr)
		return -ENOMEM;
	lr->body[0] = t->body[cfg->variant].thread[0];
	lr->body[1] = t->body[cfg->variant].thread[1];
	lr->final = t->final;
	lr->rounds = cfg->rounds;
	res->forbidden = lab_litmus_forbidden(t->id, cfg->variant, false);
	res->arch_forbidden = lab_litmus_forbidden(t->id, cfg->variant, true);
	res->nr_results = 4;

	ret = lab_exp_threads(cfg, 2, litmus_thread, lr, &lr->stop,
			      &res->elapsed_ns, &gone);
	if (gone)
		return ret;	/* abandoned: the threads free lr */
	if (!ret)
		memcpy(res->results, lr->counts, sizeof(lr->counts));
	kvfree(lr);
	return ret;
}
