#!/bin/bash
# bench/cli.sh: kist against podman on the same images in one run.
# Fixture: N (default 200) one-layer images made offline with kist import,
# saved with kist save and loaded into a private podman store (vfs driver).
# Then the median of RUNS of:
#   kist images vs podman images (the listing costs one exec of kist-store);
#   kist --help vs podman --help (start-up of the front end alone);
#   kist run --rm IMAGE true vs podman's, same busybox image, no network;
#   kist run -d IMAGE sleep (returns once it runs) vs podman's;
#   kist ps -a with NC (default 500) containers (no podman counterpart).
# Prints milliseconds and kist/podman ratios.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
N=${N:-200}
NC=${NC:-500}
RUNS=${RUNS:-21}
KIST="$KIST_BIN/kist"
for t in podman python3 tar busybox; do
	command -v "$t" >/dev/null || { echo "bench/cli.sh: needs $t" >&2; exit 1; }
done
[ -x "$KIST" ] || { echo "bench/cli.sh: no $KIST (make first)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kist-bench-cli.XXXXXX)
# shellcheck source=tests/podman-cgroups.bash
. tests/podman-cgroups.bash
podman_cgroups_note "$work"
# short: the shim's socket paths must fit a unix socket address
KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
export KIST_RUN
cleanup() {
	set +e
	for d in "$work"/kist/containers/[0-9a-f]*; do
		[ -d "$d" ] && "$KIST" rm -f "${d##*/}" >/dev/null 2>&1
	done
	"${PODMAN[@]}" rm -f -t 0 -a >/dev/null 2>&1
	rm -rf "$KIST_RUN"
	podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs \
		system reset -f >/dev/null 2>&1
	podman_cgroups_clean "$work"
	rm -rf "$work"
}
trap cleanup EXIT
export KIST_ROOT="$work/kist"
# no network for kist either (docker's "bridge": "none"; bench/net.sh
# measures networking)
export KIST_CONFIG="$work/kist-config.json"
echo '{"bridge": "none"}' >"$KIST_CONFIG"
PODMAN=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs)
# podman on this host: root lacks CAP_SYS_RESOURCE, its default ulimits
# would fail; no network for either
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
EOF
export CONTAINERS_CONF="$work/containers.conf"


echo "== fixture: $N images"
mkdir -p "$work/l"
refs=()
for i in $(seq "$N"); do
	echo "$i" >"$work/l/file"
	tar -C "$work/l" -cf "$work/l.tar" file
	"$KIST" import -c 'CMD ["sh"]' "$work/l.tar" "bench/img$i:v1" >/dev/null
	refs+=("bench/img$i:v1")
done
mkdir -p "$work/bb/bin"
cp "$(command -v busybox)" "$work/bb/bin/busybox"
for a in sh true sleep; do ln -s busybox "$work/bb/bin/$a"; done
tar -C "$work/bb" -cf "$work/bb.tar" .
"$KIST" import -c 'CMD ["sh"]' "$work/bb.tar" bench/bb:v1 >/dev/null
refs+=(bench/bb:v1)
"$KIST" save -o "$work/all.tar" "${refs[@]}"
"${PODMAN[@]}" load -q -i "$work/all.tar" >/dev/null
[ "$("$KIST" images -q | wc -l)" -eq "$((N + 1))" ]
[ "$("${PODMAN[@]}" images -q | wc -l)" -eq "$((N + 1))" ]
# crun (podman's default) refuses hybrid cgroups: runc where crun cannot run
PRUN=(--network none)
if ! "${PODMAN[@]}" run --rm "${PRUN[@]}" localhost/bench/bb:v1 true >/dev/null 2>&1; then
	PRUN+=(--runtime runc)
fi

# median_ms CMD...: the median wall time of RUNS runs, in milliseconds.
median_ms() {
	python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
t = []
for _ in range(runs):
    a = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    t.append((time.perf_counter() - a) * 1000)
t.sort()
print("%.2f" % t[len(t) // 2])
PY
}

report() {
	local what=$1 k=$2 p=$3
	printf '%-28s kist %8.2f ms   podman %8.2f ms   ratio %.3f\n' "$what" "$k" "$p" \
		"$(echo "$k / $p" | bc -l)"
}

echo "== median of $RUNS runs"
report "images ($N images)" "$(median_ms "$KIST" images)" "$(median_ms "${PODMAN[@]}" images)"
report "--help" "$(median_ms "$KIST" --help)" "$(median_ms "${PODMAN[@]}" --help)"
report "run --rm IMAGE true" "$(median_ms "$KIST" run --rm bench/bb:v1 true)" \
	"$(median_ms "${PODMAN[@]}" run --rm "${PRUN[@]}" localhost/bench/bb:v1 true)"
report "run -d IMAGE sleep" "$(median_ms "$KIST" run -d bench/bb:v1 sleep 1000)" \
	"$(median_ms "${PODMAN[@]}" run -d "${PRUN[@]}" localhost/bench/bb:v1 sleep 1000)"
for d in "$work"/kist/containers/[0-9a-f]*; do "$KIST" rm -f "${d##*/}" >/dev/null; done
"${PODMAN[@]}" rm -f -t 0 -a >/dev/null

echo "== fixture: $NC containers"
for i in $(seq "$NC"); do "$KIST" create bench/bb:v1 true >/dev/null; done
[ "$("$KIST" ps -a -q | wc -l)" -eq "$NC" ]
printf '%-28s kist %8.2f ms\n' "ps -a ($NC containers)" "$(median_ms "$KIST" ps -a)"
