#!/usr/bin/env bash
# fast_vs_full.sh -- one command: the same 30-day queries from the Full and from the Fast dataseries,
# side by side, with a check that the per-hour totals agree exactly.
#
#   bench/fast_vs_full.sh [--flows N] [--runs N] [--rows-per-hour N] [--no-build] [--reuse-store] [--clean]
#
# 1. builds kflowd, flowgen and the engine library (skip with --no-build);
# 2. generates N flows (default 30,000,000) from 4 devices spread over exactly 720 hours (30 days
#    ending at 1699999199) with build/flowgen, unless that data set already exists;
# 3. ingests them with `kflowd --read-pcap ... --build-fast` into a fresh store (Full, then Fast),
#    or, with --reuse-store, keeps the Full data of an earlier run with the same --flows and only
#    rebuilds Fast (`kflowd --build-fast`, e.g. to compare --rows-per-hour values);
# 4. times three 30-day queries through the engine (bench/fast_vs_full_query.c) from Full and from
#    Fast: 1 warm-up and --runs timed runs each, median, rows read;
# 5. compares the per-hour, per-protocol sums of every counter from both (must be identical) and
#    writes bench/results/<date>-fast-vs-full-<N>m-r<R>.md.
#
# The engine is called directly because the FDW's dataseries choice (i_fast_dataset) is still being
# built; through SQL both sides would pay the same planning and libpq cost on top.
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
while [ $# -gt 0 ]; do
	case "$1" in
		--flows) flows=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--rows-per-hour) rows_per_hour=$2; shift 2 ;;
		--no-build) build=0; shift ;;
		--reuse-store) reuse=1; shift ;;
		--clean) clean=1; shift ;;
		*) echo "usage: $0 [--flows N] [--runs N] [--rows-per-hour N] [--no-build] [--reuse-store] [--clean]" >&2
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
chmod -R a+rX "$scratch"

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
	echo
	echo "Exactness: the per-hour, per-protocol sums of in/out bytes and packets from Full and Fast are $exact."
	echo "Top destination ports: $same_top_ports of Full's top $top_of are also in Fast's top $top_of."
} >"$result"
cat "$result"
log "wrote $result"
