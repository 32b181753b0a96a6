#!/usr/bin/env bats
# kist's networking (kist-net over the CNI plugins): published ports, user
# networks with names, none/host/container modes, the /etc files, teardown,
# and docker's errors for bad input.  Every test runs in a network
# namespace of its own (lib.bash); outbound NAT is tested against a second
# namespace playing the outside world.
bats_require_minimum_version 1.5.0
load ../helpers
load ../cli/lib
load lib

setup() { net_setup; }
teardown() { net_teardown; }

@test "kist run -p 8080:80: busybox httpd's page at 127.0.0.1:8080 and the bridge's address; kist port, ps, inspect" {
	serve web -p 8080:80
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/index.html
	assert_output "page web"
	gw=$(innet ip -4 -o addr show kist0 | awk '{print $4}' | cut -d/ -f1)
	[ -n "$gw" ]
	run -0 fetch_page "http://$gw:8080/index.html"
	assert_output "page web"
	kist port web
	assert_success
	assert_output "80/tcp -> 0.0.0.0:8080"
	kist port web 80
	assert_output "0.0.0.0:8080"
	kist ps --format '{{.Names}} {{.Ports}}'
	assert_output "web 0.0.0.0:8080->80/tcp"
	kist inspect --format '{{json .NetworkSettings.Ports}} {{.HostConfig.NetworkMode}}' web
	assert_output '{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]} bridge'
	ip=$(ctr_ip web)
	# the address is the container's own, in the default subnet
	[[ $ip == 172.30.* ]]
	kist exec web ip -4 -o addr show eth0
	assert_output --partial "inet $ip/16"
	# and from another container, through the host
	kist run --rm bb wget -qO- "http://$gw:8080/index.html"
	assert_success
	assert_output "page web"
}

@test "kist run -p: stop releases the port (a new container takes it), start publishes it again" {
	serve one -p 8080:80
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	id=$(ctr_id one)
	ip=$(ctr_ip one)
	kist stop -t 1 one
	assert_success
	run ! fetch_page http://127.0.0.1:8080/
	kist port one
	assert_output ""
	no_trace "$id" "$ip"
	serve two -p 8080:80
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	assert_output "page two"
	kist rm -f two
	kist start one
	assert_success
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	assert_output "page one"
}

@test "kist run -p: a container that exits on its own releases its port (the shim's exit command)" {
	kist run -d --name quick -p 8080:80 bb true
	assert_success
	id=$(ctr_id quick)
	kist wait quick
	wait_for test ! -e "$KIST_RUN/net/$id.json"
	no_trace "$id" ""
	serve after -p 8080:80
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	assert_output "page after"
}

@test "kist run -p: a port already allocated gives docker's error and starts nothing" {
	serve first -p 8080:80
	kist run -d --name second -p 8080:80 bb httpd -f -p 80
	[ "$status" -eq 125 ]
	assert_output "Error: Bind for 0.0.0.0:8080 failed: port is already allocated"
	kist inspect --format '{{.State.Status}}' second
	assert_output created
	id=$(ctr_id second)
	[ ! -e "$KIST_RUN/netns/$id" ]
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	assert_output "page first"
	# a port a host process listens on: the driver's error
	# (nsenter, not the innet function: $! is then the listener itself,
	# which teardown kills; bats' fd 3 closed so it never holds bats up)
	nsenter --net="/run/netns/$NETNS" busybox nc -l -p 8181 </dev/null >/dev/null 2>&1 3>&- &
	track_pid $!
	wait_for sh -c "nsenter --net=/run/netns/$NETNS ss -Htln 'sport = :8181' | grep -q ."
	kist run -d --name third -p 8181:80 bb httpd -f -p 80
	[ "$status" -eq 125 ]
	assert_output --regexp '^Error: driver failed programming external connectivity on endpoint third \([0-9a-f]{64}\): Error starting userland proxy: listen tcp4 0\.0\.0\.0:8181: bind: address already in use$'
	kist inspect --format '{{.State.Status}}' third
	assert_output created
}

