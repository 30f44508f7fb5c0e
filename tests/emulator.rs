//! aad-emulator end to end: the binary on port 0, its token endpoints and errors,
//! the report APIs with paging and filters, fault injection, live mode, TLS.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::util::{Emulator, http_get, http_post_form, ids, test_agent, tool};

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

fn secret(emu: &Emulator) -> String {
    std::fs::read_to_string(emu.export("AAD_CLIENT_SECRET_FILE")).expect("secret file")
}

fn token_url(emu: &Emulator, v2: bool) -> String {
    let tenant = emu.export("AZURE_TENANT_ID");
    if v2 {
        format!("{}/{tenant}/oauth2/v2.0/token", emu.base_url)
    } else {
        format!("{}/{tenant}/oauth2/token?api-version=1.0", emu.base_url)
    }
}

/// A Graph token for the emulator's main application.
fn graph_token(emu: &Emulator) -> String {
    let secret = secret(emu);
    let (status, body) = http_post_form(
        &token_url(emu, true),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    json_of(&body)["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("claims JSON")
}

fn get_with_token(url: &str, token: &str) -> (u16, Value) {
    let (status, body) = http_get(url, &[("Authorization", &format!("Bearer {token}"))]);
    (status, json_of(&body))
}

/// Follows nextLinks from `first`; returns every record and the number of pages.
fn drain(first: &str, token: &str) -> (Vec<Value>, usize) {
    let mut url = first.to_string();
    let mut records = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = get_with_token(&url, token);
        assert_eq!(status, 200, "{url}: {page}");
        pages += 1;
        records.extend(
            page["value"]
                .as_array()
                .expect("value array")
                .iter()
                .cloned(),
        );
        match page["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return (records, pages),
        }
    }
}

#[test]
fn starts_on_port_zero_and_prints_env() {
    let emu = Emulator::start(&["--records", "10"]);
    assert!(
        emu.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        emu.base_url
    );
    assert!(!emu.base_url.ends_with(":0"));
    for name in [
        "AZURE_AUTHORITY_HOST",
        "AAD_GRAPH_URL",
        "AAD_LEGACY_GRAPH_URL",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
    ] {
        assert!(!emu.export(name).is_empty(), "{name}");
    }
    let secret_file = emu.export("AAD_CLIENT_SECRET_FILE");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(secret_file)
        .expect("secret file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let (status, _) = emu.get("/_emulator/stats");
    assert_eq!(status, 200);
}

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
    let jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let assertion = certificate_assertion(&emu, &url);
    let (status, body) = http_post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", GRAPH_SCOPE),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", &assertion),
        ],
        &[],
    );
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
    let (status, body) = http_post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", GRAPH_SCOPE),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", &wrong_aud),
        ],
        &[],
    );
    assert_eq!(status, 401, "{body}");

    // A tampered signature is refused.
    let tampered = format!("{}AAAA", &assertion[..assertion.len() - 4]);
    let (status, body) = http_post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", GRAPH_SCOPE),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", &tampered),
        ],
        &[],
    );
    assert_eq!(
        (status, json_of(&body)["error_codes"][0].as_u64()),
        (401, Some(700027)),
        "{body}"
    );

    let federated = std::fs::read_to_string(emu.export("AAD_EMULATOR_FEDERATED_TOKEN_FILE"))
        .expect("federated token");
    let (status, body) = http_post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", GRAPH_SCOPE),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", federated.trim()),
        ],
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let (_, other_subject) =
        emu.get("/_emulator/federated-token?subject=system:serviceaccount:other:thief");
    let (status, body) = http_post_form(
        &url,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", GRAPH_SCOPE),
            ("client_assertion_type", jwt_bearer),
            ("client_assertion", &other_subject),
        ],
        &[],
    );
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

