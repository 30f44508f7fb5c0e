//! The `aad-fetch` command line, as typed. No I/O here; `settings` resolves it.
//!
//! Public for the man page generator (`tests/man.rs`), which renders
//! `Args::command()` plus [`MAN_SECTIONS`].

#![allow(
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    reason = "the doc comments of Args are clap's help texts, written for a terminal"
)]

use std::path::PathBuf;
use std::time::Duration;

use aad_common::cloud::Cloud;
use aad_common::time::{RateSetting, parse_duration};
use aad_http::Compression;
use clap::{Parser, ValueEnum};

/// Microsoft Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphVersion {
    /// The stable API.
    #[value(name = "v1.0")]
    V1,
    /// The beta API (needed for the non-interactive, service principal and managed
    /// identity sign-ins).
    Beta,
}

/// Which records `--state` runs skip as already emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Dedup {
    /// Skip a record whose id and content were already emitted (a republished,
    /// changed version is emitted again).
    Changed,
    /// Skip any record whose id was already emitted.
    Id,
    /// Skip nothing.
    None,
}

/// Worked examples, shown by `--help` and as the man page's EXAMPLES.
const EXAMPLES: &str = "\
Examples:
  # The last 7 days of audit events (the original article's sample), as NDJSON:
  aad-token | aad-fetch directoryAudits --since 7d > audits.ndjson

  # Sign-ins of the last day to CSV:
  aad-token | aad-fetch signIns --since 1d | aad-format --to csv > signins.csv

  # A cron job every 15 minutes: each event exactly once in one growing file
  # (the token command renews the token when it expires):
  */15 * * * * aad-fetch directoryAudits --token-command 'aad-token' --since 7d -q \\
      --state /var/lib/aad/audits.state --output /var/log/aad/audits.ndjson

  # Only failures, only a few fields, at most 100 records:
  aad-token | aad-fetch directoryAudits --since 36h --filter \"result eq 'failure'\" \\
      --select id,activityDateTime,activityDisplayName --max-records 100

  # The legacy Azure AD Graph report of the 2016 article, saving each page as the
  # PowerShell sample did (auditEvents0.json, auditEvents1.json, ...):
  aad-token --endpoint v1 --resource https://graph.windows.net \\
      | aad-fetch auditEvents --since 7d --save-pages pages/

  # What can be fetched:
  aad-fetch --list";

/// Streams every record of an Azure AD / Microsoft Graph report as NDJSON.
#[derive(Debug, Parser)]
#[command(
    name = crate::NAME,
    version,
    about = "Streams every record of an Azure AD (Entra ID) report as NDJSON: paging, pacing, retries, token renewal, incremental state",
    after_long_help = EXAMPLES,
    args_override_self = true,
)]
pub struct Args {
    /// A report name (see --list), a Graph path (auditLogs/signIns) or a full URL.
    #[arg(value_name = "REPORT", required_unless_present = "list")]
    pub(crate) report: Option<String>,

    /// Print the known reports (name, API, path, time field) and exit.
    #[arg(long)]
    pub(crate) list: bool,

    /// Microsoft Graph version for Graph reports.
    #[arg(long, value_enum, value_name = "VERSION", default_value = "v1.0")]
    pub(crate) graph_version: GraphVersion,

