/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab reader-writer lock internals, shared by lock/rwlock.c (readers,
 * writers, downgrade) and lock/rwlock_upgrade.c (the v3 upgradable read
 * lock): one state machine, include/locklab/rwlock.h.
 */
#ifndef _LOCKLAB_LOCK_RWLOCK_INTERNAL_H
#define _LOCKLAB_LOCK_RWLOCK_INTERNAL_H

#include <uapi/linux/locklab.h>

#include <locklab/rwlock.h>

#define W	((u32)LAB_RW_WRITE_LOCKED)

static inline bool lab_rw_v3(struct lab_rwlock *l)
{
	return l->variant == LAB_RWLOCK_V3;
}

/* The UAPI variant number, for the trace events. */
static inline u32 lab_rw_uapi_variant(struct lab_rwlock *l)
{
	BUILD_BUG_ON(LOCKLAB_RWLOCK_V3 - LOCKLAB_RWLOCK_V1 !=
		     LAB_RWLOCK_V3 - LAB_RWLOCK_V1);
	return l->variant - LAB_RWLOCK_V1 + LOCKLAB_RWLOCK_V1;
}

void lab_rw_kick_writers(struct lab_rwlock *l, bool all);
void lab_rw_announce(struct lab_rwlock *l, u32 *s);
void lab_rw_withdraw(struct lab_rwlock *l);

#endif /* _LOCKLAB_LOCK_RWLOCK_INTERNAL_H */
