#!/usr/bin/env bash
# aad-format side by side with jq, Python (and Miller when installed) on one
# directoryAudit NDJSON file: median times and speed-ups, peak RSS, CSV cells compared
# with jq's, and the XML checked by a strict parser (expat); then the SIEM formats on
# as many sign-ins, side by side with CSV on the same records. The targets: at least
# 10x jq and 5x Python for CSV, 20x `jq -s .` for a JSON array, 8x Python for XML, each
# SIEM format within 3x the time of CSV, and under 16 MiB peak RSS for every format but
# table (which keeps all rows).
# Exits 1 when a target is missed. scripts/bench.sh calls it; it also runs alone.
#
# Environment:
#   AAD_BENCH_RECORDS        records to generate (200000)
#   AAD_BENCH_DATA           an NDJSON file to use instead of generating one
#   AAD_BENCH_RUNS           timed runs of aad-format (5); the median is shown
#   AAD_BENCH_BASELINE_RUNS  timed runs of jq, Python and Miller (1; they take minutes)
#   CARGO_TARGET_DIR         where cargo builds (target)
set -euo pipefail

cd "$(dirname "$0")/.."
records=${AAD_BENCH_RECORDS:-200000}
runs=${AAD_BENCH_RUNS:-5}
baseline_runs=${AAD_BENCH_BASELINE_RUNS:-1}
bin=${CARGO_TARGET_DIR:-target}/release

for tool in jq python3 /usr/bin/time; do
  if ! command -v "$tool" > /dev/null; then
    echo "bench-format: $tool is needed (GNU time for /usr/bin/time)" >&2
    exit 2
  fi
done

echo "bench-format: building release binaries" >&2
cargo build --release --locked --quiet

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The data: aad-emulator --dump when it has it, otherwise the Python generator.
if [[ -n ${AAD_BENCH_DATA:-} ]]; then
  data=$AAD_BENCH_DATA
  source="$AAD_BENCH_DATA"
else
  data=$work/audits.ndjson
  echo "bench-format: generating $records directoryAudit records" >&2
  if "$bin/aad-emulator" --dump directoryAudits --records 1 --seed 1 > /dev/null 2>&1; then
    source="aad-emulator --dump directoryAudits --records $records --seed 1"
    "$bin/aad-emulator" --dump directoryAudits --records "$records" --seed 1 > "$data"
  else
    source="scripts/bench/gen_directory_audits.py $records 1 (aad-emulator has no --dump yet)"
    python3 scripts/bench/gen_directory_audits.py "$records" 1 > "$data"
  fi
fi
lines=$(wc -l < "$data")
megabytes=$(awk -v b="$(wc -c < "$data")" 'BEGIN { printf "%.1f", b / 1048576 }')

# Ten columns, nested paths and array indexes included, spelled for each tool.
fields=id,activityDateTime,activityDisplayName,category,result,initiatedBy.user.userPrincipalName,initiatedBy.app.displayName,targetResources.0.userPrincipalName,targetResources.0.modifiedProperties.0.newValue,additionalDetails.0.value
jq_csv='[.id, .activityDateTime, .activityDisplayName, .category, .result, '
jq_csv+='.initiatedBy.user.userPrincipalName, .initiatedBy.app.displayName, '
jq_csv+='.targetResources[0].userPrincipalName, '
jq_csv+='.targetResources[0].modifiedProperties[0].newValue, .additionalDetails[0].value] | @csv'
# Miller flattens arrays with indexes from 1.
mlr_fields=id,activityDateTime,activityDisplayName,category,result,initiatedBy.user.userPrincipalName,initiatedBy.app.displayName,targetResources.1.userPrincipalName,targetResources.1.modifiedProperties.1.newValue,additionalDetails.1.value

format=$(printf "%q" "$(realpath "$bin/aad-format")")
have_hyperfine=$(command -v hyperfine > /dev/null && echo yes || echo no)
have_miller=$(command -v mlr > /dev/null && echo yes || echo no)

declare -A seconds rss

