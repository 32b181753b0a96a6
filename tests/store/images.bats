#!/usr/bin/env bats
# kist-store ls, inspect, tag, rm, history, prune: docker's image verbs.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	mkdir -p "$BATS_TEST_TMPDIR/base" "$BATS_TEST_TMPDIR/top"
	echo top >"$BATS_TEST_TMPDIR/top/top-file"
	tar -C "$BATS_TEST_TMPDIR/top" -cf "$BATS_TEST_TMPDIR/top.tar" .
}
teardown() { store_teardown; }

# three images with known creation times and labels, sharing the busybox layer
three_images() {
	LAYOUT_CONFIG='.created = "2020-01-01T00:00:00Z" | .config.Labels = {"app":"old"}' \
		make_layout "$BATS_TEST_TMPDIR/old" old:1 "$(busybox_tar)"
	LAYOUT_CONFIG='.created = "2022-01-01T00:00:00Z" | .config.Labels = {"app":"mid","tier":"back"}' \
		make_layout "$BATS_TEST_TMPDIR/mid" mid:1 "$(busybox_tar)" "$BATS_TEST_TMPDIR/top.tar"
	LAYOUT_CONFIG='.created = "2024-01-01T00:00:00Z" | .history[0].comment = "the newest"' \
		make_layout "$BATS_TEST_TMPDIR/new" new:1 "$(busybox_tar)" "$BATS_TEST_TMPDIR/top.tar"
	for i in old mid new; do
		store import-layout "$BATS_TEST_TMPDIR/$i:$i:1" "example.com/$i:1"
		assert_success
	done
}

id_of() {
	"$STORE" --root "$KIST_ROOT" inspect "$1" | jq -r '.[0].Id'
}

@test "store ls: docker images columns, newest first" {
	three_images
	store ls
	assert_success
	assert_line --index 0 "REPOSITORY          TAG                 IMAGE ID            CREATED             SIZE"
	[ "${#lines[@]}" -eq 4 ]
	id=$(id_of example.com/new:1)
	assert_line --index 1 --regexp "^example.com/new     1                   ${id:7:12}        [0-9]+ (months|years) ago +[0-9.]+[kM]B$"
	assert_line --index 2 --regexp "^example.com/mid "
	assert_line --index 3 --regexp "^example.com/old "
}

@test "store ls: -q, --no-trunc, --digests" {
	three_images
	store ls -q
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for l in "${lines[@]}"; do [[ "$l" =~ ^[0-9a-f]{12}$ ]]; done
	store ls -q --no-trunc
	for l in "${lines[@]}"; do [[ "$l" =~ ^sha256:[0-9a-f]{64}$ ]]; done
	store ls --digests
	assert_line --index 0 --regexp '^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$'
	m=$(jq -r '.[0].ManifestDigest' <<<"$("$STORE" --root "$KIST_ROOT" inspect example.com/old:1)")
	assert_line --regexp "^example.com/old +1 +$m "
}

@test "store ls --format: fields, table and json" {
	three_images
	id=$(id_of example.com/mid:1)
	store ls --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}' -f reference='*/mid'
	assert_success
	assert_output --regexp "^example.com/mid:1 ${id:7:12} sha256:[0-9a-f]{64}$"
	store ls --format 'table {{.ID}}\t{{.Repository}}\t{{.Size}}' -f reference='*/mid'
	assert_line --index 0 --regexp '^IMAGE ID +REPOSITORY +SIZE$'
	assert_line --index 1 --regexp "^${id:7:12} +example.com/mid +[0-9.]+[kM]B$"
	store ls --format '{{ .CreatedAt }}|{{.CreatedSince}}' -f reference='*/old'
	assert_output --regexp '^2020-01-01 [0-9:]{8} [+-][0-9]{4} [A-Z]+\|[0-9]+ years ago$'
	store ls --format json
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for l in "${lines[@]}"; do
		jq -e 'has("ID") and has("Repository") and has("Tag") and has("Digest") and has("CreatedSince") and has("CreatedAt") and has("Size")' <<<"$l"
	done
	store ls --format '{{.Nope}}'
	assert_failure 1
	assert_output --partial "executing \"\" at <.Nope>: can't evaluate field Nope"
}

