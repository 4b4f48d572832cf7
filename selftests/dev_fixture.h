/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "dev" fixture of the locklab selftests: an open of /dev/locklab in
 * self->dev; the test skips (exit 4) when the device does not exist.
 * Include it after kselftest_harness.h and locklab_test.h, once per
 * program that wants it.
 */
#ifndef _LOCKLAB_DEV_FIXTURE_H
#define _LOCKLAB_DEV_FIXTURE_H

FIXTURE(dev) {
	int dev;
};

FIXTURE_SETUP(dev)
{
	if (ll_dev_missing(&self->dev))
		SKIP(return, LL_MISSING);
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->dev >= 0)
		close(self->dev);
}

#endif /* _LOCKLAB_DEV_FIXTURE_H */
