// SPDX-License-Identifier: GPL-2.0
/*
 * locklab hold records and their reaping (the rules are in dev/hold.h).
 *
 * The table: LAB_HOLD_BUCKETS buckets hashed by the holding thread, each a
 * raw spinlock and a list. Raw, because the exit probe runs with
 * preemption disabled (tracepoint probes do), also on PREEMPT_RT, where a
 * spinlock_t would sleep; nothing is done under it but list changes.
 *
 * Thread exit. The probe on sched_process_exit runs in the exiting thread
 * (do_exit() calls it for current, after the thread's last ioctl and
 * before its files are closed). Only a thread adds records of itself, so
 * the exiting thread sees all of its own without a lock when it peeks at
 * its bucket; it takes the bucket lock only if the bucket is not empty.
 * Its records go to a lock-free list and a work item releases them, in
 * process context, moments later: well within the 50 ms a waiter may
 * wait to learn of a death, and without anyone polling.
 *
 * The last close and records being put back. release sets @obj->dead,
 * then looks for the object's records (if @nr_holds says there are any);
 * lab_hold_restore() counts its record in @nr_holds, then reads @dead.
 * Both pairs are fully ordered (the store-buffering pattern): either the
 * release sees the count and scans the buckets (where it finds the record
 * under the bucket lock, or the restorer, coming later to that lock, sees
 * @dead), or the restorer sees @dead and gives up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "hold.h"

/*
 * 1024 buckets (64 KiB): a thread holds at most LOCKLAB_MAX_HOLDS records,
 * and N threads holding spread N * 64 records over the table, so a lookup
 * walks about N / 16 records of others: the bound a hostile user buys with
 * N threads and their byte budget.
 */
#define LAB_HOLD_BITS		10
#define LAB_HOLD_BUCKETS	BIT(LAB_HOLD_BITS)

struct lab_hold_bucket {
	raw_spinlock_t lock;
	struct hlist_head head;
} ____cacheline_aligned_in_smp;

static struct lab_hold_bucket lab_holds[LAB_HOLD_BUCKETS];

static LLIST_HEAD(lab_dead_holds);
static void lab_hold_reap_dead(struct work_struct *work);
static DECLARE_WORK(lab_reap_work, lab_hold_reap_dead);

static struct lab_hold_bucket *lab_hold_bucket(const struct task_struct *t)
{
	return &lab_holds[hash_ptr(t, LAB_HOLD_BITS)];
}

/**
 * lab_hold_new() - a record of a hold the calling thread is about to take
 * @obj: the object
 * @mode: the hold
 *
 * Made before the lock is taken, so that a failure costs no release.
 * Charged to the object's budget. The record is not in the table yet:
 * lab_hold_restore() puts it there once the lock is held and handed to
 * userspace.
 *
 * Return: the record, or ERR_PTR(-ENOMEM or -ENOSPC).
 */
struct lab_hold *lab_hold_new(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_budget *b = &obj->ctx->budget;
	struct lab_hold *h;

	if (lab_budget_charge(b, lab_charge_size(sizeof(*h))))
		return ERR_PTR(-ENOSPC);
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		lab_budget_uncharge(b, lab_charge_size(sizeof(*h)));
		return ERR_PTR(-ENOMEM);
	}
	INIT_HLIST_NODE(&h->node);
	h->task = current;
	h->obj = obj;
	h->mode = mode;
	lab_obj_get(obj);
	return h;
}

/* Free a record that is not in the table. */
void lab_hold_free(struct lab_hold *h)
{
	struct lab_obj *obj = h->obj;

	lab_budget_uncharge(&obj->ctx->budget, lab_charge_size(sizeof(*h)));
	kfree(h);
	lab_obj_put(obj);
}

/**
 * lab_hold_restore() - put the calling thread's record into the table
 * @h: a record of the calling thread (new, or claimed)
 *
 * Return: 0; or -EBADF when the object's last descriptor is gone (the
 * record stays out: the caller releases the hold and frees it).
 */
int lab_hold_restore(struct lab_hold *h)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	struct lab_obj *obj = h->obj;
	int ret = 0;

	raw_spin_lock(&b->lock);
	/* Fully ordered: see "The last close" in the file comment. */
	atomic_inc_return(&obj->nr_holds);
	if (READ_ONCE(obj->dead)) {
		atomic_dec(&obj->nr_holds);
		ret = -EBADF;
	} else {
		hlist_add_head(&h->node, &b->head);
	}
	raw_spin_unlock(&b->lock);
	return ret;
}

/* The calling thread's record of @obj; bucket locked. */
static struct lab_hold *__lab_hold_find(struct lab_hold_bucket *b,
					struct lab_obj *obj)
{
	struct lab_hold *h;

	hlist_for_each_entry(h, &b->head, node)
		if (h->task == current && h->obj == obj)
			return h;
	return NULL;
}

