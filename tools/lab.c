// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: `locklab lab NAME`, the in-kernel experiments of
 * LOCKLAB_IOC_LAB (include/uapi/linux/locklab.h, "Experiments").
 *
 *   litmus tests  sb, mp, lb, 2+2w (and litmus: all four): one row per
 *                 ordering, the count of each outcome, what the kernel
 *                 memory model and the CPU's own model say, a verdict
 *   clobber       the same critical section under a lock whose asm has
 *                 the "memory" clobber and one whose asm has not
 *   false-sharing, cmpxchg, ttas, handoff   two to four configurations
 *                 timed in one run, per operation, with their ratio
 *   all           every experiment, one after the other
 *
 * Exit status: 0; 1 for a usage or device error; 2 when a run showed what
 * must never happen (an outcome the kernel memory model forbids, a lost
 * update under the fenced lock or under the TAS/TTAS lock). An outcome
 * only the CPU's own model forbids is reported, not failed: the kernel's
 * code may not rely on it, and QEMU TCG does not always honour it (arm64
 * guests on an x86 host show SB under stlr/ldar).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locklab.h"

struct lab_name {
	const char *name;
	uint32_t id;
	const char *help;
};

static const struct lab_name lab_exps[] = {
	{ "sb", LOCKLAB_LAB_SB,
"Store buffering. Thread 0 stores x = 1 then loads y; thread 1 stores y = 1\n"
"then loads x. If both loads return 0, each thread's load ran before the\n"
"other thread's store became visible, while its own store was still on its\n"
"way: the CPU let a load overtake an earlier store (a store buffer does\n"
"exactly that). x86-64 allows this one reordering, so expect outcome 0\n"
"without a fence on x86-64 machines and in QEMU guests on an x86 host, also\n"
"with acquire/release (a release store and an acquire load do not order a\n"
"store before a later load). Only a full fence (lab-mb: mfence or dmb ish;\n"
"smp-mb) forbids it; a single round with outcome 0 there is a bug. Armv8\n"
"also orders a release store before a later acquire load (stlr, ldar), so\n"
"arm64 hardware forbids it under acqrel too; the kernel's model does not\n"
"promise that, and QEMU TCG on an x86 host does not honour it.\n" },
	{ "mp", LOCKLAB_LAB_MP,
"Message passing. Thread 0 writes the data (x = 1) and then the flag\n"
"(y = 1); thread 1 reads the flag and then the data. Outcome 1 (flag seen,\n"
"data not) means the two stores or the two loads were reordered. It is what\n"
"a lock without release/acquire would let through. Forbidden as soon as\n"
"the writer orders its stores (release, smp_wmb, a fence) and the reader its\n"
"loads (acquire, smp_rmb, a fence). Relaxed, the kernel's model and Armv8\n"
"allow it, x86-64 does not (stores stay in order, loads too): expect 0\n"
"on x86-64, and on an arm64 QEMU guest on an x86 host too, since each\n"
"guest access becomes a host access in program order.\n" },
	{ "lb", LOCKLAB_LAB_LB,
"Load buffering. Each thread loads the variable the other one stores, then\n"
"stores its own. Outcome 3 (both loads see the other thread's store) needs\n"
"a store to become visible before an earlier load of the same thread has\n"
"read: a cycle that only very weak hardware produces, and rarely. x86-64\n"
"never does it; Armv8 permits it relaxed but real cores seldom show it.\n"
"Acquire on the load or release on the store forbids it, as does a fence.\n"
"Expect 0 everywhere in practice; a count under an ordering that forbids\n"
"it is a bug.\n" },
	{ "2+2w", LOCKLAB_LAB_2P2W,
"Two writes each. Thread 0 stores x = 1 then y = 2; thread 1 stores y = 1\n"
"then x = 2. Outcome 0 (x = 1 and y = 1 at the end) means each variable's\n"
"last write was its thread's first one: both threads' stores reached memory\n"
"out of order. x86-64 never reorders two stores; the kernel's model only\n"
"promises it with a full fence in both threads (release and smp_wmb order\n"
"how one thread's stores spread, not two coherence orders). Expect 0 with a\n"
"fence; the other orderings are reported, not judged, by the kernel's model.\n" },
	{ "clobber", LOCKLAB_LAB_CLOBBER,
"The compiler barrier. Several threads increment one plain counter under a\n"
"hand-written xchg spin lock, once with the lock's asm carrying the\n"
"\"memory\" clobber and once without it. The CPU instructions are the same;\n"
"only what the compiler is told differs. Without the clobber the compiler\n"
"may keep the counter in a register across the lock and unlock, so the\n"
"increments happen outside the lock and updates are lost. Whether it does\n"
"is the compiler's choice: the row says what this build did. The fenced\n"
"counter must equal the increments made.\n" },
	{ "false-sharing", LOCKLAB_LAB_FALSE_SHARING,
"False sharing. Two threads each increment their own counter, with no\n"
"sharing in the program: first with the two counters in one cache line,\n"
"then 128 bytes apart. Every store needs the line exclusive, so in one line\n"
"it moves between the two CPUs on nearly every increment. The ratio (one\n"
"line / two lines) is the price of that; expect several times on real\n"
"hardware, much less under QEMU TCG, which does not model caches (what it\n"
"shows is the host's caches under the emulator's overhead).\n" },
	{ "cmpxchg", LOCKLAB_LAB_CMPXCHG,
"Failed vs successful compare-and-exchange on a contended word. Two threads\n"
"hammer one word with a cmpxchg that always fails, one that always succeeds\n"
"(it stores the value it found), and plain loads. A load can keep the line\n"
"shared; an RMW asks for it exclusive whether or not the compare succeeds\n"
"(x86's lock cmpxchg always writes). Expect failing about as costly as\n"
"succeeding on x86-64, both far above a load; an LL/SC cmpxchg that fails\n"
"its compare never reaches its store and can be cheaper.\n" },
	{ "ttas", LOCKLAB_LAB_TTAS,
"TTAS vs TAS. Threads take one spin lock in turn. TAS waiters spin on the\n"
"swap itself, so each spin takes the line exclusive, away from the holder\n"
"that needs it to unlock; TTAS waiters spin on a plain load and swap only\n"
"when the lock looks free, leaving the line shared while it is held.\n"
"Expect TTAS faster and with far fewer swaps per acquisition once waiters\n"
"contend. Both must count every critical section.\n" },
	{ "handoff", LOCKLAB_LAB_HANDOFF,
"Hand-off: what moving a lock from one CPU to the other costs. A fair lock\n"
"(ticket, MCS, CLH) pays it on nearly every acquisition when two threads\n"
"contend, since the waiter is next in line; an unfair one (the kernel's\n"
"qspinlock, TAS) often lets the thread that just unlocked take it again,\n"
"its cache line still local. First two threads pass a ball (a release\n"
"store read by an acquire load, as a lock hand-over is), waiting with the\n"
"CPU's relax instruction (pause, yield) and then without it: the round\n"
"trip is two hand-offs, the difference is what the relax instruction adds\n"
"(QEMU TCG leaves its translated code on every x86 pause). Then both\n"
"threads take the kernel's spinlock_t, and locklab's ticket lock, in a\n"
"loop: the share of sections that followed one of the other thread. Expect\n"
"the ticket lock near 100% and slower per section by about one hand-off;\n"
"spinlock_t far below. Both must count every section.\n" },
};

