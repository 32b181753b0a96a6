#!/usr/bin/env bats
# Crash points: kist-shim and the runtime it runs killed with SIGKILL at
# seeded random moments of a start, a stop and the recording of an exit
# (KIST_CRASH_TRIALS trials each, default 50; KIST_CRASH_SEED, default 17,
# makes a run reproducible).  After each kill: the shim's state record is
# absent or whole JSON (never torn), `kist-shim delete -f` succeeds and
# leaves no shim dir, runtime state, cgroup, process or mount, and a new
# shim for the same id starts.
bats_require_minimum_version 1.5.0
load ../helpers
load ../runtime/runtime
load shim

setup() {
	setup_shim
	TRIALS=${KIST_CRASH_TRIALS:-30}
	SEED=${KIST_CRASH_SEED:-17}
	RANDOM=$SEED
	# in the environment of the shim, its clients and the runtime (and the
	# container's init until its execve); in the container's command line
	MARK="kist-crash-$$-$BATS_TEST_NUMBER"
}
teardown() {
	local p
	for p in $(marked_pids); do track_pid "$p"; done
	for ((i = 0; i <= TRIALS; i++)); do
		for d in $(cg_dirs_of "$CG-$i"); do rmdir "$d" 2>/dev/null || true; done
	done
	teardown_shim
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# pids with MARK in their environment (the shim and what it runs, before
# the container's execve), or with it in their command line too (--all)
marked_pids() {
	local files=(/proc/[0-9]*/environ) f
	[ "${1:-}" = --all ] && files+=(/proc/[0-9]*/cmdline)
	grep -laF "$MARK" "${files[@]}" 2>/dev/null | while read -r f; do
		f=${f#/proc/}
		echo "${f%%/*}"
	done | sort -u
}
none_marked() { [ -z "$(marked_pids --all)" ]; }
kill_marked() {
	local p
	for p in $(marked_pids); do kill -9 "$p" 2>/dev/null || true; done
}

ms_sleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

# trial_config I ARGS: container I's cgroup and command (MARK as an argument)
trial_config() {
	update_config "$BUNDLE/config.json" ".linux.cgroupsPath = \"$CG-$1\" | .process.args = $2"
}

# start_shim ID: start a shim with MARK in its environment; waits for it
start_shim() {
	env KIST_CRASH_MARK="$MARK" "$SHIM" --id "$1" --bundle "$BUNDLE" --runtime "$RT" \
		--runtime-root "$RT_ROOT" </dev/null >/dev/null 2>&1
}

# check_after ID I WHAT: what a kill must leave: a whole record or none,
# and everything gone after delete -f; then the id starts afresh.
check_after() {
	local id=$1 i=$2 what=$3 out st
	st=$(shim_dir "$id")/state.json
	if [ -e "$st" ]; then
		jq -e '.Status | type == "string"' "$st" >/dev/null ||
			fail "$what: torn state record: $(head -c 300 "$st")"
	fi
	out=$("$SHIM" delete -f "$id" 2>&1) || {
		# killed before the shim wrote anything to find it by
		[[ "$out" == *"no such container"* ]] && [ ! -e "$(shim_dir "$id")/shim.json" ] ||
			fail "$what: delete -f: $out"
	}
	[ ! -e "$(shim_dir "$id")" ] || fail "$what: shim dir left: $(ls -A "$(shim_dir "$id")")"
	[ ! -e "$RT_ROOT/$id" ] || fail "$what: runtime state left"
	wait_for none_marked || fail "$what: processes left: $(marked_pids --all | xargs -r ps -o pid=,args= -p)"
	[ -z "$(cg_dirs_of "$CG-$i")" ] || fail "$what: cgroups left: $(cg_dirs_of "$CG-$i")"
	out=$(awk -v d="$BATS_TEST_TMPDIR" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo)
	[ -z "$out" ] || fail "$what: mounts left: $out"
	# the next operation: the same id starts and is removed again
	trial_config "$i" "[\"/tools/init\", \"pause\", \"$MARK\"]"
	start_shim "$id" || fail "$what: a new shim for $id did not start"
	status_is "$id" running || fail "$what: the new shim's container is not running"
	out=$("$SHIM" delete -f "$id" 2>&1) || fail "$what: delete -f of the new shim: $out"
	wait_for none_marked || fail "$what: processes of the new shim left"
	[ -z "$(cg_dirs_of "$CG-$i")" ] || fail "$what: cgroups of the new shim left"
}

# time_ms CMD...: how long CMD takes, in ms (at least 1)
time_ms() {
	local t0
	t0=$(now_ms)
	"$@" || fail "$* failed without a crash"
	echo $(($(now_ms) - t0 + 1))
}

@test "shim crash points: start killed at random moments" {
	local dur i delay id
	trial_config 0 "[\"/tools/init\", \"pause\", \"$MARK\"]"
	dur=$(time_ms start_shim c0)
	"$SHIM" delete -f c0
	for ((i = 1; i <= TRIALS; i++)); do
		id=c$i
		trial_config "$i" "[\"/tools/init\", \"pause\", \"$MARK\"]"
		delay=$((RANDOM % dur))
		start_shim "$id" &
		track_pid $!
		ms_sleep "$delay"
		kill_marked
		wait $! 2>/dev/null || true
		check_after "$id" "$i" "trial $i (seed $SEED, start killed after $delay ms)"
	done
	echo "# start: a clean start takes $dur ms" >&3
}

@test "shim crash points: stop killed at random moments" {
	local dur i delay id pid
	trial_config 0 "[\"/tools/init\", \"pause\", \"$MARK\"]"
	start_shim c0
	dur=$(time_ms env KIST_CRASH_MARK="$MARK" "$SHIM" stop -t 5 c0)
	"$SHIM" delete -f c0
	for ((i = 1; i <= TRIALS; i++)); do
		id=c$i
		trial_config "$i" "[\"/tools/init\", \"pause\", \"$MARK\"]"
		start_shim "$id"
		delay=$((RANDOM % dur))
		env KIST_CRASH_MARK="$MARK" "$SHIM" stop -t 5 "$id" >/dev/null 2>&1 &
		pid=$!
		track_pid "$pid"
		ms_sleep "$delay"
		kill_marked
		wait "$pid" 2>/dev/null || true
		check_after "$id" "$i" "trial $i (seed $SEED, stop killed after $delay ms)"
	done
}

@test "shim crash points: exit record killed at random moments" {
	local dur i delay id t0
	# the container exits by itself at once: what follows its start is the
	# shim draining its output, recording the exit and deleting it
	args="[\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\", \"$MARK\"]"
	trial_config 0 "$args"
	start_shim c0
	t0=$(now_ms)
	wait_shim_gone c0
	dur=$(($(now_ms) - t0 + 1))
	[ "$(state_field c0 ExitCode)" = 3 ]
	"$SHIM" delete -f c0
	for ((i = 1; i <= TRIALS; i++)); do
		id=c$i
		trial_config "$i" "$args"
		start_shim "$id"
		delay=$((RANDOM % dur))
		ms_sleep "$delay"
		kill_marked
		check_after "$id" "$i" "trial $i (seed $SEED, shim killed ${delay} ms after the start)"
	done
	echo "# exit: a clean exit is recorded ${dur} ms after the start returns" >&3
}
