//! OpenID Connect discovery and instance discovery, so MSAL-style clients accept the
//! emulator as an authority. Every URL is built from the base the client used.

use serde_json::{Value, json};

use super::Directory;
use crate::reply::Reply;

/// `GET /{tenant}/v2.0/.well-known/openid-configuration` (v2) or
/// `GET /{tenant}/.well-known/openid-configuration` (v1).
pub(crate) fn openid_configuration(dir: &Directory, base: &str, tenant: &str, v2: bool) -> Reply {
    let generic = matches!(
        tenant.to_ascii_lowercase().as_str(),
        "common" | "organizations"
    );
    if !generic && !dir.is_tenant(tenant) {
        return Reply::json(
            400,
            &json!({
                "error": "invalid_tenant",
                "error_description": format!("AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."),
                "error_codes": [90002],
            }),
        );
    }
    // The service names the tenant by id in its metadata, whatever the request used.
    let t = if generic {
        tenant.to_string()
    } else {
        dir.tenant_id.clone()
    };
    let issuer_tenant = if generic {
        "{tenantid}".to_string()
    } else {
        dir.tenant_id.clone()
    };
    let doc: Value = if v2 {
        json!({
            "token_endpoint": format!("{base}/{t}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{t}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{t}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{t}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/{t}/kerberos"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        })
    } else {
        json!({
            "token_endpoint": format!("{base}/{t}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/common/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": format!("https://sts.windows.net/{issuer_tenant}/"),
            "microsoft_multi_refresh_token": true,
            "authorization_endpoint": format!("{base}/{t}/oauth2/authorize"),
            "device_authorization_endpoint": format!("{base}/{t}/oauth2/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{t}/oauth2/logout"),
            "check_session_iframe": format!("{base}/{t}/oauth2/checksession"),
            "userinfo_endpoint": format!("{base}/{t}/openid/userinfo"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        })
    };
    Reply::json(200, &doc)
}

/// `GET /{tenant}/discovery/v2.0/keys` (v2, each key with its issuer) and
/// `GET /{tenant}/discovery/keys`, `/common/discovery/keys` (v1): the key access tokens
/// are signed with.
pub(crate) fn keys(dir: &Directory, base: &str, v2: bool) -> Reply {
    let issuer = v2.then(|| format!("{base}/{}/v2.0", dir.tenant_id));
    Reply::json(200, &dir.token_key.jwks(issuer.as_deref()))
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`.
pub(crate) fn instance(base: &str, host: &str, query: &[(String, String)]) -> Reply {
    let tenant = query
        .iter()
        .find(|(k, _)| k == "authorization_endpoint")
        .and_then(|(_, v)| v.split("://").nth(1))
        .and_then(|rest| rest.split('/').nth(1))
        .filter(|t| !t.is_empty())
        .unwrap_or("common");
    Reply::json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}
