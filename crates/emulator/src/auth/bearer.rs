//! Bearer tokens on the report APIs: present, issued by this emulator, unexpired, and
//! for the API being called.

use serde_json::Value;

use super::jwt::{self, TokenProblem};
use super::{Api, Directory, audience_api};

/// The caller a valid token names.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// `appid` claim: the client (or managed identity) id.
    pub client_id: String,
    /// `roles` claim.
    pub roles: Vec<String>,
    /// `tid` claim: the tenant the token was issued in.
    pub tenant_id: String,
}

/// Why a token was refused; each maps to a 401 with the service's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a token this service issued.
    Invalid,
    /// Past its `exp`.
    Expired,
    /// For another API.
    WrongAudience,
}

impl Refused {
    /// The message Microsoft Graph sends with its `InvalidAuthenticationToken` 401.
    pub(crate) fn graph_message(self) -> &'static str {
        match self {
            Refused::Missing => "Access token is empty.",
            Refused::Invalid => "Access token validation failure. Invalid signature.",
            Refused::Expired => "Lifetime validation failed, the token is expired.",
            Refused::WrongAudience => "Access token validation failure. Invalid audience.",
        }
    }

    /// The legacy API distinguishes the cases by code as well as by message.
    pub(crate) fn legacy(self) -> (&'static str, &'static str) {
        match self {
            Refused::Missing => (
                "Authentication_MissingOrMalformed",
                "Access Token missing or malformed.",
            ),
            Refused::Invalid => (
                "Authentication_MissingOrMalformed",
                "Access Token missing or malformed.",
            ),
            Refused::Expired => (
                "Authentication_ExpiredToken",
                "Your access token has expired. Please renew it before submitting the request.",
            ),
            Refused::WrongAudience => (
                "Authentication_Unauthorized",
                "Access token has an invalid audience for this resource.",
            ),
        }
    }
}

/// Checks the `Authorization` header value for a call to `api`.
pub(crate) fn check(
    dir: &Directory,
    header: Option<&str>,
    api: Api,
    now: i64,
) -> Result<Caller, Refused> {
    let header = header.map(str::trim).unwrap_or_default();
    let (scheme, token) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Refused::Missing);
    }
    let parsed = jwt::parse(token).ok_or(Refused::Invalid)?;
    let kid = parsed.header.get("kid").and_then(Value::as_str);
    if !dir
        .token_key
        .verifies(kid, parsed.signed.as_bytes(), &parsed.signature)
    {
        return Err(Refused::Invalid);
    }
    jwt::check_lifetime(&parsed.claims, now, 0).map_err(|problem| match problem {
        TokenProblem::Expired => Refused::Expired,
        _ => Refused::Invalid,
    })?;
    let claims = parsed.claims;
    match audience_api(claims.get("aud").unwrap_or(&Value::Null)) {
        Some(Api::Both) => {}
        Some(a) if a == api => {}
        _ => return Err(Refused::WrongAudience),
    }
    Ok(Caller {
        tenant_id: claims
            .get("tid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        client_id: claims
            .get("appid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        roles: claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    })
}
