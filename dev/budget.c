// SPDX-License-Identifier: GPL-2.0
/*
 * locklab memory budgets (include/locklab/budget.h) and the per-user
 * budgets of the device.
 *
 * Every open of /dev/locklab has a budget (limit max_open_bytes) whose
 * parent is the budget of its user (limit max_user_bytes), found by the
 * opener's uid in a small hash table and shared by all opens of that user
 * (also across user namespaces: the key is the global kuid). A user's
 * entry lives while any of its opens does, and each object holds its open.
 * So reopen, dup(), fork() and SCM_RIGHTS cannot make a fresh budget: new
 * opens share the user's, and the other three reuse the open the object was
 * created from.
 */
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/vmalloc.h>

#include <locklab/budget.h>
#include <locklab/param.h>

#include "budget.h"

unsigned long lab_max_open_bytes = 32UL << 20;
LAB_PARAM_ULONG(max_open_bytes, lab_max_open_bytes, 4096, 1UL << 34, 0644,
		"Bytes the objects of one open of /dev/locklab may make the kernel allocate");

unsigned long lab_max_user_bytes = 128UL << 20;
LAB_PARAM_ULONG(max_user_bytes, lab_max_user_bytes, 4096, 1UL << 36, 0644,
		"Bytes the objects of one user's opens of /dev/locklab may make the kernel allocate");

/* --- Budgets ------------------------------------------------------------- */

/**
 * lab_budget_uncharge() - give back what lab_budget_charge() took
 * @b: the budget, or NULL
 * @bytes: as charged
 */
void lab_budget_uncharge(struct lab_budget *b, size_t bytes)
{
	for (; b; b = b->parent)
		atomic_long_sub(bytes, &b->used);	/* relaxed: budget.h */
}

/**
 * lab_budget_charge() - charge @bytes to @b and its ancestors
 * @b: the budget, or NULL (nothing charged)
 * @bytes: what the allocation costs (lab_charge_size())
 *
 * Return: 0, or -ENOSPC when a level would pass its limit (then nothing
 * is charged anywhere).
 */
int lab_budget_charge(struct lab_budget *b, size_t bytes)
{
	struct lab_budget *l;

	for (l = b; l; l = l->parent) {
		if (atomic_long_add_return(bytes, &l->used) >
		    READ_ONCE(*l->limit)) {
			/* Undo this level and every one below it. */
			atomic_long_sub(bytes, &l->used);
			for (; b != l; b = b->parent)
				atomic_long_sub(bytes, &b->used);
			return -ENOSPC;
		}
	}
	return 0;
}

/* The top of @b's chain (the user's budget): it holds the one reserve. */
static struct lab_budget *lab_budget_root(struct lab_budget *b)
{
	while (b->parent)
		b = b->parent;
	return b;
}

/**
 * lab_budget_charge_reserve() - charge @bytes, past the limits if need be once
 * @b: the budget, or NULL
 * @bytes: what the allocation costs
 *
 * For memory an operation needs on its way to freeing more: a receive's
 * bounce buffer, without which a full budget could never be drained. When
 * a limit refuses the charge, the one reserve of @b's chain (held by its
 * top, the user's budget, so that a new open() brings no new one) takes it
 * past the limits, still counted, if no other charge holds the reserve: a
 * user's overdraft is at most one such charge, and other callers get
 * -ENOSPC meanwhile. The caller must not sleep waiting for anything else
 * while it holds the reserve, or others could not drain.
 *
 * Return: 0 charged within the limits, 1 charged on the reserve, -ENOSPC.
 * Give it back with lab_budget_uncharge_reserve() and that value.
 */
int lab_budget_charge_reserve(struct lab_budget *b, size_t bytes)
{
	struct lab_budget *l;

	if (!b || !lab_budget_charge(b, bytes))
		return 0;
	/*
	 * Acquire/release pair of a one-bit lock: the holder's charge and
	 * uncharge happen inside it. The counters are relaxed (budget.h);
	 * the reserve orders nothing else.
	 */
	if (atomic_cmpxchg_acquire(&lab_budget_root(b)->reserve, 0, 1))
		return -ENOSPC;
	for (l = b; l; l = l->parent)
		atomic_long_add(bytes, &l->used);	/* relaxed: budget.h */
	return 1;
}

/**
 * lab_budget_uncharge_reserve() - give back a lab_budget_charge_reserve()
 * @b: the budget, or NULL
 * @bytes: as charged
 * @reserved: what lab_budget_charge_reserve() returned (0 or 1)
 */
void lab_budget_uncharge_reserve(struct lab_budget *b, size_t bytes,
				 int reserved)
{
	lab_budget_uncharge(b, bytes);
	if (reserved)
		/* RELEASE: pairs with the ACQUIRE cmpxchg above. */
		atomic_set_release(&lab_budget_root(b)->reserve, 0);
}

