//! Managed-identity token endpoints: IMDS (`/metadata/identity/oauth2/token`, header
//! `Metadata: true`) and App Service (`/msi/token`, header `X-IDENTITY-HEADER`).
//! Every number in their answers is a string.

use serde_json::json;

use super::{AUDIT_ROLE, DIRECTORY_ROLE, Directory, Identity, Subject, classify_resource};
use crate::reply::{Reply, RequestIds};

/// The roles granted to the emulated managed identities.
const ROLES: &[&str] = &[AUDIT_ROLE, DIRECTORY_ROLE];

/// Which protocol a request used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Azure Instance Metadata Service.
    Imds,
    /// App Service / Functions (`IDENTITY_ENDPOINT`).
    AppService,
}

/// Without `client_id`/`object_id`/`principal_id` the system-assigned identity answers,
/// as on a VM.
pub(crate) fn handle(
    dir: &Directory,
    flavor: Flavor,
    query: &[(String, String)],
    header: Option<&str>,
    ids: &RequestIds,
    now: i64,
) -> Reply {
    let field = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let bad = |message: &str| {
        Reply::json(
            400,
            &json!({"error": "invalid_request", "error_description": message}),
        )
    };
    match flavor {
        Flavor::Imds if header != Some("true") => {
            return bad("Required metadata header not specified");
        }
        Flavor::AppService if header != Some(dir.identity_header.as_str()) => {
            return Reply::json(
                401,
                &json!({"statusCode": 401, "message": "Unauthorized. The X-IDENTITY-HEADER is missing or does not match."}),
            );
        }
        _ => {}
    }
    if field("api-version").is_none() {
        return bad("Required query variable 'api-version' is missing");
    }
    let Some(resource) = field("resource").map(|r| r.trim_end_matches('/').to_string()) else {
        return bad("Required query variable 'resource' is missing");
    };
    if classify_resource(&resource).is_none() {
        return Reply::json(
            400,
            &json!({"error": "invalid_resource", "error_description": format!("AADSTS500011: The resource principal named {resource} was not found in the tenant named {}.", dir.tenant_domain)}),
        );
    }
    let wanted = field("client_id")
        .or(field("object_id"))
        .or(field("principal_id"));
    let identity: Option<&Identity> = match wanted {
        Some(id) => dir.identities.iter().find(|i| {
            i.user_assigned
                && (i.client_id.eq_ignore_ascii_case(id) || i.object_id.eq_ignore_ascii_case(id))
        }),
        None => dir.identities.iter().find(|i| !i.user_assigned),
    };
    let Some(identity) = identity else {
        return bad("Identity not found");
    };
    let subject = Subject {
        client_id: &identity.client_id,
        object_id: &identity.object_id,
        display_name: if identity.user_assigned {
            "audit-reader-identity"
        } else {
            "vm-audit-collector"
        },
        roles: ROLES,
    };
    let Some((token, exp)) = dir.issue(&subject, &resource, "2", now) else {
        return Reply::oauth_error(
            503,
            "temporarily_unavailable",
            90090,
            "GraphRetryableError: the token signing key is not available.",
            ids,
        );
    };
    let body = match flavor {
        Flavor::Imds => json!({
            "access_token": token,
            "client_id": identity.client_id,
            "expires_in": (exp - now).to_string(),
            "expires_on": exp.to_string(),
            "ext_expires_in": (exp - now).to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "token_type": "Bearer",
        }),
        Flavor::AppService => json!({
            "access_token": token,
            "expires_on": exp.to_string(),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }),
    };
    Reply::json(200, &body)
}