#[test]
fn draining_10000_records_gives_each_id_once_newest_first() {
    let emu = Emulator::start(&["--records", "10000"]);
    let token = graph_token(&emu);
    for report in ["directoryAudits", "signIns", "provisioning"] {
        let (records, pages) = drain(
            &format!("{}/v1.0/auditLogs/{report}?$top=100", emu.base_url),
            &token,
        );
        assert_eq!(records.len(), 10_000, "{report}");
        assert_eq!(pages, 100, "{report}");
        assert_eq!(ids(&records).len(), 10_000, "{report}: ids are distinct");
        let field = if report == "signIns" {
            "createdDateTime"
        } else {
            "activityDateTime"
        };
        let times: Vec<&str> = records.iter().map(|r| r[field].as_str().unwrap()).collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "{report} is newest first"
        );
    }
    let truth: HashSet<String> = emu
        .get("/_emulator/truth?report=directoryAudits")
        .1
        .lines()
        .map(|l| json_of(l)["id"].as_str().unwrap().to_string())
        .collect();
    let (records, _) = drain(
        &format!("{}/beta/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    assert_eq!(ids(&records), truth, "the listing equals the ground truth");
}

#[test]
fn every_page_size_drains_exactly_for_graph_and_legacy() {
    let emu = Emulator::start(&["--records", "700"]);
    let graph = graph_token(&emu);
    let secret = secret(&emu);
    let (_, body) = http_post_form(
        &token_url(&emu, false),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
        ],
        &[],
    );
    let legacy = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let tenant = emu.export("AZURE_TENANT_ID");
    for top in [1, 7, 100, 1000] {
        for (url, token) in [
            (
                format!("{}/v1.0/auditLogs/directoryAudits?$top={top}", emu.base_url),
                &graph,
            ),
            (
                format!("{}/v1.0/auditLogs/signIns?$top={top}", emu.base_url),
                &graph,
            ),
            (
                format!(
                    "{}/{tenant}/reports/auditEvents?api-version=beta&$top={top}",
                    emu.base_url
                ),
                &legacy,
            ),
        ] {
            let (records, pages) = drain(&url, token);
            assert_eq!(records.len(), 700, "{url}");
            assert_eq!(ids(&records).len(), 700, "{url}");
            assert_eq!(pages, 700usize.div_ceil(top), "{url}");
        }
    }
}

