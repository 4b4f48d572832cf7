/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab seqlock benchmark (private to the module): consistent reads per
 * second from N kthreads through the locklab seqlock or the kernel's
 * seqlock_t, while one more kthread keeps writing.
 */
#ifndef _LOCKLAB_BENCH_SEQBENCH_H
#define _LOCKLAB_BENCH_SEQBENCH_H

#include <linux/types.h>

#define LAB_SEQ_BENCH_MAX_THREADS	64

/**
 * struct lab_seq_bench_result - what lab_seq_bench() measured
 * @reads: consistent copies the readers took, all together
 * @writes: write sections of the writer
 * @elapsed_ns: from the threads' release to the last thread's return
 * @torn: accepted copies whose words disagreed (must be 0)
 * @retries: copies thrown away because a writer got in
 */
struct lab_seq_bench_result {
	u64 reads;
	u64 writes;
	u64 elapsed_ns;
	u64 torn;
	u64 retries;
};

int lab_seq_bench(u32 variant, unsigned int threads, unsigned int duration_ms,
		  struct lab_seq_bench_result *r);

#endif /* _LOCKLAB_BENCH_SEQBENCH_H */
