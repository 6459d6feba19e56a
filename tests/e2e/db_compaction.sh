#!/usr/bin/env bash
# db_compaction.sh -- compaction under live queries: counts stay consistent while parts are merged
# and deleted, and afterwards each device-hour holds few files and every aggregate is exact.
#
# kflowd listens with compaction tuned to run fast (every second, closed hours merged at once,
# levels of 4 in the open hour, merged-away parts deleted after 3 s); the generator sends three
# hours of flows slowly, so kflowd flushes many small parts while the compactor merges them.
# Meanwhile queries through the FDW run back to back: every count must be at most what was sent
# and never smaller than the one before (a merge must neither hide nor double rows), and no query
# may fail.  Then: closed hours hold one part, the open hour a few, and the aggregates equal those
# of an ordinary table loaded from the generator's CSV.
#
# Environment (set by tests/run_all.sh): KF_WORK, KF_BUILD, KF_PGHOST, KF_PGPORT.
set -uo pipefail

work="$KF_WORK/compaction"
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"
build=$KF_BUILD
psql=(psql -h "$KF_PGHOST" -p "$KF_PGPORT" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d postgres)
# A random port unless told: a fixed one would let two concurrent test runs send into each other's kflowd.
udp_port=${KF_UDP_PORT_COMPACTION:-$((30000 + RANDOM % 20000))}
end=$(($(date +%s) - 5))

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }
sql() { "${psql[@]}" -c "$1" 2>&1; }

gen=("$build/flowgen" --flows 60000 --seed 21 --end "$end" --span 9000 --proto mixed --devices 4 --quiet)
"${gen[@]}" --csv "$work/flows.csv" --truth "$work/truth" --tags-out "$work/tags" --devices-out "$work/devices" ||
	fail "generator"
flows=$(awk '$1 == "flows" {print $2}' "$work/truth")
chmod -R a+rX "$work"

"$build/kflowd" --data-dir "$work/data" --listen "127.0.0.1:$udp_port" --tags "$work/tags" \
	--devices "$work/devices" --compact-after 0 --compact-interval 1 --compact-fanin 4 --compact-grace 3 \
	>"$work/kflowd.log" 2>&1 &
kflowd_pid=$!
for _ in $(seq 1 100); do
	grep -q "listening" "$work/kflowd.log" 2>/dev/null && break
	sleep 0.1
done
if ! grep -q "listening" "$work/kflowd.log"; then
	fail "kflowd listening on udp port $udp_port" "$(tail -n 3 "$work/kflowd.log")"
	kill -9 $kflowd_pid 2>/dev/null
	exit 1
fi

"${gen[@]}" --send "127.0.0.1:$udp_port" --pps 600 &
gen_pid=$!

sql "DROP SCHEMA IF EXISTS k_compact CASCADE; DROP SERVER IF EXISTS s_compact CASCADE;
CREATE EXTENSION IF NOT EXISTS kentik_fdw;
CREATE SERVER s_compact FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$work/data');
CREATE SCHEMA k_compact;" >/dev/null

# Queries back to back while the generator sends and for a few seconds after, while merges run.
queries=0 errors=0 decreases=0 excess=0 previous=0 last_error="" after_sending=0
while [ $after_sending -lt 40 ]; do
	kill -0 $gen_pid 2>/dev/null || after_sending=$((after_sending + 1))
	if [ -f "$work/data/devices" ] && [ -z "$(sql "SELECT 1 FROM pg_class WHERE relname = 'all_devices' AND relnamespace = 'k_compact'::regnamespace")" ]; then
		sql "IMPORT FOREIGN SCHEMA kentik FROM SERVER s_compact INTO k_compact" >/dev/null
	fi
	[ -f "$work/data/devices" ] || { sleep 0.2; continue; }
	out=$(sql "SET kentik_fdw.reference_time = $end; SELECT count(*) FROM k_compact.all_devices WHERE ctimestamp > 20000")
	queries=$((queries + 1))
	if ! [[ "$out" =~ ^[0-9]+$ ]]; then
		errors=$((errors + 1))
		last_error=$out
	else
		[ "$out" -lt "$previous" ] && decreases=$((decreases + 1))
		[ "$out" -gt "$flows" ] && excess=$((excess + 1))
		previous=$out
	fi
	sleep 0.1
done
wait $gen_pid
merges=$(grep -o 'compaction: [0-9]* merges' "$work/kflowd.log" | awk '{s += $2} END {print s + 0}')

if [ $errors -eq 0 ]; then pass "$queries queries during compaction, none failed"; else fail "queries during compaction" "$errors of $queries failed, last: $last_error"; fi
if [ $decreases -eq 0 ] && [ $excess -eq 0 ]; then
	pass "counts during compaction monotonic and never above the $flows flows sent"
else
	fail "counts during compaction" "$decreases decreases, $excess above $flows"
