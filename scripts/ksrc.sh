#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of the cached linux-source-6.1 tree, extracting it first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
mkdir -p "$LOCKLAB_CACHE"
# Only take the build lock when the tree must be (re)extracted.
ksrc_current || (with_kbuild_lock; ksrc_ensure)
echo "$KSRC"
