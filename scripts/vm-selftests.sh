#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests in the QEMU guest (Debian kernel, -smp 2) with the
# module loaded, and count the TAP results. Builds the module, the CLI and
# the selftests first. Last line: "selftests: P passed, F failed, S
# skipped". Exit 0 only when nothing failed.
#
#   --debug   boot the x86_64 debug KUnit kernel instead (lockdep, KASAN,
#             kmemleak; locklab built in, its KUnit suites not run), so the
#             device paths run under the same checkers as the KUnit suites,
#             and end with the kmemleak check of selftests/run.sh. Needs
#             `scripts/kunit.sh x86_64 --source 6.12 --config
#             kunit/debug.config --name debug` to have built that kernel
#             (LOCKLAB_DEBUG_KERNEL=debug: the 6.1 one, without --source).
#   --kernel NAME
#             boot another of Debian's kernels (scripts/kernels.sh: 6.1,
#             6.12, 6.12-rt) with locklab.ko built against its headers
#             (6.12, 6.12-rt), or arm64: Debian's arm64 kernel in
#             qemu-system-aarch64, the module cross-built against its
#             headers, the selftests and the CLI built static for aarch64
#   --cpu M   arm64: max (LSE atomics, default) or cortex-a57 (LL/SC)
#   --fuzz S  run the fuzzer for S seconds (default 30)
#   --short   the secondary kernels' run: the fuzzer for 5 s, 6 rounds
#             of each unload case instead of 20, and the robust_* tests'
#             brief runs (LOCKLAB_ROBUST_SHORT: 3 death trials instead of
#             5, 30 close rounds instead of 100, shorter close storms and
#             semaphore races; the same assertions). The full runs are on
#             6.1 and, but for unloading, on the debug kernel
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
make -s -j"$JOBS" modules tools selftests >build/vm-selftests-build.log 2>&1 || {
	cat build/vm-selftests-build.log
	echo "selftests: 0 passed, 1 failed, 0 skipped"
	exit 1
}

tag=selftests
fuzz=30 unload_rounds=20 robust_short=0
args=(--timeout "${VM_TIMEOUT:-900}" --file selftests/run.sh:/root/run.sh
      --file tools/locklab)
debug=0 kname= cpu=max
while [ $# -gt 0 ]; do
	case $1 in
	--debug) debug=1; shift ;;
	--kernel) kname=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--fuzz) fuzz=$2; shift 2 ;;
	--short) fuzz=5 unload_rounds=6 robust_short=1; shift ;;
	*) die "unknown option $1" ;;
	esac
done
args+=(--env "LOCKLAB_FUZZ_SECONDS=$fuzz"
       --env "LOCKLAB_UNLOAD_ROUNDS=$unload_rounds"
       --env "LOCKLAB_ROBUST_SHORT=$robust_short")
outdir=selftests/out
if [ "$kname" = arm64 ]; then
	case $cpu in
	cortex-a57) tag=selftests-arm64-a57 ;;
	*) tag=selftests-arm64-$cpu ;;
	esac
	kd=$(scripts/kernels.sh kdir arm64) || exit 1
	outdir=selftests/out-arm64
	{
		ko=$(scripts/modbuild.sh "$kd" arm64) &&
		make -s -j"$JOBS" CC_USER=aarch64-linux-gnu-gcc tools/locklab-arm64 &&
		make -s -j"$JOBS" -C selftests KSRC="$(scripts/ksrc.sh)" \
			CC=aarch64-linux-gnu-gcc OUTPUT="$LOCKLAB_TOP/$outdir"
	} >build/vm-$tag-build.log 2>&1 || {
		cat build/vm-$tag-build.log
		echo "$tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
	args=("${args[@]/tools\/locklab/tools/locklab-arm64:/bin/locklab}")
	args+=(--arch arm64 --cpu "$cpu" --ko "$ko")
elif [ -n "$kname" ] && [ "$kname" != 6.1 ]; then
	tag=selftests-$kname
	kd=$(scripts/kernels.sh kdir "$kname") || exit 1
	ko=$(scripts/modbuild.sh "$kd" 2>build/vm-$tag-build.log) || {
		cat build/vm-$tag-build.log
		echo "$tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
	args+=(--kernel "$(scripts/kernels.sh image "$kname")" --ko "$ko")
fi
if [ $debug = 1 ]; then
	tag=selftests-debug
	# LOCKLAB_DEBUG_KERNEL=debug: the 6.1 one (kunit-x86_64-debug).
	dk=${LOCKLAB_DEBUG_KERNEL:-6.12-debug}
	kernel=build/kunit-x86_64-$dk.bzImage
	if [ ! -r "$kernel" ]; then
		echo "$tag: no debug kernel ($kernel): run the kunit-x86_64-$dk tier first"
		echo "$tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	# No KUnit suite matches the filter: boot straight to the tests.
	# The kernel has no ACPI (kunit/debug.config): qboot's MP table gives
	# it its second CPU (SeaBIOS lists only the boot CPU without ACPI),
	# and its clock comes from the command line (scripts/lib.sh).
	kconfig=$(dirname "$(readlink -f "$kernel")")/../../../.config
	tsc_args=$(tsc_kernel_args "$kconfig") || {
		echo "$tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
	args+=(--kernel "$kernel" --no-ko --bios "$QBOOT"
	       --append "kunit.filter_glob=none $tsc_args")
fi
# The programs the Makefile lists, not whatever else lies in $outdir (a
# program since removed or renamed would still run).
for p in $(make -s -C selftests progs KSRC=/nonexistent); do
	args+=(--file "$outdir/$p:/root/$p")
done
for t in selftests/*_test.sh; do
	args+=(--file "$t:/root/$(basename "$t")")
done
args+=(--file selftests/tap.sh:/root/tap.sh)	# what the *_test.sh source
scripts/vm.sh "${args[@]}" -- sh /root/run.sh /root >build/vm-$tag.out 2>&1
rc=$?
log=build/vm/serial.log
cp "$log" "build/vm/serial-$tag.log" 2>/dev/null
tap() { grep -aE "^$1 [0-9]+ " "$log" 2>/dev/null; }
p=$(tap ok | grep -avc '# SKIP')
s=$(tap ok | grep -ac '# SKIP')
f=$(tap 'not ok' | grep -avc '# SKIP')
grep -aE '^(not )?ok [0-9]+ |^# selftest:|^# (PASSED|FAILED|Totals)' "$log"
# A kernel given its TSC rate must have run on it (scripts/lib.sh).
if [ -n "${tsc_args:-}" ] && ! tsc_clock_ok "$log"; then
	echo "$tag: the kernel did not run on its TSC ($tsc_args; see $log)"
	f=$((f + 1))
fi
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	# The guest itself failed (boot, insmod, rmmod, kernel splat, timeout).
	echo "$tag: the VM run failed with status $rc (see $log)"
	f=1
fi
echo "$tag: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
