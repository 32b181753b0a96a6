#!/bin/bash
# make demo: the main job, offline and end to end.  Builds a busybox image
# from Debian's busybox-static, pushes it to a real registry on 127.0.0.1,
# pulls it into a fresh store, makes a container and runs it.  Every step is
# printed as a user would type it.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
export PATH="$KIST_BIN:$PATH"

work=$(mktemp -d /tmp/kist-demo.XXXXXX)
reg_pid=""
cid=""
cleanup() {
	set +e
	if [ -n "$cid" ]; then
		kist-runtime --root "$work/run" delete --force "demo-$$" >/dev/null 2>&1
		KIST_ROOT="$work/store2" kist-store rm-container "$cid" >/dev/null 2>&1
	fi
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
	awk -v d="$work" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n$ %s\n' "$*"; "$@"; }

# 1. a busybox rootfs tarball, built offline
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" "$work/rootfs/dev" "$work/rootfs/sys"
cp /bin/busybox "$work/rootfs/bin/"
for a in $("$work/rootfs/bin/busybox" --list); do [ -e "$work/rootfs/bin/$a" ] || ln -s busybox "$work/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$work/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/busybox.tar" .
echo "# built $work/busybox.tar from busybox-static"

# 2. a real registry on 127.0.0.1
port=$((10000 + RANDOM % 20000))
while ss -Htln "sport = :$port" | grep -q .; do port=$((10000 + RANDOM % 20000)); done
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<YML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $work/registry/data}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
echo "# docker-registry listening on 127.0.0.1:$port"
image="127.0.0.1:$port/demo/busybox:1"

# 3. import into a store, push, pull into a fresh store
export KIST_ROOT="$work/store1"
step kist-store import "$work/busybox.tar" busybox:demo
step kist-store ls
step kist-fetch push busybox:demo "$image"
export KIST_ROOT="$work/store2"
step kist-fetch pull "$image"
step kist-store ls

# 4. a container from the pulled image, run by kist-runtime
printf '\n$ kist-store create-container --name demo %s %s\n' "$image" "'{\"Cmd\":[...]}'"
# shellcheck disable=SC2016 # the $(...) and $$ are for the container's shell
cid=$(kist-store create-container --name demo "$image" \
	'{"Cmd":["sh","-c","echo hello from a kist container; echo hostname: $(hostname); echo pid: $$; id"]}')
echo "$cid"
step kist-runtime --root "$work/run" run --bundle "$KIST_ROOT/containers/$cid/bundle" "demo-$$"
echo
echo "# demo finished"