struct lab_ord {
	const char *name;
	uint32_t id;
};

static const struct lab_ord lab_ords[] = {
	{ "relaxed", LOCKLAB_LAB_RELAXED },
	{ "acqrel", LOCKLAB_LAB_ACQREL },
	{ "lab-acqrel", LOCKLAB_LAB_LAB_ACQREL },
	{ "lab-mb", LOCKLAB_LAB_LAB_MB },
	{ "smp-mb", LOCKLAB_LAB_SMP_MB },
	{ "rwmb", LOCKLAB_LAB_RWMB },
};

static const char lab_usage[] =
"Usage: locklab lab NAME [--ordering ORD[,ORD...]|all] [--rounds N]\n"
"                   [--threads N]\n"
"       locklab lab --help [NAME]\n"
"\n"
"Run an experiment in the kernel (LOCKLAB_IOC_LAB). NAME: sb, mp, lb, 2+2w,\n"
"litmus (the four), clobber, false-sharing, cmpxchg, ttas, handoff, or all.\n"
"Litmus tests print, per ordering, the rounds that ended in each outcome\n"
"(bit 0 is r0, bit 1 is r1), the outcome the orderings are about, whether\n"
"the kernel memory model (LKMM) and this CPU's model forbid it, and a\n"
"verdict. The cache experiments print nanoseconds per operation and ratios.\n"
"\n"
"    --ordering LIST  litmus: relaxed, acqrel, lab-acqrel, lab-mb, smp-mb,\n"
"                     rwmb (MP and 2+2W only), or all (default)\n"
"    --rounds N       rounds (litmus) or operations per thread (default:\n"
"                     the experiment's own, a few seconds in a QEMU guest)\n"
"    --threads N      clobber and ttas: 2..8 threads (default 2)\n"
"\n"
"`locklab lab --help NAME` says what NAME does, what to expect and why.\n"
"Exit status 2: a run showed something that must never happen.\n";

