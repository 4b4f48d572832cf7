#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU (TCG, -smp 2) with a busybox initramfs, load
# locklab.ko, run one command, and exit with the command's exit status.
#
#   scripts/vm.sh [options] -- COMMAND [ARGS...]
#
#   --ko FILE        module to insmod before the command (default: ./locklab.ko
#                    if present; --no-ko for none)
#   --ko-args ARGS   module parameters
#   --file SRC[:DST] copy a file into the guest (DST defaults to /bin/NAME);
#                    repeatable
#   --timeout SEC    hard limit for the whole boot (default 300)
#   --smp N --mem MB guest CPUs (2) and memory (768)
#   --kernel FILE    kernel image (default /boot/vmlinuz-<release of KDIR>)
#   --append ARGS    more kernel command line
#   --env NAME=VALUE set in the guest's environment for the command;
#                    repeatable
#   --kvm            use KVM instead of TCG (not available on every machine)
#   --arch ARCH      x86_64 (default) or arm64: qemu-system-aarch64 -M virt,
#                    Debian's arm64 kernel and busybox (scripts/kernels.sh)
#   --cpu MODEL      arm64: max (LSE atomics, default) or cortex-a57 (ARMv8.0);
#                    x86_64: any QEMU -cpu string (default QEMU's qemu64),
#                    e.g. qemu64,hypervisor=off, which makes the guest's
#                    spinlock_t a qspinlock (see scripts/bench.sh)
#   --allow-splat    do not fail on a kernel warning/oops in the guest log
#   --bios FILE      x86_64: firmware (e.g. qboot.rom: it gives kernels built
#                    without ACPI, such as the KUnit ones, their MP table)
#
# The guest runs the command in /root with the module loaded, then unloads
# it (an rmmod failure fails the run), prints its kernel log, and powers
# off. Exit status: the command's; 124 on timeout; 125 when the guest died
# without reporting; 100 when insmod failed; 101 when rmmod failed; 102
# when the kernel log shows a warning, BUG or oops; 103 when the guest came
# up with fewer CPUs than --smp (a test of concurrency on one CPU proves
# nothing). The serial console is kept in build/vm/serial.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ko=auto ko_args= timeout=300 smp=2 mem=768 kernel= kvm=0 allow_splat=0 append=
bios=()
arch=x86_64 cpu=
files=()
envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--ko) ko=$2; shift 2 ;;
	--no-ko) ko=; shift ;;
	--ko-args) ko_args=$2; shift 2 ;;
	--file) files+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--kvm) kvm=1; shift ;;
	--arch) arch=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--allow-splat) allow_splat=1; shift ;;
	--bios) bios=(-bios "$2"); shift 2 ;;
	--) shift; break ;;
	*) die "unknown option $1 (see the header of $0)" ;;
	esac
