/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab thread groups (private to the module): lab_run_threads() runs one
 * function on N kthreads released together, with a time bound. It is the
 * building block of every concurrent KUnit case and of every benchmark
 * (bench/threads.c).
 */
#ifndef _LOCKLAB_BENCH_THREADS_H
#define _LOCKLAB_BENCH_THREADS_H

#include <linux/types.h>

/**
 * struct lab_run_opts - how lab_run_threads() runs its threads
 * @timeout_ms: bound on the whole run; 0 means 60 s
 * @duration_ms: if not 0, set *@stop this long after the release
 * @bind: pin thread i to the i-th online CPU (modulo their number)
 * @interruptible: a signal to the caller stops the run (-EINTR); for
 *	ioctls. KUnit callers leave it false.
 * @stop: set to true when the run must end early (timeout, signal); thread
 *	functions poll it. May be NULL.
 * @elapsed_ns: out: time from release to the last thread's return; may be
 *	NULL
 * @abandon: if not NULL, a run stopped early (signal, timeout) returns at
 *	once instead of waiting for its threads: @arg then belongs to them,
 *	and the last one calls @abandon(@arg) when it is done. @arg and
 *	everything the thread function reaches must then live on the heap
 *	(@stop included), never on the caller's stack. The device's
 *	benchmarks set it; KUnit cases, which wait, do not.
 * @progress: if not NULL, a watchdog: called with @arg about once a second
 *	while the run lasts, it returns a count that grows while the threads
 *	make progress (sections, messages). When it has not grown for
 *	@stall_ms, the run has stalled (what a lost wake-up does: every
 *	thread asleep, nobody left to wake them): every thread is woken
 *	once (a spurious wake-up, which every wait in locklab and in the
 *	kernel allows: the thread re-checks its condition and goes on),
 *	*@stop is set, and lab_run_threads() returns -ETIME once the threads
 *	returned. So such a failure shows in seconds, not at @timeout_ms.
 *	Must not sleep; read what the threads write with READ_ONCE() or
 *	atomics.
 * @stall_ms: with @progress: how long without progress is a stall; 0: 10 s
 */
struct lab_run_opts {
	unsigned long timeout_ms;
	unsigned int duration_ms;
	bool bind;
	bool interruptible;
	bool *stop;
	u64 *elapsed_ns;
	void (*abandon)(void *arg);
	bool *abandoned;	/* with @abandon: set when the threads took @arg */
	u64 (*progress)(void *arg);
	unsigned int stall_ms;
};

typedef int (*lab_thread_fn)(void *arg, unsigned int id);

int lab_run_threads(unsigned int nr, lab_thread_fn fn, void *arg,
		    const struct lab_run_opts *opts);
unsigned int lab_run_threads_live(void);
int lab_run_threads_wait_idle(void);
void lab_run_threads_exit(void);

#endif /* _LOCKLAB_BENCH_THREADS_H */
