//! RFC 3339 times in string values: parsed to an instant, so that `--where` and `--sort`
//! compare the times themselves (`…:56.5Z` and `…:56.4999999Z`, `+01:00` and `Z`), and
//! rewritten for `--time local` and `--time excel` in csv, tsv, text and table cells.

use chrono::{DateTime, FixedOffset, Local, Utc};

use crate::cli::TimeStyle;

/// A point in time: seconds since 1970 (UTC) and nanoseconds; ordered as time is.
pub(crate) type Instant = (i64, u32);

/// The instant of `text` when it is a whole RFC 3339 date-time
/// (`2026-11-29T21:47:56.0730881Z`, `2026-11-29T22:47:56+01:00`), with any number of
/// fraction digits.
pub(crate) fn instant(text: &str) -> Option<Instant> {
    let time = parse(text)?;
    Some((time.timestamp(), time.timestamp_subsec_nanos()))
}

/// `text` parsed as an RFC 3339 date-time; a cheap look at its shape first, since most
/// strings are not times.
fn parse(text: &str) -> Option<DateTime<FixedOffset>> {
    let b = text.as_bytes();
    let shaped = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't')
        && b[13] == b':'
        && b[16] == b':';
    if !shaped {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// `text` in `style` when it is an RFC 3339 date-time; `None` when it is not, or when
/// `style` leaves times as they are.
pub(crate) fn restyle(text: &str, style: TimeStyle) -> Option<String> {
    if style == TimeStyle::Utc {
        return None;
    }
    let time = parse(text)?;
    let mut out = String::with_capacity(text.len() + 8);
    // The fraction digits as written: a time zone moves whole seconds only.
    let fraction = text[19..]
        .strip_prefix('.')
        .map(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            &rest[..digits]
        })
        .unwrap_or("");
    use std::fmt::Write as _;
    match style {
        TimeStyle::Utc => return None,
        TimeStyle::Local => {
            let local = time.with_timezone(&Local);
            let _ = write!(out, "{}", local.format("%Y-%m-%dT%H:%M:%S"));
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(fraction);
            }
            let _ = write!(out, "{}", local.format("%:z"));
        }
        TimeStyle::Excel => {
            let utc = time.with_timezone(&Utc);
            let _ = write!(out, "{}", utc.format("%Y-%m-%d %H:%M:%S"));
            // Spreadsheets keep milliseconds: more digits would make the cell text.
            let millis = &fraction[..fraction.len().min(3)];
            if millis.bytes().any(|b| b != b'0') {
                let _ = write!(out, ".{millis:0<3}");
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styled(text: &str, style: TimeStyle) -> Option<String> {
        restyle(text, style)
    }

    #[test]
    fn instants_compare_across_fraction_digits_and_offsets() {
        let a = instant("2026-11-29T21:47:56.5Z").unwrap();
        let b = instant("2026-11-29T21:47:56.4999999Z").unwrap();
        let c = instant("2026-11-29T22:47:56.5+01:00").unwrap();
        assert!(b < a);
        assert_eq!(a, c);
        assert_eq!(
            instant("2026-11-29T21:47:56Z"),
            instant("2026-11-29T21:47:56.000000000Z")
        );
        for not in [
            "2026-11-29",
            "2026-11-29T21:47:56",
            "yesterday",
            "2026-13-29T21:47:56Z",
            "",
        ] {
            assert_eq!(instant(not), None, "{not}");
        }
    }

    #[test]
    fn excel_gets_a_space_and_milliseconds_in_utc() {
        assert_eq!(
            styled("2026-11-29T21:47:56.0730881Z", TimeStyle::Excel).unwrap(),
            "2026-11-29 21:47:56.073"
        );
        assert_eq!(
            styled("2026-11-29T23:47:56+02:00", TimeStyle::Excel).unwrap(),
            "2026-11-29 21:47:56"
        );
        assert_eq!(
            styled("2026-11-29T21:47:56.0001Z", TimeStyle::Excel).unwrap(),
            "2026-11-29 21:47:56"
        );
        assert_eq!(styled("not a time", TimeStyle::Excel), None);
        assert_eq!(styled("2026-11-29T21:47:56Z", TimeStyle::Utc), None);
    }

    #[test]
    fn local_keeps_the_fraction_and_writes_the_offset() {
        let local = styled("2026-11-29T21:47:56.0730881Z", TimeStyle::Local).unwrap();
        assert_eq!(instant(&local), instant("2026-11-29T21:47:56.0730881Z"));
        assert!(local.contains(":56.0730881"), "{local}");
    }
}
