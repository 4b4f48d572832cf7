#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that the ordering tests catch the ordering bugs they are about: for
# each injected bug (LOCKLAB_INJECT, see Kbuild), build the KUnit kernel
# with it and run the case that must catch it, then build it without the
# bug and run the same case. A bug counts as caught when the case fails with
# it and passes without it.
#
#   scripts/inject.sh [BUG...]     default: every bug below
#
#   wait_no_mb      no full barriers in the wait/wake handshake
#                   (lock/wait.c): locklab_order.order_wait_sb_no_lost_wakeup_test
#                   in the x86_64 KUnit kernel (QEMU, -smp 2)
#   unlock_relaxed  the TAS/TTAS unlock a plain store, not a RELEASE
#                   (include/locklab/spin_tas.h):
#                   locklab_order.order_unlock_release_plain_section_test in
#                   the x86_64 KCSAN kernel (weak-memory modelling)
#
# Each build only recompiles locklab (the kernels are the cached ones of
# scripts/kunit.sh); the run without the bug comes last, so the cached
# kernel is a normal one afterwards. Logs: build/inject-BUG-{with,without}.log.
# Prints what each run measured, one verdict line per bug, and last
# "inject: P passed, F failed, S skipped" (one check per bug).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bugs=("$@")
[ ${#bugs[@]} -gt 0 ] || bugs=(wait_no_mb unlock_relaxed)

passed=0
failed=0
for bug in "${bugs[@]}"; do
	case "$bug" in
	wait_no_mb)
		kargs=(x86_64)
		case_glob=locklab_order.order_wait_sb_no_lost_wakeup_test
		;;
	unlock_relaxed)
		kargs=(x86_64 --config kunit/kcsan.config --name kcsan)
		case_glob=locklab_order.order_unlock_release_plain_section_test
		;;
	*) die "unknown bug $bug (wait_no_mb, unlock_relaxed)" ;;
	esac
	verdict=()
	for mode in with without; do
		log=$LOCKLAB_TOP/build/inject-$bug-$mode.log
		t0=$SECONDS
		if [ $mode = with ]; then
			env LOCKLAB_INJECT="$bug" "$LOCKLAB_TOP/scripts/kunit.sh" \
				"${kargs[@]}" -- "$case_glob" >"$log" 2>&1 && rc=0 || rc=$?
		else
			env -u LOCKLAB_INJECT "$LOCKLAB_TOP/scripts/kunit.sh" \
				"${kargs[@]}" -- "$case_glob" >"$log" 2>&1 && rc=0 || rc=$?
		fi
		echo "== $bug, $mode the bug: exit $rc, $((SECONDS - t0)) s (build and run)"
		# What the case said (its kunit_info line is only in the raw log
		# of the build directory the run used), failures, KCSAN reports.
		raw=$(ls -t "$LOCKLAB_CACHE"/build/*/test.log 2>/dev/null | head -n 1)
		{ [ -z "$raw" ] || grep -hE 'rounds in|sections \(' "$raw"
		  grep -hE 'lost wake-ups|Expected|BUG: KCSAN|injected bug|kunit x86_64' "$log"
		} | sed 's/^ */   /' | head -n 20 || true
		if ! grep -qE 'Ran [0-9]+ tests?' "$log"; then
			verdict+=("$mode: no test results")
		elif [ $mode = with ] && [ $rc -ne 0 ]; then
			verdict+=("fails with it")
		elif [ $mode = without ] && [ $rc -eq 0 ]; then
			verdict+=("passes without")
		else
			verdict+=("$mode: WRONG (exit $rc)")
		fi
	done
	if [ "${verdict[*]}" = "fails with it passes without" ]; then
		echo "inject $bug: caught (fails with it, passes without)"
		passed=$((passed + 1))
	else
		echo "inject $bug: NOT caught (${verdict[*]})"
		failed=$((failed + 1))
	fi
done
echo "inject: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
