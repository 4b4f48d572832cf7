// SPDX-License-Identifier: GPL-2.0
/*
 * locklab time statistics (include/locklab/times.h): reset, merge, and a
 * percentile read off the histogram.
 */
#include <linux/math64.h>
#include <linux/minmax.h>

#include <locklab/times.h>

void lab_times_reset(struct lab_times *t)
{
	unsigned int i;

	atomic64_set(&t->count, 0);
	atomic64_set(&t->total_ns, 0);
	atomic64_set(&t->max_ns, 0);
	for (i = 0; i < LAB_TIMES_BUCKETS; i++)
		atomic64_set(&t->hist[i], 0);
}

/* Add @from's samples to @to (per-thread statistics into a run's). */
void lab_times_merge(struct lab_times *to, const struct lab_times *from)
{
	s64 max = atomic64_read(&to->max_ns), m = atomic64_read(&from->max_ns);
	unsigned int i;

	atomic64_add(atomic64_read(&from->count), &to->count);
	atomic64_add(atomic64_read(&from->total_ns), &to->total_ns);
	for (i = 0; i < LAB_TIMES_BUCKETS; i++)
		atomic64_add(atomic64_read(&from->hist[i]), &to->hist[i]);
	while (max < m && !atomic64_try_cmpxchg(&to->max_ns, &max, m))
		;
}

/*
 * The @pct-th percentile, as the upper bound of the histogram bucket it
 * falls in (at most the maximum seen): a log2 histogram knows no better.
 */
u64 lab_times_percentile(const struct lab_times *t, unsigned int pct)
{
	u64 n = atomic64_read(&t->count), seen = 0, want, max;
	unsigned int i;

	if (!n)
		return 0;
	want = div64_u64(n * pct + 99, 100);
	max = atomic64_read(&t->max_ns);
	for (i = 0; i < LAB_TIMES_BUCKETS; i++) {
		seen += atomic64_read(&t->hist[i]);
		if (seen >= want)
			return min_t(u64, (2ULL << i) - 1, max);
	}
	return max;
}
