#!/bin/sh
# check_captures_vs_tshark.sh -- the rows kflowd stores from flow-export captures must equal what
# tshark decodes from the same packets, field by field.
#
# For every capture (*.pcap, *.pcapng) in the given directories (default tests/data/captures),
# searched recursively: `kflowd --read-pcap` into a fresh store, `kfdump` its rows, and
# compare_capture_rows.py compares them as a multiset with tshark's decoding (`tshark -T json`,
# NetFlow ports found by content).  Both decode the same prepared copy of the capture: datagrams
# tshark marks Malformed are left out (reported as NOTE lines) and NetFlow v9 header counts are
# opened up (compare_capture_rows.py prepare_capture says why).  Captures with no flow export in
# them (raw traffic for the flow meter) are reported as SKIP: tshark finds no sFlow and no UDP
# payload starting with version 5, 9 or 10 in them.  Then kfdump's filters and errors, and a
# check that a changed field makes the comparison fail.
# Prints PASS/FAIL lines and ends with a table: capture, records tshark, rows kflowd, result.
#
# usage: tests/e2e/check_captures_vs_tshark.sh [DIR...]   (needs build/kflowd, build/kfdump, tshark,
#        editcap, python3; docs/captures.md)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KF_BUILD:-$ROOT/build}
KFLOWD=$BUILD/kflowd
KFDUMP=$BUILD/kfdump
HERE=$ROOT/tests/e2e
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP captures_vs_tshark: tshark or python3 not installed"
	exit 0
fi
for b in "$KFLOWD" "$KFDUMP"; do
	if [ ! -x "$b" ]; then
		echo "FAIL captures_vs_tshark_built: $b missing (run make)"
		exit 1
	fi
