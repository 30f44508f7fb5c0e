//! aad-token end to end: every credential kind against aad-emulator (over http and,
//! where the transport matters, https with `--tls`), a third-party OAuth2 server
//! (`tests/fixtures/oauth2_server.py`), failure modes with their exit statuses and
//! hints, the cache, and the rule that secrets and tokens never leak.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aad_common::token::jwt_claims;
use aad_http::HttpOptions;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};

use crate::util::{self, Emulator, Output, Tool, bin, tool};

/// Runs a scenario once over plain http and once over https (`aad-emulator --tls`).
macro_rules! http_and_tls {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn http() {
                super::$name(false)
            }
            #[test]
            fn tls() {
                super::$name(true)
            }
        }
    )*};
}

http_and_tls!(
    secret_v2_sends_exactly_the_azure_form,
    secret_v1_sends_the_resource_and_api_version,
    certificate_assertion_is_what_azure_documents,
    workload_identity_sends_the_federated_token,
    managed_identity_imds_system_and_user_assigned,
    managed_identity_app_service_is_chosen_from_the_environment,
    json_output_has_the_field_names_of_az,
    header_output_is_accepted_by_graph,
    wrong_secret_exits_3_with_one_error_line_and_a_hint,
    verbose_logs_the_exchange_but_no_secret,
);

// ---------------------------------------------------------------------------------
// Helpers

/// An emulator with few records (these tests only need its token side).
fn emulator(tls: bool, extra: &[&str]) -> Emulator {
    let mut args = vec!["--records", "10"];
    if tls {
        args.push("--tls");
    }
    args.extend_from_slice(extra);
    Emulator::start(&args)
}

/// aad-token with the emulator's environment (tenant, client, secret file, CA, ...).
fn aad_token(emu: &Emulator) -> Tool {
    tool("aad-token").emulator_env(emu)
}

/// Removes variables the emulator exported, for runs that need a different credential.
fn without(mut tool: Tool, names: &[&str]) -> Tool {
    for name in names {
        tool.command_mut().env_remove(name);
    }
    tool
}

/// The emulator application's client secret.
fn secret(emu: &Emulator) -> String {
    fs::read_to_string(emu.export("AAD_CLIENT_SECRET_FILE")).expect("secret file")
}

/// A GET that trusts the emulator's CA when it serves https.
fn get(emu: &Emulator, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let options = HttpOptions {
        ca_cert: emu.exports.get("SSL_CERT_FILE").map(PathBuf::from),
        user_agent: "aad-tools-tests".into(),
        ..HttpOptions::default()
    };
    let url = format!("{}{path}", emu.base_url);
    let agent = aad_http::agent(&options, &[&url]).expect("agent");
    let mut request = agent.get(&url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().expect("body");
    (status, body)
}

/// The token and managed-identity requests the emulator received, oldest first.
fn token_requests(emu: &Emulator) -> Vec<Value> {
    let (status, body) = get(emu, "/_emulator/requests", &[]);
    assert_eq!(status, 200);
    body.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("request log line"))
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            path.contains("/oauth2/")
                || path.contains("/metadata/identity/")
                || path == "/msi/token"
        })
        .collect()
}

/// The form fields of a logged request, as a sorted map.
fn form(request: &Value) -> BTreeMap<String, String> {
    request["form"]
        .as_object()
        .expect("form")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The token printed by a raw run (one line).
fn printed_token(out: &Output) -> String {
    let text = out.stdout_text();
    let token = text
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no final newline\n{}", out.describe()));
    assert!(!token.is_empty() && !token.contains(char::is_whitespace));
    token.to_string()
}

/// Asserts that none of `secrets` appears in stderr, nor in stdout unless allowed.
fn assert_no_leak(out: &Output, secrets: &[&str]) {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !out.stderr.contains(secret),
            "a secret appears in stderr\n{}",
            out.describe()
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(secret),
            "a secret appears in stdout\n{}",
            out.describe()
        );
    }
}

/// Asserts exit status 3 and the two lines of a token endpoint refusal.
fn assert_refused(out: &Output, aadsts: &str, hint: &str) {
    out.assert_code(3);
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.describe());
    assert!(
        lines[0].starts_with("aad-token: error: token endpoint refused the request (HTTP 4"),
        "{}",
        out.describe()
    );
    assert!(lines[0].contains(aadsts), "{}", out.describe());
    assert!(
        lines[1].starts_with("hint: ") && lines[1].contains(hint),
        "{}",
        out.describe()
    );
    assert!(out.stdout.is_empty());
}

/// A file in `dir` with `content` and mode 0600.
fn private_file(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, content).expect("write");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

