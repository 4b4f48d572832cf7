# SPDX-License-Identifier: GPL-2.0
# Shared helpers for locklab's scripts. Source it; do not run it.

LOCKLAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCKLAB_CACHE=${LOCKLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/locklab}
KSRC_TARBALL=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
KSRC=${KSRC:-$LOCKLAB_CACHE/linux-source-6.1}
JOBS=${JOBS:-$(nproc)}
# The x86_64 firmware of a kernel without ACPI (qemu-system-data): its MP
# table lists every CPU; SeaBIOS's lists only the boot CPU.
QBOOT=${QBOOT:-/usr/share/qemu/qboot.rom}

die() { echo "locklab: $*" >&2; exit 1; }

# Serialize VM boots (guests, fd 9) and, apart, kernel builds (fd 8): the
# machine has few cores, and kunit.sh modifies the shared source trees. A
# kernel may build while a guest runs: make check builds that way, at idle
# priority (scripts/check.sh). The guest lock keeps the name build.lock
# that both had before.
with_lock() {
	mkdir -p "$LOCKLAB_CACHE"
	exec 9>"$LOCKLAB_CACHE/build.lock"
	flock -n 9 || { echo "locklab: waiting for $LOCKLAB_CACHE/build.lock" >&2; flock 9; }
}

with_kbuild_lock() {
	mkdir -p "$LOCKLAB_CACHE"
	exec 8>"$LOCKLAB_CACHE/kbuild.lock"
	flock -n 8 || { echo "locklab: waiting for $LOCKLAB_CACHE/kbuild.lock" >&2; flock 8; }
}

# Extract linux-source-6.1 once into the cache. The stamp records which
# tarball it came from, so a new Debian upload replaces it.
ksrc_current() {
	[ -r "$KSRC_TARBALL" ] || die "$KSRC_TARBALL missing: run scripts/deps.sh"
	[ -f "$KSRC/.locklab-extracted" ] &&
		[ "$(cat "$KSRC/.locklab-extracted")" = "$(stat -c '%s %Y' "$KSRC_TARBALL")" ]
}

ksrc_ensure() {
	local stamp="$KSRC/.locklab-extracted" want
	ksrc_current && return 0
	want=$(stat -c '%s %Y' "$KSRC_TARBALL")
	echo "locklab: extracting $KSRC_TARBALL into $LOCKLAB_CACHE" >&2
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -xJf "$KSRC_TARBALL" -C "$KSRC.tmp" --strip-components=1
	mv "$KSRC.tmp" "$KSRC"
	echo "$want" >"$stamp"
}

# The kernel build tree the module is built against: the running kernel's,
# or else Debian's default kernel (the one linux-headers-amd64 points at),
# or else the newest installed linux-headers-*-amd64.
kdir_default() {
	local k="/lib/modules/$(uname -r)/build" h
	if [ -d "$k" ]; then
		echo "$k"
		return
	fi
	h=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/^\(linux-headers-[^ ,]*\).*/\1/p')
	if [ -n "$h" ] && [ -d "/usr/src/$h" ]; then
		echo "/usr/src/$h"
		return
	fi
	ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1
}

kernel_release() {
	sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h"
}

# tsc_kernel_args CONFIG: the command line a QEMU x86_64 kernel with that
# .config needs for a clock. Without ACPI (kunit/debug.config) it has no
# HPET or ACPI PM timer, and its TSC calibration against the PIT fails on
# a busy host (seen: the jiffies clocksource, sched_clock 0 ns apart);
# tsc_early_khz= gives it the host's TSC rate, which is the guest's under
# TCG (scripts/tsc-khz.c), and tsc=reliable keeps that TSC, as no
# watchdog clock exists to check it against. Prints nothing for a kernel
# with ACPI. Fails, saying why, when the .config is missing or the rate
# cannot be measured (not an x86_64 host, no gcc): that kernel would boot
# on the jiffies clock, and its timing tests would mean nothing.
# tsc_clock_ok LOG checks what such a guest printed.
tsc_kernel_args() {
	local bin="$LOCKLAB_CACHE/bin/tsc-khz" khz
	[ -r "$1" ] || { echo "locklab: no kernel config $1" >&2; return 1; }
	grep -q '^CONFIG_ACPI=y' "$1" && return 0
	if [ ! -x "$bin" ] || [ "$LOCKLAB_TOP/scripts/tsc-khz.c" -nt "$bin" ]; then
		mkdir -p "$LOCKLAB_CACHE/bin"
		# Built aside and renamed: a concurrent caller never runs
		# a half-written file.
		gcc -O2 -o "$bin.$$" "$LOCKLAB_TOP/scripts/tsc-khz.c" &&
			mv -f "$bin.$$" "$bin" || {
			rm -f "$bin.$$"
			echo "locklab: cannot build scripts/tsc-khz.c, the clock of a kernel without ACPI" >&2
			return 1
		}
	fi
	khz=$("$bin") || {
		echo "locklab: cannot measure the host's TSC rate (scripts/tsc-khz.c)" >&2
		return 1
	}
	echo "tsc_early_khz=$khz tsc=reliable"
}

# tsc_clock_ok LOG: the guest whose kernel log LOG is ran on its TSC, not on
# jiffies (for the kernels tsc_kernel_args gave a command line).
tsc_clock_ok() {
	grep -aq 'clocksource: Switched to clocksource tsc' "$1" &&
		! grep -aqE 'clocksource: Switched to clocksource (refined-)?jiffies' "$1"
}
