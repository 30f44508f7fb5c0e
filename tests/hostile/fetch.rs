//! aad-fetch against hostile input: token commands that hang or talk, servers that echo
//! the token or send strange records and dates, tokens and URIs that cannot be sent,
//! files that never end, a file-size limit, user information in next links.

use std::time::{Duration, Instant};

use serde_json::json;

use std::process::Stdio;

use super::{Server, endless, error_line, run_in_shell, run_limited};
use crate::fetch::{fetch, token};
use crate::util::{Emulator, Output, repo_root, tool};

/// aad-fetch with `token` in `AAD_ACCESS_TOKEN` and no pacing.
fn fetch_with(token: &str) -> crate::util::Tool {
    tool("aad-fetch")
        .env("AAD_ACCESS_TOKEN", token)
        .args(["--rate", "off"])
}

/// True while process `pid` exists and is not a zombie.
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|s| !s.trim_start().starts_with('Z'))
    })
}

#[test]
fn a_token_command_that_hangs_is_stopped_after_the_token_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let command = format!("sleep 1000 & echo $! > '{}'; wait", pid_file.display());
    let started = Instant::now();
    let out = tool("aad-fetch")
        .args([
            "directoryAudits",
            "--token-timeout",
            "1s",
            "--token-command",
            &command,
        ])
        .run();
    out.assert_code(3);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{}",
        out.describe()
    );
    assert_eq!(
        out.stderr,
        "aad-fetch: error: --token-command did not finish within 1s (--token-timeout); it was stopped\n\
         hint: run the command by hand to see where it waits, or raise --token-timeout\n"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let give_up = Instant::now() + Duration::from_secs(5);
    while alive(pid.trim()) && Instant::now() < give_up {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        !alive(pid.trim()),
        "the command's child {pid} was killed too"
    );
}

#[test]
fn what_a_token_command_says_on_stderr_is_masked() {
    let emu = Emulator::start(&["--records", "5"]);
    let token = token(&emu);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("TOKEN", &token)
        .args(["directoryAudits", "--rate", "off", "--token-command"])
        .arg("printf %s \"$TOKEN\"; echo \"got the token $TOKEN\" >&2")
        .success();
    assert_eq!(out.stdout_text().lines().count(), 5);
    assert_eq!(out.stderr, "got the token ***\n", "{}", out.describe());
}

#[test]
fn a_server_that_echoes_the_token_gets_it_masked() {
    let server = Server::start(&json!({
        "/r": {"status": 403, "body": "{\"error\":{\"code\":\"Forbidden\",\"message\":\"we saw {header:Authorization}\"}}"}
    }));
    let token = "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ0In0.hostile-test-signature";
    let out = fetch_with(token)
        .arg(format!("{}/r", server.base))
        .arg("-v")
        .run();
    out.assert_code(4);
    assert!(
        !out.stderr.contains("hostile-test-signature"),
        "{}",
        out.describe()
    );
    assert!(
        out.stderr
            .contains("(HTTP 403 Forbidden: we saw Bearer ***)"),
        "{}",
        out.describe()
    );
}

