#!/usr/bin/env bash
# demo.sh -- kentik_fdw end to end on a built-in default, from a fresh Debian 12 machine.
#
#   tools/demo.sh          install dependencies, build and install, start a private PostgreSQL cluster and
#                          kflowd, send generated NetFlow v5/v9/IPFIX traffic with a planted spam-reflection
#                          pattern, and run the three queries of Kentik's "Detecting Hidden Spambots" post
#                          verbatim through kentik_fdw; the cluster and kflowd keep running for you to query.
#   tools/demo.sh stop     stop what the demo started.
#
# Settings (environment): KF_DEMO_DIR (default /tmp/kentik_fdw_demo), KF_DEMO_PGPORT (55433),
# KF_DEMO_UDP_PORT (2055), KF_DEMO_FLOWS (300000).  Run as root: it installs packages and the extension.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
demo=${KF_DEMO_DIR:-/tmp/kentik_fdw_demo}
pgport=${KF_DEMO_PGPORT:-55433}
udpport=${KF_DEMO_UDP_PORT:-2055}
flows=${KF_DEMO_FLOWS:-300000}
psql=(psql -h "$demo/pg" -p "$pgport" -U postgres -X -v ON_ERROR_STOP=1 -d postgres)

stop_demo() {
	if [ -f "$demo/kflowd.pid" ]; then
		kill -TERM "$(cat "$demo/kflowd.pid")" 2>/dev/null || true
		rm -f "$demo/kflowd.pid"
	fi
	"$repo/tools/pg_cluster.sh" stop "$demo/pg" 2>/dev/null || true
}

if [ "${1:-}" = "stop" ]; then
	stop_demo
	echo "demo stopped (files remain in $demo)"
	exit 0
fi

echo "== installing dependencies, building and installing kentik_fdw and kflowd"
"$repo/tools/install_deps.sh"
make -C "$repo" -j2 >/dev/null
make -C "$repo" install >/dev/null

echo "== starting a private PostgreSQL cluster in $demo/pg (port $pgport)"
stop_demo
rm -rf "$demo"
mkdir -p "$demo"
chmod 755 "$demo"
"$repo/tools/pg_cluster.sh" start "$demo/pg" "$pgport"

echo "== generating $flows flows for 4 routers over the last hour, with 3 planted spam reflectors"
end=$(date +%s)
gen=(kflowd-flowgen --flows "$flows" --seed 1 --end "$end" --span 3600 --proto mixed --devices 4 --reflectors 3 --quiet)
"${gen[@]}" --tags-out "$demo/tags" --devices-out "$demo/devices" --truth "$demo/truth"
echo "   tags file:    $(tr '\n' ';' <"$demo/tags")"

echo "== starting kflowd on udp 127.0.0.1:$udpport, storing into $demo/data"
kflowd --data-dir "$demo/data" --listen "127.0.0.1:$udpport" --tags "$demo/tags" --devices "$demo/devices" \
	>"$demo/kflowd.log" 2>&1 &
echo $! >"$demo/kflowd.pid"
for _ in $(seq 1 100); do grep -q listening "$demo/kflowd.log" && break; sleep 0.1; done

echo "== sending the flows as NetFlow v5/v9/IPFIX export packets"
"${gen[@]}" --send "127.0.0.1:$udpport" --pps 50000

"${psql[@]}" -q <<SQL
CREATE EXTENSION kentik_fdw;
CREATE SERVER kde FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$demo/data');
SQL
for _ in $(seq 1 100); do [ -f "$demo/data/devices" ] && break; sleep 0.1; done
"${psql[@]}" -q -c "IMPORT FOREIGN SCHEMA kentik FROM SERVER kde INTO public"
for _ in $(seq 1 50); do
	seen=$("${psql[@]}" -At -c "SELECT count(*) FROM all_devices")
	[ "$seen" -ge "$flows" ] && break
	sleep 0.2
done
echo "   $seen flows visible through kentik_fdw"

# Runs the queries of tools/demo/spam_reflection_queries.sql exactly as written.
n=0
query=""
run_query() {
	n=$((n + 1))
	echo
	echo "== spam-reflection query $n (verbatim from the Kentik post)"
	echo "$query" | sed 's/^/   | /'
	printf '%s;\n' "$query" | "${psql[@]}" -P footer=on | tee "$demo/query$n.out"
}
while IFS= read -r line; do
	case "$line" in
	--@) run_query; query="" ;;
	--*) ;;
	*) query="${query:+$query
}$line" ;;
	esac
done <"$repo/tools/demo/spam_reflection_queries.sql"
run_query

planted=$(awk '$1 == "reflector" {print $2}' "$demo/truth" | sort)
found=$(printf '%s;\n' "$query" | "${psql[@]}" -At -F ' ' | awk '{print $1}' | sort)
echo
echo "== planted reflectors: $(echo $planted)"
echo "== query 3 found:      $(echo $found)"
if [ "$planted" = "$found" ]; then
	echo "== OK: the UNION query returned exactly the planted reflectors (decoys excluded)"
else
	echo "== MISMATCH between the planted reflectors and query 3" >&2
	exit 1
fi
echo
echo "kflowd and PostgreSQL keep running. Try:"
echo "   psql -h $demo/pg -p $pgport -U postgres -c 'EXPLAIN VERBOSE SELECT count(*) FROM all_devices WHERE ctimestamp > 600 AND protocol = 47'"
echo "Stop them with: $0 stop"