@test "kist run -p CTR, -p IP:HOST:CTR, /udp, -P: the ports docker would give" {
	read -r lo hi < <(innet cat /proc/sys/net/ipv4/ip_local_port_range)
	serve r -p 80 -p 127.0.0.1:8090:80 -p 5353:53/udp
	kist inspect --format '{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{$p}}={{.HostIp}}:{{.HostPort}} {{end}}{{end}}' r
	assert_success
	assert_output --regexp '^53/udp=0\.0\.0\.0:5353 80/tcp=0\.0\.0\.0:[0-9]+ 80/tcp=127\.0\.0\.1:8090 $'
	port=$(sed -E 's/.*80\/tcp=0\.0\.0\.0:([0-9]+).*/\1/' <<<"$output")
	[ "$port" -ge "$lo" ] && [ "$port" -le "$hi" ]
	run -0 retry 50 0.1 fetch_page "http://127.0.0.1:$port/"
	assert_output "page r"
	run -0 fetch_page "http://127.0.0.1:8090/"
	assert_output "page r"
	# 127.0.0.1:8090 is bound to loopback only: not at the bridge's address
	gw=$(innet ip -4 -o addr show kist0 | awk '{print $4}' | cut -d/ -f1)
	run ! fetch_page "http://$gw:8090/"
	# udp (busybox has no udp server): the namespace's nat table sends
	# udp 5353 to the container's port 53, tcp 5353 nowhere
	ip=$(ctr_ip r)
	innet iptables-save -t nat | grep -E -- "-p udp .*--dport 5353 .*-j DNAT --to-destination $ip:53"
	run ! sh -c "nsenter --net=/run/netns/$NETNS iptables-save -t nat | grep -E -- '-p tcp .*--dport 5353 '"
	# -P: every exposed port (the image's EXPOSE 80) on a random host port
	kist run -d --name all -P bb sh -c 'mkdir /w && echo page all >/w/index.html && exec httpd -f -p 80 -h /w'
	assert_success
	kist port all 80/tcp
	assert_output --regexp '^0\.0\.0\.0:[0-9]+$'
	run -0 retry 50 0.1 fetch_page "http://127.0.0.1:${output##*:}/"
	assert_output "page all"
}

@test "kist network: containers on a user network reach each other by name; /etc/hosts follows joins and leaves" {
	kist network create --subnet 10.99.0.0/24 --gateway 10.99.0.254 mynet
	assert_success
	netid=$output
	kist network inspect --format '{{.Id}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' mynet
	assert_output "$netid 10.99.0.0/24 10.99.0.254"
	kist network ls --format x 2>/dev/null || true
	kist network ls
	assert_output --regexp 'mynet +bridge +local'
	kist run -d --name a --network mynet bb sleep 300
	assert_success
	kist run -d --name b --network mynet bb sleep 300
	assert_success
	[[ $(ctr_ip a) == 10.99.0.* ]]
	kist exec a ping -c 1 -W 5 b
	assert_success
	assert_output --partial "from $(ctr_ip b)"
	kist exec b ping -c 1 -W 5 a
	assert_success
	kist network inspect --format '{{range .Containers}}{{.Name}} {{end}}' mynet
	assert_output --regexp '^(a b|b a) $'
	kist rm -f b
	kist exec a cat /etc/hosts
	refute_output --regexp '[[:space:]]b( |$)'
	# the default bridge gives no names (as docker's)
	kist run -d --name c bb sleep 300
	kist run --rm bb ping -c 1 -W 1 c
	assert_failure
}

@test "kist run --network none has only lo; host shares the namespace; container:NAME joins another's" {
	kist run --rm --network none bb ls /sys/class/net
	assert_success
	assert_output "lo"
	ip -n "$NETNS" link add kt-dummy type veth peer name kt-peer
	kist run --rm --network host bb ip -o link show kt-dummy
	assert_success
	kist run --rm bb ip -o link show kt-dummy
	assert_failure
	kist run -d --name base bb sleep 300
	assert_success
	kist run --rm --network container:base bb ip -4 -o addr show eth0
	assert_success
	assert_output --partial "inet $(ctr_ip base)/"
}

@test "kist run: /etc/resolv.conf (the host's, minus loopback resolvers), /etc/hosts and /etc/hostname; --dns, --dns-search, --add-host, --hostname" {
	want=$(grep -E '^nameserver' /etc/resolv.conf | grep -vE 'nameserver[[:space:]]+(127\.|::1)' || true)
	kist run --rm bb grep nameserver /etc/resolv.conf
	if [ -n "$want" ]; then
		assert_output "$want"
	else
		assert_output $'nameserver 8.8.8.8\nnameserver 8.8.4.4'
	fi
	kist run --rm --dns 192.0.2.53 --dns-search example.test --add-host db:192.0.2.7 --hostname box bb sh -c 'cat /etc/resolv.conf /etc/hosts /etc/hostname; hostname'
	assert_success
	assert_line "nameserver 192.0.2.53"
	assert_line "search example.test"
	refute_output --partial "$(grep -E '^nameserver' /etc/resolv.conf | head -1)x"
	assert_line --regexp '^192\.0\.2\.7[[:space:]]+db$'
	assert_line --regexp '^127\.0\.0\.1[[:space:]]+localhost$'
	assert_line --regexp '^172\.30\.[0-9.]+[[:space:]]+box$'
	assert_line --index -1 box
	assert_line --index -2 box
}

