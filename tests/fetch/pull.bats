#!/usr/bin/env bats
# kist-fetch pull, tags, catalog, inspect, copy against Debian's docker-registry.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	export REGDIR="$BATS_FILE_TMPDIR/reg"
	start_registry "$REGDIR"
	export REG="$REGISTRY"
	local src="$BATS_FILE_TMPDIR/src" r="$BATS_FILE_TMPDIR/rootfs"
	make_rootfs "$r"
	rand_dir "$BATS_FILE_TMPDIR/l2" 1024
	mkdir -p "$BATS_FILE_TMPDIR/l3/etc" && echo hello >"$BATS_FILE_TMPDIR/l3/etc/motd"
	export IMG_DIGEST
	IMG_DIGEST=$(make_image "$src" app "$r" "$BATS_FILE_TMPDIR/l2" "$BATS_FILE_TMPDIR/l3")
	skopeo_push "$src" app "$REG/test/app:v1"
	skopeo_push "$src" app "$REG/test/app:v2"
	skopeo_push "$src" app "$REG/test/app:v3"
	# a two-platform index
	local amd arm
	amd=$(ARCH=amd64 make_image "$src" amd "$BATS_FILE_TMPDIR/l3")
	arm=$(ARCH=arm64 make_image "$src" arm "$BATS_FILE_TMPDIR/l2")
	export AMD_DIGEST=$amd ARM_DIGEST=$arm IDX_DIGEST
	IDX_DIGEST=$(make_index "$src" multi amd64="$amd" arm64="$arm")
	skopeo copy -q --all --dest-tls-verify=false "oci:$src:multi" "docker://$REG/test/multi:latest"
}

teardown_file() { stop_helpers; }

setup() { export KIST_ROOT="$BATS_TEST_TMPDIR/root"; }
teardown() { kist_cleanup; }