# measure NAME RUNS COMMAND: median wall time (hyperfine when installed, GNU time
# otherwise) and peak RSS (GNU time, the command exec'd so the shell is not measured).
# The command's stdout goes to /dev/null.
measure() {
  local name=$1 n=$2 cmd=$3 i t m times=()
  echo "bench-format: $name" >&2
  if [[ $have_hyperfine == yes ]]; then
    hyperfine --shell bash --style none --runs "$n" --export-json "$work/hyperfine.json" \
      "$cmd" > /dev/null
    seconds[$name]=$(jq '.results[0].median' "$work/hyperfine.json")
    /usr/bin/time -f '%e %M' -o "$work/time" bash -c "exec $cmd" > /dev/null
    read -r t m < "$work/time"
    rss[$name]=$m
  else
    rss[$name]=0
    for ((i = 0; i < n; i++)); do
      /usr/bin/time -f '%e %M' -o "$work/time" bash -c "exec $cmd" > /dev/null
      read -r t m < "$work/time"
      times+=("$t")
      ((m > ${rss[$name]})) && rss[$name]=$m
    done
    seconds[$name]=$(printf '%s\n' "${times[@]}" | sort -n |
      awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  fi
}

q() { printf '%q' "$1"; }

measure "format csv" "$runs" "$format -t csv -f $fields $(q "$data")"
measure "jq csv" "$baseline_runs" "jq -r $(q "$jq_csv") $(q "$data")"
measure "python csv" "$baseline_runs" "python3 scripts/bench/to_csv.py $fields < $(q "$data")"
measure "format json" "$runs" "$format -t json $(q "$data")"
measure "jq json" "$baseline_runs" "jq -s . $(q "$data")"
measure "format xml" "$runs" "$format -t xml $(q "$data")"
measure "python xml" "$baseline_runs" "python3 scripts/bench/to_xml.py < $(q "$data")"
if [[ $have_miller == yes ]]; then
  measure "miller csv" "$baseline_runs" "mlr --ijsonl --ocsv flatten then template -f $mlr_fields $(q "$data")"
  measure "miller json" "$baseline_runs" "mlr --ijsonl --ojson cat $(q "$data")"
fi

# Sign-ins to each SIEM schema, and to CSV on the same records (ten columns).
signins=$work/signins.ndjson
signin_fields=id,createdDateTime,userPrincipalName,appDisplayName,ipAddress,status.errorCode,status.failureReason,location.city,deviceDetail.operatingSystem,conditionalAccessStatus
siem_targets=(ecs ocsf azure-monitor)
echo "bench-format: generating $records signIns records" >&2
if "$bin/aad-emulator" --dump signIns --records "$records" --seed 1 > "$signins"; then
  have_signins=yes
  measure "format csv signins" "$runs" "$format -t csv -f $signin_fields $(q "$signins")"
  for target in "${siem_targets[@]}"; do
    measure "format $target" "$runs" "$format -t $target $(q "$signins")"
  done
else
  have_signins=no
fi

# Peak memory of every other format (one run each).
for args in "-t ndjson" "-t json --pretty" "-t csv" "-t tsv -f $fields" "-t text" "-t table -f id,result"; do
  measure "format ${args%% -f *}" 1 "$format $args $(q "$data")"
done

failed=0
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# row TASK TOOL NAME TARGET OURS: one line of the table for measurement NAME; TARGET
# (may be empty) is the least speed-up of aad-format's measurement OURS over it.
row() {
  local task=$1 tool=$2 name=$3 target=${4:-} ours=$5 ratio verdict=""
  if [[ -n $target ]]; then
    ratio=$(awk -v a="${seconds[$name]}" -v b="${seconds[$ours]}" 'BEGIN { printf "%.1f", a / b }')
    if awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
      verdict="${ratio}x faster (target ${target}x) PASS"
    else
      verdict="${ratio}x faster (target ${target}x) FAIL"
      failed=1
    fi
  elif [[ $name != "$ours" ]]; then
    ratio=$(awk -v a="${seconds[$name]}" -v b="${seconds[$ours]}" 'BEGIN { printf "%.1f", a / b }')
    verdict="${ratio}x faster"
  fi
  printf '%-22s %-12s %9.2f s %12s   %s\n' "$task" "$tool" "${seconds[$name]}" "$(mib "${rss[$name]}")" "$verdict"
}

echo
echo "aad-format benchmark: $lines records, $megabytes MiB"
echo "data: $source"
echo "timing: $([[ $have_hyperfine == yes ]] && echo hyperfine || echo 'GNU time'), median of $runs runs (aad-format) and $baseline_runs (others)"
echo
printf '%-22s %-12s %11s %12s   %s\n' task tool median "peak RSS" "aad-format is"
row "ndjson -> csv, 10 cols" aad-format "format csv" "" "format csv"
row "" jq "jq csv" 10 "format csv"
row "" "python csv" "python csv" 5 "format csv"
[[ $have_miller == yes ]] && row "" miller "miller csv" "" "format csv"
row "ndjson -> json array" aad-format "format json" "" "format json"
row "" "jq -s ." "jq json" 20 "format json"
[[ $have_miller == yes ]] && row "" miller "miller json" "" "format json"
row "ndjson -> xml" aad-format "format xml" "" "format xml"
row "" "python sax" "python xml" 8 "format xml"
[[ $have_miller == no ]] && echo "(Miller not installed: its rows are skipped; apt-get install miller)"

# siem_row TARGET: the SIEM format's time against CSV on the same sign-ins (at most 3x).
siem_row() {
  local name="format $1" ratio verdict
  ratio=$(awk -v a="${seconds[$name]}" -v b="${seconds[format csv signins]}" 'BEGIN { printf "%.1f", a / b }')
  if awk -v r="$ratio" 'BEGIN { exit !(r <= 3) }'; then
    verdict="${ratio}x the time of csv (target at most 3x) PASS"
  else
    verdict="${ratio}x the time of csv (target at most 3x) FAIL"
    failed=1
  fi
  printf '%-22s %-12s %9.2f s %12s   %s\n' "--to $1" aad-format "${seconds[$name]}" "$(mib "${rss[$name]}")" "$verdict"
}

if [[ $have_signins == yes ]]; then
  echo
  echo "sign-ins to SIEM schemas: $(wc -l < "$signins") records, $(awk -v b="$(wc -c < "$signins")" 'BEGIN { printf "%.1f", b / 1048576 }') MiB"
  echo "data: aad-emulator --dump signIns --records $records --seed 1"
  echo
  printf '%-22s %-12s %11s %12s   %s\n' task tool median "peak RSS" "aad-format is"
  row "--to csv, 10 cols" aad-format "format csv signins" "" "format csv signins"
  for target in "${siem_targets[@]}"; do
    siem_row "$target"
  done
else
  echo "(aad-emulator --dump signIns failed: the SIEM rows are skipped)"
fi

echo
echo "peak RSS of aad-format by format (target: under 16 MiB; table keeps all rows and is exempt):"
siem_names=()
[[ $have_signins == yes ]] && siem_names=("format ecs" "format ocsf" "format azure-monitor")
for name in "format csv" "format json" "format xml" "format -t ndjson" "format -t json --pretty" \
  "format -t csv" "format -t tsv" "format -t text" "format -t table" "${siem_names[@]}"; do
  verdict=PASS
  if [[ $name == "format -t table" ]]; then
    verdict="(exempt)"
  elif ((rss[$name] >= 16 * 1024)); then
    verdict=FAIL
    failed=1
  fi
  label=${name#format }
  [[ $label == csv ]] && label="-t csv -f (10 columns)"
  [[ $label == json || $label == xml || $label == ecs || $label == ocsf || $label == azure-monitor ]] &&
    label="-t $label"
  printf '  %-26s %12s  %s\n' "$label" "$(mib "${rss[$name]}")" "$verdict"
done

echo
echo "CSV cells against jq (same 10 columns):"
$format -t csv --no-header -f "$fields" "$data" > "$work/ours.csv"
jq -r "$jq_csv" "$data" > "$work/jq.csv"
python3 scripts/bench/compare_csv.py "$work/ours.csv" "$work/jq.csv" | sed 's/^/  /' || failed=1

echo
echo "XML against a strict parser (Python's expat, streaming):"
if $format -t xml "$data" | python3 -c '
import sys, xml.sax
class Count(xml.sax.ContentHandler):
    records = 0
    def startElement(self, name, attrs):
        if name == "record":
            Count.records += 1
xml.sax.parse(sys.stdin.buffer, Count())
print(f"  well-formed: {Count.records} record elements")
'; then :; else
  echo "  NOT WELL-FORMED"
  failed=1
fi

exit "$failed"
