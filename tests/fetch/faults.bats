#!/usr/bin/env bats
# kist-fetch pull under faults: corrupt blobs, tampered manifests, cut and
# dead connections, bad manifests.  After each, the layout holds no partial
# blob in blobs/ and no ref to a missing blob.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	export REGDIR="$BATS_FILE_TMPDIR/reg"
	start_registry "$REGDIR"
	export REG="$REGISTRY"
	local src="$BATS_FILE_TMPDIR/src"
	rand_dir "$BATS_FILE_TMPDIR/big" 2048
	mkdir -p "$BATS_FILE_TMPDIR/small/etc" && echo small >"$BATS_FILE_TMPDIR/small/etc/small"
	export IMG BIG_LAYER
	IMG=$(make_image "$src" app "$BATS_FILE_TMPDIR/big" "$BATS_FILE_TMPDIR/small")
	BIG_LAYER=$(jq -r '.layers[0].digest' "$src/blobs/sha256/${IMG#sha256:}")
	export SRC="$src"
}

teardown_file() { stop_helpers; }

setup() { export KIST_ROOT="$BATS_TEST_TMPDIR/root"; }
teardown() { kist_cleanup; }

no_refs() { [ "$(jq '.manifests | length' "$KIST_ROOT/oci/index.json")" -eq 0 ]; }

