#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the full in-kernel benchmark sweep. Boots Debian's kernel in
# QEMU (TCG, 2 vCPUs, scripts/vm.sh), loads locklab.ko and runs
# `locklab bench --json` for every kind of `locklab list` (condvar has no
# benchmark of its own), every variant and the kernel's own primitive, at
# 1, 2 and 4 threads, with a hold time of 0 and of BENCH_HOLD_NS inside the
# section (lock kinds; the other kinds take no hold time; rcu runs once
# with its updater busy and once paced, sleeping BENCH_RCU_GAP_NS, default
# 100000, after each update: the report's kind "rcu-paced"). The CLI
# interleaves: each of the BENCH_REPEAT repetitions runs every variant once,
# the kernel's among them, so every ratio is taken within one repetition.
# A second pass repeats the lock kinds with --times for the wait times (the
# clock read around every lock costs throughput, so the rates come from the
# first pass only).
#
# Writes build/bench/raw/*.json (schema locklab-bench/1, as the CLI prints
# it), build/bench/report.md and SVG plots (gnuplot), made and checked by
# scripts/bench-report.py: a JSON that does not parse, a row with an error,
# a gnuplot error or an SVG that is not well formed fails the run.
#
#   BENCH_REPEAT=5 BENCH_MS=400 BENCH_THREADS=1,2,4 BENCH_HOLD_NS=300
#   BENCH_RCU_GAP_NS=100000
#   BENCH_WAIT_REPEAT=3 BENCH_WAIT_MS=300 BENCH_KINDS="spin mutex" (or all)
#   BENCH_OUT=build/bench BENCH_TIMEOUT=1500 BENCH_CPU=qemu64,hypervisor=off
#   BENCH_BIND=1 scripts/bench.sh
#
# BENCH_BIND=1 (the default) runs the lock kinds' benchmarks with --bind:
# thread i on CPU i modulo the CPUs, as the arc, rcu and seqlock benchmarks
# always are (the channel benchmark takes no flags: its threads stay
# unbound). Unbound, the scheduler sometimes puts two lock threads on one vCPU,
# where they never hand over across CPUs, and a lock's repetitions split
# into two regimes up to 4x apart (MCS: 1.4 M and 6.3 M acquisitions/s in
# one run); bound, they measure cross-CPU hand-overs every time.
# BENCH_BIND=0 leaves placement to the scheduler.
#
# BENCH_CPU is the x86-64 guest's QEMU -cpu. Its default hides the
# hypervisor bit: a Linux guest that sees one and has no paravirt spin
# locks (TCG offers none) replaces the slow path of every spinlock_t with
# a test-and-set loop (virt_spin_lock(), arch/x86/include/asm/qspinlock.h),
# so the "qspinlock" baseline would not be one. BENCH_CPU=qemu64 measures
# the kernel as a guest runs it; the report names which one it saw.
#
# The bare-CPU rows come first (BENCH_BARE=1, 0 in the smoke): the
# locklab_bare KUnit suite (kunit/bare_test.c) in the UML KUnit kernel
# (scripts/kunit.sh um, which builds it if it is not built: about 5 min
# the first time), BENCH_BARE_ITERS pairs per row and round (default
# 1048576): every variant and kernel baseline uncontended, natively on the
# host CPU, next to the floor of one atomic RMW and one release store. The
# report's "Bare CPU" table comes from it (the run writes
# build/kunit-um.log and .raw.log, as the kunit-um tier does, and
# $out/bare-raw.log). The smoke leaves it out (the
# kunit-um tier runs the suite and checks that the report parses it).
#
# BENCH_LOAD=N: the loaded-host sweep. N host processes busy-loop from the
# guest's boot to its end, pinned (taskset) to the last CPU this run may
# use, so one of the two vCPU threads shares its core: what a fair lock
# pays when the next waiter in line is a vCPU the host has descheduled.
# The report says so, and on which CPU.
#
# BENCH_SMOKE=1: the make check tier (bench-smoke): spin and channel,
# --repeat 1, --ms 20, threads 1,2, into build/bench-smoke. Progress goes to
# stderr when it is a terminal. The smoke also puts its headline into a copy
# of the README (scripts/bench-readme.py, what make bench-readme runs on the
# README itself) and checks that it landed there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"

