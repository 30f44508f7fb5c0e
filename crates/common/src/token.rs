//! The token document that flows from aad-token to aad-fetch, and JWT decoding.
//!
//! aad-token prints either the raw token or, with `-o json`, the object
//! `az account get-access-token` prints (`accessToken`, `expiresOn`, `expires_on`,
//! `tokenType`, `tenant`). aad-fetch accepts either, and also a token endpoint's own
//! response (`access_token`, `expires_in`/`expires_on`), so `curl ... | aad-fetch` works.
//!
//! Wherever a token comes from (a token endpoint, the cache, a file, a command), it is
//! checked the same way before it is used: visible ASCII only, at most
//! [`TOKEN_LIMIT`] bytes ([`check_bearer_token`]), and a token type that is an HTTP
//! authentication scheme name ([`is_http_token`]); so `-o header` prints one line and
//! the `Authorization` header can always be sent.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Local, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::io::SECRET_LIMIT;
use crate::mask::register_secret;

/// The longest access token accepted, in bytes.
pub const TOKEN_LIMIT: u64 = SECRET_LIMIT;

/// A string that must never be printed: `Debug` and `Display` show `***`, and every
/// diagnostic masks it ([`crate::mask`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value, and registers it to be masked in diagnostics.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register_secret(&value);
        Secret(value)
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// An access token with what is known about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// What goes after `Bearer ` in the `Authorization` header; never printed by mistake.
    pub token: Secret,
    /// Expiry, epoch seconds, when known (from the document or the JWT's `exp`).
    pub expires_on: Option<i64>,
    /// The authentication scheme, `Bearer` unless a server says otherwise (`-o header`
    /// prints it).
    pub token_type: String,
    /// The tenant the token was issued for, when known.
    pub tenant: Option<String>,
}

/// Why a token document could not be read. Never contains the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenDocumentError {
    /// Nothing but white space.
    #[error("the token input is empty")]
    Empty,
    /// JSON without a token field.
    #[error("the JSON token document has no 'accessToken' or 'access_token' string")]
    NoTokenField,
    /// JSON that does not parse.
    #[error("the token input looks like JSON but does not parse: {0}")]
    BadJson(String),
    /// A token with characters a bearer token cannot contain.
    #[error(
        "the token input is not a bearer token (it contains white space, control or non-ASCII characters)"
    )]
    NotAToken,
    /// A token longer than any real one.
    #[error(
        "the token input is not a bearer token (it is longer than {})",
        crate::io::format_size(TOKEN_LIMIT)
    )]
    TooLong,
    /// A token type that is not an HTTP authentication scheme name.
    #[error("the token document's tokenType is not an HTTP authentication scheme name")]
    BadTokenType,
}

/// Checks that `token` can be sent as `Authorization: <type> <token>` and printed on
/// one line: not empty, at most [`TOKEN_LIMIT`] bytes, visible ASCII only (RFC 6750's
/// `b64token` and every opaque token in use fit).
pub fn check_bearer_token(token: &str) -> Result<(), TokenDocumentError> {
    if token.is_empty() {
        return Err(TokenDocumentError::Empty);
    }
    if token.len() as u64 > TOKEN_LIMIT {
        return Err(TokenDocumentError::TooLong);
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenDocumentError::NotAToken);
    }
    Ok(())
}

/// True for an RFC 9110 `token`, the syntax of an authentication scheme such as
/// `Bearer` (`-o header` prints it).
pub fn is_http_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// The fields aad-fetch reads from a JSON token document; numbers may be strings.
#[derive(Deserialize)]
struct Document {
    #[serde(rename = "accessToken", alias = "access_token")]
    access_token: Option<String>,
    expires_on: Option<Value>,
    #[serde(rename = "expiresIn", alias = "expires_in")]
    expires_in: Option<Value>,
    #[serde(rename = "tokenType", alias = "token_type")]
    token_type: Option<String>,
    tenant: Option<String>,
}

