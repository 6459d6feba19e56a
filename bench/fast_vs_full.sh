#!/usr/bin/env bash
# fast_vs_full.sh -- one command: the same 30-day queries from the Full and from the Fast dataseries,
# side by side, with a check that the per-hour totals agree exactly.
#
#   bench/fast_vs_full.sh [--flows N] [--runs N] [--rows-per-hour N] [--no-build] [--reuse-store] [--no-sql] [--clean]
#
# 1. builds kflowd, flowgen and the engine library (skip with --no-build);
# 2. generates N flows (default 30,000,000) from 4 devices spread over exactly 720 hours (30 days
#    ending at 1699999199) with build/flowgen, unless that data set already exists;
# 3. ingests them with `kflowd --read-pcap ... --build-fast` into a fresh store (Full, then Fast),
#    or, with --reuse-store, keeps the Full data of an earlier run with the same --flows and only
#    rebuilds Fast (`kflowd --build-fast`, e.g. to compare --rows-per-hour values);
# 4. times three 30-day queries through the engine (bench/fast_vs_full_query.c) from Full and from
#    Fast: 1 warm-up and --runs timed runs each, median, rows read;
# 5. compares the per-hour, per-protocol sums of every counter from both (must be identical);
# 6. unless --no-sql: installs the extension (make install, as root), starts a private cluster in the
#    scratch directory and times the same three queries through SQL, as an operator runs them, with
#    `i_fast_dataset = false` / `= true` (psql \timing, 1 warm-up and --runs runs alternating, median),
#    and checks that the per-hour, per-protocol sums agree there too;
# 7. writes bench/results/<date>-fast-vs-full-<N>m-r<R>.md.
#
# Scratch data lives in $KF_BENCH_DIR (default /var/tmp/kentik_bench)/fast-vs-full-<N>, never in the
# repository; --clean deletes it at the end.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

flows=30000000
runs=5
rows_per_hour=
build=1
reuse=0
clean=0
sql=1
while [ $# -gt 0 ]; do
	case "$1" in
		--flows) flows=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--rows-per-hour) rows_per_hour=$2; shift 2 ;;
		--no-build) build=0; shift ;;
		--reuse-store) reuse=1; shift ;;
		--no-sql) sql=0; shift ;;
		--clean) clean=1; shift ;;
		*) echo "usage: $0 [--flows N] [--runs N] [--rows-per-hour N] [--no-build] [--reuse-store] [--no-sql] [--clean]" >&2
			exit 2 ;;
	esac
done

end=1699999199					# the last second of an hour: the 30 days are exactly 720 whole hours
span=2592000
first=$((end - span + 1))
scratch=${KF_BENCH_DIR:-/var/tmp/kentik_bench}/fast-vs-full-$flows
store=$scratch/store
out=$scratch/out
mkdir -p "$scratch" "$out"
chmod 755 "$scratch"

log() { echo "[$(date +%H:%M:%S)] $*"; }
seconds_since() { echo "scale=1; ($(date +%s%N) - $1) / 1000000000" | bc; }

cleanup() {
	if [ "$sql" -eq 1 ]; then tools/pg_cluster.sh stop "$scratch/pg" >/dev/null 2>&1 || true; fi
	if [ "$clean" -eq 1 ]; then rm -rf "$scratch"; fi
}
trap cleanup EXIT

if [ "$build" -eq 1 ]; then
	log "build kflowd, flowgen and the engine library"
	make -j2 build/kflowd build/flowgen build/libkfengine.a >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log"; exit 1; }
fi

gen=(build/flowgen --flows "$flows" --seed 42 --end "$end" --span "$span" --devices 4 --quiet)
# With --reuse-store the capture is not needed again (it may have been deleted to save disk).
reusable=0
[ "$reuse" -eq 1 ] && [ -f "$out/ingest_seconds" ] && [ -d "$store/data" ] && reusable=1
if [ ! -f "$scratch/flows.pcap" ] && [ "$reusable" -eq 0 ]; then
	log "generate $flows flows: ${gen[*]}"
	t=$(date +%s%N)
	"${gen[@]}" --pcap "$scratch/flows.pcap.tmp" --truth "$scratch/truth" --tags-out "$scratch/tags" \
		--devices-out "$scratch/devices"
	mv "$scratch/flows.pcap.tmp" "$scratch/flows.pcap"
	echo "generate_seconds $(seconds_since "$t")" >"$out/generate.txt"
