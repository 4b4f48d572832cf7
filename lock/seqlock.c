// SPDX-License-Identifier: GPL-2.0
/*
 * locklab seqlock: the reader's slow path and the ops tables (book ch. 10,
 * "Sequence Lock"; the fast paths are inline in include/locklab/seqlock.h).
 *
 * Algorithm. A counter @seq and a writer lock. A writer takes the lock,
 * makes @seq odd, writes the data and makes @seq even again; a reader
 * loads @seq (waiting while it is odd), reads the data, and loads @seq
 * again: equal means no writer got in between, and the copy is kept,
 * otherwise it is thrown away and read again.
 *
 * Encoding: @seq = 2k while no writer is inside, after k write sections;
 * 2k+1 while the (k+1)-th is. Only the writer holding the lock writes it,
 * so its increments are plain loads and stores; it wraps after 2^31 write
 * sections, which only matters to a reader that sleeps through exactly
 * that many (readers here never sleep in a section).
 *
 * Invariants: (I1) @seq is odd exactly while a writer is between
 * lab_write_seqlock() and lab_write_sequnlock(); (I2) writers are
 * serialized, so the k-th section sees everything the (k-1)-th wrote;
 * (I3) a copy accepted with start value 2k holds, in every word, what the
 * first k sections left there: nothing older, nothing newer.
 *
 * The barriers, and what each pairs with:
 *
 *   W1  writer lock ACQUIRE (lab_ttas_lock()), pairs with the RELEASE of
 *       the previous writer's unlock (W4): sections are totally ordered,
 *       so the plain read-increment-write of @seq is exact (I2).
 *   W2  release fence after the odd store, pairs with R2: the odd value
 *       is ordered before every data store of the section.
 *   W3  RELEASE store of the even value, pairs with R1: every data store
 *       of the section is ordered before the even value.
 *   W4  writer lock RELEASE (lab_tas_unlock()), pairs with W1.
 *   R1  ACQUIRE load of @seq in lab_read_seqbegin() (or in the wait of
 *       lab_read_seqbegin_slow()), pairs with W3: a reader that read 2k
 *       reads, in every word, what section k (or an earlier one) wrote or
 *       something newer; never something section k overwrote.
 *   R2  acquire fence before the reload in lab_read_seqretry(), pairs with
 *       W2 (fence to fence): if any data load of the section read a value
 *       that section k+1 wrote, that write follows W2, so the odd store
 *       2k+1 happens before the reload, which then reads 2k+1 or later and
 *       the copy is retried. So an accepted copy read nothing newer than
 *       section k, and by R1 nothing older: (I3).
 *
 * Without R2 the data loads could be satisfied after the reload (arm64
 * reorders loads; x86 does not, and there the fence costs nothing);
 * without W2 the data stores could become visible before the odd value
 * (arm64 reorders stores); without R1/W3 a reader could read the even
 * value of a section and still miss its data. The broken variant below
 * drops R1 and R2 altogether (it never looks at @seq) and the checked
 * sections of the tests and the device catch its torn copies.
 *
 * Ops: lab_seqlock_ops[] puts locklab's seqlock, the kernel's seqlock_t
 * (the baseline: the same algorithm over a spinlock_t, with lockdep and
 * KCSAN annotations) and the broken one behind struct lab_seq_ops, the
 * one entrance the device (dev/obj_seq.c) and the KUnit suite use. The
 * benchmark (bench/seqbench.c) calls the primitives directly, so that its
 * measured loop makes no indirect calls.
 */
#include <linux/bug.h>
#include <linux/seqlock.h>

#include <locklab/export.h>
#include <locklab/ops.h>
#include <locklab/seqlock.h>

/**
 * lab_read_seqbegin_slow() - wait for the writer to leave
 * @sl: the seqlock, seen odd
 *
 * Spins with lab_atomic_cond_read_acquire() until @seq is even: at most
 * one write section (writers do not sleep inside).
 *
 * Return: the even sequence, loaded with ACQUIRE (R1).
 */
