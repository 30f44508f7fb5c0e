//! Times and durations as the tools read and write them.
//!
//! - Graph timestamps: UTC with seven fractional digits (`2018-01-09T21:20:02.7215374Z`);
//!   [`graph_time`] formats them, [`parse_instant`] reads them (and other RFC 3339
//!   forms, and bare dates).
//! - Durations on the command line: `500ms`, `30s`, `90m`, `36h`, `7d`, `2w`
//!   ([`parse_duration`]).
//! - Request budgets: `5/10s` or `off` ([`Rate`]).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, TimeDelta, Utc};

/// Formats a time as Graph does: UTC, seven fractional digits, `Z`.
pub fn graph_time(t: DateTime<Utc>) -> String {
    let t = without_leap_second(t);
    // chrono has no 7-digit preset; nanoseconds cut to 100 ns ticks.
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// Formats a time as RFC 3339 UTC with whole seconds (`2024-01-31T00:00:00Z`).
pub fn rfc3339_seconds(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads an instant: RFC 3339 with any offset and up to nine fractional digits, a
/// date-time without offset (taken as UTC), or a bare date (midnight UTC).
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    parse_instant_as_written(text).map(without_leap_second)
}

/// A leap second (`23:59:60.5`, which chrono keeps as more than 10^9 nanoseconds of
/// second 59) as the same instant in the next second (`00:00:00.5`), as 100 ns ticks
/// count it; otherwise [`graph_time`] would write eight fractional digits, and a time
/// read back would differ from the one written (found by aad-fuzz, target `times`).
fn without_leap_second(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    if nanos < 1_000_000_000 {
        return t;
    }
    DateTime::from_timestamp(t.timestamp() + 1, nanos - 1_000_000_000).unwrap_or(t)
}

fn parse_instant_as_written(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Reads a duration: a whole number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("'{text}' needs a unit: ms, s, m, h, d or w (as in 90m, 7d)"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: 30s, 90m, 36h, 7d)"))?;
    let seconds_per_unit = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => {
            return Err(format!(
                "'{text}' has an unknown unit '{unit}' (use ms, s, m, h, d or w)"
            ));
        }
    };
    n.checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("'{text}' is too long"))
}

/// A duration as chrono's `TimeDelta` (saturating; durations here are far below its range).
pub fn to_time_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// Formats a duration the way [`parse_duration`] reads it, in the largest exact unit.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = d.as_secs();
    for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s >= size && s.is_multiple_of(size) {
            return format!("{}{unit}", s / size);
        }
    }
    format!("{s}s")
}

/// A request budget: at most `count` requests in any window of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed in any window of `per`.
    pub count: u32,
    /// The length of the sliding window the service counts in.
    pub per: Duration,
}

/// `--rate` and `--rate-limit` values: a budget, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSetting {
    /// No pacing.
    Off,
    /// Pace to this budget.
    Limit(Rate),
}

impl FromStr for RateSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none") {
            return Ok(RateSetting::Off);
        }
        let (count, per) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not a rate; use N/DURATION (5/10s) or off"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("'{text}': the count must be a whole number above 0"))?;
        let per = parse_duration(per)?;
        if per.is_zero() {
            return Err(format!("'{text}': the window must be longer than 0"));
        }
        Ok(RateSetting::Limit(Rate { count, per }))
    }
}

impl fmt::Display for RateSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateSetting::Off => f.write_str("off"),
            RateSetting::Limit(r) => write!(f, "{}/{}", r.count, format_duration(r.per)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leap_second_is_the_next_second_and_writes_seven_digits() {
        for (leap, after) in [
            ("2016-12-31T23:59:60.5Z", "2017-01-01T00:00:00.5000000Z"),
            ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00.0000000Z"),
            (
                "2016-12-31T23:59:60.1234567",
                "2017-01-01T00:00:00.1234567Z",
            ),
        ] {
            let t = parse_instant(leap).unwrap();
            assert_eq!(graph_time(t), after, "{leap}");
            assert_eq!(parse_instant(&graph_time(t)), Some(t), "{leap}");
        }
    }

    #[test]
    fn graph_time_has_seven_digits() {
        let t = parse_instant("2018-01-09T21:20:02.72153749Z").unwrap();
        assert_eq!(graph_time(t), "2018-01-09T21:20:02.7215374Z");
        let t = parse_instant("2018-01-09").unwrap();
        assert_eq!(graph_time(t), "2018-01-09T00:00:00.0000000Z");
    }

    #[test]
    fn instants_in_several_forms() {
        let want = parse_instant("2024-03-01T10:00:00Z").unwrap();
        assert_eq!(parse_instant("2024-03-01T11:00:00+01:00"), Some(want));
        assert_eq!(parse_instant("2024-03-01T10:00:00"), Some(want));
        assert_eq!(parse_instant("2024-03-01T10:00"), Some(want));
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("7").unwrap_err().contains("needs a unit"));
        assert!(parse_duration("7y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-1s").is_err());
        assert_eq!(format_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(format_duration(Duration::from_secs(90)), "90s");
    }

    #[test]
    fn rates() {
        assert_eq!(
            "5/10s".parse(),
            Ok(RateSetting::Limit(Rate {
                count: 5,
                per: Duration::from_secs(10)
            }))
        );
        assert_eq!("off".parse(), Ok(RateSetting::Off));
        assert!("0/10s".parse::<RateSetting>().is_err());
        assert!("5".parse::<RateSetting>().is_err());
        assert_eq!("5/10s".parse::<RateSetting>().unwrap().to_string(), "5/10s");
    }
}
