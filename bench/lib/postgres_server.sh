#!/usr/bin/env bash
# postgres_server.sh -- start|stop the bench's PostgreSQL 15 cluster (kentik_fdw and the plain table share it).
#
# tools/pg_cluster.sh creates the cluster (socket only, small settings); ALTER SYSTEM then gives it the
# bench-sized settings and a TCP listener on 127.0.0.1 only, and a restart applies them.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

# apply_bench_settings writes the bench configuration into postgresql.auto.conf (idempotent).
apply_bench_settings() {
	psql -h "$pg_dir" -p "$KF_BENCH_PG_PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 <<'SQL'
ALTER SYSTEM SET listen_addresses = '127.0.0.1';
ALTER SYSTEM SET shared_buffers = '4GB';
ALTER SYSTEM SET work_mem = '256MB';
ALTER SYSTEM SET maintenance_work_mem = '1GB';
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET max_parallel_workers_per_gather = 2;
ALTER SYSTEM SET fsync = on;
SQL
}

case "${1:-}" in
start)
	fresh=no
	[ -f "$pg_dir/pgdata/PG_VERSION" ] || fresh=yes
	# A cluster left running by an interrupted run is restarted, so it runs with this run's settings.
	"$repo_root/tools/pg_cluster.sh" stop "$pg_dir"
	"$repo_root/tools/pg_cluster.sh" start "$pg_dir" "$KF_BENCH_PG_PORT"
	if [ "$fresh" = yes ] || ! grep -q "^listen_addresses = '127.0.0.1'" "$pg_dir/pgdata/postgresql.auto.conf"; then
		apply_bench_settings
		"$repo_root/tools/pg_cluster.sh" stop "$pg_dir"
		"$repo_root/tools/pg_cluster.sh" start "$pg_dir" "$KF_BENCH_PG_PORT"
	fi
	psql_bench -At -c "SELECT 'postgres ' || version()" | cut -c1-40 >&2
	;;
stop)
	"$repo_root/tools/pg_cluster.sh" stop "$pg_dir"
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
