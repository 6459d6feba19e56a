#!/bin/sh
# check_kflowd_operations.sh -- a listening kflowd as an operator runs it: templates survive a
# restart, the Prometheus endpoint reports exactly what was received, bad options are refused.
#
#  1. kflowd --metrics receives 3000 IPFIX flows from flowgen; the endpoint's counters equal them
#     exactly (flows, stored, no drops), a non-GET gets 405, the statistics line is logged, and
#     kflowd --stats prints the same counters.
#  2. SIGTERM leaves DIR/templates; a restarted kflowd logs how many templates it restored.
#  3. A damaged DIR/templates is reported and ignored: kflowd still starts and receives.
#  4. --receive-buffer / --stats-interval / --metrics with bad values exit 2 with a message;
#     kflowd --stats with nothing listening fails with a message, and with other options is a usage error.
#
# Prints PASS/FAIL lines; exits 1 if anything failed.  Needs build/kflowd, build/flowgen, python3.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${KF_BUILD:-$ROOT/build}
FAILED=0
TMP=$(mktemp -d)
KPID=
trap '[ -n "$KPID" ] && kill "$KPID" 2>/dev/null; rm -rf "$TMP"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILED=1; }

# free_port prints a TCP/UDP port nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# metric NAME prints the sum of a metric's samples from the endpoint.
metric() {
	python3 - "$MPORT" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
total = 0
for line in body.splitlines():
    name = line.split("{")[0].split(" ")[0]
    if name == sys.argv[2]:
        total += int(float(line.rsplit(" ", 1)[1]))
print(total)
PY
}

start_kflowd() {
	"$BUILD/kflowd" --data-dir "$TMP/store" --listen "127.0.0.1:$UPORT" --metrics "127.0.0.1:$MPORT" \
		--stats-interval 1 >"$TMP/$1.log" 2>&1 &
	KPID=$!
	for _ in $(seq 50); do grep -q "listening on" "$TMP/$1.log" && return 0; sleep 0.1; done
	return 1
}

stop_kflowd() { kill -TERM "$KPID"; wait "$KPID"; KPID=; }

UPORT=$(free_port)
MPORT=$(free_port)
if ! start_kflowd first; then
	fail "kflowd starts with --metrics" "$(tail -n 3 "$TMP/first.log")"
	exit 1
fi
"$BUILD/flowgen" --flows 3000 --proto 10 --seed 7 --send "127.0.0.1:$UPORT" >/dev/null 2>&1
sleep 3
flows=$(metric kflowd_flows_total)
stored=$(metric kflowd_flows_stored_total)
dropped=$(metric kflowd_flows_dropped_total)
[ "$flows" = 3000 ] && pass "metrics: 3000 flows decoded" || fail "metrics: flows decoded" "got $flows"
[ "$stored" = 3000 ] && pass "metrics: 3000 flows stored" || fail "metrics: flows stored" "got $stored"
[ "$dropped" = 0 ] && pass "metrics: no flow dropped" || fail "metrics: flows dropped" "got $dropped"
templates=$(metric kflowd_templates_cached)
[ "$templates" -gt 0 ] && pass "metrics: templates cached ($templates)" || fail "metrics: templates cached" "got $templates"
code=$(python3 -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/metrics" % sys.argv[1], data=b"x"), timeout=5)
    print(200)
except urllib.error.HTTPError as e:
    print(e.code)' "$MPORT")
[ "$code" = 405 ] && pass "metrics: POST gets 405" || fail "metrics: POST" "got $code"
grep -q "stats: .* packets/s" "$TMP/first.log" && pass "statistics line logged" || fail "statistics line" "none in the log"
if "$BUILD/kflowd" --stats "127.0.0.1:$MPORT" >"$TMP/stats.txt" 2>&1 &&
	grep -Eq '^all exporters +[0-9]+ +3000 ' "$TMP/stats.txt" && grep -q '^store: 3000 flows stored, 0 dropped' "$TMP/stats.txt"; then
	pass "kflowd --stats prints the running kflowd's counters"
else
	fail "kflowd --stats" "$(cat "$TMP/stats.txt")"
fi
stop_kflowd
[ -s "$TMP/store/templates" ] && pass "SIGTERM saves DIR/templates" || fail "templates saved" "no file"

start_kflowd second
restored=$(sed -n 's/.*restored \([0-9]*\) templates.*/\1/p' "$TMP/second.log")
[ "$restored" = "$templates" ] && pass "restart restores the $templates templates" ||
	fail "restart restores templates" "restored '$restored', had $templates"
stop_kflowd

printf 'garbage' >"$TMP/store/templates"
start_kflowd third
grep -q "templates not restored, waiting for exporters to send them again: .*not a kflowd template file" "$TMP/third.log" &&
	pass "a damaged template file is reported and ignored" || fail "damaged template file" "$(head -n 2 "$TMP/third.log")"
"$BUILD/flowgen" --flows 1500 --proto 10 --seed 8 --send "127.0.0.1:$UPORT" >/dev/null 2>&1
sleep 2
[ "$(metric kflowd_flows_stored_total)" = 1500 ] && pass "kflowd receives after ignoring it" || fail "receiving after a damaged file" "$(metric kflowd_flows_stored_total) stored"
stop_kflowd

for bad in "--receive-buffer 1K" "--receive-buffer lots" "--stats-interval 0" "--metrics 127.0.0.1"; do
	# shellcheck disable=SC2086
	"$BUILD/kflowd" --data-dir "$TMP/bad" --listen 127.0.0.1:0 $bad >"$TMP/bad.log" 2>&1
	status=$?
	if [ "$bad" = "--metrics 127.0.0.1" ]; then
		grep -q 'metrics address "127.0.0.1": expected ADDRESS:PORT' "$TMP/bad.log" && [ $status -eq 1 ] &&
			pass "bad option refused: $bad" || fail "bad option: $bad" "status $status: $(head -n 1 "$TMP/bad.log")"
	else
		[ $status -eq 2 ] && grep -q "bad value" "$TMP/bad.log" && pass "bad option refused: $bad" ||
			fail "bad option: $bad" "status $status: $(head -n 1 "$TMP/bad.log")"
	fi
done
"$BUILD/kflowd" --stats "127.0.0.1:$MPORT" >"$TMP/bad.log" 2>&1
status=$?
[ $status -eq 1 ] && grep -q "cannot connect" "$TMP/bad.log" && pass "kflowd --stats without a kflowd: clear error" ||
	fail "kflowd --stats without a kflowd" "status $status: $(head -n 1 "$TMP/bad.log")"
"$BUILD/kflowd" --stats "127.0.0.1:$MPORT" --data-dir "$TMP/bad" >"$TMP/bad.log" 2>&1
[ $? -eq 2 ] && pass "kflowd --stats with --data-dir: usage error" || fail "kflowd --stats with --data-dir" "not refused"
exit $FAILED
