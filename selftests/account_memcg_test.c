// SPDX-License-Identifier: GPL-2.0
/*
 * locklab accounting selftest, part 3: memory cgroups and parameters.
 *
 *  - memory cgroups see the charged memory (GFP_KERNEL_ACCOUNT), and a
 *    small memory.max makes sends fail (ENOMEM/ENOSPC) without the OOM
 *    killer (skipped without cgroup v2 and its memory controller);
 *  - module parameters refuse values out of range, and keep their value.
 *
 * Not tested here: the budgets themselves (account_msg_test,
 * account_share_test).
 *
 * Needs root (module parameters, cgroups). Every test restores the module
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"
#include "account_common.h"

/* --- Memory cgroups -------------------------------------------------------- */

/*
 * Shared with the child in the cgroup. The parent touches all of it
 * before the fork, so the child allocates no memory to use it: the
 * message buffer included (the kernel only reads it).
 */
struct cg_shared {
	int phase;
	int fail;		/* child: the step that failed */
	int err;		/* the errno that ended the limited sends */
	int sent;		/* messages queued under the limit */
	uint64_t open0, open1;	/* open_bytes around the 8 MiB */
	char buf[32768];
};

static int cg_send(int fd, struct cg_shared *s, uint32_t len)
{
	return ll_chan(fd, LOCKLAB_CHAN_SEND, LOCKLAB_OP_NONBLOCK, s->buf, &len,
		       0, NULL);
}

/*
 * Phases: 1 parent moved us into the cgroup; 2 channel ready (parent reads
 * memory.current); 3 go; 4 about 8 MiB queued (parent reads it again and
 * sets memory.max); 5 go; 6 sends under the limit failed; 7 exit.
 */
static void cg_child(void *arg, int olddev)
{
	struct cg_shared *s = arg;
	struct locklab_limits l;
	uint32_t len;
	int dev, fd, i;

	fd = ll_cg_child_chan(olddev, &s->phase, &s->fail, &dev);
	/* Warm up the paths the limited phase takes. */
	for (i = 0; i < 8; i++) {
		len = sizeof(s->buf);
		if (cg_send(fd, s, i & 1 ? 32768 : 4000) ||
		    ll_recv(fd, s->buf, &len)) {
			s->fail = 2;
			_exit(1);
		}
	}
	if (ll_limits(dev, &l)) {
		s->fail = 3;
		_exit(1);
	}
	s->open0 = l.open_bytes;
	ll_child_step(&s->phase, 2);
	do {
		for (i = 0; i < 64; i++) {
			if (cg_send(fd, s, 4000)) {
				s->fail = 4;
				_exit(1);
			}
		}
		if (ll_limits(dev, &l)) {
			s->fail = 5;
			_exit(1);
		}
	} while (l.open_bytes - s->open0 < 8 * MIB);
	s->open1 = l.open_bytes;
	ll_child_step(&s->phase, 4);
	s->sent = ll_sends_until_error(fd, s->buf, 32768, 4096, &s->err);
	ll_child_done(&s->phase, 6);
}

/*
 * A child in its own memory cgroup queues 8 MiB in 4000-byte messages:
 * memory.current grows by at least 75% of what the budget was charged.
 * Then memory.max = memory.current + 1 MiB and 32 KiB messages: each is an
 * order-4 allocation, above PAGE_ALLOC_COSTLY_ORDER, for which the memory
 * cgroup fails the charge rather than call the OOM killer (whose report
 * would be a splat); the send's order-3 bounce buffer always fits in what
 * the last failed message left. Results go through shared memory touched
 * before the fork, not a pipe, whose buffers the child would charge.
 */
