// SPDX-License-Identifier: GPL-2.0
/*
 * locklab lock torture: N kthreads take one lock through its ops table and
 * run a checked critical section (struct lab_cs) inside it, for a number of
 * iterations (KUnit: exact counts) or a duration (benchmark: rates).
 *
 * What it proves: with a lock that excludes, no thread ever finds another
 * inside the section and the shared plain counter equals the number of
 * sections run. The broken lock below takes nothing; the same checks must
 * catch it, which is what shows they can fail (locktorture's lock_busted).
 */
#include <linux/delay.h>
#include <linux/kcsan-checks.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "torture.h"

/**
 * lab_cs_section() - one checked critical section
 * @cs: the shared section state
 * @hold_ns: busy time inside the section
 *
 * Must be called with the lock under test held. The non-atomic increment is
 * deliberate: it is the "plain counter" whose lost updates reveal a
 * section that two threads ran at once. KCSAN checks it too.
 */
void lab_cs_section(struct lab_cs *cs, unsigned int hold_ns)
{
	unsigned long c;

	if (READ_ONCE(cs->inside))
		atomic_long_inc(&cs->violations);
	WRITE_ONCE(cs->inside, 1);
	ASSERT_EXCLUSIVE_ACCESS(cs->counter);
	c = READ_ONCE(cs->counter);
	if (hold_ns)
		ndelay(hold_ns);
	WRITE_ONCE(cs->counter, c + 1);
	WRITE_ONCE(cs->inside, 0);
}

struct lab_torture {
	const struct lab_torture_cfg *cfg;
	void *lock;
	bool stop;
	struct lab_cs cs;
	u64 count[];
};

static int lab_torture_thread(void *data, unsigned int id)
{
	struct lab_torture *t = data;
	const struct lab_torture_cfg *cfg = t->cfg;
	const struct lab_lock_ops *ops = cfg->ops;
	union lab_lock_ctx ctx;
	u64 n = 0;

	while (!READ_ONCE(t->stop) && (!cfg->iterations || n < cfg->iterations)) {
		ops->lock(t->lock, &ctx);
		lab_cs_section(&t->cs, cfg->hold_ns);
		ops->unlock(t->lock, &ctx);
		n++;
		if (cfg->gap_ns)
			ndelay(cfg->gap_ns);
		/* PREEMPT_NONE and UP kernels: let the other threads run. */
		cond_resched();
	}
	t->count[id] = n;
	return 0;
}

static void lab_torture_stats(struct lab_torture *t, unsigned int nr,
			      struct lab_torture_stats *st)
{
	unsigned int i;

	st->acquisitions = 0;
	st->thread_min = U64_MAX;
	st->thread_max = 0;
	for (i = 0; i < nr; i++) {
		st->acquisitions += t->count[i];
		st->thread_min = min(st->thread_min, t->count[i]);
		st->thread_max = max(st->thread_max, t->count[i]);
		if (st->per_thread)
			st->per_thread[i] = t->count[i];
	}
	st->violations = atomic_long_read(&t->cs.violations);
	st->lost_updates = st->acquisitions - t->cs.counter;
}

/**
 * lab_torture_run() - hammer one lock from cfg->threads kthreads
 * @cfg: what to run
 * @st: out: what it measured
 *
 * Sleeps; process context. A lock that does not exclude is not an error
 * here: it shows in @st.
 *
 * Return: 0; -EINVAL for a bad @cfg; -EINTR or -ETIMEDOUT when stopped
 * early (@st then covers the part that ran); -EDEADLK when a thread is
 * stuck in the lock (its state is leaked, see lab_run_threads()); or the
 * lock's init error.
 */
int lab_torture_run(const struct lab_torture_cfg *cfg,
		    struct lab_torture_stats *st)
{
	struct lab_run_opts opts = {
		.bind = cfg->bind,
		.interruptible = cfg->interruptible,
		.elapsed_ns = &st->elapsed_ns,
	};
	struct lab_torture *t;
	int ret;

	if (!cfg->ops || !cfg->threads ||
	    (!cfg->iterations && !cfg->duration_ms))
		return -EINVAL;
	t = kzalloc(struct_size(t, count, cfg->threads), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->lock = kzalloc(cfg->ops->size, GFP_KERNEL);
	if (!t->lock) {
		kfree(t);
		return -ENOMEM;
	}
	ret = cfg->ops->init(t->lock);
	if (ret)
		goto out_free;
	t->cfg = cfg;
	atomic_long_set(&t->cs.violations, 0);

	opts.stop = &t->stop;
	if (!cfg->iterations)
		opts.duration_ms = cfg->duration_ms;
	opts.timeout_ms = cfg->timeout_ms ?:
			  (cfg->iterations ? 60000 : cfg->duration_ms + 10000);

	ret = lab_run_threads(cfg->threads, lab_torture_thread, t, &opts);
	if (ret == -EDEADLK)
		return ret;	/* threads still use t: leak it */
	lab_torture_stats(t, cfg->threads, st);
	cfg->ops->destroy(t->lock);
out_free:
	kfree(t->lock);
	kfree(t);
	return ret;
}

/*
 * The broken spin lock: lock and trylock take nothing, so sections overlap
 * as soon as two threads run at once. It counts holders so that is_locked
 * stays truthful: only exclusion is broken.
 */
struct lab_broken_lock {
	atomic_t holders;
};

static int broken_init(void *l)
{
	return 0;
}

static void broken_destroy(void *l)
{
}

static void broken_lock(void *l, union lab_lock_ctx *c)
{
	struct lab_broken_lock *b = l;

	preempt_disable();
	atomic_inc(&b->holders);
}

static bool broken_trylock(void *l, union lab_lock_ctx *c)
{
	broken_lock(l, c);
	return true;
}

static void broken_unlock(void *l, union lab_lock_ctx *c)
{
	struct lab_broken_lock *b = l;

	atomic_dec(&b->holders);
	preempt_enable();
}

static bool broken_is_locked(void *l)
{
	struct lab_broken_lock *b = l;

	return atomic_read(&b->holders) > 0;
}

const struct lab_lock_ops lab_broken_spin_ops = {
	.name = "broken",
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_BROKEN,
	.props = LOCKLAB_PROP_BROKEN,
	.size = sizeof(struct lab_broken_lock),
	.init = broken_init,
	.destroy = broken_destroy,
	.lock = broken_lock,
	.trylock = broken_trylock,
	.unlock = broken_unlock,
	.is_locked = broken_is_locked,
};
