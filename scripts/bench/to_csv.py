#!/usr/bin/env python3
"""NDJSON to CSV with the csv module: the Python baseline of scripts/bench-format.sh.

Usage: to_csv.py FIELD,FIELD,... < records.ndjson > out.csv

FIELD is a dot path as aad-format --fields takes it (numbers index arrays). Null and
missing values are empty cells, as in aad-format and jq's @csv.
"""

import csv
import json
import sys


def pick(value, path):
    for step in path:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def main():
    paths = [field.split(".") for field in sys.argv[1].split(",")]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(sys.argv[1].split(","))
    for line in sys.stdin:
        if line.strip():
            record = json.loads(line)
            out.writerow([cell(pick(record, path)) for path in paths])


if __name__ == "__main__":
    main()
