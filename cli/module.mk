# kist: docker's command line over the other programs.  It execs them and
# links neither libcurl nor libarchive; --as-needed drops libcrypto too
# (libcommon.a names it, kist calls none of it).
PROGRAMS += kist
kist_SRCS := $(wildcard cli/*.c)
kist_PKGS := libcjson
UNIT_SRCS += cli/names.c
$(BIN)/kist: override LDFLAGS += -Wl,--as-needed
