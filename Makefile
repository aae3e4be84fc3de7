# SPDX-License-Identifier: GPL-2.0
#
# RRAIM: the kernel module (out of tree, see Kbuild), the memory server, the
# tools and the test suite.
#
#   make                 module + server + tools
#   make server          rraim-server, and the test tools of tools/rogue
#                        built from its sources (never installed)
#   make KDIR=...        build the module against another kernel tree
#   make check           the whole suite (host tests, static checks, VM tests)
#   make install         module, server, rraimctl, units, configuration
#                        examples, man pages; DESTDIR= and PREFIX= (and
#                        SBINDIR, SYSCONFDIR, UNITDIR, MANDIR) are honoured
#   make uninstall       the same, removed
#   make dkms-install    the module's sources to $(DESTDIR)/usr/src/rraim-VERSION
#                        for "dkms install rraim/VERSION" (dkms-uninstall)

# The kernel to build for: the running one when its build tree is there,
# else the one Debian's linux-headers-amd64 points at (containers, CI).
ifeq ($(origin KVER),undefined)
  ifneq ($(wildcard /lib/modules/$(shell uname -r)/build),)
    KVER := $(shell uname -r)
  else
    KVER := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
		sed -e 's/^linux-headers-//' -e 's/[ ,].*//')
  endif
endif
ifneq ($(wildcard /lib/modules/$(KVER)/build),)
  KDIR ?= /lib/modules/$(KVER)/build
else
  KDIR ?= /usr/src/linux-headers-$(KVER)
endif

PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
# Units under PREFIX like the server's (/usr/local/lib/systemd/system is in
# systemd's search path; PREFIX=/usr for packages gives /usr/lib/...).
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man

# The package's version, one place: dkms.conf.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
DKMS_SRC = /usr/src/rraim-$(VERSION)
# What Kbuild needs to build the module outside this tree (dkms-install).
# (not Kbuild's products: rraim_blk.mod.c matches rraim_*.c)
MODULE_SRCS = Kbuild dkms.conf COPYING \
	$(sort $(filter-out %.mod.c,$(wildcard rraim_*.c rraim*.h)))
MODULE_BLK_SRCS = $(sort $(wildcard blk/rraim_*.c))

INSTALL_DIRS = DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) \
	       SYSCONFDIR=$(SYSCONFDIR) UNITDIR=$(UNITDIR)

.PHONY: all module server workloads rraimctl clean check install \
	install-module uninstall dkms-install dkms-uninstall

all: module server workloads rraimctl

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': install linux-headers-amd64 or set KDIR"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

server:
	$(MAKE) -C server
	$(MAKE) -C tools/rogue

workloads:
	$(MAKE) -C tools/workloads

rraimctl:
	$(MAKE) -C rraimctl SYSCONFDIR=$(SYSCONFDIR)

check:
	tools/check

install: all install-module
	$(MAKE) -C server install $(INSTALL_DIRS)
	$(MAKE) -C rraimctl install $(INSTALL_DIRS) MANDIR=$(MANDIR)

# The module goes to $(DESTDIR)/lib/modules/$(KVER)/extra.  Kbuild's own
# depmod is disabled (DEPMOD=true): it runs only when the kernel tree has a
# System.map (Debian's headers have none: it skips with a warning), and
# with DESTDIR it would index a staged tree that lacks the kernel's modules
# (failing, or writing a modules.dep that knows none of them).  depmod runs
# below instead: on the system (no DESTDIR), or on a DESTDIR that is a
# whole root with the kernel's module index (an image being built), so
# that "modprobe rraim" finds the module and its RDMA dependencies; a
# package staging tree is left for the package's own depmod.  Signing is
# skipped when the kernel tree has no signing key (distribution headers):
# it could only fail.
MODSIGN = $(if $(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=)
# The same place and form on every kernel: 6.12's Kbuild would install an
# external module as updates/rraim.ko.xz (6.1's as extra/rraim.ko), and
# uninstall removes extra/rraim.ko.
NOCOMPRESS = CONFIG_MODULE_COMPRESS_GZIP= CONFIG_MODULE_COMPRESS_XZ= \
	CONFIG_MODULE_COMPRESS_ZSTD=

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true \
		INSTALL_MOD_DIR=extra $(NOCOMPRESS) $(MODSIGN) modules_install
	@$(RUN_DEPMOD)

RUN_DEPMOD = if [ -z "$(DESTDIR)" ]; then \
		echo "depmod -a $(KVER)"; depmod -a $(KVER); \
	elif [ -e "$(DESTDIR)/lib/modules/$(KVER)/modules.dep" ]; then \
		echo "depmod -b $(DESTDIR) -a $(KVER)"; \
		depmod -b "$(DESTDIR)" -a $(KVER); \
	else \
		echo "depmod skipped: $(DESTDIR) has no module index of $(KVER) (run 'depmod -a $(KVER)' on the target)"; \
	fi

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/rraim.ko \
		$(DESTDIR)/lib/modules/$(KVER)/extra/rraim_blk.ko
	@$(RUN_DEPMOD)
	$(MAKE) -C server uninstall $(INSTALL_DIRS)
	$(MAKE) -C rraimctl uninstall $(INSTALL_DIRS) MANDIR=$(MANDIR)

# DKMS builds from /usr/src/rraim-VERSION with dkms.conf's MAKE line:
#   make dkms-install && dkms install rraim/$(VERSION) && modprobe rraim
dkms-install:
	install -d $(DESTDIR)$(DKMS_SRC)
	install -m 0644 $(MODULE_SRCS) $(DESTDIR)$(DKMS_SRC)/
	install -d $(DESTDIR)$(DKMS_SRC)/blk
	install -m 0644 $(MODULE_BLK_SRCS) $(DESTDIR)$(DKMS_SRC)/blk/
	@echo "sources in $(DESTDIR)$(DKMS_SRC): now 'dkms install rraim/$(VERSION)'"

dkms-uninstall:
	rm -rf $(DESTDIR)$(DKMS_SRC)

# The module's products only: Kbuild's own "clean" of an external module
# deletes every *.o, *.a and *.ko under M=, which here includes the test
# bed's unpacked kernels (build/cache).
MODULE_PRODUCTS = *.o *.ko *.mod *.mod.c .*.cmd .*.d Module.symvers \
	blk/*.o blk/.*.cmd \
	modules.order tests/kunit/*.o tests/kunit/.*.cmd tests/kunit/*.mod \
	tests/kunit/*.mod.c

clean:
	rm -f $(MODULE_PRODUCTS)
	$(MAKE) -C server clean
	$(MAKE) -C tools/rogue clean
	$(MAKE) -C tools/workloads clean
	$(MAKE) -C rraimctl clean
