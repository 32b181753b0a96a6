# kist: one top-level Makefile; each directory contributes a module.mk that
# only appends to variables.  No recursive make.
#
#   make                 build every program into bin/
#   make check           deps, unit tests (plain, ASan+UBSan, valgrind), bats
#   make demo            deps, build, run an image end to end
#   make bench           side-by-side benchmarks against the peer tools
#   make fuzz            libFuzzer targets, FUZZ_TIME seconds each (default 60)
#   make conformance SUITES=DIR   the peers' test suites (docs/conformance.md)
#   make install PREFIX=/usr/local DESTDIR=
#   make B=/tmp/out      put objects and binaries under another directory
#   make SANITIZE=1      the programs built with ASan+UBSan, into build-san/
#   make check-san       the bats suites against that build (SAN_SUITES=...)
#   make scale           tests/scale with 1000 runs in a row (check runs 100)

# SANITIZE=1 builds everything with ASan+UBSan; its own B keeps its objects
# apart from the plain build's.
SAN_B      ?= build-san
ifeq ($(SANITIZE),1)
B          ?= $(SAN_B)
else
B          ?= .
endif
OBJ        := $(B)/obj
BIN        := $(B)/bin
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
DESTDIR    ?=
PKG_CONFIG ?= pkg-config
CC         ?= cc
WERROR     ?= 1
VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wno-format-nonliteral \
	-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	-MMD -MP -I. -DVERSION='"$(VERSION)"'
ifeq ($(WERROR),1)
override CFLAGS += -Werror
endif
override LDFLAGS += -pie -Wl,-z,relro,-z,now

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),1)
# _FORTIFY_SOURCE's checked calls hide accesses from ASan's interceptors
override CFLAGS += $(SAN_FLAGS) -U_FORTIFY_SOURCE
override LDFLAGS += $(SAN_FLAGS)
endif

# Every program links common/ and spec/, which need cJSON and libcrypto.
BASE_PKGS := libcjson libcrypto
ALL_PKGS  := $(BASE_PKGS) libcurl libarchive libseccomp libcap zlib
override CFLAGS += $(shell $(PKG_CONFIG) --cflags $(ALL_PKGS) 2>/dev/null)

# libarchive is linked statically when libarchive-dev's libarchive.a is there:
# the shared library loads 13 more (libxml2, ICU, libstdc++, nettle, ...) and
# that cost kist-store 4.5 ms of every start-up here (10.1 -> 5.6 ms for
# --help).  --gc-sections drops the archive formats kist never calls (xar,
# zip, 7zip, mtree, ...), so the libraries only they use (libxml2, nettle,
# libacl) are left out; the compression libraries stay shared.
# ARCHIVE_STATIC=0 links it shared, as a distribution package would.
ARCHIVE_A := $(shell $(PKG_CONFIG) --variable=libdir libarchive 2>/dev/null)/libarchive.a
ARCHIVE_STATIC ?= $(if $(wildcard $(ARCHIVE_A)),1,0)
ifeq ($(ARCHIVE_STATIC),1)
ARCHIVE_LIBS = -Wl,--gc-sections,--as-needed -Wl,-Bstatic -larchive -Wl,-Bdynamic \
	$(filter-out -larchive -lxml2 -lnettle -lacl,$(shell $(PKG_CONFIG) --static --libs libarchive))
else
ARCHIVE_LIBS = $(shell $(PKG_CONFIG) --libs libarchive)
endif
# pkg_libs PKGS: linker flags for the pkg-config packages PKGS; the pseudo
# package libarchive-static is libarchive linked as above (kist-store; not
# kist-fetch, whose libcurl loads nettle anyway).
pkg_libs = $(if $(filter libarchive-static,$(1)),$(ARCHIVE_LIBS)) \
	$(shell $(PKG_CONFIG) --libs $(filter-out libarchive-static,$(1)))

ifeq ($(V),1)
Q :=
else
Q := @
endif

PROGRAMS    :=
COMMON_SRCS :=
SPEC_SRCS   :=
UNIT_SRCS   :=
TEST_TOOLS  :=

include common/module.mk spec/module.mk
include $(filter-out common/module.mk spec/module.mk,$(sort $(wildcard */module.mk)))

COMMON_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(COMMON_SRCS))
SPEC_OBJS   := $(patsubst %.c,$(OBJ)/%.o,$(SPEC_SRCS))
LIBS_A      := $(OBJ)/libspec.a $(OBJ)/libcommon.a

all: $(addprefix $(BIN)/,$(PROGRAMS))

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(OBJ)/libcommon.a: $(COMMON_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OBJ)/libspec.a: $(SPEC_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# program_template NAME: NAME_SRCS are its sources, NAME_PKGS its libraries,
# NAME_EXTRA objects of its own made by other rules.
define program_template
$(1)_OBJS := $$(patsubst %.c,$(OBJ)/%.o,$$($(1)_SRCS))
$(BIN)/$(1): $$($(1)_OBJS) $$($(1)_EXTRA) $(LIBS_A)
	@mkdir -p $$(@D)
	@$$(if $(Q),echo "  LINK    $$@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $$@ $$($(1)_OBJS) $$($(1)_EXTRA) $(LIBS_A) \
		$$(call pkg_libs,$$($(1)_PKGS) $(BASE_PKGS)) $$($(1)_LDLIBS)
install.$(1): $(BIN)/$(1)
	install -D -m 0755 $(BIN)/$(1) $(DESTDIR)$(BINDIR)/$(1)
.PHONY: install.$(1)
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_template,$(p))))

