/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks: test-and-set, test-and-test-and-set, ticket, MCS, CLH.
 *
 * TAS is the book's minimal spin lock (ch. 4): a swap with acquire ordering
 * takes it, a store with release ordering frees it. TTAS waits with plain
 * loads and only swaps once the lock looks free, so waiters share the cache
 * line instead of bouncing it (ch. 7, "Performance Experiment"). The ticket
 * lock adds FIFO hand-over with two counters. MCS and CLH (ch. 10, queue-based
 * locks) give FIFO order and local spinning: every waiter spins on its own
 * cache line, so a release disturbs one waiter instead of all of them.
 *
 * Contexts. Every lock here disables preemption from lock to unlock, as
 * spin_lock() does, so the holder is always running and a waiter never
 * spins on a descheduled holder of the same CPU. They may be taken in
 * process, softirq and hardirq context. A lock that is taken in an
 * interrupt must be taken with that interrupt disabled everywhere else
 * (local_bh_disable() or local_irq_save() around the call), exactly as for
 * spin_lock(); none of them may be used from NMI context. A holder must
 * not sleep.
 *
 * Queue nodes. MCS needs its node from lock to unlock (the successor links
 * itself into it), so the caller provides it, as in the MCS paper and the
 * kernel's mcs_spinlock.h: a struct lab_mcs_node that lives (on the stack is
 * fine) until the unlock. CLH only needs its node while it waits: after
 * taking the lock it adopts its predecessor's node, and its own node passes
 * to its successor. So CLH keeps one spare node per CPU and nesting level
 * (task, softirq, hardirq) and its API takes no node; holding many CLH locks
 * at once costs nothing.
 *
 * Memory ordering. Every acquisition is an ACQUIRE that pairs with the
 * RELEASE of the previous holder's unlock, so what one holder wrote in its
 * critical section is visible to the next. Each helper names its pairing.
 */
#ifndef _LOCKLAB_SPINLOCK_H
#define _LOCKLAB_SPINLOCK_H

#include <linux/cache.h>
#include <linux/cleanup.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

#include <locklab/atomic.h>

/*
 * ---------------------------------------------------------------------------
 * TAS and TTAS: one word.
 *
 *   locked: 0 free, 1 held.   lock: 0 -> 1   unlock: 1 -> 0
 *
 * The two share the state machine, the trylock and the unlock; they differ
 * only in how a waiter waits (lab_tas_lock_slowpath() swaps in a loop,
 * lab_ttas_lock_slowpath() loads until it sees 0).
 */
struct lab_tas_spinlock {
	atomic_t locked;
};

#define __LAB_TAS_SPINLOCK_INIT	{ .locked = ATOMIC_INIT(0) }

static inline void lab_tas_init(struct lab_tas_spinlock *l)
{
	atomic_set(&l->locked, 0);
}

/* 0 -> 1. True when this call took the lock. */
static __always_inline bool __lab_tas_acquire(struct lab_tas_spinlock *l)
{
	/*
	 * ACQUIRE: pairs with the RELEASE store in lab_tas_unlock(), so the
	 * previous holder's critical section happens before ours.
	 */
	return !lab_atomic_xchg_acquire(&l->locked, 1);
}

void lab_tas_lock_slowpath(struct lab_tas_spinlock *l);
void lab_ttas_lock_slowpath(struct lab_tas_spinlock *l);

/**
 * lab_tas_lock() - take a TAS lock, spinning with atomic swaps
 * @l: the lock
 *
 * ACQUIRE. Disables preemption until lab_tas_unlock(). Any context but NMI;
 * see the header comment for interrupts.
 */
static __always_inline void lab_tas_lock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	if (likely(__lab_tas_acquire(l)))
		return;
	lab_tas_lock_slowpath(l);
}

/**
 * lab_ttas_lock() - take a TAS lock, waiting with plain loads
 * @l: the lock
 *
 * Same lock word, guarantees and unlock as lab_tas_lock().
 */
static __always_inline void lab_ttas_lock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	if (likely(__lab_tas_acquire(l)))
		return;
	lab_ttas_lock_slowpath(l);
}

/**
 * lab_tas_trylock() - take a TAS/TTAS lock if it is free
 * @l: the lock
 *
 * ACQUIRE on success, no ordering on failure. Never waits.
 *
 * Return: true if the lock was taken (preemption is then disabled).
 */
