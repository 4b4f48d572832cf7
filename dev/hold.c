// SPDX-License-Identifier: GPL-2.0
/*
 * locklab hold records and their reaping (the rules are in dev/hold.h).
 *
 * The table, two levels: LAB_HOLD_BUCKETS buckets hashed by thread, each a
 * raw spinlock and a list of holders, one struct lab_holder per thread
 * that has records; a holder lists its thread's records, at most
 * LOCKLAB_MAX_HOLDS. A lookup walks the holders of its bucket, then its
 * own records only: N threads holding 64 locks each cost another thread
 * about N / 1024 holders, not N * 64 / 1024 records. Raw, because the exit
 * probe runs with preemption disabled (tracepoint probes do), also on
 * PREEMPT_RT, where a spinlock_t would sleep; nothing is done under it but
 * list changes (no allocation, no free).
 *
 * A holder lives while records are attached to it (@nr counts them: in
 * its list, claimed by an op, or being made), plus one count while the
 * reaper works on it. Only a thread puts its own holder into the table,
 * and whoever drops @nr to zero frees it. Every record is charged the
 * size of a holder besides its own, so holders are paid for too.
 *
 * Thread exit. The probe on sched_process_exit runs in the exiting thread
 * (do_exit() calls it for current, after the thread's last ioctl and
 * before its files are closed). Only a thread adds its holder, so the
 * exiting thread sees it without a lock when it peeks at its bucket; it
 * takes the bucket lock only if the bucket is not empty. The holder leaves
 * the table whole, with its records, for a lock-free list, and a work item
 * releases them in process context moments later: well within the 50 ms a
 * waiter may wait to learn of a death, and without anyone polling.
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

#define LAB_HOLD_BITS		10
#define LAB_HOLD_BUCKETS	BIT(LAB_HOLD_BITS)

struct lab_hold_bucket {
	raw_spinlock_t lock;
	struct hlist_head head;		/* of struct lab_holder */
} ____cacheline_aligned_in_smp;

/**
 * struct lab_holder - a thread that holds locks through the device
 * @node: in its bucket (unhashed once its thread exited)
 * @dead: on the reaper's list once its thread exited
 * @task: the thread (a key only: the holder leaves the table before the
 *	thread is gone, so no reference is needed)
 * @holds: its records that nobody uses (struct lab_hold.node)
 * @nr: records attached, and the reaper: see the file comment
 */
struct lab_holder {
	struct hlist_node node;
	struct llist_node dead;
	struct task_struct *task;
	struct hlist_head holds;
	unsigned int nr;
};

static struct lab_hold_bucket lab_holds[LAB_HOLD_BUCKETS];

static LLIST_HEAD(lab_dead_holders);
static void lab_hold_reap_dead(struct work_struct *work);
static DECLARE_WORK(lab_reap_work, lab_hold_reap_dead);

static struct lab_hold_bucket *lab_hold_bucket(const struct task_struct *t)
{
	return &lab_holds[hash_ptr(t, LAB_HOLD_BITS)];
}

/* @t's holder; bucket locked (or @t is current: see the file comment). */
static struct lab_holder *__lab_holder_find(struct lab_hold_bucket *b,
					    const struct task_struct *t)
{
	struct lab_holder *hr;

	hlist_for_each_entry(hr, &b->head, node)
		if (hr->task == t)
			return hr;
	return NULL;
}

/* The record of @obj among @hr's; bucket locked. */
static struct lab_hold *__lab_holder_record(struct lab_holder *hr,
					    struct lab_obj *obj)
{
	struct lab_hold *h;

	if (!hr)
		return NULL;
	hlist_for_each_entry(h, &hr->holds, node)
		if (h->obj == obj)
			return h;
	return NULL;
}

/* The calling thread's record of @obj; bucket locked. */
static struct lab_hold *__lab_hold_find(struct lab_hold_bucket *b,
					struct lab_obj *obj)
{
	return __lab_holder_record(__lab_holder_find(b, current), obj);
}

