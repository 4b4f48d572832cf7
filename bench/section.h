/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab checked critical sections (private to the module): what the
 * torture runs, the KUnit suites and the device run while holding a lock,
 * to catch a lock that does not exclude (bench/section.c).
 */
#ifndef _LOCKLAB_BENCH_SECTION_H
#define _LOCKLAB_BENCH_SECTION_H

#include <linux/atomic.h>
#include <linux/types.h>

/*
 * The checked critical section. A thread inside sets @inside and increments
 * @counter with a non-atomic read-modify-write, then clears @inside. Under a
 * lock that excludes, nobody ever finds @inside set and no increment is
 * lost; a lock that does not exclude shows up in @violations and in a
 * @counter below the number of sections run.
 */
struct lab_cs {
	int inside;
	unsigned long counter;
	atomic_long_t violations;
	atomic_t readers;
	atomic_t max_readers;
};

void lab_cs_busy(unsigned int ns);
void lab_cs_section(struct lab_cs *cs, unsigned int hold_ns);
void lab_cs_read_section(struct lab_cs *cs, unsigned int hold_ns);
void lab_cs_count_section(struct lab_cs *cs, unsigned int limit,
			  unsigned int hold_ns);

#endif /* _LOCKLAB_BENCH_SECTION_H */
