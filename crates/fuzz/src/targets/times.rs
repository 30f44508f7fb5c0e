//! The time and duration parsers: `--since`/`--until` (UTC and `--local`), durations
//! (`--lag`, `--retry-for`, ...), `--slice`, request rates (`--rate`, `--rate-limit`),
//! and the instants read from records and state files. What is accepted must print back
//! to text that parses to the same value.

use std::str::FromStr as _;

use aad_common::time::{RateSetting, format_duration, graph_time, parse_duration, parse_instant};
use aad_fetch::fuzzing::{parse_slice_seconds, parse_time};
use chrono::{DateTime, Datelike as _, TimeZone as _, Utc};

use crate::target::{Target, outcome, signature, text};

pub(super) const TIMES: Target = Target {
    name: "times",
    about: "--since/--until (UTC and --local), durations, --slice, rates, record instants",
    run,
    words: &[
        b"2026-11-28",
        b"T",
        b" ",
        b"10:00",
        b":30",
        b".5",
        b".1234567",
        b"Z",
        b"+01:00",
        b"-0500",
        b" UTC",
        b"today",
        b"yesterday",
        b"now",
        b"ms",
        b"s",
        b"m",
        b"h",
        b"d",
        b"w",
        b"/",
        b"off",
        b"auto",
        b"none",
        b"9999-12-31",
        b"0001-01-01",
        b"24:00",
        b"23:59:60",
        b"-",
        b"+",
    ],
};

/// The clock the relative forms (`7d`, `today`) are read against.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()
}

/// A time as [`graph_time`] keeps it: whole 100 ns ticks.
fn in_ticks(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    Utc.timestamp_opt(t.timestamp(), nanos - nanos % 100)
        .unwrap()
}

/// Years Graph's seven-digit form can write (four-digit years).
fn writable(t: DateTime<Utc>) -> bool {
    (1..=9999).contains(&t.year())
}

fn run(data: &[u8]) -> u64 {
    let text = text(data);
    let text = text.as_str();

    let duration = parse_duration(text);
    if let Ok(d) = duration {
        let printed = format_duration(d);
        assert_eq!(
            parse_duration(&printed),
            Ok(d),
            "duration {text:?} printed as {printed:?}"
        );
    }

    let instant = parse_instant(text);
    if let Some(t) = instant.filter(|&t| writable(t)) {
        let printed = graph_time(t);
        assert_eq!(
            parse_instant(&printed),
            Some(in_ticks(t)),
            "instant {text:?} printed as {printed:?}"
        );
    }

    let since = parse_time(text, now(), false);
    if let Ok(t) = since {
        assert!(
            writable(t),
            "--since {text:?} gave {t}, outside the years 1 to 9999"
        );
        let printed = graph_time(t);
        assert_eq!(
            parse_time(&printed, now(), false),
            Ok(in_ticks(t)),
            "--since {text:?} printed as {printed:?}"
        );
    }
    let local = parse_time(text, now(), true);

    let rate = RateSetting::from_str(text);
    if let Ok(r) = rate {
        let printed = r.to_string();
        assert_eq!(
            RateSetting::from_str(&printed),
            Ok(r),
            "rate {text:?} printed as {printed:?}"
        );
    }
    let slice = parse_slice_seconds(text);

    signature([
        outcome(&duration),
        if instant.is_some() { "instant" } else { "-" },
        outcome(&since),
        outcome(&local),
        outcome(&rate),
        outcome(&slice),
    ])
}
