/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab trace events (tracefs: events/locklab/), in the spirit of the
 * kernel's lock:contention_begin and lock:contention_end, for every
 * locklab lock, plus channel waits and RCU grace periods:
 *
 *   lab_contention_begin   lock=ADDR kind=K variant=V flags=F
 *                          a task starts waiting for a lock (slow path)
 *   lab_contention_end     lock=ADDR ret=R wait_ns=N
 *                          ...and stops: took it (0) or gave up (-errno)
 *   lab_chan_wait_begin    chan=ADDR dir=send|recv
 *   lab_chan_wait_end      chan=ADDR dir=send|recv ret=R wait_ns=N
 *   lab_rcu_gp_begin       rcu=ADDR
 *   lab_rcu_gp_end         rcu=ADDR wait_ns=N
 *
 * @kind and @variant are the UAPI numbers (enum locklab_kind and the
 * kind's variant enum), @flags LAB_TRACE_F_*. Events fire only on slow
 * paths: an uncontended lock and unlock never reach one, and a disabled
 * event is a static branch that is not taken. The wait time is measured
 * only while the begin event is enabled (lab_trace_wait_start()).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM locklab

#if !defined(_LOCKLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _LOCKLAB_TRACE_H

#include <linux/ktime.h>
#include <linux/tracepoint.h>

/* How the waiter waits. */
#define LAB_TRACE_F_SPIN	0x1	/* spins (no sleep) */
#define LAB_TRACE_F_READ	0x2	/* a shared hold */
#define LAB_TRACE_F_WRITE	0x4	/* an exclusive hold of a rwlock */
#define LAB_TRACE_F_UPGRADE	0x8	/* an upgrade */

TRACE_EVENT(lab_contention_begin,
	TP_PROTO(const void *lock, u32 kind, u32 variant, u32 flags),
	TP_ARGS(lock, kind, variant, flags),
	TP_STRUCT__entry(
		__field(const void *, lock)
		__field(u32, kind)
		__field(u32, variant)
		__field(u32, flags)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->kind = kind;
		__entry->variant = variant;
		__entry->flags = flags;
	),
	TP_printk("lock=%p kind=%u variant=%u flags=%s%s%s%s",
		  __entry->lock, __entry->kind, __entry->variant,
		  __entry->flags & LAB_TRACE_F_SPIN ? "SPIN" : "SLEEP",
		  __entry->flags & LAB_TRACE_F_READ ? "|READ" : "",
		  __entry->flags & LAB_TRACE_F_WRITE ? "|WRITE" : "",
		  __entry->flags & LAB_TRACE_F_UPGRADE ? "|UPGRADE" : "")
);

TRACE_EVENT(lab_contention_end,
	TP_PROTO(const void *lock, int ret, u64 wait_ns),
	TP_ARGS(lock, ret, wait_ns),
	TP_STRUCT__entry(
		__field(const void *, lock)
		__field(int, ret)
		__field(u64, wait_ns)
	),
	TP_fast_assign(
		__entry->lock = lock;
		__entry->ret = ret;
		__entry->wait_ns = wait_ns;
	),
	TP_printk("lock=%p ret=%d wait_ns=%llu", __entry->lock, __entry->ret,
		  __entry->wait_ns)
);

TRACE_EVENT(lab_chan_wait_begin,
	TP_PROTO(const void *chan, bool send),
	TP_ARGS(chan, send),
	TP_STRUCT__entry(
		__field(const void *, chan)
		__field(bool, send)
	),
	TP_fast_assign(
		__entry->chan = chan;
		__entry->send = send;
	),
	TP_printk("chan=%p dir=%s", __entry->chan,
		  __entry->send ? "send" : "recv")
);

TRACE_EVENT(lab_chan_wait_end,
	TP_PROTO(const void *chan, bool send, int ret, u64 wait_ns),
	TP_ARGS(chan, send, ret, wait_ns),
	TP_STRUCT__entry(
		__field(const void *, chan)
		__field(bool, send)
		__field(int, ret)
		__field(u64, wait_ns)
	),
	TP_fast_assign(
		__entry->chan = chan;
		__entry->send = send;
		__entry->ret = ret;
		__entry->wait_ns = wait_ns;
	),
	TP_printk("chan=%p dir=%s ret=%d wait_ns=%llu", __entry->chan,
		  __entry->send ? "send" : "recv", __entry->ret,
		  __entry->wait_ns)
);

TRACE_EVENT(lab_rcu_gp_begin,
	TP_PROTO(const void *rcu),
	TP_ARGS(rcu),
	TP_STRUCT__entry(
		__field(const void *, rcu)
	),
	TP_fast_assign(
		__entry->rcu = rcu;
	),
	TP_printk("rcu=%p", __entry->rcu)
);

TRACE_EVENT(lab_rcu_gp_end,
	TP_PROTO(const void *rcu, u64 wait_ns),
	TP_ARGS(rcu, wait_ns),
	TP_STRUCT__entry(
		__field(const void *, rcu)
		__field(u64, wait_ns)
	),
	TP_fast_assign(
		__entry->rcu = rcu;
		__entry->wait_ns = wait_ns;
	),
	TP_printk("rcu=%p wait_ns=%llu", __entry->rcu, __entry->wait_ns)
);

#endif /* _LOCKLAB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH locklab
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
