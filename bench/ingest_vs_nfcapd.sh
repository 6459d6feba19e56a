#!/usr/bin/env bash
# bench/ingest_vs_nfcapd.sh -- kflowd's UDP ingest next to nfdump's nfcapd, same packet stream, same run.
#
#   bench/ingest_vs_nfcapd.sh            ramp + 60 s at 1M flows/s + flat out, v9 and IPFIX (~9 min)
#   bench/ingest_vs_nfcapd.sh --quick    shorter ramp, 10 s sustained, v9 only (< 2 min)
#   options: --out FILE (default bench/results/<date>-ingest.md), --buffer BYTES (receive buffer of
#            both, default net.core.rmem_max so nfcapd, which cannot exceed it, gets the same),
#            --baseline KFLOWD (a third receiver: another kflowd build, e.g. before a change),
#            --nice N (receivers and sender at this niceness; with the kernel's autogroup scheduling,
#            Debian's default, this orders them only against each other, not against other sessions),
#            --output-dir DIR (where the receivers write, default the scratch dir; /dev/shm takes the
#            disk out of the comparison),
#            --no-build, --perf (perf record -g of kflowd during its flat-out v9 run)
#
# Each trial starts a fresh receiver pinned to core 0 (taskset -c 0) with an empty output directory,
# replays the capture with build/udp_replay pinned to core 1 at a fixed flow rate (or flat out), waits
# until the socket queue is empty, stops the receiver with SIGTERM (both store everything received)
# and counts what it stored: kflowd's exit summary ("N flows stored", every row written to its
# store), nfcapd's file through `nfdump -R DIR -I` ("Flows:").  Lost = sent - stored; the kernel's
# drop counter of the socket (ss "d") is reported beside it.  CPU seconds are the receiver's user +
# system time (GNU time), so flows per CPU second is each receiver's one-core throughput even when
# other work shares core 0.  Receivers alternate trial by trial so a burst of outside load hits all.
#
# Settings: the scratch data lives in $KF_BENCH_DIR/ingest (default /var/tmp/kentik_bench); the UDP
# port is $KF_BENCH_UDP_PORT (default KF_TEST_PORT + 20, else 9995); kflowd is build/kflowd.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMMAND="bench/ingest_vs_nfcapd.sh${*:+ $*}"
SCRATCH=${KF_BENCH_DIR:-/var/tmp/kentik_bench}/ingest
UDP_PORT=${KF_BENCH_UDP_PORT:-$(( ${KF_TEST_PORT:-9975} + 20 ))}
OUT=$ROOT/bench/results/$(date -u +%Y-%m-%d)-ingest.md
BUFFER=$(cat /proc/sys/net/core/rmem_max)
BUILD=1
PERF=0
QUICK=0
BASELINE=
NICE=0
OUTPUT_DIR=

while (( $# )); do
	case $1 in
		--quick) QUICK=1 ;;
		--out) OUT=$(realpath -m "$2"); shift ;;
		--buffer) BUFFER=$2; shift ;;
		--baseline) BASELINE=$(realpath "$2"); shift ;;
		--nice) NICE=$2; shift ;;
		--output-dir) OUTPUT_DIR=$(realpath -m "$2"); shift ;;
		--no-build) BUILD=0 ;;
		--perf) PERF=1 ;;
		-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
		*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if (( QUICK )); then
	RAMP_RATES="1000000 2000000 3000000"; RAMP_SECONDS=3
	SUSTAIN_SECONDS=10; FLAT_SECONDS=5; PROTOCOLS="v9"
else
	RAMP_RATES="500000 1000000 1500000 2000000 2500000 3000000 4000000"; RAMP_SECONDS=5
	SUSTAIN_SECONDS=60; FLAT_SECONDS=10; PROTOCOLS="v9 ipfix"
fi
SUSTAIN_RATE=1000000
KFLOWD=$ROOT/build/kflowd
REPLAY=$ROOT/build/udp_replay
RECEIVERS="kflowd nfcapd${BASELINE:+ baseline}"
TRIALS=$SCRATCH/trials.tsv

