# kist-shim: the per-container monitor (conmon's job).
PROGRAMS       += kist-shim
kist-shim_SRCS := $(wildcard shim/*.c)
kist-shim_PKGS :=
# one shim runs per container: load nothing it does not use
$(BIN)/kist-shim: override LDFLAGS += -Wl,--as-needed