#[test]
fn filter_boundaries_are_exact_to_the_tick() {
    let emu = Emulator::start(&["--records", "200"]);
    let token = graph_token(&emu);
    let (all, _) = drain(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    let t = all[50]["activityDateTime"].as_str().unwrap().to_string();
    assert_eq!(
        t.len(),
        "2018-01-09T21:20:02.7215374Z".len(),
        "seven fractional digits: {t}"
    );
    let count = |filter: &str| {
        let url = format!(
            "{}/v1.0/auditLogs/directoryAudits?$filter={}",
            emu.base_url,
            filter.replace(' ', "%20")
        );
        drain(&url, &token).0
    };
    let at_t = all
        .iter()
        .filter(|r| r["activityDateTime"] == t.as_str())
        .count();
    let newer = all
        .iter()
        .filter(|r| r["activityDateTime"].as_str().unwrap() > t.as_str())
        .count();
    assert_eq!(
        count(&format!("activityDateTime ge {t}")).len(),
        newer + at_t,
        "ge includes"
    );
    assert_eq!(
        count(&format!("activityDateTime gt {t}")).len(),
        newer,
        "gt excludes"
    );
    assert_eq!(
        count(&format!("activityDateTime lt {t}")).len(),
        200 - newer - at_t,
        "lt excludes"
    );
    assert_eq!(
        count(&format!("activityDateTime le {t}")).len(),
        200 - newer,
        "le includes"
    );
    let window = count(&format!(
        "activityDateTime ge {t} and activityDateTime lt {t}"
    ));
    assert!(window.is_empty(), "an empty half-open window");
    let category = all[0]["category"].as_str().unwrap();
    let by_category = count(&format!("category eq '{category}'"));
    assert_eq!(
        by_category.len(),
        all.iter().filter(|r| r["category"] == category).count()
    );
}

#[test]
fn bad_requests_get_the_services_status_and_error_shape() {
    let emu = Emulator::start(&["--records", "5", "--token-ttl", "0"]);
    let expired = graph_token(&emu);
    let base = &emu.base_url;
    let (status, body) =
        get_with_token(&format!("{base}/v1.0/auditLogs/directoryAudits"), &expired);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken")),
        "{body}"
    );
    assert_eq!(
        body["error"]["message"],
        "Lifetime validation failed, the token is expired."
    );
    for key in ["date", "request-id", "client-request-id"] {
        assert!(
            body["error"]["innerError"][key].is_string(),
            "{key}: {body}"
        );
    }
    let (status, body) = http_get(&format!("{base}/v1.0/auditLogs/directoryAudits"), &[]);
    assert_eq!(
        (status, json_of(&body)["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken"))
    );
    // Authorization header name and scheme are case-insensitive.
    let emu2 = Emulator::start(&["--records", "5"]);
    let token = graph_token(&emu2);
    let base = &emu2.base_url;
    let (status, _) = http_get(
        &format!("{base}/v1.0/auditLogs/directoryAudits"),
        &[("authorization", &format!("bEaReR {token}"))],
    );
    assert_eq!(status, 200);
    for (query, want_status, want_code) in [
        ("auditLogs/nosuchReport", 400, "BadRequest"),
        (
            "auditLogs/directoryAudits?$filter=activityDateTime%20ge",
            400,
            "BadRequest",
        ),
        (
            "auditLogs/directoryAudits?$filter=resultReason%20eq%20'x'",
            400,
            "Request_UnsupportedQuery",
        ),
        (
            "auditLogs/directoryAudits?$top=0",
            400,
            "Request_UnsupportedQuery",
        ),
        (
            "auditLogs/directoryAudits?$top=5000",
            400,
            "Request_UnsupportedQuery",
        ),
        (
            "auditLogs/directoryAudits?$skiptoken=garbage",
            400,
            "UnknownError",
        ),
    ] {
        let (status, body) = get_with_token(&format!("{base}/v1.0/{query}"), &token);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (want_status, Some(want_code)),
            "{query}: {body}"
        );
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }
    // The original bash sample sends '&=eventTime gt ...' (an empty parameter name).
    let tenant = emu2.export("AZURE_TENANT_ID");
    let secret = secret(&emu2);
    let (_, body) = http_post_form(
        &token_url(&emu2, false),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu2.export("AZURE_CLIENT_ID")),
            ("client_secret", &secret),
        ],
        &[],
    );
    let legacy = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let (status, body) = get_with_token(
        &format!(
            "{base}/{tenant}/reports/auditEvents?api-version=beta&=eventTime%20gt%202020-01-01"
        ),
        &legacy,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_with_token(&format!("{base}/{tenant}/reports/auditEvents"), &legacy);
    assert_eq!(
        (status, body["odata.error"]["code"].as_str()),
        (400, Some("Request_BadRequest")),
        "api-version is required: {body}"
    );
}

#[test]
fn permission_and_licence_refusals() {
    let emu = Emulator::start(&["--records", "5", "--no-premium"]);
    let secret = secret(&emu);
    let (_, body) = http_post_form(
        &token_url(&emu, true),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID")),
            ("client_secret", &secret),
            ("scope", GRAPH_SCOPE),
        ],
        &[],
    );
    let noperm = json_of(&body)["access_token"].as_str().unwrap().to_string();
    let (status, body) = get_with_token(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &noperm,
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("Authorization_RequestDenied"))
    );
    let token = graph_token(&emu);
    let (status, body) =
        get_with_token(&format!("{}/v1.0/auditLogs/signIns", emu.base_url), &token);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            403,
            Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant")
        )
    );
    let (status, _) = get_with_token(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    assert_eq!(status, 200, "audit logs need no premium licence");
}