@test "store ls -f: dangling, before, since, label, reference" {
	three_images
	store ls -q -f before=example.com/mid:1
	assert_output "$(id_of example.com/old:1 | cut -c8-19)"
	store ls -q -f since=example.com/mid:1
	assert_output "$(id_of example.com/new:1 | cut -c8-19)"
	store ls --format '{{.Repository}}' -f label=app
	[ "${#lines[@]}" -eq 2 ]
	store ls --format '{{.Repository}}' -f label=app=mid
	assert_output example.com/mid
	store ls --format '{{.Repository}}' -f label=app=mid -f label=tier=front
	assert_output ""
	store ls --format '{{.Repository}}' -f reference='example.com/o*'
	assert_output example.com/old
	store ls --format '{{.Repository}}' -f reference='*:1' -f reference='nothing'
	[ "${#lines[@]}" -eq 0 ]
	store ls --format '{{.Repository}}' -f reference='example.com/*:1'
	[ "${#lines[@]}" -eq 3 ]
	store ls --format '{{.Repository}}' example.com/new
	assert_output example.com/new
	# a re-used name leaves the old image dangling
	store tag example.com/old:1 example.com/mid:1
	assert_success
	store ls --format '{{.Repository}}:{{.Tag}}' -f dangling=true
	assert_output "<none>:<none>"
	store ls --format '{{.Repository}}' -f dangling=false
	[ "${#lines[@]}" -eq 3 ]
	store ls -f dangling=maybe
	assert_failure 2
	store ls -f colour=red
	assert_failure 2
	store ls -f before=nosuch:1
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:1'"
}

@test "store inspect: docker-shaped JSON" {
	three_images
	store tag example.com/mid:1 other/name:v2
	assert_success
	store inspect example.com/mid:1
	assert_success
	jq -e '.[0] | (.Id | test("^sha256:[0-9a-f]{64}$")) and .Created == "2022-01-01T00:00:00Z"
		and .Architecture == "amd64" and .Os == "linux" and .Config.Labels.tier == "back"
		and (.RootFS.Type == "layers") and (.RootFS.Layers | length == 2) and .Size > 0
		and (.RepoTags | sort == ["example.com/mid:1", "other/name:v2"])
		and (.RepoDigests | length == 2) and (.RepoDigests[0] | test("@sha256:"))' <<<"$output"
	id=$(jq -r '.[0].Id' <<<"$output")
	store inspect "${id:7:12}" "$id" other/name:v2
	jq -e 'length == 3 and ([.[].Id] | unique | length == 1)' <<<"$output"
	store inspect example.com/mid:1 nosuch:1
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:1'"
}

@test "store tag and rm: untag, delete, shared layers stay" {
	three_images
	store unpack example.com/mid:1
	assert_success
	store unpack example.com/old:1
	assert_success
	mid=$(id_of example.com/mid:1)
	store tag example.com/mid:1 alias:x
	assert_success
	store tag nosuch:1 x:y
	assert_failure 1
	store tag example.com/mid:1 "alias@sha256:$(printf '%064d' 0)"
	assert_failure 1
	# two names: rm by id needs -f, rm by name only untags
	store rm "${mid:7:12}"
	assert_failure 1
	assert_output --partial "conflict: unable to delete ${mid:7:12} (must be forced) - image is referenced in multiple repositories"
	store rm alias:x
	assert_success
	assert_output "Untagged: alias:x"
	# last name: untag and delete; the layer old:1 shares stays
	base_chain=$(jq -r '.[0].RootFS.Layers[0]' <<<"$("$STORE" --root "$KIST_ROOT" inspect example.com/old:1)")
	store rm example.com/mid:1
	assert_success
	assert_line --index 0 "Untagged: example.com/mid:1"
	assert_line --index 1 "Deleted: $mid"
	[ "${#lines[@]}" -eq 2 ] # both layers are shared: old:1 has the base, new:1 both
	[ -d "$KIST_ROOT/layers/${base_chain#sha256:}/diff" ]
	[ "$(count_layers)" -eq 2 ]
	[ ! -e "$KIST_ROOT/oci/blobs/sha256/${mid#sha256:}" ]
	store inspect example.com/mid:1
	assert_failure 1
	store unpack example.com/new:1
	assert_success
	top=$(dirname "${lines[1]}")
	# the last image with the top layer takes it along; the base stays for old:1
	store rm example.com/new:1
	assert_success
	assert_line --index 2 "Deleted: sha256:$(basename "$top")"
	[ "${#lines[@]}" -eq 3 ]
	[ ! -e "$top" ]
	[ "$(count_layers)" -eq 1 ]
	store rm nosuch:1
	assert_failure 1
	assert_output --partial "no such image: 'nosuch:1'"
}

