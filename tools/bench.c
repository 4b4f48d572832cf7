// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: bench, the in-kernel benchmark (LOCKLAB_IOC_BENCH). Every
 * selected variant of one kind runs in turn, and always the kernel's own
 * primitive of the kind, so each row's rate is also a ratio to the
 * kernel's in the same run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locklab.h"

struct bench_row {
	const struct locklab_list *info;
	struct locklab_bench b;
	uint64_t per_thread[LOCKLAB_BENCH_MAX_THREADS];
	double rate;
	double fairness;
	int err;
};

/* The Arc, channel, RCU and seqlock benchmarks report totals only. */
static bool bench_per_thread(uint32_t kind)
{
	return kind != LOCKLAB_KIND_ARC && kind != LOCKLAB_KIND_CHANNEL &&
	       kind != LOCKLAB_KIND_RCU && kind != LOCKLAB_KIND_SEQLOCK;
}

static void bench_one(int dev, struct bench_row *r, const struct cli_opts *o)
{
	struct locklab_bench *b = &r->b;

	memset(b, 0, sizeof(*b));
	b->flags = (o->bind ? LOCKLAB_BENCH_BIND : 0) |
		   (o->times && bench_per_thread(r->info->kind) ?
		    LOCKLAB_BENCH_TIMES : 0);
	b->kind = r->info->kind;
	b->variant = r->info->variant;
	b->threads = o->threads;
	b->duration_ms = o->ms;
	b->hold_ns = o->hold_ns;
	b->gap_ns = o->gap_ns;
	if (r->info->kind == LOCKLAB_KIND_RWLOCK)
		b->read_pct = o->read_pct < 0 ? 75 : o->read_pct;
	if (bench_per_thread(r->info->kind))
		b->per_thread = (uintptr_t)r->per_thread;
	r->err = ll_bench(dev, b);
	if (r->err)
		return;
	r->rate = b->elapsed_ns ? b->acquisitions * 1e9 / b->elapsed_ns : 0;
	r->fairness = b->per_thread ? jain(r->per_thread, o->threads) : 0;
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
	       name_in_list(l->name, o->variants);
}

static const struct col bench_cols[] = {
	{ "kind", "kind", COL_STR, 0, COL_CSV },
	{ "variant", "variant", COL_STR, -10, COL_ALL },
	{ "threads", "threads", COL_UINT, 0, COL_CSV },
	{ "ms", "ms", COL_UINT, 0, COL_CSV },
	{ "hold_ns", "hold_ns", COL_UINT, 0, COL_CSV },
	{ "props", "props", COL_UINT, 0, COL_JSON },
	{ "acq/s", "acq_per_s", COL_RATE, 14, COL_ALL },
	{ "vs kernel", "vs_kernel", COL_RATIO, 9, COL_ALL },
	{ "thread min", "thread_min", COL_UINT, 12, COL_ALL },
	{ "thread max", "thread_max", COL_UINT, 12, COL_ALL },
	{ "fairness", "fairness", COL_FRAC, 8, COL_ALL },
	{ "violations", "violations", COL_UINT, 10, COL_ALL },
	{ "lost", "lost", COL_UINT, 10, COL_ALL },
	{ "readers", "max_readers", COL_UINT, 7, COL_ALL },
	{ "wait max us", "wait_max_us", COL_US, 12, COL_ALL },
	{ "wait p99 us", "wait_p99_us", COL_US, 12, COL_ALL },
};

static void bench_fill(union cell *c, const struct bench_row *r,
		       const struct cli_opts *o, double base)
{
	c[0].s = o->kind;
	c[1].s = r->info->name;
	c[2].u = o->threads;
	c[3].u = o->ms;
	c[4].u = o->hold_ns;
	c[5].u = r->info->props;
	c[6].d = r->rate;
	c[7].d = base ? r->rate / base : 0;
	c[8].u = r->b.thread_min;
	c[9].u = r->b.thread_max;
	c[10].d = r->fairness;
	c[11].u = r->b.violations;
	c[12].u = r->b.lost_updates;
	c[13].u = r->b.max_readers;
	c[14].d = r->b.wait_max_ns / 1e3;
	c[15].d = r->b.wait_p99_ns / 1e3;
}

static int bench_report(struct bench_row *rows, int nrows,
			const struct cli_opts *o,
			const struct locklab_version *v, double base)
{
	struct report r = { .cols = bench_cols, .ncols = ARRAY_SIZE(bench_cols) };
	int i, status = 0;

	if (report_run_init(&r, "bench", o, v, nrows))
		return 1;
	for (i = 0; i < nrows; i++) {
		struct bench_row *b = &rows[i];

		bench_fill(report_row(&r, i), b, o, base);
		r.error[i] = b->err ? strerror(b->err) : NULL;
		if (b->info->props & LOCKLAB_PROP_BROKEN)
			r.note[i] = "  (broken on purpose)";
		else if (!b->err && (b->b.violations || b->b.lost_updates))
			status = 2;
	}
	report_print(&r, o->fmt);
	report_free(&r);
	return status;
}

int cmd_bench(struct cli_opts *o)
{
	static struct locklab_list vs[MAX_VARIANTS];
	static struct bench_row rows[MAX_VARIANTS];
	struct locklab_version v;
	int dev = dev_open(), n, i, nrows = 0, status;
	bool tty = progress_on(o);
	double base = 0;

	dev_handshake(dev, &v);
	if (!o->threads)
		o->threads = v.nr_cpus > LOCKLAB_BENCH_MAX_THREADS ?
			     LOCKLAB_BENCH_MAX_THREADS : v.nr_cpus;
	n = dev_variants(dev, vs, MAX_VARIANTS);
	for (i = 0; i < n; i++)
		if (bench_selected(&vs[i], o))
			rows[nrows++].info = &vs[i];
	if (!nrows) {
		fprintf(stderr, "locklab: no %s variant matches '%s' (see `locklab list`)\n",
			o->kind, o->variants);
		return 1;
	}
	for (i = 0; i < nrows; i++) {
		if (tty)
			fprintf(stderr, "\rlocklab: running %-10s (%d/%d) ",
				rows[i].info->name, i + 1, nrows);
		bench_one(dev, &rows[i], o);
		if (rows[i].err == EINTR) {
			fprintf(stderr, "\nlocklab: interrupted\n");
			return 1;
		}
		if (!rows[i].err && (rows[i].info->props & LOCKLAB_PROP_KERNEL))
			base = rows[i].rate;
	}
	if (tty)
		fprintf(stderr, "\r%60s\r", "");
	status = bench_report(rows, nrows, o, &v, base);
	close(dev);
	return status;
}
