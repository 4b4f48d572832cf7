// SPDX-License-Identifier: GPL-2.0
/*
 * locklab compiler-barrier experiment (seed post 003: a hand-written
 * `lock; xchg` and what a missing compiler barrier breaks).
 *
 * One test-and-set spin lock, written in asm twice, the same instructions
 * both times:
 *
 *   lock:    x86-64  xchg 1 into the word until the old value is 0
 *            arm64   ldaxr / cbnz / stxr loop
 *   unlock:  x86-64  mov 0 to the word       arm64  stlr wzr
 *
 * The fenced lock's asm has the "memory" clobber; the broken one's has
 * only the lock word as an operand ("+m" / "+Q"), so GCC knows that the asm
 * reads and writes the lock word and nothing else. Both guard the same
 * critical section: a plain (non-atomic, non-volatile) increment of a
 * counter that sits next to the lock word in one structure, repeated in a
 * loop of LAB_CLOBBER_CHUNK acquisitions between calls to cond_resched().
 *
 * What the compiler may do. With the clobber, each asm may read or write
 * any memory, so the counter is loaded after every lock and stored before
 * every unlock: the section stays inside the lock. Without it, nothing in
 * the loop but the increment touches the counter (the lock word is a
 * different field of the same object, which GCC can see never overlaps
 * it), so the loop-invariant motion pass may load the counter once before
 * the loop, keep it in a register and store it once after: every thread
 * then adds LAB_CLOBBER_CHUNK to a stale copy, outside any lock, and
 * updates are lost although every instruction of the lock is right.
 * Whether GCC does so is its choice: scripts/lab-objdump.sh shows the two
 * loops of the built object, and the run shows what that did.
 *
 * The broken loop is deliberately racy: it is __no_kcsan and runs with
 * KCSAN disabled (as the project's broken locks do), and nothing but this
 * experiment calls it. The hardware ordering of both locks is right
 * (xchg is a full barrier, a TSO store a release; ldaxr acquires, stlr
 * releases): only the compiler barrier differs.
 */
#include <linux/compiler.h>
#include <linux/kcsan-checks.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <locklab/atomic.h>
#include <locklab/lab.h>

#include "lab/lab_internal.h"

#define LAB_CLOBBER_CHUNK	1024

/* The lock word and the data it guards, side by side (as a spinlock's). */
struct lab_clobber_section {
	int lock;
	unsigned long counter;
} ____cacheline_aligned_in_smp;

struct lab_clobber_run {
	struct lab_clobber_section fenced;
	struct lab_clobber_section broken;
	atomic_t arrived;
	unsigned int threads;
	u64 rounds;
	u64 ns[2];
	bool stop;
};

#if LAB_HAVE_X86_ATOMICS

/*
 * The spin is inside the asm (as on arm64, where the LL/SC loop must be):
 * to the compiler the lock is one statement, not a loop.
 */
#define LAB_CLOBBER_X86_LOCK						\
	"1:	movl	$1, %%eax\n"					\
	"	xchgl	%%eax, %0\n"					\
	"	testl	%%eax, %%eax\n"					\
	"	jnz	1b\n"

static __always_inline void lab_clobber_lock_fenced(int *word)
{
	/* Full barrier for the CPU; "memory": for the compiler too. */
	asm volatile(LAB_CLOBBER_X86_LOCK
		     : "+m" (*word) : : "eax", "cc", "memory");
}

static __always_inline void lab_clobber_unlock_fenced(int *word)
{
	/* RELEASE under TSO; "memory": the section's stores stay above. */
	asm volatile("movl $0, %0" : "=m" (*word) : : "memory");
}

/* BROKEN ON PURPOSE: no "memory" clobber. */
static __always_inline void lab_clobber_lock_broken(int *word)
{
	asm volatile(LAB_CLOBBER_X86_LOCK : "+m" (*word) : : "eax", "cc");
}

/* BROKEN ON PURPOSE: no "memory" clobber. */
static __always_inline void lab_clobber_unlock_broken(int *word)
{
	asm volatile("movl $0, %0" : "=m" (*word));
}

#elif LAB_HAVE_ARM64_ATOMICS

static __always_inline void lab_clobber_lock_fenced(int *word)
{
	int old, fail;

	/* ACQUIRE (ldaxr) for the CPU; "memory": for the compiler too. */
	asm volatile("1:	ldaxr	%w0, %2\n"
		     "	cbnz	%w0, 1b\n"
		     "	stxr	%w1, %w3, %2\n"
		     "	cbnz	%w1, 1b\n"
		     : "=&r" (old), "=&r" (fail), "+Q" (*word)
		     : "r" (1) : "memory");
}

