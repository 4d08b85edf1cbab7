# hsmon top-level Makefile.
#
#   make                 build module/hsmon.ko for the running kernel, and cli/hsmon
#   make module          the module only (KERNELDIR=... for another kernel tree,
#                        BUILDDIR=d to build a copy of the sources in d)
#   make cli             the hsmon command-line tool only (needs libmnl-dev)
#   make install         install what make built: the module
#                        (/lib/modules/KVER/extra/hsmon.ko, depmod), the tool
#                        and its man pages hsmon(8), hsmon(4) under PREFIX
#                        (/usr/local); make uninstall removes them
#   make dkms-install    copy the module's sources to /usr/src/hsmon-VERSION for
#                        dkms add/build/install (README); make dkms-uninstall
#                        runs dkms remove and deletes every such copy
#   make version         print VERSION (scripts/version.sh: git describe, or
#                        the VERSION file)
#   make lint            checkpatch --strict, sparse (C=2) and W=1 on every
#                        kernel, the userspace with -Werror, cppcheck
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

srcdir := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

KERNELRELEASE ?= $(shell uname -r)
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build
# The release the module is built for, from the tree itself: KERNELDIR may
# name another kernel than the running one. UTS_RELEASE, not
# include/config/kernel.release: Debian's 6.1 headers say 6.1.176 there.
# (Not KVER: make check-one takes that.)
modkver := $(or $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KERNELDIR)/include/generated/utsrelease.h 2>/dev/null),$(KERNELRELEASE))
BUILDDIR ?=
DESTDIR ?=
PREFIX ?= /usr/local
DEPMOD ?= depmod

# One version for the module, the tool, the man pages and dkms.conf: passed
# to the sub-makes on their command lines, not exported (make check would
# carry it into every make it runs, tarball copies' included).
ifeq ($(origin HSMON_VERSION),undefined)
HSMON_VERSION := $(shell sh $(srcdir)/scripts/version.sh $(srcdir))
endif

# Where the module and the tool are built: the sources, or BUILDDIR.
objdir := $(if $(BUILDDIR),$(abspath $(BUILDDIR)),$(srcdir))
# Built, installed and cleaned with M= on module/ itself (module/Kbuild), so
# that modules_install puts it in extra/hsmon.ko, not extra/module/hsmon.ko.
# The top-level Kbuild is for a bare `make -C $KERNELDIR M=$PWD`.
kmake = $(MAKE) -C $(KERNELDIR) M=$(objdir)/module HSMON_VERSION=$(HSMON_VERSION)
climake = $(MAKE) -C $(objdir)/cli -f $(srcdir)/cli/Makefile PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
	HSMON_VERSION=$(HSMON_VERSION)

# Distribution kernels ship no signing key: modules_install would try
# scripts/sign-file with a key that is not there and print SSL errors.
sigkey = $(shell sed -n 's/^CONFIG_MODULE_SIG_KEY="\(.*\)"$$/\1/p' $(KERNELDIR)/.config 2>/dev/null)
nosign = $(if $(sigkey),$(if $(wildcard $(sigkey) $(KERNELDIR)/$(sigkey)),,CONFIG_MODULE_SIG_ALL=))

SOURCES := Kbuild $(filter-out %.mod.c,$(wildcard module/*.c module/*.h module/selftest/*.c \
	module/Kbuild include/uapi/linux/*.h))
# What DKMS builds from: the module's sources and what its build reads.
DKMS_SOURCES := $(SOURCES) Makefile scripts/version.sh
DKMS_SRC := /usr/src

.PHONY: all module cli install uninstall dkms-install dkms-uninstall version lint \
	clean check check-one demo shell help spec-check debug-kernel bench

all: module cli

ifeq ($(BUILDDIR),)
module:
	+$(kmake) modules
else
module:
	@mkdir -p $(BUILDDIR)
	@cd $(srcdir) && tar cf - $(SOURCES) | tar xf - -C $(objdir)
	+$(kmake) modules
endif

cli:
	@mkdir -p $(objdir)/cli
	+$(climake)

version:
	@echo $(HSMON_VERSION)

# As the kernel's modules_install: install what make built. What is not
# built yet, or older than its sources, is built first.
$(objdir)/module/hsmon.ko: $(SOURCES)
	+$(MAKE) -f $(srcdir)/Makefile module
$(objdir)/cli/hsmon: $(wildcard cli/*.c cli/*.h cli/Makefile)
	+$(MAKE) -f $(srcdir)/Makefile cli

install: $(objdir)/module/hsmon.ko $(objdir)/cli/hsmon
	+$(kmake) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=extra $(nosign) modules_install
	$(if $(DESTDIR),,$(DEPMOD) -a $(modkver))
	+$(climake) install

uninstall:
	rm -f $(foreach d,extra extra/module,$(foreach f,hsmon.ko hsmon.ko.xz hsmon.ko.zst hsmon.ko.gz, \
		$(DESTDIR)/lib/modules/$(modkver)/$(d)/$(f)))
	$(if $(DESTDIR),,$(DEPMOD) -a $(modkver))
	$(MAKE) -f $(srcdir)/cli/Makefile PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) uninstall

# Then: dkms add/build/install -m hsmon -v $(HSMON_VERSION). The copy has no
# .git: its VERSION file says the whole version, which the build reads back.
dkms-install:
	rm -rf $(DESTDIR)$(DKMS_SRC)/hsmon-$(HSMON_VERSION)
	mkdir -p $(DESTDIR)$(DKMS_SRC)/hsmon-$(HSMON_VERSION)
	cd $(srcdir) && tar cf - $(DKMS_SOURCES) | tar xf - -C $(DESTDIR)$(DKMS_SRC)/hsmon-$(HSMON_VERSION)
	echo $(HSMON_VERSION) >$(DESTDIR)$(DKMS_SRC)/hsmon-$(HSMON_VERSION)/VERSION
	sed 's/@VERSION@/$(HSMON_VERSION)/' $(srcdir)/dkms.conf \
		>$(DESTDIR)$(DKMS_SRC)/hsmon-$(HSMON_VERSION)/dkms.conf
	@echo "now: dkms install -m hsmon -v $(HSMON_VERSION)   (adds, builds and installs)"

# Every version, not only this one: a commit changes what VERSION says.
dkms-uninstall:
	@for v in $$(dkms status -m hsmon 2>/dev/null | sed -n 's|^hsmon/\([^,:]*\)[,:].*|\1|p' | sort -u); do \
		echo "dkms remove -m hsmon -v $$v --all"; \
		dkms remove -m hsmon -v "$$v" --all || exit 1; \
	done
	@for d in $(DESTDIR)$(DKMS_SRC)/hsmon-*/; do \
		! grep -qs '^PACKAGE_NAME="hsmon"' "$$d/dkms.conf" || { echo "rm -rf $$d"; rm -rf "$$d"; }; \
	done

lint:
	bash $(srcdir)/scripts/lint.sh

debug-kernel:
	bash scripts/debug-kernel.sh

spec-check:
	/usr/bin/python3 scripts/spec-check.py netlink/hsmon.yaml include/uapi/linux/hsmon.h

clean:
	+$(kmake) clean 2>/dev/null || true
	rm -f Module.symvers modules.order .Module.symvers.cmd .modules.order.cmd
	[ ! -f cli/Makefile ] || $(MAKE) -C cli clean
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
	@sed -n '3,/^$$/{/^$$/d;s/^# \{0,1\}//;p}' $(srcdir)/Makefile
