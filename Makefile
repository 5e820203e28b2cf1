# bsend top-level build.
#
#   make                  bsend.ko for every supported installed kernel, and
#                         the userspace build (sendctl, unit tests)
#   make KVER=<release>   bsend.ko for one kernel
#   make module | user    one half only
#   make check            unit tests, the fuzzers, the VM cases on every
#                         kernel, then package-check
#   make deb              the Debian packages bsend-dkms and sendctl (build/deb/)
#   make package-check    install them here, check DKMS built bsend.ko for
#                         every kernel, run the demo in a VM with them, purge
#                         them (root)
#   make dkms-source [DESTDIR=D]   the DKMS source tree D/usr/src/bsend-VERSION
#   make unit | vm        one half of check; vm takes KVER=, CASE= and
#                         VM_PARALLEL=0 (the kernels in turn, not side by side)
#   make fuzz             the four fuzz targets for FUZZ_SECONDS in all (default 60)
#   make fuzz-campaign [FUZZ_EXECS="reader=N incremental=N backrefs=N dump=N"]
#                         a long run of each (not in check); new kept corpora
#   make demo             README's demo in a VM
#   make soak-incremental SEEDS=N [FIRST_SEED=S]   the random incremental-send
#                         test (VM case 012's generator) for N seeds, per KVER
#   make vm-incremental-big   VM case 011 at full size (100k, 20k), per KVER
#   make bench [SCALE=N] [WORKLOADS="a b"] [PROFILE=1]   issue 7's benchmarks against the
#                         in-kernel send, sizes divided by SCALE (default 1,
#                         hours under TCG), per KVER; bench/results/
#   make soak-incremental-offline SEEDS=N [FIRST_SEED=S]   the same kind of
#                         random test offline (sendctl --image against the
#                         host kernel's btrfs send, loop devices, root), then
#                         VM case 012's generator offline, every batch shape
#   make vm-history       VM case 014 (the fix-history scenarios) alone, per KVER
#   make soak-changes [ROUNDS=N] [DATA_MIB=M]   VM cases 017-020 (changes
#                         under a send) and the soak case tests/vm/soak/021
#                         (balance in a loop under a send of M MiB, default
#                         2048) N times (default 3), per KVER
#   make clean

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

REPO := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(REPO)/build

