#!/usr/bin/env bats
# kill -9 in the middle of unpack, commit and load: the store stays consistent.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup_file() {
	# one layer of many small files: slow enough to interrupt
	python3 - "$BATS_FILE_TMPDIR/many.tar" <<'PY'
import io, os, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for d in range(8):
    i = tarfile.TarInfo("d%02d" % d); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
    for f in range(800):
        data = os.urandom(64)
        i = tarfile.TarInfo("d%02d/f%04d" % (d, f)); i.size = len(data)
        t.addfile(i, io.BytesIO(data))
t.close()
PY
}

setup() {
	store_setup
	requires root
}
teardown() { store_teardown; }

# start_killable CMD...: run in the background, PID in $BG
start_killable() {
	"$@" >"$BATS_TEST_TMPDIR/bg.out" 2>&1 &
	BG=$!
	track_pid "$BG"
}

# kill_when PATTERN-CMD: poll until the command succeeds, then kill -9 $BG
kill_when() {
	local i
	for ((i = 0; i < 2000; i++)); do
		if "$@"; then
			kill -9 "$BG"
			local st=0
			wait "$BG" || st=$?
			[ "$st" -eq 137 ] || fail "process finished before it could be killed (status $st)"
			return 0
		fi
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.005
	done
	fail "never saw the operation in progress"
}

has_tmp_layer() { compgen -G "$KIST_ROOT/layers/.tmp-*/diff/d0*" >/dev/null; }
has_ingest() { compgen -G "$KIST_ROOT/oci/ingest/tmp-*" >/dev/null; }

store_is_sane() {
	store ls
	assert_success
	store gc
	assert_success
	[ -z "$(find "$KIST_ROOT/layers" -maxdepth 1 -name '.tmp-*')" ]
	[ -z "$(find "$KIST_ROOT/oci/ingest" -name 'tmp-*' 2>/dev/null)" ]
	[ -z "$(find "$KIST_ROOT/tmp" -mindepth 1)" ]
}

@test "store crash: kill -9 during unpack leaves no half layer; the next unpack works" {
	make_layout "$BATS_TEST_TMPDIR/lay" many:1 "$BATS_FILE_TMPDIR/many.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:many:1" many:1
	assert_success
	start_killable "$STORE" --root "$KIST_ROOT" unpack many:1
	kill_when has_tmp_layer
	[ "$(count_layers)" -eq 0 ]
	store_is_sane
	store ls --format '{{.Repository}}'
	assert_output many
	store unpack many:1
	assert_success
	[ "$(ls "$output/d07" | wc -l)" -eq 800 ]
	[ "$(count_layers)" -eq 1 ]
}

@test "store crash: a stale unpack leftover is cleaned by the next unpack of that layer" {
	make_layout "$BATS_TEST_TMPDIR/lay" many:1 "$BATS_FILE_TMPDIR/many.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:many:1" many:1
	start_killable "$STORE" --root "$KIST_ROOT" unpack many:1
	kill_when has_tmp_layer
	store unpack many:1
	assert_success
	[ -z "$(find "$KIST_ROOT/layers" -maxdepth 1 -name '.tmp-*')" ]
}

@test "store crash: kill -9 during commit leaves no image and no stray blob after gc" {
	requires overlay
	import_busybox
	store create-container --name c busybox:test
	assert_success
	tar -C "$KIST_ROOT/containers/$output/bundle/rootfs" -xf "$BATS_FILE_TMPDIR/many.tar"
	blobs_before=$(ls "$KIST_ROOT/oci/blobs/sha256" | sort)
	start_killable "$STORE" --root "$KIST_ROOT" commit c big:1
	kill_when has_ingest
	store_is_sane
	store ls --format '{{.Repository}}'
	assert_output busybox
	[ "$(ls "$KIST_ROOT/oci/blobs/sha256" | sort)" = "$blobs_before" ]
	store commit c big:1
	assert_success
	store ls --format '{{.Repository}}:{{.Tag}}'
	assert_line big:1
}

@test "store crash: kill -9 during load leaves nothing named; gc removes the blobs; load again works" {
	make_layout "$BATS_TEST_TMPDIR/lay" many:1 "$BATS_FILE_TMPDIR/many.tar"
	KIST_ROOT="$BATS_TEST_TMPDIR/src" store import-layout "$BATS_TEST_TMPDIR/lay:many:1" many:1
	"$STORE" --root "$BATS_TEST_TMPDIR/src" save -o "$BATS_TEST_TMPDIR/many-archive.tar" many:1
	start_killable "$STORE" --root "$KIST_ROOT" load -i "$BATS_TEST_TMPDIR/many-archive.tar"
	kill_when has_ingest
	store_is_sane
	store ls -q
	assert_output ""
	[ -z "$(ls "$KIST_ROOT/oci/blobs/sha256")" ]
	store load -i "$BATS_TEST_TMPDIR/many-archive.tar"
	assert_success
	assert_output "Loaded image: many:1"
}
