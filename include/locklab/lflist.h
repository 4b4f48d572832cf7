/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab lock-free list: a list of intrusive nodes with lock-free push at
 * the head, pop, removal of an arbitrary node and traversal, its memory
 * reclaimed through locklab RCU (book ch. 10, "Lock-Free Linked List").
 *
 * Algorithm: Treiber's stack for push, Harris's marked next pointers for
 * removal. Removing a node is two steps: first mark it (set bit 0 of its
 * own @next: it is logically deleted, and whoever set the bit owns it),
 * then unlink it (swing its predecessor's pointer past it). Anyone who
 * meets a marked node unlinks it (helping), so a stalled remover stops
 * nobody.
 *
 * State encoding: @head points at the newest node or is NULL, never
 * marked. A node's @next: the node pushed before it (or the one that
 * replaced it), bit 0 set once the node is removed. @unlinked: set by the
 * one thread whose cmpxchg took the node out of the chain.
 *
 *   push     n->next = head; cmpxchg(head: n->next -> n), RELEASE, retry
 *   remove   cmpxchg(n->next: p -> p|1), unless already marked (then
 *            someone else removed it: false); then unlink passes from the
 *            head until n->unlinked
 *   unlink   pred = &head; for each cur: if cur->next is marked,
 *            cmpxchg(*pred: cur -> cur->next without the mark), on
 *            failure start again from the head; on success cur->unlinked
 *   pop      mark the head node as remove does (helping first if it is
 *            marked already), then unlink it
 *   walk     follow head and the @next pointers, skipping marked nodes
 *            (lab_lflist_first(), lab_lflist_next())
 *
 * Invariants: (I1) a marked @next never changes again: every cmpxchg on a
 * @next expects an unmarked value, so none succeeds on a removed node, and
 * a node unlinked (always after being marked) cannot get a successor
 * relinked through it; (I2) while a node is in the chain exactly one
 * unmarked pointer (head or a live node's @next) points at it, so exactly
 * one unlinking cmpxchg succeeds for it, and afterwards no pointer from
 * the chain reaches it (push links to the head node only while head points
 * at it, and an unlinked node is never the head again); (I3) exactly one
 * remove or pop returns each node.
 *
 * Ordering: push's RELEASE publishes the node's contents (its payload and
 * @next) to whoever reads the pointer: walkers through the address
 * dependency of lab_rcu_dereference(), removers and poppers through their
 * fully ordered mark cmpxchg. The unlinker's store-release of @unlinked
 * pairs with the owner's load-acquire: the owner's grace period (or
 * lab_call_rcu()) begins after the node left the chain.
 *
 * Memory: a remover or walker reads nodes it reached through pointers that
 * may be unlinked meanwhile, so every pop, remove and walk runs inside a
 * read section of @rcu, and the contract is:
 *
 *   a node that was popped or removed may be freed or pushed again only
 *   after a grace period of @rcu that began after the pop or remove
 *   returned (lab_rcu_synchronize(), or lab_call_rcu() for the free).
 *
 * That also excludes ABA: no node a thread can still see is reused under
 * it. Pushing a new node needs no read section. No lock anywhere: every
 * operation completes unless others keep succeeding (lock free, not wait
 * free); a remover waits for its node's unlinking, which it does itself
 * unless another thread did it first.
 */
#ifndef _LOCKLAB_LFLIST_H
#define _LOCKLAB_LFLIST_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/types.h>

#include <locklab/rcu.h>

struct lab_lfnode {
	struct lab_lfnode *next;	/* bit 0: removed */
	bool unlinked;
};

struct lab_lflist {
	struct lab_lfnode *head;
	struct lab_rcu *rcu;		/* protects the nodes' memory */
};

#define LAB_LF_MARK	1UL

static inline bool lab_lf_marked(const struct lab_lfnode *p)
{
	return (unsigned long)p & LAB_LF_MARK;
}

static inline struct lab_lfnode *lab_lf_ptr(const struct lab_lfnode *p)
{
	return (struct lab_lfnode *)((unsigned long)p & ~LAB_LF_MARK);
}

/**
 * lab_lflist_init() - an empty list whose nodes @rcu protects
 * @l: the list
 * @rcu: the RCU domain every popper, remover, walker and freer of @l uses
 */
static inline void lab_lflist_init(struct lab_lflist *l, struct lab_rcu *rcu)
{
	WRITE_ONCE(l->head, NULL);
	l->rcu = rcu;
}

/**
 * lab_lflist_push() - add @n at the head
 * @l: the list
 * @n: a node not in any list; if it was popped or removed, a grace period
 *	has passed since
 *
 * RELEASE: @n's contents are visible to whoever finds it.
 */
static inline void lab_lflist_push(struct lab_lflist *l, struct lab_lfnode *n)
{
	struct lab_lfnode *head = READ_ONCE(l->head);

	WRITE_ONCE(n->unlinked, false);
	do {
		WRITE_ONCE(n->next, head);	/* unmarked: head never is */
		/* RELEASE: pairs with the walkers' dependency, the marks' cmpxchg. */
	} while (!try_cmpxchg_release(&l->head, &head, n));
}

struct lab_lfnode *lab_lflist_pop(struct lab_lflist *l);
bool lab_lflist_remove(struct lab_lflist *l, struct lab_lfnode *n);

static inline bool lab_lflist_empty(struct lab_lflist *l)
{
	return !READ_ONCE(l->head);
}

/* @c, or the first node after it that is not removed; NULL at the end. */
static inline struct lab_lfnode *lab_lf_skip(struct lab_lfnode *c)
{
	struct lab_lfnode *nx;

	while (c) {
		/* Address dependency: pairs with the RELEASE of c's push. */
		nx = lab_rcu_dereference(c->next);
		if (!lab_lf_marked(nx))
			return c;
		c = lab_lf_ptr(nx);
	}
	return NULL;
}

/**
 * lab_lflist_first() - start a walk, inside a read section of the list's rcu
 * @l: the list
 *
 * Walk with
 *
 *	for (pos = lab_lflist_first(l); pos; pos = lab_lflist_next(pos))
 *
 * The walk sees once each node that stays in the list throughout it, and
 * skips removed ones; nodes pushed, popped or removed meanwhile may or may
 * not be seen (a removed node keeps its @next, so a walk standing on one
 * goes on).
 *
 * Return: the newest node not removed, or NULL.
 */
static inline struct lab_lfnode *lab_lflist_first(struct lab_lflist *l)
{
	/* Address dependency: pairs with the RELEASE of the push. */
	return lab_lf_skip(lab_rcu_dereference(l->head));
}

/* The next node of a walk (see lab_lflist_first()), or NULL. */
static inline struct lab_lfnode *lab_lflist_next(struct lab_lfnode *pos)
{
	return lab_lf_skip(lab_lf_ptr(lab_rcu_dereference(pos->next)));
}

/* The next node in the chain, removed or not (checkers); in a section. */
static inline struct lab_lfnode *lab_lflist_raw_next(struct lab_lfnode *pos)
{
	return lab_lf_ptr(lab_rcu_dereference(pos->next));
}

#endif /* _LOCKLAB_LFLIST_H */
