/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab ops tables: one uniform interface per family of primitives, so the
 * device, the KUnit suites and the benchmark drive every variant, and every
 * kernel-native baseline, through the same code (as locktorture's
 * lock_torture_ops do).
 *
 * Every table starts with the same head (name, UAPI kind and variant,
 * LOCKLAB_PROP_* bits). The registry (lock/ops.c) lists every table of
 * every family in one order; lab_ops_at() walks it (LOCKLAB_IOC_LIST),
 * lab_lock_ops_find() and lab_rwlock_ops_find() look up typed tables.
 *
 * An exclusive lock (spin locks, mutexes, binary semaphores) is used as:
 *
 *	union lab_lock_ctx ctx;		// per acquirer, lives until unlock
 *	void *lock = kzalloc(ops->size, GFP_KERNEL);
 *	ops->init(lock);
 *	ops->lock(lock, &ctx); ... ops->unlock(lock, &ctx);
 *	ops->destroy(lock);
 */
#ifndef _LOCKLAB_OPS_H
#define _LOCKLAB_OPS_H

#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/ktime.h>
#include <linux/types.h>
#include <uapi/linux/locklab.h>

#include <locklab/spinlock.h>

struct lab_ops_head {
	const char *name;	/* short name, as the CLI spells it */
	u32 kind;		/* enum locklab_kind */
	u32 variant;		/* variant number within the kind (UAPI) */
	u32 props;		/* LOCKLAB_PROP_* */
	u32 caps;		/* LAB_CAP_*: what else the table offers */
};

/*
 * Capabilities of a table, for its users inside the module (the UAPI
 * props say what a variant is; these say what its table lets one do).
 *
 * LAB_CAP_CONDVAR_MUTEX: the lock is a struct lab_mutex, so a lab_condvar
 *	can wait with it (the condvars requeue onto its word).
 * LAB_CAP_COUNTING: a counting semaphore: ->init_count and ->up are set.
 */
#define LAB_CAP_CONDVAR_MUTEX	BIT(0)
#define LAB_CAP_COUNTING	BIT(1)

/* The head, reachable both as ops->head and as ops->name etc. */
#define LAB_OPS_HEAD							\
	union {								\
		struct lab_ops_head head;				\
		struct {						\
			const char *name;				\
			u32 kind;					\
			u32 variant;					\
			u32 props;					\
			u32 caps;					\
		};							\
	}

/* Per-acquirer state some variants need: the MCS queue node. */
union lab_lock_ctx {
	struct lab_mcs_node mcs;
};

/**
 * struct lab_lock_ops - an exclusive lock, driven uniformly
 * @size: bytes of one lock object
 * @init_bytes: bytes @init allocates besides the object (GFP_KERNEL_ACCOUNT,
 *	so a device object's memory cgroup sees them; the device charges them
 *	to its budgets with @size)
 * @init: initialize a zeroed object; 0 or -errno
 * @destroy: release what @init allocated; the lock must be free
 * @lock: take the lock; spins or sleeps (uninterruptibly) as the variant does
 * @lock_wait: sleeping locks only (NULL for spin locks): take the lock or
 *	give up on a signal (lab_wait() flags) or @deadline; 0, -EINTR or
 *	-ETIMEDOUT
 * @trylock: take the lock if free; never waits
 * @unlock: release the lock taken with the same @ctx
 * @is_locked: racy snapshot: held (or being handed over) right now
 * @user_hold: sleeping locks that the device lets userspace hold across
 *	calls (NULL otherwise): the hold leaves the calling task's lockdep
 *	context (@to_user true), or comes back to be released by the calling
 *	task, which becomes the recorded owner where the variant records one
 *	(@to_user false)
 * @init_count: LAB_CAP_COUNTING: initialize with @count of at most @max
 *	permits instead of @init's one; 0 or -EINVAL
 * @up: LAB_CAP_COUNTING: return a permit; 0, or -EOVERFLOW when the
 *	semaphore already has its maximum (nothing changed)
 */
