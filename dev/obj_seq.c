// SPDX-License-Identifier: GPL-2.0
/*
 * locklab device objects for sequence locks (LOCKLAB_IOC_OP SEQ_WRITE and
 * SEQ_READ), driven only through struct lab_seq_ops (lock/seqlock.c):
 * locklab's seqlock, the kernel's seqlock_t and the broken one.
 *
 * The object is the seqlock and a payload of @words 64-bit words, in one
 * charged allocation: the lock at its start (obj->prim, as for every
 * kind), the payload on the next cache line. Write section number v
 * leaves word i = v ^ obj_seq_mix(i), so a copy is consistent exactly when
 * every word decodes to the same v; the checked read decodes each word as
 * it loads it (the copy needs no storage to be judged) and, once the
 * seqlock accepted it, counts a torn one as a violation.
 *
 * Both sections spread @hold_ns of busy time between the two halves of the
 * payload, so that a writer is inside for a while and a reader's copy
 * spans one: the windows the seqlock must get right are then wide. The
 * writer's time is bounded by max_hold_ns as a spin lock HOLD's is
 * (writers spin, with preemption disabled); a reader's retries end on a
 * signal or the caller's deadline, each attempt lasting at most one copy
 * plus the wait for one writer to leave.
 *
 * A write section never outlives its call (writers spin with preemption
 * disabled, and a reader waiting on an odd sequence spins): LOCK and
 * UNLOCK, a write_lock or write_unlock on its own, are EOPNOTSUPP, as on
 * the spin locks; HOLD and the other ops are EINVAL.
 */
#include <linux/overflow.h>

#include <locklab/ops.h>
#include <locklab/wait.h>

#include "object.h"

struct obj_seq_payload {
	u32 words;
	u64 writes;		/* write sections; under the writer lock */
	u64 data[];
};

static const struct lab_seq_ops *obj_seq_ops(struct lab_obj *obj)
{
	return container_of(obj->ops, struct lab_seq_ops, head);
}

/* The payload lives past the lock, on a cache line of its own. */
static size_t obj_seq_payload_off(const struct lab_seq_ops *ops)
{
	return ALIGN(ops->size, L1_CACHE_BYTES);
}

static struct obj_seq_payload *obj_seq_payload(struct lab_obj *obj)
{
	return obj->prim + obj_seq_payload_off(obj_seq_ops(obj));
}