for tool in nfcapd nfdump taskset ss /usr/bin/time python3; do
	command -v "$tool" >/dev/null || { echo "missing $tool (Debian: nfdump, util-linux, iproute2, time)" >&2; exit 1; }
done
if (( BUILD )); then
	make -C "$ROOT" -s build/kflowd build/flowgen build/udp_replay
fi
OUTPUT_DIR=${OUTPUT_DIR:-$SCRATCH}
mkdir -p "$SCRATCH" "$OUTPUT_DIR"
: > "$TRIALS"

# The captures: 1M flows each from 4 routers, stamped within the current hour (as live routers
# send them) so kflowd writes the current hour and never compacts a finished one meanwhile.
now=$(date +%s)
span=$(( now % 3600 > 60 ? now % 3600 : 60 ))
for proto in $PROTOCOLS; do
	"$ROOT/build/flowgen" --flows 1000000 --seed 7 --proto "$([[ $proto == v9 ]] && echo 9 || echo 10)" \
		--devices 4 --ipv6-share 0 --end "$now" --span "$span" --pcap "$SCRATCH/$proto.pcap" --quiet
done

# A skmem field of the receiver's socket: rb (buffer), r (queued bytes), d (kernel drops).
socket_field() {
	ss -uamnH "sport = :$UDP_PORT" | grep -o "[(,]$1[0-9]*" | head -1 | tr -dc '0-9'
}

# Starts receiver $1 on core 0 writing into $2; sets RECEIVER_PID (the receiver) and TIME_PID.
start_receiver() {
	local kind=$1 dir=$2
	rm -rf "$dir"; mkdir -p "$dir"
	if [[ $kind == nfcapd ]]; then
		taskset -c 0 nice -n "$NICE" /usr/bin/time -f '%U %S' -o "$dir.cpu" nfcapd -w "$dir" -b 127.0.0.1 \
			-p "$UDP_PORT" -B "$BUFFER" -y -t 3600 >"$dir.log" 2>&1 &
	else
		taskset -c 0 nice -n "$NICE" /usr/bin/time -f '%U %S' -o "$dir.cpu" \
			"$([[ $kind == kflowd ]] && echo "$KFLOWD" || echo "$BASELINE")" --data-dir "$dir" \
			--listen "127.0.0.1:$UDP_PORT" --receive-buffer "$BUFFER" >"$dir.log" 2>&1 &
	fi
	TIME_PID=$!
	for _ in $(seq 100); do
		[[ -n $(socket_field rb) ]] && break
		sleep 0.05
	done
	RECEIVER_PID=$(pgrep -P "$TIME_PID")
}

# Waits until the receiver has read everything queued on its socket (at most 30 s).
wait_drained() {
	local empty=0
	for _ in $(seq 300); do
		if [[ $(socket_field r) == 0 ]]; then
			(( ++empty >= 3 )) && return 0
		else
			empty=0
		fi
		sleep 0.1
	done
}

