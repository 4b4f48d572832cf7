/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab spin locks: test-and-set, test-and-test-and-set, ticket, MCS, CLH,
 * and MCS behind a pending bit.
 *
 * TAS is the book's minimal spin lock (ch. 4): a swap with acquire ordering
 * takes it, a store with release ordering frees it. TTAS waits with plain
 * loads and only swaps once the lock looks free, so waiters share the cache
 * line instead of bouncing it (ch. 7, "Performance Experiment"). The ticket
 * lock adds FIFO hand-over with two counters. MCS and CLH (ch. 10, queue-based
 * locks) give FIFO order and local spinning: every waiter spins on its own
 * cache line, so a release disturbs one waiter instead of all of them.
 *
 * Contexts. Every lock here disables preemption from lock to unlock, as
 * spin_lock() does, so the holder is always running and a waiter never
 * spins on a descheduled holder of the same CPU. They may be taken in
 * process, softirq and hardirq context. A lock that is taken in an
 * interrupt must be taken with that interrupt disabled everywhere else
 * (local_bh_disable() or local_irq_save() around the call), exactly as for
 * spin_lock(); none of them may be used from NMI context. A holder must
 * not sleep.
 *
 * Queue nodes. MCS needs its node from lock to unlock (the successor links
 * itself into it), so the caller provides it, as in the MCS paper and the
 * kernel's mcs_spinlock.h: a struct lab_mcs_node that lives (on the stack is
 * fine) until the unlock. CLH only needs its node while it waits: after
 * taking the lock it adopts its predecessor's node, and its own node passes
 * to its successor. So CLH keeps one spare node per CPU and nesting level
 * (task, softirq, hardirq) and its API takes no node; holding many CLH locks
 * at once costs nothing.
 *
 * PREEMPT_RT. There the kernel's spinlock_t becomes a sleeping lock (an
 * rt_mutex with priority inheritance) and interrupt handlers run in
 * threads; raw_spinlock_t keeps spinning. locklab's spin locks are raw spin
 * locks in this sense on every kernel: they disable preemption and spin,
 * so on PREEMPT_RT too their holders must not sleep and must not take a
 * spinlock_t (which may sleep there), and a long section adds latency to
 * the whole CPU, as raw_spinlock_t does. They may be taken from hard
 * interrupt context (with interrupts disabled around them elsewhere) on
 * both. The kernel-native baseline of the benchmarks is spinlock_t, so on
 * PREEMPT_RT the spin table compares locklab's spinning locks with a
 * sleeping one; the numbers then measure that difference.
 *
 * Memory ordering. Every acquisition is an ACQUIRE that pairs with the
 * RELEASE of the previous holder's unlock, so what one holder wrote in its
 * critical section is visible to the next. Each helper names its pairing.
 *
 * One header per algorithm, each with its state encoding and transitions:
 *
 *   spin_tas.h      TAS and TTAS (one word)
 *   spin_ticket.h   ticket lock (two counters)
 *   spin_mcs.h      MCS (a queue of caller nodes)
 *   spin_clh.h      CLH (a queue of per-CPU nodes, implicit links)
 *   spin_pending.h  MCS with a pending bit (one word; per-CPU nodes queue
 *                   only from the second waiter on), qspinlock's shape
 */
#ifndef _LOCKLAB_SPINLOCK_H
#define _LOCKLAB_SPINLOCK_H

#include <locklab/spin_clh.h>
#include <locklab/spin_mcs.h>
#include <locklab/spin_pending.h>
#include <locklab/spin_tas.h>
#include <locklab/spin_ticket.h>

#endif /* _LOCKLAB_SPINLOCK_H */
