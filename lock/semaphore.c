// SPDX-License-Identifier: GPL-2.0
/*
 * locklab counting semaphore: down, up and the ops table. The encoding and
 * invariants are in include/locklab/semaphore.h.
 */
#include <linux/bug.h>
#include <linux/limits.h>

#include <locklab/contention.h>
#include <locklab/ops.h>
#include <locklab/semaphore.h>
#include <locklab/export.h>

/**
 * lab_semaphore_init() - initialize a semaphore
 * @s: the semaphore
 * @count: initial permits
 * @max: most permits it may ever hold, 1..INT_MAX
 *
 * Return: 0, or -EINVAL when @count > @max or @max is out of range.
 */
int lab_semaphore_init(struct lab_semaphore *s, u32 count, u32 max)
{
	if (!max || max > INT_MAX || count > max)
		return -EINVAL;
	atomic_set(&s->count, count);
	s->max = max;
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_semaphore_init);

/* c -> c-1 when c > 0; *c is updated on failure. */
static bool lab_semaphore_take(struct lab_semaphore *s, int *c)
{
	/* ACQUIRE: pairs with the RELEASE in lab_semaphore_up(). */
	return *c > 0 && lab_atomic_try_cmpxchg_acquire(&s->count, c, *c - 1);
}

/**
 * lab_semaphore_trydown() - take a permit if one is available
 * @s: the semaphore
 *
 * ACQUIRE on success. Never sleeps; any context.
 *
 * Return: true if a permit was taken.
 */
bool lab_semaphore_trydown(struct lab_semaphore *s)
{
	int c = lab_atomic_read(&s->count);

	while (c > 0)
		if (lab_semaphore_take(s, &c))
			return true;
	return false;
}
EXPORT_SYMBOL_LOCKLAB(lab_semaphore_trydown);

/**
 * lab_semaphore_down_wait() - take a permit, sleeping while there is none
 * @s: the semaphore
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * ACQUIRE. May sleep.
 *
 * Return: 0 with a permit; -EINTR or -ETIMEDOUT without.
 */
int lab_semaphore_down_wait(struct lab_semaphore *s, unsigned int flags,
			    ktime_t deadline)
{
	int c = lab_atomic_read(&s->count), ret = 0;
	u64 t0 = 0;

	might_sleep();
	for (;;) {
		if (lab_semaphore_take(s, &c))
			break;
		if (c > 0)
			continue;
		lab_contention_once(&t0, s, LOCKLAB_KIND_SEMAPHORE,
				    LOCKLAB_SEMAPHORE_ATOMIC, 0);
		ret = lab_wait(&s->count, 0, flags, deadline);
		if (lab_wait_gave_up(ret))
			break;
		ret = 0;
		c = lab_atomic_read(&s->count);
	}
	lab_contention_end(s, ret, t0);
	return ret;
}
EXPORT_SYMBOL_LOCKLAB(lab_semaphore_down_wait);

/**
 * lab_semaphore_up() - return a permit and wake one waiter
 * @s: the semaphore
 *
 * RELEASE. Never sleeps; any context (interrupts included).
 *
 * Return: 0, or -EOVERFLOW if the semaphore already holds max permits
 * (nothing is changed then).
 */
int lab_semaphore_up(struct lab_semaphore *s)
{
	int c = lab_atomic_read(&s->count);

	do {
		if ((u32)c >= s->max)
			return -EOVERFLOW;
		/* RELEASE: pairs with the ACQUIRE in lab_semaphore_take(). */
	} while (!lab_atomic_try_cmpxchg_release(&s->count, &c, c + 1));
	lab_wake_one(&s->count);
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_semaphore_up);

/* --- Ops table: a binary semaphore driven as a lock ----------------------- */

static int sema_ops_init(void *l)
{
	return lab_semaphore_init(l, 1, 1);
}

/* Permits are not owned: a semaphore may go with any count. */
static void sema_ops_destroy(void *l)
{
}

static void sema_ops_lock(void *l, union lab_lock_ctx *c)
{
	lab_semaphore_down(l);
}

static int sema_ops_lock_wait(void *l, union lab_lock_ctx *c,
			      unsigned int flags, ktime_t deadline)
{
	return lab_semaphore_down_wait(l, flags, deadline);
}

static bool sema_ops_trylock(void *l, union lab_lock_ctx *c)
{
	return lab_semaphore_trydown(l);
}

static void sema_ops_unlock(void *l, union lab_lock_ctx *c)
{
	WARN_ON_ONCE(lab_semaphore_up(l));
}

static bool sema_ops_is_locked(void *l)
{
	return lab_semaphore_count(l) == 0;
}

static int sema_ops_init_count(void *l, u32 count, u32 max)
{
	return lab_semaphore_init(l, count, max);
}

static int sema_ops_up(void *l)
{
	return lab_semaphore_up(l);
}

const struct lab_lock_ops lab_semaphore_ops[] = {
	{
		.name = "atomic",
		.kind = LOCKLAB_KIND_SEMAPHORE,
		.variant = LOCKLAB_SEMAPHORE_ATOMIC,
		.props = LOCKLAB_PROP_SLEEPS,
		.caps = LAB_CAP_COUNTING,
		.size = sizeof(struct lab_semaphore),
		.init = sema_ops_init,
		.destroy = sema_ops_destroy,
		.lock = sema_ops_lock,
		.lock_wait = sema_ops_lock_wait,
		.trylock = sema_ops_trylock,
		.unlock = sema_ops_unlock,
		.is_locked = sema_ops_is_locked,
		.init_count = sema_ops_init_count,
		.up = sema_ops_up,
	},
};

const unsigned int lab_semaphore_ops_nr = ARRAY_SIZE(lab_semaphore_ops);
