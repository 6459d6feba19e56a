#!/usr/bin/env bash
# load_postgres.sh -- load the data set's CSV into an ordinary PostgreSQL table `flows`, the way a careful
# user would: COPY, a BRIN index on ctimestamp (the data arrives in time order), VACUUM ANALYZE.
#
# both_bytes / both_pkts are stored generated columns, as kentik_fdw offers them.  Writes
# out/load_postgres.json (load time = COPY + index + VACUUM ANALYZE; disk = table + indexes + TOAST).
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

psql_bench <<'SQL'
DROP TABLE IF EXISTS flows;
CREATE TABLE flows (
	ctimestamp bigint NOT NULL, i_device_id integer NOT NULL, i_device_name text NOT NULL,
	ipv4_src_addr inet NOT NULL, ipv4_dst_addr inet NOT NULL,
	l4_src_port integer NOT NULL, l4_dst_port integer NOT NULL, protocol integer NOT NULL,
	tcp_flags integer NOT NULL, tos integer NOT NULL,
	in_bytes bigint NOT NULL, in_pkts bigint NOT NULL, out_bytes bigint NOT NULL, out_pkts bigint NOT NULL,
	input_port integer NOT NULL, output_port integer NOT NULL, src_as bigint NOT NULL, dst_as bigint NOT NULL,
	ipv4_next_hop inet, vlan_in integer NOT NULL, vlan_out integer NOT NULL, sample_rate integer NOT NULL,
	src_flow_tags text NOT NULL, dst_flow_tags text NOT NULL,
	both_bytes bigint GENERATED ALWAYS AS (in_bytes + out_bytes) STORED,
	both_pkts bigint GENERATED ALWAYS AS (in_pkts + out_pkts) STORED);
SQL
log "postgres: COPY $(du -h "$scale_dir/flows.csv" | cut -f1) CSV"
start=$(now_s)
psql_bench -c "COPY flows (ctimestamp, i_device_id, i_device_name, ipv4_src_addr, ipv4_dst_addr, l4_src_port,
	l4_dst_port, protocol, tcp_flags, tos, in_bytes, in_pkts, out_bytes, out_pkts, input_port, output_port,
	src_as, dst_as, ipv4_next_hop, vlan_in, vlan_out, sample_rate, src_flow_tags, dst_flow_tags)
	FROM '$scale_dir/flows.csv' WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (src_flow_tags, dst_flow_tags))"
copy_s=$(seconds_since "$start")
start2=$(now_s)
psql_bench -c "CREATE INDEX flows_ctimestamp_brin ON flows USING brin (ctimestamp)"
index_s=$(seconds_since "$start2")
start3=$(now_s)
psql_bench -c "VACUUM ANALYZE flows"
vacuum_s=$(seconds_since "$start3")
load_s=$(seconds_since "$start")
rows=$(psql_bench -At -c "SELECT count(*) FROM flows")
[ "$rows" = "$KF_BENCH_FLOWS" ] || die "postgres has $rows rows, expected $KF_BENCH_FLOWS"
disk=$(psql_bench -At -c "SELECT pg_total_relation_size('flows')")
mkdir -p "$out_dir"
printf '{"engine":"postgres","load_s":%s,"load_detail":"COPY %s s + BRIN %s s + VACUUM ANALYZE %s s","rows":%s,"disk_bytes":%s}\n' \
	"$load_s" "$copy_s" "$index_s" "$vacuum_s" "$rows" "$disk" >"$out_dir/load_postgres.json"
log "postgres: $rows rows in $load_s s, $disk bytes on disk"
