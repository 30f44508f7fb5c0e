//! One family of the window, fetched newest first in parts.
//!
//! A family is fetched as chains of pages over *parts* of it, the newest part first, and
//! the service lists each chain newest first. So what was written of a family is always
//! everything from its end down to the *frontier* (the oldest time written; the writer
//! keeps it, [`crate::frontier`]), and what is left is one range below it:
//!
//! - a part whose first page keeps timing out is **halved**: the next part is half as
//!   long (down to one minute), and the shorter span carries on to the next parts;
//! - a chain that breaks after writing (timeouts, a refused skip token, a saved link
//!   refused on resume) is **narrowed**: what is left ends just after the frontier, so
//!   the next chain starts where the broken one stopped, not at the part's start;
//! - a part that is done leaves the span below it as the next part.
//!
//! The sweep is a position and a span, so a state file can hold it in a few bytes; each
//! page carries its [`Position`] in the sweep to the writer, which records it.

use aad_common::time::format_duration;
use chrono::{DateTime, TimeDelta, Utc};

use crate::window::{MIN_SLICE, Slice, TICK};

/// Where a page stands in the fetching of the window, for the state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Position {
    /// The family the page belongs to.
    pub(crate) family: Slice,
    /// The part of the family whose chain the page is in.
    pub(crate) part: Slice,
    /// The part length in use; none: the whole family.
    pub(crate) span: Option<TimeDelta>,
    /// What comes after the page.
    pub(crate) after: After,
}

/// What comes after a page in its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// The next page, at this link.
    Link(String),
    /// Nothing: the part is complete.
    PartEnd,
    /// A link that cannot be followed (the run is about to fail): a run that goes on
    /// from here starts again just after the frontier.
    Unknown,
}

/// Shows a span the way the state file keeps it (`12h`).
pub(crate) fn span_text(span: TimeDelta) -> String {
    format_duration(span.to_std().unwrap_or_default())
}

/// Where the fetching of one family stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sweep {
    family: Slice,
    /// The (exclusive) end of what is left; none: the family's open end.
    upper: Option<DateTime<Utc>>,
    /// The length of a part; none: all that is left.
    span: Option<TimeDelta>,
    /// `--slice none` never halves.
    halvable: bool,
    /// The clock at the start of the run, where an open end is measured from.
    now: DateTime<Utc>,
    /// Whether this sweep halved its span.
    halved: bool,
    done: bool,
}

impl Sweep {
    /// A family from its end; parts of `span` (none: the whole family).
    pub(crate) fn new(
        family: Slice,
        span: Option<TimeDelta>,
        halvable: bool,
        now: DateTime<Utc>,
    ) -> Sweep {
        Sweep {
            family,
            upper: family.end,
            span,
            halvable,
            now,
            halved: false,
            done: family.is_empty(),
        }
    }

    /// A family a killed run left in progress: what is left ends at `upper`.
    pub(crate) fn resume(
        family: Slice,
        upper: Option<DateTime<Utc>>,
        span: Option<TimeDelta>,
        halvable: bool,
        now: DateTime<Utc>,
    ) -> Sweep {
        let mut sweep = Sweep::new(family, span, halvable, now);
        sweep.upper = upper;
        sweep
    }

    /// The family being fetched.
    pub(crate) fn family(&self) -> Slice {
        self.family
    }

    /// The part span in use (none: whole).
    pub(crate) fn span(&self) -> Option<TimeDelta> {
        self.span
    }

    /// Whether the span was halved.
    pub(crate) fn halved(&self) -> bool {
        self.halved
    }

    /// The part to fetch next; none when the family is done.
    pub(crate) fn part(&self) -> Option<Slice> {
        if self.done {
            return None;
        }
        if let (Some(start), Some(upper)) = (self.family.start, self.upper)
            && upper <= start
        {
            return None;
        }
        let start = match (self.family.start, self.span) {
            (Some(family_start), Some(span)) => {
                let top = self.upper.unwrap_or(self.now);
                Some(
                    top.checked_sub_signed(span)
                        .map_or(family_start, |s| s.max(family_start)),
                )
            }
            (family_start, _) => family_start,
        };
        Some(Slice {
            start,
            end: self.upper,
        })
    }

    /// The current part is complete: the next one is the span below it.
    pub(crate) fn part_done(&mut self) {
        let Some(part) = self.part() else {
            return;
        };
        match (part.start, self.family.start) {
            (Some(part_start), Some(family_start)) if part_start > family_start => {
                self.upper = Some(part_start);
            }
            _ => self.done = true,
        }
    }

    /// The current part keeps timing out: the next part is its newer half. False when
    /// it cannot be halved (`--slice none`, an open start, shorter than two minutes).
    pub(crate) fn halve(&mut self) -> bool {
        let Some(part) = self.part().filter(|_| self.halvable) else {
            return false;
        };
        let Some(start) = part.start else {
            return false;
        };
        let length = part.end.unwrap_or(self.now) - start;
        if length < MIN_SLICE * 2 {
            return false;
        }
        // Whole seconds: the span is kept in the state file and shown to people.
        self.span = Some(TimeDelta::seconds((length / 2).num_seconds()).max(MIN_SLICE));
        self.halved = true;
        true
    }

