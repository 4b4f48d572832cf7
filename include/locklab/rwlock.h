/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab reader-writer locks: the three of the book's chapter 9, on
 * lab_wait(), plus downgrade and (v3) upgradable read locks.
 *
 * State word encodings (W = all ones, 0xffffffff, "write-locked"):
 *
 *   V1, V2   state = number of readers, or W
 *   V3       state = 2 x readers + writer-waiting bit (bit 0), or W
 *            (W is odd, so "odd" reads as "a writer holds or waits" and
 *            new readers stay out: no writer starvation)
 *
 * V2 and V3 add writer_wake, a counter bumped whenever a writer may proceed;
 * writers sleep on it instead of on the state word, so readers coming and
 * going do not wake them (V1 writers wake at every reader change).
 *
 * Transitions (before -> after, who):
 *   V1/V2 read:    n -> n+1 if n != W          cmpxchg, ACQUIRE
 *   V3 read:       2n -> 2n+2 (even only)      cmpxchg, ACQUIRE
 *   write:         0 -> W (V3: 0 or 1 -> W)    cmpxchg, ACQUIRE
 *   V3 writer:     2n -> 2n+1 (announce)       cmpxchg, relaxed
 *   read unlock:   n -> n-1 (V3: -2)           RELEASE; wakes a writer
 *                                              when it leaves 0 (V3: 1)
 *   write unlock:  W -> 0                      RELEASE; wakes writers and
 *                                              readers
 *   downgrade:     W -> 1 reader (V3: 2)       RELEASE; wakes readers
 *
 * Upgradable (V3): one holder of the upgrade token (@upgrader 0 -> 1) also
 * holds an ordinary read share, so readers run alongside it. upgrade()
 * announces like a writer (the bit keeps new readers out), marks the token
 * UPGRADING so the reader that leaves it alone wakes it, and takes W once
 * its own share is the only one. Only one task holds the token, so two
 * upgraders never wait for each other.
 *
 * A writer or upgrader that gives up (signal, timeout) clears the
 * writer-waiting bit it may have set and wakes everyone: other writers
 * re-announce themselves, and readers are not left behind a bit nobody
 * will clear.
 *
 * All lock operations may sleep (process context); unlocks and downgrade
 * do not. With CONFIG_DEBUG_LOCK_ALLOC each lock has a lockdep map.
 */
#ifndef _LOCKLAB_RWLOCK_H
#define _LOCKLAB_RWLOCK_H

#include <linux/cleanup.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/wait.h>

enum lab_rwlock_variant {
	LAB_RWLOCK_V1,
	LAB_RWLOCK_V2,
	LAB_RWLOCK_V3,
};

#define LAB_RW_WRITE_LOCKED	(-1)		/* W: 0xffffffff */

/* @upgrader values (V3) */
#define LAB_RW_UPGRADE_FREE	0
#define LAB_RW_UPGRADE_HELD	1
#define LAB_RW_UPGRADING	2

struct lab_rwlock {
	atomic_t state;
	atomic_t writer_wake;
	atomic_t upgrader;
	u8 variant;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

void __lab_rwlock_init(struct lab_rwlock *l, enum lab_rwlock_variant variant,
		       const char *name, struct lock_class_key *key);

/**
 * lab_rwlock_init() - initialize an unlocked reader-writer lock
 * @l: the lock
 * @variant: enum lab_rwlock_variant
 */
#define lab_rwlock_init(l, variant)					\
do {									\
	static struct lock_class_key __key;				\
									\
	__lab_rwlock_init((l), (variant), #l, &__key);			\
} while (0)

int lab_rwlock_read_lock_wait(struct lab_rwlock *l, unsigned int flags,
			      ktime_t deadline);
int lab_rwlock_write_lock_wait(struct lab_rwlock *l, unsigned int flags,
			       ktime_t deadline);
bool lab_rwlock_read_trylock(struct lab_rwlock *l);
bool lab_rwlock_write_trylock(struct lab_rwlock *l);
bool lab_rwlock_upgradable_trylock(struct lab_rwlock *l);
bool lab_rwlock_try_upgrade(struct lab_rwlock *l);
void lab_rwlock_read_unlock(struct lab_rwlock *l);
void lab_rwlock_write_unlock(struct lab_rwlock *l);
void lab_rwlock_downgrade(struct lab_rwlock *l);
int lab_rwlock_upgradable_lock_wait(struct lab_rwlock *l, unsigned int flags,
				    ktime_t deadline);
int lab_rwlock_upgrade_wait(struct lab_rwlock *l, unsigned int flags,
			    ktime_t deadline);
void lab_rwlock_upgradable_unlock(struct lab_rwlock *l);

/** lab_rwlock_read_lock() - take a shared hold, sleeping uninterruptibly */
static inline void lab_rwlock_read_lock(struct lab_rwlock *l)
{
	WARN_ON_ONCE(lab_rwlock_read_lock_wait(l, 0, LAB_WAIT_FOREVER));
}

/** lab_rwlock_write_lock() - take the exclusive hold, uninterruptibly */
static inline void lab_rwlock_write_lock(struct lab_rwlock *l)
{
	WARN_ON_ONCE(lab_rwlock_write_lock_wait(l, 0, LAB_WAIT_FOREVER));
}

static inline int __must_check
lab_rwlock_read_lock_interruptible(struct lab_rwlock *l)
{
	return lab_rwlock_read_lock_wait(l, LAB_WAIT_INTERRUPTIBLE,
					 LAB_WAIT_FOREVER);
}

static inline int __must_check
lab_rwlock_write_lock_interruptible(struct lab_rwlock *l)
{
	return lab_rwlock_write_lock_wait(l, LAB_WAIT_INTERRUPTIBLE,
					  LAB_WAIT_FOREVER);
}

static inline int __must_check
lab_rwlock_read_lock_timeout(struct lab_rwlock *l, s64 timeout_ns)
{
	return lab_rwlock_read_lock_wait(l, 0, lab_deadline(timeout_ns));
}

static inline int __must_check
lab_rwlock_write_lock_timeout(struct lab_rwlock *l, s64 timeout_ns)
{
	return lab_rwlock_write_lock_wait(l, 0, lab_deadline(timeout_ns));
}

static inline bool lab_rwlock_is_write_locked(struct lab_rwlock *l)
{
	return lab_atomic_read(&l->state) == LAB_RW_WRITE_LOCKED;
}

/* Readers holding the lock right now (racy snapshot). */
static inline unsigned int lab_rwlock_readers(struct lab_rwlock *l)
{
	u32 s = lab_atomic_read(&l->state);

	if (s == (u32)LAB_RW_WRITE_LOCKED)
		return 0;
	return l->variant == LAB_RWLOCK_V3 ? s / 2 : s;
}

DEFINE_GUARD(lab_rwlock_read, struct lab_rwlock *, lab_rwlock_read_lock(_T),
	     lab_rwlock_read_unlock(_T))
DEFINE_GUARD(lab_rwlock_write, struct lab_rwlock *, lab_rwlock_write_lock(_T),
	     lab_rwlock_write_unlock(_T))

#endif /* _LOCKLAB_RWLOCK_H */
