#!/bin/sh
# check_meter_vs_softflowd.sh -- kflowd's packet meter against a real exporter on the same packets.
#
# tests/data/captures/meter_mix.pcap (made by make_meter_capture.py there) is metered twice:
#   - by kflowd --meter-pcap, whose exit summary gives flows, packets and bytes per protocol;
#   - by softflowd -r (tracking level "vlan", kflowd's key), exporting NetFlow v9 and then IPFIX,
#     each to nfcapd (nfdump's collector) and to kflowd --listen.
# What must match exactly, and does:
#   - packets and bytes per protocol (TCP, UDP, ICMP + ICMPv6, other) and in total: both count
#     every IP packet once with its IP length (the capture has no Ethernet trailer padding, which
#     softflowd would count and kflowd does not);
#   - kflowd --listen stores exactly the records nfdump decodes from softflowd's export (v9, IPFIX);
#   - ICMP and other-protocol flow counts.
# What differs, exactly and why (asserted too, so a change in either meter is noticed):
#   - TCP: kflowd 7 flows, softflowd 6.  kflowd exports a flow at its FIN (as Cisco does), so the
#     client's last ACK after the FIN is a flow of its own; softflowd waits for FIN both ways plus
#     its tcp.fin timeout and keeps that ACK in the flow.
#   - UDP: kflowd 11 flows, softflowd 8.  One flow pauses 28 s (kflowd idle timeout 15 s: 2 flows;
#     softflowd udp timeout 300 s: 1) and one lasts 145 s (kflowd active timeout 60 s: 3 flows;
#     softflowd maxlife 1 week: 1).
#
# Prints PASS/FAIL lines; exits 1 if anything failed.  Needs build/kflowd, python3, and softflowd
# and nfdump (installed with apt-get when run as root; otherwise the check prints SKIP).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KF_BUILD:-$ROOT/build}
CAPTURE=$ROOT/tests/data/captures/meter_mix.pcap
FAILED=0
TMP=$(mktemp -d)
PIDS=
# the daemons started here are stopped however the script ends (KF_KEEP_TMP=1 keeps the files)
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; [ -n "${KF_KEEP_TMP:-}" ] || rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM HUP PIPE

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
same() { if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1" "got $2, want $3"; fi; }

if ! command -v softflowd >/dev/null 2>&1 || ! command -v nfcapd >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y softflowd nfdump >"$TMP/apt.log" 2>&1
	fi
fi
for tool in softflowd softflowctl nfcapd nfdump python3; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP meter_vs_softflowd: $tool not installed (apt-get install softflowd nfdump)"
		exit 0
	fi
done
if [ ! -x "$BUILD/kflowd" ]; then
	fail kflowd_built "$BUILD/kflowd missing (run make)"
	exit 1
fi

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# per_protocol prints "tcp F P B", "udp ...", "icmp ...", "other ..." from lines "PROTO FLOWS PACKETS BYTES".
per_protocol() {
	awk '{ c = $1 == 6 ? "tcp" : $1 == 17 ? "udp" : ($1 == 1 || $1 == 58) ? "icmp" : "other";
	       f[c] += $2; p[c] += $3; b[c] += $4 }
	     END { split("tcp udp icmp other", cs, " ");
	           for (i = 1; i <= 4; i++) printf "%s %d %d %d\n", cs[i], f[cs[i]], p[cs[i]], b[cs[i]] }'
}

# run_softflowd VERSION DESTINATION NAME: softflowd -r on the capture, exporting to DESTINATION.
# softflowd 1.1.0 -r blocks in accept() on its control socket between reading batches, so talk
# to it ("statistics" changes nothing) until it has read the file, exported and exited.  (It sends
# to one destination only however many -n are given, hence one run per collector.)
run_softflowd() {
	ctl=$TMP/sf$1$3.ctl
	softflowd -d -r "$CAPTURE" -v "$1" -T vlan -n "$2" -p "$TMP/sf$1$3.pid" -c "$ctl" \
		>"$TMP/softflowd$1$3.log" 2>&1 &
	SFPID=$!
	PIDS="$PIDS $SFPID"
	for _ in $(seq 100); do
		kill -0 $SFPID 2>/dev/null || break
		softflowctl -c "$ctl" statistics >/dev/null 2>&1
		sleep 0.1
	done
	kill $SFPID 2>/dev/null
	wait $SFPID
}

# ---------------------------------------------------------------- kflowd --meter-pcap
if ! "$BUILD/kflowd" --data-dir "$TMP/meter" --meter-pcap "$CAPTURE" >"$TMP/meter.log" 2>&1; then
	fail "kflowd --meter-pcap runs" "$(tail -n 3 "$TMP/meter.log")"
	exit 1
