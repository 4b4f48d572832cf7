#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test tier, in order, each counted:
#
#   build        locklab.ko against Debian's headers, W=1, warnings are errors
#   style        checkpatch --strict over every C file and header
#   sparse       sparse (C=2) over the module
#   kunit        um; arm64 (-smp 2) twice on one build: kunit-arm64-max
#                (-cpu max: the LSE path) and kunit-arm64-a57 (-cpu
#                cortex-a57, ARMv8.0: the LL/SC path); the x86_64 (-smp 2)
#                kernels are the debug and KCSAN ones below
#   build-arm64  (not a default tier: selftests-arm64-* cross-build the
#                module W=1 -Werror against Debian's arm64 headers)
#                locklab.ko cross-built against the arm64 KUnit kernel, W=1,
#                warnings are errors (builds that kernel first if needed)
#   selftests    in QEMU with Debian's kernel and the module loaded
#   bench-smoke  make bench, short (BENCH_SMOKE=1: spin and channel, one
#                20 ms repetition, 1 and 2 threads): the report, the plots
#                and the raw JSON are made and checked (scripts/bench.sh)
#   selftests-6.12, selftests-6.12-rt
#                the same on Debian's 6.12 and 6.12 PREEMPT_RT kernels, the
#                module built W=1 -Werror against their headers (a shorter
#                fuzz run: the full one is on 6.1 and the debug kernel)
#   dkms         dkms add and build against the 6.1 and 6.12 headers, and
#                the module it built loaded in the VM on each kernel
#   selftests-arm64-max, selftests-arm64-a57
#                Debian's arm64 kernel in qemu-system-aarch64 (-cpu max: the
#                LSE atomics; -cpu cortex-a57: LL/SC), the module
#                cross-built against its headers, everything static aarch64
#   debug        KUnit on x86_64 (6.1) with lockdep (PROVE_LOCKING), mutex and
#                spinlock debugging, DEBUG_ATOMIC_SLEEP, KASAN and kmemleak
#                (kunit-x86_64-debug); then that kernel, with locklab built
#                in, boots the selftests (selftests-debug), which end with a
#                kmemleak scan for objects locklab allocated and lost
#   kcsan        KUnit on x86_64 built from linux-source-6.12, with KCSAN
#                (strict, with weak-memory modelling): any data-race report
#                fails the tier (kunit-6.12-x86_64-kcsan)
#
# Not default tiers, each one more kernel build: kunit-x86_64 (6.1 without
# debug options), kunit-6.12-x86_64 (6.12 without KCSAN) and
# kunit-x86_64-kcsan (KCSAN on 6.1). Every kernel a from-scratch run builds
# is one of four (um, arm64, x86_64 debug, x86_64 6.12 KCSAN), configured
# from allnoconfig (scripts/kunit.sh), so that run stays under 35 minutes
# on 2 cores.
#
# A kernel warning, lockdep or KASAN report during a KUnit run fails that
# tier (scripts/kunit.sh), as one in the selftest guest does (scripts/vm.sh).
#
# The last line is "N passed, N failed": every KUnit case (each parameter of
# a parameterized case counts), every selftest, and each static check.
# Set LOCKLAB_TIERS to a subset ("build style kunit-um selftests") to run
# fewer. Exit 0 only when nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
mkdir -p build

tiers=${LOCKLAB_TIERS:-"deps build style sparse kunit-um kunit-x86_64-debug kunit-6.12-x86_64-kcsan kunit-arm64-max kunit-arm64-a57 selftests bench-smoke selftests-6.12 selftests-6.12-rt dkms selftests-arm64-max selftests-arm64-a57 selftests-debug"}
passed=0 failed=0 skipped=0
summary=()

# count TIER SECONDS P F S
count() {
	passed=$((passed + $3)); failed=$((failed + $4)); skipped=$((skipped + $5))
	summary+=("$(printf '%-20s %4d passed %4d failed %4d skipped %6ss' "$1" "$3" "$4" "$5" "$2")")
}

