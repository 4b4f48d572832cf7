/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab contention events from the slow paths (include/locklab/trace.h):
 *
 *	u64 t0 = lab_contention_begin(lock, kind, variant, flags);
 *	ret = ...wait...;
 *	lab_contention_end(lock, ret, t0);
 *
 * or, where the wait is one call, ret = lab_contended(lock, kind, variant,
 * flags, wait(...)).
 *
 * With the events disabled, each is a static branch not taken and no
 * clock is read; t0 is 0 then, and also when the begin event was off at
 * the start of the wait (so an end never comes without its begin).
 */
#ifndef _LOCKLAB_CONTENTION_H
#define _LOCKLAB_CONTENTION_H

#include <linux/ktime.h>

#include <locklab/trace.h>

static __always_inline u64 lab_contention_begin(const void *lock, u32 kind,
						u32 variant, u32 flags)
{
	if (!trace_lab_contention_begin_enabled())
		return 0;
	trace_lab_contention_begin(lock, kind, variant, flags);
	return ktime_get_ns() ?: 1;
}

static __always_inline void lab_contention_end(const void *lock, int ret,
					       u64 t0)
{
	if (t0)
		trace_lab_contention_end(lock, ret, ktime_get_ns() - t0);
}

/*
 * For a loop that may or may not wait: begin the first time it is about
 * to (*@t0 starts at 0), so an acquisition that never waits reports
 * nothing; then lab_contention_end(lock, ret, *t0) at its end.
 */
static __always_inline void lab_contention_once(u64 *t0, const void *lock,
						u32 kind, u32 variant,
						u32 flags)
{
	if (!*t0)
		*t0 = lab_contention_begin(lock, kind, variant, flags);
}

/*
 * The int @wait (0, or -errno when it gave up) evaluated between the begin
 * and end events of @lock; its value.
 */
#define lab_contended(lock, kind, variant, flags, wait)			\
({									\
	const void *__lab_l = (lock);					\
	u64 __lab_t0 = lab_contention_begin(__lab_l, kind, variant, flags); \
	int __lab_ret = (wait);						\
									\
	lab_contention_end(__lab_l, __lab_ret, __lab_t0);		\
	__lab_ret;							\
})

/* The same pair for a channel's blocking send or receive. */
static __always_inline u64 lab_chan_wait_begin(const void *chan, bool send)
{
	if (!trace_lab_chan_wait_begin_enabled())
		return 0;
	trace_lab_chan_wait_begin(chan, send);
	return ktime_get_ns() ?: 1;
}

static __always_inline void lab_chan_wait_end(const void *chan, bool send,
					      int ret, u64 t0)
{
	if (t0)
		trace_lab_chan_wait_end(chan, send, ret, ktime_get_ns() - t0);
}

#endif /* _LOCKLAB_CONTENTION_H */
