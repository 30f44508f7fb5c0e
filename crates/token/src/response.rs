//! Reading a successful token response, leniently.
//!
//! Azure v1 sends every number as a string, v2 sends numbers, managed identities send
//! strings, third-party servers send what RFC 6749 §5.1 says (`token_type` in any case,
//! `expires_in` optional). Only `access_token` is required; unknown fields are ignored.
//! Errors never contain the body: it may hold a token.

use aad_common::token::{
    AccessToken, Secret, TokenDocumentError, check_bearer_token, is_http_token, jwt_claims,
    jwt_expiry, number_or_string,
};
use aad_common::{Error, Result};
use serde_json::Value;

/// Reads a 2xx token response received at `now` (epoch seconds). `what` names the
/// service; `tenant` is the configured tenant, used when the token names none.
pub(crate) fn parse(
    body: &[u8],
    now: i64,
    what: &str,
    tenant: Option<&str>,
) -> Result<AccessToken> {
    let not_a_token = |why: &str| {
        Error::bad_data(format!("{what} answered with success but {why}")).with_hint(
            "check --token-url or --authority-host: it should be the OAuth2 token endpoint",
        )
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| not_a_token(&format!("the body is not JSON ({} bytes)", body.len())))?;
    let Value::Object(object) = &value else {
        return Err(not_a_token("the body is not a JSON object"));
    };
    let token = match object.get("access_token") {
        Some(Value::String(token)) if !token.is_empty() => token.clone(),
        _ => {
            let names: Vec<&str> = object.keys().map(String::as_str).take(20).collect();
            return Err(not_a_token(&format!(
                "without an 'access_token' string (fields: {})",
                names.join(", ")
            )));
        }
    };
    // A bad token would break `-o header` (header injection) and every reader of it.
    match check_bearer_token(&token) {
        Ok(()) => {}
        Err(TokenDocumentError::TooLong) => {
            return Err(not_a_token(&format!(
                "its access_token is longer than {}",
                aad_common::io::format_size(aad_common::token::TOKEN_LIMIT)
            )));
        }
        Err(_) => {
            return Err(not_a_token(
                "its access_token contains white space, control or non-ASCII characters",
            ));
        }
    }
    let expires_on = object
        .get("expires_on")
        .and_then(number_or_string)
        .or_else(|| {
            let seconds = object.get("expires_in").and_then(number_or_string)?;
            Some(now.saturating_add(seconds))
        })
        .or_else(|| jwt_expiry(&token));
    let token_type = match object.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_string(),
        Some(Value::String(t)) if is_http_token(t) => t.clone(),
        Some(Value::String(t)) if !t.is_empty() => {
            return Err(not_a_token(
                "its token_type is not an HTTP authentication scheme name",
            ));
        }
        _ => "Bearer".to_string(),
    };
    let tenant = jwt_claims(&token)
        .and_then(|c| c.get("tid")?.as_str().map(str::to_string))
        .or_else(|| tenant.map(str::to_string));
    Ok(AccessToken {
        token: Secret::new(token),
        expires_on,
        token_type,
        tenant,
    })
}

#[cfg(test)]
mod tests {
    use aad_common::Status;

    use super::*;

    const WHAT: &str = "the token endpoint";

    #[test]
    fn v2_numbers() {
        let t = parse(
            br#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"abc"}"#,
            1000,
            WHAT,
            Some("contoso"),
        )
        .unwrap();
        assert_eq!(t.token.expose(), "abc");
        assert_eq!(t.expires_on, Some(4599));
        assert_eq!(t.tenant.as_deref(), Some("contoso"));
    }

    #[test]
    fn v1_and_managed_identity_strings_prefer_expires_on() {
        let t = parse(
            br#"{"token_type":"Bearer","expires_in":"3599","expires_on":"1700000000","not_before":"1","resource":"r","access_token":"abc"}"#,
            1000,
            WHAT,
            None,
        )
        .unwrap();
        assert_eq!(t.expires_on, Some(1_700_000_000));
    }

    #[test]
    fn rfc6749_minimal_response_with_lowercase_type() {
        let t = parse(
            br#"{"access_token":"x","token_type":"bearer"}"#,
            0,
            WHAT,
            None,
        )
        .unwrap();
        assert_eq!(t.token_type, "Bearer");
        assert_eq!(t.expires_on, None);
    }

    #[test]
    fn missing_token_is_bad_data_and_never_echoes_the_body() {
        let err = parse(br#"{"acces_token":"s3cr3t"}"#, 0, WHAT, None).unwrap_err();
        assert_eq!(err.status(), Status::BadData);
        assert!(err.to_string().contains("acces_token"), "{err}");
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        let err = parse(b"<html>s3cr3t</html>", 0, WHAT, None).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        let err = parse(br#"{"access_token":"a\r\nX-Evil: 1"}"#, 0, WHAT, None).unwrap_err();
        assert!(err.to_string().contains("white space"), "{err}");
        let body = br#"{"access_token":"a","token_type":"Bearer\r\nX-Evil: 1"}"#;
        let err = parse(body, 0, WHAT, None).unwrap_err();
        assert!(err.to_string().contains("token_type"), "{err}");
    }
}
