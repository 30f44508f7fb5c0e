//! The `aad-emulator` command line, as typed. No I/O here; [`crate::Config`] resolves it.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use aad_common::time::{RateSetting, parse_duration};
use clap::{Parser, ValueEnum};

/// How `@odata.nextLink` values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NextLinkStyle {
    /// `@odata.nextLink` with an absolute URL (Microsoft Graph, legacy reports).
    Absolute,
    /// `@odata.nextLink` with a relative, percent-encoded reference.
    Relative,
    /// `odata.nextLink` (no `@`) with a relative reference, as the legacy directory API.
    Odata,
}

/// Worked examples, shown by `--help` before the exit statuses.
const EXAMPLES: &str = "
  # Start on a free port and point the tools at it:
  aad-emulator --port 0 --print-env > emulator.env &
  # ... wait for the 'listening on' line, then:
  source <(grep '^export' emulator.env)
  aad-token | aad-fetch directoryAudits --since 7d | aad-format --to text | head

  # HTTPS with a generated CA, for clients that refuse plain-http authorities:
  aad-emulator --port 8443 --tls --cert-out ca.pem

  # A flaky, throttling, slow service:
  aad-emulator --latency-ms 20 --throttle-every 3 --fail-every 5 --truncate-every 7

  # A live tenant: 5 events/s, published up to 2 minutes late, 10% republished:
  aad-emulator --live 5 --max-delay 2m --republish-fraction 0.1

  # 200,000 synthetic records as NDJSON, without serving:
  aad-emulator --dump directoryAudits --records 200000 --seed 1 -o synthetic.ndjson";