fn fixture(name: &str) -> String {
    util::repo_root()
        .join("tests/fixtures/token")
        .join(name)
        .display()
        .to_string()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The third-party OAuth2 server of `tests/fixtures/oauth2_server.py`.
struct OAuthServer {
    child: Child,
    base_url: String,
    secret: String,
    _dir: tempfile::TempDir,
}

const THIRD_PARTY_CLIENT: &str = "reports-reader";

impl OAuthServer {
    fn start(extra: &[&str]) -> OAuthServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = "tp-S3cr3t+/with=odd&chars";
        let secret_file = private_file(dir.path(), "secret", secret);
        let mut child = Command::new("python3")
            .arg(util::repo_root().join("tests/fixtures/oauth2_server.py"))
            .args(["--client-id", THIRD_PARTY_CLIENT, "--secret-file"])
            .arg(&secret_file)
            .args(extra)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 tests/fixtures/oauth2_server.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("oauth2_server.py said {line:?}"))
            .to_string();
        OAuthServer {
            child,
            base_url,
            secret: secret.to_string(),
            _dir: dir,
        }
    }

    /// aad-token pointed at this server's `/token` with its client id and secret.
    fn aad_token(&self) -> Tool {
        tool("aad-token")
            .env("AZURE_CLIENT_ID", THIRD_PARTY_CLIENT)
            .env("AZURE_CLIENT_SECRET", &self.secret)
            .args(["--token-url", &format!("{}/token", self.base_url)])
    }

    fn requests(&self) -> Vec<Value> {
        let (status, body) = util::http_get(&format!("{}/requests", self.base_url), &[]);
        assert_eq!(status, 200);
        body.lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect()
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------
// Client secret, v2 and v1

fn secret_v2_sends_exactly_the_azure_form(tls: bool) {
    let emu = emulator(tls, &[]);
    let out = aad_token(&emu).success();
    out.assert_quiet();
    let token = printed_token(&out);
    assert_no_leak(&out, &[&secret(&emu)]);
    let claims = jwt_claims(&token).expect("a JWT");
    assert_eq!(claims["aud"], emu.base_url.as_str());
    assert_eq!(claims["appid"], emu.export("AZURE_CLIENT_ID"));

    let requests = token_requests(&emu);
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r["method"], "POST");
    assert_eq!(
        r["path"],
        format!("/{}/oauth2/v2.0/token", emu.export("AZURE_TENANT_ID"))
    );
    assert_eq!(r["query"], "");
    assert_eq!(r["status"], 200);
    assert_eq!(
        form(r),
        map(&[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", "***"),
            ("scope", &format!("{}/.default", emu.base_url)),
        ])
    );
}

fn secret_v1_sends_the_resource_and_api_version(tls: bool) {
    let emu = emulator(tls, &[]);
    let out = aad_token(&emu).args(["--endpoint", "v1"]).success();
    printed_token(&out);
    let requests = token_requests(&emu);
    let r = &requests[0];
    assert_eq!(
        r["path"],
        format!("/{}/oauth2/token", emu.export("AZURE_TENANT_ID"))
    );
    assert_eq!(r["query"], "api-version=1.0");
    assert_eq!(
        form(r),
        map(&[
            ("grant_type", "client_credentials"),
            ("client_id", emu.export("AZURE_CLIENT_ID")),
            ("client_secret", "***"),
            ("resource", &emu.base_url),
        ])
    );
}

#[test]
fn secret_from_azure_client_secret_and_from_stdin() {
    let emu = emulator(false, &[]);
    let secret = secret(&emu);
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .env("AZURE_CLIENT_SECRET", &secret)
        .success();
    printed_token(&out);
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .args(["--client-secret-file", "-"])
        .stdin(format!("{secret}\n"))
        .success();
    printed_token(&out);
    // A typed --client-secret-file wins over AZURE_CLIENT_SECRET.
    let out = aad_token(&emu)
        .env("AZURE_CLIENT_SECRET", "not-the-secret")
        .args(["--client-secret-file", emu.export("AAD_CLIENT_SECRET_FILE")])
        .success();
    printed_token(&out);
    assert_eq!(token_requests(&emu).len(), 3);
}

#[test]
fn empty_variables_count_as_unset() {
    let emu = emulator(false, &[]);
    let mut t = aad_token(&emu);
    for name in [
        "AZURE_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_FEDERATED_TOKEN_FILE",
        "SSL_CERT_FILE",
        "IDENTITY_ENDPOINT",
    ] {
        t = t.env(name, "");
    }
    printed_token(&t.success());
    assert_eq!(form(&token_requests(&emu)[0])["client_secret"], "***");
}

#[test]
fn secret_with_http_basic_authentication() {
    let emu = emulator(false, &[]);
    let out = aad_token(&emu).args(["--client-auth", "basic"]).success();
    printed_token(&out);
    let r = &token_requests(&emu)[0];
    assert_eq!(r["authorization"], "basic");
    assert_eq!(r["basic_client_id"], emu.export("AZURE_CLIENT_ID"));
    assert_eq!(
        form(r),
        map(&[
            ("grant_type", "client_credentials"),
            ("scope", &format!("{}/.default", emu.base_url)),
        ])
    );
}

// ---------------------------------------------------------------------------------
// Certificate

