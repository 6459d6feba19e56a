#!/usr/bin/env bash
# pg_cluster.sh -- a private, throwaway PostgreSQL 15 cluster for the demo and the tests.
#
#   tools/pg_cluster.sh start DIR PORT    initdb into DIR/pgdata (if new) and start on PORT, socket in DIR
#   tools/pg_cluster.sh stop DIR          stop it (fast shutdown)
#
# PostgreSQL refuses to run as root, so when called as root the server runs as the unprivileged
# `postgres` user (created by Debian's postgresql-15 package) and DIR is handed to that user.
# Connect with: psql -h DIR -p PORT -U postgres
set -euo pipefail

pg_bin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
# Debian's pg_config (from libpq-dev) may point at /usr/bin; the server tools live here.
[ -x "$pg_bin/initdb" ] || pg_bin=/usr/lib/postgresql/15/bin

as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2; }

case "$cmd" in
start)
	port=${3:?usage: $0 start DIR PORT}
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
		as_server_user "$pg_bin/initdb" -D "$dir/pgdata" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
		cat >>"$dir/pgdata/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
shared_buffers = 256MB
work_mem = 64MB
max_parallel_workers_per_gather = 2
fsync = off
log_min_messages = warning
CONF
	fi
	as_server_user "$pg_bin/pg_ctl" -D "$dir/pgdata" -l "$dir/server.log" -w -t 60 start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	;;
stop)
	if [ -f "$dir/pgdata/postmaster.pid" ]; then
		as_server_user "$pg_bin/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null || true
	fi
	;;
*)
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
	;;
esac