#[test]
fn fault_knobs_fire_on_the_predicted_requests() {
    let emu = Emulator::start(&[
        "--records",
        "50",
        "--throttle-every",
        "2",
        "--fail-every",
        "3",
        "--timeout-every",
        "5",
        "--truncate-every",
        "7",
    ]);
    let token = graph_token(&emu);
    let url = format!("{}/v1.0/auditLogs/directoryAudits?$top=5", emu.base_url);
    let agent = test_agent(None);
    let mut seen = Vec::new();
    for n in 1..=14 {
        let mut resp = agent
            .get(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("response head");
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body = resp.body_mut().read_to_string();
        let outcome = match (status, body) {
            (200, Ok(_)) => "ok".to_string(),
            (200, Err(_)) => "truncated".to_string(),
            (s, Ok(b)) => {
                let code = json_of(&b)["error"]["code"].as_str().unwrap().to_string();
                if s == 429 {
                    assert_eq!(retry_after.as_deref(), Some("1"), "request {n}");
                }
                format!("{s} {code}")
            }
            (s, Err(e)) => panic!("request {n}: {s} with unreadable body: {e}"),
        };
        seen.push(outcome);
    }
    let want = [
        "ok",
        "429 TooManyRequests",
        "503 serviceNotAvailable",
        "429 TooManyRequests",
        "504 GatewayTimeout",
        "429 TooManyRequests",
        "truncated",
        "429 TooManyRequests",
        "503 serviceNotAvailable",
        "429 TooManyRequests",
        "ok",
        "429 TooManyRequests",
        "ok",
        "429 TooManyRequests",
    ];
    assert_eq!(seen, want);
    let stats = json_of(&emu.get("/_emulator/stats").1);
    assert_eq!(
        stats["endpoints"]["/v1.0/auditLogs/directoryAudits"]["faults"]["throttle"],
        7
    );
}

#[test]
fn rate_limit_enforces_the_budget_per_client() {
    let emu = Emulator::start(&["--records", "5", "--rate-limit", "3/10s"]);
    let token = graph_token(&emu);
    let url = format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url);
    let agent = test_agent(None);
    let statuses: Vec<(u16, Option<String>)> = (0..4)
        .map(|_| {
            let resp = agent
                .get(&url)
                .header("Authorization", &format!("Bearer {token}"))
                .call()
                .unwrap();
            (
                resp.status().as_u16(),
                resp.headers()
                    .get("retry-after")
                    .map(|v| v.to_str().unwrap().to_string()),
            )
        })
        .collect();
    assert_eq!(
        statuses.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![200, 200, 200, 429]
    );
    let seconds: u64 = statuses[3]
        .1
        .as_deref()
        .unwrap()
        .parse()
        .expect("budget waits are in seconds");
    assert!((1..=10).contains(&seconds), "{seconds}");
}

#[test]
fn retry_after_can_be_an_http_date() {
    let emu = Emulator::start(&[
        "--records",
        "5",
        "--throttle-every",
        "1",
        "--retry-after",
        "30",
        "--retry-after-date",
    ]);
    let token = graph_token(&emu);
    let agent = test_agent(None);
    let resp = agent
        .get(&format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let date = resp.headers().get("retry-after").unwrap().to_str().unwrap();
    let when =
        chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).expect("an HTTP date");
    let ahead = when.timestamp() - chrono::Utc::now().timestamp();
    assert!((25..=31).contains(&ahead), "{date} is {ahead}s ahead");
}

#[test]
fn empty_pages_and_relative_links() {
    let emu = Emulator::start(&[
        "--records",
        "30",
        "--empty-pages",
        "--next-links",
        "relative",
    ]);
    let token = graph_token(&emu);
    let mut url = format!("{}/v1.0/auditLogs/directoryAudits?$top=10", emu.base_url);
    let mut sizes = Vec::new();
    let mut total = HashSet::new();
    loop {
        let (status, page) = get_with_token(&url, &token);
        assert_eq!(status, 200, "{page}");
        let values = page["value"].as_array().unwrap();
        sizes.push(values.len());
        total.extend(ids(values));
        let Some(next) = page["@odata.nextLink"].as_str() else {
            break;
        };
        assert!(!next.starts_with("http"), "relative: {next}");
        assert!(next.contains("%24skiptoken="), "{next}");
        // Resolve per RFC 3986: replace the last path segment.
        let dir = url
            .split('?')
            .next()
            .unwrap()
            .rsplit_once('/')
            .unwrap()
            .0
            .to_string();
        url = format!("{dir}/{next}");
    }
    assert_eq!(total.len(), 30);
    assert!(sizes.contains(&0), "some pages are empty: {sizes:?}");
    assert_eq!(
        sizes.last(),
        Some(&0),
        "the chain ends with an empty page: {sizes:?}"
    );
}

