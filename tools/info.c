// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: version (the ABI handshake) and list (kinds and variants).
 */
#include <stdio.h>
#include <unistd.h>

#include "locklab.h"

/* The module's own version (MODULE_VERSION), when sysfs shows it. */
static void version_module(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/module/locklab/version", "r");

	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		printf(" (module %.*s)", (int)strcspn(buf, "\n"), buf);
	fclose(f);
}

int cmd_version(const struct cli_opts *o)
{
	struct locklab_version v;
	int dev = dev_open(), k;

	dev_handshake(dev, &v);
	printf("locklab ABI %u.%u, atomics backend %s, %u online CPUs",
	       v.abi_major, v.abi_minor, v.backend, v.nr_cpus);
	version_module();
	printf("\nkinds:");
	for (k = 0; k < 64; k++)
		if (v.kinds & (1ULL << k))
			printf(" %d", k);
	printf("\n");
	close(dev);
	return 0;
}

static void props_str(uint32_t props, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s",
		 props & LOCKLAB_PROP_FIFO ? "fifo " : "",
		 props & LOCKLAB_PROP_SLEEPS ? "sleeps " : "",
		 props & LOCKLAB_PROP_KERNEL ? "kernel " : "",
		 props & LOCKLAB_PROP_BROKEN ? "broken " : "");
	if (!buf[0])
		snprintf(buf, len, "-");
}

static const struct col list_cols[] = {
	{ "kind", "kind", COL_STR, -10, COL_ALL },
	{ "variant", "variant", COL_STR, -12, COL_ALL },
	{ "number", "number", COL_UINT, -8, COL_ALL },
	{ "properties", "properties", COL_STR, -1, COL_TABLE | COL_CSV },
	{ "props", "props", COL_UINT, 0, COL_JSON },
};

int cmd_list(const struct cli_opts *o)
{
	static struct locklab_list vs[MAX_VARIANTS];
	static char props[MAX_VARIANTS][64];
	struct report r = { .cols = list_cols, .ncols = 5 };
	int dev = dev_open(), n, i;

	n = dev_variants(dev, vs, MAX_VARIANTS);
	if (report_init(&r, n))
		return 1;
	for (i = 0; i < n; i++) {
		union cell *c = report_row(&r, i);

		props_str(vs[i].props, props[i], sizeof(props[i]));
		c[0].s = vs[i].kind_name;
		c[1].s = vs[i].name;
		c[2].u = vs[i].variant;
		c[3].s = props[i];
		c[4].u = vs[i].props;
	}
	report_print(&r, o->fmt);
	report_free(&r);
	close(dev);
	return 0;
}
