// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: the report writer. A command describes its columns once
 * (struct col: heading, key, type, width, and the formats that show it)
 * and fills one row of cells per variant; report_print() renders the
 * same rows as an aligned table, CSV (one heading line, one line per row)
 * or JSON ({meta..., "results":[{key: value, ...}, ...]}). A row with an
 * error shows it instead of its cells in the table, and as "error" in
 * CSV and JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locklab.h"

int report_init(struct report *r, unsigned int nrows)
{
	r->nrows = nrows;
	r->cells = calloc((size_t)nrows * r->ncols + 1, sizeof(*r->cells));
	r->error = calloc(nrows + 1, sizeof(*r->error));
	r->note = calloc(nrows + 1, sizeof(*r->note));
	return r->cells && r->error && r->note ? 0 : -1;
}

/*
 * A benchmark run's report: the run's settings as its meta and title
 * ("locklab CMD: kind ..., N threads, ..."), then report_init().
 */
int report_run_init(struct report *r, const char *cmd,
		    const struct cli_opts *o, const struct locklab_version *v,
		    unsigned int nrows)
{
	char gap[24];
	const struct meta meta[] = {
		{ "backend", v->backend, 0 }, { "cpus", NULL, v->nr_cpus },
		{ "kind", o->kind, 0 }, { "threads", NULL, o->threads },
		{ "ms", NULL, o->ms }, { "hold_ns", NULL, o->hold_ns },
		{ "gap_ns", NULL, o->gap_ns },
	};

	memcpy(r->run_meta, meta, sizeof(meta));
	r->meta = r->run_meta;
	r->nmeta = ARRAY_SIZE(meta);
	snprintf(gap, sizeof(gap), o->gap_ns ? ", gap %u ns" : "", o->gap_ns);
	snprintf(r->run_title, sizeof(r->run_title),
		 "locklab %s: kind %s, %u threads, %u ms each, hold %u ns%s, atomics %s, %u CPUs",
		 cmd, o->kind, o->threads, o->ms, o->hold_ns, gap,
		 v->backend, v->nr_cpus);
	r->title = r->run_title;
	return report_init(r, nrows);
}

union cell *report_row(struct report *r, unsigned int row)
{
	return &r->cells[(size_t)row * r->ncols];
}

void report_free(struct report *r)
{
	free(r->cells);
	free(r->error);
	free(r->note);
}

/* JSON string: what our names and errno texts need escaped. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void cell_print(const struct col *c, const union cell *v,
		       enum report_fmt fmt)
{
	int w = fmt == FMT_TABLE ? c->width : 0;

	switch (c->type) {
	case COL_STR:
		if (fmt == FMT_JSON)
			json_str(v->s ?: "");
		else
			printf("%*s", w, v->s ?: "");
		break;
	case COL_UINT:
		printf("%*llu", w, v->u);
		break;
	case COL_RATE:
		printf("%*.0f", w, v->d);
		break;
	case COL_RATIO:
		if (fmt == FMT_TABLE)
			printf("%*.2fx", w - 1, v->d);
		else
			printf("%.3f", v->d);
		break;
	case COL_FRAC:
		printf("%*.3f", w, v->d);
		break;
	case COL_US:
		printf("%*.2f", w, v->d);
		break;
	}
}

static void print_table(const struct report *r)
{
	unsigned int i, k;

	if (r->title)
		printf("%s\n\n", r->title);
	for (k = 0; k < r->ncols; k++)
		if (r->cols[k].where & COL_TABLE)
			printf("%s%*s", k ? " " : "", r->cols[k].width,
			       r->cols[k].head);
	printf("\n");
	for (i = 0; i < r->nrows; i++) {
		const union cell *row = &r->cells[(size_t)i * r->ncols];
		bool first = true;

		for (k = 0; k < r->ncols; k++) {
			if (!(r->cols[k].where & COL_TABLE))
				continue;
			if (!first)
				printf(" ");
			cell_print(&r->cols[k], &row[k], FMT_TABLE);
			/* An error row: its name, then the error. */
			if (first && r->error[i]) {
				printf(" error: %s", r->error[i]);
				break;
			}
			first = false;
		}
		printf("%s\n", !r->error[i] && r->note[i] ? r->note[i] : "");
	}
}

static void print_csv(const struct report *r)
{
	unsigned int i, k;
	const char *sep = "";

	for (k = 0; k < r->ncols; k++)
		if (r->cols[k].where & COL_CSV) {
			printf("%s%s", sep, r->cols[k].key);
			sep = ",";
		}
	printf(",error\n");
	for (i = 0; i < r->nrows; i++) {
		const union cell *row = &r->cells[(size_t)i * r->ncols];

		sep = "";
		for (k = 0; k < r->ncols; k++) {
			if (!(r->cols[k].where & COL_CSV))
				continue;
			printf("%s", sep);
			cell_print(&r->cols[k], &row[k], FMT_CSV);
			sep = ",";
		}
		printf(",%s\n", r->error[i] ?: "");
	}
}

static void print_json(const struct report *r)
{
	unsigned int i, k;

	printf("{");
	for (k = 0; k < r->nmeta; k++) {
		json_str(r->meta[k].key);
		printf(":");
		if (r->meta[k].s)
			json_str(r->meta[k].s);
		else
			printf("%llu", r->meta[k].u);
		printf(",");
	}
	printf("\"results\":[");
	for (i = 0; i < r->nrows; i++) {
		const union cell *row = &r->cells[(size_t)i * r->ncols];

		printf("%s{", i ? "," : "");
		for (k = 0; k < r->ncols; k++) {
			if (!(r->cols[k].where & COL_JSON))
				continue;
			json_str(r->cols[k].key);
			printf(":");
			cell_print(&r->cols[k], &row[k], FMT_JSON);
			printf(",");
		}
		printf("\"error\":");
		json_str(r->error[i] ?: "");
		printf("}");
	}
	printf("]}\n");
}

void report_print(const struct report *r, enum report_fmt fmt)
{
	if (fmt == FMT_CSV)
		print_csv(r);
	else if (fmt == FMT_JSON)
		print_json(r);
	else
		print_table(r);
}
