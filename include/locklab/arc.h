/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab Arc: a shared, reference-counted allocation with strong and weak
 * handles, the optimized Arc<T>/Weak<T> of "Rust Atomics and Locks",
 * ch. 6 ("Optimizing"), in kernel C.
 *
 * One allocation holds two counters and the caller's data. A strong handle
 * (struct lab_arc *) keeps the data alive; a weak handle (struct lab_weak *)
 * keeps only the allocation alive and can be turned back into a strong
 * handle while the data still exists. All strong handles together own one
 * weak reference, so cloning and dropping a strong handle touch only the
 * strong count; the weak count moves when the last strong handle goes.
 *
 * Handles. struct lab_arc and struct lab_weak are opaque and never defined:
 * both point at the same allocation, and only this header converts between
 * them. The data is reached with lab_arc_data(), from a strong handle only.
 * Handing out the data pointer itself as the handle would make every handle
 * a void *: a weak handle could be read without an upgrade, put as a strong
 * one, and any pointer could be put at all. Two pointer types make each of
 * those a compile error, for the price of one addition in lab_arc_data().
 *
 * State: (strong, weak), both atomic_long_t, in a signed view.
 *
 *   strong   0             the data is gone (released, or being released)
 *            1 .. MAX      that many strong handles
 *            < 0           saturated (parked at LAB_ARC_SATURATED): immortal
 *   weak     0             the allocation is being freed
 *            1 .. MAX      weak handles, plus 1 while strong != 0
 *            -1 (LOCKED)   lab_arc_get_mut() is reading strong; was 1
 *            < -1          saturated (parked at LAB_ARC_SATURATED): never
 *                          freed
 *
 *   MAX is LONG_MAX (LAB_ARC_MAX).
 *
 * Transitions:
 *
 *   lab_arc_new()         -> (1, 1)
 *   lab_arc_clone()       (s, w) -> (s+1, w)
 *   lab_arc_put()         (s, w) -> (s-1, w); the put that makes it
 *                         (0, w) calls release(data), then (0, w) -> (0, w-1)
 *   lab_arc_downgrade()   (s, w) -> (s, w+1), waiting while w is LOCKED
 *   lab_weak_clone()      (s, w) -> (s, w+1)
 *   lab_weak_put()        (s, w) -> (s, w-1); the put that makes it (0, 0)
 *                         frees the allocation
 *   lab_weak_upgrade()    (s, w) -> (s+1, w) for 1 <= s < MAX; fails on
 *                         s == 0 (and on a saturated s, see below)
 *   lab_arc_get_mut()     (s, 1) -> (s, LOCKED) -> (s, 1); unique iff s == 1
 *
 * Invariants:
 *  - release() runs exactly once, in the put that takes strong from 1 to 0:
 *    nothing moves strong away from 0 again (upgrade's cmpxchg refuses 0,
 *    and clone requires a strong handle, so strong >= 1).
 *  - The allocation is freed exactly once, by the weak put that takes weak
 *    from 1 to 0, and only after release() returned: the strong handles'
 *    shared weak reference is dropped after release(). Nothing moves weak
 *    away from 0 (downgrade and weak clone require a handle, so weak >= 1).
 *  - weak == 1 while strong >= 1 means no weak handle exists: that is the
 *    only value get_mut locks, and no weak handle can be made from it
 *    except by lab_arc_downgrade(), which waits for the unlock.
 *
 * Saturation semantics
 * ====================
 *
 * A count never wraps. As in refcount_t, the increments that are a plain
 * fetch_add (clone, weak clone) let the count take an unchecked value and
 * then reset it to LAB_ARC_SATURATED, half-way between 0 and LONG_MIN in
 * the negative half; every later operation on it resets it there again.
 * The cmpxchg loops (upgrade, downgrade) saturate exactly. A saturated
 * count means lost track of the handles, so the object leaks rather than
 * risk a use-after-free:
 *  - strong saturated: release() never runs and the strong handles' weak
 *    reference is never dropped, so the allocation is never freed either;
 *  - weak saturated: the data is still released after the last strong put
 *    (its lifetime does not depend on the weak count), but the allocation
 *    is never freed.
 * The first event of each kind prints a WARN; every event is counted
 * (lab_arc_events()) so tests can check for them without reading the log.
 *
 * How this differs from refcount_t:
 *  - the counters are long (64 bits on 64-bit kernels), not int: saturating
 *    needs 2^63 handles, and the drift window around LAB_ARC_SATURATED is
 *    2^62 wide on each side. On 32-bit kernels the refcount.h argument
 *    (PID_MAX_LIMIT tasks cannot walk out of the range) applies as is;
 *  - the weak count reserves -1 for get_mut's lock, outside the range a
 *    saturated count is parked in;
 *  - an increment on a dead count (refcount_inc() on 0) saturates a
 *    refcount_t, making the object immortal. Here that would let weak
 *    handles upgrade to data that was already released, so a strong count
 *    found at 0 is put back to 0 ("dead stays dead") and the *weak* count
 *    is saturated instead: the allocation leaks, so a stale strong handle
 *    does not later point at freed memory (if it was not freed already);
 *  - lab_weak_upgrade() fails on a saturated strong count, where
 *    refcount_inc_not_zero() succeeds. Weak holders then see an immortal
 *    object as gone: the conservative answer, since a count that has
 *    drifted into the negative half may also be one that a misused put
 *    took below 0.
 *
 * How this differs from the book: the book aborts the process when a count
 * passes usize::MAX / 2 (keeping half the range as margin because abort()
 * is not instant) and does not check decrements. The kernel cannot abort,
 * so counts saturate and leak, decrements below zero are caught, and the
 * whole positive range is usable.
 *
 * Misuse. One out-of-line function, lab_arc_warn(), handles every case
 * (SAT is LAB_ARC_SATURATED):
 *
 *   found by             count found      event             repair
 *   clone, put           strong < 0       STRONG_SATURATED  strong = SAT
 *   clone, upgrade       strong MAX       STRONG_SATURATED  strong = SAT
 *   clone                strong 0         CLONE_DEAD        strong = 0,
 *                                                           weak = SAT
 *   put                  strong 0         PUT_DEAD          strong = 0,
 *                                                           weak = SAT
 *   weak clone, put      weak < -1        WEAK_SATURATED    weak = SAT
 *   downgrade,           weak MAX         WEAK_SATURATED    weak = SAT
 *   weak clone
 *   downgrade,           weak 0           WEAK_DEAD         weak = SAT
 *   weak clone, put
 *   weak clone, put      weak LOCKED      WEAK_DEAD         weak = SAT
 *
 * Upgrade and downgrade leave an already saturated count alone (their
 * cmpxchg did not move it): upgrade fails, downgrade returns its handle
 * uncounted.
 *
 * Repairs are best effort, as refcount_t's are: between the bad increment
 * or decrement and the reset another CPU can see the unchecked value.
 * Correct callers never trigger any of this except saturation.
 *
 * Memory ordering
 * ===============
 *
 *  - Increments (clone, weak clone, upgrade) are relaxed. The caller already
 *    holds a handle that keeps the object alive, and the new handle orders
 *    nothing by itself; whatever passes it to another thread orders it.
 *    Upgrade is relaxed for the same reason: however the weak handle reached
 *    this thread ordered the data's initialization before it.
 *  - Decrements (put, weak put) are RELEASE; the one that reaches zero is
 *    followed by an ACQUIRE fence before release() or the free. Every
 *    earlier decrement is in the release sequence the last one reads from,
 *    so every access made through a dropped handle happens before the
 *    destructor and the free.
 *  - get_mut locks the weak count with an ACQUIRE cmpxchg (pairs with the
 *    RELEASE of lab_weak_put(): an upgrade made before a weak put is seen by
 *    the strong-count load), unlocks it with a RELEASE store (pairs with the
 *    ACQUIRE cmpxchg of lab_arc_downgrade(): a put after a later downgrade
 *    cannot be what the strong-count load saw), and on success issues an
 *    ACQUIRE fence (pairs with the RELEASE of lab_arc_put(): the former
 *    holders' accesses happen before the caller's exclusive ones).
 *
 * Contexts
 * ========
 *
 * Clone, weak clone, upgrade, the counters and lab_arc_data() never wait and
 * may be called in any context. lab_weak_put() may free: any context but
 * NMI. lab_arc_put() may run release() and free: any context in which the
 * release callback may run (never NMI); if release() can sleep, put only
 * from process context. lab_arc_get_mut() holds the weak count locked with
 * interrupts disabled for two atomic operations, so lab_arc_downgrade(),
 * which waits for that, waits only for another CPU's few instructions: any
 * context but NMI.
 */
