//! What the writer remembers of the family it writes, so that a chain of pages fetched
//! again (after timeouts, a refused skip token, a kill) writes nothing twice and skips
//! nothing new, in memory that does not grow with the family.
//!
//! The service lists a chain newest first and a family is fetched newest part first
//! ([`crate::sweep`]), so what the family wrote is everything from its end down to the
//! *frontier*: the time of the oldest record written. Of the records at the frontier,
//! the ones written are kept as content hashes (`ties`). A broken chain is fetched again
//! up to just after the frontier; then the tied records are skipped once each, older
//! ones are new, and newer ones (from a server that ignores the filter) are skipped.
//!
//! A chain that turns out not to be ordered (a record newer than the frontier, or one
//! without a time) cannot be narrowed: it is fetched again whole, and only `--dedup`
//! keeps the copies out. A target without a time field keeps the hash of everything the
//! family wrote, as there is no other way to be exact.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::page::one_line;
use crate::record_fields::content_hash;
use crate::window::Slice;

/// What to do with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// New: write it (unless `--dedup` skips it).
    New,
    /// Written before, by a chain of this family that broke: skip it.
    Again,
}

/// The writer's answer when the fetcher asks where a broken chain stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Resync {
    /// The oldest time written in the family; none when nothing was.
    pub(crate) frontier: Option<DateTime<Utc>>,
    /// Whether the family came newest first, so the chain may be narrowed to the
    /// frontier; false means it is fetched again whole.
    pub(crate) ordered: bool,
}

/// The frontier of one family, as the state file keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mark {
    pub(crate) family: Slice,
    pub(crate) frontier: Option<DateTime<Utc>>,
    pub(crate) ties: Vec<u64>,
    pub(crate) ordered: bool,
}

/// The bookkeeping of the family being written.
#[derive(Debug)]
pub(crate) struct Frontier {
    /// False for a target without a time field: every hash is kept instead.
    by_time: bool,
    family: Option<Slice>,
    time: Option<DateTime<Utc>>,
    /// Hashes of the records handled at `time` on earlier pages.
    ties: Vec<u64>,
    /// This page's records at `time`, hashed when the page ends.
    page_ties: Vec<Range<usize>>,
    ordered: bool,
    /// After a narrowing: records at `time` handled before, to skip once each.
    skip: Vec<u64>,
    /// After a narrowing: records newer than `time` lie outside the range asked for.
    narrowed: bool,
    /// Without a time field: everything the family wrote, and what a refetch still skips.
    written: HashMap<u64, u32>,
    skip_written: HashMap<u64, u32>,
    scratch: Vec<u8>,
}

impl Frontier {
    /// The bookkeeping for a target with (`by_time`) or without a time field.
    pub(crate) fn new(by_time: bool) -> Frontier {
        Frontier {
            by_time,
            family: None,
            time: None,
            ties: Vec::new(),
            page_ties: Vec::new(),
            ordered: true,
            skip: Vec::new(),
            narrowed: false,
            written: HashMap::new(),
            skip_written: HashMap::new(),
            scratch: Vec::new(),
        }
    }

    /// Continues a family a killed run left, from the state.
    pub(crate) fn restore(&mut self, mark: Mark) {
        self.enter(mark.family);
        self.time = mark.frontier;
        self.ties = mark.ties;
        self.ordered = mark.ordered;
    }

    /// The family of the next page: a new family starts with nothing written.
    pub(crate) fn enter(&mut self, family: Slice) {
        if self.family == Some(family) {
            return;
        }
        *self = Frontier {
            family: Some(family),
            scratch: std::mem::take(&mut self.scratch),
            ..Frontier::new(self.by_time)
        };
    }

    /// Decides about a record of time `time` (`record`: its bytes on one line).
    pub(crate) fn check(&mut self, time: Option<DateTime<Utc>>, record: &[u8]) -> Verdict {
        if !self.by_time {
            if self.skip_written.is_empty() {
                return Verdict::New;
            }
            return match self.skip_written.get_mut(&content_hash(record)) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    Verdict::Again
                }
                _ => Verdict::New,
            };
        }
        let (Some(t), Some(frontier)) = (time, self.time) else {
            return Verdict::New;
        };
        if self.narrowed && t > frontier {
            return Verdict::Again;
        }
        if t == frontier && !self.skip.is_empty() {
            let hash = content_hash(record);
            if let Some(at) = self.skip.iter().position(|&h| h == hash) {
                self.skip.swap_remove(at);
                return Verdict::Again;
            }
        }
        Verdict::New
    }

    /// A record was handled (written, or skipped as emitted by an earlier run): the
    /// frontier moves. `range` is where it lies in the page body.
    pub(crate) fn handled(
        &mut self,
        time: Option<DateTime<Utc>>,
        record: &[u8],
        range: Range<usize>,
    ) {
        if !self.by_time {
            *self.written.entry(content_hash(record)).or_default() += 1;
            return;
        }
        let Some(t) = time else {
            self.ordered = false;
            return;
        };
        match self.time {
            Some(frontier) if t > frontier => self.ordered = false,
            Some(frontier) if t == frontier => self.page_ties.push(range),
            _ => {
                self.time = Some(t);
                self.ties.clear();
                self.skip.clear();
                self.page_ties.clear();
                self.page_ties.push(range);
            }
        }
    }

    /// The page ends: the records tied at the frontier are hashed (usually one).
    pub(crate) fn end_page(&mut self, body: &[u8]) {
        for range in self.page_ties.drain(..) {
            let record = one_line(&body[range], &mut self.scratch);
            self.ties.push(content_hash(record));
        }
    }

    /// The fetcher asks where the family stands, to fetch a broken chain again: from
    /// now on what was written is skipped when it comes again.
    pub(crate) fn resync(&mut self) -> Resync {
        if !self.by_time {
            self.skip_written = self.written.clone();
            return Resync {
                frontier: None,
                ordered: false,
            };
        }
        if self.ordered && self.time.is_some() {
            self.skip = self.ties.clone();
            self.narrowed = true;
        }
        Resync {
            frontier: self.time.filter(|_| self.ordered),
            ordered: self.ordered,
        }
    }

    /// Where the family stands, for the state file.
    pub(crate) fn mark(&self) -> Option<Mark> {
        Some(Mark {
            family: self.family?,
            frontier: self.time,
            ties: self.ties.clone(),
            ordered: self.ordered,
        })
    }

    /// The oldest time handled in the family.
    #[cfg(test)]
    pub(crate) fn time(&self) -> Option<DateTime<Utc>> {
        self.time
    }
}

