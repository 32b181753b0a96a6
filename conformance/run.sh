#!/bin/bash
# Run the peers' own test suites against kist-runtime, Debian's runc and
# Debian's crun in one go, and print per suite how many tests each runtime
# passed, failed and skipped.  See docs/conformance.md.
#
# Usage: conformance/run.sh SUITES [OUT]
#   SUITES  directory holding the source trees runtime-tools/ (commit
#           e5b4542), crun/ and runc/ (tag v1.3.6); nothing is downloaded
#   OUT     where logs, built helpers and the result lists go
#           (default: conformance/out in the repository)
# Environment:
#   RUNTIMES      runtimes to measure (default "kist runc crun")
#   SUITE_LIST    suites to run (default "runtime-tools crun runc")
#   FILE_TIMEOUT  seconds one test file may take (default 300)
#   TEST_TIMEOUT  seconds one test of crun's may take when its file timed
#                 out and the rest run one by one (default 60)
#   KIST_RUNTIME  kist-runtime to measure (default bin/kist-runtime)
#   ONLY          run only the test files whose names match this pattern
#   RECOUNT=1     only judge the logs of an earlier run in OUT again
#   REUSE_WORK=1  run with the helpers an earlier run built in OUT/work
#                 (no build, no packages installed; SUITES is not read)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "conformance: usage: $0 SUITES [OUT] (SUITES: directory of the suites' sources)" >&2
	exit 2
fi
suites=$(cd "$1" && pwd)
out=${2:-$repo/conformance/out}
mkdir -p "$out" && out=$(cd "$out" && pwd)
work=$out/work
: "${RUNTIMES:=kist runc crun}"
: "${SUITE_LIST:=runtime-tools crun runc}"
: "${FILE_TIMEOUT:=300}"
: "${TEST_TIMEOUT:=60}"
: "${KIST_RUNTIME:=$repo/bin/kist-runtime}"
: "${ONLY:=}"

# The 24 core files of runc's integration suite measured here.
RUNC_FILES="create cwd delete dev env exec help hooks kill list mask mounts pause
ps root run spec start start_hello start_detached state tty update version"

die() {
	echo "conformance: $*" >&2
	exit 1
}

runtime_path() {
	case $1 in
	kist) echo "$KIST_RUNTIME" ;;
	runc) command -v runc || echo /usr/sbin/runc ;;
	crun) command -v crun || echo /usr/bin/crun ;;
	*) die "unknown runtime '$1' (kist, runc or crun)" ;;
	esac
}

# ---- packages ----
deps() {
	if ! apt-cache show golang-1.23-go >/dev/null 2>&1; then
		# only bookworm-backports has a Go new enough for the suites
		. /etc/os-release
		[ "${VERSION_CODENAME:-}" = bookworm ] ||
			die "golang-1.23-go is not known to apt; install Go >= 1.23 as /usr/lib/go-1.23"
		echo "deb http://deb.debian.org/debian bookworm-backports main" \
			>/etc/apt/sources.list.d/bookworm-backports.list
		apt-get update -qq || die "apt-get update failed"
	fi
	"$repo/tests/deps.sh" conformance/packages.txt || die "installing packages failed"
}

# ---- building the suites' helpers, offline ----
go_env() {
	export PATH=/usr/lib/go-1.23/bin:$PATH GOTOOLCHAIN=local GOFLAGS=-mod=vendor GOPROXY=off
}

build_runtime_tools() {
	local src=$suites/runtime-tools dst=$work/runtime-tools
	[ -d "$src/validation" ] || die "no runtime-tools sources in $src"
	rm -rf "$dst" && mkdir -p "$dst/bin"
	(cd "$src" && go build -o "$dst/bin/" ./validation/... &&
		CGO_ENABLED=0 go build -o "$dst/runtimetest" ./cmd/runtimetest) ||
		die "building runtime-tools' validation tests failed"
	cp "$src"/rootfs-*.tar.gz "$dst/"
}