# One trial: receiver $1, capture $2, rate $3 (0 = flat out), seconds $4, label $5.  Appends a line
# to $TRIALS and sets LOST.
trial() {
	local kind=$1 proto=$2 rate=$3 seconds=$4 label=$5
	local dir=$OUTPUT_DIR/out-$kind
	start_receiver "$kind" "$dir"
	local rb; rb=$(socket_field rb)
	local perf_pid=
	if (( PERF )) && [[ $kind == kflowd && $label == flat && $proto == v9 ]]; then
		perf record -g -o "$SCRATCH/kflowd.perf.data" -p "$RECEIVER_PID" >/dev/null 2>&1 &
		perf_pid=$!
	fi
	taskset -c 1 nice -n "$NICE" "$REPLAY" --to "127.0.0.1:$UDP_PORT" --rate "$rate" --seconds "$seconds" \
		"$SCRATCH/$proto.pcap" >"$SCRATCH/replay-$proto.txt"
	local replay_out; replay_out=$(tail -1 "$SCRATCH/replay-$proto.txt")
	wait_drained
	local drops; drops=$(socket_field d)
	[[ -n $perf_pid ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
	kill -TERM "$RECEIVER_PID"
	wait "$TIME_PID" || true
	local sent send_seconds stored cpu
	sent=$(sed -n 's/.*flows=\([0-9]*\).*/\1/p' <<<"$replay_out")
	send_seconds=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$replay_out")
	if [[ $kind == nfcapd ]]; then
		stored=$(nfdump -R "$dir" -I | sed -n 's/^Flows: \([0-9]*\)$/\1/p')
	else
		stored=$(sed -n 's/.*summary, store: \([0-9]*\) flows stored.*/\1/p' "$dir.log")
	fi
	cpu=$(awk '{printf "%.2f", $1 + $2}' "$dir.cpu")
	LOST=$(( sent - ${stored:-0} ))
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$proto" "$label" "$rate" "$send_seconds" \
		"$sent" "${stored:-0}" "$LOST" "${drops:-?}" "$cpu" "$rb" | tee -a "$TRIALS"
	rm -rf "$dir"
}

START_LOAD=$(uptime)
echo "receiver proto trial rate send_s sent stored lost kernel_drops cpu_s rcvbuf"
for proto in $PROTOCOLS; do
	# (a) the ramp, per receiver until its first loss
	declare -A lossy=()
	for rate in $RAMP_RATES; do
		for kind in $RECEIVERS; do
			[[ -n ${lossy[$kind]:-} ]] && continue
			trial "$kind" "$proto" "$rate" "$RAMP_SECONDS" ramp
			(( LOST > 0 )) && lossy[$kind]=1
		done
	done
	# (b) sustained, (c) flat out
	for kind in $RECEIVERS; do trial "$kind" "$proto" "$SUSTAIN_RATE" "$SUSTAIN_SECONDS" sustained; done
	for kind in $RECEIVERS; do trial "$kind" "$proto" 0 "$FLAT_SECONDS" flat; done
done
END_LOAD=$(uptime)

# ---------------------------------------------------------------- the report
REVISION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPU_MODEL=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
FLOWS_PER_PACKET=$(for p in $PROTOCOLS; do
	sed -n "1s/.*(\([0-9.]*\) flows\/packet).*/$p \1/p" "$SCRATCH/replay-$p.txt"; done | paste -sd, -)
OUTPUT_FS=$(df --output=fstype "$OUTPUT_DIR" | tail -1)
export START_LOAD END_LOAD BUFFER NICE COMMAND RECEIVERS REVISION CPU_MODEL FLOWS_PER_PACKET OUTPUT_DIR OUTPUT_FS
python3 - "$TRIALS" "$OUT" <<'PYTHON'
import os, sys
cols = "kind proto label rate secs sent stored lost drops cpu rb".split()
rows = [dict(zip(cols, l.rstrip("\n").split("\t"))) for l in open(sys.argv[1]) if l.strip()]
env = os.environ
kinds = env["RECEIVERS"].split()
others = [k for k in kinds if k != "kflowd"]
names = {"kflowd": "kflowd", "nfcapd": "nfcapd", "baseline": "kflowd before"}
def n(x): return f"{int(x):,}"
def per_s(r): return int(r["stored"]) / float(r["secs"])
def per_cpu(r): return int(r["stored"]) / max(float(r["cpu"]), 0.01)
def ratio(a, b): return f"{a / b:.2f}x" if b else "-"
out = ["# kflowd vs nfcapd: UDP ingest on one core\n",
       f"Revision `{env['REVISION']}` (plus the working tree), {env['CPU_MODEL']}, 2 cores shared with other "
       f"work; `{env['COMMAND']}`.",
       f"Load at start: `{env['START_LOAD'].strip()}`; at end: `{env['END_LOAD'].strip()}`.\n",
       "Receivers pinned to core 0 (`taskset -c 0`), one at a time, a fresh output directory each trial; the "
       "sender (`build/udp_replay`, sendmmsg from the 4 exporters' own 127.0.0.x addresses) on core 1"
       + (f"; receivers and sender at `nice -n {env['NICE']}`" if env["NICE"] != "0" else "") + ". "
       "Captures: `build/flowgen --flows 1000000 --seed 7 --devices 4 --ipv6-share 0 --proto 9|10`, looped "
       f"(flows/packet: {env['FLOWS_PER_PACKET']}). Receive buffer asked of both: {env['BUFFER']} bytes "
       "(rcvbuf = what the kernel granted, `ss` rb). kflowd: `kflowd --data-dir D --listen 127.0.0.1:P "
       "--receive-buffer B` (defaults: parts flushed every 2 s with fsync, compaction thread on). nfcapd 1.7.1: "
       "`nfcapd -w D -b 127.0.0.1 -p P -B B -y -t 3600` (LZ4 like kflowd's store; it does not fsync). "
       "Stored: kflowd's exit summary, `nfdump -R D -I` for nfcapd; lost = sent - stored; kernel drops: `ss` "
       "skmem d. CPU: user + system seconds of the receiver (GNU time), so flows per CPU second is its "
       "one-core throughput even when other work shares core 0. "
       f"Receivers write to `{env['OUTPUT_DIR']}` ({env['OUTPUT_FS']}).\n"]
for proto in dict.fromkeys(r["proto"] for r in rows):
    pr = [r for r in rows if r["proto"] == proto]
    def pick(kind, label): return next((r for r in pr if r["kind"] == kind and r["label"] == label), None)
    def noloss(kind):
        ramp = [r for r in pr if r["kind"] == kind and r["label"] == "ramp"]
        clean = [int(r["sent"]) / float(r["secs"]) for r in ramp if int(r["lost"]) == 0]
        top = max(clean) if clean else 0
        return (n(top) + ("+" if clean and len(clean) == len(ramp) else ""), top)
    def line(label, cells, numeric):
        ratios = [ratio(numeric["kflowd"], numeric[k]) if numeric else "" for k in others]
        out.append(f"| {label} | " + " | ".join(cells[k] for k in kinds) + " | " + " | ".join(ratios) + " |")
    out.append(f"## {'NetFlow v9' if proto == 'v9' else 'IPFIX'}\n")
    out.append("| | " + " | ".join(names[k] for k in kinds) + " | " +
               " | ".join(f"kflowd / {names[k]}" for k in others) + " |")
    out.append("|---|" + "---:|" * (len(kinds) + len(others)))
    v = {k: noloss(k) for k in kinds}
    line("ramp: highest rate the sender reached without loss, flows/s (+: no trial lost any)", {k: v[k][0] for k in kinds},
         {k: v[k][1] for k in kinds})
    sus = {k: pick(k, "sustained") for k in kinds}
    if all(sus.values()):
        s0 = sus["kflowd"]
        line(f"{n(s0['rate'])} flows/s for {float(s0['secs']):.0f} s: rate the sender reached, flows/s",
             {k: n(int(sus[k]['sent']) / float(sus[k]['secs'])) for k in kinds}, None)
        line(f"same run: flows lost",
             {k: f"{n(sus[k]['lost'])} of {n(sus[k]['sent'])} ({int(sus[k]['lost']) / int(sus[k]['sent']):.2%})"
              for k in kinds}, None)
        line("same run: flows stored per CPU second", {k: n(per_cpu(sus[k])) for k in kinds},
             {k: per_cpu(sus[k]) for k in kinds})
    flat = {k: pick(k, "flat") for k in kinds}
    if all(flat.values()):
        line("flat out: flows stored per second", {k: n(per_s(flat[k])) for k in kinds},
             {k: per_s(flat[k]) for k in kinds})
        line("flat out: share of core 0 the receiver got (CPU s / send s)",
             {k: f"{float(flat[k]['cpu']) / float(flat[k]['secs']):.0%}" for k in kinds}, None)
        line("flat out: flows stored per CPU second", {k: n(per_cpu(flat[k])) for k in kinds},
             {k: per_cpu(flat[k]) for k in kinds})
    out.append("\nEvery trial:\n")
    out.append("| receiver | trial | target flows/s | seconds | sent | stored | lost | kernel drops | CPU s | rcvbuf |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in pr:
        target = "flat out" if r["rate"] == "0" else n(r["rate"])
        out.append(f"| {names[r['kind']]} | {r['label']} | {target} | {float(r['secs']):.1f} | {n(r['sent'])} | "
                   f"{n(r['stored'])} | {n(r['lost'])} | {r['drops']} | {r['cpu']} | {r['rb']} |")
    out.append("")
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PYTHON
echo "report: $OUT"
