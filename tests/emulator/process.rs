//! The process: start-up and `--print-env`, live mode, TLS, SIGTERM, `--dump`, and the
//! in-process [`aad_emulator::Server`].

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{drain, graph_token, json_of};
use crate::util::{Emulator, http_get, ids, test_agent, tool};

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
    let data = [
        "--records",
        "25",
        "--seed",
        "7",
        "--now",
        "2026-01-01T00:00:00Z",
    ];
    let out = tool("aad-emulator")
        .args(["--dump", "directoryAudits"])
        .args(data)
        .success();
    let dumped: Vec<Value> = out.stdout_text().lines().map(json_of).collect();
    assert_eq!(dumped.len(), 25);
    let emu = Emulator::start(&data);
    let token = graph_token(&emu);
    let (served, _) = drain(
        &format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url),
        &token,
    );
    // The dump is what aad-fetch gets by default: v1.0 for the audit logs.
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
