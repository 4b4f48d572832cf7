// SPDX-License-Identifier: GPL-2.0
/*
 * locklab channel benchmark: producers send fixed-size messages as fast as
 * the channel takes them for a while, consumers receive them, and the run
 * reports messages per second. Every flavour and the kfifo baseline go
 * through the same ops table and the same threads.
 *
 * Shutdown. Each producer owns a sender endpoint and each consumer a
 * receiver endpoint. When the run's stop flag is set, producers finish the
 * send they are in and drop their endpoint; the last one disconnects the
 * sending side, so consumers drain what is queued, get -EPIPE and drop
 * theirs; the last endpoint frees the channel. A producer blocked on a
 * full (or rendezvous) channel is released by the consumers, which keep
 * receiving until -EPIPE. So nothing waits on a flag it cannot see, and
 * sent == received at the end unless a channel loses or invents messages
 * (reported, not hidden).
 *
 * Invariants: endpoints are created before the threads start; a thread
 * drops exactly the one it owns; if the threads never ran (creation
 * failed) the benchmark drops them itself; a run stopped early leaves cb
 * to the threads, which free it once the last is done.
 */
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <locklab/channel.h>
#include <locklab/wait.h>

#include "bench/chanbench.h"
#include "bench/threads.h"

struct lab_cb {
	struct lab_chan *ch;
	unsigned int producers;
	size_t msg_size;
	bool stop;
	atomic_t ran;			/* threads that started */
	atomic64_t sent;
	atomic64_t received;
	atomic64_t errors;
};

static int lab_cb_producer(struct lab_cb *cb, unsigned int id)
{
	u8 *buf = kmalloc(cb->msg_size ?: 1, GFP_KERNEL_ACCOUNT);
	u64 n = 0;
	int ret = 0;

	if (buf)
		memset(buf, id, cb->msg_size);
	while (buf && !READ_ONCE(cb->stop)) {
		ret = lab_chan_send(cb->ch, buf, cb->msg_size, 0,
				    LAB_WAIT_FOREVER);
		if (ret == -ENOSPC) {	/* mpsc at its memory cap: back off */
			ret = 0;
			schedule_timeout_uninterruptible(1);
			continue;
		}
		if (ret)
			break;
		n++;
		cond_resched();
	}
	if (!buf || ret)
		atomic64_inc(&cb->errors);
	atomic64_add(n, &cb->sent);
	lab_chan_sender_put(cb->ch);
	kfree(buf);
	return 0;
}

static int lab_cb_consumer(struct lab_cb *cb)
{
	u8 *buf = kmalloc(cb->msg_size ?: 1, GFP_KERNEL_ACCOUNT);
	ssize_t ret = -ENOMEM;
	u64 n = 0;

	while (buf) {
		ret = lab_chan_recv(cb->ch, buf, cb->msg_size, 0,
				    LAB_WAIT_FOREVER);
		if (ret < 0)
			break;
		n++;
		cond_resched();
	}
	if (ret != -EPIPE)
		atomic64_inc(&cb->errors);
	atomic64_add(n, &cb->received);
	lab_chan_receiver_put(cb->ch);
	kfree(buf);
	return 0;
}

static int lab_cb_thread(void *arg, unsigned int id)
{
	struct lab_cb *cb = arg;

	atomic_inc(&cb->ran);
	if (id < cb->producers)
		return lab_cb_producer(cb, id);
	return lab_cb_consumer(cb);
}

/*
 * Endpoints: the creator's one of each, plus one per extra thread. Counts
 * what it holds in @s and @r (a get cannot fail on a channel whose
 * endpoints we hold, but if it did we must not drop more than we have).
 */
static int lab_cb_endpoints(struct lab_cb *cb, unsigned int consumers,
			    unsigned int *s, unsigned int *r)
{
	for (*s = 1; *s < cb->producers; (*s)++)
		if (WARN_ON_ONCE(lab_chan_sender_get(cb->ch)))
			return -EPIPE;
	for (*r = 1; *r < consumers; (*r)++)
		if (WARN_ON_ONCE(lab_chan_receiver_get(cb->ch)))
			return -EPIPE;
	return 0;
}

/* Abandoned: every thread ran and dropped its endpoint; cb is all left. */
static void lab_cb_free(void *arg)
{
	kfree(arg);
}

/**
 * lab_chan_bench() - measure a channel flavour's throughput
 * @ops: the flavour (not a one-shot one: -EOPNOTSUPP)
 * @producers: sending kthreads, at least 1
 * @consumers: receiving kthreads, at least 1; with @producers at most
 *	LOCKLAB_BENCH_MAX_THREADS
 * @duration_ms: how long producers send, at least 1
 * @msg_size: bytes per message, at most LAB_CHAN_MSG_MAX
 * @r: out: counts and rate
 *
 * The channel has the flavour's default capacity and @msg_size as its
 * message limit. Sleeps for about @duration_ms plus the drain; process
 * context. A signal to the caller stops the run early (-EINTR).
 *
 * Return: 0 with @r filled; -EINVAL for bad arguments; -EOPNOTSUPP;
 * -ENOMEM; -EINTR or -ETIMEDOUT when stopped early (at once: the threads
 * finish and free their state).
 */
int lab_chan_bench(const struct lab_chan_ops *ops, unsigned int producers,
		   unsigned int consumers, unsigned int duration_ms,
		   size_t msg_size, struct lab_chan_bench_result *r)
{
	struct lab_run_opts opts = {
		.interruptible = true,
		.abandon = lab_cb_free,
	};
	unsigned int threads = producers + consumers, held_s = 1, held_r = 1;
	struct lab_cb *cb;
	bool gone = false;
	u64 elapsed = 0;
	int ret;

	if (!producers || !consumers || threads > LOCKLAB_BENCH_MAX_THREADS ||
	    !duration_ms || msg_size > LAB_CHAN_MSG_MAX)
		return -EINVAL;
	if (ops->oneshot)
		return -EOPNOTSUPP;	/* one message per channel: no rate */
	cb = kzalloc(sizeof(*cb), GFP_KERNEL_ACCOUNT);
	if (!cb)
		return -ENOMEM;
	cb->ch = lab_chan_create(ops, 0, msg_size ?: 1, 0);
	if (IS_ERR(cb->ch)) {
		ret = PTR_ERR(cb->ch);
		kfree(cb);
		return ret;
	}
	cb->producers = producers;
	cb->msg_size = msg_size;
	ret = lab_cb_endpoints(cb, consumers, &held_s, &held_r);
	if (ret)
		goto out;

	opts.duration_ms = duration_ms;
	opts.stop = &cb->stop;
	opts.abandoned = &gone;
	opts.elapsed_ns = &elapsed;
	opts.timeout_ms = duration_ms + 60000;
	ret = lab_run_threads(threads, lab_cb_thread, cb, &opts);
	if (gone)
		return ret;	/* abandoned: the threads free cb */
	if (!atomic_read(&cb->ran))
		goto out;	/* no thread ran: their endpoints are still ours */

	r->sent = atomic64_read(&cb->sent);
	r->received = atomic64_read(&cb->received);
	r->errors = atomic64_read(&cb->errors);
	r->elapsed_ns = elapsed;
	r->msgs_per_sec = elapsed ? mul_u64_u64_div_u64(r->received,
							 NSEC_PER_SEC, elapsed) : 0;
	kfree(cb);
	return ret;
out:
	while (held_s--)
		lab_chan_sender_put(cb->ch);
	while (held_r--)
		lab_chan_receiver_put(cb->ch);
	kfree(cb);
	return ret;
}
