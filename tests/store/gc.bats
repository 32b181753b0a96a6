#!/usr/bin/env bats
# kist-store gc, du, info.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() { store_setup; }
teardown() { store_teardown; }

@test "store gc: removes unreferenced blobs and layers, keeps what images and containers use" {
	requires root overlay
	import_busybox keep:1
	store unpack keep:1
	assert_success
	keep_layer=$(dirname "$output")
	mkdir -p "$BATS_TEST_TMPDIR/l" && echo x >"$BATS_TEST_TMPDIR/l/x"
	tar -C "$BATS_TEST_TMPDIR/l" -cf "$BATS_TEST_TMPDIR/l.tar" .
	store import "$BATS_TEST_TMPDIR/l.tar" drop:1
	assert_success
	store unpack drop:1
	drop_layer=$(dirname "$output")
	store create-container --name c keep:1
	assert_success
	# drop:1 leaves the index by hand (as another tool could): its blobs and layer are garbage
	jq '.manifests |= map(select(.annotations["org.opencontainers.image.ref.name"] != "docker.io/library/drop:1"))' \
		"$KIST_ROOT/oci/index.json" >"$BATS_TEST_TMPDIR/i" && cp "$BATS_TEST_TMPDIR/i" "$KIST_ROOT/oci/index.json"
	# and the kept image loses its name: the container still holds it
	store rm -f keep:1
	assert_success
	n_before=$(ls "$KIST_ROOT/oci/blobs/sha256" | wc -l)
	# a container directory a killed create-container left without container.json
	half="$KIST_ROOT/containers/$(printf '%064d' 7)"
	mkdir -p "$half/upper" "$KIST_ROOT/containers/.tmp-x/upper"
	store gc -v
	assert_success
	assert_output --partial "deleted layer sha256:$(basename "$drop_layer")"
	assert_line --regexp '^Total reclaimed space: [0-9.]+[kMG]?B$'
	[ ! -e "$drop_layer" ]
	[ ! -e "$half" ] && [ ! -e "$KIST_ROOT/containers/.tmp-x" ]
	[ -d "$keep_layer/diff" ]
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256" | wc -l)" -eq $((n_before - 3)) ]
	[ -z "$(find -L "$KIST_ROOT/layers/l" -type l)" ] # no dangling short links
	store gc
	assert_success
	assert_output "Total reclaimed space: 0B"
	store mount c
	assert_success
}

@test "store gc: a missing, unreadable or corrupt index.json is an error and removes nothing" {
	import_busybox keep:1
	store unpack keep:1
	assert_success
	local layer blobs
	layer=$(dirname "$output")
	blobs=$(ls "$KIST_ROOT/oci/blobs/sha256")
	mv "$KIST_ROOT/oci/index.json" "$BATS_TEST_TMPDIR/index.json"
	store gc
	assert_failure 1
	assert_output "kist-store: gc: cannot tell what is in use, nothing removed: image index of '$KIST_ROOT/oci': open 'index.json': No such file or directory"
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256")" = "$blobs" ] && [ -d "$layer/diff" ]
	# opening the store did not make a new, empty index either
	[ ! -e "$KIST_ROOT/oci/index.json" ]
	echo '{"schemaVersion": 2, "manif' >"$KIST_ROOT/oci/index.json"
	store gc
	assert_failure 1
	assert_output --partial "kist-store: gc: cannot tell what is in use, nothing removed: image index of '$KIST_ROOT/oci'"
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256")" = "$blobs" ] && [ -d "$layer/diff" ]
	# a named manifest that is not JSON: what it points at is not garbage either
	cp "$BATS_TEST_TMPDIR/index.json" "$KIST_ROOT/oci/index.json"
	local m
	m=$(jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json")
	cp "$KIST_ROOT/oci/blobs/sha256/${m#sha256:}" "$BATS_TEST_TMPDIR/m"
	chmod u+w "$KIST_ROOT/oci/blobs/sha256/${m#sha256:}"
	echo garbage >"$KIST_ROOT/oci/blobs/sha256/${m#sha256:}"
	store gc
	assert_failure 1
	assert_output --partial "kist-store: gc: cannot tell what is in use, nothing removed: image 'docker.io/library/keep:1'"
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256")" = "$blobs" ] && [ -d "$layer/diff" ]
	cp "$BATS_TEST_TMPDIR/m" "$KIST_ROOT/oci/blobs/sha256/${m#sha256:}"
	store gc
	assert_success
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256")" = "$blobs" ] && [ -d "$layer/diff" ]
	store unpack keep:1
	assert_success
}

@test "store gc: removes fetch partials no pull holds, keeps a held one" {
	import_busybox keep:1
	local in=$KIST_ROOT/oci/ingest stale held
	stale=$in/$(printf '%064d' 1).partial
	held=$in/$(printf '%064d' 2).partial
	mkdir -p "$in"
	head -c $((4 << 20)) /dev/zero >"$stale"
	echo partial >"$held"
	# a pull holds its partial's flock while it writes (spec/layout's blob
	# writer): so does this test's shell, until the test ends
	exec 9<>"$held"
	flock -x 9
	run ! flock -n -x "$held" true
	store gc -v
	assert_success
	assert_line "deleted partial $(basename "$stale")"
	refute_line --partial "$(basename "$held")"
	[ ! -e "$stale" ] && [ -e "$held" ]
	assert_line --regexp '^Total reclaimed space: 4(\.[0-9]+)?MB$'
	store ls -q
	assert_output --regexp '^[0-9a-f]{12}$'
}

@test "store du and info: counts and driver" {
	import_busybox a:1
	store unpack a:1
	store du
	assert_success
	assert_line --index 0 --regexp '^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$'
	assert_line --regexp '^Images +1 +0 +[0-9.]+[kM]B +[0-9.]+[kM]B \(100%\)$'
	assert_line --regexp '^Containers +0 +0 +0B +0B$'
	assert_line --regexp '^Local Volumes +0 +0 +0B +0B$'
	assert_line --regexp '^Build Cache +0 +0 +0B +0B$'
	store info
	assert_success
	jq -e --arg r "$KIST_ROOT" '.Root == $r and .Images == 1 and .Layers == 1 and .Blobs == 3 and (.Driver == "overlay" or .Driver == "vfs")' <<<"$output"
	store --driver vfs info
	jq -e '.Driver == "vfs"' <<<"$output"
}
