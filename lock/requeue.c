// SPDX-License-Identifier: GPL-2.0
/*
 * locklab requeue: wake some waiters of one word and move others to wait
 * on another (FUTEX_CMP_REQUEUE's job, book ch. 8), so that a condition
 * variable's notify_all hands its waiters to the mutex one by one.
 *
 * Both buckets are locked (in address order, so two requeues in opposite
 * directions cannot deadlock) while waiters move, and a moved waiter's
 * @bucket changes under both locks: a waiter leaving by itself locks the
 * bucket it read and re-checks it (lab_lock_waiter_bucket() in
 * lock/wait.c). Ordering against the waiters is lab_wake()'s.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/minmax.h>

#include <locklab/export.h>
#include <locklab/wait.h>

#include "wait_table.h"

static void lab_double_lock(struct lab_wait_bucket *b1,
			    struct lab_wait_bucket *b2)
	__acquires(&b1->lock) __acquires(&b2->lock)
{
	if (b1 > b2)
		swap(b1, b2);
	raw_spin_lock(&b1->lock);
	if (b1 != b2)
		raw_spin_lock_nested(&b2->lock, SINGLE_DEPTH_NESTING);
	else
		__acquire(&b2->lock);	/* sparse: one lock, counted twice */
}

static void lab_double_unlock(struct lab_wait_bucket *b1,
			      struct lab_wait_bucket *b2)
	__releases(&b1->lock) __releases(&b2->lock)
{
	raw_spin_unlock(&b1->lock);
	if (b1 != b2)
		raw_spin_unlock(&b2->lock);
	else
		__release(&b2->lock);
}

static int __lab_requeue(atomic_t *from, atomic_t *to, int nr_wake,
			 int nr_requeue, bool cmp, u32 expected)
{
	struct lab_wait_bucket *b1 = lab_bucket(from), *b2 = lab_bucket(to);
	struct lab_waiter *w, *next;
	int woken, moved = 0;

	lab_stat_inc(wakes);
	smp_mb();	/* As in lab_wake(): pairs with lab_wait(). */
	if (!atomic_read(&b1->waiters))
		return cmp && (u32)atomic_read(from) != expected ? -EAGAIN : 0;

	lab_stat_inc(wakes_locked);
	local_irq_disable();
	lab_double_lock(b1, b2);
	if (cmp && (u32)atomic_read(from) != expected) {
		lab_double_unlock(b1, b2);
		local_irq_enable();
		return -EAGAIN;
	}
	woken = lab_wake_locked(b1, from, nr_wake);
	list_for_each_entry_safe(w, next, &b1->list, node) {
		if (moved >= nr_requeue)
			break;
		if (w->key != from)
			continue;
		w->key = to;
		if (b1 != b2) {
			list_move_tail(&w->node, &b2->list);
			atomic_dec(&b1->waiters);
			atomic_inc(&b2->waiters);
			/* Read locklessly by lab_lock_waiter_bucket(). */
			WRITE_ONCE(w->bucket, b2);
		}
		moved++;
	}
	lab_double_unlock(b1, b2);
	local_irq_enable();
	lab_stat_add(woken, woken);
	lab_stat_add(requeued, moved);
	return woken + moved;
}

/**
 * lab_requeue() - wake some waiters of @from, move others to wait on @to
 * @from: the word they wait on
 * @to: the word the moved waiters wait on from now on
 * @nr_wake: how many to wake, oldest first
 * @nr_requeue: how many of the rest to move (INT_MAX: all)
 *
 * The moved waiters are not woken: a later lab_wake(@to) wakes them, and
 * they return from lab_wait() as if woken on @from. This is what lets a
 * condition variable's notify_all wake one waiter and hand the others to
 * the mutex, instead of waking them all to fight for it. Both moves happen
 * under both buckets' locks, so a woken waiter cannot act on @to before the
 * others are queued there. Same ordering and context as lab_wake().
 *
 * Return: the number of tasks woken plus moved.
 */
int lab_requeue(atomic_t *from, atomic_t *to, int nr_wake, int nr_requeue)
{
	return __lab_requeue(from, to, nr_wake, nr_requeue, false, 0);
}
EXPORT_SYMBOL_LOCKLAB(lab_requeue);

/**
 * lab_cmp_requeue() - lab_requeue() if *@from still holds @expected
 * @from: the word they wait on
 * @expected: value *@from must hold, checked under the bucket lock
 * @to: the word the moved waiters wait on from now on
 * @nr_wake: how many to wake
 * @nr_requeue: how many of the rest to move
 *
 * FUTEX_CMP_REQUEUE's job: the caller read *@from, decided to requeue, and
 * must not requeue waiters that arrived after a change it did not see.
 *
 * Return: woken plus moved, or -EAGAIN if *@from != @expected.
 */
int lab_cmp_requeue(atomic_t *from, u32 expected, atomic_t *to, int nr_wake,
		    int nr_requeue)
{
	return __lab_requeue(from, to, nr_wake, nr_requeue, true, expected);
}
EXPORT_SYMBOL_LOCKLAB(lab_cmp_requeue);
