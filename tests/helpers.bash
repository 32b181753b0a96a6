# tests/helpers.bash: shared by every bats file (load it with `load ../helpers`).
# Real parts only: real binaries, real registry, real namespaces.

TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TESTS_DIR/.." && pwd)"
: "${KIST_BIN:=$REPO_DIR/bin}"
RT="$KIST_BIN/kist-runtime"
STORE="$KIST_BIN/kist-store"
FETCH="$KIST_BIN/kist-fetch"
TOOLS_BIN="$KIST_BIN/tools"

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

# ---- skipping: the single place that skips; TEST_STRICT=1 makes it fail ----
requires() {
	local r
	for r in "$@"; do
		case "$r" in
		root) [ "$(id -u)" -eq 0 ] || skip_or_fail "needs root" ;;
		cgroup1) [ -d /sys/fs/cgroup/memory ] || skip_or_fail "needs cgroup v1 memory controller" ;;
		cgroup2) [ -f /sys/fs/cgroup/unified/cgroup.controllers ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip_or_fail "needs cgroup2" ;;
		seccomp) grep -q seccomp /proc/self/status || skip_or_fail "needs seccomp" ;;
		userns) [ -e /proc/self/ns/user ] || skip_or_fail "needs user namespaces" ;;
		overlay) grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || skip_or_fail "needs overlayfs" ;;
		cmd:*) command -v "${r#cmd:}" >/dev/null || skip_or_fail "needs ${r#cmd:}" ;;
		# not under make SANITIZE=1 (what ASan itself costs breaks the test)
		plain-build) ! nm -D "$RT" 2>/dev/null | grep __asan_init >/dev/null ||
			skip_or_fail "needs programs built without sanitizers" ;;
		*) fail "requires: unknown requirement '$r'" ;;
		esac
	done
}

skip_or_fail() {
	if [ "${TEST_STRICT:-0}" = 1 ]; then
		fail "requirement not met (TEST_STRICT=1): $*"
	fi
	skip "$*"
}

# ---- running the binaries: output shows only when a test fails ----
# (bats' run sets status and output)
# shellcheck disable=SC2154
rt() { run "$RT" --root "$RT_ROOT" "$@"; echo "rt $*: $status $output" >&2; }
store() { run "$STORE" --root "$KIST_ROOT" "$@"; echo "store $*: $status $output" >&2; }
fetch() { run "$FETCH" --root "$KIST_ROOT" "$@"; echo "fetch $*: $status $output" >&2; }

# ---- polling, never sleeping blindly ----
# retry N DELAY CMD...: run CMD until it succeeds, at most N times.
retry() {
	local n=$1 delay=$2 i
	shift 2
	for ((i = 0; i < n; i++)); do
		if "$@"; then return 0; fi
		sleep "$delay"
	done
	echo "retry: '$*' still failing after $n tries" >&2
	return 1
}
wait_for() { retry 100 0.1 "$@"; }

# ---- JSON editing (runc's update_config) ----
# update_config FILE 'jq expression'
update_config() {
	local f=$1 tmp
	tmp=$(mktemp "$f.XXXXXX")
	jq "$2" "$f" >"$tmp" && mv "$tmp" "$f"
}

# ---- cleanup that runs even when a test fails ----
# Remember a pid to kill (and wait for) in kist_cleanup.
track_pid() { echo "$1" >>"$BATS_TEST_TMPDIR/.pids"; }

