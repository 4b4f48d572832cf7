// SPDX-License-Identifier: GPL-2.0
/*
 * locklab mutexes: slow paths and the ops tables.
 *
 * The algorithm, state encoding and invariants are in
 * include/locklab/mutex.h, where the fast paths live. Here: the contended
 * lock (spin phase, then sleep in lab_wait()), the wake on unlock, and the
 * ops table of every locklab mutex, ch. 10's queue and parking locks too.
 */
#include <linux/bug.h>
#include <linux/sched.h>

#include <locklab/contention.h>
#include <locklab/mutex.h>
#include <locklab/ops.h>
#include <locklab/parking.h>
#include <locklab/queue.h>
#include <locklab/export.h>

void __lab_mutex_init(struct lab_mutex *m, enum lab_mutex_variant variant,
		      const char *name, struct lock_class_key *key)
{
	atomic_set(&m->state, LAB_MUTEX_UNLOCKED);
	m->variant = variant;
	m->spin = LAB_MUTEX_SPIN_DEFAULT;
#ifdef CONFIG_DEBUG_MUTEXES
	m->owner = NULL;
#endif
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&m->dep_map, name, key, 0);
#endif
}
EXPORT_SYMBOL_LOCKLAB(__lab_mutex_init);

/*
 * The book's spin phase: while the lock is held and nobody sleeps (state 1),
 * spin a bounded number of times, then try once. State 2 means others are
 * already asleep: queue behind them rather than spin.
 */
static bool lab_mutex_spin_acquire(struct lab_mutex *m)
{
	unsigned int i;

	for (i = 0; i < m->spin; i++) {
		if (lab_atomic_read(&m->state) != LAB_MUTEX_LOCKED)
			break;
		lab_cpu_relax();
	}
	return __lab_mutex_acquire(m);
}

/*
 * Sleep until the swap of @mark takes the lock (returns 0). The swap is the
 * whole acquisition: it returns the old state, and 0 means the lock was
 * free and is now ours (state @mark). Otherwise sleep while the state is
 * @mark: any change (an unlock) is a reason to try again.
 */
static int lab_mutex_wait_loop(struct lab_mutex *m, int mark,
			       unsigned int flags, ktime_t deadline)
{
	int ret;

	/* ACQUIRE: pairs with the RELEASE in lab_mutex_unlock(). */
	while (lab_atomic_xchg_acquire(&m->state, mark) != LAB_MUTEX_UNLOCKED) {
		ret = lab_wait(&m->state, mark, flags, deadline);
		if (lab_wait_gave_up(ret))
			return ret;
	}
	return 0;
}

static int __lab_mutex_lock_slowpath(struct lab_mutex *m, unsigned int flags,
				     ktime_t deadline)
{
	if (m->variant == LAB_MUTEX_2STATE)
		return lab_mutex_wait_loop(m, LAB_MUTEX_LOCKED, flags, deadline);
	if (m->variant == LAB_MUTEX_SPIN && lab_mutex_spin_acquire(m))
		return 0;
	return lab_mutex_wait_loop(m, LAB_MUTEX_CONTENDED, flags, deadline);
}

/* The UAPI variant of @m, for the trace events. */
static u32 lab_mutex_uapi_variant(struct lab_mutex *m)
{
	static const u32 uapi[] = {
		[LAB_MUTEX_2STATE] = LOCKLAB_MUTEX_2STATE,
		[LAB_MUTEX_3STATE] = LOCKLAB_MUTEX_3STATE,
		[LAB_MUTEX_SPIN] = LOCKLAB_MUTEX_SPIN,
	};

	return uapi[m->variant];
}

/**
 * lab_mutex_lock_slowpath() - the contended part of lab_mutex_lock_wait()
 * @m: the mutex
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * 2STATE: * -> 1 until it was 0. 3STATE/SPIN: * -> 2 until it was 0 (after
 * the spin phase for SPIN). Marking 2 before sleeping is what makes the
 * unlock wake us.
 *
 * Return: 0 with the lock held; -EINTR or -ETIMEDOUT without it.
 */
