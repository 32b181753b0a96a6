#!/bin/bash
# bench/net.sh: the cost of kist's networking, against podman with the same
# CNI plugins (Debian's containernetworking-plugins: bridge, host-local,
# portmap, firewall), all inside a network namespace of the bench's own (the
# host's interfaces and firewall are never touched).  Median of RUNS of:
#   run -d with the bridge and one published port vs run -d --network none:
#     the networking overhead per container start, kist's and podman's (the
#     four cases in turn, RUNS rounds, the order rotating);
#   a bulk transfer (SIZE MiB, curl) through the published port vs straight
#     to the container's address (target: >= 0.8x): XRUNS rounds, each
#     fetching the three URLs once in an order that rotates from round to
#     round (a URL's place in the round is no bias), after one round that
#     warms them all and is not counted.
# Prints milliseconds, MB/s (and curl's CPU time per transfer) and ratios.
# Leaves nothing behind.  Through the published port curl's socket is
# routed over lo (a local address: lo's MTU 65536, advmss 65483) and its
# TCP receive side costs it about 1.5x the CPU per byte it costs over
# kist0 (MTU 1500); with lo at MTU 1500 (a diagnosis, not something kist
# may set on a host) the host-address path costs curl what the direct one
# does and 127.0.0.1 a fifth more (its replies un-NATed to 127.0.0.1 and
# routed again).  That, more than the NAT, is the gap on a busy machine.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-15}
XRUNS=${XRUNS:-31}
SIZE=${SIZE:-256}
KIST="$KIST_BIN/kist"
for t in podman python3 curl busybox ip nsenter bc; do
	command -v "$t" >/dev/null || { echo "bench/net.sh: needs $t" >&2; exit 1; }
