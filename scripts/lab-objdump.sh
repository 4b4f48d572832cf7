#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two loops of the compiler-barrier experiment (lab/clobber.c), as the
# compiler built them: with the asm "memory" clobber and without it.
#
#   scripts/lab-objdump.sh          lab/clobber.o of the host build
#   scripts/lab-objdump.sh arm64    build/mod/*-arm64/lab/clobber.o (the
#                                   module scripts/modbuild.sh cross-built)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
objdump=objdump
obj=lab/clobber.o
if [ "${1:-}" = arm64 ]; then
	objdump=aarch64-linux-gnu-objdump
	objs=(build/mod/*-arm64/lab/clobber.o)
	obj=${objs[0]}
fi
[ -f "$obj" ] || die "no $obj: build the module first (make, or scripts/modbuild.sh)"
"$objdump" -d --no-show-raw-insn "$obj" |
	awk '/<lab_clobber_loop_(fenced|broken)[^>]*>:/ { p = 1 } p && /^$/ { p = 0 } p'
