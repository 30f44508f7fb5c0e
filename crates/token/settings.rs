//! Resolving: the command line plus the environment become the settings of one run.
//!
//! Pure: the environment arrives as a function, nothing is read from disk or network,
//! so the unit tests below drive every rule (credential order, endpoints, resource and
//! scope, missing settings) directly.

use std::path::PathBuf;

use aad_common::cloud::Endpoints;
use aad_common::http::{check_url, is_link_local_host, is_loopback_host, url_host};
use aad_common::token::Secret;
use aad_common::{Error, Result};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;

use crate::cli::{Args, ClientAuth, CredentialKind, Endpoint, Output};

/// Reads one environment variable; empty values count as unset.
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The IMDS host when `AZURE_POD_IDENTITY_AUTHORITY_HOST` does not name another.
const IMDS_HOST: &str = "http://169.254.169.254";
/// The IMDS token path below the host.
const IMDS_PATH: &str = "/metadata/identity/oauth2/token";

/// Which credential settings were typed on the command line rather than taken from the
/// environment: a credential named on the command line beats the environment.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Typed {
    /// `--client-secret-file` was given.
    pub(crate) client_secret_file: bool,
    /// `--certificate` was given.
    pub(crate) certificate: bool,
    /// `--federated-token-file` was given.
    pub(crate) federated_token_file: bool,
}

impl Typed {
    /// Reads where clap found the credential settings.
    pub(crate) fn from_matches(matches: &ArgMatches) -> Typed {
        let typed = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
        Typed {
            client_secret_file: typed("client_secret_file"),
            certificate: typed("certificate"),
            federated_token_file: typed("federated_token_file"),
        }
    }
}

/// Everything one run needs, resolved.
#[derive(Debug)]
pub(crate) struct Settings {
    /// How the token is obtained.
    pub(crate) source: Source,
    /// Where the credential came from, for `-v`.
    pub(crate) origin: String,
    /// Extra trusted CA file.
    pub(crate) ca_cert: Option<PathBuf>,
    /// What to print.
    pub(crate) print: Print,
    /// The token cache directory, with `--cache`.
    pub(crate) cache: Option<PathBuf>,
    /// What identifies a cached token of this configuration.
    pub(crate) cache_key: CacheKey,
    /// The tenant, when known (shown in `-o json` unless the token names its own).
    pub(crate) tenant: Option<String>,
    /// `-v`.
    pub(crate) verbose: bool,
    /// `-q`.
    pub(crate) quiet: bool,
}

/// What is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Print {
    /// A token format.
    Token(Output),
    /// The decoded JWT header and claims.
    Claims,
}

/// How the token is obtained.
#[derive(Debug)]
pub(crate) enum Source {
    /// The OAuth2 client-credentials grant at a token endpoint.
    ClientCredentials(ClientCredentials),
    /// A managed-identity endpoint.
    ManagedIdentity(ManagedIdentity),
}

