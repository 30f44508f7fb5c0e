//! The `aad-token` command line, as typed. No I/O here; `settings` resolves it.
//!
//! Public for the man page generator (`tests/man.rs`), which renders
//! `Args::command()` plus [`MAN_SECTIONS`].

#![allow(
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    reason = "the doc comments of Args are clap's help texts, written for a terminal"
)]

use std::path::PathBuf;

use aad_common::cloud::Cloud;
use clap::{Parser, ValueEnum};

/// Worked examples, shown by `--help` before the exit statuses.
const EXAMPLES: &str = "
  # A token for Microsoft Graph, straight into the next tool:
  export AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_CLIENT_ID=0a1b2c3d-...
  aad-token --client-secret-file ~/.config/aad/secret | aad-fetch directoryAudits --since 7d

  # Any HTTP client: print the header line and let curl read it:
  aad-token -t header | curl -H @- https://graph.microsoft.com/v1.0/auditLogs/directoryAudits

  # Which roles does the application's token carry (AuditLog.Read.All)?
  aad-token --claims

  # On an Azure VM or in App Service, with the resource's managed identity:
  aad-token --managed-identity | aad-fetch signIns --since 1d

  # A certificate instead of a secret (PEM with certificate and private key):
  aad-token --certificate ~/.config/aad/app.pem -t json

  # The token in a private file (mode 0600) that later commands read:
  aad-token -t json -o token.json && \\
      aad-fetch signIns --since 1d --token-file token.json > signins.ndjson

  # Cron, every 15 minutes (one line in the crontab), reusing the token while it is valid
  # and renewing it when it expires (aad-fetch finds aad-token beside itself):
  */15 * * * * /usr/local/bin/aad-fetch directoryAudits --token-command 'aad-token --cache' \\
      --since 7d -q --if-locked skip \\
      --state /var/lib/aad/audits.state --output /var/log/aad/audits.ndjson";

/// Which credential to use, when the automatic choice is not wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CredentialKind {
    /// Client secret: AZURE_CLIENT_SECRET, --client-secret-file or AAD_CLIENT_SECRET_FILE.
    Secret,
    /// Certificate: a client assertion signed with --certificate.
    Certificate,
    /// Workload identity federation: --federated-token-file as the client assertion.
    WorkloadIdentity,
    /// Managed identity: IDENTITY_ENDPOINT + IDENTITY_HEADER, or IMDS.
    ManagedIdentity,
}

/// The token endpoint flavour (Azure AD v1 or v2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Endpoint {
    /// /<tenant>/oauth2/v2.0/token with scope=<resource>/.default.
    V2,
    /// /<tenant>/oauth2/token?api-version=1.0 with resource=<resource>.
    V1,
}

/// How a client secret is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ClientAuth {
    /// client_id and client_secret as form fields (what Azure expects).
    #[default]
    Form,
    /// HTTP Basic authentication (RFC 6749 section 2.3.1).
    Basic,
}

/// What is printed (`-t/--to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Format {
    /// The access token and a newline.
    #[default]
    Raw,
    /// The JSON object of `az account get-access-token`.
    Json,
    /// `Authorization: Bearer <token>`, for `curl -H @-`.
    Header,
}

