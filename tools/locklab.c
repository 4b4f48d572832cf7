// SPDX-License-Identifier: GPL-2.0
/*
 * locklab - drive the locklab kernel module from userspace.
 *
 * Subcommands:
 *   locklab version             ABI handshake: module ABI, kinds, backend
 *   locklab list                kinds and variants the loaded module has
 *   locklab bench [options]     in-kernel benchmark/torture (kthreads),
 *                               every variant next to the kernel's own
 *
 * Run `locklab --help` for the manual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#define DEV_PATH	"/dev/locklab"
#define MAX_VARIANTS	128

static const char manual[] =
"NAME\n"
"    locklab - experiment with the locklab kernel module's primitives\n"
"\n"
"SYNOPSIS\n"
"    locklab version\n"
"    locklab list [--json]\n"
"    locklab stress [--kind KIND] [--variant NAME[,NAME...]|all] [--threads N]\n"
"                  [--seconds S | --ms MS] [--hold-ns NS] [--read-pct P]\n"
"                  [--quiet] [--json | --csv]\n"
"    locklab bench [--kind KIND] [--variant NAME[,NAME...]|all] [--threads N]\n"
"                  [--seconds S | --ms MS] [--hold-ns NS] [--gap-ns NS]\n"
"                  [--read-pct P] [--bind] [--broken] [--quiet]\n"
"                  [--json | --csv]\n"
"\n"
"DESCRIPTION\n"
"    locklab talks to " DEV_PATH " (the locklab module; load it with\n"
"    `insmod locklab.ko` or `modprobe locklab`). The device is 0600: run as\n"
"    root or give your user access to it.\n"
"\n"
"    version  prints the module's ABI version, the kinds it supports, the\n"
"             atomics backend its algorithms run on and the online CPUs.\n"
"\n"
"    list     prints every kind and variant the module has, with their\n"
"             properties: fifo (hands over in arrival order), sleeps\n"
"             (waiters sleep), kernel (the kernel's own primitive, the\n"
"             baseline), broken (wrong on purpose, to show the checks fire).\n"
"\n"
"    stress   drives locks from userspace: for each selected variant it\n"
"             creates one object (LOCKLAB_IOC_CREATE) and THREADS pthreads\n"
"             take it with LOCKLAB_IOC_OP HOLD (lock, checked critical\n"
"             section of HOLD-NS in the kernel, unlock) for the given time.\n"
"             The kernel's own primitive of the kind always runs too. Shows\n"
"             operations per second, per-thread min/max, Jain's fairness,\n"
"             p50/p99 of the time each operation waited for the lock, and\n"
"             the violations the kernel's checked section saw.\n"
"             Lock kinds only; Arcs, channels, RCU and seqlocks are measured\n"
"             by bench.\n"
"\n"
"    bench    runs the in-kernel benchmark. Lock kinds: THREADS kernel\n"
"             threads take the lock in a loop and run a checked critical\n"
"             section (a plain counter increment, plus HOLD-NS of busy time)\n"
"             for the given time. arc: THREADS kernel threads clone and put\n"
"             one shared Arc (or refcount_t). channel: THREADS producers and\n"
"             THREADS consumers move 64-byte messages; acq/s is messages\n"
"             received per second, and lost counts messages lost or\n"
"             invented. rcu: THREADS kernel threads run read-side sections\n"
"             (load the shared record, check it) while one more thread keeps\n"
"             replacing the record and waiting for grace periods; acq/s is\n"
"             read sections per second, and a violation is a read of a copy\n"
"             already retired. seqlock: THREADS kernel threads copy a\n"
"             record under the seqlock while one more thread rewrites it\n"
"             about once a microsecond; acq/s is accepted copies per second,\n"
"             and a violation is an accepted torn copy. Every selected variant runs in turn, and the\n"
"             kernel's own primitive of the kind always runs too, so each\n"
"             row shows its rate as a ratio to the kernel's in the same run.\n"
"\n"
"BENCH OPTIONS\n"
"    --kind KIND        family to run (default: spin)\n"
"    --variant LIST     comma-separated variant names, or all (default)\n"
"    --threads N        kernel threads, 1..64 (default: online CPUs)\n"
"    --seconds S        time per variant (default 1)\n"
"    --ms MS            time per variant in milliseconds\n"
"    --hold-ns NS       busy time inside each critical section (default 0)\n"
"    --gap-ns NS        busy time between critical sections (default 0)\n"
"    --read-pct P       rwlock kind: percent of acquisitions that are reads\n"
"                       (default 75)\n"
"    --bind             pin thread i to CPU i modulo the online CPUs\n"
"    --broken           also run the broken variant of the kind\n"
"    --json, --csv      machine-readable output instead of the table\n"
"    --quiet            no progress line on the terminal\n"
"\n"
"STRESS COLUMNS (besides those of bench)\n"
"    p50, p99    wait for the lock per operation, microseconds\n"
"\n"
"BENCH COLUMNS\n"
"    acq/s       critical sections per second, all threads together\n"
"    vs kernel   acq/s divided by the kernel primitive's acq/s\n"
"    min, max    fewest and most sections run by one thread\n"
"    fairness    Jain's index over the threads' counts: 1 is perfectly fair,\n"
"                1/N means one thread did everything\n"
"    violations  sections entered while another thread was inside\n"
"    lost        plain-counter increments lost to overlapping sections\n"
"    readers     rwlock kind: most readers seen inside at once\n"
"    A correct lock always shows 0 violations and 0 lost.\n"
"\n"
"ENVIRONMENT\n"
"    LOCKLAB_DEV        the device to open instead of " DEV_PATH "\n"
"\n"
"EXIT STATUS\n"
"    0 on success; 1 on a usage or device error; 2 when a lock that is not\n"
"    marked broken showed violations or lost updates.\n";

static int dev_open(void)
{
	const char *path = getenv("LOCKLAB_DEV") ?: DEV_PATH;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "locklab: %s does not exist: %s\n", path,
			"is the module loaded? (insmod locklab.ko)");
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "locklab: %s: permission denied: the device is 0600; run as root\n",
			path);
	else
		fprintf(stderr, "locklab: %s: %s\n", path, strerror(errno));
	exit(1);
}

static void dev_version(int fd, struct locklab_version *v)
{
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	if (ioctl(fd, LOCKLAB_IOC_VERSION, v)) {
		fprintf(stderr, "locklab: LOCKLAB_IOC_VERSION: %s\n", strerror(errno));
		exit(1);
	}
	if (v->abi_major != LOCKLAB_ABI_MAJOR) {
		fprintf(stderr, "locklab: module ABI %u.%u, this tool %u.%u: %s\n",
			v->abi_major, v->abi_minor, LOCKLAB_ABI_MAJOR,
			LOCKLAB_ABI_MINOR, "rebuild one of them");
		exit(1);
	}
}

struct variant {
	struct locklab_list info;
};

static int dev_list(int fd, struct variant *out, int max)
{
	int n;

	for (n = 0; n < max; n++) {
		struct locklab_list *l = &out[n].info;

		memset(l, 0, sizeof(*l));
		l->size = sizeof(*l);
		l->index = n;
		if (ioctl(fd, LOCKLAB_IOC_LIST, l)) {
			if (errno == ENOENT)
				break;
			fprintf(stderr, "locklab: LOCKLAB_IOC_LIST: %s\n", strerror(errno));
			exit(1);
		}
	}
	return n;
}

static int ll_stats_read(int fd, struct locklab_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(fd, LOCKLAB_IOC_STATS, st) ? errno : 0;
}

static void props_str(uint32_t props, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s",
		 props & LOCKLAB_PROP_FIFO ? "fifo " : "",
		 props & LOCKLAB_PROP_SLEEPS ? "sleeps " : "",
		 props & LOCKLAB_PROP_KERNEL ? "kernel " : "",
		 props & LOCKLAB_PROP_BROKEN ? "broken " : "");
	if (!buf[0])
		snprintf(buf, len, "-");
}

static int cmd_version(void)
{
	struct locklab_version v;
	int fd = dev_open(), k;

	dev_version(fd, &v);
	printf("locklab ABI %u.%u, atomics backend %s, %u online CPUs\nkinds:",
	       v.abi_major, v.abi_minor, v.backend, v.nr_cpus);
	for (k = 0; k < 64; k++)
		if (v.kinds & (1ULL << k))
			printf(" %d", k);
	printf("\n");
	close(fd);
	return 0;
}

static int cmd_list(bool json)
{
	static struct variant vs[MAX_VARIANTS];
	int fd = dev_open(), n, i;
	char props[64];

	n = dev_list(fd, vs, MAX_VARIANTS);
	if (json)
		printf("[");
	else
		printf("%-10s %-12s %-8s %s\n", "kind", "variant", "number", "properties");
	for (i = 0; i < n; i++) {
		struct locklab_list *l = &vs[i].info;

		props_str(l->props, props, sizeof(props));
		if (json)
			printf("%s{\"kind\":\"%s\",\"variant\":\"%s\",\"number\":%u,\"props\":%u}",
			       i ? "," : "", l->kind_name, l->name, l->variant, l->props);
		else
			printf("%-10s %-12s %-8u %s\n", l->kind_name, l->name,
			       l->variant, props);
	}
	if (json)
		printf("]\n");
	close(fd);
	return 0;
}

struct bench_opts {
	const char *kind;
	const char *variants;
	unsigned int threads;
	unsigned int ms;
	unsigned int hold_ns;
	unsigned int gap_ns;
	int read_pct;
	bool bind;
	bool broken;
	bool json;
	bool csv;
	bool quiet;
};

struct bench_row {
	const struct locklab_list *info;
	struct locklab_bench b;
	uint64_t per_thread[LOCKLAB_BENCH_MAX_THREADS];
	double rate;
	double fairness;
	int err;
};

static bool name_in_list(const char *name, const char *list)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static double jain(const uint64_t *x, unsigned int n)
{
	double s = 0, sq = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s += (double)x[i];
		sq += (double)x[i] * (double)x[i];
	}
	return sq ? s * s / (n * sq) : 0;
}

static void bench_one(int fd, struct bench_row *r, const struct bench_opts *o)
{
	struct locklab_bench *b = &r->b;

	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->flags = o->bind ? LOCKLAB_BENCH_BIND : 0;
	b->kind = r->info->kind;
	b->variant = r->info->variant;
	b->threads = o->threads;
	b->duration_ms = o->ms;
	b->hold_ns = o->hold_ns;
	b->gap_ns = o->gap_ns;
	if (r->info->kind == LOCKLAB_KIND_RWLOCK)
		b->read_pct = o->read_pct < 0 ? 75 : o->read_pct;
	/* The Arc, channel and RCU benchmarks report totals only. */
	if (r->info->kind != LOCKLAB_KIND_ARC &&
	    r->info->kind != LOCKLAB_KIND_CHANNEL &&
	    r->info->kind != LOCKLAB_KIND_RCU &&
	    r->info->kind != LOCKLAB_KIND_SEQLOCK)
		b->per_thread = (uintptr_t)r->per_thread;
	r->err = ioctl(fd, LOCKLAB_IOC_BENCH, b) ? errno : 0;
	if (r->err)
		return;
	r->rate = b->elapsed_ns ? b->acquisitions * 1e9 / b->elapsed_ns : 0;
	r->fairness = b->per_thread ? jain(r->per_thread, o->threads) : 0;
}