#ifndef _LOCKLAB_ARC_H
#define _LOCKLAB_ARC_H

#include <linux/cleanup.h>
#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <linux/types.h>

#include <locklab/atomic.h>

/* Opaque handle types: never defined, see the header comment. */
struct lab_arc;
struct lab_weak;

/**
 * typedef lab_arc_release_t - destructor of an Arc's data
 * @data: the data, as lab_arc_data() returned it
 *
 * Called exactly once, after the last strong handle was put, in the context
 * of that put; the allocation is freed later (when the last weak handle
 * goes), so @data must not be freed here, only what it points to.
 */
typedef void (*lab_arc_release_t)(void *data);

/*
 * The allocation. Only this header and refcount/arc.c look inside. The data
 * follows the header, aligned as kmalloc() aligns small objects
 * (ARCH_SLAB_MINALIGN: any scalar type; not for DMA).
 */
struct lab_arc_inner {
	atomic_long_t strong;
	atomic_long_t weak;
	lab_arc_release_t release;
	u8 data[] __aligned(ARCH_SLAB_MINALIGN);
};

#define LAB_ARC_MAX		LONG_MAX
#define LAB_ARC_SATURATED	(LONG_MIN / 2)
#define LAB_ARC_WEAK_LOCKED	(-1L)

/* The operations that can find a count out of range (lab_arc_warn()). */
enum lab_arc_op {
	LAB_ARC_OP_CLONE,
	LAB_ARC_OP_PUT,
	LAB_ARC_OP_UPGRADE,
	LAB_ARC_OP_DOWNGRADE,
	LAB_ARC_OP_WEAK_CLONE,
	LAB_ARC_OP_WEAK_PUT,
};

