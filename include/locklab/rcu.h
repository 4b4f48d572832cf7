/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab RCU: read-copy-update with counted read sections and grace
 * periods (book ch. 10, "RCU"), and the RCU pointer built on it.
 *
 * The pattern: readers load a pointer and read what it points to, taking
 * no lock and writing nothing the writers wait on. A writer makes a new
 * copy, publishes it with one pointer store (or swap), and may free the
 * old copy only when no reader can still hold it: after a grace period,
 * an interval that every read section that was running at its start has
 * left. The book names the problem (reclamation) and the usual answers;
 * this is the one that counts readers, as the kernel's SRCU does, so read
 * sections may sleep and the module needs no hook into the scheduler.
 *
 * State: a phase index (0 or 1) and, per CPU, monotonic counters
 * lock[i] and unlock[i] of the read sections that entered and left under
 * index i. Counters are per CPU so that readers on different CPUs write
 * different cache lines; a section may enter on one CPU and leave on
 * another, so only the sums over CPUs mean anything.
 *
 *   read_lock     i = phase; lock[i]++ (this CPU); smp_mb() (A);
 *                 if phase != i: unlock[i]++ and start over; return i
 *   read_unlock   smp_mb() (B); unlock[i]++ (this CPU)
 *   synchronize   (writers serialized by a mutex)
 *                 smp_mb() (E); old = phase; phase = !old; smp_mb() (C);
 *                 until sum(unlock[old]) == sum(lock[old]), where all the
 *                 unlock counters are read before all the lock counters
 *                 (smp_mb() (D) between), sleep a little and look again
 *
 * Why a grace period waits for every reader that was inside at its start:
 * such a reader read phase == old after its lock[old]++ and its (A), so
 * its increment precedes the flip, and the writer's scan after (C) sees
 * it; its unlock[old]++ follows everything it read (B). A reader that
 * increments lock[old] too late for the scan to see is on the other side
 * of the store-buffering pair (A)/(C): it sees the new phase and backs out
 * without reading anything. A reader that enters under the new index is
 * not waited for, and need not be: it read the new phase, then passed (A),
 * so it also sees the writer's unpublishing, which (E) put before the flip
 * (message passing through the phase word). Reading every unlock counter
 * before any lock
 * counter (D) makes the sums safe against sections that migrate: a
 * section whose unlock was counted has its earlier lock counted too, so
 * the sums can be equal only when every counted section has left.
 *
 * Unlike the kernel's RCU, whose readers pay nothing because grace periods
 * are inferred from context switches, readers here pay two full barriers
 * and two per-CPU increments; the benchmark shows the difference
 * (LOCKLAB_KIND_RCU, kernel RCU as the baseline). Unlike the kernel's
 * SRCU, concurrent synchronize calls do not share grace periods.
 *
 * Contexts: read sections in any context that may use this_cpu ops
 * (process, softirq, hardirq), and they may sleep; lab_rcu_synchronize()
 * sleeps, process context only, never inside a read section of the same
 * domain (it would wait for itself).
 *
 * The RCU pointer: lab_rcu_dereference() is a READ_ONCE() whose address
 * dependency orders the reads through the pointer after the load (as
 * rcu_dereference(); the book uses an acquire load, which also works and
 * costs a barrier on arm64); lab_rcu_assign_pointer() is a store-release,
 * so the new copy's initialization is visible before the pointer;
 * lab_rcu_replace_pointer() swaps with a fully ordered xchg and returns
 * the old copy, to be freed after lab_rcu_synchronize().
 */
#ifndef _LOCKLAB_RCU_H
#define _LOCKLAB_RCU_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include <locklab/mutex.h>

struct lab_rcu_cpu {
	unsigned long lock[2];
	unsigned long unlock[2];
};

struct lab_rcu {
	unsigned int phase;			/* 0 or 1 */
	struct lab_rcu_cpu __percpu *cpu;
	struct lab_mutex gp_lock;		/* one grace period at a time */
	unsigned long gp_seq;			/* grace periods completed */
};

int lab_rcu_init(struct lab_rcu *d);
void lab_rcu_destroy(struct lab_rcu *d);
void lab_rcu_synchronize(struct lab_rcu *d);
bool lab_rcu_readers_idle(struct lab_rcu *d);

/**
 * lab_rcu_read_lock() - enter a read section of @d
 * @d: the RCU domain
 *
 * Full barrier after entering (see the file comment). May be nested; may
 * sleep inside.
 *
 * Return: the index to pass to lab_rcu_read_unlock().
 */
static __always_inline int lab_rcu_read_lock(struct lab_rcu *d)
{
	unsigned int i;

	for (;;) {
		i = READ_ONCE(d->phase);
		this_cpu_inc(d->cpu->lock[i]);
		/* (A): pairs with (C) in lab_rcu_synchronize(). */
		smp_mb();
		if (likely(READ_ONCE(d->phase) == i))
			return i;
		/* Flipped meanwhile: leave the old index, which we never used. */
		this_cpu_inc(d->cpu->unlock[i]);
	}
}

/**
 * lab_rcu_read_unlock() - leave a read section of @d
 * @d: the RCU domain
 * @idx: what lab_rcu_read_lock() returned
 */
static __always_inline void lab_rcu_read_unlock(struct lab_rcu *d, int idx)
{
	/* (B): our reads are done before the writer can count us out. */
	smp_mb();
	this_cpu_inc(d->cpu->unlock[idx]);
}

/* Load an RCU-protected pointer inside a read section. */
#define lab_rcu_dereference(p)	READ_ONCE(p)

/* Publish @v: its initialization is visible before the pointer. */
#define lab_rcu_assign_pointer(p, v)	smp_store_release(&(p), (v))

/* Swap in @v, fully ordered; the old value, to free after a grace period. */
#define lab_rcu_replace_pointer(p, v)	xchg(&(p), (v))

#endif /* _LOCKLAB_RCU_H */
