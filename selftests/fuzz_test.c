// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ioctl fuzzer. Worker threads and forked children (some killed
 * mid-run) make random and near-valid LOCKLAB_IOC_* calls (near-miss and
 * random numbers, sizes, tails, flags, reserved fields, op codes, hold
 * times; NULL, kernel, unmapped, non-canonical, guard-page-straddling and
 * read-only pointers) on a shared pool of /dev/locklab opens and objects of
 * every kind and variant, while fds are closed and dup2()ed over under other
 * threads' calls, tasks are signalled or die holding locks, and module
 * parameters change. Asserted: every errno is one the UAPI header lists for
 * the command (EBADF also: a closed fd); bad pointers, sizes and tails get
 * the general format's errno, unknown numbers ENOTTY; a failed call made no
 * fd; CREATE refuses what has no objects; parameters refuse values out of
 * range; no ioctl lasts 5 s; at the end a fresh open shows no objects and no
 * charge but its own, and a module's refcnt is back. Not asserted: what
 * successful calls return. The fuzzer never waits long itself: each wait
 * has a timeout of at most 5 ms or NONBLOCK, but spin holds (bounded) on fds
 * checked to be spin locks; holds are taken on dups only their holder closes.
 * LOCKLAB_FUZZ_SEED (default: time), LOCKLAB_FUZZ_SECONDS (30),
 * LOCKLAB_FUZZ_THREADS (4): each thread's op sequence follows from the seed.
 * The pool and the checked call are fuzz_common.h, the generators fuzz_gen.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "locklab_test.h"
#include "fuzz_common.h"
#include "fuzz_gen.h"

/* Values each parameter must take; "!": must refuse. */
static const char *const params[][8] = {
	{ "max_objects", "1", "8", "64", "!0", "!1048577", "!abc" },
	{ "max_hold_ns", "0", "1000", "1000000", "!1000001", "!4294967296" },
	{ "bench_max_ms", "1", "5", "20", "!0", "!600001" },
	{ "max_open_bytes", "4096", "65536", "1048576", "!4095", "!17179869185" },
	{ "max_user_bytes", "4096", "1048576", "!4095", "!68719476737" },
	{ "chan_mpsc_max_bytes", "64", "4096", "!63", "!1073741825" },
	{ "wait_buckets", "!64" },
};

static pthread_mutex_t param_lock = PTHREAD_MUTEX_INITIALIZER;
static char param_orig[ARRAY_SIZE(params)][32];
static pthread_t workers[MAX_THREADS];
static int nthreads, go, stop, done;

static void on_usr1(int sig)
{
}