#[test]
fn records_that_are_not_objects_make_the_page_malformed() {
    for (records, index, kind) in [
        (r#"[1,"two",null,[3]]"#, 0, "a number"),
        (r#"[{"id":"a"},"two"]"#, 1, "a string"),
    ] {
        let server = Server::start(&json!({"/r": {"body": format!("{{\"value\":{records}}}")}}));
        let out = fetch_with("any-token")
            .arg(format!("{}/r", server.base))
            .run();
        out.assert_code(6);
        assert_eq!(
            error_line(&out),
            format!(
                "aad-fetch: error: the page is malformed: its record value[{index}] is {kind}, not a JSON object (from {}/r?$top=1000)",
                server.base
            ),
            "{}",
            out.describe()
        );
        assert!(out.stdout.is_empty(), "{}", out.describe());
    }
}

#[test]
fn tokens_that_cannot_be_tokens_are_auth_errors_at_once() {
    let server = Server::start(&json!({"/r": {"body": "{\"value\":[]}"}}));
    let long = "a".repeat(64 * 1024 + 1);
    for token in [
        r#"{"accessToken":"a\u0001b"}"#,
        r#"{"accessToken":"a b"}"#,
        &long,
    ] {
        let started = Instant::now();
        let out = fetch_with(token)
            .args([&format!("{}/r", server.base), "--retry-for", "5s"])
            .run();
        out.assert_code(3);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{}",
            out.describe()
        );
        assert!(
            error_line(&out).starts_with(
                "aad-fetch: error: cannot read a token from AAD_ACCESS_TOKEN (the token input is not a bearer token"
            ),
            "{}",
            out.describe()
        );
    }
    assert_eq!(server.count("/r?$top=1000"), 0, "nothing was sent");
}

#[test]
fn endless_token_inputs_exit_3() {
    let cases: [(&[&str], &str); 3] = [
        (&["--token-file", "/dev/zero"], "--token-file"),
        (&["--token-file", "-"], "--token-file -"),
        (&[], "stdin"),
    ];
    for (args, from) in cases {
        let mut all = vec!["directoryAudits"];
        all.extend_from_slice(args);
        let out = run_limited("aad-fetch", &all, &[], endless());
        out.assert_code(3);
        assert!(
            error_line(&out).starts_with(&format!(
                "aad-fetch: error: the token from {from} is longer than 1 MiB: that is not a token"
            )),
            "{}",
            out.describe()
        );
    }
    let out = fetch_with("x")
        .args(["directoryAudits", "--token-command", "cat /dev/zero"])
        .run();
    out.assert_code(3);
    assert!(
        error_line(&out).starts_with(
            "aad-fetch: error: --token-command printed more than 1 MiB: that is not a token; it was stopped"
        ),
        "{}",
        out.describe()
    );
}

#[test]
fn reports_and_bases_that_are_not_valid_uris_are_usage_errors() {
    let server = Server::start(&json!({
        "/v1.0/auditLogs/directoryAudits?$top=5": {"body": "{\"value\":[{\"id\":\"1\"}]}"}
    }));
    let graph = ["--graph-url", server.base.as_str()];
    for (args, message) in [
        (
            vec!["s/o k"],
            "aad-fetch: error: 's/o k' is not a valid Graph path or URL",
        ),
        (
            vec!["auditLogs/directoryAudits#x"],
            "aad-fetch: error: 'auditLogs/directoryAudits#x' has a fragment (#...), which is never sent to a server; remove it",
        ),
        (
            vec!["auditLogs/directoryAudits?$top=5", "--page-size", "10"],
            "aad-fetch: error: REPORT has its own $top and --page-size is given too; use one of them",
        ),
        (
            vec!["directoryAudits", "--graph-url", "http://127.0.0.1:9/?x=1"],
            "aad-fetch: error: --graph-url: 'http://127.0.0.1:9/?x=1' has a query or fragment; give the service base only, such as https://graph.microsoft.com",
        ),
    ] {
        let out = fetch_with("any-token").args(graph).args(&args).run();
        out.assert_code(2);
        assert_eq!(error_line(&out), message, "{}", out.describe());
    }
    // A path's own query is sent as it is, merged with ours; its $top is the page size,
    // and --top (records wanted) goes with it.
    for extra in [&[][..], &["--top", "10"]] {
        let out = fetch_with("any-token")
            .args(graph)
            .arg("auditLogs/directoryAudits?$top=5")
            .args(extra)
            .success();
        assert_eq!(out.stdout_text(), "{\"id\":\"1\"}\n");
    }
    assert_eq!(server.count("/v1.0/auditLogs/directoryAudits?$top=5"), 2);
}

#[test]
fn a_retry_after_date_in_the_past_falls_back_to_backoff() {
    let server = Server::start(&json!({
        "/r": {"status": 503, "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, "body": "{}"}
    }));
    let out = fetch_with("any-token")
        .args([&format!("{}/r", server.base), "--retry-for", "3s"])
        .run();
    out.assert_code(5);
    let requests = server.count("/r?$top=1000");
    // Backoff with full jitter waits up to 1, 2, 4 s...: a handful of requests in 3 s.
    assert!(
        (2..=10).contains(&requests),
        "{requests} requests\n{}",
        out.describe()
    );
}

/// Runs `name args` (with `env`) with its stdout in a file and a file-size limit of one
/// block.
fn past_the_file_size_limit(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "ulimit -f 1 && exec \"$0\" \"$@\" > '{}'",
        dir.path().join("out").display()
    );
    run_in_shell(&script, name, args, env, Stdio::null())
}

#[test]
fn a_file_size_limit_is_a_write_error_not_a_silent_death() {
    let emu = Emulator::start(&["--records", "300"]);
    let token = token(&emu);
    let mut env: Vec<(&str, &str)> = emu
        .exports
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.push(("AAD_ACCESS_TOKEN", &token));
    let out = past_the_file_size_limit("aad-fetch", &["directoryAudits", "--rate", "off"], &env);
    assert_eq!(out.status.code(), Some(7), "{}", out.describe());
    assert_eq!(
        error_line(&out),
        "aad-fetch: error: cannot write to stdout (File too large (os error 27))"
    );
    let input = repo_root().join("tests/fixtures/format/audits.ndjson");
    let out =
        past_the_file_size_limit("aad-format", &["--to", "csv", input.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(7), "{}", out.describe());
    assert!(
        error_line(&out).contains("File too large (os error 27)"),
        "{}",
        out.describe()
    );
}

#[test]
fn user_information_in_links_is_redacted() {
    let server = Server::start(&json!({
        "/r": {"body": "{\"value\":[{\"id\":\"1\"}],\"@odata.nextLink\":\"http://user:hunter2@127.0.0.1:{port}/r2\"}"},
        "/r2": {"body": "{\"value\":[{\"id\":\"2\"}]}"},
        "/f": {"body": "{\"value\":[],\"@odata.nextLink\":\"https://user:hunter2@evil.example/x\"}"},
    }));
    let out = fetch_with("any-token")
        .args([&format!("{}/r", server.base), "-v"])
        .run();
    assert!(!out.stderr.contains("hunter2"), "{}", out.describe());
    assert!(
        out.stderr.contains(&format!(
            "GET http://***@{}/r2",
            server.base.trim_start_matches("http://")
        )),
        "{}",
        out.describe()
    );
    let out = fetch_with("any-token")
        .arg(format!("{}/f", server.base))
        .run();
    out.assert_code(6);
    assert_eq!(
        error_line(&out),
        "aad-fetch: error: refusing to follow a nextLink to another scheme, host or port: 'https://***@evil.example/x'"
    );
}

#[test]
fn the_emulator_still_works_with_a_report_path_query() {
    let emu = Emulator::start(&["--records", "30"]);
    let out = fetch(&emu)
        .args(["auditLogs/directoryAudits?$top=7", "--slice", "none", "-v"])
        .success();
    assert_eq!(out.stdout_text().lines().count(), 30);
    assert!(
        out.stderr
            .contains("/v1.0/auditLogs/directoryAudits?$top=7 -> 200"),
        "{}",
        out.describe()
    );
}