static void lab_help(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(lab_exps); i++) {
		if (!strcmp(lab_exps[i].name, name)) {
			printf("%s\n%s", lab_exps[i].name, lab_exps[i].help);
			return;
		}
	}
	if (name && (!strcmp(name, "litmus") || !strcmp(name, "all"))) {
		for (i = 0; i < ARRAY_SIZE(lab_exps); i++)
			if (!strcmp(name, "all") || lab_exps[i].id < 16)
				printf("%s%s\n%s", i ? "\n" : "",
				       lab_exps[i].name, lab_exps[i].help);
		return;
	}
	fputs(lab_usage, stdout);
}

static const char *lab_err(int err)
{
	switch (err) {
	case EINTR:
		return "interrupted";
	case ETIMEDOUT:
		return "longer than the lab_max_ms module parameter";
	case EOPNOTSUPP:
		return "not on this architecture";
	default:
		return strerror(err);
	}
}

struct lab_args {
	unsigned long long rounds;
	unsigned int threads;
	const char *orderings;
};

/* One run; 0, or 1 after printing the error. */
static int lab_run(int dev, const struct lab_args *a, uint32_t id,
		   uint32_t ord, struct locklab_lab *l)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->experiment = id;
	l->variant = ord;
	l->rounds = a->rounds;
	/* Only clobber and ttas take a thread count; the others run 2. */
	if (id == LOCKLAB_LAB_CLOBBER || id == LOCKLAB_LAB_TTAS)
		l->threads = a->threads;
	err = ll_lab(dev, l);
	if (err) {
		fprintf(stderr, "locklab: lab: LOCKLAB_IOC_LAB: %s\n", lab_err(err));
		return 1;
	}
	return 0;
}

static double per_op(unsigned long long ns, unsigned long long ops)
{
	return ops ? (double)ns / ops : 0;
}

static double ratio(double a, double b)
{
	return b ? a / b : 0;
}

