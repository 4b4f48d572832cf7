/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab ops tables: one uniform interface per family of primitives, so the
 * device, the KUnit suites and the benchmark drive every variant, and every
 * kernel-native baseline, through the same code (as locktorture's
 * lock_torture_ops do).
 *
 * An exclusive lock is used as:
 *
 *	union lab_lock_ctx ctx;		// per acquirer, lives until unlock
 *	void *lock = kzalloc(ops->size, GFP_KERNEL);
 *	ops->init(lock);
 *	ops->lock(lock, &ctx); ... ops->unlock(lock, &ctx);
 *	ops->destroy(lock);
 *
 * The registry (lock/ops.c) lists every table; lab_lock_ops_find() looks one
 * up by its UAPI kind and variant numbers.
 */
#ifndef _LOCKLAB_OPS_H
#define _LOCKLAB_OPS_H

#include <linux/types.h>
#include <uapi/linux/locklab.h>

#include <locklab/spinlock.h>

/* Per-acquirer state some variants need: the MCS queue node. */
union lab_lock_ctx {
	struct lab_mcs_node mcs;
};

/**
 * struct lab_lock_ops - an exclusive lock, driven uniformly
 * @name: short name, as the CLI spells it ("tas", "kernel", ...)
 * @kind: enum locklab_kind
 * @variant: variant number within @kind (UAPI)
 * @props: LOCKLAB_PROP_* bits
 * @size: bytes of one lock object
 * @init: initialize a zeroed object; 0 or -errno
 * @destroy: release what @init allocated; the lock must be free
 * @lock: take the lock; may spin or sleep as the variant does
 * @trylock: take the lock if free; never waits
 * @unlock: release the lock taken with the same @ctx
 * @is_locked: racy snapshot: held (or being handed over) right now
 */
struct lab_lock_ops {
	const char *name;
	u32 kind;
	u32 variant;
	u32 props;
	size_t size;
	int (*init)(void *lock);
	void (*destroy)(void *lock);
	void (*lock)(void *lock, union lab_lock_ctx *ctx);
	bool (*trylock)(void *lock, union lab_lock_ctx *ctx);
	void (*unlock)(void *lock, union lab_lock_ctx *ctx);
	bool (*is_locked)(void *lock);
};

/* Tables defined by the families. */
extern const struct lab_lock_ops lab_spin_ops[];
extern const unsigned int lab_spin_ops_nr;
extern const struct lab_lock_ops lab_kernel_spinlock_ops;
extern const struct lab_lock_ops lab_broken_spin_ops;

const struct lab_lock_ops *lab_lock_ops_find(u32 kind, u32 variant);
const struct lab_lock_ops *lab_lock_ops_at(unsigned int index);
const char *lab_kind_name(u32 kind);

#endif /* _LOCKLAB_OPS_H */
