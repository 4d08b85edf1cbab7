# hsmon top-level Makefile.
#
#   make                 build module/hsmon.ko for the running kernel
#   make KERNELDIR=...   build against another kernel tree
#   make BUILDDIR=d ...  build a copy of the sources in d (one per kernel)
#   make check           the whole test suite in QEMU (installs what it needs)
#   make demo            a guest with hsmon loaded, real handshakes, /proc/hsmon
#   make shell           an interactive guest shell with hsmon loaded

KERNELRELEASE ?= $(shell uname -r)
KERNELDIR ?= /lib/modules/$(KERNELRELEASE)/build
BUILDDIR ?=

SOURCES := Kbuild $(wildcard module/*.c module/*.h module/selftest/*.c module/Kbuild include/uapi/linux/*.h)

.PHONY: all module clean check check-one demo shell help

all: module

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
	rm -rf build

check:
	bash scripts/check.sh

# Fast loops: one kernel (KVER=...), one test (TEST=name).
check-one:
	bash scripts/check.sh $(if $(KVER),--kernel $(KVER)) $(if $(TEST),--test $(TEST))

demo:
	bash scripts/demo.sh

shell:
	bash scripts/shell.sh

help:
	@sed -n '3,9p' Makefile
