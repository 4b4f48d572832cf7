# SPDX-License-Identifier: GPL-2.0
#
# TAP for the shell selftests (*_test.sh), sourced from beside them (the
# guest gets it with them, scripts/vm-selftests.sh): a result counter,
# ok/not_ok, check NAME COMMAND... (ok when the command succeeds), and
# tap_begin, which prints the TAP header and skips the whole program
# (exit 4) when /dev/locklab does not exist. $fail is 1 once a result was
# not ok: the program exits with it.

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

tap_begin() {
	echo "TAP version 13"
	if [ ! -e /dev/locklab ]; then
		echo "1..0 # SKIP /dev/locklab missing"
		exit 4
	fi
}
