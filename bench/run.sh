#!/usr/bin/env bash
# run.sh -- the one command of the benchmark: generate a data set, load it into kentik_fdw (through kflowd),
# a PostgreSQL 15 table, ClickHouse and DuckDB, run the same queries on all side by side, check the answers
# agree, and write bench/results/<date>-<scale>.md.  See bench/README.md.
#
#   bench/run.sh                 10M flows (the quick default)
#   bench/run.sh --100m          100M flows (the issue's target; ~50 GB of scratch disk)
#   bench/run.sh --flows N       any scale
#   bench/run.sh --check         200k flows, 1 timed run, report kept in the scratch dir: proves the harness
# Options: --runs N (timed runs per query, default 5), --no-build (use the current build/ and installed
# extension), --commit REV (benchmark a committed revision: `git archive` it into the scratch dir, build and
# install that instead of the working tree), --clean (delete the data set afterwards), --load-only (stop
# after loading: prepare a big data set ahead of time), --reuse-loads (keep the peers' tables when they
# hold this very data set; kentik_fdw is always reloaded, since its store depends on the kflowd measured).
# Scratch data: $KF_BENCH_DIR (/var/tmp/kentik_bench).
# Run as root (it installs packages, the extension, and runs PostgreSQL as user postgres).
set -euo pipefail

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

flows=10000000
runs=5
check=no
build=yes
clean=no
commit=
load_only=no
reuse_loads=no
while [ $# -gt 0 ]; do
	case "$1" in
	--flows) flows=${2:?}; shift ;;
	--100m) flows=100000000 ;;
	--check) check=yes; flows=200000; runs=1 ;;
	--runs) runs=${2:?}; shift ;;
	--no-build) build=no ;;
	--commit) commit=${2:?}; shift ;;
	--clean) clean=yes ;;
	--load-only) load_only=yes ;;
	--reuse-loads) reuse_loads=yes ;;
	-h | --help) usage ;;
	*) echo "unknown option $1" >&2; usage ;;
	esac
	shift
done
export KF_BENCH_FLOWS=$flows KF_BENCH_RUNS=$runs
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/lib/common.sh"
source_tree=$repo_root
if [ -n "$commit" ]; then
	revision=$(git -C "$repo_root" rev-parse --verify --short "$commit^{commit}") || die "no commit $commit"
	source_tree="$KF_BENCH_DIR/src-$revision"
	export KF_BENCH_BUILD="$source_tree/build"
fi
lib="$bench_root/lib"

# install_missing_tools gets ClickHouse from Debian and the npm packages from the lock file when absent.
install_missing_tools() {
	if ! command -v clickhouse-server >/dev/null || ! command -v clickhouse-client >/dev/null; then
		log "installing clickhouse-server and clickhouse-client (Debian)"
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
	fi
	if [ ! -d "$bench_root/node_modules/@duckdb/node-api" ] || [ ! -d "$bench_root/node_modules/pg" ]; then
		log "installing the npm packages of bench/package-lock.json"
		# Not `npm ci`: the lock lists only the DuckDB bindings of the platforms npm resolved here, which
		# `npm ci` rejects as out of sync; `install --no-save` follows the lock and never rewrites it.
		(cd "$bench_root" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null)
	fi
}

# environment_notes prints the Markdown lines describing machine, versions and data set for the report.
environment_notes() {
	local duckdb_version
	duckdb_version=$(node -p 'require("@duckdb/node-api/package.json").version' 2>/dev/null || echo '?')
	cat <<NOTES
- Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average at start: $load_at_start, at end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared; see the min/max in the JSON).
- kentik_fdw: $(if [ -n "$commit" ]; then echo "commit $revision (built from \`git archive\`)"; else echo "the working tree at commit $(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo '?')"; fi); pushdown on (default) unless marked.
- Peers: $(psql_bench -At -c 'SHOW server_version' | cut -d' ' -f1) (shared_buffers 4GB, work_mem 256MB, 2 parallel workers, jit default), ClickHouse $(clickhouse_bench -q 'SELECT version()') (max_threads 2), DuckDB $duckdb_version (threads 2); Node $(node --version).
- Data: \`build/flowgen $(cat "$scale_dir/generated.args")\` (NetFlow v9, 4 devices, 24 h ending at $KF_BENCH_END, 3 planted reflectors).
NOTES
}

stop_servers() {
	"$lib/clickhouse_server.sh" stop || true
	"$lib/postgres_server.sh" stop || true
}

install_missing_tools
if [ -n "$commit" ] && [ ! -f "$source_tree/Makefile" ]; then
	log "exporting commit $revision into $source_tree"
	mkdir -p "$source_tree"
	git -C "$repo_root" archive "$revision" | tar -x -C "$source_tree"
fi
if [ "$build" = yes ]; then
	log "building and installing kentik_fdw, kflowd and flowgen from $source_tree"
	make -C "$source_tree" -j2 all >/dev/null
	make -C "$source_tree" install >/dev/null
fi
# The runner checks that the servers' backends map exactly this file (see engines.js).
KF_BENCH_KENTIK_SO_INODE=$(stat -c %i "$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/kentik_fdw.so")
export KF_BENCH_KENTIK_SO_INODE
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
"$lib/generate.sh"

trap stop_servers EXIT
trap 'exit 130' INT TERM
"$lib/postgres_server.sh" start
"$lib/clickhouse_server.sh" start
"$lib/load_kentik.sh"
# A peer's load is kept only when its marker (written after a complete load) names this data set; the
# PostgreSQL and ClickHouse servers are shared by every scale, so a marker lives beside their data.
data_set_id="$scale_dir $(cat "$scale_dir/generated.args")"
load_peer() {
	local name=$1 marker=$2
	if [ "$reuse_loads" = yes ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$data_set_id" ] &&
		[ -f "$out_dir/load_$name.json" ]; then
		log "$name: keeping the loaded tables of this data set (--reuse-loads)"
		return
	fi
	rm -f "$marker"
	"$lib/load_$name.sh"
	echo "$data_set_id" >"$marker"
}
load_peer postgres "$pg_dir/loaded-data-set"
load_peer clickhouse "$ch_dir/loaded-data-set"
load_peer duckdb "$scale_dir/duckdb/loaded-data-set"
if [ "$load_only" = yes ]; then
	log "loaded (--load-only): run again with --reuse-loads to measure"
	exit 0
fi

log "running the queries: 1 warm-up + $runs timed runs each"
results="$out_dir/results.json"
KF_BENCH_DUCKDB="$scale_dir/duckdb/flows.duckdb" node "$bench_root/runner.js" "$results"
answers=ok
node "$bench_root/compare.js" "$results" "$scale_dir/truth" || answers=mismatch

case $flows in
*000000) scale="$((flows / 1000000))m" ;;
*000) scale="$((flows / 1000))k" ;;
*) scale="$flows" ;;
esac
if [ "$check" = yes ]; then
	report="$out_dir/check-$scale.md"
else
	report="$bench_root/results/$(date -u +%Y-%m-%d)-$scale.md"
fi
KF_BENCH_ENV_NOTES=$(environment_notes) node "$bench_root/report.js" "$results" "$out_dir" "$report"
stop_servers
trap - EXIT
[ "$clean" = yes ] && rm -rf "$scale_dir" && log "removed the data set $scale_dir"

if [ "$answers" != ok ]; then
	log "FAILED: some engines' answers differ (see $report)"
	exit 1
fi
log "done: $report"