/// Gets an OAuth2 access token for Microsoft Graph (client credentials) and prints it.
#[derive(Debug, Default, Parser)]
#[command(
    name = crate::NAME,
    version,
    about = "Get an Azure AD (Entra ID) access token for Microsoft Graph and print it",
    long_about = "Gets an access token with the OAuth2 client-credentials grant (client secret, \
certificate, workload identity federation) or from a managed identity, and prints it for the \
next tool in a pipeline. Settings come from flags or the Azure SDK environment variables.",
    after_help = aad_common::cli::short_help_epilogue(crate::NAME),
    after_long_help = aad_common::cli::long_help_epilogue(EXAMPLES),
    mut_arg("completions", |a| a.long_help(aad_common::cli::completions_long_help(crate::NAME))),
    disable_help_flag = true,
    disable_version_flag = true,
)]
pub struct Args {
    /// Tenant id (GUID) or verified domain.
    #[arg(
        help_heading = "Credential",
        long,
        value_name = "TENANT",
        env = "AZURE_TENANT_ID",
        hide_env_values = true
    )]
    pub(crate) tenant: Option<String>,

    /// Application (client) id; with a managed identity, selects a user-assigned one.
    #[arg(
        help_heading = "Credential",
        long,
        value_name = "ID",
        env = "AZURE_CLIENT_ID",
        hide_env_values = true
    )]
    pub(crate) client_id: Option<String>,

    /// Read the client secret from FILE, '-' for stdin (or set AZURE_CLIENT_SECRET).
    #[arg(help_heading = "Credential", 
        long,
        value_name = "FILE",
        value_parser = path,
        env = "AAD_CLIENT_SECRET_FILE",
        hide_env_values = true
    )]
    pub(crate) client_secret_file: Option<PathBuf>,

    /// Refused: a secret on the command line shows in `ps` and shell history.
    #[arg(help_heading = "Credential", long, value_name = "VALUE", hide = true)]
    pub(crate) client_secret: Option<String>,

    /// PEM file with the certificate and its RSA private key.
    #[arg(help_heading = "Credential", 
        long,
        value_name = "FILE",
        value_parser = path,
        env = "AZURE_CLIENT_CERTIFICATE_PATH",
        hide_env_values = true
    )]
    pub(crate) certificate: Option<PathBuf>,

    /// File holding a federated token (workload identity); read again on every request.
    #[arg(help_heading = "Credential", 
        long,
        value_name = "FILE",
        value_parser = path,
        env = "AZURE_FEDERATED_TOKEN_FILE",
        hide_env_values = true
    )]
    pub(crate) federated_token_file: Option<PathBuf>,

    /// Use the managed identity of this Azure resource (same as --credential managed-identity).
    #[arg(help_heading = "Credential", long, conflicts_with = "credential")]
    pub(crate) managed_identity: bool,

    /// Use this credential kind instead of choosing one from what is configured.
    #[arg(help_heading = "Credential", long, value_enum, value_name = "KIND")]
    pub(crate) credential: Option<CredentialKind>,

    /// Output format: raw (the token), json (as az account get-access-token), header
    #[arg(
        help_heading = "Output",
        short = 't',
        long = "to",
        value_enum,
        value_name = "FORMAT"
    )]
    pub(crate) to: Option<Format>,

    /// Write the token to FILE (replaced whole, mode 0600) instead of stdout
    ///
    /// For one release, -o raw, -o json and -o header (--output too) still mean the
    /// format, as they did before -t/--to existed, with a warning; write -o ./json for a
    /// file named json.
    #[arg(help_heading = "Output", short = 'o', long = "output", value_name = "FILE", value_parser = path)]
    pub(crate) output: Option<PathBuf>,

    /// Print the token's decoded JWT header and claims instead of the token.
    #[arg(help_heading = "Output", long, conflicts_with = "to")]
    pub(crate) claims: bool,

    /// Reuse a token from the per-user cache while more than 5 minutes remain.
    #[arg(help_heading = "Output", long)]
    pub(crate) cache: bool,

    /// Log each HTTP exchange and decision to stderr (never secrets or tokens).
    #[arg(help_heading = "Output", short, long, conflicts_with = "quiet")]
    pub(crate) verbose: bool,

    /// Print nothing on stderr but errors.
    #[arg(help_heading = "Output", short, long)]
    pub(crate) quiet: bool,

    /// National cloud preset for the login and Graph hosts.
    #[arg(
        help_heading = "Service",
        long,
        value_enum,
        value_name = "CLOUD",
        env = "AAD_CLOUD",
        hide_env_values = true
    )]
    pub(crate) cloud: Option<Cloud>,

    /// The API the token is for [default: the Microsoft Graph base].
    #[arg(help_heading = "Service", long, value_name = "URI")]
    pub(crate) resource: Option<String>,

    /// Send this scope instead of '<resource>/.default'.
    #[arg(help_heading = "Service", long, value_name = "SCOPE")]
    pub(crate) scope: Option<String>,

    /// Azure AD token endpoint version [default: v2, or as the --token-url path says].
    #[arg(help_heading = "Service", long, value_enum, value_name = "VERSION")]
    pub(crate) endpoint: Option<Endpoint>,

    /// POST to this token endpoint instead (any standards-compliant OAuth2 server).
    #[arg(help_heading = "Service", long, value_name = "URL")]
    pub(crate) token_url: Option<String>,

    /// Login host [default: from --cloud, https://login.microsoftonline.com].
    #[arg(
        help_heading = "Service",
        long,
        value_name = "URL",
        env = "AZURE_AUTHORITY_HOST",
        hide_env_values = true
    )]
    pub(crate) authority_host: Option<String>,

    /// Microsoft Graph base, the default resource [default: from --cloud, https://graph.microsoft.com].
    #[arg(
        help_heading = "Service",
        long,
        value_name = "URL",
        env = "AAD_GRAPH_URL",
        hide_env_values = true
    )]
    pub(crate) graph_url: Option<String>,

    /// Also trust the CA certificates in this PEM file.
    #[arg(help_heading = "Service", 
        long,
        value_name = "FILE",
        value_parser = path,
        env = "SSL_CERT_FILE",
        hide_env_values = true
    )]
    pub(crate) ca_cert: Option<PathBuf>,

    /// How to send a client secret: form fields or HTTP Basic.
    #[arg(
        help_heading = "Advanced",
        long,
        value_enum,
        value_name = "HOW",
        default_value_t
    )]
    pub(crate) client_auth: ClientAuth,

    #[command(flatten)]
    pub(crate) standard: aad_common::cli::Standard,
}

