/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab statistics in debugfs (dev/stat.c): the view of every object,
 * and the last timed benchmark.
 */
#ifndef _LOCKLAB_DEV_STAT_H
#define _LOCKLAB_DEV_STAT_H

#include <locklab/ops.h>
#include <locklab/times.h>

struct lab_obj;

struct lab_bench_times {
	const struct lab_ops_head *ops;
	unsigned int threads;
	struct lab_times wait;
	struct lab_times hold;
};

void lab_stat_register(struct lab_obj *obj);
void lab_stat_unregister(struct lab_obj *obj);
void lab_obj_held(struct lab_obj *obj, u64 since_ns);
void lab_stat_bench_set(const struct lab_ops_head *ops, unsigned int threads,
			const struct lab_times *wait,
			const struct lab_times *hold);
int lab_stat_init(void);
void lab_stat_exit(void);

#endif /* _LOCKLAB_DEV_STAT_H */
