/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab channel benchmark (private to the module): lab_chan_bench()
 * measures a channel flavour's message rate through struct lab_chan_ops
 * (bench/chanbench.c).
 */
#ifndef _LOCKLAB_BENCH_CHANBENCH_H
#define _LOCKLAB_BENCH_CHANBENCH_H

#include <linux/types.h>

struct lab_chan_ops;

/**
 * struct lab_chan_bench_result - what lab_chan_bench() measured
 * @sent: messages producers sent successfully
 * @received: messages consumers received; equals @sent for a channel that
 *	neither loses nor invents messages
 * @errors: threads that stopped on an unexpected error (a producer on
 *	anything but the stop flag, a consumer on anything but -EPIPE)
 * @elapsed_ns: from the release of the threads to the last one's return
 *	(includes draining what was queued when producers stopped)
 * @msgs_per_sec: @received per second of @elapsed_ns
 */
struct lab_chan_bench_result {
	u64 sent;
	u64 received;
	u64 errors;
	u64 elapsed_ns;
	u64 msgs_per_sec;
};

int lab_chan_bench(const struct lab_chan_ops *ops, unsigned int producers,
		   unsigned int consumers, unsigned int duration_ms,
		   size_t msg_size, struct lab_chan_bench_result *r);

#endif /* _LOCKLAB_BENCH_CHANBENCH_H */
