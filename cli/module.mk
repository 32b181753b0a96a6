# kist: docker's command line over the other programs.  It execs them and
# links neither libcurl nor libarchive (--as-needed keeps it that way).
PROGRAMS += kist
kist_SRCS := $(wildcard cli/*.c)
kist_PKGS := libcjson
kist_LDLIBS := -Wl,--as-needed
UNIT_SRCS += cli/names.c
$(BIN)/kist: override LDFLAGS += -Wl,--as-needed
