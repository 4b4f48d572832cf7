// SPDX-License-Identifier: GPL-2.0
/*
 * locklab accounting selftest, part 2: rings, and who is charged. Every
 * byte an object makes the kernel allocate is charged to the open of
 * /dev/locklab that created it and to its user (max_open_bytes,
 * max_user_bytes):
 *
 *  - rings: bounded channels until ENOSPC (not EINVAL or ENOMEM), within
 *    max_open_bytes, stopped only when one more ring does not fit, and
 *    everything back on close;
 *  - a second open shares the user's budget; objects that outlive their
 *    open stay charged to the user;
 *  - dup(), fork() and SCM_RIGHTS charge the creating open and cannot
 *    reset its budget.
 *
 * Not tested here: queued messages and the slab (account_msg_test), memory
 * cgroups and parameter ranges (account_memcg_test).
 *
 * Needs root (module parameters). Every test restores the module
 * parameters it changes. Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"
#include "account_common.h"

/*
 * Bounded channels with 4 MiB rings until ENOSPC. A ring over the 16 MiB
 * cap is EINVAL and charges nothing.
 */
TEST_F_TIMEOUT(acct, rings_until_enospc_within_budget, 300)
{
	const unsigned long budget = 32 * MIB;
	struct locklab_limits l0, l;
	uint64_t ring_charge = 0;
	int fds[64], n, err = 0, fd, i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes", budget));
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	EXPECT_EQ(EINVAL, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
				    LOCKLAB_CHANNEL_BOUNDED, 65536, 256, &fd));
	EXPECT_EQ(l0.open_bytes, open_bytes(self->dev));
	for (n = 0; n < 64; n++) {
		err = ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
				LOCKLAB_CHANNEL_BOUNDED, 4096, 1024, &fds[n]);
		if (err)
			break;
		ASSERT_EQ(0, ll_limits(self->dev, &l));
		EXPECT_GE(l.max_open_bytes, l.open_bytes);
		EXPECT_GE(l.max_user_bytes, l.user_bytes);
		if (!n)
			ring_charge = l.open_bytes - l0.open_bytes;
	}
	EXPECT_EQ(ENOSPC, err)
		TH_LOG("ring %d: %s", n, strerror(err));
	EXPECT_LE(2, n);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_GE(budget, l.open_bytes);
	EXPECT_EQ(l0.open_bytes + n * ring_charge, l.open_bytes);
	/* What stopped it: not enough room left for one more ring. */
	EXPECT_GT(ring_charge, budget - l.open_bytes);
	ll_note("%d rings of 4096 x 1024 bytes, %llu bytes charged each, in a %lu-byte budget\n",
		n, (unsigned long long)ring_charge, budget);
	for (i = 0; i < n; i++)
		close(fds[i]);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(l0.open_bytes, l.open_bytes);
	EXPECT_EQ(l0.user_bytes, l.user_bytes);
	EXPECT_EQ(l0.objects, l.objects);
}

