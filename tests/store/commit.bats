#!/usr/bin/env bats
# kist-store commit, diff, export: a container's changes.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	requires root overlay
}
teardown() {
	runc delete -f "kist-sc-$$-$BATS_TEST_NUMBER" >/dev/null 2>&1 || true
	store_teardown
}

# A container whose rootfs has an added, a changed, a deleted file and an
# opaque directory (the changes made through the overlay mount, or with
# "vfs" as $1 in the container's own copy).
changed_container() {
	local driver=()
	[ "${1:-}" = vfs ] && driver=(--driver vfs)
	mkdir -p "$BATS_TEST_TMPDIR/l1/data/old" "$BATS_TEST_TMPDIR/l1/etc"
	echo a >"$BATS_TEST_TMPDIR/l1/data/old/a"
	echo gone >"$BATS_TEST_TMPDIR/l1/etc/gone"
	echo orig >"$BATS_TEST_TMPDIR/l1/etc/motd"
	tar -C "$BATS_TEST_TMPDIR/l1" -cf "$BATS_TEST_TMPDIR/l1.tar" .
	make_layout "$BATS_TEST_TMPDIR/lay" base:1 "$(busybox_tar)" "$BATS_TEST_TMPDIR/l1.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:base:1" base:1
	assert_success
	store "${driver[@]}" create-container --name c base:1
	assert_success
	CID=$output
	R="$KIST_ROOT/containers/$CID/bundle/rootfs"
	echo new >"$R/added"
	echo changed >"$R/etc/motd"
	rm "$R/etc/gone"
	rm -r "$R/data/old"
	mkdir "$R/data/old"
	echo fresh >"$R/data/old/b"
}

# The entries of image $1's third (committed) layer, into $output.
list_top_layer() {
	local m l
	m=$(jq -r '.[0].ManifestDigest' <<<"$("$STORE" --root "$KIST_ROOT" inspect "$1")")
	l=$(jq -r '.layers[2].digest' "$KIST_ROOT/oci/blobs/sha256/${m#sha256:}")
	run tar -tzf "$KIST_ROOT/oci/blobs/sha256/${l#sha256:}"
}

# A container of the committed image $1 (CMD from the commit) shows the
# changes of changed_container.
runs_changed() {
	store create-container --name c2 "$1"
	assert_success
	run runc run --bundle "$KIST_ROOT/containers/$output/bundle" "kist-sc-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output "new
changed
b
gone-is-gone"
}

@test "store diff: A, C and D lines" {
	changed_container
	store diff c
	assert_success
	assert_line "A /added"
	assert_line "C /etc"
	assert_line "C /etc/motd"
	assert_line "D /etc/gone"
	assert_line "C /data/old"
	assert_line "A /data/old/b"
	! grep -q "/data/old/a" <<<"$output"
}

@test "store commit: changes become one layer with OCI whiteouts; the image runs" {
	requires cmd:runc
	changed_container
	store commit -m "my change" -c 'CMD ["sh","-c","cat /added /etc/motd; ls /data/old; test -e /etc/gone || echo gone-is-gone"]' c committed:1
	assert_success
	id=$output
	[[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
	store inspect committed:1
	jq -e --arg id "$id" '.[0].Id == $id and (.[0].RootFS.Layers | length == 3)' <<<"$output"
	store history committed:1
	assert_line --index 1 --regexp "^${id:7:12} +.* ago +kist-store commit c +.*my change$"
	# the new layer holds the whiteout entries in OCI form
	list_top_layer committed:1
	assert_line "etc/.wh.gone"
	assert_line "data/old/.wh..wh..opq"
	assert_line "added"
	runs_changed committed:1
}

@test "store commit: without a name the image is dangling; bad changes refused" {
	changed_container
	store commit c
	assert_success
	id=$output
	store ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' -f dangling=true
	assert_output "<none>:<none> ${id:7:12}"
	store commit -c 'FROB x' c x:1
	assert_failure 1
	assert_output --partial "unsupported instruction 'FROB'"
	store commit nosuch x:1
	assert_failure 1
	assert_output --partial "no such container: 'nosuch'"
}

@test "store diff and commit on the vfs driver: the copy is compared with the layers" {
	requires cmd:runc
	changed_container vfs
	# nothing is mounted: the rootfs is a plain copy
	! grep -q " $KIST_ROOT/containers/$CID/bundle/rootfs " /proc/self/mountinfo
	store diff c
	assert_success
	assert_line "A /added"
	assert_line "C /etc"
	assert_line "C /etc/motd"
	assert_line "D /etc/gone"
	assert_line "C /data/old"
	assert_line "D /data/old/a"
	assert_line "A /data/old/b"
	refute_line --partial "/bin"
	store commit -c 'CMD ["sh","-c","cat /added /etc/motd; ls /data/old; test -e /etc/gone || echo gone-is-gone"]' c vcommitted:1
	assert_success
	list_top_layer vcommitted:1
	assert_line "etc/.wh.gone"
	assert_line "data/old/.wh.a"
	assert_line "data/old/b"
	assert_line "added"
	refute_line --partial "bin/"
	# the scratch change set is gone, the container's files are intact
	[ -z "$(ls -A "$KIST_ROOT/tmp")" ]
	[ "$(cat "$R/etc/motd")" = changed ]
	runs_changed vcommitted:1
	# an untouched vfs container has no changes
	store --driver vfs create-container --name clean base:1
	assert_success
	store diff clean
	assert_success
	assert_output ""
}

@test "store vfs driver: files hardlinked in a layer stay hardlinked in the copy" {
	mkdir -p "$BATS_TEST_TMPDIR/l1/d"
	echo same >"$BATS_TEST_TMPDIR/l1/d/one"
	ln "$BATS_TEST_TMPDIR/l1/d/one" "$BATS_TEST_TMPDIR/l1/two"
	tar -C "$BATS_TEST_TMPDIR/l1" -cf "$BATS_TEST_TMPDIR/l1.tar" .
	make_layout "$BATS_TEST_TMPDIR/lay" hl:1 "$BATS_TEST_TMPDIR/l1.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:hl:1" hl:1
	assert_success
	store --driver vfs create-container --name h hl:1
	assert_success
	R="$KIST_ROOT/containers/$output/bundle/rootfs"
	[ "$(stat -c %i "$R/d/one")" = "$(stat -c %i "$R/two")" ]
	[ "$(stat -c %h "$R/two")" = 2 ]
	store diff h
	assert_success
	assert_output ""
}

@test "store export: flat tar of the merged rootfs" {
	changed_container
	store export -o "$BATS_TEST_TMPDIR/flat.tar" c
	assert_success
	run tar -tf "$BATS_TEST_TMPDIR/flat.tar"
	assert_line "added"
	assert_line "bin/busybox"
	assert_line "data/old/b"
	refute_line "etc/gone"
	refute_line "data/old/a"
	! grep -q '\.wh\.' <<<"$output"
	[ "$(tar -xOf "$BATS_TEST_TMPDIR/flat.tar" etc/motd)" = changed ]
	# export to stdout, import it back as a one-layer image
	run bash -c "'$STORE' --root '$KIST_ROOT' export c | '$STORE' --root '$KIST_ROOT' import - flat:1"
	assert_success
	store inspect flat:1
	jq -e '.[0].RootFS.Layers | length == 1' <<<"$output"
}