/*
 * May the calling thread attach one more record for @obj? -EDEADLK if it
 * holds @obj already, -ENOLCK if it holds LOCKLAB_MAX_HOLDS locks: the
 * cap bounds the walk of its own records. Exact: the thread's records are
 * all in its list while it is here (claims last one op, its own).
 */
static int __lab_holder_may_add(struct lab_holder *hr, struct lab_obj *obj)
{
	if (__lab_holder_record(hr, obj))
		return -EDEADLK;
	return hr->nr >= LOCKLAB_MAX_HOLDS ? -ENOLCK : 0;
}

/*
 * Attach a record for @obj to the calling thread's holder, made if it has
 * none: the holder, or ERR_PTR(-EDEADLK, -ENOLCK or -ENOMEM).
 */
static struct lab_holder *lab_holder_attach(struct lab_obj *obj)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	struct lab_holder *hr, *spare = NULL;
	int ret;

	for (;;) {
		raw_spin_lock(&b->lock);
		hr = __lab_holder_find(b, current);
		if (hr || spare)
			break;
		raw_spin_unlock(&b->lock);
		/* Only we add our holder: still none when we come back. */
		spare = kzalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
		if (!spare)
			return ERR_PTR(-ENOMEM);
		spare->task = current;
		INIT_HLIST_HEAD(&spare->holds);
	}
	if (!hr) {
		swap(hr, spare);
		hlist_add_head(&hr->node, &b->head);
	}
	ret = __lab_holder_may_add(hr, obj);
	if (!ret) {
		hr->nr++;
	} else if (!hr->nr) {
		hlist_del(&hr->node);	/* the one just added */
		spare = hr;
	}
	raw_spin_unlock(&b->lock);
	kfree(spare);
	return ret ? ERR_PTR(ret) : hr;
}

/* Drop one count of @hr; the last one frees it. */
static void lab_holder_put(struct lab_holder *hr)
{
	struct lab_hold_bucket *b = lab_hold_bucket(hr->task);
	bool last;

	raw_spin_lock(&b->lock);
	last = !--hr->nr;
	/* A dead thread's holder left the table already. */
	if (last && !hlist_unhashed(&hr->node))
		hlist_del(&hr->node);
	raw_spin_unlock(&b->lock);
	if (last)
		kfree(hr);
}

/* What a record costs its budget: itself and, at worst, its holder. */
#define LAB_HOLD_CHARGE	(lab_charge_size(sizeof(struct lab_hold)) + \
			 lab_charge_size(sizeof(struct lab_holder)))

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
 * Return: the record, or ERR_PTR(-EDEADLK: the thread holds @obj already;
 * -ENOLCK: it holds LOCKLAB_MAX_HOLDS locks; -ENOMEM or -ENOSPC).
 */
struct lab_hold *lab_hold_new(struct lab_obj *obj, enum lab_hold_mode mode)
{
	struct lab_budget *b = &obj->ctx->budget;
	struct lab_holder *hr;
	struct lab_hold *h;
	int ret = -ENOSPC;

	hr = lab_holder_attach(obj);
	if (IS_ERR(hr))
		return ERR_CAST(hr);
	if (lab_budget_charge(b, LAB_HOLD_CHARGE))
		goto err;
	ret = -ENOMEM;
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h) {
		lab_budget_uncharge(b, LAB_HOLD_CHARGE);
		goto err;
	}
	INIT_HLIST_NODE(&h->node);
	h->holder = hr;
	h->obj = obj;
	h->mode = mode;
	lab_obj_get(obj);
	return h;
err:
	lab_holder_put(hr);
	return ERR_PTR(ret);
}

/* Free a record that is not in the table. */
void lab_hold_free(struct lab_hold *h)
{
	struct lab_obj *obj = h->obj;

	lab_holder_put(h->holder);
	lab_budget_uncharge(&obj->ctx->budget, LAB_HOLD_CHARGE);
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
		hlist_add_head(&h->node, &h->holder->holds);
	}
	raw_spin_unlock(&b->lock);
	return ret;
}