/* The main action: one random call on a random slot, or refill it. */
static void fuzz_ioctl(struct ctx *c)
{
	static const uint8_t dev[] = { C_VERSION, C_LIST, C_CREATE, C_CREATE,
				       C_CREATE, C_LIMITS, C_BENCH };
	struct locklab_stats st = { .size = sizeof(st) };
	int s = below(c, NSLOTS), into = -1, ci, err, nfd;
	bool untimed = false, back;
	struct slot sl = pool[s];
	unsigned long cmd;
	union arg u = { };

	if (sl.fd < 0 && !one_in(c, 4)) {
		into = s;	/* CREATE into the empty slot */
		sl = pool[below(c, NFACT)];
	}
	ci = sl.kind == LOCKLAB_KIND_ARC ? C_ARC :
	     sl.kind == LOCKLAB_KIND_CHANNEL ? C_CHAN : C_OP;
	if (into >= 0)
		ci = C_CREATE;
	else if (one_in(c, 5))
		ci = below(c, C_NR);
	else if (sl.kind == 0)
		ci = dev[below(c, ARRAY_SIZE(dev))];
	else if (one_in(c, 8))
		ci = C_STATS;
	if (ci == C_BENCH && !one_in(c, 15))
		ci = C_LIMITS;	/* BENCH serializes the module: rarely */
	cmd = one_in(c, 12) ? near_cmd(c, ci) : cmds[ci].cmd;
	if (sl.fd < 0)
		sl.fd = 3 + below(c, NSLOTS + 32);
	/* flags is the second word of every structure */
	u.v.flags = pick_flags(c, ci == C_STATS ? LOCKLAB_STATS_RESET : 0);
	if (ci == C_VERSION) {
		u.v.__reserved = pick_flags(c, 0);
	} else if (ci == C_LIST) {
		u.l.index = one_in(c, 8) ? rnd(c) : below(c, 48);
	} else if (ci == C_BENCH) {
		fill_bench(c, &u.b);
	} else if (ci == C_CREATE) {
		fill_create(c, &u.cr, sl.fd);
	} else if (ci == C_OP) {
		fill_op(c, &u.op, sl.kind, &untimed);
		if (cmd == cmds[ci].cmd && op_in(u.op.op, OPS_TAKE))
			sl.fd = hold_fd(c, sl.fd);
	} else if (ci == C_ARC) {
		u.arc.op = one_in(c, 10) ? rnd(c) % 8 : 1 + below(c, 5);
		u.arc.flags = pick_flags(c, LOCKLAB_CREATE_CLOEXEC);
		u.arc.fd = -2;
	} else if (ci == C_CHAN) {
		fill_chan(c, &u.ch);
	}
	if (untimed) {
		/*
		 * On a private dup, that nobody replaces, of a spin lock (or
		 * of a seqlock, whose writer spins).
		 */
		err = sl.fd;
		sl.fd = hold_fd(c, err);
		if (sl.fd == err || xioctl(c, sl.fd, LOCKLAB_IOC_STATS, &st) ||
		    (int)st.kind != sl.kind)
			u.op.flags |= LOCKLAB_OP_NONBLOCK;
	}
	err = fuzz_call(c, sl.fd, cmd, ci, &u, one_in(c, 2), &back);
	if (cmd != cmds[ci].cmd || !back)
		return;
	nfd = ci == C_CREATE ? u.cr.fd : ci == C_ARC && u.arc.op - 1 < 3 ?
	      u.arc.fd : ci == C_CHAN && u.ch.op - 3 < 2 ? u.ch.fd : -2;
	/* A failure must not leave a new fd behind (it is in the field). */
	if (err == EFAULT && nfd != -2 && fcntl(nfd, F_GETFD) >= 0)
		fail("%s: EFAULT, yet it installed fd %d", cmds[ci].name, nfd);
	else if (err || nfd == -2)
		return;
	if (ci == C_CREATE && !creatable(u.cr.kind, u.cr.variant))
		fail("CREATE made kind %u variant %u", u.cr.kind, u.cr.variant);
	if (ci == C_CREATE)
		adopt(c, into, nfd, u.cr.kind, u.cr.variant, sl.fd,
		      u.cr.mutex_fd);
	else
		adopt(c, find_slot(c, ci == C_ARC ? LOCKLAB_KIND_ARC :
				   LOCKLAB_KIND_CHANNEL, -1), nfd,
		      ci == C_ARC ? LOCKLAB_KIND_ARC : LOCKLAB_KIND_CHANNEL,
		      sl.variant, sl.dev, -1);
}

/* pthread_cond_wait() as meant: lock, maybe notify, wait, maybe unlock. */
static void act_condvar(struct ctx *c)
{
	int s = find_slot(c, LOCKLAB_KIND_CONDVAR, -1), m;

	if (s < 0)
		return;
	m = hold_fd(c, pool[s].peer);
	do_op(c, m, LOCKLAB_OP_LOCK, LOCKLAB_OP_TIMEOUT, pick_timeout(c));
	if (one_in(c, 3))
		do_op(c, pool[s].fd, LOCKLAB_OP_NOTIFY_ONE + below(c, 2), 0, 0);
	do_op(c, pool[s].fd, LOCKLAB_OP_WAIT, LOCKLAB_OP_TIMEOUT,
	      pick_timeout(c));
	if (one_in(c, 2))
		do_op(c, m, LOCKLAB_OP_UNLOCK, 0, 0);
}