noinline int lab_mutex_lock_slowpath(struct lab_mutex *m, unsigned int flags,
				     ktime_t deadline)
{
	return lab_contended(m, LOCKLAB_KIND_MUTEX, lab_mutex_uapi_variant(m),
			     0, __lab_mutex_lock_slowpath(m, flags, deadline));
}
EXPORT_SYMBOL_LOCKLAB(lab_mutex_lock_slowpath);

/**
 * lab_mutex_lock_contended() - take a mutex, marking it contended
 * @m: the mutex
 * @flags: lab_wait() flags
 * @deadline: lab_wait() deadline
 *
 * For waiters that were requeued onto @m by a condition variable
 * (lab_requeue()): others may sleep on @m without having marked it, so the
 * acquisition must leave state 2 (3-state variants) and the next unlock
 * wakes the next of them. Same contract as lab_mutex_lock_wait().
 */
int lab_mutex_lock_contended(struct lab_mutex *m, unsigned int flags,
			     ktime_t deadline)
{
	int mark = m->variant == LAB_MUTEX_2STATE ? LAB_MUTEX_LOCKED :
						     LAB_MUTEX_CONTENDED;
	int ret;

	might_sleep();
	mutex_acquire(&m->dep_map, 0, 0, _RET_IP_);
	ret = lab_contended(m, LOCKLAB_KIND_MUTEX, lab_mutex_uapi_variant(m),
			    0, lab_mutex_wait_loop(m, mark, flags, deadline));
	if (ret) {
		mutex_release(&m->dep_map, _RET_IP_);
		return ret;
	}
	lab_mutex_set_owner(m);
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_mutex_lock_contended);

noinline void lab_mutex_unlock_slowpath(struct lab_mutex *m)
{
	lab_wake_one(&m->state);
}
EXPORT_SYMBOL_LOCKLAB(lab_mutex_unlock_slowpath);

void __cold lab_mutex_bad_unlock(struct lab_mutex *m)
{
	WARN_ONCE(1, "locklab: mutex %p unlocked by a task that does not hold it\n",
		  m);
}
EXPORT_SYMBOL_LOCKLAB(lab_mutex_bad_unlock);

/* --- Ops tables ---------------------------------------------------------- */

/*
 * Every locklab mutex in one array, the chapter 9 mutexes and the chapter 10
 * queue and parking-lot locks (include/locklab/queue.h, parking.h): one
 * table per variant, made from each lock's API by the ops.h adapters.
 */
LAB_SLEEPING_OPS_ADAPTERS(mutex, struct lab_mutex)
LAB_SLEEPING_OPS_ADAPTERS(qlock, struct lab_qlock)
LAB_SLEEPING_OPS_ADAPTERS(plock, struct lab_plock)
LAB_USER_HOLD_ADAPTER(qlock, struct lab_qlock)
LAB_USER_HOLD_ADAPTER(plock, struct lab_plock)

static int mutex2_ops_init(void *l)
{
	lab_mutex_init((struct lab_mutex *)l, LAB_MUTEX_2STATE);
	return 0;
}

static int mutex3_ops_init(void *l)
{
	lab_mutex_init((struct lab_mutex *)l, LAB_MUTEX_3STATE);
	return 0;
}

static int mutexspin_ops_init(void *l)
{
	lab_mutex_init((struct lab_mutex *)l, LAB_MUTEX_SPIN);
	return 0;
}

static int qlock_ops_init(void *l)
{
	lab_qlock_init((struct lab_qlock *)l);
	return 0;
}

static int plock_ops_init(void *l)
{
	lab_plock_init((struct lab_plock *)l);
	return 0;
}

/*
 * A hold passed to userspace leaves lockdep's view; when it comes back the
 * calling task (the holder, or a reaper releasing for a dead one) becomes
 * the owner the debug check expects at unlock.
 */
static void lab_mutex_ops_user_hold(void *l, bool to_user)
{
	struct lab_mutex *m = l;

	if (to_user) {
		mutex_release(&m->dep_map, _THIS_IP_);
		return;
	}
	lab_mutex_set_owner(m);
	mutex_acquire(&m->dep_map, 0, 0, _THIS_IP_);
}

