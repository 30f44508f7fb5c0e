//! Certificate credentials: a client assertion JWT signed with the certificate's key.
//!
//! The PEM file holds the certificate (or a chain) and an RSA private key, PKCS#8 or
//! PKCS#1, not encrypted. The assertion is what Microsoft documents today: PS256, the
//! `x5t#S256` header (base64url SHA-256 of the certificate DER), `aud` = the token
//! endpoint, `iss` = `sub` = the client id, a random `jti`, `nbf` = `iat` = now,
//! `exp` = now + 10 minutes.

use std::path::Path;

use aad_common::io::{DOCUMENT_LIMIT, read_file_limited};
use aad_common::mask::register_secret;
use aad_common::sanitize::printable;
use aad_common::{Error, Result, Status};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom as _, SystemRandom};
use ring::signature::{RSA_PSS_SHA256, RsaKeyPair};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::{PemObject as _, SectionKind};
use serde_json::json;

/// How long an assertion is valid.
const LIFETIME_SECONDS: i64 = 600;

/// A loaded certificate and key, ready to sign assertions.
pub(crate) struct Signer {
    key: RsaKeyPair,
    /// `x5t#S256` of the certificate that matches the key.
    thumbprint: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer {{ x5t#S256: {} }}", self.thumbprint)
    }
}

impl Signer {
    /// Reads (at most [`DOCUMENT_LIMIT`] bytes) and checks the PEM file.
    pub(crate) fn load(path: &Path) -> Result<Signer> {
        let pem = read_file_limited(path, DOCUMENT_LIMIT, "certificate")?;
        Signer::from_pem(&pem, path)
    }

    fn from_pem(pem: &[u8], path: &Path) -> Result<Signer> {
        let shown = printable(&path.display().to_string()).into_owned();
        let unusable = |why: &str| Error::new(Status::File, format!("certificate '{shown}' {why}"));
        let text = String::from_utf8_lossy(pem);
        register_key_material(&text);
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            || text.contains("Proc-Type: 4,ENCRYPTED")
        {
            return Err(unusable("has an encrypted private key").with_hint(
                "aad-token reads unencrypted keys only; decrypt it into a file only you can read: openssl pkey -in FILE -out key.pem (then chmod 600)",
            ));
        }
        let mut certs = Vec::new();
        let mut key = None;
        for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
            match section {
                Ok((SectionKind::Certificate, der)) => certs.push(der),
                Ok((
                    kind @ (SectionKind::PrivateKey
                    | SectionKind::RsaPrivateKey
                    | SectionKind::EcPrivateKey),
                    der,
                )) if key.is_none() => key = Some((kind, der)),
                Ok(_) => {}
                Err(e) => return Err(unusable("is not valid PEM").with_source(e)),
            }
        }
        let pfx_hint = "it must be PEM with the certificate and its private key; convert a PFX with: openssl pkcs12 -in app.pfx -nodes -out app.pem";
        let (kind, der) = match (key, certs.is_empty()) {
            (None, true) => {
                return Err(unusable("holds no PEM certificate or private key").with_hint(pfx_hint));
            }
            (None, false) => return Err(unusable("holds no private key").with_hint(pfx_hint)),
            (Some(_), true) => return Err(unusable("holds no certificate").with_hint(pfx_hint)),
            (Some(key), false) => key,
        };
        let key = match kind {
            SectionKind::PrivateKey => RsaKeyPair::from_pkcs8(&der),
            SectionKind::RsaPrivateKey => RsaKeyPair::from_der(&der),
            _ => return Err(not_rsa(unusable("has an EC private key"))),
        }
        .map_err(|rejected| match rejected.to_string().as_str() {
            "WrongAlgorithm" => not_rsa(unusable("has a private key that is not RSA")),
            "TooSmall" => unusable("has an RSA key shorter than 2048 bits, which Azure refuses"),
            other => unusable(&format!("has a private key that cannot be used ({other})")),
        })?;
        let thumbprint = matching_certificate(&key, &certs)
            .map(|cert| URL_SAFE_NO_PAD.encode(digest(&SHA256, cert)))
            .ok_or_else(|| {
                unusable("has a private key that belongs to none of its certificates").with_hint(
                    "put the certificate and the private key of one key pair in the file",
                )
            })?;
        Ok(Signer { key, thumbprint })
    }

    /// A signed client assertion for `client_id` at the token endpoint `audience`.
    pub(crate) fn assertion(&self, client_id: &str, audience: &str, now: i64) -> Result<String> {
        let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": self.thumbprint});
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": guid()?,
            "nbf": now,
            "iat": now,
            "exp": now + LIFETIME_SECONDS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.sign(signing_input.as_bytes())?;
        let assertion = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
        register_secret(&assertion);
        Ok(assertion)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        sign(&self.key, message)
    }
}