@test "kist rm: no veth, no iptables rule, no netns file, no IPAM reservation of the container" {
	serve gone -p 8080:80
	id=$(ctr_id gone)
	ip=$(ctr_ip gone)
	[ -e "$KIST_RUN/netns/$id" ]
	grep -rl "$id" "$KIST_RUN/ipam"
	innet iptables-save | grep -q "$id"
	innet ip -o link show type veth | grep -q .
	kist rm -f gone
	assert_success
	no_trace "$id" "$ip"
}

@test "kist rm of a container that stopped on its own, and run -d --rm (stopped, or exiting on its own): nothing of them left" {
	# stopped on its own: its exit command released the network; rm
	# leaves nothing either
	kist run -d --name quick -p 8080:80 bb sh -c 'ip -4 -o addr show eth0'
	assert_success
	id=$(ctr_id quick)
	kist wait quick
	assert_output 0
	kist logs quick
	ip=$(awk '{print $4}' <<<"$output" | cut -d/ -f1)
	[[ $ip == 172.30.* ]]
	kist rm quick
	assert_success
	[ ! -e "$KIST_ROOT/containers/$id" ]
	no_trace "$id" "$ip"
	# run -d --rm, stopped: the shim's exit command (kist container
	# cleanup --rm) removes the container and its network
	kist run -d --rm --name stopped -p 8080:80 bb sleep 300
	assert_success
	id=$output
	ip=$(ctr_ip stopped)
	[ -n "$ip" ]
	innet iptables-save | grep -q "$id"
	kist stop -t 1 stopped
	assert_success
	wait_for test ! -e "$KIST_ROOT/containers/$id"
	wait_for test ! -e "$KIST_RUN/net/$id.json"
	no_trace "$id" "$ip"
	# run -d --rm, exiting on its own (told to, through a file)
	kist run -d --rm --name exits -p 8080:80 bb sh -c 'while [ ! -e /go ]; do sleep 0.1; done'
	assert_success
	id=$output
	ip=$(ctr_ip exits)
	[ -n "$ip" ]
	kist exec exits touch /go
	assert_success
	wait_for test ! -e "$KIST_ROOT/containers/$id"
	wait_for test ! -e "$KIST_RUN/net/$id.json"
	no_trace "$id" "$ip"
	kist ps -a -q
	assert_output ""
	# the port is free again
	serve after -p 8080:80
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/
	assert_output "page after"
}

@test "kist run/rm: 50 cycles leak no address (host-local hands out the same few)" {
	# any address not given back would stay a file in the IPAM dir
	for i in $(seq 50); do
		id=$(innet "$KIST" run -d bb true) || fail "run $i failed"
		innet "$KIST" rm -f "$id" >/dev/null || fail "rm $i failed"
	done
	run -0 find "$KIST_RUN/ipam/bridge" -name '172.*'
	assert_output ""
	[ -z "$(ls "$KIST_RUN/netns")" ]
	[ -z "$(innet ip -o link show type veth)" ]
}

@test "kist run: outbound traffic is masqueraded (a second namespace plays the outside world)" {
	OUTNS="$NETNS-out"
	ip netns add "$OUTNS"
	ip link add kt-in netns "$NETNS" type veth peer name kt-out netns "$OUTNS"
	innet ip addr add 198.51.100.1/24 dev kt-in
	innet ip link set kt-in up
	innet ip route add default via 198.51.100.2
	ip -n "$OUTNS" addr add 198.51.100.2/24 dev kt-out
	ip -n "$OUTNS" link set kt-out up
	ip -n "$OUTNS" link set lo up
	mkdir -p "$BATS_TEST_TMPDIR/www"
	echo outside >"$BATS_TEST_TMPDIR/www/index.html"
	ip netns exec "$OUTNS" busybox httpd -f -p 8000 -h "$BATS_TEST_TMPDIR/www" 3>&- &
	track_pid $!
	# the outside has no route back to 172.30.0.0/16: only a masqueraded
	# request gets its answer
	kist run --rm bb sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://198.51.100.2:8000/ && exit 0; sleep 0.2; done; exit 1'
	assert_success
	assert_output "outside"
}

