/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the robust_*_test programs (holders that die, descriptors
 * that come and go around blocked waits): agents, threads that run one
 * request at a time so that a test can block one in the kernel and see
 * whether it returned; close(dup(fd)) storms; holder processes; STATS and
 * channel shorthands. Include after kselftest_harness.h and locklab_test.h.
 */
#ifndef _LOCKLAB_ROBUST_COMMON_H
#define _LOCKLAB_ROBUST_COMMON_H

#include <pthread.h>
#include <stddef.h>
#include <sys/prctl.h>

#define LONG_NS		(10000 * MS)
#define TMO		LOCKLAB_OP_TIMEOUT
#define NB		LOCKLAB_OP_NONBLOCK
#define OP(x)		LOCKLAB_OP_##x
#define CH(x)		LOCKLAB_CHAN_##x
#define K_MUTEX		LOCKLAB_KIND_MUTEX
#define K_RW		LOCKLAB_KIND_RWLOCK
#define K_CV		LOCKLAB_KIND_CONDVAR
#define K_CHAN		LOCKLAB_KIND_CHANNEL

/*
 * LOCKLAB_ROBUST_SHORT=1 (vm-selftests.sh --short, the secondary kernels):
 * fewer trials and rounds, shorter storms and races, the same assertions.
 * The full runs are on 6.1 and on the debug kernel.
 */
static inline bool rb_short(void)
{
	return ll_env_ull("LOCKLAB_ROBUST_SHORT", 0) != 0;
}

/* @full, or @brief in a short run. */
static inline unsigned int rb_pick(unsigned int full, unsigned int brief)
{
	return rb_short() ? brief : full;
}

/* The fixtures' device; skips the test when the module is not loaded. */
static inline int rb_setup(struct __test_metadata *_metadata)
{
	int dev;

	if (ll_dev_missing(&dev))
		SKIP(return -1, LL_MISSING);
	ASSERT_LE(0, dev);
	return dev;
}

/* A NONBLOCK op. */
static inline int rb_nb(int fd, uint32_t op)
{
	return ll_op_full(fd, op, NB, 0, 0, NULL);
}

static inline uint64_t rb_stat(int fd, size_t off)
{
	struct locklab_stats st;

	if (ll_stats(fd, &st))
		return ~0ULL;
	return *(uint64_t *)((char *)&st + off);
}

#define STAT(fd, field)	rb_stat(fd, offsetof(struct locklab_stats, field))

/* Wait until @fd counted one more contended wait than @before. */
static inline bool rb_wait_contended(int fd, uint64_t before, double secs)
{
	double end = ll_now() + secs;

	while (STAT(fd, contended) <= before) {
		if (ll_now() > end)
			return false;
		usleep(500);
	}
	return true;
}

static inline int rb_recv(int fd, uint32_t flags, char *buf, uint32_t *len)
{
	memset(buf, 0, 64);
	*len = 64;
	return ll_chan(fd, CH(RECV), flags, buf, len,
		       flags & TMO ? 5000 * MS : 0, NULL);
}

static inline int rb_send(int fd, uint32_t flags, const char *msg)
{
	uint32_t len = strlen(msg);

	return ll_chan(fd, CH(SEND), flags, (void *)msg, &len,
		       flags & TMO ? 5000 * MS : 0, NULL);
}

#define RB_NCHANS	5

/* Channel variant @v of RB_NCHANS (all of them): { variant, capacity }. */
static inline const uint32_t *rb_chan(int v)
{
	static const uint32_t chans[RB_NCHANS][2] = {
		{ LOCKLAB_CHANNEL_MPSC, 0 }, { LOCKLAB_CHANNEL_ONESHOT, 0 },
		{ LOCKLAB_CHANNEL_BOUNDED, 4 }, { LOCKLAB_CHANNEL_RENDEZVOUS, 0 },
		{ LOCKLAB_CHANNEL_KERNEL, 4 },
	};

	return chans[v];
}

/* --- Agents: threads that run one request at a time --------------------- */

enum { A_IDLE, A_OP, A_CHAN, A_EXIT, A_QUIT };

struct agent {
	pthread_t t;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int req;		/* A_*, back to A_IDLE once done */
	int fd, ret;
	uint32_t op, flags, len;
	uint64_t tmo;
	char buf[64];
	double t_end;		/* when the last request returned, or exit */
};

static inline void *agent_main(void *p)
{
	struct agent *a = p;
	int req, ret;

	for (;;) {
		pthread_mutex_lock(&a->mu);
		while (!a->req)
			pthread_cond_wait(&a->cv, &a->mu);
		req = a->req;
		pthread_mutex_unlock(&a->mu);
		if (req == A_QUIT)
			return NULL;
		if (req == A_EXIT) {
			/* A holder that dies right after taking the time. */
			a->t_end = ll_now();
			pthread_exit(NULL);
		}
		if (req == A_OP)
			ret = ll_op_full(a->fd, a->op, a->flags, 0, a->tmo, NULL);
		else
			ret = ll_chan(a->fd, a->op, a->flags, a->buf, &a->len,
				      a->tmo, NULL);
		pthread_mutex_lock(&a->mu);
		a->ret = ret;
		a->t_end = ll_now();
		a->req = A_IDLE;
		pthread_mutex_unlock(&a->mu);
	}
}

