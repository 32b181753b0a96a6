#!/usr/bin/env bats
# kist-fetch and kist-store gc share ROOT/.gc.lock: a pull into the store holds
# it shared, so gc (exclusive) can never remove blobs a pull has written but
# not yet named in index.json.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	export REGDIR="$BATS_FILE_TMPDIR/reg"
	start_registry "$REGDIR"
	export REG="$REGISTRY"
	mkdir -p "$BATS_FILE_TMPDIR/l1/etc" && echo hello >"$BATS_FILE_TMPDIR/l1/etc/motd"
	make_image "$BATS_FILE_TMPDIR/src" app "$BATS_FILE_TMPDIR/l1" >/dev/null
	skopeo_push "$BATS_FILE_TMPDIR/src" app "$REG/test/app:v1"
}

teardown_file() { stop_helpers; }

setup() { export KIST_ROOT="$BATS_TEST_TMPDIR/root"; }
teardown() { kist_cleanup; }

@test "fetch pull: waits while gc holds the store's lock, then completes" {
	mkdir -p "$KIST_ROOT"
	# stand in for a running `kist-store gc`: hold the lock exclusively
	# (one process that holds the lock itself, with bats' fd 3 closed)
	(exec 9>"$KIST_ROOT/.gc.lock" && flock -x 9 && exec sleep 600) 3>&- &
	local holder=$!
	track_pid "$holder"
	wait_for bash -c "! flock -n -s '$KIST_ROOT/.gc.lock' true"
	run -124 timeout 2 "$FETCH" --root "$KIST_ROOT" pull -q "$REG/test/app:v1"
	# nothing was written while gc had the store
	run -0 find "$KIST_ROOT" -path '*/blobs/*' -type f
	assert_output ""
	kill "$holder"
	wait "$holder" || true
	fetch pull -q "$REG/test/app:v1"
	assert_success
	store_ok "$KIST_ROOT"
	run -0 flock -x -w 5 "$KIST_ROOT/.gc.lock" true
}
