#!/usr/bin/env bash
# load_clickhouse.sh -- load the data set's CSV into a ClickHouse MergeTree table `flows` ordered by time.
#
# 18.16 has no IPv4 type, so addresses are UInt32 (IPv4StringToNum at load).  The server reads the CSV
# itself through file() (its user_files directory is the data set's).  Its CSVWithNames input loses the
# first data row, so the CSV is read as plain CSV and the header is the one tolerated parse error; the
# row count is checked afterwards.  OPTIMIZE FINAL merges the parts, as a settled table would be.
# Writes out/load_clickhouse.json (disk = bytes of the active parts).
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

csv_structure="ctimestamp UInt32, i_device_id UInt16, i_device_name String, s String, d String,
	l4_src_port UInt16, l4_dst_port UInt16, protocol UInt8, tcp_flags UInt8, tos UInt8,
	in_bytes UInt64, in_pkts UInt64, out_bytes UInt64, out_pkts UInt64, input_port UInt32, output_port UInt32,
	src_as UInt32, dst_as UInt32, nh String, vlan_in UInt16, vlan_out UInt16, sample_rate UInt32,
	src_flow_tags String, dst_flow_tags String"

clickhouse_bench -q "DROP TABLE IF EXISTS flows"
clickhouse_bench -q "CREATE TABLE flows (
	ctimestamp UInt32, i_device_id UInt16, i_device_name String, ipv4_src_addr UInt32, ipv4_dst_addr UInt32,
	l4_src_port UInt16, l4_dst_port UInt16, protocol UInt8, tcp_flags UInt8, tos UInt8,
	in_bytes UInt64, in_pkts UInt64, out_bytes UInt64, out_pkts UInt64, both_bytes UInt64, both_pkts UInt64,
	input_port UInt32, output_port UInt32, src_as UInt32, dst_as UInt32, ipv4_next_hop UInt32,
	vlan_in UInt16, vlan_out UInt16, sample_rate UInt32, src_flow_tags String, dst_flow_tags String
) ENGINE = MergeTree() PARTITION BY intDiv(ctimestamp, 86400) ORDER BY (ctimestamp, i_device_id)"
log "clickhouse: INSERT from file() + OPTIMIZE FINAL"
start=$(now_s)
clickhouse_bench --input_format_allow_errors_num=1 -q "INSERT INTO flows SELECT
	ctimestamp, i_device_id, i_device_name, IPv4StringToNum(s), IPv4StringToNum(d),
	l4_src_port, l4_dst_port, protocol, tcp_flags, tos, in_bytes, in_pkts, out_bytes, out_pkts,
	in_bytes + out_bytes, in_pkts + out_pkts, input_port, output_port, src_as, dst_as, IPv4StringToNum(nh),
	vlan_in, vlan_out, sample_rate, src_flow_tags, dst_flow_tags
	FROM file('flows.csv', 'CSV', '${csv_structure//$'\n\t'/ }')"
insert_s=$(seconds_since "$start")
start2=$(now_s)
clickhouse_bench -q "OPTIMIZE TABLE flows FINAL"
optimize_s=$(seconds_since "$start2")
load_s=$(seconds_since "$start")
rows=$(clickhouse_bench -q "SELECT count() FROM flows")
[ "$rows" = "$KF_BENCH_FLOWS" ] || die "clickhouse has $rows rows, expected $KF_BENCH_FLOWS"
disk=$(clickhouse_bench -q "SELECT sum(bytes) FROM system.parts WHERE table = 'flows' AND active")
mkdir -p "$out_dir"
printf '{"engine":"clickhouse","load_s":%s,"load_detail":"INSERT %s s + OPTIMIZE FINAL %s s","rows":%s,"disk_bytes":%s}\n' \
	"$load_s" "$insert_s" "$optimize_s" "$rows" "$disk" >"$out_dir/load_clickhouse.json"
log "clickhouse: $rows rows in $load_s s, $disk bytes on disk"
