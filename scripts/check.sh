#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test tier, in order, each counted:
#
#   build        locklab.ko against Debian's headers, W=1, warnings are errors
#   style        checkpatch --strict over every C file and header
#   sparse       sparse (C=2) over the module
#   selftests    in QEMU with Debian's kernel and the module loaded
#   bench-smoke  make bench, short (BENCH_SMOKE=1: spin and channel, one
#                20 ms repetition, 1 and 2 threads): the report, the plots
#                and the raw JSON are made and checked (scripts/bench.sh)
#   selftests-6.12, selftests-6.12-rt
#                the same on Debian's 6.12 and 6.12 PREEMPT_RT kernels, the
#                module built W=1 -Werror against their headers (shorter fuzz
#                and unload runs, the robust tests' brief runs:
#                vm-selftests.sh --short; the full ones are on 6.1 and the
#                debug kernel; the arm64 tiers likewise)
#   dkms         dkms add and build against the 6.1 and 6.12 headers, and
#                the module it built loaded in the VM on each kernel
#   selftests-arm64-max, selftests-arm64-a57
#                Debian's arm64 kernel in qemu-system-aarch64 (-cpu max: the
#                LSE atomics; -cpu cortex-a57: LL/SC), the module
#                cross-built against its headers, everything static aarch64
#   kunit-6.12-x86_64-debug
#                KUnit on x86_64 (-smp 2) in a kernel built from
#                linux-source-6.12, with lockdep (PROVE_LOCKING), mutex and
#                spinlock debugging, DEBUG_ATOMIC_SLEEP, KASAN and kmemleak
#   selftests-debug
#                that kernel, with locklab built in, boots the selftests,
#                which end with a kmemleak scan for objects locklab
#                allocated and lost
#   kunit-arm64-max, kunit-arm64-a57
#                KUnit on arm64 (6.1, -smp 2), one KCSAN build (strict, with
#                weak-memory modelling: any data-race report fails the tier)
#                run twice: -cpu max (the LSE path, every suite) and -cpu
#                cortex-a57 (ARMv8.0: the LL/SC path) with the suites that
#                are made of atomics (A57_SUITES: atomic, litmus, order,
#                spin, mutex, rwlock, semaphore, seqlock, arc, rcu, lflist);
#                wait, condvar, channel and bare, which add sleeping and
#                timing on top of the same atomics, run under LL/SC in
#                selftests-arm64-a57 (through the device), and the half of
#                the guest time they took is saved
#   kunit-um     KUnit in UML (6.1, uniprocessor); then the bare-report
#                check (part of the kunit-um tier, not a tier of its own):
#                the locklab_bare suite's timing lines of that run read by
#                scripts/bench-report.py --bare, as make bench reads them
#
# Not default tiers, each one more kernel build: kunit-x86_64 and
# kunit-x86_64-debug (6.1 on x86_64, plain and debug), kunit-6.12-x86_64
# (6.12 without debug options), kunit-x86_64-kcsan and
# kunit-6.12-x86_64-kcsan (KCSAN on x86_64), build-arm64 (locklab.ko
# cross-built W=1 -Werror against the arm64 KUnit kernel) and inject
# (scripts/inject.sh). A from-scratch run builds three kernels (UML 6.1,
# x86_64 6.12 debug, arm64 6.1 KCSAN): the KUnit runs cover both sources,
# both sanitizers and both arches.
#
# The kernels build in the background, one at a time and at idle priority
# (SCHED_IDLE), from the end of the build tier on, in the order the kunit
# tiers come: they take the CPU the guests of the tiers before leave idle,
# and the guests never wait for them. A kunit tier whose kernel is built
# runs it at once; one whose kernel is not waits for the build lock
# (kbuild.lock), behind the background build in progress, which then has
# the CPU to itself. The longest build comes first and the shortest last
# (beside the guests, from scratch: x86_64 debug about 15 minutes, arm64
# KCSAN 8, UML 6; the debug kernel has no ACPI, see kunit/debug.config), so
# what must wait for the last build is one short UML run: from scratch,
# the three builds one after the other are the critical path, and every
# guest that does not need them runs beside them. LOCKLAB_PREBUILD=0
# turns this off (each kunit tier then builds its own kernel, in the
# foreground); build/prebuild-TIER.log has each background build's output.
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

tiers=${LOCKLAB_TIERS:-"deps build style sparse selftests bench-smoke selftests-6.12 selftests-6.12-rt dkms selftests-arm64-max selftests-arm64-a57 kunit-6.12-x86_64-debug selftests-debug kunit-arm64-max kunit-arm64-a57 kunit-um"}
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

# The kernel's KUnit filter is one glob: these initials pick the a57 suites.
A57_SUITES='locklab_[almors]*'

