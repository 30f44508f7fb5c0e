//! Event times as 100 ns ticks since the Unix epoch: the precision of Graph's
//! seven-digit fractions, so filter boundaries compare exactly.

use chrono::{DateTime, TimeZone, Utc};

/// 100 ns ticks since 1970-01-01T00:00:00Z.
pub(crate) type Ticks = i64;

pub(crate) const TICKS_PER_SECOND: i64 = 10_000_000;

/// Ticks of a chrono time (sub-tick nanoseconds are cut), saturating at the ends of
/// the range (about 29,000 years either side of 1970).
pub(crate) fn to_ticks(t: DateTime<Utc>) -> Ticks {
    checked_ticks(t).unwrap_or(if t.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Ticks of a chrono time, `None` outside the range ticks can count.
pub(crate) fn checked_ticks(t: DateTime<Utc>) -> Option<Ticks> {
    t.timestamp()
        .checked_mul(TICKS_PER_SECOND)?
        .checked_add(i64::from(t.timestamp_subsec_nanos() / 100))
}

/// The chrono time of a tick count.
pub(crate) fn from_ticks(ticks: Ticks) -> DateTime<Utc> {
    let secs = ticks.div_euclid(TICKS_PER_SECOND);
    let nanos = (ticks.rem_euclid(TICKS_PER_SECOND) * 100) as u32;
    Utc.timestamp_opt(secs, nanos).single().unwrap_or_default()
}

/// `2018-01-09T21:20:02.7215374Z`.
pub(crate) fn format_ticks(ticks: Ticks) -> String {
    aad_common::time::graph_time(from_ticks(ticks))
}

/// `2019-05-04T03:00:54Z` (provisioning records carry whole seconds).
pub(crate) fn format_ticks_seconds(ticks: Ticks) -> String {
    aad_common::time::rfc3339_seconds(from_ticks(ticks))
}

pub(crate) fn now_ticks() -> Ticks {
    to_ticks(Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_beyond_the_tick_range_do_not_overflow() {
        let far = aad_common::time::parse_instant("-35000-01-01").unwrap();
        assert_eq!(checked_ticks(far), None);
        assert_eq!(to_ticks(far), i64::MIN);
    }

    #[test]
    fn round_trip_keeps_seven_digits() {
        let t = aad_common::time::parse_instant("2018-01-09T21:20:02.7215374Z").unwrap();
        let ticks = to_ticks(t);
        assert_eq!(format_ticks(ticks), "2018-01-09T21:20:02.7215374Z");
        assert_eq!(format_ticks_seconds(ticks), "2018-01-09T21:20:02Z");
        assert_eq!(from_ticks(ticks), t);
    }
}
