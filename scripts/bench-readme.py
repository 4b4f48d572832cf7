#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-readme: put the headline of the last `make bench`
(build/bench/headline.md, written by scripts/bench-report.py) into the
README, between the lines

    <!-- make bench headline: begin -->
    <!-- make bench headline: end -->

replacing what was there. Exits 1, changing nothing, when the headline is
missing or empty, or the README does not have exactly one such pair in
that order. The bench-smoke tier of make check runs it on a copy of the
README, so the markers and the format cannot rot.
"""
import argparse
import sys

BEGIN = "<!-- make bench headline: begin -->"
END = "<!-- make bench headline: end -->"


def fail(msg):
    print("bench-readme: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--headline", default="build/bench/headline.md")
    ap.add_argument("--readme", default="README.md")
    a = ap.parse_args()
    try:
        with open(a.headline) as f:
            block = f.read().strip("\n").split("\n")
    except OSError as e:
        fail("%s: %s (run make bench first)" % (a.headline, e.strerror))
    if not any(line.startswith("| ") for line in block):
        fail("%s: no table in it" % a.headline)
    with open(a.readme) as f:
        lines = f.read().split("\n")
    begins = [i for i, line in enumerate(lines) if line.strip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        fail("%s: want one '%s' line and, after it, one '%s' line" %
             (a.readme, BEGIN, END))
    b, e = begins[0], ends[0]
    out = lines[:b + 1] + [""] + block + [""] + lines[e:]
    with open(a.readme, "w") as f:
        f.write("\n".join(out))
    print("bench-readme: %s: the headline of %s, %d lines" %
          (a.readme, a.headline, len(block)), file=sys.stderr)


if __name__ == "__main__":
    main()