smoke=${BENCH_SMOKE:-0}
case $smoke in 0|1) ;; *) die "bench: BENCH_SMOKE is 0 or 1, not '$smoke'" ;; esac
if [ "$smoke" = 1 ]; then
	repeat=${BENCH_REPEAT:-1} ms=${BENCH_MS:-20} threads=${BENCH_THREADS:-1,2}
	wrepeat=${BENCH_WAIT_REPEAT:-1} wms=${BENCH_WAIT_MS:-20}
	kinds=${BENCH_KINDS:-"spin channel"} out=${BENCH_OUT:-build/bench-smoke}
	timeout=${BENCH_TIMEOUT:-300}
else
	repeat=${BENCH_REPEAT:-5} ms=${BENCH_MS:-400} threads=${BENCH_THREADS:-1,2,4}
	wrepeat=${BENCH_WAIT_REPEAT:-3} wms=${BENCH_WAIT_MS:-300}
	kinds=${BENCH_KINDS:-all} out=${BENCH_OUT:-build/bench}
	timeout=${BENCH_TIMEOUT:-1500}
	scripts/deps.sh >/dev/null
fi
cpu=${BENCH_CPU-qemu64,hypervisor=off}
[[ $cpu =~ ^[A-Za-z0-9_.,=+-]*$ ]] || die "bench: BENCH_CPU '$cpu' is not a QEMU -cpu string"
hold=${BENCH_HOLD_NS:-300}
rcu_gap=${BENCH_RCU_GAP_NS:-100000}
load=${BENCH_LOAD:-0}
bind=${BENCH_BIND:-1}
case $bind in 0) bindopt= ;; 1) bindopt=--bind ;;
*) die "bench: BENCH_BIND is 0 or 1, not '$bind'" ;; esac
bare=${BENCH_BARE:-$((1 - smoke))} bare_iters=${BENCH_BARE_ITERS:-1048576}
for v in "$repeat" "$ms" "$wrepeat" "$wms" "$hold" "$timeout" "$load" \
	 "$bare" "$bare_iters"; do
	[[ $v =~ ^[0-9]+$ ]] || die "bench: '$v' is not a number"
done
[[ $rcu_gap =~ ^[0-9]+$ ]] && [ "$rcu_gap" -ge 1 ] && [ "$rcu_gap" -le 1000000 ] ||
	die "bench: BENCH_RCU_GAP_NS is 1..1000000, not '$rcu_gap'"

[ "$bare_iters" -ge 1 ] && [ "$bare_iters" -le 67108864 ] ||
	die "bench: BENCH_BARE_ITERS is 1..67108864 (locklab.bare_iters), not $bare_iters"
[[ $threads =~ ^[0-9]+(,[0-9]+)*$ ]] || die "bench: BENCH_THREADS '$threads' is not N,N,..."
command -v gnuplot >/dev/null || die "gnuplot missing (gnuplot-nox): run scripts/deps.sh"
command -v python3 >/dev/null || die "python3 missing: run scripts/deps.sh"

make -s -j"$JOBS" modules tools
rm -rf "$out"
mkdir -p "$out/raw"

bare_args=()
if [ "$bare" != 0 ]; then
	echo "bench: bare-CPU rows under UML (locklab_bare, $bare_iters pairs per row" \
		"and round; builds the UML KUnit kernel first if needed)" >&2
	scripts/kunit.sh um -- --kernel_args="locklab.bare_iters=$bare_iters" \
		'locklab_bare' >"$out/bare-kunit.log" 2>&1 || {
		tail -n 30 "$out/bare-kunit.log" >&2
		die "bench: the locklab_bare run under UML failed (see $out/bare-kunit.log)"
	}
	cp build/kunit-um.raw.log "$out/bare-raw.log"
	bare_args=(--bare "$out/bare-raw.log")
fi

