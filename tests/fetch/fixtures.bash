# tests/fetch/fixtures.bash: image fixtures for the fetch suite, built
# offline with tar, gzip, sha256sum and jq into an OCI layout.

# oci_blob LAYOUT FILE: move FILE into LAYOUT's blobs; print its digest.
oci_blob() {
	local layout=$1 f=$2 hex
	hex=$(sha256sum "$f" | cut -d' ' -f1)
	mkdir -p "$layout/blobs/sha256"
	mv "$f" "$layout/blobs/sha256/$hex"
	echo "sha256:$hex"
}

# make_image LAYOUT REF DIR...: an OCI layout at LAYOUT (created or extended)
# holding a linux/amd64 image whose layers are the gzipped tars of each DIR,
# recorded under REF.  Prints the manifest digest.
make_image() {
	local layout=$1 ref=$2 d i=0 tmp diff dgst size layers="[]" diffs="[]" cfgd cfgs mand mans
	shift 2
	mkdir -p "$layout/blobs/sha256"
	[ -f "$layout/oci-layout" ] || echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
	[ -f "$layout/index.json" ] || echo '{"schemaVersion":2,"manifests":[]}' >"$layout/index.json"
	tmp=$(mktemp -d "$layout/.mk.XXXXXX")
	for d in "$@"; do
		i=$((i + 1))
		tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/l$i.tar" .
		diff="sha256:$(sha256sum "$tmp/l$i.tar" | cut -d' ' -f1)"
		gzip -n -1 "$tmp/l$i.tar"
		size=$(stat -c %s "$tmp/l$i.tar.gz")
		dgst=$(oci_blob "$layout" "$tmp/l$i.tar.gz")
		layers=$(jq -c --arg d "$dgst" --argjson s "$size" \
			'. + [{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$d,size:$s}]' <<<"$layers")
		diffs=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs")
	done
	jq -cn --argjson diffs "$diffs" --arg ref "$ref" --arg arch "${ARCH:-amd64}" \
		'{architecture:$arch,os:"linux",created:"2024-01-01T00:00:00Z",
		  config:{Env:["PATH=/bin"],Cmd:["/bin/sh"],Labels:{"kist.test":$ref}},
		  rootfs:{type:"layers",diff_ids:$diffs},history:[]}' >"$tmp/config"
	cfgs=$(stat -c %s "$tmp/config")
	cfgd=$(oci_blob "$layout" "$tmp/config")
	jq -cn --arg cd "$cfgd" --argjson cs "$cfgs" --argjson layers "$layers" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},
		  layers:$layers}' | tr -d '\n' >"$tmp/manifest"
	mans=$(stat -c %s "$tmp/manifest")
	mand=$(oci_blob "$layout" "$tmp/manifest")
	update_config "$layout/index.json" "$(printf '.manifests |= [.[] | select(.annotations["org.opencontainers.image.ref.name"] != "%s")] + [{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:"%s",size:%s,annotations:{"org.opencontainers.image.ref.name":"%s"}}]' "$ref" "$mand" "$mans" "$ref")"
	rm -rf "$tmp"
	echo "$mand"
}

# rand_dir DIR KIB: a directory with one file of KIB KiB of random bytes.
rand_dir() {
	mkdir -p "$1"
	head -c "$(($2 * 1024))" /dev/urandom >"$1/data.bin"
}

# skopeo_push LAYOUT REF DEST: push with skopeo (the reference client).
skopeo_push() {
	skopeo copy -q --dest-tls-verify=false "oci:$1:$2" "docker://$3"
}

