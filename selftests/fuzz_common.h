/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of fuzz_test and its checked ioctl: the commands with the
 * errnos the UAPI header lists for each, the pool of opens and objects the
 * tasks share, failures counted in memory shared with the children, and
 * fuzz_call(), which makes one call with a random size, tail and pointer
 * and checks the errno the general format promises for them. One program
 * includes it (after locklab_test.h); the generators are fuzz_gen.h.
 */
#ifndef _LOCKLAB_FUZZ_COMMON_H
#define _LOCKLAB_FUZZ_COMMON_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>

#define NSLOTS		64
#define NFACT		4	/* slots 0..3: opens of /dev/locklab */
#define MAX_THREADS	16
#define MAX_KIDS	2	/* live children per worker */
#define KID_REC(id, k)	(MAX_THREADS + (id) * MAX_KIDS + (k))
#define REC_MAIN	KID_REC(MAX_THREADS, 0)
#define PAGE		4096
#define MSG_MAX		65536
#define KERNEL_PTR	0xffff888000000000ULL
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define rnd(c)		ll_rng_next(&(c)->r)
#define below(c, n)	(rnd(c) % (n))
#define one_in(c, n)	(!below(c, n))
#define stopping()	__atomic_load_n(&stop, __ATOMIC_RELAXED)

struct shared {			/* MAP_SHARED: the children's calls count too */
	uint64_t ioctls, hist[256];
	int nfail, nmsg;
	char fail[16][256];
	const char *fmt[16];
	struct ll_watch rec[REC_MAIN + 1];	/* each task's, for the watchdog */
};

struct slot {		/* kind 0: an open of the device; dev: the open */
	int fd, kind, dev, peer;	/* it came from; peer: a condvar's mutex */
	uint32_t variant;
};

struct ctx {
	struct ll_rng r;
	int id, rec, ops, hh[4], nhh;	/* hh: dups holds are on */
	bool child, top;	/* top: a worker (forks, signals, spawns) */
	char *arena, *msg, *ro;	/* 2 pages, MSG_MAX bytes (+ guards); r/o */
	pid_t kids[MAX_KIDS];
};

enum { C_VERSION, C_LIST, C_BENCH, C_CREATE, C_LIMITS, C_OP, C_STATS,
	C_ARC, C_CHAN, C_LAB, C_NR };

