# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this file
# common.sh -- settings and small helpers shared by the bench/ shell steps (sourced, not run).
#
# Every step reads its paths from the environment that run.sh exports, so a step can also be run by
# hand after `source bench/lib/common.sh` with the same KF_BENCH_* variables.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$bench_root/.." && pwd)

# Scratch data (CSV, pcap, every engine's files) lives outside the repository.
KF_BENCH_DIR=${KF_BENCH_DIR:-/var/tmp/kentik_bench}
KF_BENCH_FLOWS=${KF_BENCH_FLOWS:-10000000}
# Servers listen on loopback only; ports chosen away from the demo's and the tests' clusters.
KF_BENCH_PG_PORT=${KF_BENCH_PG_PORT:-55440}
KF_BENCH_CH_TCP_PORT=${KF_BENCH_CH_TCP_PORT:-59010}
KF_BENCH_CH_HTTP_PORT=${KF_BENCH_CH_HTTP_PORT:-58130}
# The data set ends at a fixed epoch so every run of a scale produces the same flows.
KF_BENCH_END=${KF_BENCH_END:-1700000000}
KF_BENCH_SPAN=${KF_BENCH_SPAN:-86400}
# Where kflowd and flowgen are taken from: this tree's build/, or a committed revision's (run.sh --commit).
KF_BENCH_BUILD=${KF_BENCH_BUILD:-$repo_root/build}

scale_dir="$KF_BENCH_DIR/flows-$KF_BENCH_FLOWS"
out_dir="$scale_dir/out"
pg_dir="$KF_BENCH_DIR/pg"
ch_dir="$KF_BENCH_DIR/clickhouse"

export KF_BENCH_DIR KF_BENCH_FLOWS KF_BENCH_PG_PORT KF_BENCH_CH_TCP_PORT KF_BENCH_CH_HTTP_PORT \
	KF_BENCH_END KF_BENCH_SPAN KF_BENCH_BUILD

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# now_s prints the wall clock in seconds with nanoseconds, for load timings.
now_s() { date +%s.%N; }

# seconds_since START prints the seconds elapsed since START (from now_s), to 0.01 s.
seconds_since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.2f", b - a }'; }

# psql_bench runs psql against the bench cluster as the superuser, stopping at the first error.
psql_bench() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$KF_BENCH_PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }

# clickhouse_bench runs clickhouse-client against the bench ClickHouse server.
clickhouse_bench() { clickhouse-client --host 127.0.0.1 --port "$KF_BENCH_CH_TCP_PORT" "$@"; }
