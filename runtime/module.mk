# kist-runtime: OCI runtime (runc's command line).
PROGRAMS         += kist-runtime
kist-runtime_SRCS := $(wildcard runtime/*.c)
kist-runtime_PKGS := libseccomp libcap
# link only what is used: the runtime starts for every container
$(BIN)/kist-runtime: override LDFLAGS += -Wl,--as-needed
# libseccomp and libcap go in statically where their -dev packages ship the
# .a files (Debian's do): two shared libraries fewer to load and relocate
# at every start (0.07 ms of each exec here).  RUNTIME_STATIC=0: shared.
RUNTIME_STATIC_A := $(wildcard $(foreach p,libseccomp libcap,\
	$(shell $(PKG_CONFIG) --variable=libdir $(p) 2>/dev/null)/$(p).a))
RUNTIME_STATIC ?= $(if $(word 2,$(RUNTIME_STATIC_A)),1,0)
ifeq ($(RUNTIME_STATIC),1)
kist-runtime_PKGS :=
kist-runtime_LDLIBS := -Wl,-Bstatic $(shell $(PKG_CONFIG) --libs libseccomp libcap) -Wl,-Bdynamic
endif

# The exec trampoline (runtime/trampoline/): a static program without libc
# that a container's init execs its program through, from a sealed memfd,
# instead of the runtime re-executing itself from a read-only overlay for
# every container (CVE-2019-5736; runtime/cloned_binary.c).  Its bytes are
# linked into kist-runtime.  x86_64 and aarch64; TRAMPOLINE=0 (and any
# other architecture) builds the runtime without it.
TRAMPOLINE_ARCH := $(filter x86_64 aarch64,$(firstword $(subst -, ,$(shell $(CC) -dumpmachine))))
TRAMPOLINE      ?= $(if $(TRAMPOLINE_ARCH),1,0)
override CFLAGS += -DKIST_TRAMPOLINE=$(TRAMPOLINE)
ifeq ($(TRAMPOLINE),1)
TRAMPOLINE_BIN := $(OBJ)/runtime/trampoline/trampoline
kist-runtime_EXTRA := $(OBJ)/runtime/trampoline/blob.o

$(TRAMPOLINE_BIN): runtime/trampoline/trampoline.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) -Os -static -nostdlib -nostartfiles -ffreestanding -fno-stack-protector \
		-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie -no-pie \
		-Wall -Wextra -Werror -Wl,--build-id=none -Wl,-z,noexecstack -s -o $@ $<

$(OBJ)/runtime/trampoline/blob.o: runtime/trampoline/blob.S $(TRAMPOLINE_BIN)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) -c -DTRAMPOLINE_BIN='"$(TRAMPOLINE_BIN)"' -o $@ $<
endif

# static fixture programs copied into test rootfs
TEST_TOOLS += init recvtty seccomp_agent