static __always_inline void lab_clobber_unlock_fenced(int *word)
{
	/* RELEASE (stlr); "memory": the section's stores stay above. */
	asm volatile("stlr	wzr, %0" : "=Q" (*word) : : "memory");
}

/* BROKEN ON PURPOSE: no "memory" clobber. */
static __always_inline void lab_clobber_lock_broken(int *word)
{
	int old, fail;

	asm volatile("1:	ldaxr	%w0, %2\n"
		     "	cbnz	%w0, 1b\n"
		     "	stxr	%w1, %w3, %2\n"
		     "	cbnz	%w1, 1b\n"
		     : "=&r" (old), "=&r" (fail), "+Q" (*word) : "r" (1));
}

/* BROKEN ON PURPOSE: no "memory" clobber. */
static __always_inline void lab_clobber_unlock_broken(int *word)
{
	asm volatile("stlr	wzr, %0" : "=Q" (*word));
}

#endif

#if LAB_HAVE_X86_ATOMICS || LAB_HAVE_ARM64_ATOMICS

/*
 * The two loops scripts/lab-objdump.sh disassembles: noinline, so each is
 * a symbol of its own in lab/clobber.o (local; GCC may add a suffix).
 */
static noinline void lab_clobber_loop_fenced(struct lab_clobber_section *s)
{
	unsigned int i;

	for (i = 0; i < LAB_CLOBBER_CHUNK; i++) {
		/* What KCSAN cannot see in the asm: acquire, release. */
		kcsan_mb();
		lab_clobber_lock_fenced(&s->lock);
		s->counter++;
		kcsan_release();
		lab_clobber_unlock_fenced(&s->lock);
	}
}

static noinline __no_kcsan void
lab_clobber_loop_broken(struct lab_clobber_section *s)
{
	unsigned int i;

	for (i = 0; i < LAB_CLOBBER_CHUNK; i++) {
		lab_clobber_lock_broken(&s->lock);
		s->counter++;
		lab_clobber_unlock_broken(&s->lock);
	}
}

static bool lab_clobber_phase(struct lab_clobber_run *c, unsigned int id,
			      u32 *phase, bool broken)
{
	struct lab_clobber_section *s = broken ? &c->broken : &c->fenced;
	u64 t0 = 0, done;

	if (!lab_group_meet(&c->arrived, c->threads, ++*phase, &c->stop))
		return false;
	if (!id)
		t0 = ktime_get_ns();
	if (broken)
		kcsan_disable_current();
	for (done = 0; done < c->rounds; done += LAB_CLOBBER_CHUNK) {
		if (broken)
			lab_clobber_loop_broken(s);
		else
			lab_clobber_loop_fenced(s);
		if (READ_ONCE(c->stop))
			break;
		cond_resched();
	}
	if (broken)
		kcsan_enable_current();
	if (!lab_group_meet(&c->arrived, c->threads, ++*phase, &c->stop))
		return false;
	if (!id)
		c->ns[broken] = ktime_get_ns() - t0;
	return true;
}

static int lab_clobber_thread(void *arg, unsigned int id)
{
	struct lab_clobber_run *c = arg;
	u32 phase = 0;

	if (!lab_clobber_phase(c, id, &phase, false) ||
	    !lab_clobber_phase(c, id, &phase, true))
		return -EINTR;
	return 0;
}

/**
 * lab_clobber_run() - the same section under the fenced and the broken lock
 * @cfg: checked: @threads threads, @rounds acquisitions each (rounded up
 *	to a whole LAB_CLOBBER_CHUNK)
 * @res: out: [0] increments made, [1] the counter under the fenced lock,
 *	[2] under the broken one, [3] and [4] their nanoseconds
 *
 * Return: 0, -ENOMEM, -EINTR or -ETIMEDOUT (see lab_exp_run()).
 */
int lab_clobber_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res)
{
	struct lab_clobber_run *c;
	bool gone;
	int ret;

	c = kvzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->threads = cfg->threads;
	c->rounds = roundup(cfg->rounds, LAB_CLOBBER_CHUNK);
	res->rounds = c->rounds;
	ret = lab_exp_threads(cfg, c->threads, lab_clobber_thread, c, &c->stop,
			      &res->elapsed_ns, &gone);
	if (gone)
		return ret;	/* abandoned: the threads free c */
	res->nr_results = 5;
	res->results[0] = c->threads * c->rounds;
	res->results[1] = c->fenced.counter;
	res->results[2] = c->broken.counter;
	res->results[3] = c->ns[0];
	res->results[4] = c->ns[1];
	kvfree(c);
	return ret;
}

#else /* no hand-written lock on this architecture */

int lab_clobber_run(const struct lab_exp_cfg *cfg, struct lab_exp_result *res)
{
	return -EOPNOTSUPP;	/* lab_exp_check() refuses it first */
}

#endif