static void act_close(struct ctx *c)
{
	int s = below(c, NSLOTS), fd;

	pool_lk(c, true);
	fd = pool[s].fd;
	pool[s].fd = -1;
	pool_lk(c, false);
	if (fd >= 0)
		close(fd);
}

/* dup2() over a slot, or dup() into one. */
static void act_dup(struct ctx *c)
{
	int a = below(c, NSLOTS), b = below(c, NSLOTS), old = -1;
	struct slot src;

	pool_lk(c, true);
	src = pool[a];
	if (src.fd >= 0 && pool[b].fd >= 0 && one_in(c, 2)) {
		src.fd = dup2(src.fd, pool[b].fd);
	} else if (src.fd >= 0) {
		old = pool[b].fd;
		src.fd = fcntl(src.fd, F_DUPFD_CLOEXEC, 3 + below(c, 64));
	}
	if (src.fd >= 0)
		pool[b] = src;
	pool_lk(c, false);
	if (old >= 0 && src.fd >= 0)
		close(old);
}

static void act_open(struct ctx *c)	/* fails ENOSPC when budgets are low */
{
	adopt(c, -1, open(LL_DEV, O_RDWR | O_CLOEXEC), 0, 0, 0, 0);
}

/* One parameter: a value in or out of its range, or the original. */
static void act_param(struct ctx *c)
{
	unsigned int i = below(c, ARRAY_SIZE(params)), n;
	static const int refused[] = { EINVAL, ERANGE, EACCES, 0 };
	const char *v, *name = params[i][0];
	int err, bad;

	if (pthread_mutex_trylock(&param_lock))
		return;
	for (n = 1; n < 8 && params[i][n]; n++)
		;
	v = params[i][1 + below(c, n - 1)];
	if (param_orig[i][0] && params[i][1][0] != '!' && one_in(c, 2))
		v = param_orig[i];
	bad = v[0] == '!';
	err = ll_param_errno(name, v + bad);
	if (bad ? !ll_in_list(refused, err) : err != 0)
		fail("parameter %s = %s: %s", name, v + bad, ename(err));
	pthread_mutex_unlock(&param_lock);
}

static void reap(struct ctx *c, bool block)
{
	int k, st;

	for (k = 0; k < MAX_KIDS; k++) {
		if (c->kids[k] <= 0 ||
		    waitpid(c->kids[k], &st, block ? 0 : WNOHANG) <= 0)
			continue;
		if (WIFSIGNALED(st) ? WTERMSIG(st) != SIGKILL : WEXITSTATUS(st))
			fail("child %d: status 0x%x", c->kids[k], st);
		c->kids[k] = 0;
		sh->rec[KID_REC(c->id, k)].t = 0;
	}
}

static void action(struct ctx *c);

/* A child: a few hundred actions on its copies of the fds, maybe killed. */
static void act_fork(struct ctx *c)
{
	struct rlimit rl = { 3 + NSLOTS + 40, 3 + NSLOTS + 40 };
	int k, n;

	for (k = 0; k < MAX_KIDS && c->kids[k] > 0; k++)
		;
	if (k == MAX_KIDS)
		return;
	n = rnd(c);
	c->kids[k] = fork();	/* -1: no child, the slot stays free */
	if (c->kids[k])
		return;
	ll_rng_seed(&c->r, n);
	c->child = true;
	c->top = false;
	c->rec = KID_REC(c->id, k);
	sh->rec[c->rec].tid = getpid();
	c->nhh = 0;
	if (one_in(c, 8))	/* few free fds: new fds meet EMFILE */
		setrlimit(RLIMIT_NOFILE, &rl);
	for (n = 100 + below(c, 300); n > 0; n--)
		action(c);
	_exit(0);
}

static void act_signal(struct ctx *c)
{
	int k = below(c, MAX_KIDS);

	if (one_in(c, 3) && c->kids[k] > 0)
		kill(c->kids[k], one_in(c, 2) ? SIGKILL : SIGUSR1);
	else if (!stopping())
		pthread_kill(workers[below(c, nthreads)], SIGUSR1);
}