/// A local Azure AD + Microsoft Graph reporting service with synthetic data and faults.
#[derive(Debug, Parser)]
#[command(
    name = crate::NAME,
    version,
    about = "A local Azure AD + Microsoft Graph reporting service with synthetic data and fault injection",
    after_help = aad_common::cli::short_help_epilogue(crate::NAME),
    after_long_help = aad_common::cli::long_help_epilogue(EXAMPLES),
    mut_arg("completions", |a| a.long_help(aad_common::cli::completions_long_help(crate::NAME))),
    disable_help_flag = true,
    disable_version_flag = true,
)]
pub struct Args {
    /// Address to listen on.
    #[arg(
        help_heading = "Serving",
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1"
    )]
    pub bind: IpAddr,

    /// Port to listen on; 0 picks a free one (printed in the 'listening on' line).
    #[arg(
        help_heading = "Serving",
        long,
        value_name = "PORT",
        default_value_t = 0
    )]
    pub port: u16,

    /// Serve https with a certificate from a CA generated at start.
    #[arg(help_heading = "Serving", long)]
    pub tls: bool,

    /// With --tls: write the CA certificate (PEM) that clients must trust to FILE.
    #[arg(help_heading = "Serving", long, value_name = "FILE", requires = "tls")]
    pub cert_out: Option<PathBuf>,

    /// Also print 'export' lines that point the tools at this emulator.
    #[arg(help_heading = "Serving", long)]
    pub print_env: bool,

    /// Where --print-env writes the client secret, certificate and token files
    /// (default: a new temporary directory, removed at exit).
    #[arg(help_heading = "Serving", long, value_name = "DIR")]
    pub env_dir: Option<PathBuf>,

    /// Log every request to stderr (secrets redacted).
    #[arg(help_heading = "Serving", short, long)]
    pub verbose: bool,

    /// Rows per report (each sign-in kind has this many; some sign-ins take two rows).
    #[arg(help_heading = "Data", long, value_name = "N", default_value_t = 2000)]
    pub records: usize,

    /// Days of history the records spread over, ending at --now (at most 30: the
    /// retention the emulator applies).
    #[arg(help_heading = "Data", long, value_name = "D", default_value_t = 7)]
    pub days: u32,

    /// Seed for the synthetic data; the same seed and --now give the same records.
    #[arg(help_heading = "Data", long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// The newest possible record time (RFC 3339); default: the time of start.
    #[arg(help_heading = "Data", long, value_name = "TIME")]
    pub now: Option<String>,

    /// Print the records of REPORT as NDJSON (newest first, as aad-fetch receives them
    /// by default: v1.0 audit logs and provisioning, beta sign-ins) and exit, without
    /// serving.
    #[arg(help_heading = "Data", long, value_name = "REPORT")]
    pub dump: Option<String>,

    /// With --dump: write the records to FILE (created or truncated) instead of stdout.
    #[arg(
        help_heading = "Data",
        short = 'o',
        long = "output",
        value_name = "FILE",
        requires = "dump"
    )]
    pub output: Option<PathBuf>,

    /// Tenant id (GUID) of the emulated tenant.
    #[arg(
        help_heading = "Tenant",
        long,
        value_name = "GUID",
        default_value = "5f2b3c4d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
    )]
    pub tenant: String,

    /// Verified domain of the emulated tenant (accepted wherever the tenant id is).
    #[arg(
        help_heading = "Tenant",
        long,
        value_name = "DOMAIN",
        default_value = "contoso.onmicrosoft.com"
    )]
    pub tenant_domain: String,

    /// Serve N tenants from this process, each with its own application (client id),
    /// secret, data and request budget. The flags' tenant, domain, client id and
    /// secret file are the first tenant's.
    #[arg(help_heading = "Tenant", long, value_name = "N", default_value_t = 1)]
    pub tenants: usize,

    /// With --tenants: every tenant's application has the first tenant's client id, as
    /// one multi-tenant application consented in each tenant (secrets stay per tenant).
    #[arg(help_heading = "Tenant", long, requires = "tenants")]
    pub multi_tenant_app: bool,

    /// Client id of the application that holds AuditLog.Read.All.
    #[arg(
        help_heading = "Tenant",
        long,
        value_name = "GUID",
        default_value = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    )]
    pub client_id: String,

    /// Read the application's client secret from FILE instead of generating one.
    #[arg(help_heading = "Tenant", long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,

    /// Trust this certificate (PEM) for client assertions, besides the built-in demo
    /// certificate. Repeatable.
    #[arg(help_heading = "Tenant", long, value_name = "FILE")]
    pub client_cert: Vec<PathBuf>,

    /// Lifetime of issued access tokens (seconds, or a duration such as 10m).
    #[arg(help_heading = "Tenant", long, value_name = "S", default_value = "3599", value_parser = parse_seconds)]
    pub token_ttl: Duration,

    /// The tenant has no Entra ID P1/P2 licence: sign-in reports answer 403.
    #[arg(help_heading = "Tenant", long)]
    pub no_premium: bool,

    /// The tenant has Entra ID P1 but not P2: sign-ins' risk levels and details are
    /// 'hidden'.
    #[arg(help_heading = "Tenant", long)]
    pub no_p2: bool,

    /// Answer every service request no sooner than this many milliseconds after it arrived.
    #[arg(help_heading = "Faults", long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,

    /// Enforce a request budget per client and tenant, answering 429 + Retry-After above it.
    #[arg(
        help_heading = "Faults",
        long,
        value_name = "N/DURATION",
        default_value = "off"
    )]
    pub rate_limit: RateSetting,

    /// Answer every Nth request to a report endpoint with 429.
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub throttle_every: Option<u64>,

    /// The Retry-After seconds sent with --throttle-every answers.
    #[arg(
        help_heading = "Faults",
        long,
        value_name = "SECONDS",
        default_value_t = 1
    )]
    pub retry_after: u64,

    /// Send Retry-After as an HTTP date instead of seconds.
    #[arg(help_heading = "Faults", long)]
    pub retry_after_date: bool,

    /// Answer every Nth request to a report endpoint with 503.
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub fail_every: Option<u64>,

    /// Answer every Nth request to a report endpoint with 504.
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub timeout_every: Option<u64>,

    /// Cut every Nth response from a report endpoint short: announce its length, send
    /// part of it, close the connection.
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub truncate_every: Option<u64>,

    /// Answer every Nth request to a report endpoint with a complete 200 response whose
    /// JSON is cut off halfway (the HTTP framing is right, the document is not).
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub garble_every: Option<u64>,

    /// Answer every Nth request to a report endpoint with a 200 whose body is JSON but
    /// not a page (`value` is not an array).
    #[arg(help_heading = "Faults", long, value_name = "N")]
    pub malformed_every: Option<u64>,

    /// Make some pages empty (a 'value' of [] with a nextLink), and end chains with an
    /// empty last page.
    #[arg(help_heading = "Faults", long)]
    pub empty_pages: bool,

    /// Answer 504 to report queries whose time window is wider than DURATION (or has no
    /// bounds), like the real service timing out on broad queries.
    #[arg(help_heading = "Faults", long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_window: Option<Duration>,

    /// How nextLinks are written.
    #[arg(
        help_heading = "Faults",
        long,
        value_enum,
        value_name = "STYLE",
        default_value = "absolute"
    )]
    pub next_links: NextLinkStyle,

    /// Write absolute nextLinks with this base instead of the one the client used (to
    /// test that clients refuse links to other hosts).
    #[arg(help_heading = "Faults", long, value_name = "URL")]
    pub next_link_base: Option<String>,

    /// Keep creating events at RATE per second per report (live mode).
    #[arg(help_heading = "Live mode", long, value_name = "RATE")]
    pub live: Option<f64>,

    /// Live mode: each event becomes visible after a random delay up to DURATION,
    /// keeping its original timestamp.
    #[arg(help_heading = "Live mode", long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub max_delay: Duration,

    /// Live mode: this fraction of events is republished, enriched, under the same id.
    #[arg(
        help_heading = "Live mode",
        long,
        value_name = "F",
        default_value_t = 0.0
    )]
    pub republish_fraction: f64,

    #[command(flatten)]
    pub standard: aad_common::cli::Standard,
}

