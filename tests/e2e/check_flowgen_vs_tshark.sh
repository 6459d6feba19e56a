#!/bin/sh
# check_flowgen_vs_tshark.sh -- end-to-end checks of the traffic generator (build/flowgen).
#
# For NetFlow v5, v9, IPFIX and the mixed setup (with IPv6 flows and a sampled device 4) it
# decodes the pcap with tshark and compares every flow with the CSV as a multiset, checks headers,
# sequence numbers and templates, the CSV's tags against the tags file, and the planted
# spam-reflection truth (compare_flowgen_pcap.py).  Then: determinism (same arguments give
# identical bytes; the CSV does not depend on which outputs are requested), live --send delivers
# the same datagrams as the pcap from each device's exporter address, bad arguments are refused,
# and the checked-in regress fixture is reproduced bit for bit.
#
# Prints PASS/FAIL lines like the unit tests; exits 1 if anything failed.
# usage: tests/e2e/check_flowgen_vs_tshark.sh   (from anywhere; needs build/flowgen, tshark, python3)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FLOWGEN=${FLOWGEN:-${KF_BUILD:-$ROOT/build}/flowgen}
HERE=$ROOT/tests/e2e
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }
check() { if eval "$2"; then pass "$1"; else fail "$1" "$3"; fi; }

if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP flowgen_vs_tshark: tshark or python3 not installed"
	exit 0
fi
if [ ! -x "$FLOWGEN" ]; then
	fail flowgen_built "$FLOWGEN missing (run make build/flowgen)"
	exit 1
fi

END=1700000000
WINDOW=45
COMMON="--flows 40000 --seed 11 --end $END --span 300 --plant-window $WINDOW --ipv6-share 5 --sample-rate-device4 10 --quiet"

# ---------------------------------------------------------------- every format against tshark
for proto in 5 9 10 mixed; do
	out=$TMP/p$proto
	if "$FLOWGEN" $COMMON --proto $proto --pcap $out.pcap --csv $out.csv --truth $out.truth --tags-out $out.tags \
		2>$out.err; then
		python3 "$HERE/compare_flowgen_pcap.py" flowgen_v$proto $out.pcap $out.csv $out.truth $out.tags $END $WINDOW \
			|| FAILED=1
	else
		fail flowgen_v${proto}_runs "$(cat $out.err)"
	fi
done

# more devices and reflectors than the defaults, all three formats side by side
out=$TMP/wide
if "$FLOWGEN" --flows 30000 --seed 3 --end $END --span 200 --devices 7 --reflectors 5 --proto mixed --ipv6-share 10 \
	--sample-rate-device4 3 --quiet --pcap $out.pcap --csv $out.csv --truth $out.truth --tags-out $out.tags 2>$out.err; then
	python3 "$HERE/compare_flowgen_pcap.py" flowgen_7_devices $out.pcap $out.csv $out.truth $out.tags $END $WINDOW \
		|| FAILED=1
	check flowgen_7_devices_5_reflectors "[ \$(grep -c '^reflector ' $out.truth) -eq 5 ] && [ \$(cut -d, -f2 $out.csv | sort -u | wc -l) -eq 8 ]" \
		"expected 5 reflectors and devices 1..7 in the CSV"
else
	fail flowgen_7_devices_runs "$(cat $out.err)"
fi

# ---------------------------------------------------------------- determinism
D=$TMP/det
"$FLOWGEN" $COMMON --proto mixed --pcap $D.a.pcap --csv $D.a.csv --truth $D.a.truth
"$FLOWGEN" $COMMON --proto mixed --pcap $D.b.pcap --csv $D.b.csv --truth $D.b.truth
"$FLOWGEN" $COMMON --proto mixed --csv $D.c.csv
"$FLOWGEN" $COMMON --proto mixed --truth $D.d.truth
"$FLOWGEN" $COMMON --proto mixed --seed 12 --csv $D.e.csv
check flowgen_same_args_same_bytes "cmp -s $D.a.pcap $D.b.pcap && cmp -s $D.a.csv $D.b.csv && cmp -s $D.a.truth $D.b.truth" \
	"two runs with the same arguments differ"
