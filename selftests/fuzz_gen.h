/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The argument generators of fuzz_test: near-miss and random command
 * numbers, flags, timeouts, hold times, variants and pointers, and the
 * structures of OP, CHAN, CREATE and BENCH filled from them (mostly
 * near-valid, so that the calls get past the format checks). Each draws
 * from its task's seeded PRNG only. Include after fuzz_common.h.
 */
#ifndef _LOCKLAB_FUZZ_GEN_H
#define _LOCKLAB_FUZZ_GEN_H

/*
 * Kind, variant, params: all CREATE must make; from the first of kind 8 (the
 * RCU domain, a benchmark only) on, refuse.
 */
static const uint32_t specs[][4] = {
	{ 1, 1 }, { 1, 2 }, { 1, 3 }, { 1, 4 }, { 1, 5 }, { 1, 6 },
	{ 1, 0x40 }, { 1, 0x7f }, { 2, 1 }, { 2, 2 }, { 2, 3 }, { 2, 4 }, { 2, 5 },
	{ 2, 0x40 }, { 2, 0x7f }, { 3, 1 }, { 3, 2 }, { 3, 3 }, { 3, 0x40 },
	{ 3, 0x7f }, { 4, 1, 1, 1 }, { 4, 1, 0, 3 }, { 4, 1, 5, 0x7fffffff },
	{ 4, 0x40 }, { 6, 1 }, { 6, 2 }, { 6, 3 }, { 7, 1 }, { 7, 1, 64 },
	{ 7, 1, 4096 }, { 7, 0x40, 16 }, { 5, 1 }, { 5, 1, 4096, 64 }, { 5, 2 },
	{ 5, 2, 1, 16 }, { 5, 3, 4, 64 }, { 5, 3 }, { 5, 4 }, { 5, 0x40, 8, 128 },
	{ 2, 6 }, { 2, 7 }, { 9, 1 }, { 9, 1, 16 }, { 9, 0x40, 256 },
	{ 9, 0x7f, 4 },
	{ 8, 1 }, { 8, 0x40 }, { 9, 2 }, { 9, 3 }, { 0, 1 }, { 10, 1 },
	{ 31, 1 }, { ~0U, 1 }, { 2, 8 }, { 5, 0x7f }, { 6, 4 }, { 7, 2 },
};

/* Mostly LOCKLAB_OP_TIMEOUT (2) or NONBLOCK (1). */
static const uint32_t wait_flags[] = { 2, 2, 2, 2, 1, 1, 1, 0 };

/* A near miss of a real number, or a random one; never one the VFS takes. */
static unsigned long near_cmd(struct ctx *c, int ci)
{
	unsigned long x, t;

	do {
		x = cmds[ci].cmd ^ 1U << below(c, 32);
		if (one_in(c, 3))
			x = _IOWR(0, 0, union arg) | cmds[ci].cmd;
		if (one_in(c, 4))
			x = (uint32_t)rnd(c);
		t = _IOC_TYPE(x);
	} while (cmd_index(x) >= 0 || !t || strchr("TXf\x94", (int)t));
	return x;
}

/* Mostly a subset of @valid, sometimes an unknown bit too. */
static uint32_t pick_flags(struct ctx *c, uint32_t valid)
{
	uint32_t f = rnd(c) & valid;

	return one_in(c, 10) ? f | 1U << below(c, 32) : f;
}

static uint64_t pick_timeout(struct ctx *c)
{
	return one_in(c, 8) ? 0 : below(c, 5 * MS + 1);
}

static uint32_t pick_hold(struct ctx *c)
{
	uint32_t m = below(c, 10), r = rnd(c);
	const uint32_t v[] = { LOCKLAB_BENCH_MAX_BUSY_NS, r, r % 100000,
			       LOCKLAB_BENCH_MAX_BUSY_NS + 1 + r % 1000 };

	return m < ARRAY_SIZE(v) ? v[m] : r % 2000;
}

static uint32_t pick_variant(struct ctx *c)
{
	return one_in(c, 8) ? rnd(c) :
	       (uint8_t)"\0\1\2\3\4\5\6\77\100\101\176\177\200"[below(c, 13)];
}

static bool creatable(uint32_t kind, uint32_t variant)
{
	int i = 0;

	while (specs[i][0] != 8 && (specs[i][0] != kind || specs[i][1] != variant))
		i++;
	return specs[i][0] != 8;
}

/* Ops that take a hold (LOCK, READ_LOCK, UPGRADABLE_LOCK), never wait. */
#define OPS_TAKE	0x124U
#define OPS_NOWAIT	0x6cc8U

static bool op_in(uint32_t op, uint32_t set)
{
	return op < 32 && (set >> op & 1);
}