@test "store rm and inspect by name@digest, full id and sha256: id" {
	three_images
	m=$(jq -r '.[0].ManifestDigest' <<<"$("$STORE" --root "$KIST_ROOT" inspect example.com/old:1)")
	id=$(id_of example.com/old:1)
	store inspect "example.com/old@$m"
	assert_success
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	store inspect "${id#sha256:}"
	assert_success
	store inspect "example.com/mid@$m"
	assert_failure 1
	store rm "example.com/old@$m"
	assert_success
	assert_line "Deleted: $id"
	store rm "$(id_of example.com/mid:1)"
	assert_success
	assert_line "Untagged: example.com/mid:1"
	store ls -a --format '{{.Repository}}'
	assert_output example.com/new
}

@test "store rm: an image a container uses is refused unless -f" {
	requires root overlay
	import_busybox
	id=$(id_of busybox:test)
	store create-container --name user busybox:test
	assert_success
	cid=$output
	store rm busybox:test
	assert_failure 1
	assert_output --partial "container ${cid:0:12} is using its referenced image ${id:7:12}"
	store rm -f busybox:test
	assert_success
	assert_output "Untagged: busybox:test"
	store ls --format '{{.Repository}} {{.ID}}'
	assert_output "<none> ${id:7:12}"
	store umount user
	store mount user
	assert_success
	store gc
	assert_success
	store mount user
	assert_success
	[ -x "$KIST_ROOT/containers/$cid/bundle/rootfs/bin/busybox" ]
}

@test "store history: newest first, <missing> below the top, --no-trunc, -q" {
	three_images
	id=$(id_of example.com/new:1)
	store history example.com/new:1
	assert_success
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp "^${id:7:12} +[0-9]+ (months|years) ago +layer +[0-9.]+[kM]?B +$"
	assert_line --index 2 --regexp "^<missing> +[0-9]+ (months|years) ago +layer +[0-9.]+[kM]?B +the newest$"
	store history -q example.com/new:1
	assert_output "${id:7:12}
<missing>"
	store history --no-trunc --format '{{.ID}}' example.com/new:1
	assert_line --index 0 "$id"
	LAYOUT_CONFIG='.history[0].created_by = "/bin/sh -c #(nop) a very long command line that docker would cut short"' \
		make_layout "$BATS_TEST_TMPDIR/long" long:1 "$(busybox_tar)"
	store import-layout "$BATS_TEST_TMPDIR/long:long:1" long:1
	store history long:1
	assert_line --index 1 --partial "/bin/sh -c #(nop) a very long command line t…"
	store history --no-trunc long:1
	assert_line --index 1 --partial "that docker would cut short"
}

@test "store prune: dangling images; -a every unused image" {
	requires root overlay
	three_images
	store tag example.com/old:1 example.com/mid:1 # mid's image becomes dangling
	store create-container --name keep example.com/new:1
	assert_success
	store prune -f
	assert_success
	assert_line --index 0 "Deleted Images:"
	assert_output --partial "deleted: sha256:"
	assert_line --regexp '^Total reclaimed space: [0-9.]+[kMG]?B$'
	store ls -q
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 2 ]
	# -a: lone:1 goes; old:1 (also named mid:1 now) stays as the parent of
	# new:1 (its diff ids and history begin new:1's), which a container uses
	store import "$BATS_TEST_TMPDIR/top.tar" lone:1
	assert_success
	store prune -a -f
	assert_success
	assert_output --partial "untagged: lone:1"
	refute_output --partial "untagged: example.com/"
	store ls --format '{{.Repository}}'
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "example.com/mid example.com/new example.com/old " ]
	store rm-container -f keep
	assert_success
	store prune -a -f
	assert_success
	assert_output --partial "untagged: example.com/mid:1"
	store ls --format '{{.Repository}}'
	assert_output ""
}

