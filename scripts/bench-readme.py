#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-readme: put the tables of the last `make bench` into the
README. Each block that scripts/bench-report.py wrote replaces what is
between its pair of marker lines:

    build/bench/headline.md       <!-- make bench headline: begin -->
                                  <!-- make bench headline: end -->
    build/bench/headline-bare.md  <!-- make bench bare: begin -->
                                  <!-- make bench bare: end -->

(the bare block only when the run made one: BENCH_BARE=0 leaves the old
table). Exits 1, changing nothing, when the headline is missing or has no
table, or the README does not have exactly one pair of each marker in
that order. The README is written to a temporary file beside it and
renamed over it, so it is never left half-written; its line endings are
kept. The bench-smoke tier of make check runs this on a copy of the README,
so the markers and the format cannot rot.
"""
import argparse
import os
import sys
import tempfile


def fail(msg):
    print("bench-readme: " + msg, file=sys.stderr)
    sys.exit(1)


def read_block(path, needed):
    try:
        with open(path) as f:
            block = f.read().strip("\n").split("\n")
    except OSError as e:
        if not needed:
            return None
        fail("%s: %s (run make bench first)" % (path, e.strerror))
    if not any(line.startswith("| ") for line in block):
        fail("%s: no table in it" % path)
    return block


def splice(lines, name, block, readme):
    begin = "<!-- make bench %s: begin -->" % name
    end = "<!-- make bench %s: end -->" % name
    b = [i for i, line in enumerate(lines) if line.strip() == begin]
    e = [i for i, line in enumerate(lines) if line.strip() == end]
    if len(b) != 1 or len(e) != 1 or b[0] > e[0]:
        fail("%s: want one '%s' line and, after it, one '%s' line" %
             (readme, begin, end))
    return lines[:b[0] + 1] + [""] + block + [""] + lines[e[0]:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="build/bench",
                    help="where make bench wrote headline.md")
    ap.add_argument("--readme", default="README.md")
    a = ap.parse_args()
    head = read_block(os.path.join(a.dir, "headline.md"), True)
    bare = read_block(os.path.join(a.dir, "headline-bare.md"), False)
    try:
        with open(a.readme, newline="") as f:
            text = f.read()
    except OSError as e:
        fail("%s: %s" % (a.readme, e.strerror))
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(nl)
    lines = splice(lines, "headline", head, a.readme)
    if bare:
        lines = splice(lines, "bare", bare, a.readme)
    d = os.path.dirname(os.path.abspath(a.readme))
    fd, tmp = tempfile.mkstemp(prefix=".bench-readme.", dir=d)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(nl.join(lines))
        os.chmod(tmp, os.stat(a.readme).st_mode & 0o7777)
        os.replace(tmp, a.readme)
    except OSError as e:
        os.unlink(tmp)
        fail("%s: %s" % (a.readme, e.strerror))
    print("bench-readme: %s: the headline (%d lines)%s of %s" %
          (a.readme, len(head), " and the bare-CPU table (%d lines)" %
           len(bare) if bare else "", a.dir), file=sys.stderr)


if __name__ == "__main__":
    main()
