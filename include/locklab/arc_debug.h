/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab Arc: what tests and statistics look at, beside the API of
 * include/locklab/arc.h: module-wide counters of live allocations and of
 * events (misuse caught, saturations), and a hook that lets a test set the
 * counts directly.
 */
#ifndef _LOCKLAB_ARC_DEBUG_H
#define _LOCKLAB_ARC_DEBUG_H

#include <locklab/arc.h>

/**
 * __lab_arc_set_counts() - FOR TESTS ONLY: overwrite both counters
 * @arc: a strong handle
 * @strong: the new strong count
 * @weak: the new raw weak count (weak handles, plus 1 if @strong != 0)
 *
 * Lets a test put a count next to LAB_ARC_MAX without 2^63 clones, and
 * undo a saturation so the test can free what it allocated. Plain relaxed
 * stores: nothing else may use the Arc meanwhile.
 */
static inline void __lab_arc_set_counts(struct lab_arc *arc, long strong,
					long weak)
{
	struct lab_arc_inner *in = __lab_arc_inner(arc);

	lab_atomic_long_set(&in->strong, strong);
	lab_atomic_long_set(&in->weak, weak);
}

long lab_arc_live_count(void);
long lab_arc_events(enum lab_arc_event ev);

#endif /* _LOCKLAB_ARC_DEBUG_H */
