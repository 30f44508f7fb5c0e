//! aad-token against hostile input: a token endpoint that echoes the credential, a
//! poisoned or foreign cache, files that never end, claims that reorder the terminal.

use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::{Server, endless, error_line, run_limited};
use crate::util::{Emulator, Output, repo_root, tool};

/// A client secret long enough to be masked wherever it occurs.
const SECRET: &str = "Hostile~Test.Secret_0123456789abcdefXYZ";

/// A token endpoint at `/token` that refuses every request, quoting `echo` (with
/// `{form:...}` fields filled in) the way Azure quotes things in its descriptions.
fn echoing_endpoint(echo: &str) -> Server {
    Server::start(&json!({
        "/token": {
            "status": 401,
            "body": json!({
                "error": "invalid_client",
                "error_description": format!("AADSTS7000215: Invalid client secret provided: '{echo}'."),
                "error_codes": [7000215],
            }).to_string(),
        }
    }))
}

/// aad-token against `server`'s `/token`, with a tenant and client id.
fn at(server: &Server) -> crate::util::Tool {
    tool("aad-token")
        .env("AZURE_TENANT_ID", "t")
        .env("AZURE_CLIENT_ID", "c")
        .args(["--token-url", &format!("{}/token", server.base)])
}

#[test]
fn an_echoed_client_secret_is_masked() {
    let server = echoing_endpoint("{form:client_secret}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret");
    fs::write(&file, SECRET).unwrap();
    let from_env = at(&server)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .arg("-v")
        .run();
    let from_file = at(&server).arg("--client-secret-file").arg(&file).run();
    for out in [&from_env, &from_file] {
        out.assert_code(3);
        assert!(!out.stderr.contains(SECRET), "{}", out.describe());
        assert!(
            out.stderr
                .contains("Invalid client secret provided: '***'."),
            "{}",
            out.describe()
        );
    }
    assert!(
        error_line(&from_file)
            .starts_with("aad-token: error: token endpoint refused the request (HTTP 401"),
        "{}",
        from_file.describe()
    );
}

#[test]
fn an_echoed_assertion_or_federated_token_is_masked() {
    let server = echoing_endpoint("{form:client_assertion}");
    let demo = repo_root().join("crates/emulator/src/fixtures/demo-client.pem");
    let certificate = at(&server).arg("--certificate").arg(&demo).run();
    certificate.assert_code(3);
    // Every JWT starts with the base64url of '{"'.
    assert!(
        !certificate.stderr.contains("eyJ") && certificate.stderr.contains("provided: '***'"),
        "{}",
        certificate.describe()
    );
    let dir = tempfile::tempdir().unwrap();
    let federated = dir.path().join("federated");
    fs::write(&federated, "federated-token-of-the-pod-0123456789\n").unwrap();
    let workload = at(&server)
        .arg("--federated-token-file")
        .arg(&federated)
        .run();
    workload.assert_code(3);
    assert!(
        !workload.stderr.contains("federated-token-of-the-pod")
            && workload.stderr.contains("provided: '***'"),
        "{}",
        workload.describe()
    );
}

/// aad-token for `emu` with its cache in `cache`.
fn cached(emu: &Emulator, cache: &Path) -> crate::util::Tool {
    tool("aad-token")
        .emulator_env(emu)
        .env("XDG_CACHE_HOME", cache)
        .arg("--cache")
}

