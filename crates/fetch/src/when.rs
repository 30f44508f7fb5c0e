//! `--since` and `--until`: the times a person types.
//!
//! Accepted, case-insensitive, white space around ignored:
//! - a date, `2026-11-28`: its midnight;
//! - a date and time with `T` or a space between, minutes required, seconds and a
//!   fraction optional: `2026-11-28 10:00`, `2026-11-28T10:00:30.5` (aad-token's
//!   `expiresOn` is written this way);
//! - either with a zone: `Z`, `+01:00`, `-0500`, or ` UTC`;
//! - `today` and `yesterday` (midnight at their start), and `now`;
//! - a duration back from now: `90m`, `36h`, `7d`, `2w`.
//!
//! A time without a zone, a date, `today` and `yesterday` are read in UTC, the zone of
//! the logs, unless `--local` asks for the local zone (`TZ`). A local time that the clock
//! skips (a daylight-saving gap) is an error; one it passes twice is the earlier.
//! A value that has the shape of a time but names no time (`2026-13-01`, `24:00`,
//! `99999999w`) is out of range: a usage error, like any other value that is not a time.

use aad_common::time::{parse_duration, to_time_delta};
use aad_common::{Error, Result};
use chrono::{
    DateTime, Days, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};

use crate::window::{earliest, latest};

/// The zone that times without one are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Zone {
    /// UTC, the zone of the logs (the default).
    #[default]
    Utc,
    /// The local zone (`TZ`, else the system's), with `--local`.
    Local,
}

/// Reads the value of `flag` against the clock `now`, reading zone-less times in `zone`.
pub(crate) fn parse_when(
    flag: &str,
    text: &str,
    now: DateTime<Utc>,
    zone: Zone,
) -> Result<DateTime<Utc>> {
    let parsed = match zone {
        Zone::Utc => parse_in(text, now, &Utc),
        Zone::Local => parse_in(text, now, &Local),
    };
    parsed.map_err(|why| match why {
        Why::NotATime => Error::usage(format!(
            "{flag}: '{text}' is not a time; use a date (2026-11-28), a date and time (2026-11-28 10:00, 2026-11-28T10:00:00Z), today, yesterday, now, or a duration back from now (90m, 36h, 7d)"
        )),
        Why::OutOfRange(what) => Error::usage(format!("{flag}: '{text}' is out of range: {what}")),
    })
    .map_err(|err| err.with_hint(hint(zone)))
}

fn hint(zone: Zone) -> &'static str {
    match zone {
        Zone::Utc => {
            "times without a zone, dates, today and yesterday are UTC; --local reads them in the local zone (TZ)"
        }
        Zone::Local => {
            "with --local, times without a zone, dates, today and yesterday are in the local zone (TZ)"
        }
    }
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Why {
    /// Not any of the accepted forms.
    NotATime,
    /// The right form, but no such time (the reason).
    OutOfRange(String),
}

/// The earliest and latest times accepted: four-digit years, as Graph writes them.
fn in_range(t: DateTime<Utc>) -> Result<DateTime<Utc>, Why> {
    if (earliest()..=latest()).contains(&t) {
        Ok(t)
    } else {
        Err(Why::OutOfRange(
            "times must lie in the years 0001 to 9999".into(),
        ))
    }
}

fn parse_in<Tz: TimeZone>(text: &str, now: DateTime<Utc>, zone: &Tz) -> Result<DateTime<Utc>, Why> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let today = now.with_timezone(zone).date_naive();
    match lower.as_str() {
        "now" => return Ok(now),
        "today" => return midnight(today, zone),
        "yesterday" => {
            let day = today.checked_sub_days(Days::new(1)).ok_or(Why::NotATime)?;
            return midnight(day, zone);
        }
        _ => {}
    }
    if lower.starts_with(|c: char| c.is_ascii_digit()) && !looks_like_date(&lower) {
        return match parse_duration(&lower) {
            Ok(back) => now
                .checked_sub_signed(to_time_delta(back))
                .ok_or_else(|| Why::OutOfRange("it reaches back before the calendar begins".into()))
                .and_then(in_range),
            Err(_) => Err(Why::NotATime),
        };
    }
    if !looks_like_date(&lower) {
        return Err(Why::NotATime);
    }
    let date = date(&lower[..10])?;
    let rest = &lower[10..];
    if rest.is_empty() {
        return midnight(date, zone);
    }
    let rest = rest
        .strip_prefix('t')
        .or_else(|| rest.strip_prefix(' '))
        .ok_or(Why::NotATime)?;
    let (clock, offset) = split_zone(rest)?;
    let local = NaiveDateTime::new(date, time_of_day(clock)?);
    match offset {
        Some(offset) => offset
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or(Why::NotATime)
            .and_then(in_range),
        None => resolve_local(&local, zone),
    }
}