done
[ $# -gt 0 ] || set -- "$ROOT/tests/data/captures"

: >"$TMP/table"
n=0
for dir in "$@"; do
	find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort >"$TMP/files"
	while read -r capture; do
		n=$((n + 1))
		name=$(echo "${capture#"$dir"/}" | sed 's|/|_|g; s|\.pcap\(ng\)\{0,1\}$||')
		# A capture without any flow export (e.g. meter_mix.pcap) is not this check's business.
		if [ -z "$(tshark -n -r "$capture" -Y 'sflow || cflow || udp.payload[0:2] == 00:05 || udp.payload[0:2] == 00:09 || udp.payload[0:2] == 00:0a' -c 1 -T fields -e frame.number 2>/dev/null)" ]; then
			echo "SKIP capture_$name: no flow export in it"
			continue
		fi
		# the copy both sides decode (malformed datagrams left out, NetFlow v9 counts opened up)
		if ! left_out=$(python3 "$HERE/compare_capture_rows.py" prepare "$capture" "$TMP/capture.pcap"); then
			echo "FAIL capture_$name: could not prepare the capture"
			echo "$name - - FAIL" >>"$TMP/table"
			FAILED=1
			continue
		fi
		[ "$left_out" = 0 ] || echo "NOTE capture_$name: $left_out datagrams tshark marks Malformed left out"
		store=$TMP/store$n
		if ! "$KFLOWD" --data-dir "$store" --read-pcap "$TMP/capture.pcap" --no-fast >"$TMP/kflowd.log" 2>&1; then
			echo "FAIL capture_$name: kflowd --read-pcap failed: $(tail -n 3 "$TMP/kflowd.log")"
			echo "$name - - FAIL" >>"$TMP/table"
			FAILED=1
			continue
		fi
		if ! "$KFDUMP" "$store" >"$TMP/rows.csv" 2>"$TMP/kfdump.err"; then
			echo "FAIL capture_$name: kfdump failed: $(cat "$TMP/kfdump.err")"
			echo "$name - - FAIL" >>"$TMP/table"
			FAILED=1
			continue
		fi
		[ -f "$store/devices" ] || : >"$store/devices"
		python3 "$HERE/compare_capture_rows.py" "$name" "$TMP/capture.pcap" "$TMP/rows.csv" "$store/devices" \
			>"$TMP/out" || FAILED=1
		grep -v '^TABLE ' "$TMP/out"
		sed -n 's/^TABLE //p' "$TMP/out" >>"$TMP/table"
		# keep the last capture with rows that passed for the self-check below
		if grep -q '^PASS' "$TMP/out" && [ "$(wc -l <"$TMP/rows.csv")" -gt 1 ]; then
			cp "$TMP/capture.pcap" "$TMP/last_capture.pcap"
			cp "$TMP/rows.csv" "$TMP/last_rows.csv"
			cp "$store/devices" "$TMP/last_devices"
		fi
		rm -rf "$store"
	done <"$TMP/files"
done

# kfdump itself: filters, and clear errors with status 1 on a missing or damaged store.
if [ -s "$TMP/last_rows.csv" ]; then
	K=$TMP/kfdump_store
	"$KFLOWD" --data-dir "$K" --read-pcap "$TMP/last_capture.pcap" --no-fast >/dev/null 2>&1
	first_dev=$(sed -n 2p "$TMP/last_rows.csv" | cut -d, -f1)
	first_ts=$(sed -n 2p "$TMP/last_rows.csv" | cut -d, -f2)
	want=$(awk -F, -v d="$first_dev" -v t="$first_ts" 'NR > 1 && $1 == d && $2 == t' "$TMP/last_rows.csv" | sort)
	got=$("$KFDUMP" "$K" --device "$first_dev" --from "$first_ts" --to "$first_ts" | sed 1d | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ] && [ "$("$KFDUMP" "$K" --device 4294967295 | wc -l)" -eq 1 ]; then
		echo "PASS kfdump_filters"
	else
		echo "FAIL kfdump_filters: --device/--from/--to do not select the rows of device $first_dev at $first_ts"
		FAILED=1
	fi
	"$KFDUMP" "$TMP/no_such_store" >/dev/null 2>"$TMP/kfdump.err"
	status=$?
	if [ $status -eq 1 ] && grep -q 'no_such_store' "$TMP/kfdump.err"; then
		echo "PASS kfdump_missing_store"
	else
		echo "FAIL kfdump_missing_store: status $status, $(cat "$TMP/kfdump.err")"
		FAILED=1
	fi
	part=$(find "$K/data" -name '*.kfp' | head -n 1)
	truncate -s $(($(stat -c %s "$part") / 2)) "$part"
	"$KFDUMP" "$K" >/dev/null 2>"$TMP/kfdump.err"
	status=$?
	if [ $status -eq 1 ] && grep -q "$(basename "$part")" "$TMP/kfdump.err"; then
		echo "PASS kfdump_corrupt_part"
	else
		echo "FAIL kfdump_corrupt_part: status $status, $(cat "$TMP/kfdump.err")"
		FAILED=1
	fi
	"$KFDUMP" "$K" --series slow >/dev/null 2>&1
	status=$?
	if [ $status -eq 2 ]; then echo "PASS kfdump_bad_usage"; else echo "FAIL kfdump_bad_usage: status $status"; FAILED=1; fi
fi

# The comparison must be able to fail: one changed byte count in kflowd's rows of a capture that
# passed must give a FAIL naming the counters.
if [ -s "$TMP/last_rows.csv" ]; then
	awk -F, -v OFS=, 'NR == 2 { $11 = $11 + 1 } { print }' "$TMP/last_rows.csv" >"$TMP/changed.csv"
	if python3 "$HERE/compare_capture_rows.py" changed "$TMP/last_capture.pcap" "$TMP/changed.csv" \
		"$TMP/last_devices" >"$TMP/changed.out" && ! grep -q 'counters_sampling differs' "$TMP/changed.out"; then
		echo "FAIL captures_vs_tshark_detects_a_changed_field: a changed in_bytes passed"
		FAILED=1
	elif grep -q 'counters_sampling differs' "$TMP/changed.out"; then
		echo "PASS captures_vs_tshark_detects_a_changed_field"
	else
		echo "FAIL captures_vs_tshark_detects_a_changed_field: $(head -n 3 "$TMP/changed.out")"
		FAILED=1
	fi
fi

echo
printf '%-72s %8s %8s %s\n' capture "tshark" "kflowd" result
while read -r name records rows result; do
	printf '%-72s %8s %8s %s\n' "$name" "$records" "$rows" "$result"
done <"$TMP/table"
exit $FAILED