static int lab_litmus(int dev, const struct lab_args *a,
		      const struct lab_name *e)
{
	static const char * const target[] = { "r0=0 r1=0", "r0=1 r1=0",
					       "r0=0 r1=1", "r0=1 r1=1" };
	unsigned int i, o, t = 0;
	struct locklab_lab l;
	int bad = 0;

	printf("%s (%s)\n", e->name, e->id == LOCKLAB_LAB_2P2W ?
	       "outcome bits: x==2, y==2 after the round" : "outcome bits: r0, r1");
	printf("%-11s %10s %10s %10s %10s  %-12s %s\n", "ordering", "0", "1",
	       "2", "3", "forbidden by", "verdict");
	for (i = 0; i < ARRAY_SIZE(lab_ords); i++) {
		const struct lab_ord *ord = &lab_ords[i];
		unsigned long long seen = 0, cpu_seen = 0;
		uint32_t forb, both;

		if (!name_in_list(ord->name, a->orderings) &&
		    strcmp(a->orderings, "all"))
			continue;
		if (ord->id == LOCKLAB_LAB_RWMB &&
		    (e->id == LOCKLAB_LAB_SB || e->id == LOCKLAB_LAB_LB)) {
			if (strcmp(a->orderings, "all"))
				printf("%-11s (SB and LB have no rwmb form)\n",
				       ord->name);
			continue;
		}
		if (lab_run(dev, a, e->id, ord->id, &l))
			return 1;
		forb = l.forbidden;
		both = l.forbidden | l.arch_forbidden;
		/* The outcome the test is about: MP 1, LB 3, SB and 2+2W 0. */
		t = e->id == LOCKLAB_LAB_MP ? 1 : e->id == LOCKLAB_LAB_LB ? 3 : 0;
		for (o = 0; o < 4; o++) {
			if (forb & (1U << o))
				seen += l.results[o];
			else if (l.arch_forbidden & (1U << o))
				cpu_seen += l.results[o];
		}
		printf("%-11s %10llu %10llu %10llu %10llu  %-12s ", ord->name,
		       (unsigned long long)l.results[0],
		       (unsigned long long)l.results[1],
		       (unsigned long long)l.results[2],
		       (unsigned long long)l.results[3],
		       forb && l.arch_forbidden ? "LKMM, CPU" :
		       forb ? "LKMM" : l.arch_forbidden ? "CPU" : "-");
		if (seen) {
			printf("FAIL: a forbidden outcome seen %llu times\n", seen);
			bad = 2;
		} else if (cpu_seen) {
			/* The LKMM allows it: no kernel code may rely on it. */
			printf("seen %llu times: weaker than the CPU's model %s\n",
			       cpu_seen, "(an emulator?)");
		} else if (both & (1U << t)) {
			printf("ok: never seen\n");
		} else if (l.results[t]) {
			printf("reordered %llu times (%.2f%%): allowed\n",
			       (unsigned long long)l.results[t],
			       100.0 * l.results[t] / l.rounds);
		} else {
			printf("not seen (allowed)\n");
		}
	}
	printf("%llu rounds per ordering; the outcome in question: %u (%s)\n",
	       (unsigned long long)l.rounds, t,
	       e->id == LOCKLAB_LAB_2P2W ? "x=1 y=1" : target[t]);
	return bad;
}

static int lab_clobber(int dev, const struct lab_args *a)
{
	struct locklab_lab l;
	unsigned long long made, lost;
	int bad = 0;

	if (lab_run(dev, a, LOCKLAB_LAB_CLOBBER, 0, &l))
		return 1;
	made = l.results[0];
	lost = made - l.results[2];
	printf("clobber: %u threads, %llu increments each\n", l.threads,
	       (unsigned long long)l.rounds);
	printf("  with \"memory\":    counter %llu of %llu, %.1f ns/acq\n",
	       (unsigned long long)l.results[1], made,
	       per_op(l.results[3], made));
	printf("  without \"memory\": counter %llu of %llu, %.1f ns/acq\n",
	       (unsigned long long)l.results[2], made,
	       per_op(l.results[4], made));
	if (l.results[1] != made) {
		printf("  FAIL: the fenced lock lost %llu updates\n",
		       made - (unsigned long long)l.results[1]);
		bad = 2;
	}
	if (lost)
		printf("  verdict: without the clobber %llu updates (%.1f%%) were lost: %s\n",
		       lost, 100.0 * lost / made,
		       "the compiler kept the counter in a register across the lock");
	else
		printf("  verdict: no update lost without the clobber (%s)\n",
		       "scripts/lab-objdump.sh: did the compiler reload it?");
	return bad;
}

