#!/usr/bin/env bats
# kist cp (kist-store cp) both ways on running and stopped containers:
# docker's path rules, tar streams on stdin/stdout, -a, -L, symlinks inside
# the container that point at / or ../.. (they stay in the container), and
# docker's errors.
bats_require_minimum_version 1.5.0
load ../helpers
load lib

setup() {
	requires root
	cli_setup
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	kist_import bb
	H=$BATS_TEST_TMPDIR/host
	mkdir -p "$H"
	cd "$H" || exit 1
}

teardown() { ctr_teardown; }

# a running container with /d/f, /d/sub/g, /lnk -> /d/f, owned by 1000:1000
running_c() {
	kist run -d --name c bb sh -c 'mkdir -p /d/sub && echo hi >/d/f && echo deep >/d/sub/g &&
		chown -R 1000:1000 /d && ln -s /d/f /lnk && touch /ready && sleep 1000'
	assert_success
	wait_for "$KIST" exec c test -e /ready
}

@test "kist cp CONTAINER:SRC DEST: a file, a directory, its contents (/.), into a directory" {
	running_c
	kist cp c:/d/f f.txt
	assert_success
	[ "$(cat f.txt)" = hi ]
	# an existing file is overwritten
	kist cp c:/d/sub/g f.txt
	[ "$(cat f.txt)" = deep ]
	# a directory into an existing directory: under its own name
	mkdir into
	kist cp c:/d into
	assert_success
	[ "$(cat into/d/f)" = hi ]
	[ "$(cat into/d/sub/g)" = deep ]
	# a directory to a new path: becomes it
	kist cp c:/d newdir
	[ "$(cat newdir/sub/g)" = deep ]
	# /. : the contents into an existing directory
	mkdir contents
	kist cp c:/d/. contents
	assert_success
	[ "$(cat contents/f)" = hi ]
	[ -d contents/sub ]
	[ ! -e contents/d ]
	# a file into a directory keeps its name
	kist cp c:/d/f into/
	[ "$(cat into/f)" = hi ]
	# without -a: the caller's owner; with -a: the container's
	[ "$(stat -c %u:%g into/d/f)" = "$(id -u):$(id -g)" ]
	kist cp -a c:/d/f owned
	[ "$(stat -c %u:%g owned)" = 1000:1000 ]
}

@test "kist cp SRC CONTAINER:DEST: files and directories into running and stopped containers" {
	running_c
	echo up >up.txt
	mkdir -p tree/x && echo y >tree/x/y
	chown 1234:1234 up.txt
	kist cp up.txt c:/up.txt
	assert_success
	run -0 "$KIST" exec c cat /up.txt
	assert_output up
	# without -a the files belong to the container's root; -a keeps them
	run -0 "$KIST" exec c stat -c %u:%g /up.txt
	assert_output 0:0
	kist cp -a up.txt c:/kept.txt
	run -0 "$KIST" exec c stat -c %u:%g /kept.txt
	assert_output 1234:1234
	kist cp tree c:/d
	run -0 "$KIST" exec c cat /d/tree/x/y
	assert_output y
	# a stopped container, both ways
	kist create --name stopped bb true
	kist cp up.txt stopped:/in.txt
	assert_success
	kist cp stopped:/in.txt back.txt
	assert_success
	[ "$(cat back.txt)" = up ]
	kist start -a stopped
	assert_success
	kist cp stopped:/in.txt back2.txt
	[ "$(cat back2.txt)" = up ]
}

@test "kist cp -: a tar stream of a container path on stdout, a tar on stdin into a directory" {
	running_c
	run -0 bash -c '"$KIST" cp c:/d - | tar -tf - | sort'
	assert_output "d/
d/f
d/sub/
d/sub/g"
	mkdir -p in/z && echo zz >in/z/zz
	tar -C in -cf in.tar z
	kist cp - c:/tmp <in.tar
	assert_success
	run -0 "$KIST" exec c cat /tmp/z/zz
	assert_output zz
	# a tar stream goes into a directory
	run -1 --separate-stderr "$KIST" cp - c:/d/f <in.tar
	[ "$stderr" = 'Error: destination "/d/f" must be a directory' ]
}

