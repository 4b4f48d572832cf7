// SPDX-License-Identifier: GPL-2.0
/*
 * locklab condition variables: wait and notify. The three variants, the
 * ordering argument and the requeue chain are described in
 * include/locklab/condvar.h.
 */
#include <linux/bug.h>
#include <linux/limits.h>

#include <locklab/condvar.h>
#include <locklab/ops.h>
#include <locklab/export.h>

/**
 * lab_condvar_init() - initialize a condition variable
 * @cv: the condition variable
 * @variant: enum lab_condvar_variant
 */
void lab_condvar_init(struct lab_condvar *cv, enum lab_condvar_variant variant)
{
	atomic_set(&cv->counter, 0);
	atomic_set(&cv->waiters, 0);
	cv->mutex = NULL;
	cv->variant = variant;
}
EXPORT_SYMBOL_LOCKLAB(lab_condvar_init);

static bool lab_cv_counts(struct lab_condvar *cv)
{
	return cv->variant != LAB_CONDVAR_COUNTER;
}

/*
 * Relock after a wait; see "Requeue relocking" in the header. As
 * pthread_cond_wait() does, the caller gets the mutex back whatever ended
 * the wait: only a fatal signal (the task is dying) stops the relock.
 */
static int lab_cv_relock(struct lab_condvar *cv, struct lab_mutex *m,
			 unsigned int flags)
{
	int ret;

	flags = flags & (LAB_WAIT_INTERRUPTIBLE | LAB_WAIT_KILLABLE) ?
		LAB_WAIT_KILLABLE : 0;
	if (cv->variant != LAB_CONDVAR_REQUEUE) {
		ret = lab_mutex_lock_wait(m, flags, LAB_WAIT_FOREVER);
		return ret ? -ENOLCK : 0;
	}
	ret = lab_mutex_lock_contended(m, flags, LAB_WAIT_FOREVER);
	if (ret) {
		lab_wake_one(&m->state);	/* pass the requeue chain on */
		return -ENOLCK;
	}
	return 0;
}

/**
 * lab_condvar_wait_flags() - unlock @m, sleep until notified, relock @m
 * @cv: the condition variable
 * @m: the mutex the caller holds; every waiter of @cv must use the same one
 * @flags: lab_wait() flags for the sleep; relocking @m is killable if they
 *	let any signal through, else uninterruptible
 * @deadline: lab_wait() deadline for the sleep (not for relocking)
 *
 * May sleep. May return spuriously: re-check the condition.
 *
 * Return: 0 (notified or spurious), -ETIMEDOUT or -EINTR, each with @m
 * held again; -ENOLCK when a fatal signal interrupted relocking @m: the
 * caller then does NOT hold @m.
 */
int lab_condvar_wait_flags(struct lab_condvar *cv, struct lab_mutex *m,
			   unsigned int flags, ktime_t deadline)
{
	u32 seen;
	int ret, relock;

	if (lab_cv_counts(cv))
		/* Relaxed, under @m: see "Ordering" in the header. */
		lab_atomic_fetch_add_relaxed(&cv->waiters, 1);
	if (cv->variant == LAB_CONDVAR_REQUEUE) {
		/* Written and read under @m, read by notify_all. */
		WARN_ON_ONCE(cv->mutex && cv->mutex != m);
		WRITE_ONCE(cv->mutex, m);
	}
	/* Relaxed, under @m: a later notify bumps past this value. */
	seen = lab_atomic_read(&cv->counter);
	lab_mutex_unlock(m);

	ret = lab_wait(&cv->counter, seen, flags, deadline);
	if (ret == -EAGAIN)
		ret = 0;	/* notified between our unlock and our sleep */

	if (lab_cv_counts(cv))
		lab_atomic_fetch_sub_relaxed(&cv->waiters, 1);
	relock = lab_cv_relock(cv, m, flags);
	return relock ?: ret;
}
EXPORT_SYMBOL_LOCKLAB(lab_condvar_wait_flags);

/**
 * lab_condvar_notify_one() - wake one waiter
 * @cv: the condition variable
 *
 * Call after changing the condition under the mutex (holding it or not).
 * Does not sleep.
 */
void lab_condvar_notify_one(struct lab_condvar *cv)
{
	/* Relaxed: see "Ordering" in the header. */
	if (lab_cv_counts(cv) && !lab_atomic_read(&cv->waiters))
		return;
	lab_atomic_fetch_add_relaxed(&cv->counter, 1);
	lab_wake_one(&cv->counter);
}
EXPORT_SYMBOL_LOCKLAB(lab_condvar_notify_one);

/**
 * lab_condvar_notify_all() - wake every waiter (REQUEUE: wake one, move
 *	the rest onto the mutex)
 * @cv: the condition variable
 *
 * Does not sleep.
 */
void lab_condvar_notify_all(struct lab_condvar *cv)
{
	struct lab_mutex *m;

	if (lab_cv_counts(cv) && !lab_atomic_read(&cv->waiters))
		return;
	lab_atomic_fetch_add_relaxed(&cv->counter, 1);
	m = READ_ONCE(cv->mutex);
	if (cv->variant == LAB_CONDVAR_REQUEUE && m)
		lab_requeue(&cv->counter, &m->state, 1, INT_MAX);
	else
		lab_wake_all(&cv->counter);
}
EXPORT_SYMBOL_LOCKLAB(lab_condvar_notify_all);

/* The variants, for the registry (LOCKLAB_IOC_LIST) and the device. */
const struct lab_plain_ops lab_condvar_ops[] = {
	{ .name = "counter", .kind = LOCKLAB_KIND_CONDVAR,
	  .variant = LOCKLAB_CONDVAR_COUNTER, .props = LOCKLAB_PROP_SLEEPS },
	{ .name = "waitcount", .kind = LOCKLAB_KIND_CONDVAR,
	  .variant = LOCKLAB_CONDVAR_WAITCOUNT, .props = LOCKLAB_PROP_SLEEPS },
	{ .name = "requeue", .kind = LOCKLAB_KIND_CONDVAR,
	  .variant = LOCKLAB_CONDVAR_REQUEUE, .props = LOCKLAB_PROP_SLEEPS },
};

const unsigned int lab_condvar_ops_nr = ARRAY_SIZE(lab_condvar_ops);
