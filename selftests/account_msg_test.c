// SPDX-License-Identifier: GPL-2.0
/*
 * locklab accounting selftest, part 1: queued messages. What channels make
 * the kernel allocate is charged to the open of /dev/locklab that created
 * them, and the open's budget (max_open_bytes) holds:
 *
 *  - zero-length messages are charged their header: an mpsc channel fills
 *    a 4 MiB budget with N messages, N * charge <= 4 MiB; the channel's own
 *    cap counts headers too;
 *  - the charge covers the slab: /proc/meminfo's Slab grows per queued
 *    message by at most its charge (len 0 and 64), and draining or closing
 *    gives every byte back;
 *  - a full budget still lets receivers drain.
 *
 * Not tested here: rings and who is charged (account_share_test), memory
 * cgroups and parameter ranges (account_memcg_test), the per-object-kind
 * charges (objects, hold records, arcs) beyond channels, and races between
 * charges (the budget check is a statistic plus a limit,
 * include/locklab/budget.h). The slab comparison is reported but not
 * asserted on allocators with debug metadata (KASAN, slub_debug,
 * kmemleak), where slab growth per object exceeds any charge.
 *
 * Needs root (module parameters). Every test restores the module
 * parameters it changes. Skips (exit 4) when /dev/locklab does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"
#include "account_common.h"

/* --- /proc/meminfo and the slab allocator --------------------------------- */

/*
 * The size an object of slab cache @name takes, metadata included (from
 * /proc/slabinfo, else /sys/kernel/slab), or -1.
 */
static int slab_objsize(const char *name)
{
	char line[512], cache[64];
	int active, num, size = -1;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %d %d %d", cache, &active, &num,
				   &size) == 4 && !strcmp(cache, name))
				break;
			size = -1;
		}
		fclose(f);
		return size;
	}
	snprintf(line, sizeof(line), "/sys/kernel/slab/%s/slab_size", name);
	f = fopen(line, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &size) != 1)
		size = -1;
	fclose(f);
	return size;
}

/*
 * Does the slab allocator add per-object memory that no charge accounts
 * for (KASAN or slub_debug metadata, kmemleak's object tracking)? Then
 * the reason, else NULL.
 */
static const char *slab_debug(void)
{
	static char why[128];
	int size;

	if (slab_objsize("kmemleak_object") > 0 ||
	    !access("/sys/kernel/debug/kmemleak", F_OK))
		return "kmemleak tracks every slab object";
	size = slab_objsize("kmalloc-cg-32");
	if (size < 0)
		size = slab_objsize("kmalloc-32");
	if (size < 0)
		return "cannot read slab object sizes";
	if (size > 32) {
		snprintf(why, sizeof(why),
			 "slab debug metadata: kmalloc-32 objects take %d bytes",
			 size);
		return why;
	}
	return NULL;
}

/*
 * An mpsc channel with zero-length messages, budget 1 MiB and no channel
 * cap to speak of: every message costs its header, so the budget stops
 * the queue at N <= 1 MiB / charge (the old bug let a payload-only count
 * pin 12 MB under a 4 KiB budget: about 400,000 headers, as many as the
 * channel took; with headers charged, about 20,000 here).
 */
TEST_F_TIMEOUT(acct, zero_length_messages_stay_within_budget, 300)
{
	const unsigned long budget = MIB;
	struct locklab_limits l0, l1, l;
	unsigned long n, per, capped;
	uint64_t delta;
	int fd, err;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes", budget));
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 1UL << 30));
	ASSERT_EQ(0, ll_limits(self->dev, &l0));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
			       LOCKLAB_CHANNEL_MPSC, 0, 0, &fd));
	ASSERT_EQ(0, ll_limits(self->dev, &l1));
	EXPECT_LT(l0.open_bytes, l1.open_bytes);

	/* The charge of one zero-length message, over a batch of 1000. */
	ASSERT_EQ(1000, fill(fd, 0, 1000, &err));
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	delta = l.open_bytes - l1.open_bytes;
	EXPECT_EQ(0, delta % 1000);
	per = delta / 1000;
	ASSERT_LT(0, per);	/* a zero-length message costs its header */

	n = 1000 + fill(fd, 0, 2000000, &err);
	EXPECT_EQ(ENOSPC, err);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(budget, l.max_open_bytes);
	EXPECT_GE(budget, l.open_bytes);
	EXPECT_EQ(l1.open_bytes + n * per, l.open_bytes);
	EXPECT_GE(budget, n * per);
	EXPECT_GT(50000, n);	/* far below the old bug's ~400,000 */
	/* ENOSPC came from the budget: less than a message (and its copy) left. */
	EXPECT_GT(4 * KIB, budget - l.open_bytes);
	ll_note("N at ENOSPC: %lu zero-length messages of %lu bytes each in a "
		"%lu-byte budget (%llu bytes left)\n",
		n, per, budget, (unsigned long long)(budget - l.open_bytes));
	close(fd);
	ASSERT_EQ(0, ll_limits(self->dev, &l));
	EXPECT_EQ(l0.open_bytes, l.open_bytes);
	EXPECT_EQ(l0.user_bytes, l.user_bytes);
	EXPECT_EQ(l0.objects, l.objects);

	/* The channel's own cap counts headers too (a list node is 16 bytes). */
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 4096));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
			       LOCKLAB_CHANNEL_MPSC, 0, 0, &fd));
	capped = fill(fd, 0, 100000, &err);
	EXPECT_EQ(ENOSPC, err);
	EXPECT_LE(1, capped);
	EXPECT_GE(4096 / 16, capped);
	ll_note("chan_mpsc_max_bytes 4096: %lu zero-length messages\n", capped);
	close(fd);
	EXPECT_EQ(l0.open_bytes, open_bytes(self->dev));
}

