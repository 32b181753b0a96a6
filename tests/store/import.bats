#!/usr/bin/env bats
# kist-store import: a rootfs tarball becomes a one-layer image.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() { store_setup; }
teardown() { store_teardown; }

@test "store import: busybox tarball becomes a one-layer image named in index.json" {
	import_busybox busybox:test
	id=$output
	[[ "$id" =~ ^sha256:[0-9a-f]{64}$ ]]
	# the config blob is what the id names, and verifies
	blob="$KIST_ROOT/oci/blobs/sha256/${id#sha256:}"
	[ "$(sha256sum <"$blob" | cut -d' ' -f1)" = "${id#sha256:}" ]
	jq -e '.rootfs.diff_ids | length == 1' "$blob"
	jq -e '.history[0].created_by != null' "$blob"
	# diff id is the sha256 of the uncompressed tarball
	[ "$(jq -r '.rootfs.diff_ids[0]' "$blob")" = "sha256:$(sha256sum <"$(busybox_tar)" | cut -d' ' -f1)" ]
	# the full normalised name is the ref
	jq -e '.manifests[0].annotations["org.opencontainers.image.ref.name"] == "docker.io/library/busybox:test"' "$KIST_ROOT/oci/index.json"
	store ls
	assert_success
	assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --index 1 --regexp "^busybox +test +${id:7:12} +.* ago +[0-9.]+[kMG]?B$"
}

@test "store import: gzip, zstd and xz tarballs give the same diff id" {
	t=$(busybox_tar)
	gzip -c "$t" >"$BATS_TEST_TMPDIR/r.tar.gz"
	zstd -q -c "$t" >"$BATS_TEST_TMPDIR/r.tar.zst"
	xz -T1 -0 -c "$t" >"$BATS_TEST_TMPDIR/r.tar.xz"
	want="sha256:$(sha256sum <"$t" | cut -d' ' -f1)"
	for f in r.tar.gz r.tar.zst r.tar.xz; do
		store import "$BATS_TEST_TMPDIR/$f" "img:${f##*.}"
		assert_success
		store inspect "img:${f##*.}"
		assert_success
		[ "$(jq -r '.[0].RootFS.Layers[0]' <<<"$output")" = "$want" ]
	done
}

@test "store import: from stdin with --change and --message" {
	run "$STORE" --root "$KIST_ROOT" import -c 'CMD ["/bin/sh","-c","echo hi"]' -c 'ENV A=1 B="two words"' \
		-c 'LABEL app=web' -c 'WORKDIR /srv' -m "made in a test" - stdin:1 <"$(busybox_tar)"
	assert_success
	store inspect stdin:1
	assert_success
	jq -e '.[0].Config.Cmd == ["/bin/sh","-c","echo hi"]' <<<"$output"
	jq -e '.[0].Config.Env == ["A=1","B=two words"]' <<<"$output"
	jq -e '.[0].Config.Labels.app == "web" and .[0].Config.WorkingDir == "/srv"' <<<"$output"
	store history stdin:1
	assert_output --partial "made in a test"
}

@test "store import: a file that is not a tar is refused and nothing is named" {
	head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/junk"
	store import "$BATS_TEST_TMPDIR/junk" junk:1
	assert_failure 1
	assert_output --partial "not a tar archive"
	[ "${#lines[@]}" -eq 1 ]
	store ls -q
	assert_success
	assert_output ""
}

@test "store import-layout, import --change: a NUL inside an image config's Cmd, Env or WorkingDir is refused, nothing named" {
	mkdir -p "$BATS_TEST_TMPDIR/l" && echo x >"$BATS_TEST_TMPDIR/l/x"
	tar -C "$BATS_TEST_TMPDIR/l" -cf "$BATS_TEST_TMPDIR/l.tar" .
	local f n=0
	for f in '.config.Cmd = ["/bin/tr\u0000ue"]' '.config.Env += ["A=b\u0000c"]' '.config.WorkingDir = "/w\u0000x"'; do
		n=$((n + 1))
		LAYOUT_CONFIG=$f make_layout "$BATS_TEST_TMPDIR/lay$n" nul:1 "$BATS_TEST_TMPDIR/l.tar"
		store import-layout "$BATS_TEST_TMPDIR/lay$n:nul:1" nul:1
		assert_failure 1
		assert_output --regexp "a string holds a NUL character near byte [0-9]+"
	done
	# the --change exec form is JSON too: with a NUL it is no exec form
	store import -c 'CMD ["/bin/tr\u0000ue"]' "$BATS_TEST_TMPDIR/l.tar" chg:1
	assert_success
	store inspect chg:1
	run -0 jq -c '.[0].Config.Cmd' <<<"$output"
	assert_output '["/bin/sh","-c","[\"/bin/tr\\u0000ue\"]"]'
	store ls -q nul
	assert_output ""
}

@test "store import: missing file, bad reference and missing arguments" {
	store import "$BATS_TEST_TMPDIR/nope.tar" a:1
	assert_failure 1
	assert_output --partial "open '$BATS_TEST_TMPDIR/nope.tar'"
	store import "$(busybox_tar)" 'Bad/UPPER:x'
	assert_failure 1
	store import
	assert_failure 2
	assert_output --partial "want TARBALL and an optional REF"
	store import --bogus x y
	assert_failure 2
}

@test "store import without REF: an untagged image, as docker import" {
	store import "$(busybox_tar)"
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	store ls -f dangling=true --format '{{.Repository}}:{{.Tag}}'
	assert_output '<none>:<none>'
}

@test "store --help, --version and unknown verbs" {
	store --help
	assert_success
	assert_output --partial "create-container"
	store --version
	assert_success
	store frobnicate
	assert_failure 2
	assert_output --partial "unknown command 'frobnicate'"
	store --driver zfs ls
	assert_failure 2
	for v in import ls inspect tag rm history prune unpack create-container mount umount \
		rm-container commit diff export save load import-layout export-layout gc du info; do
		store "$v" --help
		assert_success
		assert_output --partial "usage: kist-store $v"
	done
}