/// A path; an empty one (`AZURE_CLIENT_CERTIFICATE_PATH=`) means unset, as in the Azure
/// SDKs, instead of being a usage error.
fn path(value: &str) -> Result<PathBuf, std::convert::Infallible> {
    Ok(PathBuf::from(value))
}

/// Extra man page sections, plain text (the man page is [`Args`] plus these).
pub const MAN_SECTIONS: &[(&str, &str)] = &[
    (
        "CREDENTIALS",
        "The credential kind is chosen in this order, the first that applies wins:\n\
1. --credential KIND, or --managed-identity.\n\
2. A credential file named on the command line: --client-secret-file, then --certificate, then --federated-token-file.\n\
3. The environment, in the Azure SDK's order (EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential): a client secret (AZURE_CLIENT_SECRET, else the file named by AAD_CLIENT_SECRET_FILE), a certificate (AZURE_CLIENT_CERTIFICATE_PATH), a federated token file (AZURE_FEDERATED_TOKEN_FILE), a managed identity when IDENTITY_ENDPOINT and IDENTITY_HEADER are set.\n\
Otherwise aad-token stops with status 2. The Instance Metadata Service (IMDS) of an Azure VM cannot be detected without a network probe, so it is used only with --managed-identity.\n\n\
Client secret: needs the tenant and the client id. The secret is sent as the form fields client_id and client_secret (--client-auth basic sends HTTP Basic instead, as RFC 6749 allows). --client-secret VALUE is refused with status 2; AAD_CLIENT_SECRET_FILE is an aad-tools extension (aad-emulator --print-env exports it).\n\n\
Certificate: a PEM file with the certificate and its RSA private key (PKCS#8 'PRIVATE KEY' or PKCS#1 'RSA PRIVATE KEY', not encrypted; convert a PFX with 'openssl pkcs12 -in app.pfx -nodes -out app.pem'). aad-token sends a client assertion: a JWT signed with PS256, header 'x5t#S256' = the base64url SHA-256 thumbprint of the certificate, claims aud = the token endpoint URL posted to (without query), iss = sub = the client id, a fresh random jti, nbf = iat = now, exp = now + 10 minutes. When the file holds several certificates, the one that matches the key is used.\n\n\
Workload identity: the content of the federated token file (as projected by AKS) is the client assertion. The file is read again for every request, so a rotated token is picked up.\n\n\
Limits: the client secret (a file, or stdin with -) and the federated token file are read up to 64 KiB, the certificate file up to 1 MiB; a longer file ends with status 7, as an unreadable one does.\n\n\
Managed identity: with IDENTITY_ENDPOINT and IDENTITY_HEADER set (App Service, Functions), GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=R with the header X-IDENTITY-HEADER; otherwise IMDS, GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=R with 'Metadata: true'. AZURE_POD_IDENTITY_AUTHORITY_HOST replaces the IMDS host (Azure SDK convention; the tests point it at aad-emulator). --client-id (or AZURE_CLIENT_ID) selects a user-assigned identity; unset it for the system-assigned one. IMDS answers 404, 410, 429 and 5xx are retried with exponential backoff, at most 4 attempts within about 10 seconds.\n\n\
Endpoints: v2 POSTs grant_type=client_credentials and scope=<resource>/.default to <authority>/<tenant>/oauth2/v2.0/token; v1 POSTs resource=<resource> to <authority>/<tenant>/oauth2/token?api-version=1.0. The resource is --resource, else the Microsoft Graph base of the cloud (--graph-url or AAD_GRAPH_URL when set). --scope replaces the scope; with v1 or a managed identity, a scope 'R/.default' becomes resource R. --token-url replaces the computed URL: a path ending in /oauth2/v2.0/token or /oauth2/token is treated as Azure's v2 or v1; for any other path (a third-party OAuth2 server) nothing is added by default: scope is sent only when --scope is given, or as '<resource>/.default' when --resource is given (resource=<resource> with --endpoint v1). Token responses are read leniently: only access_token is required; expires_in and expires_on may be numbers or numeric strings; unknown fields are ignored.\n\n\
Transport: plain http:// is accepted only for loopback hosts, and for link-local managed-identity hosts such as IMDS; everything else must be https. Network failures, 408, 429 and 5xx answers are retried briefly (3 attempts, Retry-After honoured up to 10 seconds), then aad-token stops with status 5. A 2xx answer that is not a token response (not JSON, no access_token string, or a token that is not visible ASCII or longer than 64 KiB) ends with status 6 and is never printed. Token responses are read up to 1 MiB.",
    ),
    (
        "OUTPUT",
        "-t raw (default): the access token and a newline.\n\
-t json: one line, the object `az account get-access-token` prints: accessToken, expiresOn (local time, YYYY-MM-DD HH:MM:SS.ffffff), expires_on (epoch seconds), tokenType, tenant (the token's tid claim, else --tenant). aad-fetch reads it, as well as the raw token.\n\
-t header: 'Authorization: Bearer <token>', for curl -H @-.\n\
-o FILE: the same text goes to FILE instead of stdout. FILE is replaced whole: written to a new file with mode 0600 in the same directory, synced, then renamed over FILE, so a reader never sees half a token and a file that others could read is not reused. A device or a named pipe (/dev/stdout, a FIFO) is written to directly. A directory that cannot be written ends with status 7.\n\
Deprecated: before -t/--to existed, -o (--output) named the format. For one release, -o raw, -o json and -o header (exactly these words) still mean -t raw, -t json and -t header, with a warning on stderr; anything else after -o is a file, and -o ./json names a file called json. With -t or --claims, these three words after -o are a usage error.\n\
--claims: the token's JWT header and claims as indented JSON, {\"header\": {...}, \"claims\": {...}}, without checking the signature; aud, roles, tid, appid and exp show whether the application has the permission it needs (AuditLog.Read.All for audit and sign-in logs). Bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and the line and paragraph separators U+2028 and U+2029 in claims are written as \\uXXXX escapes: the same JSON value, displayed as it is. A token that is not a JWT (some third-party servers issue opaque tokens) ends with status 6.\n\
A token that is not visible ASCII (white space, control or non-ASCII characters) or longer than 64 KiB, or a token type that is not an HTTP authentication scheme name, is refused with status 6, so the output can never inject a header line.",
    ),
    (
        "ENVIRONMENT",
        "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST, AAD_CLOUD, AAD_GRAPH_URL, SSL_CERT_FILE: defaults for the flags of the same meaning; a flag wins over its variable.\n\
AZURE_CLIENT_SECRET: the client secret (read by aad-token itself, never shown by --help).\n\
AAD_CLIENT_SECRET_FILE: default for --client-secret-file, used when AZURE_CLIENT_SECRET is not set (aad-tools extension).\n\
IDENTITY_ENDPOINT, IDENTITY_HEADER: the App Service managed-identity endpoint and its secret header.\n\
AZURE_POD_IDENTITY_AUTHORITY_HOST: replaces http://169.254.169.254 as the IMDS host.\n\
HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY: the proxy for requests to hosts that are not loopback or link-local.\n\
XDG_CACHE_HOME, HOME: where --cache keeps tokens.\n\
Empty variables count as unset, except AAD_CLOUD, which must name a cloud when set.",
    ),
    (
        "FILES",
        "$XDG_CACHE_HOME/aad-tools/token-<hash>.json, or ~/.cache/aad-tools/token-<hash>.json when XDG_CACHE_HOME is unset or not absolute: the --cache files. <hash> is the SHA-256 of the credential kind, token endpoint URL, tenant, client id, scope or resource and endpoint version; the file holds those (without any secret) and the token in the form of -t json. The directory is created with mode 0700 and each file with 0600; a directory or file that other users can read or write, or that another user owns (as under a world-writable XDG_CACHE_HOME), is ignored with a warning. A cache file is read up to 1 MiB, and a cached token is checked like one from the network (visible ASCII, at most 64 KiB, a token type that is an HTTP scheme name); one that fails is ignored with a warning and replaced. A cached token is used while more than 5 minutes of it remain. Files are replaced atomically (a temporary file renamed over the old one), so concurrent runs never read a partial file. A rotated secret does not invalidate a cached token: delete the file or run without --cache.",
    ),
    (
        "SECURITY",
        "Secrets may live in AZURE_CLIENT_SECRET, in a file (--client-secret-file, AAD_CLIENT_SECRET_FILE, best with mode 0600), on stdin (--client-secret-file -), or in the certificate file; never on the command line, where every user sees them with ps. aad-token starts no other process. Secrets, client assertions, IDENTITY_HEADER and tokens are never written to stderr, also not with -v or in errors; -v shows form fields with secret values as ***. Every secret aad-token knows (the client secret, the client assertion or federated token, the certificate's private key, IDENTITY_HEADER, tokens) is masked as *** in everything it writes to stderr, also where a server echoes it in an answer; a secret shorter than 8 characters only where it stands alone, not inside a word. URLs are shown without their user information (user:password@). Only with the output itself does the token reach stdout. The cache never stores a secret. Redirects are not followed, so a credential is only sent to the URL it was meant for.",
    ),
    (
        "SEE ALSO",
        "aad-fetch(1), aad-format(1), aad-emulator(1), az(1)",
    ),
];
