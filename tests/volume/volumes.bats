#!/usr/bin/env bats
# kist's volumes and mounts on real containers: -v binds and named volumes,
# --mount bind/volume/tmpfs, --tmpfs, the image's VOLUMEs as anonymous
# volumes, copy-up, --read-only with writable volumes, rm -v and run --rm,
# kist volume create/ls/inspect/rm/prune, and what inspect shows.  Every
# outcome is checked from outside the container.
bats_require_minimum_version 1.5.0
load ../helpers
load ../cli/lib
load lib

setup() { vol_setup; }
teardown() { vol_teardown; }

@test "kist run -v HOST:CTR: the host's files are visible and writes come back" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	echo "on the host" >"$h/f"
	kist run --rm -v "$h:/h" bb sh -c 'cat /h/f; echo "from the container" >/h/g'
	assert_success
	assert_output "on the host"
	[ "$(cat "$h/g")" = "from the container" ]
	# a single file, at a path the image lacks, under a read-only rootfs
	kist run --rm --read-only -v "$h/f:/new/dir/file:ro" bb cat /new/dir/file
	assert_success
	assert_output "on the host"
}

@test "kist run -v HOST:CTR:ro: writes fail inside and the host dir is unchanged" {
	local h="$BATS_TEST_TMPDIR/host" before
	mkdir -p "$h"
	echo "keep" >"$h/f"
	before=$(stat -c '%n %s %Y %a' "$h" "$h/f"; ls -A "$h"; md5sum "$h/f")
	run --separate-stderr "$KIST" run --rm -v "$h:/h:ro" bb sh -c \
		'cat /h/f; echo x >/h/new; echo y >>/h/f; rm -f /h/f; grep " /h " /proc/mounts'
	assert_success
	assert_line --index 0 keep
	assert_line --index 1 --regexp '^[^ ]+ /h [^ ]+ ro[, ]'
	[[ $stderr == *"Read-only file system"* ]]
	[ "$(stat -c '%n %s %Y %a' "$h" "$h/f"; ls -A "$h"; md5sum "$h/f")" = "$before" ]
	[ ! -e "$h/new" ]
}

@test "kist run -v makes a missing host path; --mount type=bind wants it to exist" {
	local h="$BATS_TEST_TMPDIR/made/by/v"
	kist run --rm -v "$h:/m" bb sh -c 'echo hi >/m/f'
	assert_success
	[ -d "$h" ]
	[ "$(cat "$h/f")" = hi ]
	run -125 --separate-stderr "$KIST" run --rm --mount "type=bind,source=$BATS_TEST_TMPDIR/missing,target=/x" bb true
	[ "$stderr" = "Error: invalid mount config for type \"bind\": bind source path does not exist: $BATS_TEST_TMPDIR/missing" ]
	[ ! -e "$BATS_TEST_TMPDIR/missing" ]
	no_container_made
}

@test "kist run --mount type=bind,readonly and bind-propagation" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	echo data >"$h/f"
	kist run --name b1 --mount "type=bind,src=$h,dst=/b,readonly" \
		--mount "type=bind,source=$h,target=/s,bind-propagation=rslave" bb \
		sh -c 'cat /b/f; touch /b/x 2>/dev/null || echo refused; touch /s/y && echo written'
	assert_success
	assert_output $'data\nrefused\nwritten'
	[ ! -e "$h/x" ]
	[ -e "$h/y" ]
	kist inspect --format '{{range .Mounts}}{{.Type}} {{.Source}} {{.Destination}} {{.RW}} {{.Propagation}};{{end}}' b1
	assert_output "bind $h /b false rprivate;bind $h /s true rslave;"
}

