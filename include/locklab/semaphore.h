/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab counting semaphore (book ch. 10): one atomic count, waiters in
 * lab_wait().
 *
 *   count: permits available, 0..max. Never negative: down() takes a
 *   permit only by a cmpxchg from c > 0 to c - 1, and sleeps on the word
 *   while it reads 0. Never above max: up() adds a permit only by a
 *   cmpxchg from c < max to c + 1, and reports -EOVERFLOW otherwise.
 *
 *   down:  c -> c-1 if c > 0      cmpxchg, ACQUIRE
 *   up:    c -> c+1 if c < max    cmpxchg, RELEASE, then wake one
 *
 * up() always calls lab_wake_one(): a waiter may have read 0 just before
 * any up, whatever count this up leaves. The wait layer makes the call
 * cheap when nobody sleeps in the bucket (one full barrier and one load).
 * A semaphore of max 1 is a lock (binary semaphore): the benchmark and
 * torture drive it as one.
 */
#ifndef _LOCKLAB_SEMAPHORE_H
#define _LOCKLAB_SEMAPHORE_H

#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/wait.h>

struct lab_semaphore {
	atomic_t count;
	u32 max;
};

int lab_semaphore_init(struct lab_semaphore *s, u32 count, u32 max);
int lab_semaphore_down_wait(struct lab_semaphore *s, unsigned int flags,
			    ktime_t deadline);
bool lab_semaphore_trydown(struct lab_semaphore *s);
int lab_semaphore_up(struct lab_semaphore *s);

/** lab_semaphore_down() - take a permit, sleeping uninterruptibly at zero */
static inline void lab_semaphore_down(struct lab_semaphore *s)
{
	WARN_ON_ONCE(lab_semaphore_down_wait(s, 0, LAB_WAIT_FOREVER));
}

static inline int __must_check lab_semaphore_down_interruptible(struct lab_semaphore *s)
{
	return lab_semaphore_down_wait(s, LAB_WAIT_INTERRUPTIBLE, LAB_WAIT_FOREVER);
}

static inline int __must_check lab_semaphore_down_timeout(struct lab_semaphore *s,
							  s64 timeout_ns)
{
	return lab_semaphore_down_wait(s, 0, lab_deadline(timeout_ns));
}

static inline u32 lab_semaphore_count(struct lab_semaphore *s)
{
	return lab_atomic_read(&s->count);
}

#endif /* _LOCKLAB_SEMAPHORE_H */
