//! Time windows and slices.
//!
//! `--since`/`--until` (read by `when`) become a half-open window `[start, end)`; the window is cut into
//! slices of `--slice`, fetched oldest first. A slice that keeps failing is halved.

use std::time::Duration;

use aad_common::time::{parse_duration, to_time_delta};
use aad_common::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

/// The smallest slice halving goes down to.
pub(crate) const MIN_SLICE: TimeDelta = TimeDelta::minutes(1);

/// A half-open time range; a missing bound is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    /// Inclusive start.
    pub(crate) start: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub(crate) end: Option<DateTime<Utc>>,
}

impl Slice {
    /// A bounded slice that ends before it starts holds nothing: a state's checkpoint
    /// newer than now minus `--lag`.
    pub(crate) fn is_empty(&self) -> bool {
        matches!((self.start, self.end), (Some(start), Some(end)) if start >= end)
    }

    /// The older and newer halves, when the slice is bounded and longer than two minimal slices.
    pub(crate) fn halves(&self) -> Option<(Slice, Slice)> {
        let (start, end) = (self.start?, self.end?);
        let span = end - start;
        if span < MIN_SLICE * 2 {
            return None;
        }
        // Round to 100 ns, the precision the service compares at.
        let half = TimeDelta::nanoseconds((span.num_nanoseconds()? / 2) / 100 * 100);
        let mid = start + half;
        Some((
            Slice {
                start: Some(start),
                end: Some(mid),
            },
            Slice {
                start: Some(mid),
                end: Some(end),
            },
        ))
    }

    /// `2026-11-20 00:00..2026-11-21 00:00` for progress lines; empty for an unbounded slice.
    pub(crate) fn label(&self) -> String {
        if self.start.is_none() && self.end.is_none() {
            return String::new();
        }
        let show = |t: Option<DateTime<Utc>>| {
            t.map_or_else(
                || "…".to_string(),
                |t| t.format("%Y-%m-%d %H:%M").to_string(),
            )
        };
        format!("{}..{}", show(self.start), show(self.end))
    }
}

/// Reads `--slice`: a duration, or `none`.
pub(crate) fn parse_slice(text: &str) -> Result<Option<Duration>> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let d = parse_duration(text).map_err(|e| Error::usage(format!("--slice: {e}")))?;
    if to_time_delta(d) < MIN_SLICE {
        return Err(Error::usage("--slice: use at least 1m (or 'none')"));
    }
    Ok(Some(d))
}

/// Cuts `[start, end)` into slices of `length`, oldest first. An open start, or no
/// slice length, gives one slice. An open end is cut at `now` and the newest slice
/// left open, so nothing newer than the clock is excluded.
pub(crate) fn slices(window: Slice, length: Option<Duration>, now: DateTime<Utc>) -> Vec<Slice> {
    if let (Some(start), None, Some(_)) = (window.start, window.end, length)
        && start < now
    {
        let mut out = slices(
            Slice {
                start: Some(start),
                end: Some(now),
            },
            length,
            now,
        );
        if let Some(last) = out.last_mut() {
            last.end = None;
        }
        return out;
    }
    let (Some(start), Some(end), Some(length)) = (window.start, window.end, length) else {
        return vec![window];
    };
    if start >= end {
        return vec![window];
    }
    let step = to_time_delta(length);
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let next = (at + step).min(end);
        out.push(Slice {
            start: Some(at),
            end: Some(next),
        });
        at = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use aad_common::time::parse_instant;

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    #[test]
    fn slices_cover_the_window_oldest_first() {
        let w = Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-03T12:00:00Z")),
        };
        let now = t("2024-03-05T00:00:00Z");
        let s = slices(w, Some(Duration::from_secs(86_400)), now);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].start, w.start);
        assert_eq!(s[2].end, w.end);
        assert!(s.windows(2).all(|p| p[0].end == p[1].start));
        assert_eq!(slices(w, None, now), vec![w]);
        let open = Slice {
            start: None,
            end: w.end,
        };
        assert_eq!(slices(open, Some(Duration::from_secs(60)), now), vec![open]);
        let open_end = Slice {
            start: w.start,
            end: None,
        };
        let s = slices(open_end, Some(Duration::from_secs(86_400)), now);
        assert_eq!(s.len(), 4);
        assert_eq!(s[3].start, Some(t("2024-03-04T00:00:00Z")));
        assert_eq!(s[3].end, None, "the newest slice stays open");
    }

    #[test]
    fn halving_stops_at_one_minute() {
        let s = Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-01T00:03:00Z")),
        };
        let (a, b) = s.halves().unwrap();
        assert_eq!(a.end, b.start);
        assert_eq!(a.end, Some(t("2024-03-01T00:01:30Z")));
        assert!(
            a.halves().is_none(),
            "90 s cannot be halved into two full minutes"
        );
    }
}