@test "fetch pull: a blob whose bytes do not match its digest is refused" {
	# an image of its own: registry storage is shared by content
	local data img layer
	rand_dir "$BATS_TEST_TMPDIR/l" 512
	img=$(make_image "$BATS_TEST_TMPDIR/src" own "$BATS_TEST_TMPDIR/l")
	layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/src/blobs/sha256/${img#sha256:}")
	skopeo_push "$BATS_TEST_TMPDIR/src" own "$REG/f/corrupt:v1"
	data=$(registry_blob_path "$REGDIR" "$layer")
	# same size, different bytes
	head -c "$(stat -c %s "$data")" /dev/urandom >"$data"
	fetch pull "$REG/f/corrupt:v1"
	assert_failure 1
	assert_output --partial "digest mismatch"
	assert_output --partial "$layer"
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${layer#sha256:}" ]
	[ ! -e "$KIST_ROOT/oci/ingest/${layer#sha256:}.partial" ]
	no_refs
	store_ok "$KIST_ROOT"
}

@test "fetch pull: a manifest that does not match the digest asked for is refused" {
	local data img
	rand_dir "$BATS_TEST_TMPDIR/l" 16
	img=$(make_image "$BATS_TEST_TMPDIR/src" own "$BATS_TEST_TMPDIR/l")
	skopeo_push "$BATS_TEST_TMPDIR/src" own "$REG/f/tamper:v1"
	data=$(registry_blob_path "$REGDIR" "$img")
	# still valid JSON for the registry, different bytes
	jq . "$data" >"$data.new" && mv "$data.new" "$data"
	fetch pull "$REG/f/tamper@$img"
	assert_failure 1
	assert_output --partial "manifest digest mismatch: expected $img"
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${img#sha256:}" ]
	no_refs
	store_ok "$KIST_ROOT"
}

@test "fetch pull: a transfer cut mid-blob resumes with a Range request" {
	skopeo_push "$SRC" app "$REG/f/cut:v1"
	local port
	port=$(free_port)
	start_helper proxy-cut "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/requests" --cut-after 700000
	fetch pull "127.0.0.1:$port/f/cut:v1"
	stop_helper proxy-cut
	assert_success
	assert_line "Digest: $IMG"
	grep -aEq 'Range: bytes=[1-9][0-9]*-' "$BATS_TEST_TMPDIR/requests"
	cmp "$SRC/blobs/sha256/${BIG_LAYER#sha256:}" "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}"
	store_ok "$KIST_ROOT"
}

@test "fetch pull: registry gone mid-pull, the next pull resumes and finishes" {
	skopeo_push "$SRC" app "$REG/f/dead:v1"
	local port
	port=$(free_port)
	start_helper proxy-dead "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/req1" --cut-after 700000 --exit-after-cut
	fetch pull "127.0.0.1:$port/f/dead:v1"
	assert_failure 1
	stop_helper proxy-dead
	# nothing half-written is visible: the partial waits in ingest/
	no_refs
	store_ok "$KIST_ROOT"
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}" ]
	local partial="$KIST_ROOT/oci/ingest/${BIG_LAYER#sha256:}.partial"
	[ -s "$partial" ]
	local have
	have=$(stat -c %s "$partial")
	start_helper proxy-back "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/req2"
	fetch pull "127.0.0.1:$port/f/dead:v1"
	stop_helper proxy-back
	assert_success
	grep -aq "Range: bytes=$have-" "$BATS_TEST_TMPDIR/req2"
	cmp "$SRC/blobs/sha256/${BIG_LAYER#sha256:}" "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}"
	[ ! -e "$partial" ]
	store_ok "$KIST_ROOT"
}

@test "fetch pull: a big layer goes to disk with direct I/O; cut mid-way, its partial is a prefix of it and the next pull finishes it" {
	# 9 MiB of random data: more than two of the writer's 4 MiB buffers and
	# an unaligned tail; small blobs stay buffered
	local src="$BATS_TEST_TMPDIR/src" img big small port partial have
	rand_dir "$BATS_TEST_TMPDIR/big" 9300
	mkdir -p "$BATS_TEST_TMPDIR/small" && echo small >"$BATS_TEST_TMPDIR/small/f"
	img=$(make_image "$src" big "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/small")
	big=$(jq -r '.layers[0].digest' "$src/blobs/sha256/${img#sha256:}")
	small=$(jq -r '.layers[1].digest' "$src/blobs/sha256/${img#sha256:}")
	[ $(($(stat -c %s "$src/blobs/sha256/${big#sha256:}") % 4096)) -ne 0 ]
	skopeo_push "$src" big "$REG/f/direct:v1"
	fetch --debug pull -q "$REG/f/direct:v1"
	assert_success
	assert_line --regexp "blob ${big:0:19}: [0-9]+ bytes in .* \\(direct\\)"
	assert_line --regexp "blob ${small:0:19}: [0-9]+ bytes in .* \\(buffered\\)"
	for d in "$big" "$small"; do
		cmp "$src/blobs/sha256/${d#sha256:}" "$KIST_ROOT/oci/blobs/sha256/${d#sha256:}"
	done
	[ -z "$(ls -A "$KIST_ROOT/oci/ingest")" ]
	store_ok "$KIST_ROOT"
	# cut after more than one full buffer went to the device
	export KIST_ROOT="$BATS_TEST_TMPDIR/root2"
	port=$(free_port)
	start_helper proxy-dead "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/req1" --cut-after 6000000 --exit-after-cut
	fetch pull -q "127.0.0.1:$port/f/direct:v1"
	assert_failure 1
	stop_helper proxy-dead
	no_refs
	partial="$KIST_ROOT/oci/ingest/${big#sha256:}.partial"
	have=$(stat -c %s "$partial")
	[ "$have" -gt $((4 << 20)) ]
	cmp -n "$have" "$partial" "$src/blobs/sha256/${big#sha256:}"
	store_ok "$KIST_ROOT"
	start_helper proxy-back "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/req2"
	fetch pull -q "127.0.0.1:$port/f/direct:v1"
	stop_helper proxy-back
	assert_success
	grep -aq "Range: bytes=$have-" "$BATS_TEST_TMPDIR/req2"
	cmp "$src/blobs/sha256/${big#sha256:}" "$KIST_ROOT/oci/blobs/sha256/${big#sha256:}"
	[ ! -e "$partial" ]
	store_ok "$KIST_ROOT"
}

@test "fetch pull: a trickling registry is cut off by the configured idle and total timeouts" {
	skopeo_push "$SRC" app "$REG/f/slow:v1"
	local port partial="$KIST_ROOT/oci/ingest/${BIG_LAYER#sha256:}.partial" size
	size=$(stat -c %s "$SRC/blobs/sha256/${BIG_LAYER#sha256:}")
	port=$(free_port)
	start_helper proxy-slow "$port" proxy "$port" "${REG#*:}" "$BATS_TEST_TMPDIR/requests" --rate 2000
	# idle: under 20 kB/s for 1 s
	export KIST_CONFIG=$BATS_TEST_TMPDIR/config.json
	echo '{"fetch-idle-timeout": 1, "fetch-low-speed-limit": 20000}' >"$KIST_CONFIG"
	run timeout 300 "$FETCH" --root "$KIST_ROOT" pull -q "127.0.0.1:$port/f/slow:v1"
	assert_failure 1
	assert_output --regexp "download $BIG_LAYER: Operation too slow. Less than 20000 bytes/sec transferred the last 1 seconds \(gave up after 5 attempts\)"
	no_refs
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}" ]
	[ "$(stat -c %s "$partial")" -lt "$size" ]
	# total: 1 s plus the blob's size at 1 MB/s, with no idle bound
	echo '{"fetch-idle-timeout": 0, "fetch-timeout-base": 1, "fetch-min-rate": 1000000}' >"$KIST_CONFIG"
	run timeout 300 "$FETCH" --root "$KIST_ROOT" pull -q "127.0.0.1:$port/f/slow:v1"
	assert_failure 1
	assert_output --regexp "download $BIG_LAYER: Operation timed out after [0-9]+ milliseconds with [0-9]+ out of [0-9]+ bytes received \(gave up after 5 attempts\)"
	no_refs
	stop_helper proxy-slow
	# bad values are refused with the key named
	echo '{"fetch-min-rate": -1}' >"$KIST_CONFIG"
	fetch pull -q "$REG/f/slow:v1"
	assert_failure 1
	assert_output --partial "'fetch-min-rate' must be a number >= 0"
	# the defaults pull it, resuming the partial
	rm "$KIST_CONFIG"
	fetch pull -q "$REG/f/slow:v1"
	assert_success
	cmp "$SRC/blobs/sha256/${BIG_LAYER#sha256:}" "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}"
	store_ok "$KIST_ROOT"
}

@test "fetch pull: a blob body longer than its descriptor is refused as soon as it exceeds it" {
	local dir="$BATS_TEST_TMPDIR/static" port cfg cd junk jd
	mkdir -p "$dir"
	cfg=$(jq -cn '{architecture:"amd64",os:"linux",rootfs:{type:"layers",diff_ids:["sha256:'"$(printf '%064d' 0)"'"]}}')
	printf '%s' "$cfg" >"$dir/cfg"
	cd="sha256:$(sha256sum <"$dir/cfg" | cut -d' ' -f1)"
	mv "$dir/cfg" "$dir/v2_long_body_blobs_$cd"
	# the layer claims 1000 bytes; the server streams 8 MiB of junk
	head -c $((8 << 20)) /dev/urandom >"$dir/junk"
	jd="sha256:$(sha256sum <"$dir/junk" | cut -d' ' -f1)"
	mv "$dir/junk" "$dir/v2_long_body_blobs_$jd"
	jq -cn --arg cd "$cd" --argjson cs "${#cfg}" --arg jd "$jd" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},
		  layers:[{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$jd,size:1000}]}' \
		>"$dir/v2_long_body_manifests_v1"
	echo application/vnd.oci.image.manifest.v1+json >"$dir/v2_long_body_manifests_v1.type"
	port=$(free_port)
	start_helper static "$port" static "$port" "$dir"
	fetch pull -q "127.0.0.1:$port/long/body:v1"
	stop_helper static
	assert_failure 1
	assert_output --partial "blob $jd is larger than its descriptor says (1000 bytes)"
	no_refs
	# not a byte past the descriptor's size was written
	local partial="$KIST_ROOT/oci/ingest/${jd#sha256:}.partial"
	if [ -e "$partial" ]; then [ "$(stat -c %s "$partial")" -le 1000 ]; fi
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${jd#sha256:}" ]
	[ "$(du -sk "$KIST_ROOT/oci" | cut -f1)" -lt 1024 ]
}

