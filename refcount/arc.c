// SPDX-License-Identifier: GPL-2.0
/*
 * locklab Arc: allocation, the last-put and free paths, upgrade, downgrade,
 * get_mut, and the one warning function for every misuse.
 *
 * The algorithm (Rust Atomics and Locks, ch. 6, the optimized Arc), its
 * (strong, weak) state encoding, invariants, saturation semantics, memory
 * ordering and contexts are described in include/locklab/arc.h, where the
 * fast paths (clone, put, weak clone, weak put) live. This file holds the
 * operations that loop (upgrade, downgrade), that lock (get_mut), that
 * allocate or free, and what runs only when something went wrong.
 */
#include <linux/bug.h>
#include <linux/irqflags.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <locklab/arc.h>
#include <locklab/arc_debug.h>

/*
 * Allocations made by lab_arc_new() and not yet freed, and every call of
 * lab_arc_warn() by kind. Statistics for tests and the device: relaxed
 * updates, read exactly only after the threads that change them are
 * joined (a completion orders that).
 */
static atomic_long_t lab_arc_live = ATOMIC_LONG_INIT(0);
static atomic_long_t lab_arc_nr_events[LAB_ARC_NR_EVENTS];

struct lab_arc *lab_arc_new(size_t size, lab_arc_release_t release, gfp_t gfp)
{
	struct lab_arc_inner *in;

	in = kzalloc(struct_size(in, data, size), gfp);
	if (!in)
		return NULL;
	/*
	 * -> (1, 1): one strong handle, holding the weak reference that all
	 * strong handles share. Plain stores: nobody else has the pointer
	 * yet; whatever shares the handle publishes them.
	 */
	lab_atomic_long_set(&in->strong, 1);
	lab_atomic_long_set(&in->weak, 1);
	in->release = release;
	/* Relaxed: a statistic, see above. */
	lab_atomic_long_fetch_add_relaxed(&lab_arc_live, 1);
	return (struct lab_arc *)in;
}

/*
 * The last strong put found strong == 1 and left (0, w). Release the data,
 * then drop the weak reference the strong handles shared: (0, w) ->
 * (0, w-1), which frees the allocation if no weak handle is left.
 */
void __lab_arc_drop(struct lab_arc_inner *in)
{
	/*
	 * ACQUIRE: pairs with the RELEASE decrement of every earlier
	 * lab_arc_put() (they are in the release sequence our decrement read
	 * from): whatever those holders did to the data happens before
	 * release() runs.
	 */
	lab_fence_acquire();
	if (in->release)
		in->release(in->data);
	/*
	 * The RELEASE in lab_weak_put() orders release()'s accesses before
	 * the free, wherever the last weak put happens.
	 */
	lab_weak_put((struct lab_weak *)in);
}

/* The last weak put found weak == 1 and left (0, 0): nobody can reach it. */
void __lab_arc_free(struct lab_arc_inner *in)
{
	/*
	 * ACQUIRE: pairs with the RELEASE decrement of every earlier
	 * lab_weak_put(), including the one __lab_arc_drop() makes after
	 * release(): no access to the allocation comes after the kfree().
	 */
	lab_fence_acquire();
	kfree(in);
	/* Relaxed: a statistic. */
	lab_atomic_long_fetch_sub_relaxed(&lab_arc_live, 1);
}

/*
 * Downgrade is the book's compare-and-exchange loop. It waits while get_mut
 * holds the weak count at LOCKED, which lasts two atomic operations with
 * interrupts off on another CPU (on this CPU get_mut cannot be interrupted
 * in between), so the wait is short and cannot deadlock.
 */
struct lab_weak *lab_arc_downgrade(struct lab_arc *arc)
{
	struct lab_arc_inner *in = __lab_arc_inner(arc);
	long n = lab_atomic_long_read(&in->weak);
	long new;

