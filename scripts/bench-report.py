#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench, second half: from the console log of scripts/bench.sh's guest
run, write raw/*.json (each `locklab bench --json` output as printed,
schema locklab-bench/1), report.md (a headline table of ratios to the
kernel, then per kind every row: median, min and max rate and ratio,
fairness and wait times where the JSON has them) and SVG plots made with
gnuplot (throughput against threads per kind, one line per variant; wait
p99 and max against threads per lock kind). Everything it writes is
checked: a JSON that does not parse or carries another schema, a row with
an error, a gnuplot failure or an SVG that is not well formed exits 1.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

SCHEMA = "locklab-bench/1"
PROP_KERNEL = 1 << 2
SVG = "{http://www.w3.org/2000/svg}"
NEEDED = ("variant", "threads", "props", "runs", "acq_per_s", "acq_per_s_min",
          "acq_per_s_max", "vs_kernel", "vs_kernel_min", "vs_kernel_max",
          "fairness", "wait_max_us", "wait_p99_us", "error")


def fail(msg):
    print("bench-report: " + msg, file=sys.stderr)
    sys.exit(1)


def parse_log(path, raw_dir):
    """The JSON runs of the log: [(pass, kind, hold, doc)], and the guest."""
    runs, kernel = [], {"release": "?", "hypervisor": "?", "machine": "?"}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("LOCKLAB-VM: booted"):
                kernel["release"] = line.rsplit(" ", 1)[-1]
            if line.startswith("LOCKLAB-BENCH-HYPERVISOR "):
                parts = line.split()
                if len(parts) == 3:
                    kernel["hypervisor"], kernel["machine"] = parts[1:]
            if not line.startswith("LOCKLAB-BENCH-JSON "):
                continue
            parts = line.split(" ", 4)
            if len(parts) < 5 or not parts[4].strip():
                fail("no JSON for %s" % " ".join(parts[1:4]))
            _, pss, kind, hold, text = parts
            name = "%s-%s-h%s" % (pss, kind, hold)
            try:
                doc = json.loads(text)
            except ValueError as e:
                fail("%s: the JSON does not parse: %s" % (name, e))
            # "gN": the rcu kind paced, its updater sleeping N ns after
            # each update (--gap-ns); a kind of its own in the report.
            gap = 0
            if hold.startswith("g"):
                gap, hold = int(hold[1:]), "0"
                name = "%s-%s-g%d" % (pss, kind, gap)
            check_doc(name, doc, kind, int(hold), gap)
            with open(os.path.join(raw_dir, name + ".json"), "w") as o:
                o.write(text + "\n")
            runs.append((pss, kind + "-paced" if gap else kind, int(hold), doc))
    if not runs:
        fail("%s: no benchmark output" % path)
    return runs, kernel


def check_doc(name, doc, kind, hold, gap):
    if doc.get("schema") != SCHEMA:
        fail("%s: schema %r, not %s" % (name, doc.get("schema"), SCHEMA))
    if doc.get("kind") != kind or doc.get("hold_ns") != hold or \
            doc.get("gap_ns", 0) != gap:
        fail("%s: the JSON is of kind %r, hold %r, gap %r" %
             (name, doc.get("kind"), doc.get("hold_ns"), doc.get("gap_ns")))
    res = doc.get("results")
    if not isinstance(res, list) or not res:
        fail("%s: no results" % name)
    if not any(r.get("props", 0) & PROP_KERNEL for r in res):
        fail("%s: no kernel baseline among the results" % name)
    for r in res:
        missing = [k for k in NEEDED if k not in r]
        if missing:
            fail("%s: a result without %s" % (name, ", ".join(missing)))
        if r["error"]:
            fail("%s: %s at %s threads: %s" %
                 (name, r["variant"], r["threads"], r["error"]))
        if r["acq_per_s"] <= 0:
            fail("%s: %s at %s threads: no acquisitions" %
                 (name, r["variant"], r["threads"]))


def rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    return "%.1fk" % (x / 1e3)


def ratio(r, lo, hi):
    return "%.2fx (%.2f-%.2f)" % (r, lo, hi)


class Data:
    def __init__(self, runs):
        self.kinds, self.holds, self.variants = [], {}, {}
        self.rate, self.wait, self.meta, self.kernel_name = {}, {}, {}, {}
        self.threads = set()
        for pss, kind, hold, doc in runs:
            if kind not in self.kinds:
                self.kinds.append(kind)
                self.holds[kind], self.variants[kind] = [], []
                self.meta = self.meta or doc
            if pss == "rate" and hold not in self.holds[kind]:
                self.holds[kind].append(hold)
            for r in doc["results"]:
                v = r["variant"]
                if v not in self.variants[kind]:
                    self.variants[kind].append(v)
                if r["props"] & PROP_KERNEL:
                    self.kernel_name[kind] = v
                self.threads.add(r["threads"])
                key = (kind, v, r["threads"], hold)
                (self.rate if pss == "rate" else self.wait)[key] = r
        self.threads = sorted(self.threads)

    def thr(self, kind, hold):
        return sorted({k[2] for k in self.rate if k[0] == kind and k[3] == hold})


def headline(d, md):
    top = d.threads[-1]
    holds = sorted({h for k in d.kinds for h in d.holds[k] if h})
    head = ["kind", "variant", "baseline"]
    head += ["%d thr" % t for t in d.threads]
    head += ["%d thr, hold %d ns" % (top, h) for h in holds]
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    for kind in d.kinds:
        for v in d.variants[kind]:
            if v == d.kernel_name.get(kind):
                continue
            cells = [kind, v, d.kernel_name.get(kind, "?")]
            for t, h in [(t, 0) for t in d.threads] + [(top, h) for h in holds]:
                r = d.rate.get((kind, v, t, h))
                cells.append(ratio(r["vs_kernel"], r["vs_kernel_min"],
                                   r["vs_kernel_max"]) if r else "")
            md.append("| " + " | ".join(cells) + " |")
        # rcu: SRCU is the fair baseline too (a row per variant).
        for v in d.variants[kind]:
            rs = [d.rate.get((kind, v, t, 0)) for t in d.threads]
            if v in (d.kernel_name.get(kind), "srcu") or \
                    not any(r and "vs_srcu_min" in r for r in rs):
                continue
            cells = [kind, v, "srcu"]
            cells += [ratio(r["vs_srcu"], r["vs_srcu_min"], r["vs_srcu_max"])
                      if r and "vs_srcu_min" in r else "" for r in rs]
            cells += [""] * len(holds)
            md.append("| " + " | ".join(cells) + " |")


def kind_table(d, kind, md):
    rows = [k for k in d.rate if k[0] == kind]
    fair = any(d.rate[k]["fairness"] > 0 for k in rows)
    waits = any(k[0] == kind for k in d.wait)
    seq = any("retries_per_read" in d.rate[k] for k in rows)
    srcu = any("vs_srcu_min" in d.rate[k] for k in rows)
    head = ["variant", "thr", "hold ns", "acq/s", "min", "max",
            "vs kernel", "min", "max"]
    if srcu:
        head += ["vs srcu", "min", "max", "sync ns"]
    if fair:
        head.append("fairness")
    if waits:
        head += ["wait p99 us", "wait max us"]
    if seq:
        head.append("retries/read")
    md.append("| " + " | ".join(head) + " |")
    md.append("|" + "---|" * len(head))
    for hold in d.holds[kind]:
        for v in d.variants[kind]:
            for t in d.thr(kind, hold):
                r = d.rate.get((kind, v, t, hold))
                if not r:
                    continue
                c = [v, str(t), str(hold), rate(r["acq_per_s"]),
                     rate(r["acq_per_s_min"]), rate(r["acq_per_s_max"]),
                     "%.2fx" % r["vs_kernel"], "%.2f" % r["vs_kernel_min"],
                     "%.2f" % r["vs_kernel_max"]]
                if srcu:
                    c += ["%.2fx" % r.get("vs_srcu", 0),
                          "%.2f" % r.get("vs_srcu_min", 0),
                          "%.2f" % r.get("vs_srcu_max", 0),
                          "%.0f" % r.get("sync_ns", 0)]
                if fair:
                    c.append("%.3f" % r["fairness"])
                if waits:
                    w = d.wait.get((kind, v, t, hold))
                    c += ["%.2f" % w["wait_p99_us"], "%.2f" % w["wait_max_us"]] \
                        if w else ["", ""]
                if seq:
                    c.append("%.3f" % r.get("retries_per_read", 0))
                md.append("| " + " | ".join(c) + " |")


GP_HEAD = """set terminal svg size %d,%d dynamic noenhanced font "sans,11" background "white"
set output "%s"
set grid
set key outside right top font ",10"
set logscale x 2
set xrange [%g:%g]
set xtics (%s)
set xlabel "%s"
"""


# What --threads counts, per kind (dev/bench.c).
XLABEL = {"channel": "threads: producers, and as many consumers",
          "rcu": "reader threads (and one updater)",
          "rcu-paced": "reader threads (and one paced updater)",
          "seqlock": "reader threads (and one writer)"}


def gp_head(out, w, h, threads, kind):
    return GP_HEAD % (w, h, out, threads[0] / 1.4, threads[-1] * 1.4,
                      ", ".join(str(t) for t in threads),
                      XLABEL.get(kind, "threads"))


def plot_lines(datafile, blocks, first, cols, logy):
    """A plot command: one line per block, from data set @first on."""
    parts = []
    for i, (name, kernel) in enumerate(blocks):
        style = ' lw 3 dt 2 lc "black"' if kernel else " lw 2"
        parts.append('"%s" index %d using %s with %s%s title "%s"' %
                     (datafile, first + i, cols, "yerrorlines"
                      if cols.count(":") == 3 else "linespoints", style, name))
    return ("set logscale y\n" if logy else "unset logscale y\n") + \
        "plot " + ", \\\n     ".join(parts) + "\n"


def throughput_plot(d, kind, out):
    holds = d.holds[kind]
    svg, dat = "throughput-%s.svg" % kind, "throughput-%s.dat" % kind
    blocks, text = [], []
    for hold in holds:
        for v in d.variants[kind]:
            pts = [(t, d.rate[(kind, v, t, hold)]) for t in d.thr(kind, hold)
                   if (kind, v, t, hold) in d.rate]
            text.append("# %s hold %d\n" % (v, hold) + "".join(
                "%d %g %g %g\n" % (t, r["acq_per_s"], r["acq_per_s_min"],
                                   r["acq_per_s_max"]) for t, r in pts))
            blocks.append((v, v == d.kernel_name.get(kind)))
    with open(os.path.join(out, dat), "w") as f:
        f.write("\n\n".join(text))
    gp = gp_head(svg, 520 * len(holds) + 120, 440, d.threads, kind)
    gp += 'set ylabel "acquisitions/s (median, bars: min-max)"\n'
    gp += 'set format y "%.0s%c"\n'
    gp += 'set multiplot layout 1,%d title "%s: throughput against threads ' \
        '(QEMU TCG, %s CPUs)"\n' % (len(holds), kind, d.meta.get("cpus", "?"))
    nv = len(d.variants[kind])
    for i, hold in enumerate(holds):
        gp += 'set title "hold %d ns"\n' % hold
        gp += plot_lines(dat, blocks[i * nv:(i + 1) * nv], i * nv,
                         "1:2:3:4", True)
    gp += "unset multiplot\n"
    return svg, gp


def wait_plot(d, kind, out):
    holds = sorted({k[3] for k in d.wait if k[0] == kind})
    svg, dat = "wait-%s.svg" % kind, "wait-%s.dat" % kind
    text, blocks = [], []
    for hold in holds:
        for v in d.variants[kind]:
            pts = sorted((k[2], r) for k, r in d.wait.items()
                         if k[0] == kind and k[1] == v and k[3] == hold)
            # log scale: a wait of 0 is no point, not an error
            text.append("# %s hold %d\n" % (v, hold) + "".join(
                "%d %s %s\n" % (t, r["wait_p99_us"] or "NaN",
                                r["wait_max_us"] or "NaN") for t, r in pts))
            blocks.append((v, v == d.kernel_name.get(kind)))
    with open(os.path.join(out, dat), "w") as f:
        f.write("\n\n".join(text))
    gp = gp_head(svg, 520 * len(holds) + 120, 760, d.threads, kind)
    gp += 'set multiplot layout 2,%d title "%s: wait for the lock, ' \
        'p99 and max (locklab bench --times; QEMU TCG)"\n' % (len(holds), kind)
    nv = len(d.variants[kind])
    for col, what in ((2, "p99"), (3, "max")):
        for i, hold in enumerate(holds):
            vals = [r["wait_p99_us" if col == 2 else "wait_max_us"]
                    for k, r in d.wait.items() if k[0] == kind and k[3] == hold]
            gp += 'set title "%s wait, hold %d ns"\nset ylabel "us"\n' % (what, hold)
            # all waits 0 (one thread never waits): a flat line, linear y
            pos = any(x > 0 for x in vals)
            gp += plot_lines(dat, blocks[i * nv:(i + 1) * nv], i * nv,
                             "1:%s" % (col if pos else "(0)"), pos)
    gp += "unset multiplot\n"
    return svg, gp


def gnuplot(out, svg, script):
    gp = os.path.join(out, svg[:-4] + ".gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", os.path.basename(gp)], cwd=out,
                       stderr=subprocess.PIPE, text=True, check=False)
    if p.returncode:
        fail("gnuplot %s failed:\n%s" % (gp, p.stderr))
    if p.stderr.strip():
        print("bench-report: gnuplot %s:\n%s" % (gp, p.stderr), file=sys.stderr)
    path = os.path.join(out, svg)
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        fail("%s is not a well-formed SVG: %s" % (path, e))
    if root.tag != SVG + "svg":
        fail("%s: the root is %s, not svg" % (path, root.tag))
    if not any(True for _ in root.iter(SVG + "path")):
        fail("%s: no lines in it" % path)


def spinlock_note(g):
    """Which lock the guest's spinlock_t is: the baseline of kind spin."""
    if g["machine"] != "x86_64":
        return ("The guest's `spinlock_t` is the qspinlock (%s)." % g["machine"])
    if g["hypervisor"] == "no":
        return ("The guest CPU hides the hypervisor bit, so the guest's "
                "`spinlock_t` is the qspinlock (pending bit, MCS queue).")
    return ("The guest saw the hypervisor bit and, without paravirt spin "
            "locks (TCG has none), x86's `virt_spin_lock()` makes every "
            "contended `spinlock_t` a test-and-set loop: the spin baseline "
            "here is a TAS lock, not the qspinlock.")


# The bare-CPU rows (kunit/bare_test.c): "locklab-bare FAMILY ROW MED MIN MAX".
BARE_RE = re.compile(r"locklab-bare (\S+) (\S+) ([0-9.]+) ([0-9.]+) ([0-9.]+)\s*$")
# Each family's kernel counterpart (the first found), and the floor.
BARE_KERNEL = ("kernel", "kfifo", "kernel-srcu")
BARE_REFS = ("call", "floor-xchg", "floor-cmpxchg")


def parse_bare(path):
    """{family: [(row, median, min, max)]} from a KUnit raw log, in order."""
    fams = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = BARE_RE.search(line)
            if m:
                fam, row = m.group(1), m.group(2)
                fams.setdefault(fam, []).append(
                    (row, float(m.group(3)), float(m.group(4)), float(m.group(5))))
    if not fams:
        fail("%s: no locklab-bare rows (did the locklab_bare suite run?)" % path)
    return fams


def bare_section(path, raw_dir):
    """The bare-CPU table (UML) as markdown lines; raw/bare.json beside it."""
    fams = parse_bare(path)
    with open(os.path.join(raw_dir, "bare.json"), "w") as o:
        json.dump({"schema": "locklab-bare/1", "families": {
            f: [{"row": r, "ns_median": m, "ns_min": lo, "ns_max": hi}
                for r, m, lo, hi in rows] for f, rows in fams.items()}}, o)
        o.write("\n")
    md = ["## Bare CPU: uncontended, one thread, under UML", "",
          "`locklab_bare` (kunit/bare_test.c) in a UML kernel: kernel code "
          "natively on the host CPU, one CPU, no contention. ns per pair "
          "(lock+unlock, clone+put, begin+retry, send+recv), median of 5 "
          "interleaved rounds (min-max). `vs kernel` is speed as in the "
          "tables above: the kernel counterpart's time over the row's "
          "(above 1.00x is faster). `x floor` is the row's time over "
          "`floor-xchg`'s: one xchg ACQUIRE and one RELEASE store, called "
          "through the same indirect lock/unlock pair as the lock ops "
          "tables (`call` is that pair doing nothing), so 1.00x is a lock "
          "that costs exactly one atomic RMW and one release store (like "
          "for like for the lock families, whose rows go through ops "
          "tables; the seqlock, Arc, RCU and channel rows call their "
          "primitives inline, ours and the kernel's alike). UML is "
          "a uniprocessor kernel: its `spinlock_t` is only "
          "preempt_disable()/enable(), x86's lock prefix is compiled out of "
          "the kernel's atomics except `xchg`'s (so a cmpxchg or fetch_add "
          "costs about nothing here, and the ticket lock and the cmpxchg "
          "floor look cheaper than on any SMP kernel), and its SRCU is Tiny "
          "SRCU (plain counters, no per-CPU operations, no barriers).", "",
          "| family | row | ns/pair | vs kernel | x floor |",
          "|---|---|---|---|---|"]
    for fam, rows in fams.items():
        by = {r[0]: r for r in rows}
        kern = next((by[k] for k in BARE_KERNEL if k in by), None)
        floor = by.get("floor-xchg")
        for r, m, lo, hi in rows:
            vk = ("%.2fx" % (kern[1] / m) if kern and m > 0 and
                  r not in BARE_REFS and
                  (r == kern[0] or not r.startswith("kernel")) else "")
            vf = "%.2fx" % (m / floor[1]) if floor and floor[1] > 0 else ""
            md.append("| %s | %s | %.2f (%.2f-%.2f) | %s | %s |" %
                      (fam, r, m, lo, hi, vk, vf))
    return md


def load_note(n, cpu):
    """Whether the host was loaded on purpose (BENCH_LOAD)."""
    if n <= 0:
        return "No competing host process was started (BENCH_LOAD=0)."
    return ("**Loaded host** (BENCH_LOAD=%d): %d process(es) busy-looped on "
            "host CPU %d from the guest's boot to its end, so a vCPU thread "
            "shared that core with them and was descheduled for whole host "
            "time slices." % (n, n, cpu))


def commit():
    """The commit the sweep ran, "-dirty" when files other than the README
    (which make bench-readme rewrites) had changes; "?" outside git."""
    def git(*args):
        return subprocess.run(["git"] + list(args), capture_output=True,
                              text=True)
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        root = git("-C", top, "rev-parse", "--show-toplevel")
        # A tree unpacked inside another checkout is not that checkout.
        if root.returncode or \
                os.path.realpath(root.stdout.strip()) != os.path.realpath(top):
            return "?"
        head = git("-C", top, "rev-parse", "--short=7", "HEAD")
        if head.returncode or not head.stdout.strip():
            return "?"
        dirty = git("-C", top, "diff", "--quiet", "HEAD", "--", ".",
                    ":!README.md")
    except OSError:
        return "?"
    return head.stdout.strip() + ("-dirty" if dirty.returncode else "")


def placement(bind):
    """How the benchmark threads were placed (BENCH_BIND)."""
    if bind:
        return ("lock threads bound, thread i on CPU i modulo the CPUs "
                "(`--bind`, as arc, rcu and seqlock always are; channel "
                "threads unbound)")
    return ("lock and channel threads unbound (BENCH_BIND=0: the scheduler "
            "places them; arc, rcu and seqlock bind anyway)")


def write_headline(a, kernel, cpus, table, bare):
    """OUT/headline.md: the headline table and where it came from, and
    OUT/headline-bare.md: the bare-CPU table with its reference rows once;
    the blocks that scripts/bench-readme.py puts into the README."""
    when = subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True,
                          text=True).stdout.strip()
    lines = ["The headline of `make bench` of commit %s (%s; Debian's %s in "
             "QEMU TCG, %s vCPUs, `spinlock_t` %s; %d interleaved repetition(s) "
             "of %d ms; %s; the guest ran %d s; %s): ratio to the kernel "
             "primitive, median, min-max in brackets; `rcu`'s first row is "
             "against kernel RCU, its `srcu` row against SRCU, the fair "
             "baseline of a sleepable reader." %
             (commit(), when, kernel["release"], cpus,
              "the real qspinlock" if kernel["machine"] != "x86_64" or
              kernel["hypervisor"] == "no"
              else "behind the hypervisor bit (the TAS fallback)",
              a.repeat, a.ms, placement(a.bind), a.seconds,
              "a loaded host (BENCH_LOAD=%d)" % a.load if a.load > 0
              else "no host load started"), ""] + table
    with open(os.path.join(a.out, "headline.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if not bare:
        return
    rows, first = [], None
    for line in bare:
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > 1 and cells[1] in BARE_REFS:
            first = first or cells[0]
            if cells[0] != first:
                continue
        rows.append(line)
    with open(os.path.join(a.out, "headline-bare.md"), "w") as f:
        f.write("The bare-CPU table of the same `make bench` (commit %s, "
                "UML; the reference rows `call`, `floor-xchg` and "
                "`floor-cmpxchg` of the first family only: the report has "
                "them for every family):\n\n" % commit())
        f.write("\n".join(rows) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", help="console log of the guest run; without it, "
                    "only the --bare table, into OUT/bare.md")
    ap.add_argument("--out", required=True)
    for opt in ("--repeat", "--ms", "--wait-repeat", "--wait-ms", "--seconds",
                "--load", "--load-cpu", "--bind"):
        ap.add_argument(opt, type=int, default=0)
    ap.add_argument("--bare", help="KUnit raw log of the locklab_bare suite")
    a = ap.parse_args()
    raw = os.path.join(a.out, "raw")
    os.makedirs(raw, exist_ok=True)
    if not a.log:
        if not a.bare:
            fail("--log or --bare is needed")
        path = os.path.join(a.out, "bare.md")
        md = bare_section(a.bare, raw)
        with open(path, "w") as f:
            f.write("\n".join(md) + "\n")
        rows = sum(1 for line in md if line.startswith("| ") and
                   not line.startswith("| family"))
        print("bench-report: %s: %d rows" % (path, rows), file=sys.stderr)
        return
    runs, kernel = parse_log(a.log, raw)
    d = Data(runs)
    m = d.meta
    md = ["# locklab bench report", "",
          "`make bench` (scripts/bench.sh): Debian's kernel %s in QEMU TCG, "
          "%s vCPUs, atomics %s; %d interleaved repetition(s) of %d ms per "
          "variant and thread count (wait times: a second pass with "
          "`--times`, %d x %d ms); %s; the guest ran %d s, boot included." %
          (kernel["release"], m.get("cpus", "?"), m.get("backend", "?"), a.repeat, a.ms,
           a.wait_repeat, a.wait_ms, placement(a.bind), a.seconds), "",
          spinlock_note(kernel), "",
          load_note(a.load, a.load_cpu), "",
          "Each ratio is a variant's rate over the kernel primitive's rate "
          "in the same repetition (median of the repetitions, min-max in "
          "brackets). QEMU TCG emulates every instruction: absolute rates "
          "are the emulator's, the ratios are the result.", "",
          "## Headline: median ratio to the kernel (min-max), hold 0 ns "
          "unless said", ""]
    top = len(md)
    headline(d, md)
    table = md[top:]
    bare = []
    if a.bare:
        bare = bare_section(a.bare, raw)
        md += [""] + bare
    svgs = []
    for kind in d.kinds:
        md += ["", "## %s (baseline: %s)" % (kind, d.kernel_name.get(kind, "?")), ""]
        kind_table(d, kind, md)
        svg, gp = throughput_plot(d, kind, a.out)
        gnuplot(a.out, svg, gp)
        svgs.append(svg)
        md += ["", "![%s throughput](%s)" % (kind, svg)]
        if any(k[0] == kind for k in d.wait):
            svg, gp = wait_plot(d, kind, a.out)
            gnuplot(a.out, svg, gp)
            svgs.append(svg)
            md += ["", "![%s wait times](%s)" % (kind, svg)]
    path = os.path.join(a.out, "report.md")
    with open(path, "w") as f:
        f.write("\n".join(md) + "\n")
    for kind in d.kinds:
        if "## %s " % kind not in "\n".join(md):
            fail("%s: no table for %s" % (path, kind))
    # Only a report that made it this far gives the README its blocks.
    write_headline(a, kernel, m.get("cpus", "?"), table, bare)
    print("bench-report: %s: %d kinds, %d rows, %d plots" %
          (path, len(d.kinds), len(d.rate), len(svgs)), file=sys.stderr)


if __name__ == "__main__":
    main()
