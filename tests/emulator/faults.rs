//! Fault injection, the rate limit, Retry-After, empty pages, gzip and latency.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{get_with_token, graph_token, json_of};
use crate::util::{Emulator, ids, test_agent};

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
        "429 UnknownError",
        "503 serviceNotAvailable",
        "429 UnknownError",
        "504 GatewayTimeout",
        "429 UnknownError",
        "truncated",
        "429 UnknownError",
        "503 serviceNotAvailable",
        "429 UnknownError",
        "ok",
        "429 UnknownError",
        "ok",
        "429 UnknownError",
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
