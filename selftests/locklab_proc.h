/* SPDX-License-Identifier: GPL-2.0 */
/*
 * More helpers shared by the locklab selftests, beside locklab_test.h
 * (include that first): module parameters saved before a program's tests
 * and restored around each, progress phases shared with a forked child,
 * and TAP comments that survive a test process's _exit().
 */
#ifndef _LOCKLAB_PROC_H
#define _LOCKLAB_PROC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>

#include "locklab_test.h"

#define LL_MAX_PARAMS	8

/* Module parameters a program changes, with their values at the start. */
struct ll_params {
	const char *const *names;
	unsigned int n;
	char val[LL_MAX_PARAMS][32];
	bool have[LL_MAX_PARAMS];
};

/* Save the @n parameters @names into @p (at most LL_MAX_PARAMS). */
static inline void ll_params_save(struct ll_params *p,
				  const char *const *names, unsigned int n)
{
	unsigned int i;

	p->names = names;
	p->n = n < LL_MAX_PARAMS ? n : LL_MAX_PARAMS;
	for (i = 0; i < p->n; i++)
		p->have[i] = !ll_read_param(names[i], p->val[i],
					    sizeof(p->val[i]));
}

/* Write back every parameter ll_params_save() could read. */
static inline void ll_params_restore(const struct ll_params *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->have[i])
			ll_write_param(p->names[i], p->val[i]);
}

/*
 * Phases between a test and the child it forked, in shared memory: one
 * side sets the next phase, the other waits for it (at most @secs).
 */
static inline void ll_phase_set(int *phase, int val)
{
	__atomic_store_n(phase, val, __ATOMIC_RELEASE);
}

static inline bool ll_phase_wait(int *phase, int val, double secs)
{
	double end = ll_now() + secs;

	while (__atomic_load_n(phase, __ATOMIC_ACQUIRE) < val) {
		if (ll_now() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/*
 * A cgroup child's first steps: close the parent's @olddev, wait (60 s at
 * most) for phase 1, open a device of its own (*@dev) and create a 32 KiB
 * mpsc channel there: its fd. Exits 1 on a failure (*@fail = 1: the open
 * or the create).
 */
static inline int ll_cg_child_chan(int olddev, int *phase, int *fail,
				   int *dev)
{
	int fd;

	close(olddev);
	if (!ll_phase_wait(phase, 1, 60))
		_exit(1);
	*dev = open(LL_DEV, O_RDWR);
	if (*dev < 0 || ll_create(*dev, LOCKLAB_KIND_CHANNEL,
				  LOCKLAB_CHANNEL_MPSC, 0, 32768, &fd)) {
		*fail = 1;
		_exit(1);
	}
	return fd;
}

/* A forked child's step: say phase @done, wait (60 s at most) or exit 1. */
static inline void ll_child_step(int *phase, int done)
{
	ll_phase_set(phase, done);
	if (!ll_phase_wait(phase, done + 1, 60))
		_exit(1);
}

/*
 * Memory shared with a child forked later, of @size bytes set to @fill:
 * touched now, so that the child faults nothing in to use it.
 */
static inline void *ll_shared_new(struct __test_metadata *_metadata,
				  size_t size, int fill)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	memset(p, fill, size);
	return p;
}

/*
 * A forked child's last steps: say phase @done, wait (60 s at most) for
 * the next one, exit 0.
 */
static inline void ll_child_done(int *phase, int done)
{
	ll_phase_set(phase, done);
	ll_phase_wait(phase, done + 1, 60);
	_exit(0);
}

/*
 * Nonblocking sends of @len bytes from @buf, at most @max: the number that
 * succeeded; *err is the errno of the one that failed (0: none did).
 */
static inline int ll_sends_until_error(int fd, void *buf, uint32_t len,
				       int max, int *err)
{
	uint32_t n;
	int i;

	for (i = 0; i < max; i++) {
		n = len;
		*err = ll_chan(fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK, buf,
			       &n, 0, NULL);
		if (*err)
			break;
	}
	return i;
}

/*
 * A child in memory cgroup @cg: forked to run @child(@arg, @dev) (which
 * does not return), moved into @cg and told to start (phase 1). True once
 * it said it is ready (phase 2) within @secs; *pid is the child either way.
 */
static inline bool ll_cg_child_start(struct __test_metadata *_metadata,
				     const char *cg, int *phase,
				     void (*child)(void *arg, int dev),
				     void *arg, int dev, double secs,
				     pid_t *pid)
{
	*pid = fork();
	ASSERT_LE(0, *pid);
	if (!*pid)
		child(arg, dev);
	EXPECT_EQ(0, ll_cg_move(cg, *pid));
	ll_phase_set(phase, 1);
	return ll_phase_wait(phase, 2, secs);
}

/*
 * Its end: memory.max back to "max", phase @last to let it go; it exits
 * 0 within 60 s. Then the cgroup goes.
 */
static inline void ll_cg_child_end(struct __test_metadata *_metadata,
				   const char *cg, int *phase, int last,
				   pid_t pid)
{
	int status = 0;

	ll_cg_write(cg, "memory.max", "max");
	ll_phase_set(phase, last);
	EXPECT_EQ(0, ll_wait_child(pid, 60, &status));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child status %#x", status);
	ll_cg_remove(cg);
}

/* A TAP comment line, flushed: it survives the test process's _exit(). */
static inline void ll_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

#endif /* _LOCKLAB_PROC_H */
