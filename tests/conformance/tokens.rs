//! Access tokens are signed as Azure AD signs them (RS256, with `kid` and `x5t` in the
//! header), the OpenID discovery documents (v1 and v2) name a `jwks_uri` that serves
//! the key, and an independent JWT library (PyJWT) verifies a token with that key.
//! Standard clients (MSAL, API gateways, `az`) fetch the keys this way; an HMAC-signed
//! token cannot be verified by anyone but its issuer.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::{Service, Shared, jwt_part};

static SERVICE: Shared = Shared::new();

fn service() -> std::sync::Arc<Service> {
    SERVICE.get(&["--records", "5"])
}

#[test]
fn access_tokens_are_rs256_with_kid_and_x5t() {
    let service = service();
    let header = jwt_part(&service.token, 0);
    assert_eq!(header["typ"], "JWT", "{header}");
    assert_eq!(header["alg"], "RS256", "{header}");
    for key in ["kid", "x5t"] {
        assert!(
            header[key].as_str().is_some_and(|v| !v.is_empty()),
            "header has no {key}: {header}"
        );
    }
}

/// `{tenant}/.well-known/openid-configuration` (v1) and
/// `{tenant}/v2.0/.well-known/openid-configuration` (v2): each names a `jwks_uri`
/// that answers 200 with the token's key (`kid`, `x5t`, RSA `n` and `e`, `x5c`).
fn jwks_of_discovery(service: &Service, v2: bool) -> (Value, Value) {
    let tenant = service.emu.export("AZURE_TENANT_ID");
    let path = if v2 {
        format!("/{tenant}/v2.0/.well-known/openid-configuration")
    } else {
        format!("/{tenant}/.well-known/openid-configuration")
    };
    let answer = service.get_as(None, &path, &[]);
    assert_eq!(answer.status, 200, "{}", answer.describe());
    let discovery = answer.json();
    let uri = discovery["jwks_uri"]
        .as_str()
        .expect("jwks_uri")
        .to_string();
    let keys = service.get_as(None, &uri, &[]);
    assert_eq!(keys.status, 200, "jwks_uri of {path}: {}", keys.describe());
    (discovery, keys.json())
}

#[test]
fn discovery_documents_name_a_jwks_uri_serving_the_tokens_key() {
    let service = service();
    let header = jwt_part(&service.token, 0);
    for v2 in [false, true] {
        let (_, jwks) = jwks_of_discovery(&service, v2);
        let key = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| k["kid"] == header["kid"])
            .unwrap_or_else(|| panic!("v2={v2}: no key {} in {jwks}", header["kid"]));
        assert_eq!(key["kty"], "RSA", "{key}");
        assert_eq!(key["use"], "sig", "{key}");
        assert_eq!(key["x5t"], header["x5t"], "{key}");
        for field in ["n", "e"] {
            assert!(key[field].as_str().is_some_and(|v| !v.is_empty()), "{key}");
        }
        assert!(
            key["x5c"].as_array().is_some_and(|c| !c.is_empty()),
            "x5c: {key}"
        );
    }
}

/// Verifies the token with PyJWT against the key the v2 discovery points at, with
/// Graph's audience and the v1 issuer (Graph accepts v1 tokens only, whichever
/// endpoint issued them); a token with a changed payload must fail.
const VERIFY: &str = r#"
import json, sys
import jwt
data = json.load(sys.stdin)
keys = jwt.PyJWKSet.from_dict(data["jwks"])
kid = jwt.get_unverified_header(data["token"])["kid"]
key = next(k for k in keys.keys if k.key_id == kid)
def check(token):
    try:
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=data["aud"],
                            issuer=data["iss"], options={"require": ["exp", "iat", "aud", "iss"]})
        return "valid " + claims["tid"]
    except jwt.InvalidTokenError as e:
        return "invalid " + type(e).__name__
head, body, sig = data["token"].split(".")
forged = jwt.utils.base64url_encode(json.dumps(dict(data["claims"], roles=["Directory.ReadWrite.All"])).encode()).decode()
print(check(data["token"]))
print(check(".".join([head, forged, sig])))
"#;

#[test]
#[allow(clippy::print_stdout, reason = "the skip notice the suite promises")]
fn an_independent_jwt_library_verifies_the_token() {
    let has_pyjwt = Command::new("python3")
        .args(["-c", "import jwt"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_pyjwt {
        println!("skipped: PyJWT not installed");
        return;
    }
    let service = service();
    let (_, jwks) = jwks_of_discovery(&service, true);
    let (v1, _) = jwks_of_discovery(&service, false);
    let tenant = service.emu.export("AZURE_TENANT_ID");
    let input = json!({
        "token": service.token,
        "jwks": jwks,
        "aud": "https://graph.microsoft.com",
        "iss": v1["issuer"],
        "claims": jwt_part(&service.token, 1),
    });
    let mut child = Command::new("python3")
        .args(["-c", VERIFY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("python3 output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        format!("valid {tenant}\ninvalid InvalidSignatureError\n"),
        "PyJWT: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
