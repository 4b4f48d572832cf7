// SPDX-License-Identifier: GPL-2.0
/*
 * locklab: the primitives of "Rust Atomics and Locks" on kernel atomics and
 * wait queues, and /dev/locklab to drive them from userspace.
 *
 * Module load sets up the CLH node pool, the wait/wake table and the hold
 * table (with its thread-exit hook), then registers the misc device.
 * Unload is possible whenever no file of the device or of an object is
 * open (each open file holds a module reference). Exit first waits for
 * the kthreads of finished or abandoned runs to be gone (they hold no
 * module reference: lab_run_threads_exit()), then unhooks the exit probe
 * and waits for the last reaping to finish before anything is freed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <locklab/atomic.h>
#include <locklab/spinlock.h>
#include <locklab/wait.h>
#include <uapi/linux/locklab.h>

#include "bench/threads.h"
#include "dev.h"
#include "hold.h"
#include "stat.h"

static const struct file_operations lab_dev_fops = {
	.owner = THIS_MODULE,
	.open = lab_dev_open,
	.release = lab_dev_release,
	.unlocked_ioctl = lab_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice lab_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "locklab",
	.fops = &lab_dev_fops,
	.mode = 0600,
};

static int __init locklab_init(void)
{
	int ret;

	/* Before anything can take a lock: arm64 picks LSE or LL/SC here. */
	ret = lab_atomic_backend_init();
	if (ret)
		return ret;
	ret = lab_clh_pool_init();
	if (ret)
		return ret;
	ret = lab_wait_init();
	if (ret)
		goto err_pool;
	ret = lab_hold_init();
	if (ret)
		goto err_wait;
	lab_stat_init();
	ret = misc_register(&lab_miscdev);
	if (ret)
		goto err_hold;
	pr_info("%s, ABI %u.%u, atomics: %s\n", LOCKLAB_VERSION,
		LOCKLAB_ABI_MAJOR, LOCKLAB_ABI_MINOR,
		lab_atomic_backend_name());
	return 0;

err_hold:
	lab_stat_exit();
	lab_hold_exit();
err_wait:
	lab_wait_exit();
err_pool:
	lab_clh_pool_exit();
	return ret;
}

static void __exit locklab_exit(void)
{
	misc_deregister(&lab_miscdev);
	lab_run_threads_exit();
	lab_hold_exit();
	lab_stat_exit();
	lab_wait_exit();
	lab_clh_pool_exit();
}

module_init(locklab_init);
module_exit(locklab_exit);

MODULE_DESCRIPTION("Rust Atomics and Locks primitives, in the kernel, for experiments");
MODULE_AUTHOR("The locklab developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(LOCKLAB_VERSION);