@test "kist run -v NAME:CTR: a named volume is made on first use and keeps its data across containers" {
	kist run --name w1 -v keep:/k bb sh -c 'echo first >/k/f'
	assert_success
	[ "$(cat "$(vol_dir keep)/f")" = first ]
	# a named volume survives rm, even rm -v
	kist rm -v w1
	assert_success
	[ "$(cat "$(vol_dir keep)/f")" = first ]
	kist run --rm --mount type=volume,source=keep,target=/again bb sh -c 'cat /again/f; echo second >>/again/f'
	assert_success
	assert_output first
	[ "$(cat "$(vol_dir keep)/f")" = $'first\nsecond' ]
	kist volume ls -q
	assert_output keep
}

@test "kist run -v NAME:/data: an empty volume gets the image's files (copy-up), owner and mode too" {
	vol_image bbvol
	kist run --rm -v seeded:/data bbvol sh -c 'cat /data/seed /data/sub/file; echo mine >/data/seed'
	assert_success
	assert_output $'from the image\nnested'
	local d
	d=$(vol_dir seeded)
	[ "$(stat -c '%u:%g %a' "$d")" = "1000:1000 750" ]
	[ "$(cat "$d/seed")" = mine ]
	# not empty any more: the next container sees the volume's data
	kist run --rm -v seeded:/data bbvol cat /data/seed
	assert_output mine
	# nocopy: the volume stays empty
	kist run --rm -v empty:/data:nocopy bbvol ls -A /data
	assert_success
	assert_output ""
	[ -z "$(ls -A "$(vol_dir empty)")" ]
	kist run --rm --mount type=volume,src=empty2,dst=/data,volume-nocopy bbvol ls -A /data
	assert_output ""
}

@test "the image's VOLUME gets an anonymous volume: listed, kept by rm, removed by rm -v" {
	vol_image bbvol
	kist run --name a1 bbvol sh -c 'ls /data; echo a1 >/data/a1'
	assert_success
	assert_line seed
	run vol_names
	[ "${#lines[@]}" -eq 1 ]
	local anon=${lines[0]}
	[[ $anon =~ ^[0-9a-f]{64}$ ]]
	[ "$(cat "$(vol_dir "$anon")/a1")" = a1 ]
	kist volume inspect --format '{{json .Labels}}' "$anon"
	assert_output '{"com.docker.volume.anonymous":""}'
	kist inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.RW}}{{end}}' a1
	assert_output "volume $anon /data true"
	# the volume is a1's: rm without -v leaves it
	kist run --name a2 bbvol true
	assert_success
	run vol_names
	[ "${#lines[@]}" -eq 2 ]
	kist rm a1
	assert_success
	run vol_names
	[ "${#lines[@]}" -eq 2 ]
	[ -d "$(vol_dir "$anon")" ]
	# rm -v removes a2's anonymous volume, not the one a1 left
	kist rm -v a2
	assert_success
	run vol_names
	assert_output "$anon"
}

@test "kist run --rm and -v CTR alone: anonymous volumes go with the container" {
	vol_image bbvol
	kist run --rm -v /scratch bbvol sh -c 'grep -E " /(data|scratch) " /proc/mounts | wc -l'
	assert_success
	assert_output 2
	run vol_names
	assert_output ""
	kist run --name keepanon -v /scratch bb true
	assert_success
	run vol_names
	[ "${#lines[@]}" -eq 1 ]
	# a user mount on the image's VOLUME path replaces its anonymous volume
	kist run --rm -v named:/data bbvol true
	run vol_names
	[ "${#lines[@]}" -eq 2 ]
	assert_line named
}

@test "kist run --tmpfs and --mount type=tmpfs: tmpfs mounts with size and mode" {
	kist run --rm --tmpfs /t1 --tmpfs /t2:size=2m --mount type=tmpfs,target=/t3,tmpfs-size=1m,tmpfs-mode=1770 bb \
		sh -c 'grep -E " /t[123] " /proc/mounts | sort -k2; stat -c %a /t3'
	assert_success
	assert_line --index 0 --regexp '^tmpfs /t1 tmpfs rw,nosuid,nodev,noexec'
	assert_line --index 1 --regexp '^tmpfs /t2 tmpfs rw,.*size=2048k'
	assert_line --index 2 --regexp '^tmpfs /t3 tmpfs rw,.*size=1024k,mode=1770'
	assert_line --index 3 1770
}