fi

fast_log=$out/kflowd.log
if [ "$reusable" -eq 1 ]; then
	log "reuse the Full data of the last run; rebuild Fast${rows_per_hour:+ with --fast-rows-per-hour $rows_per_hour}"
	rm -rf "$store/fast"
	fast_log=$out/kflowd_fast.log
	t=$(date +%s%N)
	build/kflowd --data-dir "$store" --build-fast ${rows_per_hour:+--fast-rows-per-hour "$rows_per_hour"} \
		>"$fast_log" 2>&1 || { tail -n 20 "$fast_log"; exit 1; }
	ingest_note="Full ingested by an earlier run of this script in $(cat "$out/ingest_seconds") s (\`kflowd --read-pcap ... --build-fast\`); Fast rebuilt with \`kflowd --build-fast${rows_per_hour:+ --fast-rows-per-hour $rows_per_hour}\` in $(seconds_since "$t") s"
else
	log "ingest with kflowd --read-pcap --build-fast${rows_per_hour:+ --fast-rows-per-hour $rows_per_hour}"
	rm -rf "$store" "$out/ingest_seconds"
	t=$(date +%s%N)
	build/kflowd --data-dir "$store" --read-pcap "$scratch/flows.pcap" --tags "$scratch/tags" \
		--devices "$scratch/devices" --build-fast ${rows_per_hour:+--fast-rows-per-hour "$rows_per_hour"} \
		>"$out/kflowd.log" 2>&1 || { tail -n 20 "$out/kflowd.log"; exit 1; }
	seconds_since "$t" >"$out/ingest_seconds"
	ingest_note="\`kflowd --read-pcap ... --build-fast${rows_per_hour:+ --fast-rows-per-hour $rows_per_hour}\` (Full, then Fast) in $(cat "$out/ingest_seconds") s"
fi
fast_build_line=$(grep 'summary, fast dataseries' "$fast_log")
rows_bound=${rows_per_hour:-$(build/kflowd --help | sed -n 's/.*--fast-rows-per-hour N.*(default \([0-9]*\).*/\1/p')}
log "$fast_build_line"
chmod -R a+rX "$store"	# not the cluster in $scratch/pg: PostgreSQL wants its data directory private

bytes_of() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}'; }
parts_of() { find "$1" -name '*.kfp' | wc -l; }
full_bytes=$(bytes_of "$store/data")
fast_bytes=$(bytes_of "$store/fast")
full_parts=$(parts_of "$store/data")
fast_parts=$(parts_of "$store/fast")

log "build the query driver"
cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -o "$out/fast_vs_full_query" bench/fast_vs_full_query.c \
	build/libkfengine.a -llz4 -lpthread -lm
log "time the queries: 1 warm-up + $runs runs each, alternating Full and Fast"
"$out/fast_vs_full_query" "$store" "$first" "$end" "$runs" | tee "$out/queries.txt"

