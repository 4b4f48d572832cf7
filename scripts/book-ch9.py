#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The book's chapter 9 mutex benchmarks, in the kernel (make bench-book).

The book times two loops: one thread locking and unlocking a mutex 5
million times (uncontended: the 3-state mutex never calls wake, the
2-state one calls it on every unlock), and four threads doing 5 million
each (contended: does spinning before sleeping pay?). This boots Debian's
kernel in QEMU (TCG, 2 vCPUs, scripts/vm.sh) with locklab.ko and runs the
same two scenarios for the 2-state, 3-state and spinning mutexes and the
kernel's struct mutex, two ways:

  in-kernel   `locklab bench`: kernel threads lock, bump a plain counter in
              the checked section, unlock (no syscall anywhere)
  device      `locklab stress`: pthreads, one LOCKLAB_IOC_OP HOLD ioctl per
              lock + section + unlock (a syscall per pair, as a futex-based
              mutex pays one per contended operation)

Each is repeated (BOOK_REPEAT, default 5; BOOK_MS ms per run, default 300)
and the median rate is turned into the book's unit, milliseconds for 5
million operations per thread. Writes build/bench/book-ch9.md and prints
it. The book's own numbers are quoted next to ours.
"""
import json
import os
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VARIANTS = ["2state", "3state", "spin", "kernel"]
OPS = 5_000_000

# The book's figures (ch. 9, "Benchmarking"), in ms.
BOOK_UNCONTENDED = [("recent AMD, Linux", 400, 40), ("older Intel, Linux", 1800, 60),
                    ("macOS", 50, 50)]
BOOK_CONTENDED = [("older Intel, Linux", 900, 750), ("recent AMD, Linux", 650, 800)]


def guest_script(repeat, ms):
    lines = ["set -u", "v=2state,3state,spin"]
    for t in (1, 4):
        lines.append(
            f'echo "LOCKLAB-BOOK bench {t} $(locklab bench --quiet --json '
            f'--kind mutex --variant $v --threads {t} --repeat {repeat} --ms {ms})"')
    for t in (1, 4):
        for _ in range(repeat):
            lines.append(
                f'echo "LOCKLAB-BOOK stress {t} $(locklab stress --quiet --json '
                f'--kind mutex --variant $v --threads {t} --ms {ms})"')
    return "\n".join(lines) + "\n"


def run_guest(out, repeat, ms):
    guest = os.path.join(out, "book-ch9-guest.sh")
    with open(guest, "w") as f:
        f.write(guest_script(repeat, ms))
    subprocess.run(["make", "-s", "modules", "tools"], cwd=TOP, check=True)
    log = os.path.join(out, "book-ch9-vm.log")
    with open(log, "w") as f:
        rc = subprocess.run([os.path.join(TOP, "scripts/vm.sh"), "--timeout", "900",
                             "--file", "tools/locklab",
                             "--file", guest + ":/root/book.sh", "--",
                             "sh", "/root/book.sh"],
                            cwd=TOP, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc:
        sys.exit(f"book-ch9: the guest run failed (exit {rc}; console: {log})")
    return log


def parse(log):
    """{(mode, threads, variant): [rate, ...]}: one rate per run."""
    rates = {}
    with open(log, errors="replace") as f:
        for line in f:
            if not line.startswith("LOCKLAB-BOOK "):
                continue
            _, mode, threads, doc = line.rstrip("\n").split(" ", 3)
            res = json.loads(doc)
            key = "acq_per_s" if mode == "bench" else "ops_per_s"
            for row in res["results"]:
                if row.get("error"):
                    sys.exit(f"book-ch9: {mode} {row['variant']}: {row['error']}")
                if row.get("violations"):
                    sys.exit(f"book-ch9: {mode} {row['variant']}: exclusion violated")
                k = (mode, int(threads), row["variant"])
                if mode == "bench":
                    # One JSON holds every repetition: its median and range.
                    rates.setdefault(k, []).extend(
                        [row["acq_per_s"], row["acq_per_s_min"], row["acq_per_s_max"]])
                else:
                    rates.setdefault(k, []).append(row[key])
    return rates


def ms_for(rate, threads):
    """Milliseconds for THREADS x 5 million operations at RATE ops/s."""
    return 1000.0 * OPS * threads / rate


def report(rates, repeat, ms):
    def med(mode, t, v):
        r = rates.get((mode, t, v))
        if not r:
            sys.exit(f"book-ch9: no result for {mode} {t} {v}")
        return r[0] if mode == "bench" else statistics.median(r)

    out = ["# The book's chapter 9 benchmarks, in the kernel", "",
           f"QEMU TCG, 2 vCPUs, Debian's kernel; median of {repeat} runs of {ms} ms, "
           "as milliseconds for 5 million lock/unlock pairs per thread (the book's "
           "unit: 1 thread x 5 M uncontended, 4 threads x 5 M contended).", ""]
    hdr = "| scenario | way | " + " | ".join(VARIANTS) + " | ratio | the book's ratio |"
    out += [hdr, "|" + "---|" * (len(VARIANTS) + 4)]
    for t, scen in ((1, "uncontended, 1 x 5 M"), (4, "contended, 4 x 5 M")):
        for mode, way in (("bench", "in-kernel"), ("stress", "device ioctl")):
            cells = [f"{ms_for(med(mode, t, v), t):.0f}" for v in VARIANTS]
            if t == 1:
                ratio = med(mode, t, "3state") / med(mode, t, "2state")
                rname = "2state / 3state"
                book = ", ".join(f"{a / b:.0f}x ({w})" for w, a, b in BOOK_UNCONTENDED)
            else:
                ratio = med(mode, t, "3state") / med(mode, t, "spin")
                rname = "spin / 3state"
                book = ", ".join(f"{b / a:.2f}x ({w})" for w, a, b in BOOK_CONTENDED)
            out.append(f"| {scen} | {way} | " + " | ".join(cells) +
                       f" | {rname} {ratio:.2f}x | {book} |")
    out += ["", "Times in ms; ratio: time of the first over time of the second.", "",
            "The book's 2-state mutex is ten to thirty times slower than its 3-state one "
            "on Linux because every unlock makes a futex wake syscall. In the kernel "
            "the 2-state unlock calls lab_wake() instead: a full barrier, a hash of the "
            "address and a look at the bucket's waiter count, with no mode switch. So "
            "the gap shrinks to the ratio above; through the device both variants pay "
            "one ioctl per lock/unlock pair, which hides it further. With 4 threads on "
            "2 vCPUs, whether spinning pays depends on whether the holder is running, "
            "as the book found it depends on the machine.", ""]
    return "\n".join(out)


def main():
    repeat = int(os.environ.get("BOOK_REPEAT", "5"))
    ms = int(os.environ.get("BOOK_MS", "300"))
    out = os.path.join(TOP, "build", "bench")
    os.makedirs(out, exist_ok=True)
    log = sys.argv[1] if len(sys.argv) > 1 else run_guest(out, repeat, ms)
    text = report(parse(log), repeat, ms)
    with open(os.path.join(out, "book-ch9.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
