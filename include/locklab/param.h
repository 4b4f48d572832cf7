/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab module parameters with a range: a value outside [min, max] is
 * refused with -EINVAL, at load (the module does not load) and when
 * written through /sys/module/locklab/parameters/ (the old value stays).
 *
 *	static unsigned int lab_max_objects = 1024;
 *	LAB_PARAM_UINT(max_objects, lab_max_objects, 1, 1 << 20, 0644,
 *		       "Objects one open of /dev/locklab may own");
 *
 * Readers of a parameter that may change at run time use READ_ONCE(): the
 * setter writes it with WRITE_ONCE(), and a reader that sees the old or
 * the new value is right either way.
 */
#ifndef _LOCKLAB_PARAM_H
#define _LOCKLAB_PARAM_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/moduleparam.h>
#include <linux/stringify.h>

struct lab_param {
	void *var;
	bool is_uint;		/* unsigned int, else unsigned long */
	unsigned long min;
	unsigned long max;
};

extern const struct kernel_param_ops lab_param_ops;

#define __LAB_PARAM(_name, _var, _type, _min, _max, _perm, _desc)	\
	static const struct lab_param __lab_param_##_name = {		\
		.var = &(_var),						\
		.is_uint = __same_type(_type, unsigned int) +		\
			BUILD_BUG_ON_ZERO(!__same_type(_var, _type)),	\
		.min = (_min), .max = (_max),				\
	};								\
	module_param_cb(_name, &lab_param_ops,				\
			(void *)&__lab_param_##_name, _perm);		\
	MODULE_PARM_DESC(_name, _desc " [" __stringify(_min) ".."	\
			 __stringify(_max) "]")

#define LAB_PARAM_UINT(_name, _var, _min, _max, _perm, _desc)		\
	__LAB_PARAM(_name, _var, unsigned int, _min, _max, _perm, _desc)

#define LAB_PARAM_ULONG(_name, _var, _min, _max, _perm, _desc)		\
	__LAB_PARAM(_name, _var, unsigned long, _min, _max, _perm, _desc)

#endif /* _LOCKLAB_PARAM_H */
