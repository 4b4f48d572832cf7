// SPDX-License-Identifier: GPL-2.0
/*
 * locklab spin locks: slow paths, the CLH node pool and the ops tables.
 *
 * The algorithms, their state encodings and their invariants are described
 * in include/locklab/spinlock.h, where the fast paths live. This file holds
 * what runs only under contention (the wait loops), what allocates (CLH
 * nodes), and the adapters that put every variant behind struct
 * lab_lock_ops.
 *
 * Wait loops use lab_atomic_cond_read_*(): a pause/yield loop, or a wait
 * for the cache line to change where the backend can do that.
 */
#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/percpu.h>
#include <linux/slab.h>

#include <locklab/contention.h>
#include <locklab/ops.h>
#include <locklab/spinlock.h>

/* --- TAS / TTAS ---------------------------------------------------------- */

/*
 * Every slow path reports its wait with lab_contention_begin/end() (trace
 * events, include/locklab/contention.h), as a spin: LAB_TRACE_F_SPIN.
 */
static __always_inline u64 lab_spin_wait_begin(const void *l, u32 variant)
{
	return lab_contention_begin(l, LOCKLAB_KIND_SPIN, variant,
				    LAB_TRACE_F_SPIN);
}

/* The book's loop: keep swapping until the swap returns 0. */
noinline void lab_tas_lock_slowpath(struct lab_tas_spinlock *l)
{
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_TAS);

	while (!__lab_tas_acquire(l))
		lab_cpu_relax();
	lab_contention_end(l, 0, t0);
}

/*
 * Wait with relaxed loads while the lock is held, so waiters keep a shared
 * copy of the line instead of fighting for it, and swap only when it looks
 * free. The relaxed load orders nothing: the ACQUIRE is the swap.
 */
noinline void lab_ttas_lock_slowpath(struct lab_tas_spinlock *l)
{
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_TTAS);

	do {
		lab_atomic_cond_read_relaxed(&l->locked, !VAL);
	} while (!__lab_tas_acquire(l));
	lab_contention_end(l, 0, t0);
}

/* --- Ticket -------------------------------------------------------------- */

noinline void lab_ticket_lock_slowpath(struct lab_ticket_spinlock *l,
				       u32 ticket)
{
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_TICKET);

	/* ACQUIRE: pairs with the RELEASE in __lab_ticket_release(). */
	lab_atomic_cond_read_acquire(&l->owner, ticket == (u32)VAL);
	lab_contention_end(l, 0, t0);
}

/* --- MCS ----------------------------------------------------------------- */

noinline void lab_mcs_lock_slowpath(struct lab_mcs_spinlock *l,
				    struct lab_mcs_node *node)
{
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_MCS);

	/* ACQUIRE: pairs with the RELEASE hand-over in __lab_mcs_release(). */
	lab_atomic_cond_read_acquire(&node->locked, VAL);
	lab_contention_end(l, 0, t0);
}

/*
 * The successor has swapped itself into tail but not yet stored its link:
 * it is between two instructions of __lab_mcs_enqueue() and runs with
 * preemption disabled, so this wait is short.
 */
noinline struct lab_mcs_node *lab_mcs_wait_next(struct lab_mcs_node *node)
{
	struct lab_mcs_node *next;

	while (!(next = READ_ONCE(node->next)))
		lab_cpu_relax();
	return next;
}

/* --- MCS with a pending bit ---------------------------------------------- */

/*
 * The queue nodes of the pending-bit lock: per CPU, one per nesting depth.
 * A node is in use only while its CPU waits in the queue (preemption
 * disabled), never while it holds the lock, so the four fit every context
 * that can be waiting at once on one CPU.
 */
struct lab_pend_node {
	struct lab_pend_node *next;
	atomic_t locked;
};

struct lab_pend_pool {
	struct lab_pend_node node[LAB_PEND_NESTING];
	unsigned int depth;
} ____cacheline_aligned;

