#!/usr/bin/env bats
# kist-build with its disk full (the store on a small tmpfs): a RUN whose
# own write fails, a RUN whose layer does not fit, a COPY of a big file and
# a metadata step each fail with one clear line naming the step and what
# failed, move no tag, leave no step container or mount, and fsck finds
# nothing wrong; once there is room the same build succeeds.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	SMALL="$BATS_TEST_TMPDIR/small"
	mkdir -p "$SMALL"
	mount -t tmpfs -o size=48m kist-full "$SMALL"
	export KIST_ROOT="$SMALL/root"
	import_base
	# the tag a failed build must not move
	run "$STORE" --root "$KIST_ROOT" tag busybox:test app:1
	[ "$status" -eq 0 ] || fail "tag: $output"
}
teardown() {
	build_teardown # the step containers' overlays, then the tmpfs (under BATS_TEST_TMPDIR)
}

# fill_to KIB: fill the tmpfs until KIB KiB are left.
fill_to() {
	local avail
	avail=$(df -k --output=avail "$SMALL" | tail -1)
	[ "$avail" -gt "$1" ] || return 0
	fallocate -l "$(((avail - $1) * 1024))" "$SMALL/filler"
}
unfill() { rm -f "$SMALL/filler"; }

named() { "$STORE" --root "$KIST_ROOT" ls --format '{{.Repository}}:{{.Tag}} {{.ID}}' | grep -v '^<none>'; }

# fails_full LINE: the build failed (1) with LINE as its one error line
# (the RUN's own output aside), moved no tag, left nothing behind, and
# fsck is clean; then with room the same build succeeds.
fails_full() {
	assert_failure 1
	local errs
	errs=$(grep -E '^kist-(build|store|runtime): ' <<<"$output")
	[ "$errs" = "$1" ] || fail "want the one error line '$1', got: $errs"
	[ "$(named)" = "$BEFORE" ] || fail "names changed: $(named)"
	no_containers
	run "$STORE" --root "$KIST_ROOT" fsck
	[ "$status" -eq 0 ] || fail "fsck after the failure: $output"
	unfill
	kbuild -t app:1 "$CTX"
	assert_success
	[ "$(named)" != "$BEFORE" ] || fail "app:1 did not move once there was room"
	no_containers
	run "$STORE" --root "$KIST_ROOT" fsck
	[ "$status" -eq 0 ] || fail "fsck after the build: $output"
}

@test "kist-build with the disk full: a RUN whose write fails stops at its line" {
	dockerfile 'FROM busybox:test' 'ENV A=1' 'RUN head -c 16000000 /dev/urandom >/big'
	BEFORE=$(named)
	fill_to 8192
	kbuild -t app:1 "$CTX"
	fails_full "kist-build: Dockerfile:3: The command '/bin/sh -c head -c 16000000 /dev/urandom >/big' returned a non-zero code: 1"
}

@test "kist-build with the disk full: a RUN whose layer does not fit fails in its commit, named" {
	dockerfile 'FROM busybox:test' 'RUN head -c 8000000 /dev/urandom >/big'
	BEFORE=$(named)
	fill_to 12288
	kbuild -t app:1 "$CTX"
	[[ "$output" == *"kist-build: Dockerfile:2: RUN: kist-store commit: write '$KIST_ROOT/"*"': No space left on device"* ]] ||
		fail "not the commit's error: $output"
	fails_full "$(grep '^kist-build: ' <<<"$output")"
}

@test "kist-build with the disk full: a COPY of a big file names the file" {
	head -c 16000000 /dev/urandom >"$CTX/bigfile"
	dockerfile 'FROM busybox:test' 'COPY bigfile /big'
	BEFORE=$(named)
	fill_to 8192
	kbuild -t app:1 "$CTX"
	fails_full "kist-build: Dockerfile:2: COPY failed: write 'big': No space left on device"
}

@test "kist-build with the disk full: a metadata step names its line" {
	dockerfile 'FROM busybox:test' 'ENV A=1' 'LABEL b=2'
	BEFORE=$(named)
	fill_to 0
	kbuild -t app:1 "$CTX"
	[[ "$output" == *"kist-build: Dockerfile:2: ENV: write '$KIST_ROOT/"*"': No space left on device"* ]] ||
		fail "not the ENV step's error: $output"
	fails_full "$(grep '^kist-build: ' <<<"$output")"
}
