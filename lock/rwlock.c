// SPDX-License-Identifier: GPL-2.0
/*
 * locklab reader-writer locks (book ch. 9): v1, v2, v3 and downgrade (the
 * v3 upgradable read lock is lock/rwlock_upgrade.c). The encodings,
 * transitions and invariants are in include/locklab/rwlock.h.
 *
 * Every acquisition is a cmpxchg with ACQUIRE ordering on the state word;
 * every release is a RELEASE store or RMW on the same word, so each
 * critical section (shared or exclusive) happens before the next
 * conflicting one. writer_wake and upgrader only decide who sleeps and who
 * is woken; the comments at each access say what they pair with.
 */
#include <linux/bug.h>
#include <linux/limits.h>

#include <locklab/contention.h>
#include <locklab/ops.h>
#include <locklab/rwlock.h>
#include <locklab/export.h>

#include "rwlock_internal.h"

void __lab_rwlock_init(struct lab_rwlock *l, enum lab_rwlock_variant variant,
		       const char *name, struct lock_class_key *key)
{
	atomic_set(&l->state, 0);
	atomic_set(&l->writer_wake, 0);
	atomic_set(&l->upgrader, LAB_RW_UPGRADE_FREE);
	l->variant = variant;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&l->dep_map, name, key, 0);
#endif
}
EXPORT_SYMBOL_LOCKLAB(__lab_rwlock_init);

/* --- Readers ------------------------------------------------------------- */

/*
 * May a reader enter state @s? Not write-held (W), no writer waiting (V3:
 * odd), and room for one more reader that cannot make the count read as W
 * (the bound leaves a step of 2 below W-2, so 2^31 readers wait for some
 * to leave rather than wrap).
 */
static bool lab_rw_reader_may_enter(struct lab_rwlock *l, u32 s)
{
	return s != W && !(lab_rw_v3(l) && (s & 1)) && s < W - 4;
}

/* One attempt to add a reader to state @s (V1/V2: +1, V3: +2). */
static bool lab_rw_read_try(struct lab_rwlock *l, u32 *s)
{
	u32 step = lab_rw_v3(l) ? 2 : 1;

	if (!lab_rw_reader_may_enter(l, *s))
		return false;
	/* ACQUIRE: pairs with the RELEASE of the last writer's unlock. */
	return lab_atomic_try_cmpxchg_acquire(&l->state, (int *)s,
					      (int)(*s + step));
}

static int __lab_rwlock_read_lock(struct lab_rwlock *l, unsigned int flags,
				  ktime_t deadline)
{
	u32 s = lab_atomic_read(&l->state);
	int ret = 0;
	u64 t0 = 0;

	for (;;) {
		if (lab_rw_read_try(l, &s))
			break;
		if (lab_rw_reader_may_enter(l, s))
			continue;	/* lost a race with another reader */
		/* Held by a writer (or one waits, V3): sleep until it changes. */
		lab_contention_once(&t0, l, LOCKLAB_KIND_RWLOCK,
				    lab_rw_uapi_variant(l), LAB_TRACE_F_READ);
		ret = lab_wait(&l->state, s, flags, deadline);
		if (lab_wait_gave_up(ret))
			break;
		ret = 0;
		s = lab_atomic_read(&l->state);
	}
	lab_contention_end(l, ret, t0);
	return ret;
}

/* Let writers (or an upgrader) sleeping on writer_wake re-check. */
void lab_rw_kick_writers(struct lab_rwlock *l, bool all)
{
	/*
	 * RELEASE: pairs with the ACQUIRE load of writer_wake in the writer
	 * loop, which then re-reads the state. The bump itself is what makes
	 * a writer that read the old value before sleeping not sleep.
	 */
	lab_atomic_fetch_add_release(&l->writer_wake, 1);
	if (all)
		lab_wake_all(&l->writer_wake);
	else
		lab_wake_one(&l->writer_wake);
}

/**
 * lab_rwlock_read_unlock() - release a shared hold
 * @l: the lock
 *
 * RELEASE. Wakes a writer when the last reader leaves. Does not sleep.
 */
