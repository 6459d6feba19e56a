#!/usr/bin/env bash
# clickhouse_server.sh -- start|stop the bench's private ClickHouse server (Debian's clickhouse-server 18.16).
#
# Runs the server binary directly (not the system service) with bench/clickhouse/ as its configuration,
# listening on 127.0.0.1 only; its user_files directory is the current data set's, so file() can load the CSV.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

pid_file="$ch_dir/server.pid"

case "${1:-}" in
start)
	command -v clickhouse-server >/dev/null || die "clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)"
	mkdir -p "$ch_dir"/{log,data,tmp,format_schemas}
	sed -e "s|@CH_DIR@|$ch_dir|g" -e "s|@TCP_PORT@|$KF_BENCH_CH_TCP_PORT|g" \
		-e "s|@HTTP_PORT@|$KF_BENCH_CH_HTTP_PORT|g" -e "s|@USER_FILES@|$scale_dir|g" \
		"$bench_root/clickhouse/config.xml.in" >"$ch_dir/config.xml"
	cp "$bench_root/clickhouse/users.xml" "$ch_dir/users.xml"
	if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
		log "clickhouse already running (pid $(cat "$pid_file")); restarting it for this data set"
		"$0" stop
	fi
	clickhouse-server --config-file="$ch_dir/config.xml" >"$ch_dir/log/stdout.log" 2>&1 &
	echo $! >"$pid_file"
	for _ in $(seq 1 100); do
		clickhouse_bench -q "SELECT 1" >/dev/null 2>&1 && { log "clickhouse $(clickhouse_bench -q 'SELECT version()') up"; exit 0; }
		kill -0 "$(cat "$pid_file")" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 20 "$ch_dir"/log/*.log >&2 || true
	die "clickhouse did not start"
	;;
stop)
	if [ -f "$pid_file" ]; then
		pid=$(cat "$pid_file")
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		rm -f "$pid_file"
	fi
	;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
