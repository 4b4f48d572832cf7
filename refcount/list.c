// SPDX-License-Identifier: GPL-2.0
/*
 * locklab lock-free list: pop and pop_all.
 *
 * The algorithm, its contract and its ordering are in
 * include/locklab/lflist.h, where push and the walk live. Pop is out of
 * line because it carries the read section that makes it safe.
 */
#include <locklab/lflist.h>
#include <locklab/export.h>

/**
 * lab_lflist_pop() - remove and return the newest node
 * @l: the list
 *
 * ACQUIRE: the node's contents as its pusher left them are visible. The
 * node may still be read by walkers and poppers that found it before: free
 * or push it again only after lab_rcu_synchronize(@l->rcu).
 *
 * Return: the node, or NULL if the list was empty.
 */
struct lab_lfnode *lab_lflist_pop(struct lab_lflist *l)
{
	struct lab_lfnode *head, *next;
	int idx;

	/* The section keeps @head from being freed or reused (no ABA). */
	idx = lab_rcu_read_lock(l->rcu);
	head = lab_rcu_dereference(l->head);
	do {
		if (!head)
			break;
		next = READ_ONCE(head->next);
		/* ACQUIRE: pairs with the RELEASE of the push of @head. */
	} while (!try_cmpxchg_acquire(&l->head, &head, next));
	lab_rcu_read_unlock(l->rcu, idx);
	return head;
}
EXPORT_SYMBOL_LOCKLAB(lab_lflist_pop);

/**
 * lab_lflist_pop_all() - detach every node at once
 * @l: the list
 *
 * One xchg; no read section needed, since nothing is read through the old
 * head. ACQUIRE (xchg is fully ordered). The nodes stay linked through
 * @next, newest first; the same grace-period rule applies to each.
 *
 * Return: the newest node, or NULL if the list was empty.
 */
struct lab_lfnode *lab_lflist_pop_all(struct lab_lflist *l)
{
	return xchg(&l->head, NULL);
}
EXPORT_SYMBOL_LOCKLAB(lab_lflist_pop_all);