/* Take @h out of its holder's list (it stays attached); bucket locked. */
static void __lab_hold_unlink(struct lab_hold *h)
{
	hlist_del_init(&h->node);
	atomic_dec(&h->obj->nr_holds);
}

/* The calling thread's record of @obj, out of the table; any mode if !@mode. */
static struct lab_hold *lab_hold_take(struct lab_obj *obj,
				      const enum lab_hold_mode *mode)
{
	struct lab_hold_bucket *b = lab_hold_bucket(current);
	struct lab_hold *h;

	raw_spin_lock(&b->lock);
	h = __lab_hold_find(b, obj);
	if (h && (!mode || h->mode == *mode))
		__lab_hold_unlink(h);
	else
		h = NULL;
	raw_spin_unlock(&b->lock);
	return h;
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
	return lab_hold_take(obj, &mode);
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
	struct lab_hold *h;

	if (!atomic_read(&obj->nr_holds))
		return;
	h = lab_hold_take(obj, NULL);
	if (h)
		lab_hold_reap(h);
}

/* Take every record of @obj out of bucket @b onto @list; bucket locked. */
static void __lab_hold_take_obj(struct lab_hold_bucket *b,
				struct lab_obj *obj, struct llist_head *list)
{
	struct lab_holder *hr;
	struct lab_hold *h;

	hlist_for_each_entry(hr, &b->head, node) {
		h = __lab_holder_record(hr, obj);
		if (!h)
			continue;
		__lab_hold_unlink(h);
		llist_add(&h->dead, list);
	}
}

/* release: the last descriptor of @obj is gone; reap every hold of it. */
void lab_hold_release_all(struct lab_obj *obj)
{
	struct lab_hold *h, *next;
	LLIST_HEAD(mine);
	unsigned int i;

	WRITE_ONCE(obj->dead, true);
	/* Fully ordered: see "The last close" in the file comment. */
	smp_mb();
	if (!atomic_read(&obj->nr_holds))
		return;
	for (i = 0; i < LAB_HOLD_BUCKETS; i++) {
		raw_spin_lock(&lab_holds[i].lock);
		__lab_hold_take_obj(&lab_holds[i], obj, &mine);
		raw_spin_unlock(&lab_holds[i].lock);
	}
	llist_for_each_entry_safe(h, next, llist_del_all(&mine), dead)
		lab_hold_reap(h);
}

/*
 * The holders of exited threads: out of the table, so their lists are
 * ours; the reaper's count keeps each one until its last record is gone.
 */
static void lab_hold_reap_dead(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&lab_dead_holders);
	struct lab_holder *hr, *next;
	struct hlist_node *tmp;
	struct lab_hold *h;

	llist_for_each_entry_safe(hr, next, list, dead) {
		hlist_for_each_entry_safe(h, tmp, &hr->holds, node) {
			hlist_del_init(&h->node);
			lab_hold_reap(h);
		}
		lab_holder_put(hr);
	}
}

static struct tracepoint *lab_exit_tp;

#ifdef CONFIG_TRACEPOINTS

/* sched_process_exit, in the exiting thread @t (== current). */
static void lab_hold_exit_probe(void *data, struct task_struct *t)
{
	struct lab_hold_bucket *b = lab_hold_bucket(t);
	struct lab_holder *hr;
	struct lab_hold *h;

	/* Our own holder, if any, is ours to see: see the file comment. */
	if (hlist_empty(&b->head))
		return;
	raw_spin_lock(&b->lock);
	hr = __lab_holder_find(b, t);
	if (hr) {
		hlist_del_init(&hr->node);
		hr->nr++;			/* the reaper's count */
		hlist_for_each_entry(h, &hr->holds, node)
			atomic_dec(&h->obj->nr_holds);
		llist_add(&hr->dead, &lab_dead_holders);
	}
	raw_spin_unlock(&b->lock);
	if (hr)
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

#else /* !CONFIG_TRACEPOINTS: lab_exit_tp stays NULL */
static int lab_hold_hook(void) { return 0; }
static void lab_hold_unhook(void) { }
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
