#!/usr/bin/env python3
"""Compares two CSV files cell by cell (after parsing, so quoting style does not matter).

Usage: compare_csv.py OURS.csv THEIRS.csv

Prints one line and exits 0 when every cell is equal, 1 otherwise. jq 1.6's @csv writes
a NUL character as the two characters \\0; such cells are counted apart as a known jq
difference and do not fail the comparison.
"""

import csv
import sys


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def main():
    ours, theirs = rows(sys.argv[1]), rows(sys.argv[2])
    if len(ours) != len(theirs):
        print(f"DIFFERENT: {len(ours)} rows against {len(theirs)}")
        return 1
    cells = known = 0
    for n, (a, b) in enumerate(zip(ours, theirs), 1):
        if len(a) != len(b):
            print(f"DIFFERENT: row {n} has {len(a)} cells against {len(b)}")
            return 1
        for i, (x, y) in enumerate(zip(a, b), 1):
            cells += 1
            if x == y:
                continue
            if x.replace("\0", "\\0") == y:
                known += 1
                continue
            print(f"DIFFERENT: row {n}, cell {i}: {x!r} against {y!r}")
            return 1
    if known:
        print(f"identical: {len(ours)} rows, {cells} cells, except {known} cells that differ "
              f"only where jq 1.6 writes a NUL character as \\0")
    else:
        print(f"identical: {len(ours)} rows, {cells} cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
