#!/usr/bin/env bash
# The performance targets of aad-tools, side by side in one run, printed as ratios
# (each line names its target; the run exits 1 when one is missed):
#
#   0. aad-emulator: time per 1000-record page, memory while serving 1000 pages
#   1. aad-format against jq, Python and Miller (scripts/bench-format.sh)
#   2. aad-fetch draining 100 pages x 1000 records at 20 ms latency: wall time against
#      the floor (pages x latency) and against a Python requests loop; peak RSS
#   3. aad-fetch on 500 pages: peak RSS
#   4. aad-fetch against an emulator enforcing 5 requests / 10 s: 429s received, wall
#      time against the budget's floor
#   5. startup time (--version) and stripped binary sizes
#   6. aad-fetch --state over a 1,000,000-record report: the state's cost per page early
#      and late in one 1000-page family, and the state file's size over 200 incremental
#      runs (the emulator takes about 45 s to make the records)
#   7. 20 tenants x 2 reports pulled at once (xargs -P 40) with the default --rate
#      against one emulator enforcing 5 requests / 10 s per application and tenant:
#      429s received, and each tenant's time against its budget's floor (about 50 s)
#
# Needs GNU time (/usr/bin/time); jq, Python (with requests) and Miller are compared
# when present and skipped with a note otherwise. Environment: AAD_BENCH_SKIP_FORMAT=1
# skips section 1; AAD_BENCH_RECORDS sets its data size (200000); AAD_BENCH_SKIP_STATE=1
# skips section 6, AAD_BENCH_SKIP_TENANTS=1 section 7.
set -euo pipefail

cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release
fail=0

echo "aad-tools benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "building release binaries (LTO; a first build takes a few minutes)" >&2
cargo build --release --locked --quiet

