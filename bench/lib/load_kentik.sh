#!/usr/bin/env bash
# load_kentik.sh -- load the data set into kentik_fdw: kflowd ingests the pcap into a fresh store, then the
# bench cluster gets the extension, a server on that store and the imported foreign tables (all_devices, ...).
#
# Load time is kflowd's whole run (decode, tag, encode, compress, fsync).  Writes out/load_kentik_fdw.json.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

store="$scale_dir/kentik_store"
rm -rf "$store"
log "kentik_fdw: kflowd --read-pcap ($(du -h "$scale_dir/flows.pcap" | cut -f1) pcap)"
start=$(now_s)
"$KF_BENCH_BUILD/kflowd" --data-dir "$store" --read-pcap "$scale_dir/flows.pcap" \
	--tags "$scale_dir/tags" --devices "$scale_dir/devices" >"$scale_dir/kflowd.log" 2>&1 ||
	{ tail -n 20 "$scale_dir/kflowd.log" >&2; die "kflowd failed"; }
load_s=$(seconds_since "$start")
# The PostgreSQL server runs as user postgres and reads the store directly.
chmod -R a+rX "$store"

psql_bench <<SQL
DROP SERVER IF EXISTS kentik_bench CASCADE;
CREATE EXTENSION IF NOT EXISTS kentik_fdw;
CREATE SERVER kentik_bench FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$store');
IMPORT FOREIGN SCHEMA kentik FROM SERVER kentik_bench INTO public;
SQL
rows=$(psql_bench -At -c "SELECT count(*) FROM all_devices")
[ "$rows" = "$KF_BENCH_FLOWS" ] || die "kentik_fdw sees $rows flows, expected $KF_BENCH_FLOWS"
disk=$(du -sb "$store" | cut -f1)
mkdir -p "$out_dir"
printf '{"engine":"kentik_fdw","load_s":%s,"load_detail":"kflowd --read-pcap %s s","rows":%s,"disk_bytes":%s}\n' \
	"$load_s" "$load_s" "$rows" "$disk" >"$out_dir/load_kentik_fdw.json"
log "kentik_fdw: $rows flows in $load_s s, $disk bytes on disk"
