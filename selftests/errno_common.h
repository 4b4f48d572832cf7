/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the errno_*_test programs, which between them provoke every
 * errno that include/uapi/linux/locklab.h lists: errno_args_test and
 * errno_ops_test provoke them, and errno_seen_test (run after both: run.sh
 * runs programs in the alphabetical order of their names) checks that each
 * was seen at least once.
 *
 * The programs meet in a file, $LOCKLAB_ERRNO_SEEN (default
 * /tmp/locklab_errno_seen): each appends "ran PROGRAM" when it starts and
 * "NAME seen" (or "NAME skipped", when the test that provokes it could not
 * run here) the first time an expected errno comes back. The first
 * program, errno_args_test, starts the file afresh.
 *
 * Each program defines ERRNO_PROGRAM (its name) before including this, and
 * ERRNO_FIRST in the first one. Include after kselftest_harness.h and
 * locklab_proc.h, once per program.
 */
#ifndef _LOCKLAB_ERRNO_COMMON_H
#define _LOCKLAB_ERRNO_COMMON_H

#include <sys/mman.h>

/* The errnos the UAPI header lists: keep this in step with the header. */
static const struct {
	int err;
	const char *name;
} listed[] = {
	{ EFAULT, "EFAULT" }, { EINVAL, "EINVAL" }, { E2BIG, "E2BIG" },
	{ ENOTTY, "ENOTTY" }, { ENOMEM, "ENOMEM" }, { ENOSPC, "ENOSPC" },
	{ EMFILE, "EMFILE" }, { EINTR, "EINTR" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ENOENT, "ENOENT" }, { EBUSY, "EBUSY" }, { EPERM, "EPERM" },
	{ EDEADLK, "EDEADLK" }, { EOVERFLOW, "EOVERFLOW" },
	{ EOWNERDEAD, "EOWNERDEAD" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { EPIPE, "EPIPE" },
	{ EMSGSIZE, "EMSGSIZE" }, { ENOLCK, "ENOLCK" },
};

#define SEEN	1	/* provoked and returned as expected */
#define SKIPPED	2	/* its test could not run here */

/*
 * What this program already wrote to the file, errno -> SEEN|SKIPPED;
 * shared by the test processes the harness forks.
 */
static uint8_t *seen;

static const char *errno_seen_path(void)
{
	const char *p = getenv("LOCKLAB_ERRNO_SEEN");

	return p && *p ? p : "/tmp/locklab_errno_seen";
}

/*
 * The file, opened once before the tests: a test may leave no fd free
 * (EMFILE) when it records what it saw.
 */
static int seen_fd = -1, seen_err;

/* Append one line to the file; 0 or errno. */
static int errno_seen_append(const char *line)
{
	ssize_t n;

	if (seen_fd < 0)
		return seen_err;
	n = write(seen_fd, line, strlen(line));	/* O_APPEND: atomic */
	return n == (ssize_t)strlen(line) ? 0 : n < 0 ? errno : EIO;
}

/* The same, or a TAP comment saying why it could not. */
static void errno_seen_note(const char *line)
{
	int err = errno_seen_append(line);

	if (err)
		ll_note("cannot write %s: %s\n", errno_seen_path(),
			strerror(err));
}

static const char *errno_name(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(listed); i++)
		if (listed[i].err == err)
			return listed[i].name;
	return NULL;
}

/* Module parameters some tests change, restored around every test. */
static const char *const params[] = {
	"max_open_bytes", "max_objects", "chan_mpsc_max_bytes",
};

static struct ll_params saved;

static void __attribute__((constructor)) errno_setup(void)
{
	seen = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (seen == MAP_FAILED)
		seen = NULL;
	ll_params_save(&saved, params, ARRAY_SIZE(params));
#ifdef ERRNO_FIRST
	unlink(errno_seen_path());
#endif
	seen_fd = open(errno_seen_path(), O_WRONLY | O_APPEND | O_CREAT |
		       O_CLOEXEC, 0644);
	seen_err = seen_fd < 0 ? errno : 0;
	errno_seen_note("ran " ERRNO_PROGRAM "\n");
}

/* Record that @err was provoked (@how SEEN) or could not be (SKIPPED). */
static inline void mark(int err, uint8_t how)
{
	const char *name = errno_name(err);
	char line[64];

	if (!seen || !name || err >= 4096 ||
	    (__atomic_fetch_or(&seen[err], how, __ATOMIC_RELAXED) & how))
		return;
	snprintf(line, sizeof(line), "%s %s\n", name,
		 how == SEEN ? "seen" : "skipped");
	errno_seen_note(line);
}

static inline void saw(int want, int got)
{
	if (want == got)
		mark(want, SEEN);
}

/* Expect errno @want from @expr (an ll_* helper: 0 or a positive errno). */
#define EXPECT_ERRNO(want, expr) do {					\
	int __want = (want), __got = (expr);				\
									\
	saw(__want, __got);						\
	EXPECT_EQ(__want, __got)					\
		TH_LOG("%s: %s", #expr, strerror(__got));		\
} while (0)

static inline int ioc(int fd, unsigned long cmd, void *arg)
{
	return ll_err(ioctl(fd, cmd, arg));
}

FIXTURE(err) {
	int dev;
};

FIXTURE_SETUP(err)
{
	if (ll_dev_missing(&self->dev))
		SKIP(return, LL_MISSING);
	ASSERT_LE(0, self->dev);
	install_usr1();		/* no SA_RESTART */
	ll_params_restore(&saved);
}

FIXTURE_TEARDOWN(err)
{
	if (self->dev >= 0)
		close(self->dev);
	ll_params_restore(&saved);
}

static inline int mk(int dev, uint32_t kind, uint32_t variant, uint32_t p0,
		     uint32_t p1)
{
	int fd;

	return ll_create(dev, kind, variant, p0, p1, &fd) ? -1 : fd;
}

static inline int chan_op(int fd, uint32_t op, uint32_t flags, void *buf,
			  uint32_t len)
{
	return ll_chan(fd, op, flags, buf, &len, 0, NULL);
}

#endif /* _LOCKLAB_ERRNO_COMMON_H */