@test "kist run --read-only: the rootfs refuses writes, volumes, binds and tmpfs take them" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	run --separate-stderr "$KIST" run --rm --read-only -v rov:/v -v "$h:/h" --tmpfs /tmp bb \
		sh -c 'echo v >/v/f && echo h >/h/f && echo t >/tmp/f && echo ok; touch /rootfile'
	[ "$status" -eq 1 ]
	assert_output ok
	[[ $stderr == *"Read-only file system"* ]]
	[ "$(cat "$(vol_dir rov)/f")" = v ]
	[ "$(cat "$h/f")" = h ]
}

@test "kist inspect: Mounts, HostConfig.Binds, HostConfig.Mounts and Config.Volumes as docker shows them" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	kist create --name ins -v "$h:/h:ro" -v named:/n --mount type=tmpfs,target=/t bb true
	assert_success
	run -0 "$KIST" inspect ins
	local doc=$output
	[ "$(jq -c '.[0].HostConfig.Binds' <<<"$doc")" = "[\"$h:/h:ro\",\"named:/n\"]" ]
	[ "$(jq -c '.[0].HostConfig.Mounts' <<<"$doc")" = '[{"Type":"tmpfs","Target":"/t"}]' ]
	[ "$(jq -c '.[0].Mounts[0]' <<<"$doc")" = \
		"{\"Type\":\"bind\",\"Source\":\"$h\",\"Destination\":\"/h\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"}" ]
	[ "$(jq -c '.[0].Mounts[1]' <<<"$doc")" = \
		"{\"Type\":\"volume\",\"Name\":\"named\",\"Source\":\"$(vol_dir named)\",\"Destination\":\"/n\",\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}" ]
	[ "$(jq -r '.[0].Mounts[2].Type + " " + .[0].Mounts[2].Destination' <<<"$doc")" = "tmpfs /t" ]
	[ "$(jq -c '.[0].Config.Volumes' <<<"$doc")" = null ]
	vol_image bbvol
	kist create --name ins2 -v /extra bbvol
	run -0 "$KIST" inspect --format '{{json .Config.Volumes}} {{json .HostConfig.Binds}}' ins2
	assert_output '{"/data":{},"/extra":{}} null'
}

@test "kist volume create, ls, inspect: docker's output" {
	kist volume create data
	assert_success
	assert_output data
	# creating it again gives it back
	kist volume create data
	assert_output data
	kist volume create --label team=a --label tier labelled
	assert_success
	kist volume create
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
	local gen=$output
	[ -d "$(vol_dir "$gen")" ]
	kist volume ls
	assert_success
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	# sorted by name: the generated one (random hex) before or after data
	local i=1 n
	for n in $(printf '%s\n' "$gen" data labelled | LC_ALL=C sort); do
		assert_line --index "$i" --regexp "^local +$n\$"
		i=$((i + 1))
	done
	kist volume ls -q --filter label=team=a
	assert_output labelled
	kist volume ls -q --filter label=tier --filter name=label
	assert_output labelled
	kist volume ls -q --filter name=dat
	assert_output data
	kist volume ls --format '{{.Name}}:{{.Driver}}:{{.Scope}}:{{.Labels}}' --filter name=labelled
	assert_output 'labelled:local:local:team=a,tier='
	kist volume inspect data labelled
	assert_success
	[ "$(jq -r '.[0].Name, .[0].Driver, .[0].Scope, .[0].Mountpoint' <<<"$output")" = \
		"$(printf 'data\nlocal\nlocal\n%s' "$(vol_dir data)")" ]
	[ "$(jq -c '.[1].Labels' <<<"$output")" = '{"team":"a","tier":""}' ]
	[ "$(jq -r '.[0] | keys | join(",")' <<<"$output")" = "CreatedAt,Driver,Labels,Mountpoint,Name,Options,Scope" ]
	kist volume inspect --format '{{.Mountpoint}}' data
	assert_output "$(vol_dir data)"
}

