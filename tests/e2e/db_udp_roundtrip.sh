#!/usr/bin/env bash
# db_udp_roundtrip.sh -- flows sent over UDP, answered through kentik_fdw, checked against PostgreSQL.
#
# For NetFlow v9, IPFIX and a mix of v5/v9/IPFIX: the generator sends flows to a running kflowd over UDP
# and writes the same flows as CSV.  We check that the flows become visible through the FDW within 5
# seconds while kflowd runs, that SIGTERM exits 0, and that every aggregate below gives exactly the same
# answer through the FDW (pushdown on and off) as over an ordinary table loaded from the CSV.  Last,
# kflowd is killed with -9 mid-stream and the store must stay readable.
#
# Environment (set by tests/run_all.sh): KF_WORK, KF_BUILD, KF_PGHOST, KF_PGPORT.
set -uo pipefail

work="$KF_WORK/udp_roundtrip"
mkdir -p "$work"
chmod 755 "$work"
build=$KF_BUILD
psql=(psql -h "$KF_PGHOST" -p "$KF_PGPORT" -U postgres -X -q -At -v ON_ERROR_STOP=1 -d postgres)
udp_port=${KF_UDP_PORT:-29955}
end=$(($(date +%s) - 5))

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1${2:+: $2}"; }

sql() { "${psql[@]}" -c "$1" 2>&1; }

# The aggregates compared between the FDW schema and the reference table; %s is the relation.
read -r -d '' comparisons <<'EOF'
SELECT count(*), sum(in_bytes), sum(in_pkts), sum(out_bytes), sum(out_pkts), sum(both_bytes), sum(both_pkts) FROM %s
SELECT min(ctimestamp), max(ctimestamp), min(i_start_time), max(i_start_time), count(DISTINCT i_start_time) FROM %s
SELECT i_device_id, i_device_name, count(*), sum(both_bytes), sum(both_pkts), min(sample_rate), max(sample_rate) FROM %s GROUP BY 1, 2 ORDER BY 1
SELECT protocol, count(*), sum(in_bytes), sum(out_bytes), min(l4_dst_port), max(l4_dst_port) FROM %s GROUP BY 1 ORDER BY 1
SELECT count(DISTINCT inet_src_addr), count(DISTINCT inet_dst_addr), count(ipv4_src_addr), count(ipv4_dst_addr), count(ipv4_next_hop) FROM %s
SELECT min(inet_src_addr), max(inet_src_addr), min(inet_dst_addr), max(inet_dst_addr), min(ipv4_next_hop), max(ipv4_next_hop) FROM %s
SELECT min(l4_src_port), max(l4_src_port), sum(l4_src_port), sum(l4_dst_port), sum(tcp_flags), sum(tos), bit_or(tcp_flags) FROM %s
SELECT sum(input_port), sum(output_port), sum(src_as), sum(dst_as), max(src_as), max(dst_as), sum(vlan_in), sum(vlan_out) FROM %s
SELECT src_flow_tags, dst_flow_tags, count(*), sum(both_bytes) FROM %s GROUP BY 1, 2 ORDER BY 1, 2
SELECT avg(in_bytes), avg(both_pkts), stddev_pop(in_bytes)::numeric(30,6) FROM %s
SELECT i_start_time, count(*), sum(both_bytes) FROM %s GROUP BY 1 ORDER BY 1
SELECT ipv4_dst_addr, sum(both_bytes) FROM %s WHERE ctimestamp > 3600 AND protocol = 6 AND l4_src_port = 25 AND dst_flow_tags ILIKE '%%MYNETWORK%%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10000
SELECT ipv4_src_addr, sum(both_bytes) FROM %s WHERE ctimestamp > 3600 AND protocol = 47 AND src_flow_tags ILIKE '%%MYNETWORK%%' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10000
SELECT count(*), sum(both_bytes) FROM %s WHERE ctimestamp > 300 AND ctimestamp < 60 AND inet_dst_addr <<= '10.0.0.0/8' AND NOT (ipv4_src_addr <<= '10.1.0.0/16')
SELECT count(*) FROM %s WHERE l4_dst_port IN (25, 53, 443) OR protocol NOT IN (6, 17) OR dst_flow_tags LIKE '%%DC\_EAST%%'
SELECT inet_src_addr, count(*) FROM %s WHERE family(inet_src_addr) = 6 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20
EOF

