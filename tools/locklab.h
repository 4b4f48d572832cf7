/* SPDX-License-Identifier: GPL-2.0 */
/*
 * locklab CLI: what its files share.
 *
 *   main.c     options, subcommand dispatch
 *   help.c     the manual and each subcommand's help
 *   dev.c      the device: open, handshake, variant list and selection
 *   report.c   one writer for table, CSV and JSON from one column list
 *   info.c     version, list
 *   bench.c    bench: the in-kernel benchmark
 *   stress.c   stress: userspace threads on object fds
 *   lab.c      lab: the in-kernel experiments, with their own help
 *
 * The ioctl wrappers are tools/include/locklab_user.h, which the selftests
 * use too.
 */
#ifndef _LOCKLAB_CLI_H
#define _LOCKLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "locklab_user.h"

#define MAX_VARIANTS	128
#define LL_MAX_THREAD_COUNTS	16	/* bench --threads 1,2,4,... */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum report_fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

struct cli_opts {
	const char *kind;
	const char *variants;
	unsigned int threads;	/* stress; bench: the first of thread_list */
	unsigned int thread_list[LL_MAX_THREAD_COUNTS];
	unsigned int nthreads;	/* entries of thread_list; 0: one per CPU */
	unsigned int repeat;	/* bench: interleaved repetitions */
	unsigned int ms;
	unsigned int hold_ns;
	unsigned int gap_ns;
	int read_pct;		/* -1: the default, 75 */
	bool bind;
	bool broken;
	bool quiet;
	bool times;		/* bench: LOCKLAB_BENCH_TIMES */
	bool callbacks;		/* bench, rcu: LOCKLAB_BENCH_CALLBACKS */
	bool reset;		/* stat: zero the statistics */
	enum report_fmt fmt;
};

/* dev.c */
int dev_open(void);
void dev_handshake(int dev, struct locklab_version *v);
int dev_variants(int dev, struct locklab_list *out, int max);
bool name_in_list(const char *name, const char *list);
double jain(const uint64_t *x, unsigned int n);
bool progress_on(const struct cli_opts *o);

/* report.c: a table of rows, each column written once for all formats. */
enum col_type {
	COL_STR,	/* const char * */
	COL_UINT,	/* unsigned long long */
	COL_RATE,	/* double, printed whole */
	COL_RATIO,	/* double, "1.23x" in the table */
	COL_FRAC,	/* double, three decimals */
	COL_US,		/* double, two decimals */
};

#define COL_TABLE	0x1
#define COL_CSV		0x2
#define COL_JSON	0x4
#define COL_ALL		(COL_TABLE | COL_CSV | COL_JSON)

struct col {
	const char *head;	/* table heading */
	const char *key;	/* CSV heading and JSON key */
	enum col_type type;
	int width;		/* table width; negative: left-aligned */
	unsigned int where;	/* COL_* */
};

union cell {
	const char *s;
	unsigned long long u;
	double d;
};

/* A key and value for the run as a whole: JSON members, the table title. */
struct meta {
	const char *key;
	const char *s;		/* a string, or NULL for @u */
	unsigned long long u;
};

struct report {
	const char *title;	/* table: the first line */
	const struct meta *meta;
	unsigned int nmeta;
	const struct col *cols;
	unsigned int ncols;
	unsigned int nrows;
	union cell *cells;	/* nrows * ncols */
	const char **error;	/* per row: an error instead of the cells */
	const char **note;	/* per row: table only, after the cells */
	struct meta run_meta[10];	/* report_run_init()'s */
	char run_title[160];
};

int report_init(struct report *r, unsigned int nrows);
int report_run_init(struct report *r, const char *cmd,
		    const struct cli_opts *o, const struct locklab_version *v,
		    unsigned int nrows);
union cell *report_row(struct report *r, unsigned int row);
void report_print(const struct report *r, enum report_fmt fmt);
void report_free(struct report *r);

/* The subcommands. */
int cmd_version(const struct cli_opts *o);
int cmd_list(const struct cli_opts *o);
int cmd_bench(struct cli_opts *o);
int cmd_stress(struct cli_opts *o);
int cmd_stat(const struct cli_opts *o);
int cmd_lab(int argc, char **argv);

/* help.c */
void help_print(const char *cmd);
bool help_known(const char *cmd);

#endif /* _LOCKLAB_CLI_H */
