# kist-net: container networking through the CNI plugins (bridge,
# host-local, portmap, firewall, loopback), user networks, and the
# per-container /etc/hosts, /etc/resolv.conf and /etc/hostname.
PROGRAMS += kist-net
kist-net_SRCS := $(wildcard net/*.c)
kist-net_PKGS := libcjson
$(BIN)/kist-net: override LDFLAGS += -Wl,--as-needed
UNIT_SRCS += net/ip.c