@test "store ls, inspect, history SIZE: unpacked bytes once unpacked, the blob's size before" {
	requires root
	mkdir -p "$BATS_TEST_TMPDIR/z/d"
	head -c 1048576 /dev/zero >"$BATS_TEST_TMPDIR/z/zeros"
	printf hi >"$BATS_TEST_TMPDIR/z/d/hi"
	ln "$BATS_TEST_TMPDIR/z/d/hi" "$BATS_TEST_TMPDIR/z/d/hi-again" # a hardlink adds nothing
	ln -s zeros "$BATS_TEST_TMPDIR/z/link"
	tar -C "$BATS_TEST_TMPDIR/z" -cf "$BATS_TEST_TMPDIR/z.tar" .
	store import "$BATS_TEST_TMPDIR/z.tar" zeros:1
	assert_success
	m=$(jq -r '.[0].ManifestDigest' <<<"$("$STORE" --root "$KIST_ROOT" inspect zeros:1)")
	blob=$(jq '.layers[0].size' "$KIST_ROOT/oci/blobs/sha256/${m#sha256:}")
	[ "$blob" -lt 5000 ] # 1 MiB of zeros compresses to about a kB
	small=$(python3 -c "import sys; print('%.3gkB' % (int(sys.argv[1]) / 1000))" "$blob")
	store inspect zeros:1
	assert_success
	[ "$(jq '.[0].Size' <<<"$output")" -eq "$blob" ]
	store ls --format '{{.Repository}} {{.Size}}'
	assert_output "zeros $small"
	store unpack zeros:1
	assert_success
	layer=$(dirname "$output")
	[ "$(cat "$layer/size")" -eq 1048578 ]
	store inspect zeros:1
	[ "$(jq '.[0].Size' <<<"$output")" -eq 1048578 ]
	store ls
	assert_line --index 1 --regexp '^zeros +1 +[0-9a-f]{12} +.* +1\.05MB$'
	store ls --format '{{.Size}}'
	assert_output 1.05MB
	store ls --format json
	[ "$(jq -r .Size <<<"$output")" = 1.05MB ]
	store history --format '{{.Size}}' zeros:1
	assert_output 1.05MB
	# a layer unpacked before sizes were recorded counts as not unpacked
	rm "$layer/size"
	store inspect zeros:1
	assert_success
	[ "$(jq '.[0].Size' <<<"$output")" -eq "$blob" ]
	store ls --format '{{.Size}}'
	assert_output "$small"
	store unpack zeros:1
	assert_success
}

@test "store ls -a, dangling and prune: an untagged parent is intermediate, not dangling" {
	requires root overlay
	import_busybox base:1
	base=$(id_of base:1)
	store create-container --name c base:1
	assert_success
	echo child >"$KIST_ROOT/containers/$output/bundle/rootfs/child-file"
	store commit c child:1
	assert_success
	child=$(id_of child:1)
	store rm-container c
	assert_success
	# the name moves on: the base stays in the index, unnamed, child:1's parent
	store import "$BATS_TEST_TMPDIR/top.tar" base:1
	assert_success
	other=$(id_of base:1)
	# an unnamed image that is nobody's parent: dangling
	store import "$BATS_TEST_TMPDIR/top.tar" leaf:1
	leaf=$(id_of leaf:1)
	store import "$BATS_TEST_TMPDIR/top.tar" leaf:1
	assert_success
	newleaf=$(id_of leaf:1)
	[ "$leaf" != "$newleaf" ] && [ "$base" != "$other" ]

	store ls --format '{{.ID}} {{.Repository}}:{{.Tag}}'
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	assert_line "${child:7:12} child:1"
	assert_line "${other:7:12} base:1"
	assert_line "${newleaf:7:12} leaf:1"
	assert_line "${leaf:7:12} <none>:<none>"
	refute_output --partial "${base:7:12}"
	store ls -a --format '{{.ID}} {{.Repository}}:{{.Tag}}'
	[ "${#lines[@]}" -eq 5 ]
	assert_line "${base:7:12} <none>:<none>"
	store ls -q -f dangling=true
	assert_output "${leaf:7:12}"
	store ls -a -q -f dangling=true
	assert_output "${leaf:7:12}"
	store ls -a --format '{{.Repository}}' -f dangling=false
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "base child leaf " ]

	# prune: the dangling leaf goes, the intermediate image stays
	store prune -f
	assert_success
	assert_line "deleted: $leaf"
	refute_output --partial "$base"
	store ls -a -q --no-trunc
	[ "${#lines[@]}" -eq 4 ]
	assert_line "$base"

	# prune -a: child:1 stays for its container, and so does its parent
	store create-container --name keep child:1
	assert_success
	kid=$output
	store prune -a -f
	assert_success
	assert_line "deleted: $other"
	assert_line "deleted: $newleaf"
	refute_output --partial "$base"
	store ls -a -q --no-trunc
	[ "$(sort <<<"$output" | tr '\n' ' ')" = "$(printf '%s\n' "$base" "$child" | sort | tr '\n' ' ')" ]
	store ls -q --no-trunc
	assert_output "$child"

	# rm of the untagged parent still works; the layer child:1 shares stays
	store rm "$base"
	assert_success
	assert_line "Deleted: $base"
	store ls -a -q --no-trunc
	assert_output "$child"
	store umount keep
	assert_success
	store mount keep
	assert_success
	[ -f "$KIST_ROOT/containers/$kid/bundle/rootfs/child-file" ]
	[ -x "$KIST_ROOT/containers/$kid/bundle/rootfs/bin/busybox" ]
}