# Each tier's whole output goes to build/check-NAME.log. Not build/NAME.log:
# the tools write their own logs there (scripts/kunit.sh um writes
# build/kunit-um.log, make sparse build/sparse.log), and two writers
# truncating and appending to one file interleave it.

# gate NAME CMD...: a static check counted as one test.
gate() {
	local name=$1 t0=$SECONDS
	shift
	echo "== $name"
	if "$@" >"build/check-$name.log" 2>&1; then
		count "$name" $((SECONDS - t0)) 1 0 0
	else
		tail -n 30 "build/check-$name.log"
		echo "== $name FAILED (build/check-$name.log)"
		count "$name" $((SECONDS - t0)) 0 1 0
	fi
}

# counted NAME REGEX CMD...: a tier that prints "NAME: P passed, F failed, S skipped".
counted() {
	local name=$1 t0=$SECONDS line p f s
	shift
	echo "== $name"
	"$@" 2>&1 | tee "build/check-$name.log" | grep -E '^(kunit|selftests)|FAILED|not ok|\[CRASHED\]'
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "build/check-$name.log" | tail -n 1)
	p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
	f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 1)
	s=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+' || echo 0)
	count "$name" $((SECONDS - t0)) "${p:-0}" "${f:-1}" "${s:-0}"
}

for t in $tiers; do
	case $t in
	deps) scripts/deps.sh ;;
	build) gate build make -s modules tools selftests ;;
	style) gate style scripts/style.sh ;;
	sparse) gate sparse make -s sparse ;;
	kunit-um) counted kunit-um scripts/kunit.sh um ;;
	kunit-x86_64) counted kunit-x86_64 scripts/kunit.sh x86_64 ;;
	kunit-6.12-x86_64) counted kunit-6.12-x86_64 scripts/kunit.sh x86_64 \
		--source 6.12 ;;
	# kunit-arm64 is the old name of kunit-arm64-max.
	kunit-arm64|kunit-arm64-max)
		counted kunit-arm64-max scripts/kunit.sh arm64 --cpu max ;;
	kunit-arm64-a57)
		counted kunit-arm64-a57 scripts/kunit.sh arm64 --cpu cortex-a57 ;;
	build-arm64) gate build-arm64 scripts/kunit.sh arm64 --module ;;
	dkms) counted dkms scripts/dkms-test.sh ;;
	kunit-x86_64-debug) counted kunit-x86_64-debug scripts/kunit.sh x86_64 \
		--config kunit/debug.config --name debug ;;
	selftests) counted selftests scripts/vm-selftests.sh ;;
	bench-smoke) gate bench-smoke env BENCH_SMOKE=1 scripts/bench.sh ;;
	selftests-6.12) counted selftests-6.12 scripts/vm-selftests.sh \
		--kernel 6.12 --fuzz 5 ;;
	selftests-6.12-rt) counted selftests-6.12-rt scripts/vm-selftests.sh \
		--kernel 6.12-rt --fuzz 5 ;;
	selftests-arm64-max) counted selftests-arm64-max scripts/vm-selftests.sh \
		--kernel arm64 --cpu max --fuzz 5 ;;
	selftests-arm64-a57) counted selftests-arm64-a57 scripts/vm-selftests.sh \
		--kernel arm64 --cpu cortex-a57 --fuzz 5 ;;
	selftests-debug) counted selftests-debug scripts/vm-selftests.sh --debug ;;
	kunit-x86_64-kcsan) counted kunit-x86_64-kcsan scripts/kunit.sh x86_64 \
		--config kunit/kcsan.config --name kcsan ;;
	kunit-6.12-x86_64-kcsan) counted kunit-6.12-x86_64-kcsan \
		scripts/kunit.sh x86_64 --source 6.12 \
		--config kunit/kcsan.config --name kcsan ;;
	# Not a default tier: builds with injected ordering bugs (scripts/inject.sh).
	inject) counted inject scripts/inject.sh ;;
	*) echo "unknown tier $t"; failed=$((failed + 1)) ;;
	esac
done

echo
echo "== summary (skipped: $skipped)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
