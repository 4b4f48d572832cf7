#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install everything locklab builds and tests with, from Debian's archive.
# Idempotent: packages already present are not fetched again.
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio xz-utils
rsync python3 linux-headers-amd64 linux-image-amd64 linux-source-6.1
linux-headers-6.12-amd64 linux-headers-6.12-rt-amd64 linux-source-6.12 dkms
qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
busybox-static sparse coccinelle perl gnuplot-nox"
# python3 and gnuplot-nox: make bench (scripts/bench.sh, bench-report.py)

# The arm64 kernel, headers and busybox come from the archive's arm64 part.
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
	$SUDO apt-get update -qq
fi
PKGS="$PKGS libc6-dev-arm64-cross"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# No initramfs for the kernel images the headers pull in, where
	# nothing boots them: the guests boot with scripts/vm.sh's own, and
	# mkinitramfs for 6.1, 6.12 and 6.12-rt took about 4.7 of a 5.8
	# minute install on a new machine. The hook
	# (/etc/kernel/postinst.d/initramfs-tools) exits at INITRD=No, which
	# env passes through sudo. A machine with a boot loader (a grub
	# directory, or a kernel hook besides initramfs-tools and dkms) keeps
	# its initramfs: update-grub would make the newest image, without
	# one, the default entry. LOCKLAB_INITRD=yes or no overrides.
	initrd=${LOCKLAB_INITRD:-}
	if [ -z "$initrd" ]; then
		initrd=no
		[ -d /boot/grub ] && initrd=yes
		for h in /etc/kernel/postinst.d/*; do
			[ -e "$h" ] || continue
			case ${h##*/} in
			initramfs-tools|dkms|apt-auto-removal|unattended-upgrades) ;;
			*) initrd=yes ;;
			esac
		done
	fi
	case $initrd in
	no) INITRD=No
	    echo "deps: no boot loader here: kernel images without initramfs (LOCKLAB_INITRD=yes builds them)" ;;
	yes) INITRD=Yes ;;
	*) echo "deps: LOCKLAB_INITRD is yes or no, not '$initrd'" >&2; exit 1 ;;
	esac
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env INITRD=$INITRD DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The 6.12 images come in as dependencies of their headers; kernels.sh
# boots them from /boot, or fetches any that are missing (and the arm64
# kernel) from the archive into the cache without installing them.
"$(dirname "$0")/kernels.sh" fetch
echo "deps: ok"
