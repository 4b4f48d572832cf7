// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: stat, the lock_stat-like view of the module's debugfs
 * files (dev/stat.c): every object's acquisitions, contentions, wait and
 * hold times with their histograms, and the last timed benchmark.
 * --reset zeroes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locklab.h"

static const char *stat_dir(void)
{
	return getenv("LOCKLAB_DEBUGFS") ?: "/sys/kernel/debug/locklab";
}

static int stat_cat(const char *name)
{
	char path[256], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", stat_dir(), name);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "locklab: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ?
			" (is debugfs mounted? mount -t debugfs none /sys/kernel/debug)" :
			"");
		return 1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

int cmd_stat(const struct cli_opts *o)
{
	char path[256];
	int fd;

	if (o->reset) {
		snprintf(path, sizeof(path), "%s/reset", stat_dir());
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "1\n", 2) != 2) {
			fprintf(stderr, "locklab: %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
		return 0;
	}
	if (stat_cat("objects"))
		return 1;
	printf("\n");
	return stat_cat("bench");
}
