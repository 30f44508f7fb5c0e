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
use aad_common::time::{RateSetting, format_duration, parse_duration};
use aad_http::Compression;
use clap::{Parser, ValueEnum};

use crate::rate_group::GroupRule;
use crate::window::MAX_DURATION;

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

/// What `--if-locked` does when another run holds the state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum IfLocked {
    /// Exit 7 with an error.
    Fail,
    /// Exit 0 at once, with one line on stderr.
    Skip,
    /// Wait until the other run ends, then run.
    Wait,
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

/// Worked examples, shown by `--help` (before the exit statuses) and as the man page's
/// EXAMPLES.
const EXAMPLES: &str = "
  # The last 7 days of audit events (the original article's sample), as NDJSON:
  aad-token | aad-fetch directoryAudits --since 7d > week.ndjson

  # Sign-ins of the last day to CSV. Run `set -o pipefail` first (bash, zsh): without it a
  # pipeline's status is aad-format's, and a failed fetch leaves an empty CSV and status 0.
  aad-token | aad-fetch signIns --since 1d | aad-format --to csv > signins.csv

  # One user's failed sign-ins since midnight yesterday (UTC), as a table:
  aad-token | aad-fetch signIns --since yesterday --user adele.vance@contoso.onmicrosoft.com \\
      --failed | aad-format -t table -f createdDateTime,appDisplayName,status.errorCode

  # Everything done to one object in the last week (its id, as in targetResources):
  aad-token | aad-fetch directoryAudits --since 7d \\
      --target-resource 4e3d2c1b-0a9f-4e8d-9c7b-6a5f4e3d2c1b

  # One activity, yesterday in the local time zone, into a file:
  aad-token | aad-fetch directoryAudits --since yesterday --until today --local \\
      --activity 'Add member to group' -o group-changes.ndjson

  # A cron job every 15 minutes (one line in the crontab): each event exactly once in one
  # growing file. The crontab sets AZURE_TENANT_ID, AZURE_CLIENT_ID and
  # AAD_CLIENT_SECRET_FILE; aad-token, not on cron's PATH, is found beside aad-fetch:
  */15 * * * * /usr/local/bin/aad-fetch directoryAudits --token-command 'aad-token --cache' \\
      --since 7d -q --if-locked skip \\
      --state /var/lib/aad/audits.state --output /var/log/aad/audits.ndjson

  # Any other condition in OData (paths with /, strings in ''), a few fields, at most 100:
  aad-token | aad-fetch directoryAudits --since 36h --filter \"loggedByService eq 'Core Directory'\" \\
      --select id,activityDateTime,activityDisplayName --top 100

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
    after_help = aad_common::cli::short_help_epilogue(crate::NAME),
    after_long_help = aad_common::cli::long_help_epilogue(EXAMPLES),
    mut_arg("completions", |a| a.long_help(aad_common::cli::completions_long_help(crate::NAME))),
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
)]
pub struct Args {
    /// A report name (see --list), a Graph path (auditLogs/signIns) or a full URL.
    #[arg(value_name = "REPORT", required_unless_present_any = ["list"])]
    pub(crate) report: Option<String>,

    /// Print the known reports (name, API, path, time field) and exit.
    #[arg(help_heading = "What to fetch", long)]
    pub(crate) list: bool,

    /// Only this user's records (user principal name or object id)
    ///
    /// Sign-ins: userPrincipalName, or userId for an id. directoryAudits: the user who
    /// did it, initiatedBy/user/userPrincipalName or initiatedBy/user/id. The service
    /// compares names exactly: write them as the logs show them.
    #[arg(help_heading = "What to fetch", long, value_name = "UPN|ID")]
    pub(crate) user: Option<String>,

    /// Only this application's records (display name or application id)
    ///
    /// Sign-ins: appDisplayName or appId. directoryAudits: the application that did it,
    /// initiatedBy/app/displayName or initiatedBy/app/appId. provisioning: the
    /// provisioning service principal, servicePrincipal/displayName or servicePrincipal/id.
    #[arg(help_heading = "What to fetch", long, value_name = "NAME|ID")]
    pub(crate) app: Option<String>,

    /// Only records from this IP address
    ///
    /// Sign-ins: ipAddress. directoryAudits: initiatedBy/user/ipAddress, tested here (not
    /// a documented $filter).
    #[arg(help_heading = "What to fetch", long, value_name = "ADDRESS")]
    pub(crate) ip: Option<String>,

    /// Only failures
    ///
    /// Sign-ins: status/errorCode other than 0; directoryAudits: result 'failure';
    /// provisioning: provisioningStatusInfo/status 'failure'. The service documents none
    /// of these as a $filter (provisioning only on beta), so they are tested here: the
    /// window's records are fetched and the failures written. -v says so.
    #[arg(help_heading = "What to fetch", long)]
    pub(crate) failed: bool,

