#!/usr/bin/env bats
# kist-fetch push: blobs skipped when present, cross-repository mounts,
# monolithic and chunked uploads, manifests last.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	export REGDIR="$BATS_FILE_TMPDIR/reg"
	start_registry "$REGDIR"
	export REG="$REGISTRY"
	local src="$BATS_FILE_TMPDIR/src"
	make_rootfs "$BATS_FILE_TMPDIR/rootfs"
	rand_dir "$BATS_FILE_TMPDIR/l2" 512
	export IMG_DIGEST AMD ARM IDX
	IMG_DIGEST=$(make_image "$src" app "$BATS_FILE_TMPDIR/rootfs" "$BATS_FILE_TMPDIR/l2")
	AMD=$(ARCH=amd64 make_image "$src" amd "$BATS_FILE_TMPDIR/l2")
	ARM=$(ARCH=arm64 make_image "$src" arm "$BATS_FILE_TMPDIR/rootfs")
	IDX=$(make_index "$src" multi amd64="$AMD" arm64="$ARM")
	export SRC="$src"
}

teardown_file() { stop_helpers; }

setup() { export KIST_ROOT="$BATS_TEST_TMPDIR/root"; }
teardown() { kist_cleanup; }

# the manifest digest skopeo sees in the registry
remote_digest() { skopeo inspect --raw --tls-verify=false "docker://$1" | sha256sum | cut -d' ' -f1; }

