/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab lock-free list: a LIFO list of intrusive nodes with lock-free
 * push, pop and traversal, its memory reclaimed through locklab RCU (book
 * ch. 10, "Lock-Free Linked List").
 *
 * State: one word, @head, pointing at the newest node or NULL; each node's
 * @next points at the node pushed before it. This is Treiber's stack:
 *
 *   push   n->next = head; cmpxchg(head: n->next -> n), RELEASE, retry
 *   pop    inside a read section of @rcu:
 *          h = head; cmpxchg(head: h -> h->next), ACQUIRE, retry
 *   walk   inside a read section: follow head, then each ->next
 *          (lab_lflist_first(), lab_lflist_next())
 *
 * Ordering: push's RELEASE publishes the node's contents (its payload and
 * @next) to whoever reads the pointer: walkers through the address
 * dependency of lab_rcu_dereference(), poppers through their ACQUIRE
 * cmpxchg, after which the popped node's payload is theirs.
 *
 * The hard part is not the atomics but memory: a popper reads h->next
 * before its cmpxchg, so h must not be freed meanwhile, and h must not be
 * popped and pushed back either, or the cmpxchg succeeds on a head that
 * merely looks unchanged and installs a stale @next (the ABA problem). Both
 * are excluded by one rule, which is the list's contract:
 *
 *   a node that was popped may be freed or pushed again only after a
 *   grace period of @rcu (lab_rcu_synchronize()) that began after the pop.
 *
 * Every pop and walk runs inside a read section, so no node it can still
 * see can be reused under it. Pushing a new node (never in the list, or
 * reused after a grace period) needs no read section.
 *
 * Any context for push; pop and walk in any context that may take a
 * locklab RCU read section. No lock anywhere: every operation completes
 * in a bounded number of steps unless another one keeps succeeding (lock
 * free, not wait free).
 */
#ifndef _LOCKLAB_LFLIST_H
#define _LOCKLAB_LFLIST_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/types.h>

#include <locklab/rcu.h>

struct lab_lfnode {
	struct lab_lfnode *next;
};

struct lab_lflist {
	struct lab_lfnode *head;
	struct lab_rcu *rcu;		/* protects the nodes' memory */
};

/**
 * lab_lflist_init() - an empty list whose nodes @rcu protects
 * @l: the list
 * @rcu: the RCU domain every popper, walker and freer of @l uses
 */
static inline void lab_lflist_init(struct lab_lflist *l, struct lab_rcu *rcu)
{
	WRITE_ONCE(l->head, NULL);
	l->rcu = rcu;
}

/**
 * lab_lflist_push() - add @n at the head
 * @l: the list
 * @n: a node not in any list; if it was popped, a grace period has passed
 *
 * RELEASE: @n's contents are visible to whoever finds it.
 */
static inline void lab_lflist_push(struct lab_lflist *l, struct lab_lfnode *n)
{
	struct lab_lfnode *head = READ_ONCE(l->head);

	do {
		WRITE_ONCE(n->next, head);
		/* RELEASE: pairs with pop's ACQUIRE and walkers' dependency. */
	} while (!try_cmpxchg_release(&l->head, &head, n));
}

struct lab_lfnode *lab_lflist_pop(struct lab_lflist *l);
struct lab_lfnode *lab_lflist_pop_all(struct lab_lflist *l);

static inline bool lab_lflist_empty(struct lab_lflist *l)
{
	return !READ_ONCE(l->head);
}

/**
 * lab_lflist_first() - start a walk, inside a read section of the list's rcu
 * @l: the list
 *
 * Walk with
 *
 *	for (pos = lab_lflist_first(l); pos; pos = lab_lflist_next(pos))
 *
 * The walk sees each node that stays in the list throughout it once; nodes
 * pushed or popped meanwhile may or may not be seen (a popped node keeps
 * its @next, so the walk goes on through it).
 *
 * Return: the newest node, or NULL.
 */
static inline struct lab_lfnode *lab_lflist_first(struct lab_lflist *l)
{
	/* Address dependency: pairs with the RELEASE of the push. */
	return lab_rcu_dereference(l->head);
}

/* The next node of a walk (see lab_lflist_first()), or NULL. */
static inline struct lab_lfnode *lab_lflist_next(struct lab_lfnode *pos)
{
	return lab_rcu_dereference(pos->next);
}

#endif /* _LOCKLAB_LFLIST_H */
