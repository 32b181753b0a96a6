#!/usr/bin/env bats
# Crash points: kist-build alone (odd trials: the programs it runs go on as
# orphans), or with the programs it runs (kist-store, kist-runtime and the
# container's init before its execve), killed with SIGKILL at seeded random
# moments of a build of ENV, COPY and RUN steps
# (KIST_CRASH_TRIALS trials, default 50; KIST_CRASH_SEED, default 17, makes
# a run reproducible).  After each kill: `kist-store fsck --repair` leaves a
# store `fsck` finds clean; the same build run again succeeds, names the
# image, and leaves none of the killed build's step containers, mounts,
# runtime state, cgroups, processes or scratch directories behind.
bats_require_minimum_version 1.5.0
load ../helpers
load build

setup() {
	build_setup
	TRIALS=${KIST_CRASH_TRIALS:-30}
	SEED=${KIST_CRASH_SEED:-17}
	RANDOM=$SEED
	# in the environment of kist-build and what it runs; in the RUN
	# steps' command lines
	MARK="kist-crash-$$-$BATS_TEST_NUMBER"
	: >"$BATS_TEST_TMPDIR/ids"
	import_base
}
teardown() {
	local p id d
	for p in $(marked_pids --all); do track_pid "$p"; done
	build_teardown
	while read -r id; do
		for d in $(cg_dirs "$id"); do rmdir "$d" 2>/dev/null || true; done
	done <"$BATS_TEST_TMPDIR/ids"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
ms_sleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# pids with MARK in their environment, or in their command line too (--all)
marked_pids() {
	local files=(/proc/[0-9]*/environ) f
	[ "${1:-}" = --all ] && files+=(/proc/[0-9]*/cmdline)
	grep -laF "$MARK" "${files[@]}" 2>/dev/null | while read -r f; do
		f=${f#/proc/}
		echo "${f%%/*}"
	done | sort -u
}
none_marked() { [ -z "$(marked_pids --all)" ]; }

# cg_dirs ID: the cgroup directories of container ID (the runtime's default
# path, /ID, in every hierarchy)
cg_dirs() {
	local d
	for d in /sys/fs/cgroup/"$1" /sys/fs/cgroup/*/"$1"; do
		[ -d "$d" ] && echo "$d"
	done
}

# remember_ids: the step containers (store and runtime) a kill left, to
# check they are gone once the next build ran
remember_ids() {
	find "$KIST_ROOT/containers" "$KIST_RUN/runtime" -mindepth 1 -maxdepth 1 \
		-regextype posix-extended -regex '.*/[0-9a-f]{64}' -printf '%f\n' 2>/dev/null >>"$BATS_TEST_TMPDIR/ids"
}

do_build() {
	env KIST_CRASH_MARK="$MARK" "$BUILD" --root "$KIST_ROOT" --run "$KIST_RUN" --no-cache \
		-q -t crash:1 "$CTX" </dev/null >/dev/null 2>&1
}

# check_after WHAT: what a kill must leave, and the build run again
check_after() {
	local what=$1 out id
	wait_for none_marked || fail "$what: processes left: $(marked_pids --all | xargs -r ps -o pid=,args= -p)"
	remember_ids
	out=$("$STORE" --root "$KIST_ROOT" fsck --repair 2>&1) || fail "$what: fsck --repair: $out"
	out=$("$STORE" --root "$KIST_ROOT" fsck 2>&1) || fail "$what: fsck after repair: $out"
	out=$(env KIST_CRASH_MARK="$MARK" "$BUILD" --root "$KIST_ROOT" --run "$KIST_RUN" \
		--no-cache -q -t crash:1 "$CTX" 2>&1 </dev/null) || fail "$what: the build again failed: $out"
	"$STORE" --root "$KIST_ROOT" inspect --format '{{.Id}}' crash:1 >/dev/null ||
		fail "$what: the build again did not name crash:1"
	out=$(find "$KIST_ROOT/containers" -mindepth 1 -maxdepth 1 -regextype posix-extended \
		-regex '.*/(\.tmp-(del-)?)?[0-9a-f]{64}')
	[ -z "$out" ] || fail "$what: step containers left: $out"
	out=$(find "$KIST_RUN/runtime" -mindepth 1 -maxdepth 1 -regextype posix-extended -regex '.*/[0-9a-f]{64}' 2>/dev/null)
	[ -z "$out" ] || fail "$what: runtime state left: $out"
	out=$(awk -v d="$KIST_ROOT" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo)
	[ -z "$out" ] || fail "$what: mounts left: $out"
	out=$(find "$KIST_ROOT/build-cache/tmp" -mindepth 1 2>/dev/null)
	[ -z "$out" ] || fail "$what: build scratch left: $out"
	while read -r id; do
		[ -z "$(cg_dirs "$id")" ] || fail "$what: cgroups left: $(cg_dirs "$id")"
	done <"$BATS_TEST_TMPDIR/ids"
	none_marked || fail "$what: processes left after the build: $(marked_pids --all)"
	out=$("$STORE" --root "$KIST_ROOT" fsck 2>&1) || fail "$what: fsck after the build: $out"
}

# crash_dockerfile: ENV, COPY and RUN steps, one with a rw bind of the
# context (an overlay in the build's scratch); MARK in the RUNs' command lines
crash_dockerfile() {
	head -c 65536 /dev/urandom >"$CTX/data"
	echo more >"$CTX/more"
	mkdir -p "$CTX/sub"
	echo f >"$CTX/sub/f"
	dockerfile 'FROM busybox:test' \
		'ENV A=1' \
		'COPY data /data/' \
		"RUN echo $MARK >/dev/null; for i in 1 2 3; do cp /data/data /data/f\$i; done" \
		'COPY more /more' \
		'ENV B=2' \
		"RUN echo $MARK >/dev/null; cat /more >>/data/f1" \
		"RUN --mount=type=bind,source=sub,target=/m,rw echo $MARK >/dev/null; echo x >/m/new; cat /m/f"
}

# kill_build PID [alone]: kist-build and everything it runs, at once; or
# kist-build alone (what it runs goes on as orphans, and ends by itself)
kill_build() {
	local p
	kill -9 "$1" 2>/dev/null || true
	[ "${2:-}" = alone ] && return 0
	for p in $(marked_pids); do kill -9 "$p" 2>/dev/null || true; done
}

@test "build crash points: kist-build killed at random moments of RUN, COPY and ENV steps" {
	local t0 dur i delay pid hits=0
	crash_dockerfile
	do_build || fail "the build failed without a crash"
	t0=$(now_ms) # a second clean build: what each trial's takes
	do_build || fail "the build failed without a crash"
	dur=$(($(now_ms) - t0 + 1))
	for ((i = 1; i <= TRIALS; i++)); do
		delay=$((RANDOM % dur))
		do_build &
		pid=$!
		track_pid "$pid"
		ms_sleep "$delay"
		# odd trials: kist-build alone
		kill_build "$pid" "$([ $((i % 2)) -eq 1 ] && echo alone)"
		wait "$pid" 2>/dev/null && continue
		hits=$((hits + 1))
		check_after "trial $i (seed $SEED, killed after $delay ms$([ $((i % 2)) -eq 1 ] && echo ', alone'))"
	done
	echo "# build: $hits of $TRIALS trials killed it mid-run (a clean build: $dur ms)" >&3
}

# The programs' own windows are short beside the build's (a few ms):
# each trial waits for one of them to start (in turn: kist-store
# create-container, commit, rm-container, kist-runtime run; the Nth of the
# build's) and kills within its first 12 ms (create-container,
# rm-container) or 20 ms (commit, run).  kist-build runs from a copy whose
# sibling programs are scripts that note their pid, then exec the real ones
# (kist-build runs the programs next to it).
@test "build crash points: killed while the store or the runtime works for a step" {
	local i delay pid verb nth n hits=0 note p
	local bin=$BATS_TEST_TMPDIR/bin
	# how many a build runs, and the ms a kill may wait after one starts
	local verbs=(create-container commit rm-container run) counts=(5 5 5 3) limits=(12 20 12 20)
	mkdir -p "$bin"
	cp "$BUILD" "$bin/"
	for p in kist-store kist-runtime kist-fetch kist-net; do
		cat >"$bin/$p" <<-EOF
			#!/bin/sh
			if [ -n "\${KIST_CRASH_NOTE:-}" ]; then
			case " \$* " in *" \$KIST_CRASH_VERB "*) echo \$\$ >>"\$KIST_CRASH_NOTE" ;; esac
			fi
			exec "$KIST_BIN/$p" "\$@"
		EOF
		chmod +x "$bin/$p"
	done
	BUILD=$bin/kist-build
	crash_dockerfile
	do_build || fail "the build failed without a crash"
	for ((i = 1; i <= TRIALS / 2; i++)); do
		n=$((i % ${#verbs[@]}))
		verb=${verbs[n]}
		nth=$((RANDOM % counts[n] + 1))
		delay=$((RANDOM % limits[n]))
		note=$BATS_TEST_TMPDIR/note.$i
		KIST_CRASH_VERB=$verb KIST_CRASH_NOTE=$note do_build &
		pid=$!
		track_pid "$pid"
		while kill -0 "$pid" 2>/dev/null && [ "$(wc -l <"$note" 2>/dev/null || echo 0)" -lt "$nth" ]; do
			sleep 0.001
		done
		ms_sleep "$delay"
		kill_build "$pid"
		wait "$pid" 2>/dev/null && continue
		hits=$((hits + 1))
		check_after "trial $i (seed $SEED, killed $delay ms into $verb number $nth)"
	done
	echo "# steps: $hits of $((TRIALS / 2)) trials killed it mid-run" >&3
}