declare -A what ms_full ms_fast rows_full rows_fast
ids=(top_dst_ports bytes_per_hour_protocol top_src_addrs)
what[top_dst_ports]="top 20 destination ports by in + out bytes"
what[bytes_per_hour_protocol]="in/out bytes and packets per hour and protocol (720 h)"
what[top_src_addrs]="top 20 IPv4 sources by in + out bytes"
# The same three queries through SQL: the window as absolute epoch seconds (docs/dialect.md), the
# dataseries forced by i_fast_dataset, so both sides pay the same planning and client cost.
declare -A sql_text sql_full sql_fast
sql_text[top_dst_ports]="SELECT l4_dst_port, sum(both_bytes) AS f_sum_both_bytes FROM all_devices WHERE ctimestamp >= $first AND ctimestamp <= $end AND %s GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
sql_text[bytes_per_hour_protocol]="SELECT ctimestamp::bigint / 3600 * 3600 AS hour, protocol, sum(in_bytes), sum(out_bytes), sum(in_pkts), sum(out_pkts) FROM all_devices WHERE ctimestamp >= $first AND ctimestamp <= $end AND %s GROUP BY 1, 2 ORDER BY 1, 2"
sql_text[top_src_addrs]="SELECT ipv4_src_addr, sum(both_bytes) AS f_sum_both_bytes FROM all_devices WHERE ctimestamp >= $first AND ctimestamp <= $end AND %s GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
sql_exact="through SQL: not run (--no-sql)"
# median of the numbers on stdin
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
if [ "$sql" -eq 1 ]; then
	port=${KF_FVF_PG_PORT:-54698}
	pg=$scratch/pg
	log "install the extension and start a private cluster on port $port"
	make install >"$out/install.log" 2>&1 || { tail -n 30 "$out/install.log"; exit 1; }
	tools/pg_cluster.sh stop "$pg" >/dev/null 2>&1 || true
	tools/pg_cluster.sh start "$pg" "$port" >"$out/pg_start.log" 2>&1 || { cat "$out/pg_start.log"; exit 1; }
	psql_fvf() { psql -h "$pg" -p "$port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
	psql_fvf <<SQL
DROP EXTENSION IF EXISTS kentik_fdw CASCADE;
CREATE EXTENSION kentik_fdw;
CREATE SERVER fvf FOREIGN DATA WRAPPER kentik_fdw OPTIONS (data_dir '$store');
IMPORT FOREIGN SCHEMA kentik FROM SERVER fvf INTO public;
SQL
	for id in "${ids[@]}"; do
		script=$out/sql_$id.sql
		{
			echo '\o /dev/null'
			echo '\timing on'
			for _ in $(seq 0 "$runs"); do
				# shellcheck disable=SC2059
				printf "${sql_text[$id]};\n" "i_fast_dataset = false"
				# shellcheck disable=SC2059
				printf "${sql_text[$id]};\n" "i_fast_dataset = true"
			done
		} >"$script"
		psql_fvf -f "$script" >"$out/sql_$id.out"
		# Time lines alternate Full, Fast; the first pair is the warm-up.
		sql_full[$id]=$(grep '^Time: ' "$out/sql_$id.out" | awk 'NR > 2 && NR % 2 == 1 {print $2}' | median)
		sql_fast[$id]=$(grep '^Time: ' "$out/sql_$id.out" | awk 'NR > 2 && NR % 2 == 0 {print $2}' | median)
		log "SQL $id: Full ${sql_full[$id]} ms, Fast ${sql_fast[$id]} ms"
	done
	# shellcheck disable=SC2059
	hourly_full=$(printf "${sql_text[bytes_per_hour_protocol]}" "i_fast_dataset = false")
	# shellcheck disable=SC2059
	hourly_fast=$(printf "${sql_text[bytes_per_hour_protocol]}" "i_fast_dataset = true")
	differing=$(psql_fvf -At -c "SELECT count(*) FROM (($hourly_full) EXCEPT ($hourly_fast)) d")
	groups=$(psql_fvf -At -c "SELECT count(*) FROM ($hourly_full) g")
	if [ "$differing" = 0 ] && [ "$groups" -gt 0 ]; then
		sql_exact="through SQL: identical too ($groups (hour, protocol) rows, every counter)"
	else
		sql_exact="through SQL: DIFFERENT ($differing of $groups rows): a bug"
	fi
	# shellcheck disable=SC2059
	psql_fvf -c "EXPLAIN (COSTS OFF) $(printf "${sql_text[top_dst_ports]}" "i_fast_dataset = true")" \
		>"$out/sql_explain_fast.txt"
	tools/pg_cluster.sh stop "$pg" >/dev/null 2>&1 || true
fi

while read -r _ id series _ ms _ rows _; do
	if [ "$series" = full ]; then ms_full[$id]=$ms rows_full[$id]=$rows; else ms_fast[$id]=$ms rows_fast[$id]=$rows; fi
done < <(grep '^query ' "$out/queries.txt")
read -r _ hourly_state hourly_rows < <(grep '^hourly_check ' "$out/queries.txt")
read -r _ same_top_ports _ top_of < <(grep '^top_dst_ports_overlap ' "$out/queries.txt")
if [ "$hourly_state" = identical ]; then
	exact="identical: $hourly_rows (hour, protocol) groups over 720 hours, every counter"
else
	exact="DIFFERENT ($hourly_rows groups from Full): a bug"
fi

ratio() { echo "scale=1; $1 / $2" | bc; }
result=bench/results/$(date -u +%Y-%m-%d)-fast-vs-full-$((flows / 1000000))m-r$rows_bound.md
full_rows=$(echo "$fast_build_line" | sed -n 's/.*, \([0-9]*\) Full rows -> \([0-9]*\) Fast rows.*/\1/p')
fast_rows=$(echo "$fast_build_line" | sed -n 's/.*, \([0-9]*\) Full rows -> \([0-9]*\) Fast rows.*/\2/p')
{
	echo "# Fast vs Full dataseries: 30-day queries, $(printf "%'d" "$flows") flows, Fast bound $rows_bound rows per device-hour"
	echo
	echo "Produced by \`bench/fast_vs_full.sh --flows $flows --runs $runs${rows_per_hour:+ --rows-per-hour $rows_per_hour}$([ "$reuse" -eq 1 ] && echo " --reuse-store")\` on $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "(see bench/README.md). Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, shared with other engineers' builds"
	echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))."
	echo
	echo "- Data: \`${gen[*]}\` (4 devices, 720 whole hours)."
	echo "- Fast bound: $rows_bound rows per device-hour. Ingest: $ingest_note."
	echo "- $fast_build_line"
	echo "- Queries: the engine directly (\`bench/fast_vs_full_query.c\`, engine/aggregate.h on 2 threads, the same"
	echo "  kf_agg_spec with \`dataseries\` FULL or FAST), window \`ctimestamp BETWEEN $first AND $end\` (30 days);"
	echo "  wall clock from kf_agg_begin to the last result row, 1 warm-up + $runs timed runs alternating Full and"
	echo "  Fast, **median in ms**."
	echo
	echo "| | Full | Fast | Full / Fast |"
	echo "|---|---|---|---|"
	echo "| rows | $full_rows | $fast_rows | $(ratio "$full_rows" "$fast_rows")x |"
	echo "| bytes on disk (all files) | $full_bytes | $fast_bytes | $(ratio "$full_bytes" "$fast_bytes")x |"
	echo "| part files (\`*.kfp\`, incl. merged-away ones in their grace period) | $full_parts | $fast_parts | |"
	echo
	echo "| query | what | Full ms | Fast ms | **Full / Fast** | rows read Full | rows read Fast |"
	echo "|---|---|---|---|---|---|---|"
	for id in "${ids[@]}"; do
		echo "| \`$id\` | ${what[$id]} | ${ms_full[$id]} | ${ms_fast[$id]} | **$(ratio "${ms_full[$id]}" "${ms_fast[$id]}")x** | ${rows_full[$id]} | ${rows_fast[$id]} |"
	done
	if [ "$sql" -eq 1 ]; then
		echo
		echo "Through SQL (a private PostgreSQL $(psql --version | awk '{print $3}') cluster, default settings, \`IMPORT FOREIGN SCHEMA\`;"
		echo "psql \`\\timing\`, 1 warm-up + $runs runs alternating \`i_fast_dataset = false\` and \`= true\`, **median in ms**;"
		echo "the statements are \`$out/sql_*.sql\`):"
		echo
		echo "| query | Full ms | Fast ms | **Full / Fast** |"
		echo "|---|---|---|---|"
		for id in "${ids[@]}"; do
			echo "| \`$id\` | ${sql_full[$id]} | ${sql_fast[$id]} | **$(ratio "${sql_full[$id]}" "${sql_fast[$id]}")x** |"
		done
	fi
	echo
	echo "Exactness: the per-hour, per-protocol sums of in/out bytes and packets from Full and Fast are $exact;"
	echo "$sql_exact."
	echo "Top destination ports: $same_top_ports of Full's top $top_of are also in Fast's top $top_of."
} >"$result"
cat "$result"
log "wrote $result"
