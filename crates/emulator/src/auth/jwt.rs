//! JWTs the emulator reads (assertions, bearer tokens) and the federated tokens of its
//! stand-in workload identity provider.
//!
//! Federated tokens are signed with HMAC-SHA256 under a key made at start: only the
//! emulator itself checks them (as the issuer the federated credential trusts), so the
//! signature only has to tell its own tokens from forged ones. Access tokens are RS256,
//! verifiable by anyone ([`super::keys`]).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{Value, json};

/// One of the emulator's signing keys; `kid` tells which in a token's header.
pub(crate) struct SigningKey {
    key: hmac::Key,
    kid: String,
}

/// A JWT split into its decoded parts, not yet verified.
pub(crate) struct Parsed {
    pub header: Value,
    pub claims: Value,
    /// The signed input: `header.payload`, as it was encoded.
    pub signed: String,
    pub signature: Vec<u8>,
}

impl Parsed {
    /// A string claim, or "" when it is missing or not a string.
    pub(crate) fn claim(&self, name: &str) -> &str {
        self.claims
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// Not three base64url JSON parts.
    Malformed,
    /// `exp` has passed.
    Expired,
    /// `nbf` is in the future.
    NotYetValid,
}

impl SigningKey {
    /// A key made at start: tokens from an earlier run are refused, as after a key
    /// rollover.
    pub(crate) fn random(kid: String) -> SigningKey {
        let mut bytes = [0u8; 32];
        // The system RNG failing is not a condition this program can handle differently.
        let _ = SystemRandom::new().fill(&mut bytes);
        SigningKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, &bytes),
            kid,
        }
    }

    /// Signs `claims` into a compact JWT.
    pub(crate) fn issue(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "HS256", "kid": self.kid});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let tag = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// True when this key signed the token.
    pub(crate) fn signed(&self, parsed: &Parsed) -> bool {
        parsed.header.get("kid").and_then(Value::as_str) == Some(self.kid.as_str())
            && hmac::verify(&self.key, parsed.signed.as_bytes(), &parsed.signature).is_ok()
    }
}

/// Checks `exp` and `nbf` with `skew` seconds of tolerance.
pub(crate) fn check_lifetime(claims: &Value, now: i64, skew: i64) -> Result<(), TokenProblem> {
    let exp = claims
        .get("exp")
        .and_then(number)
        .ok_or(TokenProblem::Malformed)?;
    if exp + skew <= now {
        return Err(TokenProblem::Expired);
    }
    if let Some(nbf) = claims.get("nbf").and_then(number)
        && nbf - skew > now
    {
        return Err(TokenProblem::NotYetValid);
    }
    Ok(())
}

fn number(v: &Value) -> Option<i64> {
    aad_common::token::number_or_string(v)
}

/// Splits and decodes a compact JWT without verifying it.
pub(crate) fn parse(token: &str) -> Option<Parsed> {
    let mut parts = token.trim().split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    Some(Parsed {
        header,
        claims,
        signed: format!("{h}.{p}"),
        signature: URL_SAFE_NO_PAD.decode(s).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_and_check() {
        let key = SigningKey::random("k".into());
        let token = key.issue(&json!({"exp": 100, "nbf": 10, "aud": "x"}));
        let parsed = parse(&token).unwrap();
        assert!(key.signed(&parsed));
        assert_eq!(parsed.claim("aud"), "x");
        assert_eq!(check_lifetime(&parsed.claims, 50, 0), Ok(()));
        assert_eq!(
            check_lifetime(&parsed.claims, 100, 0),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            check_lifetime(&parsed.claims, 5, 0),
            Err(TokenProblem::NotYetValid)
        );
        let other = SigningKey::random("k".into());
        assert!(!other.signed(&parsed));
        assert!(parse("abc").is_none());
    }
}
