#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build locklab.ko for one kernel in a build directory of its own, so that
# modules for several kernels (6.1, 6.12, 6.12-rt, DKMS-free) coexist and
# each rebuild is incremental:
#
#   scripts/modbuild.sh KDIR [ARCH]   prints the path of the built locklab.ko
#                                     (ARCH arm64: cross-built)
#
# The sources are copied (by content, keeping timestamps) into
# build/mod/<kernel release>/ and built there with W=1, warnings as errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=${1:?usage: modbuild.sh KDIR [ARCH]}
arch=${2:-}
cross=()
[ "$arch" = arm64 ] && cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
rel=$(kernel_release "$kdir")
out=$LOCKLAB_TOP/build/mod/$rel
mkdir -p "$out"
rsync -a --checksum --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
	--exclude='*.mod*' --exclude='modules.order' --exclude='Module.symvers' \
	--include='/Kbuild' --include='/Kconfig' --include='/dkms.conf' \
	--include='/include/***' --include='/arch/***' --include='/lock/***' \
	--include='/channel/***' --include='/refcount/***' --include='/dev/***' \
	--include='/bench/***' --include='/kunit/***' --include='/lab/***' --exclude='*' \
	"$LOCKLAB_TOP/" "$out/"
make -s -j"$JOBS" -C "$kdir" M="$out" ${cross[@]+"${cross[@]}"} W=1 LOCKLAB_WERROR=y \
	modules >&2
echo "$out/locklab.ko"