fn certificate_assertion_is_what_azure_documents(tls: bool) {
    let emu = emulator(tls, &[]);
    let tenant = emu.export("AZURE_TENANT_ID").to_string();
    let client = emu.export("AZURE_CLIENT_ID").to_string();
    let pem = emu.export("AAD_EMULATOR_CERTIFICATE_PATH").to_string();
    let cert_der = rustls_pki_types::CertificateDer::from_pem_file(&pem).expect("cert");
    let thumbprint = URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, &cert_der));
    for (endpoint, path) in [("v2", "oauth2/v2.0/token"), ("v1", "oauth2/token")] {
        let before = now();
        let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
            .env("AZURE_CLIENT_CERTIFICATE_PATH", &pem)
            .args(["--endpoint", endpoint])
            .success();
        let token = printed_token(&out);
        assert_eq!(jwt_claims(&token).unwrap()["appidacr"], "2");
        let requests = token_requests(&emu);
        let r = requests.last().unwrap();
        let fields = form(r);
        assert_eq!(fields["client_assertion"], "***");
        assert_eq!(
            fields["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert!(!fields.contains_key("client_secret"));
        let header = &r["assertion"]["header"];
        assert_eq!(
            header,
            &json!({"alg": "PS256", "typ": "JWT", "x5t#S256": thumbprint})
        );
        let claims = &r["assertion"]["claims"];
        assert_eq!(claims["aud"], format!("{}/{tenant}/{path}", emu.base_url));
        assert_eq!(claims["iss"], client.as_str());
        assert_eq!(claims["sub"], client.as_str());
        let jti = claims["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 36, "{jti}");
        let nbf = claims["nbf"].as_i64().unwrap();
        assert!((before - 5..=now() + 5).contains(&nbf));
        assert_eq!(claims["iat"], nbf);
        assert_eq!(claims["exp"].as_i64().unwrap() - nbf, 600);
    }
}

#[test]
fn certificate_with_a_pkcs1_key() {
    let emu = emulator(false, &["--client-cert", &fixture("pkcs1.pem")]);
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .args(["--certificate", &fixture("pkcs1.pem")])
        .success();
    printed_token(&out);
}

#[test]
fn certificate_files_that_cannot_be_used_exit_7_and_say_why() {
    let emu = emulator(false, &[]);
    let cases = [
        ("/no/such/cert.pem", "cannot read certificate"),
        (fixture("ec.pem").as_str(), "not RSA"),
        (fixture("encrypted.pem").as_str(), "encrypted private key"),
        (
            fixture("mismatched.pem").as_str(),
            "belongs to none of its certificates",
        ),
        (
            emu.export("AAD_CLIENT_SECRET_FILE"),
            "no PEM certificate or private key",
        ),
    ]
    .map(|(f, m)| (f.to_string(), m));
    for (file, message) in cases {
        let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
            .args(["--certificate", &file])
            .run();
        out.assert_code(7);
        assert!(out.stderr.contains(message), "{}", out.describe());
        assert!(
            out.stderr.starts_with("aad-token: error: "),
            "{}",
            out.describe()
        );
    }
    assert!(token_requests(&emu).is_empty(), "nothing may be sent");
}

#[test]
fn an_unregistered_certificate_is_refused_with_aadsts700027() {
    let emu = emulator(false, &[]);
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .args(["--certificate", &fixture("untrusted.pem")])
        .run();
    assert_refused(&out, "AADSTS700027", "upload this certificate");
}

// ---------------------------------------------------------------------------------
// Workload identity

fn workload_identity_sends_the_federated_token(tls: bool) {
    let emu = emulator(tls, &[]);
    let federated = fs::read_to_string(emu.export("AAD_EMULATOR_FEDERATED_TOKEN_FILE")).unwrap();
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .env(
            "AZURE_FEDERATED_TOKEN_FILE",
            emu.export("AAD_EMULATOR_FEDERATED_TOKEN_FILE"),
        )
        .arg("-v")
        .success();
    printed_token(&out);
    assert_no_leak(&out, &[federated.trim()]);
    let r = &token_requests(&emu)[0];
    assert_eq!(form(r)["client_assertion"], "***");
    assert_eq!(
        r["assertion"]["claims"]["sub"],
        "system:serviceaccount:audit:aad-fetch"
    );
}

#[test]
fn workload_identity_reads_the_token_file_again_on_every_run() {
    let emu = emulator(false, &[]);
    let dir = tempfile::tempdir().unwrap();
    let (_, wrong) = get(
        &emu,
        "/_emulator/federated-token?subject=system:serviceaccount:other:x",
        &[],
    );
    let file = private_file(dir.path(), "token", &wrong);
    let run = || {
        without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
            .env("AZURE_FEDERATED_TOKEN_FILE", &file)
            .run()
    };
    let out = run();
    assert_refused(&out, "AADSTS700213", "federated");
    assert_no_leak(&out, &[&wrong]);
    // The platform rotates the file; the next run uses the new token.
    let (_, good) = get(&emu, "/_emulator/federated-token", &[]);
    fs::write(&file, &good).unwrap();
    let out = run();
    out.assert_code(0);
    printed_token(&out);
}

// ---------------------------------------------------------------------------------
// Managed identity

fn managed_identity_imds_system_and_user_assigned(tls: bool) {
    let emu = emulator(tls, &[]);
    let imds = emu.export("AAD_EMULATOR_IMDS_ENDPOINT").to_string();
    let run = |client: Option<&str>| {
        let mut t = without(aad_token(&emu), &["AZURE_CLIENT_ID"])
            .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &imds)
            .arg("--managed-identity");
        if let Some(id) = client {
            t = t.args(["--client-id", id]);
        }
        t.success()
    };
    let system = printed_token(&run(None));
    assert_eq!(
        jwt_claims(&system).unwrap()["appid"],
        emu.export("AAD_EMULATOR_SYSTEM_ASSIGNED_CLIENT_ID")
    );
    let user_id = emu.export("AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID");
    let user = printed_token(&run(Some(user_id)));
    assert_eq!(jwt_claims(&user).unwrap()["appid"], user_id);

    let requests = token_requests(&emu);
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r["method"], "GET");
        assert_eq!(r["path"], "/metadata/identity/oauth2/token");
    }
    let resource: String = form_urlencoded::byte_serialize(emu.base_url.as_bytes()).collect();
    assert_eq!(
        requests[0]["query"],
        format!("api-version=2018-02-01&resource={resource}")
    );
    assert_eq!(
        requests[1]["query"],
        format!("api-version=2018-02-01&resource={resource}&client_id={user_id}")
    );

    // An identity that is not assigned: refused, with a hint.
    let out = without(aad_token(&emu), &["AZURE_CLIENT_ID"])
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &imds)
        .args([
            "--managed-identity",
            "--client-id",
            "00000000-0000-0000-0000-000000000000",
        ])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("managed identity endpoint refused the request (HTTP 400"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("hint: no user-assigned identity"),
        "{}",
        out.describe()
    );
}

