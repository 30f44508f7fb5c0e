#!/usr/bin/env bash
# The aad-tools demo: builds the tools, starts aad-emulator (a local Azure AD + Microsoft
# Graph) on a free port, and runs the pipelines a real tenant would see:
#
#   aad-token | aad-fetch directoryAudits --since 7d | aad-format --to text | head
#
# then writes CSV and XML files, and shows an incremental (--state) pull twice: the
# second run emits only the events that appeared since the first. The emulator is
# stopped at the end, on Ctrl-C and on failure.
#
# Files are left in $AAD_DEMO_DIR (default: ./demo-out).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${AAD_DEMO_DIR:-$PWD/demo-out}
mkdir -p "$out"

# Headings in bold on a terminal, unless NO_COLOR is set.
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain" >&2; }

say "Building aad-token, aad-fetch, aad-format and aad-emulator"
cargo build --locked --bins --manifest-path "$root/Cargo.toml" >&2
# Where cargo put them: target/ unless CARGO_TARGET_DIR or a cargo config says otherwise.
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export PATH="${target_dir:-$root/target}/debug:$PATH"

say "Starting aad-emulator (live: 3 new events a second)"
work=$(mktemp -d)
emulator_pid=
cleanup() {
    if [ -n "$emulator_pid" ]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

aad-emulator --port 0 --print-env --env-dir "$work/env" --records 2000 --live 3 >"$work/emulator.out" 2>"$work/emulator.err" &
emulator_pid=$!
# The emulator prints 'listening on <url>' once it accepts connections.
for _ in $(seq 300); do
    grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break
    kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.err" >&2; exit 1; }
    sleep 0.1
done
grep '^listening on ' "$work/emulator.out" >&2 || { echo "aad-emulator did not start" >&2; exit 1; }
# AZURE_AUTHORITY_HOST, AAD_GRAPH_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AAD_CLIENT_SECRET_FILE
# shellcheck disable=SC1090
source <(grep '^export ' "$work/emulator.out")

say "aad-token | aad-fetch directoryAudits --since 7d | aad-format --to text | head -n 40"
aad-token | aad-fetch directoryAudits --since 7d | aad-format --to text | head -n 40

say "Sign-ins of the last day to CSV: $out/signins.csv"
aad-token | aad-fetch signIns --since 1d \
    | aad-format --to csv --fields time=createdDateTime,user=userPrincipalName,app=appDisplayName,ip=ipAddress,error=status.errorCode,city=location.city \
    > "$out/signins.csv"
head -n 5 "$out/signins.csv"
echo "... $(($(wc -l < "$out/signins.csv") - 1)) rows"

say "Audit events to XML for an old SIEM: $out/audits.xml"
aad-token | aad-fetch directoryAudits --since 7d | aad-format --to xml > "$out/audits.xml"
head -c 600 "$out/audits.xml"; echo
echo "... $(wc -c < "$out/audits.xml") bytes"

say "Incremental pull, first run: $out/audits.ndjson (state in $out/audits.state)"
rm -f "$out/audits.ndjson" "$out/audits.ndjson.lock" "$out/audits.state" "$out/audits.state.lock"
incremental() {
    aad-fetch directoryAudits --token-command aad-token --since 7d --lag 0s --overlap 1m \
        --state "$out/audits.state" --output "$out/audits.ndjson" -q
}
incremental
first=$(wc -l < "$out/audits.ndjson")
echo "first run wrote $first events"
sleep 4
say "Incremental pull, second run (4 s later): only the new events"
incremental
second=$(wc -l < "$out/audits.ndjson")
echo "second run added $((second - first)) events ($second in all, none twice:" \
    "$(aad-format --to csv --fields id --no-header "$out/audits.ndjson" | sort | uniq -d | wc -l) duplicates)"

say "Done. Files: $out/signins.csv $out/audits.xml $out/audits.ndjson"
