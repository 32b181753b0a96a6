# kist-runtime: OCI runtime (runc's command line).
PROGRAMS         += kist-runtime
kist-runtime_SRCS := $(wildcard runtime/*.c)
kist-runtime_PKGS := libseccomp libcap
# link only what is used: the runtime starts for every container
$(BIN)/kist-runtime: override LDFLAGS += -Wl,--as-needed

# static fixture programs copied into test rootfs
TEST_TOOLS += init recvtty seccomp_agent
