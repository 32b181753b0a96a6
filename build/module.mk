# kist-build: Dockerfile to image (and bundle, layout, archive).
# The Dockerfile parser, expansion and .dockerignore (build/dockerfile.h) are
# linked into the unit tests and the fuzz targets as well.
BUILD_PARSER_SRCS := $(wildcard build/parser.c build/lexer.c build/expand.c build/dockerignore.c \
	build/runmount.c build/flags.c build/dump.c)
UNIT_SRCS += $(BUILD_PARSER_SRCS)
ifneq ($(wildcard build/main.c),)
PROGRAMS += kist-build
kist-build_SRCS := $(wildcard build/*.c)
kist-build_PKGS := libarchive zlib libcrypto libcjson libcurl
endif