@test "kist build --network bridge: each RUN on the default bridge, its address released, nothing of the network in the image" {
	serve web -p 8080:80
	gw=$(innet ip -4 -o addr show kist0 | awk '{print $4}' | cut -d/ -f1)
	[ -n "$gw" ]
	run -0 retry 50 0.1 fetch_page http://127.0.0.1:8080/index.html
	mkdir -p "$BATS_TEST_TMPDIR/ctx"
	cat >"$BATS_TEST_TMPDIR/ctx/Dockerfile" <<EOF
FROM bb
RUN ip -4 -o addr show eth0 | awk '{print \$4}' >/addr && wget -qO- http://$gw:8080/index.html >/page
EOF
	kist build --network bridge -t netbuilt "$BATS_TEST_TMPDIR/ctx"
	assert_success
	kist run --rm --network none netbuilt cat /addr /page
	assert_success
	[[ ${lines[0]} == 172.30.*/16 ]]
	[ "${lines[1]}" = "page web" ]
	# the RUN's container and its network are gone: web's alone is left
	web=$(ctr_id web)
	run -0 ls "$KIST_RUN/netns"
	assert_output "$web"
	run -0 bash -c "cd '$KIST_RUN/net' && ls -- *.json"
	assert_output "$web.json"
	[ "$(innet ip -o link show type veth | wc -l)" -eq 1 ]
	# what kist-net bound in (/etc/hosts, resolv.conf, hostname) is not
	# the layer's: the step added the files /addr and /page only (/etc,
	# which held the mount points, is there as the directory it was)
	kist save -o "$BATS_TEST_TMPDIR/img.tar" netbuilt
	assert_success
	mkdir "$BATS_TEST_TMPDIR/img"
	tar -C "$BATS_TEST_TMPDIR/img" -xf "$BATS_TEST_TMPDIR/img.tar"
	top=$(jq -r '.[0].Layers[-1]' "$BATS_TEST_TMPDIR/img/manifest.json")
	run -0 bash -c "tar -tf '$BATS_TEST_TMPDIR/img/$top' | grep -v '/\$' | sort"
	assert_output "$(printf 'addr\npage')"
	# --network none: the same step has no eth0
	kist build --no-cache --network none -t netless "$BATS_TEST_TMPDIR/ctx"
	assert_failure
	assert_output --partial "returned a non-zero code"
}

@test "kist network create/rm: overlapping subnets refused, a network in use refused, unknown ones named" {
	kist network create --subnet 10.98.0.0/16 n1
	assert_success
	kist network create --subnet 10.98.5.0/24 n2
	assert_failure
	assert_output "Error: invalid pool request: Pool overlaps with other one on this address space"
	kist network create --subnet 172.30.1.0/24 n3
	assert_failure
	assert_output --partial "Pool overlaps"
	kist network create n1
	assert_failure
	assert_output "Error: network with name n1 already exists"
	# without --subnet: a pool that overlaps none
	kist network create n4
	assert_success
	kist network inspect --format '{{range .IPAM.Config}}{{.Subnet}}{{end}}' n4
	refute_output --regexp '^(10\.98\.|172\.30\.)'
	kist run -d --name user --network n1 bb sleep 300
	assert_success
	kist network rm n1
	assert_failure
	assert_output --regexp "^Error: error while removing network: network n1 id [0-9a-f]{64} has active endpoints$"
	kist network rm bridge
	assert_failure
	assert_output "Error: bridge is a pre-defined network and cannot be removed"
	kist rm -f user
	kist network rm n1
	assert_success
	assert_output n1
	kist network ls -q
	refute_output --partial "$(echo n1)x"
	kist network rm n1
	assert_failure
	assert_output "Error: network n1 not found"
	kist network inspect nope
	assert_failure
	assert_output --partial "network nope not found"
}

@test "kist run: bad -p, an unknown network, bad --dns/--add-host: docker's errors, exit 125, no container" {
	before=$(store_snapshot)
	kist run -p 70000:80 bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 "invalid hostPort: 70000"
	kist run -p abc:80 bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 "invalid hostPort: abc"
	kist run -p 80000 bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 "invalid containerPort: 80000"
	kist run -p 8080:80/xyz bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 "invalid proto: xyz"
	kist run -p 300.1.1.1:8080:80 bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 "invalid IP address: 300.1.1.1"
	kist run --network nope bb true
	[ "$status" -eq 125 ]
	assert_output "Error: network nope not found"
	kist run --dns nope bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 'invalid argument "nope" for "--dns" flag: nope is not an ip address'
	kist run --add-host nocolon bb true
	[ "$status" -eq 125 ]
	assert_line --index 0 --partial 'bad format for add-host'
	kist run --network container:nope bb true
	[ "$status" -eq 125 ]
	[ "$(store_snapshot)" = "$before" ]
}

@test "kist-net and kist network: --help of every verb documents --root; kist port names a port not published" {
	for v in up down port create ls rm inspect; do
		run -0 "$KIST_BIN/kist-net" "$v" --help
		assert_output --partial -- "--root DIR"
	done
	run -2 "$KIST_BIN/kist-net" nope
	assert_output --partial "unknown command 'nope'"
	for v in create ls rm inspect; do
		kist network "$v" --help
		assert_success
		assert_output --partial "Usage:  kist network $v"
	done
	serve p1 -p 8080:80
	kist port p1 81
	assert_failure
	assert_output "Error: No public port '81/tcp' published for $(ctr_id p1 | cut -c1-12)"
	kist port nope
	assert_failure
	assert_output "Error: No such container: nope"
}