/* Take @h out of the table; bucket locked. */
static void __lab_hold_unlink(struct lab_hold *h)
{
	hlist_del_init(&h->node);
	atomic_dec(&h->obj->nr_holds);
}

/**
 * lab_hold_claim() - take the calling thread's record of @obj out
 * @obj: the object
 * @mode: the hold the thread must have
 *
 * Return: the record, now the caller's to restore or free; NULL when the
 * thread does not hold @obj in @mode (the table is unchanged then).
 */
struct lab_hold *lab_hold_claim(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	struct lab_hold *h;

	raw_spin_lock(&b->lock);
	h = __lab_hold_find(b, obj);
	if (h && h->mode == mode)
		__lab_hold_unlink(h);
	else
		h = NULL;
	raw_spin_unlock(&b->lock);
	return h;
}

/*
 * May the calling thread record one more hold of @obj? -EDEADLK if it
 * holds @obj already, -ENOLCK if it holds LOCKLAB_MAX_HOLDS locks: the
 * cap bounds what one thread puts in its bucket, and so the walk its
 * records cost every other thread hashed there. Exact: only the thread
 * itself adds its records, and it is here.
 */
static int lab_hold_may_add(struct lab_obj *obj)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	unsigned int n = 0;
	struct lab_hold *h;
	int ret = 0;

	raw_spin_lock(&b->lock);
	hlist_for_each_entry(h, &b->head, node) {
		if (h->task != current)
			continue;
		if (h->obj == obj) {
			ret = -EDEADLK;
			break;
		}
		if (++n >= LOCKLAB_MAX_HOLDS) {
			ret = -ENOLCK;
			break;
		}
	}
	raw_spin_unlock(&b->lock);
	return ret;
}

/* Does the calling thread hold @obj, in any mode? */
bool lab_hold_held(struct lab_obj *obj)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	bool held;

	raw_spin_lock(&b->lock);
	held = __lab_hold_find(b, obj);
	raw_spin_unlock(&b->lock);
	return held;
}

/* Release a hold on its holder's behalf: an owner death. May sleep. */
static void lab_hold_reap(struct lab_hold *h)
{
	struct lab_obj *obj = h->obj;

	/*
	 * A reader's death leaves nothing inconsistent behind. Counted, and
	 * marked, before the release: whoever takes the lock next sees both.
	 */
	atomic64_inc(&obj->stats.owner_deaths);
	if (h->mode != LAB_HOLD_READ)
		atomic_set(&obj->owner_died, 1);
	lab_obj_held(obj, h->since_ns);
	obj->type->release_hold(obj, h->mode);
	lab_hold_free(h);
}

/* flush: the calling thread closed a descriptor of @obj. */
void lab_hold_release_own(struct lab_obj *obj)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	struct lab_hold *h;

	if (!atomic_read(&obj->nr_holds))
		return;
	raw_spin_lock(&b->lock);
	h = __lab_hold_find(b, obj);
	if (h)
		__lab_hold_unlink(h);
	raw_spin_unlock(&b->lock);
	if (h)
		lab_hold_reap(h);
}

/* release: the last descriptor of @obj is gone; reap every hold of it. */
void lab_hold_release_all(struct lab_obj *obj)
{
	struct lab_hold *h, *next;
	struct hlist_node *tmp;
	LLIST_HEAD(mine);
	unsigned int i;

	WRITE_ONCE(obj->dead, true);
	/* Fully ordered: see "The last close" in the file comment. */
	smp_mb();
	if (!atomic_read(&obj->nr_holds))
		return;
	for (i = 0; i < LAB_HOLD_BUCKETS; i++) {
		struct lab_hold_bucket *b = &lab_holds[i];

		raw_spin_lock(&b->lock);
		hlist_for_each_entry_safe(h, tmp, &b->head, node) {
			if (h->obj != obj)
				continue;
			__lab_hold_unlink(h);
			llist_add(&h->dead, &mine);
		}
		raw_spin_unlock(&b->lock);
	}
	llist_for_each_entry_safe(h, next, llist_del_all(&mine), dead)
		lab_hold_reap(h);
}

static void lab_hold_reap_dead(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&lab_dead_holds);
	struct lab_hold *h, *next;

	llist_for_each_entry_safe(h, next, list, dead)
		lab_hold_reap(h);
}

/**
 * lab_hold_lock() - LOCK, READ_LOCK, UPGRADABLE_LOCK: take @mode and keep it
 * @obj: the object
 * @op: the request
 * @mode: the hold
 * @try: take it without waiting
 * @wait: take it, waiting (lab_obj_acquire())
 *
 * The record is made first, so a lock taken is never released again for
 * want of memory. Once the lock is held (and the section run, if asked),
 * it is handed to userspace, then recorded.
 *
 * Return: 0 or -EOWNERDEAD with the hold; -EOPNOTSUPP (no exit hook),
 * -EDEADLK (the thread holds @obj already), -ENOLCK (it holds
 * LOCKLAB_MAX_HOLDS locks), -ENOMEM, -ENOSPC, -EBUSY,
 * -EINTR, -ETIMEDOUT without it.
 */