# Unmount everything mounted at or below DIR, deepest first.
cleanup_mounts() {
	local dir=$1 m
	[ -n "$dir" ] || return 0
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

kist_cleanup() {
	local p
	if [ -f "$BATS_TEST_TMPDIR/.pids" ]; then
		while read -r p; do
			kill -9 "$p" 2>/dev/null || true
		done <"$BATS_TEST_TMPDIR/.pids"
		while read -r p; do
			while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
		done <"$BATS_TEST_TMPDIR/.pids"
		rm -f "$BATS_TEST_TMPDIR/.pids"
	fi
	cleanup_mounts "$BATS_TEST_TMPDIR"
}

# ---- output paths ----
# special_outputs DIR: the kinds of file an output option must not replace:
# DIR/full (a copy of /dev/full), DIR/fifo, DIR/sock (a bound unix socket),
# DIR/devlink (a symlink to DIR/full).
special_outputs() {
	local d=$1
	mkdir -p "$d"
	mknod "$d/full" c 1 7
	mkfifo "$d/fifo"
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$d/sock"
	ln -s full "$d/devlink"
}

# outputs_intact DIR: the files special_outputs made are still what they were.
outputs_intact() {
	local d=$1
	if ! [ -c "$d/full" ] || ! [ -p "$d/fifo" ] || ! [ -S "$d/sock" ] || ! [ -L "$d/devlink" ]; then
		fail "an output path was replaced: $(ls -l "$d")"
	fi
	if [ "$(find "$d" -name '.*tmp*' | wc -l)" -ne 0 ]; then
		fail "temporary files left in $d"
	fi
}

# ---- fixtures ----
# make_rootfs DIR: a busybox rootfs built offline from busybox-static, plus
# the static test tools (tests/tools) in /tools.
make_rootfs() {
	local d=$1 a
	mkdir -p "$d"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,var,tools}
	chmod 1777 "$d/tmp"
	cp /bin/busybox "$d/bin/busybox"
	for a in $("$d/bin/busybox" --list); do
		[ -e "$d/bin/$a" ] || ln -s busybox "$d/bin/$a"
	done
	cat >"$d/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
kist:x:1000:1000:kist:/home/kist:/bin/sh
PW
	cat >"$d/etc/group" <<'GR'
root:x:0:
daemon:x:1:
users:x:100:kist
nogroup:x:65534:
kist:x:1000:
GR
	echo "127.0.0.1 localhost" >"$d/etc/hosts"
	if [ -d "$TOOLS_BIN" ]; then
		cp "$TOOLS_BIN"/* "$d/tools/" 2>/dev/null || true
	fi
}

# A cached busybox rootfs tarball for suites that need many copies.
busybox_tar() {
	local t="${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/busybox-rootfs.tar"
	if [ ! -f "$t" ]; then
		local d
		d=$(mktemp -d "${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR}/rootfs.XXXXXX")
		make_rootfs "$d"
		tar -C "$d" -cf "$t" .
		rm -rf "$d"
	fi
	echo "$t"
}

# ---- a real registry (Debian's docker-registry) on 127.0.0.1 ----
# free_port: print a TCP port nothing listens on, outside the host's
# ephemeral range (ip_local_port_range), so that no outgoing connection of
# another program can be holding it when the server binds.
free_port() {
	local p lo=32768 hi=60999 base span
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	# the wider stretch the ephemeral range leaves free of 10000..65535
	if ((lo - 10000 >= 65535 - hi)); then
		base=10000 span=$((lo - 10000))
	else
		base=$((hi + 1)) span=$((65535 - hi))
	fi
	while :; do
		p=$((base + (RANDOM * 32768 + RANDOM) % span))
		if ! ss -Htan "sport = :$p" | grep -q .; then
			echo "$p"
			return
		fi
	done
}

# start_registry DIR [--htpasswd FILE] [--tls CERT KEY] [--token REALM SERVICE ISSUER CERT]
# Sets REGISTRY_PORT, REGISTRY_PID, REGISTRY (host:port).  Call stop_registry
# (or kist_cleanup) to stop it; its storage stays under DIR.
start_registry() {
	local dir=$1
	shift
	local auth="" tls="" scheme=http
	while [ $# -gt 0 ]; do
		case "$1" in
		--htpasswd)
			auth="auth:
  htpasswd:
    realm: kist-test
    path: $2"
			shift 2
			;;
		--tls)
			tls="  tls:
    certificate: $2
    key: $3"
			scheme=https
			shift 3
			;;
		--token)
			auth="auth:
  token:
    realm: $2
    service: $3
    issuer: $4
    rootcertbundle: $5"
			shift 5
			;;
		*) fail "start_registry: unknown option $1" ;;
		esac
	done
	mkdir -p "$dir/data"
	REGISTRY_PORT=$(free_port)
	cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
$tls
$auth
YML
	docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	REGISTRY_PID=$!
	echo "$REGISTRY_PID" >"$dir/registry.pid"
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then track_pid "$REGISTRY_PID"; fi
	REGISTRY="127.0.0.1:$REGISTRY_PORT"
	export REGISTRY REGISTRY_PORT REGISTRY_PID
	if ! retry 100 0.1 curl -sk -o /dev/null "$scheme://$REGISTRY/v2/"; then
		cat "$dir/registry.log" >&2
		return 1
	fi
}

stop_registry() {
	local pid=${1:-${REGISTRY_PID:-}}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}