    /// A chain broke after writing down to `frontier`: what is left ends just after it
    /// (the records at the frontier that were written are the writer's to skip).
    pub(crate) fn narrow(&mut self, frontier: DateTime<Utc>) {
        let after = just_after(frontier);
        self.upper = Some(self.upper.map_or(after, |upper| upper.min(after)));
    }
}

/// The first time a `lt` filter must name to include `t`: the next 100 ns tick.
pub(crate) fn just_after(t: DateTime<Utc>) -> DateTime<Utc> {
    let floored = t - TimeDelta::nanoseconds(i64::from(t.timestamp_subsec_nanos() % 100));
    floored.checked_add_signed(TICK).unwrap_or(floored)
}

#[cfg(test)]
mod tests {
    use aad_common::time::parse_instant;

    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    fn day() -> Slice {
        Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-02T00:00:00Z")),
        }
    }

    fn now() -> DateTime<Utc> {
        t("2024-03-05T00:00:00Z")
    }

    fn parts(mut sweep: Sweep) -> Vec<Slice> {
        let mut out = Vec::new();
        while let Some(part) = sweep.part() {
            out.push(part);
            sweep.part_done();
        }
        out
    }

    #[test]
    fn a_family_without_a_span_is_one_part() {
        assert_eq!(parts(Sweep::new(day(), None, true, now())), vec![day()]);
        assert_eq!(
            parts(Sweep::new(Slice::ALL, None, true, now())),
            vec![Slice::ALL]
        );
    }

    #[test]
    fn parts_go_newest_first_and_cover_the_family() {
        let got = parts(Sweep::new(day(), Some(TimeDelta::hours(10)), true, now()));
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].end, day().end);
        assert_eq!(got[0].start, Some(t("2024-03-01T14:00:00Z")));
        assert_eq!(got[2].start, day().start);
        assert!(got.windows(2).all(|p| p[1].end == p[0].start));
    }

    #[test]
    fn halving_keeps_the_newer_half_and_stops_at_two_minutes() {
        let mut sweep = Sweep::new(day(), None, true, now());
        assert!(sweep.halve());
        assert!(sweep.halved());
        assert_eq!(sweep.part().unwrap().start, Some(t("2024-03-01T12:00:00Z")));
        sweep.part_done();
        assert_eq!(
            sweep.part().unwrap(),
            Slice {
                start: day().start,
                end: Some(t("2024-03-01T12:00:00Z"))
            },
            "the span carries on"
        );
        let short = Slice {
            start: Some(t("2024-03-01T00:00:00Z")),
            end: Some(t("2024-03-01T00:03:00Z")),
        };
        let mut sweep = Sweep::new(short, None, true, now());
        assert!(sweep.halve());
        assert_eq!(sweep.span(), Some(TimeDelta::seconds(90)));
        assert!(
            !sweep.halve(),
            "90 s cannot be halved into two full minutes"
        );
        assert!(
            !Sweep::new(day(), None, false, now()).halve(),
            "--slice none"
        );
        let open_start = Slice {
            start: None,
            end: day().end,
        };
        assert!(!Sweep::new(open_start, None, true, now()).halve());
    }

    #[test]
    fn an_open_end_is_halved_from_the_clock_and_stays_open() {
        let open = Slice {
            start: Some(t("2024-03-04T00:00:00Z")),
            end: None,
        };
        let mut sweep = Sweep::new(open, None, true, now());
        assert!(sweep.halve());
        assert_eq!(
            sweep.part().unwrap(),
            Slice {
                start: Some(t("2024-03-04T12:00:00Z")),
                end: None
            }
        );
        sweep.part_done();
        assert_eq!(sweep.part().unwrap().end, Some(t("2024-03-04T12:00:00Z")));
    }

    #[test]
    fn narrowing_ends_what_is_left_just_after_the_frontier() {
        let mut sweep = Sweep::new(day(), None, true, now());
        sweep.narrow(t("2024-03-01T10:00:00.12345678Z"));
        assert_eq!(
            sweep.part().unwrap(),
            Slice {
                start: day().start,
                end: Some(t("2024-03-01T10:00:00.1234568Z"))
            }
        );
        // A frontier above what is left (nothing written in this part) changes nothing.
        sweep.narrow(t("2024-03-01T20:00:00Z"));
        assert_eq!(
            sweep.part().unwrap().end,
            Some(t("2024-03-01T10:00:00.1234568Z"))
        );
        // Narrowed below the family's start: nothing is left.
        sweep.narrow(t("2024-02-01T00:00:00Z"));
        assert_eq!(sweep.part(), None);
        let resumed = Sweep::resume(day(), Some(t("2024-03-01T06:00:00Z")), None, true, now());
        assert_eq!(
            parts(resumed),
            vec![Slice {
                start: day().start,
                end: Some(t("2024-03-01T06:00:00Z"))
            }]
        );
    }

    #[test]
    fn just_after_is_the_next_tick() {
        assert_eq!(
            just_after(t("2024-03-01T00:00:00Z")),
            t("2024-03-01T00:00:00.0000001Z")
        );
        assert_eq!(
            just_after(t("2024-03-01T00:00:00.00000019Z")),
            t("2024-03-01T00:00:00.0000002Z")
        );
    }
}