@test "kist volume ls --filter dangling: volumes no container uses" {
	kist volume create idle
	kist create --name user -v used:/u bb true
	assert_success
	kist volume ls -q --filter dangling=true
	assert_output idle
	kist volume ls -q --filter dangling=false
	assert_output used
	kist volume ls --format '{{.Name}} {{.Links}}'
	assert_output $'idle 0\nused 1'
}

@test "kist volume rm: removes unused volumes, prints their names" {
	kist volume create gone
	kist volume create gone2
	echo x >"$(vol_dir gone)/file"
	kist volume rm gone gone2
	assert_success
	assert_output $'gone\ngone2'
	[ ! -e "$KIST_ROOT/volumes/gone" ]
	[ ! -e "$KIST_ROOT/volumes/gone2" ]
	kist volume remove -f nothere
	assert_success
	assert_output ""
}

@test "kist volume prune: anonymous unused volumes only, -a every unused one; asks first" {
	vol_image bbvol
	kist volume create named1
	kist run --name holder bbvol true
	kist run --name dropped bbvol true
	kist inspect --format '{{range .Mounts}}{{.Name}}{{end}}' dropped
	local freed=$output
	kist rm dropped
	kist inspect --format '{{range .Mounts}}{{.Name}}{{end}}' holder
	local held=$output
	run vol_names
	[ "${#lines[@]}" -eq 3 ]
	# answered no: nothing goes
	run "$KIST" volume prune <<<"n"
	assert_success
	assert_output --partial "WARNING! This will remove anonymous local volumes not used by at least one container."
	run vol_names
	[ "${#lines[@]}" -eq 3 ]
	kist volume prune -f
	assert_success
	assert_line --index 0 "Deleted Volumes:"
	assert_line --index 1 "$freed"
	assert_line --index 2 --regexp '^Total reclaimed space: '
	run vol_names
	[ "$(printf '%s\n' "$held" named1 | sort)" = "$output" ]
	kist volume prune -a -f
	assert_success
	assert_line --index 0 "Deleted Volumes:"
	assert_line --index 1 named1
	run vol_names
	assert_output "$held"
	kist volume prune -a -f
	assert_output "Total reclaimed space: 0B"
}

@test "teardown leaves no mount of the container's volumes" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	kist run -d --name live -v "$h:/h" -v lv:/lv --tmpfs /t bb sleep 1000
	assert_success
	kist rm -f -v live
	assert_success
	run grep -c -e "$BATS_TEST_TMPDIR" /proc/self/mountinfo
	assert_output 0
}

@test "kist run --volumes-from: another container's volumes and binds, with its modes or :ro" {
	local h="$BATS_TEST_TMPDIR/host"
	mkdir -p "$h"
	echo bound >"$h/f"
	kist create --name src -v shared:/v -v "$h:/h:ro" bb true
	assert_success
	kist run --rm --volumes-from src bb sh -c 'echo w >/v/w && cat /h/f; touch /h/x 2>/dev/null || echo h-ro'
	assert_success
	assert_output $'bound\nh-ro'
	[ "$(cat "$(vol_dir shared)/w")" = w ]
	kist run --rm --volumes-from src:ro bb sh -c 'touch /v/y 2>/dev/null || echo v-ro'
	assert_output v-ro
	[ ! -e "$(vol_dir shared)/y" ]
	# the user's own mount on a destination wins
	kist run --rm --volumes-from src -v other:/v bb sh -c 'ls /v'
	assert_output ""
	kist create --name user --volumes-from src bb true
	kist inspect --format '{{json .HostConfig.VolumesFrom}}' user
	assert_output '["src"]'
	# the volume is the new container's too: in use after src is gone
	kist rm src
	run -1 --separate-stderr "$KIST" volume rm shared
	[[ $stderr == "Error: remove shared: volume is in use - ["* ]]
	run -125 --separate-stderr "$KIST" run --rm --volumes-from nosuch bb true
	[ "$stderr" = "Error: No such container: nosuch" ]
	run -125 --separate-stderr "$KIST" run --rm --volumes-from user:rshared bb true
	[ "$stderr" = "Error: invalid mode: rshared" ]
}

