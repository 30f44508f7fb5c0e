//! The key access tokens are signed with, as Azure AD signs them: RS256 under an RSA
//! key whose self-signed certificate is published in a JWKS document at the discovery
//! documents' `jwks_uri`, named in each token's header by `kid` and `x5t`. Any JWT
//! library, gateway or MSAL check can then verify the emulator's tokens.
//!
//! A new key is made at every start (tokens of an earlier run are refused, as after a
//! key rollover). Making an RSA key takes a moment, so it is made on its own thread
//! while the server starts; [`TokenKey::wait`] is for the few requests that need it.

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use serde_json::{Value, json};

/// Modulus size of the key: Azure AD's keys are 2048-bit.
const RSA_BITS: usize = 2048;

/// The key and what is published of it.
struct Material {
    pair: RsaKeyPair,
    /// `kid` and `x5t` (Azure AD's v1 keys use the thumbprint as the key id).
    kid: String,
    /// The JWKS entry.
    jwk: Value,
}

/// The token-signing key, made on a background thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct TokenKey {
    material: Arc<OnceLock<Option<Material>>>,
}

impl TokenKey {
    /// Starts making a key; the value is usable at once and waits for the key when used.
    pub(crate) fn generate() -> TokenKey {
        let key = TokenKey {
            material: Arc::new(OnceLock::new()),
        };
        let slot = key.material.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("{}-keygen", crate::NAME))
            .spawn(move || {
                let _ = slot.set(make());
            });
        if spawned.is_err() {
            let _ = key.material.set(make());
        }
        key
    }

    /// Whether the key is ready (so that a request needs not wait for it).
    pub(crate) fn is_ready(&self) -> bool {
        self.material.get().is_some()
    }

    /// Blocks until the key is made.
    pub(crate) fn wait(&self) {
        let _ = self.material.wait();
    }

    fn material(&self) -> Option<&Material> {
        self.material.wait().as_ref()
    }

    /// Signs `claims` into a compact RS256 JWT; `None` if no key could be made.
    pub(crate) fn sign(&self, claims: &Value) -> Option<String> {
        let m = self.material()?;
        let header = json!({"typ": "JWT", "alg": "RS256", "x5t": m.kid, "kid": m.kid});
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; m.pair.public().modulus_len()];
        m.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .ok()?;
        Some(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// True when this key signed `signed` (`header.payload`) with `signature` and the
    /// header names it.
    pub(crate) fn verifies(&self, kid: Option<&str>, signed: &[u8], signature: &[u8]) -> bool {
        let Some(m) = self.material() else {
            return false;
        };
        if kid != Some(m.kid.as_str()) {
            return false;
        }
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            m.pair.public().as_ref(),
        );
        public.verify(signed, signature).is_ok()
    }

    /// The JWKS document: `{"keys":[{kty, use, kid, x5t, n, e, x5c}]}`; the v2 keys
    /// document adds each key's `issuer`.
    pub(crate) fn jwks(&self, issuer: Option<&str>) -> Value {
        let keys: Vec<Value> = self
            .material()
            .map(|m| {
                let mut jwk = m.jwk.clone();
                if let Some(issuer) = issuer {
                    jwk["issuer"] = json!(issuer);
                }
                jwk
            })
            .into_iter()
            .collect();
        json!({ "keys": keys })
    }
}

/// A new key with its certificate; `None` when the system cannot make one.
fn make() -> Option<Material> {
    use rsa::pkcs8::EncodePrivateKey as _;
    use rsa::traits::PublicKeyParts as _;
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS).ok()?;
    let pkcs8 = private.to_pkcs8_der().ok()?;
    let pair = RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).ok()?;
    let cert = certificate(pkcs8.as_bytes())?;
    let kid = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &cert));
    let n = private.n().to_bytes_be();
    let e = private.e().to_bytes_be();
    let jwk = json!({
        "kty": "RSA",
        "use": "sig",
        "kid": kid,
        "x5t": kid,
        "n": URL_SAFE_NO_PAD.encode(n),
        "e": URL_SAFE_NO_PAD.encode(e),
        "x5c": [STANDARD.encode(&cert)],
    });
    Some(Material { pair, kid, jwk })
}

/// A self-signed certificate for the key (the JWKS `x5c`), as Azure AD publishes one
/// per signing key.
fn certificate(pkcs8: &[u8]) -> Option<Vec<u8>> {
    use rustls_pki_types::PrivatePkcs8KeyDer;
    let key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(pkcs8),
        &rcgen::PKCS_RSA_SHA256,
    )
    .ok()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).ok()?;
    let mut name = rcgen::DistinguishedName::new();
    name.push(
        rcgen::DnType::CommonName,
        "accounts.accesscontrol.windows.net",
    );
    params.distinguished_name = name;
    Some(params.self_signed(&key).ok()?.der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_with_the_published_key() {
        let key = TokenKey::generate();
        let token = key.sign(&json!({"aud": "x"})).expect("a token");
        let parts: Vec<&str> = token.split('.').collect();
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        let signed = format!("{}.{}", parts[0], parts[1]);
        assert!(key.verifies(header["kid"].as_str(), signed.as_bytes(), &signature));
        let forged = format!("{}.e30", parts[0]);
        assert!(!key.verifies(header["kid"].as_str(), forged.as_bytes(), &signature));
        let jwks = key.jwks(Some("i"));
        assert_eq!(jwks["keys"][0]["kid"], header["kid"]);
        assert_eq!(jwks["keys"][0]["e"], "AQAB");
    }
}
