// SPDX-License-Identifier: GPL-2.0
/*
 * locklab cache experiments (book ch. 7, "Caching" and "Impact on
 * Performance"): what the coherence protocol makes a memory access cost
 * when another CPU wants the same cache line. Each experiment times two
 * to four configurations of one loop in the same run, interleaved
 * (A B [C [D]], four times over), so that a drift of the host hits every
 * configuration alike; the report is their ratio.
 *
 *  - False sharing. Two threads each increment a counter of their own
 *    (a plain load and store: no atomic, no sharing in the program).
 *    A: the two counters are neighbours in one cache line. B: they are
 *    128 bytes apart (two lines; some CPUs fetch lines in pairs). Each
 *    store needs the line exclusive, so in A the line moves between the
 *    CPUs on almost every increment: A/B is the price of that.
 *  - Failed vs successful cmpxchg on a contended line. Two threads hammer
 *    one word. A: compare-and-exchange that always fails (the word is 0,
 *    the expected value 1). B: one that always succeeds (expects 0,
 *    stores 0). C: plain loads. A load can share the line; an RMW asks
 *    for it exclusive, and on most CPUs it asks whether or not the
 *    compare will succeed: A/C shows whether a failure costs like a write
 *    (x86's lock cmpxchg always writes; an LL/SC cmpxchg that fails its
 *    compare never reaches its store-exclusive).
 *  - TTAS vs TAS. THREADS threads take one test-and-set spin lock in turn,
 *    with a short critical section. A (TAS): a waiter spins on the swap
 *    itself. B (TTAS): a waiter spins on a plain load and swaps only once
 *    the lock looks free. Every swap takes the line exclusive, also from
 *    the holder that needs it to unlock; a load leaves it shared. The
 *    swaps each issued are counted too.
 *  - Hand-off: what passing a lock from one CPU to another costs, which a
 *    fair lock pays on every acquisition under contention and an unfair
 *    one mostly does not. A and B: two threads pass a ball, a word whose
 *    parity says whose turn it is; a thread waits for its parity and
 *    stores the next value (a RELEASE store read by an ACQUIRE load, as a
 *    lock hand-over is). A spins with lab_cpu_relax() between its loads
 *    (pause on x86, yield on arm64), as every spin lock's wait does; B
 *    with a compiler barrier only, so A - B is what the relax instruction
 *    adds to a hand-off (QEMU TCG leaves its translated code on every x86
 *    pause). C and D: both threads take one lock in a loop, C the
 *    kernel's spinlock_t (qspinlock; an rt_mutex that may sleep on
 *    PREEMPT_RT), D locklab's ticket lock; each section increments a
 *    counter and notes its thread, and a section whose previous one (in
 *    the same slice) ran on the other thread is a hand-over, counted.
 *    The ticket lock hands over whenever the other thread waits; a
 *    qspinlock holder that relocks at once often wins again.
 *
 * Counters and ordering. The cmpxchg, swaps and loads of the experiments
 * are relaxed (lab_atomic_*_relaxed(), atomic_read()) where the ordering
 * is not what is measured; the spin lock's acquire swap pairs with its
 * release store, as in lab_tas_lock(); the ball's ACQUIRE load pairs with
 * the other thread's RELEASE store of it. The hand-off sections' counter,
 * last thread and hand-over counts are plain, under their lock. The
 * per-configuration times are read by thread 0 between two fully ordered
 * meetings (lab_group_meet()), and every total only after
 * lab_run_threads() joined the threads.
 */
#include <linux/ktime.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <locklab/atomic.h>
#include <locklab/lab.h>
#include <locklab/spin_ticket.h>

#include "lab/lab_internal.h"

#define CACHE_SLICES	4
#define CACHE_CONFS	4
#define CACHE_RESCHED	4095	/* operations between cond_resched() */
#define CACHE_FAR	(128 / sizeof(unsigned long))
#define CACHE_NOBODY	UINT_MAX	/* hand-off: no section yet */

struct cache_run {
	u32 experiment;
	unsigned int threads;
	unsigned int nconf;
	u64 rounds;
	bool stop;
	atomic_t arrived;
	u64 ns[CACHE_CONFS];
	atomic64_t swaps[CACHE_CONFS];
	/* False sharing: neighbours, and two counters 128 bytes apart. */
	unsigned long near[2] __aligned(128);
	unsigned long far[2 * CACHE_FAR] __aligned(128);
	/* cmpxchg: the contended word. TTAS: the lock and its section. */
	struct {
		atomic_t word;
	} __aligned(128);
	struct {
		atomic_t lock;
		unsigned long held;	/* the section's counter */
	} __aligned(128);
	/* Hand-off: the ball, and the two locks with their sections. */
	struct {
		atomic_t ball;
	} __aligned(128);
	struct {
		spinlock_t klock;	/* C: protects the section below */
		struct lab_ticket_spinlock ticket;	/* D: the same */
		u64 sections;		/* C and D together */
		unsigned int last;	/* the thread of the last section */
		u64 handovers[2];	/* C, D */
	} __aligned(128);
};

