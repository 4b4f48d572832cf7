// SPDX-License-Identifier: GPL-2.0
/*
 * locklab RCU: domains and grace periods.
 *
 * The algorithm, the counters and the ordering argument are in
 * include/locklab/rcu.h, where the read side lives. Here: setting a domain
 * up, the flip of the phase and the wait for the old index's readers.
 *
 * The wait polls, as the kernel's SRCU does: a few quick looks (a reader
 * section is often short), then sleeps that grow from 50 us to about a
 * jiffy. Readers therefore never wake the writer and pay nothing for it.
 */
#include <linux/bug.h>
#include <linux/delay.h>
#include <linux/percpu.h>
#include <linux/sched.h>

#include <locklab/trace.h>
#include <locklab/rcu.h>
#include <locklab/export.h>

#define LAB_RCU_QUICK_LOOKS	16
#define LAB_RCU_SLEEP_MIN_US	50
#define LAB_RCU_SLEEP_MAX_US	1000

/**
 * lab_rcu_init() - set up an RCU domain
 * @d: the domain
 *
 * Return: 0 or -ENOMEM.
 */
int lab_rcu_init(struct lab_rcu *d)
{
	d->phase = 0;
	d->gp_seq = 0;
	d->cpu = alloc_percpu(struct lab_rcu_cpu);
	if (!d->cpu)
		return -ENOMEM;
	lab_mutex_init(&d->gp_lock, LAB_MUTEX_3STATE);
	return 0;
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_init);

/**
 * lab_rcu_destroy() - free a domain; no reader may be inside
 * @d: the domain
 */
void lab_rcu_destroy(struct lab_rcu *d)
{
	WARN_ON_ONCE(!lab_rcu_readers_idle(d));
	free_percpu(d->cpu);
	d->cpu = NULL;
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_destroy);

/*
 * Have all read sections that entered under @idx left? Every unlock
 * counter is read before any lock counter: see (D) in the header.
 */
static bool lab_rcu_idx_idle(struct lab_rcu *d, unsigned int idx)
{
	unsigned long locks = 0, unlocks = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		unlocks += READ_ONCE(per_cpu_ptr(d->cpu, cpu)->unlock[idx]);
	/* (D): pairs with (A) and (B) of the sections being counted. */
	smp_mb();
	for_each_possible_cpu(cpu)
		locks += READ_ONCE(per_cpu_ptr(d->cpu, cpu)->lock[idx]);
	return locks == unlocks;
}

/**
 * lab_rcu_readers_idle() - is any read section of @d running? (tests)
 * @d: the domain
 *
 * Return: true if none was inside when the counters were read.
 */
bool lab_rcu_readers_idle(struct lab_rcu *d)
{
	return lab_rcu_idx_idle(d, 0) && lab_rcu_idx_idle(d, 1);
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_readers_idle);

static void lab_rcu_wait_idx(struct lab_rcu *d, unsigned int idx)
{
	unsigned int us = LAB_RCU_SLEEP_MIN_US, i;

	for (i = 0; i < LAB_RCU_QUICK_LOOKS; i++) {
		if (lab_rcu_idx_idle(d, idx))
			return;
		cond_resched();
	}
	while (!lab_rcu_idx_idle(d, idx)) {
		usleep_range(us, 2 * us);
		us = min(2 * us, LAB_RCU_SLEEP_MAX_US);
	}
}

/**
 * lab_rcu_synchronize() - wait for a grace period of @d
 * @d: the domain
 *
 * Returns once every read section of @d that was running when it was
 * called has left; sections that start meanwhile are not waited for. Full
 * barrier on entry and exit: what the caller did before (unpublishing a
 * pointer) is visible to every later reader, and what it does after
 * (freeing) follows every earlier reader's last access. Sleeps; process
 * context; not inside a read section of @d.
 */
void lab_rcu_synchronize(struct lab_rcu *d)
{
	u64 t0 = 0;
	unsigned int old;

	might_sleep();
	if (trace_lab_rcu_gp_begin_enabled()) {
		trace_lab_rcu_gp_begin(d);
		t0 = ktime_get_ns();
	}
	lab_mutex_lock(&d->gp_lock);
	/* (E): the caller's unpublishing before the flip; pairs with (A). */
	smp_mb();
	old = d->phase;
	WRITE_ONCE(d->phase, !old);
	/* (C): the flip before the scan; pairs with (A). */
	smp_mb();
	lab_rcu_wait_idx(d, old);
	WRITE_ONCE(d->gp_seq, d->gp_seq + 1);
	lab_mutex_unlock(&d->gp_lock);
	/* The readers' last accesses before our caller's frees. */
	smp_mb();
	if (t0)
		trace_lab_rcu_gp_end(d, ktime_get_ns() - t0);
}
EXPORT_SYMBOL_LOCKLAB(lab_rcu_synchronize);
