// SPDX-License-Identifier: GPL-2.0
/*
 * locklab ABI selftest: the /dev/locklab handshake and the variant list,
 * the ABI rules every ioctl follows (short size, non-zero tail, zero tail,
 * flags, reserved fields, unknown command, bad pointers), CREATE's checks
 * of kinds and parameters, and the objects-per-open limit. The benchmark
 * ioctl is bench_test.c's.
 *
 * Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/locklab.h>

#include "kselftest_harness.h"
#include "locklab_test.h"

#define DEV_PATH LL_DEV

static int ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ll_err(ioctl(fd, cmd, arg));
}

#include "dev_fixture.h"

TEST_F(dev, version_handshake)
{
	struct locklab_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
	EXPECT_EQ(LOCKLAB_ABI_MAJOR, v.abi_major);
	EXPECT_LE(LOCKLAB_ABI_MINOR, v.abi_minor);
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SPIN));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_MUTEX));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_RWLOCK));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SEMAPHORE));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_RCU));
	EXPECT_TRUE(v.kinds & (1ULL << LOCKLAB_KIND_SEQLOCK));
	EXPECT_EQ(0, v.kinds & 1);	/* kind 0 does not exist */
	EXPECT_LE(1, v.nr_cpus);
	EXPECT_NE(0, v.backend[0]);
	EXPECT_GT(sizeof(v.backend), strnlen(v.backend, sizeof(v.backend)));
	EXPECT_EQ(sizeof(v), v.size);
}

TEST_F(dev, version_short_size_einval)
{
	struct locklab_version v = { .size = 4 };

	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
	v.size = 0;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
	v.size = offsetof(struct locklab_version, backend);
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
}

struct version_tail {
	struct locklab_version v;
	uint64_t tail[4];
};

TEST_F(dev, version_zero_tail_accepted)
{
	struct version_tail t;

	memset(&t, 0, sizeof(t));
	t.v.size = sizeof(t);
	ASSERT_EQ(0, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &t));
	EXPECT_EQ(LOCKLAB_ABI_MAJOR, t.v.abi_major);
	/* The kernel writes back its own size at most. */
	EXPECT_EQ(0, t.tail[0] | t.tail[1] | t.tail[2] | t.tail[3]);
}

TEST_F(dev, version_nonzero_tail_e2big)
{
	struct version_tail t;

	memset(&t, 0, sizeof(t));
	t.v.size = sizeof(t);
	t.tail[3] = 1;
	EXPECT_EQ(E2BIG, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &t));
}

TEST_F(dev, version_flags_and_reserved_einval)
{
	struct locklab_version v = { .size = sizeof(v), .flags = 1 };

	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.__reserved = 1;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_VERSION, &v));
}

TEST_F(dev, unknown_command_enotty)
{
	struct locklab_version v = { .size = sizeof(v) };

	EXPECT_EQ(ENOTTY, ioctl_err(self->dev, _IO(LOCKLAB_TYPE, 0x7f), &v));
	EXPECT_EQ(ENOTTY, ioctl_err(self->dev, _IO(LOCKLAB_TYPE + 1, 0x00), &v));
	/* The right number with a size encoded is a different command. */
	EXPECT_EQ(ENOTTY, ioctl_err(self->dev,
				    _IOWR(LOCKLAB_TYPE, 0x00, struct locklab_version), &v));
}

TEST_F(dev, bad_pointer_efault)
{
	void *unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long cmds[] = { LOCKLAB_IOC_VERSION, LOCKLAB_IOC_LIST, LOCKLAB_IOC_BENCH };
	unsigned int i;

	ASSERT_NE(MAP_FAILED, unmapped);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(EFAULT, ioctl_err(self->dev, cmds[i], NULL));
		EXPECT_EQ(EFAULT, ioctl_err(self->dev, cmds[i], unmapped));
	}
	munmap(unmapped, 4096);
}