static int cmd_bench(struct bench_opts *o)
{
	static struct variant vs[MAX_VARIANTS];
	static struct bench_row rows[MAX_VARIANTS];
	struct locklab_version v;
	int fd = dev_open(), n, i, nrows = 0, status = 0;
	double base = 0;
	bool tty = isatty(2) && !o->quiet;

	dev_version(fd, &v);
	if (!o->threads)
		o->threads = v.nr_cpus > LOCKLAB_BENCH_MAX_THREADS ?
			     LOCKLAB_BENCH_MAX_THREADS : v.nr_cpus;
	n = dev_list(fd, vs, MAX_VARIANTS);
	for (i = 0; i < n; i++) {
		struct locklab_list *l = &vs[i].info;

		if (strcmp(l->kind_name, o->kind))
			continue;
		if ((l->props & LOCKLAB_PROP_BROKEN) && !o->broken)
			continue;
		/* A one-shot channel carries one message: it has no rate. */
		if (l->kind == LOCKLAB_KIND_CHANNEL &&
		    l->variant == LOCKLAB_CHANNEL_ONESHOT)
			continue;
		if (strcmp(o->variants, "all") && !(l->props & LOCKLAB_PROP_KERNEL) &&
		    !name_in_list(l->name, o->variants) &&
		    !((l->props & LOCKLAB_PROP_BROKEN) && o->broken))
			continue;
		rows[nrows++].info = l;
	}
	if (!nrows) {
		fprintf(stderr, "locklab: no %s variant matches '%s' (see `locklab list`)\n",
			o->kind, o->variants);
		return 1;
	}

	for (i = 0; i < nrows; i++) {
		if (tty)
			fprintf(stderr, "\rlocklab: running %-10s (%d/%d) ",
				rows[i].info->name, i + 1, nrows);
		bench_one(fd, &rows[i], o);
		if (rows[i].err == EINTR) {
			fprintf(stderr, "\nlocklab: interrupted\n");
			return 1;
		}
		if (!rows[i].err && (rows[i].info->props & LOCKLAB_PROP_KERNEL))
			base = rows[i].rate;
	}
	if (tty)
		fprintf(stderr, "\r%60s\r", "");

	if (o->csv)
		printf("kind,variant,threads,ms,hold_ns,acq_per_s,vs_kernel,"
		       "thread_min,thread_max,fairness,violations,lost,"
		       "max_readers,error\n");
	else if (o->json)
		printf("{\"backend\":\"%s\",\"cpus\":%u,\"threads\":%u,"
		       "\"ms\":%u,\"hold_ns\":%u,\"results\":[",
		       v.backend, v.nr_cpus, o->threads, o->ms, o->hold_ns);
	else
		printf("locklab bench: kind %s, %u threads, %u ms each, "
		       "hold %u ns, atomics %s, %u CPUs\n\n"
		       "%-10s %14s %9s %12s %12s %8s %10s %10s %7s\n",
		       o->kind, o->threads, o->ms, o->hold_ns, v.backend, v.nr_cpus,
		       "variant", "acq/s", "vs kernel", "thread min", "thread max",
		       "fairness", "violations", "lost", "readers");

	for (i = 0; i < nrows; i++) {
		struct bench_row *r = &rows[i];
		const char *name = r->info->name;
		double ratio = base ? r->rate / base : 0;

		if (!r->err && (r->b.violations || r->b.lost_updates) &&
		    !(r->info->props & LOCKLAB_PROP_BROKEN))
			status = 2;
		if (o->csv) {
			printf("%s,%s,%u,%u,%u,%.0f,%.3f,%llu,%llu,%.3f,%llu,%llu,%llu,%s\n",
			       o->kind, name, o->threads, o->ms, o->hold_ns, r->rate,
			       ratio, (unsigned long long)r->b.thread_min,
			       (unsigned long long)r->b.thread_max, r->fairness,
			       (unsigned long long)r->b.violations,
			       (unsigned long long)r->b.lost_updates,
			       (unsigned long long)r->b.max_readers,
			       r->err ? strerror(r->err) : "");
		} else if (o->json) {
			printf("%s{\"variant\":\"%s\",\"props\":%u,"
			       "\"acq_per_s\":%.0f,\"vs_kernel\":%.3f,"
			       "\"thread_min\":%llu,\"thread_max\":%llu,\"fairness\":%.3f,"
			       "\"violations\":%llu,\"lost\":%llu,\"max_readers\":%llu,"
			       "\"error\":\"%s\"}",
			       i ? "," : "", name, r->info->props, r->rate, ratio,
			       (unsigned long long)r->b.thread_min,
			       (unsigned long long)r->b.thread_max, r->fairness,
			       (unsigned long long)r->b.violations,
			       (unsigned long long)r->b.lost_updates,
			       (unsigned long long)r->b.max_readers,
			       r->err ? strerror(r->err) : "");
		} else if (r->err) {
			printf("%-10s error: %s\n", name, strerror(r->err));
		} else {
			printf("%-10s %14.0f %8.2fx %12llu %12llu %8.3f %10llu %10llu %7llu%s\n",
			       name, r->rate, ratio,
			       (unsigned long long)r->b.thread_min,
			       (unsigned long long)r->b.thread_max, r->fairness,
			       (unsigned long long)r->b.violations,
			       (unsigned long long)r->b.lost_updates,
			       (unsigned long long)r->b.max_readers,
			       (r->info->props & LOCKLAB_PROP_BROKEN) ?
			       "  (broken on purpose)" : "");
		}
	}
	if (o->json)
		printf("]}\n");
	close(fd);
	return status;
}

