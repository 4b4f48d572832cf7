/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab seqlock (book ch. 10, "Seqlock"): readers that never write the
 * lock word, so any number of them read concurrently without bouncing a
 * cache line, at the price of retrying when a writer got in their way.
 *
 * State: one counter, @seq.
 *   even   no writer inside; the data is stable
 *   odd    a writer is inside
 * Writers are serialized by a TTAS spin lock (lab_seqlock_write_lock());
 * a writer makes @seq odd, writes, and makes it even again, each write
 * section adding 2 in all.
 *
 *   reader:  s = seq (wait while odd, ACQUIRE); read the data;
 *            acquire fence; retry if seq != s
 *   writer:  lock; seq = s+1 (relaxed); release fence; write the data;
 *            seq = s+2 (RELEASE); unlock
 *
 * Invariant: a reader that returns from lab_read_seqretry() with false
 * read only data written by writers whose section ended before its
 * lab_read_seqbegin() load, and by none that started after: its copy is
 * consistent (no torn read). The data itself is accessed concurrently by
 * design: readers must read it with READ_ONCE() (or data_race() for
 * bulk copies) and discard what they read unless seqretry says false;
 * writers write it with WRITE_ONCE().
 *
 * Readers may run in any context and never block writers; writers disable
 * preemption (they hold a spin lock) and must not sleep. A reader that
 * retries forever needs a writer that never stops: readers are not
 * starvation-free, writers are.
 */
#ifndef _LOCKLAB_SEQLOCK_H
#define _LOCKLAB_SEQLOCK_H

#include <linux/cleanup.h>
#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/spinlock.h>

struct lab_seqlock {
	atomic_t seq;
	struct lab_tas_spinlock writer;
};

#define __LAB_SEQLOCK_INIT \
	{ .seq = ATOMIC_INIT(0), .writer = __LAB_TAS_SPINLOCK_INIT }

static inline void lab_seqlock_init(struct lab_seqlock *sl)
{
	atomic_set(&sl->seq, 0);
	lab_tas_init(&sl->writer);
}

/**
 * lab_read_seqbegin() - start a read section
 * @sl: the seqlock
 *
 * Waits (spinning) while a writer is inside. ACQUIRE: pairs with the
 * RELEASE in lab_write_sequnlock(), so the data read after this sees at
 * least what the last completed writer wrote.
 *
 * Return: the sequence to pass to lab_read_seqretry().
 */
static __always_inline u32 lab_read_seqbegin(struct lab_seqlock *sl)
{
	return (u32)lab_atomic_cond_read_acquire(&sl->seq, !(VAL & 1));
}

/**
 * lab_read_seqretry() - end a read section
 * @sl: the seqlock
 * @start: what lab_read_seqbegin() returned
 *
 * The acquire fence orders the section's data loads before the reload of
 * @seq: pairs with the release fence in lab_write_seqlock(), so if any of
 * those loads saw a write of a section that started after @start, the
 * reload sees that section's odd (or later) value.
 *
 * Return: true if a writer got in: discard what was read and retry.
 */
static __always_inline bool lab_read_seqretry(struct lab_seqlock *sl, u32 start)
{
	lab_fence_acquire();
	return (u32)lab_atomic_read(&sl->seq) != start;
}

/**
 * lab_write_seqlock() - start a write section
 * @sl: the seqlock
 *
 * Takes the writer lock (ACQUIRE), then makes the sequence odd. Disables
 * preemption until lab_write_sequnlock().
 */
static __always_inline void lab_write_seqlock(struct lab_seqlock *sl)
{
	lab_ttas_lock(&sl->writer);
	/* Only writers write seq, and we are the only one: relaxed is exact. */
	lab_atomic_set(&sl->seq, lab_atomic_read(&sl->seq) + 1);
	/*
	 * Release fence: the odd value is visible before any data write of
	 * this section. Pairs with the acquire fence in lab_read_seqretry().
	 */
	lab_fence_release();
}

/**
 * lab_write_sequnlock() - end a write section
 * @sl: the seqlock
 *
 * RELEASE: the section's data writes happen before the even value; pairs
 * with the ACQUIRE in lab_read_seqbegin(). Then releases the writer lock.
 */
static __always_inline void lab_write_sequnlock(struct lab_seqlock *sl)
{
	lab_atomic_set_release(&sl->seq, lab_atomic_read(&sl->seq) + 1);
	lab_tas_unlock(&sl->writer);
}

DEFINE_GUARD(lab_write_seqlock, struct lab_seqlock *, lab_write_seqlock(_T),
	     lab_write_sequnlock(_T))

#endif /* _LOCKLAB_SEQLOCK_H */