    /// Tenant id or domain (legacy reports; default: the token's tenant).
    #[arg(
        long,
        env = "AZURE_TENANT_ID",
        hide_env_values = true,
        value_name = "TENANT"
    )]
    pub(crate) tenant: Option<String>,

    /// National cloud preset for the service hosts.
    #[arg(
        long,
        env = "AAD_CLOUD",
        hide_env_values = true,
        value_enum,
        default_value = "public"
    )]
    pub(crate) cloud: Cloud,

    /// Microsoft Graph base URL.
    #[arg(
        long,
        env = "AAD_GRAPH_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) graph_url: Option<String>,

    /// Legacy Azure AD Graph base URL.
    #[arg(
        long,
        env = "AAD_LEGACY_GRAPH_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) legacy_graph_url: Option<String>,

    /// Start of the time window: RFC 3339 time, date, or duration back from now (90m, 36h, 7d).
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,

    /// End of the time window (exclusive), in the same forms as --since.
    #[arg(long, value_name = "WHEN")]
    pub(crate) until: Option<String>,

    /// An extra OData condition, joined to the time window with 'and'.
    #[arg(long, value_name = "EXPR")]
    pub(crate) filter: Option<String>,

    /// Only these fields (comma-separated).
    #[arg(long, value_name = "FIELDS")]
    pub(crate) select: Option<String>,

    /// Page size, 1 to 1000 [default: REPORT's own $top, else 1000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) top: Option<u32>,

    /// Stop after writing N records, without fetching further pages.
    #[arg(long, value_name = "N")]
    pub(crate) max_records: Option<u64>,

    /// The time field for --since/--until when REPORT is a path or URL not in --list.
    #[arg(long, value_name = "FIELD")]
    pub(crate) time_field: Option<String>,

    /// Fetch the window as consecutive slices of this length, oldest first ('none': one chain).
    #[arg(long, value_name = "DURATION", default_value = "1d")]
    pub(crate) slice: String,

    /// Command that prints a token (raw or aad-token -o json); run again to renew it.
    #[arg(long, value_name = "CMD")]
    pub(crate) token_command: Option<String>,

    /// Stop --token-command, and every process it started, when it runs longer than this.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) token_timeout: Duration,

    /// Read the token from FILE ('-' = stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) token_file: Option<String>,

    /// Request budget, a sliding window ('off' to disable).
    #[arg(long, value_name = "N/DURATION", default_value = "5/10s")]
    pub(crate) rate: RateSetting,

    /// Give up when retries have made no progress for this long.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub(crate) retry_for: Duration,

    /// Per-request timeout for the response headers and again for the body.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) timeout: Duration,

    /// Write each whole page body as one line instead of one line per record.
    #[arg(long)]
    pub(crate) pages: bool,

    /// Also save each page to DIR/<report><n>.json (n from 0).
    #[arg(long, value_name = "DIR")]
    pub(crate) save_pages: Option<PathBuf>,

    /// Keep a checkpoint in FILE for incremental runs.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,

    /// With --state: the window ends this long before now (late events settle).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub(crate) lag: Duration,

    /// With --state: each run starts this long before the checkpoint.
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = parse_duration)]
    pub(crate) overlap: Duration,

    /// Which records already emitted are skipped (default: changed with --state, else none).
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) dedup: Option<Dedup>,

    /// Append records to FILE (exactly once with --state) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Ask for gzip-compressed pages: auto (except from loopback hosts), gzip or none.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub(crate) compression: Compression,

    /// Extra trusted CA certificates (PEM).
    #[arg(
        long,
        env = "SSL_CERT_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub(crate) ca_cert: Option<PathBuf>,

    /// Draw the progress line even when stderr is not a terminal.
    #[arg(long)]
    pub(crate) progress: bool,

    /// Print nothing but errors.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Log each HTTP exchange and retry decision to stderr (secrets redacted).
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
}