static DEFINE_PER_CPU(struct lab_pend_pool, lab_pend_pool);

/* How long a newcomer waits out a pending waiter's (0,1,0) -> (1,0,0). */
#define LAB_PEND_HANDOVER_LOOPS	16

/* The tail holds cpu + 1 in 14 bits. */
static_assert(CONFIG_NR_CPUS < (1 << (32 - LAB_PEND_TAIL_SHIFT - 2)));

static __always_inline struct lab_pend_node *lab_pend_decode(u32 tail)
{
	unsigned int cpu = (tail >> (LAB_PEND_TAIL_SHIFT + 2)) - 1;
	unsigned int depth = (tail >> LAB_PEND_TAIL_SHIFT) & 3;

	return &per_cpu_ptr(&lab_pend_pool, cpu)->node[depth];
}

/*
 * (*, 0, 0) -> (*, 1, 0): become the pending waiter, only while nobody is
 * pending or queued (invariant 2). Returns false when we must queue.
 */
static bool lab_pend_try_pending(struct lab_pend_spinlock *l)
{
	int val = lab_atomic_read(&l->val);
	int loops = LAB_PEND_HANDOVER_LOOPS;

	/*
	 * A pending waiter is taking over: wait for (1, 0, 0), briefly. The
	 * relaxed reads are hints; the cmpxchg below decides.
	 */
	while (val == LAB_PEND_PENDING && loops--) {
		lab_cpu_relax();
		val = lab_atomic_read(&l->val);
	}
	/*
	 * ACQUIRE: when the word was (0, 0, 0), this cmpxchg is what reads
	 * the last holder's RELEASE byte store (__lab_pend_release()); the
	 * load below then reads our own store, which orders nothing in the
	 * kernel's memory model.
	 */
	do {
		if (val & ~LAB_PEND_LOCKED_MASK)
			return false;
	} while (!lab_atomic_try_cmpxchg_acquire(&l->val, &val,
						 val | LAB_PEND_PENDING));
	/*
	 * ACQUIRE: pairs with the holder's RELEASE byte store in
	 * __lab_pend_release() when the lock was held. Nobody else can take
	 * the lock meanwhile (invariant 3).
	 */
	lab_atomic_cond_read_acquire(&l->val, !(VAL & LAB_PEND_LOCKED_MASK));
	/*
	 * (0, 1, *) -> (1, 0, *), the locked+pending halfword alone: the
	 * holder is gone and the queue head waits for both bytes to be 0, so
	 * nobody else writes them now. Ordered after the ACQUIRE above.
	 */
	WRITE_ONCE(l->locked_pending, LAB_PEND_LOCKED);
	return true;
}

