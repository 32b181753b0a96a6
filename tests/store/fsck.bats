#!/usr/bin/env bats
# kist-store fsck: each class of damage is found, one line each, exit 1;
# --repair removes only what nothing references.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() { store_setup; }
teardown() {
	exec 9>&- || true
	store_teardown
}

# two_layers TAG: a two-layer image (busybox + one file) imported as TAG.
two_layers() {
	mkdir -p "$BATS_TEST_TMPDIR/l1" && echo top >"$BATS_TEST_TMPDIR/l1/top"
	tar -C "$BATS_TEST_TMPDIR/l1" -cf "$BATS_TEST_TMPDIR/l1.tar" .
	make_layout "$BATS_TEST_TMPDIR/lay" "$1" "$(busybox_tar)" "$BATS_TEST_TMPDIR/l1.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:$1" "$1"
	[ "$status" -eq 0 ] || fail "import-layout failed: $output"
}

blob_of() { echo "$KIST_ROOT/oci/blobs/sha256/${1#sha256:}"; }

@test "store fsck: a sound store (images, unpacked layers, a container) has no problem" {
	requires root overlay
	two_layers two:1
	store unpack two:1
	assert_success
	store create-container --name c two:1
	assert_success
	store fsck
	assert_success
	assert_output ""
	store rm-container c
	assert_success
}

