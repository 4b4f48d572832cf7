#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels locklab is tested on, by name:
#
#   6.1       Debian 12's default (linux-image-amd64: booted from /boot)
#   6.12      linux-image-6.12-amd64
#   6.12-rt   linux-image-6.12-rt-amd64 (PREEMPT_RT)
#   arm64     linux-image-arm64 (6.1, arm64), with its headers, unpacked into
#             the cache from the archive (multiarch: deps.sh adds arm64);
#             the headers use this machine's linux-kbuild (x86-64 host
#             tools), so modules cross-build against them
#
#   scripts/kernels.sh fetch          download the 6.12 images from the
#                                     archive into the cache (not installed)
#   scripts/kernels.sh kdir NAME      the headers' build tree of NAME
#   scripts/kernels.sh image NAME     the bootable image of NAME
#   scripts/kernels.sh names          every NAME
#   scripts/kernels.sh busybox        the arm64 busybox (static)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NAMES="6.1 6.12 6.12-rt arm64"
cache=$LOCKLAB_CACHE/kernels

# The versioned package a meta package (linux-image-6.12-amd64) points at.
meta_dep() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-[a-z]*-[0-9][^ ]*\)$/\1/p' | head -n 1
}

meta() {
	case $1 in
	6.1) echo amd64 ;;
	6.12) echo 6.12-amd64 ;;
	6.12-rt) echo 6.12-rt-amd64 ;;
	arm64) echo arm64:arm64 ;;
	*) die "unknown kernel $1 (known: $NAMES)" ;;
	esac
}

# arm64: the unpacked headers and image, and busybox for the initramfs.
arm64_dir() {
	local pkg
	pkg=$(meta_dep linux-image-arm64:arm64)
	[ -n "$pkg" ] || die "no arm64 kernel in the archive (dpkg --add-architecture arm64?)"
	pkg=${pkg%%:*}
	echo "$cache/${pkg#linux-image-}"
}

arm64_fetch() {
	local dir img hdr tmp h
	dir=$(arm64_dir)
	[ -f "$dir/.locklab-ok" ] && return 0
	img=$(meta_dep linux-image-arm64:arm64)
	hdr=$(meta_dep linux-headers-arm64:arm64)
	echo "kernels: fetching ${img%%:*}, ${hdr%%:*}, busybox-static (arm64)" >&2
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -qq "$img" "$hdr" busybox-static:arm64 \
		>/dev/null 2>&1) || die "apt-get download of the arm64 kernel failed"
	rm -rf "$dir"
	for d in "$tmp"/*.deb; do
		dpkg-deb -x "$d" "$dir"
	done
	rm -rf "$tmp"
	# Host tools from this machine's linux-kbuild, not the arm64 ones.
	for h in "$dir"/usr/src/linux-headers-*; do
		ln -sfn "/usr/lib/linux-kbuild-$(echo "${h##*/linux-headers-}" |
			cut -d. -f1,2)/scripts" "$h/scripts"
		ln -sfn "/usr/lib/linux-kbuild-$(echo "${h##*/linux-headers-}" |
			cut -d. -f1,2)/tools" "$h/tools"
	done
	touch "$dir/.locklab-ok"
}

kdir() {
	local dep
	if [ "$1" = arm64 ]; then
		ls -d "$(arm64_dir)"/usr/src/linux-headers-*-arm64 2>/dev/null ||
			die "arm64 headers missing: run scripts/kernels.sh fetch"
		return
	fi
	dep=$(meta_dep "linux-headers-$(meta "$1")")
	[ -n "$dep" ] && [ -d "/usr/src/$dep" ] || die "headers of $1 missing: run scripts/deps.sh"
	echo "/usr/src/$dep"
}

image() {
	local kd rel
	if [ "$1" = arm64 ]; then
		ls "$(arm64_dir)"/boot/vmlinuz-* 2>/dev/null ||
			die "arm64 image missing: run scripts/kernels.sh fetch"
		return
	fi
	kd=$(kdir "$1")
	rel=$(kernel_release "$kd")
	if [ -r "/boot/vmlinuz-$rel" ]; then
		echo "/boot/vmlinuz-$rel"
	elif [ -r "$cache/$rel/boot/vmlinuz-$rel" ]; then
		echo "$cache/$rel/boot/vmlinuz-$rel"
	else
		die "no image of $1 ($rel): run scripts/kernels.sh fetch"
	fi
}

fetch() {
	local n pkg rel tmp
	mkdir -p "$cache"
	for n in 6.12 6.12-rt; do
		pkg=$(meta_dep "linux-image-$(meta "$n")")
		[ -n "$pkg" ] || die "no package for $n in the archive"
		rel=${pkg#linux-image-}
		# Debian's 6.12 headers pull their image in: nothing to fetch.
		[ -r "/boot/vmlinuz-$rel" ] && continue
		[ -r "$cache/$rel/boot/vmlinuz-$rel" ] && continue
		echo "kernels: fetching $pkg" >&2
		tmp=$(mktemp -d)
		(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1) ||
			die "apt-get download $pkg failed"
		rm -rf "$cache/$rel"
		dpkg-deb -x "$tmp"/*.deb "$cache/$rel"
		rm -rf "$tmp"
	done
	arm64_fetch
}

case ${1:-} in
fetch) fetch ;;
kdir) kdir "${2:?name}" ;;
busybox) echo "$(arm64_dir)/bin/busybox" ;;
image) image "${2:?name}" ;;
names) echo "$NAMES" ;;
*) die "usage: kernels.sh fetch | kdir NAME | image NAME | names" ;;
esac
