/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab wait/wake internals, shared by lock/wait.c (waiting, waking, the
 * parking lot) and lock/requeue.c (moving waiters between words): the
 * hashed table of buckets and the waiter a sleeping task queues. The
 * locking rules and the no-lost-wake-up argument are lock/wait.c's.
 */
#ifndef _LOCKLAB_LOCK_WAIT_TABLE_H
#define _LOCKLAB_LOCK_WAIT_TABLE_H

#include <linux/cache.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>

#include <locklab/wait.h>

struct lab_wait_bucket {
	/*
	 * Protects @list and the queued waiters. Raw: lab_wake() may be
	 * called from any context but NMI, also on PREEMPT_RT, where a
	 * spinlock_t sleeps; what runs under it is bounded list work and
	 * wake_up_process(), as under the kernel's own wait-queue locks.
	 */
	raw_spinlock_t lock;
	atomic_t waiters;
	struct list_head list;
	u64 fair_next_ns;	/* under @lock: no hand-off before (be_fair) */
} ____cacheline_aligned_in_smp;

struct lab_waiter {
	struct list_head node;
	const void *key;	/* the address waited on */
	struct lab_wait_bucket *bucket;
	struct task_struct *task;
	u64 since_ns;		/* lab_park_token(): when it began to wait */
	unsigned long token;	/* set by lab_unpark_one() under the lock */
	u64 token_ns;		/* when it set a nonzero @token */
};

extern struct lab_wait_bucket *lab_bucket_table;
extern unsigned int lab_bucket_bits;

DECLARE_PER_CPU(struct lab_wait_stats, lab_wait_pcpu);

#define lab_stat_inc(field)	this_cpu_inc(lab_wait_pcpu.field)
#define lab_stat_add(field, n)	this_cpu_add(lab_wait_pcpu.field, n)

static inline struct lab_wait_bucket *lab_bucket(const void *key)
{
	return &lab_bucket_table[hash_ptr(key, lab_bucket_bits)];
}

int lab_wake_locked(struct lab_wait_bucket *b, const void *addr, int nr);

/*
 * The handshake's two full barriers (lock/wait.c). LOCKLAB_INJECT=wait_no_mb
 * (scripts/inject.sh, never a normal build) drops them: the store-buffering
 * bug the locklab_order suite must catch.
 */
#ifdef LOCKLAB_INJECT_WAIT_NO_MB
#define lab_wait_mb_count()	barrier()
#define lab_wait_mb_value()	barrier()
#else
/* Waiter: count before value; pairs with lab_wait_mb_value(). */
#define lab_wait_mb_count()	smp_mb__after_atomic()
/* Waker: value before count; pairs with lab_wait_mb_count(). */
#define lab_wait_mb_value()	smp_mb()
#endif

#endif /* _LOCKLAB_LOCK_WAIT_TABLE_H */