/// The one cache file below `cache`.
fn cache_file(cache: &Path) -> PathBuf {
    let files: Vec<PathBuf> = fs::read_dir(cache.join("aad-tools"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Asserts `out` printed exactly one `Authorization` line with a JWT.
fn assert_one_header_line(out: &Output) {
    let text = out.stdout_text();
    let token = text
        .strip_prefix("Authorization: Bearer ")
        .and_then(|t| t.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("not one header line\n{}", out.describe()));
    assert!(
        token.split('.').count() == 3 && token.bytes().all(|b| b.is_ascii_graphic()),
        "{}",
        out.describe()
    );
}

#[test]
fn a_cached_token_with_line_breaks_is_not_printed() {
    let emu = Emulator::start(&["--records", "1"]);
    let cache = tempfile::tempdir().unwrap();
    cached(&emu, cache.path()).success();
    let file = cache_file(cache.path());
    let good: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    for (field, poison) in [
        (
            "accessToken",
            format!("{}\r\nX-Evil: 1", good["accessToken"].as_str().unwrap()),
        ),
        ("tokenType", "Bearer\r\nX-Evil: 1".to_string()),
    ] {
        let mut doc = good.clone();
        doc[field] = json!(poison);
        fs::write(&file, doc.to_string()).unwrap();
        let out = cached(&emu, cache.path()).args(["-o", "header"]).success();
        assert_one_header_line(&out);
        assert!(
            out.stderr
                .starts_with("aad-token: warning: ignoring cached token '")
                && out.stderr.lines().count() == 1,
            "{field}\n{}",
            out.describe()
        );
        let replaced: Value = serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(
            replaced["tokenType"], "Bearer",
            "a good token replaced the poisoned one"
        );
    }
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "says why the test did nothing on a machine where it cannot run"
)]
fn a_cache_of_another_user_is_not_used() {
    let emu = Emulator::start(&["--records", "1"]);
    let cache = tempfile::tempdir().unwrap();
    if fs::metadata(cache.path()).unwrap().uid() != 0 {
        // Handing a file to another user needs root (CI runs as root).
        eprintln!("skipped: giving files to another user needs root");
        return;
    }
    cached(&emu, cache.path()).success();
    let file = cache_file(cache.path());
    let nobody = 65534;
    std::os::unix::fs::chown(&file, Some(nobody), Some(nobody)).unwrap();
    let out = cached(&emu, cache.path()).success();
    assert!(
        out.stderr.contains("ignoring cached token")
            && out
                .stderr
                .contains("belongs to another user (uid 65534, not 0)"),
        "{}",
        out.describe()
    );
    let dir = cache.path().join("aad-tools");
    std::os::unix::fs::chown(&dir, Some(nobody), Some(nobody)).unwrap();
    let out = cached(&emu, cache.path()).success();
    assert!(
        out.stderr
            .starts_with("aad-token: warning: not using the token cache: '")
            && out.stderr.contains("belongs to another user"),
        "{}",
        out.describe()
    );
}

#[test]
fn endless_secret_certificate_and_federated_files_exit_7() {
    let base = [("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")];
    let cases: [(&[&str], &str); 4] = [
        (
            &["--client-secret-file", "/dev/zero"],
            "aad-token: error: cannot read the client secret '/dev/zero' (it holds more than 64 KiB, the limit)",
        ),
        (
            &["--client-secret-file", "-"],
            "aad-token: error: cannot read the client secret from 'stdin' (it holds more than 64 KiB, the limit)",
        ),
        (
            &["--certificate", "/dev/zero"],
            "aad-token: error: cannot read certificate '/dev/zero' (it holds more than 1 MiB, the limit)",
        ),
        (
            &["--federated-token-file", "/dev/zero"],
            "aad-token: error: cannot read federated token file '/dev/zero' (it holds more than 64 KiB, the limit)",
        ),
    ];
    for (args, expected) in cases {
        let mut all = args.to_vec();
        all.extend(["--token-url", "http://127.0.0.1:9/token"]);
        let out = run_limited("aad-token", &all, &base, endless());
        out.assert_code(7);
        assert_eq!(error_line(&out), expected, "{}", out.describe());
    }
}

#[test]
fn claims_with_bidi_controls_are_escaped() {
    let claims = json!({"aud": "https://graph.microsoft.com", "name": "admin\u{202e}txt.exe\u{2066}\u{200f}"});
    let jwt = format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let server = Server::start(&json!({
        "/token": {"body": json!({"access_token": jwt, "token_type": "Bearer", "expires_in": 3600}).to_string()}
    }));
    let out = at(&server)
        .env("AZURE_CLIENT_SECRET", SECRET)
        .arg("--claims")
        .success();
    let text = out.stdout_text();
    assert!(
        !text.contains(['\u{202e}', '\u{2066}', '\u{200f}']),
        "raw bidi controls\n{}",
        out.describe()
    );
    assert!(
        text.contains(r#""name": "admin\u202etxt.exe\u2066\u200f""#),
        "{}",
        out.describe()
    );
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["claims"], claims, "the same JSON value");
}