#[cfg(test)]
mod tests {
    use aad_common::time::parse_instant;

    use super::*;

    fn t(s: &str) -> Option<DateTime<Utc>> {
        parse_instant(s)
    }

    /// Feeds records (time, bytes) as one page; returns the verdicts.
    fn page(f: &mut Frontier, records: &[(&str, &str)]) -> Vec<Verdict> {
        let mut body = Vec::new();
        let mut placed = Vec::new();
        for (time, text) in records {
            let start = body.len();
            body.extend_from_slice(text.as_bytes());
            placed.push((t(time), start..body.len()));
        }
        let verdicts = placed
            .iter()
            .map(|(time, range)| {
                let record = body[range.clone()].to_vec();
                let verdict = f.check(*time, &record);
                if verdict == Verdict::New {
                    f.handled(*time, &record, range.clone());
                }
                verdict
            })
            .collect();
        f.end_page(&body);
        verdicts
    }

    fn family() -> Slice {
        Slice {
            start: t("2024-01-01"),
            end: t("2024-01-02"),
        }
    }

    #[test]
    fn a_refetch_skips_the_ties_once_and_everything_newer() {
        use Verdict::{Again, New};
        let mut f = Frontier::new(true);
        f.enter(family());
        page(
            &mut f,
            &[("2024-01-01T12:00:00Z", "a"), ("2024-01-01T10:00:00Z", "b")],
        );
        page(
            &mut f,
            &[("2024-01-01T10:00:00Z", "c"), ("2024-01-01T10:00:00Z", "c")],
        );
        let resync = f.resync();
        assert_eq!(
            resync,
            Resync {
                frontier: t("2024-01-01T10:00:00Z"),
                ordered: true
            }
        );
        // The narrowed chain (a server that ignores the filter sends 'a' again).
        let again = page(
            &mut f,
            &[
                ("2024-01-01T12:00:00Z", "a"),
                ("2024-01-01T10:00:00Z", "c"),
                ("2024-01-01T10:00:00Z", "d"),
                ("2024-01-01T10:00:00Z", "c"),
                ("2024-01-01T10:00:00Z", "c"),
                ("2024-01-01T10:00:00Z", "b"),
                ("2024-01-01T09:00:00Z", "e"),
            ],
        );
        assert_eq!(again, vec![Again, Again, New, Again, New, Again, New]);
        assert_eq!(f.time(), t("2024-01-01T09:00:00Z"));
    }

    #[test]
    fn a_record_newer_than_the_frontier_or_without_time_means_unordered() {
        let mut f = Frontier::new(true);
        f.enter(family());
        page(
            &mut f,
            &[("2024-01-01T10:00:00Z", "a"), ("2024-01-01T11:00:00Z", "b")],
        );
        assert_eq!(
            f.resync(),
            Resync {
                frontier: None,
                ordered: false
            }
        );
        let again = page(&mut f, &[("2024-01-01T10:00:00Z", "a")]);
        assert_eq!(again, vec![Verdict::New], "only --dedup can help");
        let mut f = Frontier::new(true);
        f.enter(family());
        page(&mut f, &[("2024-01-01T10:00:00Z", "a"), ("", "b")]);
        assert!(!f.resync().ordered);
    }

    #[test]
    fn a_new_family_starts_empty_and_a_mark_restores_one() {
        let mut f = Frontier::new(true);
        f.enter(family());
        page(&mut f, &[("2024-01-01T10:00:00Z", "a")]);
        let mark = f.mark().unwrap();
        assert_eq!(mark.ties, vec![content_hash(b"a")]);
        f.enter(Slice {
            start: family().end,
            end: None,
        });
        assert_eq!(f.time(), None);
        let mut back = Frontier::new(true);
        back.restore(mark.clone());
        assert_eq!(back.mark(), Some(mark));
        back.resync();
        assert_eq!(
            page(&mut back, &[("2024-01-01T10:00:00Z", "a")]),
            vec![Verdict::Again]
        );
    }

    #[test]
    fn without_a_time_field_everything_written_is_skipped_once() {
        let mut f = Frontier::new(false);
        f.enter(Slice::ALL);
        page(&mut f, &[("", "{}"), ("", "{}"), ("", "x")]);
        assert_eq!(
            f.resync(),
            Resync {
                frontier: None,
                ordered: false
            }
        );
        let again = page(&mut f, &[("", "{}"), ("", "{}"), ("", "{}"), ("", "x")]);
        assert_eq!(
            again,
            vec![Verdict::Again, Verdict::Again, Verdict::New, Verdict::Again]
        );
    }
}
