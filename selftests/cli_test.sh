#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# locklab CLI selftest (TAP): the commands users run work end to end
# against the loaded module, print what they promise, and fail clearly.
# Needs the locklab binary in PATH; skips (exit 4) without /dev/locklab.

. "$(dirname "$0")/tap.sh"
tap_begin
echo "1..9"
out=$(mktemp)

check cli.version_names_backend sh -c 'locklab version | grep -q "atomics backend"'
check cli.list_shows_every_kind sh -c \
	'locklab list > '"$out"' && for k in spin mutex rwlock semaphore condvar channel arc; do grep -q "^$k " '"$out"' || exit 1; done'
check cli.bench_table_has_kernel_baseline sh -c \
	'locklab bench --quiet --kind mutex --threads 2 --ms 50 > '"$out"' && grep -q "^kernel .* 1.00x" '"$out"
check cli.bench_json sh -c \
	'locklab bench --quiet --kind spin --ms 30 --json | grep -q "\"results\":\[{\"variant\":\"tas\""'
check cli.stress_table_no_violations sh -c \
	'locklab stress --quiet --kind rwlock --threads 3 --ms 200 > '"$out"' && grep -q "^v3 " '"$out"
check cli.stress_csv_header sh -c \
	'locklab stress --quiet --kind semaphore --ms 100 --csv | head -1 | grep -q "^kind,variant,threads"'
check cli.missing_device_says_so sh -c \
	'LOCKLAB_DEV=/nonexistent locklab list 2>&1 | grep -q "is the module loaded"; [ $? -eq 0 ]'
check cli.bad_option_fails sh -c '! locklab bench --threads 9999 2>/dev/null'
check cli.help_reads_like_a_manual sh -c 'locklab --help | grep -q "^SYNOPSIS"'
rm -f "$out"
exit $fail
