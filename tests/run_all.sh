#!/usr/bin/env bash
# run_all.sh -- runs every test of kentik_fdw and ends with "N passed, N failed".
#
# Stages (each check counts once):
#   1. build and install (extension + kflowd), warnings are errors
#   2. C unit tests (tests/unit), built with AddressSanitizer + UBSan
#   3. fuzz smoke: every tests/fuzz harness for KF_FUZZ_SECONDS (default 20) with libFuzzer
#   4. end-to-end checks that need no database (tests/e2e/check_*.sh)
#   5. a throwaway PostgreSQL cluster: pg_regress (sql/, expected/) over the fixture made by kflowd
#      from tests/data/fixture/flows.pcap (and, for the interface counters, from two sFlow
#      captures), then the end-to-end scripts tests/e2e/db_*.sh
#
# Run as root on a fresh Debian 12 machine: it installs what it needs (tools/install_deps.sh),
# and runs the server as the unprivileged postgres user.  Exit status 0 only when nothing failed.
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

fuzz_seconds=${KF_FUZZ_SECONDS:-20}
port=${KF_TEST_PORT:-54329}
passed=0
failed=0
failed_names=()

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); failed_names+=("$1"); echo "FAIL $1${2:+: $2}"; }

# Counts PASS/FAIL lines of a test program's output; a program that failed without saying
# so (crash, sanitizer report) counts as one more failure.
count_output() {
	local name=$1 log=$2 status=$3 p f
	p=$(grep -c '^PASS ' "$log" || true)
	f=$(grep -c '^FAIL ' "$log" || true)
	passed=$((passed + p))
	failed=$((failed + f))
	grep '^FAIL ' "$log" | sed "s/^/  [$name] /"
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail "$name" "exited with status $status without a FAIL line; last output:"
		tail -n 30 "$log" | sed 's/^/    /'
	fi
	echo "  $name: $p passed, $f failed"
}

