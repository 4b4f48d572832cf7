// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects: creation, references, the object file. Who
 * owns what is in dev/object.h; what every operation shares is dev/op.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include <locklab/param.h>
#include <locklab/wait.h>

#include "budget.h"
#include "dev.h"
#include "hold.h"
#include "object.h"

unsigned int lab_max_objects = 1024;
LAB_PARAM_UINT(max_objects, lab_max_objects, 1, 1U << 20, 0644,
	       "Objects one open of /dev/locklab may own");

unsigned int lab_max_hold_ns = 1000000;
LAB_PARAM_UINT(max_hold_ns, lab_max_hold_ns, 0, LOCKLAB_BENCH_MAX_BUSY_NS, 0644,
	       "Longest critical section an ioctl may request, ns");

static const struct lab_obj_type *const lab_obj_types[] = {
	&lab_obj_spin_type,
	&lab_obj_mutex_type,
	&lab_obj_rwlock_type,
	&lab_obj_semaphore_type,
	&lab_obj_condvar_type,
	&lab_obj_arc_type,
	&lab_obj_chan_type,
	&lab_obj_seqlock_type,
};

/* --- Opens of /dev/locklab ------------------------------------------------ */

static void lab_dev_ctx_free(struct kref *ref)
{
	struct lab_dev_ctx *ctx = container_of(ref, struct lab_dev_ctx, ref);
	struct lab_budget *user = ctx->budget.parent;

	WARN_ON_ONCE(atomic_long_read(&ctx->budget.used));
	kfree(ctx);
	lab_budget_uncharge(user, lab_charge_size(sizeof(*ctx)));
	lab_user_put(user);
}

void lab_dev_ctx_get(struct lab_dev_ctx *ctx)
{
	kref_get(&ctx->ref);
}

void lab_dev_ctx_put(struct lab_dev_ctx *ctx)
{
	kref_put(&ctx->ref, lab_dev_ctx_free);
}

