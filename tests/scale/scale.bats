#!/usr/bin/env bats
# Scale: many `kist run --rm` in a row (KIST_SCALE_RUNS, default 100; `make
# scale` runs 1000) and 50 containers at once (KIST_SCALE_AT_ONCE): nothing
# is left behind (mount, cgroup, netns, veth, fd, process, record), and the
# shims' memory per container is reported.
bats_require_minimum_version 1.5.0
load ../helpers
load ../cli/lib

setup() {
	requires root
	cli_setup
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
	veths_before=$(veths)
}

teardown() { ctr_teardown; }

veths() { ip -o link show type veth 2>/dev/null | awk -F': ' '{print $2}' | sort; }

# the cgroup directories of the container whose id starts with $1, in every
# hierarchy (kist-runtime's default cgroup path is /<id>)
cgroups_of() {
	local d
	for d in /sys/fs/cgroup/"$1"* /sys/fs/cgroup/*/"$1"*; do
		[ -d "$d" ] && echo "$d"
	done
	true
}

# pids whose command line names this test's store or run dir (shims, runtimes)
kist_pids() {
	# the list is made before grep starts: grep's own command line names them
	local files=(/proc/[0-9]*/cmdline)
	grep -laF -e "$KIST_ROOT" -e "$KIST_RUN" "${files[@]}" 2>/dev/null | cut -d/ -f3
}
no_kist_pids() { [ -z "$(kist_pids)" ]; }

# nothing_left ID-PREFIX...: no container record, shim dir, runtime state or
# cgroup of these containers; no mount, netns, veth or process of the test
nothing_left() {
	local p out
	for p in "$@"; do
		out=$(ls -d "$KIST_ROOT/containers/$p"* "$KIST_RUN/shim/$p"* "$KIST_RUN/runtime/$p"* 2>/dev/null || true)
		[ -z "$out" ] || fail "records of $p left: $out"
		out=$(cgroups_of "$p")
		[ -z "$out" ] || fail "cgroups of $p left: $out"
	done
	out=$(awk -v r="$KIST_ROOT" -v k="$KIST_RUN" 'index($5, r "/") == 1 || index($5, k "/") == 1 {print $5}' /proc/self/mountinfo)
	[ -z "$out" ] || fail "mounts left: $out"
	out=$(ls -A "$KIST_RUN/netns" 2>/dev/null || true)
	[ -z "$out" ] || fail "netns left: $out"
	out=$(comm -13 <(echo "$veths_before") <(veths))
	[ -z "$out" ] || fail "veths left: $out"
	wait_for no_kist_pids ||
		fail "processes left: $(kist_pids | xargs -r ps -o pid=,args= -p)"
	[ "$(find "$KIST_ROOT/containers" -mindepth 1 -maxdepth 1 -name '[0-9a-f]*' | wc -l)" -eq 0 ] ||
		fail "containers left: $(ls "$KIST_ROOT/containers")"
}

@test "scale: kist run --rm IMAGE, many in a row, leaves nothing behind" {
	local n=${KIST_SCALE_RUNS:-100} i t0 out ids=()
	t0=$(date +%s%N)
	for ((i = 1; i <= n; i++)); do
		# docker's hostname is the id's first 12 hex digits
		out=$("$KIST" run --rm bb hostname 2>&1) || fail "run $i: $out"
		[[ "$out" =~ ^[0-9a-f]{12}$ ]] || fail "run $i: hostname '$out'"
		ids+=("$out")
	done
	echo "# $n runs: $((($(date +%s%N) - t0) / 1000000 / n)) ms per kist run --rm" >&3
	[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" -eq "$n" ]
	nothing_left "${ids[@]}"
	kist ps -a -q
	assert_output ""
}

# gone PID: PID has exited (a zombie until the host's init reaps it)
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# fds PID: the number of open fds of PID
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
# smaps KEY PID: KEY (Rss, Pss) of PID in kB
smaps() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$2/smaps_rollup"; }

@test "scale: 50 containers at once, then rm -f: no fd grows, nothing left; the shims' memory" {
	local n=${KIST_SCALE_AT_ONCE:-50} i id ids=() shims=() pid f0 rss=0 pss=0 out
	for ((i = 1; i <= n; i++)); do
		id=$("$KIST" run -d bb sleep 1000) || fail "run -d $i: $id"
		ids+=("$id")
	done
	for id in "${ids[@]}"; do
		pid=$("$KIST" inspect --format '{{.State.ShimPid}}' "$id")
		kill -0 "$pid" || fail "no shim for $id"
		shims+=("$pid")
		# the container's process holds its stdio and nothing of kist's
		out=$(ls "/proc/$("$KIST" inspect --format '{{.State.Pid}}' "$id")/fd" | sort -n | xargs)
		[ "$out" = "0 1 2" ] || fail "container $id holds fds: $out"
		rss=$((rss + $(smaps Rss "$pid")))
		pss=$((pss + $(smaps Pss "$pid")))
	done
	echo "# shim memory per container ($n at once): RSS $((rss / n)) kB, PSS $((pss / n)) kB" >&3
	# every shim holds as many fds as the first, and no more after clients
	# came and went (logs, inspect, ps, top)
	f0=$(fds "${shims[0]}")
	for pid in "${shims[@]}"; do
		[ "$(fds "$pid")" -eq "$f0" ] || fail "shim $pid holds $(fds "$pid") fds, the first $f0"
	done
	for ((i = 0; i < 5; i++)); do
		for id in "${ids[@]:0:10}"; do
			"$KIST" logs "$id" >/dev/null
			"$KIST" inspect "$id" >/dev/null
		done
		"$KIST" ps -q >/dev/null
	done
	for pid in "${shims[@]}"; do
		[ "$(fds "$pid")" -eq "$f0" ] || fail "shim $pid holds $(fds "$pid") fds after clients, $f0 before"
	done
	kist ps -q
	[ "${#lines[@]}" -eq "$n" ]
	kist rm -f "${ids[@]}"
	assert_success
	local prefixes=()
	for id in "${ids[@]}"; do prefixes+=("${id:0:12}"); done
	nothing_left "${prefixes[@]}"
	for pid in "${shims[@]}"; do
		wait_for gone "$pid" || fail "shim $pid still runs"
	done
}