	for (;;) {
		if (unlikely(n == LAB_ARC_WEAK_LOCKED)) {
			lab_cpu_relax();
			n = lab_atomic_long_read(&in->weak);
			continue;
		}
		/* Saturated: stays so; the new handle is not counted. */
		if (unlikely(n < 0))
			return (struct lab_weak *)in;
		/* We hold a strong handle, so w >= 1: 0 is misuse. */
		if (unlikely(!n)) {
			lab_arc_warn(in, LAB_ARC_OP_DOWNGRADE, n);
			return (struct lab_weak *)in;
		}
		new = n == LAB_ARC_MAX ? LAB_ARC_SATURATED : n + 1;
		/*
		 * (s, w) -> (s, w+1). ACQUIRE: pairs with the RELEASE unlock in
		 * lab_arc_get_mut(). A put we make after this downgrade must
		 * not be what a get_mut that already unlocked read as the
		 * strong count: that get_mut decided without seeing our weak
		 * handle, so it must also not see our strong one gone.
		 */
		if (lab_atomic_long_try_cmpxchg_acquire(&in->weak, &n, new))
			break;
	}
	if (unlikely(new == LAB_ARC_SATURATED))
		lab_arc_warn(in, LAB_ARC_OP_DOWNGRADE, LAB_ARC_MAX);
	return (struct lab_weak *)in;
}

/*
 * Upgrade is the book's compare-and-exchange loop that never increments
 * from 0. It also refuses a saturated (negative) count, and saturates a
 * count at LAB_ARC_MAX rather than wrap it.
 */
struct lab_arc *lab_weak_upgrade(struct lab_weak *weak)
{
	struct lab_arc_inner *in = __lab_weak_inner(weak);
	long n = lab_atomic_long_read(&in->strong);

	for (;;) {
		if (n <= 0)
			return NULL;
		if (unlikely(n == LAB_ARC_MAX)) {
			if (!lab_atomic_long_try_cmpxchg_relaxed(&in->strong, &n,
								 LAB_ARC_SATURATED))
				continue;
			lab_arc_warn(in, LAB_ARC_OP_UPGRADE, LAB_ARC_MAX);
			return NULL;
		}
		/*
		 * (s, w) -> (s+1, w), s >= 1. Relaxed, as clone: our weak
		 * handle reached us through something that ordered the data's
		 * initialization, and a strong handle existed at the moment
		 * of the cmpxchg, so the data had not been released. (The
		 * cmpxchg also gives a control dependency: nothing is stored
		 * to the data unless it succeeded.)
		 */
		if (lab_atomic_long_try_cmpxchg_relaxed(&in->strong, &n, n + 1))
			return (struct lab_arc *)in;
	}
}

void *lab_arc_get_mut(struct lab_arc *arc)
{
	struct lab_arc_inner *in = __lab_arc_inner(arc);
	unsigned long flags;
	long w = 1;
	bool unique;

	/*
	 * Interrupts off while the weak count is locked: lab_arc_downgrade()
	 * spins on LOCKED, and an interrupt handler on this CPU downgrading
	 * its own strong handle would otherwise spin on us forever.
	 */
	local_irq_save(flags);
	/*
	 * (s, 1) -> (s, LOCKED), only from 1: no weak handle exists.
	 * ACQUIRE: pairs with the RELEASE decrement of lab_weak_put(). If a
	 * weak handle was upgraded and then dropped, our strong-count load
	 * below sees that upgrade's handle.
	 */
	if (!lab_atomic_long_try_cmpxchg_acquire(&in->weak, &w,
						 LAB_ARC_WEAK_LOCKED)) {
		local_irq_restore(flags);
		return NULL;
	}
	unique = lab_atomic_long_read(&in->strong) == 1;
	/*
	 * (s, LOCKED) -> (s, 1). RELEASE: pairs with the ACQUIRE cmpxchg of
	 * lab_arc_downgrade(): a put that follows a downgrade made after this
	 * unlock cannot be what the load above read.
	 */
	lab_atomic_long_set_release(&in->weak, 1);
	local_irq_restore(flags);
	if (!unique)
		return NULL;
	/*
	 * ACQUIRE: pairs with the RELEASE decrement of lab_arc_put(): every
	 * former holder's accesses to the data happen before ours.
	 */
	lab_fence_acquire();
	return in->data;
}

static enum lab_arc_event lab_arc_classify(enum lab_arc_op op, long old)
{
	switch (op) {
	case LAB_ARC_OP_CLONE:
		return old ? LAB_ARC_EV_STRONG_SATURATED : LAB_ARC_EV_CLONE_DEAD;
	case LAB_ARC_OP_PUT:
		return old ? LAB_ARC_EV_STRONG_SATURATED : LAB_ARC_EV_PUT_DEAD;
	case LAB_ARC_OP_UPGRADE:
		return LAB_ARC_EV_STRONG_SATURATED;
	default:
		return !old || old == LAB_ARC_WEAK_LOCKED ?
		       LAB_ARC_EV_WEAK_DEAD : LAB_ARC_EV_WEAK_SATURATED;
	}
}

