// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for condition variables (LOCKLAB_IOC_OP WAIT,
 * NOTIFY_ONE, NOTIFY_ALL).
 *
 * A condvar is bound at creation to one mutex object of the same open of
 * /dev/locklab whose table has LAB_CAP_CONDVAR_MUTEX (the primitive is a
 * struct lab_mutex: the condvars requeue onto its word). The condvar
 * holds a reference on that object (@peer), so the mutex's primitive
 * outlives every wait, even once the mutex's last descriptor is closed.
 *
 * WAIT follows pthread_cond_wait() (the UAPI header): the caller holds the
 * mutex across calls; WAIT claims that hold record (dev/hold.h), so no
 * reaper can release the mutex while it is the condvar's to release and
 * retake; the wait proper ends on a signal or the timeout; retaking the
 * mutex ends only on a fatal signal; and the record goes back in, with
 * the mutex held, whatever the wait returned. Retaking the mutex is an
 * acquisition: the first one after a holder's death reports EOWNERDEAD.
 */
#include <linux/file.h>

#include <locklab/condvar.h>
#include <locklab/mutex.h>

#include "hold.h"
#include "object.h"

static int lab_cv_create(struct lab_obj *obj, const struct locklab_create *c)
{
	static const enum lab_condvar_variant variants[] = {
		[LOCKLAB_CONDVAR_COUNTER] = LAB_CONDVAR_COUNTER,
		[LOCKLAB_CONDVAR_WAITCOUNT] = LAB_CONDVAR_WAITCOUNT,
		[LOCKLAB_CONDVAR_REQUEUE] = LAB_CONDVAR_REQUEUE,
	};
	struct lab_obj *mobj;
	struct file *mfile;
	int ret;

	if (c->params[1] || c->params[2] || c->params[3])
		return -EINVAL;
	obj->ops = lab_ops_find(c->kind, c->variant);
	if (!obj->ops || c->variant >= ARRAY_SIZE(variants))
		return -EINVAL;
	mfile = fget(c->mutex_fd);
	if (!mfile)
		return -EBADF;
	mobj = lab_obj_get_file(mfile);
	fput(mfile);
	if (!mobj)
		return -EINVAL;
	if (mobj->type != &lab_obj_mutex_type || mobj->ctx != obj->ctx ||
	    !(mobj->ops->caps & LAB_CAP_CONDVAR_MUTEX)) {
		lab_obj_put(mobj);
		return -EINVAL;
	}
	ret = lab_obj_alloc_prim(obj, sizeof(struct lab_condvar), 0);
	if (ret) {
		lab_obj_put(mobj);
		return ret;
	}
	lab_condvar_init(obj->prim, variants[c->variant]);
	obj->peer = mobj;
	return 0;
}

static void lab_cv_destroy(struct lab_obj *obj)
{
	lab_obj_free_prim(obj);
}

/* The one mode a condvar's mutex is held in. */
#define CV_MUTEX	LAB_HOLD_EXCL

static int lab_cv_wait(struct lab_obj *obj, struct locklab_op *op)
{
	struct lab_obj *mobj = obj->peer;
	struct lab_hold *h;
	ktime_t t0 = ktime_get();
	int ret, dead;

	h = lab_hold_claim(mobj, CV_MUTEX);
	if (!h)
		return -EPERM;
	atomic64_inc(&obj->stats.waits);
	mobj->type->user_hold(mobj, CV_MUTEX, false);
	lab_obj_held(mobj, h->since_ns);	/* WAIT releases it */
	ret = lab_condvar_wait_flags(obj->prim, mobj->prim,
				     LAB_WAIT_INTERRUPTIBLE, lab_op_deadline(op));
	lab_op_waited(obj, op, t0, ret == -ENOLCK ? -EINTR : ret);
	if (ret == -ENOLCK) {
		/* Killed retaking the mutex: the thread holds nothing, and dies. */
		lab_hold_free(h);
		return -EINTR;
	}
	dead = lab_obj_acquired(mobj);	/* retaking it is an acquisition */
	mobj->type->user_hold(mobj, CV_MUTEX, true);
	h->since_ns = ktime_get_ns();
	if (lab_hold_restore(h)) {
		/* The mutex's last descriptor went meanwhile: let it go. */
		mobj->type->release_hold(mobj, CV_MUTEX);
		lab_hold_free(h);
		return -EBADF;
	}
	return dead ?: ret;
}

static int lab_cv_op(struct lab_obj *obj, struct locklab_op *op)
{
	if (op->flags & (LOCKLAB_OP_NONBLOCK | LOCKLAB_OP_SECTION))
		return -EINVAL;
	switch (op->op) {
	case LOCKLAB_OP_WAIT:
		return lab_cv_wait(obj, op);
	case LOCKLAB_OP_NOTIFY_ONE:
		atomic64_inc(&obj->stats.wakeups);
		lab_condvar_notify_one(obj->prim);
		return 0;
	case LOCKLAB_OP_NOTIFY_ALL:
		atomic64_inc(&obj->stats.wakeups);
		lab_condvar_notify_all(obj->prim);
		return 0;
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_condvar_type = {
	.kind = LOCKLAB_KIND_CONDVAR,
	.name = "[locklab-condvar]",
	.create = lab_cv_create,
	.destroy = lab_cv_destroy,
	.op = lab_cv_op,
};
