// SPDX-License-Identifier: GPL-2.0
/*
 * locklab CLI: the manual (`locklab --help`) and each subcommand's own
 * help (`locklab COMMAND --help`): its synopsis and its section.
 */
#include <stdio.h>
#include <string.h>

#include "locklab.h"

static const char manual[] =
"NAME\n"
"    locklab - experiment with the locklab kernel module's primitives\n"
"\n"
"SYNOPSIS\n"
"    locklab version\n"
"    locklab list [--json | --csv]\n"
"    locklab stat [--reset]\n"
"    locklab stress [--kind KIND] [--variant NAME[,NAME...]|all] [--threads N]\n"
"                  [--seconds S | --ms MS] [--hold-ns NS] [--read-pct P]\n"
"                  [--quiet] [--json | --csv]\n"
"    locklab bench [--kind KIND] [--variant NAME[,NAME...]|all]\n"
"                  [--threads N[,N...]] [--repeat R]\n"
"                  [--seconds S | --ms MS] [--hold-ns NS] [--gap-ns NS]\n"
"                  [--read-pct P] [--bind] [--broken] [--times] [--callbacks]\n"
"                  [--quiet]\n"
"                  [--json | --csv]\n"
"    locklab lab NAME [--ordering ORD[,ORD...]|all] [--rounds N] [--threads N]\n"
"    locklab lab --help [NAME]\n"
"\n"
"DESCRIPTION\n"
"    locklab talks to " LL_DEV " (the locklab module; load it with\n"
"    `insmod locklab.ko` or `modprobe locklab`). The device is 0600: run as\n"
"    root or give your user access to it.\n"
"\n"
"    version  prints the module's ABI version, the kinds it supports, the\n"
"             atomics backend its algorithms run on and the online CPUs.\n"
"\n"
"    list     prints every kind and variant the module has, with their\n"
"             properties: fifo (hands over in arrival order), sleeps\n"
"             (waiters sleep), kernel (the kernel's own primitive, the\n"
"             baseline), broken (wrong on purpose, to show the checks fire).\n"
"\n"
"    stat     prints the module's lock_stat-like statistics (debugfs,\n"
"             /sys/kernel/debug/locklab): for every object made through the\n"
"             device, acquisitions, contentions, owner deaths, and the wait\n"
"             and hold times (count, total, max, average, log2 histogram);\n"
"             then the last benchmark run with --times. --reset zeroes it.\n"
"\n"
"    stress   drives locks from userspace: for each selected variant it\n"
"             creates one object (LOCKLAB_IOC_CREATE) and THREADS pthreads\n"
"             take it with LOCKLAB_IOC_OP HOLD (lock, checked critical\n"
"             section of HOLD-NS in the kernel, unlock) for the given time.\n"
"             The kernel's own primitive of the kind always runs too. Shows\n"
"             operations per second, per-thread min/max, Jain's fairness,\n"
"             p50/p99 of the time each operation waited for the lock, and\n"
"             the violations the kernel's checked section saw.\n"
"             Lock kinds only; Arcs, channels, RCU and seqlocks are measured\n"
"             by bench.\n"
"\n"
"    bench    runs the in-kernel benchmark. Lock kinds: THREADS kernel\n"
"             threads take the lock in a loop and run a checked critical\n"
"             section (a plain counter increment, plus HOLD-NS of busy time)\n"
"             for the given time. arc: THREADS kernel threads clone and put\n"
"             one shared Arc (or refcount_t). channel: THREADS producers and\n"
"             THREADS consumers move 64-byte messages; acq/s is messages\n"
"             received per second, and lost counts messages lost or\n"
"             invented. rcu: THREADS kernel threads run read-side sections\n"
"             (load the shared record, check it) while one more thread keeps\n"
"             replacing the record and waiting for grace periods; acq/s is\n"
"             read sections per second, and a violation is a read of a copy\n"
"             already retired. The kernel's SRCU always runs too, the fair\n"
"             baseline (counted readers, as ours), beside kernel RCU.\n"
"             seqlock: THREADS kernel threads copy a\n"
"             record under the seqlock while one more thread rewrites it\n"
"             about once a microsecond; acq/s is accepted copies per second,\n"
"             and a violation is an accepted torn copy. Every selected variant runs in turn, and the\n"
"             kernel's own primitive of the kind always runs too, so each\n"
"             row shows its rate as a ratio to the kernel's in the same run.\n"
"\n"
"    lab      runs an experiment in the kernel: litmus tests (sb, mp, lb,\n"
"             2+2w) under each ordering with the count of every outcome,\n"
"             the compiler-barrier experiment (clobber), cache effects\n"
"             (false-sharing, cmpxchg, ttas) and the cost of a lock\n"
"             hand-off between CPUs (handoff). `locklab lab --help NAME`\n"
"             explains one, what to expect and why.\n"
"\n"
"BENCH OPTIONS\n"
"    --kind KIND        family to run (default: spin)\n"
"    --variant LIST     comma-separated variant names, or all (default)\n"
"    --threads LIST     kernel threads, 1..64, or a comma-separated list of\n"
"                       counts, one row per variant and count (default:\n"
"                       online CPUs)\n"
"    --repeat R         run everything R times (1..64), interleaved: each\n"
"                       repetition runs every variant once, the kernel's\n"
"                       with them; rows show the median, and min and max\n"
"                       of the ratio (default 1)\n"
"    --seconds S        time per variant (default 1)\n"
"    --ms MS            time per variant in milliseconds\n"
"    --hold-ns NS       busy time inside each critical section (default 0)\n"
"    --gap-ns NS        busy time between critical sections (default 0);\n"
"                       rcu kind: the updater sleeps NS after each update,\n"
"                       so every variant's readers see the same update rate\n"
"                       (\"sync ns\" then includes the sleep)\n"
"    --read-pct P       rwlock kind: percent of acquisitions that are reads\n"
"                       (default 75)\n"
"    --bind             pin thread i to CPU i modulo the online CPUs\n"
"    --broken           also run the broken variant of the kind\n"
"    --times            time every wait and section (lock kinds): adds the\n"
"                       wait max and p99 columns, costs some throughput\n"
"    --callbacks        rcu kind: the updater queues callbacks (lab_call_rcu,\n"
"                       call_srcu, call_rcu) as fast as it can instead of\n"
"                       waiting for grace periods; the run ends with the\n"
"                       variant's barrier, and cb/s counts every callback\n"
"    --json, --csv      machine-readable output instead of the table\n"
"    --quiet            no progress line on the terminal\n"
"\n"
"STRESS COLUMNS (besides those of bench)\n"
"    p50, p99    wait for the lock per operation, microseconds\n"
"\n"
"BENCH COLUMNS\n"
"    acq/s       critical sections per second, all threads together\n"
"    vs kernel   acq/s divided by the kernel primitive's acq/s\n"
"    min, max    fewest and most sections run by one thread\n"
"    fairness    Jain's index over the threads' counts: 1 is perfectly fair,\n"
"                1/N means one thread did everything\n"
"    violations  sections entered while another thread was inside\n"
"    lost        plain-counter increments lost to overlapping sections\n"
"    readers     rwlock kind: most readers seen inside at once\n"
"    wait max, wait p99\n"
"                with --times: longest wait of one acquisition, and the\n"
"                wait 99% of acquisitions stayed under (log2 buckets), us\n"
"    vs srcu     rcu kind: acq/s divided by SRCU's acq/s\n"
"    sync ns     rcu kind: the updater's mean time per grace period\n"
"                (elapsed / grace periods), about its synchronize latency\n"
"    cb/s, cb vs srcu\n"
"                rcu --callbacks: callbacks run per second, and divided by\n"
"                SRCU's (lost: callbacks queued that never ran)\n"
"    A correct lock always shows 0 violations and 0 lost.\n"
"\n"
"ENVIRONMENT\n"
"    LOCKLAB_DEV        the device to open instead of " LL_DEV "\n"
"\n"
"EXIT STATUS\n"
"    0 on success; 1 on a usage or device error; 2 when a lock that is not\n"
"    marked broken showed violations or lost updates, or a lab run showed\n"
"    an outcome that must never happen.\n";