static const char * const lab_arc_op_name[] = {
	[LAB_ARC_OP_CLONE] = "lab_arc_clone",
	[LAB_ARC_OP_PUT] = "lab_arc_put",
	[LAB_ARC_OP_UPGRADE] = "lab_weak_upgrade",
	[LAB_ARC_OP_DOWNGRADE] = "lab_arc_downgrade",
	[LAB_ARC_OP_WEAK_CLONE] = "lab_weak_clone",
	[LAB_ARC_OP_WEAK_PUT] = "lab_weak_put",
};

#define LAB_ARC_WARN(op, old, what)					\
	WARN_ONCE(1, "locklab: %s() found %ld: " what "\n",		\
		  lab_arc_op_name[op], old)

/**
 * lab_arc_warn() - report and repair a count found out of range
 * @in: the allocation
 * @op: the operation that found it
 * @old: the value the operation found (before its own change)
 *
 * The one out-of-line function for every misuse and saturation (see the
 * table in include/locklab/arc.h): it classifies what @op found, resets the
 * counts so the object leaks instead of being freed or released again,
 * counts the event, and prints a WARN the first time each kind happens.
 * Context: any; never sleeps.
 */
void __cold lab_arc_warn(struct lab_arc_inner *in, enum lab_arc_op op,
			 long old)
{
	enum lab_arc_event ev = lab_arc_classify(op, old);

	/*
	 * Plain stores, as refcount_warn_saturate()'s: the count is already
	 * wrong, and a racing operation that reads the unchecked value
	 * before this store is the documented limit of the repair.
	 */
	switch (ev) {
	case LAB_ARC_EV_STRONG_SATURATED:
		lab_atomic_long_set(&in->strong, LAB_ARC_SATURATED);
		break;
	case LAB_ARC_EV_CLONE_DEAD:
	case LAB_ARC_EV_PUT_DEAD:
		/* Dead stays dead (upgrades keep failing); leak the memory. */
		lab_atomic_long_set(&in->strong, 0);
		lab_atomic_long_set(&in->weak, LAB_ARC_SATURATED);
		break;
	default:
		lab_atomic_long_set(&in->weak, LAB_ARC_SATURATED);
		break;
	}
	/* Relaxed: a statistic. */
	lab_atomic_long_fetch_add_relaxed(&lab_arc_nr_events[ev], 1);

	switch (ev) {
	case LAB_ARC_EV_STRONG_SATURATED:
		LAB_ARC_WARN(op, old, "strong count saturated; leaking memory");
		break;
	case LAB_ARC_EV_WEAK_SATURATED:
		LAB_ARC_WARN(op, old, "weak count saturated; leaking memory");
		break;
	case LAB_ARC_EV_CLONE_DEAD:
		LAB_ARC_WARN(op, old, "clone of a released Arc; use-after-release");
		break;
	case LAB_ARC_EV_PUT_DEAD:
		LAB_ARC_WARN(op, old, "put of a zero strong count; use-after-release");
		break;
	default:
		LAB_ARC_WARN(op, old, "weak count at zero; use-after-free");
		break;
	}
}

/**
 * lab_arc_live_count() - Arc allocations not yet freed, module-wide
 *
 * Exact once every thread that used an Arc has been joined; tests compare
 * it before and after a case to prove nothing leaked. Context: any.
 *
 * Return: the number of allocations lab_arc_new() made that no weak put
 * has freed yet.
 */
long lab_arc_live_count(void)
{
	return lab_atomic_long_read(&lab_arc_live);
}

/**
 * lab_arc_events() - how often lab_arc_warn() found an event of one kind
 * @ev: the kind
 *
 * Counts every call, not only the first (which alone prints a WARN).
 * Context: any.
 *
 * Return: the count since module load; 0 for an unknown @ev.
 */
long lab_arc_events(enum lab_arc_event ev)
{
	if (ev >= LAB_ARC_NR_EVENTS)
		return 0;
	return lab_atomic_long_read(&lab_arc_nr_events[ev]);
}
