// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects: creation, the object file, ioctl dispatch, and
 * the bookkeeping of holds that outlive an ioctl (see dev/object.h).
 *
 * Lifetime: the object file holds the module (fops owner) and the object;
 * the object holds its creator's lab_dev_ctx. release() runs when the last
 * reference to the file goes, after every ioctl on it has returned, so no
 * thread is inside an operation when the object is destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "dev.h"
#include "object.h"

unsigned int lab_max_objects = 1024;
module_param_named(max_objects, lab_max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "Objects one open of /dev/locklab may own (default 1024)");

unsigned int lab_max_hold_ns = 1000000;
module_param_named(max_hold_ns, lab_max_hold_ns, uint, 0644);
MODULE_PARM_DESC(max_hold_ns, "Longest critical section an ioctl may request, ns (default 1000000)");

static const struct lab_obj_type *const lab_obj_types[] = {
	&lab_obj_spin_type,
	&lab_obj_mutex_type,
	&lab_obj_rwlock_type,
	&lab_obj_semaphore_type,
	&lab_obj_condvar_type,
	&lab_obj_arc_type,
	&lab_obj_chan_type,
};

static void lab_dev_ctx_free(struct kref *ref)
{
	kfree(container_of(ref, struct lab_dev_ctx, ref));
}

/* References to a /dev/locklab open, for what outlives its objects. */
void lab_dev_ctx_get(struct lab_dev_ctx *ctx)
{
	kref_get(&ctx->ref);
}

void lab_dev_ctx_put(struct lab_dev_ctx *ctx)
{
	kref_put(&ctx->ref, lab_dev_ctx_free);
}

/* --- Holds --------------------------------------------------------------- */

/* The calling thread's hold of @obj, if any; caller holds holders_lock. */
static struct lab_holder *__lab_obj_find_holder(struct lab_obj *obj)
{
	struct lab_holder *h;

	list_for_each_entry(h, &obj->holders, node)
		if (h->task == current)
			return h;
	return NULL;
}

/**
 * lab_obj_find_holder() - the calling thread's hold of @obj
 * @obj: the object
 *
 * Return: the record, or NULL. Only the calling thread and the reaper
 * remove records; a record found here stays valid until this thread gives
 * it up (the reaper only takes records of dead threads and of processes
 * closing the fd, and the caller is alive and inside an ioctl on it).
 */
struct lab_holder *lab_obj_find_holder(struct lab_obj *obj)
{
	struct lab_holder *h;

	spin_lock(&obj->holders_lock);
	h = __lab_obj_find_holder(obj);
	spin_unlock(&obj->holders_lock);
	return h;
}

/**
 * lab_obj_add_holder() - record that the calling thread now holds @obj
 * @obj: the object
 * @mode: what it holds
 *
 * Return: 0, or -ENOMEM (the caller then releases what it took).
 */
int lab_obj_add_holder(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_holder *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return -ENOMEM;
	get_task_struct(current);
	h->task = current;
	h->files = current->files;
	h->mode = mode;
	spin_lock(&obj->holders_lock);
	list_add_tail(&h->node, &obj->holders);
	spin_unlock(&obj->holders_lock);
	return 0;
}

void lab_holder_free(struct lab_holder *h)
{
	put_task_struct(h->task);
	kfree(h);
}

/**
 * lab_obj_detach_holder() - unlink the calling thread's hold record
 * @obj: the object
 * @mode: the hold the thread has
 *
 * For a condvar wait, which gives the mutex up and takes it back: while
 * the record is detached the reaper cannot release a mutex that another
 * thread holds meanwhile. Reattach with lab_obj_attach_holder(), or free
 * with lab_holder_free().
 *
 * Return: the record, or NULL if the thread does not hold @obj in @mode.
 */
struct lab_holder *lab_obj_detach_holder(struct lab_obj *obj,
					 enum lab_hold_mode mode)
{
	struct lab_holder *h;

	spin_lock(&obj->holders_lock);
	h = __lab_obj_find_holder(obj);
	if (h && h->mode == mode)
		list_del(&h->node);
	else
		h = NULL;
	spin_unlock(&obj->holders_lock);
	return h;
}