done
[ -x "$KIST" ] || { echo "bench/net.sh: no $KIST (make first)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kist-bench-net.XXXXXX)
# shellcheck source=tests/podman-cgroups.bash
. tests/podman-cgroups.bash
podman_cgroups_note "$work"
# podman's host-local IPAM keeps its leases under /var/lib/cni whatever the
# namespace: it goes at the end if the bench made it
[ -e /var/lib/cni ] || touch "$work/no-var-lib-cni"
KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
NETNS="kist-bench-${KIST_RUN##*.}"
export KIST_RUN KIST_ROOT="$work/kist" KIST_CONFIG="$work/kist-config.json"
echo '{}' >"$KIST_CONFIG"
PODMAN=(podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver vfs)
in_ns() { nsenter --net="/run/netns/$NETNS" "$@"; }
cleanup() {
	set +e
	for d in "$work"/kist/containers/[0-9a-f]*; do
		[ -d "$d" ] && in_ns "$KIST" rm -f "${d##*/}" >/dev/null 2>&1
	done
	in_ns "${PODMAN[@]}" rm -f -t 0 -a >/dev/null 2>&1
	in_ns "${PODMAN[@]}" system reset -f >/dev/null 2>&1
	ip netns del "$NETNS" 2>/dev/null
	awk -v d="$KIST_RUN" 'index($5, d "/") == 1 {print $5}' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m"; done
	podman_cgroups_clean "$work"
	[ -e "$work/no-var-lib-cni" ] && rm -rf /var/lib/cni
	rm -rf "$KIST_RUN" "$work"
}
trap cleanup EXIT
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up

# podman: the same plugins from /usr/lib/cni, its conflists in the bench's dir
mkdir -p "$work/cni"
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["/usr/lib/cni"]
network_config_dir = "$work/cni"
default_subnet = "10.88.0.0/16"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
EOF
export CONTAINERS_CONF="$work/containers.conf"

echo "== fixture: busybox image in kist and podman"
mkdir -p "$work/bb/bin" "$work/bb/www"
cp "$(command -v busybox)" "$work/bb/bin/busybox"
for a in $("$work/bb/bin/busybox" --list); do
	[ -e "$work/bb/bin/$a" ] || ln -s busybox "$work/bb/bin/$a"
done
echo page >"$work/bb/www/index.html"
tar -C "$work/bb" -cf "$work/bb.tar" .
"$KIST" import -c 'CMD ["sh"]' "$work/bb.tar" bench/bb:v1 >/dev/null
"$KIST" save -o "$work/bb-image.tar" bench/bb:v1
"${PODMAN[@]}" load -q -i "$work/bb-image.tar" >/dev/null
PRUN=()
if ! in_ns "${PODMAN[@]}" run --rm --network none localhost/bench/bb:v1 true >/dev/null 2>&1; then
	PRUN+=(--runtime runc)
fi
SERVE=(sh -c 'exec httpd -f -p 80 -h /www')

# start_ms CASE [--case CASE]...: each CASE is TOOL... -- ARGS; RUNS rounds
# of `TOOL run -d ARGS` for every case in turn (the order rotating from
# round to round, so drift of the machine hits all alike), each container
# removed after it is timed; prints each case's median ms, one a line.
# "{port}" in ARGS is a fresh port.
start_ms() {
	python3 - "$RUNS" "$NETNS" "$@" <<'PY'
import subprocess, sys, time
runs, ns, rest = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
cases = []
while rest:
    n = rest.index("--case") if "--case" in rest else len(rest)
    c, rest = rest[:n], rest[n + 1:]
    sep = c.index("--")
    cases.append((c[:sep], c[sep + 1:]))
pre = ["nsenter", "--net=/run/netns/" + ns]
t = [[] for _ in cases]
port = 20000
for i in range(runs):
    for k in range(len(cases)):
        j = (i + k) % len(cases)
        tool, args = cases[j]
        port += 1
        a = [x.replace("{port}", str(port)) for x in args]
        s = time.perf_counter()
        cid = subprocess.run(pre + tool + ["run", "-d"] + a, check=True,
                             capture_output=True, text=True).stdout.strip()
        t[j].append((time.perf_counter() - s) * 1000)
        subprocess.run(pre + tool + ["rm", "-f"] + (["-t", "0"] if "podman" in tool[0] else []) + [cid],
                       check=True, capture_output=True)
for v in t:
    v.sort()
    print("%.2f" % v[len(v) // 2])
PY
}

echo "== container start: bridge + one port vs none, median of $RUNS rounds"
start_ms "$KIST" -- -p '{port}:80' bench/bb:v1 "${SERVE[@]}" \
	--case "$KIST" -- --network none bench/bb:v1 "${SERVE[@]}" \
	--case "${PODMAN[@]}" -- "${PRUN[@]}" -p '{port}:80' localhost/bench/bb:v1 "${SERVE[@]}" \
	--case "${PODMAN[@]}" -- "${PRUN[@]}" --network none localhost/bench/bb:v1 "${SERVE[@]}" \
	>"$work/start"
{ read -r kb; read -r kn; read -r pb; read -r pn; } <"$work/start"
ko=$(echo "$kb - $kn" | bc -l)
po=$(echo "$pb - $pn" | bc -l)
printf '%-34s kist %8.2f ms   podman %8.2f ms   ratio %.3f\n' "run -d, bridge + -p" "$kb" "$pb" "$(echo "$kb / $pb" | bc -l)"
printf '%-34s kist %8.2f ms   podman %8.2f ms   ratio %.3f\n' "run -d, --network none" "$kn" "$pn" "$(echo "$kn / $pn" | bc -l)"
printf '%-34s kist %8.2f ms   podman %8.2f ms   ratio %.3f\n' "networking overhead per container" "$ko" "$po" "$(echo "$ko / $po" | bc -l)"

echo "== bulk transfer ($SIZE MiB), median of $XRUNS rounds"
id=$(in_ns "$KIST" run -d -p 18080:80 bench/bb:v1 sh -c \
	"dd if=/dev/zero of=/www/big bs=1M count=$SIZE 2>/dev/null && exec httpd -f -p 80 -h /www")
ip=$(in_ns "$KIST" inspect --format '{{.NetworkSettings.IPAddress}}' "$id")
for _ in $(seq 100); do
	in_ns curl -sf -o /dev/null "http://$ip:80/big" && break
	sleep 0.1
done
gw=$(in_ns ip -4 -o addr show kist0 | awk '{print $4}' | cut -d/ -f1)
# the URLs in turn, XRUNS rounds (so drift of the machine hits all alike),
# the order rotating; prints each URL's median MB/s and median CPU seconds
# of the curl process (user + system, as getrusage counts them)
python3 - "$XRUNS" "$NETNS" "$SIZE" "http://127.0.0.1:18080/big" "http://$gw:18080/big" \
	"http://$ip:80/big" >"$work/mbps" <<'PY'
import resource, subprocess, sys
runs, ns, size, urls = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4:]
r = {u: [] for u in urls}
cpu = {u: [] for u in urls}
def fetch(u):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["nsenter", "--net=/run/netns/" + ns, "curl", "-sf", "-o",
                          "/dev/null", "-w", "%{size_download} %{time_total}", u],
                         check=True, capture_output=True, text=True).stdout.split()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert int(out[0]) == size << 20, out
    return (int(out[0]) / float(out[1]) / 1e6,
            after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
for u in urls:
    fetch(u)
for i in range(runs):
    for k in range(len(urls)):
        u = urls[(i + k) % len(urls)]
        mbps, secs = fetch(u)
        r[u].append(mbps)
        cpu[u].append(secs)
for u in urls:
    v, c = sorted(r[u]), sorted(cpu[u])
    print("%.1f %.1f" % (v[len(v) // 2], c[len(c) // 2] * 1000))
PY
{ read -r via viacpu; read -r viagw viagwcpu; read -r direct directcpu; } <"$work/mbps"
printf '%-34s %8.1f MB/s   ratio %.3f   curl %5.0f ms CPU\n' "-p, via 127.0.0.1:18080" "$via" "$(echo "$via / $direct" | bc -l)" "$viacpu"
printf '%-34s %8.1f MB/s   ratio %.3f   curl %5.0f ms CPU\n' "-p, via the host's $gw:18080" "$viagw" "$(echo "$viagw / $direct" | bc -l)" "$viagwcpu"
printf '%-34s %8.1f MB/s                 curl %5.0f ms CPU\n' "straight to $ip:80" "$direct" "$directcpu"
echo "(target: ratios >= 0.8)"
