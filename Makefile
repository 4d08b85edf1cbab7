# hsmon top-level Makefile.
#
#   make                 build module/hsmon.ko for the running kernel, and cli/hsmon
#   make module          the module only (KERNELDIR=... for another kernel tree,
#                        BUILDDIR=d to build a copy of the sources in d)
#   make cli             the hsmon command-line tool only (needs libmnl-dev)
#   make install         install the module (extra/, depmod) and the tool
#   make check           the whole test suite in QEMU, on the stock, PREEMPT_RT and
#                        debug kernels (installs and builds what it needs)
#   make check-one       KVER=... [TEST=...]: one kernel (KVER=debug: the debug
#                        one), one test
#   make demo            a guest with hsmon loaded, real handshakes, /proc/hsmon
#   make bench           benchmarks against no module and nf_conntrack, in QEMU
#                        (stock 6.1): writes BENCHMARKS.md (see scripts/bench.sh)
#   make shell           an interactive guest shell with hsmon loaded
#   make spec-check      the uapi header agrees with netlink/hsmon.yaml
#   make debug-kernel    build (cached) and install the KASAN/lockdep/kmemleak kernel

KERNELRELEASE ?= $(shell uname -r)
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build
BUILDDIR ?=

SOURCES := Kbuild $(wildcard module/*.c module/*.h module/selftest/*.c module/Kbuild include/uapi/linux/*.h)

.PHONY: all module cli install uninstall clean check check-one demo shell help spec-check \
	debug-kernel bench

all: module cli

cli:
	$(MAKE) -C cli

debug-kernel:
	bash scripts/debug-kernel.sh

spec-check:
	/usr/bin/python3 scripts/spec-check.py netlink/hsmon.yaml include/uapi/linux/hsmon.h

install: module cli
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KERNELRELEASE)
	$(MAKE) -C cli install

uninstall:
	rm -f /lib/modules/$(KERNELRELEASE)/extra/module/hsmon.ko
	depmod -a $(KERNELRELEASE)
	$(MAKE) -C cli uninstall

ifeq ($(BUILDDIR),)
module:
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) modules
else
module:
	@mkdir -p $(BUILDDIR)
	@tar cf - $(SOURCES) | tar xf - -C $(BUILDDIR)
	$(MAKE) -C $(KERNELDIR) M=$(abspath $(BUILDDIR)) modules
endif

clean:
	$(MAKE) -C $(KERNELDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C cli clean
	rm -rf build

check:
	bash scripts/check.sh

# Fast loops: one kernel (KVER=...), one test (TEST=name).
check-one:
	bash scripts/check.sh $(if $(KVER),--kernel $(KVER)) $(if $(TEST),--test $(TEST))

demo:
	bash scripts/demo.sh

bench:
	bash scripts/bench.sh

shell:
	bash scripts/shell.sh

help:
	@sed -n '3,18p' Makefile
