//! Which records were already emitted, for `--dedup`: by id and content hash, kept in the
//! state file for the overlap window.
//!
//! Memory and state stay proportional to the records of the overlap, not to the window:
//! an entry is kept while a later run may list its record again (its time is within
//! `--overlap` of the family's end, where the next run starts) or this run may (it lies
//! at or below the chain's frontier). Entries the chain has passed that are older than
//! that are dropped page by page ([`Seen::page_done`]); at the end of a family,
//! everything older than its end minus the overlap goes ([`Seen::prune`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::cli::Dedup;
use crate::state_doc::Emitted;

/// A record's identity for deduplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordKey {
    /// The record's `id`. A record without one is never "the same event" as another.
    pub(crate) id: Option<String>,
    /// [`crate::record_fields::content_hash`] of the record's bytes.
    pub(crate) hash: u64,
    /// The record's time (the target's time field), or the end of its family when it
    /// has none, so that it is forgotten after the overlap.
    pub(crate) time: DateTime<Utc>,
}

/// The records emitted so far (within the retention described above).
///
/// Records with an `id` are events: `--dedup changed` skips a version (id and content)
/// already emitted, `--dedup id` any record of an id already emitted. Records without
/// an `id` are never the same event as another record of the same run; across runs,
/// the copies an earlier run emitted inside the overlap are skipped once each when the
/// overlap brings them again, so exactly as many copies as the service lists come out.
#[derive(Debug)]
pub(crate) struct Seen {
    mode: Dedup,
    /// The versions (content hash, time) emitted for each id.
    by_id: HashMap<String, Vec<(u64, DateTime<Utc>)>>,
    /// The emitted copies of records without an id: the time of each, per content hash.
    anonymous: HashMap<u64, Vec<DateTime<Utc>>>,
    /// Copies of records without an id that earlier runs emitted and this run has not
    /// met again yet.
    earlier_copies: HashMap<u64, usize>,
    /// Entries of this family older than its end minus the overlap, newest first: dropped
    /// once the chain has passed them.
    passing: Vec<RecordKey>,
    /// Entries admitted on the current page, for the state's journal.
    page: Vec<RecordKey>,
}

impl Seen {
    /// The dedup memory of a run: none for `--dedup none`, else what the state file
    /// remembers (`emitted`; entries without a time count as of `undated`), or an empty
    /// one without a state.
    pub(crate) fn for_run(
        mode: Dedup,
        emitted: Option<&[Emitted]>,
        undated: DateTime<Utc>,
    ) -> Option<Seen> {
        match mode {
            Dedup::None => None,
            mode => Some(Seen::load(mode, emitted.unwrap_or_default(), undated)),
        }
    }

    /// An empty set for a mode.
    pub(crate) fn new(mode: Dedup) -> Seen {
        Seen {
            mode,
            by_id: HashMap::new(),
            anonymous: HashMap::new(),
            earlier_copies: HashMap::new(),
            passing: Vec::new(),
            page: Vec::new(),
        }
    }

    /// Loads what the state file remembers. Entries whose id equals their hash were
    /// written for records without an id by early versions.
    pub(crate) fn load(mode: Dedup, entries: &[Emitted], undated: DateTime<Utc>) -> Seen {
        let mut seen = Seen::new(mode);
        for e in entries {
            let time = e.time.unwrap_or(undated);
            let hex = format!("{:016x}", e.hash);
            match e.id.as_deref().filter(|id| *id != hex) {
                Some(id) => seen
                    .by_id
                    .entry(id.to_string())
                    .or_default()
                    .push((e.hash, time)),
                None => {
                    seen.anonymous.entry(e.hash).or_default().push(time);
                    *seen.earlier_copies.entry(e.hash).or_default() += 1;
                }
            }
        }
        seen
    }