/* An open is charged to its user: opening again is not free either. */
int lab_dev_open(struct inode *inode, struct file *file)
{
	struct lab_budget *user = lab_user_get(current_uid());
	struct lab_dev_ctx *ctx;

	if (!user)
		return -ENOMEM;
	ctx = lab_budget_kzalloc(user, sizeof(*ctx));
	if (IS_ERR(ctx)) {
		lab_user_put(user);
		return PTR_ERR(ctx);
	}
	kref_init(&ctx->ref);
	lab_budget_init(&ctx->budget, &lab_max_open_bytes, user);
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

int lab_dev_release(struct inode *inode, struct file *file)
{
	lab_dev_ctx_put(file->private_data);
	return 0;
}

/* --- Object references ---------------------------------------------------- */

void lab_obj_get(struct lab_obj *obj)
{
	kref_get(&obj->ref);
}

static void lab_obj_free(struct kref *ref)
{
	struct lab_obj *obj = container_of(ref, struct lab_obj, ref);
	struct lab_dev_ctx *ctx = obj->ctx;

	lab_stat_unregister(obj);
	obj->type->destroy(obj);
	if (obj->peer)
		lab_obj_put(obj->peer);
	atomic_dec(&ctx->objects);
	lab_budget_kfree(&ctx->budget, obj, sizeof(*obj));
	lab_dev_ctx_put(ctx);
}

/* Drop a reference; the last one tears the primitive down. May sleep. */
void lab_obj_put(struct lab_obj *obj)
{
	kref_put(&obj->ref, lab_obj_free);
}

/**
 * lab_obj_alloc_prim() - allocate @obj's primitive, charged to its open
 * @obj: the object being created
 * @size: bytes
 * @extra: bytes the primitive's init allocates on its own (its ops'
 *	init_bytes, GFP_KERNEL_ACCOUNT there), charged here with @size
 *
 * Return: 0 with zeroed memory in @obj->prim, -ENOSPC (over budget) or
 * -ENOMEM.
 */
int lab_obj_alloc_prim(struct lab_obj *obj, size_t size, size_t extra)
{
	struct lab_budget *b = &obj->ctx->budget;
	void *p;

	if (extra && lab_budget_charge(b, lab_charge_size(extra)))
		return -ENOSPC;
	p = lab_budget_kzalloc(b, size);
	if (IS_ERR(p)) {
		if (extra)
			lab_budget_uncharge(b, lab_charge_size(extra));
		return PTR_ERR(p);
	}
	obj->prim = p;
	obj->prim_size = size;
	obj->prim_extra = extra;
	return 0;
}

/**
 * lab_obj_init_prim() - allocate @obj's primitive and initialize it
 * @obj: the object being created
 * @size: bytes (its ops' size)
 * @extra: as lab_obj_alloc_prim()'s
 * @init: its ops' init
 *
 * The one create() step every lock kind shares: on failure nothing is
 * left allocated or charged.
 *
 * Return: 0, -ENOSPC, -ENOMEM, or @init's error.
 */
int lab_obj_init_prim(struct lab_obj *obj, size_t size, size_t extra,
		      int (*init)(void *))
{
	int ret = lab_obj_alloc_prim(obj, size, extra);

	if (ret)
		return ret;
	ret = init(obj->prim);
	if (ret)
		lab_obj_free_prim(obj);
	return ret;
}

/* After the primitive's destroy (which freed what its init allocated). */
void lab_obj_free_prim(struct lab_obj *obj)
{
	struct lab_budget *b = &obj->ctx->budget;

	lab_budget_kfree(b, obj->prim, obj->prim_size);
	if (obj->prim_extra)
		lab_budget_uncharge(b, lab_charge_size(obj->prim_extra));
	obj->prim = NULL;
	obj->prim_size = 0;
	obj->prim_extra = 0;
}

/* --- The object file ------------------------------------------------------ */

/* The calling thread closes a descriptor: its own hold ends (hold.h, 2). */
static int lab_obj_flush(struct file *file, fl_owner_t id)
{
	lab_hold_release_own(file->private_data);
	return 0;
}

/* The last descriptor is gone: no op runs; every hold ends (hold.h, 3). */
static int lab_obj_release(struct inode *inode, struct file *file)
{
	struct lab_obj *obj = file->private_data;

	lab_hold_release_all(obj);
	lab_obj_put(obj);
	return 0;
}

static long lab_obj_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct lab_obj *obj = file->private_data;

	return lab_ioctl_dispatch(file, LAB_ON_KIND(obj->type->kind), cmd,
				  u64_to_user_ptr((u64)arg));
}

static const struct file_operations lab_obj_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = lab_obj_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.flush = lab_obj_flush,
	.release = lab_obj_release,
	.llseek = noop_llseek,
};

/* The object behind a file the caller knows is an object file. */
struct lab_obj *lab_obj_of(struct file *file)
{
	return file->private_data;
}

/**
 * lab_obj_get_file() - the object behind any file, with a reference
 * @file: a file the caller holds
 *
 * Return: the object (put it with lab_obj_put()), or NULL when @file is
 * not a locklab object.
 */
struct lab_obj *lab_obj_get_file(struct file *file)
{
	struct lab_obj *obj;

	if (file->f_op != &lab_obj_fops)
		return NULL;
	obj = file->private_data;
	lab_obj_get(obj);
	return obj;
}

/* --- Creation ------------------------------------------------------------- */

static const struct lab_obj_type *lab_obj_type_of(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lab_obj_types); i++)
		if (lab_obj_types[i]->kind == kind)
			return lab_obj_types[i];
	return NULL;
}

/* A new object of @type owned by @ctx, counted and charged. */
static struct lab_obj *lab_obj_alloc(struct lab_dev_ctx *ctx,
				     const struct lab_obj_type *type)
{
	struct lab_obj *obj;

	if (atomic_inc_return(&ctx->objects) > READ_ONCE(lab_max_objects)) {
		atomic_dec(&ctx->objects);
		return ERR_PTR(-ENOSPC);
	}
	if (lab_budget_charge(&ctx->budget, lab_charge_size(sizeof(*obj)))) {
		atomic_dec(&ctx->objects);
		return ERR_PTR(-ENOSPC);
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj) {
		lab_budget_uncharge(&ctx->budget, lab_charge_size(sizeof(*obj)));
		atomic_dec(&ctx->objects);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&obj->ref);
	obj->type = type;
	obj->ctx = ctx;
	INIT_LIST_HEAD(&obj->node);
	lab_dev_ctx_get(ctx);
	return obj;
}

