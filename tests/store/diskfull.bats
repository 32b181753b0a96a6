#!/usr/bin/env bats
# kist-store with its disk full (the store on a small tmpfs): unpack, commit
# and load fail with a clear error, leave nothing half-visible, and fsck
# finds nothing wrong afterwards.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	requires root
	SMALL="$BATS_TEST_TMPDIR/small"
	mkdir -p "$SMALL"
	mount -t tmpfs -o size=48m kist-full "$SMALL"
	export KIST_ROOT="$SMALL/root"
	rand_layer_tar "$BATS_TEST_TMPDIR/rand.tar" 6144
}
teardown() {
	store_teardown # unmounts containers' overlays and the tmpfs (under BATS_TEST_TMPDIR)
}

# rand_layer_tar FILE KIB: a layer tar holding KIB KiB of random bytes.
rand_layer_tar() {
	mkdir -p "$BATS_TEST_TMPDIR/rand/data"
	head -c "$(($2 * 1024))" /dev/urandom >"$BATS_TEST_TMPDIR/rand/data/blob"
	tar -C "$BATS_TEST_TMPDIR/rand" -cf "$1" .
}

# fill_to KIB: fill the tmpfs until KIB KiB are left.
fill_to() {
	local avail
	avail=$(df -k --output=avail "$SMALL" | tail -1)
	[ "$avail" -gt "$1" ] || return 0
	fallocate -l "$(((avail - $1) * 1024))" "$SMALL/filler"
}
unfill() { rm -f "$SMALL/filler"; }

# fsck_clean: the store has no problem once the operation failed.
fsck_clean() {
	store fsck
	[ "$status" -eq 0 ] || fail "fsck after the failure: $output"
}

@test "store unpack with the disk full: a clear error, no layer visible, fsck clean" {
	store import "$BATS_TEST_TMPDIR/rand.tar" big:1
	assert_success
	fill_to 1024
	store unpack big:1
	assert_failure 1
	assert_output --partial "No space left on device"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ -z "$(find "$KIST_ROOT/layers" -mindepth 1 -maxdepth 1 -regex '.*/[0-9a-f]\{64\}')" ]
	fsck_clean
	unfill
	store unpack big:1
	assert_success
	fsck_clean
}

@test "store commit with the disk full: a clear error, no image named, fsck clean" {
	requires overlay
	import_busybox base:1
	store create-container --name c base:1
	assert_success
	local id=$output
	head -c $((6 << 20)) /dev/urandom >"$KIST_ROOT/containers/$id/bundle/rootfs/junk"
	store ls -q --no-trunc
	local before=$output
	fill_to 1024
	store commit c new:1
	assert_failure 1
	assert_output --partial "No space left on device"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	store ls -q --no-trunc
	assert_output "$before"
	fsck_clean
	unfill
	store commit c new:1
	assert_success
	fsck_clean
	store rm-container c
	assert_success
}

@test "store load with the disk full: a clear error, nothing named, fsck clean" {
	local other=$BATS_TEST_TMPDIR/other
	KIST_ROOT=$other store import "$BATS_TEST_TMPDIR/rand.tar" big:1
	assert_success
	run "$STORE" --root "$other" save -o "$BATS_TEST_TMPDIR/big.tar" big:1
	assert_success
	import_busybox base:1
	fill_to 1024
	store load -i "$BATS_TEST_TMPDIR/big.tar"
	assert_failure 1
	assert_output --partial "No space left on device"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	store ls --format '{{.Repository}}'
	assert_output base
	fsck_clean
	unfill
	store load -i "$BATS_TEST_TMPDIR/big.tar"
	assert_success
	fsck_clean
}
