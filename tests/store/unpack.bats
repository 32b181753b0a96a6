#!/usr/bin/env bats
# kist-store unpack: layers into layers/<chain-id>/diff in overlay form.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	store_setup
	requires root
}
teardown() { store_teardown; }

# mktar OUT PYTHON-BODY: build a tar with python's tarfile (t is the open file,
# add(name, type, **attrs) adds an entry).
mktar() {
	local out=$1
	python3 - "$out" <<PY
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def add(name, type=tarfile.REGTYPE, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.type = type
    i.mtime = kw.pop("mtime", 1600000000)
    i.mode = kw.pop("mode", 0o644)
    for k, v in kw.items():
        setattr(i, k, v)
    if type == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
$2
t.close()
PY
}

unpack_layout() { # DIR TAG TARS... -> imports and unpacks, sets DIFFS (layer dirs)
	local dir=$1 tag=$2
	shift 2
	make_layout "$dir" "$tag" "$@"
	store import-layout "$dir:$tag" "$tag"
	assert_success
	store unpack "$tag"
}

@test "store unpack: owners, modes, setuid, mtimes, xattrs, links and devices are kept" {
	mktar "$BATS_TEST_TMPDIR/l1.tar" '
add("etc", tarfile.DIRTYPE, mode=0o755, mtime=1500000000)
add("etc/data", data=b"hello", uid=1000, gid=100, mode=0o640, mtime=1234567890)
add("bin", tarfile.DIRTYPE, mode=0o755)
add("bin/su", data=b"#!", uid=0, gid=0, mode=0o4755)
add("bin/sg", data=b"#!", uid=5, gid=6, mode=0o2711)
add("bin/link", tarfile.SYMTYPE, linkname="../etc/data")
add("bin/abs", tarfile.SYMTYPE, linkname="/etc/passwd")
add("bin/hard", tarfile.LNKTYPE, linkname="etc/data")
add("dev", tarfile.DIRTYPE, mode=0o755)
add("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
add("dev/fifo", tarfile.FIFOTYPE, mode=0o600)
i = tarfile.TarInfo("etc/x"); i.size = 1; i.pax_headers = {"SCHILY.xattr.user.kist": "yes"}
t.addfile(i, io.BytesIO(b"x"))
add("tmp", tarfile.DIRTYPE, mode=0o1777, mtime=1400000000)
'
	unpack_layout "$BATS_TEST_TMPDIR/lay" meta:1 "$BATS_TEST_TMPDIR/l1.tar"
	assert_success
	d=${lines[0]}
	[ -d "$d" ]
	[ "$(stat -c '%u:%g %a %Y' "$d/etc/data")" = "1000:100 640 1234567890" ]
	[ "$(stat -c '%a' "$d/bin/su")" = "4755" ]
	[ "$(stat -c '%u:%g %a' "$d/bin/sg")" = "5:6 2711" ]
	[ "$(readlink "$d/bin/link")" = "../etc/data" ]
	[ "$(readlink "$d/bin/abs")" = "/etc/passwd" ]
	[ "$(stat -c %i "$d/bin/hard")" = "$(stat -c %i "$d/etc/data")" ]
	[ "$(stat -c '%F %t:%T' "$d/dev/null")" = "character special file 1:3" ]
	[ -p "$d/dev/fifo" ]
	[ "$(getfattr --only-values -n user.kist "$d/etc/x")" = "yes" ]
	[ "$(stat -c '%a %Y' "$d/tmp")" = "1777 1400000000" ]
	[ "$(stat -c '%Y' "$d/etc")" = "1500000000" ]
}

@test "store unpack: whiteouts become 0:0 devices and opaque dirs an xattr" {
	mktar "$BATS_TEST_TMPDIR/l1.tar" '
add("a", tarfile.DIRTYPE, mode=0o755)
add("a/f1", data=b"1")
add("b", data=b"b")
'
	mktar "$BATS_TEST_TMPDIR/l2.tar" '
add("a", tarfile.DIRTYPE, mode=0o755)
add("a/.wh..wh..opq")
add("a/f3", data=b"3")
add(".wh.b")
'
	unpack_layout "$BATS_TEST_TMPDIR/lay" wh:1 "$BATS_TEST_TMPDIR/l1.tar" "$BATS_TEST_TMPDIR/l2.tar"
	assert_success
	top=${lines[1]}
	[ "$(stat -c '%F %t:%T' "$top/b")" = "character special file 0:0" ]
	[ "$(getfattr --only-values -n trusted.overlay.opaque "$top/a")" = "y" ]
	[ -f "$top/a/f3" ]
	[ ! -e "$top/a/.wh..wh..opq" ]
	[ ! -e "$top/.wh.b" ]
}

@test "store unpack: idempotent, one directory per chain id, short links" {
	import_busybox
	store unpack busybox:test
	assert_success
	d=$output
	touch "$d/marker"
	store unpack busybox:test
	assert_success
	[ "$output" = "$d" ]
	[ -e "$d/marker" ]
	[ "$(count_layers)" -eq 1 ]
	chain=$(basename "$(dirname "$d")")
	[ "$(readlink -f "$KIST_ROOT/layers/l/${chain:0:12}")" = "$d" ]
}

@test "store unpack: concurrent unpacks of the same image agree" {
	import_busybox
	"$STORE" --root "$KIST_ROOT" unpack busybox:test >"$BATS_TEST_TMPDIR/o1" 2>&1 &
	p1=$!
	"$STORE" --root "$KIST_ROOT" unpack busybox:test >"$BATS_TEST_TMPDIR/o2" 2>&1 &
	p2=$!
	"$STORE" --root "$KIST_ROOT" unpack busybox:test >"$BATS_TEST_TMPDIR/o3" 2>&1
	wait "$p1"
	wait "$p2"
	cmp "$BATS_TEST_TMPDIR/o1" "$BATS_TEST_TMPDIR/o2"
	cmp "$BATS_TEST_TMPDIR/o1" "$BATS_TEST_TMPDIR/o3"
	[ "$(count_layers)" -eq 1 ]
	[ -z "$(find "$KIST_ROOT/layers" -maxdepth 1 -name '.tmp-*')" ]
	[ -x "$(cat "$BATS_TEST_TMPDIR/o1")/bin/busybox" ]
}

@test "store unpack: a layer whose diff id does not match is rejected before it is visible" {
	mktar "$BATS_TEST_TMPDIR/l1.tar" 'add("f", data=b"one")'
	# claim another diff id in the config (and re-hash the config + manifest)
	LAYOUT_CONFIG='.rootfs.diff_ids[0] = "sha256:0000000000000000000000000000000000000000000000000000000000000000"' \
		make_layout "$BATS_TEST_TMPDIR/lay2" bad:1 "$BATS_TEST_TMPDIR/l1.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay2:bad:1" bad:1
	assert_success
	store unpack bad:1
	assert_failure 1
	assert_output --partial "diff id mismatch"
	[ "$(count_layers)" -eq 0 ]
	[ -z "$(find "$KIST_ROOT/layers" -maxdepth 1 -name '.tmp-*')" ]
}

@test "store unpack: a corrupted blob is rejected before it is visible" {
	mktar "$BATS_TEST_TMPDIR/l1.tar" 'add("f", data=b"one" * 1000)'
	make_layout "$BATS_TEST_TMPDIR/lay" c:1 "$BATS_TEST_TMPDIR/l1.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay:c:1" c:1
	assert_success
	dg=$(jq -r '.layers[0].digest' "$KIST_ROOT/oci/blobs/sha256/$(jq -r '.manifests[0].digest' "$KIST_ROOT/oci/index.json" | cut -d: -f2)")
	blob="$KIST_ROOT/oci/blobs/sha256/${dg#sha256:}"
	chmod u+w "$blob"
	mktar "$BATS_TEST_TMPDIR/other.tar" 'add("g", data=b"two")'
	gzip -c "$BATS_TEST_TMPDIR/other.tar" >"$blob"
	store unpack c:1
	assert_failure 1
	assert_output --partial "mismatch"
	[ "$(count_layers)" -eq 0 ]
}

hostile() { # NAME PYTHON-BODY EXPECTED-MESSAGE
	local name=$1
	mkdir -p "$BATS_TEST_TMPDIR/outside"
	touch "$BATS_TEST_TMPDIR/outside/keep"
	mktar "$BATS_TEST_TMPDIR/$name.tar" "$2"
	make_layout "$BATS_TEST_TMPDIR/lay-$name" "$name:1" "$BATS_TEST_TMPDIR/$name.tar"
	store import-layout "$BATS_TEST_TMPDIR/lay-$name:$name:1" "$name:1"
	assert_success
	store unpack "$name:1"
	assert_failure 1
	assert_output --partial "$3"
	[ "$(count_layers)" -eq 0 ]
	[ -z "$(find "$KIST_ROOT/layers" -maxdepth 1 -name '.tmp-*')" ]
	# nothing written outside
	[ "$(ls -A "$BATS_TEST_TMPDIR/outside")" = "keep" ]
	[ ! -e /etc/kist-escape ]
}

@test "store unpack: hostile layer with ../ is refused" {
	rel=$(realpath --relative-to=/ "$BATS_TEST_TMPDIR/outside")
	hostile dotdot "add(\"a/../../../../../../../../$rel/evil\", data=b\"x\")" "'..' not allowed"
}

@test "store unpack: hostile layer with an absolute path is refused" {
	hostile abs "add(\"$BATS_TEST_TMPDIR/outside/evil\", data=b\"x\")" "absolute path not allowed"
}

@test "store unpack: hostile layer writing through an absolute symlink is refused" {
	hostile symlink "
add(\"lnk\", tarfile.SYMTYPE, linkname=\"$BATS_TEST_TMPDIR/outside\")
add(\"lnk/evil\", data=b\"x\")" "refusing to write through a symlink"
}

@test "store unpack: hostile layer writing through a relative symlink chain is refused" {
	hostile symchain "
add(\"d\", tarfile.DIRTYPE)
add(\"d/up\", tarfile.SYMTYPE, linkname=\"../../../../../../../../../../..\")
add(\"d/up/etc/kist-escape\", data=b\"x\")" "refusing to write through a symlink"
}

@test "store unpack: hostile hardlink to /etc/shadow is refused" {
	hostile hardlink 'add("shadow", tarfile.LNKTYPE, linkname="/etc/shadow")' "absolute path not allowed"
	hostile hardlink2 'add("shadow", tarfile.LNKTYPE, linkname="../../../../../../../etc/shadow")' "'..' not allowed"
}

@test "store unpack: hostile hardlink through a symlink is refused" {
	hostile hardsym "
add(\"lnk\", tarfile.SYMTYPE, linkname=\"/etc\")
add(\"shadow\", tarfile.LNKTYPE, linkname=\"lnk/shadow\")" "not in the layer"
}

@test "store unpack: hostile huge file names are refused" {
	hostile huge "add(\"d/\" + \"a\" * 300, data=b\"x\")" "name too long"
	hostile deep "add(\"/\".join([\"d\" * 200] * 30) + \"/f\", data=b\"x\")" "path too long"
}