/* The queue: wait for our node's turn, then for the lock word. */
static void lab_pend_queue(struct lab_pend_spinlock *l)
{
	struct lab_pend_pool *pool = this_cpu_ptr(&lab_pend_pool);
	unsigned int depth = pool->depth++;
	struct lab_pend_node *node, *next;
	u32 tail;
	int val, new;

	/*
	 * Nesting deeper than the pool (not a context locklab allows; see
	 * spinlock.h) cannot queue: spin for the free word instead.
	 */
	/*
	 * The depth is ours before the node is: an interrupt that arrives
	 * after this must see it and take the next node, so the compiler may
	 * not sink the store below the node's initialization (the fields
	 * differ, nothing else would stop it).
	 */
	barrier();
	if (unlikely(depth >= LAB_PEND_NESTING)) {
		while (!__lab_pend_acquire(l))
			lab_cpu_relax();
		goto out;
	}
	node = &pool->node[depth];
	tail = lab_pend_encode(smp_processor_id(), depth);
	node->next = NULL;
	atomic_set(&node->locked, 0);

	/*
	 * tail t -> us, keeping locked and pending. Fully ordered. RELEASE:
	 * our node's initialization is visible before a successor, finding
	 * us here, links into node->next, and before our predecessor, finding
	 * our link, stores node->locked. ACQUIRE: the predecessor's node we
	 * link into was initialized by its CPU before that CPU's own
	 * cmpxchg of the tail.
	 */
	val = lab_atomic_read(&l->val);
	do {
		new = (val & LAB_PEND_LP_MASK) | tail;
	} while (!lab_atomic_try_cmpxchg(&l->val, &val, new));
	if (val & LAB_PEND_TAIL_MASK) {
		WRITE_ONCE(lab_pend_decode(val & LAB_PEND_TAIL_MASK)->next, node);
		/* ACQUIRE: pairs with the RELEASE hand-over of the queue head. */
		lab_atomic_cond_read_acquire(&node->locked, VAL);
	}

	/*
	 * Head of the queue. Wait until neither a holder nor a pending waiter
	 * is left. ACQUIRE: pairs with the RELEASE byte store of the last
	 * holder's __lab_pend_release().
	 */
	val = lab_atomic_cond_read_acquire(&l->val,
					   !(VAL & LAB_PEND_LP_MASK));
	/*
	 * (0, 0, us) -> (1, 0, 0) when nobody queued behind us. Relaxed: the
	 * lock's ACQUIRE is the load above, and nothing we did in the queue
	 * must be seen by the next holder.
	 */
	if ((u32)val == tail &&
	    lab_atomic_try_cmpxchg_relaxed(&l->val, &val, LAB_PEND_LOCKED))
		goto out;
	/*
	 * Somebody is queued behind us, so tail stays non-zero and nobody
	 * else may set locked or pending (invariant 3): the byte alone.
	 */
	WRITE_ONCE(l->locked, 1);
	/*
	 * The successor's WRITE_ONCE() link, stored after its cmpxchg of the
	 * tail; our store through it depends on its address, so it cannot be
	 * made before the link is read.
	 */
	while (!(next = READ_ONCE(node->next)))
		lab_cpu_relax();
	/* RELEASE: pairs with the ACQUIRE wait of next, above. */
	lab_atomic_set_release(&next->locked, 1);
out:
	pool->depth--;
}

noinline void lab_pend_lock_slowpath(struct lab_pend_spinlock *l)
{
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_MCS_PENDING);

	if (!lab_pend_try_pending(l))
		lab_pend_queue(l);
	lab_contention_end(l, 0, t0);
}

/* --- CLH ----------------------------------------------------------------- */

DEFINE_PER_CPU(struct lab_clh_pool, lab_clh_pool);

noinline void lab_clh_lock_slowpath(struct lab_clh_spinlock *l,
				    unsigned long pred)
{
	struct lab_clh_node *p = (struct lab_clh_node *)pred;
	u64 t0 = lab_spin_wait_begin(l, LOCKLAB_SPIN_CLH);

	/* ACQUIRE: pairs with the RELEASE store in __lab_clh_release(). */
	lab_atomic_cond_read_acquire(&p->locked, !VAL);
	lab_contention_end(l, 0, t0);
}

/**
 * lab_clh_trylock() - take a CLH lock if it is free
 * @l: the lock
 *
 * ACQUIRE on success. Never waits: it only ever replaces a FREE-tagged tail,
 * whose node nobody spins on.
 *
 * Return: true if the lock was taken (preemption is then disabled).
 */
bool lab_clh_trylock(struct lab_clh_spinlock *l)
{
	unsigned long tail;
	struct lab_clh_node *node;
	unsigned int depth;

	preempt_disable();
	tail = (unsigned long)lab_atomic_long_read(&l->tail);
	if (!(tail & LAB_CLH_FREE))
		goto busy;

	depth = __lab_clh_push();
	node = __this_cpu_read(lab_clh_pool.spare[depth]);
	atomic_set(&node->locked, 1);
	/*
	 * T|FREE -> node. Fully ordered, as the xchg in __lab_clh_enqueue():
	 * RELEASE publishes locked == 1 to a successor, ACQUIRE pairs with the
	 * RELEASE cmpxchg that freed the lock.
	 */
	if (lab_atomic_long_cmpxchg(&l->tail, (long)tail, (long)node) ==
	    (long)tail) {
		__lab_clh_pop(l, depth, node, tail);
		return true;
	}
	__this_cpu_dec(lab_clh_pool.depth);
busy:
	preempt_enable();
	return false;
}

