# Conveniences over the scripts; the scripts are what the README and CI run.
#
# make install [DESTDIR=/tmp/root] [PREFIX=/usr]: a room's files (docs/deploy.md). PREFIX defaults
# to /usr/local; packagers use PREFIX=/usr. SKIP_BUILD=1 installs the binaries already in
# BINDIR_SRC (default .build/release) without building them. `make uninstall` with the same
# variables removes exactly what `make install` put.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
DATADIR ?= $(PREFIX)/share
# systemd and udev read units, sysusers.d, tmpfiles.d and rules.d under /usr/local/lib as well as
# /usr/lib; systemd-hwdb reads only /usr/lib/udev/hwdb.d and /etc/udev/hwdb.d, so a /usr/local
# install puts the hwdb under /etc.
SYSTEMDUNITDIR ?= $(LIBDIR)/systemd/system
SYSUSERSDIR ?= $(LIBDIR)/sysusers.d
TMPFILESDIR ?= $(LIBDIR)/tmpfiles.d
UDEVRULESDIR ?= $(LIBDIR)/udev/rules.d
HWDBDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/udev/hwdb.d,/etc/udev/hwdb.d)
PROFILESDIR ?= $(DATADIR)/vhr/profiles
# The simulated stethoscope's recordings; vhrd looks for them in ../share/vhr/recordings beside its bin.
RECORDINGSDIR ?= $(dir $(BINDIR))share/vhr/recordings
DOCDIR ?= $(DATADIR)/doc/vhr
BINDIR_SRC ?= .build/release
SKIP_BUILD ?=
INSTALL ?= install

BINARIES := vhrd vhrctl
UNITS := $(notdir $(wildcard systemd/*.service systemd/*.socket))
PROFILES := $(notdir $(wildcard DeviceProfiles/*.json))
RECORDINGS := $(notdir $(wildcard Sources/VHRDevices/Simulated/Recordings/*.wav)) README.md
DOC_SOURCES := README.md $(wildcard docs/*.md) docs/vhrd.conf.example udev/69-vhr-local.rules.example
DOCS := $(notdir $(DOC_SOURCES))
# The units say /usr/bin/vhrd (or @bindir@/vhrd); elsewhere they get this install's BINDIR.
UNIT_SED := -e 's|@bindir@|$(BINDIR)|g' -e 's|/usr/bin/vhr|$(BINDIR)/vhr|g'

.PHONY: all deps build release test demo lint format clean install uninstall

all: build

deps:
	scripts/install-deps.sh

build: deps
	swift build -Xswiftc -warnings-as-errors

release:
ifeq ($(SKIP_BUILD),)
	swift build -c release -Xswiftc -warnings-as-errors --product vhrd
	swift build -c release -Xswiftc -warnings-as-errors --product vhrctl
endif

test:
	scripts/test.sh

demo:
	scripts/demo.sh

lint:
	swift format lint --strict --recursive Package.swift Sources Tests

format:
	swift format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build out

install: release
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(HWDBDIR) $(DESTDIR)$(PROFILESDIR) \
		$(DESTDIR)$(RECORDINGSDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(addprefix $(BINDIR_SRC)/,$(BINARIES)) $(DESTDIR)$(BINDIR)/
	for unit in $(UNITS); do \
		sed $(UNIT_SED) systemd/$$unit > $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.tmp && \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.tmp && \
		mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit || exit 1; \
	done
	$(INSTALL) -m 0644 systemd/vhr.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/vhr.conf
	$(INSTALL) -m 0644 systemd/vhr.tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/vhr.conf
	$(INSTALL) -m 0644 udev/70-vhr.rules $(DESTDIR)$(UDEVRULESDIR)/70-vhr.rules
	$(INSTALL) -m 0644 udev/70-vhr.hwdb $(DESTDIR)$(HWDBDIR)/70-vhr.hwdb
	$(INSTALL) -m 0644 $(addprefix DeviceProfiles/,$(PROFILES)) $(DESTDIR)$(PROFILESDIR)/
	$(INSTALL) -m 0644 $(addprefix Sources/VHRDevices/Simulated/Recordings/,$(RECORDINGS)) $(DESTDIR)$(RECORDINGSDIR)/
	$(INSTALL) -m 0644 $(DOC_SOURCES) $(DESTDIR)$(DOCDIR)/
	@echo "installed; on the room: systemd-sysusers, systemd-tmpfiles --create vhr.conf, systemd-hwdb update,"
	@echo "udevadm control --reload, udevadm trigger, systemctl daemon-reload (docs/deploy.md)"

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(BINARIES))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/vhr.conf $(DESTDIR)$(TMPFILESDIR)/vhr.conf
	rm -f $(DESTDIR)$(UDEVRULESDIR)/70-vhr.rules $(DESTDIR)$(HWDBDIR)/70-vhr.hwdb
	rm -f $(addprefix $(DESTDIR)$(PROFILESDIR)/,$(PROFILES))
	rm -f $(addprefix $(DESTDIR)$(RECORDINGSDIR)/,$(RECORDINGS))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(DOCS))
	-rmdir $(DESTDIR)$(PROFILESDIR) $(DESTDIR)$(RECORDINGSDIR) $(DESTDIR)$(DATADIR)/vhr $(DESTDIR)$(DOCDIR) 2>/dev/null