fn managed_identity_app_service_is_chosen_from_the_environment(tls: bool) {
    let emu = emulator(tls, &[]);
    let header = emu.export("AAD_EMULATOR_IDENTITY_HEADER").to_string();
    // Only the App Service variables: the Azure SDK order picks the managed identity.
    let out = without(
        aad_token(&emu),
        &["AAD_CLIENT_SECRET_FILE", "AZURE_CLIENT_ID"],
    )
    .env(
        "IDENTITY_ENDPOINT",
        emu.export("AAD_EMULATOR_IDENTITY_ENDPOINT"),
    )
    .env("IDENTITY_HEADER", &header)
    .arg("-v")
    .success();
    let token = printed_token(&out);
    assert_no_leak(&out, &[&header]);
    assert!(!out.stderr.contains(&token));
    assert_eq!(
        jwt_claims(&token).unwrap()["appid"],
        emu.export("AAD_EMULATOR_SYSTEM_ASSIGNED_CLIENT_ID")
    );
    let r = &token_requests(&emu)[0];
    assert_eq!(r["path"], "/msi/token");
    assert!(
        r["query"]
            .as_str()
            .unwrap()
            .starts_with("api-version=2019-08-01&resource="),
        "{r}"
    );

    // With a secret configured as well, the secret wins unless --managed-identity is given.
    let both = || {
        aad_token(&emu)
            .env(
                "IDENTITY_ENDPOINT",
                emu.export("AAD_EMULATOR_IDENTITY_ENDPOINT"),
            )
            .env("IDENTITY_HEADER", &header)
    };
    let app = printed_token(&both().success());
    assert_eq!(
        jwt_claims(&app).unwrap()["appid"],
        emu.export("AZURE_CLIENT_ID")
    );
    let out = both()
        .args([
            "--managed-identity",
            "--client-id",
            emu.export("AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID"),
        ])
        .success();
    assert_eq!(
        jwt_claims(&printed_token(&out)).unwrap()["appid"],
        emu.export("AAD_EMULATOR_USER_ASSIGNED_CLIENT_ID")
    );
}

#[test]
fn imds_answers_404_while_updating_and_is_retried() {
    let server = OAuthServer::start(&["--fail-first", "2"]);
    let out = tool("aad-token")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &server.base_url)
        .args(["--managed-identity", "-t", "json"])
        .success();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let expires_on = doc["expires_on"]
        .as_i64()
        .expect("expires_on from a string");
    assert!((now() + 3590..=now() + 3600).contains(&expires_on));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        requests[2]["query"],
        json!({"api-version": "2018-02-01", "resource": "https://graph.microsoft.com"})
    );

    // Still updating after four attempts: a transient failure.
    let server = OAuthServer::start(&["--fail-first", "100"]);
    let out = tool("aad-token")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &server.base_url)
        .arg("--managed-identity")
        .run();
    out.assert_code(5);
    assert!(
        out.stderr
            .contains("the managed identity endpoint kept failing after 4 attempts (HTTP 404"),
        "{}",
        out.describe()
    );
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn managed_identity_endpoints_must_be_local_or_https() {
    let out = tool("aad-token")
        .env(
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            "http://imds.example.com",
        )
        .arg("--managed-identity")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("AZURE_POD_IDENTITY_AUTHORITY_HOST"),
        "{}",
        out.describe()
    );
}

// ---------------------------------------------------------------------------------
// A third-party, standards-compliant OAuth2 server

#[test]
fn third_party_server_with_form_and_basic_authentication() {
    let server = OAuthServer::start(&[]);
    let out = server.aad_token().args(["-t", "json"]).success();
    assert_no_leak(&out, &[&server.secret]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        doc["tokenType"], "Bearer",
        "lowercase 'bearer' is normalised"
    );
    let expires_on = doc["expires_on"].as_i64().expect("expires_on");
    assert!((now() + 3590..=now() + 3600).contains(&expires_on));
    assert!(doc["accessToken"].as_str().unwrap().len() > 20);
    assert_eq!(doc["tenant"], Value::Null);

    let out = server
        .aad_token()
        .args(["--client-auth", "basic", "--scope", "reports.read"])
        .success();
    printed_token(&out);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["path"], "/token");
    assert_eq!(requests[0]["authorization"], Value::Null);
    assert_eq!(
        requests[0]["content_type"],
        "application/x-www-form-urlencoded"
    );
    // No Azure defaults for a third-party server: no scope unless given.
    assert_eq!(
        requests[0]["form"],
        json!({"grant_type": "client_credentials", "client_id": THIRD_PARTY_CLIENT, "client_secret": "***"})
    );
    assert_eq!(requests[1]["authorization"], "basic");
    assert_eq!(
        requests[1]["form"],
        json!({"grant_type": "client_credentials", "scope": "reports.read"})
    );
}

