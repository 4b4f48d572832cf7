// SPDX-License-Identifier: GPL-2.0
/*
 * locklab statistics selftest: the lock_stat-like view in debugfs
 * (/sys/kernel/debug/locklab) and the times of LOCKLAB_IOC_STATS agree
 * with what was done: every HOLD's section is a hold of at least its
 * hold_ns, the histograms add up to their counts, contended acquisitions
 * have their waits, RESET zeroes them, a closed object leaves the view,
 * and a timed benchmark reports its maximum and p99 wait.
 *
 * Skips (exit 4) without /dev/locklab; the debugfs cases skip without
 * debugfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "dev_fixture.h"

#define STAT_DIR	"/sys/kernel/debug/locklab"
#define HOLDS		400
#define HOLD_NS		20000

static bool have_debugfs(void)
{
	if (access(STAT_DIR "/objects", R_OK))
		mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	return !access(STAT_DIR "/objects", R_OK);
}

/* The object's block of the "objects" file, into @buf; 0 if not there. */
static int stat_block(uint64_t id, char *buf, size_t len)
{
	char line[1024], want[32];
	bool in = false;
	size_t used = 0;
	FILE *f = fopen(STAT_DIR "/objects", "r");

	if (!f)
		return 0;
	buf[0] = 0;
	snprintf(want, sizeof(want), "%llu ", (unsigned long long)id);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] != ' ')
			in = !strncmp(line, want, strlen(want));
		if (in && used + strlen(line) < len) {
			strcpy(buf + used, line);
			used += strlen(line);
		}
	}
	fclose(f);
	return used > 0;
}

/* Sum of the counts of one "NAME_hist:" line in @block. */
static uint64_t hist_sum(const char *block, const char *name)
{
	char key[32];
	const char *p;
	uint64_t sum = 0;

	snprintf(key, sizeof(key), "  %s_hist:", name);
	p = strstr(block, key);
	if (!p)
		return 0;
	p += strlen(key);
	while (*p && *p != '\n') {
		const char *c = strchr(p, ':');
		const char *nl = strchr(p, '\n');

		if (!c || (nl && c > nl))
			break;
		sum += strtoull(c + 1, (char **)&p, 10);
	}
	return sum;
}

static uint64_t field(const char *block, const char *name)
{
	const char *p = strstr(block, name);

	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

struct holder {
	int fd;
	int errors;
};

static void *holds(void *p)
{
	struct holder *h = p;
	int i;

	for (i = 0; i < HOLDS / 2; i++)
		if (ll_op_full(h->fd, LOCKLAB_OP_HOLD, 0, HOLD_NS, 0, NULL))
			h->errors++;
	return NULL;
}

TEST_F(dev, stats_times_match_the_holds_made)
{
	struct holder h[2];
	struct locklab_stats st;
	pthread_t t[2];
	char block[4096];
	int fd, i;

	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_MUTEX,
			       LOCKLAB_MUTEX_3STATE, 0, 0, &fd));
	for (i = 0; i < 2; i++) {
		h[i] = (struct holder){ .fd = fd };
		pthread_create(&t[i], NULL, holds, &h[i]);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, h[i].errors);
	}
	ASSERT_EQ(0, ll_stats(fd, &st));
	EXPECT_EQ(HOLDS, st.acquisitions);
	EXPECT_LE((uint64_t)HOLDS * HOLD_NS, st.hold_total_ns);
	EXPECT_LE(HOLD_NS, st.hold_max_ns);
	EXPECT_LT(0, st.id);
	if (st.contended) {
		EXPECT_LT(0, st.wait_total_ns);
		EXPECT_LE(st.wait_max_ns, st.wait_total_ns);
	}
	if (have_debugfs()) {
		ASSERT_TRUE(stat_block(st.id, block, sizeof(block)));
		EXPECT_TRUE(!!strstr(block, " mutex 3state "));
		EXPECT_EQ(HOLDS, field(block, "acquisitions "));
		EXPECT_EQ(HOLDS, field(block, "hold: count "));
		EXPECT_EQ(HOLDS, hist_sum(block, "hold"));
		EXPECT_EQ(st.contended, field(block, "wait: count "));
		EXPECT_EQ(st.contended, hist_sum(block, "wait"));
		/* RESET (the ioctl's) zeroes the times too. */
		st.flags = LOCKLAB_STATS_RESET;
		ASSERT_EQ(0, ll_err(ioctl(fd, LOCKLAB_IOC_STATS, &st)));
		ASSERT_TRUE(stat_block(st.id, block, sizeof(block)));
		EXPECT_EQ(0, field(block, "hold: count "));
		EXPECT_EQ(0, hist_sum(block, "hold"));
	}
	close(fd);
	/* Gone with its last descriptor. */
	if (have_debugfs())
		EXPECT_FALSE(stat_block(st.id, block, sizeof(block)));
}

TEST_F(dev, reset_file_zeroes_every_object)
{
	struct locklab_stats st;
	char block[4096];
	int fd, rfd;

	if (!have_debugfs())
		SKIP(return, "no debugfs");
	ASSERT_EQ(0, ll_create(self->dev, LOCKLAB_KIND_RWLOCK, LOCKLAB_RWLOCK_V3,
			       0, 0, &fd));
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_READ_LOCK));
	usleep(2000);
	EXPECT_EQ(0, ll_op(fd, LOCKLAB_OP_READ_UNLOCK));
	ASSERT_EQ(0, ll_stats(fd, &st));
	EXPECT_EQ(1, st.acquisitions);
	/* A kept hold's time is from its LOCK to its release. */
	EXPECT_LE(2000000, st.hold_max_ns);
	rfd = open(STAT_DIR "/reset", O_WRONLY);
	ASSERT_LE(0, rfd);
	EXPECT_EQ(2, write(rfd, "1\n", 2));
	close(rfd);
	ASSERT_EQ(0, ll_stats(fd, &st));
	EXPECT_EQ(0, st.acquisitions);
	EXPECT_EQ(0, st.hold_total_ns);
	ASSERT_TRUE(stat_block(st.id, block, sizeof(block)));
	EXPECT_EQ(0, field(block, "acquisitions "));
	close(fd);
}

TEST_F(dev, timed_bench_reports_max_and_p99_wait)
{
	struct locklab_bench b;
	char buf[2048];
	FILE *f;
	size_t n;

	memset(&b, 0, sizeof(b));
	b.flags = LOCKLAB_BENCH_TIMES;
	b.kind = LOCKLAB_KIND_MUTEX;
	b.variant = LOCKLAB_MUTEX_3STATE;
	b.threads = 2;
	b.duration_ms = 200;
	b.hold_ns = 5000;
	ASSERT_EQ(0, ll_bench(self->dev, &b));
	EXPECT_LT(0, b.acquisitions);
	EXPECT_LT(0, b.wait_max_ns);
	EXPECT_LE(b.wait_p99_ns, b.wait_max_ns);
	/* Arcs and channels do not time their waits: EINVAL. */
	b.kind = LOCKLAB_KIND_ARC;
	b.variant = LOCKLAB_ARC_ARC;
	b.hold_ns = 0;
	EXPECT_EQ(EINVAL, ll_bench(self->dev, &b));
	if (!have_debugfs())
		return;
	f = fopen(STAT_DIR "/bench", "r");
	ASSERT_NE(NULL, f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	EXPECT_TRUE(!!strstr(buf, "bench mutex 3state threads 2"));
	EXPECT_TRUE(!!strstr(buf, "wait_hist:"));
}

TEST_HARNESS_MAIN