/// Registers the lines of every private key block in `pem` as secrets, so no diagnostic
/// can show them (a key file given where another file was expected, a parser's message).
fn register_key_material(pem: &str) {
    let mut in_key = false;
    for line in pem.lines().map(str::trim) {
        if line.starts_with("-----BEGIN") {
            in_key = line.contains("PRIVATE KEY");
        } else if line.starts_with("-----END") {
            in_key = false;
        } else if in_key && line.len() >= 16 && !line.contains(':') {
            register_secret(line);
        }
    }
}

fn sign(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>> {
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PSS_SHA256,
        &SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| Error::internal("signing the client assertion failed"))?;
    Ok(signature)
}

/// The certificate whose public key verifies a signature made with `key`. When no
/// certificate can be parsed for the check, the first one is taken and the server
/// decides.
fn matching_certificate<'c>(key: &RsaKeyPair, certs: &'c [Vec<u8>]) -> Option<&'c [u8]> {
    const PROBE: &[u8] = b"aad-token: does this key belong to this certificate?";
    let signature = sign(key, PROBE).ok()?;
    let mut parsed_any = false;
    for cert in certs {
        let der = CertificateDer::from(cert.as_slice());
        let Ok(ee) = webpki::EndEntityCert::try_from(&der) else {
            continue;
        };
        parsed_any = true;
        let algorithm = webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY;
        if ee.verify_signature(algorithm, PROBE, &signature).is_ok() {
            return Some(cert);
        }
    }
    (!parsed_any).then(|| certs[0].as_slice())
}

fn not_rsa(err: Error) -> Error {
    err.with_hint(
        "Azure AD accepts RSA certificates for client assertions: create one with openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 365",
    )
}

/// A random (version 4) GUID for `jti`.
fn guid() -> Result<String> {
    let mut b = [0u8; 16];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| Error::internal("no random numbers for the assertion id"))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

#[cfg(test)]
mod tests {
    use aad_common::token::decode_jwt;

    use super::*;

    /// The emulator's demo certificate and key (test material).
    const DEMO: &str = include_str!("../../../emulator/src/fixtures/demo-client.pem");

    #[test]
    fn assertion_has_the_documented_header_and_claims() {
        let signer = Signer::from_pem(DEMO.as_bytes(), Path::new("demo.pem")).unwrap();
        let jwt = signer
            .assertion(
                "client-1",
                "https://login.example/t/oauth2/v2.0/token",
                1000,
            )
            .unwrap();
        let (header, claims) = decode_jwt(&jwt).unwrap();
        assert_eq!(header["alg"], "PS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(header["x5t#S256"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["nbf"], 1000);
        assert_eq!(claims["exp"], 1600);
        let jti = claims["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 36);
        let again = signer.assertion("client-1", "a", 1000).unwrap();
        assert_ne!(decode_jwt(&again).unwrap().1["jti"], jti);
    }

    #[test]
    fn a_file_without_pem_asks_for_pem() {
        let err = Signer::from_pem(b"\x30\x82binary pfx", Path::new("app.pfx")).unwrap_err();
        assert_eq!(err.status(), Status::File);
        assert!(err.hint().unwrap().contains("pkcs12"), "{err}");
    }

    #[test]
    fn a_key_without_its_certificate_is_refused() {
        let key_only: String = DEMO
            .split("-----BEGIN PRIVATE KEY-----")
            .nth(1)
            .map(|k| format!("-----BEGIN PRIVATE KEY-----{k}"))
            .unwrap();
        let err = Signer::from_pem(key_only.as_bytes(), Path::new("k.pem")).unwrap_err();
        assert!(err.to_string().contains("no certificate"), "{err}");
    }

    #[test]
    fn key_material_and_assertions_are_masked() {
        let signer = Signer::from_pem(DEMO.as_bytes(), Path::new("demo.pem")).unwrap();
        let key_line = DEMO
            .split("-----BEGIN PRIVATE KEY-----")
            .nth(1)
            .and_then(|k| k.lines().map(str::trim).find(|l| l.len() >= 16))
            .unwrap();
        // Other tests of this process register secrets too: only brackets around.
        let line = format!("<{key_line}>");
        assert_eq!(aad_common::mask::mask_secrets(&line), "<***>");
        let jwt = signer.assertion("c", "a", 0).unwrap();
        let line = format!("[{jwt}]");
        assert_eq!(aad_common::mask::mask_secrets(&line), "[***]");
    }

    #[test]
    fn guids_are_version_4() {
        let g = guid().unwrap();
        assert_eq!(g.as_bytes()[14], b'4');
        assert!(matches!(g.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }
}