work=$(mktemp -d)
emulator_pid=
cleanup() {
    [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# start_emulator ARGS...: runs aad-emulator in the background and loads its exports.
start_emulator() {
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid"; wait "$emulator_pid" 2>/dev/null || true; fi
    rm -f "$work/emu.out"
    "$bin/aad-emulator" --port 0 --print-env --env-dir "$work/env" "$@" > "$work/emu.out" 2> "$work/emu.err" &
    emulator_pid=$!
    until grep -q '^listening on ' "$work/emu.out" 2>/dev/null; do
        kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emu.err" >&2; exit 1; }
        sleep 0.05
    done
    # shellcheck disable=SC1090
    source <(grep '^export ' "$work/emu.out")
    AAD_ACCESS_TOKEN=$("$bin/aad-token")
    export AAD_ACCESS_TOKEN
}

# timed LABEL CMD...: runs CMD (stdout discarded), prints "seconds rss_kb".
timed() {
    local label=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" > /dev/null
    echo "$(cat "$work/time")"
    : "$label"
}

# median of three timed runs: prints "seconds rss_kb" of the median run.
median3() {
    local runs=()
    for _ in 1 2 3; do runs+=("$(timed "$@")"); done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
check() { # check NAME OK(0/1); runs in $(...), so a miss is kept in a file, not a variable
    if [ "$2" = 1 ]; then echo "ok"; else touch "$work/missed"; echo "MISSED"; fi
}

echo
echo "== 0. aad-emulator: serving speed and memory =="
start_emulator --records 100000
"$bin/aad-fetch" directoryAudits --rate off --slice none --top 1 > /dev/null
# Twenty 1000-record pages with no latency: the whole round trip, so an upper bound of
# the emulator's own time per page.
read -r e_s _ <<< "$(median3 pages "$bin/aad-fetch" directoryAudits --rate off --slice none --top 20000)"
per_page=$(awk -v s="$e_s" 'BEGIN { printf "%.2f", s * 1000 / 20 }')
printf '%-44s %8s ms per 1000-record page, round trip (target < 5): %s\n' "aad-emulator" "$per_page" \
    "$(check serve "$(awk -v a="$per_page" 'BEGIN { print (a < 5) }')")"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$emulator_pid/status"; }
"$bin/aad-fetch" directoryAudits --rate off --slice none --page-size 100 > /dev/null
before=$(rss)
"$bin/aad-fetch" directoryAudits --rate off --slice none --page-size 100 > /dev/null
after=$(rss)
printf '%-44s %8s MiB after 1000 pages, %s MiB after 1000 more (flat: within 5%%): %s\n' "aad-emulator RSS" \
    "$((before / 1024))" "$((after / 1024))" "$(check flat "$(awk -v a="$before" -v b="$after" 'BEGIN { print (b <= a * 1.05) }')")"

if [ "${AAD_BENCH_SKIP_FORMAT:-0}" != 1 ]; then
    echo
    echo "== 1. aad-format =="
    scripts/bench-format.sh || fail=1
fi

echo
echo "== 2. aad-fetch: 100 pages x 1000 records, 20 ms server latency =="
start_emulator --records 100000 --latency-ms 20
# Warm up: the emulator generates its data on first use.
"$bin/aad-fetch" directoryAudits --rate off --slice none --top 1 > /dev/null
read -r fetch_s fetch_kb <<< "$(median3 fetch "$bin/aad-fetch" directoryAudits --rate off --slice none)"
floor=2.00
printf '%-44s %8s s  %6s MiB  %5sx floor (target <= 1.15): %s\n' "aad-fetch" "$fetch_s" "$((fetch_kb / 1024))" \
    "$(ratio "$fetch_s" "$floor")" "$(check fetch "$(awk -v a="$fetch_s" 'BEGIN { print (a <= 2.30) }')")"
read -r gz_s gz_kb <<< "$(median3 gzip "$bin/aad-fetch" directoryAudits --rate off --slice none --compression gzip)"
printf '%-44s %8s s  %6s MiB  %5sx floor (gzip from loopback, informational)\n' "aad-fetch --compression gzip" "$gz_s" "$((gz_kb / 1024))" "$(ratio "$gz_s" "$floor")"
if python3 -c 'import requests' 2> /dev/null; then
    read -r py_s py_kb <<< "$(median3 python python3 scripts/bench/fetch_requests.py "$AAD_GRAPH_URL/v1.0/auditLogs/directoryAudits")"
    printf '%-44s %8s s  %6s MiB  aad-fetch is %sx faster (target > 1): %s\n' "Python requests loop" "$py_s" "$((py_kb / 1024))" \
        "$(ratio "$py_s" "$fetch_s")" "$(check python "$(awk -v a="$py_s" -v b="$fetch_s" 'BEGIN { print (a > b) }')")"
else
    echo "Python requests loop: skipped (python3 with the requests module is not installed)"
fi

echo
echo "== 3. aad-fetch: peak memory over 500 pages =="
start_emulator --records 100000
"$bin/aad-fetch" directoryAudits --rate off --page-size 200 --slice none --top 1 > /dev/null
read -r p_s p_kb <<< "$(timed pages "$bin/aad-fetch" directoryAudits --rate off --page-size 200 --slice none)"
printf '%-44s %8s s  %6s MiB (target < 16): %s\n' "aad-fetch, 500 pages of 200" "$p_s" "$((p_kb / 1024))" "$(check rss "$(( p_kb < 16384 ))")"
read -r p_s p_kb <<< "$(timed pages "$bin/aad-fetch" directoryAudits --rate off --page-size 1000 --slice none)"
printf '%-44s %8s s  %6s MiB (target < 16): %s\n' "aad-fetch, 100 pages of 1000" "$p_s" "$((p_kb / 1024))" "$(check rss "$(( p_kb < 16384 ))")"

echo
echo "== 4. aad-fetch against a service enforcing 5 requests / 10 s =="
start_emulator --records 2000 --rate-limit 5/10s
read -r r_s _ <<< "$(timed rate "$bin/aad-fetch" directoryAudits --page-size 100 --slice none)"
throttled=$(python3 -c 'import json,sys,urllib.request; e=json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/stats"))["endpoints"]["/v1.0/auditLogs/directoryAudits"]; print(e["status"].get("429", 0), e["requests"])' "$AAD_GRAPH_URL")
read -r n429 requests <<< "$throttled"
# 20 requests at 5 per 10 s: bursts of 5 at 0, 10, 20 and 30 s.
budget_floor=30.0
printf '%-44s %8s s  %s requests, %s answered 429 (target 0): %s; %sx the budget floor of %s s (target <= 1.05): %s\n' \
    "aad-fetch --rate 5/10s (default)" "$r_s" "$requests" "$n429" "$(check 429 "$(( n429 == 0 ))")" \
    "$(ratio "$r_s" "$budget_floor")" "$budget_floor" "$(check budget "$(awk -v a="$r_s" -v b="$budget_floor" 'BEGIN { print (a <= b * 1.05) }')")"

echo
echo "== 5. startup and size =="
for tool in aad-token aad-fetch aad-format aad-emulator; do
    start=$(date +%s%N)
    for _ in $(seq 100); do "$bin/$tool" --version > /dev/null; done
    per_ms=$(awk -v ns="$(( $(date +%s%N) - start ))" 'BEGIN { printf "%.2f", ns / 100 / 1e6 }')
    size=$(stat -c %s "$bin/$tool")
    printf '%-14s --version %6s ms (target < 5): %-6s  %5.2f MiB stripped (target < 6): %s\n' "$tool" "$per_ms" \
        "$(check start "$(awk -v a="$per_ms" 'BEGIN { print (a < 5) }')")" "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" \
        "$(check size "$(( size < 6 * 1048576 ))")"
done

if [ "${AAD_BENCH_SKIP_STATE:-0}" != 1 ]; then
    echo
    echo "== 6. aad-fetch --state over a report of 1,000,000 records =="
    start_emulator --records 1000000
    # The emulator makes its records on the first request (about 45 s).
    "$bin/aad-fetch" directoryAudits --rate off --slice none --top 1 > /dev/null
    # One family of 1000 pages; -v times each page's state write. A page must cost the
    # state as much at its end as at its start.
    "$bin/aad-fetch" directoryAudits --since 7d --lag 0s --rate off --state "$work/family.state" -v \
        2> "$work/family.log" > /dev/null
    journal() { # journal FIELD FIRST LAST: the median of a field of pages FIRST..LAST
        grep -o 'state: page journaled, [0-9]* bytes in [0-9.]* ms' "$work/family.log" \
            | awk -v f="$1" '{ print (f == "bytes") ? $4 : $7 }' | sed -n "$2,$3p" | sort -n \
            | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
    }
    pages=$(grep -c 'state: page journaled' "$work/family.log")
    early=$(journal ms 1 100)
    late=$(journal ms $((pages - 99)) "$pages")
    printf '%-44s %8s ms pages 1-100, %s ms pages %s-%s, %s bytes a page (late <= 1.5x early): %s\n' \
        "state write per page, one family" "$early" "$late" "$((pages - 99))" "$pages" "$(journal bytes 1 "$pages")" \
        "$(check journal "$(awk -v a="$late" -v b="$early" 'BEGIN { print (a <= b * 1.5) }')")"
    # 200 runs, each ending 50 minutes later than the one before (a week in all): the
    # state keeps the records of the overlap (2 hours), not of the window.
    started=$(date +%s%N)
    largest=0
    for i in $(seq 0 199); do
        "$bin/aad-fetch" directoryAudits --since 7d --lag "$(( (199 - i) * 50 ))m" --rate off \
            --state "$work/runs.state" -q > /dev/null
        size=$(stat -c %s "$work/runs.state")
        [ "$size" -gt "$largest" ] && largest=$size
    done
    runs_s=$(awk -v ns="$(( $(date +%s%N) - started ))" 'BEGIN { printf "%.1f", ns / 1e9 }')
    printf '%-44s %8s MiB at most (target < 10), 200 runs in %s s: %s\n' "state file over 200 incremental runs" \
        "$(awk -v s="$largest" 'BEGIN { printf "%.2f", s / 1048576 }')" "$runs_s" \
        "$(check state "$(( largest < 10 * 1048576 ))")"
fi

if [ "${AAD_BENCH_SKIP_TENANTS:-0}" != 1 ]; then
    echo
    echo "== 7. 20 tenants x 2 reports, xargs -P 40, default rate =="
    start_emulator --tenants 20 --records 300 --rate-limit 5/10s
    # Every pull of a tenant shares one budget file in $work/rate; 12 pages a report.
    # sh -c's arguments: the binaries' directory, the rate directory, an env file, a report.
    pull='. "$2" && AAD_ACCESS_TOKEN=$("$0/aad-token") "$0/aad-fetch" "$3" --page-size 25 --slice none --rate-dir "$1" > /dev/null'
    started=$(date +%s%N)
    for env in $AAD_EMULATOR_TENANTS; do
        printf '%s\0%s\0' "$env" signIns "$env" directoryAudits
    done | xargs -0 -n 2 -P 40 sh -c "$pull" "$bin" "$work/rate" 2> "$work/pulls.err" || touch "$work/missed"
    head -n 5 "$work/pulls.err" | sed 's/^/  /' >&2
    all_s=$(awk -v ns="$(( $(date +%s%N) - started ))" 'BEGIN { printf "%.1f", ns / 1e9 }')
    # Per tenant, from the emulator's log: report requests, 429s, and the span from the
    # first to the last request against the floor (the n-th request, from 0, cannot go
    # out before n / 5 whole windows).
    python3 - "$AAD_GRAPH_URL" "$all_s" > "$work/tenants.txt" << 'PY'
import json, sys, urllib.request
log = urllib.request.urlopen(sys.argv[1] + "/_emulator/requests").read().decode().splitlines()
tenants = {}
for line in map(json.loads, log):
    if "/auditLogs/" in line["path"]:
        tenants.setdefault(line["tenant"], []).append((line["received_ms"], line["status"]))
worst, throttled = 0.0, 0
for n, (tenant, requests) in enumerate(sorted(tenants.items()), 1):
    times = sorted(t for t, _ in requests)
    floor = (len(times) - 1) // 5 * 10.0
    span = (times[-1] - times[0]) / 1000
    bad = sum(1 for _, status in requests if status == 429)
    throttled += bad
    worst = max(worst, span / floor)
    print(f"  tenant {n:2}: {len(times)} pages, {bad} answered 429, {span:.1f} s = {span / floor:.3f}x its floor of {floor:.0f} s")
print(f"{len(tenants)} {throttled} {worst:.3f} {sys.argv[2]}")
PY
    sed '$d' "$work/tenants.txt"
    read -r n_tenants n429 worst all_s <<< "$(tail -n 1 "$work/tenants.txt")"
    printf '%-44s %s tenants in %s s: %s answered 429 (target 0): %s; worst tenant %sx its floor (target <= 1.1): %s\n' \
        "aad-fetch, 20 tenants x 2 reports at once" "$n_tenants" "$all_s" "$n429" "$(check tenants429 "$(( n429 == 0 ))")" \
        "$worst" "$(check tenants "$(awk -v a="$worst" 'BEGIN { print (a <= 1.1) }')")"
fi

echo
if [ -e "$work/missed" ]; then fail=1; fi
if [ "$fail" = 0 ]; then echo "all targets met"; else echo "some targets were MISSED"; fi
exit "$fail"
