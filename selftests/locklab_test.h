/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the locklab selftests. The ioctl wrappers (ll_create(),
 * ll_op(), ...; each returns 0 or a positive errno, so tests compare with
 * EXPECT_EQ(EBUSY, ...)) are tools/include/locklab_user.h, shared with the
 * CLI; here what only tests need: flags between threads, a signal that
 * interrupts, fd passing, and the /dev/locklab fixture.
 */
#ifndef _LOCKLAB_SELFTEST_H
#define _LOCKLAB_SELFTEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#include "locklab_user.h"

#define MS	1000000ULL

/* Flags between test threads: RELEASE on set, ACQUIRE on get. */
static inline void set_flag(bool *flag)
{
	__atomic_store_n(flag, true, __ATOMIC_RELEASE);
}

static inline bool get_flag(bool *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE);
}

/* Is this a PREEMPT_RT kernel (spinlock_t sleeps)? */
static inline bool ll_preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

/* Wait up to @secs for @flag. */
static inline bool wait_flag(bool *flag, double secs)
{
	double end = ll_now() + secs;

	while (!get_flag(flag) && ll_now() < end)
		usleep(1000);
	return get_flag(flag);
}

static inline void ll_on_usr1(int sig)
{
}

/* SIGUSR1 interrupts blocking ioctls (no SA_RESTART). */
static inline void install_usr1(void)
{
	struct sigaction sa = { .sa_handler = ll_on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

/* Pass @fd over the AF_UNIX socket @sock (SCM_RIGHTS); 0 or -1. */
static inline int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* The fd passed by send_fd(), or -1. */
static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

#define LL_MISSING	LL_DEV " missing: locklab.ko not loaded"

/* Open /dev/locklab into *@dev; true when it does not exist (skip then). */
static inline bool ll_dev_missing(int *dev)
{
	*dev = open(LL_DEV, O_RDWR | O_CLOEXEC);
	return *dev < 0 && errno == ENOENT;
}

/* --- Budgets, parameters, child processes, memory cgroups ---------------- */

/* Read a module parameter into @buf (no newline); 0 or -1. */
static inline int ll_read_param(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/locklab/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Write @val to the file @path in one write(); 0 or the errno (EIO: short). */
static inline int ll_write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	err = n == (ssize_t)strlen(val) ? 0 : n < 0 ? errno : EIO;
	close(fd);
	return err;
}

/* Write a module parameter: 0, or the errno of the open or the write. */
static inline int ll_param_errno(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/locklab/parameters/%s", name);
	return ll_write_file(path, val);
}

/* Write a module parameter given as a number; 0 or errno. */
static inline int ll_param_set_ul(const char *name, unsigned long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", val);
	return ll_param_errno(name, buf);
}

/*
 * Wait at most @secs for child @pid; 0 with *@status set, or -1 when it
 * did not end in time (it is killed and reaped then).
 */
static inline int ll_wait_child(pid_t pid, double secs, int *status)
{
	double end = ll_now() + secs;

	do {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(1000);
	} while (ll_now() < end);
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

/* read()/write() exactly @len bytes within @secs; 0 or -1. */
static inline int ll_xfer(int fd, void *buf, size_t len, bool out, double secs)
{
	double end = ll_now() + secs;
	char *p = buf;
	ssize_t n;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		int ms = (int)((end - ll_now()) * 1000);

		if (ms <= 0 || poll(&pfd, 1, ms) != 1)
			return -1;
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

#define LL_CG_ROOT "/sys/fs/cgroup"

/*
 * A new child cgroup of the cgroup v2 root with the memory controller,
 * at @path. Mounts cgroup2 on /sys/fs/cgroup if nothing is mounted there
 * and enables +memory for the root's children. Returns 0, or -1 with the
 * reason in @why (the caller skips).
 */
static inline int ll_cg_make(const char *tag, char *path, size_t size,
			     char *why, size_t whylen)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (access(LL_CG_ROOT "/cgroup.controllers", R_OK) &&
	    mount("none", LL_CG_ROOT, "cgroup2", 0, NULL)) {
		snprintf(why, whylen, "cannot mount cgroup2 on " LL_CG_ROOT ": %s",
			 strerror(errno));
		return -1;
	}
	fd = open(LL_CG_ROOT "/cgroup.controllers", O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!strstr(buf, "memory")) {
		snprintf(why, whylen, "no memory controller in cgroup v2 (controllers: %s)",
			 n > 0 ? buf : "none");
		return -1;
	}
	fd = open(LL_CG_ROOT "/cgroup.subtree_control", O_WRONLY);
	if (fd < 0 || write(fd, "+memory", 7) != 7) {
		snprintf(why, whylen, "cannot enable +memory: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(path, size, LL_CG_ROOT "/locklab-%s-%d", tag, getpid());
	if (mkdir(path, 0755) && errno != EEXIST) {
		snprintf(why, whylen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s/memory.max", path);
	if (access(buf, W_OK)) {
		snprintf(why, whylen, "%s: %s", buf, strerror(errno));
		rmdir(path);
		return -1;
	}
	return 0;
}

/* Write @val to @file of cgroup @path; 0 or errno. */
static inline int ll_cg_write(const char *path, const char *file,
			      const char *val)
{
	char name[256];

	snprintf(name, sizeof(name), "%s/%s", path, file);
	return ll_write_file(name, val);
}

/*
 * Read the number after @key in @file of cgroup @path (@key NULL: the
 * file's first number, as memory.current has it); 0 or -1.
 */
static inline int ll_cg_read(const char *path, const char *file,
			     const char *key, uint64_t *val)
{
	char name[256], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%s/%s", path, file);
	fd = open(name, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = buf;
	if (key) {
		size_t klen = strlen(key);

		while (strncmp(p, key, klen) || p[klen] != ' ') {
			p = strchr(p, '\n');
			if (!p)
				return -1;
			p++;
		}
		p += klen;
	}
	*val = strtoull(p, NULL, 10);
	return 0;
}

/* Move @pid into cgroup @path; 0 or errno. */
static inline int ll_cg_move(const char *path, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid);
	return ll_cg_write(path, "cgroup.procs", buf);
}

/* Remove cgroup @path once its (reaped) tasks are gone. */
static inline void ll_cg_remove(const char *path)
{
	int i;

	for (i = 0; i < 200 && rmdir(path) && errno == EBUSY; i++)
		usleep(10000);
}

/* A deterministic PRNG (xorshift64*), seeded through splitmix64. */
struct ll_rng {
	uint64_t s;
};

static inline void ll_rng_seed(struct ll_rng *r, uint64_t seed)
{
	seed += 0x9e3779b97f4a7c15ULL;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
	r->s = (seed ^ (seed >> 31)) | 1;
}

static inline uint64_t ll_rng_next(struct ll_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t ll_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The number at the start of a (sysfs) file, or -1. */
static inline long ll_read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long v = -1;

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) <= 0 ||
		    sscanf(buf, "%ld", &v) != 1)
			v = -1;
		close(fd);
	}
	return v;
}

/* Is @e in the 0-terminated list @l? */
static inline bool ll_in_list(const int *l, int e)
{
	for (; *l; l++)
		if (*l == e)
			return true;
	return false;
}

/* An environment variable as a number, or @def. */
static inline unsigned long long ll_env_ull(const char *name,
					    unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* LOCKLAB_IOC_LIMITS of a new open of /dev/locklab; 0 or errno. */
static inline int ll_fresh_limits(struct locklab_limits *l)
{
	int fd = open(LL_DEV, O_RDWR | O_CLOEXEC);
	int err = fd < 0 ? errno : ll_limits(fd, l);

	if (fd >= 0)
		close(fd);
	return err;
}

/* Print the kernel stack of task @tid as TAP comments (needs root). */
static inline void ll_print_stack(int tid)
{
	char path[64], buf[4096], *l;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stack", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
		printf("#   %s\n", l);
}

/*
 * A watchdog for calls that might hang: a task marks its own struct
 * ll_watch (in memory shared with its children if they mark too) around
 * each call; another task's ll_watch_stuck() finds one that has been in a
 * call for too long and prints it with its kernel stack.
 */
struct ll_watch {
	uint64_t t;		/* CLOCK_MONOTONIC ns at entry, 0 when idle */
	unsigned long what;	/* e.g. the ioctl number */
	int fd, tid;
};

static inline void ll_watch_enter(struct ll_watch *w, unsigned long what,
				  int fd)
{
	w->what = what;
	w->fd = fd;
	__atomic_store_n(&w->t, ll_now_ns(), __ATOMIC_RELEASE);
}

static inline void ll_watch_leave(struct ll_watch *w)
{
	__atomic_store_n(&w->t, 0, __ATOMIC_RELEASE);
}

/* The first of @n records in a call for @ns or more (printed), or -1. */
static inline int ll_watch_stuck(struct ll_watch *w, int n, uint64_t ns)
{
	uint64_t now = ll_now_ns(), t;
	int i;

	for (i = 0; i < n; i++) {
		t = __atomic_load_n(&w[i].t, __ATOMIC_ACQUIRE);
		if (!t || now < t + ns)
			continue;
		printf("# stuck: call 0x%lx on fd %d by task %d for %.1f s, in\n",
		       w[i].what, w[i].fd, w[i].tid, (now - t) / 1e9);
		ll_print_stack(w[i].tid);
		return i;
	}
	return -1;
}

#endif /* _LOCKLAB_SELFTEST_H */
