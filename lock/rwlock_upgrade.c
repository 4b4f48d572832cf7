// SPDX-License-Identifier: GPL-2.0
/*
 * locklab reader-writer lock, v3's upgradable read lock: one holder of the
 * upgrade token (@upgrader) also holds an ordinary read share, so readers
 * run alongside it, and upgrade() turns that share into the write lock
 * once the other readers have left (include/locklab/rwlock.h,
 * "Upgradable"). The state machine is lock/rwlock.c's: announce, withdraw
 * and wake-ups are shared with the writers.
 */
#include <linux/bug.h>

#include <locklab/contention.h>
#include <locklab/export.h>
#include <locklab/rwlock.h>

#include "rwlock_internal.h"

static void lab_rw_token_release(struct lab_rwlock *l)
{
	/* RELEASE: pairs with the token ACQUIRE of the next upgrader. */
	lab_atomic_set_release(&l->upgrader, LAB_RW_UPGRADE_FREE);
	lab_wake_one(&l->upgrader);
}

/**
 * lab_rwlock_upgradable_lock_wait() - take the upgradable shared hold (V3)
 * @l: the lock
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * One task at a time holds it; readers run alongside. ACQUIRE.
 *
 * Return: 0 with the hold; -EINTR or -ETIMEDOUT without; -EOPNOTSUPP for
 * variants other than V3.
 */
int lab_rwlock_upgradable_lock_wait(struct lab_rwlock *l, unsigned int flags,
				    ktime_t deadline)
{
	int v, ret;

	if (!lab_rw_v3(l))
		return -EOPNOTSUPP;
	might_sleep();
	for (;;) {
		/* ACQUIRE: pairs with lab_rw_token_release(). */
		v = lab_atomic_cmpxchg_acquire(&l->upgrader, LAB_RW_UPGRADE_FREE,
					       LAB_RW_UPGRADE_HELD);
		if (v == LAB_RW_UPGRADE_FREE)
			break;
		ret = lab_wait(&l->upgrader, v, flags, deadline);
		if (lab_wait_gave_up(ret))
			return ret;
	}
	ret = lab_rwlock_read_lock_wait(l, flags, deadline);
	if (ret)
		lab_rw_token_release(l);
	return ret;
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_upgradable_lock_wait);

/**
 * lab_rwlock_upgradable_trylock() - take the upgradable hold if free (V3)
 * @l: the lock
 *
 * Takes the token and a read share, or neither: a share refused (a writer
 * holds or waits) gives the token back. ACQUIRE on success; never sleeps.
 *
 * Return: true with the upgradable hold; false for variants other than V3.
 */
bool lab_rwlock_upgradable_trylock(struct lab_rwlock *l)
{
	if (!lab_rw_v3(l))
		return false;
	/* ACQUIRE: pairs with lab_rw_token_release(). */
	if (lab_atomic_cmpxchg_acquire(&l->upgrader, LAB_RW_UPGRADE_FREE,
				       LAB_RW_UPGRADE_HELD) != LAB_RW_UPGRADE_FREE)
		return false;
	if (lab_rwlock_read_trylock(l))
		return true;
	lab_rw_token_release(l);
	return false;
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_upgradable_trylock);

/**
 * lab_rwlock_upgrade_wait() - upgradable hold -> exclusive hold (V3)
 * @l: the lock, upgradable-held by the caller
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * Keeps new readers out and waits for the others to leave. ACQUIRE. On
 * success the token is released: the caller is a plain writer and
 * releases with lab_rwlock_write_unlock() (or downgrades).
 *
 * Return: 0 write-locked; -EINTR or -ETIMEDOUT still upgradable-held.
 */
int lab_rwlock_upgrade_wait(struct lab_rwlock *l, unsigned int flags,
			    ktime_t deadline)
{
	u64 t0 = 0;
	u32 s, w;
	int ret;

	if (!lab_rw_v3(l))
		return -EOPNOTSUPP;
	might_sleep();
	/*
	 * Fully ordered: the state load below must not be satisfied before
	 * UPGRADING is visible to a reader's unlock (which reads @upgrader
	 * after its own fully ordered decrement), else both could miss the
	 * other and we would sleep with nobody to wake us.
	 */
	lab_atomic_xchg(&l->upgrader, LAB_RW_UPGRADING);
	s = lab_atomic_read(&l->state);
	for (;;) {
		/* Our share (2), maybe the bit (1), nobody else: take W. */
		if ((s == 2 || s == 3) &&
		    lab_atomic_try_cmpxchg_acquire(&l->state, (int *)&s, (int)W))
			break;
		if (s == 2 || s == 3)
			continue;
		lab_rw_announce(l, &s);
		/* ACQUIRE: pairs with lab_rw_kick_writers(), as for writers. */
		w = lab_atomic_read_acquire(&l->writer_wake);
		s = lab_atomic_read(&l->state);
		if (s == 2 || s == 3)
			continue;
		lab_contention_once(&t0, l, LOCKLAB_KIND_RWLOCK,
				    lab_rw_uapi_variant(l), LAB_TRACE_F_UPGRADE);
		ret = lab_wait(&l->writer_wake, w, flags, deadline);
		if (lab_wait_gave_up(ret)) {
			lab_atomic_set(&l->upgrader, LAB_RW_UPGRADE_HELD);
			lab_rw_withdraw(l);
			lab_contention_end(l, ret, t0);
			return ret;
		}
		s = lab_atomic_read(&l->state);
	}
	lab_contention_end(l, 0, t0);
	rwsem_release(&l->dep_map, _RET_IP_);
	rwsem_acquire(&l->dep_map, 0, 0, _RET_IP_);
	lab_rw_token_release(l);
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_upgrade_wait);

/**
 * lab_rwlock_try_upgrade() - upgradable -> exclusive if no other reader (V3)
 * @l: the lock, upgradable-held by the caller
 *
 * Never sleeps and announces nothing: with other readers in, the state is
 * left as it was and the caller keeps its upgradable hold. ACQUIRE on
 * success (the other readers' RELEASE unlocks happen before it).
 *
 * Return: true write-locked (the token released, as lab_rwlock_upgrade_wait()
 * leaves it); false still upgradable-held.
 */
bool lab_rwlock_try_upgrade(struct lab_rwlock *l)
{
	u32 s = lab_atomic_read(&l->state);

	if (!lab_rw_v3(l))
		return false;
	/* Our share (2), maybe another writer's announcement (1): take W. */
	while (s == 2 || s == 3) {
		if (lab_atomic_try_cmpxchg_acquire(&l->state, (int *)&s,
						   (int)W)) {
			rwsem_release(&l->dep_map, _RET_IP_);
			rwsem_acquire(&l->dep_map, 0, 1, _RET_IP_);
			lab_rw_token_release(l);
			return true;
		}
	}
	return false;
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_try_upgrade);

/**
 * lab_rwlock_upgradable_unlock() - release an upgradable hold (V3)
 * @l: the lock, upgradable-held by the caller and not upgraded
 */
void lab_rwlock_upgradable_unlock(struct lab_rwlock *l)
{
	lab_rw_token_release(l);
	lab_rwlock_read_unlock(l);
}
EXPORT_SYMBOL_LOCKLAB(lab_rwlock_upgradable_unlock);
