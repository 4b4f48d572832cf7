// SPDX-License-Identifier: GPL-2.0
/*
 * locklab checked critical sections: what runs inside a lock under test.
 *
 * An exclusive section sets @inside, increments @counter with a plain
 * (non-atomic) read-modify-write, and clears @inside. Under a lock that
 * excludes nobody finds @inside set and no increment is lost; a lock that
 * does not exclude shows in @violations and in a @counter short of the
 * sections run. Shared sections (readers) must never see a writer inside
 * nor the counter move; counted sections (a semaphore's permits) allow up
 * to a limit of threads inside at once.
 *
 * The atomics here are statistics and detectors, fully ordered where they
 * return a value; the plain @counter is the point (KCSAN checks it too).
 */
#include <linux/delay.h>
#include <linux/kcsan-checks.h>
#include <linux/ktime.h>
#include <linux/processor.h>

#include "bench/section.h"

/*
 * From this long on, a section's busy time is measured by the clock.
 * ndelay() counts TSC cycles or calibrated loops, and a guest that booted
 * while its host was loaded can calibrate them several percent fast (seen:
 * 400 holds of 20 us under QEMU TCG recorded 7.49 ms by ktime, not 8):
 * the device's statistics time a hold with ktime_get_ns(), so a hold that
 * long must last that long by the same clock. Shorter busy times (the
 * benchmarks' few hundred ns) keep ndelay(), which reads no clock.
 */
#define LAB_CS_CLOCKED_NS	10000

/**
 * lab_cs_busy() - busy for @ns nanoseconds, for a critical section's hold
 * @ns: the time; from LAB_CS_CLOCKED_NS on, by ktime_get_ns()
 */
void lab_cs_busy(unsigned int ns)
{
	u64 end;

	if (ns < LAB_CS_CLOCKED_NS) {
		ndelay(ns);
		return;
	}
	end = ktime_get_ns() + ns;
	while (ktime_get_ns() < end)
		cpu_relax();
}

/**
 * lab_cs_section() - one checked critical section
 * @cs: the shared section state
 * @hold_ns: busy time inside the section
 *
 * Must be called with the lock under test held. The non-atomic increment is
 * deliberate: it is the "plain counter" whose lost updates reveal a
 * section that two threads ran at once. KCSAN checks it too.
 */
void lab_cs_section(struct lab_cs *cs, unsigned int hold_ns)
{
	unsigned long c;

	if (READ_ONCE(cs->inside) || atomic_read(&cs->readers))
		atomic_long_inc(&cs->violations);
	WRITE_ONCE(cs->inside, 1);
	ASSERT_EXCLUSIVE_ACCESS(cs->counter);
	c = READ_ONCE(cs->counter);
	if (hold_ns)
		lab_cs_busy(hold_ns);
	WRITE_ONCE(cs->counter, c + 1);
	WRITE_ONCE(cs->inside, 0);
}

/**
 * lab_cs_read_section() - one checked shared section
 * @cs: the shared section state
 * @hold_ns: busy time inside the section
 *
 * Must be called with a shared hold of the lock under test. Finds no writer
 * inside, and the counter does not move while it looks (a writer changing
 * it under a reader is a violation); records how many readers overlapped.
 */
void lab_cs_read_section(struct lab_cs *cs, unsigned int hold_ns)
{
	int r = atomic_inc_return(&cs->readers), max;
	unsigned long c;

	max = atomic_read(&cs->max_readers);
	while (r > max && !atomic_try_cmpxchg(&cs->max_readers, &max, r))
		;
	c = READ_ONCE(cs->counter);
	if (READ_ONCE(cs->inside))
		atomic_long_inc(&cs->violations);
	if (hold_ns)
		lab_cs_busy(hold_ns);
	if (READ_ONCE(cs->counter) != c || READ_ONCE(cs->inside))
		atomic_long_inc(&cs->violations);
	atomic_dec(&cs->readers);
}

/**
 * lab_cs_count_section() - a section that admits up to @limit threads
 * @cs: the shared section state
 * @limit: most threads allowed inside at once (a semaphore's permits)
 * @hold_ns: busy time inside the section
 *
 * Must be called holding one permit. More than @limit threads inside is a
 * violation.
 */
void lab_cs_count_section(struct lab_cs *cs, unsigned int limit,
			  unsigned int hold_ns)
{
	if (atomic_inc_return(&cs->readers) > limit)
		atomic_long_inc(&cs->violations);
	if (hold_ns)
		lab_cs_busy(hold_ns);
	atomic_dec(&cs->readers);
}
