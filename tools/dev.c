// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: the device. Open it (with a message that says what to do
 * when it is missing), check the ABI, list and select variants.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locklab.h"

int dev_open(void)
{
	const char *path = getenv("LOCKLAB_DEV") ?: LL_DEV;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "locklab: %s does not exist: %s\n", path,
			"is the module loaded? (insmod locklab.ko)");
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "locklab: %s: permission denied: the device is 0600; run as root\n",
			path);
	else
		fprintf(stderr, "locklab: %s: %s\n", path, strerror(errno));
	exit(1);
}

/* LOCKLAB_IOC_VERSION, and refuse a module of another ABI major. */
void dev_handshake(int dev, struct locklab_version *v)
{
	int err = ll_version(dev, v);

	if (err) {
		fprintf(stderr, "locklab: LOCKLAB_IOC_VERSION: %s\n", strerror(err));
		exit(1);
	}
	if (v->abi_major != LOCKLAB_ABI_MAJOR) {
		fprintf(stderr, "locklab: module ABI %u.%u, this tool %u.%u: %s\n",
			v->abi_major, v->abi_minor, LOCKLAB_ABI_MAJOR,
			LOCKLAB_ABI_MINOR, "rebuild one of them");
		exit(1);
	}
}

/* Every variant the module has, in its order; returns how many. */
int dev_variants(int dev, struct locklab_list *out, int max)
{
	int n, err;

	for (n = 0; n < max; n++) {
		err = ll_list(dev, n, &out[n]);
		if (err == ENOENT)
			break;
		if (err) {
			fprintf(stderr, "locklab: LOCKLAB_IOC_LIST: %s\n", strerror(err));
			exit(1);
		}
	}
	return n;
}

/* Is @name one of the comma-separated @list? */
bool name_in_list(const char *name, const char *list)
{
	size_t len = strlen(name);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/* Jain's fairness index of @n counts: 1 fair, 1/n one did everything. */
double jain(const uint64_t *x, unsigned int n)
{
	double s = 0, sq = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s += (double)x[i];
		sq += (double)x[i] * (double)x[i];
	}
	return sq ? s * s / (n * sq) : 0;
}

/* A progress line: on a terminal only, and not with --quiet. */
bool progress_on(const struct cli_opts *o)
{
	return isatty(2) && !o->quiet;
}
