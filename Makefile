# SPDX-License-Identifier: GPL-2.0
#
# RRAIM: the kernel module (out of tree, see Kbuild), the memory server, the
# tools and the test suite.
#
#   make                 module + server + tools
#   make KDIR=...        build the module against another kernel tree
#   make check           the whole suite (host tests, static checks, VM tests)
#   make install         DESTDIR= and PREFIX= are honoured

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

.PHONY: all module server workloads clean check install

all: module server workloads

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': install linux-headers-amd64 or set KDIR"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

server:
	$(MAKE) -C server

workloads:
	$(MAKE) -C tools/workloads

check:
	tools/check

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	$(MAKE) -C server install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C server clean
	$(MAKE) -C tools/workloads clean