/// A client-credentials request.
#[derive(Debug)]
pub(crate) struct ClientCredentials {
    /// The URL posted to.
    pub(crate) url: String,
    /// The URL without its query: the `aud` of client assertions.
    pub(crate) audience: String,
    /// `scope` or `resource`, when sent.
    pub(crate) target: Option<(&'static str, String)>,
    /// The application (client) id.
    pub(crate) client_id: String,
    /// The credential.
    pub(crate) credential: ClientCredential,
}

/// The credential of a client-credentials request.
#[derive(Debug)]
pub(crate) enum ClientCredential {
    /// A client secret, sent as form fields or with HTTP Basic.
    Secret(SecretSource, ClientAuth),
    /// A PEM certificate and key that sign a client assertion.
    Certificate(PathBuf),
    /// A federated token file used as the client assertion.
    Federated(PathBuf),
}

/// Where the client secret is.
#[derive(Debug)]
pub(crate) enum SecretSource {
    /// From `AZURE_CLIENT_SECRET`.
    Env(Secret),
    /// From a file, or stdin for `-`.
    File(PathBuf),
}

/// A managed-identity request.
#[derive(Debug)]
pub(crate) struct ManagedIdentity {
    /// The endpoint, without the query aad-token adds.
    pub(crate) endpoint: String,
    /// App Service (`IDENTITY_ENDPOINT`) or IMDS.
    pub(crate) flavor: ManagedFlavor,
    /// The resource the token is for.
    pub(crate) resource: String,
    /// A user-assigned identity's client id.
    pub(crate) client_id: Option<String>,
}

/// The managed-identity protocol.
#[derive(Debug)]
pub(crate) enum ManagedFlavor {
    /// App Service and Functions: `X-IDENTITY-HEADER`, api-version 2019-08-01.
    AppService {
        /// The value of `IDENTITY_HEADER`.
        header: Secret,
    },
    /// The Instance Metadata Service: `Metadata: true`, api-version 2018-02-01.
    Imds,
}

/// What identifies a cached token; never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CacheKey {
    /// `secret`, `certificate`, `workload-identity`, `managed-identity`.
    pub(crate) kind: &'static str,
    /// Token endpoint (or managed-identity endpoint).
    pub(crate) url: String,
    /// Tenant as configured.
    pub(crate) tenant: Option<String>,
    /// Client id (application or user-assigned identity).
    pub(crate) client_id: Option<String>,
    /// `scope=...` or `resource=...`.
    pub(crate) target: Option<String>,
}

/// Turns the command line and environment into settings.
pub(crate) fn resolve(args: &Args, typed: Typed, env: Env<'_>) -> Result<Settings> {
    if args.client_secret.is_some() {
        // The value is not repeated: it is a secret.
        return Err(Error::usage(
            "--client-secret is refused: a secret on the command line is visible to every user in `ps` and stays in the shell history",
        )
        .with_hint(
            "set AZURE_CLIENT_SECRET, or put the secret in a file and pass --client-secret-file FILE (or AAD_CLIENT_SECRET_FILE), or pipe it with --client-secret-file -",
        ));
    }
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let tenant = given(&args.tenant);
    let client_id = given(&args.client_id);
    let secret_env = env("AZURE_CLIENT_SECRET");
    let app_service = env("IDENTITY_ENDPOINT").zip(env("IDENTITY_HEADER"));

    let kind = choose_kind(args, typed, secret_env.is_some(), app_service.is_some())?;
    let endpoints = Endpoints::resolve(
        args.cloud.unwrap_or_default(),
        args.authority_host.as_deref(),
        args.graph_url.as_deref(),
        None,
    )?;
    let resource = given(&args.resource).map(|r| r.trim_end_matches('/').to_string());
    let scope = given(&args.scope);
    let wanted = Wanted {
        resource,
        scope,
        graph_url: endpoints.graph_url.clone(),
    };

    let (source, origin) = match kind {
        CredentialKind::ManagedIdentity => {
            if args.token_url.is_some() || args.endpoint.is_some() {
                return Err(Error::usage(
                    "--token-url and --endpoint do not apply to a managed identity (it uses IDENTITY_ENDPOINT, or IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST)",
                ));
            }
            let pod_host = env("AZURE_POD_IDENTITY_AUTHORITY_HOST");
            managed_identity(wanted, client_id.clone(), app_service, pod_host)?
        }
        kind => {
            let client_id = client_id.clone().ok_or_else(|| {
                Error::usage("missing client id: pass --client-id ID or set AZURE_CLIENT_ID")
            })?;
            let (credential, origin) = match kind {
                CredentialKind::Certificate => certificate(args)?,
                CredentialKind::WorkloadIdentity => federated(args)?,
                _ => secret(args, typed, secret_env)?,
            };
            let (url, target) = match given(&args.token_url) {
                Some(url) => token_url(url, args.endpoint, wanted)?,
                None => {
                    let tenant = tenant.as_deref().ok_or_else(|| {
                        Error::usage("missing tenant: pass --tenant TENANT or set AZURE_TENANT_ID")
                    })?;
                    let host = &endpoints.authority_host;
                    azure_token_url(host, tenant, args.endpoint, wanted)?
                }
            };
            let audience = url.split(['?', '#']).next().unwrap_or(&url).to_string();
            let request = ClientCredentials {
                url,
                audience,
                target,
                client_id,
                credential,
            };
            (Source::ClientCredentials(request), origin)
        }
    };

    let cache_key = CacheKey {
        kind: kind_name(kind),
        url: match &source {
            Source::ClientCredentials(c) => c.url.clone(),
            Source::ManagedIdentity(m) => m.endpoint.clone(),
        },
        tenant: tenant.clone(),
        client_id,
        target: match &source {
            Source::ClientCredentials(c) => c.target.as_ref().map(|(k, v)| format!("{k}={v}")),
            Source::ManagedIdentity(m) => Some(format!("resource={}", m.resource)),
        },
    };
    Ok(Settings {
        source,
        origin,
        ca_cert: non_empty(&args.ca_cert),
        print: if args.claims {
            Print::Claims
        } else {
            Print::Token(args.output)
        },
        cache: if args.cache {
            Some(cache_dir(&env)?)
        } else {
            None
        },
        cache_key,
        tenant,
        verbose: args.verbose,
        quiet: args.quiet,
    })
}

