// SPDX-License-Identifier: GPL-2.0
/*
 * locklab module parameters with a range (include/locklab/param.h).
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include <locklab/param.h>

static int lab_param_set(const char *val, const struct kernel_param *kp)
{
	const struct lab_param *p = kp->arg;
	unsigned long v;
	int ret;

	ret = kstrtoul(val, 0, &v);
	if (ret)
		return ret;
	if (v < p->min || v > p->max)
		return -EINVAL;
	/* Pairs with the READ_ONCE() of every reader: see param.h. */
	if (p->is_uint)
		WRITE_ONCE(*(unsigned int *)p->var, v);
	else
		WRITE_ONCE(*(unsigned long *)p->var, v);
	return 0;
}

static int lab_param_get(char *buf, const struct kernel_param *kp)
{
	const struct lab_param *p = kp->arg;

	if (p->is_uint)
		return sysfs_emit(buf, "%u\n", READ_ONCE(*(unsigned int *)p->var));
	return sysfs_emit(buf, "%lu\n", READ_ONCE(*(unsigned long *)p->var));
}

const struct kernel_param_ops lab_param_ops = {
	.set = lab_param_set,
	.get = lab_param_get,
};
