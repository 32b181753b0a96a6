PROGRAMS += kist-fetch
kist-fetch_SRCS := $(wildcard fetch/*.c)
kist-fetch_PKGS := libcurl libcrypto libcjson libarchive