fi
# "... by protocol (flows/packets/bytes): tcp 7/16/2520, udp 11/40/5544, icmp 3/5/180, other 1/1/84"
sed -n 's/.*by protocol (flows\/packets\/bytes): //p' "$TMP/meter.log" | tr ',' '\n' |
	sed 's/^ *//; s/\// /g' >"$TMP/meter.totals"
same "kflowd meter: every flow stored" "$(sed -n 's/.*summary, store: \([0-9]*\) flows stored.*/\1/p' "$TMP/meter.log")" 22

# ---------------------------------------------------------------- softflowd -> nfcapd + kflowd --listen
for version in 9 10; do
	nport=$(free_port)
	kport=$(free_port)
	mkdir -p "$TMP/nf$version"
	nfcapd -w "$TMP/nf$version" -b 127.0.0.1 -p "$nport" >"$TMP/nfcapd$version.log" 2>&1 &
	NFPID=$!
	"$BUILD/kflowd" --data-dir "$TMP/listen$version" --listen "127.0.0.1:$kport" --no-compact \
		>"$TMP/listen$version.log" 2>&1 &
	KPID=$!
	PIDS="$NFPID $KPID"
	for _ in $(seq 50); do grep -q "listening on" "$TMP/listen$version.log" && break; sleep 0.1; done
	sleep 1		# nfcapd has no readiness line

	run_softflowd $version "127.0.0.1:$nport" nf
	run_softflowd $version "127.0.0.1:$kport" kflowd
	sleep 1
	kill -TERM $KPID $NFPID
	wait $KPID $NFPID
	PIDS=

	# nfdump's records, reduced to "PROTO 1 PACKETS BYTES" lines
	nfdump -R "$TMP/nf$version" -o csv -q 2>"$TMP/nfdump$version.err" |
		awk -F, 'NF > 13 { print ($8 == "TCP" ? 6 : $8 == "UDP" ? 17 : $8 == "ICMP" ? 1 : $8 == "ICMP6" ? 58 : 0), 1, $12, $13 }' |
		per_protocol >"$TMP/softflowd$version.totals"
	records=$(awk '{ n += $2 } END { print n + 0 }' "$TMP/softflowd$version.totals")
	same "softflowd v$version: nfdump decodes its export" "$records" 18
	same "softflowd v$version: kflowd --listen stores what nfdump decodes" \
		"$(sed -n 's/.*summary, store: \([0-9]*\) flows stored.*/\1/p' "$TMP/listen$version.log")" "$records"

	for class in tcp udp icmp other; do
		m=$(grep "^$class " "$TMP/meter.totals")
		s=$(grep "^$class " "$TMP/softflowd$version.totals")
		same "v$version $class packets: meter = softflowd" "$(echo "$m" | cut -d' ' -f3)" "$(echo "$s" | cut -d' ' -f3)"
		same "v$version $class bytes: meter = softflowd" "$(echo "$m" | cut -d' ' -f4)" "$(echo "$s" | cut -d' ' -f4)"
	done
	same "v$version total packets" "$(awk '{ n += $3 } END { print n }' "$TMP/softflowd$version.totals")" 62
	same "v$version total bytes" "$(awk '{ n += $4 } END { print n }' "$TMP/softflowd$version.totals")" 8328
	# flow counts: "meter softflowd" per class, differences explained at the top
	same "v$version tcp flows (meter softflowd): the ACK after the FIN" \
		"$(grep '^tcp ' "$TMP/meter.totals" | cut -d' ' -f2) $(grep '^tcp ' "$TMP/softflowd$version.totals" | cut -d' ' -f2)" "7 6"
	same "v$version udp flows (meter softflowd): idle and active timeouts" \
		"$(grep '^udp ' "$TMP/meter.totals" | cut -d' ' -f2) $(grep '^udp ' "$TMP/softflowd$version.totals" | cut -d' ' -f2)" "11 8"
	same "v$version icmp flows (meter softflowd)" \
		"$(grep '^icmp ' "$TMP/meter.totals" | cut -d' ' -f2) $(grep '^icmp ' "$TMP/softflowd$version.totals" | cut -d' ' -f2)" "3 3"
	same "v$version other flows (meter softflowd)" \
		"$(grep '^other ' "$TMP/meter.totals" | cut -d' ' -f2) $(grep '^other ' "$TMP/softflowd$version.totals" | cut -d' ' -f2)" "1 1"
done

exit $FAILED