/* Undo lab_obj_alloc() for an object whose create() failed. */
static void lab_obj_discard(struct lab_obj *obj)
{
	struct lab_dev_ctx *ctx = obj->ctx;

	atomic_dec(&ctx->objects);
	lab_budget_kfree(&ctx->budget, obj, sizeof(*obj));
	lab_dev_ctx_put(ctx);
}

/*
 * Give @obj a file and an fd. The fd number is written to @ufd first and
 * the fd installed only after that succeeded, so a faulting caller never
 * ends up with an fd it does not know about. The file takes over the
 * caller's reference to @obj, also on failure (then the object goes).
 */
static int lab_obj_publish(struct lab_obj *obj, bool cloexec, int __user *ufd)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0)
		goto err;
	if (put_user(fd, ufd)) {
		put_unused_fd(fd);
		fd = -EFAULT;
		goto err;
	}
	file = anon_inode_getfile(obj->type->name, &lab_obj_fops, obj, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err;
	}
	fd_install(fd, file);
	return 0;
err:
	lab_obj_put(obj);
	return fd;
}

/**
 * lab_obj_create() - LOCKLAB_IOC_CREATE: make an object and its fd
 * @ctx: the creator's /dev/locklab context
 * @c: the request
 * @ufd: where the caller reads the new fd
 *
 * Return: 0, or -EINVAL (unknown kind/variant, bad parameters), -ENOSPC
 * (max_objects or a budget reached), -ENOMEM, -EMFILE, -EFAULT, -EBADF.
 */
int lab_obj_create(struct lab_dev_ctx *ctx, struct locklab_create *c,
		   int __user *ufd)
{
	const struct lab_obj_type *type = lab_obj_type_of(c->kind);
	struct lab_obj *obj;
	int ret;

	if (c->flags & ~LOCKLAB_CREATE_CLOEXEC || c->__reserved || !type)
		return -EINVAL;
	obj = lab_obj_alloc(ctx, type);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ret = type->create(obj, c);
	if (ret) {
		lab_obj_discard(obj);
		return ret;
	}
	lab_stat_register(obj);
	return lab_obj_publish(obj, c->flags & LOCKLAB_CREATE_CLOEXEC, ufd);
}

/**
 * lab_obj_new_handle() - publish another object of @parent's type
 * @parent: the object the new one comes from (same open, type, variant)
 * @prim: its primitive, set up by the caller; on failure @parent's type's
 *	destroy() releases it (so the caller gives it up in every case)
 * @cloexec: O_CLOEXEC for the new fd
 * @ufd: where the caller reads the new fd
 *
 * For primitives with several handles (an Arc's strong and weak ones, a
 * channel's endpoints): @prim is the new handle's own small state, charged
 * to @parent's open by the caller; the type's destroy() knows its size.
 *
 * Return: 0, or -ENOSPC, -ENOMEM, -EMFILE, -EFAULT.
 */
int lab_obj_new_handle(struct lab_obj *parent, void *prim, bool cloexec,
		       int __user *ufd)
{
	struct lab_obj *obj = lab_obj_alloc(parent->ctx, parent->type);

	if (IS_ERR(obj)) {
		struct lab_obj tmp = {
			.type = parent->type, .ops = parent->ops,
			.ctx = parent->ctx, .prim = prim,
		};

		parent->type->destroy(&tmp);
		return PTR_ERR(obj);
	}
	obj->ops = parent->ops;
	obj->prim = prim;
	lab_stat_register(obj);
	return lab_obj_publish(obj, cloexec, ufd);
}
