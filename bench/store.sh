#!/bin/bash
# bench/store.sh: kist-store against its peers on the same work, same run.
#
#   unpack of a three-layer gzip image (busybox; 50 files of 4 MiB random
#   data; 20,000 random files of 1-4 KB): kist-store unpack vs umoci unpack
#   vs GNU tar -xzf of the same blobs, median of RUNS runs, and ratios.
#   Every run of every tool writes into a freshly made ext4 filesystem (a
#   loop image): on a filesystem where tens of thousands of files were just
#   deleted, ext4's inode allocator skips recently freed inodes by reading
#   inode tables, and whichever tool runs after a deletion pays seconds for
#   it (measured here: GNU tar 0.44 s on a fresh fs, 5 s after rm -rf);
#   create-container median over 10; commit of a 1 MB change, on the big
#   image and on busybox alone (should not depend on image size).
#
# Usage: KIST_BIN=bin bash bench/store.sh     (needs root, umoci, hyperfine, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KIST_BIN:=$PWD/bin}"
RUNS=${RUNS:-3}
STORE="$KIST_BIN/kist-store"
work=$(mktemp -d /tmp/kist-bench-store.XXXXXX)
cleanup() {
	mountpoint -q "$work/fs" && umount "$work/fs"
	awk -v d="$work" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN {printf "%.1f", (e - s) * 1000}'; }

echo "# building the fixture in $work"
mkdir -p "$work/l1/bin" "$work/l1/etc" "$work/l1/tmp" "$work/l2/data" "$work/l3"
cp /bin/busybox "$work/l1/bin/"
for a in $("$work/l1/bin/busybox" --list); do [ -e "$work/l1/bin/$a" ] || ln -s busybox "$work/l1/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$work/l1/etc/passwd"
for i in $(seq 1 50); do head -c $((4 << 20)) /dev/urandom >"$work/l2/data/big$i"; done
python3 - "$work/l3" <<'PY'
import os, random, sys
root = sys.argv[1]
for d in range(100):
    os.mkdir(os.path.join(root, "d%03d" % d))
    for f in range(200):
        with open(os.path.join(root, "d%03d" % d, "f%03d" % f), "wb") as fh:
            fh.write(os.urandom(random.randint(1024, 4096)))
PY
lay="$work/layout"
mkdir -p "$lay/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
layers="" diffs=""
for l in l1 l2 l3; do
	tar -C "$work/$l" -cf "$work/$l.tar" .
	diff=$(sha256sum <"$work/$l.tar" | cut -d' ' -f1)
	gzip -1 -n <"$work/$l.tar" >"$work/$l.tar.gz"
	dg=$(sha256sum <"$work/$l.tar.gz" | cut -d' ' -f1)
	mv "$work/$l.tar.gz" "$lay/blobs/sha256/$dg"
	rm -rf "${work:?}/$l" "$work/$l.tar"
	layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$dg\",\"size\":$(stat -c %s "$lay/blobs/sha256/$dg")}"
	diffs="$diffs${diffs:+,}\"sha256:$diff\""
	BLOBS+=("$lay/blobs/sha256/$dg")
done
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$work/c.json"
cdg=$(sha256sum <"$work/c.json" | cut -d' ' -f1)
mv "$work/c.json" "$lay/blobs/sha256/$cdg"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
	"$cdg" "$(stat -c %s "$lay/blobs/sha256/$cdg")" "$layers" >"$work/m.json"
mdg=$(sha256sum <"$work/m.json" | cut -d' ' -f1)
msz=$(stat -c %s "$work/m.json")
mv "$work/m.json" "$lay/blobs/sha256/$mdg"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"bench"}}]}' \
	"$mdg" "$msz" >"$lay/index.json"
total=$(du -cb "${BLOBS[@]}" | tail -1 | cut -f1)
echo "# fixture: 3 gzip layers, $((total / 1000000)) MB compressed"
cat "${BLOBS[@]}" >/dev/null # every tool reads them from the page cache

export KIST_ROOT="$work/root"
"$STORE" import-layout "$lay:bench" bench:1 >/dev/null

