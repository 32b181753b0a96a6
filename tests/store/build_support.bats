#!/usr/bin/env bats
# kist-store's pieces for kist-build: commit --timestamp/--created-by/--print-manifest
# (reproducible layers) and prune of a dangling image with its untagged parents.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	requires root overlay
}
teardown() {
	local d
	for d in "$KIST_ROOT"/containers/[0-9a-f]*; do
		[ -d "$d" ] && "$STORE" --root "$KIST_ROOT" rm-container -f "${d##*/}" >/dev/null 2>&1
	done
	store_teardown
}

# commit_new NAME FILE: a container of busybox:test with FILE written (now),
# committed with --timestamp 1000; prints the manifest digest into $output.
commit_new() {
	store create-container --name "$1" busybox:test
	assert_success
	local id=$output
	echo hello >"$KIST_ROOT/containers/$id/bundle/rootfs/$2"
	touch -d @5 "$KIST_ROOT/containers/$id/bundle/rootfs/bin/busybox" # older: kept
	store commit --timestamp 1000 --created-by "RUN make $2" --print-manifest "$1"
	assert_success
}

@test "store commit --timestamp: the same changes give the same digests; mtimes clamped" {
	import_busybox
	commit_new c1 f
	local m1=$output
	[[ $m1 =~ ^sha256:[0-9a-f]{64}$ ]] || fail "not a manifest digest: $m1"
	sleep 1.1 # a later wall clock for the second commit (not an assertion on time)
	commit_new c2 f
	assert_equal "$output" "$m1"
	local cfg layer
	cfg=$(jq -r .config.digest "$KIST_ROOT/oci/blobs/sha256/${m1#sha256:}")
	run jq -r '.created, .history[-1].created, .history[-1].created_by' \
		"$KIST_ROOT/oci/blobs/sha256/${cfg#sha256:}"
	assert_output "1970-01-01T00:16:40Z
1970-01-01T00:16:40Z
RUN make f"
	layer=$(jq -r '.layers[-1].digest' "$KIST_ROOT/oci/blobs/sha256/${m1#sha256:}")
	run tar --full-time -tvzf "$KIST_ROOT/oci/blobs/sha256/${layer#sha256:}"
	assert_success
	assert_line --regexp ' 1970-01-01 00:16:40 f$'
	assert_line --regexp ' 1970-01-01 00:00:05 bin/busybox$'
	refute_output --partial ' 20'
}

@test "store commit without --timestamp: created is now and the default created_by" {
	import_busybox
	store create-container --name c busybox:test
	assert_success
	store commit c
	assert_success
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]] || fail "not an image id: $output"
	run jq -r '.created, .history[-1].created_by' "$KIST_ROOT/oci/blobs/sha256/${output#sha256:}"
	assert_line --index 0 --regexp "^$(date -u +%Y)-"
	assert_line --index 1 "kist-store commit c"
}

@test "store commit --timestamp: a bad value is a usage error" {
	import_busybox
	store create-container --name c busybox:test
	store commit --timestamp yesterday c
	assert_failure 2
	assert_output --partial "invalid --timestamp 'yesterday'"
}

@test "store prune: a dangling image goes with its untagged parents, a tagged child keeps them" {
	import_busybox
	commit_new a a
	store create-container --name b "$output"
	assert_success
	store commit --print-manifest b
	assert_success
	local top=$output
	store tag "$top" top:1
	assert_success
	store rm-container a
	store rm-container b
	store ls -a -q
	assert_equal "${#lines[@]}" 3
	store prune -f
	assert_success
	refute_output --partial deleted
	store rm top:1
	assert_success
	store ls -a -q
	assert_equal "${#lines[@]}" 2 # busybox and the untagged first commit
	store prune -f
	assert_success
	assert_output --partial deleted
	store ls -a --format '{{.Repository}}:{{.Tag}}'
	assert_output "busybox:test"
	store fsck
	assert_success
}
