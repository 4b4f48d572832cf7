/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by locklab's KUnit suites.
 *
 * Every wait in a test is bounded: lab_test_wait_for() polls a condition
 * with a sleep in between (so on a uniprocessor or PREEMPT_NONE kernel the
 * thread being waited for gets the CPU) and gives up after a timeout.
 */
#ifndef _LOCKLAB_KUNIT_LAB_TEST_H
#define _LOCKLAB_KUNIT_LAB_TEST_H

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"

/* Poll @cond about every millisecond for up to @ms; true once it holds. */
#define lab_test_wait_for(cond, ms)					\
({									\
	unsigned long __end = jiffies + msecs_to_jiffies(ms);		\
	bool __ok;							\
									\
	while (!(__ok = (cond)) && time_before(jiffies, __end))	\
		usleep_range(1000, 2000);				\
	__ok;								\
})

/* Sleep about @ms milliseconds (short sleeps: not msleep's 20 ms floor). */
static inline void lab_test_sleep_ms(unsigned int ms)
{
	usleep_range(ms * 1000, ms * 1000 + 500);
}

/* A kthread that wants to be killable by the test (send_sig()). */
static inline void lab_test_allow_kill(void)
{
	allow_signal(SIGKILL);
}

/* Forget signals a test sent, before the kthread returns. */
static inline void lab_test_forget_signals(void)
{
	flush_signals(current);
}

#define LAB_TEST_TIMEOUT_MS	20000	/* bound on any single wait in a test */

/*
 * lab_run_threads() checked: the threads all ended in time (if not, the
 * test ends here, -EDEADLK, and @arg is left to the threads that may still
 * use it) and none failed.
 */
static inline void lab_test_run_threads(struct kunit *test, unsigned int nr,
					lab_thread_fn fn, void *arg,
					const struct lab_run_opts *opts)
{
	int ret = lab_run_threads(nr, fn, arg, opts);

	KUNIT_ASSERT_NE(test, ret, -EDEADLK);
	KUNIT_EXPECT_EQ(test, ret, 0);
}

/*
 * A property of threads running at once (mutual exclusion, exact counts
 * under concurrent atomics) can only fail when two of them do: on one CPU
 * (the UML tier) such a case would pass whatever the code did, and the
 * broken lock would not be caught either, so it is skipped there rather
 * than counted as a pass. The SMP tiers (QEMU, 2 CPUs) run it.
 */
static inline void lab_test_needs_smp(struct kunit *test)
{
	if (num_online_cpus() < 2)
		kunit_skip(test, "one CPU: threads never overlap, so this cannot fail here");
}

/*
 * The checker can fail: a broken lock, run through the same torture and
 * checks as the real ones, must be caught. Sections only overlap when two
 * threads run at once, so this needs two CPUs (the case is skipped
 * otherwise); the threads are pinned apart and run for a fixed time (a
 * fixed count can end before the other thread starts), with some hold time
 * to widen the window. A few tries absorb a run where they never overlapped.
 */
static inline void lab_test_catches_broken(struct kunit *test,
					   struct lab_torture_cfg *cfg)
{
	struct lab_torture_stats st = { };
	int i;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs 2 online CPUs for sections to overlap");
	cfg->threads = 2;
	cfg->duration_ms = 200;
	cfg->hold_ns = 200;
	cfg->bind = true;
	for (i = 1; i <= 5; i++) {
		KUNIT_ASSERT_EQ(test, lab_torture_run(cfg, &st), 0);
		if (st.violations || st.lost_updates)
			break;
	}
	kunit_info(test, "%s: %llu violations, %llu lost updates, try %d\n",
		   cfg->ops ? cfg->ops->name : cfg->rw->name, st.violations,
		   st.lost_updates, i);
	KUNIT_EXPECT_TRUE_MSG(test, st.violations || st.lost_updates,
			      "the exclusion checker missed a lock that excludes nothing");
}

#endif /* _LOCKLAB_KUNIT_LAB_TEST_H */
