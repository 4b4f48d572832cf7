// SPDX-License-Identifier: GPL-2.0
/*
 * locklab lock torture: N kthreads take one lock through its ops table and
 * run a checked critical section (struct lab_cs) inside it, for a number of
 * iterations (KUnit: exact counts) or a duration (benchmark: rates).
 *
 * What it proves: with a lock that excludes, no thread ever finds another
 * inside the section and the shared plain counter equals the number of
 * sections run. Reader-writer locks mix shared sections (which must never
 * see a writer inside, nor the counter move) with exclusive ones, and record
 * how many readers overlapped. The broken locks below take nothing; the
 * same checks must catch them, which is what shows they can fail
 * (locktorture's lock_busted).
 */
#include <linux/delay.h>
#include <linux/kcsan-checks.h>
#include <linux/minmax.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include <locklab/wait.h>

#include "bench/section.h"
#include "bench/threads.h"
#include "bench/torture.h"

struct lab_torture_times {
	struct lab_times wait;
	struct lab_times hold;
};

struct lab_torture {
	struct lab_torture_cfg cfg;	/* a copy: the threads may outlive the caller */
	struct lab_torture_times *times;	/* per thread, with cfg.times */
	void *lock;
	bool stop;
	struct lab_cs cs;
	atomic64_t reads;
	u64 count[];
};

/* One acquisition of a reader-writer lock: shared or exclusive. */
/* With cfg.times: the clock before the lock, after it, after the section. */
static u64 lab_torture_clock(const struct lab_torture *t)
{
	return t->times ? ktime_get_ns() : 0;
}

static void lab_torture_timed(struct lab_torture *t, unsigned int id, u64 t0,
			      u64 t1)
{
	if (!t->times)
		return;
	lab_times_add(&t->times[id].wait, t1 - t0);
	lab_times_add(&t->times[id].hold, ktime_get_ns() - t1);
}

static void lab_torture_rw_once(struct lab_torture *t, unsigned int id,
				struct rnd_state *rs)
{
	const struct lab_torture_cfg *cfg = &t->cfg;
	const struct lab_rwlock_ops *rw = cfg->rw;
	u64 t0 = lab_torture_clock(t), t1;

	if (prandom_u32_state(rs) % 100 < cfg->read_pct) {
		WARN_ON_ONCE(rw->rd_lock(t->lock, 0, LAB_WAIT_FOREVER));
		t1 = lab_torture_clock(t);
		lab_cs_read_section(&t->cs, cfg->hold_ns);
		lab_torture_timed(t, id, t0, t1);
		rw->rd_unlock(t->lock);
		atomic64_inc(&t->reads);
	} else {
		WARN_ON_ONCE(rw->wr_lock(t->lock, 0, LAB_WAIT_FOREVER));
		t1 = lab_torture_clock(t);
		lab_cs_section(&t->cs, cfg->hold_ns);
		lab_torture_timed(t, id, t0, t1);
		rw->wr_unlock(t->lock);
	}
}

static int lab_torture_thread(void *data, unsigned int id)
{
	struct lab_torture *t = data;
	const struct lab_torture_cfg *cfg = &t->cfg;
	const struct lab_lock_ops *ops = cfg->ops;
	union lab_lock_ctx ctx;
	struct rnd_state rs;
	u64 n = 0, t0, t1;

	prandom_seed_state(&rs, 0x10c61ab + id);
	while (!READ_ONCE(t->stop) && (!cfg->iterations || n < cfg->iterations)) {
		if (cfg->rw) {
			lab_torture_rw_once(t, id, &rs);
		} else {
			t0 = lab_torture_clock(t);
			ops->lock(t->lock, &ctx);
			t1 = lab_torture_clock(t);
			lab_cs_section(&t->cs, cfg->hold_ns);
			lab_torture_timed(t, id, t0, t1);
			ops->unlock(t->lock, &ctx);
		}
		/* Progress for the watchdog (lab_torture_progress()). */
		if (!(++n & 15))
			WRITE_ONCE(t->count[id], n);
		if (cfg->gap_ns)
			ndelay(cfg->gap_ns);
		/* PREEMPT_NONE and UP kernels: let the other threads run. */
		cond_resched();
	}
	WRITE_ONCE(t->count[id], n);
	return 0;
}

