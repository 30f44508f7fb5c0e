#!/usr/bin/env bash
# The article's PowerShell sample: a v1 token for Azure AD Graph, the auditEvents report
# of the last 7 days, each event printed as JSON, each page saved as auditEvents<N>.json.
set -euo pipefail
pages=${1:-.}
aad-token --endpoint v1 --resource https://graph.windows.net \
    | aad-fetch auditEvents --since 7d --save-pages "$pages" \
    | aad-format --to json --pretty
