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
