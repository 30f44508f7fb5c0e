//! Error bodies of the services, read leniently, and the hints the tools print for them.
//!
//! Three shapes occur: OAuth2 token endpoints and managed-identity endpoints
//! (`{"error":"invalid_client","error_description":"AADSTS7000215: ...","error_codes":[...]}`),
//! Microsoft Graph (`{"error":{"code","message","innerError":{"request-id"}}}`) and legacy
//! Azure AD Graph (`{"odata.error":{"code","message":{"value"}}}`). Anything else is kept
//! as a short, printable snippet of the body.
//!
//! Known secrets are masked ([`crate::mask`]) before anything is kept: a hostile server
//! may echo the client secret or the token it was sent.

use serde_json::Value;

use crate::mask::mask_secrets;
use crate::sanitize::{printable, truncate_chars};

/// A service's error answer, as far as it could be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// `error` (OAuth) or `error.code` (Graph), e.g. `invalid_client`, `BadRequest`.
    pub code: Option<String>,
    /// The first line of `error_description` or `error.message`.
    pub message: Option<String>,
    /// AADSTS numbers from `error_codes`, or parsed from the description.
    pub aadsts: Vec<u32>,
    /// Graph `request-id`, or the token endpoint's `correlation_id`.
    pub request_id: Option<String>,
    /// Text of a body that was not a known JSON error shape.
    pub snippet: Option<String>,
}

impl ServiceError {
    /// Reads an error body of any of the three shapes; `request_id_header` is the
    /// `request-id` response header, used when the body carries none.
    pub fn from_body(status: u16, body: &[u8], request_id_header: Option<&str>) -> ServiceError {
        let mut err = Self::read(status, body, request_id_header);
        // Strings decoded from JSON escapes may spell a secret the raw body did not.
        let mask = |text: &mut Option<String>| {
            if let Some(t) = text.as_mut() {
                *t = mask_secrets(t).into_owned();
            }
        };
        mask(&mut err.code);
        mask(&mut err.message);
        mask(&mut err.request_id);
        err
    }

    fn read(status: u16, body: &[u8], request_id_header: Option<&str>) -> ServiceError {
        let mut err = ServiceError {
            status,
            code: None,
            message: None,
            aadsts: Vec::new(),
            request_id: request_id_header.map(str::to_string),
            snippet: None,
        };
        let text = String::from_utf8_lossy(body);
        let text = mask_secrets(&text);
        let Ok(json) = serde_json::from_str::<Value>(&text) else {
            let text = text.trim();
            if !text.is_empty() {
                err.snippet = Some(truncate_chars(&printable(text), 200).into_owned());
            }
            return err;
        };
        match json.get("error") {
            // OAuth2: error is a string.
            Some(Value::String(code)) => {
                err.code = Some(code.clone());
                let description = json.get("error_description").and_then(Value::as_str);
                err.message = description.map(first_line);
                if let Some(codes) = json.get("error_codes").and_then(Value::as_array) {
                    err.aadsts = codes
                        .iter()
                        .filter_map(|c| c.as_u64())
                        .map(|c| c as u32)
                        .collect();
                }
                if err.aadsts.is_empty() {
                    err.aadsts.extend(description.and_then(aadsts_in_text));
                }
                if let Some(id) = json.get("correlation_id").and_then(Value::as_str) {
                    err.request_id = Some(id.to_string());
                }
            }
            // Microsoft Graph: error is an object.
            Some(Value::Object(obj)) => {
                err.code = obj.get("code").and_then(Value::as_str).map(str::to_string);
                err.message = obj.get("message").and_then(Value::as_str).map(first_line);
                let inner = obj.get("innerError").or_else(|| obj.get("innererror"));
                if let Some(id) = inner
                    .and_then(|i| i.get("request-id"))
                    .and_then(Value::as_str)
                {
                    err.request_id = Some(id.to_string());
                }
            }
            _ => {
                // Legacy Azure AD Graph.
                if let Some(obj) = json.get("odata.error") {
                    err.code = obj.get("code").and_then(Value::as_str).map(str::to_string);
                    err.message = obj
                        .get("message")
                        .and_then(|m| m.get("value").or(Some(m)))
                        .and_then(Value::as_str)
                        .map(first_line);
                    err.request_id = obj
                        .get("requestId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .or(err.request_id);
                } else {
                    let text = mask_secrets(&json.to_string()).into_owned();
                    err.snippet = Some(truncate_chars(&printable(&text), 200).into_owned());
                }
            }
        }
        err
    }

    /// One line: `HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided.
    /// (request-id: ...)`, control characters escaped.
    pub fn summary(&self) -> String {
        let mut out = format!("HTTP {}", self.status);
        if let Some(code) = &self.code {
            out.push(' ');
            out.push_str(&printable(code));
        }
        if let Some(message) = self.message.as_deref().filter(|m| !m.is_empty()) {
            out.push_str(": ");
            out.push_str(&truncate_chars(&printable(message), 300));
        } else if let Some(snippet) = &self.snippet {
            out.push_str(": ");
            out.push_str(snippet);
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!(" (request-id: {})", printable(id)));
        }
        out
    }