void lab_rwlock_read_unlock(struct lab_rwlock *l)
{
	u32 prev;

	rwsem_release(&l->dep_map, _RET_IP_);
	switch (l->variant) {
	case LAB_RWLOCK_V1:
		/* n -> n-1. RELEASE: pairs with the writer's ACQUIRE cmpxchg. */
		if (lab_atomic_fetch_sub_release(&l->state, 1) == 1)
			lab_wake_one(&l->state);	/* a writer waits on state */
		return;
	case LAB_RWLOCK_V2:
		if (lab_atomic_fetch_sub_release(&l->state, 1) == 1)
			lab_rw_kick_writers(l, false);
		return;
	}
	/*
	 * V3: 2n+b -> 2n-2+b. Fully ordered rather than RELEASE: the load of
	 * @upgrader below must not be satisfied before the decrement is
	 * visible, or an upgrader that read the old state would sleep with
	 * nobody to wake it. Pairs with the xchg in lab_rwlock_upgrade_wait().
	 */
	prev = lab_atomic_fetch_sub(&l->state, 2);
	if (prev == 3)
		lab_rw_kick_writers(l, false);	/* last reader, writer waits */
	else if ((prev == 4 || prev == 5) &&
		 lab_atomic_read(&l->upgrader) == LAB_RW_UPGRADING)
		lab_rw_kick_writers(l, true);	/* only the upgrader is left */
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_read_unlock);

/* --- Writers ------------------------------------------------------------- */

/*
 * One attempt at W. V1/V2 need 0; V3 takes 0 or 1 (its own or another
 * writer's announcement: the bit is consumed, and writers that still wait
 * re-announce after the next wake).
 */
static bool lab_rw_writer_may_enter(struct lab_rwlock *l, u32 s)
{
	return s <= (lab_rw_v3(l) ? 1U : 0U);
}

static bool lab_rw_write_try(struct lab_rwlock *l, u32 *s)
{
	if (!lab_rw_writer_may_enter(l, *s))
		return false;
	/* ACQUIRE: pairs with the RELEASE of the last unlock, of any kind. */
	return lab_atomic_try_cmpxchg_acquire(&l->state, (int *)s, (int)W);
}

/* V3: 2n -> 2n+1, so that new readers stay out. */
void lab_rw_announce(struct lab_rwlock *l, u32 *s)
{
	/*
	 * Relaxed: the bit only makes readers wait; the writer's ACQUIRE
	 * comes with the cmpxchg to W.
	 */
	if (*s != W && !(*s & 1) &&
	    lab_atomic_try_cmpxchg_relaxed(&l->state, (int *)s, (int)(*s | 1)))
		*s |= 1;
}

/*
 * A V3 writer or upgrader gives up: take back the announcement, which may
 * be ours or another waiting writer's, and wake everyone. Writers that
 * still wait re-announce; readers the bit held back get in.
 */
void lab_rw_withdraw(struct lab_rwlock *l)
{
	u32 s = lab_atomic_read(&l->state);

	/* Relaxed: nothing is published by clearing the bit. */
	while (s != W && (s & 1) &&
	       !lab_atomic_try_cmpxchg_relaxed(&l->state, (int *)&s,
					       (int)(s & ~1U)))
		;
	lab_rw_kick_writers(l, true);
	lab_wake_all(&l->state);
}

static int __lab_rwlock_write_lock(struct lab_rwlock *l, unsigned int flags,
				   ktime_t deadline)
{
	u32 s = lab_atomic_read(&l->state), w;
	int ret = 0;
	u64 t0 = 0;

	for (;;) {
		if (lab_rw_write_try(l, &s))
			break;
		if (lab_rw_writer_may_enter(l, s))
			continue;	/* raced with an unlock: try again */
		lab_contention_once(&t0, l, LOCKLAB_KIND_RWLOCK,
				    lab_rw_uapi_variant(l), LAB_TRACE_F_WRITE);
		if (l->variant == LAB_RWLOCK_V1) {
			ret = lab_wait(&l->state, s, flags, deadline);
		} else {
			if (lab_rw_v3(l))
				lab_rw_announce(l, &s);
			/*
			 * ACQUIRE: pairs with the RELEASE bump in
			 * lab_rw_kick_writers(); read the counter, then the
			 * state, and sleep only if the counter has not moved
			 * since: an unlock between the two bumps it.
			 */
			w = lab_atomic_read_acquire(&l->writer_wake);
			s = lab_atomic_read(&l->state);
			if (lab_rw_writer_may_enter(l, s))
				continue;
			ret = lab_wait(&l->writer_wake, w, flags, deadline);
		}
		if (lab_wait_gave_up(ret)) {
			if (lab_rw_v3(l))
				lab_rw_withdraw(l);
			break;
		}
		ret = 0;
		s = lab_atomic_read(&l->state);
	}
	lab_contention_end(l, ret, t0);
	return ret;
}

