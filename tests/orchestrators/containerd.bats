#!/usr/bin/env bats
# containerd drives kist-runtime through its runc shim (io.containerd.runc.v2
# with `--runc-binary`): run --rm, run -d + exec + kill.  A private containerd
# (config, root, state, socket) under the file's tmp dir.
bats_require_minimum_version 1.5.0
load ../helpers

# An OCI image archive of a busybox rootfs, named $2, written to $3.
make_oci_archive() {
	local src=$1 name=$2 out=$3 w ld ls cd cs md ms
	w=$(mktemp -d "$BATS_FILE_TMPDIR/oci.XXXXXX")
	mkdir -p "$w/blobs/sha256"
	tar -C "$src" -cf "$w/layer.tar" .
	ld=$(sha256sum "$w/layer.tar" | cut -d' ' -f1)
	ls=$(stat -c %s "$w/layer.tar")
	mv "$w/layer.tar" "$w/blobs/sha256/$ld"
	jq -nc --arg d "sha256:$ld" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"]},
		rootfs: {type: "layers", diff_ids: [$d]}}' >"$w/config"
	cd=$(sha256sum "$w/config" | cut -d' ' -f1)
	cs=$(stat -c %s "$w/config")
	mv "$w/config" "$w/blobs/sha256/$cd"
	jq -nc --arg c "sha256:$cd" --argjson cs "$cs" --arg l "sha256:$ld" --argjson ls "$ls" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$w/manifest"
	md=$(sha256sum "$w/manifest" | cut -d' ' -f1)
	ms=$(stat -c %s "$w/manifest")
	mv "$w/manifest" "$w/blobs/sha256/$md"
	jq -nc --arg m "sha256:$md" --argjson ms "$ms" --arg n "$name" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
			annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": "latest"}}]}' >"$w/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci-layout"
	tar -C "$w" -cf "$out" oci-layout index.json blobs
	rm -rf "$w"
}

setup_file() {
	requires root cmd:containerd cmd:ctr cmd:containerd-shim-runc-v2
	export CD=$BATS_FILE_TMPDIR/ctrd
	export CNS=kist-$$
	export IMG=docker.io/library/kist-bb:latest
	mkdir -p "$CD/rootfs"
	cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.internal.v1.opt"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
	containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
	echo $! >"$CD/containerd.pid"
	if ! retry 100 0.1 ctr -a "$CD/containerd.sock" version >/dev/null 2>&1; then
		cat "$CD/containerd.log" >&2
		return 1
	fi
	make_rootfs "$CD/rootfs"
	chmod 755 "$CD/rootfs"
	make_oci_archive "$CD/rootfs" "$IMG" "$CD/image.tar"
	ctr -a "$CD/containerd.sock" -n "$CNS" images import "$CD/image.tar" >/dev/null
}

teardown_file() {
	[ -n "${CD:-}" ] || return 0
	local t pid
	for t in $(c task ls -q 2>/dev/null); do
		c task kill -s SIGKILL "$t" >/dev/null 2>&1 || true
	done
	for t in $(c task ls -q 2>/dev/null); do
		retry 50 0.1 sh -c "ctr -a '$CD/containerd.sock' -n '$CNS' task ls | grep -q '^$t .*STOPPED'" || true
		c task rm -f "$t" >/dev/null 2>&1 || true
	done
	for t in $(c containers ls -q 2>/dev/null); do
		c containers rm "$t" >/dev/null 2>&1 || true
	done
	c images rm "$IMG" >/dev/null 2>&1 || true
	pid=$(cat "$CD/containerd.pid" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	fi
	cleanup_mounts "$CD"
	rm -rf "$CD"
	# the shims put their sockets under /run/containerd/s whatever the
	# config says: remove the directories if we left them empty
	rmdir /run/containerd/s /run/containerd 2>/dev/null || true
	# containers got cgroups /<namespace>/<id>: the runtime removed the
	# leaves, the namespace's parent directories are ours to remove
	rmdir /sys/fs/cgroup/*/"$CNS" /sys/fs/cgroup/"$CNS" 2>/dev/null || true
}

teardown() {
	kist_cleanup
}

c() { ctr -a "$CD/containerd.sock" -n "$CNS" "$@"; }
crun_() { run c "$@"; echo "ctr $*: $status $output" >&2; }

@test "containerd: ctr run --rm through the runc shim with kist-runtime" {
	crun_ run --rm --fifo-dir "$CD/fifo" --runc-binary "$RT" --runc-root "$CD/rt" "$IMG" "c1-$$" echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	crun_ run --rm --fifo-dir "$CD/fifo" --runc-binary "$RT" --runc-root "$CD/rt" "$IMG" "c2-$$" sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "containerd: ctr run -d, task exec, kill, rm" {
	c run -d --fifo-dir "$CD/fifo" --runc-binary "$RT" --runc-root "$CD/rt" "$IMG" "c3-$$" sleep 1000 >/dev/null
	# kist-runtime holds the container's state (namespace = containerd namespace)
	run "$RT" --root "$CD/rt/$CNS" state "c3-$$"
	echo "$output" >&2
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .status)" = running ]
	crun_ task exec --fifo-dir "$CD/fifo" --exec-id e1 "c3-$$" sh -c 'echo exec-ok; exit 5'
	[ "$status" -eq 5 ]
	assert_line exec-ok
	crun_ task ps "c3-$$"
	[ "$status" -eq 0 ]
	c task kill -s SIGKILL "c3-$$"
	retry 50 0.1 sh -c "ctr -a '$CD/containerd.sock' -n '$CNS' task ls | grep -q 'c3-$$ .*STOPPED'"
	crun_ task rm "c3-$$"
	[ "$status" -eq 0 ]
	crun_ containers rm "c3-$$"
	[ "$status" -eq 0 ]
	run "$RT" --root "$CD/rt/$CNS" list -q
	[[ "$output" != *"c3-$$"* ]]
}