# The guest's side: plan the steps, then one `locklab bench` per step, each
# JSON on one line between markers the host picks out of the console.
cat >"$out/guest.sh" <<GUEST
kinds="$kinds" threads=$threads hold=$hold rcu_gap=$rcu_gap
repeat=$repeat ms=$ms wrepeat=$wrepeat wms=$wms bindopt=$bindopt
GUEST
cat >>"$out/guest.sh" <<'GUEST'
nthr=$(echo "$threads" | tr ',' '\n' | wc -l)
# What the guest's spinlock_t is (see BENCH_CPU in scripts/bench.sh).
hv=no
grep -qw hypervisor /proc/cpuinfo && hv=yes
echo "LOCKLAB-BENCH-HYPERVISOR $hv $(uname -m)"
locklab list >/tmp/list || exit 1
plan=
for k in $(awk 'NR > 1 { print $1 }' /tmp/list | uniq); do
	[ "$k" = condvar ] && continue
	[ "$kinds" = all ] || case " $kinds " in *" $k "*) ;; *) continue ;; esac
	n=$(awk -v k="$k" '$1 == k && $2 != "oneshot" && !/broken/' /tmp/list | wc -l)
	case $k in
	arc|channel|seqlock) plan="$plan rate:$k:0:$n" ;;
	# rcu twice: the updater busy, and paced (g: --gap-ns, its sleep
	# after each update), where every variant's readers see the same
	# stream of updates (bench/rcubench.c).
	rcu) plan="$plan rate:$k:0:$n rate:$k:g$rcu_gap:$n" ;;
	*) plan="$plan rate:$k:0:$n rate:$k:$hold:$n"
	   wplan="${wplan:-} wait:$k:0:$n wait:$k:$hold:$n" ;;
	esac
done
plan="$plan ${wplan:-}"
steps=0 weight=0
for s in $plan; do
	n=${s##*:}
	case $s in
	rate:*) weight=$((weight + n * nthr * repeat * ms)) ;;
	*) weight=$((weight + n * nthr * wrepeat * wms)) ;;
	esac
	steps=$((steps + 1))
done
echo "LOCKLAB-BENCH-PLAN $steps $weight"
i=0 fail=0
for s in $plan; do
	IFS=: read -r pass k h n <<EOF
$s
EOF
	i=$((i + 1))
	if [ "$pass" = rate ]; then
		w=$((n * nthr * repeat * ms)) opt="--repeat $repeat --ms $ms"
	else
		w=$((n * nthr * wrepeat * wms)) opt="--repeat $wrepeat --ms $wms --times"
	fi
	echo "LOCKLAB-BENCH-STEP $i $steps $pass $k $h $w"
	case $h in
	g*) opt="$opt --hold-ns 0 --gap-ns ${h#g}" ;;
	*) opt="$opt --hold-ns $h" ;;
	esac
	# Only the lock kinds take --bind: arc, rcu and seqlock always bind,
	# the channel benchmark takes no flags.
	case $k in arc|channel|rcu|seqlock) ;; *) opt="$opt $bindopt" ;; esac
	# shellcheck disable=SC2086
	json=$(locklab bench --quiet --json --kind "$k" --threads "$threads" \
		$opt)
	rc=$?
	echo "LOCKLAB-BENCH-JSON $pass $k $h $json"
	echo "LOCKLAB-BENCH-RC $pass $k $h $rc"
	[ $rc -eq 0 ] || fail=1
done
echo "LOCKLAB-BENCH-DONE $(cut -d' ' -f1 /proc/uptime)"
exit $fail
GUEST