    /// Decides whether a record is written (true) or skipped as already emitted, and
    /// remembers a written one. `keep_from`: the time from which entries are kept
    /// for later runs (the family's end minus the overlap).
    pub(crate) fn admit(&mut self, key: RecordKey, keep_from: DateTime<Utc>) -> bool {
        let admitted = match &key.id {
            None => {
                if let Some(left) = self.earlier_copies.get_mut(&key.hash)
                    && *left > 0
                {
                    *left -= 1;
                    return false;
                }
                self.anonymous.entry(key.hash).or_default().push(key.time);
                true
            }
            Some(id) => {
                let versions = self.by_id.entry(id.clone()).or_default();
                let known = match self.mode {
                    Dedup::None => false,
                    Dedup::Id => !versions.is_empty(),
                    Dedup::Changed => versions.iter().any(|(h, _)| *h == key.hash),
                };
                if !known {
                    versions.push((key.hash, key.time));
                }
                !known
            }
        };
        if admitted {
            if key.time < keep_from {
                self.passing.push(key.clone());
            }
            self.page.push(key);
        }
        admitted
    }

    /// A page ends with the chain at `frontier` (when it is ordered): entries it has
    /// passed that no later run needs are dropped. Returns the page's entries that are
    /// kept, for the state's journal.
    pub(crate) fn page_done(
        &mut self,
        frontier: Option<DateTime<Utc>>,
        keep_from: DateTime<Utc>,
    ) -> Vec<RecordKey> {
        if let Some(frontier) = frontier {
            let passing = std::mem::take(&mut self.passing);
            for key in passing {
                if key.time > frontier {
                    self.forget(&key);
                } else {
                    self.passing.push(key);
                }
            }
        }
        let mut page = std::mem::take(&mut self.page);
        page.retain(|k| k.time >= keep_from || Some(k.time) == frontier);
        page
    }

    /// A new family starts: what the last one was passing is settled by [`Seen::prune`].
    pub(crate) fn family_done(&mut self) {
        self.passing.clear();
    }

    fn forget(&mut self, key: &RecordKey) {
        let remove_one = |times: &mut Vec<DateTime<Utc>>, time: DateTime<Utc>| {
            if let Some(at) = times.iter().position(|t| *t == time) {
                times.swap_remove(at);
            }
        };
        match &key.id {
            Some(id) => {
                if let Some(versions) = self.by_id.get_mut(id) {
                    if let Some(at) = versions.iter().position(|v| *v == (key.hash, key.time)) {
                        versions.swap_remove(at);
                    }
                    if versions.is_empty() {
                        self.by_id.remove(id);
                    }
                }
            }
            None => {
                if let Some(times) = self.anonymous.get_mut(&key.hash) {
                    remove_one(times, key.time);
                    if times.is_empty() {
                        self.anonymous.remove(&key.hash);
                    }
                }
            }
        }
    }

    /// Forgets records older than `before`.
    pub(crate) fn prune(&mut self, before: DateTime<Utc>) {
        self.by_id.retain(|_, versions| {
            versions.retain(|(_, time)| *time >= before);
            !versions.is_empty()
        });
        self.anonymous.retain(|_, times| {
            times.retain(|time| *time >= before);
            !times.is_empty()
        });
        self.passing.retain(|k| k.time >= before);
    }

    /// How many entries are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_id.values().map(Vec::len).sum::<usize>()
            + self.anonymous.values().map(Vec::len).sum::<usize>()
    }

    /// The entries, for the state file (sorted, so the file is stable).
    pub(crate) fn entries(&self) -> Vec<Emitted> {
        let with_id = self.by_id.iter().flat_map(|(id, versions)| {
            versions.iter().map(|(hash, time)| Emitted {
                id: Some(id.clone()),
                hash: *hash,
                time: Some(*time),
            })
        });
        let without_id = self.anonymous.iter().flat_map(|(hash, times)| {
            times.iter().map(|time| Emitted {
                id: None,
                hash: *hash,
                time: Some(*time),
            })
        });
        let mut out: Vec<Emitted> = with_id.chain(without_id).collect();
        out.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.hash.cmp(&b.hash))
        });
        out
    }
}

impl From<&RecordKey> for Emitted {
    fn from(key: &RecordKey) -> Emitted {
        Emitted {
            id: key.id.clone(),
            hash: key.hash,
            time: Some(key.time),
        }
    }
}

#[cfg(test)]
mod tests {
    use aad_common::time::parse_instant;

    use super::*;
    use crate::record_fields::content_hash;

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    fn key(id: Option<&str>, body: &str, time: &str) -> RecordKey {
        RecordKey {
            id: id.map(str::to_string),
            hash: content_hash(body.as_bytes()),
            time: t(time),
        }
    }

    fn early() -> DateTime<Utc> {
        t("2000-01-01")
    }