@test "fetch pull with the disk full: a clear error, nothing named, fsck clean" {
	requires root
	skopeo_push "$SRC" app "$REG/f/full:v1"
	local small=$BATS_TEST_TMPDIR/small avail
	mkdir -p "$small"
	mount -t tmpfs -o size=16m kist-full "$small"
	export KIST_ROOT=$small/root
	mkdir -p "$KIST_ROOT"
	# 1 MiB left: the 2 MiB layer cannot fit
	avail=$(df -k --output=avail "$small" | tail -1)
	fallocate -l "$(((avail - 1024) * 1024))" "$small/filler"
	fetch pull -q "$REG/f/full:v1"
	assert_failure 1
	assert_output --partial "No space left on device"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	no_refs
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${BIG_LAYER#sha256:}" ]
	store fsck
	assert_success
	rm "$small/filler"
	fetch pull -q "$REG/f/full:v1"
	assert_success
	store fsck
	assert_success
}

@test "fetch pull: malformed, oversized and schema1 manifests are refused" {
	local dir="$BATS_TEST_TMPDIR/static" port
	mkdir -p "$dir"
	printf '{"schemaVersion":2,"config":' >"$dir/v2_bad_json_manifests_v1"
	echo application/vnd.oci.image.manifest.v1+json >"$dir/v2_bad_json_manifests_v1.type"
	{ printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"x":"'
	  head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' a
	  printf '"}}'; } >"$dir/v2_bad_big_manifests_v1"
	echo application/vnd.oci.image.manifest.v1+json >"$dir/v2_bad_big_manifests_v1.type"
	printf '{"schemaVersion":1,"name":"bad/old","tag":"v1","fsLayers":[],"history":[]}' >"$dir/v2_bad_old_manifests_v1"
	echo application/vnd.docker.distribution.manifest.v1+prettyjws >"$dir/v2_bad_old_manifests_v1.type"
	port=$(free_port)
	start_helper static "$port" static "$port" "$dir"
	fetch pull "127.0.0.1:$port/bad/json:v1"
	assert_failure 1
	assert_output --partial "bad/json:v1"
	assert_output --regexp "(JSON|json)"
	fetch pull "127.0.0.1:$port/bad/big:v1"
	assert_failure 1
	assert_output --partial "larger than the 4 MiB limit"
	fetch pull "127.0.0.1:$port/bad/old:v1"
	assert_failure 1
	assert_output --partial "schema1"
	fetch pull "127.0.0.1:$port/bad/missing:v1"
	assert_failure 1
	assert_output --partial "manifest unknown"
	stop_helper static
	no_refs
	[ -z "$(ls -A "$KIST_ROOT/oci/blobs/sha256")" ]
}

@test "fetch pull: a config that is not JSON, not an image config, or whose diff_ids do not match the layers is refused, nothing named" {
	local c=$BATS_TEST_TMPDIR/cfg l=$BATS_FILE_TMPDIR/small diff
	mkdir -p "$c"
	printf "this is not json" >"$c/notjson"
	echo '["an", "array"]' >"$c/array"
	echo '{"architecture":"amd64","os":"linux","config":{}}' >"$c/norootfs"
	diff=$(tar -C "$l" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . | sha256sum | cut -d' ' -f1)
	jq -cn --arg d "sha256:$diff" '{architecture:"amd64",os:"linux",rootfs:{type:"layers",diff_ids:[$d,$d]}}' >"$c/twodiffs"
	jq -cn '{architecture:"amd64",os:"linux",rootfs:{type:"layers",diff_ids:["sha256:zz"]}}' >"$c/baddigest"
	reg_push_crafted "$REG" crafted/notjson:v1 "$c/notjson" "$l" >/dev/null
	reg_push_crafted "$REG" crafted/array:v1 "$c/array" "$l" >/dev/null
	reg_push_crafted "$REG" crafted/norootfs:v1 "$c/norootfs" "$l" >/dev/null
	reg_push_crafted "$REG" crafted/twodiffs:v1 "$c/twodiffs" "$l" >/dev/null
	reg_push_crafted "$REG" crafted/baddigest:v1 "$c/baddigest" "$l" >/dev/null
	fetch pull "$REG/crafted/notjson:v1"
	assert_failure 1
	assert_output --regexp "pull '$REG/crafted/notjson:v1': image config sha256:[0-9a-f]{64}: .*JSON"
	fetch pull "$REG/crafted/array:v1"
	assert_failure 1
	assert_output --regexp "image config sha256:[0-9a-f]{64}: not a JSON object"
	fetch pull "$REG/crafted/norootfs:v1"
	assert_failure 1
	assert_output --regexp "image config sha256:[0-9a-f]{64}: 'rootfs.diff_ids' is missing: not an image config"
	fetch pull "$REG/crafted/twodiffs:v1"
	assert_failure 1
	assert_output --regexp "image config sha256:[0-9a-f]{64}: 2 diff_ids for the manifest's 1 layers"
	fetch pull "$REG/crafted/baddigest:v1"
	assert_failure 1
	assert_output --partial "'rootfs.diff_ids[0]' is not a digest"
	no_refs
	# nothing the store lists either; the blobs are unnamed garbage for gc
	store ls -q
	assert_success
	assert_output ""
	store gc
	assert_success
	[ -z "$(ls -A "$KIST_ROOT/oci/blobs/sha256")" ]
}

@test "fetch pull: 503 answers are retried with backoff" {
	local dir="$BATS_TEST_TMPDIR/static" port b
	mkdir -p "$dir"
	cp "$SRC/blobs/sha256/${IMG#sha256:}" "$dir/v2_flaky_app_manifests_v1"
	echo application/vnd.oci.image.manifest.v1+json >"$dir/v2_flaky_app_manifests_v1.type"
	for b in $(jq -r '.config.digest, .layers[].digest' "$SRC/blobs/sha256/${IMG#sha256:}"); do
		cp "$SRC/blobs/sha256/${b#sha256:}" "$dir/v2_flaky_app_blobs_$b"
	done
	port=$(free_port)
	start_helper flaky "$port" static "$port" "$dir" --fail-first 2 "$BATS_TEST_TMPDIR/failures"
	fetch pull "127.0.0.1:$port/flaky/app:v1"
	stop_helper flaky
	assert_success
	assert_line "Digest: $IMG"
	# the manifest and each of the three blobs failed twice first
	[ "$(grep -c '^503 ' "$BATS_TEST_TMPDIR/failures")" -eq 8 ]
	store_ok "$KIST_ROOT"
}
