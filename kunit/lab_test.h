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

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>

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

#endif /* _LOCKLAB_KUNIT_LAB_TEST_H */