TEST_F(dev, list_enumerates_every_spin_variant)
{
	static const char *const want[] = {
		"tas", "ttas", "ticket", "mcs", "clh", "mcs-pending", "kernel",
		"broken",
	};
	unsigned int found = 0, i, n;
	struct locklab_list l;

	for (n = 0; n < 1024; n++) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.index = n;
		if (ioctl(self->dev, LOCKLAB_IOC_LIST, &l))
			break;
		EXPECT_NE(0, l.name[0]);
		EXPECT_NE(0, l.kind_name[0]);
		EXPECT_LT(0, l.kind);
		if (l.kind != LOCKLAB_KIND_SPIN)
			continue;
		EXPECT_STREQ("spin", l.kind_name);
		for (i = 0; i < ARRAY_SIZE(want); i++)
			if (!strcmp(l.name, want[i]))
				found |= 1U << i;
		if (l.variant == LOCKLAB_VARIANT_KERNEL)
			EXPECT_TRUE(l.props & LOCKLAB_PROP_KERNEL);
		if (l.variant == LOCKLAB_VARIANT_BROKEN)
			EXPECT_TRUE(l.props & LOCKLAB_PROP_BROKEN);
	}
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ((1U << (ARRAY_SIZE(want))) - 1, found);
	l.flags = 1;
	l.index = 0;
	EXPECT_EQ(EINVAL, ioctl_err(self->dev, LOCKLAB_IOC_LIST, &l));
}

TEST_F(dev, create_abi_and_bad_parameters)
{
	struct {
		struct locklab_create c;
		uint64_t tail;
	} big;
	int fd, other;

	EXPECT_EQ(EINVAL, ll_create(self->dev, 0, 1, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, 99, 1, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_MUTEX, 42, 0, 0, &fd));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_MUTEX,
				    LOCKLAB_MUTEX_3STATE, 1, 0, &fd));
	EXPECT_EQ(EBADF, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				   LOCKLAB_CONDVAR_COUNTER, 9999, 0, &fd));
	/*
	 * A condvar needs a ch. 9 locklab mutex (it requeues onto its word):
	 * not the kernel's, not a queue or parking lock, not a spin lock.
	 */
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_KERNEL,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_QUEUE,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX, LOCKLAB_MUTEX_PARKING,
			       0, 0, &other));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, other, 0, &fd));
	close(other);
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CONDVAR,
				    LOCKLAB_CONDVAR_COUNTER, self->dev, 0, &fd));

	memset(&big, 0, sizeof(big));
	big.c.size = sizeof(big);
	big.c.kind = LOCKLAB_KIND_SPIN;
	big.c.variant = LOCKLAB_SPIN_TAS;
	ASSERT_EQ(0, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	EXPECT_LE(0, big.c.fd);
	/* Without LOCKLAB_CREATE_CLOEXEC the fd survives exec. */
	EXPECT_EQ(0, fcntl(big.c.fd, F_GETFD) & FD_CLOEXEC);
	/* An object fd refuses the factory's commands. */
	EXPECT_EQ(EINVAL, ll_err(ioctl(big.c.fd, LOCKLAB_IOC_CREATE, &big)));
	close(big.c.fd);
	big.tail = 7;
	EXPECT_EQ(E2BIG, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.tail = 0;
	big.c.flags = 0x10;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.c.flags = 0;
	big.c.__reserved = 1;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	big.c.__reserved = 0;
	big.c.size = 12;
	EXPECT_EQ(EINVAL, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, &big)));
	EXPECT_EQ(EFAULT, ll_err(ioctl(self->dev, LOCKLAB_IOC_CREATE, NULL)));
}

TEST_F(dev, objects_per_open_are_limited)
{
	int fds[8], fd, dev2, i;

	if (ll_write_param("max_objects", "8"))
		SKIP(return, "cannot set the max_objects parameter");
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
				       0, 0, &fds[i]));
	EXPECT_EQ(ENOSPC, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
				    0, 0, &fd));
	/* Another open has its own quota. */
	dev2 = open(LL_DEV, O_RDWR);
	ASSERT_LE(0, dev2);
	EXPECT_EQ(0, ll_create(dev2, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS, 0, 0, &fd));
	close(fd);
	close(dev2);
	/* Closing one object frees its slot. */
	close(fds[0]);
	EXPECT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
			       0, 0, &fds[0]));
	for (i = 0; i < 8; i++)
		close(fds[i]);
	ll_write_param("max_objects", "1024");
}

TEST(device_is_0600)
{
	struct stat st;

	if (stat(DEV_PATH, &st) && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: locklab.ko not loaded");
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_HARNESS_MAIN