    /// Only sign-ins that ended with this error code (as 50126)
    #[arg(help_heading = "What to fetch", long, value_name = "CODE")]
    pub(crate) error_code: Option<i64>,

    /// Only audit events of this activity (as 'Add member to group')
    #[arg(help_heading = "What to fetch", long, value_name = "NAME")]
    pub(crate) activity: Option<String>,

    /// Only audit events of this category (as GroupManagement)
    #[arg(help_heading = "What to fetch", long, value_name = "NAME")]
    pub(crate) category: Option<String>,

    /// Only records about this target (object id or display name)
    ///
    /// directoryAudits: any of targetResources, targetResources/any(t: t/id eq ...) or
    /// t/displayName. Sign-ins: the resource signed in to, resourceId or
    /// resourceDisplayName. provisioning: targetIdentity/id or targetIdentity/displayName.
    #[arg(help_heading = "What to fetch", long, value_name = "ID|NAME")]
    pub(crate) target_resource: Option<String>,

    /// Only events started by this user or application (UPN, id or name)
    ///
    /// directoryAudits: a UPN (with @) is initiatedBy/user/userPrincipalName; an id is
    /// initiatedBy/user/id or initiatedBy/app/appId; a name is initiatedBy/user/displayName
    /// or initiatedBy/app/displayName. provisioning: initiatedBy/displayName (an id is
    /// tested here).
    #[arg(help_heading = "What to fetch", long, value_name = "WHO")]
    pub(crate) initiated_by: Option<String>,

    /// An extra OData condition, joined to the time window with 'and'.
    #[arg(help_heading = "What to fetch", long, value_name = "EXPR")]
    pub(crate) filter: Option<String>,

    /// Only these fields (comma-separated).
    #[arg(help_heading = "What to fetch", long, value_name = "FIELDS")]
    pub(crate) select: Option<String>,

    /// Stop after writing N records (asking for no more than N; --top 10 is one request).
    #[arg(help_heading = "What to fetch", long, alias = "max-records", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) top: Option<u64>,

    /// Start of the window: 2026-11-28 10:00, a date, today, yesterday, or 7d back
    ///
    /// WHEN is a date (2026-11-28: its midnight), a date and time with a T or a space
    /// (2026-11-28 10:00, 2026-11-28T10:00:30.5), either with or without a zone (Z,
    /// +01:00, -0500, UTC), today or yesterday (midnight at their start), now, or a
    /// duration back from now (90m, 36h, 7d, 2w). Without a zone, times, dates, today
    /// and yesterday are UTC, the zone of the logs; --local reads them in the local zone.
    #[arg(help_heading = "Time window", long, value_name = "WHEN")]
    pub(crate) since: Option<String>,

    /// End of the time window (exclusive), in the same forms as --since
    #[arg(help_heading = "Time window", long, value_name = "WHEN")]
    pub(crate) until: Option<String>,

    /// Read zone-less --since/--until in the local zone (TZ), not UTC
    ///
    /// Without --local they are UTC. With it they are wall-clock times of the local time
    /// zone (the TZ variable, else the system's): a time the clock skips at a
    /// daylight-saving change is refused, one it passes twice is the earlier.
    #[arg(help_heading = "Time window", long)]
    pub(crate) local: bool,