# layout_ok LAYOUT: every ref and every blob in LAYOUT is whole: each blob
# hashes to its name, nothing lingers outside blobs/ but ingest partials,
# and every ref points at a present blob.
layout_ok() {
	local layout=$1 f hex d
	for f in "$layout"/blobs/sha256/*; do
		[ -e "$f" ] || continue
		hex=$(sha256sum "$f" | cut -d' ' -f1)
		if [ "$hex" != "$(basename "$f")" ]; then
			echo "blob $(basename "$f") does not match its digest" >&2
			return 1
		fi
	done
	for d in $(jq -r '.manifests[].digest' "$layout/index.json"); do
		if [ ! -f "$layout/blobs/sha256/${d#sha256:}" ]; then
			echo "ref to missing blob $d" >&2
			return 1
		fi
	done
}

# make_index LAYOUT REF ARCH=MANIFEST_DIGEST...: an OCI index over manifests
# already in LAYOUT, each for linux/ARCH, recorded under REF.  Prints its digest.
make_index() {
	local layout=$1 ref=$2 m arch d size mans="[]" tmp dg sz
	shift 2
	for m in "$@"; do
		arch=${m%%=*} d=${m#*=}
		size=$(stat -c %s "$layout/blobs/sha256/${d#sha256:}")
		mans=$(jq -c --arg d "$d" --argjson s "$size" --arg a "$arch" \
			'. + [{mediaType:"application/vnd.oci.image.manifest.v1+json",digest:$d,size:$s,platform:{os:"linux",architecture:$a}}]' <<<"$mans")
	done
	tmp=$(mktemp "$layout/.idx.XXXXXX")
	jq -cn --argjson m "$mans" '{schemaVersion:2,mediaType:"application/vnd.oci.image.index.v1+json",manifests:$m}' | tr -d '\n' >"$tmp"
	sz=$(stat -c %s "$tmp")
	dg=$(oci_blob "$layout" "$tmp")
	update_config "$layout/index.json" "$(printf '.manifests |= [.[] | select(.annotations["org.opencontainers.image.ref.name"] != "%s")] + [{mediaType:"application/vnd.oci.image.index.v1+json",digest:"%s",size:%s,annotations:{"org.opencontainers.image.ref.name":"%s"}}]' "$ref" "$dg" "$sz" "$ref")"
	echo "$dg"
}

SERVER_PY="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/server.py"

# start_helper NAME PORT ARGS...: run server.py ARGS in the background, wait
# until PORT listens; the pid goes to $BATS_FILE_TMPDIR/NAME.pid and is
# stopped by stop_helpers.  A helper that dies first fails at once, with its
# log.
start_helper() {
	local name=$1 port=$2 pid i
	shift 2
	python3 "$SERVER_PY" "$@" >"$BATS_FILE_TMPDIR/$name.log" 2>&1 &
	pid=$!
	echo "$pid" >"$BATS_FILE_TMPDIR/$name.pid"
	for ((i = 0; i < 600; i++)); do
		port_listens "$port" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "helper $name exited before listening on $port:" >&2
			cat "$BATS_FILE_TMPDIR/$name.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "helper $name: port $port still not listening after 30 s:" >&2
	cat "$BATS_FILE_TMPDIR/$name.log" >&2
	return 1
}

port_listens() { ss -Htln "sport = :$1" | grep -q .; }

stop_helper() {
	local f="$BATS_FILE_TMPDIR/$1.pid" pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$f"
}

# stop every helper and registry this file started (teardown_file).
stop_helpers() {
	local f
	for f in "$BATS_FILE_TMPDIR"/*.pid; do
		[ -e "$f" ] || continue
		stop_helper "$(basename "$f" .pid)"
	done
	for f in "$BATS_FILE_TMPDIR"/*/registry.pid; do
		[ -e "$f" ] || continue
		stop_registry "$(cat "$f")"
	done
}

# registry_blob_path DATADIR DIGEST: where docker-registry keeps a blob.
registry_blob_path() {
	local hex=${2#sha256:}
	echo "$1/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# no_partial_blobs ROOT: nothing in blobs/ but verified blobs (layout_ok),
# and every ref points at a present blob.
store_ok() { layout_ok "$1/oci"; }

# reg_push_blob REG REPO FILE: upload FILE as a blob with curl (monolithic
# POST + PUT, no client-side checks); print its digest.
reg_push_blob() {
	local reg=$1 repo=$2 f=$3 d loc
	d="sha256:$(sha256sum "$f" | cut -d' ' -f1)"
	loc=$(curl -fsS -X POST -D - -o /dev/null "http://$reg/v2/$repo/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
	case $loc in *\?*) loc="$loc&digest=$d" ;; *) loc="$loc?digest=$d" ;; esac
	curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$f" "$loc" >/dev/null
	echo "$d"
}

# reg_push_crafted REG REPO:TAG CONFIG DIR...: push an image whose config blob
# is the file CONFIG as is (not JSON, not an image config, diff_ids that do
# not match...) and whose layers are the gzipped tars of each DIR, the way a
# hostile or broken registry client could.  Prints the manifest digest.
reg_push_crafted() {
	local reg=$1 ref=$2 cfg=$3 d tmp layers="[]" ld cd
	shift 3
	tmp=$(mktemp -d)
	for d in "$@"; do
		tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -c . | gzip -n >"$tmp/l"
		ld=$(reg_push_blob "$reg" "${ref%:*}" "$tmp/l")
		layers=$(jq -c --arg d "$ld" --argjson s "$(stat -c %s "$tmp/l")" \
			'. + [{mediaType:"application/vnd.oci.image.layer.v1.tar+gzip",digest:$d,size:$s}]' <<<"$layers")
	done
	cd=$(reg_push_blob "$reg" "${ref%:*}" "$cfg")
	jq -cn --arg cd "$cd" --argjson cs "$(stat -c %s "$cfg")" --argjson layers "$layers" \
		'{schemaVersion:2,mediaType:"application/vnd.oci.image.manifest.v1+json",
		  config:{mediaType:"application/vnd.oci.image.config.v1+json",digest:$cd,size:$cs},
		  layers:$layers}' | tr -d '\n' >"$tmp/m"
	curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "@$tmp/m" "http://$reg/v2/${ref%:*}/manifests/${ref##*:}" >/dev/null
	echo "sha256:$(sha256sum "$tmp/m" | cut -d' ' -f1)"
	rm -rf "$tmp"
}