/**
 * lab_budget_kzalloc() - kzalloc() charged to @b
 * @b: the budget, or NULL
 * @size: bytes
 *
 * GFP_KERNEL_ACCOUNT. May sleep. Free with lab_budget_kfree(@b, p, @size).
 *
 * Return: the memory, or ERR_PTR(-ENOSPC) (over budget) or
 * ERR_PTR(-ENOMEM).
 */
void *lab_budget_kzalloc(struct lab_budget *b, size_t size)
{
	void *p;

	if (lab_budget_charge(b, lab_charge_size(size)))
		return ERR_PTR(-ENOSPC);
	p = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!p) {
		lab_budget_uncharge(b, lab_charge_size(size));
		return ERR_PTR(-ENOMEM);
	}
	return p;
}

void lab_budget_kfree(struct lab_budget *b, const void *p, size_t size)
{
	if (IS_ERR_OR_NULL(p))
		return;
	kfree(p);
	lab_budget_uncharge(b, lab_charge_size(size));
}

/* kmalloc() charged to @b (not zeroed); as above. */
void *lab_budget_kmalloc(struct lab_budget *b, size_t size)
{
	void *p;

	if (lab_budget_charge(b, lab_charge_size(size)))
		return ERR_PTR(-ENOSPC);
	p = kmalloc(size, GFP_KERNEL_ACCOUNT);
	if (!p) {
		lab_budget_uncharge(b, lab_charge_size(size));
		return ERR_PTR(-ENOMEM);
	}
	return p;
}

/*
 * Blocks too big for a slab cache (rings) come from vmalloc, always: then
 * what a block costs is known before it is allocated. kvmalloc() would try
 * the page allocator first and might use a power-of-two run of pages for
 * it (nearly twice the size), so charging it exactly would mean charging
 * that worst case up front and refusing rings that fit.
 */
static bool lab_kv_is_slab(size_t size)
{
	return size <= KMALLOC_MAX_CACHE_SIZE;
}

/* Whole pages, the page array vmalloc keeps for them, and our overhead. */
static size_t lab_kv_cost(size_t size)
{
	size_t pages = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (lab_kv_is_slab(size))
		return lab_charge_size(size);
	return (pages << PAGE_SHIFT) + pages * sizeof(struct page *) +
	       LAB_CHARGE_OVERHEAD;
}

/* A zeroed block from a slab cache or vmalloc, charged to @b; as above. */
void *lab_budget_kvzalloc(struct lab_budget *b, size_t size)
{
	size_t cost = lab_kv_cost(size);
	void *p;

	if (lab_budget_charge(b, cost))
		return ERR_PTR(-ENOSPC);
	if (lab_kv_is_slab(size))
		p = kzalloc(size, GFP_KERNEL_ACCOUNT);
	else
		p = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!p) {
		lab_budget_uncharge(b, cost);
		return ERR_PTR(-ENOMEM);
	}
	return p;
}

void lab_budget_kvfree(struct lab_budget *b, const void *p, size_t size)
{
	if (IS_ERR_OR_NULL(p))
		return;
	kvfree(p);
	lab_budget_uncharge(b, lab_kv_cost(size));
}

/* --- Users --------------------------------------------------------------- */

struct lab_user {
	struct hlist_node node;		/* under lab_users_lock */
	kuid_t uid;
	refcount_t ref;
	struct lab_budget budget;
};

static DEFINE_HASHTABLE(lab_users, 6);
static DEFINE_MUTEX(lab_users_lock);

/**
 * lab_user_get() - the budget of the user @uid, made on first use
 * @uid: the opener's uid
 *
 * Return: the user's budget with a reference held, or NULL (no memory).
 */
struct lab_budget *lab_user_get(kuid_t uid)
{
	u32 key = __kuid_val(uid);
	struct lab_user *u;

	mutex_lock(&lab_users_lock);
	hash_for_each_possible(lab_users, u, node, key) {
		if (uid_eq(u->uid, uid)) {
			refcount_inc(&u->ref);
			goto out;
		}
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		goto out;
	u->uid = uid;
	refcount_set(&u->ref, 1);
	lab_budget_init(&u->budget, &lab_max_user_bytes, NULL);
	hash_add(lab_users, &u->node, key);
out:
	mutex_unlock(&lab_users_lock);
	return u ? &u->budget : NULL;
}

/* Drop a reference from lab_user_get(); the last one frees the entry. */
void lab_user_put(struct lab_budget *b)
{
	struct lab_user *u = container_of(b, struct lab_user, budget);

	if (!refcount_dec_and_mutex_lock(&u->ref, &lab_users_lock))
		return;
	hash_del(&u->node);
	mutex_unlock(&lab_users_lock);
	WARN_ON_ONCE(atomic_long_read(&u->budget.used));
	kfree(u);
}
