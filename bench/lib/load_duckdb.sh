#!/usr/bin/env bash
# load_duckdb.sh -- load the data set into DuckDB (through bench/load_duckdb.js) and check the row count.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

mkdir -p "$scale_dir/duckdb" "$out_dir"
log "duckdb: CREATE TABLE AS read_csv"
node "$bench_root/load_duckdb.js" "$scale_dir/flows.csv" "$scale_dir/duckdb/flows.duckdb" "$out_dir/load_duckdb.json"
rows=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).rows)' "$out_dir/load_duckdb.json")
[ "$rows" = "$KF_BENCH_FLOWS" ] || die "duckdb has $rows rows, expected $KF_BENCH_FLOWS"