/* Relink a record detached by lab_obj_detach_holder(). */
void lab_obj_attach_holder(struct lab_obj *obj, struct lab_holder *h)
{
	spin_lock(&obj->holders_lock);
	list_add_tail(&h->node, &obj->holders);
	spin_unlock(&obj->holders_lock);
}

/**
 * lab_obj_take_holder() - remove the calling thread's hold record
 * @obj: the object
 * @mode: the hold the thread is giving up
 *
 * Return: true if the thread held @obj in @mode (the caller then releases
 * the primitive), false if it did not (-EPERM for the caller), including
 * when a reaper took it first.
 */
bool lab_obj_take_holder(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_holder *h = lab_obj_detach_holder(obj, mode);

	if (!h)
		return false;
	lab_holder_free(h);
	return true;
}

/* Change the calling thread's hold mode (downgrade, upgrade). */
void lab_obj_set_holder_mode(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_holder *h;

	spin_lock(&obj->holders_lock);
	h = __lab_obj_find_holder(obj);
	if (!WARN_ON_ONCE(!h))
		h->mode = mode;
	spin_unlock(&obj->holders_lock);
}

static bool lab_holder_dead(const struct lab_holder *h, fl_owner_t files)
{
	if (files)
		return h->files == files;
	return h->task->flags & PF_EXITING;
}

/**
 * lab_obj_reap() - release the holds of dead threads or a closing process
 * @obj: the object
 * @files: the files table of the process closing an fd of @obj, or NULL
 *	to reap the holds of threads that have exited
 *
 * May sleep (the type's release_hold may). A reaped exclusive or
 * upgradable hold marks the object so that the next acquirer learns it
 * with -EOWNERDEAD.
 */
void lab_obj_reap(struct lab_obj *obj, fl_owner_t files)
{
	struct lab_holder *h, *next;
	LIST_HEAD(dead);

	spin_lock(&obj->holders_lock);
	list_for_each_entry_safe(h, next, &obj->holders, node)
		if (lab_holder_dead(h, files))
			list_move_tail(&h->node, &dead);
	spin_unlock(&obj->holders_lock);

	list_for_each_entry_safe(h, next, &dead, node) {
		list_del(&h->node);
		if (h->mode != LAB_HOLD_READ)
			atomic_set(&obj->owner_died, 1);
		obj->type->release_hold(obj, h->mode);
		atomic64_inc(&obj->stats.owner_deaths);
		lab_holder_free(h);
	}
}

/**
 * lab_obj_acquired() - bookkeeping after a successful acquisition
 * @obj: the object
 *
 * Return: -EOWNERDEAD if a previous holder died holding the lock (once,
 * for the first acquirer after it), else 0.
 */
int lab_obj_acquired(struct lab_obj *obj)
{
	atomic64_inc(&obj->stats.acquisitions);
	return atomic_xchg(&obj->owner_died, 0) ? -EOWNERDEAD : 0;
}

/* --- The object file ----------------------------------------------------- */

static int lab_obj_flush(struct file *file, fl_owner_t id)
{
	lab_obj_reap(file->private_data, id);
	return 0;
}

static int lab_obj_release(struct inode *inode, struct file *file)
{
	struct lab_obj *obj = file->private_data;
	struct lab_holder *h, *next;

	obj->type->destroy(obj);
	/* destroy() released the primitive's holds; drop the records. */
	list_for_each_entry_safe(h, next, &obj->holders, node) {
		list_del(&h->node);
		lab_holder_free(h);
	}
	if (obj->peer)
		fput(obj->peer);
	atomic_dec(&obj->ctx->objects);
	kref_put(&obj->ctx->ref, lab_dev_ctx_free);
	kfree(obj);
	return 0;
}

static int lab_obj_ioc_op(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = file->private_data;
	struct locklab_op *op = arg;

	if (op->flags & ~(LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_TIMEOUT |
			  LOCKLAB_OP_SECTION))
		return -EINVAL;
	if ((op->flags & LOCKLAB_OP_NONBLOCK) && (op->flags & LOCKLAB_OP_TIMEOUT))
		return -EINVAL;
	if (op->hold_ns > lab_max_hold_ns)
		return -EINVAL;
	op->wait_ns = 0;
	if (!obj->type->op)
		return -EINVAL;
	return obj->type->op(obj, op);
}