/// What the token is for, as given; the Graph base is the default for Azure.
struct Wanted {
    /// `--resource`, without a trailing slash.
    resource: Option<String>,
    /// `--scope`.
    scope: Option<String>,
    /// The Microsoft Graph base of the cloud (or `--graph-url`).
    graph_url: String,
}

/// A form field naming what the token is for: `scope` or `resource`.
type Target = Option<(&'static str, String)>;

/// Azure's token endpoint of `tenant` and what to send to it.
fn azure_token_url(
    host: &str,
    tenant: &str,
    endpoint: Option<Endpoint>,
    wanted: Wanted,
) -> Result<(String, Target)> {
    check_tenant(tenant)?;
    let version = endpoint.unwrap_or(Endpoint::V2);
    let url = match version {
        Endpoint::V2 => format!("{host}/{tenant}/oauth2/v2.0/token"),
        Endpoint::V1 => format!("{host}/{tenant}/oauth2/token?api-version=1.0"),
    };
    Ok((url, target(version, wanted, true)?))
}

/// `--token-url`: a path ending like Azure's gets Azure's defaults and version; any
/// other (a third-party OAuth2 server) only what was given.
fn token_url(url: String, endpoint: Option<Endpoint>, wanted: Wanted) -> Result<(String, Target)> {
    check_url(&url).map_err(|e| Error::usage(format!("--token-url: {}", e.message())))?;
    let shaped = azure_shape(&url);
    let version = endpoint.or(shaped).unwrap_or(Endpoint::V2);
    let target = target(version, wanted, shaped.is_some())?;
    Ok((url, target))
}

/// v2 sends `scope` (`--scope`, or `<resource>/.default`), v1 sends `resource`
/// (`--resource`, or the resource of a `<resource>/.default` scope). For Azure the
/// resource defaults to the Graph base.
fn target(version: Endpoint, wanted: Wanted, azure: bool) -> Result<Target> {
    let Wanted {
        resource,
        scope,
        graph_url,
    } = wanted;
    let resource = resource.or(azure.then_some(graph_url));
    Ok(match (version, scope, resource) {
        (Endpoint::V2, Some(scope), _) => Some(("scope", scope)),
        (Endpoint::V2, None, Some(resource)) => Some(("scope", format!("{resource}/.default"))),
        (Endpoint::V1, Some(scope), _) => Some(("resource", scope_to_resource(&scope)?)),
        (Endpoint::V1, None, Some(resource)) => Some(("resource", resource)),
        (_, None, None) => None,
    })
}

/// The credential kind: forced, else named on the command line, else from the
/// environment in the Azure SDK's order.
fn choose_kind(
    args: &Args,
    typed: Typed,
    secret_env: bool,
    app_service: bool,
) -> Result<CredentialKind> {
    if args.managed_identity {
        return Ok(CredentialKind::ManagedIdentity);
    }
    if let Some(kind) = args.credential {
        return Ok(kind);
    }
    let configured = [
        (
            typed.client_secret_file,
            secret_env || non_empty(&args.client_secret_file).is_some(),
            CredentialKind::Secret,
        ),
        (
            typed.certificate,
            non_empty(&args.certificate).is_some(),
            CredentialKind::Certificate,
        ),
        (
            typed.federated_token_file,
            non_empty(&args.federated_token_file).is_some(),
            CredentialKind::WorkloadIdentity,
        ),
        (false, app_service, CredentialKind::ManagedIdentity),
    ];
    if let Some((_, _, kind)) = configured.iter().find(|(typed, _, _)| *typed) {
        return Ok(*kind);
    }
    if let Some((_, _, kind)) = configured.iter().find(|(_, set, _)| *set) {
        return Ok(*kind);
    }
    Err(Error::usage("no credential configured").with_hint(
        "set AZURE_CLIENT_SECRET or --client-secret-file FILE (AAD_CLIENT_SECRET_FILE), --certificate FILE (AZURE_CLIENT_CERTIFICATE_PATH), --federated-token-file FILE (AZURE_FEDERATED_TOKEN_FILE), or use --managed-identity on Azure",
    ))
}

/// The managed-identity request: App Service when `IDENTITY_ENDPOINT` and
/// `IDENTITY_HEADER` are set, else IMDS (at `AZURE_POD_IDENTITY_AUTHORITY_HOST` if set).
fn managed_identity(
    wanted: Wanted,
    client_id: Option<String>,
    app_service: Option<(String, String)>,
    pod_host: Option<String>,
) -> Result<(Source, String)> {
    let resource = match (wanted.scope, wanted.resource) {
        (Some(scope), _) => scope_to_resource(&scope)?,
        (None, Some(resource)) => resource,
        (None, None) => wanted.graph_url,
    };
    let (endpoint, flavor, which) = match app_service {
        Some((endpoint, header)) => {
            check_managed_url(&endpoint, "IDENTITY_ENDPOINT")?;
            let header = Secret::new(header);
            let flavor = ManagedFlavor::AppService { header };
            (endpoint, flavor, "App Service endpoint")
        }
        None => {
            let host = pod_host
                .as_deref()
                .unwrap_or(IMDS_HOST)
                .trim_end_matches('/');
            check_managed_url(host, "AZURE_POD_IDENTITY_AUTHORITY_HOST")?;
            (format!("{host}{IMDS_PATH}"), ManagedFlavor::Imds, "IMDS")
        }
    };
    let origin = match &client_id {
        Some(id) => format!("managed identity ({which}), user-assigned client id {id}"),
        None => format!("managed identity ({which}), system-assigned"),
    };
    let managed = ManagedIdentity {
        endpoint,
        flavor,
        resource,
        client_id,
    };
    Ok((Source::ManagedIdentity(managed), origin))
}

/// The client secret: a typed `--client-secret-file`, else `AZURE_CLIENT_SECRET`, else
/// the file named by `AAD_CLIENT_SECRET_FILE`.
fn secret(
    args: &Args,
    typed: Typed,
    secret_env: Option<String>,
) -> Result<(ClientCredential, String)> {
    let file = non_empty(&args.client_secret_file);
    let source = match (file, secret_env) {
        (Some(file), _) if typed.client_secret_file => SecretSource::File(file),
        (_, Some(secret)) => SecretSource::Env(Secret::new(secret)),
        (Some(file), None) => SecretSource::File(file),
        (None, None) => {
            return Err(Error::usage(
                "--credential secret needs a client secret: set AZURE_CLIENT_SECRET, or pass --client-secret-file FILE (or set AAD_CLIENT_SECRET_FILE)",
            ));
        }
    };
    let origin = match &source {
        SecretSource::Env(_) => "client secret from AZURE_CLIENT_SECRET".to_string(),
        SecretSource::File(f) => format!("client secret from file '{}'", f.display()),
    };
    Ok((ClientCredential::Secret(source, args.client_auth), origin))
}

/// The certificate file.
fn certificate(args: &Args) -> Result<(ClientCredential, String)> {
    let file = non_empty(&args.certificate).ok_or_else(|| {
        Error::usage(
            "--credential certificate needs a certificate: pass --certificate FILE or set AZURE_CLIENT_CERTIFICATE_PATH",
        )
    })?;
    let origin = format!("certificate '{}'", file.display());
    Ok((ClientCredential::Certificate(file), origin))
}

/// The federated token file.
fn federated(args: &Args) -> Result<(ClientCredential, String)> {
    let file = non_empty(&args.federated_token_file).ok_or_else(|| {
        Error::usage(
            "--credential workload-identity needs a federated token file: pass --federated-token-file FILE or set AZURE_FEDERATED_TOKEN_FILE",
        )
    })?;
    let origin = format!(
        "workload identity, federated token file '{}'",
        file.display()
    );
    Ok((ClientCredential::Federated(file), origin))
}

/// A path, unless empty.
fn non_empty(path: &Option<PathBuf>) -> Option<PathBuf> {
    path.clone().filter(|p| !p.as_os_str().is_empty())
}

/// The endpoint version an Azure-shaped token URL path names.
fn azure_shape(url: &str) -> Option<Endpoint> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let path = path.trim_end_matches('/');
    if path.ends_with("/oauth2/v2.0/token") {
        Some(Endpoint::V2)
    } else if path.ends_with("/oauth2/token") {
        Some(Endpoint::V1)
    } else {
        None
    }
}

