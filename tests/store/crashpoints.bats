#!/usr/bin/env bats
# Crash points: kist-store unpack, commit, load and gc killed with SIGKILL at
# seeded random moments (KIST_CRASH_TRIALS trials each, default 50;
# KIST_CRASH_SEED, default 17, makes a run reproducible).  After each kill:
# fsck --repair leaves a store fsck finds clean (only leftovers nothing
# references were there to remove), no mount is leaked, and the operation
# run again succeeds.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup_file() {
	# one layer of many small files: slow enough to be killed midway
	python3 - "$BATS_FILE_TMPDIR/many.tar" <<'PY'
import io, os, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
for d in range(4):
    i = tarfile.TarInfo("d%02d" % d); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
    for f in range(600):
        data = os.urandom(64)
        i = tarfile.TarInfo("d%02d/f%04d" % (d, f)); i.size = len(data)
        t.addfile(i, io.BytesIO(data))
t.close()
PY
}

setup() {
	store_setup
	requires root
	TRIALS=${KIST_CRASH_TRIALS:-30}
	RANDOM=${KIST_CRASH_SEED:-17}
}
teardown() { store_teardown; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# crash_trials PREPARE OP: time one clean OP, then TRIALS times: PREPARE,
# start OP, kill -9 it after a seeded random delay within that time, check.
# OP execs kist-store, so the background job's pid is kist-store's own.
# ALLOWED_MOUNT is a mount point under the store that may stay (a container's).
crash_trials() {
	local prepare=$1 op=$2 t0 dur i delay pid out st hits=0
	"$prepare"
	t0=$(now_ms)
	("$op") >/dev/null 2>&1 || fail "$op failed without a crash"
	dur=$(($(now_ms) - t0 + 1))
	for ((i = 1; i <= TRIALS; i++)); do
		"$prepare"
		delay=$((RANDOM % dur))
		"$op" >/dev/null 2>&1 &
		pid=$!
		track_pid "$pid"
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 "$pid" 2>/dev/null || true
		st=0
		wait "$pid" 2>/dev/null || st=$?
		[ "$st" -ne 137 ] || hits=$((hits + 1))
		out=$("$STORE" --root "$KIST_ROOT" fsck --repair 2>&1) ||
			fail "trial $i (seed ${KIST_CRASH_SEED:-17}, $op killed after ${delay} ms): fsck --repair: $out"
		out=$("$STORE" --root "$KIST_ROOT" fsck 2>&1) ||
			fail "trial $i ($op killed after ${delay} ms): fsck after repair: $out"
		out=$(awk -v d="$KIST_ROOT" -v ok="${ALLOWED_MOUNT:-}" \
			'index($5, d "/") == 1 && $5 != ok {print $5}' /proc/self/mountinfo)
		[ -z "$out" ] || fail "trial $i ($op killed after ${delay} ms): leaked mounts: $out"
		("$op") >/dev/null 2>&1 || fail "trial $i ($op killed after ${delay} ms): $op again failed"
	done
	echo "# $op: $hits of $TRIALS trials killed it mid-run (a clean run: ${dur} ms)" >&3
}

unpack_prepare() {
	"$STORE" --root "$KIST_ROOT" rm -f many:1 >/dev/null 2>&1 || true
	"$STORE" --root "$KIST_ROOT" import "$BATS_FILE_TMPDIR/many.tar" many:1 >/dev/null
}
unpack_op() { exec "$STORE" --root "$KIST_ROOT" unpack many:1; }

@test "store crash points: unpack killed at random moments" {
	crash_trials unpack_prepare unpack_op
}

load_prepare() {
	if [ ! -e "$BATS_TEST_TMPDIR/many-image.tar" ]; then
		"$STORE" --root "$KIST_ROOT" import "$BATS_FILE_TMPDIR/many.tar" many:1 >/dev/null
		"$STORE" --root "$KIST_ROOT" save -o "$BATS_TEST_TMPDIR/many-image.tar" many:1
	fi
	"$STORE" --root "$KIST_ROOT" rm -f many:1 >/dev/null 2>&1 || true
}
load_op() { exec "$STORE" --root "$KIST_ROOT" load -i "$BATS_TEST_TMPDIR/many-image.tar"; }

@test "store crash points: load killed at random moments" {
	crash_trials load_prepare load_op
}

gc_prepare() {
	# an image made garbage: dropped from the index by hand, its layer unpacked
	"$STORE" --root "$KIST_ROOT" import "$BATS_FILE_TMPDIR/many.tar" many:1 >/dev/null
	"$STORE" --root "$KIST_ROOT" unpack many:1 >/dev/null
	jq '.manifests = []' "$KIST_ROOT/oci/index.json" >"$BATS_TEST_TMPDIR/index.json"
	cp "$BATS_TEST_TMPDIR/index.json" "$KIST_ROOT/oci/index.json"
}
gc_op() { exec "$STORE" --root "$KIST_ROOT" gc; }

@test "store crash points: gc killed at random moments" {
	crash_trials gc_prepare gc_op
}

commit_prepare() { :; }
commit_op() { exec "$STORE" --root "$KIST_ROOT" commit c committed:1; }

@test "store crash points: commit killed at random moments" {
	requires overlay
	import_busybox
	store create-container --name c busybox:test
	assert_success
	ALLOWED_MOUNT="$KIST_ROOT/containers/$output/bundle/rootfs"
	tar -C "$ALLOWED_MOUNT" -xf "$BATS_FILE_TMPDIR/many.tar"
	crash_trials commit_prepare commit_op
	store rm-container c
	assert_success
}
