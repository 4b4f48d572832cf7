#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run locklab's KUnit suites in a kernel built from linux-source-6.1.
#
#   scripts/kunit.sh um                      UML (uniprocessor)
#   scripts/kunit.sh x86_64                  QEMU x86_64, -smp 2, CONFIG_SMP=y
#   scripts/kunit.sh arm64 [--cpu MODEL]     QEMU arm64 (cross-built), -smp 2;
#                                            MODEL: max (LSE, default) or
#                                            cortex-a57 (ARMv8.0, LL/SC)
#   scripts/kunit.sh arm64 --module          no tests: build locklab.ko out
#                                            of tree (W=1, -Werror) against
#                                            the arm64 KUnit kernel, building
#                                            that kernel first if needed
#   scripts/kunit.sh ARCH ... --build-only   no tests: build that kernel if
#                                            it is not built yet, and stop
#                                            (make check builds its kernels
#                                            this way in the background)
#   options: --source VER   the kernel source: 6.1 (default) or 6.12
#                           (linux-source-VER from Debian's archive)
#            --config FILE  extra Kconfig fragment (e.g. kunit/debug.config)
#            --name NAME    build-dir tag for that fragment
#            -- ARGS        passed to kunit.py exec (e.g. a filter glob)
#
# The source tree is extracted once into $LOCKLAB_CACHE; the project is
# copied in as drivers/misc/locklab (rsync by content, so unchanged files
# keep their timestamps and nothing rebuilds). Build directories are cached
# per arch and config: the directory name ends in a hash of every Kconfig
# input, so runs with different configs (another branch's .kunitconfig)
# never reconfigure each other's tree. When neither the project nor the
# config changed since the last successful build, the kernel is not rebuilt
# at all (kunit.py exec): the arm64 max and cortex-a57 runs share one build.
#
# Two locks: kernel builds take $LOCKLAB_CACHE/kbuild.lock (one kernel
# build at a time: the source trees are shared and the cores few), the
# guest run takes build.lock (as scripts/vm.sh does: one guest at a time).
# So a kernel can build while another tier's guest runs, which make check
# does at idle priority (scripts/check.sh).
#
# On arm64 the kernel is booted with locklab.expect_atomics=lse (max) or
# =llsc (cortex-a57): the locklab_atomic suite fails if the atomics path in
# use is not that one. The arm64 kernel has CONFIG_MODULES=y so that
# --module can build against it.
#
# Prints kunit.py's output and, last, "kunit <tag>: P passed, F failed,
# S skipped". Exit status 0 only when nothing failed. --module prints
# "module <arch>: ok" or fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: kunit.sh um|x86_64|arm64 [--cpu MODEL] [--config FILE --name NAME] [-- ARGS]}
shift
cpu=max
src=6.1
extra_config=
name=
module=0
build_only=0
while [ $# -gt 0 ]; do
	case "$1" in
	--cpu) cpu=$2; shift 2 ;;
	--source) src=$2; shift 2 ;;
	--config) extra_config=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--module) module=1; shift ;;
	--build-only) build_only=1; shift ;;
	--) shift; break ;;
	*) die "unknown option $1" ;;
	esac
done

# kconf: what the kernel is configured and built with (it names the build
# dir); kargs: that plus how it is run.
kconf=(--arch="$arch")
kargs=(--timeout=1800)
qemu_args=
case "$arch" in
um) ;;
x86_64)
	kconf+=(--kconfig_add CONFIG_SMP=y)
	qemu_args="-smp 2"
	;;
arm64)
	kconf+=(--kconfig_add CONFIG_SMP=y --kconfig_add CONFIG_MODULES=y
		--cross_compile=aarch64-linux-gnu-)
	# A later -cpu overrides the cortex-a57 of kunit's arm64 qemu config.
	# pauth-impdef=on: see scripts/vm.sh (cheap pointer authentication
	# under TCG).
	qemu_args="-smp 2 -cpu $cpu"
	[ "$cpu" = max ] && qemu_args+=",pauth-impdef=on"
	case "$cpu" in
	max) kargs+=(--kernel_args locklab.expect_atomics=lse) ;;
	cortex-a57) kargs+=(--kernel_args locklab.expect_atomics=llsc) ;;
	esac
	;;
