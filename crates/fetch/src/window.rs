//! Time windows and how they are cut into families.
//!
//! `--since`/`--until` (or the state's checkpoint) become a half-open window
//! `[start, end)`. The window is cut into *families*, fetched oldest first: the window
//! whole (`--slice auto` on a first run, `--slice none`), or pieces of `--slice` (or of
//! the span a state learned). The cutting is lazy ([`Families`]): `--since 0001-01-01
//! --slice 1m` is a billion families, produced one at a time. How one family is fetched
//! (newest first, in parts that are halved when the service times out) is
//! [`crate::sweep`]'s job.

use aad_common::time::{parse_duration, to_time_delta};
use aad_common::{Error, Result};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// The smallest part halving goes down to, and the shortest `--slice`.
pub(crate) const MIN_SLICE: TimeDelta = TimeDelta::minutes(1);

/// The precision the service compares times at (and writes them with): 100 ns.
pub(crate) const TICK: TimeDelta = TimeDelta::nanoseconds(100);

/// The longest duration any flag takes (100 years): longer ones are typos, and would
/// take times out of the range a filter can name.
pub(crate) const MAX_DURATION: std::time::Duration =
    std::time::Duration::from_secs(36_500 * 86_400);

/// The earliest time a window may name: 0001-01-01, the first day the service's
/// timestamps (and RFC 3339) can write.
pub(crate) fn earliest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// The latest time a window may name: the end of 9999, the last year RFC 3339 writes.
pub(crate) fn latest() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 999_999_900))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// A half-open time range; a missing bound is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slice {
    /// Inclusive start.
    pub(crate) start: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub(crate) end: Option<DateTime<Utc>>,
}

impl Slice {
    /// The range with no bounds: everything.
    pub(crate) const ALL: Slice = Slice {
        start: None,
        end: None,
    };

    /// A bounded slice that ends before it starts holds nothing: a state's checkpoint
    /// newer than now minus `--lag`.
    pub(crate) fn is_empty(&self) -> bool {
        matches!((self.start, self.end), (Some(start), Some(end)) if start >= end)
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

/// `--slice`: how the window is cut into families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slicing {
    /// The whole window, or pieces of the span the state learned; parts are halved
    /// where the service times out.
    Auto,
    /// Pieces of this length, oldest first; parts are halved where the service times out.
    Every(TimeDelta),
    /// The whole window as one chain, never halved.
    Whole,
}

/// Reads `--slice`: `auto`, `none`, or a duration of at least [`MIN_SLICE`].
pub(crate) fn parse_slice(text: &str) -> Result<Slicing> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(Slicing::Auto);
    }
    if text.eq_ignore_ascii_case("none") {
        return Ok(Slicing::Whole);
    }
    let d = parse_duration(text).map_err(|e| Error::usage(format!("--slice: {e}")))?;
    if d > MAX_DURATION {
        return Err(Error::usage(format!(
            "--slice: '{text}' is longer than 100 years"
        )));
    }
    let length = to_time_delta(d);
    if length < MIN_SLICE {
        return Err(Error::usage(
            "--slice: use at least 1m (or 'auto' or 'none')",
        ));
    }
    Ok(Slicing::Every(length))
}

/// The families of a window, oldest first, made one at a time.
///
/// A family in progress that a state resumes comes first, whole; the rest of the window
/// around it follows, cut into pieces of `length` (none: each remaining range whole). An
/// open end is cut at `now` and the newest family left open, so nothing newer than the
/// clock is excluded.
#[derive(Debug, Clone)]
pub(crate) struct Families {
    /// Ranges still to cut, oldest first (at most three).
    pending: std::collections::VecDeque<Slice>,
    /// Ranges yielded whole, before any cutting: the resumed family.
    whole: Option<Slice>,
    length: Option<TimeDelta>,
    now: DateTime<Utc>,
}

impl Families {
    /// The families of `window` in pieces of `length`; `resumed` (a family a killed run
    /// left in progress) comes first and is cut out of the window.
    pub(crate) fn new(
        window: Slice,
        length: Option<TimeDelta>,
        now: DateTime<Utc>,
        resumed: Option<Slice>,
    ) -> Families {
        let mut pending = std::collections::VecDeque::new();
        match resumed {
            Some(family) => {
                // A family open at one end covers the window's rest on that side.
                let before = family.start.map(|start| Slice {
                    start: window.start,
                    end: min_end(window.end, Some(start)),
                });
                let after = family.end.map(|end| Slice {
                    start: max_start(window.start, Some(end)),
                    end: window.end,
                });
                pending.extend(
                    [before, after]
                        .into_iter()
                        .flatten()
                        .filter(|p| !p.is_empty()),
                );
            }
            None if !window.is_empty() => pending.push_back(window),
            None => {}
        }
        Families {
            pending,
            whole: resumed,
            length,
            now,
        }
    }
}