struct lab_lock_ops {
	LAB_OPS_HEAD;
	size_t size;
	size_t init_bytes;
	int (*init)(void *lock);
	void (*destroy)(void *lock);
	void (*lock)(void *lock, union lab_lock_ctx *ctx);
	int (*lock_wait)(void *lock, union lab_lock_ctx *ctx,
			 unsigned int flags, ktime_t deadline);
	bool (*trylock)(void *lock, union lab_lock_ctx *ctx);
	void (*unlock)(void *lock, union lab_lock_ctx *ctx);
	bool (*is_locked)(void *lock);
	void (*user_hold)(void *lock, bool to_user);
	int (*init_count)(void *lock, u32 count, u32 max);
	int (*up)(void *lock);
};

/**
 * struct lab_rwlock_ops - a reader-writer lock, driven uniformly
 * @size: bytes of one lock object
 * @init: initialize a zeroed object
 * @destroy: the lock must be free
 * @rd_lock: take a shared hold; may sleep; @flags/@deadline as lab_wait()
 * @wr_lock: take the exclusive hold; may sleep
 * @rd_trylock: take a shared hold if no writer holds or waits (as the
 *	variant defines it); never waits
 * @wr_trylock: take the exclusive hold if free; never waits
 * @rd_unlock: release a shared hold
 * @wr_unlock: release the exclusive hold
 * @downgrade: exclusive -> shared, atomically (no writer can get in between)
 * @upgradable_lock: take the one upgradable shared hold (NULL if the
 *	variant has none); readers may hold alongside it
 * @upgrade: upgradable -> exclusive: waits for the other readers to leave
 * @upgradable_trylock: take the upgradable hold if the token is free and
 *	a read share would be granted; never waits
 * @try_upgrade: upgradable -> exclusive if no other reader holds; never
 *	waits, and the upgradable hold stays on failure
 * @upgradable_unlock: release an upgradable hold that was not upgraded
 * @user_hold: as struct lab_lock_ops' (NULL for the kernel's and the broken
 *	lock); @read says whether the hold is shared (an upgradable hold is)
 */
struct lab_rwlock_ops {
	LAB_OPS_HEAD;
	size_t size;
	int (*init)(void *lock);
	void (*destroy)(void *lock);
	int (*rd_lock)(void *lock, unsigned int flags, ktime_t deadline);
	int (*wr_lock)(void *lock, unsigned int flags, ktime_t deadline);
	bool (*rd_trylock)(void *lock);
	bool (*wr_trylock)(void *lock);
	void (*rd_unlock)(void *lock);
	void (*wr_unlock)(void *lock);
	void (*downgrade)(void *lock);
	int (*upgradable_lock)(void *lock, unsigned int flags, ktime_t deadline);
	int (*upgrade)(void *lock, unsigned int flags, ktime_t deadline);
	bool (*upgradable_trylock)(void *lock);
	bool (*try_upgrade)(void *lock);
	void (*upgradable_unlock)(void *lock);
	void (*user_hold)(void *lock, bool read, bool to_user);
};

/*
 * Adapters. A table's slots take void *; a family's API takes its own type.
 * One macro per shape writes the adapters of a whole API, named
 * lab_<pfx>_ops_<slot>, from the API's own names:
 *
 *   LAB_SPIN_OPS_ADAPTERS(pfx, type)    lab_<pfx>_lock(), _trylock(),
 *                                       _unlock(), _is_locked()
 *   LAB_SLEEPING_OPS_ADAPTERS(pfx, type)  the same plus _lock_wait(), and a
 *                                       destroy that finds the lock free
 *   LAB_USER_HOLD_ADAPTER(pfx, type)    user_hold for a mutex-like lock
 *                                       with a lockdep map
 *   LAB_RWLOCK_OPS_ADAPTERS(pfx, type)  the struct lab_rwlock_ops slots of
 *                                       lab_<pfx>_read_lock_wait(),
 *                                       _write_lock_wait(), ...
 *
 * and LAB_SPIN_OPS_SLOTS(pfx) / LAB_SLEEPING_OPS_SLOTS(pfx) /
 * LAB_RWLOCK_OPS_SLOTS(pfx) fill a table's slots with them (the table
 * gives .size, .init and what differs). So a variant is written as its
 * API and one table entry.
 */