/*
 * Per round trip for the ball (thread 0 times n of them), per section for
 * the locks (2 n sections, the threads taking turns).
 */
static int lab_handoff(const struct locklab_lab *l)
{
	unsigned long long n = l->rounds, secs = 2 * l->rounds;
	double relax = per_op(l->results[0], n), bare = per_op(l->results[1], n);
	double ks = per_op(l->results[2], secs), ts = per_op(l->results[3], secs);

	printf("handoff: 2 threads, %llu round trips and %llu sections each\n",
	       n, n);
	printf("  round trip, with relax:    %.1f ns (%.1f ns a hand-off)\n",
	       relax, relax / 2);
	printf("  round trip, without relax: %.1f ns (%.1f ns a hand-off)\n",
	       bare, bare / 2);
	printf("  spinlock_t:  %.1f ns/section, %.1f%% hand-overs\n", ks,
	       100.0 * ratio(l->results[4], secs));
	printf("  ticket lock: %.1f ns/section, %.1f%% hand-overs\n", ts,
	       100.0 * ratio(l->results[5], secs));
	printf("  verdict: relax adds %.1f ns a hand-off; ticket/spinlock_t",
	       (relax - bare) / 2);
	printf(" time %.2fx, hand-overs %.2fx\n", ratio(ts, ks),
	       ratio(l->results[5], l->results[4]));
	if (l->results[6] != 2 * secs) {
		printf("  FAIL: %llu sections counted of %llu\n",
		       (unsigned long long)l->results[6], 2 * secs);
		return 2;
	}
	return 0;
}

static int lab_cache(int dev, const struct lab_args *a, uint32_t id)
{
	struct locklab_lab l;
	unsigned long long n;
	double x, y, z;

	if (lab_run(dev, a, id, 0, &l))
		return 1;
	/*
	 * Wall time of each configuration: per operation of one thread (the
	 * threads run side by side), or per acquisition for ttas (the lock
	 * makes them take turns).
	 */
	n = id == LOCKLAB_LAB_TTAS ? l.rounds * l.threads : l.rounds;
	if (id == LOCKLAB_LAB_HANDOFF)
		return lab_handoff(&l);
	x = per_op(l.results[0], n);
	y = per_op(l.results[1], n);
	z = per_op(l.results[2], n);
	switch (id) {
	case LOCKLAB_LAB_FALSE_SHARING:
		printf("false-sharing: %u threads, %llu increments each\n",
		       l.threads, (unsigned long long)l.rounds);
		printf("  one cache line:  %.2f ns/op\n  two cache lines: %.2f ns/op\n",
		       x, y);
		printf("  verdict: sharing a line costs %.2fx\n", ratio(x, y));
		return 0;
	case LOCKLAB_LAB_CMPXCHG:
		printf("cmpxchg: %u threads on one word, %llu ops each\n",
		       l.threads, (unsigned long long)l.rounds);
		printf("  failing cmpxchg:    %.2f ns/op\n", x);
		printf("  succeeding cmpxchg: %.2f ns/op\n", y);
		printf("  plain load:         %.2f ns/op\n", z);
		printf("  verdict: failing/succeeding %.2fx, failing/load %.2fx\n",
		       ratio(x, y), ratio(x, z));
		return 0;
	default:
		printf("ttas: %u threads, %llu acquisitions each\n", l.threads,
		       (unsigned long long)l.rounds);
		printf("  TAS:  %.2f ns/acq, %.2f swaps/acq\n", x,
		       ratio(l.results[2], n));
		printf("  TTAS: %.2f ns/acq, %.2f swaps/acq\n", y,
		       ratio(l.results[3], n));
		printf("  verdict: TAS/TTAS time %.2fx, swaps %.2fx\n",
		       ratio(x, y), ratio(l.results[2], l.results[3]));
		if (l.results[4] != 2 * n) {
			printf("  FAIL: %llu sections counted of %llu\n",
			       (unsigned long long)l.results[4], 2 * n);
			return 2;
		}
		return 0;
	}
}