impl Iterator for Families {
    type Item = Slice;

    fn next(&mut self) -> Option<Slice> {
        if let Some(family) = self.whole.take() {
            return Some(family);
        }
        let piece = self.pending.pop_front()?;
        let (Some(start), Some(length)) = (piece.start, self.length) else {
            return Some(piece);
        };
        // An open end is cut at the clock, and the newest family keeps it open.
        let (cut_end, open) = match piece.end {
            Some(end) => (end, false),
            None => (self.now, true),
        };
        let next = start.checked_add_signed(length).filter(|&t| t < cut_end);
        match next {
            Some(next) => {
                self.pending.push_front(Slice {
                    start: Some(next),
                    end: piece.end,
                });
                Some(Slice {
                    start: Some(start),
                    end: Some(next),
                })
            }
            None if open => Some(Slice {
                start: Some(start),
                end: None,
            }),
            None => Some(piece),
        }
    }
}

fn min_end(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_start(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use aad_common::time::parse_instant;

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    fn day() -> TimeDelta {
        TimeDelta::days(1)
    }

    #[test]
    fn slices_out_of_range_are_usage_errors() {
        assert!(parse_slice("99999999w").is_err());
        assert!(parse_slice("30s").is_err());
        assert_eq!(parse_slice("AUTO").unwrap(), Slicing::Auto);
        assert_eq!(parse_slice("none").unwrap(), Slicing::Whole);
        assert_eq!(
            parse_slice("6h").unwrap(),
            Slicing::Every(TimeDelta::hours(6))
        );
    }

    #[test]
    fn families_cover_the_window_oldest_first() {
        let w = Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-03T12:00:00Z")),
        };
        let now = t("2024-03-05T00:00:00Z");
        let s: Vec<Slice> = Families::new(w, Some(day()), now, None).collect();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].start, w.start);
        assert_eq!(s[2].end, w.end);
        assert!(s.windows(2).all(|p| p[0].end == p[1].start));
        assert_eq!(
            Families::new(w, None, now, None).collect::<Vec<_>>(),
            vec![w]
        );
        let open = Slice {
            start: None,
            end: w.end,
        };
        assert_eq!(
            Families::new(open, Some(MIN_SLICE), now, None).collect::<Vec<_>>(),
            vec![open]
        );
        let open_end = Slice {
            start: w.start,
            end: None,
        };
        let s: Vec<Slice> = Families::new(open_end, Some(day()), now, None).collect();
        assert_eq!(s.len(), 4);
        assert_eq!(s[3].start, Some(t("2024-03-04T00:00:00Z")));
        assert_eq!(s[3].end, None, "the newest family stays open");
    }

    #[test]
    fn a_billion_families_are_made_one_at_a_time() {
        let w = Slice {
            start: Some(earliest()),
            end: Some(t("2024-03-01T00:00:00Z")),
        };
        let mut families = Families::new(w, Some(MIN_SLICE), t("2024-03-02T00:00:00Z"), None);
        let first = families.next().unwrap();
        assert_eq!(first.end, Some(earliest() + MIN_SLICE));
        assert_eq!(
            families.nth(1_000).unwrap().start,
            Some(earliest() + MIN_SLICE * 1_001)
        );
        // A length too large to add to the start gives the window whole.
        let mut huge = Families::new(w, Some(TimeDelta::MAX), t("2024-03-02T00:00:00Z"), None);
        assert_eq!(huge.next(), Some(w));
        assert_eq!(huge.next(), None);
    }

    #[test]
    fn a_resumed_family_comes_first_and_is_cut_out() {
        let w = Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-04T00:00:00Z")),
        };
        let resumed = Slice {
            start: Some(t("2024-03-02T00:00:00Z")),
            end: Some(t("2024-03-03T00:00:00Z")),
        };
        let now = t("2024-03-05T00:00:00Z");
        let s: Vec<Slice> = Families::new(w, None, now, Some(resumed)).collect();
        assert_eq!(
            s,
            vec![
                resumed,
                Slice {
                    start: w.start,
                    end: resumed.start
                },
                Slice {
                    start: resumed.end,
                    end: w.end
                }
            ]
        );
        // A resumed family that covers the window leaves nothing else.
        let s: Vec<Slice> = Families::new(resumed, None, now, Some(w)).collect();
        assert_eq!(s, vec![w]);
        // An empty window without a resumed family has no family.
        let empty = Slice {
            start: w.end,
            end: w.start,
        };
        assert_eq!(Families::new(empty, None, now, None).count(), 0);
    }
}
