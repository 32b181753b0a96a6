# tests/net/lib.bash: every kist command of these tests runs inside a
# network namespace of the test's own ($NETNS, made by `ip netns add`), so
# kist0, the veths, the firewall rules and ip_forward the plugins set are
# that namespace's and vanish with it, even when a test fails.
# shellcheck disable=SC2154 # status/output come from bats run

# kist ARGS: kist in the test's namespace; output shows only on failure.
kist() {
	run nsenter --net="/run/netns/$NETNS" "$KIST" "$@"
	echo "kist $*: $status $output" >&2
}
# innet CMD...: CMD in the test's namespace
innet() { nsenter --net="/run/netns/$NETNS" "$@"; }

net_setup() {
	requires root cmd:nsenter cmd:ip cmd:iptables-save cmd:curl
	if ! [ -x /usr/lib/cni/bridge ] || ! [ -x /usr/lib/cni/portmap ]; then
		skip_or_fail "needs containernetworking-plugins"
	fi
	cli_setup
	# a config of the test's own (the default bridge as shipped)
	echo '{}' >"$KIST_CONFIG"
	KIST_RUN=$(mktemp -d /tmp/kr.XXXXXX)
	export KIST_RUN
	NETNS="kist-test-${KIST_RUN##*.}"
	ip netns add "$NETNS"
	ip -n "$NETNS" link set lo up
	net_image
}

# net_image: busybox as image "bb", exposing 80/tcp (for -P)
net_image() {
	run "$KIST" import -c 'CMD ["sh"]' -c 'EXPOSE 80' "$(busybox_tar)" bb
	[ "$status" -eq 0 ] || fail "kist import failed: $output"
}

net_teardown() {
	local d
	if [ -n "${NETNS:-}" ] && [ -e "/run/netns/$NETNS" ]; then
		for d in "$KIST_ROOT"/containers/[0-9a-f]*; do
			[ -d "$d" ] && innet "$KIST" rm -f "${d##*/}" >/dev/null 2>&1
		done
	fi
	ctr_teardown_keep_run
	[ -n "${OUTNS:-}" ] && ip netns del "$OUTNS" 2>/dev/null
	[ -n "${NETNS:-}" ] && ip netns del "$NETNS" 2>/dev/null
	if [ -n "${KIST_RUN:-}" ]; then
		cleanup_mounts "$KIST_RUN"
		case $KIST_RUN in /tmp/kr.*) rm -rf "$KIST_RUN" ;; esac
	fi
	return 0
}

# ctr_teardown without removing KIST_RUN (its netns mounts go first)
ctr_teardown_keep_run() {
	local run=$KIST_RUN
	KIST_RUN=/nonexistent-run ctr_teardown
	KIST_RUN=$run
}

# serve NAME [RUN-ARGS...]: a detached busybox httpd answering "page NAME"
serve() {
	local name=$1
	shift
	kist run -d --name "$name" "$@" bb sh -c "mkdir -p /www && echo page $name >/www/index.html && exec httpd -f -p 80 -h /www"
	[ "$status" -eq 0 ] || fail "kist run $name failed: $output"
}

# fetch_page URL: the page, by curl in the test's namespace (retried while
# the server starts: a failed try prints nothing, so `run retry ...
# fetch_page` holds the page alone)
fetch_page() { innet curl -sf --max-time 5 "$1"; }

ctr_id() { innet "$KIST" inspect --type container --format '{{.Id}}' "$1"; }
ctr_ip() { innet "$KIST" inspect --type container --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }

# no_trace ID IP: nothing of container ID (which had address IP) is left
# in the namespace: no veth, no iptables rule naming it or its address, no
# netns file, no IPAM reservation.  (portmap's shared CNI-HOSTPORT-* chains
# and their jumps stay, as documented.)
no_trace() {
	local id=$1 ip=$2
	if [ -e "$KIST_RUN/netns/$id" ]; then fail "netns file left: $KIST_RUN/netns/$id"; fi
	if [ -e "$KIST_RUN/net/$id.json" ]; then fail "network record left"; fi
	if grep -rl "$id" "$KIST_RUN/ipam" 2>/dev/null | grep -q .; then
		fail "IPAM reservation left: $(grep -rl "$id" "$KIST_RUN/ipam")"
	fi
	if [ -n "$ip" ] && innet iptables-save | grep -qF -- "$ip/32"; then
		fail "iptables rules for $ip left: $(innet iptables-save | grep -F -- "$ip/32")"
	fi
	if innet iptables-save | grep -q "$id"; then
		fail "iptables rules left: $(innet iptables-save | grep "$id")"
	fi
	if innet ip -o link show type veth | grep -q .; then
		fail "veth left: $(innet ip -o link show type veth)"
	fi
}
