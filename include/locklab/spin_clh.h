/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks, one algorithm (contexts, queue nodes and the
 * ordering rules every locklab spin lock follows: spinlock.h).
 *
 * CLH lock (Craig; Landin and Hagersten, 1993-94): a queue of nodes in
 * which each waiter spins on its predecessor's node.
 *
 *   tail: the last node of the queue, with bit 0 (LAB_CLH_FREE) set when
 *   the lock is free. The lock always owns exactly one node: at rest the
 *   FREE-tagged tail node, which nobody spins on.
 *   node->locked: 1 from enqueue until its owner releases the lock.
 *
 *   lock:    tail T -> node; if T has FREE we hold it, else wait for
 *            T->locked == 0. Either way T's node becomes our spare: nobody
 *            else references it any more.
 *   trylock: tail T|FREE -> node only.
 *   unlock:  tail == node (no successor): node -> node|FREE;
 *            otherwise node->locked = 0, and node passes to the successor.
 *
 * locklab's CLH differs from the textbook one in the FREE tag: the
 * textbook release is a single store, which leaves no exact way to tell a
 * free lock from a held one whose node was recycled (trylock would be open
 * to ABA). Here a release without successor is a cmpxchg (as MCS's is), a
 * release with a successor stays one store, and trylock is exact: whatever
 * node a FREE-tagged tail names, the lock is free at the moment the
 * cmpxchg succeeds.
 */
#ifndef _LOCKLAB_SPIN_CLH_H
#define _LOCKLAB_SPIN_CLH_H

#include <linux/cache.h>
#include <linux/cleanup.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include <locklab/atomic.h>

struct lab_clh_node {
	atomic_t locked;
} ____cacheline_aligned_in_smp;

struct lab_clh_spinlock {
	atomic_long_t tail;
	struct lab_clh_node *holder;	/* written and read by the holder */
};

#define LAB_CLH_FREE		1UL
#define LAB_CLH_NESTING		4	/* task, softirq, hardirq, spare */

/* Per-CPU spare nodes, one per context that can be waiting at once. */
struct lab_clh_pool {
	struct lab_clh_node *spare[LAB_CLH_NESTING];
	unsigned int depth;
};

DECLARE_PER_CPU(struct lab_clh_pool, lab_clh_pool);

int lab_clh_pool_init(void);
void lab_clh_pool_exit(void);

int lab_clh_init(struct lab_clh_spinlock *l, gfp_t gfp);
void lab_clh_destroy(struct lab_clh_spinlock *l);

/* For tests that drive the queue with their own nodes: tail = node|FREE. */
static inline void __lab_clh_init_node(struct lab_clh_spinlock *l,
				       struct lab_clh_node *node)
{
	atomic_set(&node->locked, 0);
	atomic_long_set(&l->tail, (long)node | LAB_CLH_FREE);
	l->holder = NULL;
}

/* tail T -> node. Returns T, the predecessor (maybe FREE-tagged). */
static __always_inline unsigned long __lab_clh_enqueue(struct lab_clh_spinlock *l,
						       struct lab_clh_node *node)
{
	atomic_set(&node->locked, 1);
	/*
	 * Fully ordered. RELEASE: a successor that finds @node in tail must
	 * read locked == 1, not the 0 left by the node's previous use.
	 * ACQUIRE: when T is FREE-tagged, pairs with the RELEASE cmpxchg in
	 * __lab_clh_release() that freed the lock.
	 */
	return (unsigned long)lab_atomic_long_xchg(&l->tail, (long)node);
}

static __always_inline bool __lab_clh_granted(unsigned long pred)
{
	if (pred & LAB_CLH_FREE)
		return true;
	/* ACQUIRE: pairs with the RELEASE store in __lab_clh_release(). */
	return !lab_atomic_read_acquire(&((struct lab_clh_node *)pred)->locked);
}

static __always_inline void __lab_clh_release(struct lab_clh_spinlock *l,
					      struct lab_clh_node *node)
{
	/*
	 * node -> node|FREE when nobody queued behind us. RELEASE: pairs with
	 * the ACQUIRE of the xchg (__lab_clh_enqueue()) or cmpxchg
	 * (lab_clh_trylock()) that next takes the lock. A tail that is not
	 * @node means a successor exists, so the cmpxchg is skipped.
	 */
	if (lab_atomic_long_read(&l->tail) == (long)node &&
	    lab_atomic_long_cmpxchg_release(&l->tail, (long)node,
					    (long)node | LAB_CLH_FREE) == (long)node)
		return;
	/*
	 * RELEASE: pairs with the ACQUIRE in __lab_clh_granted(). After this
	 * store @node belongs to the successor; we never touch it again.
	 */
	lab_atomic_set_release(&node->locked, 0);
}

void lab_clh_lock_slowpath(struct lab_clh_spinlock *l, unsigned long pred);

/*
 * The spare node of this CPU at the current nesting depth. Preemption is
 * disabled. An interrupt that arrives between the increment and the
 * decrement nests one level deeper and restores the depth before it
 * returns, so a plain increment is safe, as in qspinlock.
 */
static __always_inline unsigned int __lab_clh_push(void)
{
	return __this_cpu_inc_return(lab_clh_pool.depth) - 1;
}

static __always_inline void __lab_clh_pop(struct lab_clh_spinlock *l,
					  unsigned int depth,
					  struct lab_clh_node *node,
					  unsigned long pred)
{
	/* The predecessor's node is ours now; ours belongs to the lock. */
	__this_cpu_write(lab_clh_pool.spare[depth],
			 (struct lab_clh_node *)(pred & ~LAB_CLH_FREE));
	l->holder = node;
	__this_cpu_dec(lab_clh_pool.depth);
}

/**
 * lab_clh_lock() - take a CLH lock, FIFO, spinning on the predecessor
 * @l: the lock, initialized with lab_clh_init()
 *
 * ACQUIRE. Disables preemption until lab_clh_unlock().
 */
static __always_inline void lab_clh_lock(struct lab_clh_spinlock *l)
{
	struct lab_clh_node *node;
	unsigned long pred;
	unsigned int depth;

	preempt_disable();
	depth = __lab_clh_push();
	node = __this_cpu_read(lab_clh_pool.spare[depth]);
	pred = __lab_clh_enqueue(l, node);
	if (unlikely(!__lab_clh_granted(pred)))
		lab_clh_lock_slowpath(l, pred);
	__lab_clh_pop(l, depth, node, pred);
}

bool lab_clh_trylock(struct lab_clh_spinlock *l);

/**
 * lab_clh_unlock() - release a CLH lock
 * @l: the lock, held by the caller
 *
 * RELEASE. Re-enables preemption.
 */
static __always_inline void lab_clh_unlock(struct lab_clh_spinlock *l)
{
	__lab_clh_release(l, l->holder);
	preempt_enable();
}

static inline bool lab_clh_is_locked(struct lab_clh_spinlock *l)
{
	return !(lab_atomic_long_read(&l->tail) & LAB_CLH_FREE);
}

DEFINE_GUARD(lab_clh, struct lab_clh_spinlock *, lab_clh_lock(_T),
	     lab_clh_unlock(_T))

#endif /* _LOCKLAB_SPIN_CLH_H */
