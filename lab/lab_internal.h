/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab experiments, private helpers: how the threads of one run meet.
 *
 * Pair: two threads, each with a phase word on a cache line of its own.
 * To meet at phase p (phases count up from 1, every meeting one more),
 * a thread writes p to its word and spins until the other's word is at
 * least p. The other can be at most one phase ahead (it waits for us at
 * its next meeting), so "at least" and never "equal": an exact test would
 * miss a phase the other already left. No read-modify-write and no
 * shared counter: one line moves each way per meeting, which is what a
 * litmus round can afford (klitmus7's per-round barrier, made for two).
 *
 *   lab_pair_meet_relaxed()  relaxed: the threads leave at about the same
 *                            time, nothing more (a litmus round's start)
 *   lab_pair_meet()          RELEASE store, ACQUIRE load: what either
 *                            thread did before the meeting happens before
 *                            what the other does after it
 *
 * Group: N threads count arrivals in one atomic_t that only grows; phase
 * p is complete at N * p arrivals. Fully ordered (atomic_inc_return), for
 * the few meetings of the timed experiments.
 *
 * Every spin gives up when *stop is set (the run was interrupted or timed
 * out) and calls cond_resched() now and then, so no CPU goes long without
 * a chance to schedule however long the other thread takes.
 */
#ifndef _LOCKLAB_LAB_INTERNAL_H
#define _LOCKLAB_LAB_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/sched.h>

#include <locklab/lab.h>

#include "bench/threads.h"

#define LAB_SPIN_CHECK	0xffff	/* spins between looks at *stop */

struct lab_pair {
	struct {
		u32 phase;
	} ____cacheline_aligned_in_smp side[2];
};

/* One more spin: true when the run must end. */
static __always_inline bool lab_spin_stop(unsigned int *spins, const bool *stop)
{
	if (likely(++*spins & LAB_SPIN_CHECK))
		return false;
	if (READ_ONCE(*stop))
		return true;
	cond_resched();
	return false;
}

/* Meet the other thread at @phase; false when the run must end. */
static __always_inline bool lab_pair_meet_relaxed(struct lab_pair *p,
						  unsigned int me, u32 phase,
						  const bool *stop)
{
	unsigned int spins = 0;

	WRITE_ONCE(p->side[me].phase, phase);
	while ((s32)(READ_ONCE(p->side[!me].phase) - phase) < 0)
		if (lab_spin_stop(&spins, stop))
			return false;
	return true;
}

static __always_inline bool lab_pair_meet(struct lab_pair *p, unsigned int me,
					  u32 phase, const bool *stop)
{
	unsigned int spins = 0;

	/*
	 * RELEASE: pairs with the other thread's ACQUIRE load below, so our
	 * accesses before the meeting happen before its accesses after it.
	 */
	smp_store_release(&p->side[me].phase, phase);
	/* ACQUIRE: pairs with the other thread's RELEASE store above. */
	while ((s32)(smp_load_acquire(&p->side[!me].phase) - phase) < 0)
		if (lab_spin_stop(&spins, stop))
			return false;
	return true;
}

/* All @nr threads meet at @phase; fully ordered. False: the run must end. */
static __always_inline bool lab_group_meet(atomic_t *arrived, unsigned int nr,
					   u32 phase, const bool *stop)
{
	unsigned int spins = 0;

	/* Fully ordered: our accesses so far come before the arrival. */
	atomic_inc_return(arrived);
	/* ACQUIRE: pairs with every other thread's fully ordered arrival. */
	while (atomic_read_acquire(arrived) < (int)(nr * phase))
		if (lab_spin_stop(&spins, stop))
			return false;
	return true;
}

int lab_exp_threads(const struct lab_exp_cfg *cfg, unsigned int nr,
		    lab_thread_fn fn, void *arg, bool *stop, u64 *elapsed_ns,
		    bool *gone);

#endif /* _LOCKLAB_LAB_INTERNAL_H */