static struct lab_clh_node *lab_clh_node_alloc(gfp_t gfp)
{
	/* kmalloc aligns a cache-line-sized object to a cache line. */
	return kzalloc(sizeof(struct lab_clh_node), gfp);
}

/**
 * lab_clh_init() - initialize a CLH lock
 * @l: the lock
 * @gfp: allocation flags for the lock's initial node
 *
 * A CLH lock owns one node at all times (see the header); this allocates
 * the first one. Release it with lab_clh_destroy().
 *
 * Return: 0, or -ENOMEM.
 */
int lab_clh_init(struct lab_clh_spinlock *l, gfp_t gfp)
{
	struct lab_clh_node *node = lab_clh_node_alloc(gfp);

	if (!node)
		return -ENOMEM;
	__lab_clh_init_node(l, node);
	return 0;
}

/**
 * lab_clh_destroy() - free the node a free CLH lock owns
 * @l: the lock; must not be held or waited on
 *
 * The node freed is whichever the last release left in the tail; the node
 * the lock started with has long moved to some CPU's pool, which is fine:
 * nodes are interchangeable and each is owned by exactly one lock or pool
 * slot. A held lock is leaked with a warning rather than freed under its
 * waiters.
 */
void lab_clh_destroy(struct lab_clh_spinlock *l)
{
	unsigned long tail = (unsigned long)atomic_long_read(&l->tail);

	if (WARN_ON_ONCE(!(tail & LAB_CLH_FREE)))
		return;
	kfree((void *)(tail & ~LAB_CLH_FREE));
	atomic_long_set(&l->tail, 0);
}

/**
 * lab_clh_pool_init() - give every possible CPU its spare CLH nodes
 *
 * Called once at module load. Return: 0, or -ENOMEM (nothing is left
 * allocated then).
 */
int lab_clh_pool_init(void)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct lab_clh_pool *pool = per_cpu_ptr(&lab_clh_pool, cpu);

		for (i = 0; i < LAB_CLH_NESTING; i++) {
			pool->spare[i] = lab_clh_node_alloc(GFP_KERNEL);
			if (!pool->spare[i]) {
				lab_clh_pool_exit();
				return -ENOMEM;
			}
		}
		pool->depth = 0;
	}
	return 0;
}

/* Free the spare nodes. Every CLH lock must have been destroyed. */
void lab_clh_pool_exit(void)
{
	unsigned int cpu, i;

	for_each_possible_cpu(cpu) {
		struct lab_clh_pool *pool = per_cpu_ptr(&lab_clh_pool, cpu);

		WARN_ON_ONCE(pool->depth);
		for (i = 0; i < LAB_CLH_NESTING; i++) {
			kfree(pool->spare[i]);
			pool->spare[i] = NULL;
		}
	}
}

/* --- Ops tables ---------------------------------------------------------- */

static int spin_ops_init_nop(void *lock)
{
	return 0;
}

static void spin_ops_destroy_nop(void *lock)
{
}

LAB_SPIN_OPS_ADAPTERS(tas, struct lab_tas_spinlock)
LAB_SPIN_OPS_ADAPTERS(ticket, struct lab_ticket_spinlock)
LAB_SPIN_OPS_ADAPTERS(clh, struct lab_clh_spinlock)
LAB_SPIN_OPS_ADAPTERS(pend, struct lab_pend_spinlock)

