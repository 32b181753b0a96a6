#!/bin/bash
# bench/shim.sh: kist-shim against conmon on the same work in one run.
#
#   log throughput: a container writes 100 MB to stdout as fast as it can;
#   each monitor drives the same runtime (kist-runtime) and the same bundle,
#   and the time runs from starting the monitor to the log being complete
#   (kist-shim: its pid file is gone, removed after the exit record, which is
#   written only once the pipes are drained; conmon: its exit file, written
#   after the same drain).
#   kist-shim writes docker's json-file lines, conmon its k8s-file lines.
#   The two are interleaved for RUNS rounds: medians.
#   peak RSS: VmHWM of the monitor process, sampled while it runs.
#   start overhead: kist-shim start (returns once the container runs) against
#   a bare `kist-runtime create` + `start` of the same sleeping container.
# Prints milliseconds, MB/s and the ratios.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-5}
STARTS=${STARTS:-20}
SHIM="$KIST_BIN/kist-shim"
RT="$KIST_BIN/kist-runtime"

for t in conmon jq busybox; do
	command -v "$t" >/dev/null || { echo "bench/shim.sh: needs $t" >&2; exit 1; }
done
if [ ! -x "$SHIM" ] || [ ! -x "$RT" ]; then echo "bench/shim.sh: no $SHIM (make first)" >&2; exit 1; fi
[ "$(id -u)" -eq 0 ] || { echo "bench/shim.sh: needs root" >&2; exit 1; }

work=$(mktemp -d /tmp/kist-bench-shim.XXXXXX)
export KIST_RUN=$work/run
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local f id
	for f in "$KIST_RUN"/shim/*/shim.pid "$work"/*/conmon.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	for f in "$work"/state/*; do
		[ -e "$f" ] || continue
		id=${f##*/}
		"$RT" --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
	for f in /sys/fs/cgroup/*/kist-bench-shim-* /sys/fs/cgroup/kist-bench-shim-*; do
		[ -d "$f" ] && rmdir "$f" 2>/dev/null
	done
	true
}
trap cleanup EXIT

# bundle NAME ARGS_JSON: a busybox bundle with those process args
bundle() {
	local b=$work/$1
	mkdir -p "$b/rootfs"/{bin,proc,sys,dev,tmp,etc}
	cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
	for a in sh yes head sleep true; do ln -s busybox "$b/rootfs/bin/$a"; done
	(cd "$b" && "$RT" spec)
	jq --arg cg "/kist-bench-shim-$$-$1" --argjson args "$2" \
		'.process.terminal = false | .process.args = $args | .linux.cgroupsPath = $cg' \
		"$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
}
bundle burst '["sh", "-c", "yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz | head -c 100000000"]'
bundle idle '["sleep", "600"]'

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# peak PID: the last VmHWM (kB) read while PID lives
peak() {
	local pid=$1 hwm=0 v
	while v=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; do
		hwm=$v
		sleep 0.01
	done
	echo "$hwm"
}

run_kist() { # round
	local id=ks$1 t0 t1 pid
	t0=$(now_ns)
	"$SHIM" --id "$id" --bundle "$work/burst" --runtime "$RT" --runtime-root "$work/state" \
		--log "$work/$id.log" --state "$work/$id.state"
	pid=$(cat "$KIST_RUN/shim/$id/shim.pid")
	peak "$pid" >"$work/$id.rss" &
	# the shim removes its pid file once the exit is recorded
	while [ -e "$KIST_RUN/shim/$id/shim.pid" ]; do sleep 0.005; done
	t1=$(now_ns)
	wait
	echo $(((t1 - t0) / 1000000)) >>"$work/kist.ms"
	cat "$work/$id.rss" >>"$work/kist.rss"
	[ "$(jq -j .log "$work/$id.log" | wc -c)" -eq 100000000 ] ||
		{ echo "bench/shim.sh: kist-shim's log is not complete" >&2; exit 1; }
	"$SHIM" delete "$id"
	rm -f "$work/$id.log"
}

run_conmon() { # round
	local id=cm$1 d=$work/cm$1 t0 t1 pid
	mkdir -p "$d/exit" "$d/sock"
	t0=$(now_ns)
	conmon --api-version 1 -c "$id" -u "$id" -n "$id" -r "$RT" -b "$work/burst" \
		-p "$d/pid" -P "$d/conmon.pid" -l "k8s-file:$d/log" --exit-dir "$d/exit" \
		--socket-dir-path "$d/sock" --runtime-arg --root --runtime-arg "$work/state" \
		--log-level error
	until [ -s "$d/pid" ]; do sleep 0.001; done
	pid=$(cat "$d/conmon.pid")
	peak "$pid" >"$d/rss" &
	"$RT" --root "$work/state" start "$id"
	until [ -e "$d/exit/$id" ]; do sleep 0.005; done
	t1=$(now_ns)
	wait
	echo $(((t1 - t0) / 1000000)) >>"$work/conmon.ms"
	cat "$d/rss" >>"$work/conmon.rss"
	[ "$(sed 's/^[^ ]* [^ ]* [FP] //' "$d/log" | tr -d '\n' | wc -c)" -eq $((100000000 - $(grep -c ' F ' "$d/log"))) ] ||
		echo "bench/shim.sh: note: conmon's log does not hold every byte" >&2
	"$RT" --root "$work/state" delete "$id" >/dev/null 2>&1 || true
	rm -rf "$d"
}

echo "== 100 MB to stdout, start to complete log ($RUNS rounds, interleaved)"
for ((i = 0; i < RUNS; i++)); do
	run_kist "$i"
	run_conmon "$i"
done
k=$(median <"$work/kist.ms")
c=$(median <"$work/conmon.ms")
kr=$(median <"$work/kist.rss")
cr=$(median <"$work/conmon.rss")
printf "kist-shim  %6s ms  %6.0f MB/s  peak RSS %5s kB\n" "$k" "$(echo "100000 / $k" | bc -l)" "$kr"
printf "conmon     %6s ms  %6.0f MB/s  peak RSS %5s kB\n" "$c" "$(echo "100000 / $c" | bc -l)" "$cr"
printf "throughput kist/conmon %.2fx (target >= 1.5x); RSS kist/conmon %.2f (target <= 1.0)\n" \
	"$(echo "$c / $k" | bc -l)" "$(echo "$kr / $cr" | bc -l)"

echo "== start overhead: kist-shim start vs bare kist-runtime create+start ($STARTS rounds)"
for ((i = 0; i < STARTS; i++)); do
	t0=$(now_ns)
	"$RT" --root "$work/state" create --bundle "$work/idle" "bare$i" </dev/null >/dev/null 2>&1
	"$RT" --root "$work/state" start "bare$i"
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$work/bare.us"
	"$RT" --root "$work/state" delete --force "bare$i"
	t0=$(now_ns)
	"$SHIM" --id "st$i" --bundle "$work/idle" --runtime "$RT" --runtime-root "$work/state"
	t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$work/shim.us"
	"$SHIM" delete -f "st$i"
done
b=$(median <"$work/bare.us")
s=$(median <"$work/shim.us")
printf "bare create+start %6.1f ms; kist-shim %6.1f ms; overhead %.1f ms (target <= 5 ms)\n" \
	"$(echo "$b / 1000" | bc -l)" "$(echo "$s / 1000" | bc -l)" "$(echo "($s - $b) / 1000" | bc -l)"