/* A second open of /dev/locklab draws on the same user budget. */
TEST_F_TIMEOUT(acct, reopen_shares_the_user_budget, 300)
{
	struct locklab_limits l0, la, lb;
	int fds[64], n, err = 0, b, fd, i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("max_user_bytes", 8 * MIB));
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes", 32 * MIB));
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	for (n = 0; n < 64; n++) {
		err = ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
				LOCKLAB_CHANNEL_BOUNDED, 256, 1024, &fds[n]);
		if (err)
			break;
	}
	EXPECT_EQ(ENOSPC, err);
	EXPECT_LE(2, n);
	b = open(LL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, ll_limits(self->dev, &la));
	ASSERT_EQ(0, ll_limits(b, &lb));
	EXPECT_GE(8 * MIB, la.user_bytes);
	EXPECT_GT(32 * MIB, la.open_bytes);	/* the user's limit stopped A */
	EXPECT_EQ(0, lb.open_bytes);
	EXPECT_EQ(0, lb.objects);
	EXPECT_EQ(la.user_bytes, lb.user_bytes);
	EXPECT_LE(la.open_bytes, lb.user_bytes);
	/* B's own budget is untouched, yet it cannot have what A could not. */
	EXPECT_EQ(ENOSPC, ll_create(b, LOCKLAB_KIND_CHANNEL,
				    LOCKLAB_CHANNEL_BOUNDED, 256, 1024, &fd));
	ASSERT_EQ(0, ll_limits(b, &lb));
	EXPECT_EQ(0, lb.open_bytes);
	EXPECT_EQ(la.user_bytes, lb.user_bytes);
	/* Room that A gives back is the user's, so B can use it. */
	if (n) {
		close(fds[--n]);
		EXPECT_EQ(0, ll_create(b, LOCKLAB_KIND_CHANNEL,
				       LOCKLAB_CHANNEL_BOUNDED, 256, 1024, &fd));
		if (fd >= 0) {
			ASSERT_EQ(0, ll_limits(b, &lb));
			EXPECT_LT(0, lb.open_bytes);
			close(fd);
		}
	}
	close(b);
	for (i = 0; i < n; i++)
		close(fds[i]);
	ASSERT_EQ(0, ll_limits(self->dev, &la));
	EXPECT_EQ(l0.open_bytes, la.open_bytes);
	EXPECT_EQ(l0.user_bytes, la.user_bytes);
}

/*
 * Closing /dev/locklab does not give back what its objects still hold:
 * they stay charged to the user until the last of them goes.
 */
TEST_F(acct, objects_outliving_their_open_stay_charged)
{
	struct locklab_limits l0, l1, l;
	int a, ring, fd;
	uint32_t len = 64;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	a = open(LL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, a);
	ASSERT_EQ(0, ll_create(a, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_BOUNDED,
			       256, 1024, &ring));
	ASSERT_EQ(0, ll_create(a, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC, 0,
			       64, &fd));
	EXPECT_EQ(0, ll_send(fd, payload, len));
	ASSERT_EQ(0, ll_limits(a, &l1));
	EXPECT_LT(256 * 1024, l1.open_bytes);
	close(a);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_LE(l0.user_bytes + l1.open_bytes, l.user_bytes);
	/* The orphaned channel still works, still charged. */
	EXPECT_EQ(0, ll_send(fd, payload, len));
	EXPECT_EQ(0, ll_recv(fd, payload, &len));
	close(ring);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_LT(l0.user_bytes, l.user_bytes);
	close(fd);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(l0.user_bytes, l.user_bytes);
	EXPECT_EQ(l0.open_bytes, l.open_bytes);
}

/* A forked child sends @n @len-byte messages on @fd; returns the exit status. */
static int child_sends(int fd, uint32_t len, int n)
{
	int status, i, err = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		for (i = 0; i < n && !err; i++)
			err = send_nb(fd, len);
		_exit(err);
	}
	if (ll_wait_child(pid, 60, &status) || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A 64-byte mpsc channel with 100 messages queued; *pre, *l1 and *l2 are
 * open_bytes before it, after its creation and after the messages.
 */
static int chan_of_100(struct __test_metadata *_metadata, int dev,
		       uint64_t *pre, uint64_t *l1, uint64_t *l2)
{
	int fd, err;

	*pre = open_bytes(dev);
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC,
			       0, 64, &fd));
	*l1 = open_bytes(dev);
	ASSERT_EQ(100, fill(fd, 64, 100, &err));
	*l2 = open_bytes(dev);
	return fd;
}