@test "kist ps --format {{.Mounts}}: volume names and bind sources" {
	local h="$BATS_TEST_TMPDIR/a-rather-long-host-path"
	mkdir -p "$h"
	kist create --name m1 -v vol1:/a -v "$h:/b" --tmpfs /t bb true
	assert_success
	kist ps -a --format '{{.Names}} {{.Mounts}}'
	assert_output "m1 vol1,${h:0:14}…"
	kist ps -a --no-trunc --format '{{.Mounts}}'
	assert_output "vol1,$h"
	# --filter volume=: a volume's name or a mount's destination
	kist create --name m2 bb true
	kist ps -a --filter volume=vol1 --format '{{.Names}}'
	assert_output m1
	kist ps -a --filter volume=/b --format '{{.Names}}'
	assert_output m1
	kist ps -a --filter volume=none --format '{{.Names}}'
	assert_output ""
}

@test "kist system df: Local Volumes counts volumes, active ones in use; a crash's leftovers are swept" {
	kist volume create idle
	kist create --name dfc -v busy:/b bb true
	head -c 100000 /dev/zero >"$(vol_dir idle)/f"
	head -c 100000 /dev/zero >"$(vol_dir busy)/f"
	kist system df
	assert_success
	assert_line --regexp '^Local Volumes +2 +1 +[0-9.]+kB +[0-9.]+kB \(50%\)$'
	# a volume half made or half removed when a process died
	mkdir -p "$KIST_ROOT/volumes/.tmp-x1y2z3/_data" "$KIST_ROOT/volumes/.del-old/_data"
	kist volume ls -q
	assert_output $'busy\nidle'
	kist volume prune -f
	assert_success
	[ ! -e "$KIST_ROOT/volumes/.tmp-x1y2z3" ]
	[ ! -e "$KIST_ROOT/volumes/.del-old" ]
}

@test "kist create -v NAME: concurrent first uses make one volume, copied up once" {
	vol_image bbvol
	local i pids=()
	for i in 1 2 3 4 5 6 7 8; do
		"$KIST" create --name "cc$i" -v conc:/data bbvol true >"$BATS_TEST_TMPDIR/cc$i.out" 2>&1 &
		pids+=("$!")
	done
	for i in "${pids[@]}"; do
		wait "$i"
	done
	run vol_names
	assert_output conc
	run ls -A "$(vol_dir conc)"
	assert_output $'seed\nsub'
	[ "$(cat "$(vol_dir conc)/seed")" = "from the image" ]
	kist ps -a -q --filter volume=conc
	[ "${#lines[@]}" -eq 8 ]
}

@test "kist build after VOLUME: RUN's writes there are discarded, COPY's kept, no volume left behind" {
	local ctx="$BATS_TEST_TMPDIR/ctx"
	mkdir -p "$ctx"
	echo copied >"$ctx/f"
	printf 'FROM bb\nVOLUME /data\nRUN echo run >/data/r && echo ok >/ok\nCOPY f /data/f\n' >"$ctx/Dockerfile"
	kist build -q -t bvol "$ctx"
	assert_success
	run vol_names
	assert_output ""
	kist run --rm -v check:/data bvol sh -c 'ls /data; cat /ok'
	assert_success
	assert_output $'f\nok'
	run vol_names
	assert_output check
}
