// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ops registry: every exclusive-lock table of every family, the
 * kernel-native baselines and the deliberately broken variants, in the
 * order `locklab list` shows them.
 */
#include <linux/kernel.h>

#include <locklab/ops.h>

static const struct {
	const struct lab_lock_ops *ops;
	const unsigned int *nr;		/* NULL: a single table */
} lab_registry[] = {
	{ lab_spin_ops, &lab_spin_ops_nr },
	{ &lab_kernel_spinlock_ops, NULL },
	{ &lab_broken_spin_ops, NULL },
};

/**
 * lab_lock_ops_at() - the @index-th lock ops table of the registry
 * @index: 0-based position
 *
 * Return: the table, or NULL past the last one.
 */
const struct lab_lock_ops *lab_lock_ops_at(unsigned int index)
{
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(lab_registry); i++) {
		n = lab_registry[i].nr ? *lab_registry[i].nr : 1;
		if (index < n)
			return &lab_registry[i].ops[index];
		index -= n;
	}
	return NULL;
}

/**
 * lab_lock_ops_find() - look up a lock ops table by UAPI numbers
 * @kind: enum locklab_kind
 * @variant: variant within @kind
 *
 * Return: the table, or NULL when no such variant exists.
 */
const struct lab_lock_ops *lab_lock_ops_find(u32 kind, u32 variant)
{
	const struct lab_lock_ops *ops;
	unsigned int i;

	for (i = 0; (ops = lab_lock_ops_at(i)); i++)
		if (ops->kind == kind && ops->variant == variant)
			return ops;
	return NULL;
}

/* The name of a kind, as LOCKLAB_IOC_LIST and the CLI spell it. */
const char *lab_kind_name(u32 kind)
{
	switch (kind) {
	case LOCKLAB_KIND_SPIN:
		return "spin";
	default:
		return "?";
	}
}