static void action(struct ctx *c)
{
	static void (*const acts[1000])(struct ctx *c) = {
		[0 ... 809] = fuzz_ioctl, [810 ... 859] = act_condvar,
		[860 ... 874] = act_close, [875 ... 909] = act_dup,
		[910 ... 919] = act_open, [920 ... 939] = release_holds,
		[940 ... 959] = act_fork, [960 ... 989] = act_signal,
		[990 ... 994] = act_param, [995 ... 999] = fuzz_ioctl,
	};
	unsigned int a = below(c, 1000);

	if (++c->ops % 32 == 0)
		release_holds(c);
	if (c->top)
		reap(c, false);
	(a >= 940 && !c->top ? fuzz_ioctl : acts[a])(c);
}

static struct ctx *ctx_new(int id, int rec, uint64_t seed)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char *m = mmap(NULL, 6 * PAGE + MSG_MAX, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!c || m == MAP_FAILED)
		abort();
	*c = (struct ctx){ .id = id, .rec = rec, .arena = m,
			   .msg = m + 3 * PAGE, .ro = m + 4 * PAGE + MSG_MAX };
	ll_rng_seed(&c->r, seed);
	mprotect(m + 2 * PAGE, PAGE, PROT_NONE);
	mprotect(c->msg + MSG_MAX, PAGE, PROT_NONE);
	mprotect(c->ro, 2 * PAGE, PROT_READ);
	return c;
}

static void *worker_main(void *arg)
{
	struct ctx *c = arg;
	int k;

	sh->rec[c->rec].tid = gettid();
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		usleep(1000);
	while (!stopping())
		action(c);
	for (k = 0; k < MAX_KIDS; k++)
		if (c->kids[k] > 0)
			kill(c->kids[k], SIGKILL);
	reap(c, true);		/* a child stuck in an ioctl: the watchdog */
	__atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
	return NULL;		/* with its holds: main closes c->hh */
}

/* An object of every spec, round-robin over the opens. */
static void setup_pool(struct ctx *c)
{
	int i, err, dev, n = NFACT, mslot[4] = { NFACT, NFACT, NFACT, NFACT };
	struct locklab_create cr;
	bool back;

	memset(pool, -1, sizeof(pool));
	for (i = 0; i < NFACT; i++)
		adopt(c, i, open(LL_DEV, O_RDWR | O_CLOEXEC), 0, 0, 0, 0);
	for (i = 0; i < (int)ARRAY_SIZE(specs); i++) {
		cr = (struct locklab_create){ .flags = LOCKLAB_CREATE_CLOEXEC,
			.kind = specs[i][0], .variant = specs[i][1],
			.params = { specs[i][2], specs[i][3] } };
		dev = pool[i % NFACT].fd;
		if (cr.kind == LOCKLAB_KIND_CONDVAR && cr.variant < 4) {
			/* The 2state/3state/spin mutex, through its open. */
			dev = pool[mslot[cr.variant]].dev;
			cr.mutex_fd = pool[mslot[cr.variant]].fd;
		}
		err = fuzz_call(c, dev, LOCKLAB_IOC_CREATE, C_CREATE, &cr,
				false, &back);
		if (!err != creatable(cr.kind, cr.variant))
			fail("setup: CREATE kind %u variant %u: %s", cr.kind,
			     cr.variant, ename(err));
		if (!err && cr.kind == LOCKLAB_KIND_MUTEX && cr.variant < 4)
			mslot[cr.variant] = n;
		if (!err)
			adopt(c, n++, cr.fd, cr.kind, cr.variant, dev, cr.mutex_fd);
	}
}

static int report(unsigned long long seed)
{
	int i;

	for (i = 0; i < sh->nmsg && i < (int)ARRAY_SIZE(sh->fail); i++)
		printf("# FAIL: %s\n", sh->fail[i]);
	printf("%s 1 fuzz (seed %llu, %d failures)\n",
	       sh->nfail ? "not ok" : "ok", seed, sh->nfail);
	fflush(stdout);
	return sh->nfail ? 1 : 0;
}