/* --- Entry points: lockdep around the attempts above -------------------- */

/* Lockdep sees the hold (@read: shared) first, and loses it on giving up. */
static __always_inline int lab_rw_lock_wait(struct lab_rwlock *l, bool read,
					    unsigned int flags,
					    ktime_t deadline)
{
	int ret;

	might_sleep();
	lock_acquire(&l->dep_map, 0, 0, read, 1, NULL, _RET_IP_);
	ret = read ? __lab_rwlock_read_lock(l, flags, deadline) :
		     __lab_rwlock_write_lock(l, flags, deadline);
	if (ret)
		rwsem_release(&l->dep_map, _RET_IP_);
	return ret;
}

/* Attempts while the state admits the hold: only a lost race retries. */
static __always_inline bool lab_rw_trylock(struct lab_rwlock *l, bool read)
{
	u32 s = lab_atomic_read(&l->state);

	while (read ? lab_rw_reader_may_enter(l, s) :
		      lab_rw_writer_may_enter(l, s)) {
		if (read ? lab_rw_read_try(l, &s) : lab_rw_write_try(l, &s)) {
			lock_acquire(&l->dep_map, 0, 1, read, 1, NULL,
				     _RET_IP_);
			return true;
		}
	}
	return false;
}

/**
 * lab_rwlock_read_lock_wait() - take a shared hold
 * @l: the lock
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * ACQUIRE. Sleeps while a writer holds the lock (V3: or waits for it).
 *
 * Return: 0 with a shared hold; -EINTR or -ETIMEDOUT without.
 */