/* What lab_arc_warn() found; lab_arc_events() counts each kind. */
enum lab_arc_event {
	LAB_ARC_EV_STRONG_SATURATED,
	LAB_ARC_EV_WEAK_SATURATED,
	LAB_ARC_EV_CLONE_DEAD,
	LAB_ARC_EV_PUT_DEAD,
	LAB_ARC_EV_WEAK_DEAD,
	LAB_ARC_NR_EVENTS,
};

void __cold lab_arc_warn(struct lab_arc_inner *in, enum lab_arc_op op,
			 long old);
void __lab_arc_drop(struct lab_arc_inner *in);
void __lab_arc_free(struct lab_arc_inner *in);

static __always_inline struct lab_arc_inner *
__lab_arc_inner(struct lab_arc *arc)
{
	return (struct lab_arc_inner *)arc;
}

static __always_inline struct lab_arc_inner *
__lab_weak_inner(struct lab_weak *weak)
{
	return (struct lab_arc_inner *)weak;
}

/**
 * lab_arc_new() - allocate an Arc with @size bytes of zeroed data
 * @size: bytes of data; 0 is allowed
 * @release: called with the data pointer after the last strong handle is
 *	put, exactly once; may be NULL
 * @gfp: allocation flags
 *
 * The caller initializes the data through lab_arc_data() before it shares
 * the handle; sharing it (a lock, a completion, a release store) is what
 * orders that initialization before other threads' reads.
 *
 * Context: as @gfp allows. Return: a strong handle, counts (1, 1); NULL when
 * the allocation failed.
 */
struct lab_arc *__must_check lab_arc_new(size_t size, lab_arc_release_t release,
					 gfp_t gfp);

/**
 * lab_arc_data() - the data a strong handle shares
 * @arc: a strong handle
 *
 * Valid as long as @arc is. Shared: see lab_arc_get_mut() for exclusive
 * access. Context: any.
 *
 * Return: the data, ARCH_SLAB_MINALIGN-aligned.
 */
static __always_inline void *lab_arc_data(struct lab_arc *arc)
{
	return __lab_arc_inner(arc)->data;
}