# Loads the generator's CSV into an ordinary table with the FDW's column types and derived columns.
load_reference() {
	local table=$1 csv=$2
	sql "
DROP TABLE IF EXISTS ${table}_csv, $table;
CREATE TABLE ${table}_csv (ctimestamp bigint, i_device_id int, i_device_name text, inet_src_addr inet,
  inet_dst_addr inet, l4_src_port int, l4_dst_port int, protocol int, tcp_flags int, tos int, in_bytes bigint,
  in_pkts bigint, out_bytes bigint, out_pkts bigint, input_port int, output_port int, src_as bigint,
  dst_as bigint, ipv4_next_hop inet, vlan_in int, vlan_out int, sample_rate int, src_flow_tags text,
  dst_flow_tags text);
COPY ${table}_csv FROM '$csv' WITH (FORMAT csv, HEADER, FORCE_NOT_NULL (src_flow_tags, dst_flow_tags));
CREATE TABLE $table AS SELECT ctimestamp::kentik_time AS ctimestamp,
  to_timestamp(ctimestamp - ctimestamp % 60) AS i_start_time, i_device_id, i_device_name,
  inet_src_addr, inet_dst_addr,
  CASE WHEN family(inet_src_addr) = 4 THEN inet_src_addr END AS ipv4_src_addr,
  CASE WHEN family(inet_dst_addr) = 4 THEN inet_dst_addr END AS ipv4_dst_addr,
  l4_src_port, l4_dst_port, protocol, tcp_flags, tos, in_bytes, in_pkts, out_bytes, out_pkts,
  in_bytes + out_bytes AS both_bytes, in_pkts + out_pkts AS both_pkts, input_port, output_port,
  src_as, dst_as, ipv4_next_hop, vlan_in, vlan_out, sample_rate, src_flow_tags, dst_flow_tags
FROM ${table}_csv;"
}

# Runs every comparison on the FDW relation (pushdown on and off) and the reference table.
compare_all() {
	local label=$1 fdw_rel=$2 ref_rel=$3 n=0 q
	while IFS= read -r q; do
		[ -n "$q" ] || continue
		n=$((n + 1))
		local qf qr on off ref
		# shellcheck disable=SC2059
		qf=$(printf "$q" "$fdw_rel")
		# shellcheck disable=SC2059
		qr=$(printf "$q" "$ref_rel")
		on=$(sql "SET kentik_fdw.reference_time = $end; $qf")
		off=$(sql "SET kentik_fdw.reference_time = $end; SET kentik_fdw.enable_pushdown = off; $qf")
		ref=$(sql "SET kentik_fdw.reference_time = $end; $qr")
		if [ "$on" = "$ref" ] && [ "$off" = "$ref" ] && [ -n "$ref" ]; then
			pass "$label aggregate $n identical through the FDW (pushed and not pushed) and the table"
		else
			fail "$label aggregate $n" "query: $qf"
			diff <(echo "$ref") <(echo "$on") | head -n 10 | sed 's/^/    pushed: /'
			diff <(echo "$ref") <(echo "$off") | head -n 10 | sed 's/^/    local:  /'
		fi
	done <<<"$comparisons"
}