int main(void)
{
	unsigned long long seed = ll_env_ull("LOCKLAB_FUZZ_SEED",
					     time(NULL) ^ getpid());
	long secs = ll_env_ull("LOCKLAB_FUZZ_SECONDS", 30), ref0, ref1;
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct ctx *mc, *w[MAX_THREADS];
	struct locklab_limits l0, l1;
	uint64_t end;
	int i, err;

	printf("# fuzz seed: %llu\nTAP version 13\n", seed);
	nthreads = ll_env_ull("LOCKLAB_FUZZ_THREADS", 4);
	if (nthreads < 1 || nthreads > MAX_THREADS || secs < 1)
		nthreads = 4, secs = 30;
	if (access(LL_DEV, F_OK)) {
		printf("1..0 # SKIP %s missing: locklab not loaded\n", LL_DEV);
		return 4;
	}
	printf("1..1\n# fuzz: %d threads, %ld s\n", nthreads, secs);
	fflush(stdout);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		abort();
	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: EINTR */
	alarm(secs + 60);		/* in case the watchdog hangs too */

	ref0 = ll_read_long("/sys/module/locklab/refcnt");
	err = ll_fresh_limits(&l0);
	if (err || l0.objects)
		fail("fresh open: LIMITS %s, %u objects", ename(err), l0.objects);
	for (i = 0; i < (int)ARRAY_SIZE(params); i++)
		ll_read_param(params[i][0], param_orig[i], sizeof(param_orig[i]));
	mc = ctx_new(MAX_THREADS, REC_MAIN, seed);
	sh->rec[mc->rec].tid = gettid();
	setup_pool(mc);
	for (i = 0; i < nthreads; i++) {
		w[i] = ctx_new(i, i, seed + 1 + i);
		w[i]->top = true;
		if (pthread_create(&workers[i], NULL, worker_main, w[i]))
			abort();
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (end = ll_now_ns() + secs * 1000 * MS;
	     __atomic_load_n(&done, __ATOMIC_ACQUIRE) < nthreads; usleep(50000)) {
		if (ll_now_ns() >= end)
			__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
		if (ll_watch_stuck(sh->rec, REC_MAIN + 1, 5000 * MS) >= 0 ||
		    ll_now_ns() > end + 30000 * MS) {
			fail("watchdog: an ioctl hung, or the run overran 30 s");
			_exit(report(seed));
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(workers[i], NULL);
		while (w[i]->nhh)
			close(w[i]->hh[--w[i]->nhh]);
	}
	for (i = 0; i < NSLOTS; i++)
		if (pool[i].fd >= 0)
			close(pool[i].fd);
	for (i = 0; i < (int)ARRAY_SIZE(params); i++)
		if (param_orig[i][0] && params[i][1][0] != '!' &&
		    ll_param_errno(params[i][0], param_orig[i]))
			fail("could not restore parameter %s", params[i][0]);
	/* Nothing left charged or referenced (2 s: holds of the dead). */
	end = ll_now_ns() + 2000 * MS;
	do {
		err = ll_fresh_limits(&l1);
		ref1 = ll_read_long("/sys/module/locklab/refcnt");
	} while ((err || l1.user_bytes != l0.user_bytes || l1.objects ||
		  ref1 != ref0) && ll_now_ns() < end && !usleep(20000));
	if (err || l1.user_bytes != l0.user_bytes || l1.objects || ref1 != ref0)
		fail("leak: fresh open: user_bytes %llu (at the start %llu), "
		     "%u objects (%s); module refcnt %ld (%ld)",
		     (unsigned long long)l1.user_bytes,
		     (unsigned long long)l0.user_bytes, l1.objects, ename(err),
		     ref1, ref0);
	printf("# fuzz: %llu ioctls\n# ioctl succeeded: %llu\n",
	       (unsigned long long)sh->ioctls, (unsigned long long)sh->hist[0]);
	for (i = 1; i < 256; i++)
		if (sh->hist[i])
			printf("# errno %s: %llu\n", ename(i),
			       (unsigned long long)sh->hist[i]);
	return report(seed);
}
