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
#   options: --config FILE  extra Kconfig fragment (e.g. kunit/debug.config)
#            --name NAME    build-dir tag for that fragment
#            -- ARGS        passed to kunit.py run (e.g. a filter glob)
#
# The source tree is extracted once into $LOCKLAB_CACHE; the project is
# copied in as drivers/misc/locklab (rsync by content, so unchanged files
# keep their timestamps and nothing rebuilds). Build directories are cached
# per arch and config. When neither the project nor the config changed
# since the last successful build, the kernel is not rebuilt at all
# (kunit.py exec).
#
# Prints kunit.py's output and, last, "kunit <tag>: P passed, F failed,
# S skipped". Exit status 0 only when nothing failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: kunit.sh um|x86_64|arm64 [--cpu MODEL] [--config FILE --name NAME] [-- ARGS]}
shift
cpu=max
extra_config=
name=
while [ $# -gt 0 ]; do
	case "$1" in
	--cpu) cpu=$2; shift 2 ;;
	--config) extra_config=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option $1" ;;
	esac
done

kargs=(--arch="$arch" --timeout=1800)
qemu_args=
case "$arch" in
um) ;;
x86_64)
	kargs+=(--kconfig_add CONFIG_SMP=y)
	qemu_args="-smp 2"
	;;
arm64)
	kargs+=(--kconfig_add CONFIG_SMP=y --cross_compile=aarch64-linux-gnu-)
	# A later -cpu overrides the cortex-a57 of kunit's arm64 qemu config.
	qemu_args="-smp 2 -cpu $cpu"
	;;
*) die "unknown arch $arch" ;;
esac
[ -n "$qemu_args" ] && kargs+=(--qemu_args="$qemu_args")

tag=$arch${name:+-$name}
[ "$arch" = arm64 ] && tag+="-$cpu"
builddir=$LOCKLAB_CACHE/build/$arch${name:+-$name}
log=$LOCKLAB_TOP/build/kunit-$tag.log
mkdir -p "$LOCKLAB_TOP/build" "$builddir"

with_lock
ksrc_ensure

# Link the project in: copy sources by content into drivers/misc/locklab.
dst=$KSRC/drivers/misc/locklab
mkdir -p "$dst"
rsync -rc --delete --exclude='.git' --exclude='build/' \
	--include='*/' --include='*.[ch]' --include='Kbuild' --include='Kconfig' \
	--include='.kunitconfig' --include='*.config' --exclude='*' \
	"$LOCKLAB_TOP/" "$dst/"
grep -q 'drivers/misc/locklab/Kconfig' "$KSRC/drivers/misc/Kconfig" ||
	sed -i '$i source "drivers/misc/locklab/Kconfig"' "$KSRC/drivers/misc/Kconfig"
grep -q 'CONFIG_LOCKLAB' "$KSRC/drivers/misc/Makefile" ||
	echo 'obj-$(CONFIG_LOCKLAB)		+= locklab/' >>"$KSRC/drivers/misc/Makefile"

kunitconfig=$builddir/locklab.kunitconfig
cat "$dst/kunit/.kunitconfig" >"$kunitconfig.new"
[ -n "$extra_config" ] && cat "$LOCKLAB_TOP/$extra_config" >>"$kunitconfig.new"
mv "$kunitconfig.new" "$kunitconfig"

# Skip the build when nothing it depends on changed since the last success.
stamp_now=$( (cd "$dst" && find . -type f -print0 | sort -z | xargs -0 sha1sum;
	      cat "$kunitconfig"; echo "$arch") | sha1sum | cut -d' ' -f1)
stamp_file=$builddir/.locklab-stamp
mode=run
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_now" ]; then
	mode=exec
fi

cd "$KSRC"
set +e
if [ $mode = run ]; then
	python3 tools/testing/kunit/kunit.py run --build_dir="$builddir" \
		--kunitconfig="$kunitconfig" --jobs="$JOBS" \
		--make_options LOCKLAB_WERROR=y "${kargs[@]}" "$@" \
		2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
else
	echo "kunit $tag: no change since the last build; running the cached kernel"
	python3 tools/testing/kunit/kunit.py exec --build_dir="$builddir" \
		"${kargs[@]}" "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
fi
set -e

# A finished build is reusable whatever the tests said.
if grep -q 'Starting KUnit Kernel\|Testing complete' "$log"; then
	echo "$stamp_now" >"$stamp_file"
fi

# A kernel warning, lockdep report, KASAN report or oops while the tests run
# fails the tier even if every case passed (the raw log starts counting at
# the first KTAP header, after boot-time noise such as UML's virt-pci WARN).
raw=$builddir/test.log
# The Arc suite provokes lab_arc_warn() on purpose (saturation, misuse) and
# checks its event counters; those warnings, and only they, come from
# refcount/arc.c (its one WARN site), so they are expected.
splat_re='WARNING:|BUG:|Oops|possible recursive locking|circular locking|inconsistent lock state|KASAN:|UBSAN:|general protection|sleeping function called'
splats=0
if [ -f "$raw" ]; then
	splats=$(sed -n '/K\?TAP version/,$p' "$raw" | grep -E "$splat_re" |
		 grep -vc 'locklab/refcount/arc\.c:' || true)
fi

# kunit.py's summary line: "Ran N tests: passed: P, failed: F, skipped: S,
# crashed: C, errors: E" (absent fields are zero).
summary=$(grep -E 'Ran [0-9]+ tests?' "$log" | tail -n 1 || true)
field() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
p=$(field passed); f=$(field failed); s=$(field skipped)
c=$(field crashed); e=$(field errors)
f=$((f + c + e))
if [ -z "$summary" ]; then
	f=$((f + 1))	# no results at all: the build or the boot failed
	echo "kunit $tag: no test results (see $log)"
fi
if [ "$splats" -gt 0 ]; then
	f=$((f + 1))
	echo "kunit $tag: $splats kernel warning/report lines while testing (see $raw):"
	sed -n '/K\?TAP version/,$p' "$raw" | grep -E -A8 "$splat_re" |
		grep -v 'locklab/refcount/arc\.c:' | head -n 40
fi
echo "kunit $tag: $p passed, $f failed, $s skipped"
[ "$rc" -eq 0 ] && [ "$f" -eq 0 ]
