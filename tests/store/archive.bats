#!/usr/bin/env bats
# kist-store save and load: docker-archive and oci-archive, with podman.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	PODMAN_DIR="$BATS_TEST_TMPDIR/podman"
}
teardown() {
	if [ -d "$PODMAN_DIR" ]; then
		podman_ rmi -a -f >/dev/null 2>&1 || true
		cleanup_mounts "$PODMAN_DIR"
		rm -rf "$PODMAN_DIR"
	fi
	store_teardown
}

# A private podman: its own root and runroot under the test dir.
podman_() {
	podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend none "$@"
}

@test "store save: docker-archive layout (manifest.json, repositories, layer tars, config)" {
	import_busybox busybox:test
	id=$output
	store save -o "$BATS_TEST_TMPDIR/out.tar" busybox:test
	assert_success
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/out.tar"
	m="$BATS_TEST_TMPDIR/x/manifest.json"
	jq -e --arg c "${id#sha256:}.json" '.[0].Config == $c and .[0].RepoTags == ["busybox:test"] and (.[0].Layers | length == 1)' "$m"
	layer=$(jq -r '.[0].Layers[0]' "$m")
	# each layer tar is the uncompressed layer: its sha256 is the diff id
	[ "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/x/$layer" | cut -d' ' -f1)" = "$(jq -r '.rootfs.diff_ids[0]' "$BATS_TEST_TMPDIR/x/${id#sha256:}.json")" ]
	tar -tf "$BATS_TEST_TMPDIR/x/$layer" | grep -q 'bin/busybox'
	[ "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/x/${id#sha256:}.json" | cut -d' ' -f1)" = "$id" ]
	jq -e '.busybox.test' "$BATS_TEST_TMPDIR/x/repositories"
}

@test "store save -> load round trip into another store, stdin and stdout" {
	import_busybox busybox:test
	id=$output
	run bash -c "'$STORE' --root '$KIST_ROOT' save busybox:test | gzip > '$BATS_TEST_TMPDIR/out.tar.gz'"
	assert_success
	KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	run "$STORE" --root "$KIST_ROOT" load <"$BATS_TEST_TMPDIR/out.tar.gz"
	assert_success
	assert_output "Loaded image: busybox:test"
	store inspect busybox:test
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	store unpack busybox:test
	assert_success
	[ -x "$output/bin/busybox" ]
}

@test "store save -> podman load; podman save -> store load (docker-archive)" {
	requires root cmd:podman
	import_busybox busybox:test
	id=$output
	store save -o "$BATS_TEST_TMPDIR/kist.tar" busybox:test
	assert_success
	run podman_ load -i "$BATS_TEST_TMPDIR/kist.tar"
	assert_success
	run podman_ images --no-trunc --format '{{.ID}}'
	assert_success
	assert_output --partial "${id#sha256:}"
	run podman_ save -o "$BATS_TEST_TMPDIR/pod.tar" "${id#sha256:}"
	assert_success
	KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	store load -i "$BATS_TEST_TMPDIR/pod.tar"
	assert_success
	assert_output --partial "Loaded image"
	store ls -q --no-trunc
	assert_output "$id"
	store unpack "$id"
	assert_success
	[ -x "$output/bin/busybox" ]
}

@test "store load: podman oci-archive; store save --format oci-archive -> podman load" {
	requires root cmd:podman
	import_busybox busybox:test
	id=$output
	store save --format oci-archive -o "$BATS_TEST_TMPDIR/kist-oci.tar" busybox:test
	assert_success
	tar -tf "$BATS_TEST_TMPDIR/kist-oci.tar" | grep -qx oci-layout
	run podman_ load -i "$BATS_TEST_TMPDIR/kist-oci.tar"
	assert_success
	run podman_ tag "${id#sha256:}" localhost/pod/img:2
	assert_success
	run podman_ save --format oci-archive -o "$BATS_TEST_TMPDIR/pod-oci.tar" localhost/pod/img:2
	assert_success
	KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	store load -i "$BATS_TEST_TMPDIR/pod-oci.tar"
	assert_success
	assert_output "Loaded image: localhost/pod/img:2"
	store inspect localhost/pod/img:2
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	store unpack localhost/pod/img:2
	assert_success
}

@test "store save: several images share layers once; unknown image fails without output" {
	import_busybox a:1
	store tag a:1 b:2
	store save -o "$BATS_TEST_TMPDIR/two.tar" a:1 b:2
	assert_success
	[ "$(tar -tf "$BATS_TEST_TMPDIR/two.tar" | grep -c '\.tar$')" -eq 1 ]
	tar -xOf "$BATS_TEST_TMPDIR/two.tar" manifest.json | jq -e 'length == 2 and .[1].RepoTags == ["b:2"]'
	store save -o "$BATS_TEST_TMPDIR/none.tar" a:1 nosuch:1
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:1'"
	[ ! -e "$BATS_TEST_TMPDIR/none.tar" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep 'none.tar.tmp')" ]
}

