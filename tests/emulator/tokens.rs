//! The token endpoints (v2, v1, their errors), certificate and federated assertions,
//! managed identity and the discovery documents.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::{GRAPH_SCOPE, claims, json_of, secret, token_url};
use crate::util::{Emulator, http_get, http_post_form};

#[test]
fn v2_token_has_the_real_fields_and_claims() {
    let emu = Emulator::start(&["--records", "1"]);
    let secret = secret(&emu);
    let (status, body) = http_post_form(
        &token_url(&emu, true),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
            ("scope", GRAPH_SCOPE),
            ("client_info", "1"),
            (
                "claims",
                "{\"access_token\":{\"xms_cc\":{\"values\":[\"CP1\"]}}}",
            ),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let doc = json_of(&body);
    assert_eq!(doc["token_type"], "Bearer");
    assert!(
        doc["expires_in"].is_u64(),
        "v2 expires_in is a number: {doc}"
    );
    let c = claims(doc["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(c["tid"], emu.export("AZURE_TENANT_ID"));
    assert_eq!(c["appid"], emu.export("AZURE_CLIENT_ID"));
    assert!(
        c["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "AuditLog.Read.All")
    );
    for claim in ["iss", "iat", "nbf", "exp"] {
        assert!(!c[claim].is_null(), "missing {claim}");
    }
}

#[test]
fn v1_token_sends_numbers_as_strings_and_accepts_basic_auth() {
    let emu = Emulator::start(&["--records", "1"]);
    let secret = secret(&emu);
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{secret}", emu.export("AZURE_CLIENT_ID")));
    let (status, body) = http_post_form(
        &token_url(&emu, false),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "https://graph.windows.net"),
        ],
        &[("Authorization", &format!("Basic {basic}"))],
    );
    assert_eq!(status, 200, "{body}");
    let doc = json_of(&body);
    for field in ["expires_in", "expires_on", "not_before"] {
        let text = doc[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} is a string: {doc}"));
        assert!(text.parse::<i64>().is_ok(), "{field}={text}");
    }
    assert_eq!(doc["resource"], "https://graph.windows.net");
}

/// URL, form fields, expected status, OAuth error, AADSTS code.
type TokenCase<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str, u64);

#[test]
fn token_errors_look_like_azure_ad() {
    let emu = Emulator::start(&["--records", "1"]);
    let client = emu.export("AZURE_CLIENT_ID").to_string();
    let secret = secret(&emu);
    let cases: Vec<TokenCase<'_>> = vec![
        (
            token_url(&emu, true),
            vec![
                ("client_id", &client),
                ("client_secret", "wrong"),
                ("scope", GRAPH_SCOPE),
            ],
            401,
            "invalid_client",
            7000215,
        ),
        (
            token_url(&emu, true),
            vec![
                ("client_id", "11111111-2222-3333-4444-555555555555"),
                ("client_secret", &secret),
                ("scope", GRAPH_SCOPE),
            ],
            400,
            "unauthorized_client",
            700016,
        ),
        (
            format!("{}/no-such-tenant.example/oauth2/v2.0/token", emu.base_url),
            vec![
                ("client_id", &client),
                ("client_secret", &secret),
                ("scope", GRAPH_SCOPE),
            ],
            400,
            "invalid_request",
            90002,
        ),
        (
            token_url(&emu, true),
            vec![
                ("client_id", &client),
                ("client_secret", &secret),
                ("scope", "https://graph.microsoft.com/User.Read"),
            ],
            400,
            "invalid_scope",
            70011,
        ),
        (
            token_url(&emu, true),
            vec![("client_id", &client), ("scope", GRAPH_SCOPE)],
            401,
            "invalid_client",
            7000218,
        ),
    ];
    for (url, fields, want_status, want_error, want_code) in cases {
        let mut form = vec![("grant_type", "client_credentials")];
        form.extend(fields);
        let (status, body) = http_post_form(&url, &form, &[]);
        assert_eq!(status, want_status, "{body}");
        let doc = json_of(&body);
        assert_eq!(doc["error"], want_error, "{doc}");
        assert_eq!(doc["error_codes"], json!([want_code]), "{doc}");
        assert!(
            doc["error_description"]
                .as_str()
                .unwrap()
                .starts_with(&format!("AADSTS{want_code}: ")),
            "{doc}"
        );
        for field in ["timestamp", "trace_id", "correlation_id"] {
            assert!(doc[field].is_string(), "{field} in {doc}");
        }
        assert!(!body.contains(&secret), "the secret must never be echoed");
    }
}

/// A PS256 client assertion signed with the demo certificate's key.
fn certificate_assertion(emu: &Emulator, audience: &str) -> String {
    let pem = std::fs::read(emu.export("AAD_EMULATOR_CERTIFICATE_PATH")).expect("client.pem");
    let mut cert = None;
    let mut key = None;
    for item in ureq::tls::parse_pem(&pem) {
        match item.expect("PEM") {
            ureq::tls::PemItem::Certificate(c) => cert = Some(c.der().to_vec()),
            ureq::tls::PemItem::PrivateKey(k) => key = Some(k.der().to_vec()),
            _ => {}
        }
    }
    let (cert, key) = (cert.expect("certificate"), key.expect("key"));
    let thumb = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &cert));
    let header = json!({"alg": "PS256", "typ": "JWT", "x5t#S256": thumb});
    let now = chrono::Utc::now().timestamp();
    let client = emu.export("AZURE_CLIENT_ID");
    let claims = json!({"aud": audience, "iss": client, "sub": client, "jti": "6f0e9d1c-1", "nbf": now, "iat": now, "exp": now + 600});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&key).expect("RSA key");
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PSS_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig))
}