/*
 * Slab growth per object is the bucket plus, once any memory cgroup has
 * switched kmem accounting on, its share of the slab's vector of objcg
 * pointers (8 bytes, 12 for kmalloc-96 whose 42-entry vector takes a
 * 512-byte bucket): the 16 bytes of LAB_CHARGE_OVERHEAD cover both cases.
 *
 * Queue @n messages of @len bytes on a fresh mpsc channel; report the
 * charge and the slab growth per message; then give everything back
 * (@drain: by receiving each message, else by closing the channel).
 */
static void slab_per_message(struct __test_metadata *_metadata, int dev,
			     uint32_t len, unsigned long n, bool drain,
			     const char *debug)
{
	struct locklab_limits l0, l1, l2;
	long long s0, s1;
	unsigned long i, bad = 0;
	double growth;
	uint64_t per;
	uint32_t got;
	int fd, err;

	ASSERT_EQ(0, ll_limits(dev, &l0));
	ASSERT_EQ(0, ll_create(dev, LOCKLAB_KIND_CHANNEL, LOCKLAB_CHANNEL_MPSC,
			       0, 64, &fd));
	ASSERT_EQ(0, ll_limits(dev, &l1));
	s0 = ll_slab_bytes(true);
	ASSERT_LE(0, s0);
	EXPECT_EQ(n, fill(fd, len, n, &err));
	EXPECT_EQ(0, err);
	s1 = ll_slab_bytes(true);
	ASSERT_EQ(0, ll_limits(dev, &l2));
	EXPECT_EQ(0, (l2.open_bytes - l1.open_bytes) % n);
	per = (l2.open_bytes - l1.open_bytes) / n;
	growth = (double)(s1 - s0) / n;
	ll_note("per-message charge: %llu bytes, slab growth: %.1f bytes (len %u, %lu messages)\n",
		(unsigned long long)per, growth, len, n);
	if (!debug)
		EXPECT_GE((double)per, growth);

	if (drain) {
		for (i = 0; i < n; i++)
			if (recv_nb(fd, 64, &got) || got != len)
				bad++;
		EXPECT_EQ(0, bad);
		EXPECT_EQ(EAGAIN, recv_nb(fd, 64, &got));
		/* Every message's charge came back, exactly. */
		EXPECT_EQ(l1.open_bytes, open_bytes(dev));
	}
	close(fd);
	ASSERT_EQ(0, ll_limits(dev, &l2));
	EXPECT_EQ(l0.open_bytes, l2.open_bytes);
	EXPECT_EQ(l0.user_bytes, l2.user_bytes);
}

TEST_F_TIMEOUT(acct, slab_growth_per_message_within_its_charge, 600)
{
	const char *debug;
	unsigned long n;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes", 64 * MIB));
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 1UL << 30));
	debug = slab_debug();
	/*
	 * Where the growth is not compared, the exact charges and their
	 * return are still checked; a tenth of the messages shows those
	 * (and spares the debug kernel a minute of tracked allocations).
	 */
	n = debug ? 10000 : 100000;
	slab_per_message(_metadata, self->dev, 0, n, true, debug);
	slab_per_message(_metadata, self->dev, 64, n, false, debug);
	if (debug)
		SKIP(return, "slab growth not compared: %s", debug);
}

/*
 * A budget filled to ENOSPC by sends still lets a receiver take a message
 * out: receiving frees memory, so it must not need any.
 */
TEST_F_TIMEOUT(acct, full_budget_still_lets_receivers_drain, 120)
{
	unsigned long n64, n0;
	int fd, err, empty;
	static char buf[32768];
	uint64_t full;
	uint32_t got;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ll_param_set_ul("chan_mpsc_max_bytes", 1UL << 30));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
			       LOCKLAB_CHANNEL_MPSC, 0, 64, &fd));
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_CHANNEL,
			       LOCKLAB_CHANNEL_MPSC, 0, 32768, &empty));
	ASSERT_EQ(0, ll_param_set_ul("max_open_bytes",
				     open_bytes(self->dev) + 64 * KIB));
	n64 = fill(fd, 64, 100000, &err);
	EXPECT_EQ(ENOSPC, err);
	n0 = fill(fd, 0, 100000, &err);	/* the last crumbs */
	EXPECT_EQ(ENOSPC, err);
	full = open_bytes(self->dev);
	ll_note("full: %lu + %lu messages, %llu bytes charged\n", n64, n0,
		(unsigned long long)full);
	/*
	 * A receive on an empty channel past the budget does not wait (it
	 * would keep the one reserve from the drain below): ENOSPC at once,
	 * not ETIMEDOUT. Its 32 KiB bounce buffer is past what is left on
	 * every architecture (arm64's smallest kmalloc is 128 bytes, so the
	 * crumbs left after the fill differ).
	 */
	got = sizeof(buf);
	EXPECT_EQ(ENOSPC, ll_chan(empty, LOCKLAB_CHAN_RECV, LOCKLAB_OP_TIMEOUT,
				  buf, &got, 5000000000ULL, NULL));
	close(empty);
	/* The oldest message is a 64-byte one. */
	err = recv_nb(fd, 64, &got);
	EXPECT_EQ(0, err)
		TH_LOG("RECV with the budget full: %s", strerror(err));
	EXPECT_EQ(0, recv_nb(fd, 64, &got));
	EXPECT_GT(full, open_bytes(self->dev));
	close(fd);
}