    /// Cut the window: auto (whole; halved where the service times out), a length (slices oldest first), or none.
    #[arg(
        help_heading = "Time window",
        long,
        value_name = "DURATION",
        default_value = "auto"
    )]
    pub(crate) slice: String,

    /// Append records to FILE (exactly once with --state) instead of stdout.
    #[arg(help_heading = "Output", long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Keep a checkpoint in FILE for incremental runs.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,

    /// With --state, when another run holds the state file: fail, skip or wait.
    ///
    /// For schedules whose runs may overlap (a cron job that sometimes outlasts its
    /// interval). fail: exit 7 with an error, as without this flag. skip: exit 0 at
    /// once, fetching nothing, after one line on stderr ("aad-fetch: skipped: ... is
    /// locked by another run (pid N)"; -q silences it). wait: wait until the other run
    /// ends (its lock is released however it ends, even when killed), then run.
    #[arg(
        help_heading = "Output",
        long,
        value_enum,
        value_name = "WHAT",
        default_value = "fail",
        requires = "state"
    )]
    pub(crate) if_locked: IfLocked,

    /// With --state: the window ends this long before now (late events settle).
    #[arg(help_heading = "Output", long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub(crate) lag: Duration,

    /// With --state: each run starts this long before the checkpoint.
    #[arg(help_heading = "Output", long, value_name = "DURATION", default_value = "2h", value_parser = duration)]
    pub(crate) overlap: Duration,

    /// Which records already emitted are skipped (default: changed with --state, else none).
    #[arg(help_heading = "Output", long, value_enum, value_name = "MODE")]
    pub(crate) dedup: Option<Dedup>,

    /// Put the member "NAME":"VALUE" at the front of every record (repeatable).
    ///
    /// For files merged from several tenants or reports, as --add-field tenantId=<id>:
    /// each record written starts with {"tenantId":"<id>", and every byte the service
    /// sent follows unchanged. NAME and VALUE are written as JSON strings (escaped), NAME
    /// must not be empty, and a NAME may be given once. A record that already has a
    /// top-level member NAME keeps its own (no key is written twice; -v says so once).
    /// Duplicate detection, the state and --save-pages see the records as the service
    /// sent them. Not with --pages.
    #[arg(help_heading = "Output", long, value_name = "NAME=VALUE", value_parser = crate::record_tags::parse_add_field)]
    pub(crate) add_field: Vec<(String, String)>,

    /// At the end of every run, write its figures to FILE (Prometheus textfile format).
    ///
    /// For node_exporter's textfile collector: gauges that describe the last run,
    /// labelled report and tenant (the token's tid, else --add-field tenantId=, else
    /// --tenant/AZURE_TENANT_ID): aad_fetch_records, _pages, _requests,
    /// _throttled_responses, _retries, _received_bytes, _duration_seconds,
    /// _checkpoint_lag_seconds (with --state), _last_run_timestamp_seconds,
    /// _last_success_timestamp_seconds and _exit_status. FILE is replaced atomically
    /// (a temporary file in its directory, fsync, rename), also after a failed run; the
    /// last success time is read back from the FILE the previous run left (0 when none
    /// succeeded yet). A FILE that cannot be written is a warning and does not change
    /// the exit status. Give each tenant and report its own FILE. A run skipped by
    /// --if-locked skip leaves FILE alone: the run holding the state writes it.
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub(crate) metrics: Option<PathBuf>,

    /// At the end of every run, print its figures as one JSON line on stderr.
    ///
    /// The figures of --metrics, even with -q: {"report", "tenant", "exit_status",
    /// "skipped" (true: --if-locked skip found the state locked), "records", "pages",
    /// "requests", "throttled_responses", "retries", "received_bytes", "duration_seconds", "checkpoint_lag_seconds" (null without a
    /// checkpoint), "finished" (RFC 3339), "last_success" (RFC 3339; null when unknown:
    /// it is known from --metrics)}.
    #[arg(help_heading = "Output", long)]
    pub(crate) summary: bool,

    /// Write each whole page body as one line instead of one line per record.
    #[arg(help_heading = "Output", long)]
    pub(crate) pages: bool,

    /// Also save each page to DIR/<report><n>.json (n from 0).
    #[arg(help_heading = "Output", long, value_name = "DIR")]
    pub(crate) save_pages: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(help_heading = "Output", long, short = 'q', conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Log each HTTP exchange and retry decision to stderr (secrets redacted).
    #[arg(help_heading = "Output", long, short = 'v')]
    pub(crate) verbose: bool,

    /// Draw the progress line even when stderr is not a terminal.
    #[arg(help_heading = "Output", long)]
    pub(crate) progress: bool,

    /// Command that prints a token (raw or aad-token -t json); run again to renew it.
    #[arg(help_heading = "Authentication", long, value_name = "CMD")]
    pub(crate) token_command: Option<String>,

    /// Read the token from FILE ('-' = stdin).
    #[arg(help_heading = "Authentication", long, value_name = "FILE")]
    pub(crate) token_file: Option<String>,

    /// Stop --token-command, and every process it started, when it runs longer than this.
    #[arg(help_heading = "Authentication", long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) token_timeout: Duration,

    /// Tenant id or domain (legacy reports; default: the token's tenant).
    #[arg(
        help_heading = "Authentication",
        long,
        env = "AZURE_TENANT_ID",
        hide_env_values = true,
        value_name = "TENANT"
    )]
    pub(crate) tenant: Option<String>,

    /// Request budget, a sliding window ('off' to disable), shared by --rate-group.
    ///
    /// At most N requests go out in any window of DURATION (plus 50 ms), counted
    /// together by every aad-fetch process of the same --rate-group on this machine:
    /// two reports of one tenant pulled in parallel, or two overlapping cron jobs, stay
    /// within the service's budget (5 requests per 10 seconds per application and
    /// tenant) together. Processes of one group should give the same --rate.
    #[arg(help_heading = "Network", long, value_name = "N/DURATION", default_value = "5/10s", value_parser = rate)]
    pub(crate) rate: RateSetting,

    /// Which processes share one --rate budget: tenant, app, none, or a name.
    ///
    /// tenant (the default): processes whose tokens name the same authority, tenant
    /// and application (the claims iss, tid, and appid or azp) and that call the same
    /// Graph host: the service's own unit. app: the same application in any tenant, for
    /// a budget per application across tenants. none: this process paces only itself.
    /// Any other name: every process giving that name shares, whatever its token. A
    /// token without claims (not a JWT) cannot be grouped by tenant or app; that
    /// process paces only itself (-v says so). A throttled answer (429, or 503 with
    /// Retry-After) pauses the whole group for its Retry-After (at most an hour); so
    /// does an answer whose RateLimit-Remaining is 0, until its RateLimit-Reset.
    #[arg(help_heading = "Network", long, value_name = "GROUP", default_value = "tenant", value_parser = GroupRule::parse)]
    pub(crate) rate_group: GroupRule,

    /// Where shared budgets are kept (default $XDG_RUNTIME_DIR/aad-fetch/rate).
    ///
    /// One small file per group, named by a hash of its key, holding the send times of
    /// the last window and a pause, and locked only while it is read and rewritten (a
    /// process killed meanwhile releases it). Without $XDG_RUNTIME_DIR the directory is
    /// aad-fetch-UID/rate in the temporary directory. Directories are created private
    /// (0700); one that belongs to another user or that others may write is refused
    /// (status 7). A damaged file is taken as empty, with a warning.
    #[arg(help_heading = "Network", long, value_name = "DIR")]
    pub(crate) rate_dir: Option<PathBuf>,

    /// Give up when retries have made no progress for this long.
    #[arg(help_heading = "Network", long, value_name = "DURATION", default_value = "15m", value_parser = duration)]
    pub(crate) retry_for: Duration,

    /// Per-request timeout for the response headers and again for the body.
    #[arg(help_heading = "Network", long, value_name = "DURATION", default_value = "5m", value_parser = positive_duration)]
    pub(crate) timeout: Duration,

    /// Ask for gzip-compressed pages: auto (except from loopback hosts), gzip or none.
    #[arg(
        help_heading = "Network",
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    pub(crate) compression: Compression,

    /// Extra trusted CA certificates (PEM).
    #[arg(
        help_heading = "Network",
        long,
        env = "SSL_CERT_FILE",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub(crate) ca_cert: Option<PathBuf>,

    /// National cloud preset for the service hosts.
    #[arg(
        help_heading = "Network",
        long,
        env = "AAD_CLOUD",
        hide_env_values = true,
        value_enum,
        default_value = "public"
    )]
    pub(crate) cloud: Cloud,

    /// Microsoft Graph base URL.
    #[arg(
        help_heading = "Network",
        long,
        env = "AAD_GRAPH_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) graph_url: Option<String>,

    /// Legacy Azure AD Graph base URL.
    #[arg(
        help_heading = "Network",
        long,
        env = "AAD_LEGACY_GRAPH_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) legacy_graph_url: Option<String>,

    /// Microsoft Graph version for Graph reports.
    #[arg(
        help_heading = "Advanced",
        long,
        value_enum,
        value_name = "VERSION",
        default_value = "v1.0"
    )]
    pub(crate) graph_version: GraphVersion,

    /// Records per page, 1 to 1000 [default: REPORT's own $top, else 1000, the service's maximum].
    #[arg(help_heading = "Advanced", long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) page_size: Option<u32>,

    /// The time field for --since/--until when REPORT is a path or URL not in --list.
    #[arg(help_heading = "Advanced", long, value_name = "FIELD")]
    pub(crate) time_field: Option<String>,

    #[command(flatten)]
    pub(crate) standard: aad_common::cli::Standard,
}

/// A duration flag: at most [`MAX_DURATION`] (longer ones are typos, and would take
/// times out of any range a filter can name).
fn duration(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d > MAX_DURATION {
        return Err(format!(
            "'{text}' is longer than {} (100 years)",
            format_duration(MAX_DURATION)
        ));
    }
    Ok(d)
}

/// A duration flag that must be longer than zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    let d = duration(text)?;
    if d.is_zero() {
        return Err(format!("'{text}' must be longer than 0"));
    }
    Ok(d)
}

/// `--rate`: a budget whose window is at most a day (the service counts in seconds).
fn rate(text: &str) -> Result<RateSetting, String> {
    let setting: RateSetting = text.parse()?;
    if let RateSetting::Limit(rate) = setting
        && rate.per > Duration::from_secs(86_400)
    {
        return Err(format!("'{text}': the window must be at most 1d"));
    }
    Ok(setting)
}

pub use crate::manual::MAN_SECTIONS;