static __always_inline bool lab_tas_trylock(struct lab_tas_spinlock *l)
{
	preempt_disable();
	/* Test first: a failing trylock then does not steal the line. */
	if (!lab_atomic_read(&l->locked) && __lab_tas_acquire(l))
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_tas_unlock() - release a TAS/TTAS lock
 * @l: the lock, held by the caller
 *
 * RELEASE. Re-enables preemption.
 */
static __always_inline void lab_tas_unlock(struct lab_tas_spinlock *l)
{
	/* 1 -> 0. RELEASE: pairs with the ACQUIRE in __lab_tas_acquire(). */
	lab_atomic_set_release(&l->locked, 0);
	preempt_enable();
}

static inline bool lab_tas_is_locked(struct lab_tas_spinlock *l)
{
	return lab_atomic_read(&l->locked) != 0;
}

DEFINE_GUARD(lab_tas, struct lab_tas_spinlock *, lab_tas_lock(_T),
	     lab_tas_unlock(_T))
DEFINE_GUARD(lab_ttas, struct lab_tas_spinlock *, lab_ttas_lock(_T),
	     lab_tas_unlock(_T))

/*
 * ---------------------------------------------------------------------------
 * Ticket lock: two counters.
 *
 *   (next, owner): next is the ticket the next arrival draws, owner the
 *   ticket being served. Free iff next == owner; the holder has ticket
 *   owner, waiters hold owner+1 .. next-1. Both wrap at 2^32; only their
 *   equality is ever tested, so the wrap is harmless with fewer than 2^32
 *   simultaneous waiters.
 *
 *   lock:    (n, o) -> (n+1, o), then wait for owner == n
 *   trylock: (o, o) -> (o+1, o)
 *   unlock:  (n, o) -> (n, o+1)       only the holder writes owner
 */
struct lab_ticket_spinlock {
	atomic_t next;
	atomic_t owner;
};

#define __LAB_TICKET_SPINLOCK_INIT \
	{ .next = ATOMIC_INIT(0), .owner = ATOMIC_INIT(0) }

static inline void lab_ticket_init(struct lab_ticket_spinlock *l)
{
	atomic_set(&l->next, 0);
	atomic_set(&l->owner, 0);
}

/* (n, o) -> (n+1, o): draw ticket n. */
static __always_inline u32 __lab_ticket_take(struct lab_ticket_spinlock *l)
{
	/*
	 * Relaxed: drawing a ticket orders nothing. The ACQUIRE of the lock is
	 * the load in __lab_ticket_served() that sees our number.
	 */
	return (u32)lab_atomic_fetch_add_relaxed(&l->next, 1);
}

static __always_inline bool __lab_ticket_served(struct lab_ticket_spinlock *l,
						u32 ticket)
{
	/* ACQUIRE: pairs with the RELEASE in __lab_ticket_release(). */
	return (u32)lab_atomic_read_acquire(&l->owner) == ticket;
}

/* (n, o) -> (n, o+1): serve the next ticket. */
static __always_inline void __lab_ticket_release(struct lab_ticket_spinlock *l)
{
	/* Only the holder writes owner, so a relaxed read is exact. */
	u32 owner = (u32)lab_atomic_read(&l->owner);

	/*
	 * RELEASE: pairs with the ACQUIRE in __lab_ticket_served() and in
	 * lab_ticket_trylock().
	 */
	lab_atomic_set_release(&l->owner, (int)(owner + 1));
}

void lab_ticket_lock_slowpath(struct lab_ticket_spinlock *l, u32 ticket);

/**
 * lab_ticket_lock() - take a ticket lock, FIFO
 * @l: the lock
 *
 * ACQUIRE. Waiters are served in the order they drew tickets. Disables
 * preemption until lab_ticket_unlock().
 */
static __always_inline void lab_ticket_lock(struct lab_ticket_spinlock *l)
{
	u32 ticket;

	preempt_disable();
	ticket = __lab_ticket_take(l);
	if (likely(__lab_ticket_served(l, ticket)))
		return;
	lab_ticket_lock_slowpath(l, ticket);
}

/**
 * lab_ticket_trylock() - take a ticket lock if nobody holds or waits
 * @l: the lock
 *
 * ACQUIRE on success. Never waits.
 *
 * Return: true if the lock was taken.
 */
static __always_inline bool lab_ticket_trylock(struct lab_ticket_spinlock *l)
{
	int owner;

	preempt_disable();
	/*
	 * ACQUIRE: pairs with the RELEASE in __lab_ticket_release() that
	 * published this owner value. If next still equals it, every ticket
	 * drawn has been served: owner <= next always and owner only grows,
	 * so the lock is free and the cmpxchg draws the ticket being served.
	 * The cmpxchg itself can be relaxed: the synchronization is the load.
	 */
	owner = lab_atomic_read_acquire(&l->owner);
	if (lab_atomic_cmpxchg_relaxed(&l->next, owner,
				       (int)((u32)owner + 1)) == owner)
		return true;
	preempt_enable();
	return false;
}

/**
 * lab_ticket_unlock() - release a ticket lock to the next ticket
 * @l: the lock, held by the caller
 *
 * RELEASE. Re-enables preemption.
 */
static __always_inline void lab_ticket_unlock(struct lab_ticket_spinlock *l)
{
	__lab_ticket_release(l);
	preempt_enable();
}

static inline bool lab_ticket_is_locked(struct lab_ticket_spinlock *l)
{
	return lab_atomic_read(&l->next) != lab_atomic_read(&l->owner);
}

DEFINE_GUARD(lab_ticket, struct lab_ticket_spinlock *, lab_ticket_lock(_T),
	     lab_ticket_unlock(_T))

/*
 * ---------------------------------------------------------------------------
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

void lab_mcs_lock_slowpath(struct lab_mcs_node *node);

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
	lab_mcs_lock_slowpath(node);
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

/*
 * ---------------------------------------------------------------------------
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

void lab_clh_lock_slowpath(unsigned long pred);

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
		lab_clh_lock_slowpath(pred);
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

#endif /* _LOCKLAB_SPINLOCK_H */
