// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: bench, the in-kernel benchmark (LOCKLAB_IOC_BENCH). Every
 * selected variant of one kind runs, and always the kernel's own primitive
 * of the kind, for each thread count of --threads (a list) and --repeat
 * times, interleaved: each repetition runs every variant once, the kernel's
 * among them, so a ratio to the kernel is taken within one repetition and
 * slow drifts of the host hit both sides alike. A row is one variant at
 * one thread count: the median, minimum and maximum over the repetitions.
 *
 * JSON output (schema "locklab-bench/1"): {"schema", "backend", "cpus",
 * "kind", "ms", "hold_ns", "gap_ns", "repeat", "results": [one object per
 * row with the keys of the CSV heading]}; the keys are stable, new ones
 * are only added ("gap_ns" came with --gap-ns for the rcu kind).
 *
 * The rcu kind runs the kernel's SRCU in every repetition as well (its
 * fair baseline: counted readers, as ours) and adds "vs srcu", the ratio
 * of read sections per second to SRCU's in the same repetition, and
 * "sync ns", the updater's mean time per grace period (elapsed / grace
 * periods: its whole replace-wait-retire cycle, of which the wait is
 * nearly all, so an upper bound of the mean synchronize latency; with
 * --gap-ns the updater's sleep after each update is in it too). With
 * --callbacks (LOCKLAB_BENCH_CALLBACKS) it shows "cb/s", callbacks run
 * per second (all of them, the run ends with the variant's barrier), and
 * "cb vs srcu" instead of "sync ns".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locklab.h"

#define BENCH_MAX_REPEAT	64

struct bench_run {
	struct locklab_bench b;
	double rate;
	double ratio;
	double fairness;
	double sync_ns;		/* rcu: elapsed / grace periods */
	double cb_rate;		/* rcu --callbacks: callbacks per second */
	double srcu_ratio;	/* rcu: rate / SRCU's rate */
	double cb_srcu_ratio;	/* rcu --callbacks: cb_rate / SRCU's */
	int err;
};

struct bench_row {
	const struct locklab_list *info;
	unsigned int threads;
	struct bench_run run[BENCH_MAX_REPEAT];
};

/* The Arc, channel, RCU and seqlock benchmarks report totals only. */
static bool bench_per_thread(uint32_t kind)
{
	return kind != LOCKLAB_KIND_ARC && kind != LOCKLAB_KIND_CHANNEL &&
	       kind != LOCKLAB_KIND_RCU && kind != LOCKLAB_KIND_SEQLOCK;
}

static void bench_one(int dev, const struct bench_row *row,
		      struct bench_run *r, const struct cli_opts *o)
{
	uint64_t per_thread[LOCKLAB_BENCH_MAX_THREADS];
	struct locklab_bench *b = &r->b;
	uint32_t kind = row->info->kind;

	memset(b, 0, sizeof(*b));
	b->flags = (o->bind ? LOCKLAB_BENCH_BIND : 0) |
		   (o->times && bench_per_thread(kind) ? LOCKLAB_BENCH_TIMES : 0) |
		   (o->callbacks ? LOCKLAB_BENCH_CALLBACKS : 0);
	b->kind = kind;
	b->variant = row->info->variant;
	b->threads = row->threads;
	b->duration_ms = o->ms;
	b->hold_ns = o->hold_ns;
	b->gap_ns = o->gap_ns;
	if (kind == LOCKLAB_KIND_RWLOCK)
		b->read_pct = o->read_pct < 0 ? 75 : o->read_pct;
	if (bench_per_thread(kind))
		b->per_thread = (uintptr_t)per_thread;
	r->err = ll_bench(dev, b);
	if (r->err)
		return;
	r->rate = b->elapsed_ns ? b->acquisitions * 1e9 / b->elapsed_ns : 0;
	r->fairness = b->per_thread ? jain(per_thread, row->threads) : 0;
	if (kind != LOCKLAB_KIND_RCU)
		return;
	/* @reads: grace periods, or with --callbacks callbacks that ran. */
	if (o->callbacks)
		r->cb_rate = b->elapsed_ns ? b->reads * 1e9 / b->elapsed_ns : 0;
	else
		r->sync_ns = b->reads ? (double)b->elapsed_ns / b->reads : 0;
}

/* The rcu kind's second baseline, run whatever the selection. */
static bool bench_is_srcu(const struct locklab_list *l)
{
	return l->kind == LOCKLAB_KIND_RCU && l->variant == LOCKLAB_RCU_SRCU;
}

/* Which variants of the kind run: the selection, and the kernel's always. */
static bool bench_selected(const struct locklab_list *l,
			   const struct cli_opts *o)
{
	if (strcmp(l->kind_name, o->kind))
		return false;
	if (l->props & LOCKLAB_PROP_BROKEN)
		return o->broken;
	/* A one-shot channel carries one message: it has no rate. */
	if (l->kind == LOCKLAB_KIND_CHANNEL &&
	    l->variant == LOCKLAB_CHANNEL_ONESHOT)
		return false;
	return !strcmp(o->variants, "all") || (l->props & LOCKLAB_PROP_KERNEL) ||
	       bench_is_srcu(l) || name_in_list(l->name, o->variants);
}

static const struct col bench_cols[] = {
	{ "kind", "kind", COL_STR, 0, COL_CSV },
	{ "variant", "variant", COL_STR, -10, COL_ALL },
	{ "thr", "threads", COL_UINT, 3, COL_ALL },
	{ "ms", "ms", COL_UINT, 0, COL_CSV },
	{ "hold_ns", "hold_ns", COL_UINT, 0, COL_CSV },
	{ "props", "props", COL_UINT, 0, COL_JSON },
	{ "runs", "runs", COL_UINT, 0, COL_CSV | COL_JSON },
	{ "acq/s", "acq_per_s", COL_RATE, 12, COL_ALL },
	{ "acq/s min", "acq_per_s_min", COL_RATE, 0, COL_CSV | COL_JSON },
	{ "acq/s max", "acq_per_s_max", COL_RATE, 0, COL_CSV | COL_JSON },
	{ "vs kernel", "vs_kernel", COL_RATIO, 9, COL_ALL },
	{ "min", "vs_kernel_min", COL_RATIO, 6, COL_ALL },
	{ "max", "vs_kernel_max", COL_RATIO, 6, COL_ALL },
	{ "thread min", "thread_min", COL_UINT, 11, COL_ALL },
	{ "thread max", "thread_max", COL_UINT, 11, COL_ALL },
	{ "fairness", "fairness", COL_FRAC, 8, COL_ALL },
	{ "violations", "violations", COL_UINT, 10, COL_ALL },
	{ "lost", "lost", COL_UINT, 8, COL_ALL },
	{ "readers", "max_readers", COL_UINT, 7, COL_ALL },
	{ "wait max us", "wait_max_us", COL_US, 11, COL_ALL },
	{ "wait p99 us", "wait_p99_us", COL_US, 11, COL_ALL },
	/* Shown for the kinds that fill them (bench_cols_for()). */
	{ "retries/read", "retries_per_read", COL_FRAC, 12, COL_ALL },
	{ "vs srcu", "vs_srcu", COL_RATIO, 8, COL_ALL },
	{ "sync ns", "sync_ns", COL_RATE, 10, COL_ALL },
	{ "cb/s", "callbacks_per_s", COL_RATE, 10, COL_ALL },
	{ "cb vs srcu", "cb_vs_srcu", COL_RATIO, 10, COL_ALL },
	{ "srcu min", "vs_srcu_min", COL_RATIO, 8, COL_ALL },
	{ "srcu max", "vs_srcu_max", COL_RATIO, 8, COL_ALL },
};

#define BENCH_COL_RETRIES	21
#define BENCH_COL_VS_SRCU	22
#define BENCH_COL_SYNC		23
#define BENCH_COL_CBS		24
#define BENCH_COL_CB_VS_SRCU	25
#define BENCH_COL_VS_SRCU_MIN	26
#define BENCH_COL_VS_SRCU_MAX	27

/* The columns of @kind: the shared ones, and the kind's own. */
static void bench_cols_for(struct col *cols, const struct cli_opts *o)
{
	bool rcu = !strcmp(o->kind, "rcu");

	memcpy(cols, bench_cols, sizeof(bench_cols));
	if (strcmp(o->kind, "seqlock"))
		cols[BENCH_COL_RETRIES].where = 0;
	if (!rcu) {
		cols[BENCH_COL_VS_SRCU].where = 0;
		cols[BENCH_COL_VS_SRCU_MIN].where = 0;
		cols[BENCH_COL_VS_SRCU_MAX].where = 0;
	}
	if (!rcu || o->callbacks)
		cols[BENCH_COL_SYNC].where = 0;
	if (!rcu || !o->callbacks) {
		cols[BENCH_COL_CBS].where = 0;
		cols[BENCH_COL_CB_VS_SRCU].where = 0;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of @v[0..@n-1] (sorted in place). */
static void stats3(double *v, unsigned int n, double *med, double *lo,
		   double *hi)
{
	*med = *lo = *hi = 0;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	*lo = v[0];
	*hi = v[n - 1];
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One row's cells from its runs; returns the first error, if every run failed. */
static int bench_fill(union cell *c, const struct bench_row *row,
		      const struct cli_opts *o)
{
	double rate[BENCH_MAX_REPEAT], ratio[BENCH_MAX_REPEAT];
	double fair[BENCH_MAX_REPEAT], p99[BENCH_MAX_REPEAT], x, y;
	double sync[BENCH_MAX_REPEAT], cbs[BENCH_MAX_REPEAT];
	double vs_srcu[BENCH_MAX_REPEAT], cb_vs_srcu[BENCH_MAX_REPEAT];
	unsigned long long viol = 0, lost = 0, readers = 0, wmax = 0;
	unsigned long long retries = 0, acq = 0;
	unsigned int i, n = 0, mid;
	int err = 0;

	for (i = 0; i < o->repeat; i++) {
		const struct bench_run *r = &row->run[i];

		if (r->err) {
			err = err ?: r->err;
			continue;
		}
		rate[n] = r->rate;
		ratio[n] = r->ratio;
		fair[n] = r->fairness;
		p99[n] = r->b.wait_p99_ns / 1e3;
		sync[n] = r->sync_ns;
		cbs[n] = r->cb_rate;
		vs_srcu[n] = r->srcu_ratio;
		cb_vs_srcu[n] = r->cb_srcu_ratio;
		viol += r->b.violations;
		lost += r->b.lost_updates;
		retries += r->b.read_retries;
		acq += r->b.acquisitions;
		if (r->b.max_readers > readers)
			readers = r->b.max_readers;
		if (r->b.wait_max_ns > wmax)
			wmax = r->b.wait_max_ns;
		n++;
	}
	c[0].s = o->kind;
	c[1].s = row->info->name;
	c[2].u = row->threads;
	c[3].u = o->ms;
	c[4].u = o->hold_ns;
	c[5].u = row->info->props;
	c[6].u = n;
	stats3(rate, n, &c[7].d, &c[8].d, &c[9].d);
	stats3(ratio, n, &c[10].d, &c[11].d, &c[12].d);
	/* thread min/max of the median run by rate. */
	mid = 0;
	for (i = 0; i < o->repeat; i++)
		if (!row->run[i].err && row->run[i].rate == c[7].d)
			mid = i;
	c[13].u = row->run[mid].b.thread_min;
	c[14].u = row->run[mid].b.thread_max;
	stats3(fair, n, &c[15].d, &x, &y);
	c[16].u = viol;
	c[17].u = lost;
	c[18].u = readers;
	c[19].d = wmax / 1e3;
	stats3(p99, n, &c[20].d, &x, &y);
	/* Over every run: retried copies per accepted one. */
	c[BENCH_COL_RETRIES].d = acq ? (double)retries / acq : 0;
	/* rcu: medians over the runs. */
	stats3(vs_srcu, n, &c[BENCH_COL_VS_SRCU].d,
	       &c[BENCH_COL_VS_SRCU_MIN].d, &c[BENCH_COL_VS_SRCU_MAX].d);
	stats3(sync, n, &c[BENCH_COL_SYNC].d, &x, &y);
	stats3(cbs, n, &c[BENCH_COL_CBS].d, &x, &y);
	stats3(cb_vs_srcu, n, &c[BENCH_COL_CB_VS_SRCU].d, &x, &y);
	return n ? 0 : err;
}

static int bench_report(struct bench_row *rows, int nrows,
			const struct cli_opts *o,
			const struct locklab_version *v)
{
	struct col cols[ARRAY_SIZE(bench_cols)];
	struct report r = { .cols = cols, .ncols = ARRAY_SIZE(bench_cols) };
	int i, err, status = 0;

	bench_cols_for(cols, o);

	if (report_run_init(&r, "bench", o, v, nrows))
		return 1;
	r.run_meta[r.nmeta++] = (struct meta){ "repeat", NULL, o->repeat };
	r.run_meta[r.nmeta++] = (struct meta){ "schema", "locklab-bench/1", 0 };
	for (i = 0; i < nrows; i++) {
		struct bench_row *b = &rows[i];
		union cell *c = report_row(&r, i);

		err = bench_fill(c, b, o);
		r.error[i] = err ? strerror(err) : NULL;
		if (b->info->props & LOCKLAB_PROP_BROKEN)
			r.note[i] = "  (broken on purpose)";
		else if (c[16].u || c[17].u)
			status = 2;
	}
	report_print(&r, o->fmt);
	report_free(&r);
	return status;
}

/*
 * Ratios to the kernel's run of the same repetition and thread count (and
 * for rcu to SRCU's).
 */
static void bench_ratios(struct bench_row *rows, int nrows, unsigned int rep)
{
	int i, k;

	for (i = 0; i < nrows; i++) {
		struct bench_run *r = &rows[i].run[rep];
		const struct bench_run *s = NULL;
		double base = 0;

		for (k = 0; k < nrows; k++) {
			if (rows[k].threads != rows[i].threads ||
			    rows[k].run[rep].err)
				continue;
			if (rows[k].info->props & LOCKLAB_PROP_KERNEL)
				base = rows[k].run[rep].rate;
			if (bench_is_srcu(rows[k].info))
				s = &rows[k].run[rep];
		}
		r->ratio = base ? r->rate / base : 0;
		r->srcu_ratio = s && s->rate ? r->rate / s->rate : 0;
		r->cb_srcu_ratio = s && s->cb_rate ? r->cb_rate / s->cb_rate : 0;
	}
}

static void bench_progress(const struct bench_row *row,
			   const struct cli_opts *o, unsigned int rep, int done,
			   int total)
{
	fprintf(stderr, "\rlocklab: %s %-10s %2u threads, run %u/%u (%d/%d) ",
		o->kind, row->info->name, row->threads, rep + 1, o->repeat,
		done, total);
}

int cmd_bench(struct cli_opts *o)
{
	static struct locklab_list vs[MAX_VARIANTS];
	static struct bench_row rows[MAX_VARIANTS * LL_MAX_THREAD_COUNTS];
	struct locklab_version v;
	int dev = dev_open(), n, i, t, nrows = 0, status, done = 0;
	bool tty = progress_on(o);
	unsigned int rep;

	dev_handshake(dev, &v);
	if (!o->nthreads) {
		o->thread_list[0] = v.nr_cpus > LOCKLAB_BENCH_MAX_THREADS ?
				    LOCKLAB_BENCH_MAX_THREADS : v.nr_cpus;
		o->nthreads = 1;
	}
	o->threads = o->thread_list[0];
	if (o->repeat > BENCH_MAX_REPEAT) {
		fprintf(stderr, "locklab: --repeat: at most %d\n", BENCH_MAX_REPEAT);
		return 1;
	}
	n = dev_variants(dev, vs, MAX_VARIANTS);
	for (t = 0; t < (int)o->nthreads; t++)
		for (i = 0; i < n; i++)
			if (bench_selected(&vs[i], o))
				rows[nrows++] = (struct bench_row){
					.info = &vs[i],
					.threads = o->thread_list[t],
				};
	if (!nrows) {
		fprintf(stderr, "locklab: no %s variant matches '%s' (see `locklab list`)\n",
			o->kind, o->variants);
		return 1;
	}
	for (rep = 0; rep < o->repeat; rep++) {
		for (i = 0; i < nrows; i++) {
			if (tty)
				bench_progress(&rows[i], o, rep, ++done,
					       nrows * (int)o->repeat);
			bench_one(dev, &rows[i], &rows[i].run[rep], o);
			if (rows[i].run[rep].err == EINTR) {
				fprintf(stderr, "\nlocklab: interrupted\n");
				return 1;
			}
		}
		bench_ratios(rows, nrows, rep);
	}
	if (tty)
		fprintf(stderr, "\r%76s\r", "");
	/* The thread count of the title: the first of the list. */
	status = bench_report(rows, nrows, o, &v);
	close(dev);
	return status;
}