#define MUTEX_OPS(_name, _variant, _pfx, _type, _init, _caps)		\
	{								\
		.name = _name,						\
		.kind = LOCKLAB_KIND_MUTEX,				\
		.variant = _variant,					\
		.props = LOCKLAB_PROP_SLEEPS,				\
		.caps = _caps,						\
		.size = sizeof(_type),					\
		.init = _init,						\
		LAB_SLEEPING_OPS_SLOTS(_pfx),				\
		.user_hold = lab_##_pfx##_ops_user_hold,		\
	}

/*
 * The eventually fair queue and parking locks: the same lock, trylock and
 * state machine, only the unlock hands over to a waiter that waited long.
 * Their lock calls pass LAB_WAIT_TRACE_FAIR, so the trace events name them.
 */
#define LAB_FAIR_OPS_ADAPTERS(pfx, type)				\
static void lab_##pfx##_ops_lock_fair(void *l, union lab_lock_ctx *c)	\
{									\
	int ret = lab_##pfx##_lock_wait((type *)l, LAB_WAIT_TRACE_FAIR,	\
					LAB_WAIT_FOREVER);		\
									\
	WARN_ON_ONCE(ret);						\
}									\
static int lab_##pfx##_ops_lock_wait_fair(void *l, union lab_lock_ctx *c, \
					  unsigned int flags,		\
					  ktime_t deadline)		\
{									\
	return lab_##pfx##_lock_wait((type *)l,				\
				     flags | LAB_WAIT_TRACE_FAIR, deadline); \
}									\
static void lab_##pfx##_ops_unlock_fair(void *l, union lab_lock_ctx *c)	\
{									\
	lab_##pfx##_unlock_fair((type *)l);				\
}

LAB_FAIR_OPS_ADAPTERS(qlock, struct lab_qlock)
LAB_FAIR_OPS_ADAPTERS(plock, struct lab_plock)

#define FAIR_MUTEX_OPS(_name, _variant, _pfx, _type, _init)		\
	{								\
		.name = _name,						\
		.kind = LOCKLAB_KIND_MUTEX,				\
		.variant = _variant,					\
		.props = LOCKLAB_PROP_SLEEPS,				\
		.size = sizeof(_type),					\
		.init = _init,						\
		.destroy = lab_##_pfx##_ops_destroy,			\
		.lock = lab_##_pfx##_ops_lock_fair,			\
		.lock_wait = lab_##_pfx##_ops_lock_wait_fair,		\
		.trylock = lab_##_pfx##_ops_trylock,			\
		.unlock = lab_##_pfx##_ops_unlock_fair,			\
		.is_locked = lab_##_pfx##_ops_is_locked,		\
		.user_hold = lab_##_pfx##_ops_user_hold,		\
	}

const struct lab_lock_ops lab_mutex_ops[] = {
	MUTEX_OPS("2state", LOCKLAB_MUTEX_2STATE, mutex, struct lab_mutex,
		  mutex2_ops_init, LAB_CAP_CONDVAR_MUTEX),
	MUTEX_OPS("3state", LOCKLAB_MUTEX_3STATE, mutex, struct lab_mutex,
		  mutex3_ops_init, LAB_CAP_CONDVAR_MUTEX),
	MUTEX_OPS("spin", LOCKLAB_MUTEX_SPIN, mutex, struct lab_mutex,
		  mutexspin_ops_init, LAB_CAP_CONDVAR_MUTEX),
	MUTEX_OPS("queue", LOCKLAB_MUTEX_QUEUE, qlock, struct lab_qlock,
		  qlock_ops_init, 0),
	MUTEX_OPS("parking", LOCKLAB_MUTEX_PARKING, plock, struct lab_plock,
		  plock_ops_init, 0),
	FAIR_MUTEX_OPS("queue-fair", LOCKLAB_MUTEX_QUEUE_FAIR, qlock,
		       struct lab_qlock, qlock_ops_init),
	FAIR_MUTEX_OPS("parking-fair", LOCKLAB_MUTEX_PARKING_FAIR, plock,
		       struct lab_plock, plock_ops_init),
};

const unsigned int lab_mutex_ops_nr = ARRAY_SIZE(lab_mutex_ops);