#[test]
fn third_party_server_at_an_azure_shaped_path_gets_the_azure_defaults() {
    let server = OAuthServer::start(&[]);
    let out = tool("aad-token")
        .env("AZURE_CLIENT_ID", THIRD_PARTY_CLIENT)
        .env("AZURE_CLIENT_SECRET", &server.secret)
        .env("AZURE_TENANT_ID", "contoso.example")
        .env("AZURE_AUTHORITY_HOST", &server.base_url)
        .success();
    printed_token(&out);
    let r = &server.requests()[0];
    assert_eq!(r["path"], "/contoso.example/oauth2/v2.0/token");
    assert_eq!(r["form"]["scope"], "https://graph.microsoft.com/.default");
}

#[test]
fn third_party_refusal_exits_3_without_aadsts() {
    let server = OAuthServer::start(&[]);
    let out = server.aad_token().env("AZURE_CLIENT_SECRET", "wrong").run();
    out.assert_code(3);
    assert_eq!(
        out.stderr,
        "aad-token: error: token endpoint refused the request (HTTP 401 invalid_client: client authentication failed)\n\
         hint: the server did not accept the client credentials: check the client id and the secret or certificate\n",
    );
}

#[test]
fn opaque_tokens_have_no_claims() {
    let server = OAuthServer::start(&[]);
    let out = server.aad_token().arg("--claims").run();
    out.assert_code(6);
    assert!(out.stderr.contains("not a JWT"), "{}", out.describe());
    assert!(out.stdout.is_empty());
}

#[test]
fn a_success_without_a_token_exits_6_and_prints_nothing() {
    for mode in ["no-token", "not-json"] {
        let server = OAuthServer::start(&["--mode", mode]);
        let out = server.aad_token().run();
        out.assert_code(6);
        assert!(
            out.stderr.contains("answered with success but"),
            "{}",
            out.describe()
        );
        assert!(out.stdout.is_empty());
        assert_no_leak(&out, &[&server.secret]);
    }
}

#[test]
fn server_errors_are_retried_briefly() {
    let server = OAuthServer::start(&["--fail-first", "2"]);
    let out = server.aad_token().success();
    printed_token(&out);
    assert_eq!(server.requests().len(), 3);

    let server = OAuthServer::start(&["--fail-first", "100"]);
    let out = server.aad_token().run();
    out.assert_code(5);
    assert!(
        out.stderr.starts_with(
            "aad-token: error: the token endpoint kept failing after 3 attempts (HTTP 503"
        ),
        "{}",
        out.describe()
    );
    assert_eq!(server.requests().len(), 3);
}

// ---------------------------------------------------------------------------------
// Transport

#[test]
fn https_needs_the_emulators_ca() {
    let emu = emulator(true, &[]);
    let ca = emu.export("SSL_CERT_FILE").to_string();
    let out = without(aad_token(&emu), &["SSL_CERT_FILE"]).run();
    out.assert_code(5);
    assert!(out.stderr.contains("TLS failed"), "{}", out.describe());
    assert!(
        out.stderr.contains("hint: ") && out.stderr.contains("--ca-cert"),
        "{}",
        out.describe()
    );
    let out = without(aad_token(&emu), &["SSL_CERT_FILE"])
        .args(["--ca-cert", &ca])
        .success();
    printed_token(&out);
}

#[test]
fn network_failures_exit_5_after_brief_retries() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let out = tool("aad-token")
        .env("AZURE_TENANT_ID", "contoso.example")
        .env("AZURE_CLIENT_ID", "c")
        .env("AZURE_CLIENT_SECRET", "network-test-secret")
        .env("AZURE_AUTHORITY_HOST", format!("http://127.0.0.1:{port}"))
        .run();
    out.assert_code(5);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        out.stderr
            .starts_with("aad-token: error: cannot reach the token endpoint http://127.0.0.1:"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("after 3 attempts"),
        "{}",
        out.describe()
    );
    assert_no_leak(&out, &["network-test-secret"]);
}

#[test]
fn plain_http_is_refused_for_remote_hosts() {
    for (flag, url) in [
        ("--authority-host", "http://login.example.com"),
        ("--token-url", "http://idp.example.com/token"),
    ] {
        let out = tool("aad-token")
            .env("AZURE_TENANT_ID", "t")
            .env("AZURE_CLIENT_ID", "c")
            .env("AZURE_CLIENT_SECRET", "s")
            .args([flag, url])
            .run();
        out.assert_code(2);
        assert!(out.stderr.contains("use https"), "{}", out.describe());
    }
}

// ---------------------------------------------------------------------------------
// Output