*) die "unknown arch $arch" ;;
esac
[ -n "$qemu_args" ] && kargs+=(--qemu_args="$qemu_args")
[ $module = 0 ] || [ "$arch" = arm64 ] || die "--module: arm64 only"
kargs=("${kconf[@]}" "${kargs[@]}")
# LOCKLAB_INJECT=BUG (scripts/inject.sh): build with that injected ordering
# bug (see Kbuild). It is part of the build stamp below, so the next run
# without it rebuilds the locklab objects instead of reusing the kernel.
inject=${LOCKLAB_INJECT:-}
make_inject=()
[ -n "$inject" ] && make_inject=(--make_options "LOCKLAB_INJECT=$inject")

# Another source: its own tree and build directories (tags say "6.12").
if [ "$src" != 6.1 ]; then
	KSRC_TARBALL=/usr/src/linux-source-$src.tar.xz
	KSRC=$LOCKLAB_CACHE/linux-source-$src
	name=$src${name:+-$name}
fi
tag=$arch${name:+-$name}
[ "$arch" = arm64 ] && tag+="-$cpu"
# The allnoconfig fragments (see below), none for x86_64.
tiny=()
[ "$arch" = x86_64 ] ||
	tiny=("$LOCKLAB_TOP/kunit/tiny.config" "$LOCKLAB_TOP/kunit/tiny-$arch.config")