@test "kist cp -L: a symlink is copied as a link, or followed with -L" {
	running_c
	kist cp c:/lnk l1
	[ -L l1 ]
	[ "$(readlink l1)" = /d/f ]
	kist cp -L c:/lnk l2
	[ ! -L l2 ]
	[ "$(cat l2)" = hi ]
}

@test "kist cp: symlinks in the container to / and ../.. resolve inside it, both ways" {
	running_c
	# the host has these, outside the container's root
	echo host-secret >"$BATS_TEST_TMPDIR/secret"
	mkdir "$BATS_TEST_TMPDIR/hostdir"
	# $KIST_ROOT/containers/<id>/bundle/rootfs/../../../../.. is $BATS_TEST_TMPDIR
	"$KIST" exec c sh -c "ln -s ../../../../.. /up && ln -s / /root-link &&
		ln -s '$BATS_TEST_TMPDIR/hostdir' /abs && echo in-container >/secret"
	kist cp c:/up/secret s1
	assert_success
	[ "$(cat s1)" = in-container ]
	kist cp c:/root-link/secret s2
	[ "$(cat s2)" = in-container ]
	run -1 --separate-stderr "$KIST" cp c:/abs/../secret s3
	[ "$(cat s3 2>/dev/null)" != host-secret ]
	echo planted >p.txt
	kist cp p.txt c:/up/planted
	assert_success
	kist cp p.txt c:/root-link/planted2
	assert_success
	# the host is untouched, the files are in the container's root
	[ ! -e "$BATS_TEST_TMPDIR/planted" ]
	[ ! -e /planted2 ]
	run -0 "$KIST" exec c cat /planted /planted2
	assert_output "planted
planted"
	# a link to a directory that the host has: it must exist in the container
	run -1 --separate-stderr "$KIST" cp p.txt c:/abs/
	[ "$stderr" = 'Error: destination directory "/abs/" must exist' ]
	"$KIST" exec c mkdir -p "$BATS_TEST_TMPDIR/hostdir"
	kist cp p.txt c:/abs/
	assert_success
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/hostdir")" ]
	run -0 "$KIST" exec c cat "$BATS_TEST_TMPDIR/hostdir/p.txt"
	assert_output planted
	# a tar with ../ entries stays in the directory it goes into
	mkdir -p t && echo evil >t/evil
	tar -C t -cf evil.tar --transform 's,^,../../../../../../,' evil
	kist cp - c:/tmp <evil.tar
	[ ! -e "$BATS_TEST_TMPDIR/evil" ]
	run -0 "$KIST" exec c cat /tmp/evil
	assert_output evil
}

@test "kist cp: docker's errors, nothing written" {
	running_c
	run -1 --separate-stderr "$KIST" cp c:/nope x
	[ "$stderr" = "Error: Could not find the file /nope in container c" ]
	[ ! -e x ]
	run -1 --separate-stderr "$KIST" cp nosuch:/d x
	[ "$stderr" = "Error: No such container: nosuch" ]
	run -1 --separate-stderr "$KIST" cp ./missing c:/x
	[ "$stderr" = "Error: lstat ./missing: no such file or directory" ]
	run -1 --separate-stderr "$KIST" cp a b
	[ "$stderr" = "Error: must specify at least one container source" ]
	run -1 --separate-stderr "$KIST" cp c:/d c:/e
	[ "$stderr" = "Error: copying between containers is not supported" ]
	run -1 --separate-stderr "$KIST" cp c:/d/f nodir/
	[ "$stderr" = 'Error: destination directory "nodir/" must exist' ]
	[ ! -e nodir ]
	touch afile
	run -1 --separate-stderr "$KIST" cp c:/d afile
	[ "$stderr" = "Error: cannot copy a directory to a file: 'afile'" ]
	[ ! -s afile ]
	run -125 --separate-stderr "$KIST" cp c:/d
	[[ $stderr == *'"kist cp" requires exactly 2 arguments.'* ]]
}
