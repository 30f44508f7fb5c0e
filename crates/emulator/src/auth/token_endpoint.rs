//! The OAuth2 client-credentials token endpoints, v2 and v1, with the service's
//! checks in the service's order and its AADSTS errors.

use serde_json::json;

use super::assertion::{self, Audience};
use super::{Directory, Subject, classify_resource};
use crate::reply::{Reply, RequestIds};

/// `client_assertion_type` for JWT client assertions.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The v1 endpoint's resource when the request names none (Azure AD Graph).
const V1_DEFAULT_RESOURCE: &str = "https://graph.windows.net";

/// A token request, decoded from its form and Basic header.
pub(crate) struct TokenRequest<'a> {
    /// The tenant as the path names it (id or domain).
    pub tenant: &'a str,
    /// v2 (`/oauth2/v2.0/token`) or v1 (`/oauth2/token`).
    pub v2: bool,
    pub form: &'a [(String, String)],
    /// Client id and secret from an HTTP Basic header.
    pub basic: Option<(String, String)>,
    /// `scheme://host[:port]` the client used.
    pub base: &'a str,
}

impl TokenRequest<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Checks tenant, grant, client, resource and credential in the service's order, so a
/// request with several mistakes gets the error the service would give first.
pub(crate) fn handle(dir: &Directory, req: &TokenRequest<'_>, ids: &RequestIds, now: i64) -> Reply {
    let missing = |name: &str| {
        Reply::oauth_error(
            400,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{name}'."),
            ids,
        )
    };
    if !dir.is_tenant(req.tenant) {
        return Reply::oauth_error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.",
                req.tenant
            ),
            ids,
        );
    }
    let Some(grant) = req.field("grant_type") else {
        return missing("grant_type");
    };
    if grant != "client_credentials" {
        return Reply::oauth_error(
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
            ids,
        );
    }
    let basic = req.basic.as_ref();
    let Some(client_id) = req.field("client_id").or(basic.map(|(id, _)| id.as_str())) else {
        return missing("client_id");
    };
    let Some(app) = dir.app(client_id) else {
        return Reply::oauth_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                dir.tenant_domain
            ),
            ids,
        );
    };

    // Which resource.
    let resource = if req.v2 {
        let Some(scope) = req.field("scope") else {
            if req.field("resource").is_some() {
                return Reply::oauth_error(
                    400,
                    "invalid_request",
                    901002,
                    "The 'resource' request parameter is not supported.",
                    ids,
                );
            }
            return missing("scope");
        };
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        match scopes.as_slice() {
            [one] if one.ends_with("/.default") => one.trim_end_matches("/.default").to_string(),
            _ => {
                return Reply::oauth_error(
                    400,
                    "invalid_scope",
                    70011,
                    &format!(
                        "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
                    ),
                    ids,
                );
            }
        }
    } else {
        req.field("resource")
            .unwrap_or(V1_DEFAULT_RESOURCE)
            .to_string()
    };
    let resource = resource.trim_end_matches('/').to_string();
    if classify_resource(&resource).is_none() {
        return Reply::oauth_error(
            400,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                dir.tenant_domain
            ),
            ids,
        );
    }

    // Which credential.
    let secret = req
        .field("client_secret")
        .or(basic.map(|(_, s)| s.as_str()));
    let assertion = req.field("client_assertion");
    let appidacr = match (secret, assertion) {
        (Some(secret), _) => {
            if !dir.secret_matches(secret) {
                return Reply::oauth_error(
                    401,
                    "invalid_client",
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                    ids,
                );
            }
            "1"
        }
        (None, Some(assertion)) => {
            if req.field("client_assertion_type") != Some(JWT_BEARER) {
                return Reply::oauth_error(
                    400,
                    "invalid_request",
                    50027,
                    &format!("Invalid JWT token. 'client_assertion_type' must be '{JWT_BEARER}'."),
                    ids,
                );
            }
            let at = Audience {
                base: req.base,
                tenant_in_path: req.tenant,
            };
            match assertion::verify(dir, assertion, client_id, &at, now) {
                Ok(_) => "2",
                Err((status, error, code, message)) => {
                    return Reply::oauth_error(status, error, code, &message, ids);
                }
            }
        }
        (None, None) => {
            return Reply::oauth_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                ids,
            );
        }
    };

    let Some((token, exp)) = dir.issue(&Subject::from(app), &resource, appidacr, now) else {
        return Reply::oauth_error(
            503,
            "temporarily_unavailable",
            90090,
            "GraphRetryableError: the token signing key is not available.",
            ids,
        );
    };
    let ttl = exp - now;
    let body = if req.v2 {
        json!({"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token})
    } else {
        // The v1 endpoint sends every number as a string.
        json!({
            "token_type": "Bearer",
            "expires_in": ttl.to_string(),
            "ext_expires_in": ttl.to_string(),
            "expires_on": exp.to_string(),
            "not_before": now.to_string(),
            "resource": resource,
            "access_token": token,
        })
    };
    Reply::json(200, &body)
        .header("cache-control", "no-store, no-cache")
        .header("pragma", "no-cache")
        .header("x-ms-request-id", ids.request_id.clone())
}
