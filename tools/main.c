// SPDX-License-Identifier: GPL-2.0
/*
 * locklab - drive the locklab kernel module from userspace.
 *
 *   locklab version             ABI handshake: module ABI, kinds, backend
 *   locklab list                kinds and variants the loaded module has
 *   locklab bench [options]     in-kernel benchmark (kthreads), every
 *                               variant next to the kernel's own
 *   locklab stress [options]    userspace threads on object fds
 *   locklab lab NAME [options]  in-kernel experiments (tools/lab.c)
 *
 * `locklab --help` is the manual, `locklab COMMAND --help` one command's.
 * This file parses the options and dispatches (the rest: tools/locklab.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locklab.h"

static unsigned int parse_uint(const char *opt, const char *s, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max) {
		fprintf(stderr, "locklab: %s: '%s' is not a number in 0..%u\n", opt, s, max);
		exit(1);
	}
	return v;
}

/* --threads N or N,M,...: a list for bench, its first entry for stress. */
static void parse_threads(struct cli_opts *o, const char *opt, const char *s)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf)) {
		fprintf(stderr, "locklab: %s: list too long\n", opt);
		exit(1);
	}
	strcpy(buf, s);
	o->nthreads = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nthreads == LL_MAX_THREAD_COUNTS) {
			fprintf(stderr, "locklab: %s: at most %d thread counts\n",
				opt, LL_MAX_THREAD_COUNTS);
			exit(1);
		}
		o->thread_list[o->nthreads++] =
			parse_uint(opt, tok, LOCKLAB_BENCH_MAX_THREADS);
	}
	if (!o->nthreads) {
		fprintf(stderr, "locklab: %s: '%s' lists no thread count\n", opt, s);
		exit(1);
	}
	o->threads = o->thread_list[0];
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "variant", required_argument, NULL, 'v' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "ms", required_argument, NULL, 'm' },
		{ "hold-ns", required_argument, NULL, 'H' },
		{ "gap-ns", required_argument, NULL, 'G' },
		{ "bind", no_argument, NULL, 'b' },
		{ "broken", no_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "times", no_argument, NULL, 'T' },
		{ "reset", no_argument, NULL, 'r' },
		{ "read-pct", required_argument, NULL, 'R' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "callbacks", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct cli_opts o = {
		.kind = "spin", .variants = "all", .ms = 1000, .read_pct = -1,
		.repeat = 1,
	};
	const char *cmd;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		help_print(NULL);
		return argc < 2 ? 1 : 0;
	}
	if (!strcmp(argv[1], "help")) {
		help_print(argc > 2 ? argv[2] : NULL);
		return 0;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "lab"))	/* its own options: tools/lab.c */
		return cmd_lab(argc, argv);
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:v:t:s:m:H:G:R:n:bBjcqTrCh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.kind = optarg;
			break;
		case 'v':
			o.variants = optarg;
			break;
		case 't':
			parse_threads(&o, "--threads", optarg);
			break;
		case 's':
			o.ms = 1000 * parse_uint("--seconds", optarg, 3600);
			break;
		case 'm':
			o.ms = parse_uint("--ms", optarg, 3600000);
			break;
		case 'H':
			o.hold_ns = parse_uint("--hold-ns", optarg,
					       LOCKLAB_BENCH_MAX_BUSY_NS);
			break;
		case 'G':
			o.gap_ns = parse_uint("--gap-ns", optarg,
					      LOCKLAB_BENCH_MAX_BUSY_NS);
			break;
		case 'b':
			o.bind = true;
			break;
		case 'B':
			o.broken = true;
			break;
		case 'j':
			o.fmt = FMT_JSON;
			break;
		case 'c':
			o.fmt = FMT_CSV;
			break;
		case 'T':
			o.times = true;
			break;
		case 'r':
			o.reset = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'n':
			o.repeat = parse_uint("--repeat", optarg, 64);
			if (!o.repeat) {
				fprintf(stderr, "locklab: --repeat: at least 1\n");
				return 1;
			}
			break;
		case 'R':
			o.read_pct = parse_uint("--read-pct", optarg, 100);
			break;
		case 'C':
			o.callbacks = true;
			break;
		case 'h':
			help_print(help_known(cmd) ? cmd : NULL);
			return 0;
		default:
			fprintf(stderr, "locklab: see `locklab --help`\n");
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "locklab: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (!strcmp(cmd, "version"))
		return cmd_version(&o);
	if (!strcmp(cmd, "list"))
		return cmd_list(&o);
	if (!strcmp(cmd, "stress")) {
		if (!o.ms) {
			fprintf(stderr, "locklab: the run time must be at least 1 ms\n");
			return 1;
		}
		return cmd_stress(&o);
	}
	if (!strcmp(cmd, "stat"))
		return cmd_stat(&o);
	if (!strcmp(cmd, "bench")) {
		if (!o.ms) {
			fprintf(stderr, "locklab: the run time must be at least 1 ms\n");
			return 1;
		}
		if (o.callbacks && strcmp(o.kind, "rcu")) {
			fprintf(stderr, "locklab: --callbacks: rcu kind only\n");
			return 1;
		}
		if (!o.nthreads && getenv("LOCKLAB_THREADS"))
			parse_threads(&o, "LOCKLAB_THREADS", getenv("LOCKLAB_THREADS"));
		return cmd_bench(&o);
	}
	fprintf(stderr, "locklab: unknown command '%s' (%s; see --help)\n", cmd,
		"version, list, stat, stress, bench, lab");
	return 1;
}