#[test]
fn certificate_and_federated_assertions() {
    let emu = Emulator::start(&["--records", "1"]);
    let url = token_url(&emu, true);
    let client = emu.export("AZURE_CLIENT_ID");
    let post_assertion = |assertion: &str| {
        http_post_form(
            &url,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("scope", GRAPH_SCOPE),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion),
            ],
            &[],
        )
    };
    let assertion = certificate_assertion(&emu, &url);
    let (status, body) = post_assertion(&assertion);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(json_of(&body)["access_token"].as_str().unwrap())["appidacr"],
        "2"
    );

    // The audience must be this tenant's token endpoint.
    let wrong_aud = certificate_assertion(
        &emu,
        "https://login.microsoftonline.com/other/oauth2/v2.0/token",
    );
    let (status, body) = post_assertion(&wrong_aud);
    assert_eq!(status, 401, "{body}");

    // A tampered signature is refused.
    let tampered = format!("{}AAAA", &assertion[..assertion.len() - 4]);
    let (status, body) = post_assertion(&tampered);
    assert_eq!(
        (status, json_of(&body)["error_codes"][0].as_u64()),
        (401, Some(700027)),
        "{body}"
    );

    let federated = std::fs::read_to_string(emu.export("AAD_EMULATOR_FEDERATED_TOKEN_FILE"))
        .expect("federated token");
    let (status, body) = post_assertion(federated.trim());
    assert_eq!(status, 200, "{body}");
    let (_, other_subject) =
        emu.get("/_emulator/federated-token?subject=system:serviceaccount:other:thief");
    let (status, body) = post_assertion(&other_subject);
    assert_eq!(
        (status, json_of(&body)["error_codes"][0].as_u64()),
        (400, Some(700213)),
        "{body}"
    );
}

#[test]
fn managed_identity_endpoints() {
    let emu = Emulator::start(&["--records", "1"]);
    let imds = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://graph.microsoft.com/",
        emu.export("AAD_EMULATOR_IMDS_ENDPOINT")
    );
    let (status, body) = http_get(&imds, &[("Metadata", "true")]);
    assert_eq!(status, 200, "{body}");
    let doc = json_of(&body);
    assert!(
        doc["expires_in"].is_string() && doc["expires_on"].is_string(),
        "{doc}"
    );
    assert_eq!(
        claims(doc["access_token"].as_str().unwrap())["appid"],
        emu.export("AAD_EMULATOR_SYSTEM_ASSIGNED_CLIENT_ID")
    );
    let (status, _) = http_get(&imds, &[]);
    assert_eq!(status, 400, "Metadata: true is required");
    let user = format!(
        "{imds}&client_id={}",
        emu.export("AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID")
    );
    let (status, body) = http_get(&user, &[("Metadata", "true")]);
    assert_eq!(status, 200);
    assert_eq!(
        claims(json_of(&body)["access_token"].as_str().unwrap())["appid"],
        emu.export("AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID")
    );

    let app_service = format!(
        "{}?api-version=2019-08-01&resource=https://graph.microsoft.com",
        emu.export("AAD_EMULATOR_IDENTITY_ENDPOINT")
    );
    let (status, body) = http_get(
        &app_service,
        &[(
            "X-IDENTITY-HEADER",
            emu.export("AAD_EMULATOR_IDENTITY_HEADER"),
        )],
    );
    assert_eq!(status, 200, "{body}");
    let (status, _) = http_get(&app_service, &[("X-IDENTITY-HEADER", "guess")]);
    assert_eq!(status, 401);
}

#[test]
fn discovery_documents_use_the_callers_base_url() {
    let emu = Emulator::start(&["--records", "1"]);
    let tenant = emu.export("AZURE_TENANT_ID");
    let (status, body) = http_get(
        &format!(
            "{}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
            emu.base_url
        ),
        &[],
    );
    assert_eq!(status, 200);
    let doc = json_of(&body);
    assert_eq!(
        doc["token_endpoint"],
        format!("{}/{tenant}/oauth2/v2.0/token", emu.base_url)
    );
    assert_eq!(doc["issuer"], format!("{}/{tenant}/v2.0", emu.base_url));
    assert!(
        doc["authorization_endpoint"]
            .as_str()
            .unwrap()
            .starts_with(&emu.base_url)
    );
    // The same emulator addressed as localhost answers with localhost URLs.
    let localhost = emu.base_url.replace("127.0.0.1", "localhost");
    let (_, body) = http_get(
        &format!("{localhost}/{tenant}/v2.0/.well-known/openid-configuration"),
        &[],
    );
    assert!(
        json_of(&body)["token_endpoint"]
            .as_str()
            .unwrap()
            .starts_with(&localhost)
    );
    let (status, body) = http_get(
        &format!(
            "{}/common/discovery/instance?api-version=1.1&authorization_endpoint={}/{tenant}/oauth2/v2.0/authorize",
            emu.base_url, emu.base_url
        ),
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(
        json_of(&body)["tenant_discovery_endpoint"],
        format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            emu.base_url
        )
    );
}