noinline u32 lab_read_seqbegin_slow(struct lab_seqlock *sl)
{
	/* R1: ACQUIRE, pairs with W3 of the section we waited for. */
	return (u32)lab_atomic_cond_read_acquire(&sl->seq, !(VAL & 1));
}
EXPORT_SYMBOL_LOCKLAB(lab_read_seqbegin_slow);

/* --- locklab's seqlock ---------------------------------------------------- */

static int lab_seq_ops_init(void *sl)
{
	lab_seqlock_init(sl);
	return 0;
}

static void lab_seq_ops_destroy(void *sl)
{
	struct lab_seqlock *s = sl;

	/* (I1): no writer may be inside at teardown. */
	WARN_ON_ONCE(atomic_read(&s->seq) & 1);
}

static u32 lab_seq_ops_read_begin(void *sl)
{
	return lab_read_seqbegin(sl);
}

static bool lab_seq_ops_read_retry(void *sl, u32 start)
{
	return lab_read_seqretry(sl, start);
}

static void lab_seq_ops_write_lock(void *sl)
{
	lab_write_seqlock(sl);
}

static bool lab_seq_ops_write_trylock(void *sl)
{
	return lab_write_seqtrylock(sl);
}

static void lab_seq_ops_write_unlock(void *sl)
{
	lab_write_sequnlock(sl);
}

/* --- The kernel's seqlock_t ------------------------------------------------ */

static int kseq_init(void *sl)
{
	seqlock_init((seqlock_t *)sl);
	return 0;
}

static void kseq_destroy(void *sl)
{
}

static u32 kseq_read_begin(void *sl)
{
	return read_seqbegin(sl);
}

static bool kseq_read_retry(void *sl, u32 start)
{
	return read_seqretry(sl, start);
}

/* The ops interface hides the lock behind void *: tell sparse. */
static void kseq_write_lock(void *sl)
	__acquires(sl)
{
	write_seqlock(sl);
}

static void kseq_write_unlock(void *sl)
	__releases(sl)
{
	write_sequnlock(sl);
}

/* --- Broken: readers never look at the sequence ---------------------------- */

static u32 broken_seq_read_begin(void *sl)
{
	return 0;
}

static bool broken_seq_read_retry(void *sl, u32 start)
{
	return false;
}

/* Ours, with the read side @rd_pfx: lab_seq_ops (correct) or broken_seq. */
#define LAB_SEQ_OPS(_name, _variant, _props, rd_pfx)			\
	.name = _name, .kind = LOCKLAB_KIND_SEQLOCK,			\
	.variant = _variant, .props = _props,				\
	.size = sizeof(struct lab_seqlock),				\
	.init = lab_seq_ops_init,					\
	.destroy = lab_seq_ops_destroy,					\
	.rd_begin = rd_pfx##_read_begin,				\
	.rd_retry = rd_pfx##_read_retry,				\
	.wr_lock = lab_seq_ops_write_lock,				\
	.wr_trylock = lab_seq_ops_write_trylock,			\
	.wr_unlock = lab_seq_ops_write_unlock

const struct lab_seq_ops lab_seqlock_ops[] = {
	{ LAB_SEQ_OPS("seqlock", LOCKLAB_SEQLOCK_LAB, 0, lab_seq_ops) },
	{
		.name = "kernel", .kind = LOCKLAB_KIND_SEQLOCK,
		.variant = LOCKLAB_SEQLOCK_KERNEL, .props = LOCKLAB_PROP_KERNEL,
		.size = sizeof(seqlock_t),
		.init = kseq_init,
		.destroy = kseq_destroy,
		.rd_begin = kseq_read_begin,
		.rd_retry = kseq_read_retry,
		.wr_lock = kseq_write_lock,
		.wr_unlock = kseq_write_unlock,
	},
	{
		LAB_SEQ_OPS("broken", LOCKLAB_SEQLOCK_BROKEN,
			    LOCKLAB_PROP_BROKEN, broken_seq),
	},
};

const unsigned int lab_seqlock_ops_nr = ARRAY_SIZE(lab_seqlock_ops);