/// Seconds as a plain number, or a duration with a unit.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<u64>() {
        Ok(s) => Ok(Duration::from_secs(s)),
        Err(_) => parse_duration(text),
    }
}

/// Extra man page sections (the man page is generated from [`Args`] plus these).
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "ENDPOINTS",
        "Token: POST /{tenant}/oauth2/v2.0/token (scope=<resource>/.default) and POST /{tenant}/oauth2/token?api-version=1.0 (resource=...), client secret in the form or HTTP Basic, client assertions (certificate, PS256 or RS256, x5t#S256 or x5t) and federated assertions.\n\
Discovery: GET /{tenant}/v2.0/.well-known/openid-configuration, GET /{tenant}/.well-known/openid-configuration, GET /common/discovery/instance.\n\
Managed identity: GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=... with 'Metadata: true' (IMDS); GET /msi/token?api-version=2019-08-01&resource=... with X-IDENTITY-HEADER (App Service).\n\
Microsoft Graph: GET /{v1.0,beta}/auditLogs/{directoryAudits,signIns,provisioning}, with $filter, $top (1 to 1000, default 1000), $select (not on signIns), $orderby (the time field, desc), $skiptoken.\n\
Signing keys: GET /{tenant}/discovery/v2.0/keys (v2 discovery's jwks_uri), GET /common/discovery/keys and /{tenant}/discovery/keys (v1).\n\
Legacy Azure AD Graph: GET /{tenant}/reports/{auditEvents,signinEvents}?api-version=beta, GET /{tenant}/reports?api-version=beta, GET /{tenant}/reports/$metadata?api-version=beta.\n\
Test support (no faults, no authentication): GET /_emulator/truth?report=NAME (every visible row as NDJSON, rendered as --dump renders it; &version=v1.0 or beta picks the version, &prefer=1 keeps evolvable enum members), GET /_emulator/requests (the last 10,000 requests as NDJSON, secrets redacted, each with received_ms, the real clock in milliseconds), GET /_emulator/stats, GET /_emulator/federated-token?subject=S.",
    ),
    (
        "FAULTS",
        "Faults apply to report endpoints only, after authentication, the rate limit, permission checks and query validation, so only requests that would otherwise succeed are counted. Each endpoint (path without query) counts its own requests from 1; request n is throttled when n is a multiple of --throttle-every, else fails with 503 when a multiple of --fail-every, else 504 when a multiple of --timeout-every, else is truncated when a multiple of --truncate-every, else gets a cut-off JSON document in a complete response when a multiple of --garble-every, else gets a malformed page when a multiple of --malformed-every. --latency-ms delays the first byte of every non-test response to at least that many milliseconds after the request arrived; the emulator's own work happens inside that time.",
    ),
    (
        "ENVIRONMENT",
        "With --print-env, the emulator prints these lines before 'listening on': AZURE_AUTHORITY_HOST, AAD_GRAPH_URL, AAD_LEGACY_GRAPH_URL, AZURE_TENANT_ID, AZURE_CLIENT_ID, AAD_CLIENT_SECRET_FILE (a file holding the secret, mode 0600), SSL_CERT_FILE (with --tls), and for other credential kinds AAD_EMULATOR_CERTIFICATE_PATH (PEM certificate and key), AAD_EMULATOR_FEDERATED_TOKEN_FILE, AAD_EMULATOR_IMDS_ENDPOINT, AAD_EMULATOR_IDENTITY_ENDPOINT, AAD_EMULATOR_IDENTITY_HEADER, AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID and AAD_EMULATOR_NOPERM_CLIENT_ID (an application without AuditLog.Read.All). The tenant and client variables are the first tenant's.\n\
AAD_EMULATOR_TENANTS lists one env file per tenant (--tenants N; the first is the flags' tenant), separated by spaces: each file exports AZURE_AUTHORITY_HOST, AAD_GRAPH_URL, AAD_LEGACY_GRAPH_URL, SSL_CERT_FILE (with --tls), and that tenant's AZURE_TENANT_ID, AZURE_CLIENT_ID and AAD_CLIENT_SECRET_FILE. The paths have no spaces unless --env-dir has. One pull per tenant, in turn or four at a time:\n\
  for env in $AAD_EMULATOR_TENANTS; do (. \"$env\" && aad-token | aad-fetch directoryAudits --since 1d > \"audits-$AZURE_TENANT_ID.ndjson\"); done\n\
  printf '%s\\n' $AAD_EMULATOR_TENANTS | xargs -P 4 -I{} sh -c '. \"{}\" && aad-token | aad-fetch signIns --since 1d > \"signins-$AZURE_TENANT_ID.ndjson\"'\n\
Tenants after the first get ids, client ids and data derived from --seed and their number (the same on every run), domains numbered after --tenant-domain's first label (contoso2.onmicrosoft.com), and secrets made at start. Each tenant has its own records, and its own --rate-limit budget per application, as the service counts 5 requests per 10 s per application and tenant. Report listings serve the tenant the token was issued in; token and discovery endpoints and the legacy reports the tenant in the path. /_emulator/truth takes &tenant= (an id, a domain or a number from 1; default the first), and every /_emulator/requests entry names its \"tenant\".",
    ),
    (
        "FILES",
        "With --print-env, in --env-dir (default: a temporary directory removed at exit): client-secret (the application's secret, mode 0600), client-secret-N and tenant-N.env (tenant N's secret and env file), client.pem (the demo certificate and its private key, trusted for client assertions; test material, never use it elsewhere), federated-token (a federated token the emulator's identity provider issued), ca.pem (with --tls, unless --cert-out names another file).\n\nWith --dump and -o FILE, the records go to FILE (created or truncated) instead of stdout; a format name as FILE (-o json) is refused as a usage error, -o ./json means the file.",
    ),
    (
        "CONFORMANCE",
        "The emulator answers as Microsoft Graph's documentation, its SDK models and captured answers show. Where the public record is silent it makes these choices.\n\
Filters. Each list accepts the property/operator pairs its resource documents: signIns v1.0 and beta differ (beta has no riskEventTypes; signInEventTypes, appOwnerTenantId, authenticationRequirement, conditionalAccessAudiences, originalRequestId, resourceOwnerTenantId, servicePrincipalId, servicePrincipalName, tokenIssuerName, userAgent are beta only); directoryAudits the same in both; provisioning eq and contains, and eq, gt, lt (not ge, le) on activityDateTime. Also accepted: gt and lt on the time fields of signIns and directoryAudits (collectors send them); ne wherever eq is, except on time fields; the filters Microsoft publishes without annotating them (status/errorCode ne, deviceDetail/isCompliant eq, isInteractive eq, resourceServicePrincipalId eq, id eq, appliedConditionalAccessPolicies/any(c: c/id eq '...' and c/result eq '...')); eq on directoryAudits category, result and operationType; provisioning's initiatedBy compared through initiatedBy/displayName, and durationInMilliseconds (eq, gt, lt) and provisioningStatusInfo/status (eq, contains) on v1.0 as on beta. Collections are filtered in the lambda form (riskEventTypes_v2/any(r: r eq 'x'), targetResources/any(t: t/id eq 'x')). and, or and parentheses combine clauses; not is refused. eq compares strings exactly; startswith (any letter case in its name) matches regardless of letter case on signIns and directoryAudits; provisioning's filters are all case-sensitive. Time literals are unquoted (a date alone is midnight UTC). Every refusal (an unknown or undocumented property or operator, a string compared with a number, a quoted time, a time before retention, bad syntax) is 400 BadRequest \"Invalid filter clause\"; the reason is in /_emulator/requests (\"reason\") and in --verbose lines.\n\
Sign-in kinds. Without a signInEventTypes clause signIns lists interactive sign-ins only (v1.0 never lists others). signInEventTypes/any(t: t eq '...') and ne '...' select kinds, merged newest first (ne 'interactiveUser' lists the three others); the values match regardless of letter case (Microsoft's own example writes 'noninteractiveUser'); naming a user kind and a workload kind with eq in one filter is refused.\n\
Retention. Sign-ins and audit logs are kept 30 days (Entra ID P1/P2) before --now (or the start time): a filter that names an earlier time is refused, and --days is at most 30.\n\
$select is refused on signIns (400 BadRequest, ASP.NET OData's message, both versions); elsewhere it takes the version's own properties and returns exactly those. $top outside 1 to 1000 is 400 BadRequest, and so is an $orderby other than the time field descending (the list's own order; DESC in any letter case). A skip token this emulator did not make is 400 UnknownError \"Invalid Skip Token, skip token is null\".\n\
Records. v1.0 and beta each list their own model's properties (v1.0 signIn includes the six properties added to its schema in 2026). signIn createdDateTime and provisioning activityDateTime are whole seconds, directoryAudit activityDateTime has seven fractional digits. Evolvable enum members (report-only conditional-access results, newer riskDetail values, ...) are sent only with 'Prefer: include-unknown-enum-members', else unknownFutureValue (UnknownFutureValue for tokenIssuerType), member by member in flags values. appliedConditionalAccessPolicies is left out for callers without Policy.Read.All (the main application holds it). --no-p2 makes risk levels and details 'hidden'. Users, groups, applications, service principals and policies keep their ids and names across events; about 3 in 100 sign-ins are listed in two rows of one id and time (one conditional-access evaluation each) and 3 in 100 again with risk detections added, so --records counts rows, not distinct ids. directoryAudits pages without $select carry the @microsoft.graph.tips of Microsoft's examples.\n\
Answers. Every Graph answer, errors included, carries request-id, client-request-id (the caller's, else the request-id; both also in an error's innerError), x-ms-ags-diagnostic and Date; beta answers the deprecation Link captured on beta signIns; https answers Strict-Transport-Security. A missing AuditLog.Read.All is 403 Authentication_MSGraphPermissionMissing. A 429 is UnknownError, \"This request is throttled. Please try again after the value (in seconds) specified in the Retry-After header. CorrelationId: <request-id>\", with Retry-After in whole seconds. Next links repeat $filter, $top, $orderBy, then the other options, form-encoded (',' as %2C, quote as %27, spaces as +), then $skiptoken. Token errors join the AADSTS message and the Trace ID, Correlation ID and Timestamp lines with CR LF.\n\
Tokens. Access tokens are RS256 JWTs (kid and x5t name the key, made at every start and published as a JWKS with its certificate). Tokens for Microsoft Graph are v1 tokens (issuer https://sts.windows.net/{tenant}/) from either token endpoint, as Azure AD issues them.",
    ),
    (
        "LIMITS",
        "Numbers beyond these are usage errors (status 2): --records 10000000, --live 10000 events per second, --latency-ms 600000, --retry-after 86400, --max-delay 1d, --max-window 30d, --token-ttl 365d, the --rate-limit window 1d, --days 30, --now from the year 1971 to 9999. Requests are answered by two async workers; generating data, filtering, rendering and compressing run on up to four other threads, so the emulator keeps answering (/_emulator/stats among others) while it generates a large dataset or serves many clients. /_emulator/stats counts requests per route (the path with its tenant and unknown segments named), not per path.",
    ),
    ("SEE ALSO", "aad-token(1), aad-fetch(1), aad-format(1)"),
];