    /// The hint for this error, if one is known: the `hint:` line that tells the user
    /// what to change (a secret's Value, a missing consent, a licence).
    pub fn hint(&self) -> Option<String> {
        for code in &self.aadsts {
            if let Some(hint) = aadsts_hint(*code) {
                return Some(hint.to_string());
            }
        }
        if self.status == 400 && self.message.as_deref() == Some("Invalid filter clause") {
            return Some(FILTER_HINT.to_string());
        }
        graph_hint(self.status, self.code.as_deref()).map(str::to_string)
    }
}

/// What Microsoft Graph's "Invalid filter clause" can mean: it answers every refused
/// filter with it.
const FILTER_HINT: &str = "the service refused the $filter: each report supports its own properties and operators (provisioning: eq, contains, gt, lt), times are written unquoted, and no time may lie before the retention (30 days with Entra ID P1/P2, 7 without)";

/// The first line of a description, without the `Trace ID:` tail Azure appends.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let line = line.split(" Trace ID:").next().unwrap_or(line);
    line.to_string()
}

/// The first `AADSTSnnnn` number in a text.
fn aadsts_in_text(text: &str) -> Option<u32> {
    let at = text.find("AADSTS")? + "AADSTS".len();
    let digits: String = text[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Hints for token endpoint errors, by AADSTS number.
pub fn aadsts_hint(code: u32) -> Option<&'static str> {
    Some(match code {
        7000215 => {
            "the client secret is wrong: use the secret's Value (not its Secret ID) from the app registration's 'Certificates & secrets', for this client id"
        }
        7000222 => {
            "the client secret has expired: create a new one under 'Certificates & secrets', or switch to a certificate (--certificate)"
        }
        7000218 => {
            "no credential was sent: set AZURE_CLIENT_SECRET or --client-secret-file, or a certificate with --certificate"
        }
        700016 => {
            "the application (client id) was not found in this tenant: check --client-id/AZURE_CLIENT_ID, --tenant/AZURE_TENANT_ID and --cloud"
        }
        90002 => {
            "the tenant was not found: check --tenant/AZURE_TENANT_ID (a GUID or a verified domain) and --cloud for national clouds"
        }
        70011 | 700022 | 700023 | 1002012 => {
            "the scope is invalid: with client credentials use '<resource>/.default' (see --resource and --scope), or --endpoint v1 with --resource"
        }
        901002 => "the v2 endpoint takes 'scope', not 'resource': use --endpoint v1 for a resource",
        500011 | 50001 => {
            "the resource was not found in the tenant: check --resource (Microsoft Graph is https://graph.microsoft.com)"
        }
        50126 => "the credentials were rejected: check the user name and password",
        700027 => {
            "the client assertion's signature did not verify: upload this certificate to the app registration, and check --certificate holds its private key"
        }
        700024 => "the client assertion is outside its valid time: check this machine's clock",
        70021 | 700211 | 700212 | 700213 => {
            "no federated identity credential matches the token's issuer, subject and audience (api://AzureADTokenExchange): check the app's federated credentials and AZURE_FEDERATED_TOKEN_FILE"
        }
        _ => return None,
    })
}

/// Hints for Graph API errors.
pub fn graph_hint(status: u16, code: Option<&str>) -> Option<&'static str> {
    Some(match (status, code.unwrap_or("")) {
        (403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") => {
            "sign-in logs need a Microsoft Entra ID P1 or P2 licence in the tenant"
        }
        (403, "Authorization_RequestDenied" | "Authentication_MSGraphPermissionMissing")
        | (403, _) => {
            "grant the application permission AuditLog.Read.All as an Application permission, not Delegated, and grant admin consent; `aad-token --claims` shows which roles the token carries"
        }
        (401, _) => {
            "the token was rejected: get a new one, check it is for this API (`aad-token --claims` shows 'aud'), or use --token-command so it can be renewed"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_error_with_codes_and_hint() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1\r\nCorrelation ID: c-2","error_codes":[7000215],"correlation_id":"c-2"}"#;
        let err = ServiceError::from_body(401, body, None);
        assert_eq!(
            err.summary(),
            "HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided. (request-id: c-2)"
        );
        assert!(err.hint().unwrap().contains("Secret ID"));
    }

    #[test]
    fn graph_refusals_get_their_hints() {
        let body = br#"{"error":{"code":"Authentication_MSGraphPermissionMissing","message":"Calling principal does not have required MSGraph permissions AuditLog.Read.All","innerError":{"date":"2024-01-01T00:00:00","request-id":"r-1","client-request-id":"r-1"}}}"#;
        let hint = ServiceError::from_body(403, body, None).hint().unwrap();
        assert!(
            hint.contains("AuditLog.Read.All as an Application permission")
                && hint.contains("admin consent"),
            "{hint}"
        );
        let body = br#"{"error":{"code":"BadRequest","message":"Invalid filter clause","innerError":{"request-id":"r-2"}}}"#;
        let hint = ServiceError::from_body(400, body, None).hint().unwrap();
        assert!(hint.contains("$filter"), "{hint}");
    }

    #[test]
    fn aadsts_is_found_in_the_description_without_error_codes() {
        let body = br#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
        assert_eq!(ServiceError::from_body(400, body, None).aadsts, vec![90002]);
    }

    #[test]
    fn every_federated_mismatch_has_the_same_hint() {
        for code in [70021, 700211, 700212, 700213] {
            assert!(
                aadsts_hint(code)
                    .unwrap()
                    .contains("federated identity credential")
            );
        }
    }

    #[test]
    fn graph_error() {
        let body = br#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2024-01-01T00:00:00","request-id":"r-1","client-request-id":"r-1"}}}"#;
        let err = ServiceError::from_body(403, body, None);
        assert_eq!(
            err.summary(),
            "HTTP 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. (request-id: r-1)"
        );
        assert!(err.hint().unwrap().contains("AuditLog.Read.All"));
    }

    #[test]
    fn legacy_error() {
        let body = br#"{"odata.error":{"code":"Request_BadRequest","message":{"lang":"en","value":"Bad filter."}}}"#;
        assert_eq!(
            ServiceError::from_body(400, body, Some("h-1")).summary(),
            "HTTP 400 Request_BadRequest: Bad filter. (request-id: h-1)"
        );
    }

    #[test]
    fn echoed_secrets_are_masked_before_the_message_is_cut() {
        crate::mask::register_secret("Echo/S3cret\"Value");
        let long = "x".repeat(290);
        let body = format!(
            r#"{{"error":"invalid_client","error_description":"{long} Invalid client secret provided: 'Echo\/S3cret\"Value'"}}"#
        );
        let summary = ServiceError::from_body(401, body.as_bytes(), None).summary();
        assert!(!summary.contains("Echo"), "{summary}");
        let html = ServiceError::from_body(500, b"<p>Echo/S3cret\"Value</p>", None);
        assert_eq!(html.summary(), "HTTP 500: <p>***</p>");
    }

    #[test]
    fn unknown_body_is_a_printable_snippet() {
        let err = ServiceError::from_body(502, b"<html>\x1b[2J bad gateway</html>", None);
        assert_eq!(
            err.summary(),
            "HTTP 502: <html>\\u{1b}[2J bad gateway</html>"
        );
    }
}