impl AccessToken {
    /// Reads a token document: a raw token (one line) or a JSON object.
    /// `now` (epoch seconds) turns a relative `expires_in` into an expiry.
    pub fn parse_document(text: &str, now: i64) -> Result<AccessToken, TokenDocumentError> {
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            return Err(TokenDocumentError::Empty);
        }
        if text.starts_with('{') {
            let doc: Document = serde_json::from_str(text)
                .map_err(|e| TokenDocumentError::BadJson(e.to_string()))?;
            let token = doc
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or(TokenDocumentError::NoTokenField)?;
            check_bearer_token(&token)?;
            let token_type = match doc.token_type {
                None => "Bearer".to_string(),
                Some(t) if is_http_token(&t) => t,
                Some(_) => return Err(TokenDocumentError::BadTokenType),
            };
            let expires_on = doc
                .expires_on
                .as_ref()
                .and_then(number_or_string)
                .or_else(|| {
                    doc.expires_in
                        .as_ref()
                        .and_then(number_or_string)
                        .map(|s| now + s)
                })
                .or_else(|| jwt_expiry(&token));
            return Ok(AccessToken {
                expires_on,
                token_type,
                tenant: doc.tenant,
                token: Secret::new(token),
            });
        }
        check_bearer_token(text)?;
        Ok(AccessToken {
            expires_on: jwt_expiry(text),
            token_type: "Bearer".to_string(),
            tenant: jwt_claims(text).and_then(|c| c.get("tid")?.as_str().map(str::to_string)),
            token: Secret::new(text),
        })
    }

    /// The `az account get-access-token` shaped JSON object (one line, no newline).
    pub fn to_az_json(&self) -> String {
        let expires_on_local = self
            .expires_on
            .and_then(|s| Local.timestamp_opt(s, 0).single())
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string());
        serde_json::json!({
            "accessToken": self.token.expose(),
            "expiresOn": expires_on_local,
            "expires_on": self.expires_on,
            "tokenType": self.token_type,
            "tenant": self.tenant,
        })
        .to_string()
    }
}

/// A JSON number or a numeric string, as v1 endpoints send them.
pub fn number_or_string(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Decodes one base64url JWT segment as a JSON object.
fn segment(part: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.is_object().then_some(value)
}

/// The decoded header and claims of a JWT, without checking its signature.
pub fn decode_jwt(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let header = segment(parts.next()?)?;
    let claims = segment(parts.next()?)?;
    Some((header, claims))
}

/// The claims of a JWT, without checking its signature.
pub fn jwt_claims(token: &str) -> Option<Value> {
    decode_jwt(token).map(|(_, claims)| claims)
}

/// The `exp` claim of a JWT, epoch seconds.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    jwt_claims(token)?.get("exp").and_then(number_or_string)
}

/// Epoch seconds as UTC, for messages.
pub fn epoch_to_utc(seconds: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(seconds, 0).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn raw_jwt_takes_expiry_and_tenant_from_claims() {
        let token = jwt(r#"{"exp":1700000000,"tid":"t-1"}"#);
        let doc = AccessToken::parse_document(&format!("{token}\n"), 0).unwrap();
        assert_eq!(doc.expires_on, Some(1_700_000_000));
        assert_eq!(doc.tenant.as_deref(), Some("t-1"));
        assert_eq!(doc.token.expose(), token);
    }

    #[test]
    fn az_json_round_trips() {
        let doc = AccessToken {
            token: Secret::new("abc"),
            expires_on: Some(1_700_000_000),
            token_type: "Bearer".into(),
            tenant: Some("contoso".into()),
        };
        let back = AccessToken::parse_document(&doc.to_az_json(), 0).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn oauth_v1_response_with_string_numbers() {
        let doc = AccessToken::parse_document(
            r#"{"token_type":"Bearer","expires_in":"3599","access_token":"opaque"}"#,
            100,
        )
        .unwrap();
        assert_eq!(doc.expires_on, Some(3699));
    }

    #[test]
    fn errors_never_contain_the_token() {
        assert_eq!(
            AccessToken::parse_document("two words", 0),
            Err(TokenDocumentError::NotAToken)
        );
        assert_eq!(
            AccessToken::parse_document(r#"{"token":"x"}"#, 0),
            Err(TokenDocumentError::NoTokenField)
        );
        assert_eq!(
            AccessToken::parse_document(" \n", 0),
            Err(TokenDocumentError::Empty)
        );
    }

    #[test]
    fn json_tokens_are_checked_like_raw_ones() {
        let doc = |token: &str, kind: &str| {
            let text = serde_json::json!({"accessToken": token, "tokenType": kind}).to_string();
            AccessToken::parse_document(&text, 0)
        };
        assert_eq!(doc("a\u{1}b", "Bearer"), Err(TokenDocumentError::NotAToken));
        assert_eq!(
            doc("a\r\nX-Evil: 1", "Bearer"),
            Err(TokenDocumentError::NotAToken)
        );
        assert_eq!(doc("t\u{e9}", "Bearer"), Err(TokenDocumentError::NotAToken));
        assert_eq!(
            doc("abc", "Bearer\r\nX-Evil: 1"),
            Err(TokenDocumentError::BadTokenType)
        );
        let long = "a".repeat(TOKEN_LIMIT as usize + 1);
        assert_eq!(doc(&long, "Bearer"), Err(TokenDocumentError::TooLong));
        assert_eq!(
            AccessToken::parse_document(&long, 0),
            Err(TokenDocumentError::TooLong)
        );
        let fine = "a".repeat(TOKEN_LIMIT as usize);
        assert_eq!(doc(&fine, "PoP").unwrap().token_type, "PoP");
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "***");
    }
}
