/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab device budgets: one per user, one per open of /dev/locklab
 * (dev/budget.c).
 */
#ifndef _LOCKLAB_DEV_BUDGET_H
#define _LOCKLAB_DEV_BUDGET_H

#include <linux/uidgid.h>

#include <locklab/budget.h>

extern unsigned long lab_max_open_bytes;
extern unsigned long lab_max_user_bytes;

struct lab_budget *lab_user_get(kuid_t uid);
void lab_user_put(struct lab_budget *user);

#endif /* _LOCKLAB_DEV_BUDGET_H */