/// `dddd-dd-dd` at the start.
fn looks_like_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 10
        && bytes[..10].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

fn number(digits: &str) -> Result<u32, Why> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Why::NotATime);
    }
    digits.parse().map_err(|_| Why::NotATime)
}

fn date(text: &str) -> Result<NaiveDate, Why> {
    let (year, month, day) = (
        number(&text[..4])?,
        number(&text[5..7])?,
        number(&text[8..10])?,
    );
    if !(1..=12).contains(&month) {
        return Err(Why::OutOfRange(format!("month {month:02} (01 to 12)")));
    }
    let year = i32::try_from(year).map_err(|_| Why::NotATime)?;
    if year == 0 {
        return Err(Why::OutOfRange("year 0000 (0001 to 9999)".into()));
    }
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| Why::OutOfRange(format!("day {day:02} of {year:04}-{month:02}")))
}

/// `HH:MM`, `HH:MM:SS`, `HH:MM:SS.fffffffff`.
fn time_of_day(text: &str) -> Result<NaiveTime, Why> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let (hour, minute) = match (parts.next(), parts.next()) {
        (Some(h), Some(m)) if h.len() == 2 && m.len() == 2 => (number(h)?, number(m)?),
        _ => return Err(Why::NotATime),
    };
    let second = match parts.next() {
        Some(s) if s.len() == 2 => number(s)?,
        Some(_) => return Err(Why::NotATime),
        None if fraction.is_some() => return Err(Why::NotATime),
        None => 0,
    };
    if parts.next().is_some() {
        return Err(Why::NotATime);
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) => number(f)? * 10u32.pow(9 - f.len() as u32),
        Some(_) => return Err(Why::NotATime),
    };
    if hour > 23 {
        return Err(Why::OutOfRange(format!("hour {hour:02} (00 to 23)")));
    }
    if minute > 59 {
        return Err(Why::OutOfRange(format!("minute {minute:02} (00 to 59)")));
    }
    if second > 59 {
        return Err(Why::OutOfRange(format!("second {second:02} (00 to 59)")));
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).ok_or(Why::NotATime)
}

/// Splits `10:00+01:00` into the clock and its zone; `None` when no zone is written.
fn split_zone(text: &str) -> Result<(&str, Option<FixedOffset>), Why> {
    if let Some(clock) = text.strip_suffix('z').or_else(|| text.strip_suffix(" utc")) {
        return Ok((clock.trim_end(), FixedOffset::east_opt(0)));
    }
    let Some(at) = text.find(['+', '-']) else {
        return Ok((text, None));
    };
    let (clock, zone) = text.split_at(at);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits = zone[1..].replace(':', "");
    // Digits only before slicing: `-1€` is four bytes too (found by aad-fuzz).
    if digits.len() != 4 || zone[1..].len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Why::NotATime);
    }
    let (hours, minutes) = (number(&digits[..2])?, number(&digits[2..])?);
    if hours > 23 || minutes > 59 {
        return Err(Why::OutOfRange(format!("zone {zone} (-23:59 to +23:59)")));
    }
    let seconds = i32::try_from(hours * 3600 + minutes * 60).map_err(|_| Why::NotATime)?;
    Ok((clock.trim_end(), FixedOffset::east_opt(sign * seconds)))
}

fn midnight<Tz: TimeZone>(day: NaiveDate, zone: &Tz) -> Result<DateTime<Utc>, Why> {
    resolve_local(&day.and_time(NaiveTime::MIN), zone)
}