check flowgen_csv_independent_of_outputs "cmp -s $D.a.csv $D.c.csv && cmp -s $D.a.truth $D.d.truth" \
	"the CSV or truth changes when other outputs are requested"
check flowgen_seed_changes_flows "! cmp -s $D.a.csv $D.e.csv" "--seed 12 gives the same CSV as --seed 11"

# ---------------------------------------------------------------- live sending
LIVE="--flows 3000 --seed 5 --end $END --span 60 --proto mixed --ipv6-share 5 --quiet"
if python3 "$HERE/flowgen_live_capture.py" "$TMP/live.port" "$TMP/live.bin" 3 &
then
	RECEIVER=$!
	i=0
	while [ ! -s "$TMP/live.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	PORT=$(cat "$TMP/live.port" 2>/dev/null)
	"$FLOWGEN" $LIVE --send 127.0.0.1:$PORT --pcap $TMP/live.pcap --pps 5000 2>$TMP/live.err \
		|| fail flowgen_send_runs "$(cat $TMP/live.err)"
	wait $RECEIVER
	check flowgen_send_matches_pcap \
		"python3 '$HERE/flowgen_live_capture.py' --compare '$TMP/live.bin' '$TMP/live.pcap'" \
		"the datagrams received live differ from the pcap of the same run"
fi
"$FLOWGEN" --flows 10 --send 192.0.2.1:2055 --quiet 2>$TMP/refuse.err
check flowgen_send_refuses_non_loopback "[ \$? -ne 0 ] && grep -q 'only 127.0.0.0/8' $TMP/refuse.err" \
	"a non-loopback --send target was accepted"

# ---------------------------------------------------------------- bad arguments
"$FLOWGEN" --proto 7 --quiet 2>$TMP/bad.err
check flowgen_rejects_bad_proto "[ \$? -eq 2 ] && grep -q -- '--proto' $TMP/bad.err" "--proto 7 was accepted"
"$FLOWGEN" --flows 100 --reflectors 50 --quiet 2>$TMP/bad.err
check flowgen_rejects_too_few_flows "[ \$? -ne 0 ] && grep -q 'fewer than' $TMP/bad.err" \
	"a plant window too small for the pattern was accepted"
"$FLOWGEN" --flows 12x --quiet 2>$TMP/bad.err
check flowgen_rejects_bad_number "[ \$? -eq 2 ]" "--flows 12x was accepted"
check flowgen_help "'$FLOWGEN' --help | grep -q -- '--sample-rate-device4'" "--help does not print the usage"

# ---------------------------------------------------------------- the regress fixture
FIX=$ROOT/tests/data/fixture
if [ -f "$FIX/flows.pcap" ]; then
	# the README's indented command, writing into $TMP instead of the fixture directory
	FIX_CMD=$(sed -n 's/^    //p' "$FIX/README.md" | grep -m1 '^build/flowgen ')
	FIX_ARGS=$(echo "${FIX_CMD#build/flowgen }" | sed "s|tests/data/fixture/|$TMP/fix.|g")
	"$FLOWGEN" $FIX_ARGS --csv $TMP/fix.csv --truth $TMP/fix.truth --quiet
	check flowgen_fixture_reproducible \
		"[ -n '$FIX_CMD' ] && cmp -s $FIX/flows.pcap $TMP/fix.flows.pcap && cmp -s $FIX/tags $TMP/fix.tags && cmp -s $FIX/devices $TMP/fix.devices" \
		"regenerating the fixture with the README command gives different bytes"
	python3 "$HERE/compare_flowgen_pcap.py" flowgen_fixture "$FIX/flows.pcap" $TMP/fix.csv $TMP/fix.truth "$FIX/tags" \
		1700000000 45 || FAILED=1
fi

exit $FAILED
