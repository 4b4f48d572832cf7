#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch --strict (from the cached linux-source tree) over every C file
# and header of the project. Exit 0 only when there is nothing to report.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
KSRC=$("$LOCKLAB_TOP/scripts/ksrc.sh")
cd "$LOCKLAB_TOP"
# Userspace programs use the C library's types and their own names.
user_ignore=PREFER_KERNEL_TYPES,NEW_TYPEDEFS,SPLIT_STRING,AVOID_EXTERNS

# check FILE...: checkpatch each; exit 1 if any reported.
check() {
	local f ignore out rc=0
	for f; do
		ignore=FILE_PATH_CHANGES,SPDX_LICENSE_TAG
		case "$f" in
		tools/*|selftests/*|scripts/*) ignore+=",$user_ignore" ;;
		# Generates one wrapper per backend, operation and ordering:
		# token arguments are pasted more than once by design.
		kunit/atomic_test.c) ignore+=",MACRO_ARG_REUSE,COMPLEX_MACRO" ;;
		# Generates one asm function per path, operation, ordering and
		# width (as the kernel's atomic_ll_sc.h does): the register
		# width and the types are pasted more than once by design.
		arch/arm64/locklab-atomic*.h) ignore+=",MACRO_ARG_REUSE,COMPLEX_MACRO" ;;
		# Generates one function per litmus test, ordering and thread,
		# and designated initializers for their table: by design.
		lab/litmus.c) ignore+=",MACRO_ARG_REUSE,COMPLEX_MACRO,MACRO_WITH_FLOW_CONTROL,BRACKET_SPACE" ;;
		# Declares a parameter: its name is pasted into the names of
		# its descriptor, as module_param_named() does.
		include/locklab/param.h) ignore+=",MACRO_ARG_REUSE" ;;
		# Trace events are laid out as the kernel's
		# include/trace/events/ are.
		include/locklab/trace.h) ignore+=",OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT" ;;
		esac
		out=$(perl "$KSRC/scripts/checkpatch.pl" --strict --no-tree \
			--terse --show-types --ignore "$ignore" -f "$f" 2>&1 || true)
		if echo "$out" | grep -qE '(ERROR|WARNING|CHECK):'; then
			echo "$out" | grep -E '(ERROR|WARNING|CHECK):'
			rc=1
		fi
	done
	return $rc
}

if [ "${1:-}" = --check ]; then
	shift
	check "$@"
	exit
fi

files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
# One checkpatch per file is single-threaded perl: run $JOBS at once.
rc=0
printf '%s\n' $files | xargs -P "$JOBS" -n 8 "$0" --check || rc=1
[ $rc -eq 0 ] && echo "style: checkpatch --strict clean ($(echo "$files" | wc -w) files)"
exit $rc
