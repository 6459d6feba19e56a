#!/usr/bin/env bash
# generate.sh -- the bench data set: flowgen's CSV (for the peers), pcap (for kflowd), truth, tags, devices.
#
# One generator run writes every output, so all engines load exactly the same flows.  NetFlow v9 from 4
# devices over KF_BENCH_SPAN seconds ending at KF_BENCH_END, 3 planted reflectors.  IPv4 only
# (--ipv6-share 0) because the peers store addresses as 32-bit integers.  A finished data set is reused.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "$0")/common.sh"

mkdir -p "$scale_dir"
args=(--flows "$KF_BENCH_FLOWS" --seed 42 --end "$KF_BENCH_END" --span "$KF_BENCH_SPAN" --proto 9
	--devices 4 --reflectors 3 --ipv6-share 0)
stamp="$scale_dir/generated.args"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${args[*]}" ]; then
	log "data set $scale_dir already generated, reusing it"
	exit 0
fi
rm -f "$stamp"
log "generating $KF_BENCH_FLOWS flows into $scale_dir"
"$KF_BENCH_BUILD/flowgen" "${args[@]}" --quiet \
	--csv "$scale_dir/flows.csv" --pcap "$scale_dir/flows.pcap" --truth "$scale_dir/truth" \
	--tags-out "$scale_dir/tags" --devices-out "$scale_dir/devices"
# The PostgreSQL server (user postgres) reads the CSV itself with COPY.
chmod 755 "$KF_BENCH_DIR" "$scale_dir"
chmod 644 "$scale_dir"/flows.csv "$scale_dir"/flows.pcap
echo "${args[*]}" >"$stamp"
