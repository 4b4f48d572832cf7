/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab hold records: locks that userspace holds across calls.
 *
 * A LOCK (READ_LOCK, UPGRADABLE_LOCK) that returns with the lock held
 * records a struct lab_hold: the holding thread, the object, the mode. A
 * thread's records hang off its struct lab_holder, and the holders of all
 * threads sit in one table hashed by thread. A hold belongs
 * to its thread, and ends, on that thread's behalf ("reaped", an owner
 * death), when
 *
 *  1. the thread exits: the sched_process_exit tracepoint, in the exiting
 *     thread itself, moves its records out of the table and a work item
 *     releases them (no waiter polls for dead holders; they just wait on
 *     the primitive, which the release wakes);
 *  2. the thread closes a descriptor of the object (flush);
 *  3. the object's last descriptor is closed (release).
 *
 * Rules that make reaping safe by construction:
 *
 *  - A record is released by whoever takes it out of the table, and only
 *    by it. lab_hold_claim() takes the calling thread's own record; the
 *    reapers take records of a dead thread (1), of the closing thread
 *    itself (2), or of an object nobody can reach any more (3).
 *  - An op that uses a hold (UNLOCK, DOWNGRADE, UPGRADE, a condvar WAIT on
 *    its mutex) claims the record first and puts it back when done
 *    (lab_hold_restore()). While an op runs, its record is out of the
 *    table, so no reaper can release the hold under it. Its thread cannot
 *    exit or close (1, 2) during its own ioctl; and (3) cannot happen to
 *    the object of the ioctl's fd. A condvar's mutex can lose its last
 *    descriptor during a WAIT: lab_hold_restore() then refuses (-EBADF),
 *    and the op releases the hold itself.
 *  - Every record holds a reference on its object, so the primitive stays
 *    until the release of the last hold.
 *
 * The primitive is handed to userspace (its ops' user_hold, lockdep's view
 * released) before its record enters the table, and taken back by
 * whoever claims the record, so a reaper always finds it ready to release.
 */
#ifndef _LOCKLAB_DEV_HOLD_H
#define _LOCKLAB_DEV_HOLD_H

#include <linux/list.h>
#include <linux/llist.h>
#include <linux/sched.h>

#include "object.h"

struct lab_holder;

/**
 * struct lab_hold - one hold of one thread on one object
 * @node: in its holder's list while nobody uses it
 * @dead: on a reaper's list once taken out
 * @holder: the holding thread's entry in the table (see dev/hold.c)
 * @obj: the object (reference held)
 * @mode: what the thread holds
 * @since_ns: taken at (for the hold time)
 */
struct lab_hold {
	struct hlist_node node;
	struct llist_node dead;
	struct lab_holder *holder;
	struct lab_obj *obj;
	enum lab_hold_mode mode;
	u64 since_ns;
};

struct lab_hold *lab_hold_new(struct lab_obj *obj, enum lab_hold_mode mode);
void lab_hold_free(struct lab_hold *h);
int lab_hold_restore(struct lab_hold *h);
struct lab_hold *lab_hold_claim(struct lab_obj *obj, enum lab_hold_mode mode);
bool lab_hold_held(struct lab_obj *obj);
void lab_hold_release_own(struct lab_obj *obj);
void lab_hold_release_all(struct lab_obj *obj);
bool lab_hold_supported(void);

int lab_hold_lock(struct lab_obj *obj, struct locklab_op *op,
		  enum lab_hold_mode mode, bool (*try)(struct lab_obj *obj),
		  int (*wait)(struct lab_obj *obj, unsigned int flags,
			      ktime_t deadline));
int lab_hold_unlock(struct lab_obj *obj, enum lab_hold_mode mode);

int lab_hold_init(void);
void lab_hold_exit(void);

#endif /* _LOCKLAB_DEV_HOLD_H */