fn json_output_has_the_field_names_of_az(tls: bool) {
    let emu = emulator(tls, &[]);
    let out = aad_token(&emu).args(["-t", "json"]).success();
    let text = out.stdout_text();
    assert_eq!(text.matches('\n').count(), 1);
    let doc: Value = serde_json::from_str(&text).expect("json");
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "accessToken",
            "expiresOn",
            "expires_on",
            "tokenType",
            "tenant"
        ]
    );
    let token = doc["accessToken"].as_str().unwrap();
    let exp = jwt_claims(token).unwrap()["exp"].as_i64().unwrap();
    assert_eq!(doc["expires_on"], exp);
    // TZ=UTC in the tests: expiresOn is local time, `YYYY-MM-DD HH:MM:SS.ffffff`.
    let local = chrono::DateTime::from_timestamp(exp, 0).unwrap();
    assert_eq!(
        doc["expiresOn"],
        local.format("%Y-%m-%d %H:%M:%S.000000").to_string()
    );
    assert_eq!(doc["tokenType"], "Bearer");
    assert_eq!(doc["tenant"], emu.export("AZURE_TENANT_ID"));
    assert_no_leak(&out, &[&secret(&emu)]);
}

fn header_output_is_accepted_by_graph(tls: bool) {
    let emu = emulator(tls, &[]);
    let out = aad_token(&emu).args(["-t", "header"]).success();
    let line = out.stdout_text();
    let value = line
        .strip_prefix("Authorization: ")
        .and_then(|l| l.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{line:?}"));
    assert!(value.starts_with("Bearer "));
    let (status, body) = get(
        &emu,
        "/v1.0/auditLogs/directoryAudits?$top=1",
        &[("Authorization", value)],
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn claims_show_the_roles() {
    let emu = emulator(false, &[]);
    let out = aad_token(&emu).arg("--claims").success();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["header"]["typ"], "JWT");
    assert_eq!(doc["claims"]["tid"], emu.export("AZURE_TENANT_ID"));
    assert_eq!(doc["claims"]["appid"], emu.export("AZURE_CLIENT_ID"));
    let roles = doc["claims"]["roles"].as_array().expect("roles");
    assert!(roles.contains(&json!("AuditLog.Read.All")), "{roles:?}");
    assert!(out.stdout_text().starts_with("{\n  \"header\": {"));

    // The application without the permission: its roles say so.
    let out = aad_token(&emu)
        .args([
            "--claims",
            "--client-id",
            emu.export("AAD_EMULATOR_NOPERM_CLIENT_ID"),
        ])
        .success();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    let roles = doc["claims"]["roles"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!roles.contains(&json!("AuditLog.Read.All")), "{roles:?}");
}

#[test]
fn claims_and_a_format_conflict() {
    for args in [["--claims", "-t", "json"], ["--claims", "-o", "json"]] {
        let out = tool("aad-token").args(args).run();
        out.assert_code(2);
        assert_eq!(out.stderr.lines().count(), 2, "{}", out.describe());
    }
}

#[test]
fn output_writes_the_token_to_a_private_file() {
    let emu = emulator(false, &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token.json");
    fs::write(&file, "old and readable").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    let out = aad_token(&emu)
        .args(["-t", "json", "-o"])
        .arg(&file)
        .success();
    out.assert_quiet();
    assert!(out.stdout.is_empty());
    let doc: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    assert!(jwt_claims(doc["accessToken"].as_str().unwrap()).is_some());
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let out = aad_token(&emu)
        .args(["-o"])
        .arg(dir.path().join("missing/token"))
        .run();
    out.assert_code(7);
}

#[test]
fn the_old_output_formats_still_work_with_a_warning() {
    let emu = emulator(false, &[]);
    let out = aad_token(&emu).args(["-o", "header"]).success();
    assert!(out.stdout_text().starts_with("Authorization: Bearer "));
    assert_eq!(
        out.stderr,
        "aad-token: warning: -o header is deprecated: write -t header (-o FILE now writes the token to FILE; -o ./header means a file named header)\n"
    );
    let out = aad_token(&emu).args(["--output", "json", "-q"]).success();
    out.assert_quiet();
    let doc: Value = serde_json::from_str(&out.stdout_text()).unwrap();
    assert_eq!(doc["tokenType"], "Bearer");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let emu = emulator(false, &[]);
    let mut command = Command::new("bash");
    command
        .args([
            "-c",
            "set -o pipefail; \"$0\" | head -c 1",
            bin("aad-token"),
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", emu.dir.path())
        .envs(&emu.exports);
    let out = command.output().expect("bash");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(out.stdout, b"e");
    assert!(out.stderr.is_empty(), "{out:?}");
}

// ---------------------------------------------------------------------------------
// Cache

/// aad-token with `--cache` in a cache directory shared between runs.
fn cached(emu: &Emulator, cache: &Path) -> Tool {
    aad_token(emu)
        .env("XDG_CACHE_HOME", cache)
        .args(["--cache", "-v"])
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let dir = cache.join("aad-tools");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn cache_hits_misses_and_permissions() {
    let emu = emulator(false, &[]);
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");

    let first = cached(&emu, &cache).success();
    assert!(first.stderr.contains("cache miss"), "{}", first.describe());
    let second = cached(&emu, &cache).success();
    assert!(second.stderr.contains("cache hit"), "{}", second.describe());
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(token_requests(&emu).len(), 1);

    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&cache.join("aad-tools")), 0o700);
    assert_eq!(mode(&files[0]), 0o600);
    let stored = fs::read_to_string(&files[0]).unwrap();
    assert!(
        !stored.contains(&secret(&emu)),
        "the secret is never stored"
    );
    let doc: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(doc["key"]["client_id"], emu.export("AZURE_CLIENT_ID"));

    // Another resource is another token.
    let legacy = cached(&emu, &cache)
        .args([
            "--endpoint",
            "v1",
            "--resource",
            "https://graph.windows.net",
        ])
        .success();
    assert!(
        legacy.stderr.contains("cache miss"),
        "{}",
        legacy.describe()
    );
    assert_eq!(cache_files(&cache).len(), 2);
    assert_eq!(token_requests(&emu).len(), 2);

    // A file others can read is not trusted, and is replaced by a private one.
    fs::set_permissions(&files[0], fs::Permissions::from_mode(0o644)).unwrap();
    let loose = cached(&emu, &cache).success();
    assert!(
        loose
            .stderr
            .contains("aad-token: warning: ignoring cached token")
            && loose.stderr.contains("0644"),
        "{}",
        loose.describe()
    );
    assert_eq!(token_requests(&emu).len(), 3);
    assert_eq!(mode(&files[0]), 0o600);

    // A directory others can enter: the cache is not used at all.
    fs::set_permissions(cache.join("aad-tools"), fs::Permissions::from_mode(0o755)).unwrap();
    let open = cached(&emu, &cache).success();
    assert!(
        open.stderr.contains("warning: not using the token cache"),
        "{}",
        open.describe()
    );
    assert_eq!(token_requests(&emu).len(), 4);
    // -q silences the warning.
    let quiet = aad_token(&emu)
        .env("XDG_CACHE_HOME", &cache)
        .args(["--cache", "-q"])
        .success();
    quiet.assert_quiet();
}

#[test]
fn tokens_with_less_than_five_minutes_left_are_not_reused() {
    let emu = emulator(false, &["--token-ttl", "299"]);
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    cached(&emu, &cache).success();
    let again = cached(&emu, &cache).success();
    assert!(!again.stderr.contains("cache hit"), "{}", again.describe());
    assert_eq!(token_requests(&emu).len(), 2);
}

#[test]
fn concurrent_cached_runs_all_succeed() {
    let emu = emulator(false, &[]);
    let home = tempfile::tempdir().unwrap();
    let cache = home.path().join("cache");
    let children: Vec<Child> = (0..8)
        .map(|_| {
            aad_token(&emu)
                .env("XDG_CACHE_HOME", &cache)
                .arg("--cache")
                .spawn()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
        assert!(jwt_claims(String::from_utf8(out.stdout).unwrap().trim()).is_some());
    }
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "no temporary files left: {files:?}");
    let doc: Value = serde_json::from_str(&fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert!(doc["accessToken"].is_string());
}

// ---------------------------------------------------------------------------------
// Refusals, usage errors, secrets

fn wrong_secret_exits_3_with_one_error_line_and_a_hint(tls: bool) {
    let emu = emulator(tls, &[]);
    let wrong = "wr0ng-s3cret-value";
    for verbose in [false, true] {
        let mut t =
            without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"]).env("AZURE_CLIENT_SECRET", wrong);
        if verbose {
            t = t.arg("-v");
        }
        let out = t.run();
        out.assert_code(3);
        let errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.starts_with("aad-token: error:") || l.starts_with("hint:"))
            .collect();
        assert_eq!(errors.len(), 2, "{}", out.describe());
        assert!(
            errors[0].starts_with(
                "aad-token: error: token endpoint refused the request (HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided."
            ),
            "{}",
            out.describe()
        );
        assert!(errors[1].contains("Secret ID"), "{}", out.describe());
        assert_no_leak(&out, &[wrong, &secret(&emu)]);
        if !verbose {
            assert_refused(&out, "AADSTS7000215", "the client secret is wrong");
        }
    }
}

#[test]
fn common_refusals_have_their_hints() {
    let emu = emulator(false, &[]);
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["--client-id", "11111111-2222-3333-4444-555555555555"],
            "AADSTS700016",
            "was not found in this tenant",
        ),
        (
            &["--tenant", "nosuchtenant.example"],
            "AADSTS90002",
            "the tenant was not found",
        ),
        (
            &["--scope", "User.Read"],
            "AADSTS70011",
            "the scope is invalid",
        ),
    ];
    for (args, code, hint) in cases {
        let out = aad_token(&emu).args(args).run();
        assert_refused(&out, code, hint);
        assert_no_leak(&out, &[&secret(&emu)]);
    }
}

#[test]
fn missing_settings_exit_2_naming_flag_and_variable() {
    let out = tool("aad-token")
        .env("AZURE_CLIENT_SECRET", "s")
        .env("AZURE_CLIENT_ID", "c")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("--tenant") && out.stderr.contains("AZURE_TENANT_ID"),
        "{}",
        out.describe()
    );
    let out = tool("aad-token")
        .env("AZURE_CLIENT_SECRET", "s")
        .env("AZURE_TENANT_ID", "t")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("--client-id") && out.stderr.contains("AZURE_CLIENT_ID"),
        "{}",
        out.describe()
    );
    let out = tool("aad-token")
        .env("AZURE_TENANT_ID", "t")
        .env("AZURE_CLIENT_ID", "c")
        .run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("no credential configured"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("hint: set AZURE_CLIENT_SECRET"),
        "{}",
        out.describe()
    );
    let out = tool("aad-token")
        .args([
            "--credential",
            "certificate",
            "--tenant",
            "t",
            "--client-id",
            "c",
        ])
        .run();
    out.assert_code(2);
    assert!(
        out.stderr
            .contains("--certificate FILE or set AZURE_CLIENT_CERTIFICATE_PATH"),
        "{}",
        out.describe()
    );
}