/* TTAS is TAS but for the wait: only the lock slot differs. */
static void lab_ttas_ops_lock(void *l, union lab_lock_ctx *c)
{
	lab_ttas_lock(l);
}

/* MCS takes the caller's node: the ctx, from lock to unlock. */
static void lab_mcs_ops_lock(void *l, union lab_lock_ctx *c)
{
	lab_mcs_lock(l, &c->mcs);
}

static bool lab_mcs_ops_trylock(void *l, union lab_lock_ctx *c)
{
	return lab_mcs_trylock(l, &c->mcs);
}

static void lab_mcs_ops_unlock(void *l, union lab_lock_ctx *c)
{
	lab_mcs_unlock(l, &c->mcs);
}

static bool lab_mcs_ops_is_locked(void *l)
{
	return lab_mcs_is_locked(l);
}

/*
 * Charged to the memory cgroup of whoever creates the lock (the device's
 * budget charges ops->init_bytes for it). The node then moves between
 * locks and the per-CPU pools, so the one freed with the lock may be
 * another; kfree() uncharges whichever cgroup each was charged to, and at
 * most the pools' nodes (LAB_CLH_NESTING per CPU) stay charged until the
 * module unloads.
 */
static int lab_clh_ops_init(void *l)
{
	return lab_clh_init(l, GFP_KERNEL_ACCOUNT);
}

static void lab_clh_ops_destroy(void *l)
{
	lab_clh_destroy(l);
}

#define SPIN_OPS(_name, _variant, _props, _type, _init, _destroy)	\
	.name = _name,							\
	.kind = LOCKLAB_KIND_SPIN,					\
	.variant = _variant,						\
	.props = _props,						\
	.size = sizeof(_type),						\
	.init = _init,							\
	.destroy = _destroy

const struct lab_lock_ops lab_spin_ops[] = {
	{
		SPIN_OPS("tas", LOCKLAB_SPIN_TAS, 0, struct lab_tas_spinlock,
			 spin_ops_init_nop, spin_ops_destroy_nop),
		LAB_SPIN_OPS_SLOTS(tas),
	},
	{
		SPIN_OPS("ttas", LOCKLAB_SPIN_TTAS, 0, struct lab_tas_spinlock,
			 spin_ops_init_nop, spin_ops_destroy_nop),
		.lock = lab_ttas_ops_lock,
		.trylock = lab_tas_ops_trylock,
		.unlock = lab_tas_ops_unlock,
		.is_locked = lab_tas_ops_is_locked,
	},
	{
		SPIN_OPS("ticket", LOCKLAB_SPIN_TICKET, LOCKLAB_PROP_FIFO,
			 struct lab_ticket_spinlock, spin_ops_init_nop,
			 spin_ops_destroy_nop),
		LAB_SPIN_OPS_SLOTS(ticket),
	},
	{
		SPIN_OPS("mcs", LOCKLAB_SPIN_MCS, LOCKLAB_PROP_FIFO,
			 struct lab_mcs_spinlock, spin_ops_init_nop,
			 spin_ops_destroy_nop),
		LAB_SPIN_OPS_SLOTS(mcs),
	},
	{
		SPIN_OPS("clh", LOCKLAB_SPIN_CLH, LOCKLAB_PROP_FIFO,
			 struct lab_clh_spinlock, lab_clh_ops_init,
			 lab_clh_ops_destroy),
		.init_bytes = sizeof(struct lab_clh_node),
		LAB_SPIN_OPS_SLOTS(clh),
	},
	{
		SPIN_OPS("mcs-pending", LOCKLAB_SPIN_MCS_PENDING,
			 LOCKLAB_PROP_FIFO, struct lab_pend_spinlock,
			 spin_ops_init_nop, spin_ops_destroy_nop),
		LAB_SPIN_OPS_SLOTS(pend),
	},
};

const unsigned int lab_spin_ops_nr = ARRAY_SIZE(lab_spin_ops);