# Waits until kflowd listens on the UDP port (its log says so) or gives up after 10 s.
wait_listening() {
	local log=$1 i
	for i in $(seq 1 100); do
		grep -q "listening" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

run_protocol() {
	local proto=$1 dir="$work/$1" gen
	mkdir -p "$dir"
	gen=("$build/flowgen" --flows 20000 --seed 11 --end "$end" --span 900 --proto "$proto" --devices 4
		--sample-rate-device4 10 --ipv6-share 3 --quiet)
	"${gen[@]}" --csv "$dir/flows.csv" --truth "$dir/truth" --tags-out "$dir/tags" --devices-out "$dir/devices" ||
		{ fail "$proto: generator"; return; }
	chmod -R a+rX "$dir"

	"$build/kflowd" --data-dir "$dir/data" --listen "127.0.0.1:$udp_port" --tags "$dir/tags" \
		--devices "$dir/devices" >"$dir/kflowd.log" 2>&1 &
	local pid=$!
	if ! wait_listening "$dir/kflowd.log"; then
		fail "$proto: kflowd listening" "$(tail -n 5 "$dir/kflowd.log")"
		kill -9 $pid 2>/dev/null
		return
	fi
	"${gen[@]}" --send "127.0.0.1:$udp_port" --pps 20000 || fail "$proto: generator send"
	local sent_at flows
	sent_at=$(date +%s%N)
	flows=$(awk '$1 == "flows" {print $2}' "$dir/truth")

	sql "DROP SCHEMA IF EXISTS k_$proto CASCADE; DROP SERVER IF EXISTS s_$proto CASCADE;
CREATE EXTENSION IF NOT EXISTS kentik_fdw;
CREATE SERVER s_$proto FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$dir/data');
CREATE SCHEMA k_$proto;" >/dev/null
	local seen=0 elapsed_ms=0
	while :; do
		# The devices registry appears with the first flush; import once it is there.
		if [ -f "$dir/data/devices" ] && [ -z "$(sql "SELECT 1 FROM pg_class WHERE relname = 'all_devices' AND relnamespace = 'k_$proto'::regnamespace")" ]; then
			sql "IMPORT FOREIGN SCHEMA kentik FROM SERVER s_$proto INTO k_$proto" >/dev/null
		fi
		seen=$(sql "SELECT count(*) FROM k_$proto.all_devices" 2>/dev/null)
		elapsed_ms=$((($(date +%s%N) - sent_at) / 1000000))
		[ "$seen" = "$flows" ] && break
		[ $elapsed_ms -gt 8000 ] && break
		sleep 0.2
	done
	if [ "$seen" = "$flows" ] && [ $elapsed_ms -le 5000 ]; then
		pass "$proto: all $flows flows visible while kflowd runs, after ${elapsed_ms} ms"
	else
		fail "$proto: visibility" "saw '$seen' of $flows flows after ${elapsed_ms} ms"
	fi

	kill -TERM $pid
	wait $pid
	local status=$?
	if [ $status -eq 0 ]; then pass "$proto: kflowd exits 0 on SIGTERM"; else fail "$proto: kflowd SIGTERM exit status $status"; fi
	# Every device of the devices file got its own table.
	local tables
	tables=$(sql "SELECT count(*) FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid WHERE c.relnamespace = 'k_$proto'::regnamespace")
	if [ "$tables" = "6" ]; then pass "$proto: all_devices, interface_counters and one table per device"; else fail "$proto: imported tables" "$tables"; fi

	load_reference "ref_$proto" "$dir/flows.csv" >/dev/null
	compare_all "$proto:" "k_$proto.all_devices" "ref_$proto"
	# A device table holds exactly that device's rows.
	local dev_name dev_fdw dev_ref
	dev_name=$(awk '$1 == 2 {print $2}' "$dir/devices")
	dev_fdw=$(sql "SELECT count(*), sum(both_bytes), min(i_device_id), max(i_device_id) FROM k_$proto.\"$dev_name\"")
	dev_ref=$(sql "SELECT count(*), sum(both_bytes), min(i_device_id), max(i_device_id) FROM ref_$proto WHERE i_device_id = 2")
	if [ "$dev_fdw" = "$dev_ref" ]; then pass "$proto: device table $dev_name"; else fail "$proto: device table" "$dev_fdw vs $dev_ref"; fi
}

for proto in 9 10 mixed; do
	run_protocol "$proto"
done

# kill -9 in the middle of a stream: whatever was published must stay readable.
dir="$work/kill9"
mkdir -p "$dir"
chmod 755 "$dir"
"$build/flowgen" --flows 200000 --seed 5 --end "$end" --span 900 --proto 9 --tags-out "$dir/tags" \
	--devices-out "$dir/devices" --quiet
chmod -R a+rX "$dir"
"$build/kflowd" --data-dir "$dir/data" --listen "127.0.0.1:$udp_port" --tags "$dir/tags" --devices "$dir/devices" \
	>"$dir/kflowd.log" 2>&1 &
pid=$!
wait_listening "$dir/kflowd.log"
"$build/flowgen" --flows 200000 --seed 5 --end "$end" --span 900 --proto 9 --send "127.0.0.1:$udp_port" \
	--pps 5000 --quiet &
gen_pid=$!
sleep 4
kill -9 $pid
wait $pid 2>/dev/null
kill $gen_pid 2>/dev/null
wait $gen_pid 2>/dev/null
sql "DROP SERVER IF EXISTS s_kill9 CASCADE; DROP SCHEMA IF EXISTS k_kill9 CASCADE; CREATE SCHEMA k_kill9;
CREATE SERVER s_kill9 FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$dir/data');
IMPORT FOREIGN SCHEMA kentik FROM SERVER s_kill9 INTO k_kill9" >/dev/null
out=$(sql "SELECT count(*) > 0, count(*) < 200000, sum(both_bytes) > 0 FROM k_kill9.all_devices")
if [ "$out" = "t|t|t" ]; then
	pass "store readable after kill -9 mid-stream (some but not all flows published)"
else
	fail "store after kill -9" "$out"
fi