#define LAB_SPIN_OPS_ADAPTERS(pfx, type)				\
static void lab_##pfx##_ops_lock(void *l, union lab_lock_ctx *c)	\
{									\
	lab_##pfx##_lock((type *)l);					\
}									\
static bool lab_##pfx##_ops_trylock(void *l, union lab_lock_ctx *c)	\
{									\
	return lab_##pfx##_trylock((type *)l);				\
}									\
static void lab_##pfx##_ops_unlock(void *l, union lab_lock_ctx *c)	\
{									\
	lab_##pfx##_unlock((type *)l);					\
}									\
static bool lab_##pfx##_ops_is_locked(void *l)				\
{									\
	return lab_##pfx##_is_locked((type *)l);			\
}

#define LAB_SPIN_OPS_SLOTS(pfx)						\
	.lock = lab_##pfx##_ops_lock,					\
	.trylock = lab_##pfx##_ops_trylock,				\
	.unlock = lab_##pfx##_ops_unlock,				\
	.is_locked = lab_##pfx##_ops_is_locked

#define LAB_SLEEPING_OPS_ADAPTERS(pfx, type)				\
LAB_SPIN_OPS_ADAPTERS(pfx, type)					\
static int lab_##pfx##_ops_lock_wait(void *l, union lab_lock_ctx *c,	\
				     unsigned int flags, ktime_t deadline) \
{									\
	return lab_##pfx##_lock_wait((type *)l, flags, deadline);	\
}									\
static void lab_##pfx##_ops_destroy(void *l)				\
{									\
	WARN_ON_ONCE(lab_##pfx##_is_locked((type *)l));			\
}

#define LAB_SLEEPING_OPS_SLOTS(pfx)					\
	.destroy = lab_##pfx##_ops_destroy,				\
	.lock = lab_##pfx##_ops_lock,					\
	.lock_wait = lab_##pfx##_ops_lock_wait,				\
	.trylock = lab_##pfx##_ops_trylock,				\
	.unlock = lab_##pfx##_ops_unlock,				\
	.is_locked = lab_##pfx##_ops_is_locked

/* A hold passed to userspace leaves lockdep's view, and comes back. */
#define LAB_USER_HOLD_ADAPTER(pfx, type)				\
static void lab_##pfx##_ops_user_hold(void *lock, bool to_user)		\
{									\
	type *l __maybe_unused = lock;					\
									\
	if (to_user)							\
		mutex_release(&l->dep_map, _THIS_IP_);			\
	else								\
		mutex_acquire(&l->dep_map, 0, 0, _THIS_IP_);		\
}

#define LAB_RWLOCK_OPS_ADAPTERS(pfx, type)				\
static int lab_##pfx##_ops_rd_lock(void *l, unsigned int flags,		\
				   ktime_t deadline)			\
{									\
	return lab_##pfx##_read_lock_wait((type *)l, flags, deadline);	\
}									\
static int lab_##pfx##_ops_wr_lock(void *l, unsigned int flags,		\
				   ktime_t deadline)			\
{									\
	return lab_##pfx##_write_lock_wait((type *)l, flags, deadline);	\
}									\
static bool lab_##pfx##_ops_rd_trylock(void *l)				\
{									\
	return lab_##pfx##_read_trylock((type *)l);			\
}									\
static bool lab_##pfx##_ops_wr_trylock(void *l)				\
{									\
	return lab_##pfx##_write_trylock((type *)l);			\
}									\
static void lab_##pfx##_ops_rd_unlock(void *l)				\
{									\
	lab_##pfx##_read_unlock((type *)l);				\
}									\
static void lab_##pfx##_ops_wr_unlock(void *l)				\
{									\
	lab_##pfx##_write_unlock((type *)l);				\
}									\
static void lab_##pfx##_ops_downgrade(void *l)				\
{									\
	lab_##pfx##_downgrade((type *)l);				\
}