#[test]
fn client_secret_on_the_command_line_is_refused_without_echo() {
    let out = tool("aad-token")
        .args([
            "--client-secret",
            "Sup3r-S3cret~value",
            "--tenant",
            "t",
            "--client-id",
            "c",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("ps"), "{}", out.describe());
    assert!(
        out.stderr.contains("AZURE_CLIENT_SECRET") && out.stderr.contains("--client-secret-file")
    );
    assert!(
        !out.stderr.contains("Sup3r-S3cret~value"),
        "{}",
        out.describe()
    );
}

#[test]
fn unreadable_and_empty_secret_files() {
    let emu = emulator(false, &[]);
    let out = aad_token(&emu)
        .args(["--client-secret-file", "/no/such/secret"])
        .run();
    out.assert_code(7);
    assert!(
        out.stderr
            .contains("cannot read the client secret '/no/such/secret'"),
        "{}",
        out.describe()
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = private_file(dir.path(), "empty", "\n");
    let out = aad_token(&emu)
        .arg("--client-secret-file")
        .arg(&empty)
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("is empty"), "{}", out.describe());
}

fn verbose_logs_the_exchange_but_no_secret(tls: bool) {
    let emu = emulator(tls, &[]);
    let secret = secret(&emu);
    let out = aad_token(&emu).arg("-v").success();
    let token = printed_token(&out);
    let url = format!(
        "{}/{}/oauth2/v2.0/token",
        emu.base_url,
        emu.export("AZURE_TENANT_ID")
    );
    assert!(
        out.stderr.contains(&format!("POST {url} -> 200 (")),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains(" bytes, ") && out.stderr.contains(" ms)"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr.contains("client_secret=***"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&token), "the token is not logged");
    assert_no_leak(&out, &[&secret]);

    // A certificate: the signed assertion is not logged either.
    let out = without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"])
        .env(
            "AZURE_CLIENT_CERTIFICATE_PATH",
            emu.export("AAD_EMULATOR_CERTIFICATE_PATH"),
        )
        .arg("-v")
        .success();
    assert!(
        out.stderr.contains("client_assertion=***"),
        "{}",
        out.describe()
    );
    assert!(
        !out.stderr.contains("eyJ"),
        "no JWT in the log\n{}",
        out.describe()
    );
}

/// The parent process ids of every process, read from `/proc`.
fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        if after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) == Some(pid) {
            children.push(child);
        }
    }
    children
}

fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

#[test]
fn the_secret_is_never_an_argument_of_any_process() {
    let emu = emulator(false, &["--latency-ms", "300"]);
    let secret = secret(&emu);
    assert!(!cmdline(emu.pid()).contains(&secret));
    let server = OAuthServer::start(&[]);
    assert!(!cmdline(server.child.id()).contains(&server.secret));

    // The secret arrives on stdin, written only once the process is running.
    let mut t =
        without(aad_token(&emu), &["AAD_CLIENT_SECRET_FILE"]).args(["--client-secret-file", "-"]);
    t.command_mut().stdin(Stdio::piped());
    let mut child = t.spawn();
    let pid = child.id();
    // Right after exec the kernel may not have published the arguments yet.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut argv = cmdline(pid);
    while argv.is_empty() && Instant::now() < deadline {
        std::thread::yield_now();
        argv = cmdline(pid);
    }
    assert!(argv.contains("--client-secret-file -"), "{argv:?}");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(secret.as_bytes()).unwrap();
    drop(stdin);
    // Sample while it runs (the emulator answers after 300 ms): no child processes,
    // and its own arguments never change.
    while child.try_wait().unwrap().is_none() {
        assert_eq!(
            children_of(pid),
            Vec::<u32>::new(),
            "aad-token starts no process"
        );
        let now = cmdline(pid);
        assert!(now.is_empty() || now == argv, "{now}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&secret));
}

// ---------------------------------------------------------------------------------
// Help

#[test]
fn help_shows_no_environment_values_and_matches_its_snapshot() {
    // COLUMNS fixes clap's wrapping width whatever terminal runs the tests.
    let out = tool("aad-token")
        .env("COLUMNS", "100")
        .env("AZURE_TENANT_ID", "tenant-from-env")
        .env("AZURE_CLIENT_SECRET", "help-s3cret")
        .env("AAD_CLIENT_SECRET_FILE", "/run/secret-file")
        .env("SSL_CERT_FILE", "/etc/ca.pem")
        .arg("--help")
        .success();
    let help = out.stdout_text();
    for value in [
        "tenant-from-env",
        "help-s3cret",
        "/run/secret-file",
        "/etc/ca.pem",
    ] {
        assert!(!help.contains(value), "--help shows {value}");
    }
    assert!(help.contains("aad-token -t header | curl -H @- "));
    assert!(help.contains("--token-command 'aad-token --cache'"));
    util::assert_snapshot("tests/fixtures/token/help.txt", &help);
    let short = tool("aad-token")
        .env("COLUMNS", "100")
        .arg("-h")
        .success()
        .stdout_text();
    util::assert_snapshot("tests/fixtures/token/help-short.txt", &short);
}
