# tests/store/lib.bash: fixtures for the kist-store suites (loaded after ../helpers).
# shellcheck disable=SC2154 # status/output come from bats run

store_setup() {
	export KIST_ROOT="$BATS_TEST_TMPDIR/root"
}

store_teardown() {
	kist_cleanup
}

# The busybox rootfs imported as IMAGE (default busybox:test).
import_busybox() {
	local ref=${1:-busybox:test}
	store import -c 'CMD ["sh"]' "$(busybox_tar)" "$ref"
	[ "$status" -eq 0 ] || fail "import busybox failed: $output"
}

# make_layout DIR TAG TAR... : an OCI layout holding one image whose layers
# are the given tars (gzip-compressed), tagged TAG in index.json.
# LAYOUT_CONFIG (a jq filter) may edit the image config.
make_layout() {
	local dir=$1 tag=$2
	shift 2
	python3 - "$dir" "$tag" "$@" <<'PY'
import gzip, hashlib, json, os, sys
d, tag, tars = sys.argv[1], sys.argv[2], sys.argv[3:]
os.makedirs(d + "/blobs/sha256", exist_ok=True)
open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open("%s/blobs/sha256/%s" % (d, h), "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
layers, diffs = [], []
for t in tars:
    raw = open(t, "rb").read()
    diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
    l = blob(gzip.compress(raw, 1, mtime=0))
    l["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    layers.append(l)
cfg = {"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
       "config": {"Env": ["PATH=/bin:/usr/bin"], "Cmd": ["sh"]},
       "rootfs": {"type": "layers", "diff_ids": diffs},
       "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "layer"} for _ in diffs]}
open(d + "/config.tmp", "w").write(json.dumps(cfg))
PY
	if [ -n "${LAYOUT_CONFIG:-}" ]; then
		jq -c "$LAYOUT_CONFIG" "$dir/config.tmp" >"$dir/config.tmp2" && mv "$dir/config.tmp2" "$dir/config.tmp"
	fi
	python3 - "$dir" "$tag" "$@" <<'PY'
import gzip, hashlib, json, os, sys
d, tag, tars = sys.argv[1], sys.argv[2], sys.argv[3:]
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open("%s/blobs/sha256/%s" % (d, h), "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
layers = []
for t in tars:
    l = blob(gzip.compress(open(t, "rb").read(), 1, mtime=0))
    l["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
    layers.append(l)
c = blob(open(d + "/config.tmp", "rb").read().strip())
os.unlink(d + "/config.tmp")
c["mediaType"] = "application/vnd.oci.image.config.v1+json"
m = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "config": c, "layers": layers}).encode())
m["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
m["annotations"] = {"org.opencontainers.image.ref.name": tag}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(d + "/index.json", "w"))
PY
}

# many_layer_tars DIR N: DIR/0.tar .. DIR/(N-1).tar, layer i holding the file f<i>.
many_layer_tars() {
	python3 - "$1" "$2" <<'PY'
import io, os, sys, tarfile
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d, exist_ok=True)
for i in range(n):
    with tarfile.open("%s/%d.tar" % (d, i), "w") as t:
        data = b"%d\n" % i
        info = tarfile.TarInfo("f%d" % i)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
}

# Number of layer directories in the store.
count_layers() {
	find "$KIST_ROOT/layers" -mindepth 1 -maxdepth 1 -regextype egrep -regex '.*/[0-9a-f]{64}' | wc -l
}

# crun on this machine needs the cgroup v1 "unified" mount hidden.
run_crun() {
	if [ -d /sys/fs/cgroup/unified ] && mountpoint -q /sys/fs/cgroup/unified; then
		unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && exec crun "$@"' sh "$@"
	else
		crun "$@"
	fi
}