/*
 * Receives blocked on empty channels each hold a bounce buffer of their
 * room; together they may pin the user's budget plus one message (the one
 * reserve that lets a full budget drain), never more, however many opens
 * they come from: the rest get ENOSPC at once. NR_OPENS opens, a channel
 * each, NR_RX receivers spread over them; the user budget's headroom fits
 * one 32 KiB buffer, and past it a receive on an empty channel does not
 * wait: one receiver blocks (and times out), every other is refused.
 */
#define NR_RX		8
#define NR_OPENS	4

struct rx_arg {
	int fd;
	int err;
	char buf[32768];
};

static void *blocked_rx(void *p)
{
	struct rx_arg *a = p;
	uint32_t len = sizeof(a->buf);

	a->err = ll_chan(a->fd, LOCKLAB_CHAN_RECV, LOCKLAB_OP_TIMEOUT, a->buf,
			 &len, 2000000000ULL, NULL);
	return NULL;
}

static uint64_t user_bytes(int dev)
{
	struct locklab_limits l;

	return ll_limits(dev, &l) ? ~0ULL : l.user_bytes;
}

TEST_F_TIMEOUT(acct, receives_in_flight_pin_at_most_budget_plus_one, 60)
{
	static struct rx_arg a[NR_RX];
	int dev[NR_OPENS], fd[NR_OPENS], i, nospc = 0, timedout = 0;
	uint64_t base, peak = 0, now;
	pthread_t t[NR_RX];

	if (_metadata->skip)
		return;
	for (i = 0; i < NR_OPENS; i++) {
		dev[i] = open(LL_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, dev[i]);
		ASSERT_EQ(0, ll_create(dev[i], LOCKLAB_KIND_CHANNEL,
				       LOCKLAB_CHANNEL_MPSC, 0, 32768, &fd[i]));
	}
	base = user_bytes(self->dev);
	ASSERT_EQ(0, ll_param_set_ul("max_user_bytes", base + 48 * KIB));
	for (i = 0; i < NR_RX; i++) {
		a[i].fd = fd[i % NR_OPENS];
		a[i].err = -1;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, blocked_rx, &a[i]));
	}
	for (i = 0; i < 100; i++) {
		now = user_bytes(self->dev);
		if (now > peak)
			peak = now;
		usleep(10000);
	}
	for (i = 0; i < NR_RX; i++) {
		pthread_join(t[i], NULL);
		nospc += a[i].err == ENOSPC;
		timedout += a[i].err == ETIMEDOUT;
	}
	ll_note("user: base %llu, peak %llu bytes; %d ENOSPC, %d ETIMEDOUT\n",
		(unsigned long long)base, (unsigned long long)peak, nospc,
		timedout);
	EXPECT_EQ(NR_RX, nospc + timedout);
	EXPECT_EQ(1, timedout);
	/* The limit, plus at most one 32 KiB buffer (and bookkeeping) over. */
	EXPECT_GE(base + 48 * KIB + 32768 + 64, peak);
	EXPECT_EQ(base, user_bytes(self->dev));
	for (i = 0; i < NR_OPENS; i++) {
		close(fd[i]);
		close(dev[i]);
	}
}

/*
 * What a primitive's init allocates on its own is charged with it: a CLH
 * spin lock owns a queue node (a cache line) that a TAS lock does not, so
 * creating one costs the open at least that much more.
 */
TEST_F(acct, lock_objects_charge_what_their_init_allocates)
{
	uint64_t b0, b1, b2;
	int tas, clh;

	if (_metadata->skip)
		return;
	b0 = open_bytes(self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_TAS,
			       0, 0, &tas));
	b1 = open_bytes(self->dev);
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_SPIN, LOCKLAB_SPIN_CLH,
			       0, 0, &clh));
	b2 = open_bytes(self->dev);
	ll_note("TAS object %llu bytes, CLH object %llu bytes\n",
		(unsigned long long)(b1 - b0), (unsigned long long)(b2 - b1));
	EXPECT_LE(b1 - b0 + 64, b2 - b1);
	close(clh);
	close(tas);
	EXPECT_EQ(b0, open_bytes(self->dev));
}

TEST_HARNESS_MAIN