static u64 lab_stat(atomic64_t *v, bool reset)
{
	return reset ? atomic64_xchg(v, 0) : atomic64_read(v);
}

static int lab_obj_ioc_stats(struct file *file, void *arg, void __user *uarg)
{
	struct lab_obj *obj = file->private_data;
	struct lab_obj_stats *s = &obj->stats;
	struct locklab_stats *st = arg;
	bool reset;

	if (st->flags & ~LOCKLAB_STATS_RESET)
		return -EINVAL;
	reset = st->flags & LOCKLAB_STATS_RESET;
	st->kind = obj->ops->kind;
	st->variant = obj->ops->variant;
	st->acquisitions = lab_stat(&s->acquisitions, reset);
	st->contended = lab_stat(&s->contended, reset);
	st->waits = lab_stat(&s->waits, reset);
	st->wakeups = lab_stat(&s->wakeups, reset);
	st->timeouts = lab_stat(&s->timeouts, reset);
	st->interrupted = lab_stat(&s->interrupted, reset);
	st->owner_deaths = lab_stat(&s->owner_deaths, reset);
	st->violations = reset ? atomic_long_xchg(&obj->cs.violations, 0) :
				 atomic_long_read(&obj->cs.violations);
	st->counter = READ_ONCE(obj->cs.counter);
	return 0;
}

/* Kind-specific commands: the wrong kind of object gets -EINVAL. */
static int lab_obj_ioc_ext(struct file *file, void *arg, void __user *uarg,
			   unsigned int cmd)
{
	struct lab_obj *obj = file->private_data;

	if (!obj->type->ext)
		return -EINVAL;
	return obj->type->ext(obj, cmd, arg, uarg);
}

static int lab_obj_ioc_arc(struct file *file, void *arg, void __user *uarg)
{
	return lab_obj_ioc_ext(file, arg, uarg, LOCKLAB_IOC_ARC);
}

static int lab_obj_ioc_chan(struct file *file, void *arg, void __user *uarg)
{
	return lab_obj_ioc_ext(file, arg, uarg, LOCKLAB_IOC_CHAN);
}

static const struct lab_ioctl_desc lab_obj_ioctls[] = {
	LAB_IOCTL(LOCKLAB_IOC_OP, struct locklab_op, wait_ns, lab_obj_ioc_op),
	LAB_IOCTL(LOCKLAB_IOC_STATS, struct locklab_stats, counter,
		  lab_obj_ioc_stats),
	LAB_IOCTL(LOCKLAB_IOC_ARC, struct locklab_arc_op, weak, lab_obj_ioc_arc),
	LAB_IOCTL(LOCKLAB_IOC_CHAN, struct locklab_chan_op, __reserved,
		  lab_obj_ioc_chan),
	/* /dev/locklab's own commands are the wrong kind for an object. */
	LAB_IOCTL(LOCKLAB_IOC_VERSION, struct locklab_version, backend,
		  lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_LIST, struct locklab_list, kind_name,
		  lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_BENCH, struct locklab_bench, elapsed_ns,
		  lab_ioc_wrong_fd),
	LAB_IOCTL(LOCKLAB_IOC_CREATE, struct locklab_create, __reserved,
		  lab_ioc_wrong_fd),
};

static long lab_obj_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return lab_ioctl_dispatch(lab_obj_ioctls, ARRAY_SIZE(lab_obj_ioctls),
				  file, cmd, u64_to_user_ptr((u64)arg));
}

static const struct file_operations lab_obj_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = lab_obj_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.flush = lab_obj_flush,
	.release = lab_obj_release,
	.llseek = noop_llseek,
};

/**
 * lab_obj_from_file() - the object behind a locklab object file
 * @file: any file
 *
 * Return: the object, or NULL when @file is not a locklab object.
 */
struct lab_obj *lab_obj_from_file(struct file *file)
{
	return file->f_op == &lab_obj_fops ? file->private_data : NULL;
}

static const struct lab_obj_type *lab_obj_type_of(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lab_obj_types); i++)
		if (lab_obj_types[i]->kind == kind)
			return lab_obj_types[i];
	return NULL;
}

