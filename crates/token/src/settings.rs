//! Resolving: the command line plus the environment become the settings of one run.
//!
//! Pure: the environment arrives as a function, nothing is read from disk or network,
//! so the unit tests (`settings/tests.rs`) drive every rule (credential order,
//! endpoints, resource and scope, missing settings) directly. The rules themselves
//! live in [`crate::credential_choice`] (which credential) and
//! [`crate::token_endpoint`] (which URL, which scope or resource); this module puts
//! them in order and adds output, cache and logging settings.

use std::path::PathBuf;

use aad_common::cloud::Endpoints;
use aad_common::{Error, Result};
use serde::Serialize;

use clap::ValueEnum as _;

use crate::cli::{Args, CredentialKind, Format};
use crate::credential_choice::{
    Typed, choose_kind, client_credential, managed_identity, non_empty,
};
use crate::print::Print;
use crate::source::{ClientCredentials, Source};
use crate::token_endpoint::{Wanted, azure_token_url, token_url};

/// Reads one environment variable; empty values count as unset.
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Everything one run needs, resolved.
#[derive(Debug)]
pub(crate) struct Settings {
    /// What to request, and from where.
    pub(crate) source: Source,
    /// Where the credential came from, for `-v`.
    pub(crate) origin: String,
    /// `--ca-cert`: also trust this CA (a private token service, the emulator with TLS).
    pub(crate) ca_cert: Option<PathBuf>,
    /// `-t` or `--claims`.
    pub(crate) print: Print,
    /// `-o FILE`: where the token goes instead of stdout.
    pub(crate) output: Option<PathBuf>,
    /// Warnings about how the command line was written (the old `-o FORMAT`).
    pub(crate) warnings: Vec<String>,
    /// The token cache directory, with `--cache`.
    pub(crate) cache: Option<PathBuf>,
    /// What identifies a cached token of this configuration.
    pub(crate) cache_key: CacheKey,
    /// The tenant, when known (shown in `-t json` unless the token names its own).
    pub(crate) tenant: Option<String>,
    /// `-v`.
    pub(crate) verbose: bool,
    /// `-q`.
    pub(crate) quiet: bool,
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
            let (credential, origin) = client_credential(kind, args, typed, secret_env)?;
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
    let (print, output, warnings) = print_and_output(args)?;
    Ok(Settings {
        source,
        origin,
        ca_cert: non_empty(&args.ca_cert),
        print,
        output,
        warnings,
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

/// What is printed and where. `-o` names a file, except that `-o raw`, `-o json` and
/// `-o header`, the format flag before `-t/--to` existed, still name the format for one
/// release, with a warning (a file called `json` is `-o ./json`).
fn print_and_output(args: &Args) -> Result<(Print, Option<PathBuf>, Vec<String>)> {
    let old_format = args
        .output
        .as_deref()
        .and_then(|path| path.to_str())
        .and_then(|word| Format::from_str(word, false).ok());
    let Some(format) = old_format else {
        let print = match (args.claims, args.to) {
            (true, _) => Print::Claims,
            (false, to) => Print::Token(to.unwrap_or_default()),
        };
        return Ok((print, non_empty(&args.output), Vec::new()));
    };
    let word = format
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string());
    if args.claims || args.to.is_some() {
        let other = if args.claims { "--claims" } else { "-t/--to" };
        return Err(Error::usage(format!(
            "-o {word} is the old spelling of -t {word} and cannot be used with {other}"
        ))
        .with_hint(format!(
            "to write to a file named {word}, write -o ./{word}"
        )));
    }
    let warning = format!(
        "-o {word} is deprecated: write -t {word} (-o FILE now writes the token to FILE; -o ./{word} means a file named {word})"
    );
    Ok((Print::Token(format), None, vec![warning]))
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
mod tests;
