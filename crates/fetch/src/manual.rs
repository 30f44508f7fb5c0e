//! The man page's own sections (the generator in `tests/man.rs` adds NAME, SYNOPSIS,
//! the options, EXIT STATUS and EXAMPLES from [`crate::cli::Args`]): the rules that
//! do not fit a flag's help, one section each.

/// Extra man page sections, plain text (paragraphs separated by blank lines).
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "QUERY FLAGS",
        "--user, --app, --ip, --failed, --error-code, --activity, --category, --target-resource and --initiated-by ask the questions asked most without OData. Each becomes the condition that Microsoft Graph documents as filterable for the report and version, joined to the time window, REPORT's own $filter and --filter with 'and'. A value is put in single quotes with each quote doubled (O'Brien is 'O''Brien'), and the whole $filter is URL-encoded. A GUID is taken as an id, anything else as a name; names are compared exactly by the service, so write them as the logs show them. Where Graph documents no $filter for the question on that report and version, every record of the window is fetched and the condition is tested on each record here (-v says so); such conditions are part of what identifies a --state query, and cannot be used with --pages. A flag that means nothing for a report is a usage error that names where it applies; legacy reports and paths aad-fetch does not know take --filter only.\n\n\
signIns, nonInteractiveSignIns, servicePrincipalSignIns, managedIdentitySignIns (v1.0 and beta):\n\
--user: userPrincipalName eq 'UPN', or userId eq 'ID'.\n\
--app: appDisplayName eq 'NAME', or appId eq 'ID'.\n\
--ip: ipAddress eq 'ADDRESS'.\n\
--error-code: status/errorCode eq CODE.\n\
--failed: tested here: status.errorCode is a number other than 0 (only eq is documented for status/errorCode).\n\
--target-resource: resourceDisplayName eq 'NAME', or resourceId eq 'ID'.\n\
--activity, --category, --initiated-by: refused.\n\n\
directoryAudits (v1.0 and beta):\n\
--user: initiatedBy/user/userPrincipalName eq 'UPN', or initiatedBy/user/id eq 'ID'.\n\
--initiated-by: with an @, initiatedBy/user/userPrincipalName eq 'UPN'; an id, (initiatedBy/user/id eq 'ID' or initiatedBy/app/appId eq 'ID'); a name, (initiatedBy/user/displayName eq 'NAME' or initiatedBy/app/displayName eq 'NAME').\n\
--app: initiatedBy/app/displayName eq 'NAME', or initiatedBy/app/appId eq 'ID'.\n\
--activity: activityDisplayName eq 'NAME'.\n\
--target-resource: targetResources/any(t: t/displayName eq 'NAME'), or targetResources/any(t: t/id eq 'ID').\n\
--failed: tested here: result is 'failure' (result is not documented as filterable).\n\
--category: tested here: category is NAME (not documented as filterable).\n\
--ip: tested here: initiatedBy.user.ipAddress is ADDRESS (not documented as filterable).\n\
--error-code: refused.\n\n\
provisioning (v1.0; beta where said):\n\
--app: servicePrincipal/displayName eq 'NAME', or servicePrincipal/id eq 'ID'.\n\
--target-resource: targetIdentity/displayName eq 'NAME', or targetIdentity/id eq 'ID'.\n\
--initiated-by: initiatedBy/displayName eq 'NAME'; an id is tested here (initiatedBy.id).\n\
--failed: beta: provisioningStatusInfo/status eq 'failure'; v1.0: tested here (documented for beta only).\n\
--user, --ip, --error-code, --activity, --category: refused.\n\n\
--filter takes raw OData, joined with 'and' (in parentheses when it has an 'or'). Property paths are written with / (status/errorCode), not with the dots of aad-format --fields; when the service refuses a filter that has a dotted path, the hint says so.",
    ),
    (
        "TIMES",
        "--since and --until take: a date (2026-11-28: its midnight); a date and time with a T or a space between, minutes required, seconds and up to nine fractional digits optional (2026-11-28 10:00, 2026-11-28T10:00:30.25, the expiresOn of aad-token -t json); either with a zone (Z, +01:00, -0500, or a space and UTC) or without one; today and yesterday (midnight at their start); now; or a duration back from now (500ms, 30s, 90m, 36h, 7d, 2w). Words and letters are case-insensitive.\n\n\
A time without a zone, a date, today and yesterday are UTC, the zone of the logs, unless --local reads them in the local time zone (the TZ variable, else the system's zone). With --local, a time the clock skips at a daylight-saving change is refused, and one it passes twice is the earlier. A written zone always wins; durations do not depend on the zone.\n\n\
The window is half-open, [--since, --until): --since yesterday --until today is the whole of yesterday. A value in none of these forms, or one that names no time (month 13, 24:00, February 30, a zone beyond 23:59, a year outside 0001 to 9999, a duration reaching back past the calendar), is a usage error (status 2).",
    ),
    (
        "TOKENS",
        "The first source found wins: --token-command CMD (run with sh -c; run again when the API answers 401 InvalidAuthenticationToken or the token is within 5 minutes of expiry), --token-file FILE (- is stdin), the AAD_ACCESS_TOKEN variable, and stdin when it is not a terminal. Each may hold the raw token or the JSON that aad-token -t json prints (or a token endpoint's own response). Without --token-command an expired or rejected token ends the run with status 3.\n\n\
Limits: a token document (from a file, stdin or the command) is read up to 1 MiB; the token in it must be visible ASCII (no white space, control or non-ASCII characters) of at most 64 KiB, and its tokenType an HTTP authentication scheme name. Anything else cannot be a token: the run ends at once with status 3, before any request.\n\n\
--token-command runs in a process group of its own. When it runs longer than --token-timeout (default 5m), the whole group is killed (SIGKILL), so nothing it started is left behind, and the run ends with status 3. Its stderr is shown after it ends, each line with control characters escaped and the token masked. It runs with aad-fetch's own directory appended to PATH, so a cron job (PATH=/usr/bin:/bin) that runs /usr/local/bin/aad-fetch finds the aad-token installed beside it; an aad-token earlier on PATH wins.\n\n\
The token, and any token a command printed, is masked as *** in everything aad-fetch writes to stderr, also in what a server answers; -v shows URLs with their user information (user:password@) and secret query values as ***.",
    ),
    (
        "PAGING, PACING AND RETRIES",
        "Pages are followed by their @odata.nextLink (or odata.nextLink) verbatim; a relative link is resolved against the URL of the page that carried it (RFC 3986), and a link to another scheme, host or port is refused, so the bearer token never leaves its host. For legacy reports api-version is kept exactly once. Empty pages with a next link are followed; an empty last page ends the chain. The next page is requested while the current one is written (one page in flight) over one kept-alive connection, with gzip (--compression auto asks for gzip from every host but loopback ones, where compressing only costs time).\n\n\
REPORT may carry a query of its own (auditLogs/signIns?$top=50&$orderby=createdDateTime): its options are sent with every first request of a slice, and its $filter is joined with the time window and --filter by 'and'. Its $top is the page size and its $select the selection; giving --page-size or --select too is a usage error (status 2), as is a fragment (#...) or a path that is not a valid URI (percent-encode spaces as %20). --graph-url and --legacy-graph-url are bases: no query or fragment.\n\n\
Every record of a page must be a JSON object: a page whose value array holds anything else is malformed (status 6, naming the page URL and the record, value[i]), and nothing of it is written.\n\n\
Requests are paced to --rate, a sliding window: at most N requests in any window of the given length, which is how the reporting service counts its budget (5 requests per 10 seconds per app and tenant). Every 429 is still honoured.\n\n\
429, 500, 502, 503, 504, 408, connection failures, timeouts and truncated or unparsable bodies are retried, honouring Retry-After (seconds or an HTTP date; a date that is not in the future counts as no Retry-After), otherwise with exponential backoff and full jitter (1 s base, 60 s cap), until --retry-for passes without a page being fetched (status 5). A page is written only after it was received and parsed whole.\n\n\
The window is fetched in families, oldest first: with --slice auto (the default) the whole window, or pieces of the span a state file learned; with --slice DURATION pieces of that length; with --slice none the whole window, never halved. A family is fetched newest first, in parts, each a chain of pages that the service lists newest first. A part whose first page fails three times in a row with 504 or a timeout is halved (its newer half comes first, down to one minute), and the shorter span carries on to the next parts; a state file remembers it for the next run. A chain that breaks after its first page (three timeouts in a row, a skip token the service rejects) starts again just after the oldest record it wrote: of the records at that time, the ones written are skipped once each, so nothing is written twice and nothing is missed. (A service that does not list newest first cannot be resumed that way: the part is fetched again whole, --dedup skips what it can, and a warning says so. Without a time field, every record a chain wrote is remembered instead.)\n\n\
A next link that repeats a page of its chain (A to A, A to B to A, an empty link) would be followed forever: the page is written, then the run ends with status 6.\n\n\
--top N stops after N records and asks for no more than N a page, so --top 10 is one request; --page-size sets the records a page holds (REPORT's own $top, else 1000, the service's maximum). REPORT's own $top and --page-size, or its own $select and --select, together are a usage error.",
    ),
    (
        "INCREMENTAL STATE",
        "With --state FILE each run fixes its window end at now minus --lag before it starts. The window starts at the checkpoint minus --overlap (the first run starts at --since, or one day before the window end). When a family of the window is complete, the checkpoint moves to its end.\n\n\
After every page written out, one line is appended to the state file and fsynced, at a cost that does not grow with the window: the output file's length, the records of the page a later run may list again, and where the chain stands (its next link, the time of the oldest record written, and the records written at that time). A run that was stopped (killed, ended by --top or a failure) goes on from there: its first request is the saved next link, on whatever host now serves the report; no page before it is fetched again. If the service refuses the saved link (expired or unknown), the chain starts again just after the oldest record written, skipping the records written at that time, so the output stays exact.\n\n\
A record already emitted is skipped according to --dedup (changed: same id and same content; id: same id; none). The state remembers the records whose time (the report's time field, or --time-field; the end of its family for a record without one) lies within --overlap of the end of the last family, where the next run starts, and those at the time the chain has reached: so it stays proportional to the records of the overlap, however large the window. Within a run, a record is compared with those remembered. A record without an id is never the same event as another record of the same run; of the copies an earlier run emitted inside the overlap, each is skipped once when the overlap brings it again. Without --state nothing is skipped unless --dedup is given; equal records are never dropped without a dedup mode.\n\n\
A state file belongs to one query: the report's path, its filter and selection, and the tenant; not the host or port that serves it (127.0.0.1 or localhost, an emulator on another port, a national cloud under another host name all keep working). Using it for another query is a usage error that shows both queries. A checkpoint that is not a time or lies in the future is refused (status 7). A second run on the same state file refuses to start while the first holds its lock (FILE.lock). A missing directory of FILE is created, readable only by the user (mode 0700); so are those of --output (with the usual mode).",
    ),
    (
        "STATE FILE",
        "The first line is a JSON snapshot (shown with spaces added): {\"version\": 2, \"query\": {\"path\": \"/v1.0/auditLogs/directoryAudits\", \"filter\": \"...\", \"select\": \"...\", \"tenant\": \"...\"}, \"checkpoint\": \"<RFC 3339>\", \"span\": \"<duration>\", \"output\": {\"path\": \"...\", \"length\": N, \"tail\": \"<16 hex digits>\"}, \"emitted\": [{\"id\": \"...\", \"hash\": \"<16 hex digits of SHA-256>\", \"time\": \"<RFC 3339>\"}, ...], \"chain\": {\"family\": {\"start\": \"...\", \"end\": \"...\"}, \"part\": {\"start\": \"...\", \"end\": \"...\"}, \"span\": \"<duration>\", \"next\": \"<link>\", \"done\": false, \"frontier\": \"<RFC 3339>\", \"ties\": [\"<16 hex digits>\", ...], \"ordered\": true}}; chain is null between families. Each following line is applied over it in order: {\"page\": {\"output\": {...}, \"emitted\": [...], \"chain\": {...}}} after a page, {\"done\": {\"checkpoint\": \"...\", \"span\": \"...\"}} after a family.\n\n\
A torn last line (a crash while appending) is ignored; any other line that does not parse is reported with its number (status 7). The lines are folded into a new snapshot (temporary file, fsync, rename) when they outgrow the snapshot and at the end of every run. Files of version 1 (one JSON object) are read, and rewritten as version 2.",
    ),
    (
        "DELIVERY GUARANTEES",
        "With --output FILE (appended to; the tool owns the file) delivery is exactly once: after each page the file is flushed and fsynced, then the state records its length and where the chain stands. A run that finds the file longer than the state says (the previous run died between the two) first truncates it back to that length, and fetches that page again. Killed at any moment, the next run neither loses nor repeats a record.\n\n\
Only bytes this state wrote are ever cut. Every run that writes FILE holds FILE.lock, and the first --state run records its state file there: from then on a run with another state file, or without --state, refuses FILE (status 7); delete FILE.lock to hand the file to another state. The state also keeps a fingerprint of the 4 KiB before the length it recorded: a file that is shorter or does not match (rotated or replaced) is never cut; the run warns and appends.\n\n\
On stdout (a pipe the tool cannot take back) delivery is at least once: after a kill, at most the records of the one page that was being written may come again.\n\n\
A closed stdout (aad-fetch ... | head) stops fetching at once and exits 0.",
    ),
    (
        "ENVIRONMENT",
        "AAD_ACCESS_TOKEN (a token), AZURE_TENANT_ID (--tenant), AAD_CLOUD (--cloud), AAD_GRAPH_URL (--graph-url), AAD_LEGACY_GRAPH_URL (--legacy-graph-url), SSL_CERT_FILE (--ca-cert), HTTPS_PROXY and NO_PROXY (proxy; not used for loopback hosts), NO_COLOR.",
    ),
    (
        "FILES",
        "The --state file, its FILE.lock sibling, and FILE.tmp while it is rewritten; the --output file and its FILE.lock sibling (naming the state that owns it); DIR/<report><n>.json with --save-pages.\n\n\
A write past a file-size limit (ulimit -f) fails with 'File too large' and ends the run with status 7; it does not kill aad-fetch silently.",
    ),
    (
        "SEE ALSO",
        "aad-token(1), aad-format(1), aad-emulator(1), jq(1)",
    ),
];