@test "store load: bad archives are refused and nothing is named" {
	import_busybox a:1
	store save -o "$BATS_TEST_TMPDIR/good.tar" a:1
	mkdir "$BATS_TEST_TMPDIR/x" && tar -C "$BATS_TEST_TMPDIR/x" -xf "$BATS_TEST_TMPDIR/good.tar"
	KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	# junk
	head -c 5000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	store load -i "$BATS_TEST_TMPDIR/junk"
	assert_failure 1
	# neither manifest.json nor index.json
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/nomani.tar" repositories
	store load -i "$BATS_TEST_TMPDIR/nomani.tar"
	assert_failure 1
	assert_output --partial "no manifest.json or index.json"
	# a manifest.json of the wrong shape: the field at fault is named
	cp "$BATS_TEST_TMPDIR/x/manifest.json" "$BATS_TEST_TMPDIR/manifest.good"
	jq -c '.[0].Layers += [7]' "$BATS_TEST_TMPDIR/manifest.good" >"$BATS_TEST_TMPDIR/x/manifest.json"
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/shape.tar" .
	store load -i "$BATS_TEST_TMPDIR/shape.tar"
	assert_failure 1
	assert_output "kist-store: load '$BATS_TEST_TMPDIR/shape.tar': 'manifest.json[0].Layers' must be an array of strings"
	jq -c '.[0].Config = "./"' "$BATS_TEST_TMPDIR/manifest.good" >"$BATS_TEST_TMPDIR/x/manifest.json"
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/noconfig.tar" .
	store load -i "$BATS_TEST_TMPDIR/noconfig.tar"
	assert_failure 1
	assert_output "kist-store: load '$BATS_TEST_TMPDIR/noconfig.tar': 'manifest.json[0].Config': empty entry name"
	cp "$BATS_TEST_TMPDIR/manifest.good" "$BATS_TEST_TMPDIR/x/manifest.json"
	store ls -q
	assert_output ""
	# a layer whose content does not match the config's diff id
	layer=$(jq -r '.[0].Layers[0]' "$BATS_TEST_TMPDIR/x/manifest.json")
	echo extra >"$BATS_TEST_TMPDIR/extra" && tar -C "$BATS_TEST_TMPDIR" -rf "$BATS_TEST_TMPDIR/x/$layer" extra
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/bad.tar" .
	store load -i "$BATS_TEST_TMPDIR/bad.tar"
	assert_failure 1
	assert_output --partial "diff id mismatch"
	# a missing layer
	rm "$BATS_TEST_TMPDIR/x/$layer"
	tar -C "$BATS_TEST_TMPDIR/x" -cf "$BATS_TEST_TMPDIR/missing.tar" .
	store load -i "$BATS_TEST_TMPDIR/missing.tar"
	assert_failure 1
	assert_output --partial "is missing"
	store ls -q
	assert_output ""
	store load -i "$BATS_TEST_TMPDIR/nope.tar"
	assert_failure 1
	assert_output --partial "open '$BATS_TEST_TMPDIR/nope.tar'"
}

@test "store save -o: a device, FIFO or socket is refused and left alone; a symlink is followed" {
	import_busybox busybox:test
	local d=$BATS_TEST_TMPDIR/out
	special_outputs "$d"
	store save -o "$d/full" busybox:test
	assert_failure 1
	assert_output "kist-store: cannot write '$d/full': is a device"
	store save -o "$d/fifo" busybox:test
	assert_failure 1
	assert_output "kist-store: cannot write '$d/fifo': is a named pipe"
	store save -o "$d/sock" busybox:test
	assert_failure 1
	assert_output "kist-store: cannot write '$d/sock': is a socket"
	store save -o "$d/devlink" busybox:test
	assert_failure 1
	assert_output "kist-store: cannot write '$d/devlink': its target '$d/full' is a device"
	store save -o "$d" busybox:test
	assert_failure 1
	assert_output "kist-store: cannot write '$d': is a directory"
	outputs_intact "$d"
	# a symlink (relative, through a second link) stays; its target gets the archive
	mkdir "$d/real"
	echo old >"$d/real/img.tar"
	chmod 0600 "$d/real/img.tar"
	ln -s real/img.tar "$d/hop"
	ln -s hop "$d/link.tar"
	store save -o "$d/link.tar" busybox:test
	assert_success
	[ -L "$d/link.tar" ] && [ -L "$d/hop" ]
	[ "$(readlink "$d/link.tar")" = hop ]
	tar -tf "$d/real/img.tar" | grep -qx manifest.json
	[ "$(stat -c %a "$d/real/img.tar")" = 600 ]
	# a dangling link: its target is created
	ln -s new.tar "$d/dangling"
	store save -o "$d/dangling" busybox:test
	assert_success
	[ -L "$d/dangling" ] && tar -tf "$d/new.tar" | grep -qx manifest.json
	outputs_intact "$d"
}
