# SPDX-License-Identifier: GPL-2.0
#
# locklab: build, test and style targets for humans. Kbuild (not this file)
# is what the kernel build reads.
#
#   make              build locklab.ko against KDIR (W=1)
#   make demo         boot Debian's kernel in QEMU, run the benchmark table
#   make bench        the full benchmark sweep in QEMU: build/bench/report.md,
#                     SVG plots and raw JSON (scripts/bench.sh, ~8 min)
#   make bench-readme put the headline and bare-CPU tables of the last make
#                     bench into the README (between its "make bench" markers)
#   make bench-book   the book's chapter 9 mutex benchmarks, in-kernel and
#                     through the device: build/bench/book-ch9.md
#   make check        every test tier, ending with "N passed, N failed"
#   make style        checkpatch --strict on every source file
#   make sparse       sparse (C=2) over the module
#   make coccicheck   coccinelle's kernel semantic patches over the module
#   make tools        the static locklab CLI (tools/locklab)
#   make selftests    the static kselftest programs (selftests/out/)
#   make kunit-um | kunit-x86_64 | kunit-arm64   one KUnit tier (x86_64: the
#                     6.12 debug kernel; arm64: KCSAN, -cpu max)
#   make install      modules_install + depmod, and the CLI with its man page
#                     and bash completion under PREFIX (/usr/local)

SHELL := /bin/bash
TOP := $(CURDIR)
KDIR ?= $(shell . scripts/lib.sh; kdir_default)
KSRC = $(shell scripts/ksrc.sh)
W ?= 1
CC_USER ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -static -pthread \
	       -I$(TOP)/include/uapi

SRCS := $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]')

.PHONY: all modules clean install tools selftests check demo style sparse \
	coccicheck kunit-um kunit-x86_64 kunit-arm64 vm-selftests bench \
	bench-readme bench-book

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run scripts/deps.sh" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=$(W) LOCKLAB_WERROR=y modules

clean:
	@if [ -n "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(TOP) clean; fi
	rm -rf build selftests/out tools/locklab

PREFIX ?= /usr/local
DESTDIR ?=

install: modules tools
	$(MAKE) -C $(KDIR) M=$(TOP) modules_install
	depmod -a
	install -D -m 0755 tools/locklab $(DESTDIR)$(PREFIX)/bin/locklab
	install -D -m 0644 tools/locklab.1 $(DESTDIR)$(PREFIX)/share/man/man1/locklab.1
	install -D -m 0644 tools/locklab.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/locklab

tools: tools/locklab

CLI_SRCS := $(wildcard tools/*.c)

tools/locklab tools/locklab-arm64: $(CLI_SRCS) tools/locklab.h \
		tools/include/locklab_user.h include/uapi/linux/locklab.h
	$(CC_USER) $(USER_CFLAGS) -I$(TOP)/tools/include -o $@ $(CLI_SRCS) -lm

selftests:
	$(MAKE) -C selftests KSRC=$(KSRC) CC=$(CC_USER)

check:
	scripts/check.sh

demo:
	scripts/demo.sh

bench:
	scripts/bench.sh

bench-readme:
	python3 scripts/bench-readme.py

bench-book:
	scripts/book-ch9.py

# The kernels of make check's kunit tiers (scripts/check.sh), so both share
# their builds: x86_64 is the 6.12 debug kernel, arm64 the KCSAN one.
kunit-um:
	scripts/kunit.sh um
kunit-x86_64:
	scripts/kunit.sh x86_64 --source 6.12 --config kunit/debug.config --name debug
kunit-arm64:
	scripts/kunit.sh arm64 --config kunit/kcsan.config --name kcsan

vm-selftests: modules tools selftests
	scripts/vm-selftests.sh

style:
	scripts/style.sh

# The same W= and LOCKLAB_WERROR as modules: kbuild then keeps the objects
# (C=2 runs sparse over every file anyway), and the next modules build
# does not compile them all again either.
sparse:
	@test -n "$(KDIR)" || { echo "no kernel build tree: run scripts/deps.sh" >&2; exit 1; }
	@mkdir -p build
	set -o pipefail; $(MAKE) -C $(KDIR) M=$(TOP) W=$(W) LOCKLAB_WERROR=y C=2 \
		CF="-D__CHECK_ENDIAN__" \
		modules 2>&1 | tee build/sparse.log
	! grep -E '(warning|error):' build/sparse.log

coccicheck:
	$(MAKE) -C $(KDIR) M=$(TOP) coccicheck MODE=report