/// `R/.default` → `R`; anything else cannot be a resource.
fn scope_to_resource(scope: &str) -> Result<String> {
    match scope.strip_suffix("/.default") {
        Some(resource) if !resource.is_empty() && !resource.contains(char::is_whitespace) => {
            Ok(resource.to_string())
        }
        _ => Err(Error::usage(format!(
            "--scope '{scope}' cannot be used here: the v1 endpoint and managed identities take a resource; pass --resource URI or a scope of the form '<resource>/.default'"
        ))),
    }
}

/// A tenant goes into the URL path: a GUID, a domain, `organizations`.
fn check_tenant(tenant: &str) -> Result<()> {
    let ok = tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok && !tenant.starts_with('.') {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "--tenant '{tenant}' is not a tenant id (GUID) or domain name"
        )))
    }
}

/// Managed-identity endpoints may also be plain http on a link-local address (IMDS).
fn check_managed_url(url: &str, what: &str) -> Result<()> {
    let local = url_host(url).is_some_and(|h| is_loopback_host(h) || is_link_local_host(h));
    if local && url.starts_with("http://") {
        return Ok(());
    }
    check_url(url).map_err(|e| Error::usage(format!("{what}: {}", e.message())))
}

/// `$XDG_CACHE_HOME/aad-tools`, else `$HOME/.cache/aad-tools` (XDG base directories:
/// relative paths are ignored).
fn cache_dir(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_CACHE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".cache")))
        .map(|base| base.join("aad-tools"))
        .ok_or_else(|| {
            Error::usage("--cache needs XDG_CACHE_HOME or HOME set to an absolute directory")
        })
}