/* What word @i holds besides the section number (0 for word 0). */
static u64 obj_seq_mix(u32 i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

/* Section @v's pattern over the payload, @hold_ns between the halves. */
static void obj_seq_fill(struct obj_seq_payload *p, u64 v,
			 unsigned int hold_ns)
{
	u32 i, half = p->words / 2;

	for (i = 0; i < p->words; i++) {
		if (i == half && hold_ns)
			lab_cs_busy(hold_ns);
		WRITE_ONCE(p->data[i], v ^ obj_seq_mix(i));
	}
}

/*
 * One copy of the payload inside a read section: *@v gets the section
 * number word 0 holds; true if another word holds another one (torn).
 */
static bool obj_seq_copy(struct obj_seq_payload *p, unsigned int hold_ns,
			 u64 *v)
{
	u32 i, half = p->words / 2;
	bool torn = false;
	u64 w;

	*v = 0;
	for (i = 0; i < p->words; i++) {
		if (i == half && hold_ns)
			lab_cs_busy(hold_ns);
		/* Racing the writers by design: kept only if seqretry agrees. */
		w = READ_ONCE(p->data[i]) ^ obj_seq_mix(i);
		if (!i)
			*v = w;
		else
			torn |= w != *v;
	}
	return torn;
}

/* A variant and @seq_words; the other parameter words must be 0. */
static int obj_seq_create(struct lab_obj *obj, const struct locklab_create *c)
{
	u32 words = c->seq_words ?: LOCKLAB_SEQ_DEFAULT_WORDS;
	const struct lab_seq_ops *ops;
	struct obj_seq_payload *p;
	int ret;

	if (c->params[1] || c->params[2] || c->params[3] ||
	    words > LOCKLAB_SEQ_MAX_WORDS)
		return -EINVAL;
	ops = lab_seq_ops_find(c->kind, c->variant);
	if (!ops)
		return -EINVAL;
	obj->ops = &ops->head;
	obj->limit = 1;
	ret = lab_obj_alloc_prim(obj, obj_seq_payload_off(ops) +
				 struct_size(p, data, words), 0);
	if (ret)
		return ret;
	ret = ops->init(obj->prim);
	if (ret) {
		lab_obj_free_prim(obj);
		return ret;
	}
	p = obj_seq_payload(obj);
	p->words = words;
	obj_seq_fill(p, 0, 0);		/* section 0: a consistent start */
	return 0;
}

static void obj_seq_destroy(struct lab_obj *obj)
{
	obj_seq_ops(obj)->destroy(obj->prim);
	lab_obj_free_prim(obj);
}

/* Take the writer lock as the flags ask; 0, -EBUSY or -EOPNOTSUPP. */
static int obj_seq_write_lock(struct lab_obj *obj, struct locklab_op *op)
{
	const struct lab_seq_ops *ops = obj_seq_ops(obj);
	ktime_t t0;

	if (!ops->wr_trylock) {
		if (op->flags & LOCKLAB_OP_NONBLOCK)
			return -EOPNOTSUPP;
		ops->wr_lock(obj->prim);
		return 0;
	}
	if (ops->wr_trylock(obj->prim))
		return 0;
	if (op->flags & LOCKLAB_OP_NONBLOCK)
		return -EBUSY;
	atomic64_inc(&obj->stats.contended);
	t0 = ktime_get();
	ops->wr_lock(obj->prim);
	op->wait_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	lab_times_add(&obj->wait_times, op->wait_ns);
	return 0;
}

static int obj_seq_write(struct lab_obj *obj, struct locklab_op *op)
{
	struct obj_seq_payload *p = obj_seq_payload(obj);
	u64 t0, v;
	int ret;

	/* A spin, as a spin lock's HOLD: no timeout applies. */
	if (op->flags & LOCKLAB_OP_TIMEOUT)
		return -EINVAL;
	ret = obj_seq_write_lock(obj, op);
	if (ret)
		return ret;
	t0 = ktime_get_ns();
	v = p->writes + 1;		/* writers are serialized */
	p->writes = v;
	obj_seq_fill(p, v, op->hold_ns);
	WRITE_ONCE(obj->cs.counter, v);
	obj_seq_ops(obj)->wr_unlock(obj->prim);
	lab_obj_held(obj, t0);
	atomic64_inc(&obj->stats.acquisitions);
	op->value = v;
	return 0;
}

static int obj_seq_read(struct lab_obj *obj, struct locklab_op *op)
{
	const struct lab_seq_ops *ops = obj_seq_ops(obj);
	struct obj_seq_payload *p = obj_seq_payload(obj);
	ktime_t deadline = lab_op_deadline(op), t0 = ktime_get();
	bool torn;
	int ret;
	u32 s;
	u64 v;

	for (;;) {
		s = ops->rd_begin(obj->prim);
		torn = obj_seq_copy(p, op->hold_ns, &v);
		if (!ops->rd_retry(obj->prim, s))
			break;
		if (!op->retries++)
			atomic64_inc(&obj->stats.contended);
		if (op->flags & LOCKLAB_OP_NONBLOCK)
			return -EBUSY;
		ret = lab_wait_should_end(LAB_WAIT_INTERRUPTIBLE, deadline);
		if (ret) {
			lab_op_waited(obj, op, t0, ret);
			return ret;
		}
		cond_resched();
	}
	if (op->retries)
		lab_op_waited(obj, op, t0, 0);
	/* The checked section: an accepted copy must not be torn. */
	if (torn)
		atomic_long_inc(&obj->cs.violations);
	atomic64_inc(&obj->stats.acquisitions);
	op->value = v;
	return 0;
}

static int obj_seq_op(struct lab_obj *obj, struct locklab_op *op)
{
	if (op->flags & LOCKLAB_OP_SECTION)
		return -EINVAL;
	switch (op->op) {
	case LOCKLAB_OP_SEQ_WRITE:
		return obj_seq_write(obj, op);
	case LOCKLAB_OP_SEQ_READ:
		return obj_seq_read(obj, op);
	case LOCKLAB_OP_LOCK:
	case LOCKLAB_OP_UNLOCK:
		/*
		 * The writer lock is a spin lock: never held across calls,
		 * so no write_unlock can match a write_lock (as spin locks).
		 */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

const struct lab_obj_type lab_obj_seqlock_type = {
	.kind = LOCKLAB_KIND_SEQLOCK,
	.name = "[locklab-seqlock]",
	.create = obj_seq_create,
	.destroy = obj_seq_destroy,
	.op = obj_seq_op,
};