@test "fetch push: oci:DIR:REF to a registry, pulled back identical" {
	fetch push "oci:$SRC:app" "$REG/p/one:v1"
	assert_success
	assert_line "The push refers to repository [$REG/p/one]"
	assert_line --regexp '^[0-9a-f]{12}: Pushed$'
	# not a terminal: no transfer lines (docker prints "Pushing" only beside a bar)
	refute_line --partial "Pushing"
	assert_line "v1: digest: $IMG_DIGEST size: $(stat -c %s "$SRC/blobs/sha256/${IMG_DIGEST#sha256:}")"
	[ "sha256:$(remote_digest "$REG/p/one:v1")" = "$IMG_DIGEST" ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/p/one:v1" "oci:$BATS_TEST_TMPDIR/back:x"
	for b in "$BATS_TEST_TMPDIR"/back/blobs/sha256/*; do
		cmp "$b" "$SRC/blobs/sha256/$(basename "$b")"
	done
}

@test "fetch push: blobs the registry has are skipped" {
	fetch push -q "oci:$SRC:app" "$REG/p/two:v1"
	assert_success
	assert_output "$IMG_DIGEST"
	fetch push "oci:$SRC:app" "$REG/p/two:v2"
	assert_success
	[ "$(grep -c 'Layer already exists' <<<"$output")" -eq 2 ]
	refute_line --partial "Pushed"
}

@test "fetch push: a blob in another repository of the registry is mounted" {
	fetch push -q "oci:$SRC:app" "$REG/p/three:v1"
	assert_success
	# the store learns p/three holds these blobs by pulling it
	fetch pull -q "$REG/p/three:v1"
	assert_success
	fetch push "$REG/p/three:v1" "$REG/p/four:v1"
	assert_success
	[ "$(grep -c 'Mounted from p/three' <<<"$output")" -eq 2 ]
	[ "sha256:$(remote_digest "$REG/p/four:v1")" = "$IMG_DIGEST" ]
	# a layout that knows nothing of the registry: the store's hints from
	# the earlier pull and push still find a repository to mount from
	fetch push "oci:$SRC:app" "$REG/p/five:v1"
	assert_success
	[ "$(grep -c 'Mounted from p/' <<<"$output")" -eq 2 ]
	run -0 jq -r --arg d "$IMG_DIGEST" 'keys | length' "$KIST_ROOT/fetch/blob-repos.json"
	[ "$output" -ge 3 ]
}

@test "fetch push: large blobs go up in Content-Range chunks" {
	local port
	port=$(free_port)
	start_helper proxy-chunk "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/requests"
	KIST_FETCH_CHUNK_SIZE=65536 run "$FETCH" --root "$KIST_ROOT" push "oci:$SRC:app" "127.0.0.1:$port/p/chunked:v1"
	echo "$output" >&2
	stop_helper proxy-chunk
	assert_success
	# the 512 KiB random layer took 8 PATCH requests with ranges, and the
	# closing PUTs carried the last bytes (no empty PUT)
	[ "$(grep -ao 'PATCH /v2/p/chunked' "$BATS_TEST_TMPDIR/requests" | wc -l)" -ge 8 ]
	grep -aq 'Content-Range: 65536-131071' "$BATS_TEST_TMPDIR/requests"
	grep -a -A5 'PUT /v2/p/chunked/blobs/uploads/' "$BATS_TEST_TMPDIR/requests" | grep -aq 'Content-Length: [1-9]'
	run grep -a -A5 'PUT /v2/p/chunked/blobs/uploads/' "$BATS_TEST_TMPDIR/requests"
	refute_output --partial 'Content-Length: 0'$'\r\n'
	[ "sha256:$(remote_digest "$REG/p/chunked:v1")" = "$IMG_DIGEST" ]
}

@test "fetch push: without a terminal, the lines docker prints: Preparing, Waiting, Pushed" {
	local i dirs=() img id
	# six layers and a config for four upload slots: the three smallest
	# blobs wait for one, two of them layers
	for i in 1 2 3 4 5 6; do
		rand_dir "$BATS_TEST_TMPDIR/l$i" $((8 * i))
		dirs+=("$BATS_TEST_TMPDIR/l$i")
	done
	img=$(make_image "$BATS_TEST_TMPDIR/six" six "${dirs[@]}")
	fetch push "oci:$BATS_TEST_TMPDIR/six:six" "$REG/p/six:v1"
	assert_success
	local out=$output
	# every line is one docker prints when stdout is not a terminal
	run -1 grep -Ev '^([0-9a-f]{12}: (Preparing|Waiting|Pushed)|The push refers to repository \['"$REG"'/p/six\]|v1: digest: sha256:[0-9a-f]{64} size: [0-9]+)$' <<<"$out"
	[ "$(grep -c ': Waiting$' <<<"$out")" -eq 2 ]
	# each layer: Preparing first, Pushed last
	for id in $(jq -r '.layers[].digest[7:19]' "$BATS_TEST_TMPDIR/six/blobs/sha256/${img#sha256:}"); do
		run -0 grep "^$id: " <<<"$out"
		[ "${lines[0]}" = "$id: Preparing" ]
		[ "${lines[-1]}" = "$id: Pushed" ]
	done
	[ "sha256:$(remote_digest "$REG/p/six:v1")" = "$img" ]
}

@test "fetch push: on a terminal, layers show Pushing with a progress bar" {
	rand_dir "$BATS_TEST_TMPDIR/big" 2048
	make_image "$BATS_TEST_TMPDIR/tty" tty "$BATS_TEST_TMPDIR/big" >/dev/null
	run -0 script -qec "'$FETCH' --root '$KIST_ROOT' push 'oci:$BATS_TEST_TMPDIR/tty:tty' '$REG/p/tty:v1'" /dev/null
	echo "$output" >&2
	assert_output --partial "Pushing ["
	assert_output --partial "Pushed"
	assert_output --regexp 'v1: digest: sha256:[0-9a-f]{64}'
}

@test "fetch push: an index with its platform manifests" {
	fetch push "oci:$SRC:multi" "$REG/p/multi:v1"
	assert_success
	[ "sha256:$(remote_digest "$REG/p/multi:v1")" = "$IDX" ]
	run -0 skopeo inspect --tls-verify=false --override-arch arm64 "docker://$REG/p/multi:v1"
	run -0 jq -r .Architecture <<<"$output"
	assert_output arm64
}

@test "fetch push: a layer shared by two platforms of an index is prepared once" {
	idx2=$(make_index "$SRC" twin amd64="$AMD" arm64="$AMD")
	fetch push "oci:$SRC:twin" "$REG/p/twin:v1"
	assert_success
	[ "sha256:$(remote_digest "$REG/p/twin:v1")" = "$idx2" ]
	layer=$(jq -r '.layers[0].digest' "$SRC/blobs/sha256/${AMD#sha256:}")
	[ "$(grep -c "^${layer:7:12}: Preparing$" <<<"$output")" -eq 1 ]
	[ "$(grep -c "^${layer:7:12}: Pushed$" <<<"$output")" -eq 1 ]
}

@test "fetch push: a missing source image fails naming it" {
	fetch push "oci:$SRC:nope" "$REG/p/x:v1"
	assert_failure 1
	assert_output --partial "image 'nope' not found"
	fetch push "oci:$BATS_TEST_TMPDIR/none:app" "$REG/p/x:v1"
	assert_failure 1
	fetch push "oci:$SRC" "$REG/p/x:v1"
	assert_failure 2
	fetch push
	assert_failure 2
	run skopeo inspect --tls-verify=false "docker://$REG/p/x:v1"
	assert_failure
}