summary() {
	echo
	if [ ${#failed_names[@]} -gt 0 ]; then
		echo "failed: ${failed_names[*]}"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

work=$(mktemp -d /tmp/kentik_fdw_tests.XXXXXX)
chmod 755 "$work"
cleanup() {
	tools/pg_cluster.sh stop "$work/pg" >/dev/null 2>&1
	if [ -z "${KF_KEEP_TEST_DIR:-}" ]; then rm -rf "$work"; else echo "test files kept in $work"; fi
}
trap cleanup EXIT

echo "== 1. dependencies, build, install"
if tools/install_deps.sh; then pass "dependencies"; else fail "dependencies"; summary; fi
if make -j2 >"$work/build.log" 2>&1 && make install >>"$work/build.log" 2>&1; then
	pass "build and install"
else
	tail -n 40 "$work/build.log"
	fail "build and install"
	summary
fi

echo "== 2. unit tests (ASan + UBSan)"
asan_flags="-std=c11 -O1 -g -fPIC -Wall -Wextra -Werror -Wmissing-prototypes -Wvla -D_GNU_SOURCE -I. -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if make -j2 BUILD=build-asan KF_CFLAGS="$asan_flags" test >"$work/build-asan.log" 2>&1; then
	pass "sanitizer build"
	for t in build-asan/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			timeout 600 "$t" >"$work/$name.log" 2>&1
		count_output "$name" "$work/$name.log" $?
	done
else
	tail -n 40 "$work/build-asan.log"
	fail "sanitizer build"
fi

echo "== 3. fuzz smoke (${fuzz_seconds}s per harness)"
fuzz_sources=$(ls store/*.c engine/*.c 2>/dev/null; ls collector/*.c 2>/dev/null | grep -v kflowd_main.c)
for h in tests/fuzz/fuzz_*.c; do
	[ -f "$h" ] || continue
	name=$(basename "$h" .c)
	bin="$work/$name"
	# shellcheck disable=SC2086
	if ! clang -std=c11 -g -O1 -D_GNU_SOURCE -I. -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o "$bin" "$h" $fuzz_sources -llz4 -lpcap -lm -lpthread \
		>"$work/$name.build.log" 2>&1; then
		tail -n 20 "$work/$name.build.log"
		fail "$name (build)"
		continue
	fi
	corpus="$work/$name.corpus"
	mkdir -p "$corpus"
	seeds="tests/fuzz/corpus/${name#fuzz_}"
	[ -d "$seeds" ] || seeds=
	(cd "$work" && timeout $((fuzz_seconds + 60)) "$bin" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 \
		-timeout=10 "$corpus" ${seeds:+"$repo/$seeds"} >"$work/$name.log" 2>&1)
	status=$?
	if [ $status -eq 0 ]; then
		pass "$name ($(grep -o 'Done [0-9]* runs' "$work/$name.log" | tail -n 1))"
	else
		grep -E 'ERROR|SUMMARY|runtime error' "$work/$name.log" | head -n 10 | sed 's/^/    /'
		fail "$name" "fuzzer found a problem (status $status)"
	fi
done

echo "== 4. end-to-end checks without a database"
for s in tests/e2e/check_*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	KF_WORK="$work" KF_BUILD="$repo/build" timeout 900 bash "$s" >"$work/$name.log" 2>&1
	count_output "$name" "$work/$name.log" $?
done

echo "== 5. PostgreSQL: pg_regress and end-to-end"
fixture="$work/fixture"
mkdir -p "$fixture"
# The fixture's generator arguments, as recorded in its README (without its output options).
fixture_args=$(sed -n 's/^    build\/flowgen \(.*\) --pcap .*/\1/p' tests/data/fixture/README.md)
if build/kflowd --data-dir "$fixture/data" --read-pcap tests/data/fixture/flows.pcap \
	--tags tests/data/fixture/tags --devices tests/data/fixture/devices >"$work/fixture.log" 2>&1 &&
	[ -n "$fixture_args" ] &&
	# shellcheck disable=SC2086
	build/flowgen $fixture_args --csv "$fixture/flows.csv" --quiet >>"$work/fixture.log" 2>&1; then
	pass "fixture ingest"
else
	tail -n 20 "$work/fixture.log"
	fail "fixture ingest"
fi
# Damaged copies for the error tests: one byte flipped, one file cut in half.
cp -r "$fixture/data" "$fixture/corrupt"
cp -r "$fixture/data" "$fixture/truncated"
part=$(cd "$fixture/corrupt" && find data -name '*.kfp' | sort | head -n 1)
if [ -n "$part" ]; then
	size=$(stat -c %s "$fixture/corrupt/$part")
	byte=$(od -An -tu1 -j $((size / 2)) -N1 "$fixture/corrupt/$part" | tr -d ' ')
	printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
		dd of="$fixture/corrupt/$part" bs=1 seek=$((size / 2)) conv=notrunc status=none
	truncate -s $((size / 2)) "$fixture/truncated/$part"
fi
# The interface counters fixture (sql/12_interface_counters.sql): gopacket's sFlow counter samples,
# then the generated ones, into one data directory; and a copy with one counter file damaged.
counters="$work/counters"
mkdir -p "$counters"
if build/kflowd --data-dir "$counters/data" --read-pcap tests/data/captures/gopacket_sflow.pcap \
	>"$work/counters.log" 2>&1 &&
	build/kflowd --data-dir "$counters/data" --read-pcap tests/data/captures/sflow_counters.pcap \
	>>"$work/counters.log" 2>&1; then
	pass "interface counters fixture ingest"
else
	tail -n 20 "$work/counters.log"
	fail "interface counters fixture ingest"
fi
cp -r "$counters/data" "$counters/corrupt"
counter_file=$(cd "$counters/corrupt" && find counters -name '*.kfc' | sort | head -n 1)
if [ -n "$counter_file" ]; then
	printf '\377' | dd of="$counters/corrupt/$counter_file" bs=1 seek=40 conv=notrunc status=none
fi
chmod -R a+rX "$work"

if tools/pg_cluster.sh start "$work/pg" "$port"; then
	pass "cluster start"
	export KF_FIXTURE_DATA_DIR="$fixture/data" KF_FIXTURE_CSV="$fixture/flows.csv"
	export KF_CORRUPT_DATA_DIR="$fixture/corrupt" KF_TRUNCATED_DATA_DIR="$fixture/truncated"
	export KF_COUNTERS_DATA_DIR="$counters/data" KF_COUNTERS_CORRUPT_DIR="$counters/corrupt"
	make installcheck PGHOST="$work/pg" PGPORT="$port" PGUSER=postgres >"$work/regress.log" 2>&1
	status=$?
	sed -n 's/^test \([^ ]*\) *\.\.\. ok.*/PASS regress \1/p; s/^test \([^ ]*\) *\.\.\. FAILED.*/FAIL regress \1/p' \
		"$work/regress.log" >"$work/regress.counted"
	count_output "pg_regress" "$work/regress.counted" $status
	if [ $status -ne 0 ] && [ -f build/regress/regression.diffs ]; then
		head -n 80 build/regress/regression.diffs | sed 's/^/    /'
	fi
	for s in tests/e2e/db_*.sh; do
		[ -f "$s" ] || continue
		name=$(basename "$s" .sh)
		KF_WORK="$work" KF_BUILD="$repo/build" KF_PGHOST="$work/pg" KF_PGPORT="$port" \
			timeout 900 bash "$s" >"$work/$name.log" 2>&1
		count_output "$name" "$work/$name.log" $?
	done
else
	fail "cluster start"
fi

summary