TEST_F_TIMEOUT(acct, memcg_sees_the_charges_and_limits_sends, 300)
{
	char cg[128], why[256], max[32];
	uint64_t cur0 = 0, cur1 = 0, ooms0 = 0, ooms1 = 0, charged, grew;
	struct cg_shared *s;
	pid_t pid;

	if (_metadata->skip)
		return;
	if (ll_cg_make("acct", cg, sizeof(cg), why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes", 64 * MIB));
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 64 * MIB));
	s = ll_shared_new(_metadata, sizeof(*s), 'm');
	s->phase = 0;
	s->fail = 0;
	if (!ll_cg_child_start(_metadata, cg, &s->phase, cg_child, s,
			       self->dev, 120, &pid)) {
		TH_LOG("child not ready (step %d)", s->fail);
		EXPECT_TRUE(false);
		goto out;
	}
	EXPECT_EQ(0, ll_cg_read(cg, "memory.current", NULL, &cur0));
	EXPECT_EQ(0, ll_cg_read(cg, "memory.events", "oom_kill", &ooms0));
	ll_phase_set(&s->phase, 3);
	if (!ll_phase_wait(&s->phase, 4, 120)) {
		TH_LOG("child did not queue 8 MiB (step %d)", s->fail);
		EXPECT_TRUE(false);
		goto out;
	}
	EXPECT_EQ(0, ll_cg_read(cg, "memory.current", NULL, &cur1));
	charged = s->open1 - s->open0;
	grew = cur1 - cur0;
	ll_note("memcg: %llu bytes charged to the budget, "
		"memory.current grew %llu bytes (%.1f%%)\n",
		(unsigned long long)charged, (unsigned long long)grew,
		100.0 * grew / charged);
	EXPECT_LE(8 * MIB, charged);
	EXPECT_LE(charged * 3, grew * 4);	/* >= 75% */

	/* A small memory.max: sends fail, cleanly, before the OOM killer. */
	snprintf(max, sizeof(max), "%llu", (unsigned long long)(cur1 + MIB));
	EXPECT_EQ(0, ll_cg_write(cg, "memory.max", max));
	ll_phase_set(&s->phase, 5);
	if (!ll_phase_wait(&s->phase, 6, 120)) {
		TH_LOG("limited sends did not end");
		EXPECT_TRUE(false);
		goto out;
	}
	ll_note("memory.max = memory.current + 1 MiB: %d sends of 32 KiB, then %s\n",
		s->sent, strerror(s->err));
	EXPECT_TRUE(s->err == ENOMEM || s->err == ENOSPC)
		TH_LOG("sends under memory.max ended with %d", s->err);
	EXPECT_GT(64, s->sent);
	EXPECT_EQ(0, ll_cg_read(cg, "memory.events", "oom_kill", &ooms1));
	EXPECT_EQ(ooms0, ooms1);
out:
	ll_cg_child_end(_metadata, cg, &s->phase, 7, pid);
	munmap(s, sizeof(*s));
}

/* --- Module parameters ------------------------------------------------------ */

TEST_F(acct, parameters_are_range_checked)
{
	static const struct {
		const char *name, *val;
		bool read_only;
	} bad[] = {
		{ "max_objects", "0", false },
		{ "max_objects", "2000000", false },
		{ "max_objects", "ten", false },
		{ "wait_buckets", "1", true },
		{ "max_hold_ns", "4000000000", false },
		{ "max_hold_ns", "18446744073709551615", false },
		{ "bench_max_ms", "0", false },
		{ "max_open_bytes", "0", false },
		{ "max_open_bytes", "100", false },
		{ "max_user_bytes", "0", false },
		{ "chan_mpsc_max_bytes", "0", false },
	};
	char before[32], after[32];
	unsigned int i;
	int err;

	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, ll_read_param(bad[i].name, before, sizeof(before)))
			TH_LOG("%s", bad[i].name);
		err = ll_param_errno(bad[i].name, bad[i].val);
		/* A read-only parameter may also refuse the open. */
		if (bad[i].read_only && (err == EACCES || err == EPERM))
			err = EINVAL;
		EXPECT_EQ(EINVAL, err)
			TH_LOG("%s=%s: %s", bad[i].name, bad[i].val,
			       strerror(err));
		ASSERT_EQ(0, ll_read_param(bad[i].name, after, sizeof(after)));
		EXPECT_STREQ(before, after);
	}
	/* The bounds themselves are accepted. */
	EXPECT_EQ(0, ll_param_errno("max_open_bytes", "4096"));
	ASSERT_EQ(0, ll_read_param("max_open_bytes", after, sizeof(after)));
	EXPECT_STREQ("4096", after);
	EXPECT_EQ(0, ll_param_errno("max_hold_ns", "1000000"));
	EXPECT_EQ(0, ll_param_errno("max_objects", "1"));
}

TEST_HARNESS_MAIN
