//! Record times: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of any length, and `Z`,
//! `z`, `±HH:MM` or nothing (UTC, as Graph documents), converted to UTC and written in
//! each schema's precision: ECS milliseconds, OCSF epoch milliseconds, Azure Monitor's
//! seven digits. Always truncated, never rounded, so an event never moves into the
//! next second, minute or day.

use std::fmt::Write as _;

/// A record time in UTC: whole seconds since the epoch and the fraction's digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Time<'a> {
    /// Seconds since 1970-01-01T00:00:00Z (negative before).
    seconds: i64,
    /// The fraction's decimal digits as written (may be empty).
    fraction: &'a str,
}

impl<'a> Time<'a> {
    /// Reads a record time; `None` for anything else.
    pub(crate) fn parse(text: &'a str) -> Option<Time<'a>> {
        let b = text.as_bytes();
        if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
        let (hour, minute, second) = (
            digits(&b[11..13])?,
            digits(&b[14..16])?,
            digits(&b[17..19])?,
        );
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &text[19..];
        let mut fraction = "";
        if let Some(after) = rest.strip_prefix('.') {
            let end = after
                .bytes()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            fraction = &after[..end];
            rest = &after[end..];
        }
        let offset = match rest.as_bytes() {
            [] | [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let (hours, minutes) = (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?);
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let offset = i64::from(hours * 60 + minutes) * 60;
                if *sign == b'-' { -offset } else { offset }
            }
            _ => return None,
        };
        let days = days_from_civil(i64::from(year), month, day);
        let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
        Some(Time { seconds, fraction })
    }

    /// Milliseconds since the epoch, truncated (OCSF `time`).
    pub(crate) fn epoch_millis(&self) -> i64 {
        self.seconds * 1000 + i64::from(self.fraction_digits::<3>())
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (ECS `@timestamp`).
    pub(crate) fn millis_utc(&self) -> String {
        let mut text = self.seconds_utc();
        let _ = write!(text, ".{:03}Z", self.fraction_digits::<3>());
        text
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffffffZ` (Azure Monitor `time`).
    pub(crate) fn ticks_utc(&self) -> String {
        let mut text = self.seconds_utc();
        let _ = write!(text, ".{:07}Z", self.fraction_digits::<7>());
        text
    }

    /// The first `N` digits of the fraction, zero-padded, as a number.
    fn fraction_digits<const N: usize>(&self) -> u32 {
        let mut value = 0;
        let mut digits = self.fraction.bytes();
        for _ in 0..N {
            value = value * 10 + digits.next().map_or(0, |d| u32::from(d - b'0'));
        }
        value
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC.
    fn seconds_utc(&self) -> String {
        let (days, second_of_day) = (
            self.seconds.div_euclid(86_400),
            self.seconds.rem_euclid(86_400),
        );
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

/// The number written in ASCII digits, `None` if any byte is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01 (the inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(text: &str) -> (String, i64, String) {
        let t = Time::parse(text).unwrap_or_else(|| panic!("{text}"));
        (t.millis_utc(), t.epoch_millis(), t.ticks_utc())
    }

    #[test]
    fn each_schema_gets_its_precision_truncated() {
        assert_eq!(
            forms("2026-01-12T16:41:55.9011203Z"),
            (
                "2026-01-12T16:41:55.901Z".to_string(),
                1_768_236_115_901,
                "2026-01-12T16:41:55.9011203Z".to_string()
            )
        );
        assert_eq!(
            forms("2026-01-12T08:14:03Z"),
            (
                "2026-01-12T08:14:03.000Z".to_string(),
                1_768_205_643_000,
                "2026-01-12T08:14:03.0000000Z".to_string()
            )
        );
        // Nine digits, never rounded up into the next second, minute, day and year.
        assert_eq!(
            forms("2025-12-31T23:59:59.999999999Z"),
            (
                "2025-12-31T23:59:59.999Z".to_string(),
                1_767_225_599_999,
                "2025-12-31T23:59:59.9999999Z".to_string()
            )
        );
        assert_eq!(
            forms("2026-01-12T08:14:03.5").2,
            "2026-01-12T08:14:03.5000000Z"
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        assert_eq!(
            forms("2026-01-01T01:30:00+02:00").0,
            "2025-12-31T23:30:00.000Z"
        );
        assert_eq!(
            forms("2024-02-28T23:00:00.25-01:00").0,
            "2024-02-29T00:00:00.250Z"
        );
        assert_eq!(forms("1970-01-01T00:00:00z").1, 0);
        assert_eq!(forms("1969-12-31T23:59:59Z").1, -1000);
        assert_eq!(forms("0001-01-01T00:00:00Z").0, "0001-01-01T00:00:00.000Z");
        assert_eq!(forms("9999-12-31T23:59:59Z").0, "9999-12-31T23:59:59.000Z");
    }

    #[test]
    fn anything_else_is_not_a_time() {
        for text in [
            "",
            "yesterday",
            "2026-01-12",
            "2026-01-12 08:14:03Z",
            "2026-01-12T08:14Z",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-01-12T24:00:00Z",
            "2026-01-12T08:14:60Z",
            "2026-01-12T08:14:03.Z",
            "2026-01-12T08:14:03+0200",
            "2026-01-12T08:14:03+24:00",
            "2026-01-12T08:14:03Z ",
            "+2026-01-12T08:14:03Z",
            "２０２６-01-12T08:14:03Z",
        ] {
            assert_eq!(Time::parse(text), None, "{text:?}");
        }
        assert!(Time::parse("2024-02-29T00:00:00Z").is_some());
    }
}