/**
 * lab_arc_clone() - take another strong handle
 * @arc: a strong handle the caller holds
 *
 * Relaxed: the caller's own handle keeps the data alive across the
 * increment. Saturates (and warns) at LAB_ARC_MAX; warns on a dead Arc.
 * Context: any.
 *
 * Return: @arc, now counted once more; put it with lab_arc_put().
 */
static __always_inline struct lab_arc *__must_check
lab_arc_clone(struct lab_arc *arc)
{
	struct lab_arc_inner *in = __lab_arc_inner(arc);
	/* (s, w) -> (s+1, w). Relaxed: orders nothing (header comment). */
	long old = lab_atomic_long_fetch_add_relaxed(&in->strong, 1);

	if (unlikely(old <= 0 || old == LAB_ARC_MAX))
		lab_arc_warn(in, LAB_ARC_OP_CLONE, old);
	return arc;
}

/**
 * lab_arc_put() - drop a strong handle
 * @arc: a strong handle the caller holds; not to be used afterwards
 *
 * RELEASE, and ACQUIRE on the last put, which then calls release(data) and
 * drops the strong handles' weak reference (freeing the allocation if no
 * weak handle is left). A saturated count is left saturated (leak).
 *
 * Context: any in which the Arc's release callback may run; not NMI.
 */
static __always_inline void lab_arc_put(struct lab_arc *arc)
{
	struct lab_arc_inner *in = __lab_arc_inner(arc);
	long old;

	/*
	 * (s, w) -> (s-1, w). RELEASE: pairs with the ACQUIRE fence in
	 * __lab_arc_drop() (the last put) and in lab_arc_get_mut(): our
	 * accesses to the data happen before the destructor's or the new
	 * exclusive owner's.
	 */
	old = lab_atomic_long_fetch_sub_release(&in->strong, 1);
	if (likely(old > 1))
		return;
	if (likely(old == 1))
		__lab_arc_drop(in);
	else
		lab_arc_warn(in, LAB_ARC_OP_PUT, old);
}

/**
 * lab_arc_downgrade() - take a weak handle from a strong one
 * @arc: a strong handle the caller holds (it keeps it)
 *
 * ACQUIRE on the increment (pairs with lab_arc_get_mut()'s unlock). Waits
 * while a concurrent lab_arc_get_mut() holds the weak count locked, which
 * lasts a few instructions with interrupts off on another CPU.
 * Context: any but NMI.
 *
 * Return: a weak handle; drop it with lab_weak_put().
 */
struct lab_weak *__must_check lab_arc_downgrade(struct lab_arc *arc);

/**
 * lab_weak_clone() - take another weak handle
 * @weak: a weak handle the caller holds
 *
 * Relaxed, as lab_arc_clone(). Context: any.
 *
 * Return: @weak, counted once more.
 */
static __always_inline struct lab_weak *__must_check
lab_weak_clone(struct lab_weak *weak)
{
	struct lab_arc_inner *in = __lab_weak_inner(weak);
	/*
	 * (s, w) -> (s, w+1). Relaxed: orders nothing. A correct caller never
	 * finds LOCKED: a weak handle means w >= 2 while strong handles exist.
	 */
	long old = lab_atomic_long_fetch_add_relaxed(&in->weak, 1);

	if (unlikely(old <= 0 || old == LAB_ARC_MAX))
		lab_arc_warn(in, LAB_ARC_OP_WEAK_CLONE, old);
	return weak;
}

/**
 * lab_weak_put() - drop a weak handle
 * @weak: a weak handle the caller holds; not to be used afterwards
 *
 * RELEASE, and ACQUIRE on the last reference to the allocation, which then
 * frees it. Context: any but NMI.
 */
static __always_inline void lab_weak_put(struct lab_weak *weak)
{
	struct lab_arc_inner *in = __lab_weak_inner(weak);
	long old;

	/*
	 * (s, w) -> (s, w-1). RELEASE: pairs with the ACQUIRE fence in
	 * __lab_arc_free() (nothing touches the allocation after the free)
	 * and with the ACQUIRE lock of lab_arc_get_mut() (an upgrade made
	 * through this handle is seen there).
	 */
	old = lab_atomic_long_fetch_sub_release(&in->weak, 1);
	if (likely(old > 1))
		return;
	if (likely(old == 1))
		__lab_arc_free(in);
	else
		lab_arc_warn(in, LAB_ARC_OP_WEAK_PUT, old);
}