fi
if [ "$previous" = "$flows" ]; then pass "all $flows flows counted at the end"; else fail "final count" "$previous of $flows"; fi
if [ "$merges" -gt 10 ]; then pass "the compactor merged while queries ran ($merges merges)"; else fail "merges during the run" "$merges"; fi

# Let the last merges finish and the grace period pass, then count files per device-hour.
sleep 6
kill -TERM $kflowd_pid
wait $kflowd_pid
status=$?
if [ $status -eq 0 ]; then pass "kflowd exits 0 on SIGTERM with compaction running"; else fail "kflowd exit status $status"; fi
current_hour=$(($(date +%s) / 3600 * 3600))
worst_closed=0 worst_open=0 hours=0 flushes=$(grep -o '[0-9]* flushes' "$work/kflowd.log" | tail -n 1 | awk '{print $1}')
for d in "$work"/data/data/dev-*/*/; do
	n=$(find "$d" -maxdepth 1 -name '*.kfp' | wc -l)
	hours=$((hours + 1))
	if [ "$(basename "$d")" -ge "$current_hour" ]; then
		[ "$n" -gt $worst_open ] && worst_open=$n
	else
		[ "$n" -gt $worst_closed ] && worst_closed=$n
	fi
done
if [ $worst_closed -eq 1 ] && [ $hours -ge 8 ]; then pass "every closed device-hour holds one part ($hours device-hours, $flushes flushes)"; else fail "files per closed device-hour" "up to $worst_closed"; fi
if [ $worst_open -le 8 ]; then pass "the open device-hours hold at most 8 parts ($worst_open)"; else fail "files per open device-hour" "$worst_open"; fi

sql "DROP TABLE IF EXISTS ref_compact_csv, ref_compact;
CREATE TABLE ref_compact_csv (ctimestamp bigint, i_device_id int, i_device_name text, inet_src_addr inet,
  inet_dst_addr inet, l4_src_port int, l4_dst_port int, protocol int, tcp_flags int, tos int, in_bytes bigint,
  in_pkts bigint, out_bytes bigint, out_pkts bigint, input_port int, output_port int, src_as bigint,
  dst_as bigint, ipv4_next_hop inet, vlan_in int, vlan_out int, sample_rate int, src_flow_tags text,
  dst_flow_tags text);
COPY ref_compact_csv FROM '$work/flows.csv' WITH (FORMAT csv, HEADER, FORCE_NOT_NULL (src_flow_tags, dst_flow_tags));
CREATE TABLE ref_compact AS SELECT ctimestamp::kentik_time AS ctimestamp, i_device_id, inet_src_addr, inet_dst_addr,
  CASE WHEN family(inet_dst_addr) = 4 THEN inet_dst_addr END AS ipv4_dst_addr, l4_src_port, l4_dst_port, protocol,
  tcp_flags, in_bytes, out_bytes, in_bytes + out_bytes AS both_bytes, in_pkts + out_pkts AS both_pkts,
  src_as, dst_as, src_flow_tags, dst_flow_tags FROM ref_compact_csv;" >/dev/null

read -r -d '' comparisons <<'EOF'
SELECT count(*), sum(in_bytes), sum(out_bytes), sum(both_pkts), sum(l4_src_port), sum(tcp_flags), sum(src_as), sum(dst_as) FROM %s
SELECT i_device_id, count(*), sum(both_bytes), min(ctimestamp), max(ctimestamp) FROM %s GROUP BY 1 ORDER BY 1
SELECT protocol, count(*), sum(in_bytes), min(l4_dst_port), max(l4_dst_port) FROM %s GROUP BY 1 ORDER BY 1
SELECT src_flow_tags, dst_flow_tags, count(*), sum(both_bytes) FROM %s GROUP BY 1, 2 ORDER BY 1, 2
SELECT count(DISTINCT inet_src_addr), count(DISTINCT inet_dst_addr) FROM %s
SELECT ipv4_dst_addr, sum(both_bytes) FROM %s WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%%MYNETWORK%%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10000
SELECT count(*), sum(both_bytes) FROM %s WHERE ctimestamp > 5400 AND ctimestamp < 1800
EOF
n=0
while IFS= read -r q; do
	[ -n "$q" ] || continue
	n=$((n + 1))
	# shellcheck disable=SC2059
	fdw=$(sql "SET kentik_fdw.reference_time = $end; $(printf "$q" k_compact.all_devices)")
	# shellcheck disable=SC2059
	ref=$(sql "SET kentik_fdw.reference_time = $end; $(printf "$q" ref_compact)")
	if [ "$fdw" = "$ref" ] && [ -n "$ref" ]; then
		pass "aggregate $n after compaction equals the CSV reference"
	else
		fail "aggregate $n after compaction" "$(diff <(echo "$ref") <(echo "$fdw") | head -n 6 | tr '\n' ' ')"
	fi
done <<<"$comparisons"