/* Is it time to look at stop and let others run? True: stop. */
static bool cache_pause(struct cache_run *c, u64 i)
{
	if (likely(i & CACHE_RESCHED))
		return false;
	cond_resched();
	return READ_ONCE(c->stop);
}

static void cache_count(struct cache_run *c, unsigned long *ctr, u64 n)
{
	u64 i;

	for (i = 1; i <= n; i++) {
		/* Our own counter: marked only so the loop keeps its stores. */
		WRITE_ONCE(*ctr, READ_ONCE(*ctr) + 1);
		if (cache_pause(c, i))
			return;
	}
}

static void cache_cmpxchg(struct cache_run *c, unsigned int conf, u64 n)
{
	u64 i;

	for (i = 1; i <= n; i++) {
		/* Relaxed: the cost of each form is measured, not its order. */
		if (conf == 0)
			lab_atomic_cmpxchg_relaxed(&c->word, 1, 2);
		else if (conf == 1)
			lab_atomic_cmpxchg_relaxed(&c->word, 0, 0);
		else
			atomic_read(&c->word);
		if (cache_pause(c, i))
			return;
	}
}

/* One acquisition of the TAS lock; returns the swaps it issued. */
static __always_inline u64 cache_lock(struct cache_run *c, bool ttas)
{
	u64 swaps = 0;

	for (;;) {
		/* Relaxed: only a hint that the swap may succeed. */
		while (ttas && atomic_read(&c->lock))
			lab_cpu_relax();
		swaps++;
		/* ACQUIRE: pairs with the RELEASE store in cache_tas(). */
		if (!lab_atomic_xchg_acquire(&c->lock, 1))
			return swaps;
		if (!ttas)
			lab_cpu_relax();
	}
}

static u64 cache_tas(struct cache_run *c, bool ttas, u64 n)
{
	u64 i, swaps = 0;

	for (i = 1; i <= n; i++) {
		preempt_disable();	/* as a spin lock does: short holds */
		swaps += cache_lock(c, ttas);
		c->held++;		/* the section: plain, under the lock */
		/* RELEASE: pairs with the ACQUIRE swap in cache_lock(). */
		lab_atomic_set_release(&c->lock, 0);
		preempt_enable();
		if (cache_pause(c, i))
			break;
	}
	return swaps;
}

/*
 * Hand-off, A and B: wait for our parity, pass the ball on; @n times.
 * Thread 0 moves it from even to odd, thread 1 back: n round trips.
 */
static void cache_ball(struct cache_run *c, unsigned int id, bool relax,
		       u64 n)
{
	unsigned int spins = 0;
	unsigned int v;
	u64 i;

	for (i = 1; i <= n; i++) {
		/* ACQUIRE: pairs with the other thread's RELEASE below. */
		for (;;) {
			v = (unsigned int)lab_atomic_read_acquire(&c->ball);
			if ((v & 1) == id)
				break;
			if (relax)
				lab_cpu_relax();
			else
				barrier();
			if (lab_spin_stop(&spins, &c->stop))
				return;
		}
		/* RELEASE: what we did before goes with the ball. */
		lab_atomic_set_release(&c->ball, (int)(v + 1));
		if (cache_pause(c, i))
			return;
	}
}

/*
 * A hand-off section, under lock C or D: count it, and a hand-over when
 * the section before it ran on the other thread (CACHE_NOBODY: none did
 * yet in this slice, see cache_thread()).
 */
static void cache_handover_section(struct cache_run *c, unsigned int id,
				   unsigned int lock)
{
	c->sections++;
	if (c->last != id) {
		if (c->last != CACHE_NOBODY)
			c->handovers[lock]++;
		c->last = id;
	}
}

/* Hand-off, C: @n sections under spinlock_t. */
static void cache_handover_kernel(struct cache_run *c, unsigned int id, u64 n)
{
	u64 i;

	for (i = 1; i <= n; i++) {
		spin_lock(&c->klock);
		cache_handover_section(c, id, 0);
		spin_unlock(&c->klock);
		if (cache_pause(c, i))
			return;
	}
}

