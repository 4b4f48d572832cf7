/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab device objects: one primitive behind one file descriptor.
 *
 * LOCKLAB_IOC_CREATE on /dev/locklab makes a struct lab_obj and an anon-inode
 * file for it. Who owns what, and when it may go:
 *
 *  - An open of /dev/locklab is a struct lab_dev_ctx: its file holds one
 *    reference, every object made through it another. It carries the
 *    open's memory budget (parent: the opener's user, dev/budget.c) and
 *    counts its objects against max_objects.
 *  - An object is referenced (@ref) by its file, by every hold record of
 *    it (dev/hold.h), and by a condvar bound to it (@peer). The primitive
 *    (@prim) is torn down and the object freed when the last reference
 *    goes, so a hold being released on a dead thread's behalf, or a condvar
 *    retaking its mutex, never meets a freed primitive.
 *  - An ioctl runs with a reference on the object's file (the syscall took
 *    it), hence on the object. What an op touches beyond the object is
 *    referenced by the op itself: a channel endpoint for the length of a
 *    send or receive (dev/obj_chan.c), a hold record taken out of the hold
 *    table for the length of the op that uses it (dev/hold.h).
 *  - The last close of the file (release) ends every hold still recorded
 *    (as owner deaths) and drops the file's reference.
 *
 * Creation has one ownership rule: a type's create() either succeeds, and
 * then destroy() owns everything it set up, or fails having released all
 * of it itself; lab_obj_alloc_prim() is the one allocation it makes for
 * the primitive, and destroy() frees it with lab_obj_free_prim().
 */
#ifndef _LOCKLAB_DEV_OBJECT_H
#define _LOCKLAB_DEV_OBJECT_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <uapi/linux/locklab.h>

#include <locklab/budget.h>
#include <locklab/ops.h>
#include <locklab/times.h>
#include "bench/section.h"
#include "stat.h"

/* One open of /dev/locklab. */
struct lab_dev_ctx {
	struct kref ref;
	atomic_t objects;
	struct lab_budget budget;	/* parent: the user's */
};

struct lab_obj_stats {
	atomic64_t acquisitions;
	atomic64_t contended;
	atomic64_t waits;
	atomic64_t wakeups;
	atomic64_t timeouts;
	atomic64_t interrupted;
	atomic64_t owner_deaths;
};

enum lab_hold_mode {
	LAB_HOLD_EXCL,
	LAB_HOLD_READ,
	LAB_HOLD_UPGRADABLE,
};

struct lab_obj;

/**
 * struct lab_obj_type - what the device layer needs from one kind
 * @kind: enum locklab_kind
 * @name: anon-inode name
 * @create: set up @obj->ops and @obj->prim from the create parameters
 *	(see "one ownership rule" above)
 * @destroy: tear down what @create made; no op runs and no hold is left
 * @op: LOCKLAB_IOC_OP; NULL: the kind takes no LOCKLAB_IOC_OP
 * @user_hold: hand a hold in @mode to userspace (@to_user: it leaves the
 *	calling task's lockdep context) or take it back (the calling task
 *	becomes its owner), through the variant ops' user_hold; NULL for
 *	kinds that never record holds
 * @release_hold: take a hold in @mode back from userspace and release it,
 *	on the holder's behalf or at its UNLOCK
 */
struct lab_obj_type {
	u32 kind;
	const char *name;
	int (*create)(struct lab_obj *obj, const struct locklab_create *c);
	void (*destroy)(struct lab_obj *obj);
	int (*op)(struct lab_obj *obj, struct locklab_op *op);
	void (*user_hold)(struct lab_obj *obj, enum lab_hold_mode mode,
			  bool to_user);
	void (*release_hold)(struct lab_obj *obj, enum lab_hold_mode mode);
};

struct lab_obj {
	struct kref ref;
	const struct lab_obj_type *type;
	const struct lab_ops_head *ops;		/* the variant's table */
	struct lab_dev_ctx *ctx;
	void *prim;				/* the primitive itself */
	size_t prim_size;			/* as charged */
	size_t prim_extra;			/* init's own, charged */
	atomic_t nr_holds;			/* records in the hold table */
	bool dead;				/* released: no new holds */
	atomic_t owner_died;
	unsigned int limit;			/* threads the section admits */
	struct lab_cs cs;
	struct lab_obj_stats stats;
	struct lab_times wait_times;		/* contended acquisitions */
	struct lab_times hold_times;
	struct lab_obj *peer;			/* condvar: its mutex */
	u64 id;					/* the debugfs view's number */
	struct list_head node;			/* in the debugfs view's list */
};

extern unsigned int lab_max_objects;
extern unsigned int lab_max_hold_ns;

/* Object lifetime and files (dev/object.c). */
int lab_obj_create(struct lab_dev_ctx *ctx, struct locklab_create *c,
		   int __user *ufd);
int lab_obj_new_handle(struct lab_obj *parent, void *prim, bool cloexec,
		       int __user *ufd);
struct lab_obj *lab_obj_of(struct file *file);
struct lab_obj *lab_obj_get_file(struct file *file);
void lab_obj_get(struct lab_obj *obj);
void lab_obj_put(struct lab_obj *obj);
int lab_obj_alloc_prim(struct lab_obj *obj, size_t size, size_t extra);
int lab_obj_init_prim(struct lab_obj *obj, size_t size, size_t extra,
		      int (*init)(void *));
void lab_obj_free_prim(struct lab_obj *obj);
int lab_obj_acquired(struct lab_obj *obj);

int lab_obj_acquire(struct lab_obj *obj, struct locklab_op *op,
		    bool (*try)(struct lab_obj *obj),
		    int (*wait)(struct lab_obj *obj, unsigned int flags,
				ktime_t deadline));

void lab_obj_section(struct lab_obj *obj, enum lab_hold_mode mode,
		     unsigned int hold_ns);

/* Every LOCKLAB_IOC_OP wait: its deadline, and its bookkeeping. */
ktime_t lab_op_deadline(const struct locklab_op *op);
void lab_op_waited(struct lab_obj *obj, struct locklab_op *op, ktime_t t0,
		   int ret);

/* An acquisition that succeeded may still report -EOWNERDEAD. */
static inline bool lab_acquired(int ret)
{
	return !ret || ret == -EOWNERDEAD;
}

/* Kernel-native and broken variants: no holds across calls. */
static inline bool lab_obj_native(const struct lab_obj *obj)
{
	return obj->ops->props & (LOCKLAB_PROP_KERNEL | LOCKLAB_PROP_BROKEN);
}

/* The device ioctls of each kind, for the dispatch table (dev/ioctl.c). */
int lab_obj_ioc_op(struct file *file, void *arg, void __user *uarg);
int lab_obj_ioc_stats(struct file *file, void *arg, void __user *uarg);
int lab_arc_ioc(struct file *file, void *arg, void __user *uarg);
int lab_chan_ioc(struct file *file, void *arg, void __user *uarg);

extern const struct lab_obj_type lab_obj_spin_type;
extern const struct lab_obj_type lab_obj_mutex_type;
extern const struct lab_obj_type lab_obj_rwlock_type;
extern const struct lab_obj_type lab_obj_semaphore_type;
extern const struct lab_obj_type lab_obj_condvar_type;
extern const struct lab_obj_type lab_obj_arc_type;
extern const struct lab_obj_type lab_obj_chan_type;
extern const struct lab_obj_type lab_obj_seqlock_type;

void lab_dev_ctx_get(struct lab_dev_ctx *ctx);
void lab_dev_ctx_put(struct lab_dev_ctx *ctx);

#endif /* _LOCKLAB_DEV_OBJECT_H */
