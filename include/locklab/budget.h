/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab memory budgets: what a user may make the kernel allocate.
 *
 * A budget counts bytes against a limit and may have a parent; a charge
 * goes to the budget and to every ancestor, and fails (-ENOSPC) if any of
 * them would pass its limit, leaving every level as it was. The device
 * (dev/budget.c) gives each open of /dev/locklab a budget whose parent is
 * the budget of the opener's user, so a second open(), dup(), fork() or an
 * fd passed with SCM_RIGHTS shares the user's total instead of starting a
 * new one.
 *
 * What is charged is what the allocation really costs: the slab bucket the
 * request rounds up to (kmalloc_size_roundup()) plus LAB_CHARGE_OVERHEAD
 * for the allocator's own bookkeeping of an accounted object (the
 * memory-cgroup pointer every __GFP_ACCOUNT slab object carries), so that
 * slab growth per charged object stays within its charge (a selftest
 * measures it). Charged memory is allocated with GFP_KERNEL_ACCOUNT, so a
 * memory cgroup sees it too.
 *
 * A NULL budget charges nothing: kernel callers (KUnit, the benchmarks)
 * allocate on their own account.
 *
 * Ordering: the counters are statistics plus a limit check; a charge that
 * races another may see a value that is already stale, which can only let
 * the two together pass the limit by less than one of them. Relaxed
 * atomics are enough: nothing else is published through them.
 */
#ifndef _LOCKLAB_BUDGET_H
#define _LOCKLAB_BUDGET_H

#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/types.h>

/* Bookkeeping the allocator adds to every accounted object. */
#define LAB_CHARGE_OVERHEAD	16

/**
 * struct lab_budget - bytes charged against a limit
 * @used: bytes charged now
 * @limit: the limit, read at every charge (a module parameter, so that a
 *	change through sysfs applies at once)
 * @parent: charged too, or NULL
 * @reserve: 1 while one charge runs past the limits on the reserve of the
 *	chain this budget tops (lab_budget_charge_reserve()), else 0; used
 *	only in a budget without a parent
 */
struct lab_budget {
	atomic_long_t used;
	const unsigned long *limit;
	struct lab_budget *parent;
	atomic_t reserve;
};

static inline void lab_budget_init(struct lab_budget *b,
				   const unsigned long *limit,
				   struct lab_budget *parent)
{
	atomic_long_set(&b->used, 0);
	b->limit = limit;
	b->parent = parent;
	atomic_set(&b->reserve, 0);
}

/**
 * lab_charge_size() - what an allocation of @size bytes costs
 * @size: the size asked of kmalloc()/kvmalloc()
 *
 * Return: the bytes a budget is charged for it.
 */
static inline size_t lab_charge_size(size_t size)
{
	return kmalloc_size_roundup(size) + LAB_CHARGE_OVERHEAD;
}

void lab_budget_uncharge(struct lab_budget *b, size_t bytes);
int __must_check lab_budget_charge(struct lab_budget *b, size_t bytes);
int __must_check lab_budget_charge_reserve(struct lab_budget *b, size_t bytes);
void lab_budget_uncharge_reserve(struct lab_budget *b, size_t bytes,
				 int reserved);
void *lab_budget_kzalloc(struct lab_budget *b, size_t size);
void *lab_budget_kmalloc(struct lab_budget *b, size_t size);
void *lab_budget_kvzalloc(struct lab_budget *b, size_t size);
void lab_budget_kfree(struct lab_budget *b, const void *p, size_t size);
void lab_budget_kvfree(struct lab_budget *b, const void *p, size_t size);

#endif /* _LOCKLAB_BUDGET_H */
