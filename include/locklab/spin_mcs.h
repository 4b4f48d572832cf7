/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks, one algorithm (contexts, queue nodes and the
 * ordering rules every locklab spin lock follows: spinlock.h).
 *
 * MCS lock (Mellor-Crummey and Scott, 1991): a queue of caller nodes.
 *
 *   tail: NULL when free, else the last node of the queue; the node at the
 *   head of the queue holds the lock.
 *   node->locked: 0 while waiting, 1 once the predecessor handed over.
 *   node->next: the successor, NULL until it links itself in.
 *
 *   lock:   tail T -> node; if T was NULL we hold it, else T->next = node
 *           and wait for node->locked == 1
 *   unlock: node->next == NULL and tail == node: tail node -> NULL;
 *           otherwise wait for node->next, then next->locked = 1
 */
#ifndef _LOCKLAB_SPIN_MCS_H
#define _LOCKLAB_SPIN_MCS_H

#include <linux/cleanup.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include <locklab/atomic.h>
#include <locklab/compat.h>

struct lab_mcs_node {
	struct lab_mcs_node *next;
	atomic_t locked;
};

struct lab_mcs_spinlock {
	atomic_long_t tail;
};

#define __LAB_MCS_SPINLOCK_INIT	{ .tail = ATOMIC_LONG_INIT(0) }

static inline void lab_mcs_init(struct lab_mcs_spinlock *l)
{
	atomic_long_set(&l->tail, 0);
}

/* Join the queue. True when the queue was empty: the lock is ours. */
static __always_inline bool __lab_mcs_enqueue(struct lab_mcs_spinlock *l,
					      struct lab_mcs_node *node)
{
	struct lab_mcs_node *prev;

	node->next = NULL;
	atomic_set(&node->locked, 0);
	/*
	 * Fully ordered. RELEASE: the initialization above is visible to the
	 * successor that finds @node in tail and writes node->next, and to the
	 * predecessor that writes node->locked; neither store may be
	 * overtaken by ours. ACQUIRE: when the queue was empty, pairs with the
	 * RELEASE cmpxchg in __lab_mcs_release() that emptied it.
	 */
	prev = (struct lab_mcs_node *)lab_atomic_long_xchg(&l->tail,
							   (long)node);
	if (likely(!prev))
		return true;
	/*
	 * Link in. The predecessor's holder reads this with READ_ONCE() in
	 * __lab_mcs_release() and waits for it if it saw us in tail first.
	 */
	WRITE_ONCE(prev->next, node);
	return false;
}

static __always_inline bool __lab_mcs_granted(struct lab_mcs_node *node)
{
	/* ACQUIRE: pairs with the RELEASE hand-over in __lab_mcs_release(). */
	return lab_atomic_read_acquire(&node->locked);
}

struct lab_mcs_node *lab_mcs_wait_next(struct lab_mcs_node *node);

/* Pass the lock to the successor, or empty the queue. */
static __always_inline void __lab_mcs_release(struct lab_mcs_spinlock *l,
					      struct lab_mcs_node *node)
{
	struct lab_mcs_node *next = READ_ONCE(node->next);

	if (likely(!next)) {
		/*
		 * tail node -> NULL. RELEASE: pairs with the ACQUIRE of the
		 * xchg or cmpxchg that next finds the queue empty.
		 */
		if (likely(lab_atomic_long_cmpxchg_release(&l->tail, (long)node,
							   0) == (long)node))
			return;
		/* A successor swapped tail but has not linked itself yet. */
		next = lab_mcs_wait_next(node);
	}
	/* RELEASE: pairs with the ACQUIRE in __lab_mcs_granted(). */
	lab_atomic_set_release(&next->locked, 1);
}

void lab_mcs_lock_slowpath(struct lab_mcs_spinlock *l,
			   struct lab_mcs_node *node);

/**
 * lab_mcs_lock() - take an MCS lock, FIFO, spinning on @node
 * @l: the lock
 * @node: the caller's queue node; must stay valid until lab_mcs_unlock()
 *
 * ACQUIRE. Disables preemption until lab_mcs_unlock().
 */
static __always_inline void lab_mcs_lock(struct lab_mcs_spinlock *l,
					 struct lab_mcs_node *node)
{
	preempt_disable();
	if (likely(__lab_mcs_enqueue(l, node)))
		return;
	lab_mcs_lock_slowpath(l, node);
}

/**
 * lab_mcs_trylock() - take an MCS lock if the queue is empty
 * @l: the lock
 * @node: the caller's node, kept until lab_mcs_unlock() on success
 *
 * ACQUIRE on success. Never waits.
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool lab_mcs_trylock(struct lab_mcs_spinlock *l,
					    struct lab_mcs_node *node)
{
	node->next = NULL;
	atomic_set(&node->locked, 0);
	preempt_disable();
	/*
	 * NULL -> node. Fully ordered for the same reasons as the xchg in
	 * __lab_mcs_enqueue(): RELEASE so a successor's store to node->next
	 * cannot be overwritten by our initialization, ACQUIRE to pair with
	 * the cmpxchg that emptied the queue.
	 */
	if (lab_atomic_long_cmpxchg(&l->tail, 0, (long)node) == 0)
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_mcs_unlock() - release an MCS lock to the next node in the queue
 * @l: the lock, held by the caller
 * @node: the node the caller locked with
 *
 * RELEASE. May wait for a successor that is between its swap of the tail
 * and its link (a few instructions). Re-enables preemption.
 */
static __always_inline void lab_mcs_unlock(struct lab_mcs_spinlock *l,
					   struct lab_mcs_node *node)
{
	__lab_mcs_release(l, node);
	preempt_enable();
}

static inline bool lab_mcs_is_locked(struct lab_mcs_spinlock *l)
{
	return lab_atomic_long_read(&l->tail) != 0;
}

/* An MCS guard carries its node: guard(lab_mcs)(&lock, &node). */
struct lab_mcs_guard {
	struct lab_mcs_spinlock *lock;
	struct lab_mcs_node *node;
};

DEFINE_CLASS(lab_mcs, struct lab_mcs_guard,
	     lab_mcs_unlock(_T.lock, _T.node),
	     ({ lab_mcs_lock(l, n); (struct lab_mcs_guard){ l, n }; }),
	     struct lab_mcs_spinlock *l, struct lab_mcs_node *n)
LAB_CLASS_IS_GUARD(lab_mcs, _T->lock)

#endif /* _LOCKLAB_SPIN_MCS_H */
