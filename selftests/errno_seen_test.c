// SPDX-License-Identifier: GPL-2.0
/*
 * locklab errno selftest, part 3: every errno that
 * include/uapi/linux/locklab.h lists was provoked at least once by
 * errno_args_test and errno_ops_test, which ran before this program and
 * recorded what they saw in $LOCKLAB_ERRNO_SEEN (errno_common.h). A
 * coverage check against a static list of the header's errnos: keep it in
 * step with the header.
 *
 * Not tested here: the errnos themselves (the other two programs assert
 * each one where they provoke it). Fails when either program did not run
 * first (run.sh runs them in this order); skips (exit 4) when
 * /dev/locklab does not exist, or when only errnos whose tests could not
 * run here (ENOMEM without a memory cgroup) are missing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "locklab_test.h"
#include "locklab_proc.h"

#define ERRNO_PROGRAM	"errno_seen_test"
#include "errno_common.h"

/* The programs that provoke them, all of which must have run. */
static const char *const errno_programs[] = {
	"errno_args_test", "errno_ops_test",
};

/* Is @line (without its newline) in the record @rec? */
static bool recorded(const char *rec, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = rec; (p = strstr(p, line)); p += n)
		if ((p == rec || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

TEST_F(err, every_listed_errno_was_seen)
{
	char missing[256] = "", skipped[256] = "", line[64], *rec;
	unsigned int i;
	ssize_t n;
	int fd;

	if (_metadata->skip)
		return;
	fd = open(errno_seen_path(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd)
		TH_LOG("%s: %s", errno_seen_path(), strerror(errno));
	rec = calloc(1, 65536);
	ASSERT_NE(NULL, rec);
	n = read(fd, rec, 65535);
	close(fd);
	ASSERT_LT(0, n);
	for (i = 0; i < ARRAY_SIZE(errno_programs); i++) {
		snprintf(line, sizeof(line), "ran %s", errno_programs[i]);
		EXPECT_TRUE(recorded(rec, line))
			TH_LOG("%s did not run before this program",
			       errno_programs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(listed); i++) {
		char *to = missing;

		snprintf(line, sizeof(line), "%s seen", listed[i].name);
		if (recorded(rec, line))
			continue;
		snprintf(line, sizeof(line), "%s skipped", listed[i].name);
		if (recorded(rec, line))
			to = skipped;
		strncat(to, " ", sizeof(missing) - strlen(to) - 1);
		strncat(to, listed[i].name, sizeof(missing) - strlen(to) - 1);
	}
	free(rec);
	if (missing[0])
		TH_LOG("never seen:%s", missing);
	EXPECT_STREQ("", missing);
	if (skipped[0] && !missing[0])
		SKIP(return, "not provoked here:%s", skipped);
}

TEST_HARNESS_MAIN