done
[ $# -gt 0 ] || die "usage: vm.sh [options] -- COMMAND"
[ "$ko" = auto ] && { [ -f "$LOCKLAB_TOP/locklab.ko" ] && ko=$LOCKLAB_TOP/locklab.ko || ko=; }

if [ -z "$kernel" ] && [ "$arch" = arm64 ]; then
	kernel=$("$LOCKLAB_TOP/scripts/kernels.sh" image arm64)
elif [ -z "$kernel" ]; then
	kdir=${KDIR:-$(kdir_default)}
	[ -n "$kdir" ] || die "no kernel build tree: run scripts/deps.sh"
	kernel=/boot/vmlinuz-$(kernel_release "$kdir")
fi
[ -r "$kernel" ] || die "cannot read $kernel (install linux-image-amd64: scripts/deps.sh)"
if [ "$arch" = arm64 ]; then
	busybox=$("$LOCKLAB_TOP/scripts/kernels.sh" busybox)
else
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' ||
		busybox=/bin/busybox
fi
[ -x "$busybox" ] || die "busybox-static missing: run scripts/deps.sh"

# One guest at a time on this machine (kunit.sh takes the same lock): the
# cores are few, and the initramfs directory below is shared.
with_lock

out=$LOCKLAB_TOP/build/vm
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root,etc}
cp "$busybox" "$root/bin/busybox"
[ -n "$ko" ] && cp "$ko" "$root/locklab.ko"
for f in ${files[@]+"${files[@]}"}; do
	src=${f%%:*}
	dst=/bin/$(basename "$src")
	[ "$src" != "$f" ] && dst=${f#*:}
	mkdir -p "$root$(dirname "$dst")"
	cp "$src" "$root$dst"
done
: >"$root/cmd.sh"
for e in ${envs[@]+"${envs[@]}"}; do
	printf 'export %q\n' "$e" >>"$root/cmd.sh"
done
printf '%q ' "$@" >>"$root/cmd.sh"
echo >>"$root/cmd.sh"
printf '%s\n' "$ko_args" >"$root/ko_args"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo "LOCKLAB-VM: booted, $(nproc) CPUs, kernel $(uname -r)"
rc=0
if [ -f /locklab.ko ]; then
	insmod /locklab.ko $(cat /ko_args) || rc=100
fi
if [ $rc -eq 0 ]; then
	cd /root
	sh /cmd.sh
	rc=$?
	if grep -qs '^locklab ' /proc/modules; then
		rmmod locklab || { echo "LOCKLAB-VM: rmmod failed"; rc=101; }
	fi
fi
echo "LOCKLAB-VM: ---- kernel log ----"
dmesg
echo "LOCKLAB-VM: ---- end of kernel log ----"
if dmesg | grep -Eq 'WARNING:|BUG:|Oops|general protection|Call Trace:|UBSAN:|KASAN:'; then
	echo "LOCKLAB-VM-SPLAT"
fi
echo "LOCKLAB-VM-EXIT: $rc"
# -no-reboot turns a reboot into QEMU exiting, also on kernels without
# ACPI power-off (the debug KUnit kernel)
reboot -f
INIT
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initramfs.cpio.gz"

accel=(-accel tcg,thread=multi)
[ $kvm = 1 ] && accel=(-accel kvm -cpu host)
if [ "$arch" = arm64 ]; then
	# Under TCG, -cpu max's pointer authentication (QARMA, computed in
	# software for every signed return address) makes Debian's kernel run
	# about twice as slow; pauth-impdef=on keeps the feature with a cheap
	# implementation-defined hash. Nothing locklab tests depends on which.
	qcpu=${cpu:-max}
	[ "$qcpu" = max ] && qcpu=max,pauth-impdef=on
	qemu=(qemu-system-aarch64 -M virt -cpu "$qcpu")
	console=ttyAMA0
else
	qemu=(qemu-system-x86_64)
	[ $kvm = 1 ] || [ -z "$cpu" ] || qemu+=(-cpu "$cpu")
	console=ttyS0
fi
log=$out/serial.log
boot() {
	set +e
	timeout --foreground -k 5 "$timeout" \
		"${qemu[@]}" "${accel[@]}" -smp "$smp" -m "$mem" \
		-display none -monitor none -serial stdio -no-reboot \
		${bios[@]+"${bios[@]}"} \
		-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
		-append "console=$console panic=-1 loglevel=3 rdinit=/init $append" \
		</dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$log"
	qrc=${PIPESTATUS[0]}
	set -e
}
boot
# A guest that died before /init ran (seen: Debian's 6.12 oopsing in its
# own boot-time text patching under TCG, int3 in sched_clock_cpu, before
# any locklab code was loaded) is a boot failure, not a test result: boot
# once more, and keep the first console log.
if [ "$qrc" -ne 124 ] && [ "$qrc" -ne 137 ] &&
   ! grep -q '^LOCKLAB-VM: booted' "$log"; then
	cp "$log" "$out/serial-bootfail.log"
	echo "vm.sh: the guest died while booting, before /init (log: $out/serial-bootfail.log); booting again" >&2
	boot
fi

# Under TCG with several vCPU threads, Debian's 6.12 kernel has twice hit
# a stale int3 of its own text patching (once while booting, once in
# __schedule when trace_test.sh enabled events), outside any locklab code:
# QEMU's handling of cross-modifying code, not a test result. Boot once
# more when the only oops is such an int3 and its RIP is not ours.
if grep -qE '^\[ *[0-9.]+\] Oops: int3' "$log" &&
   ! grep -qE '^\[ *[0-9.]+\] RIP: .*(\[locklab\]|lab_)' "$log"; then
	cp "$log" "$out/serial-int3.log"
	echo "vm.sh: the guest kernel hit a stale int3 outside locklab (TCG; log: $out/serial-int3.log); booting again" >&2
	boot
fi

if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	echo "vm.sh: timed out after ${timeout}s (log: $log)" >&2
	exit 124
fi
rc=$(sed -n 's/^LOCKLAB-VM-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$rc" ]; then
	echo "vm.sh: the guest died without reporting (log: $log)" >&2
	exit 125
fi
ncpu=$(sed -n 's/^LOCKLAB-VM: booted, \([0-9]*\) CPUs.*/\1/p' "$log" | tail -n 1)
if [ "${ncpu:-0}" -lt "$smp" ]; then
	echo "vm.sh: the guest came up with ${ncpu:-0} of $smp CPUs (log: $log)" >&2
	[ "$rc" -eq 0 ] && rc=103
fi
if grep -q '^LOCKLAB-VM-SPLAT' "$log" && [ $allow_splat = 0 ]; then
	echo "vm.sh: the guest kernel warned or oopsed (log: $log)" >&2
	[ "$rc" -eq 0 ] && rc=102
fi
exit "$rc"