/* *untimed: a spin HOLD that may spin (the caller checks the fd). */
static void fill_op(struct ctx *c, struct locklab_op *o, int kind,
		    bool *untimed)
{
	static const char *const kops[10] = {
		[1] = "\1", [2] = "\1\2\3", [3] = "\1\2\3\4\5\6\7\10\11\12",
		[4] = "\1\2\3\13", [6] = "\14\15\16", [9] = "\17\20",
	};
	const char *k = kind > 0 && kind < 10 ? kops[kind] : NULL;
	uint32_t f;

	if (k && !one_in(c, 8))
		o->op = k[below(c, strlen(k))];
	else
		o->op = one_in(c, 2) ? below(c, 19) : rnd(c);
	f = one_in(c, 5) ? pick_flags(c, 7) : wait_flags[below(c, 8)];
	f |= one_in(c, 4) ? LOCKLAB_OP_SECTION : 0;
	/* Nothing waits without a bound, but a spin lock's spin. */
	if (!(f & ~7U) && !(f & 3) && !op_in(o->op, OPS_NOWAIT)) {
		/* A seqlock's writer spins too; it takes no timeout. */
		*untimed = (kind == LOCKLAB_KIND_SPIN &&
			    o->op == LOCKLAB_OP_HOLD) ||
			   (kind == LOCKLAB_KIND_SEQLOCK &&
			    o->op == LOCKLAB_OP_SEQ_WRITE);
		f |= *untimed ? 0 : LOCKLAB_OP_TIMEOUT;
	}
	o->flags = f;
	o->hold_ns = pick_hold(c);
	o->timeout_ns = pick_timeout(c);
	o->wait_ns = rnd(c);
}

/* @ok, or NULL, a kernel address, read-only memory, 8 bytes to a guard. */
static uint64_t pick_ptr(struct ctx *c, char *ok)
{
	const uint64_t v[] = { 0, KERNEL_PTR, (uintptr_t)c->ro,
			       (uintptr_t)c->msg + MSG_MAX - 8 };
	uint32_t m = below(c, 12);

	return m < ARRAY_SIZE(v) ? v[m] : (uintptr_t)ok;
}

static void fill_chan(struct ctx *c, struct locklab_chan_op *ch)
{
	static const uint32_t lens[] = { 0, 1, 8, 64, 256, 257, 4096, 32768,
					 32769, ~0U };
	uint32_t f;

	if (one_in(c, 12))
		ch->op = one_in(c, 2) ? below(c, 9) : rnd(c);
	else
		ch->op = "\1\1\1\1\1\1\2\2\2\2\2\2\3\4\5\6"[below(c, 16)];
	f = one_in(c, 10) ? pick_flags(c, 0xb) : wait_flags[below(c, 8)];
	f |= one_in(c, 2) ? LOCKLAB_CHAN_CLOEXEC : 0;
	if (!(f & ~0xbU) && !(f & 3) && (ch->op < 3 || ch->op > 6))
		f |= LOCKLAB_OP_TIMEOUT;
	ch->flags = f;
	ch->len = one_in(c, 3) ? lens[below(c, ARRAY_SIZE(lens))] :
		  below(c, 300);
	ch->buf = pick_ptr(c, c->msg + (ch->len < MSG_MAX ?
					below(c, MSG_MAX - ch->len + 1) : 0));
	ch->timeout_ns = pick_timeout(c);
	ch->fd = -2;
	ch->__reserved = pick_flags(c, 0);
}

static void fill_create(struct ctx *c, struct locklab_create *cr, int dev)
{
	const uint32_t *sp = specs[below(c, ARRAY_SIZE(specs))];
	int s;

	cr->kind = one_in(c, 6) ? (one_in(c, 4) ? rnd(c) : below(c, 12)) : sp[0];
	cr->variant = one_in(c, 6) ? pick_variant(c) : sp[1];
	memcpy(cr->params, sp + 2, 2 * sizeof(*sp));
	if (one_in(c, 6))
		cr->params[below(c, 4)] = one_in(c, 2) ? rnd(c) : below(c, 70000);
	if (cr->kind == LOCKLAB_KIND_CONDVAR) {
		s = find_slot(c, LOCKLAB_KIND_MUTEX, one_in(c, 5) ? -1 : dev);
		cr->mutex_fd = s >= 0 && !one_in(c, 8) ? pool[s].fd :
			       (int)below(c, 100) - 2;
	}
	cr->flags = pick_flags(c, LOCKLAB_CREATE_CLOEXEC);
	cr->fd = -2;
	cr->__reserved = pick_flags(c, 0);
}

static void fill_bench(struct ctx *c, struct locklab_bench *b)
{
	const uint32_t bad[] = { 0, 65, 600001, ~0U };

	b->kind = one_in(c, 8) ? below(c, 12) : 1 + below(c, 9);
	b->variant = one_in(c, 3) ? pick_variant(c) :
		     one_in(c, 2) ? LOCKLAB_VARIANT_KERNEL : 1 + below(c, 3);
	b->threads = one_in(c, 10) ? bad[below(c, 4)] : 1 + below(c, 4);
	/* 1..20 ms, or 0 or ~0U: refused whatever bench_max_ms is */
	b->duration_ms = one_in(c, 10) ? bad[3 * below(c, 2)] : 1 + below(c, 20);
	b->hold_ns = one_in(c, 3) ? pick_hold(c) % 20000 : 0;
	b->gap_ns = one_in(c, 3) ? pick_hold(c) : 0;
	b->per_thread = below(c, 4) ? 0 : pick_ptr(c, c->msg);
	b->read_pct = b->kind == LOCKLAB_KIND_RWLOCK || one_in(c, 10) ?
		      below(c, 102) : 0;
	b->flags = pick_flags(c, LOCKLAB_BENCH_BIND);
	b->__reserved = pick_flags(c, 0);
}

#endif /* _LOCKLAB_FUZZ_GEN_H */
