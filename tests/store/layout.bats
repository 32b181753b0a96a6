#!/usr/bin/env bats
# kist-store import-layout / export-layout: OCI layouts other tools read and write.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
}
teardown() {
	runc delete -f "kist-sl-$$-$BATS_TEST_NUMBER" >/dev/null 2>&1 || true
	run_crun delete -f "kist-sl-$$-$BATS_TEST_NUMBER" >/dev/null 2>&1 || true
	if [ -x "$RT" ]; then
		"$RT" --root "$BATS_TEST_TMPDIR/rt" delete --force "kist-sl-$$-$BATS_TEST_NUMBER" >/dev/null 2>&1 || true
	fi
	store_teardown
}

@test "store export-layout: oci-image-tool validates it, every layer is a tar, skopeo reads it" {
	requires cmd:oci-image-tool cmd:skopeo
	import_busybox busybox:test
	id=$output
	store export-layout busybox:test "$BATS_TEST_TMPDIR/lay"
	assert_success
	run oci-image-tool validate --type image --ref name=docker.io/library/busybox:test "$BATS_TEST_TMPDIR/lay"
	assert_success
	assert_output --partial "Validation succeeded"
	m=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/lay/index.json")
	for l in $(jq -r '.layers[].digest' "$BATS_TEST_TMPDIR/lay/blobs/sha256/${m#sha256:}"); do
		run tar -tzf "$BATS_TEST_TMPDIR/lay/blobs/sha256/${l#sha256:}"
		assert_success
		assert_output --partial "bin/busybox"
	done
	run skopeo inspect "oci:$BATS_TEST_TMPDIR/lay:docker.io/library/busybox:test"
	assert_success
	jq -e --arg m "$m" '.Digest == $m and .Os == "linux" and (.Layers | length == 1)' <<<"$output"
	run skopeo inspect --config "oci:$BATS_TEST_TMPDIR/lay:docker.io/library/busybox:test"
	assert_success
	jq -e '.rootfs.diff_ids | length == 1' <<<"$output"
	# the store's own oci/ is a layout too
	run skopeo inspect "oci:$KIST_ROOT/oci:docker.io/library/busybox:test"
	assert_success
	run oci-image-tool validate --type image --ref name=docker.io/library/busybox:test "$KIST_ROOT/oci"
	assert_success
	# a second image into the same layout, under a short name; blobs shared
	store tag busybox:test other:v1
	store export-layout other:v1 "$BATS_TEST_TMPDIR/lay:v1"
	assert_success
	jq -e '.manifests | length == 2' "$BATS_TEST_TMPDIR/lay/index.json"
	run skopeo inspect "oci:$BATS_TEST_TMPDIR/lay:v1"
	assert_success
	store export-layout nosuch:1 "$BATS_TEST_TMPDIR/lay2"
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:1'"
}

@test "store import-layout: umoci-made layout -> create-container -> runs with crun, runc and kist-runtime" {
	requires root overlay cmd:umoci cmd:crun cmd:runc
	lay="$BATS_TEST_TMPDIR/umoci"
	umoci init --layout "$lay"
	umoci new --image "$lay:latest"
	umoci unpack --image "$lay:latest" "$BATS_TEST_TMPDIR/b"
	tar -C "$BATS_TEST_TMPDIR/b/rootfs" -xf "$(busybox_tar)"
	umoci repack --image "$lay:latest" "$BATS_TEST_TMPDIR/b"
	umoci config --image "$lay:latest" --config.cmd sh --config.cmd -c \
		--config.cmd 'echo umoci-image; id -un' --config.env PATH=/bin
	store import-layout "$lay:latest" umoci/img:1
	assert_success
	assert_output "Loaded image: umoci/img:1"
	store import-layout "$lay:nosuch" x:1
	assert_failure 1
	assert_output --partial "no image named 'nosuch'"
	store import-layout "$BATS_TEST_TMPDIR/nolayout" x:1
	assert_failure 1
	store create-container --name u umoci/img:1
	assert_success
	b="$KIST_ROOT/containers/$output/bundle"
	run run_crun run --bundle "$b" "kist-sl-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output "umoci-image
root"
	run runc run --bundle "$b" "kist-sl-$$-$BATS_TEST_NUMBER"
	assert_success
	assert_output "umoci-image
root"
	if [ -x "$RT" ]; then
		run "$RT" --root "$BATS_TEST_TMPDIR/rt" run --bundle "$b" "kist-sl-$$-$BATS_TEST_NUMBER"
		assert_success
		assert_output "umoci-image
root"
	fi
}

@test "store import-layout: a whole layout, entries named by full references" {
	import_busybox a:1
	store tag a:1 example.com/x/y:2
	store export-layout a:1 "$BATS_TEST_TMPDIR/lay"
	store export-layout example.com/x/y:2 "$BATS_TEST_TMPDIR/lay"
	KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	store import-layout "$BATS_TEST_TMPDIR/lay"
	assert_success
	assert_line "Loaded image: a:1"
	assert_line "Loaded image: example.com/x/y:2"
	store ls --format '{{.Repository}}:{{.Tag}}'
	assert_line a:1
	assert_line example.com/x/y:2
}

@test "store import-layout: a blob that does not match its digest is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/l1" && echo hi >"$BATS_TEST_TMPDIR/l1/f"
	tar -C "$BATS_TEST_TMPDIR/l1" -cf "$BATS_TEST_TMPDIR/l1.tar" .
	make_layout "$BATS_TEST_TMPDIR/lay" t:1 "$BATS_TEST_TMPDIR/l1.tar"
	m=$(jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/lay/index.json")
	l=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/lay/blobs/sha256/${m#sha256:}")
	echo garbage >>"$BATS_TEST_TMPDIR/lay/blobs/sha256/${l#sha256:}"
	store import-layout "$BATS_TEST_TMPDIR/lay:t:1" t:1
	assert_failure 1
	assert_output --partial "${l}"
	store ls -q
	assert_output ""
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${l#sha256:}" ]
}