/* Hand-off, D: @n sections under the ticket lock. */
static void cache_handover_ticket(struct cache_run *c, unsigned int id, u64 n)
{
	u64 i;

	for (i = 1; i <= n; i++) {
		lab_ticket_lock(&c->ticket);
		cache_handover_section(c, id, 1);
		lab_ticket_unlock(&c->ticket);
		if (cache_pause(c, i))
			return;
	}
}

/* Thread @id's share of configuration @conf: @n operations. */
static void cache_work(struct cache_run *c, unsigned int id,
		       unsigned int conf, u64 n)
{
	switch (c->experiment) {
	case LOCKLAB_LAB_FALSE_SHARING:
		cache_count(c, conf ? &c->far[id * CACHE_FAR] : &c->near[id], n);
		break;
	case LOCKLAB_LAB_CMPXCHG:
		cache_cmpxchg(c, conf, n);
		break;
	case LOCKLAB_LAB_TTAS:
		/* Relaxed: summed after lab_run_threads() joined us. */
		atomic64_add(cache_tas(c, conf, n), &c->swaps[conf]);
		break;
	case LOCKLAB_LAB_HANDOFF:
		if (conf < 2)
			cache_ball(c, id, conf == 0, n);
		else if (conf == 2)
			cache_handover_kernel(c, id, n);
		else
			cache_handover_ticket(c, id, n);
		break;
	}
}

static int cache_thread(void *arg, unsigned int id)
{
	struct cache_run *c = arg;
	unsigned int s, conf;
	u32 phase = 0;
	u64 n, t0 = 0;

	for (s = 0; s < CACHE_SLICES; s++) {
		n = c->rounds / CACHE_SLICES + (s < c->rounds % CACHE_SLICES);
		for (conf = 0; conf < c->nconf; conf++) {
			/*
			 * Nobody is in a section between two meetings: the
			 * fully ordered meeting publishes the reset.
			 */
			if (!id)
				c->last = CACHE_NOBODY;
			if (!lab_group_meet(&c->arrived, c->threads, ++phase,
					    &c->stop))
				return -EINTR;
			if (!id)
				t0 = ktime_get_ns();
			cache_work(c, id, conf, n);
			if (!lab_group_meet(&c->arrived, c->threads, ++phase,
					    &c->stop))
				return -EINTR;
			if (!id)
				c->ns[conf] += ktime_get_ns() - t0;
		}
	}
	return 0;
}

/**
 * lab_cache_run() - time the configurations of one cache experiment
 * @cfg: checked: FALSE_SHARING, CMPXCHG, TTAS or HANDOFF; @rounds
 *	operations per thread per configuration
 * @res: out: FALSE_SHARING [0] ns one line, [1] ns two lines; CMPXCHG [0]
 *	ns failing, [1] ns succeeding, [2] ns loads; TTAS [0] ns TAS, [1] ns
 *	TTAS, [2] and [3] swaps issued, [4] the sections counted under the
 *	lock in both (2 x threads x rounds, unless an update was lost);
 *	HANDOFF [0] ns of round trips spinning with lab_cpu_relax(), [1]
 *	without, [2] ns of sections under spinlock_t, [3] under the ticket
 *	lock, [4] and [5] their hand-overs, [6] the sections counted in both
 *
 * Return: 0, -ENOMEM, -EINTR or -ETIMEDOUT (see lab_exp_run()).
 */
int lab_cache_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res)
{
	struct cache_run *c;
	unsigned int i;
	bool gone;
	int ret;

	c = kvzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->experiment = cfg->experiment;
	c->threads = cfg->threads;
	c->rounds = cfg->rounds;
	switch (cfg->experiment) {
	case LOCKLAB_LAB_CMPXCHG:
		c->nconf = 3;
		break;
	case LOCKLAB_LAB_HANDOFF:
		c->nconf = 4;
		spin_lock_init(&c->klock);
		lab_ticket_init(&c->ticket);
		break;
	default:
		c->nconf = 2;
	}
	ret = lab_exp_threads(cfg, c->threads, cache_thread, c, &c->stop,
			      &res->elapsed_ns, &gone);
	if (gone)
		return ret;	/* abandoned: the threads free c */
	for (i = 0; i < c->nconf; i++)
		res->results[i] = c->ns[i];
	res->nr_results = c->nconf;
	if (cfg->experiment == LOCKLAB_LAB_TTAS) {
		res->results[2] = atomic64_read(&c->swaps[0]);
		res->results[3] = atomic64_read(&c->swaps[1]);
		res->results[4] = c->held;
		res->nr_results = 5;
	} else if (cfg->experiment == LOCKLAB_LAB_HANDOFF) {
		res->results[4] = c->handovers[0];
		res->results[5] = c->handovers[1];
		res->results[6] = c->sections;
		res->nr_results = 7;
	}
	kvfree(c);
	return ret;
}
