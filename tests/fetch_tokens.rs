//! aad-fetch and its token: an expired one that cannot be renewed, one renewed before it
//! expires or after the API rejected it, and never a token in what it prints.

use crate::fetch::{assert_same_records, lines, requests, token, truth};
use crate::util::{Emulator, tool};

#[test]
fn an_expired_token_without_a_way_to_renew_exits_3() {
    let emu = Emulator::start(&["--records", "5", "--token-ttl", "0"]);
    let expired = token(&emu);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", &expired)
        .args(["directoryAudits", "--rate", "off"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr
            .contains("the API rejected the token from AAD_ACCESS_TOKEN")
            && out.stderr.contains("hint: "),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&expired));
    // Stdin works as a token source too, and gives the same refusal.
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .stdin(format!("{expired}\n"))
        .args(["directoryAudits", "--rate", "off"])
        .run();
    out.assert_code(3);
    assert!(
        out.stderr.contains("token from stdin"),
        "{}",
        out.describe()
    );
}

#[test]
fn tokens_expiring_mid_run_are_renewed_with_the_token_command() {
    // Tokens live 2 s; 30 pages at 100 ms each take longer, so renewal must happen.
    let emu = Emulator::start(&[
        "--records",
        "300",
        "--token-ttl",
        "2",
        "--latency-ms",
        "100",
    ]);
    let command = format!("'{}' -t json", crate::util::bin("aad-token"));
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .args([
            "directoryAudits",
            "--rate",
            "off",
            "--page-size",
            "10",
            "--token-command",
            &command,
        ])
        .success();
    assert_same_records(&lines(&out), &truth(&emu, "directoryAudits"), "renewed run");
    let token_requests = requests(&emu, "oauth2").len();
    assert!(
        token_requests >= 2,
        "the command ran again: {token_requests} token requests"
    );
    let refused = requests(&emu, "directoryAudits")
        .iter()
        .filter(|r| r["status"] == 401)
        .count();
    assert_eq!(
        refused, 0,
        "renewed before expiry, so the API never saw an expired token"
    );
}

#[test]
fn a_rejected_token_is_renewed_once_through_the_command() {
    let emu = Emulator::start(&["--records", "30"]);
    let other = Emulator::start(&["--records", "1"]);
    let dir = tempfile::tempdir().unwrap();
    // The first token comes from another emulator: well-formed, but not signed by this one.
    std::fs::write(dir.path().join("bad"), token(&other)).unwrap();
    std::fs::write(dir.path().join("good"), token(&emu)).unwrap();
    let d = dir.path().display();
    let command = format!(
        "if [ -e '{d}/used' ]; then cat '{d}/good'; else touch '{d}/used'; cat '{d}/bad'; fi"
    );
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .args([
            "directoryAudits",
            "--rate",
            "off",
            "--page-size",
            "10",
            "--token-command",
            &command,
        ])
        .success();
    assert_same_records(
        &lines(&out),
        &truth(&emu, "directoryAudits"),
        "after renewal",
    );
    let statuses: Vec<u64> = requests(&emu, "directoryAudits")
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![401, 200, 200, 200]);
}

#[test]
fn verbose_logs_requests_but_never_the_token() {
    let emu = Emulator::start(&[
        "--records",
        "30",
        "--throttle-every",
        "2",
        "--retry-after",
        "0",
    ]);
    let token = token(&emu);
    let out = tool("aad-fetch")
        .emulator_env(&emu)
        .env("AAD_ACCESS_TOKEN", &token)
        .args([
            "directoryAudits",
            "--rate",
            "off",
            "--page-size",
            "10",
            "-v",
        ])
        .success();
    assert!(
        out.stderr.contains("GET http://127.0.0.1:")
            && out.stderr.contains("-> 429")
            && out.stderr.contains("retry after"),
        "{}",
        out.describe()
    );
    assert!(!out.stderr.contains(&token));
    let signature = token.rsplit('.').next().unwrap();
    assert!(!out.stderr.contains(signature));
}