/// Extra man page sections, plain text (paragraphs separated by blank lines).
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "TOKENS",
        "The first source found wins: --token-command CMD (run with sh -c; run again when the API answers 401 InvalidAuthenticationToken or the token is within 5 minutes of expiry), --token-file FILE (- is stdin), the AAD_ACCESS_TOKEN variable, and stdin when it is not a terminal. Each may hold the raw token or the JSON that aad-token -o json prints (or a token endpoint's own response). Without --token-command an expired or rejected token ends the run with status 3.\n\n\
Limits: a token document (from a file, stdin or the command) is read up to 1 MiB; the token in it must be visible ASCII (no white space, control or non-ASCII characters) of at most 64 KiB, and its tokenType an HTTP authentication scheme name. Anything else cannot be a token: the run ends at once with status 3, before any request.\n\n\
--token-command runs in a process group of its own. When it runs longer than --token-timeout (default 5m), the whole group is killed (SIGKILL), so nothing it started is left behind, and the run ends with status 3. Its stderr is shown after it ends, each line with control characters escaped and the token masked.\n\n\
The token, and any token a command printed, is masked as *** in everything aad-fetch writes to stderr, also in what a server answers; -v shows URLs with their user information (user:password@) and secret query values as ***.",
    ),
    (
        "PAGING, PACING AND RETRIES",
        "Pages are followed by their @odata.nextLink (or odata.nextLink) verbatim; a relative link is resolved against the URL of the page that carried it (RFC 3986), and a link to another scheme, host or port is refused, so the bearer token never leaves its host. For legacy reports api-version is kept exactly once. Empty pages with a next link are followed; an empty last page ends the chain. The next page is requested while the current one is written (one page in flight) over one kept-alive connection, with gzip (--compression auto asks for gzip from every host but loopback ones, where compressing only costs time).\n\n\
REPORT may carry a query of its own (auditLogs/signIns?$top=50&$orderby=createdDateTime): its options are sent with every first request of a slice, and its $filter is joined with the time window and --filter by 'and'. Giving $top or $select there and --top or --select too is a usage error (status 2), as is a fragment (#...) or a path that is not a valid URI (percent-encode spaces as %20). --graph-url and --legacy-graph-url are bases: no query or fragment.\n\n\
Every record of a page must be a JSON object: a page whose value array holds anything else is malformed (status 6, naming the page URL and the record, value[i]), and nothing of it is written.\n\n\
Requests are paced to --rate, a sliding window: at most N requests in any window of the given length, which is how the reporting service counts its budget (5 requests per 10 seconds per app and tenant). Every 429 is still honoured.\n\n\
429, 500, 502, 503, 504, 408, connection failures, timeouts and truncated or unparsable bodies are retried, honouring Retry-After (seconds or an HTTP date; a date that is not in the future counts as no Retry-After), otherwise with exponential backoff and full jitter (1 s base, 60 s cap), until --retry-for passes without a page being fetched (status 5). A page is written only after it was received and parsed whole.\n\n\
The window is fetched as slices of --slice, oldest first, each its own chain of pages, newest first within the slice as the service answers. A slice that fails three times in a row with 504 or a timeout, or whose skip token the service rejects, is halved and refetched, down to one minute, and records already written from it are not written again.",
    ),
    (
        "INCREMENTAL STATE",
        "With --state FILE each run fixes its window end at now minus --lag before it starts. The window starts at the checkpoint minus --overlap (the first run starts at --since, or one day before the window end). Records are written oldest slice first; after every page written out the state file is rewritten atomically (temporary file, fsync, rename): the checkpoint (the end of the last completed slice), the output file length, and the id, content hash and time of every record emitted since checkpoint minus overlap. A record already emitted is skipped according to --dedup (changed: same id and same content; id: same id; none). A record without an id is never the same event as another record of the same run; of the copies an earlier run emitted inside the overlap, each is skipped once when the overlap brings it again. Without --state nothing is skipped unless --dedup is given. A checkpoint that is not a time or lies in the future is refused (status 7). A skip token cannot be resumed, so a run that was stopped refetches the slice in progress from its start and skips what it already emitted. A second run on the same state file refuses to start while the first holds its lock (FILE.lock).\n\n\
The state file is JSON: {\"version\":1,\"query\":\"<report and filter>\",\"checkpoint\":\"<RFC 3339>\",\"output\":{\"path\":\"...\",\"length\":N,\"tail\":\"<16 hex digits>\"},\"emitted\":[{\"id\":\"...\",\"hash\":\"<16 hex digits of SHA-256>\",\"time\":\"<RFC 3339>\"},...]}. It refers to one report and query; using it for another is an error.",
    ),
    (
        "DELIVERY GUARANTEES",
        "With --output FILE (appended to; the tool owns the file) delivery is exactly once: after each page the file is flushed and fsynced, then the state records its length with the emitted ids. A run that finds the file longer than the state says (the previous run died between the two) first truncates it back to that length. Killed at any moment, the next run neither loses nor repeats a record.\n\n\
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
        "The --state file and its FILE.lock sibling; the --output file and its FILE.lock sibling (naming the state that owns it); DIR/<report><n>.json with --save-pages.\n\n\
A write past a file-size limit (ulimit -f) fails with 'File too large' and ends the run with status 7; it does not kill aad-fetch silently.",
    ),
    (
        "SEE ALSO",
        "aad-token(1), aad-format(1), aad-emulator(1), jq(1)",
    ),
];
