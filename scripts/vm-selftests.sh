#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftests in the QEMU guest (Debian kernel, -smp 2) with the
# module loaded, and count the TAP results. Expects `make modules tools
# selftests` to have run. Last line: "selftests: P passed, F failed, S
# skipped". Exit 0 only when nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
make -s modules tools selftests >build/vm-selftests-build.log 2>&1 || {
	cat build/vm-selftests-build.log
	echo "selftests: 0 passed, 1 failed, 0 skipped"
	exit 1
}

args=(--timeout "${VM_TIMEOUT:-900}" --file selftests/run.sh:/root/run.sh
      --file tools/locklab)
for t in selftests/out/*_test selftests/*_test.sh; do
	args+=(--file "$t:/root/$(basename "$t")")
done
scripts/vm.sh "${args[@]}" -- sh /root/run.sh /root >build/vm-selftests.out 2>&1
rc=$?
log=build/vm/serial.log
tap() { grep -aE "^$1 [0-9]+ " "$log" 2>/dev/null; }
p=$(tap ok | grep -avc '# SKIP')
s=$(tap ok | grep -ac '# SKIP')
f=$(tap 'not ok' | grep -avc '# SKIP')
grep -aE '^(not )?ok [0-9]+ |^# selftest:|^# (PASSED|FAILED|Totals)' "$log"
if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
	# The guest itself failed (boot, insmod, rmmod, kernel splat, timeout).
	echo "selftests: the VM run failed with status $rc (see $log)"
	f=1
fi
echo "selftests: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