/// A wall-clock time in `zone`: the earlier of two, none in a gap.
fn resolve_local<Tz: TimeZone>(local: &NaiveDateTime, zone: &Tz) -> Result<DateTime<Utc>, Why> {
    match zone.from_local_datetime(local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => in_range(t.with_timezone(&Utc)),
        LocalResult::None => Err(Why::OutOfRange(format!(
            "{} does not exist in the local time zone (the clock skips it)",
            local.format("%Y-%m-%d %H:%M")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn now() -> DateTime<Utc> {
        t("2026-11-29T14:30:00Z")
    }

    fn utc(text: &str) -> Result<DateTime<Utc>, Why> {
        parse_in(text, now(), &Utc)
    }

    #[test]
    fn dates_and_times_with_a_t_or_a_space() {
        assert_eq!(utc("2026-11-28"), Ok(t("2026-11-28T00:00:00Z")));
        for text in [
            "2026-11-28 10:00",
            "2026-11-28T10:00",
            "2026-11-28 10:00:00",
            "2026-11-28t10:00:00z",
            "2026-11-28 10:00:00 UTC",
            "2026-11-28T11:00:00+01:00",
            "2026-11-28 05:00-0500",
            "  2026-11-28 10:00  ",
        ] {
            assert_eq!(utc(text), Ok(t("2026-11-28T10:00:00Z")), "{text}");
        }
        assert_eq!(
            utc("2026-11-28 10:00:30.250000"),
            Ok(t("2026-11-28T10:00:30.25Z")),
            "aad-token's expiresOn"
        );
        assert_eq!(
            utc("2018-01-09T21:20:02.7215374Z"),
            Ok(t("2018-01-09T21:20:02.7215374Z"))
        );
    }

    #[test]
    fn words_and_durations() {
        assert_eq!(utc("now"), Ok(now()));
        assert_eq!(utc("Today"), Ok(t("2026-11-29T00:00:00Z")));
        assert_eq!(utc("yesterday"), Ok(t("2026-11-28T00:00:00Z")));
        assert_eq!(utc("90m"), Ok(t("2026-11-29T13:00:00Z")));
        assert_eq!(utc("7d"), Ok(t("2026-11-22T14:30:00Z")));
    }

    #[test]
    fn zone_less_times_are_read_in_the_zone_given() {
        let berlin = FixedOffset::east_opt(3600).unwrap();
        let at = |text| parse_in(text, now(), &berlin);
        assert_eq!(at("2026-11-28 10:00"), Ok(t("2026-11-28T09:00:00Z")));
        assert_eq!(at("2026-11-28"), Ok(t("2026-11-27T23:00:00Z")));
        assert_eq!(at("today"), Ok(t("2026-11-28T23:00:00Z")));
        assert_eq!(at("yesterday"), Ok(t("2026-11-27T23:00:00Z")));
        // A written zone wins; durations do not depend on the zone.
        assert_eq!(at("2026-11-28T10:00Z"), Ok(t("2026-11-28T10:00:00Z")));
        assert_eq!(at("90m"), Ok(t("2026-11-29T13:00:00Z")));
        // Near midnight UTC the local date is already the next day.
        let late = t("2026-11-29T23:30:00Z");
        assert_eq!(
            parse_in("today", late, &berlin),
            Ok(t("2026-11-29T23:00:00Z"))
        );
    }

    #[test]
    fn out_of_range_values_say_what() {
        let why = |text| match utc(text) {
            Err(Why::OutOfRange(what)) => what,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(why("2026-13-01"), "month 13 (01 to 12)");
        assert_eq!(why("2026-02-30"), "day 30 of 2026-02");
        assert_eq!(why("2026-11-28 24:00"), "hour 24 (00 to 23)");
        assert_eq!(why("2026-11-28 10:60"), "minute 60 (00 to 59)");
        assert_eq!(why("2026-11-28 10:00:61"), "second 61 (00 to 59)");
        assert_eq!(why("0000-01-01"), "year 0000 (0001 to 9999)");
        assert_eq!(
            why("2026-11-28T10:00+25:00"),
            "zone +25:00 (-23:59 to +23:59)"
        );
        assert!(
            why("99999999w").contains("before the calendar"),
            "{}",
            why("99999999w")
        );
        assert_eq!(why("500000w"), "times must lie in the years 0001 to 9999");
    }

    #[test]
    fn times_outside_the_years_1_to_9999_are_refused() {
        for text in [
            "20000000w",
            "3000000d",
            "99999999999999w",
            "+10000-01-01T00:00:00Z",
        ] {
            assert!(utc(text).is_err(), "{text}");
        }
        assert_eq!(utc("0001-01-01"), Ok(t("0001-01-01T00:00:00Z")));
        assert_eq!(utc("9999-12-31 23:59:59"), Ok(t("9999-12-31T23:59:59Z")));
    }

    #[test]
    fn other_text_is_not_a_time() {
        for text in [
            "",
            "tomorrow",
            "7",
            "7y",
            "-1d",
            "2026-11-28 10",
            "2026-11-28 1:00",
            "2026-11-28x10:00",
            "2026/11/28",
            "2026-11-28 10:00:00.1234567891",
            "2026-11-28 10:00+1",
            "28.11.2026",
        ] {
            assert_eq!(utc(text), Err(Why::NotATime), "{text:?}");
        }
    }

    #[test]
    fn errors_are_usage_errors_with_the_zone_rule_as_hint() {
        let err = parse_when("--since", "2026-13-01", now(), Zone::Utc).unwrap_err();
        assert_eq!(err.status(), aad_common::Status::Usage);
        assert_eq!(
            err.to_string(),
            "--since: '2026-13-01' is out of range: month 13 (01 to 12)"
        );
        assert_eq!(err.hint(), Some(hint(Zone::Utc)));
        let err = parse_when("--until", "soon", now(), Zone::Local).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("--until: 'soon' is not a time; use a date")
        );
        assert_eq!(err.hint(), Some(hint(Zone::Local)));
    }
}