build_crun() {
	local src=$suites/crun/tests dst=$work/crun
	[ -f "$src/tests_utils.py" ] || die "no crun tests in $src"
	rm -rf "$dst" && mkdir -p "$dst/inc"
	cp "$src"/*.py "$dst/"
	# init.c wants autoconf's config.h: say what Debian 12 has
	printf '#define HAVE_%s 1\n' LINUX_IOPRIO_H SECCOMP ERROR_H >"$dst/inc/config.h"
	gcc -O2 -static -I"$dst/inc" -o "$dst/init" "$src/init.c" ||
		die "building crun's static init failed"
}

# A busybox image like the one runc's get-images.sh downloads, made from
# Debian's busybox-static.  get-images.sh only fetches what is missing, so
# both names it asks for are provided (no core file uses the Debian image).
# As in that image there is no /proc and no /sys: mask.bats makes them
# symlinks with `ln -s`, which would land inside existing directories.
make_busybox_image() {
	local dir=$1 root
	root=$(mktemp -d)
	chmod 755 "$root"
	mkdir -p "$root"/{bin,dev,etc,home,root,tmp,usr/sbin,var/spool/mail,var/www}
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln "$root/bin/busybox" "$root/bin/$a"
	done
	cat >"$root/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		daemon:x:1:1:daemon:/usr/sbin:/bin/false
		bin:x:2:2:bin:/bin:/bin/false
		sys:x:3:3:sys:/dev/null:/bin/false
		sync:x:4:100:sync:/bin:/bin/sync
		mail:x:8:8:mail:/var/spool/mail:/bin/false
		www-data:x:33:33:www-data:/var/www:/bin/false
		operator:x:37:37:Operator:/var:/bin/false
		nobody:x:65534:65534:nobody:/home:/bin/false
	EOF
	cat >"$root/etc/group" <<-'EOF'
		root:x:0:
		daemon:x:1:
		bin:x:2:
		sys:x:3:
		adm:x:4:
		tty:x:5:
		disk:x:6:
		wheel:x:10:root
		mail:x:12:
		www-data:x:33:
		users:x:100:
		nogroup:x:65534:
	EOF
	tar --owner=0 --group=0 -C "$root" -cJf "$dir/busybox-amd64.tar.xz" . &&
		cp "$dir/busybox-amd64.tar.xz" "$dir/debian-amd64.tar.xz"
	local rc=$?
	rm -rf "$root"
	return $rc
}

build_runc() {
	local src=$suites/runc dst=$work/runc
	[ -f "$src/tests/integration/helpers.bash" ] || die "no runc tests in $src"
	rm -rf "$dst" && mkdir -p "$dst/tests/cmd/_bin"
	cp -a "$src/tests/integration" "$dst/tests/"
	(cd "$src" && go build -o "$dst/tests/cmd/_bin/" ./tests/cmd/...) ||
		die "building runc's test helpers failed"
	make_busybox_image "$dst/tests/integration/testdata" || die "making the busybox image failed"
}

# ---- running ----
# in_env RUNTIME CMD...: run CMD for RUNTIME.  crun 1.8 refuses a hybrid
# host whose cgroup2 hierarchy has any controller (here: hugetlb, which no
# v1 hierarchy binds); for crun the file that lists them is hidden behind an
# empty one in a private mount namespace, so it works with the v1
# controllers as on any other hybrid host.  kist and runc see the host as is.
in_env() {
	local rt=$1
	shift
	local ctl=/sys/fs/cgroup/unified/cgroup.controllers
	if [ "$rt" = crun ] && [ -n "$(cat "$ctl" 2>/dev/null)" ] && [ -d /sys/fs/cgroup/memory ]; then
		: >"$work/empty"
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare -m sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' \
			"$work/empty" "$ctl" "$@"
	else
		"$@"
	fi
}

# reap: kill what a test left running.  The suites' bundles all live under
# $tmp (TMPDIR for the suites; crun's under $work): a process in a mount
# namespace of its own whose root mount comes from there is a container of
# theirs.  A frozen one is thawed first, or SIGKILL would wait.
reap() {
	local p pid me fz
	me=$(readlink /proc/self/ns/mnt)
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$(readlink "$p/ns/mnt" 2>/dev/null)" != "$me" ] || continue
		awk -v a="$tmp/" -v b="$work/" '$5 == "/" && (index($4, a) == 1 || index($4, b) == 1) { f = 1 }
			END { exit !f }' "$p/mountinfo" 2>/dev/null || continue
		fz=$(sed -n 's/^[0-9]*:freezer:\(.*\)/\1/p' "$p/cgroup" 2>/dev/null)
		[ -n "$fz" ] && [ -w "/sys/fs/cgroup/freezer$fz/freezer.state" ] &&
			echo THAWED >"/sys/fs/cgroup/freezer$fz/freezer.state" 2>/dev/null
		kill -9 "$pid" 2>/dev/null
	done
	return 0
}

# The suites' containers' cgroups are named after them (crun's test-*,
# runc's test_*, runtime-tools' uuids, runc-cgroups-integration-test, crun's
# "frozen" freezer, /test/deeply/nested/...): a runtime that leaves one
# behind (or a parent of it) must not make the next suite fail.
CG_NAMES='^(test|test[-_].*|frozen|runc-cgroups-integration-test|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$'
cgroup_dirs() {
	local r d
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts | while IFS= read -r r; do
		for d in "$r"/*/; do
			d=${d%/}
			[[ ${d##*/} =~ $CG_NAMES ]] && echo "$d"
		done
	done
	return 0
}

# clean_cgroups: remove (deepest first) the empty ones that were not there
# before the run
clean_cgroups() {
	local d
	cgroup_dirs | grep -vxF -f "$work/cgroups.before" | while IFS= read -r d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# unmount_left: a container without a mount namespace of its own mounts in
# ours; unmount what is left below the suites' directories
unmount_left() {
	local m
	awk -v a="$tmp/" -v b="$work/" 'index($5, a) == 1 || index($5, b) == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r | while IFS= read -r m; do
		umount -l "$m" 2>/dev/null
	done
	return 0
}

# after_test: what every test file is followed by
after_test() {
	reap
	unmount_left
	clean_cgroups
}

# record SUITE RT RESULT NAME: RESULT is pass, fail or skip
record() {
	echo "$4" >>"$out/$1/$2.$3"
}

selected() {
	[ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]
}

# A runtime-tools test is one program; judge it by its exit code and what
# it printed: any "not ok" fails it; so does a diagnostic (a YAML block)
# from a test that reports through diagnostics alone (the hook tests print
# "1..0" and exit 0 either way); it is a skip when every assertion it made
# was skipped; otherwise, exiting 0, it passed.
rt_result() { # LOG RC
	awk -v rc="$2" '
		/^(not ok|Bail out)/ { bad = 1 }
		/^ok / { oks++; if (tolower($0) !~ /# skip/) real++ }
		/^  ---$/ { diag = 1 }
		END {
			if (rc != 0 || bad) print "fail"
			else if (!oks) print (diag ? "fail" : "pass")
			else print (real ? "pass" : "skip")
		}' "$1"
}

run_runtime_tools() {
	local rt=$1 path=$2 t name log rc
	cd "$work/runtime-tools" || return
	for t in bin/*; do
		name=${t#bin/}
		selected "$name" || continue
		log=$out/runtime-tools/$rt/$name.log
		RUNTIME=$path in_env "$rt" timeout -k 10 "$FILE_TIMEOUT" "./$t" >"$log" 2>&1 </dev/null
		rc=$?
		[ $rc -eq 124 ] && echo "# timed out after ${FILE_TIMEOUT}s" >>"$log"
		echo "# exit status $rc" >>"$log"
		record runtime-tools "$rt" "$(rt_result "$log" $rc)" "$name"
		after_test
	done
}

# count_tap SUITE RT FILE TAPLOG: record each test of a TAP stream; tests
# the plan announced but that never reported (timeout, crash) are failures.
count_tap() {
	local suite=$1 rt=$2 file=$3 tap=$4 line name planned=0 ran=0 i
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		1..*) planned=${line#1..} planned=${planned%% *} ;;
		"ok "* | "not ok "*)
			ran=$((ran + 1))
			name=$(sed -E 's/^(not )?ok [0-9]+ (- )?//; s/ *# *[0-9.]+s$//' <<<"$line")
			if [[ $line == "not ok "* ]]; then
				record "$suite" "$rt" fail "$file: ${name%% #*}"
			elif [[ ${line,,} =~ \#\ ?skip ]]; then
				record "$suite" "$rt" skip "$file: $(sed -E 's/ *# ?[Ss][Kk][Ii][Pp].*//' <<<"$name")"
			else
				record "$suite" "$rt" pass "$file: $name"
			fi
			;;
		esac
	done <"$tap"
	[[ $planned =~ ^[0-9]+$ ]] || planned=0
	for ((i = ran + 1; i <= planned; i++)); do
		record "$suite" "$rt" fail "$file: test $i of $planned never reported"
	done
	if [ "$planned" -eq 0 ] && [ "$ran" -eq 0 ]; then
		record "$suite" "$rt" fail "$file: no test ran"
	fi
}

# crun_file RT PATH SECONDS FILE [TEST]: run one file of crun's suite (or
# one test of it: RUN_TESTS) under a timeout
crun_file() {
	local one=()
	[ -z "${5:-}" ] || one=("RUN_TESTS=$5")
	OCI_RUNTIME=$2 INIT=$work/crun/init PYTHONPATH=$repo/conformance/pylib \
		in_env "$1" env "${one[@]}" timeout -k 10 "$3" /usr/bin/python3 -u "$4"
}

run_crun_suite() {
	local rt=$1 path=$2 f log rc t n
	cd "$work/crun" || return
	for f in test_*.py; do
		selected "$f" || continue
		log=$out/crun/$rt/${f%.py}
		crun_file "$rt" "$path" "$FILE_TIMEOUT" "$f" >"$log.tap" 2>"$log.log" </dev/null
		rc=$?
		if [ $rc -eq 124 ]; then
			# one test hung: run each test the file did not report on its own
			echo "# timed out after ${FILE_TIMEOUT}s; the rest one by one" >>"$log.tap"
			n=$(grep -cE '^(ok|not ok) ' "$log.tap")
			/usr/bin/python3 -c "import ${f%.py} as m; print('\n'.join(m.all_tests))" 2>/dev/null |
				tail -n +$((n + 1)) | while IFS= read -r t; do
				n=$((n + 1))
				crun_file "$rt" "$path" "$TEST_TIMEOUT" "$f" "$t" >"$log.one" 2>>"$log.log" </dev/null
				if grep -qE '^(ok|not ok) 1 ' "$log.one"; then
					sed -n "s/^\(ok\|not ok\) 1 /\1 $n /p" "$log.one" >>"$log.tap"
				else
					echo "not ok $n - $t # timed out after ${TEST_TIMEOUT}s" >>"$log.tap"
				fi
				after_test
			done
			rm -f "$log.one"
		fi
		count_tap crun "$rt" "${f%.py}" "$log.tap"
		after_test
	done
	rm -rf "$work"/crun/.testsuite-run-*
}

run_runc_suite() {
	local rt=$1 path=$2 f log
	cd "$work/runc/tests/integration" || return
	for f in $RUNC_FILES; do
		selected "$f" || continue
		log=$out/runc/$rt/$f.tap
		# the tty tests need a terminal on stdin: script(1) gives bats one
		RUNC=$path in_env "$rt" timeout -k 10 "$FILE_TIMEOUT" \
			script -qefc "bats --tap $f.bats" /dev/null >"$log" 2>&1 </dev/null
		[ $? -eq 124 ] && echo "# timed out after ${FILE_TIMEOUT}s" >>"$log"
		count_tap runc "$rt" "$f" "$log"
		after_test
	done
}

count() {
	[ -f "$1" ] && wc -l <"$1" || echo 0
}

summary() {
	local suite rt d
	for suite in $SUITE_LIST; do
		d=$out/$suite
		printf '\n%s\n' "$suite"
		printf '  %-8s %7s %7s %7s\n' runtime passed failed skipped
		for rt in $RUNTIMES; do
			printf '  %-8s %7s %7s %7s\n' "$rt" "$(count "$d/$rt.pass")" \
				"$(count "$d/$rt.fail")" "$(count "$d/$rt.skip")"
		done
		# what kist fails that a peer passes
		if [[ " $RUNTIMES " == *" kist "* ]] && [ -f "$d/kist.fail" ]; then
			cat "$d"/{runc,crun}.pass 2>/dev/null | sort -u >"$d/peers.pass"
			sort "$d/kist.fail" | comm -12 - "$d/peers.pass" >"$d/kist-only.fail"
			rm -f "$d/peers.pass"
			echo "  kist fails where a peer passes: $(count "$d/kist-only.fail") ($d/kist-only.fail)"
		fi
	done
}

# recount: judge the logs of an earlier run in OUT again (RECOUNT=1)
recount() {
	local suite rt f rc
	for suite in $SUITE_LIST; do
		for rt in $RUNTIMES; do
			[ -d "$out/$suite/$rt" ] || continue
			rm -f "$out/$suite/$rt".{pass,fail,skip}
			case $suite in
			runtime-tools)
				for f in "$out/$suite/$rt"/*.log; do
					rc=$(sed -n 's/^# exit status //p' "$f" | tail -1)
					record "$suite" "$rt" "$(rt_result "$f" "${rc:-1}")" "$(basename "$f" .log)"
				done
				;;
			*)
				for f in "$out/$suite/$rt"/*.tap; do
					count_tap "$suite" "$rt" "$(basename "$f" .tap)" "$f"
				done
				;;
			esac
			for f in pass fail skip; do
				[ -f "$out/$suite/$rt.$f" ] && sort -o "$out/$suite/$rt.$f" "$out/$suite/$rt.$f"
			done
		done
	done
	summary | tee "$out/summary.txt"
}

# (all in one function: bash has read all of it before it runs)
main() {
	if [ "${RECOUNT:-0}" = 1 ]; then
		recount
		return
	fi
	[ "$(id -u)" -eq 0 ] || die "the suites need root"
	for rt in $RUNTIMES; do
		[ -x "$(runtime_path "$rt")" ] || [ "$rt" != kist ] ||
			die "no kist-runtime at $KIST_RUNTIME (run make first)"
	done
	[ "${REUSE_WORK:-0}" = 1 ] || deps
	go_env # runc's get-images.sh runs go too
	command -v go >/dev/null || die "no go in PATH after installing golang-1.23-go"
	mkdir -p "$work"
	# the suites' bundles (and sockets: keep the path short) go here
	tmp=$(mktemp -d /tmp/kist-conf.XXXXXX)
	chmod 755 "$tmp" # user namespaces' root must reach the bundles
	export TMPDIR=$tmp
	cgroup_dirs >"$work/cgroups.before"
	for suite in $SUITE_LIST; do
		if [ "${REUSE_WORK:-0}" = 1 ]; then
			[ -d "$work/$suite" ] || die "REUSE_WORK=1: nothing built for $suite in $work"
			continue
		fi
		case $suite in
		runtime-tools) build_runtime_tools ;;
		crun) build_crun ;;
		runc) build_runc ;;
		*) die "unknown suite '$suite' (runtime-tools, crun or runc)" ;;
		esac
	done

	for suite in $SUITE_LIST; do
		rm -rf "${out:?}/$suite"
		for rt in $RUNTIMES; do
			path=$(runtime_path "$rt")
			mkdir -p "$out/$suite/$rt"
			echo "== $suite: $rt ($path)"
			case $suite in
			runtime-tools) run_runtime_tools "$rt" "$path" ;;
			crun) run_crun_suite "$rt" "$path" ;;
			runc) run_runc_suite "$rt" "$path" ;;
			esac
			for r in pass fail skip; do
				[ -f "$out/$suite/$rt.$r" ] && sort -o "$out/$suite/$rt.$r" "$out/$suite/$rt.$r"
			done
		done
	done
	rm -rf --one-file-system "$tmp"
	summary | tee "$out/summary.txt"
}

main "$@"; exit
