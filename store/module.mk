PROGRAMS += kist-store
kist-store_SRCS := $(wildcard store/*.c)
kist-store_PKGS := libarchive-static zlib libcrypto libcjson
kist-store_LDLIBS := -lpthread