# Host side: the console goes to vm.log; progress (step, kind, what is
# left) goes to stderr, redrawn in place, when stderr is a terminal.
tty=0
[ -t 2 ] && tty=1
progress() {
	[ $tty = 1 ] && printf '\r\033[K%s' "$*" >&2
	return 0
}
# BENCH_LOAD: the busy loops start once the guest has booted, not while
# vm.sh waits for the VM lock (they would load another run's guest), and
# stop when its console ends; their pids are in $out/loaders, so the EXIT
# trap stops them too. They run on the last CPU this run may use.
start_load() {
	local lcpu pid
	lcpu=$(awk '/^Cpus_allowed_list:/ {
		n = split($2, r, ","); m = split(r[n], e, "-"); print e[m] }' /proc/self/status)
	for _ in $(seq "$load"); do
		taskset -c "$lcpu" sh -c 'while :; do :; done' &
		echo $! >>"$out/loaders"
	done
	sleep 0.2
	for pid in $(cat "$out/loaders"); do
		kill -0 "$pid" 2>/dev/null ||
			echo "a busy loop on host CPU $lcpu did not start" >"$out/load-failed"
	done
	progress ""
	echo "bench: $load host process(es) busy-looping on host CPU $lcpu (BENCH_LOAD)" >&2
	echo "$lcpu" >"$out/load-cpu"
}
stop_load() {
	[ -s "$out/loaders" ] || return 0
	# shellcheck disable=SC2046 # one pid per word
	kill $(cat "$out/loaders") 2>/dev/null || true
	: >"$out/loaders"
}
follow() {
	local total=1 done_w=0 t0=0 booted=0 left line
	local i steps pass k h w
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$out/vm.log"
		case $line in
		"LOCKLAB-VM: booted"*)
			booted=$SECONDS
			echo "$booted" >"$out/booted"
			[ "$load" -eq 0 ] || start_load
			progress "bench: booted, planning" ;;
		"LOCKLAB-BENCH-PLAN "*)
			read -r _ steps total <<<"$line"
			[ "$total" -gt 0 ] || total=1
			t0=$SECONDS ;;
		"LOCKLAB-BENCH-STEP "*)
			read -r _ i steps pass k h w <<<"$line"
			left=
			if [ "$done_w" -gt 0 ]; then
				left=$(((SECONDS - t0) * (total - done_w) / done_w))
				left=", ~$((left / 60))m$((left % 60))s left"
			fi
			progress "bench: step $i/$steps: $pass $k, hold ${h} ns," \
				"$((100 * done_w / total))% done, $((SECONDS - booted))s in$left"
			done_w=$((done_w + w)) ;;
		"LOCKLAB-BENCH-RC "*)
			read -r _ pass k h w <<<"$line"
			[ "$w" = 0 ] || { progress ""; echo "bench: $pass $k hold $h: exit $w" >&2; } ;;
		"LOCKLAB-BENCH-DONE "*)
			echo "${line##* }" >"$out/uptime"
			progress "" ;;
		esac
	done
	progress ""
	stop_load
}

echo "bench: repeat $repeat x $ms ms (waits: $wrepeat x $wms ms), threads $threads," \
	"holds 0 and $hold ns, kinds: $kinds, lock threads $([ "$bind" = 1 ] && echo bound || echo unbound)" >&2
echo "bench: booting Debian's kernel in QEMU (TCG, 2 vCPUs; waits for the VM lock)" >&2
t_start=$SECONDS
trap stop_load EXIT
set +e
scripts/vm.sh --timeout "$timeout" ${cpu:+--cpu "$cpu"} --file tools/locklab \
	--file "$out/guest.sh:/root/bench.sh" -- sh /root/bench.sh | follow
rc=${PIPESTATUS[0]}
set -e
t_end=$SECONDS
stop_load
[ ! -e "$out/load-failed" ] || die "bench: BENCH_LOAD: $(cat "$out/load-failed")"
booted=$(cat "$out/booted" 2>/dev/null || echo "$t_start")
uptime=$(cat "$out/uptime" 2>/dev/null || echo 0)
echo "bench: the guest ran ${uptime%.*} s (kernel boot included), $((t_end - booted))" \
	"s from its first word to power-off; $((t_end - t_start)) s with the wait for the VM lock" >&2
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$out/vm.log" >&2
	die "bench: the guest run failed (exit $rc; console: $out/vm.log)"
fi
python3 scripts/bench-report.py --log "$out/vm.log" --out "$out" \
	--repeat "$repeat" --ms "$ms" --wait-repeat "$wrepeat" --wait-ms "$wms" \
	--seconds "${uptime%.*}" --load "$load" --bind "$bind" \
	--load-cpu "$(cat "$out/load-cpu" 2>/dev/null || echo -1)" "${bare_args[@]}"
if [ ! -s "$out/report.md" ] || ! compgen -G "$out/*.svg" >/dev/null; then
	die "bench: no report or no plot in $out"
fi
if [ "$smoke" = 1 ]; then
	cp README.md "$out/README.md"
	python3 scripts/bench-readme.py --dir "$out" --readme "$out/README.md"
	grep -q "^The headline of \`make bench\` of commit " "$out/README.md" ||
		die "bench: the headline did not land in $out/README.md"
fi
echo "bench: report $out/report.md, headline $out/headline.md, plots $out/*.svg," \
	"raw JSON $out/raw/" >&2
