// SPDX-License-Identifier: GPL-2.0
/*
 * locklab lock-free list: pop, removal of an arbitrary node, and the
 * unlinking passes both use (Harris's marked pointers).
 *
 * The algorithm, the state encoding (bit 0 of @next, @unlinked), the
 * invariants (I1)-(I3), the ordering and the reclamation contract are in
 * include/locklab/lflist.h, where push and the walk live. Pop and remove
 * are out of line: each carries the read section that makes it safe, and
 * the unlinking pass.
 */
#include <linux/processor.h>

#include <locklab/lflist.h>
#include <locklab/export.h>

/*
 * One pass from the head, unlinking every removed node it meets. Inside a
 * read section of @l->rcu. A failed cmpxchg means the predecessor changed
 * (a push, another unlink) or was removed itself (its @next is marked:
 * (I1)); the pass then starts again from the head.
 */
static void lab_lf_unlink_pass(struct lab_lflist *l)
{
	struct lab_lfnode **pred, *cur, *next;

again:
	pred = &l->head;
	/* Address dependency: pairs with the RELEASE of the push. */
	cur = lab_rcu_dereference(*pred);
	while (cur) {
		next = lab_rcu_dereference(cur->next);
		if (!lab_lf_marked(next)) {
			pred = &cur->next;
			cur = next;
			continue;
		}
		/* Fully ordered: (I2), the one cmpxchg that unlinks @cur. */
		if (!try_cmpxchg(pred, &cur, lab_lf_ptr(next)))
			goto again;
		/* RELEASE: pairs with the owner's ACQUIRE below. */
		smp_store_release(&cur->unlinked, true);
		cur = lab_lf_ptr(next);
	}
}

/* Return once @n (marked by us) is out of the chain; in a read section. */
static void lab_lf_wait_unlinked(struct lab_lflist *l, struct lab_lfnode *n)
{
	/* ACQUIRE: pairs with the unlinker's RELEASE of @unlinked. */
	while (!smp_load_acquire(&n->unlinked)) {
		lab_lf_unlink_pass(l);
		cpu_relax();
	}
}

/* Mark @n removed; false if it was already (another remover owns it). */
static bool lab_lf_mark(struct lab_lfnode *n)
{
	struct lab_lfnode *next = READ_ONCE(n->next);

	do {
		if (lab_lf_marked(next))
			return false;
		/*
		 * Fully ordered: we own @n from here, and its contents as its
		 * pusher left them are visible (pairs with the push RELEASE).
		 */
	} while (!try_cmpxchg(&n->next, &next,
			      (struct lab_lfnode *)((unsigned long)next |
						    LAB_LF_MARK)));
	return true;
}

/**
 * lab_lflist_pop() - remove and return the newest node
 * @l: the list
 *
 * The node returned was the newest one when it was marked, or at least at
 * some point during the call if a push raced with it. It is out of the
 * chain on return but may still be read by walkers that found it before:
 * free or push it again only after a grace period of @l->rcu.
 *
 * Return: the node, or NULL if the list was empty.
 */
struct lab_lfnode *lab_lflist_pop(struct lab_lflist *l)
{
	struct lab_lfnode *head;
	int idx;

	/* The section keeps @head from being freed or reused (no ABA). */
	idx = lab_rcu_read_lock(l->rcu);
	for (;;) {
		/* Address dependency: pairs with the RELEASE of the push. */
		head = lab_rcu_dereference(l->head);
		if (!head)
			break;
		if (lab_lf_mark(head)) {
			lab_lf_wait_unlinked(l, head);
			break;
		}
		/* Removed by someone else and still at the head: help. */
		lab_lf_unlink_pass(l);
	}
	lab_rcu_read_unlock(l->rcu, idx);
	return head;
}
EXPORT_SYMBOL_LOCKLAB(lab_lflist_pop);

/**
 * lab_lflist_remove() - remove @n from wherever it is in @l
 * @l: the list
 * @n: a node pushed on @l, which the caller keeps from being reclaimed
 *	(it found @n in a read section it is still in, or it owns @n)
 *
 * On true, @n is out of the chain and the caller owns it: free it or push
 * it again only after a grace period of @l->rcu (lab_call_rcu() will do).
 *
 * Return: true if this call removed @n, false if another remove or pop
 * already had (exactly one of them returns it: (I3)).
 */
bool lab_lflist_remove(struct lab_lflist *l, struct lab_lfnode *n)
{
	int idx;

	if (!lab_lf_mark(n))
		return false;
	idx = lab_rcu_read_lock(l->rcu);
	lab_lf_wait_unlinked(l, n);
	lab_rcu_read_unlock(l->rcu, idx);
	return true;
}
EXPORT_SYMBOL_LOCKLAB(lab_lflist_remove);
