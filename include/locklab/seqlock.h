/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab seqlock (book ch. 10, "Sequence Lock"): readers that never write
 * the lock word, so any number of them read at once without bouncing a
 * cache line, at the price of retrying when a writer got in their way.
 *
 * State: one counter, @seq, and a writer lock.
 *   seq even   no writer inside; the data is stable
 *   seq odd    a writer is inside
 * Each write section adds 2 in all (even -> odd -> even), under the TTAS
 * spin lock @writer that serializes writers.
 *
 *   reader:  s = seq, ACQUIRE (wait while odd); read the data;
 *            acquire fence; retry if seq != s
 *   writer:  lock; seq = s+1; release fence; write the data;
 *            seq = s+2, RELEASE; unlock
 *
 * Invariant: a read section that lab_read_seqretry() accepts read only
 * data written by write sections that ended before its lab_read_seqbegin()
 * and by none that started after it: its copy is consistent (no torn
 * read). Why each barrier is needed, and what it pairs with, is the first
 * comment of lock/seqlock.c, where the slow path and the ops tables live.
 *
 * The data is read while it is written, by design: readers read it with
 * READ_ONCE() (or data_race() for bulk copies) and use what they read only
 * once lab_read_seqretry() said false; writers write it with WRITE_ONCE().
 *
 * Readers may run in any context and never block writers; writers disable
 * preemption (they hold a spin lock) and must not sleep. A reader retries
 * for as long as writers keep coming: readers are not starvation-free.
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

u32 lab_read_seqbegin_slow(struct lab_seqlock *sl);

/**
 * lab_read_seqbegin() - start a read section
 * @sl: the seqlock
 *
 * Waits (spinning, lab_read_seqbegin_slow()) while a writer is inside.
 * ACQUIRE (barrier R1 of lock/seqlock.c): pairs with the RELEASE in
 * lab_write_sequnlock() (W3), so the data read after this sees at least
 * what the last completed writer wrote.
 *
 * Return: the sequence to pass to lab_read_seqretry().
 */
static __always_inline u32 lab_read_seqbegin(struct lab_seqlock *sl)
{
	u32 s = (u32)lab_atomic_read_acquire(&sl->seq);

	if (likely(!(s & 1)))
		return s;
	return lab_read_seqbegin_slow(sl);
}

/**
 * lab_read_seqretry() - end a read section
 * @sl: the seqlock
 * @start: what lab_read_seqbegin() returned
 *
 * The acquire fence (R2) orders the section's data loads before the reload
 * of @seq: pairs with the release fence in lab_write_seqlock() (W2), so if
 * any of those loads saw a write of a section that started after @start,
 * the reload sees that section's odd (or a later) value.
 *
 * Return: true if a writer got in: discard what was read and retry.
 */
static __always_inline bool lab_read_seqretry(struct lab_seqlock *sl, u32 start)
{
	lab_fence_acquire();
	return (u32)lab_atomic_read(&sl->seq) != start;
}

/* Only writers write @seq, under @writer: a plain increment is exact. */
static __always_inline void __lab_write_seq_begin(struct lab_seqlock *sl)
{
	/* even -> odd. Relaxed: W2 orders it before the data (see W1). */
	lab_atomic_set(&sl->seq, lab_atomic_read(&sl->seq) + 1);
	/*
	 * W2, release fence: the odd value before any data write of this
	 * section. Pairs with the acquire fence R2 in lab_read_seqretry().
	 */
	lab_fence_release();
}

/**
 * lab_write_seqlock() - start a write section
 * @sl: the seqlock
 *
 * Takes the writer lock (ACQUIRE, W1), then makes the sequence odd.
 * Disables preemption until lab_write_sequnlock().
 */
static __always_inline void lab_write_seqlock(struct lab_seqlock *sl)
{
	lab_ttas_lock(&sl->writer);
	__lab_write_seq_begin(sl);
}

/**
 * lab_write_seqtrylock() - start a write section if no writer is inside
 * @sl: the seqlock
 *
 * Return: true with the section started (as lab_write_seqlock()), false
 * with nothing done.
 */
static __always_inline bool lab_write_seqtrylock(struct lab_seqlock *sl)
{
	if (!lab_tas_trylock(&sl->writer))
		return false;
	__lab_write_seq_begin(sl);
	return true;
}

/**
 * lab_write_sequnlock() - end a write section
 * @sl: the seqlock
 *
 * RELEASE (W3): the section's data writes happen before the even value;
 * pairs with the ACQUIRE (R1) in lab_read_seqbegin(). Then releases the
 * writer lock.
 */
static __always_inline void lab_write_sequnlock(struct lab_seqlock *sl)
{
	lab_atomic_set_release(&sl->seq, lab_atomic_read(&sl->seq) + 1);
	lab_tas_unlock(&sl->writer);
}

DEFINE_GUARD(lab_write_seqlock, struct lab_seqlock *, lab_write_seqlock(_T),
	     lab_write_sequnlock(_T))

#endif /* _LOCKLAB_SEQLOCK_H */
