// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ops registry: every table of every family, the kernel-native
 * baselines and the deliberately broken variants, in the order `locklab
 * list` shows them. A group is an array of tables of one C type; the head
 * every table starts with makes them walkable as one list.
 */
#include <linux/kernel.h>

#include <locklab/channel.h>
#include <locklab/ops.h>

enum lab_ops_class {
	LAB_OPS_LOCK,
	LAB_OPS_RWLOCK,
	LAB_OPS_PLAIN,
	LAB_OPS_CHAN,
	LAB_OPS_SEQ,
};

struct lab_ops_group {
	const void *table;
	size_t stride;
	const unsigned int *nr;		/* NULL: a single table */
	enum lab_ops_class cls;
};

#define LOCK_GROUP(t, n)	{ t, sizeof(struct lab_lock_ops), n, LAB_OPS_LOCK }
#define RW_GROUP(t, n)		{ t, sizeof(struct lab_rwlock_ops), n, LAB_OPS_RWLOCK }
#define PLAIN_GROUP(t, n)	{ t, sizeof(struct lab_plain_ops), n, LAB_OPS_PLAIN }
#define CHAN_GROUP(t)		{ t, sizeof(struct lab_chan_ops), NULL, LAB_OPS_CHAN }
#define SEQ_GROUP(t, n)		{ t, sizeof(struct lab_seq_ops), n, LAB_OPS_SEQ }

static const struct lab_ops_group lab_registry[] = {
	LOCK_GROUP(lab_spin_ops, &lab_spin_ops_nr),
	LOCK_GROUP(&lab_kernel_spinlock_ops, NULL),
	LOCK_GROUP(&lab_broken_spin_ops, NULL),
	LOCK_GROUP(lab_mutex_ops, &lab_mutex_ops_nr),
	LOCK_GROUP(&lab_kernel_mutex_ops, NULL),
	LOCK_GROUP(&lab_broken_mutex_ops, NULL),
	RW_GROUP(lab_rwlock_ops, &lab_rwlock_ops_nr),
	RW_GROUP(&lab_kernel_rwsem_ops, NULL),
	RW_GROUP(&lab_broken_rwlock_ops, NULL),
	LOCK_GROUP(lab_semaphore_ops, &lab_semaphore_ops_nr),
	LOCK_GROUP(&lab_kernel_semaphore_ops, NULL),
	PLAIN_GROUP(lab_condvar_ops, &lab_condvar_ops_nr),
	PLAIN_GROUP(lab_arc_ops, &lab_arc_ops_nr),
	PLAIN_GROUP(lab_rcu_ops, &lab_rcu_ops_nr),
	SEQ_GROUP(lab_seqlock_ops, &lab_seqlock_ops_nr),
	CHAN_GROUP(&lab_mpsc_chan_ops),
	CHAN_GROUP(&lab_oneshot_chan_ops),
	CHAN_GROUP(&lab_bounded_chan_ops),
	CHAN_GROUP(&lab_rendezvous_chan_ops),
	CHAN_GROUP(&lab_kernel_kfifo_chan_ops),
};

/* The head of every table's first member is at offset 0 of the table. */
static_assert(offsetof(struct lab_lock_ops, head) == 0);
static_assert(offsetof(struct lab_rwlock_ops, head) == 0);
static_assert(offsetof(struct lab_plain_ops, head) == 0);
static_assert(offsetof(struct lab_chan_ops, head) == 0);
static_assert(offsetof(struct lab_seq_ops, head) == 0);

static const struct lab_ops_head *lab_ops_locate(unsigned int index,
						 enum lab_ops_class *cls)
{
	const struct lab_ops_group *g;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(lab_registry); i++) {
		g = &lab_registry[i];
		n = g->nr ? *g->nr : 1;
		if (index < n) {
			if (cls)
				*cls = g->cls;
			return g->table + index * g->stride;
		}
		index -= n;
	}
	return NULL;
}

/**
 * lab_ops_at() - the @index-th table of the registry, any family
 * @index: 0-based position
 *
 * Return: the table's head, or NULL past the last one.
 */
const struct lab_ops_head *lab_ops_at(unsigned int index)
{
	return lab_ops_locate(index, NULL);
}

static const struct lab_ops_head *lab_ops_lookup(u32 kind, u32 variant,
						 enum lab_ops_class *cls)
{
	const struct lab_ops_head *h;
	unsigned int i;

	for (i = 0; (h = lab_ops_locate(i, cls)); i++)
		if (h->kind == kind && h->variant == variant)
			return h;
	return NULL;
}

/**
 * lab_ops_find() - look up any table by UAPI numbers
 * @kind: enum locklab_kind
 * @variant: variant within @kind
 *
 * Return: the table's head, or NULL when no such variant exists.
 */
const struct lab_ops_head *lab_ops_find(u32 kind, u32 variant)
{
	return lab_ops_lookup(kind, variant, NULL);
}

/**
 * lab_lock_ops_find() - look up an exclusive-lock table
 * @kind: enum locklab_kind
 * @variant: variant within @kind
 *
 * Return: the table, or NULL when the variant does not exist or is not an
 * exclusive lock.
 */
const struct lab_lock_ops *lab_lock_ops_find(u32 kind, u32 variant)
{
	enum lab_ops_class cls;
	const struct lab_ops_head *h = lab_ops_lookup(kind, variant, &cls);

	if (!h || cls != LAB_OPS_LOCK)
		return NULL;
	return container_of(h, struct lab_lock_ops, head);
}

/**
 * lab_rwlock_ops_find() - look up a reader-writer lock table
 * @kind: enum locklab_kind
 * @variant: variant within @kind
 *
 * Return: the table, or NULL when the variant does not exist or is not a
 * reader-writer lock.
 */
const struct lab_rwlock_ops *lab_rwlock_ops_find(u32 kind, u32 variant)
{
	enum lab_ops_class cls;
	const struct lab_ops_head *h = lab_ops_lookup(kind, variant, &cls);

	if (!h || cls != LAB_OPS_RWLOCK)
		return NULL;
	return container_of(h, struct lab_rwlock_ops, head);
}

/**
 * lab_seq_ops_find() - look up a sequence-lock table
 * @kind: enum locklab_kind
 * @variant: variant within @kind
 *
 * Return: the table, or NULL when the variant does not exist or is not a
 * sequence lock.
 */
const struct lab_seq_ops *lab_seq_ops_find(u32 kind, u32 variant)
{
	enum lab_ops_class cls;
	const struct lab_ops_head *h = lab_ops_lookup(kind, variant, &cls);

	if (!h || cls != LAB_OPS_SEQ)
		return NULL;
	return container_of(h, struct lab_seq_ops, head);
}

/* The name of a kind, as LOCKLAB_IOC_LIST and the CLI spell it. */
const char *lab_kind_name(u32 kind)
{
	switch (kind) {
	case LOCKLAB_KIND_SPIN:
		return "spin";
	case LOCKLAB_KIND_MUTEX:
		return "mutex";
	case LOCKLAB_KIND_RWLOCK:
		return "rwlock";
	case LOCKLAB_KIND_SEMAPHORE:
		return "semaphore";
	case LOCKLAB_KIND_CONDVAR:
		return "condvar";
	case LOCKLAB_KIND_ARC:
		return "arc";
	case LOCKLAB_KIND_CHANNEL:
		return "channel";
	case LOCKLAB_KIND_RCU:
		return "rcu";
	case LOCKLAB_KIND_SEQLOCK:
		return "seqlock";
	default:
		return "?";
	}
}