struct cmd_help {
	const char *name;
	const char *text;
};

static const struct cmd_help cmd_help[] = {
	{ "version",
"Usage: locklab version\n"
"\n"
"Print the module's ABI version, the kinds it supports, the atomics backend\n"
"its algorithms run on and the online CPUs.\n" },
	{ "list",
"Usage: locklab list [--json | --csv]\n"
"\n"
"Print every kind and variant the module has, with their properties: fifo\n"
"(hands over in arrival order), sleeps (waiters sleep), kernel (the\n"
"kernel's own primitive, the baseline), broken (wrong on purpose).\n" },
	{ "stat",
"Usage: locklab stat [--reset]\n"
"\n"
"Print the lock_stat-like statistics of every object made through the\n"
"device and of the last `bench --times` run, from debugfs\n"
"($LOCKLAB_DEBUGFS, default /sys/kernel/debug/locklab). --reset zeroes them.\n" },
	{ "bench",
"Usage: locklab bench [--kind KIND] [--variant NAME[,NAME...]|all]\n"
"                     [--threads N[,N...]] [--repeat R]\n"
"                     [--seconds S | --ms MS] [--hold-ns NS]\n"
"                     [--gap-ns NS] [--read-pct P] [--bind] [--broken]\n"
"                     [--times] [--quiet] [--json | --csv]\n"
"\n"
"Run the in-kernel benchmark (kernel threads) of every selected variant of\n"
"KIND, and the kernel's own primitive of the kind, whose rate every row is\n"
"divided by (vs kernel). See `locklab --help` for the kinds and columns.\n" },
	{ "lab",
"Usage: locklab lab NAME [--ordering ORD[,ORD...]|all] [--rounds N]\n"
"                        [--threads N]\n"
"\n"
"Run an in-kernel experiment; `locklab lab --help [NAME]` for the list and\n"
"what each one shows.\n" },
	{ "stress",
"Usage: locklab stress [--kind KIND] [--variant NAME[,NAME...]|all]\n"
"                      [--threads N] [--seconds S | --ms MS] [--hold-ns NS]\n"
"                      [--read-pct P] [--quiet] [--json | --csv]\n"
"\n"
"Drive the lock kinds from userspace: THREADS pthreads take one object of\n"
"each selected variant with LOCKLAB_IOC_OP HOLD. Adds p50/p99 wait times.\n" },
};

bool help_known(const char *cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmd_help); i++)
		if (!strcmp(cmd_help[i].name, cmd))
			return true;
	return false;
}

/* The manual (@cmd NULL), or one subcommand's help. */
void help_print(const char *cmd)
{
	unsigned int i;

	for (i = 0; cmd && i < ARRAY_SIZE(cmd_help); i++) {
		if (!strcmp(cmd_help[i].name, cmd)) {
			fputs(cmd_help[i].text, stdout);
			return;
		}
	}
	fputs(manual, stdout);
}