/* A new object of @type owned by @ctx, counted against max_objects. */
static struct lab_obj *lab_obj_alloc(struct lab_dev_ctx *ctx,
				     const struct lab_obj_type *type)
{
	struct lab_obj *obj;

	if (atomic_inc_return(&ctx->objects) > lab_max_objects) {
		atomic_dec(&ctx->objects);
		return ERR_PTR(-ENOSPC);
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		atomic_dec(&ctx->objects);
		return ERR_PTR(-ENOMEM);
	}
	obj->type = type;
	obj->ctx = ctx;
	spin_lock_init(&obj->holders_lock);
	INIT_LIST_HEAD(&obj->holders);
	atomic_long_set(&obj->cs.violations, 0);
	return obj;
}

/* Undo lab_obj_alloc() and the type's setup for an object never published. */
static void lab_obj_discard(struct lab_obj *obj)
{
	obj->type->destroy(obj);
	if (obj->peer)
		fput(obj->peer);
	atomic_dec(&obj->ctx->objects);
	kfree(obj);
}

/*
 * Give @obj a file and an fd. The fd number is written to @ufd first and
 * the fd installed only after that succeeded, so a faulting caller never
 * ends up with an fd it does not know about. On error @obj is untouched
 * (the caller discards it); on success the file owns it.
 */
static int lab_obj_publish(struct lab_obj *obj, bool cloexec, int __user *ufd)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_RDWR | (cloexec ? O_CLOEXEC : 0));
	if (fd < 0)
		return fd;
	if (put_user(fd, ufd)) {
		put_unused_fd(fd);
		return -EFAULT;
	}
	kref_get(&obj->ctx->ref);
	file = anon_inode_getfile(obj->type->name, &lab_obj_fops, obj, O_RDWR);
	if (IS_ERR(file)) {
		kref_put(&obj->ctx->ref, lab_dev_ctx_free);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return 0;
}

/**
 * lab_obj_create() - LOCKLAB_IOC_CREATE: make an object and its fd
 * @ctx: the creator's /dev/locklab context
 * @c: the request
 * @ufd: where the caller reads the new fd
 *
 * Return: 0, or -EINVAL (unknown kind/variant, bad parameters), -ENOSPC
 * (max_objects reached), -ENOMEM, -EMFILE, -EFAULT.
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
		atomic_dec(&ctx->objects);
		kfree(obj);
		return ret;
	}
	ret = lab_obj_publish(obj, c->flags & LOCKLAB_CREATE_CLOEXEC, ufd);
	if (ret)
		lab_obj_discard(obj);
	return ret;
}

/**
 * lab_obj_new_handle() - publish another object for a primitive @prim
 * @parent: the object the new one comes from (same ctx)
 * @type: its type
 * @ops: its variant
 * @prim: the primitive; on failure @type's destroy() releases it
 * @cloexec: O_CLOEXEC for the new fd
 * @ufd: where the caller reads the new fd
 *
 * For primitives with several handles (an Arc's strong and weak ones).
 *
 * Return: 0, or -ENOSPC, -ENOMEM, -EMFILE, -EFAULT.
 */
int lab_obj_new_handle(struct lab_obj *parent, const struct lab_obj_type *type,
		       const struct lab_ops_head *ops, void *prim, bool cloexec,
		       int __user *ufd)
{
	struct lab_obj *obj = lab_obj_alloc(parent->ctx, type);
	int ret;

	if (IS_ERR(obj)) {
		struct lab_obj tmp = { .type = type, .ops = ops, .prim = prim };

		type->destroy(&tmp);
		return PTR_ERR(obj);
	}
	obj->ops = ops;
	obj->prim = prim;
	ret = lab_obj_publish(obj, cloexec, ufd);
	if (ret)
		lab_obj_discard(obj);
	return ret;
}

/* --- /dev/locklab open/release ------------------------------------------- */

int lab_dev_open(struct inode *inode, struct file *file)
{
	struct lab_dev_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	file->private_data = ctx;
	return nonseekable_open(inode, file);
}

int lab_dev_release(struct inode *inode, struct file *file)
{
	struct lab_dev_ctx *ctx = file->private_data;

	kref_put(&ctx->ref, lab_dev_ctx_free);
	return 0;
}