TEST_F_TIMEOUT(acct, dup_and_fork_charge_the_creating_open, 120)
{
	uint64_t pre, l1, l2, per;
	unsigned long n;
	int fd, dfd, err;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 1UL << 30));
	fd = chan_of_100(_metadata, self->dev, &pre, &l1, &l2);
	EXPECT_EQ(0, (l2 - l1) % 100);
	per = (l2 - l1) / 100;
	ASSERT_LT(64, per);

	dfd = dup(fd);
	ASSERT_LE(0, dfd);
	EXPECT_EQ(100, fill(dfd, 64, 100, &err));
	EXPECT_EQ(l2 + 100 * per, open_bytes(self->dev));
	l2 = open_bytes(self->dev);
	EXPECT_EQ(0, child_sends(fd, 64, 100));
	EXPECT_EQ(l2 + 100 * per, open_bytes(self->dev));

	/* Fill the budget: neither a dup nor a child gets a fresh one. */
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes",
				     open_bytes(self->dev) + 64 * KIB));
	n = fill(fd, 64, 100000, &err);
	EXPECT_EQ(ENOSPC, err);
	EXPECT_LE(1, n);
	l2 = open_bytes(self->dev);
	EXPECT_EQ(ENOSPC, send_nb(dfd, 64));
	EXPECT_EQ(ENOSPC, child_sends(fd, 64, 1));
	EXPECT_EQ(ENOSPC, child_sends(dfd, 64, 1));
	EXPECT_EQ(l2, open_bytes(self->dev));
	close(dfd);
	close(fd);
	EXPECT_EQ(pre, open_bytes(self->dev));
}

struct scm_reply {
	int err;		/* first failed send, or 0 */
	int sent;
	uint64_t own_bytes;	/* open_bytes of the child's own open */
	uint32_t own_objects;
};

/* The child: its own open, a channel fd it got by SCM_RIGHTS; 's' sends 100. */
static void scm_child(int sock, int olddev)
{
	struct locklab_limits l;
	struct scm_reply r;
	int dev, fd;
	char cmd;

	close(olddev);
	dev = open(LL_DEV, O_RDWR);
	fd = recv_fd(sock);
	if (dev < 0 || fd < 0)
		_exit(2);
	for (;;) {
		if (ll_xfer(sock, &cmd, 1, false, 60))
			_exit(3);
		if (cmd == 'q')
			_exit(0);
		memset(&r, 0, sizeof(r));
		while (r.sent < 100 && !(r.err = send_nb(fd, 64)))
			r.sent++;
		if (!ll_limits(dev, &l)) {
			r.own_bytes = l.open_bytes;
			r.own_objects = l.objects;
		}
		if (ll_xfer(sock, &r, sizeof(r), true, 60))
			_exit(4);
	}
}

static int scm_cmd(int sock, char cmd, struct scm_reply *r)
{
	if (ll_xfer(sock, &cmd, 1, true, 60))
		return -1;
	if (cmd == 'q')
		return 0;
	return ll_xfer(sock, r, sizeof(*r), false, 60);
}

TEST_F_TIMEOUT(acct, scm_rights_sends_charge_the_creator, 120)
{
	struct scm_reply r;
	uint64_t pre, l1, l2, per;
	int sv[2], fd, err, status;
	pid_t pid;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 1UL << 30));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		scm_child(sv[1], self->dev);
	}
	close(sv[1]);
	fd = chan_of_100(_metadata, self->dev, &pre, &l1, &l2);
	per = (l2 - l1) / 100;
	EXPECT_EQ(l1 + 100 * per, l2);
	ASSERT_EQ(0, send_fd(sv[0], fd));

	ASSERT_EQ(0, scm_cmd(sv[0], 's', &r));
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(100, r.sent);
	EXPECT_EQ(0, r.own_bytes);	/* not charged to the child's open */
	EXPECT_EQ(0, r.own_objects);
	EXPECT_EQ(l2 + 100 * per, open_bytes(self->dev));

	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes",
				     open_bytes(self->dev) + 32 * KIB));
	fill(fd, 64, 100000, &err);
	EXPECT_EQ(ENOSPC, err);
	l2 = open_bytes(self->dev);
	ASSERT_EQ(0, scm_cmd(sv[0], 's', &r));
	EXPECT_EQ(ENOSPC, r.err);
	EXPECT_EQ(0, r.sent);
	EXPECT_EQ(0, r.own_bytes);
	EXPECT_EQ(l2, open_bytes(self->dev));

	EXPECT_EQ(0, scm_cmd(sv[0], 'q', &r));
	EXPECT_EQ(0, ll_wait_child(pid, 60, &status));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	close(sv[0]);
	close(fd);	/* the child's copy is gone: this frees the channel */
	EXPECT_EQ(pre, open_bytes(self->dev));
}

TEST_HARNESS_MAIN