# The build dir is named for the options, not their comments: a comment
# edited in a fragment reuses the built kernel.
cfgkey=$( { cat "$LOCKLAB_TOP/kunit/.kunitconfig"
	    [ ${#tiny[@]} -eq 0 ] || cat "${tiny[@]}"
	    if [ -n "$extra_config" ]; then cat "$LOCKLAB_TOP/$extra_config"; fi
	    printf '%s\n' "${kconf[@]}"; } |
	  awk '/^# CONFIG_[A-Z0-9_]+ is not set$/ || !/^(#|$)/' | sha1sum | cut -c1-8)
builddir=$LOCKLAB_CACHE/build/$arch${name:+-$name}-$cfgkey
log=$LOCKLAB_TOP/build/kunit-$tag.log
mkdir -p "$LOCKLAB_TOP/build" "$builddir"

# sync_sources DEST: copy by content the files a kernel build reads, and
# nothing else (generated *.mod.c of a module build in the project tree
# included), into DEST, which then holds exactly those.
sync_sources() {
	rsync -rc --delete --delete-excluded --exclude='.git' \
		--exclude='build/' --exclude='*.mod.c' \
		--include='*/' --include='*.[ch]' --include='Kbuild' \
		--include='Kconfig' --include='.kunitconfig' --include='*.config' \
		--include='dkms.conf' \
		--exclude='*' "$LOCKLAB_TOP/" "$1/"
}

# The stamp: what the build depends on (those files, the config, the arch,
# an injected bug), from a private copy, so it is known before taking
# kbuild.lock: a kernel built already runs at once, without waiting for
# another kernel's build (make check's background builds).
stage=$builddir/.locklab-src
mkdir -p "$stage"
sync_sources "$stage"
kunitconfig=$builddir/locklab.kunitconfig
cat "$stage/kunit/.kunitconfig" >"$kunitconfig.new"
[ -n "$extra_config" ] && cat "$LOCKLAB_TOP/$extra_config" >>"$kunitconfig.new"
mv "$kunitconfig.new" "$kunitconfig"
stamp_now=$( (cd "$stage" && find . -type f -print0 | sort -z | xargs -0 sha1sum;
	      cat "$kunitconfig"; echo "$arch"
	      [ -z "$inject" ] || echo "inject=$inject") | sha1sum | cut -d' ' -f1)
stamp_file=$builddir/.locklab-stamp
mode=run
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_now" ]; then
	mode=exec
	if [ $build_only = 1 ]; then
		echo "kunit $tag: built already ($builddir)"
		exit 0
	fi
fi

# Link the project in as drivers/misc/locklab, under the build lock (the
# source tree is shared), unless the build is skipped.
if [ $mode = run ] || [ $module = 1 ]; then
	with_kbuild_lock
	ksrc_ensure
	dst=$KSRC/drivers/misc/locklab
	mkdir -p "$dst"
	sync_sources "$dst"
	grep -q 'drivers/misc/locklab/Kconfig' "$KSRC/drivers/misc/Kconfig" ||
		sed -i '$i source "drivers/misc/locklab/Kconfig"' "$KSRC/drivers/misc/Kconfig"
	grep -q 'CONFIG_LOCKLAB' "$KSRC/drivers/misc/Makefile" ||
		echo 'obj-$(CONFIG_LOCKLAB)		+= locklab/' >>"$KSRC/drivers/misc/Makefile"
fi

cd "$KSRC"

# A new UML or arm64 build directory is configured from allnoconfig:
# kunit.py writes its .config first (its arch options, the .kunitconfig,
# the --kconfig_add options), and allnoconfig with that file,
# kunit/tiny.config and kunit/tiny-ARCH.config as KCONFIG_ALLCONFIG sets
# those options and turns off whatever else olddefconfig would have turned
# on (input, HID, block devices, thermal, cpufreq). kunit.py keeps a
# .config that contains its own options, so it builds this one; every
# option it asked for must have survived, or it would regenerate the big
# one without a word. x86_64 stays on kunit.py's configuration: from
# allnoconfig (1200 objects for the debug kernel instead of 1409) it is a
# PREEMPT_NONE kernel, in which two KUnit threads spinning on both CPUs
# once held off stop_machine() (the TSC clocksource switch) until the
# 1800 s timeout; the olddefconfig one never did.
if [ ${#tiny[@]} -gt 0 ] && [ ! -f "$builddir/.locklab-allno" ]; then
	cross=()
	[ "$arch" = arm64 ] && cross=(CROSS_COMPILE=aarch64-linux-gnu-)
	python3 tools/testing/kunit/kunit.py config --build_dir="$builddir" \
		--kunitconfig="$kunitconfig" "${kconf[@]}" >/dev/null ||
		die "kunit.py config failed for $builddir"
	cat "$builddir/last_used_kunitconfig" "${tiny[@]}" >"$builddir/allno.config"
	make -s ARCH="$arch" O="$builddir" "${cross[@]}" \
		KCONFIG_ALLCONFIG="$builddir/allno.config" allnoconfig ||
		die "allnoconfig failed for $builddir"
	lost=$(grep -hE '^(CONFIG_|# CONFIG_.* is not set)' "$builddir/last_used_kunitconfig" \
		       "${tiny[@]}" |
	       grep -vxF -f "$builddir/.config" || true)
	[ -z "$lost" ] || die "allnoconfig dropped what kunit asked for: $lost"
	touch "$builddir/.locklab-allno"
fi

# --module: locklab.ko against this kernel's build tree. Any completed
# build of this config will do (the module only needs the config, headers
# and Module.symvers), so the kernel is only built when there is none yet.
# The module is built from a copy in build/$arch-module, so its objects
# never mix with the x86 module's in the project tree.
if [ $module = 1 ]; then
	log=$LOCKLAB_TOP/build/module-$arch.log
	if [ ! -f "$builddir/Module.symvers" ] || [ ! -f "$stamp_file" ]; then
		python3 tools/testing/kunit/kunit.py build --build_dir="$builddir" \
			--kunitconfig="$kunitconfig" --jobs="$JOBS" \
			--make_options LOCKLAB_WERROR=y "${kconf[@]}" ||
			die "the $arch KUnit kernel did not build"
		echo "$stamp_now" >"$stamp_file"
	fi
	modsrc=$LOCKLAB_TOP/build/$arch-module
	mkdir -p "$modsrc"
	sync_sources "$modsrc"
	set +e
	make -C "$builddir" M="$modsrc" ARCH="$arch" \
		CROSS_COMPILE=aarch64-linux-gnu- W=1 LOCKLAB_WERROR=y \
		-j"$JOBS" modules 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" -eq 0 ] || die "module $arch: build failed (see $log)"
	if grep -E '(warning|error):' "$log"; then
		die "module $arch: warnings (see $log)"
	fi
	[ -f "$modsrc/locklab.ko" ] || die "module $arch: no locklab.ko"
	echo "module $arch: ok ($modsrc/locklab.ko)"
	exit 0
fi

# Build unless a build of exactly this is done (the stamp). A finished
# build is reusable whatever the tests later say. An x86_64 kernel is also
# linked as build/kunit-TAG.bzImage: scripts/vm-selftests.sh --debug boots
# the debug one with the selftests.
if [ $mode = run ]; then
	set +e
	python3 tools/testing/kunit/kunit.py build --build_dir="$builddir" \
		--kunitconfig="$kunitconfig" --jobs="$JOBS" \
		--make_options LOCKLAB_WERROR=y "${make_inject[@]}" \
		"${kconf[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ]; then
		echo "kunit $tag: the kernel did not build (see $log)"
		echo "kunit $tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	echo "$stamp_now" >"$stamp_file"
else
	echo "kunit $tag: no change since the last build; running the cached kernel" |
		tee "$log"
fi
if [ "$arch" = x86_64 ] && [ -f "$builddir/arch/x86/boot/bzImage" ]; then
	ln -sfn "$builddir/arch/x86/boot/bzImage" \
		"$LOCKLAB_TOP/build/kunit-$tag.bzImage"
fi
[ $build_only = 0 ] || { echo "kunit $tag: built ($builddir)"; exit 0; }

# The guest: its own lock, so the next kernel can build meanwhile.
exec 8>&-
with_lock
# An x86_64 kernel without ACPI (the debug one) gets its clock from the
# command line; without it the run would time everything on jiffies.
tsc_args=
if [ "$arch" = x86_64 ]; then
	tsc_args=$(tsc_kernel_args "$builddir/.config") || {
		echo "kunit $tag: 0 passed, 1 failed, 0 skipped"
		exit 1
	}
	for a in $tsc_args; do
		kargs+=(--kernel_args "$a")
	done
fi
started=$builddir/.locklab-started
touch "$started"
set +e
python3 tools/testing/kunit/kunit.py exec --build_dir="$builddir" \
	"${kargs[@]}" "$@" 2>&1 | tee -a "$log"
rc=${PIPESTATUS[0]}
set -e

# A kernel warning, lockdep report, KASAN report or oops while the tests run
# fails the tier even if every case passed (the raw log starts counting at
# the first KTAP header, after boot-time noise such as UML's virt-pci WARN).
raw=$builddir/test.log
# The Arc suite provokes lab_arc_warn() on purpose (saturation, misuse) and
# checks its event counters; those warnings, and only they, come from
# refcount/arc.c (its one WARN site), so they are expected.
splat_re='WARNING:|BUG:|Oops|possible recursive locking|circular locking|inconsistent lock state|KASAN:|UBSAN:|general protection|sleeping function called'
# A KCSAN report fails the tier unless its title is one of the kernel's own
# races, named here one by one, that the tests meet by calling kernel code:
#  - the workqueue reads work->data with a plain load (kernel/workqueue.c:
#    worker_thread() and process_one_work() test WORK_STRUCT_LINKED, 6.1
#    and 6.12) while a queue_work() of the same running item sets PENDING
#    with test_and_set_bit(); lab_call_rcu() requeues its running batch
#    work by design (no lost callback);
#  - timekeeping's latch read in ktime_get_mono_fast_ns() (under
#    synchronize_srcu()), reported as a race of unknown origin.
# Only those exact titles: a report with any other function on top, or
# with a locklab one, fails the tier, as does every WARN, oops, lockdep or
# KASAN report. A new kernel-internal race is for a person to look at.
known_re='BUG: KCSAN: data-race in ((queue_work_on / (worker_thread|process_one_work))|((worker_thread|process_one_work) / queue_work_on)|ktime_get_mono_fast_ns\+0x[0-9a-f]+/0x[0-9a-f]+)$'
# classify: "ours TITLE" / "kernel TITLE" per report into .locklab-splats,
# and each report of ours whole (up to 60 lines) into .locklab-reports.
classify() {
	awk -v re="$splat_re" -v known="$known_re" -v rep="$builddir/.locklab-reports" '
		$0 ~ re {
			n = 0
			if (/locklab\/refcount\/arc\.c:/)
				next	# the expected Arc WARNs
			if ($0 ~ known) {
				print "kernel " $0
				next
			}
			print "ours " $0
			n = 60
		}
		n > 0 { print > rep; n-- }'
}
splats=0
if [ -f "$raw" ] && [ "$raw" -nt "$started" ]; then
	: >"$builddir/.locklab-reports"
	sed -n '/K\?TAP version/,$p' "$raw" | classify >"$builddir/.locklab-splats"
	splats=$(grep -c '^ours ' "$builddir/.locklab-splats" || true)
	if grep -q '^kernel ' "$builddir/.locklab-splats"; then
		echo "kunit $tag: KCSAN reports of the kernel's own known races, excused:"
		sed -n 's/^kernel /  /p' "$builddir/.locklab-splats" | sort | uniq -c
	fi
fi

# kunit.py's summary line: "Ran N tests: passed: P, failed: F, skipped: S,
# crashed: C, errors: E" (absent fields are zero).
summary=$(grep -E 'Ran [0-9]+ tests?' "$log" | tail -n 1 || true)
field() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
p=$(field passed); f=$(field failed); s=$(field skipped)
c=$(field crashed); e=$(field errors)
f=$((f + c + e))

# KUnit in 6.1 prints a skipped parameter as a plain "ok N desc", without
# the "# SKIP" directive, so kunit.py counts it as passed. The stats line
# the kernel prints after each parameterized case ("    # case: pass:P
# fail:F skip:S total:T") has the true number: move the parameter skips
# that carried no directive from passed to skipped.
raw=$builddir/test.log
if [ -n "$summary" ] && [ "$raw" -nt "$started" ]; then
	pskip=$(sed -nE 's/^ +# [A-Za-z0-9_]+: pass:[0-9]+ fail:[0-9]+ skip:([0-9]+) total:[0-9]+$/\1/p' \
		"$raw" | awk '{ n += $1 } END { print n + 0 }')
	pdirective=$(grep -cE '^        ok [0-9]+ .* # SKIP' "$raw" || true)
	adj=$((pskip - pdirective))
	if [ "$adj" -gt 0 ] && [ "$adj" -le "$p" ]; then
		p=$((p - adj)); s=$((s + adj))
	fi
fi
if [ -z "$summary" ]; then
	f=$((f + 1))	# no results at all: the build or the boot failed
	echo "kunit $tag: no test results (see $log)"
fi
# -smp 2 must have brought up 2 CPUs: on one, the concurrency cases skip
# and the pass count would claim what was not shown.
if [ "$arch" != um ] && [ -f "$raw" ] && [ "$raw" -nt "$started" ] &&
   ! grep -q 'Brought up 1 node, 2 CPUs' "$raw"; then
	f=$((f + 1))
	echo "kunit $tag: the kernel did not bring up 2 CPUs (see $raw)"
fi
if [ -n "$tsc_args" ] && [ -f "$raw" ] && [ "$raw" -nt "$started" ] &&
   ! tsc_clock_ok "$raw"; then
	f=$((f + 1))
	echo "kunit $tag: the kernel did not run on its TSC ($tsc_args; see $raw)"
fi
if [ "$splats" -gt 0 ]; then
	f=$((f + 1))
	echo "kunit $tag: $splats kernel warning/report lines while testing (see $raw):"
	# Each report of ours whole, the excused ones left out, so the first
	# real one is never cut off by them.
	head -n 150 "$builddir/.locklab-reports"
fi
# The raw log lives in the shared build directory, which the next run of
# the same kernel overwrites: keep this run's copy beside the tier's log.
if [ -f "$raw" ] && [ "$raw" -nt "$started" ]; then
	cp "$raw" "$LOCKLAB_TOP/build/kunit-$tag.raw.log"
fi
echo "kunit $tag: $p passed, $f failed, $s skipped"
[ "$rc" -eq 0 ] && [ "$f" -eq 0 ]
