#!/usr/bin/env bash
# The article's bash + jq sample: audit events since yesterday, one JSON document each.
set -euo pipefail
yesterday=$(date -u -d '1 day ago' +%Y-%m-%d)
aad-token --endpoint v1 --resource https://graph.windows.net \
    | aad-fetch auditEvents --since "$yesterday" \
    | aad-format --to json --pretty