    #[test]
    fn changed_mode_emits_each_version_once() {
        let mut seen = Seen::new(Dedup::Changed);
        let v1 = key(Some("a"), "1", "2024-01-01");
        let v2 = key(Some("a"), "2", "2024-01-01");
        assert!(seen.admit(v1.clone(), early()));
        assert!(!seen.admit(v1.clone(), early()));
        assert!(seen.admit(v2.clone(), early()), "a changed version is new");
        let mut by_id = Seen::new(Dedup::Id);
        assert!(by_id.admit(v1, early()));
        assert!(
            !by_id.admit(v2, early()),
            "id mode skips any version of a seen id"
        );
    }

    #[test]
    fn prune_and_round_trip() {
        let mut seen = Seen::new(Dedup::Changed);
        seen.admit(key(Some("old"), "o", "2024-01-01"), early());
        seen.admit(key(Some("new"), "n", "2024-01-03"), early());
        seen.prune(t("2024-01-02"));
        let entries = seen.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id.as_deref(), Some("new"));
        let back = Seen::load(Dedup::Changed, &entries, early());
        assert_eq!(back.entries(), entries);
    }

    #[test]
    fn records_without_id_are_never_the_same_event_within_a_run() {
        let mut seen = Seen::new(Dedup::Changed);
        assert!(seen.admit(key(None, "{}", "2024-01-01"), early()));
        assert!(
            seen.admit(key(None, "{}", "2024-01-01"), early()),
            "a second equal record is written"
        );
    }

    #[test]
    fn copies_without_id_from_earlier_runs_are_skipped_once_each() {
        let mut first = Seen::new(Dedup::Changed);
        for _ in 0..2 {
            assert!(first.admit(key(None, "n1", "2024-01-01"), early()));
        }
        let mut next = Seen::load(Dedup::Changed, &first.entries(), early());
        assert!(!next.admit(key(None, "n1", "2024-01-01"), early()));
        assert!(!next.admit(key(None, "n1", "2024-01-01"), early()));
        assert!(
            next.admit(key(None, "n1", "2024-01-01"), early()),
            "a third copy is new"
        );
        assert_eq!(next.entries().len(), 3);
    }

    #[test]
    fn old_state_entries_without_an_id_are_read_as_anonymous() {
        let k = key(None, "{}", "2024-01-01");
        let old = Emitted {
            id: Some(format!("{:016x}", k.hash)),
            hash: k.hash,
            time: None,
        };
        let mut seen = Seen::load(Dedup::Changed, &[old], t("2024-01-01"));
        assert!(!seen.admit(k.clone(), early()));
        assert!(seen.admit(k, early()));
    }

    #[test]
    fn entries_the_chain_passed_outside_the_overlap_are_dropped_per_page() {
        let keep_from = t("2024-01-01T22:00:00Z");
        let mut seen = Seen::new(Dedup::Changed);
        // A chain newest first: two records inside the overlap, then older ones.
        for (i, time) in ["23:00", "22:30", "12:00", "11:00", "11:00"]
            .iter()
            .enumerate()
        {
            let k = key(
                Some(&format!("r{i}")),
                &format!("b{i}"),
                &format!("2024-01-01T{time}:00Z"),
            );
            assert!(seen.admit(k, keep_from));
        }
        let journal = seen.page_done(Some(t("2024-01-01T11:00:00Z")), keep_from);
        let ids: Vec<&str> = journal.iter().filter_map(|k| k.id.as_deref()).collect();
        assert_eq!(
            ids,
            vec!["r0", "r1", "r3", "r4"],
            "the overlap, and the frontier"
        );
        assert_eq!(seen.len(), 4, "12:00 was passed and is not in the overlap");
        // The next page moves the frontier on: the 11:00 entries go too.
        assert!(seen.admit(key(Some("r5"), "b5", "2024-01-01T10:00:00Z"), keep_from));
        seen.page_done(Some(t("2024-01-01T10:00:00Z")), keep_from);
        assert_eq!(seen.len(), 3);
        // An unordered chain (no frontier) drops nothing until the family ends.
        seen.admit(key(Some("r6"), "b6", "2024-01-01T12:00:00Z"), keep_from);
        seen.page_done(None, keep_from);
        assert_eq!(seen.len(), 4);
    }
}