/**
 * lab_weak_upgrade() - take a strong handle from a weak one, if the data
 *	still exists
 * @weak: a weak handle the caller holds (it keeps it)
 *
 * A cmpxchg loop that never increments a strong count of 0, so released
 * data is never handed out again. Relaxed (see the header comment).
 * Succeeds only for a strong count in 1 .. LAB_ARC_MAX - 1: a count at
 * LAB_ARC_MAX is saturated (with a warning) and, like an already saturated
 * one, fails. Never waits for other threads. Context: any.
 *
 * Return: a strong handle, or NULL when the data is gone.
 */
struct lab_arc *__must_check lab_weak_upgrade(struct lab_weak *weak);

/**
 * lab_arc_get_mut() - exclusive access, if this is the only handle
 * @arc: a strong handle the caller holds and uses nowhere else meanwhile
 *
 * Succeeds only when @arc is the only strong handle and no weak handle
 * exists, so nobody else can read the data or upgrade to it. The returned
 * pointer is exclusive until the caller next clones or downgrades @arc or
 * shares it. Locks the weak count (1 -> LOCKED) to read the strong count
 * without missing a downgrade/upgrade pair (book ch. 6). ACQUIRE on
 * success: the former holders' accesses happen before the caller's.
 * Disables interrupts for two atomic operations. Context: any but NMI.
 *
 * Return: the data, or NULL when another handle exists.
 */
void *__must_check lab_arc_get_mut(struct lab_arc *arc);

/**
 * lab_arc_strong_count() - strong handles, a racy snapshot
 * @arc: a strong handle
 *
 * Return: the count; negative (LAB_ARC_SATURATED or near it) when
 * saturated.
 */
static inline long lab_arc_strong_count(struct lab_arc *arc)
{
	return lab_atomic_long_read(&__lab_arc_inner(arc)->strong);
}

/**
 * lab_arc_weak_count() - weak handles, a racy snapshot
 * @arc: a strong handle
 *
 * Return: the number of weak handles (not counting the strong handles'
 * shared one); 0 while get_mut holds it locked; negative when saturated.
 */
static inline long lab_arc_weak_count(struct lab_arc *arc)
{
	long w = lab_atomic_long_read(&__lab_arc_inner(arc)->weak);

	if (w == LAB_ARC_WEAK_LOCKED)
		return 0;
	return w < 0 ? w : w - 1;
}

/**
 * lab_weak_strong_count() - strong handles, seen from a weak one
 * @weak: a weak handle
 *
 * Return: as lab_arc_strong_count(); 0 once the data is gone.
 */
static inline long lab_weak_strong_count(struct lab_weak *weak)
{
	return lab_atomic_long_read(&__lab_weak_inner(weak)->strong);
}

/**
 * lab_weak_weak_count() - weak handles, seen from a weak one
 * @weak: a weak handle
 *
 * Racy: the two counters are read one after the other.
 *
 * Return: the number of weak handles; negative when saturated.
 */
static inline long lab_weak_weak_count(struct lab_weak *weak)
{
	struct lab_arc_inner *in = __lab_weak_inner(weak);
	long w = lab_atomic_long_read(&in->weak);

	if (w < 0)
		return w;
	return lab_atomic_long_read(&in->strong) ? w - 1 : w;
}

/* Puts that accept NULL, for the scope-based form below. */
static inline void __lab_arc_put_nullable(struct lab_arc *arc)
{
	if (arc)
		lab_arc_put(arc);
}

static inline void __lab_weak_put_nullable(struct lab_weak *weak)
{
	if (weak)
		lab_weak_put(weak);
}

/*
 * Scope-based put, the C form of Rust's Drop:
 *	struct lab_arc *a __free(lab_arc) = lab_arc_clone(b);
 * Setting the variable to NULL first (or no_free_ptr()) keeps the handle.
 */
DEFINE_FREE(lab_arc, struct lab_arc *, __lab_arc_put_nullable(_T))
DEFINE_FREE(lab_weak, struct lab_weak *, __lab_weak_put_nullable(_T))

#endif /* _LOCKLAB_ARC_H */
