#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo: boot Debian's kernel in QEMU (TCG, 2 vCPUs), load locklab.ko and
# run the in-kernel benchmark of every variant of every kind next to the
# kernel's own primitive, printing one table per kind, and end with a short
# run of every experiment (locklab lab all).
#
#   DEMO_MS=500 DEMO_THREADS=2 DEMO_HOLD_NS=0 DEMO_LAB_ROUNDS=50000 scripts/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$LOCKLAB_TOP"
scripts/deps.sh >/dev/null
make -s -j"$JOBS" modules tools
ms=${DEMO_MS:-500}
threads=${DEMO_THREADS:-2}
hold=${DEMO_HOLD_NS:-0}
lab_rounds=${DEMO_LAB_ROUNDS:-50000}
echo "locklab demo: booting Debian's kernel in QEMU (TCG, 2 vCPUs); this takes ~10 s plus the runs"
rc=0
scripts/vm.sh --timeout 600 --file tools/locklab -- sh -c "
	locklab version && echo &&
	for kind in \$(locklab list | awk 'NR > 1 { print \$1 }' | uniq); do
		[ \$kind = condvar ] && continue
		echo \"== \$kind: in-kernel benchmark (kthreads)\"
		locklab bench --quiet --kind \$kind --broken --threads $threads --ms $ms --hold-ns $hold || exit 1
		echo
		[ \$kind = arc ] || [ \$kind = channel ] || [ \$kind = rcu ] || [ \$kind = seqlock ] && continue
		echo \"== \$kind: userspace stress through /dev/locklab (pthreads, HOLD ioctls)\"
		locklab stress --quiet --kind \$kind --threads $threads --ms $ms --hold-ns $hold || exit 1
		echo
	done &&
	echo \"== experiments (locklab lab all, short runs; locklab lab --help NAME)\" &&
	locklab lab all --rounds $lab_rounds" >build/demo.out 2>&1 || rc=$?
sed -n '/^locklab ABI/,/^LOCKLAB-VM: ---- kernel log/p' build/demo.out | sed '$d'
exit $rc