/// The `--credential` name of a kind.
fn kind_name(kind: CredentialKind) -> &'static str {
    match kind {
        CredentialKind::Secret => "secret",
        CredentialKind::Certificate => "certificate",
        CredentialKind::WorkloadIdentity => "workload-identity",
        CredentialKind::ManagedIdentity => "managed-identity",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aad_common::Status;

    use super::*;

    const TENANT: &str = "contoso.onmicrosoft.com";
    const CLIENT: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    /// Arguments as clap would give them with AZURE_TENANT_ID and AZURE_CLIENT_ID set.
    fn args() -> Args {
        Args {
            tenant: Some(TENANT.into()),
            client_id: Some(CLIENT.into()),
            ..Args::default()
        }
    }

    fn resolve_with(args: &Args, typed: Typed, vars: &[(&str, &str)]) -> Result<Settings> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve(args, typed, &|name| vars.get(name).cloned())
    }

    fn client_credentials(settings: &Settings) -> &ClientCredentials {
        match &settings.source {
            Source::ClientCredentials(c) => c,
            other => panic!("expected client credentials, got {other:?}"),
        }
    }

    fn managed(settings: &Settings) -> &ManagedIdentity {
        match &settings.source {
            Source::ManagedIdentity(m) => m,
            other => panic!("expected a managed identity, got {other:?}"),
        }
    }

    fn usage_error(result: Result<Settings>) -> String {
        let err = result.expect_err("expected an error");
        assert_eq!(err.status(), Status::Usage, "{err}");
        err.to_string()
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory as _;
        Args::command().debug_assert();
    }

    #[test]
    fn typed_means_given_on_the_command_line() {
        use clap::CommandFactory as _;
        let matches = Args::command()
            .try_get_matches_from(["aad-token", "--certificate", "c.pem"])
            .unwrap();
        let typed = Typed::from_matches(&matches);
        assert_eq!(
            typed,
            Typed {
                certificate: true,
                ..Typed::default()
            }
        );
    }

    #[test]
    fn secret_from_the_environment_posts_v2_with_the_graph_scope() {
        let s = resolve_with(&args(), Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        let c = client_credentials(&s);
        assert_eq!(
            c.url,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert_eq!(c.audience, c.url);
        assert_eq!(
            c.target,
            Some(("scope", "https://graph.microsoft.com/.default".into()))
        );
        assert!(matches!(
            c.credential,
            ClientCredential::Secret(SecretSource::Env(_), ClientAuth::Form)
        ));
        assert!(
            !format!("{s:?}").contains("\"s\""),
            "secret in Debug output"
        );
    }

    #[test]
    fn v1_posts_the_resource_with_api_version_and_audience_without_query() {
        let a = Args {
            endpoint: Some(Endpoint::V1),
            cloud: Some(aad_common::cloud::Cloud::Usgov),
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        let c = client_credentials(&s);
        assert_eq!(
            c.url,
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token?api-version=1.0"
        );
        assert_eq!(
            c.audience,
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/token"
        );
        assert_eq!(
            c.target,
            Some(("resource", "https://graph.microsoft.us".into()))
        );
    }

    #[test]
    fn graph_url_is_the_default_resource_and_scope_overrides() {
        let a = Args {
            graph_url: Some("http://127.0.0.1:4000/".into()),
            authority_host: Some("http://127.0.0.1:4000".into()),
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(
            client_credentials(&s).target,
            Some(("scope", "http://127.0.0.1:4000/.default".into()))
        );
        let a = Args {
            scope: Some("api://x/.default".into()),
            resource: Some("https://ignored".into()),
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(
            client_credentials(&s).target,
            Some(("scope", "api://x/.default".into()))
        );
        let a = Args {
            scope: Some("api://x/.default".into()),
            endpoint: Some(Endpoint::V1),
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(
            client_credentials(&s).target,
            Some(("resource", "api://x".into()))
        );
        let a = Args {
            scope: Some("User.Read".into()),
            endpoint: Some(Endpoint::V1),
            ..args()
        };
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
        assert!(err.contains("--resource"), "{err}");
    }

    #[test]
    fn third_party_token_url_sends_no_default_scope() {
        let a = Args {
            token_url: Some("https://idp.example.com/token".into()),
            tenant: None,
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(client_credentials(&s).target, None);
        let a = Args {
            resource: Some("https://api.example.com".into()),
            ..a
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(
            client_credentials(&s).target,
            Some(("scope", "https://api.example.com/.default".into()))
        );
    }

    #[test]
    fn azure_shaped_token_url_keeps_azure_defaults_and_its_version() {
        let a = Args {
            token_url: Some("https://login.example/t/oauth2/token?api-version=1.0".into()),
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        let c = client_credentials(&s);
        assert_eq!(
            c.target,
            Some(("resource", "https://graph.microsoft.com".into()))
        );
        assert_eq!(c.audience, "https://login.example/t/oauth2/token");
    }

    #[test]
    fn environment_order_is_the_azure_sdks() {
        let all = Args {
            client_secret_file: Some("/run/secret".into()),
            certificate: Some("/run/cert.pem".into()),
            federated_token_file: Some("/run/token".into()),
            ..args()
        };
        let vars = [
            ("AZURE_CLIENT_SECRET", "s"),
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token"),
            ("IDENTITY_HEADER", "h"),
        ];
        // AZURE_CLIENT_SECRET beats AAD_CLIENT_SECRET_FILE (both environment).
        let s = resolve_with(&all, Typed::default(), &vars).unwrap();
        assert!(matches!(
            client_credentials(&s).credential,
            ClientCredential::Secret(SecretSource::Env(_), _)
        ));
        let no_secret = Args {
            client_secret_file: None,
            ..all
        };
        let s = resolve_with(&no_secret, Typed::default(), &vars[1..]).unwrap();
        assert!(matches!(
            client_credentials(&s).credential,
            ClientCredential::Certificate(_)
        ));
        let federated = Args {
            certificate: None,
            ..no_secret
        };
        let s = resolve_with(&federated, Typed::default(), &vars[1..]).unwrap();
        assert!(matches!(
            client_credentials(&s).credential,
            ClientCredential::Federated(_)
        ));
        let nothing = Args {
            federated_token_file: None,
            ..federated
        };
        let s = resolve_with(&nothing, Typed::default(), &vars[1..]).unwrap();
        assert!(matches!(
            managed(&s).flavor,
            ManagedFlavor::AppService { .. }
        ));
        let err = usage_error(resolve_with(&nothing, Typed::default(), &[]));
        assert!(err.contains("no credential configured"), "{err}");
    }

    #[test]
    fn a_credential_typed_on_the_command_line_beats_the_environment() {
        let a = Args {
            certificate: Some("/run/cert.pem".into()),
            client_secret_file: Some("/run/secret".into()),
            ..args()
        };
        let typed = Typed {
            certificate: true,
            ..Typed::default()
        };
        let s = resolve_with(&a, typed, &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert!(matches!(
            client_credentials(&s).credential,
            ClientCredential::Certificate(_)
        ));
        // A typed --client-secret-file beats AZURE_CLIENT_SECRET.
        let typed = Typed {
            client_secret_file: true,
            ..Typed::default()
        };
        let s = resolve_with(&a, typed, &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert!(matches!(
            client_credentials(&s).credential,
            ClientCredential::Secret(SecretSource::File(_), _)
        ));
    }

    #[test]
    fn forced_kinds_name_what_they_miss() {
        let a = Args {
            credential: Some(CredentialKind::Certificate),
            ..args()
        };
        let err = usage_error(resolve_with(&a, Typed::default(), &[]));
        assert!(
            err.contains("--certificate") && err.contains("AZURE_CLIENT_CERTIFICATE_PATH"),
            "{err}"
        );
        let a = Args {
            credential: Some(CredentialKind::Secret),
            ..args()
        };
        let err = usage_error(resolve_with(&a, Typed::default(), &[]));
        assert!(err.contains("AZURE_CLIENT_SECRET"), "{err}");
    }

    #[test]
    fn missing_tenant_and_client_id_name_flag_and_variable() {
        let a = Args {
            tenant: None,
            ..args()
        };
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
        assert!(
            err.contains("--tenant") && err.contains("AZURE_TENANT_ID"),
            "{err}"
        );
        let a = Args {
            client_id: Some(String::new()),
            ..args()
        };
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
        assert!(
            err.contains("--client-id") && err.contains("AZURE_CLIENT_ID"),
            "{err}"
        );
    }

    #[test]
    fn client_secret_on_the_command_line_is_refused_without_repeating_it() {
        let a = Args {
            client_secret: Some("hunter2".into()),
            ..args()
        };
        let err = resolve_with(&a, Typed::default(), &[]).unwrap_err();
        assert_eq!(err.status(), Status::Usage);
        assert!(!err.to_string().contains("hunter2"));
        assert!(err.hint().unwrap().contains("AZURE_CLIENT_SECRET"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let a = Args {
            authority_host: Some("http://login.example.com".into()),
            ..args()
        };
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
        assert!(err.contains("--authority-host"), "{err}");
        let a = Args {
            token_url: Some("http://idp.example.com/token".into()),
            ..args()
        };
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[("AZURE_CLIENT_SECRET", "s")],
        ));
        assert!(err.contains("--token-url"), "{err}");
    }

    #[test]
    fn tenants_cannot_reach_into_the_path() {
        for bad in ["../common", "a/b", "x?y", ".."] {
            let a = Args {
                tenant: Some(bad.into()),
                ..args()
            };
            usage_error(resolve_with(
                &a,
                Typed::default(),
                &[("AZURE_CLIENT_SECRET", "s")],
            ));
        }
    }

    #[test]
    fn managed_identity_uses_imds_unless_app_service_is_configured() {
        let a = Args {
            managed_identity: true,
            client_id: None,
            ..args()
        };
        let s = resolve_with(&a, Typed::default(), &[]).unwrap();
        let m = managed(&s);
        assert_eq!(
            m.endpoint,
            "http://169.254.169.254/metadata/identity/oauth2/token"
        );
        assert_eq!(m.resource, "https://graph.microsoft.com");
        assert_eq!(m.client_id, None);
        let s = resolve_with(
            &a,
            Typed::default(),
            &[(
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                "https://127.0.0.1:8443/",
            )],
        )
        .unwrap();
        assert_eq!(
            managed(&s).endpoint,
            "https://127.0.0.1:8443/metadata/identity/oauth2/token"
        );
        let err = usage_error(resolve_with(
            &a,
            Typed::default(),
            &[(
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                "http://imds.example.com",
            )],
        ));
        assert!(err.contains("AZURE_POD_IDENTITY_AUTHORITY_HOST"), "{err}");
        let user = Args {
            client_id: Some("u-1".into()),
            scope: Some("https://graph.windows.net/.default".into()),
            ..a
        };
        let s = resolve_with(&user, Typed::default(), &[]).unwrap();
        assert_eq!(managed(&s).client_id.as_deref(), Some("u-1"));
        assert_eq!(managed(&s).resource, "https://graph.windows.net");
    }

    #[test]
    fn cache_lives_in_the_xdg_cache_directory() {
        let a = Args {
            cache: true,
            ..args()
        };
        let secret = ("AZURE_CLIENT_SECRET", "s");
        let s = resolve_with(&a, Typed::default(), &[secret, ("HOME", "/home/u")]).unwrap();
        assert_eq!(s.cache, Some(PathBuf::from("/home/u/.cache/aad-tools")));
        let vars = [secret, ("HOME", "/home/u"), ("XDG_CACHE_HOME", "/var/c")];
        let s = resolve_with(&a, Typed::default(), &vars).unwrap();
        assert_eq!(s.cache, Some(PathBuf::from("/var/c/aad-tools")));
        let vars = [secret, ("HOME", "/home/u"), ("XDG_CACHE_HOME", "rel")];
        let s = resolve_with(&a, Typed::default(), &vars).unwrap();
        assert_eq!(s.cache, Some(PathBuf::from("/home/u/.cache/aad-tools")));
        usage_error(resolve_with(&a, Typed::default(), &[secret]));
    }

    #[test]
    fn cache_keys_differ_by_what_changes_the_token_and_hold_no_secret() {
        let key = |a: &Args, secret: &str| {
            resolve_with(a, Typed::default(), &[("AZURE_CLIENT_SECRET", secret)])
                .unwrap()
                .cache_key
        };
        let base = key(&args(), "one");
        assert_eq!(base, key(&args(), "two"));
        let v1 = Args {
            endpoint: Some(Endpoint::V1),
            ..args()
        };
        assert_ne!(base, key(&v1, "one"));
        let other = Args {
            resource: Some("https://graph.windows.net".into()),
            ..args()
        };
        assert_ne!(base, key(&other, "one"));
        assert!(!serde_json::to_string(&base).unwrap().contains("one"));
    }
}