# Supported kernels: Debian's 6.1 LTS and 6.12 LTS from bookworm-backports,
# whichever have headers installed.
SUPPORTED_SERIES := 6.1 6.12
installed_kernels := $(notdir $(wildcard /lib/modules/*))
supported = $(foreach s,$(SUPPORTED_SERIES),$(filter $(s).%,$(1)))
KVERS := $(sort $(foreach k,$(installed_kernels),\
	$(if $(wildcard /lib/modules/$(k)/build/Makefile),$(call supported,$(k)))))
KVER ?= $(KVERS)

# The sanitised uapi headers (linux/btrfs_tree.h and what it includes), the
# only headers the engine sees in the module build.
UAPI_INCLUDE := $(BUILD)/uapi-include

MODULE_SOURCES := Kbuild $(shell cd $(REPO) && find module uapi -name '*.[ch]' -o -name '*.cpp')

.PHONY: all module user check unit vm fuzz fuzz-build fuzz-campaign demo print-kvers clean soak-incremental soak-incremental-offline \
	vm-incremental-big vm-history soak-changes bench dkms-source deb package-check $(KVER)

all: module user

module: $(KVER)

$(UAPI_INCLUDE)/.stamp:
	@$(REPO)/scripts/make-uapi-include $(UAPI_INCLUDE)
	@touch $@

# kbuild writes objects next to their sources, so each kernel builds in its
# own symlink tree of the sources.
$(KVER): $(UAPI_INCLUDE)/.stamp
	@test -f /lib/modules/$@/build/Makefile || \
		{ echo "no kernel headers for $@ (linux-headers-$@)"; exit 1; }
	@mkdir -p $(BUILD)/kmod/$@
	@cd $(REPO) && for f in $(MODULE_SOURCES); do \
		mkdir -p $(BUILD)/kmod/$@/$$(dirname $$f); \
		ln -sfn $(REPO)/$$f $(BUILD)/kmod/$@/$$f; done
	$(MAKE) -C /lib/modules/$@/build M=$(BUILD)/kmod/$@ \
		BSEND_UAPI_INCLUDE=$(UAPI_INCLUDE) modules 2>&1 | tee $(BUILD)/kmod/$@/build.log
	@$(REPO)/scripts/check-module $@ $(BUILD)/kmod/$@

user:
	cmake -S $(REPO) -B $(BUILD)/user -G Ninja
	cmake --build $(BUILD)/user

# Two tests at a time (117 s one at a time, 60 s so, on two cores).
unit: user
	ctest --test-dir $(BUILD)/user --output-on-failure -j2

CASE ?=
# Every kernel runs, even after one failed; the target fails if any did.
# The kernels boot side by side (qemu/run-vms); VM_PARALLEL=0 runs them in turn.
vm: module user
	$(REPO)/qemu/run-vms $(KVER) -- $(if $(CASE),--case '$(CASE)')

# The fuzz targets (tests/fuzz/README.md): make fuzz runs the four of them
# for FUZZ_SECONDS in all; make fuzz-campaign runs each for its share of
# FUZZ_EXECS executions and chooses the kept corpora (tests/fuzz/corpus/)
# afresh. Crash inputs go to tests/fuzz/pending/.
FUZZ_SECONDS ?= 60
FUZZ_EXECS ?= reader=300000 incremental=600000 backrefs=400000 dump=8700000
FUZZ_BUILD := $(BUILD)/fuzz
fuzz-build:
	CC=clang CXX=clang++ cmake -S $(REPO) -B $(FUZZ_BUILD) -G Ninja -DBSEND_FUZZ=ON
	cmake --build $(FUZZ_BUILD)

fuzz: fuzz-build
	$(REPO)/tests/fuzz/run-fuzz $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS)

fuzz-campaign: fuzz-build
	$(REPO)/tests/fuzz/run-fuzz $(FUZZ_BUILD) --runs "$(FUZZ_EXECS)" --keep

# The fuzzers run on one core for FUZZ_SECONDS; the packages and the module
# build on the other meanwhile. package-check's round trip comes last: it
# installs and purges the packages on this machine.
check: unit
	$(MAKE) --no-print-directory --output-sync=target -j2 fuzz deb module
	$(MAKE) --no-print-directory vm
	$(REPO)/scripts/check-packages $(BUILD)/deb $(KVER)

# The random differential test of incremental send, as long as asked: SEEDS
# seeds from FIRST_SEED (default a random start) on each KVER, one boot each.
SEEDS ?= 1000
FIRST_SEED ?=
soak-incremental: module user
	@status=0; for k in $(KVER); do \
		$(REPO)/tests/vm/helpers/soak-incremental $$k $(SEEDS) $(FIRST_SEED) || status=1; \
	done; exit $$status

soak-incremental-offline: user
	$(REPO)/tests/tools/incremental-random-offline $(BUILD)/user/ctl/sendctl \
		$(REPO)/tests/vm/helpers/compare-trees --count $(SEEDS) --first $(or $(FIRST_SEED),1) --ops 60 --steps 4
	$(REPO)/tests/vm/helpers/incremental-random --offline --sendctl $(BUILD)/user/ctl/sendctl --label soak \
		--count $(SEEDS) --first $(or $(FIRST_SEED),1)

# VM case 014 alone: the scenarios of the in-kernel send's fix history.
vm-history: module user
	@status=0; for k in $(KVER); do \
		$(REPO)/tests/vm/helpers/vm-history $$k || status=1; \
	done; exit $$status

# Changes under a send, repeated: ROUNDS boots per KVER, the outcomes counted.
ROUNDS ?= 3
DATA_MIB ?= 2048
soak-changes: module user
	@status=0; for k in $(KVER); do \
		$(REPO)/tests/vm/helpers/soak-changes $$k $(ROUNDS) $(DATA_MIB) || status=1; \
	done; exit $$status

# VM case 011 at issue 8's full size: 100k entries removed, 20k files moved.
vm-incremental-big: module user
	@status=0; for k in $(KVER); do \
		$(REPO)/tests/vm/helpers/vm-incremental-big $$k || status=1; \
	done; exit $$status

# The benchmarks of issue 7, one boot per KVER; the table and chart go to
# bench/results/. WORKLOADS limits them to some (tests/vm/helpers/bench --help).
# PROFILE=1 adds a perf profile of one more run of each sender per send
# (bench/results/profile-KVER/).
SCALE ?= 1
WORKLOADS ?=
PROFILE ?=
bench: module user
	@status=0; for k in $(KVER); do \
		BENCH_PROFILE=$(PROFILE) $(REPO)/tests/vm/helpers/bench-vm $$k $(SCALE) $(WORKLOADS) || status=1; \
	done; exit $$status

print-kvers:
	@echo $(KVERS)

# ---- packages -----------------------------------------------------------------
BSEND_VERSION := $(shell sed -n 's/^\#define BSEND_VERSION "\(.*\)"/\1/p' $(REPO)/uapi/bsend.h)
DKMS_SOURCE := $(DESTDIR)/usr/src/bsend-$(BSEND_VERSION)

# The DKMS source tree: what kbuild compiles (Kbuild, the engine and the
# glue, the uapi headers), dkms.conf and its PRE_BUILD script. Then
# "dkms install bsend/$(BSEND_VERSION)" builds and installs bsend.ko.
dkms-source:
	rm -rf $(DKMS_SOURCE)
	install -d $(DKMS_SOURCE)
	cd $(REPO) && cp --parents -t $(DKMS_SOURCE) dkms.conf Kbuild scripts/make-uapi-include \
		$$(find module/core module/kernel uapi -name '*.[ch]' -o -name '*.cpp')

# bsend-dkms and sendctl, built by dpkg-buildpackage from a copy of the
# tree's files in build/deb/ (the .debs land there).
deb:
	$(REPO)/scripts/build-debs $(BUILD)/deb

# The packages' round trip: installed on this machine (DKMS builds the
# module for every supported kernel), the demo run in a VM per kernel with
# the packaged module (modprobe) and sendctl, then purged. Needs root.
package-check: deb
	$(REPO)/scripts/check-packages $(BUILD)/deb $(KVER)

demo:
	$(REPO)/scripts/demo

clean:
	rm -rf $(BUILD)
