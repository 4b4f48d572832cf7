/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab device objects: one primitive behind one file descriptor.
 *
 * LOCKLAB_IOC_CREATE on /dev/locklab makes a struct lab_obj and an anon-inode
 * file for it; the object lives as long as the file. Each open of
 * /dev/locklab is a struct lab_dev_ctx that counts (and limits) the objects
 * it created; objects keep their ctx alive.
 *
 * Holds that outlive an ioctl (a mutex LOCK, an rwlock READ_LOCK, ...) are
 * recorded as struct lab_holder: the holding thread and its files table.
 * A hold is released on the holder's behalf ("reaped") when
 *   - a thread of the holder's process closes an fd of the object (flush:
 *     close(), or process exit closing every fd), as POSIX record locks
 *     are released on close; or
 *   - the holder thread has exited, noticed by a waiter, which waits in
 *     slices of LAB_OBJ_REAP_MS to look.
 * A reaped exclusive hold marks the object: the next thread to take the
 * lock gets it with -EOWNERDEAD, as with a robust futex.
 */
#ifndef _LOCKLAB_DEV_OBJECT_H
#define _LOCKLAB_DEV_OBJECT_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <uapi/linux/locklab.h>

#include <locklab/ops.h>

#include "../bench/torture.h"

#define LAB_OBJ_REAP_MS		100

struct lab_dev_ctx {
	struct kref ref;
	atomic_t objects;
	atomic_long_t queued_bytes;
};

enum lab_hold_mode {
	LAB_HOLD_EXCL,
	LAB_HOLD_READ,
	LAB_HOLD_UPGRADABLE,
};

struct lab_holder {
	struct list_head node;
	struct task_struct *task;	/* reference held */
	fl_owner_t files;
	enum lab_hold_mode mode;
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

struct lab_obj;

/**
 * struct lab_obj_type - what the device layer needs from one kind
 * @kind: enum locklab_kind
 * @name: anon-inode name
 * @create: set up @obj->prim from the create parameters
 * @destroy: release everything @create made; no thread is inside any
 *	operation any more, but holds may remain (release them)
 * @op: LOCKLAB_IOC_OP; NULL: the kind has none (-EINVAL)
 * @release_hold: give up a reaped hold on the dead holder's behalf; NULL
 *	for kinds that never record holds (only mutexes and rwlocks do)
 * @ext: kind-specific ioctls (LOCKLAB_IOC_ARC, ...); NULL: none
 */
struct lab_obj_type {
	u32 kind;
	const char *name;
	int (*create)(struct lab_obj *obj, const struct locklab_create *c);
	void (*destroy)(struct lab_obj *obj);
	int (*op)(struct lab_obj *obj, struct locklab_op *op);
	void (*release_hold)(struct lab_obj *obj, enum lab_hold_mode mode);
	int (*ext)(struct lab_obj *obj, unsigned int cmd, void *arg,
		   void __user *uarg);
};

struct lab_obj {
	const struct lab_obj_type *type;
	const struct lab_ops_head *ops;		/* the variant's table */
	struct lab_dev_ctx *ctx;
	void *prim;				/* the primitive itself */
	spinlock_t holders_lock;		/* protects @holders */
	struct list_head holders;
	atomic_t owner_died;
	struct lab_cs cs;
	struct lab_obj_stats stats;
	struct file *peer;			/* condvar: its mutex's file */
};

extern unsigned int lab_max_objects;
extern unsigned int lab_max_hold_ns;

int lab_obj_create(struct lab_dev_ctx *ctx, struct locklab_create *c,
		   int __user *ufd);
int lab_obj_new_handle(struct lab_obj *parent, const struct lab_obj_type *type,
		       const struct lab_ops_head *ops, void *prim, bool cloexec,
		       int __user *ufd);
struct lab_obj *lab_obj_from_file(struct file *file);

struct lab_holder *lab_obj_find_holder(struct lab_obj *obj);
int lab_obj_add_holder(struct lab_obj *obj, enum lab_hold_mode mode);
bool lab_obj_take_holder(struct lab_obj *obj, enum lab_hold_mode mode);
struct lab_holder *lab_obj_detach_holder(struct lab_obj *obj,
					 enum lab_hold_mode mode);
void lab_obj_attach_holder(struct lab_obj *obj, struct lab_holder *h);
void lab_holder_free(struct lab_holder *h);
void lab_obj_set_holder_mode(struct lab_obj *obj, enum lab_hold_mode mode);
void lab_obj_reap(struct lab_obj *obj, fl_owner_t files);
int lab_obj_acquired(struct lab_obj *obj);

extern const struct lab_obj_type lab_obj_spin_type;
extern const struct lab_obj_type lab_obj_mutex_type;
extern const struct lab_obj_type lab_obj_rwlock_type;
extern const struct lab_obj_type lab_obj_semaphore_type;
extern const struct lab_obj_type lab_obj_condvar_type;
extern const struct lab_obj_type lab_obj_arc_type;
extern const struct lab_obj_type lab_obj_chan_type;

void lab_dev_ctx_get(struct lab_dev_ctx *ctx);
void lab_dev_ctx_put(struct lab_dev_ctx *ctx);

#endif /* _LOCKLAB_DEV_OBJECT_H */