static int lab_one(int dev, const struct lab_args *a, const struct lab_name *e)
{
	if (e->id < LOCKLAB_LAB_CLOBBER)
		return lab_litmus(dev, a, e);
	if (e->id == LOCKLAB_LAB_CLOBBER)
		return lab_clobber(dev, a);
	return lab_cache(dev, a, e->id);
}

static unsigned long long lab_num(const char *opt, const char *s,
				  unsigned long long max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v > max || *s == '-') {
		fprintf(stderr, "locklab: lab: %s: '%s' is not a number in 0..%llu\n",
			opt, s, max);
		exit(1);
	}
	return v;
}

/* Every ordering of @list must be known. */
static void lab_check_orderings(const char *list)
{
	char buf[128], *tok, *save = NULL;
	unsigned int i;

	if (!strcmp(list, "all"))
		return;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ARRAY_SIZE(lab_ords); i++)
			if (!strcmp(tok, lab_ords[i].name))
				break;
		if (i == ARRAY_SIZE(lab_ords)) {
			fprintf(stderr, "locklab: lab: unknown ordering '%s'\n", tok);
			exit(1);
		}
	}
}

int cmd_lab(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ordering", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct lab_args a = { .orderings = "all" };
	struct locklab_version v;
	const char *name;
	bool help = false;
	unsigned int i;
	int c, dev, ret = 0, r;

	optind = 2;
	while ((c = getopt_long(argc, argv, "o:r:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a.orderings = optarg;
			break;
		case 'r':
			a.rounds = lab_num("--rounds", optarg,
					   LOCKLAB_LAB_MAX_ROUNDS);
			break;
		case 't':
			a.threads = lab_num("--threads", optarg,
					    LOCKLAB_LAB_MAX_THREADS);
			break;
		case 'h':
			help = true;
			break;
		default:
			fputs(lab_usage, stderr);
			return 1;
		}
	}
	name = optind < argc ? argv[optind] : NULL;
	if (help) {
		lab_help(name);
		return 0;
	}
	if (!name || optind + 1 != argc) {
		fputs(lab_usage, stderr);
		return 1;
	}
	lab_check_orderings(a.orderings);
	for (i = 0; i < ARRAY_SIZE(lab_exps); i++)
		if (!strcmp(name, lab_exps[i].name))
			break;
	if (i == ARRAY_SIZE(lab_exps) && strcmp(name, "litmus") &&
	    strcmp(name, "all")) {
		fprintf(stderr, "locklab: lab: unknown experiment '%s' %s\n",
			name, "(see `locklab lab --help`)");
		return 1;
	}
	dev = dev_open();
	dev_handshake(dev, &v);
	if (v.abi_minor < 2) {
		fprintf(stderr, "locklab: lab: the module (ABI %u.%u) has no experiments\n",
			v.abi_major, v.abi_minor);
		return 1;
	}
	if (i < ARRAY_SIZE(lab_exps) && lab_exps[i].id == LOCKLAB_LAB_HANDOFF &&
	    v.abi_minor < 3) {
		fprintf(stderr, "locklab: lab: the module (ABI %u.%u) has no handoff experiment\n",
			v.abi_major, v.abi_minor);
		return 1;
	}
	if (i < ARRAY_SIZE(lab_exps))
		return lab_one(dev, &a, &lab_exps[i]);
	for (i = 0; i < ARRAY_SIZE(lab_exps); i++) {
		if (!strcmp(name, "litmus") && lab_exps[i].id >= 16)
			continue;
		if (lab_exps[i].id == LOCKLAB_LAB_HANDOFF && v.abi_minor < 3)
			continue;	/* ABI 1.3 */
		if (i)
			putchar('\n');
		r = lab_one(dev, &a, &lab_exps[i]);
		if (r == 1)
			return 1;
		if (r > ret)
			ret = r;
	}
	return ret;
}
