//! Client secrets: read from `AZURE_CLIENT_SECRET`, a file or stdin, and sent as form
//! fields or with HTTP Basic.

use aad_common::Result;
use aad_common::io::read_secret;
use aad_common::mask::register_secret;
use aad_common::token::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::source::SecretSource;

/// The secret itself.
pub(crate) fn load(source: &SecretSource) -> Result<Secret> {
    match source {
        SecretSource::Env(secret) => Ok(secret.clone()),
        SecretSource::File(path) => {
            let name = path.to_string_lossy();
            read_secret(&name, "the client secret").map(Secret::new)
        }
    }
}

/// The `Authorization` value of RFC 6749 §2.3.1: Basic with the form-encoded client
/// id and secret. The encoded pair is masked in diagnostics on its own too, as a server
/// may echo it without the scheme.
pub(crate) fn basic_authorization(client_id: &str, secret: &Secret) -> Secret {
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(secret.expose()));
    let encoded = STANDARD.encode(pair);
    register_secret(&encoded);
    Secret::new(format!("Basic {encoded}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodes_both_parts_first() {
        let value = basic_authorization("app:1", &Secret::new("a b+c"));
        let b64 = value.expose().strip_prefix("Basic ").unwrap();
        let pair = String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
        assert_eq!(pair, "app%3A1:a+b%2Bc");
    }
}
