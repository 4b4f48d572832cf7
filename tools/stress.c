// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: stress, userspace threads on object fds. For each selected
 * variant one object is created (LOCKLAB_IOC_CREATE) and THREADS pthreads
 * take it with LOCKLAB_IOC_OP HOLD (lock, checked section in the kernel,
 * unlock) for the run time; the kernel's own primitive always runs too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locklab.h"

#define STRESS_MAX_SAMPLES	262144

struct stress_thread {
	pthread_t tid;
	int fd;
	unsigned int id;
	const struct cli_opts *o;
	bool rw;
	uint64_t ops;
	uint64_t errors;
	int first_error;
	uint64_t *samples;
	size_t nsamples;
};

static int stress_stop;		/* __atomic accesses only */
static uint64_t stress_done_ops;

static void *stress_main(void *p)
{
	struct stress_thread *t = p;
	unsigned int seed = 0x5eed + t->id;
	struct locklab_op op;

	while (!__atomic_load_n(&stress_stop, __ATOMIC_RELAXED)) {
		memset(&op, 0, sizeof(op));
		op.size = sizeof(op);
		op.op = LOCKLAB_OP_HOLD;
		if (t->rw && (int)(rand_r(&seed) % 100) < t->o->read_pct)
			op.op = LOCKLAB_OP_READ_HOLD;
		op.hold_ns = t->o->hold_ns;
		if (ioctl(t->fd, LOCKLAB_IOC_OP, &op)) {
			if (errno == EINTR)
				continue;
			if (!t->errors++)
				t->first_error = errno;
			if (t->errors > 1000)
				break;
			continue;
		}
		t->ops++;
		if (t->nsamples < STRESS_MAX_SAMPLES)
			t->samples[t->nsamples++] = op.wait_ns;
		if (!(t->ops & 255))
			__atomic_fetch_add(&stress_done_ops, 256, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stress_row {
	const struct locklab_list *info;
	double rate, fairness, p50_us, p99_us;
	uint64_t min, max, violations, errors;
	int err;
};

/* All threads' wait samples, sorted, for percentiles. */
static void stress_percentiles(struct stress_thread *t, unsigned int n,
			       struct stress_row *r)
{
	size_t total = 0, k = 0;
	unsigned int i;
	uint64_t *all;

	for (i = 0; i < n; i++)
		total += t[i].nsamples;
	if (!total)
		return;
	all = malloc(total * sizeof(*all));
	if (!all)
		return;
	for (i = 0; i < n; i++) {
		memcpy(all + k, t[i].samples, t[i].nsamples * sizeof(*all));
		k += t[i].nsamples;
	}
	qsort(all, total, sizeof(*all), cmp_u64);
	r->p50_us = all[total / 2] / 1e3;
	r->p99_us = all[(size_t)(total * 0.99)] / 1e3;
	free(all);
}

static int stress_create(int dev, const struct locklab_list *l, int *fd)
{
	struct locklab_create c;

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = LOCKLAB_CREATE_CLOEXEC;
	c.kind = l->kind;
	c.variant = l->variant;
	if (l->kind == LOCKLAB_KIND_SEMAPHORE && !(l->props & LOCKLAB_PROP_KERNEL)) {
		c.sem_count = 1;	/* binary: comparable with the kernel's */
		c.sem_max = 1;
	}
	if (ioctl(dev, LOCKLAB_IOC_CREATE, &c))
		return errno;
	*fd = c.fd;
	return 0;
}

static void stress_one(int dev, struct stress_row *r, const struct cli_opts *o,
		       bool tty)
{
	struct stress_thread *t = calloc(o->threads, sizeof(*t));
	struct locklab_stats st;
	unsigned int i;
	uint64_t *counts;
	double t0, el;
	int fd = -1;

	r->err = t ? stress_create(dev, r->info, &fd) : ENOMEM;
	if (r->err) {
		free(t);
		return;
	}
	__atomic_store_n(&stress_stop, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stress_done_ops, 0, __ATOMIC_RELAXED);
	for (i = 0; i < o->threads; i++) {
		t[i] = (struct stress_thread){
			.fd = fd, .id = i, .o = o,
			.rw = r->info->kind == LOCKLAB_KIND_RWLOCK,
			.samples = malloc(STRESS_MAX_SAMPLES * sizeof(uint64_t)),
		};
		if (!t[i].samples || pthread_create(&t[i].tid, NULL, stress_main, &t[i]))
			abort();
	}
	t0 = ll_now();
	while ((el = ll_now() - t0) < o->ms / 1e3) {
		usleep(100000);
		if (tty)
			fprintf(stderr, "\rlocklab: stress %-10s %5.1fs %12llu ops ",
				r->info->name, el,
				(unsigned long long)__atomic_load_n(&stress_done_ops,
								    __ATOMIC_RELAXED));
	}
	__atomic_store_n(&stress_stop, 1, __ATOMIC_RELAXED);
	counts = calloc(o->threads, sizeof(*counts));
	for (i = 0; i < o->threads; i++) {
		pthread_join(t[i].tid, NULL);
		counts[i] = t[i].ops;
	}
	el = ll_now() - t0;
	r->min = UINT64_MAX;
	for (i = 0; i < o->threads; i++) {
		r->rate += t[i].ops;
		r->errors += t[i].errors;
		if (t[i].errors && !r->err)
			r->err = t[i].first_error;
		r->min = t[i].ops < r->min ? t[i].ops : r->min;
		r->max = t[i].ops > r->max ? t[i].ops : r->max;
	}
	r->rate /= el;
	r->fairness = jain(counts, o->threads);
	stress_percentiles(t, o->threads, r);
	if (!ll_stats(fd, &st))
		r->violations = st.violations;
	for (i = 0; i < o->threads; i++)
		free(t[i].samples);
	free(counts);
	free(t);
	close(fd);
}

static bool stress_selected(const struct locklab_list *l,
			    const struct cli_opts *o)
{
	if (strcmp(l->kind_name, o->kind) || (l->props & LOCKLAB_PROP_BROKEN))
		return false;
	/* Condvars, Arcs, channels, RCU, seqlocks: no lock to hold; see bench. */
	if (l->kind == LOCKLAB_KIND_CONDVAR || l->kind == LOCKLAB_KIND_ARC ||
	    l->kind == LOCKLAB_KIND_CHANNEL || l->kind == LOCKLAB_KIND_RCU ||
	    l->kind == LOCKLAB_KIND_SEQLOCK)
		return false;
	return !strcmp(o->variants, "all") || (l->props & LOCKLAB_PROP_KERNEL) ||
	       name_in_list(l->name, o->variants);
}

static const struct col stress_cols[] = {
	{ "kind", "kind", COL_STR, 0, COL_CSV },
	{ "variant", "variant", COL_STR, -10, COL_ALL },
	{ "threads", "threads", COL_UINT, 0, COL_CSV },
	{ "ms", "ms", COL_UINT, 0, COL_CSV },
	{ "hold_ns", "hold_ns", COL_UINT, 0, COL_CSV },
	{ "ops/s", "ops_per_s", COL_RATE, 12, COL_ALL },
	{ "vs kernel", "vs_kernel", COL_RATIO, 9, COL_ALL },
	{ "thread min", "thread_min", COL_UINT, 11, COL_ALL },
	{ "thread max", "thread_max", COL_UINT, 11, COL_ALL },
	{ "fairness", "fairness", COL_FRAC, 8, COL_ALL },
	{ "p50 us", "p50_us", COL_US, 9, COL_ALL },
	{ "p99 us", "p99_us", COL_US, 9, COL_ALL },
	{ "violations", "violations", COL_UINT, 10, COL_ALL },
	{ "errors", "errors", COL_UINT, 0, COL_CSV | COL_JSON },
};

static int stress_report(struct stress_row *rows, int nrows,
			 const struct cli_opts *o,
			 const struct locklab_version *v, double base)
{
	struct report r = { .cols = stress_cols, .ncols = ARRAY_SIZE(stress_cols) };
	int i, status = 0;

	if (report_run_init(&r, "stress", o, v, nrows))
		return 1;
	for (i = 0; i < nrows; i++) {
		struct stress_row *s = &rows[i];
		union cell *c = report_row(&r, i);

		c[0].s = o->kind;
		c[1].s = s->info->name;
		c[2].u = o->threads;
		c[3].u = o->ms;
		c[4].u = o->hold_ns;
		c[5].d = s->rate;
		c[6].d = base ? s->rate / base : 0;
		c[7].u = s->min;
		c[8].u = s->max;
		c[9].d = s->fairness;
		c[10].d = s->p50_us;
		c[11].d = s->p99_us;
		c[12].u = s->violations;
		c[13].u = s->errors;
		r.error[i] = s->err && !s->rate ? strerror(s->err) : NULL;
		r.note[i] = s->errors ? "  (errors)" : NULL;
		if (s->violations)
			status = 2;
	}
	report_print(&r, o->fmt);
	report_free(&r);
	return status;
}

int cmd_stress(struct cli_opts *o)
{
	static struct locklab_list vs[MAX_VARIANTS];
	static struct stress_row rows[MAX_VARIANTS];
	struct locklab_version v;
	int dev = dev_open(), n, i, nrows = 0, status;
	bool tty = progress_on(o);
	double base = 0;

	dev_handshake(dev, &v);
	if (!o->threads)
		o->threads = v.nr_cpus < 64 ? v.nr_cpus : 64;
	if (o->read_pct < 0)
		o->read_pct = 75;
	n = dev_variants(dev, vs, MAX_VARIANTS);
	for (i = 0; i < n; i++)
		if (stress_selected(&vs[i], o))
			rows[nrows++].info = &vs[i];
	if (!nrows) {
		fprintf(stderr, "locklab: no %s variant to stress matches '%s'%s\n",
			o->kind, o->variants, " (see `locklab list`)");
		return 1;
	}
	for (i = 0; i < nrows; i++) {
		stress_one(dev, &rows[i], o, tty);
		if (!rows[i].err && (rows[i].info->props & LOCKLAB_PROP_KERNEL))
			base = rows[i].rate;
	}
	if (tty)
		fprintf(stderr, "\r%70s\r", "");
	status = stress_report(rows, nrows, o, &v, base);
	close(dev);
	return status;
}
