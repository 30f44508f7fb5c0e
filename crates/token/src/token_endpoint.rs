//! Where a client-credentials request goes and what it asks for: Azure's v1 or v2 token
//! endpoint of a tenant, or `--token-url`; `scope` or `resource`.

use aad_common::url::check_url;
use aad_common::{Error, Result};

use crate::cli::Endpoint;

/// What the token is for, as given; the Graph base is the default for Azure.
pub(crate) struct Wanted {
    /// `--resource`, without a trailing slash.
    pub(crate) resource: Option<String>,
    /// `--scope`.
    pub(crate) scope: Option<String>,
    /// The Microsoft Graph base of the cloud (or `--graph-url`): the resource when none
    /// is given.
    pub(crate) graph_url: String,
}

/// A form field naming what the token is for: `scope` or `resource`.
pub(crate) type Target = Option<(&'static str, String)>;

/// Azure's token endpoint of `tenant` and what to send to it.
pub(crate) fn azure_token_url(
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
pub(crate) fn token_url(
    url: String,
    endpoint: Option<Endpoint>,
    wanted: Wanted,
) -> Result<(String, Target)> {
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
pub(crate) fn scope_to_resource(scope: &str) -> Result<String> {
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