# kunit_args TIER: the scripts/kunit.sh arguments of a kunit tier.
kunit_args() {
	case $1 in
	kunit-um) echo um ;;
	kunit-x86_64) echo x86_64 ;;
	kunit-6.12-x86_64) echo x86_64 --source 6.12 ;;
	kunit-x86_64-debug) echo x86_64 --config kunit/debug.config --name debug ;;
	kunit-6.12-x86_64-debug)
		echo x86_64 --source 6.12 --config kunit/debug.config --name debug ;;
	kunit-x86_64-kcsan) echo x86_64 --config kunit/kcsan.config --name kcsan ;;
	kunit-6.12-x86_64-kcsan)
		echo x86_64 --source 6.12 --config kunit/kcsan.config --name kcsan ;;
	# kunit-arm64 is the old name of kunit-arm64-max.
	kunit-arm64|kunit-arm64-max)
		echo arm64 --cpu max --config kunit/kcsan.config --name kcsan ;;
	kunit-arm64-a57)
		echo arm64 --cpu cortex-a57 --config kunit/kcsan.config --name kcsan ;;
	*) return 1 ;;
	esac
}

# The background kernel builds (see the top), in the order the kunit tiers
# come: "check.sh --prebuild", started once after the build tier, in a
# session of its own (setsid), so stop_prebuild stops all of it (make, the
# compilers) by its process group. A failed build is left to its tier,
# which builds again in the foreground and reports why.
if [ "${1:-}" = --prebuild ]; then
	idle=(chrt -i 0)
	"${idle[@]}" true 2>/dev/null || idle=(nice -n 19)
	for t in $tiers; do
		args=$(kunit_args "$t") || continue
		# shellcheck disable=SC2086 # the arguments split on purpose
		"${idle[@]}" scripts/kunit.sh $args --build-only \
			>"build/prebuild-$t.log" 2>&1 </dev/null || true
	done
	exit 0
fi
prebuild_pid=
start_prebuild() {
	[ -z "$prebuild_pid" ] && [ "${LOCKLAB_PREBUILD:-1}" != 0 ] || return 0
	setsid "$LOCKLAB_TOP/scripts/check.sh" --prebuild </dev/null &
	prebuild_pid=$!
}
stop_prebuild() {
	[ -n "$prebuild_pid" ] || return 0
	kill -- "-$prebuild_pid" 2>/dev/null
	prebuild_pid=
}
trap stop_prebuild EXIT
trap 'stop_prebuild; exit 130' INT TERM HUP

for t in $tiers; do
	case $t in deps|build) ;; *) start_prebuild ;; esac
	case $t in
	deps) scripts/deps.sh ;;
	build) gate build make -s -j"$JOBS" modules tools selftests ;;
	style) gate style scripts/style.sh ;;
	sparse) gate sparse make -s -j"$JOBS" sparse ;;
	kunit-*)
		if args=$(kunit_args "$t"); then
			# This run's raw log or none (kunit.sh copies it only
			# when the guest wrote a new one), for bare-report.
			[ "$t" != kunit-um ] || rm -f build/kunit-um.raw.log
			filter=()
			[ "$t" != kunit-arm64-a57 ] || filter=(-- "$A57_SUITES")
			# shellcheck disable=SC2086 # the arguments split on purpose
			counted "$t" scripts/kunit.sh $args "${filter[@]}"
			# The bare-CPU table of make bench comes from this
			# suite's lines: check that the report still reads them.
			[ "$t" != kunit-um ] ||
				gate bare-report python3 scripts/bench-report.py \
					--bare build/kunit-um.raw.log --out build/bare-report
		else
			echo "unknown tier $t"; failed=$((failed + 1))
		fi ;;
	build-arm64) gate build-arm64 scripts/kunit.sh arm64 --module \
		--config kunit/kcsan.config --name kcsan ;;
	dkms) counted dkms scripts/dkms-test.sh ;;
	selftests) counted selftests scripts/vm-selftests.sh ;;
	bench-smoke) gate bench-smoke env BENCH_SMOKE=1 scripts/bench.sh ;;
	selftests-6.12) counted selftests-6.12 scripts/vm-selftests.sh \
		--kernel 6.12 --short ;;
	selftests-6.12-rt) counted selftests-6.12-rt scripts/vm-selftests.sh \
		--kernel 6.12-rt --short ;;
	selftests-arm64-max) counted selftests-arm64-max scripts/vm-selftests.sh \
		--kernel arm64 --cpu max --short ;;
	selftests-arm64-a57) counted selftests-arm64-a57 scripts/vm-selftests.sh \
		--kernel arm64 --cpu cortex-a57 --short ;;
	selftests-debug) counted selftests-debug scripts/vm-selftests.sh --debug ;;
	# Not a default tier: builds with injected ordering bugs (scripts/inject.sh).
	inject) counted inject scripts/inject.sh ;;
	*) echo "unknown tier $t"; failed=$((failed + 1)) ;;
	esac
done
[ -z "$prebuild_pid" ] || wait "$prebuild_pid"
prebuild_pid=

echo
echo "== summary (skipped: $skipped)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
