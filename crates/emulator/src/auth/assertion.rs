//! Client assertions: a JWT signed with a registered certificate (`iss` = `sub` = the
//! client id), or a federated token from a trusted identity provider.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::CertificateDer;
use serde_json::Value;

use super::jwt::{self, TokenProblem};
use super::{Directory, FEDERATION_AUDIENCE, FEDERATION_ISSUER, FEDERATION_SUBJECT};

/// Clock skew the service tolerates on assertion lifetimes.
const SKEW_SECONDS: i64 = 300;

/// An assertion refused: HTTP status, OAuth error, AADSTS number, message.
pub(crate) type Refusal = (u16, &'static str, u32, String);

/// Where the assertion was presented: the token endpoint URLs it may name as `aud`.
pub(crate) struct Audience<'a> {
    /// `scheme://host[:port]` the client used.
    pub base: &'a str,
    /// The tenant as it appears in the request path.
    pub tenant_in_path: &'a str,
}

/// Verifies an assertion for `client_id`. Returns whether it was a certificate
/// assertion (`true`) or a federated one (`false`).
pub(crate) fn verify(
    dir: &Directory,
    assertion: &str,
    client_id: &str,
    at: &Audience<'_>,
    now: i64,
) -> Result<bool, Refusal> {
    let parsed = jwt::parse(assertion).ok_or_else(|| {
        (
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.".to_string(),
        )
    })?;
    let iss = parsed
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if iss.eq_ignore_ascii_case(client_id) {
        certificate(dir, &parsed, client_id, at, now).map(|()| true)
    } else {
        federated(dir, &parsed, now).map(|()| false)
    }
}

fn certificate(
    dir: &Directory,
    parsed: &jwt::Parsed,
    client_id: &str,
    at: &Audience<'_>,
    now: i64,
) -> Result<(), Refusal> {
    let alg = parsed
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let algorithm: &dyn rustls_pki_types::SignatureVerificationAlgorithm = match alg {
        "PS256" => webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        "RS256" => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        other => {
            return Err((
                401,
                "invalid_client",
                5002738,
                format!(
                    "Invalid JWT token. '{other}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'"
                ),
            ));
        }
    };
    let thumb = |name: &str| {
        parsed
            .header
            .get(name)
            .and_then(Value::as_str)
            .and_then(|t| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok())
    };
    let (sha256, sha1) = (thumb("x5t#S256"), thumb("x5t"));
    let Some(cert) = dir.cert_by_thumbprint(sha256.as_deref(), sha1.as_deref()) else {
        let shown = sha256
            .or(sha1)
            .map(hex)
            .unwrap_or_else(|| "none".to_string());
        return Err((
            401,
            "invalid_client",
            700027,
            format!(
                "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{shown}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"
            ),
        ));
    };
    let der = CertificateDer::from(cert.der.as_slice());
    let verified = webpki::EndEntityCert::try_from(&der)
        .and_then(|ee| ee.verify_signature(algorithm, parsed.signed.as_bytes(), &parsed.signature));
    if verified.is_err() {
        return Err((
            401,
            "invalid_client",
            700027,
            format!(
                "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{}', Found key 'Start=01/01/2024 00:00:00, End=01/01/2124 00:00:00']",
                hex(cert.sha1.clone())
            ),
        ));
    }
    if !parsed.claim("sub").eq_ignore_ascii_case(client_id) {
        return Err((401, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .".to_string()));
    }
    let aud = parsed.claim("aud");
    let good_aud = [
        dir.tenant_id.as_str(),
        dir.tenant_domain.as_str(),
        at.tenant_in_path,
    ]
    .iter()
    .flat_map(|t| {
        [
            format!("{}/{t}/oauth2/v2.0/token", at.base),
            format!("{}/{t}/oauth2/token", at.base),
        ]
    })
    .any(|u| u.eq_ignore_ascii_case(aud.trim_end_matches('/')));
    if !good_aud {
        return Err((
            401,
            "invalid_client",
            700016,
            format!(
                "Client assertion audience claim does not match Realm issuer. Audience '{aud}' is not the token endpoint of tenant '{}'.",
                dir.tenant_id
            ),
        ));
    }
    if parsed.claim("jti").is_empty() {
        return Err((
            400,
            "invalid_request",
            50027,
            "Invalid JWT token. Token does not contain a 'jti' claim.".to_string(),
        ));
    }
    lifetime(&parsed.claims, now)
}

fn federated(dir: &Directory, parsed: &jwt::Parsed, now: i64) -> Result<(), Refusal> {
    let iss = parsed.claim("iss");
    if iss != FEDERATION_ISSUER {
        return Err((
            400,
            "invalid_request",
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            ),
        ));
    }
    // Only the emulator's own identity provider is trusted; its key signs the tokens.
    if !dir.federation_key.signed(parsed) {
        return Err((401, "invalid_client", 700027, "Client assertion failed signature validation. The federated token is not signed by the issuer's keys.".to_string()));
    }
    let sub = parsed.claim("sub");
    if sub != FEDERATION_SUBJECT {
        return Err((
            400,
            "invalid_request",
            700213,
            format!(
                "No matching federated identity record found for presented assertion subject '{sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            ),
        ));
    }
    let aud_ok = match parsed.claims.get("aud") {
        Some(Value::String(a)) => a == FEDERATION_AUDIENCE,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(FEDERATION_AUDIENCE)),
        _ => false,
    };
    if !aud_ok {
        return Err((
            400,
            "invalid_request",
            700212,
            format!(
                "No matching federated identity record found for presented assertion audience. The audience must be '{FEDERATION_AUDIENCE}'."
            ),
        ));
    }
    lifetime(&parsed.claims, now)
}

fn lifetime(claims: &Value, now: i64) -> Result<(), Refusal> {
    match jwt::check_lifetime(claims, now, SKEW_SECONDS) {
        Ok(()) => Ok(()),
        Err(TokenProblem::Malformed) => Err((
            400,
            "invalid_request",
            50027,
            "Invalid JWT token. The token has no 'exp' claim.".to_string(),
        )),
        Err(_) => Err((
            401,
            "invalid_client",
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {} - expiry time of assertion {}.",
                now,
                claims.get("nbf").unwrap_or(&Value::Null),
                claims.get("exp").unwrap_or(&Value::Null)
            ),
        )),
    }
}

fn hex(bytes: Vec<u8>) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