# ---- unit tests: one binary, built plain and with ASan+UBSan ----
UNIT_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(UNIT_SRCS))
UNIT_PKGS := libcjson libcrypto libarchive zlib

$(BIN)/unit-tests: $(UNIT_OBJS) $(LIBS_A)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIBS_A) $(shell $(PKG_CONFIG) --libs $(UNIT_PKGS))

SAN       := $(OBJ)/san
SAN_OBJS  := $(patsubst %.c,$(SAN)/%.o,$(COMMON_SRCS) $(SPEC_SRCS) $(UNIT_SRCS))

$(SAN)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SAN  $<")
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -U_FORTIFY_SOURCE -c -o $@ $<

$(BIN)/unit-tests-san: $(SAN_OBJS)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs $(UNIT_PKGS))

# ---- test fixture programs (static, copied into container rootfs) ----
$(BIN)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -static -Wall -Wextra -Werror -o $@ $<

tools: $(addprefix $(BIN)/tools/,$(TEST_TOOLS))

# ---- fuzzing: libFuzzer targets (tests/fuzz/fuzz_*.c) built with Debian's
# clang; `make fuzz` runs each for FUZZ_TIME seconds from its seed corpus in
# tests/fuzz/corpus/<target> and prints executions and coverage.  Not part of
# `make check`. ----
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_OBJ     := $(OBJ)/fuzz
FUZZ_FLAGS   := -std=gnu11 -g -O1 -I. -Wall -Wextra -Werror -DVERSION='"$(VERSION)"' \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	$(shell $(PKG_CONFIG) --cflags libcjson libcrypto libcurl 2>/dev/null)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(COMMON_SRCS) $(SPEC_SRCS) fetch/http.c \
	$(BUILD_PARSER_SRCS))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-FUZZ $<")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_OBJ)/libfuzzed.a: $(FUZZ_LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN)/fuzz/%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)/libfuzzed.a
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(shell $(PKG_CONFIG) --libs libcjson libcrypto libcurl)

.SECONDARY: $(patsubst %,$(FUZZ_OBJ)/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))
fuzz-build: $(addprefix $(BIN)/fuzz/,$(FUZZ_TARGETS))

fuzz:
	$(Q)./tests/deps.sh tests/fuzz/fuzz-packages.txt
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)./tests/fuzz/run.sh $(BIN)/fuzz $(FUZZ_TIME) $(FUZZ_TARGETS)

# ---- top-level targets ----
deps:
	$(Q)./tests/deps.sh

unit: $(BIN)/unit-tests $(BIN)/unit-tests-san
	$(Q)$(BIN)/unit-tests-san

check: deps
	$(Q)$(MAKE) --no-print-directory all unit-build tools
	$(Q)KIST_BIN=$(abspath $(BIN)) ./tests/run.sh

unit-build: $(BIN)/unit-tests $(BIN)/unit-tests-san

# The bats suites against the programs built with ASan+UBSan (tests/san.sh:
# any sanitizer report, from any process, fails the run).  Not part of check.
SAN_SUITES ?= tests/store tests/fetch tests/runtime tests/shim tests/cli tests/build tests/volume
check-san: deps
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 B=$(SAN_B) all tools
	$(Q)KIST_BIN=$(abspath $(SAN_B))/bin ./tests/san.sh $(SAN_SUITES)

# tests/scale at full size: 1000 `kist run --rm` in a row (check runs 100)
# and KIST_SCALE_AT_ONCE (default 50) containers at once.
scale: deps
	$(Q)$(MAKE) --no-print-directory all tools
	$(Q)KIST_BIN=$(abspath $(BIN)) KIST_SCALE_RUNS=$${KIST_SCALE_RUNS:-1000} ./tests/run.sh tests/scale/scale.bats

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)KIST_BIN=$(abspath $(BIN)) ./tests/demo.sh

bench: all
	$(Q)./tests/deps.sh bench/packages.txt
	$(Q)for s in bench/*.sh; do KIST_BIN=$(abspath $(BIN)) bash $$s || exit 1; done

# The peers' own test suites against kist-runtime, runc and crun, from a
# directory of their sources (docs/conformance.md); not part of check.
conformance: all
	$(Q)if [ -z "$(SUITES)" ]; then echo "make conformance: set SUITES=DIR (see docs/conformance.md)" >&2; exit 2; fi
	$(Q)KIST_RUNTIME=$(abspath $(BIN))/kist-runtime ./conformance/run.sh $(SUITES) $(CONF_OUT)

install: $(addprefix install.,$(PROGRAMS))

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))

fmt-check:
	clang-format --dry-run --Werror $(wildcard */*.c */*.h)

lint: fmt-check
	shellcheck -x tests/*.sh tests/*.bash tests/*/*.bash bench/*.sh conformance/*.sh

clean:
	rm -rf $(OBJ) $(BIN)

.PHONY: all deps unit unit-build check check-san scale demo bench conformance install uninstall fmt-check lint \
	clean tools fuzz fuzz-build
.DELETE_ON_ERROR:

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