@test "fetch pull: an image into the store, docker-like output, ref recorded" {
	fetch pull "$REG/test/app:v1"
	assert_success
	assert_line "v1: Pulling from test/app"
	assert_line --regexp '^[0-9a-f]{12}: Pulling fs layer$'
	assert_line --regexp '^[0-9a-f]{12}: Pull complete$'
	assert_line "Digest: $IMG_DIGEST"
	assert_line "Status: Downloaded newer image for $REG/test/app:v1"
	assert_line --index $((${#lines[@]} - 1)) "$REG/test/app:v1"
	[ "$(grep -c 'Pull complete' <<<"$output")" -eq 3 ]
	run -0 jq -r --arg r "$REG/test/app:v1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r) | .digest' "$KIST_ROOT/oci/index.json"
	assert_output "$IMG_DIGEST"
	store_ok "$KIST_ROOT"
	# every blob of the source is there, byte for byte
	for b in "$BATS_FILE_TMPDIR"/src/blobs/sha256/*; do
		if jq -e --arg d "sha256:$(basename "$b")" '[.layers[].digest, .config.digest] | index($d)' \
			"$BATS_FILE_TMPDIR/src/blobs/sha256/${IMG_DIGEST#sha256:}" >/dev/null; then
			cmp "$b" "$KIST_ROOT/oci/blobs/sha256/$(basename "$b")"
		fi
	done
	[ -z "$(ls -A "$KIST_ROOT/oci/ingest" 2>/dev/null)" ]
}

@test "fetch pull: again is up to date, layers already exist" {
	fetch pull "$REG/test/app:v1"
	assert_success
	fetch pull "$REG/test/app:v1"
	assert_success
	[ "$(grep -c 'Already exists' <<<"$output")" -eq 3 ]
	assert_line "Status: Image is up to date for $REG/test/app:v1"
	# a second tag of the same image downloads nothing either
	fetch pull -q "$REG/test/app:v2"
	assert_success
	assert_output "$REG/test/app:v2"
}

@test "fetch pull: by digest, and into oci:DIR:REF read back by skopeo" {
	fetch pull "$REG/test/app@$IMG_DIGEST"
	assert_success
	assert_line "$REG/test/app@$IMG_DIGEST"
	fetch pull --dest "oci:$BATS_TEST_TMPDIR/lay:mine" "$REG/test/app:v1"
	assert_success
	run -0 skopeo inspect --raw "oci:$BATS_TEST_TMPDIR/lay:mine"
	[ "$(printf '%s' "$output" | sha256sum | cut -d' ' -f1)" = "${IMG_DIGEST#sha256:}" ]
	layout_ok "$BATS_TEST_TMPDIR/lay"
}

@test "fetch pull: an index picks this host's platform, --platform another, --all-platforms all" {
	fetch pull "$REG/test/multi"
	assert_success
	assert_line "Using default tag: latest"
	assert_line "Digest: $IDX_DIGEST"
	run -0 jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json"
	[ "$(uname -m)" != x86_64 ] || assert_output "$AMD_DIGEST"
	fetch pull --platform linux/arm64 --dest "oci:$BATS_TEST_TMPDIR/arm:a" "$REG/test/multi"
	assert_success
	run -0 jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/arm/index.json"
	assert_output "$ARM_DIGEST"
	fetch pull --all-platforms --dest "oci:$BATS_TEST_TMPDIR/all:a" "$REG/test/multi"
	assert_success
	run -0 jq -r '.manifests[0].digest' "$BATS_TEST_TMPDIR/all/index.json"
	assert_output "$IDX_DIGEST"
	[ -f "$BATS_TEST_TMPDIR/all/blobs/sha256/${AMD_DIGEST#sha256:}" ]
	[ -f "$BATS_TEST_TMPDIR/all/blobs/sha256/${ARM_DIGEST#sha256:}" ]
	layout_ok "$BATS_TEST_TMPDIR/all"
}

@test "fetch pull: an index with no matching platform fails, nothing recorded" {
	fetch pull --platform linux/s390x "$REG/test/multi"
	assert_failure 1
	assert_output --partial "no matching manifest for linux/s390x"
	run -0 jq '.manifests | length' "$KIST_ROOT/oci/index.json"
	assert_output 0
	# a single-platform image of another platform: refused after its config
	fetch pull --platform linux/s390x "$REG/test/app:v1"
	assert_failure 1
	assert_output --partial "does not match the specified platform (linux/s390x)"
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256" | wc -l)" -eq 1 ]
	run -0 jq '.manifests | length' "$KIST_ROOT/oci/index.json"
	assert_output 0
	store_ok "$KIST_ROOT"
}

@test "fetch pull: unknown tag and unknown repository say manifest unknown" {
	fetch pull "$REG/test/app:nope"
	assert_failure 1
	assert_output --partial "manifest for $REG/test/app:nope not found: manifest unknown"
	fetch pull "$REG/no/such"
	assert_failure 1
	assert_output --partial "not found"
	assert_output --partial "unknown"
	[ "$(jq '.manifests | length' "$KIST_ROOT/oci/index.json")" -eq 0 ]
}

@test "fetch pull: bad arguments" {
	fetch pull
	assert_failure 2
	fetch pull "Upper/Case"
	assert_failure 1
	assert_output --partial "Upper/Case"
	fetch pull --platform linux/amd64 --all-platforms "$REG/test/app"
	assert_failure 2
	assert_output --partial "--all-platforms"
	fetch pull --dest /tmp/x "$REG/test/app"
	assert_failure 2
	assert_output --partial "oci:DIR"
	fetch frobnicate
	assert_failure 2
	fetch pull --bogus "$REG/test/app"
	assert_failure 2
	assert_output --partial "unknown flag: --bogus"
	[ "$(grep -c bogus <<<"$output")" -eq 1 ]
	fetch --help
	assert_success
	assert_line --partial "pull "
	fetch --version
	assert_success
	assert_output --regexp '^kist-fetch version '
}

@test "fetch tags: every page via Link headers; catalog" {
	fetch tags -n 1 "$REG/test/app"
	assert_success
	assert_output "$(printf 'v1\nv2\nv3')"
	fetch tags "$REG/test/app"
	assert_output "$(printf 'v1\nv2\nv3')"
	fetch catalog -n 1 "$REG"
	assert_success
	assert_output "$(printf 'test/app\ntest/multi')"
	fetch tags "$REG/no/such"
	assert_failure 1
	assert_output --partial "name unknown"
}

@test "fetch inspect: skopeo-like JSON, --raw manifest bytes, --config" {
	fetch inspect "docker://$REG/test/app:v1"
	assert_success
	run -0 jq -r '.Digest, .Architecture, .Os, (.Layers | length), .Labels["kist.test"], (.RepoTags | join(","))' <<<"$output"
	assert_output "$(printf '%s\namd64\nlinux\n3\napp\nv1,v2,v3' "$IMG_DIGEST")"
	"$FETCH" inspect --raw "$REG/test/app:v1" >"$BATS_TEST_TMPDIR/raw"
	[ "sha256:$(sha256sum <"$BATS_TEST_TMPDIR/raw" | cut -d' ' -f1)" = "$IMG_DIGEST" ]
	fetch inspect --config "$REG/test/multi"
	assert_success
	run -0 jq -r .architecture <<<"$output"
	[ "$(uname -m)" != x86_64 ] || assert_output amd64
}

@test "fetch copy: docker -> oci -> oci -> docker round trip" {
	fetch copy -q "docker://$REG/test/app:v1" "oci:$BATS_TEST_TMPDIR/a:one"
	assert_success
	fetch copy "oci:$BATS_TEST_TMPDIR/a:one" "oci:$BATS_TEST_TMPDIR/b:two"
	assert_success
	layout_ok "$BATS_TEST_TMPDIR/b"
	fetch copy -q "oci:$BATS_TEST_TMPDIR/b:two" "docker://$REG/copied/app:c"
	assert_success
	run -0 skopeo inspect --tls-verify=false "docker://$REG/copied/app:c"
	run -0 jq -r .Digest <<<"$output"
	assert_output "$IMG_DIGEST"
	fetch copy "docker://$REG/test/app:v1" "ftp://x"
	assert_failure 1
	assert_output --partial "unknown transport"
}

@test "fetch copy: docker-archive (skopeo's docker save format) to oci: and docker://" {
	skopeo copy -q "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$BATS_TEST_TMPDIR/a.tar:kist/arch:v1"
	fetch copy "docker-archive:$BATS_TEST_TMPDIR/a.tar" "oci:$BATS_TEST_TMPDIR/o:x"
	assert_success
	layout_ok "$BATS_TEST_TMPDIR/o"
	# the layers are the archive's tar files, byte for byte
	run -0 skopeo inspect "oci:$BATS_TEST_TMPDIR/o:x"
	run -0 jq -r '.Layers[]' <<<"$output"
	local want
	want=$(tar -xOf "$BATS_TEST_TMPDIR/a.tar" manifest.json | jq -r '.[0].Layers[] | "sha256:" + sub("\\.tar$"; "")')
	assert_output "$want"
	fetch copy -q "docker-archive:$BATS_TEST_TMPDIR/a.tar:kist/arch:v1" "docker://$REG/arch/app:v1"
	assert_success
	run -0 skopeo inspect --tls-verify=false "docker://$REG/arch/app:v1"
	run -0 jq -r '.Labels["kist.test"]' <<<"$output"
	assert_output app
	fetch copy "docker-archive:$BATS_TEST_TMPDIR/a.tar:kist/arch:v2" "oci:$BATS_TEST_TMPDIR/o:y"
	assert_failure 1
	assert_output --partial "no image tagged 'kist/arch:v2'"
	fetch copy "docker-archive:/etc/hostname" "oci:$BATS_TEST_TMPDIR/o:y"
	assert_failure 1
	assert_output --partial "/etc/hostname"
	run -0 jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$BATS_TEST_TMPDIR/o/index.json"
	assert_output x
}

# docker_archive_ok FILE TAG: FILE is a docker save archive: manifest.json
# names the config and the layers, which are all in the tar; each layer tar
# hashes to its diff_id in the config, in order; repositories maps TAG (if
# not empty) to the top layer.
docker_archive_ok() {
	local f=$1 tag=$2 x cfg nth=0 layer sum want n d
	d=$(mktemp -d "$BATS_TEST_TMPDIR/ck.XXXXXX")
	tar -C "$d" -xf "$f"
	run -0 tar -tf "$f"
	assert_line manifest.json
	cfg=$(jq -r '.[0].Config' "$d/manifest.json")
	assert_line "$cfg"
	[ "$(sha256sum "$d/$cfg" | cut -d' ' -f1).json" = "$cfg" ]
	n=$(jq '.[0].Layers | length' "$d/manifest.json")
	[ "$n" -eq "$(jq '.rootfs.diff_ids | length' "$d/$cfg")" ]
	[ "$n" -gt 0 ]
	for layer in $(jq -r '.[0].Layers[]' "$d/manifest.json"); do
		tar -tf "$f" | grep -qxF "$layer"
		sum="sha256:$(sha256sum "$d/$layer" | cut -d' ' -f1)"
		want=$(jq -r --argjson i "$nth" '.rootfs.diff_ids[$i]' "$d/$cfg")
		[ "$sum" = "$want" ]
		tar -tf "$d/$layer" >/dev/null
		nth=$((nth + 1))
	done
	if [ -n "$tag" ]; then
		run -0 jq -r '.[0].RepoTags[0]' "$d/manifest.json"
		assert_output "$tag"
		x=$(jq -r '.rootfs.diff_ids[-1] | sub("^sha256:"; "")' "$d/$cfg")
		run -0 jq -r --arg r "${tag%:*}" --arg t "${tag##*:}" '.[$r][$t]' "$d/repositories"
		assert_output "$x"
	fi
	rm -rf "$d"
}

@test "fetch copy: to docker-archive: a device, FIFO or socket is refused and left alone; a symlink is followed" {
	local d=$BATS_TEST_TMPDIR/out
	special_outputs "$d"
	fetch copy -q "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$d/full"
	assert_failure 1
	assert_output "kist-fetch: cannot write '$d/full': is a device"
	fetch copy -q "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$d/fifo"
	assert_failure 1
	assert_output "kist-fetch: cannot write '$d/fifo': is a named pipe"
	fetch copy -q "docker://$REG/test/app:v1" "docker-archive:$d/sock"
	assert_failure 1
	assert_output "kist-fetch: cannot write '$d/sock': is a socket"
	fetch copy -q "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$d/devlink"
	assert_failure 1
	assert_output "kist-fetch: cannot write '$d/devlink': its target '$d/full' is a device"
	outputs_intact "$d"
	ln -s a.tar "$d/link.tar"
	fetch copy -q "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$d/link.tar"
	assert_success
	[ -L "$d/link.tar" ]
	docker_archive_ok "$d/a.tar" ""
	outputs_intact "$d"
}

@test "fetch copy: to docker-archive from docker:// and oci:, read back by tar, skopeo and copy" {
	local a=$BATS_TEST_TMPDIR/reg.tar b=$BATS_TEST_TMPDIR/oci.tar
	fetch copy -q "docker://$REG/test/app:v1" "docker-archive:$a:kist/saved:v1"
	assert_success
	docker_archive_ok "$a" kist/saved:v1
	# the layers were gzip in the registry: in the archive they are plain tars
	run -0 tar -tf "$a"
	refute_output --partial ".gz"
	run -0 skopeo inspect "docker-archive:$a"
	run -0 jq -r '.Labels["kist.test"], (.Layers | length)' <<<"$output"
	assert_output $'app\n3'
	# read back by kist-fetch: the same config, so the same image id
	fetch copy "docker-archive:$a:kist/saved:v1" "oci:$BATS_TEST_TMPDIR/back:r"
	assert_success
	layout_ok "$BATS_TEST_TMPDIR/back"
	run -0 skopeo inspect --config "oci:$BATS_TEST_TMPDIR/back:r"
	local cfg1 cfg2
	cfg1=$(jq -cS . <<<"$output")
	cfg2=$(skopeo inspect --config "oci:$BATS_FILE_TMPDIR/src:app" | jq -cS .)
	[ "$cfg1" = "$cfg2" ]
	# from an OCI layout, untagged unless a tag is given
	fetch copy "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$b"
	assert_success
	docker_archive_ok "$b" ""
	run -0 jq -r '.[0].RepoTags | length' < <(tar -xOf "$b" manifest.json)
	assert_output 0
	fetch copy "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$b:kist/oci:t"
	assert_success
	docker_archive_ok "$b" kist/oci:t
	run -0 skopeo inspect "docker-archive:$b"
	run -0 jq -r '.Labels["kist.test"]' <<<"$output"
	assert_output app
	fetch copy "docker-archive:$b" "oci:$BATS_TEST_TMPDIR/back2:r"
	assert_success
	layout_ok "$BATS_TEST_TMPDIR/back2"
	# nothing temporary left beside the archives
	run -0 ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial ".tar."
}

@test "fetch copy: to docker-archive, bad destinations fail and leave no file" {
	fetch copy "oci:$BATS_FILE_TMPDIR/src:app" "docker-archive:$BATS_TEST_TMPDIR/nodir/x.tar"
	assert_failure 1
	assert_output --partial "$BATS_TEST_TMPDIR/nodir/x.tar"
	assert_output --partial "No such file or directory"
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$BATS_TEST_TMPDIR/nodir" ]
	fetch copy "oci:$BATS_FILE_TMPDIR/src:nosuch" "docker-archive:$BATS_TEST_TMPDIR/y.tar"
	assert_failure 1
	assert_output --partial "nosuch"
	fetch copy "docker://$REG/test/app:nosuch" "docker-archive:$BATS_TEST_TMPDIR/y.tar"
	assert_failure 1
	assert_output --partial "manifest unknown"
	fetch copy "oci:$BATS_FILE_TMPDIR/src" "docker-archive:$BATS_TEST_TMPDIR/y.tar"
	assert_failure 1
	assert_output --partial "oci:DIR:REF"
	run -0 ls -A "$BATS_TEST_TMPDIR"
	refute_output --partial "y.tar"
}

@test "fetch pull: two pulls of one image into one store at once both succeed" {
	"$FETCH" --root "$KIST_ROOT" pull -q "$REG/test/app:v1" >"$BATS_TEST_TMPDIR/o1" 2>&1 &
	local p1=$!
	"$FETCH" --root "$KIST_ROOT" pull -q "$REG/test/app:v2" >"$BATS_TEST_TMPDIR/o2" 2>&1 &
	local p2=$!
	wait "$p1"
	wait "$p2"
	grep -qx "$REG/test/app:v1" "$BATS_TEST_TMPDIR/o1"
	grep -qx "$REG/test/app:v2" "$BATS_TEST_TMPDIR/o2"
	run -0 jq -r '[.manifests[].digest] | unique | .[]' "$KIST_ROOT/oci/index.json"
	assert_output "$IMG_DIGEST"
	[ "$(jq '.manifests | length' "$KIST_ROOT/oci/index.json")" -eq 2 ]
	store_ok "$KIST_ROOT"
	[ -z "$(ls -A "$KIST_ROOT/oci/ingest")" ]
}