int lab_hold_lock(struct lab_obj *obj, struct locklab_op *op,
		  enum lab_hold_mode mode, bool (*try)(struct lab_obj *obj),
		  int (*wait)(struct lab_obj *obj, unsigned int flags,
			      ktime_t deadline))
{
	struct lab_hold *h;
	int ret;

	if (!lab_hold_supported())
		return -EOPNOTSUPP;
	ret = lab_hold_may_add(obj);
	if (ret)
		return ret;
	h = lab_hold_new(obj, mode);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = lab_obj_acquire(obj, op, try, wait);
	if (ret && ret != -EOWNERDEAD) {
		lab_hold_free(h);
		return ret;
	}
	if (op->flags & LOCKLAB_OP_SECTION)
		lab_obj_section(obj, mode, op->hold_ns);
	obj->type->user_hold(obj, mode, true);
	h->since_ns = ktime_get_ns();
	if (lab_hold_restore(h)) {
		/* Cannot happen for the object of the ioctl's own fd. */
		obj->type->release_hold(obj, mode);
		lab_hold_free(h);
		return -EBADF;
	}
	return ret;
}

/**
 * lab_hold_unlock() - UNLOCK, READ_UNLOCK, UPGRADABLE_UNLOCK
 * @obj: the object
 * @mode: the hold the calling thread gives up
 *
 * Return: 0, or -EPERM when the thread does not hold @obj in @mode.
 */
int lab_hold_unlock(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_hold *h = lab_hold_claim(obj, mode);

	if (!h)
		return -EPERM;
	obj->type->release_hold(obj, mode);
	lab_obj_held(obj, h->since_ns);
	lab_hold_free(h);
	atomic64_inc(&obj->stats.wakeups);
	return 0;
}

#ifdef CONFIG_TRACEPOINTS

static struct tracepoint *lab_exit_tp;

/* sched_process_exit, in the exiting thread @t (== current). */
static void lab_hold_exit_probe(void *data, struct task_struct *t)
{
	struct lab_hold_bucket *b = lab_hold_bucket(t);
	struct lab_hold *h;
	struct hlist_node *tmp;
	bool found = false;

	/* Our own records, if any, are ours to see: see the file comment. */
	if (hlist_empty(&b->head))
		return;
	raw_spin_lock(&b->lock);
	hlist_for_each_entry_safe(h, tmp, &b->head, node) {
		if (h->task != t)
			continue;
		__lab_hold_unlink(h);
		llist_add(&h->dead, &lab_dead_holds);
		found = true;
	}
	raw_spin_unlock(&b->lock);
	if (found)
		queue_work(system_unbound_wq, &lab_reap_work);
}

static void lab_find_exit_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		*(struct tracepoint **)priv = tp;
}

static int lab_hold_hook(void)
{
	int ret;

	for_each_kernel_tracepoint(lab_find_exit_tp, &lab_exit_tp);
	if (!lab_exit_tp)
		return 0;
	ret = tracepoint_probe_register(lab_exit_tp, lab_hold_exit_probe, NULL);
	if (ret)
		lab_exit_tp = NULL;
	return ret;
}

static void lab_hold_unhook(void)
{
	if (!lab_exit_tp)
		return;
	tracepoint_probe_unregister(lab_exit_tp, lab_hold_exit_probe, NULL);
	/* No probe runs, or will queue the work, after this. */
	tracepoint_synchronize_unregister();
}

#else /* !CONFIG_TRACEPOINTS */

#define lab_exit_tp	((void *)NULL)

static int lab_hold_hook(void)
{
	return 0;
}

static void lab_hold_unhook(void)
{
}

#endif /* CONFIG_TRACEPOINTS */

/**
 * lab_hold_supported() - can userspace hold locks across calls?
 *
 * Only where a thread's exit is seen (the sched_process_exit tracepoint):
 * a hold that nobody could release after its thread died would block
 * every later locker. Without it LOCK and friends are EOPNOTSUPP.
 */
bool lab_hold_supported(void)
{
	return lab_exit_tp;
}

int lab_hold_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < LAB_HOLD_BUCKETS; i++) {
		raw_spin_lock_init(&lab_holds[i].lock);
		INIT_HLIST_HEAD(&lab_holds[i].head);
	}
	ret = lab_hold_hook();
	if (!ret && !lab_hold_supported())
		pr_info("no sched_process_exit tracepoint: locks are not held across calls\n");
	return ret;
}

void lab_hold_exit(void)
{
	lab_hold_unhook();
	flush_work(&lab_reap_work);
}
