//! Which credential a run uses, and where its material is: forced by `--credential` or
//! `--managed-identity`, else named on the command line, else found in the environment
//! in the Azure SDK's order.

use std::path::PathBuf;

use aad_common::token::Secret;
use aad_common::url::{check_url, is_link_local_host, is_loopback_host, url_host};
use aad_common::{Error, Result};
use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Args, CredentialKind};
use crate::source::{ClientCredential, ManagedFlavor, ManagedIdentity, SecretSource, Source};
use crate::token_endpoint::{Wanted, scope_to_resource};

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

/// The credential kind: forced, else named on the command line, else from the
/// environment in the Azure SDK's order.
pub(crate) fn choose_kind(
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
pub(crate) fn managed_identity(
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

/// The credential of a client-credentials request of `kind`, and where it came from
/// (for `-v`).
pub(crate) fn client_credential(
    kind: CredentialKind,
    args: &Args,
    typed: Typed,
    secret_env: Option<String>,
) -> Result<(ClientCredential, String)> {
    match kind {
        CredentialKind::Certificate => certificate(args),
        CredentialKind::WorkloadIdentity => federated(args),
        _ => secret(args, typed, secret_env),
    }
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
pub(crate) fn non_empty(path: &Option<PathBuf>) -> Option<PathBuf> {
    path.clone().filter(|p| !p.as_os_str().is_empty())
}

/// Managed-identity endpoints may also be plain http on a link-local address (IMDS).
fn check_managed_url(url: &str, what: &str) -> Result<()> {
    let local = url_host(url).is_some_and(|h| is_loopback_host(h) || is_link_local_host(h));
    if local && url.starts_with("http://") {
        return Ok(());
    }
    check_url(url).map_err(|e| Error::usage(format!("{what}: {}", e.message())))
}