#[test]
fn gzip_and_latency() {
    let emu = Emulator::start(&["--records", "100", "--latency-ms", "60"]);
    let token = graph_token(&emu);
    let agent: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    let started = Instant::now();
    let mut resp = agent
        .get(&format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(60),
        "latency is the time to the first byte"
    );
    // ureq asks for gzip and decodes it (removing the header); the log says what was sent.
    let page = json_of(&resp.body_mut().read_to_string().unwrap());
    assert_eq!(page["value"].as_array().unwrap().len(), 100);
    let log = emu.get("/_emulator/requests").1;
    let last = json_of(log.lines().last().unwrap());
    assert_eq!(last["gzip"], true, "{last}");
}

#[test]
fn live_mode_truth_grows_and_late_events_keep_their_time() {
    let emu = Emulator::start(&[
        "--records",
        "0",
        "--live",
        "40",
        "--max-delay",
        "1s",
        "--republish-fraction",
        "0.5",
    ]);
    let truth = |emu: &Emulator| -> Vec<Value> {
        emu.get("/_emulator/truth?report=signIns")
            .1
            .lines()
            .map(json_of)
            .collect()
    };
    let first = truth(&emu);
    let seen_at = chrono::Utc::now();
    let deadline = Instant::now() + Duration::from_secs(20);
    let later = loop {
        let now = truth(&emu);
        let late: Vec<&Value> = now
            .iter()
            .filter(|r| !first.contains(r))
            .filter(|r| {
                aad_common::time::parse_instant(r["createdDateTime"].as_str().unwrap()).unwrap()
                    < seen_at
            })
            .collect();
        if !late.is_empty() && now.len() > first.len() + 20 {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "live mode did not publish late events in time"
        );
    };
    let distinct = ids(&later);
    assert!(
        later.len() > distinct.len(),
        "some events were republished under the same id"
    );
}

#[test]
fn tls_with_the_written_ca_works_from_a_rust_client() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let emu = Emulator::start(&[
        "--records",
        "3",
        "--tls",
        "--cert-out",
        ca.to_str().unwrap(),
    ]);
    assert!(emu.base_url.starts_with("https://127.0.0.1:"));
    let agent = test_agent(Some(ca.to_str().unwrap()));
    let tenant = emu.export("AZURE_TENANT_ID");
    let resp = agent
        .get(&format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            emu.base_url
        ))
        .call()
        .expect("TLS handshake with the CA");
    assert_eq!(resp.status().as_u16(), 200);
    let untrusted: ureq::Agent = ureq::Agent::config_builder().proxy(None).build().into();
    assert!(
        untrusted.get(&emu.base_url).call().is_err(),
        "without the CA the certificate is refused"
    );
}

#[test]
fn sigterm_stops_it_cleanly() {
    let mut emu = Emulator::start(&["--records", "1"]);
    let status = std::process::Command::new("kill")
        .args(["-TERM", &emu.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(emu.wait().code(), Some(0));
}

#[test]
fn dump_prints_the_same_records_as_the_service() {
    let out = tool("aad-emulator")
        .args([
            "--dump",
            "directoryAudits",
            "--records",
            "25",
            "--seed",
            "7",
            "--now",
            "2026-01-01T00:00:00Z",
        ])
        .success();
    let dumped: Vec<Value> = out.stdout_text().lines().map(json_of).collect();
    assert_eq!(dumped.len(), 25);
    let emu = Emulator::start(&[
        "--records",
        "25",
        "--seed",
        "7",
        "--now",
        "2026-01-01T00:00:00Z",
    ]);
    let token = graph_token(&emu);
    let (served, _) = drain(
        &format!("{}/beta/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    assert!(
        served == dumped,
        "same seed and clock must give the same records in the same order"
    );
}

#[test]
fn in_process_start_serves_too() {
    use clap::Parser as _;
    let args = aad_emulator::cli::Args::parse_from(["aad-emulator", "--records", "3"]);
    let emulator =
        aad_emulator::Server::start(aad_emulator::Config::from_args(&args).unwrap()).unwrap();
    let (status, _) = http_get(&format!("{}/_emulator/stats", emulator.base_url()), &[]);
    assert_eq!(status, 200);
}