/*
 * The watchdog's count (struct lab_run_opts): sections done so far, in
 * steps of 16 per thread. A lost wake-up in the lock leaves every thread
 * asleep in it: the count stops.
 */
static u64 lab_torture_progress(void *arg)
{
	struct lab_torture *t = arg;
	unsigned int i;
	u64 sum = 0;

	for (i = 0; i < t->cfg.threads; i++)
		sum += READ_ONCE(t->count[i]);
	return sum;
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
	st->reads = atomic64_read(&t->reads);
	st->max_readers = atomic_read(&t->cs.max_readers);
	st->lost_updates = st->acquisitions - st->reads - t->cs.counter;
	for (i = 0; t->times && st->wait && st->hold && i < nr; i++) {
		lab_times_merge(st->wait, &t->times[i].wait);
		lab_times_merge(st->hold, &t->times[i].hold);
	}
}

static void lab_torture_free(void *arg)
{
	struct lab_torture *t = arg;

	if (t->cfg.ops)
		t->cfg.ops->destroy(t->lock);
	else
		t->cfg.rw->destroy(t->lock);
	kfree(t->lock);
	kfree(t->times);
	kfree(t);
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
 * early (@st then covers the part that ran, except for interruptible runs,
 * which return at once and leave the threads their state); -EDEADLK when
 * a thread is stuck in the lock (its state is leaked, see
 * lab_run_threads()); -ETIME (not interruptible runs) when no section
 * completed for 10 s, as a lost wake-up in the lock does: the threads were
 * woken and stopped, @st covers what ran; or the lock's init error.
 */
int lab_torture_run(const struct lab_torture_cfg *cfg,
		    struct lab_torture_stats *st)
{
	struct lab_run_opts opts = {
		.bind = cfg->bind,
		.interruptible = cfg->interruptible,
		.elapsed_ns = &st->elapsed_ns,
		/* The device's runs leave the threads their state on a stop. */
		.abandon = cfg->interruptible ? lab_torture_free : NULL,
	};
	size_t size = cfg->ops ? cfg->ops->size : cfg->rw ? cfg->rw->size : 0;
	struct lab_torture *t;
	bool gone = false;
	int ret;

	if (!cfg->ops == !cfg->rw || !cfg->threads || cfg->read_pct > 100 ||
	    (!cfg->iterations && !cfg->duration_ms))
		return -EINVAL;
	t = kzalloc(struct_size(t, count, cfg->threads), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	t->lock = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (cfg->times)
		t->times = kcalloc(cfg->threads, sizeof(*t->times),
				   GFP_KERNEL_ACCOUNT);
	if (!t->lock || (cfg->times && !t->times)) {
		kfree(t->lock);
		kfree(t->times);
		kfree(t);
		return -ENOMEM;
	}
	ret = cfg->ops ? cfg->ops->init(t->lock) : cfg->rw->init(t->lock);
	if (ret) {
		kfree(t->lock);
		kfree(t->times);
		kfree(t);
		return ret;
	}
	t->cfg = *cfg;
	atomic_long_set(&t->cs.violations, 0);

	opts.stop = &t->stop;
	opts.abandoned = &gone;
	/* The KUnit runs: a stall fails in seconds (the device's may wait). */
	if (!cfg->interruptible)
		opts.progress = lab_torture_progress;
	if (!cfg->iterations)
		opts.duration_ms = cfg->duration_ms;
	opts.timeout_ms = cfg->timeout_ms ?:
			  (cfg->iterations ? 60000 : cfg->duration_ms + 10000);

	ret = lab_run_threads(cfg->threads, lab_torture_thread, t, &opts);
	if (ret == -EDEADLK)
		return ret;	/* threads still use t: leak it */
	if (gone)
		return ret;	/* the threads free t */
	lab_torture_stats(t, cfg->threads, st);
	lab_torture_free(t);
	return ret;
}

/*
 * The broken locks: lock and trylock take nothing, so sections overlap as
 * soon as two threads run at once. They count holders so that is_locked
 * stays truthful: only exclusion is broken. The spin flavour disables
 * preemption like a spin lock; the mutex flavour may sleep in its section
 * like a mutex holder.
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

/*
 * The broken sections race by design: KCSAN (when configured) is told to
 * look away from them, so that its reports mean real bugs; the checked
 * section still counts the violations it is there to show.
 */
static void broken_take(void *l)
{
	struct lab_broken_lock *b = l;

	atomic_inc(&b->holders);
	kcsan_disable_current();
}

static void broken_drop(void *l)
{
	struct lab_broken_lock *b = l;

	kcsan_enable_current();
	atomic_dec(&b->holders);
}

static bool broken_is_locked(void *l)
{
	struct lab_broken_lock *b = l;

	return atomic_read(&b->holders) > 0;
}

static void broken_spin_lock(void *l, union lab_lock_ctx *c)
{
	preempt_disable();
	broken_take(l);
}

static bool broken_spin_trylock(void *l, union lab_lock_ctx *c)
{
	broken_spin_lock(l, c);
	return true;
}

static void broken_spin_unlock(void *l, union lab_lock_ctx *c)
{
	broken_drop(l);
	preempt_enable();
}

const struct lab_lock_ops lab_broken_spin_ops = {
	.name = "broken",
	.kind = LOCKLAB_KIND_SPIN,
	.variant = LOCKLAB_SPIN_BROKEN,
	.props = LOCKLAB_PROP_BROKEN,
	.size = sizeof(struct lab_broken_lock),
	.init = broken_init,
	.destroy = broken_destroy,
	.lock = broken_spin_lock,
	.trylock = broken_spin_trylock,
	.unlock = broken_spin_unlock,
	.is_locked = broken_is_locked,
};

static void broken_mutex_lock(void *l, union lab_lock_ctx *c)
{
	might_sleep();
	broken_take(l);
}

static int broken_mutex_lock_wait(void *l, union lab_lock_ctx *c,
				  unsigned int flags, ktime_t deadline)
{
	broken_mutex_lock(l, c);
	return 0;
}

static bool broken_mutex_trylock(void *l, union lab_lock_ctx *c)
{
	broken_take(l);
	return true;
}

static void broken_mutex_unlock(void *l, union lab_lock_ctx *c)
{
	broken_drop(l);
}

const struct lab_lock_ops lab_broken_mutex_ops = {
	.name = "broken",
	.kind = LOCKLAB_KIND_MUTEX,
	.variant = LOCKLAB_MUTEX_BROKEN,
	.props = LOCKLAB_PROP_BROKEN | LOCKLAB_PROP_SLEEPS,
	.size = sizeof(struct lab_broken_lock),
	.init = broken_init,
	.destroy = broken_destroy,
	.lock = broken_mutex_lock,
	.lock_wait = broken_mutex_lock_wait,
	.trylock = broken_mutex_trylock,
	.unlock = broken_mutex_unlock,
	.is_locked = broken_is_locked,
};

static int broken_rw_lock(void *l, unsigned int flags, ktime_t deadline)
{
	broken_take(l);
	return 0;
}

static bool broken_rw_trylock(void *l)
{
	broken_take(l);
	return true;
}

static void broken_rw_downgrade(void *l)
{
}

const struct lab_rwlock_ops lab_broken_rwlock_ops = {
	.name = "broken",
	.kind = LOCKLAB_KIND_RWLOCK,
	.variant = LOCKLAB_RWLOCK_BROKEN,
	.props = LOCKLAB_PROP_BROKEN | LOCKLAB_PROP_SLEEPS,
	.size = sizeof(struct lab_broken_lock),
	.init = broken_init,
	.destroy = broken_destroy,
	.rd_lock = broken_rw_lock,
	.wr_lock = broken_rw_lock,
	.rd_trylock = broken_rw_trylock,
	.wr_trylock = broken_rw_trylock,
	.rd_unlock = broken_drop,
	.wr_unlock = broken_drop,
	.downgrade = broken_rw_downgrade,
};