@test "store fsck: missing and corrupt blobs; --repair removes only unreferenced ones" {
	two_layers two:1
	local m layer cfg stray
	m=$(jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json")
	layer=$(jq -r '.layers[1].digest' "$(blob_of "$m")")
	cfg=$(jq -r '.config.digest' "$(blob_of "$m")")
	rm -f "$(blob_of "$layer")"
	chmod u+w "$(blob_of "$cfg")"
	echo '{}' >"$(blob_of "$cfg")"
	# a stray blob that nothing names, with bad content
	stray="sha256:$(printf '%064d' 5)"
	echo junk >"$(blob_of "$stray")"
	store fsck
	assert_failure 1
	assert_line "image 'docker.io/library/two:1': layer blob $layer is missing"
	assert_line "blob $cfg: content does not match its digest"
	assert_line "blob $stray: content does not match its digest (unreferenced)"
	store fsck --repair
	assert_failure 1
	assert_line "blob $stray: content does not match its digest: removed"
	assert_line "blob $cfg: content does not match its digest"
	[ ! -e "$(blob_of "$stray")" ] && [ -e "$(blob_of "$cfg")" ]
	# a ref to a manifest that is gone
	rm -f "$(blob_of "$m")"
	store fsck
	assert_failure 1
	assert_line "image 'docker.io/library/two:1': manifest $m is missing"
}

@test "store fsck: an unpacked layer without its parent, an incomplete layer, an orphaned layer, a dangling short link" {
	two_layers two:1
	store unpack two:1
	assert_success
	local top bottom orphan
	# unpack prints each layer's diff dir, bottom first
	[ "${#lines[@]}" -eq 2 ]
	bottom=$(basename "$(dirname "${lines[0]}")")
	top=$(basename "$(dirname "${lines[1]}")")
	store fsck
	assert_success
	rm -rf "${KIST_ROOT:?}/layers/$bottom"
	orphan=$(printf '%064d' 9)
	mkdir -p "$KIST_ROOT/layers/$orphan/diff"
	ln -s "../$orphan/diff" "$KIST_ROOT/layers/l/${orphan:0:12}"
	rm "$KIST_ROOT/layers/$top/link"
	store fsck
	assert_failure 1
	assert_line --regexp "^image 'docker.io/library/two:1': layer sha256:$top is unpacked but its parent sha256:$bottom is not$"
	assert_line "layer sha256:$top: incomplete (no diff/ or link)"
	assert_line "layer sha256:$orphan: orphaned (no image or container uses it)"
	assert_line "layers/l/${bottom:0:12}: dangling short link"
	store fsck --repair
	assert_failure 1
	assert_line "layer sha256:$orphan: orphaned (no image or container uses it): removed"
	assert_line "layers/l/${bottom:0:12}: dangling short link: removed"
	# the orphan's own short link went with it: not reported
	refute_line --partial "layers/l/${orphan:0:12}"
	[ ! -L "$KIST_ROOT/layers/l/${orphan:0:12}" ]
	[ ! -e "$KIST_ROOT/layers/$orphan" ] && [ -d "$KIST_ROOT/layers/$top/diff" ]
	# what is left is the image's own: unpack again makes it whole
	rm -rf "${KIST_ROOT:?}/layers/$top"
	store unpack two:1
	assert_success
	store fsck
	assert_success
	assert_output ""
}

@test "store fsck: containers' records, layers and mounts" {
	requires root overlay
	import_busybox
	store create-container --name dmg busybox:test
	assert_success
	local dmg=$output
	store create-container --name nolayer busybox:test
	assert_success
	local nolayer=$output chain
	chain=$(jq -r '.Layers[0]' "$KIST_ROOT/containers/$nolayer/container.json")
	truncate -s 10 "$KIST_ROOT/containers/$dmg/container.json"
	store fsck
	assert_failure 1
	assert_line "container ${dmg:0:12}: damaged record '$KIST_ROOT/containers/$dmg/container.json' (remove it with rm-container)"
	assert_line "container ${dmg:0:12}: '$KIST_ROOT/containers/$dmg/bundle/rootfs' is mounted"
	store rm-container dmg
	assert_success
	store umount nolayer
	assert_success
	mv "$KIST_ROOT/layers/${chain#sha256:}" "$BATS_TEST_TMPDIR/saved-layer"
	store fsck
	assert_failure 1
	assert_line "container ${nolayer:0:12}: layer $chain is missing"
	mv "$BATS_TEST_TMPDIR/saved-layer" "$KIST_ROOT/layers/${chain#sha256:}"
	store fsck
	assert_success
	store rm-container nolayer
	assert_success
}

@test "store fsck --repair: a container a killed creation left half made (mounted, no record) is removed" {
	requires root overlay
	import_busybox
	store create-container busybox:test
	assert_success
	local half=$output
	# what create-container killed before its record leaves
	rm "$KIST_ROOT/containers/$half/container.json"
	store fsck
	assert_failure 1
	assert_line "container ${half:0:12}: no record (half made; gc removes it)"
	store fsck --repair
	assert_success
	assert_line "container ${half:0:12}: no record (half made): removed"
	[ ! -e "$KIST_ROOT/containers/$half" ]
	! grep -F " $KIST_ROOT/" /proc/self/mountinfo || fail "a mount is left"
	store fsck
	assert_success
	assert_output ""
}

@test "store fsck: stale partial downloads; a held one is no problem" {
	import_busybox
	local in=$KIST_ROOT/oci/ingest stale held
	stale=$(printf '%064d' 1).partial
	held=$(printf '%064d' 2).partial
	mkdir -p "$in"
	echo a >"$in/$stale"
	echo b >"$in/$held"
	echo c >"$in/tmp-1-2-3.partial"
	exec 9<>"$in/$held"
	flock -x 9
	store fsck
	assert_failure 1
	assert_line "oci/ingest/$stale: stale partial download"
	assert_line "oci/ingest/tmp-1-2-3.partial: stale partial download"
	refute_line --partial "$held"
	store fsck --repair
	assert_success
	assert_line "oci/ingest/$stale: stale partial download: removed"
	[ ! -e "$in/$stale" ] && [ -e "$in/$held" ]
	store fsck
	assert_success
	assert_output ""
}

@test "store fsck: a missing index.json is an error, bad arguments are usage errors" {
	import_busybox
	rm "$KIST_ROOT/oci/index.json"
	store fsck
	assert_failure 1
	assert_output "kist-store: fsck: image index of '$KIST_ROOT/oci': open 'index.json': No such file or directory"
	store fsck --bogus
	assert_failure 2
	store fsck extra
	assert_failure 2
}