# a fresh ext4 filesystem at $work/fs for each run
fresh_fs() {
	mountpoint -q "$work/fs" && umount "$work/fs"
	rm -f "$work/fs.img" && truncate -s 2G "$work/fs.img"
	mkfs.ext4 -q -F "$work/fs.img" && mkdir -p "$work/fs" && mount -o loop "$work/fs.img" "$work/fs"
	sync
}
t_kist=() t_umoci=() t_tar=()
run_kist() {
	fresh_fs
	rm -rf "$KIST_ROOT/layers" && mkdir "$KIST_ROOT/layers" && mount --bind "$work/fs" "$KIST_ROOT/layers"
	s=$(now); "$STORE" unpack bench:1 >/dev/null; e=$(now)
	umount "$KIST_ROOT/layers"
	t_kist+=("$(ms "$s" "$e")")
}
run_umoci() {
	fresh_fs
	s=$(now); umoci unpack --image "$lay:bench" "$work/fs/umoci-out" >/dev/null 2>&1; e=$(now)
	t_umoci+=("$(ms "$s" "$e")")
}
run_tar() {
	fresh_fs && mkdir "$work/fs/tar-out"
	s=$(now)
	for b in "${BLOBS[@]}"; do tar -C "$work/fs/tar-out" -xzf "$b"; done
	e=$(now)
	t_tar+=("$(ms "$s" "$e")")
}
# the order rotates from run to run so no tool always goes first
orders=("kist umoci tar" "tar kist umoci" "umoci tar kist")
for ((r = 1; r <= RUNS; r++)); do
	for tool in ${orders[$(((r - 1) % 3))]}; do "run_$tool"; done
	echo "# run $r: kist ${t_kist[-1]} ms, umoci ${t_umoci[-1]} ms, GNU tar ${t_tar[-1]} ms"
done
umount "$work/fs" && rm -f "$work/fs.img"
k=$(printf '%s\n' "${t_kist[@]}" | median)
u=$(printf '%s\n' "${t_umoci[@]}" | median)
t=$(printf '%s\n' "${t_tar[@]}" | median)
echo "unpack (median of $RUNS): kist-store $k ms, umoci $u ms, GNU tar $t ms (load average: $(cut -d' ' -f1 /proc/loadavg))"
awk -v k="$k" -v u="$u" -v t="$t" 'BEGIN {
	printf "ratio kist/GNU tar: %.2fx (target <= 1.0x)\n", k / t
	printf "ratio umoci/kist: %.2fx (kist is that much faster than umoci)\n", u / k }'

# create-container: the layers are unpacked; overlay, no copy.  hyperfine
# times the process itself (a shell's $(date) around it adds ~5 ms here);
# the busybox-only image shows the time does not depend on image size.
"$STORE" unpack bench:1 >/dev/null
mkdir -p "$work/bb" && cp /bin/busybox "$work/bb/" && tar -C "$work/bb" -cf "$work/bb.tar" .
"$STORE" import -c 'CMD ["sh"]' "$work/bb.tar" small:1 >/dev/null
"$STORE" unpack small:1 >/dev/null
create_median() {
	hyperfine -N -w 2 -r 20 --export-json "$work/h.json" "$STORE create-container $1" >/dev/null 2>&1
	python3 -c 'import json,sys,statistics; print("%.1f" % (1000 * statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"])))' "$work/h.json"
}
echo "create-container (median of 20): $(create_median bench:1) ms on the $((total / 1000000)) MB image, $(create_median small:1) ms on busybox alone (target < 20 ms)"
echo "start-up alone (kist-store --help, median of 20): $(hyperfine -N -w 2 -r 20 --export-json "$work/h.json" "$STORE --help" >/dev/null 2>&1 && python3 -c 'import json,sys,statistics; print("%.1f" % (1000 * statistics.median(json.load(open(sys.argv[1]))["results"][0]["times"])))' "$work/h.json") ms"

# commit of a 1 MB change: big image vs busybox alone
commit_ms() {
	local img=$1 name=$2 id r
	id=$("$STORE" create-container --name "$name" "$img")
	r="$KIST_ROOT/containers/$id/bundle/rootfs"
	head -c $((1 << 20)) /dev/urandom >"$r/change.bin"
	s=$(now); "$STORE" commit "$name" "$name:c" >/dev/null; e=$(now)
	ms "$s" "$e"
}
cb=$(commit_ms bench:1 commitbig)
cs=$(commit_ms small:1 commitsmall)
echo "commit of a 1 MB change: ${cb} ms on the $((total / 1000000)) MB image, ${cs} ms on busybox alone"
