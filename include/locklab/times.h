/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab time statistics, lock_stat style: a count, a total, a maximum
 * and a log2 histogram of durations in nanoseconds (bucket i holds
 * durations d with 2^i <= d < 2^(i+1); bucket 0 also holds 0). Used for
 * the wait and hold times of device objects (the debugfs view,
 * LOCKLAB_IOC_STATS) and of benchmark threads (LOCKLAB_IOC_BENCH's
 * maximum and p99 wait).
 *
 * Updates are relaxed atomics: statistics, read while they change (a
 * snapshot may mix an old total with a new count) and exact once the
 * updaters are done.
 */
#ifndef _LOCKLAB_TIMES_H
#define _LOCKLAB_TIMES_H

#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/types.h>

#define LAB_TIMES_BUCKETS	40	/* up to 2^40 ns, about 18 minutes */

struct lab_times {
	atomic64_t count;
	atomic64_t total_ns;
	atomic64_t max_ns;
	atomic64_t hist[LAB_TIMES_BUCKETS];
};

static inline unsigned int lab_times_bucket(u64 ns)
{
	unsigned int b = ns ? ilog2(ns) : 0;

	return b < LAB_TIMES_BUCKETS ? b : LAB_TIMES_BUCKETS - 1;
}

static inline void lab_times_add(struct lab_times *t, u64 ns)
{
	s64 max = atomic64_read(&t->max_ns);

	atomic64_inc(&t->count);
	atomic64_add(ns, &t->total_ns);
	atomic64_inc(&t->hist[lab_times_bucket(ns)]);
	while ((u64)max < ns && !atomic64_try_cmpxchg(&t->max_ns, &max, ns))
		;
}

void lab_times_reset(struct lab_times *t);
void lab_times_merge(struct lab_times *to, const struct lab_times *from);
u64 lab_times_percentile(const struct lab_times *t, unsigned int pct);

#endif /* _LOCKLAB_TIMES_H */