/* ---- stress: userspace threads on object fds ---------------------------- */

#define STRESS_MAX_SAMPLES	262144

struct stress_thread {
	pthread_t tid;
	int fd;
	unsigned int id;
	const struct bench_opts *o;
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

static void stress_one(int dev, struct stress_row *r, const struct bench_opts *o,
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
	t0 = now_s();
	while ((el = now_s() - t0) < o->ms / 1e3) {
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
	el = now_s() - t0;
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
	if (!ll_stats_read(fd, &st))
		r->violations = st.violations;
	for (i = 0; i < o->threads; i++)
		free(t[i].samples);
	free(counts);
	free(t);
	close(fd);
}

static int cmd_stress(struct bench_opts *o)
{
	static struct variant vs[MAX_VARIANTS];
	static struct stress_row rows[MAX_VARIANTS];
	struct locklab_version v;
	int dev = dev_open(), n, i, nrows = 0, status = 0;
	double base = 0;
	bool tty = isatty(2) && !o->quiet;

	dev_version(dev, &v);
	if (!o->threads)
		o->threads = v.nr_cpus < 64 ? v.nr_cpus : 64;
	if (o->read_pct < 0)
		o->read_pct = 75;
	n = dev_list(dev, vs, MAX_VARIANTS);
	for (i = 0; i < n; i++) {
		struct locklab_list *l = &vs[i].info;

		if (strcmp(l->kind_name, o->kind) || (l->props & LOCKLAB_PROP_BROKEN))
			continue;
		/* Condvars, Arcs, channels, RCU: no lock to hold; see bench. */
		if (l->kind == LOCKLAB_KIND_CONDVAR || l->kind == LOCKLAB_KIND_ARC ||
		    l->kind == LOCKLAB_KIND_CHANNEL || l->kind == LOCKLAB_KIND_RCU ||
		    l->kind == LOCKLAB_KIND_SEQLOCK)
			continue;
		if (strcmp(o->variants, "all") && !(l->props & LOCKLAB_PROP_KERNEL) &&
		    !name_in_list(l->name, o->variants))
			continue;
		rows[nrows++].info = l;
	}
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
	if (o->csv)
		printf("kind,variant,threads,ms,hold_ns,ops_per_s,vs_kernel,thread_min,"
		       "thread_max,fairness,p50_us,p99_us,violations,errors\n");
	else if (o->json)
		printf("{\"backend\":\"%s\",\"cpus\":%u,\"threads\":%u,\"ms\":%u,"
		       "\"hold_ns\":%u,\"results\":[", v.backend, v.nr_cpus,
		       o->threads, o->ms, o->hold_ns);
	else
		printf("locklab stress: kind %s, %u threads, %u ms each, hold %u ns, "
		       "atomics %s, %u CPUs\n\n%-10s %12s %9s %11s %11s %8s %9s %9s %10s\n",
		       o->kind, o->threads, o->ms, o->hold_ns, v.backend, v.nr_cpus,
		       "variant", "ops/s", "vs kernel", "thread min", "thread max",
		       "fairness", "p50 us", "p99 us", "violations");
	for (i = 0; i < nrows; i++) {
		struct stress_row *r = &rows[i];
		double ratio = base ? r->rate / base : 0;

		if (r->violations)
			status = 2;
		if (o->csv)
			printf("%s,%s,%u,%u,%u,%.0f,%.3f,%llu,%llu,%.3f,%.2f,%.2f,%llu,%llu\n",
			       o->kind, r->info->name, o->threads, o->ms, o->hold_ns,
			       r->rate, ratio, (unsigned long long)r->min,
			       (unsigned long long)r->max, r->fairness, r->p50_us,
			       r->p99_us, (unsigned long long)r->violations,
			       (unsigned long long)r->errors);
		else if (o->json)
			printf("%s{\"variant\":\"%s\",\"ops_per_s\":%.0f,\"vs_kernel\":%.3f,"
			       "\"thread_min\":%llu,\"thread_max\":%llu,\"fairness\":%.3f,"
			       "\"p50_us\":%.2f,\"p99_us\":%.2f,\"violations\":%llu,"
			       "\"errors\":%llu}", i ? "," : "", r->info->name, r->rate,
			       ratio, (unsigned long long)r->min,
			       (unsigned long long)r->max, r->fairness, r->p50_us,
			       r->p99_us, (unsigned long long)r->violations,
			       (unsigned long long)r->errors);
		else if (r->err && !r->rate)
			printf("%-10s error: %s\n", r->info->name, strerror(r->err));
		else
			printf("%-10s %12.0f %8.2fx %11llu %11llu %8.3f %9.2f %9.2f %10llu%s\n",
			       r->info->name, r->rate, ratio,
			       (unsigned long long)r->min, (unsigned long long)r->max,
			       r->fairness, r->p50_us, r->p99_us,
			       (unsigned long long)r->violations,
			       r->errors ? "  (errors)" : "");
	}
	if (o->json)
		printf("]}\n");
	close(dev);
	return status;
}

static unsigned int parse_uint(const char *opt, const char *s, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "locklab: %s: '%s' is not a number in 0..%u\n", opt, s, max);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "variant", required_argument, NULL, 'v' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ms", required_argument, NULL, 'm' },
		{ "hold-ns", required_argument, NULL, 'H' },
		{ "gap-ns", required_argument, NULL, 'G' },
		{ "bind", no_argument, NULL, 'b' },
		{ "broken", no_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "read-pct", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct bench_opts o = {
		.kind = "spin", .variants = "all", .ms = 1000, .read_pct = -1,
	};
	const char *cmd;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(manual, stdout);
		return argc < 2 ? 1 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:v:t:s:m:H:G:R:bBjcqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.kind = optarg;
			break;
		case 'v':
			o.variants = optarg;
			break;
		case 't':
			o.threads = parse_uint("--threads", optarg,
					       LOCKLAB_BENCH_MAX_THREADS);
			break;
		case 's':
			o.ms = 1000 * parse_uint("--seconds", optarg, 3600);
			break;
		case 'm':
			o.ms = parse_uint("--ms", optarg, 3600000);
			break;
		case 'H':
			o.hold_ns = parse_uint("--hold-ns", optarg,
					       LOCKLAB_BENCH_MAX_BUSY_NS);
			break;
		case 'G':
			o.gap_ns = parse_uint("--gap-ns", optarg,
					      LOCKLAB_BENCH_MAX_BUSY_NS);
			break;
		case 'b':
			o.bind = true;
			break;
		case 'B':
			o.broken = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'c':
			o.csv = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'R':
			o.read_pct = parse_uint("--read-pct", optarg, 100);
			break;
		case 'h':
			fputs(manual, stdout);
			return 0;
		default:
			fprintf(stderr, "locklab: see `locklab --help`\n");
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "locklab: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (!strcmp(cmd, "version"))
		return cmd_version();
	if (!strcmp(cmd, "list"))
		return cmd_list(o.json);
	if (!strcmp(cmd, "stress")) {
		if (!o.ms) {
			fprintf(stderr, "locklab: the run time must be at least 1 ms\n");
			return 1;
		}
		return cmd_stress(&o);
	}
	if (!strcmp(cmd, "bench")) {
		if (!o.ms) {
			fprintf(stderr, "locklab: the run time must be at least 1 ms\n");
			return 1;
		}
		if (o.threads == 0 && getenv("LOCKLAB_THREADS"))
			o.threads = parse_uint("LOCKLAB_THREADS", getenv("LOCKLAB_THREADS"),
					       LOCKLAB_BENCH_MAX_THREADS);
		return cmd_bench(&o);
	}
	fprintf(stderr, "locklab: unknown command '%s' (%s; see --help)\n", cmd,
		"version, list, stress, bench");
	return 1;
}
