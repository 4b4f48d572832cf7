// SPDX-License-Identifier: GPL-2.0
/*
 * locklab parking-lot lock: slow paths and the ops table.
 *
 * The algorithm, state encoding and invariants are in
 * include/locklab/parking.h. Here: the contended lock (spin while nobody is
 * parked, then set PARKED and park while the byte reads LOCKED|PARKED), the
 * unlock that wakes the oldest parked task and rewrites PARKED under the
 * bucket lock, and the adapter behind struct lab_lock_ops.
 *
 * Why the byte may be stored (not RMW'd) in the unpark callback: we hold
 * the lock (LOCKED is ours) and the bucket lock. The only other writers
 * are lockers setting PARKED (which then validate under the bucket lock,
 * see the new value and retry) and a parked task giving up (under the
 * bucket lock: serialized with us).
 *
 * Eventual fairness (lab_plock_unlock_fair()): a locker notes when it first
 * parks and keeps that time across the parks of one acquisition
 * (lab_park_token()'s since_ns); the unpark callback hands the lock over
 * (LOCKED stays set, token LAB_PLOCK_HANDOFF) when the chosen task has
 * waited the unlocker's bound and the bucket can afford a hand-off
 * (lab_unpark_result's @be_fair: without it, where wake-ups take longer
 * than the bound, as under QEMU TCG, every unlock would hand over and
 * the lock would run at one acquisition per wake-up). The woken task then
 * returns owning the lock; everything else about the byte is as for a
 * release.
 */
#include <linux/bug.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include <locklab/contention.h>
#include <locklab/ops.h>
#include <locklab/parking.h>
#include <locklab/export.h>

void __lab_plock_init(struct lab_plock *l, const char *name,
		      struct lock_class_key *key)
{
	WRITE_ONCE(l->state, 0);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&l->dep_map, name, key, 0);
#endif
}
EXPORT_SYMBOL_LOCKLAB(__lab_plock_init);

/* Park only if the lock is still held and marked: under the bucket lock. */
static bool lab_plock_validate(void *arg)
{
	struct lab_plock *l = arg;

	return READ_ONCE(l->state) == (LAB_PLOCK_LOCKED | LAB_PLOCK_PARKED);
}

/*
 * The last parked task gave up: clear PARKED so the holder's unlock takes
 * the fast path. Under the bucket lock; relaxed, because the bit carries no
 * data: it only steers the unlock, and both its writers here and in
 * lab_plock_unpark() are serialized by that lock. A cmpxchg loop, as the
 * holder may clear LOCKED concurrently (its fast path, once it sees the bit
 * gone).
 */
static void lab_plock_timed_out(void *arg, bool last)
{
	struct lab_plock *l = arg;
	u8 old, cur = READ_ONCE(l->state);

	if (!last)
		return;
	do {
		old = cur;
		cur = cmpxchg_relaxed(&l->state, old, old & ~LAB_PLOCK_PARKED);
	} while (cur != old);
}

/* The token of a hand-off: the woken task owns the lock. */
#define LAB_PLOCK_HANDOFF	1UL

