#!/usr/bin/env bash
# The article's Python sample: audit events since yesterday; print what the service
# answered (whole pages, one per line).
set -euo pipefail
yesterday=$(date -u -d '1 day ago' +%Y-%m-%d)
aad-token --endpoint v1 --resource https://graph.windows.net \
    | aad-fetch auditEvents --since "$yesterday" --pages