#define CMD(c, t, min, ...) \
	{ c, #c + 12, sizeof(t), (min) ?: sizeof(t), { __VA_ARGS__, 0 } }

static const struct {
	unsigned long cmd;
	const char *name;
	size_t size, min;
	int own[10];		/* errnos besides the general ones */
} cmds[C_NR] = {
	CMD(LOCKLAB_IOC_VERSION, struct locklab_version, 0, 0),
	CMD(LOCKLAB_IOC_LIST, struct locklab_list, 0, ENOENT),
	CMD(LOCKLAB_IOC_BENCH, struct locklab_bench,
	    offsetof(struct locklab_bench, read_pct), EINTR, ETIMEDOUT),
	CMD(LOCKLAB_IOC_CREATE, struct locklab_create, 0, 0),
	CMD(LOCKLAB_IOC_LIMITS, struct locklab_limits, 0, 0),
	/* Its first version ended at @wait_ns: @retries came later. */
	CMD(LOCKLAB_IOC_OP, struct locklab_op,
	    offsetof(struct locklab_op, retries), EINTR, ETIMEDOUT, EBUSY,
	    EPERM, EDEADLK, EOVERFLOW, EOWNERDEAD, EOPNOTSUPP, ENOLCK),
	/* Its first version ended at @counter: @id came later. */
	CMD(LOCKLAB_IOC_STATS, struct locklab_stats,
	    offsetof(struct locklab_stats, id), 0),
	CMD(LOCKLAB_IOC_ARC, struct locklab_arc_op, 0, ENOENT, EBUSY,
	    EOPNOTSUPP),
	CMD(LOCKLAB_IOC_CHAN, struct locklab_chan_op, 0, EINTR, ETIMEDOUT,
	    EAGAIN, EPIPE, EMSGSIZE, EBUSY),
	/* Known, so never a near miss; left zeroed (experiment 0): EINVAL. */
	CMD(LOCKLAB_IOC_LAB, struct locklab_lab, 0, EINTR, ETIMEDOUT,
	    EOPNOTSUPP),
};

static const int general_errs[] = { EFAULT, EINVAL, E2BIG, ENOTTY, ENOMEM,
				    ENOSPC, EMFILE, EBADF, 0 };

union arg {
	char raw[256];		/* first: "= { }" clears it all */
	struct locklab_version v;
	struct locklab_list l;
	struct locklab_bench b;
	struct locklab_create cr;
	struct locklab_op op;
	struct locklab_arc_op arc;
	struct locklab_chan_op ch;
	struct locklab_lab lab;
};

static struct shared *sh;
static struct slot pool[NSLOTS];
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* Count a failure; keep its message unless the same one (format, command). */
static void fail(const char *fmt, ...)
{
	unsigned int i;
	char msg[256];
	va_list ap;

	__atomic_fetch_add(&sh->nfail, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; i < ARRAY_SIZE(sh->fail) && sh->fmt[i]; i++)
		if (sh->fmt[i] == fmt && !strncmp(sh->fail[i], msg, 8))
			return;
	i = __atomic_fetch_add(&sh->nmsg, 1, __ATOMIC_RELAXED);
	if (i < ARRAY_SIZE(sh->fail))
		strcpy(sh->fail[i], msg), sh->fmt[i] = fmt;
}

static const char *ename(int e)
{
	return e ? strerrorname_np(e) ?: "E?" : "success";
}

static int cmd_index(unsigned long cmd)
{
	int i = C_NR;

	while (i-- && cmds[i].cmd != cmd)
		;
	return i;
}

/* Slots change under the pool lock; a child shares its pool with nobody. */
static void pool_lk(struct ctx *c, bool lock)
{
	if (!c->child)
		(lock ? pthread_mutex_lock : pthread_mutex_unlock)(&pool_lock);
}

/* One ioctl: watched, counted, its errno checked against the header. */
static int xioctl(struct ctx *c, int fd, unsigned long cmd, void *arg)
{
	int i = cmd_index(cmd), err;

	ll_watch_enter(&sh->rec[c->rec], cmd, fd);
	err = ioctl(fd, cmd, arg) ? errno : 0;
	ll_watch_leave(&sh->rec[c->rec]);
	__atomic_fetch_add(&sh->ioctls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sh->hist[err & 255], 1, __ATOMIC_RELAXED);
	if (err && (i < 0 ? err != ENOTTY && err != EBADF :
		    !ll_in_list(general_errs, err) &&
		    !ll_in_list(cmds[i].own, err)))
		fail("%s (0x%lx) on fd %d: %s is not listed for it",
		     i < 0 ? "unknown command" : cmds[i].name, cmd, fd,
		     ename(err));
	return err;
}

/* A size around the structure's; *tail: 1 zero, 2 non-zero bytes past it. */
static uint32_t pick_size(struct ctx *c, size_t sz, size_t min, int *tail)
{
	uint32_t m = below(c, 20), r = rnd(c);
	const uint32_t v[] = { 0, 1, 4, min - 1, min, PAGE + 1, ~0U, r };

	if (m < ARRAY_SIZE(v))
		return v[m];
	if (m >= 12)
		return sz;
	*tail = 1 + (m & 1);
	return m < 10 ? sz + 1 + r % (PAGE - sz) : PAGE;
}

enum { P_OK, P_NULL, P_KERNEL, P_LOW, P_NONCANON, P_STRADDLE, P_RO };

/*
 * Make @cmd on @fd with the structure of cmds[@ci] in @st; if @mutate,
 * with a random size, tail and pointer, checking the errno the general
 * format promises for them. Returns the errno; *@back: @st was read back.
 * An fd output field starts as -2: a call that made an fd changes it.
 */
static int fuzz_call(struct ctx *c, int fd, unsigned long cmd, int ci,
		     void *st, bool mutate, bool *back)
{
	static const uint64_t bad[] = { 0, KERNEL_PTR, 0x1000, 1ULL << 63 };
	static const int w_fault[] = { EFAULT, EINVAL, 0 }, w_tty[] = { ENOTTY, 0 };
	static const int w_big[] = { E2BIG, EINVAL, 0 }, w_small[] = { EINVAL, 0 };
	static const int w_straddle[] = { EFAULT, EINVAL, E2BIG, 0 };
	size_t sz = cmds[ci].size, min = cmds[ci].min;
	int pm = mutate && one_in(c, 3) ? 1 + below(c, P_RO) : P_OK, tail = 0;
	uint32_t usize = mutate ? pick_size(c, sz, min, &tail) : sz;
	char *ro = c->arena + below(c, 2) * PAGE;	/* P_RO: this page */
	char *w = c->arena + (pm == P_RO ? PAGE - 8 * below(c, 6) :
			      mutate && one_in(c, 4) ? below(c, 64) : 0);
	const int *want;
	char *p = w;
	int err;

	*(uint32_t *)st = usize;
	memcpy(w, st, sz);
	if (tail)
		memset(w + sz, 0, usize - sz);
	if (tail == 2)
		w[sz + below(c, usize - sz)] = 1 + below(c, 255);
	if (pm >= P_NULL && pm <= P_NONCANON)
		p = (char *)(uintptr_t)bad[pm - P_NULL];
	if (pm == P_STRADDLE)	/* size and flags readable, then a guard */
		p = memcpy(c->arena + 2 * PAGE - 8, st, 8);
	if (pm == P_RO)		/* all of it, or across a RW/RO boundary */
		mprotect(ro, PAGE, PROT_READ);
	err = xioctl(c, fd, cmd, p);
	if (pm == P_RO)
		mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	*back = pm == P_OK || pm == P_RO;
	if (*back)
		memcpy(st, w, sz);
	want = cmd != cmds[ci].cmd ? w_tty : pm == P_STRADDLE ? w_straddle :
	       pm != P_OK && pm != P_RO ? w_fault : usize < min ? w_small :
	       usize > PAGE || tail == 2 ? w_big : NULL;
	/* EINVAL: the wrong fd for the command; EBADF, ENOTTY: closed fd. */
	if (want && err != EBADF && (want == w_tty || err != ENOTTY) &&
	    !ll_in_list(want, err))
		fail("%s (0x%lx) fd %d size %u tail %d pointer %d: %s",
		     cmds[ci].name, cmd, fd, usize, tail, pm, ename(err));
	return err;
}

/* A random slot of @kind (made through @dev, unless -1), or -1. */
static int find_slot(struct ctx *c, int kind, int dev)
{
	int i, s = below(c, NSLOTS);

	for (i = 0; i < NSLOTS; i++, s = (s + 1) % NSLOTS)
		if (pool[s].fd >= 0 && pool[s].kind == kind &&
		    (dev < 0 || pool[s].dev == dev))
			return s;
	return -1;
}

/* Put a new fd into slot @j, or a random one (opens of the device: 0..3). */
static void adopt(struct ctx *c, int j, int fd, int kind, uint32_t variant,
		  int dev, int peer)
{
	int old;

	if (j < 0)
		j = kind ? NFACT + below(c, NSLOTS - NFACT) : below(c, NFACT);
	pool_lk(c, true);
	old = pool[j].fd;
	pool[j] = (struct slot){ fd, kind, kind ? dev : fd,
				 kind == LOCKLAB_KIND_CONDVAR ? peer : -1, variant };
	pool_lk(c, false);
	if (old >= 0)
		close(old);
}

/* A well-formed LOCKLAB_IOC_OP; a blocking @op needs TIMEOUT in @flags. */
static int do_op(struct ctx *c, int fd, uint32_t op, uint32_t flags,
		 uint64_t timeout_ns)
{
	struct locklab_op o = { .op = op, .flags = flags,
				.timeout_ns = timeout_ns };
	bool back;

	return fuzz_call(c, fd, LOCKLAB_IOC_OP, C_OP, &o, false, &back);
}

/* End this thread's holds: unlock their dups, or close them (owner death). */
static void release_holds(struct ctx *c)
{
	for (; c->nhh; close(c->hh[--c->nhh])) {
		if (one_in(c, 2))
			continue;
		do_op(c, c->hh[c->nhh - 1], LOCKLAB_OP_UNLOCK, 0, 0);
		do_op(c, c->hh[c->nhh - 1], LOCKLAB_OP_READ_UNLOCK, 0, 0);
		do_op(c, c->hh[c->nhh - 1], LOCKLAB_OP_UPGRADABLE_UNLOCK, 0, 0);
	}
}

/* A private dup of @fd to take a hold on (or @fd if none can be had). */
static int hold_fd(struct ctx *c, int fd)
{
	if (c->nhh == ARRAY_SIZE(c->hh))
		release_holds(c);
	c->hh[c->nhh] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return c->hh[c->nhh] < 0 ? fd : c->hh[c->nhh++];
}

#endif /* _LOCKLAB_FUZZ_COMMON_H */
