#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every locklab selftest program found beside this script (or in
# $1), one after the other, with TAP output. Exit 0 only if all passed.
#
# On a kernel with kmemleak (the debug tier boots one), the leaks found
# before the tests are set aside first, and after them one more TAP result
# says whether any unreferenced object was allocated by locklab.
dir=${1:-$(dirname "$0")}
rc=0
leaks=/sys/kernel/debug/kmemleak
grep -q ' /sys/kernel/debug ' /proc/mounts ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null
if [ -w $leaks ]; then
	echo scan >$leaks && echo clear >$leaks
fi
for t in "$dir"/*_test "$dir"/*_test.sh; do
	[ -x "$t" ] || continue
	echo "# selftest: $(basename "$t")"
	t0=$(date +%s)
	"$t"
	r=$?
	echo "# selftest: $(basename "$t") took $(($(date +%s) - t0)) s"
	[ $r -eq 0 ] || [ $r -eq 4 ] || rc=1
done
if [ -w $leaks ]; then
	echo "# selftest: kmemleak"
	# An object is reported once unreferenced for 5 s: scan, wait, scan.
	echo scan >$leaks
	sleep 6
	echo scan >$leaks
	# Everything kmemleak holds against anyone, as TAP comments.
	sed 's/^/# /' $leaks
	n=$(grep -cE '(lab|locklab)_[a-z0-9_]+\+0x' $leaks)
	if [ "$n" -eq 0 ]; then
		echo "ok 1 kmemleak: no unreferenced object allocated by locklab"
	else
		echo "not ok 1 kmemleak: $n backtrace lines through locklab"
		rc=1
	fi
fi
exit $rc
