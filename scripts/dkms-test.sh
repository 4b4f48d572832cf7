#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS as users run it: dkms add, then dkms build for Debian's 6.1 and 6.12
# kernels (from their installed headers), then boot each kernel in QEMU
# with the module DKMS built and check that it loads, reports the version
# of dkms.conf, and answers the ABI handshake. Cleans up with dkms remove.
# Last line: "dkms: P passed, F failed, S skipped".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
command -v dkms >/dev/null || { echo "dkms: 0 passed, 1 failed, 0 skipped (no dkms: scripts/deps.sh)"; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
src=/usr/src/locklab-$ver
make -s tools >/dev/null || exit 1

dkms remove -m locklab -v "$ver" --all >/dev/null 2>&1
rm -rf "$src"
mkdir -p "$src"
rsync -a --include='/Kbuild' --include='/Kconfig' --include='/dkms.conf' \
	--include='/include/***' --include='/arch/***' --include='/lock/***' \
	--include='/channel/***' --include='/refcount/***' --include='/dev/***' \
	--include='/bench/***' --include='/kunit/***' --include='/lab/***' --exclude='*.o' \
	--exclude='.*.cmd' --exclude='*' ./ "$src/"
p=0 f=0
if dkms add -m locklab -v "$ver" >build/dkms.log 2>&1; then
	echo "ok - dkms add locklab/$ver"
	p=$((p + 1))
else
	cat build/dkms.log
	echo "not ok - dkms add locklab/$ver"
	f=$((f + 1))
fi
for name in 6.1 6.12; do
	kd=$(scripts/kernels.sh kdir "$name") || { f=$((f + 1)); continue; }
	rel=$(kernel_release "$kd")
	if ! dkms build -m locklab -v "$ver" -k "$rel" --kernelsourcedir "$kd" \
		>>build/dkms.log 2>&1; then
		tail -n 30 build/dkms.log
		echo "not ok - dkms build for $rel"
		f=$((f + 1))
		continue
	fi
	ko=$(ls /var/lib/dkms/locklab/"$ver"/"$rel"/*/module/locklab.ko* 2>/dev/null | head -n 1)
	case $ko in
	*.xz) xz -dkf "$ko"; ko=${ko%.xz} ;;
	*.zst) zstd -dqf "$ko"; ko=${ko%.zst} ;;
	esac
	echo "ok - dkms build for $rel ($ko)"
	p=$((p + 1))
	if scripts/vm.sh --timeout 300 --kernel "$(scripts/kernels.sh image "$name")" \
		--ko "$ko" --file tools/locklab -- sh -c \
		"[ \"\$(cat /sys/module/locklab/version)\" = $ver ] && locklab version" \
		>build/dkms-vm-"$name".log 2>&1; then
		echo "ok - the DKMS module loads on $rel and reports $ver"
		p=$((p + 1))
	else
		tail -n 20 build/dkms-vm-"$name".log
		echo "not ok - the DKMS module on $rel"
		f=$((f + 1))
	fi
done
dkms remove -m locklab -v "$ver" --all >>build/dkms.log 2>&1
rm -rf "$src"
echo "dkms: $p passed, $f failed, 0 skipped"
[ "$f" -eq 0 ]
