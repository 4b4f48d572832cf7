/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab exports: the kernel API of include/locklab/ is exported to other
 * modules when locklab is a module. Built in (the KUnit kernels) nothing is
 * exported: a locklab.ko built out of tree against such a kernel (make
 * check's build-arm64 tier) would otherwise export every symbol a second
 * time, which modpost refuses.
 */
#ifndef _LOCKLAB_EXPORT_H
#define _LOCKLAB_EXPORT_H

#include <linux/export.h>

#ifdef MODULE
#define EXPORT_SYMBOL_LOCKLAB(sym)	EXPORT_SYMBOL_GPL(sym)
#else
#define EXPORT_SYMBOL_LOCKLAB(sym)
#endif

#endif /* _LOCKLAB_EXPORT_H */
