// SPDX-License-Identifier: GPL-2.0
/*
 * locklab trace events: the one place that instantiates them
 * (include/locklab/trace.h).
 */
#define CREATE_TRACE_POINTS
#include <locklab/trace.h>