int lab_rwlock_read_lock_wait(struct lab_rwlock *l, unsigned int flags,
			      ktime_t deadline)
{
	return lab_rw_lock_wait(l, true, flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_read_lock_wait);

/**
 * lab_rwlock_read_trylock() - take a shared hold if no writer is in the way
 * @l: the lock
 *
 * ACQUIRE on success; never sleeps.
 *
 * Return: true with a shared hold.
 */
bool lab_rwlock_read_trylock(struct lab_rwlock *l)
{
	return lab_rw_trylock(l, true);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_read_trylock);

/**
 * lab_rwlock_write_lock_wait() - take the exclusive hold
 * @l: the lock
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * ACQUIRE. Sleeps while readers or a writer hold the lock.
 *
 * Return: 0 with the exclusive hold; -EINTR or -ETIMEDOUT without.
 */
int lab_rwlock_write_lock_wait(struct lab_rwlock *l, unsigned int flags,
			       ktime_t deadline)
{
	return lab_rw_lock_wait(l, false, flags, deadline);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_write_lock_wait);

/**
 * lab_rwlock_write_trylock() - take the exclusive hold if the lock is free
 * @l: the lock
 *
 * ACQUIRE on success; never sleeps.
 *
 * Return: true with the exclusive hold.
 */
bool lab_rwlock_write_trylock(struct lab_rwlock *l)
{
	return lab_rw_trylock(l, false);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_write_trylock);

/* After W -> free or shared: wake whoever may proceed now. */
static void lab_rw_after_write(struct lab_rwlock *l)
{
	if (l->variant != LAB_RWLOCK_V1)
		lab_rw_kick_writers(l, false);
	lab_wake_all(&l->state);
}

/**
 * lab_rwlock_write_unlock() - release the exclusive hold
 * @l: the lock
 *
 * RELEASE. Wakes a writer (V2, V3) and all waiting readers. Does not sleep.
 */
void lab_rwlock_write_unlock(struct lab_rwlock *l)
{
	rwsem_release(&l->dep_map, _RET_IP_);
	/* W -> 0. RELEASE: pairs with the ACQUIRE of the next lock. */
	lab_atomic_set_release(&l->state, 0);
	lab_rw_after_write(l);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_write_unlock);

/**
 * lab_rwlock_downgrade() - turn the exclusive hold into a shared one
 * @l: the lock, write-locked by the caller
 *
 * RELEASE: what the caller wrote is visible to the readers let in. No
 * writer can take the lock in between: the state goes from W straight to
 * one reader. Waiting writers are woken so that (V3) they announce again.
 */
void lab_rwlock_downgrade(struct lab_rwlock *l)
{
	lock_downgrade(&l->dep_map, _RET_IP_);
	/* W -> one reader. RELEASE: pairs with the readers' ACQUIRE. */
	lab_atomic_set_release(&l->state, lab_rw_v3(l) ? 2 : 1);
	lab_rw_after_write(l);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_downgrade);

/* --- Ops tables ---------------------------------------------------------- */

static int rw_v1_init(void *l)
{
	lab_rwlock_init((struct lab_rwlock *)l, LAB_RWLOCK_V1);
	return 0;
}

static int rw_v2_init(void *l)
{
	lab_rwlock_init((struct lab_rwlock *)l, LAB_RWLOCK_V2);
	return 0;
}

static int rw_v3_init(void *l)
{
	lab_rwlock_init((struct lab_rwlock *)l, LAB_RWLOCK_V3);
	return 0;
}

static void rw_destroy(void *l)
{
	WARN_ON_ONCE(atomic_read(&((struct lab_rwlock *)l)->state));
}

LAB_RWLOCK_OPS_ADAPTERS(rwlock, struct lab_rwlock)

static int rw_upgradable_lock(void *l, unsigned int flags, ktime_t deadline)
{
	return lab_rwlock_upgradable_lock_wait(l, flags, deadline);
}

static int rw_upgrade(void *l, unsigned int flags, ktime_t deadline)
{
	return lab_rwlock_upgrade_wait(l, flags, deadline);
}

static bool rw_upgradable_trylock(void *l)
{
	return lab_rwlock_upgradable_trylock(l);
}

static bool rw_try_upgrade(void *l)
{
	return lab_rwlock_try_upgrade(l);
}

static void rw_upgradable_unlock(void *l)
{
	lab_rwlock_upgradable_unlock(l);
}

/* A hold passed to userspace leaves lockdep's view, and comes back. */
static void rw_user_hold(void *lock, bool read, bool to_user)
{
	struct lab_rwlock *l __maybe_unused = lock;

	if (to_user)
		rwsem_release(&l->dep_map, _THIS_IP_);
	else if (read)
		rwsem_acquire_read(&l->dep_map, 0, 0, _THIS_IP_);
	else
		rwsem_acquire(&l->dep_map, 0, 0, _THIS_IP_);
}

#define RW_OPS(_name, _variant, _init)					\
	.name = _name,							\
	.kind = LOCKLAB_KIND_RWLOCK,					\
	.variant = _variant,						\
	.props = LOCKLAB_PROP_SLEEPS,					\
	.size = sizeof(struct lab_rwlock),				\
	.init = _init,							\
	.destroy = rw_destroy,						\
	LAB_RWLOCK_OPS_SLOTS(rwlock),					\
	.user_hold = rw_user_hold

const struct lab_rwlock_ops lab_rwlock_ops[] = {
	{ RW_OPS("v1", LOCKLAB_RWLOCK_V1, rw_v1_init) },
	{ RW_OPS("v2", LOCKLAB_RWLOCK_V2, rw_v2_init) },
	{
		RW_OPS("v3", LOCKLAB_RWLOCK_V3, rw_v3_init),
		.upgradable_lock = rw_upgradable_lock,
		.upgrade = rw_upgrade,
		.upgradable_trylock = rw_upgradable_trylock,
		.try_upgrade = rw_try_upgrade,
		.upgradable_unlock = rw_upgradable_unlock,
	},
};

const unsigned int lab_rwlock_ops_nr = ARRAY_SIZE(lab_rwlock_ops);