static inline void agent_start(struct agent *a)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (pthread_create(&a->t, NULL, agent_main, a))
		abort();
}

static inline bool agent_busy(struct agent *a)
{
	bool busy;

	pthread_mutex_lock(&a->mu);
	busy = a->req;
	pthread_mutex_unlock(&a->mu);
	return busy;
}

/* The result of the last request, or -1 if it is still running. */
static inline int agent_wait(struct agent *a, double secs)
{
	double end = ll_now() + secs;

	while (agent_busy(a)) {
		if (ll_now() > end)
			return -1;
		usleep(200);
	}
	return a->ret;
}

/* Start a request; @msg: what to SEND, or NULL (RECV: 64 bytes of room). */
static inline void agent_post(struct agent *a, int req, int fd,
			      uint32_t op, uint32_t flags, uint64_t tmo,
			      const char *msg)
{
	agent_wait(a, 20);
	pthread_mutex_lock(&a->mu);
	a->fd = fd;
	a->op = op;
	a->flags = flags;
	a->tmo = tmo;
	memset(a->buf, 0, sizeof(a->buf));
	a->len = msg ? strlen(msg) : sizeof(a->buf);
	if (msg)
		memcpy(a->buf, msg, a->len);
	a->req = req;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static inline void agent_op(struct agent *a, int fd, uint32_t op,
			    uint32_t flags)
{
	agent_post(a, A_OP, fd, op, flags, flags & TMO ? LONG_NS : 0, NULL);
}

static inline int agent_call(struct agent *a, int fd, uint32_t op,
			     uint32_t flags)
{
	agent_op(a, fd, op, flags);
	return agent_wait(a, 20);
}

/* Let the agent die (pthread_exit); returns the time it exited. */
static inline double agent_exit(struct agent *a)
{
	agent_post(a, A_EXIT, -1, 0, 0, 0, NULL);
	pthread_join(a->t, NULL);
	return a->t_end;
}

static inline void agent_stop(struct agent *a)
{
	if (agent_wait(a, 20) < 0)
		return;		/* stuck in the kernel: leave it */
	agent_post(a, A_QUIT, -1, 0, 0, 0, NULL);
	pthread_join(a->t, NULL);
}

/* --- close(dup(fd)) storms and holder processes -------------------------- */

struct storm {
	int fd[2];
	bool stop;
	long n, errors;
	pthread_t t;
};

static inline void *storm_main(void *p)
{
	struct storm *s = p;
	int i, d;

	while (!get_flag(&s->stop)) {
		for (i = 0; i < 2; i++) {
			if (s->fd[i] < 0)
				continue;
			d = dup(s->fd[i]);
			if (d < 0)
				s->errors++;
			else
				close(d);
		}
		s->n++;
	}
	return NULL;
}

static inline void storm_start(struct storm *s, int fd, int fd2)
{
	memset(s, 0, sizeof(*s));
	s->fd[0] = fd;
	s->fd[1] = fd2;
	if (pthread_create(&s->t, NULL, storm_main, s))
		abort();
}

/* Rounds done, or -1 if a dup() failed. */
static inline long storm_stop(struct storm *s)
{
	set_flag(&s->stop);
	pthread_join(s->t, NULL);
	return s->errors ? -1 : s->n;
}

/* A child that takes @op on @fd and waits to be killed; -1 on failure. */
static inline pid_t rb_fork_holder(int fd, uint32_t op)
{
	pid_t pid;
	int p[2];
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		c = ll_op(fd, op) ? 'e' : 'h';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && (read(p[0], &c, 1) != 1 || c != 'h')) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* The op that releases what @op took. */
static inline uint32_t rb_release_of(uint32_t op)
{
	return op == OP(READ_LOCK) ? OP(READ_UNLOCK) : OP(UNLOCK);
}

/* LOCKLAB_IOC_LIMITS: the objects of this open, and the user's bytes. */
static inline int rb_objects(int dev, uint64_t *user_bytes)
{
	struct locklab_limits l;

	if (ll_limits(dev, &l))
		return -1;
	if (user_bytes)
		*user_bytes = l.user_bytes;
	return l.objects;
}

/* The plain fixture of every robust program: an open of /dev/locklab. */
FIXTURE(robust) {
	int dev;
};

FIXTURE_SETUP(robust)
{
	self->dev = rb_setup(_metadata);
}

FIXTURE_TEARDOWN(robust)
{
	close(self->dev);
}

#endif /* _LOCKLAB_ROBUST_COMMON_H */
