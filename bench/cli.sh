#!/bin/bash
# bench/cli.sh: kist against podman on the same images in one run.
# Fixture: N (default 200) one-layer images made offline with kist import,
# saved with kist save and loaded into a private podman store (vfs driver).
# Then the median of RUNS of:
#   kist images vs podman images (the listing costs one exec of kist-store);
#   kist --help vs podman --help (start-up of the front end alone).
# The container verbs' figures (run --rm, run -d) come with those verbs.
# Prints milliseconds and kist/podman ratios.  Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
N=${N:-200}
RUNS=${RUNS:-21}
KIST="$KIST_BIN/kist"
for t in podman python3 tar; do
	command -v "$t" >/dev/null || { echo "bench/cli.sh: needs $t" >&2; exit 1; }
done
[ -x "$KIST" ] || { echo "bench/cli.sh: no $KIST (make first)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kist-bench-cli.XXXXXX)
cleanup() {
	set +e
	podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs \
		system reset -f >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
export KIST_ROOT="$work/kist"
PODMAN=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs)

echo "== fixture: $N images"
mkdir -p "$work/l"
refs=()
for i in $(seq "$N"); do
	echo "$i" >"$work/l/file"
	tar -C "$work/l" -cf "$work/l.tar" file
	"$KIST" import -c 'CMD ["sh"]' "$work/l.tar" "bench/img$i:v1" >/dev/null
	refs+=("bench/img$i:v1")
done
"$KIST" save -o "$work/all.tar" "${refs[@]}"
"${PODMAN[@]}" load -q -i "$work/all.tar" >/dev/null
[ "$("$KIST" images -q | wc -l)" -eq "$N" ]
[ "$("${PODMAN[@]}" images -q | wc -l)" -eq "$N" ]

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