static int __lab_plock_lock_slowpath(struct lab_plock *l, unsigned int flags,
				     ktime_t deadline)
{
	unsigned int spins = 0;
	unsigned long token;
	u8 old, state = READ_ONCE(l->state);
	u64 since = 0;
	int ret;

	for (;;) {
		if (!(state & LAB_PLOCK_LOCKED)) {
			/* ACQUIRE: pairs with the RELEASE of the unlock. */
			old = cmpxchg_acquire(&l->state, state,
					      state | LAB_PLOCK_LOCKED);
			if (old == state)
				return 0;
			state = old;
			continue;
		}
		if (!(state & LAB_PLOCK_PARKED)) {
			if (spins++ < LAB_PLOCK_SPIN) {
				cpu_relax();
				state = READ_ONCE(l->state);
				continue;
			}
			/*
			 * Relaxed: the mark orders nothing; lab_park()
			 * re-reads the byte under the bucket lock.
			 */
			old = cmpxchg_relaxed(&l->state, state,
					      state | LAB_PLOCK_PARKED);
			if (old != state) {
				state = old;
				continue;
			}
		}
		/* The first park of this acquisition starts the fair clock. */
		if (!since)
			since = ktime_get_ns() ?: 1;
		ret = lab_park_token(l, lab_plock_validate, lab_plock_timed_out,
				     l, flags, deadline, since, &token);
		if (lab_wait_gave_up(ret))
			return ret;
		/*
		 * Handed over: LOCKED was kept for us. The unparker's
		 * critical section is ordered before us by the bucket lock
		 * (see lab_park_token()).
		 */
		if (token == LAB_PLOCK_HANDOFF)
			return 0;
		/* Woken, spurious or stale: compete again, spinning anew. */
		spins = 0;
		state = READ_ONCE(l->state);
	}
}

/**
 * lab_plock_lock_slowpath() - the contended part of lab_plock_lock_wait()
 * @l: the lock
 * @flags: lab_park() flags; LAB_WAIT_TRACE_FAIR names the fair variant in
 *	the trace events
 * @deadline: lab_park() deadline
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
noinline int lab_plock_lock_slowpath(struct lab_plock *l, unsigned int flags,
				     ktime_t deadline)
{
	u32 variant = flags & LAB_WAIT_TRACE_FAIR ? LOCKLAB_MUTEX_PARKING_FAIR :
						    LOCKLAB_MUTEX_PARKING;

	flags &= ~LAB_WAIT_TRACE_FAIR;
	return lab_contended(l, LOCKLAB_KIND_MUTEX, variant, 0,
			     __lab_plock_lock_slowpath(l, flags, deadline));
}
EXPORT_SYMBOL_LOCKLAB(lab_plock_lock_slowpath);

struct lab_plock_unpark {
	struct lab_plock *lock;
	u64 fair_ns;		/* hand over after this wait; 0: never */
};

/*
 * Under the bucket lock, the oldest parked task chosen (if any): release
 * the lock, or hand it to that task, and leave PARKED set exactly when
 * others remain parked.
 */
static unsigned long lab_plock_unpark(void *arg,
				      const struct lab_unpark_result *r)
{
	struct lab_plock_unpark *u = arg;
	u8 parked = r->more ? LAB_PLOCK_PARKED : 0;

	if (r->unparked && u->fair_ns && r->be_fair &&
	    r->waited_ns >= u->fair_ns) {
		/*
		 * Hand-off: LOCKED stays ours, and becomes the woken task's.
		 * A plain store, as the release below: see the file comment
		 * for why nobody else can change the byte now. No ordering
		 * of its own: the bucket lock orders our section before the
		 * new owner's (lab_park_token()).
		 */
		WRITE_ONCE(u->lock->state, LAB_PLOCK_LOCKED | parked);
		return LAB_PLOCK_HANDOFF;
	}
	/* RELEASE: pairs with the ACQUIRE of the next locker's cmpxchg. */
	smp_store_release(&u->lock->state, parked);
	return 0;
}

/**
 * lab_plock_unlock_slowpath() - unlock with PARKED set
 * @l: the lock, held by the caller
 * @fair_ns: hand the lock to the woken task if it has waited this long;
 *	0: never (barging)
 */
noinline void lab_plock_unlock_slowpath(struct lab_plock *l, u64 fair_ns)
{
	struct lab_plock_unpark u = { .lock = l, .fair_ns = fair_ns };

	if (WARN_ONCE(!(READ_ONCE(l->state) & LAB_PLOCK_LOCKED),
		      "locklab: parking lock %p unlocked while free\n", l))
		return;
	lab_unpark_one(l, lab_plock_unpark, &u);
}
EXPORT_SYMBOL_LOCKLAB(lab_plock_unlock_slowpath);
