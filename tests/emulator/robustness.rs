//! Hostile input and heavy load: out-of-range numbers are usage errors, crafted skip
//! tokens and filters are answered (never a crash), and the emulator keeps answering
//! while it generates a large dataset or serves many drains at once.

use std::time::{Duration, Instant};

use super::{get_with_token, graph_token};
use crate::util::{Emulator, http_get, tool};

/// Every numeric flag, out of range: exit 2 with one line (and its optional `hint:` line).
#[test]
fn out_of_range_numbers_are_usage_errors() {
    let huge = "18446744073709551615";
    for args in [
        vec!["--dump", "directoryAudits", "--records", huge],
        vec!["--dump", "directoryAudits", "--records", "10000001"],
        vec!["--live", "1e308"],
        vec!["--live", "inf"],
        vec!["--live", "NaN"],
        vec!["--live", "0"],
        vec!["--latency-ms", huge],
        vec!["--retry-after", huge],
        vec!["--retry-after", "86401", "--retry-after-date"],
        vec!["--max-delay", "400d", "--live", "1"],
        vec!["--max-window", "31d"],
        vec!["--token-ttl", huge],
        vec!["--rate-limit", "5/400d"],
        vec!["--days", "31"],
        vec!["--days", huge],
        vec!["--port", "65536"],
        vec!["--seed", "-1"],
        vec!["--throttle-every", "0"],
        vec!["--republish-fraction", "NaN"],
        vec!["--now", "-35000-01-01"],
        vec!["--now", "+99999-01-01T00:00:00Z"],
    ] {
        let out = tool("aad-emulator").args(&args).run();
        out.assert_code(2);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(
            lines.len() == 1 || (lines.len() == 2 && lines[1].starts_with("hint: ")),
            "{args:?}: {}",
            out.describe()
        );
        assert!(
            out.stderr.starts_with("aad-emulator: error: "),
            "{args:?}: {}",
            out.describe()
        );
    }
}

/// A skip token with the largest page number, a date 37,000 years back and an
/// injected 429 with a day's Retry-After as an HTTP date: each is answered, and the
/// emulator goes on answering.
#[test]
fn crafted_tokens_filters_and_retry_dates_are_answered() {
    use base64::Engine as _;
    let emu = Emulator::start(&[
        "--records",
        "20",
        "--throttle-every",
        "3",
        "--retry-after",
        "86400",
        "--retry-after-date",
    ]);
    let token = graph_token(&emu);
    let base = format!("{}/v1.0/auditLogs/directoryAudits", emu.base_url);
    let skiptoken = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!(
        "[{},\"x\",0,{},false]",
        i64::MAX,
        u32::MAX
    ));
    let (status, body) = get_with_token(&format!("{base}?$top=1&$skiptoken={skiptoken}"), &token);
    assert_eq!(status, 200, "{body}");
    let (status, body) = get_with_token(
        &format!("{base}?$filter=activityDateTime%20ge%20-35000-01-01"),
        &token,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["message"], "Invalid filter clause");
    // Every third valid request is throttled, with Retry-After a day from now.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let agent = crate::util::test_agent(None);
        let response = agent
            .get(&base)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .expect("an answer");
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        statuses.push((response.status().as_u16(), retry_after));
    }
    let throttled = statuses.iter().find(|(s, _)| *s == 429);
    let date = throttled.and_then(|(_, r)| r.clone()).unwrap_or_default();
    assert!(date.ends_with(" GMT"), "{statuses:?}");
    assert_eq!(statuses.last().map(|s| s.0), Some(200), "{statuses:?}");
}

/// The latency of one `/_emulator/stats` request.
fn stats_latency(emu: &Emulator) -> Duration {
    let started = Instant::now();
    let (status, _) = http_get(&format!("{}/_emulator/stats", emu.base_url), &[]);
    assert_eq!(status, 200);
    started.elapsed()
}

/// The fastest of five answers over half a second. An emulator whose async workers
/// were busy with the load would answer all five late (the load lasts seconds); on a
/// machine shared with other tests, single answers can be late for reasons of its own.
fn best_stats_latency(emu: &Emulator) -> Duration {
    (0..5)
        .map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            stats_latency(emu)
        })
        .min()
        .unwrap_or_default()
}

/// Follows a chain of pages with as little work as a client can do (no JSON parsing),
/// so the load is the emulator's; returns the number of records.
fn light_drain(first: String, token: &str) -> usize {
    let mut url = first;
    let mut records = 0;
    loop {
        let (status, body) = http_get(&url, &[("Authorization", &format!("Bearer {token}"))]);
        assert_eq!(status, 200, "{url}");
        records += body.matches("\"activityDateTime\":").count();
        let Some(at) = body.find("\"@odata.nextLink\":\"") else {
            return records;
        };
        let rest = &body[at + "\"@odata.nextLink\":\"".len()..];
        url = rest[..rest.find('"').unwrap_or(0)].to_string();
    }
}

/// One test, so the two loads do not overlap: 20 concurrent drains, then the
/// generation of a million records.
#[test]
fn stats_answer_within_50ms_during_20_drains_and_while_a_million_records_are_generated() {
    let emu = Emulator::start(&["--records", "2000"]);
    let token = graph_token(&emu);
    let url = format!("{}/v1.0/auditLogs/directoryAudits?$top=100", emu.base_url);
    // The dataset exists before the drains start.
    assert_eq!(light_drain(url.clone(), &token), 2000);
    let drains: Vec<_> = (0..20)
        .map(|_| {
            let (url, token) = (url.clone(), token.clone());
            std::thread::spawn(move || {
                (0..3)
                    .map(|_| light_drain(url.clone(), &token))
                    .sum::<usize>()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let during_drains = best_stats_latency(&emu);
    for d in drains {
        assert_eq!(d.join().expect("a drain"), 6000);
    }
    drop(emu);

    let emu = Emulator::start(&["--records", "1000000"]);
    let token = graph_token(&emu);
    let url = format!("{}/v1.0/auditLogs/directoryAudits?$top=1", emu.base_url);
    // Generating a million records takes a while; the request waits for it (and ends
    // with an error when the emulator is stopped at the end of the test).
    std::thread::spawn(move || {
        let _ = http_get(&url, &[("Authorization", &format!("Bearer {token}"))]);
    });
    std::thread::sleep(Duration::from_millis(300));
    let during_generation = best_stats_latency(&emu);
    let limit = Duration::from_millis(50);
    assert!(
        during_drains < limit && during_generation < limit,
        "/_emulator/stats took {during_drains:?} during 20 drains, {during_generation:?} while a dataset was generated"
    );
}

/// Requests to ever new paths do not grow the statistics: they are kept per route.
#[test]
fn statistics_are_kept_per_route() {
    let emu = Emulator::start(&["--records", "5"]);
    for i in 0..50 {
        let _ = emu.get(&format!("/nosuch/{i}"));
        let _ = http_get(&format!("{}/x{i}/oauth2/v2.0/token", emu.base_url), &[]);
    }
    let (_, stats) = emu.get("/_emulator/stats");
    let stats: serde_json::Value = serde_json::from_str(&stats).expect("JSON");
    let routes = stats["endpoints"].as_object().expect("endpoints");
    assert!(routes.len() <= 3, "{routes:?}");
    assert_eq!(
        stats["endpoints"]["/{tenant}/oauth2/v2.0/token"]["requests"], 50,
        "{stats}"
    );
}