#define LAB_RWLOCK_OPS_SLOTS(pfx)					\
	.rd_lock = lab_##pfx##_ops_rd_lock,				\
	.wr_lock = lab_##pfx##_ops_wr_lock,				\
	.rd_trylock = lab_##pfx##_ops_rd_trylock,			\
	.wr_trylock = lab_##pfx##_ops_wr_trylock,			\
	.rd_unlock = lab_##pfx##_ops_rd_unlock,				\
	.wr_unlock = lab_##pfx##_ops_wr_unlock,				\
	.downgrade = lab_##pfx##_ops_downgrade

/*
 * A variant whose primitive the device and tests use directly (condition
 * variables, Arcs): the table only names it for the registry.
 */
struct lab_plain_ops {
	LAB_OPS_HEAD;
};

/* Tables defined by the families. */
extern const struct lab_lock_ops lab_spin_ops[];
extern const unsigned int lab_spin_ops_nr;
extern const struct lab_lock_ops lab_mutex_ops[];	/* ch. 9 and ch. 10 */
extern const unsigned int lab_mutex_ops_nr;
extern const struct lab_lock_ops lab_semaphore_ops[];
extern const unsigned int lab_semaphore_ops_nr;
extern const struct lab_rwlock_ops lab_rwlock_ops[];
extern const unsigned int lab_rwlock_ops_nr;
extern const struct lab_plain_ops lab_condvar_ops[];
extern const unsigned int lab_condvar_ops_nr;
extern const struct lab_plain_ops lab_arc_ops[];
extern const unsigned int lab_arc_ops_nr;
extern const struct lab_plain_ops lab_rcu_ops[];
extern const unsigned int lab_rcu_ops_nr;

/* Kernel-native baselines (bench/native.c). */
extern const struct lab_lock_ops lab_kernel_spinlock_ops;
extern const struct lab_lock_ops lab_kernel_mutex_ops;
extern const struct lab_lock_ops lab_kernel_semaphore_ops;
extern const struct lab_rwlock_ops lab_kernel_rwsem_ops;

/* Deliberately broken variants (bench/torture.c). */
extern const struct lab_lock_ops lab_broken_spin_ops;
extern const struct lab_lock_ops lab_broken_mutex_ops;
extern const struct lab_rwlock_ops lab_broken_rwlock_ops;

const struct lab_ops_head *lab_ops_at(unsigned int index);
const struct lab_ops_head *lab_ops_find(u32 kind, u32 variant);
const struct lab_lock_ops *lab_lock_ops_find(u32 kind, u32 variant);
const struct lab_rwlock_ops *lab_rwlock_ops_find(u32 kind, u32 variant);
const char *lab_kind_name(u32 kind);

/**
 * struct lab_seq_ops - a sequence lock, driven uniformly
 * @size: bytes of one seqlock object
 * @init: initialize a zeroed object; 0 or -errno
 * @destroy: release what @init allocated; no writer may be inside
 * @rd_begin: start a read section (spins while a writer is inside);
 *	returns the sequence to pass to @rd_retry
 * @rd_retry: end it: true if a writer got in since @rd_begin, so what was
 *	read may be torn and must be read again
 * @wr_lock: start a write section: take the writer lock and make the
 *	sequence odd; writers must not sleep until @wr_unlock
 * @wr_trylock: the same if no writer is inside, else false; NULL when the
 *	variant has none (the kernel's seqlock_t)
 * @wr_unlock: end the write section
 *
 * Used as: do { s = ops->rd_begin(sl); copy; } while (ops->rd_retry(sl, s));
 * and ops->wr_lock(sl); write; ops->wr_unlock(sl).
 */
struct lab_seq_ops {
	LAB_OPS_HEAD;
	size_t size;
	int (*init)(void *sl);
	void (*destroy)(void *sl);
	u32 (*rd_begin)(void *sl);
	bool (*rd_retry)(void *sl, u32 start);
	void (*wr_lock)(void *sl);
	bool (*wr_trylock)(void *sl);
	void (*wr_unlock)(void *sl);
};

/* Sequence locks (lock/seqlock.c): locklab's, seqlock_t, a broken one. */
extern const struct lab_seq_ops lab_seqlock_ops[];
extern const unsigned int lab_seqlock_ops_nr;

const struct lab_seq_ops *lab_seq_ops_find(u32 kind, u32 variant);

#endif /* _LOCKLAB_OPS_H */
