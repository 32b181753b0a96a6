#!/usr/bin/env bats
# Crash points: kist-fetch pull and push killed with SIGKILL at seeded random
# moments (KIST_CRASH_TRIALS trials each, default 50; KIST_CRASH_SEED,
# default 17).  After each kill: fsck --repair leaves a store fsck finds
# clean (a killed pull leaves only partials nothing references), and the
# operation run again succeeds with the image whole.
bats_require_minimum_version 1.5.0
load ../helpers
load fixtures

setup_file() {
	export REGDIR="$BATS_FILE_TMPDIR/reg"
	start_registry "$REGDIR"
	export REG="$REGISTRY"
	rand_dir "$BATS_FILE_TMPDIR/big" 4096
	mkdir -p "$BATS_FILE_TMPDIR/small/etc" && echo small >"$BATS_FILE_TMPDIR/small/etc/small"
	export IMG SRC="$BATS_FILE_TMPDIR/src"
	IMG=$(make_image "$SRC" app "$BATS_FILE_TMPDIR/big" "$BATS_FILE_TMPDIR/small")
	skopeo_push "$SRC" app "$REG/crash/app:v1"
}

teardown_file() { stop_helpers; }

setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
	TRIALS=${KIST_CRASH_TRIALS:-30}
	RANDOM=${KIST_CRASH_SEED:-17}
}
teardown() { kist_cleanup; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# crash_trials PREPARE OP CHECK: as tests/store/crashpoints.bats; OP execs
# the program so the background pid is its own; CHECK runs after the
# operation succeeded again.
crash_trials() {
	local prepare=$1 op=$2 check=$3 t0 dur i delay pid out st hits=0
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
		if [ -d "$KIST_ROOT/oci" ]; then
			out=$("$STORE" --root "$KIST_ROOT" fsck --repair 2>&1) ||
				fail "trial $i (seed ${KIST_CRASH_SEED:-17}, $op killed after ${delay} ms): fsck --repair: $out"
			out=$("$STORE" --root "$KIST_ROOT" fsck 2>&1) ||
				fail "trial $i ($op killed after ${delay} ms): fsck after repair: $out"
		fi
		("$op") >/dev/null 2>&1 || fail "trial $i ($op killed after ${delay} ms): $op again failed"
		"$check" || fail "trial $i ($op killed after ${delay} ms): $check"
	done
	echo "# $op: $hits of $TRIALS trials killed it mid-run (a clean run: ${dur} ms)" >&3
}

pull_prepare() { rm -rf "$KIST_ROOT"; }
pull_op() { exec "$FETCH" --root "$KIST_ROOT" pull -q "$REG/crash/app:v1"; }
pull_check() {
	[ "$(jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json")" = "$IMG" ] &&
		"$STORE" --root "$KIST_ROOT" unpack "$REG/crash/app:v1" >/dev/null
}

@test "fetch crash points: pull killed at random moments" {
	crash_trials pull_prepare pull_op pull_check
}

push_prepare() {
	if [ ! -d "$KIST_ROOT/oci" ]; then
		"$FETCH" --root "$KIST_ROOT" pull -q "$REG/crash/app:v1" >/dev/null
	fi
	PUSH_N=$((${PUSH_N:-0} + 1))
}
push_op() { exec "$FETCH" --root "$KIST_ROOT" push "$REG/crash/app:v1" "$REG/crash/pushed$PUSH_N:v1"; }
push_check() {
	local d
	d=$(skopeo inspect --tls-verify=false --raw "docker://$REG/crash/pushed$PUSH_N:v1" | sha256sum | cut -d' ' -f1)
	[ "sha256:$d" = "$IMG" ]
}

@test "fetch crash points: push killed at random moments" {
	crash_trials push_prepare push_op push_check
}
