//! Which records were already emitted: by id and content hash, for `--dedup`, and kept
//! in the state file for the overlap window.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ring::digest;
use serde::Deserialize;

use crate::cli::Dedup;
use crate::state::Emitted;

/// A record's identity for deduplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordKey {
    /// The record's `id`. A record without one is never "the same event" as another.
    pub(crate) id: Option<String>,
    /// 16 hex digits of SHA-256 of the record's bytes.
    pub(crate) hash: String,
    /// The record's time, when it has a known time field.
    pub(crate) time: Option<String>,
}

/// The fields dedup needs; everything else is skipped by the parser.
#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(
        borrow,
        default,
        alias = "createdDateTime",
        alias = "eventTime",
        alias = "signinDateTime"
    )]
    #[serde(rename = "activityDateTime")]
    time: Option<Cow<'a, str>>,
}

impl RecordKey {
    /// The key of one record line.
    pub(crate) fn of(record: &[u8]) -> RecordKey {
        let hash: String = digest::digest(&digest::SHA256, record).as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let fields: Option<Fields<'_>> = serde_json::from_slice(record).ok();
        let (id, time) = match fields {
            Some(f) => (f.id.map(Cow::into_owned), f.time.map(Cow::into_owned)),
            None => (None, None),
        };
        RecordKey { id, hash, time }
    }
}

/// The records emitted so far (within the retention window).
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
    by_id: HashMap<String, Vec<(String, Option<String>)>>,
    /// The emitted copies of records without an id: the time of each, per content hash.
    anonymous: HashMap<String, Vec<Option<String>>>,
    /// Copies of records without an id that earlier runs emitted and this run has not
    /// met again yet.
    earlier_copies: HashMap<String, usize>,
}

impl Seen {
    /// The dedup memory of a run: none for `--dedup none`, else what the state file
    /// remembers (`emitted`), or an empty one without a state.
    pub(crate) fn for_run(mode: Dedup, emitted: Option<&[Emitted]>) -> Option<Seen> {
        match (mode, emitted) {
            (Dedup::None, _) => None,
            (mode, Some(entries)) => Some(Seen::load(mode, entries)),
            (mode, None) => Some(Seen::new(mode)),
        }
    }

    /// An empty set for a mode.
    pub(crate) fn new(mode: Dedup) -> Seen {
        Seen {
            mode,
            by_id: HashMap::new(),
            anonymous: HashMap::new(),
            earlier_copies: HashMap::new(),
        }
    }

    /// Loads what the state file remembers. Entries whose id equals their hash were
    /// written for records without an id by earlier versions.
    pub(crate) fn load(mode: Dedup, entries: &[Emitted]) -> Seen {
        let mut seen = Seen::new(mode);
        for e in entries {
            match e.id.as_deref().filter(|id| *id != e.hash) {
                Some(id) => seen
                    .by_id
                    .entry(id.to_string())
                    .or_default()
                    .push((e.hash.clone(), e.time.clone())),
                None => {
                    seen.anonymous
                        .entry(e.hash.clone())
                        .or_default()
                        .push(e.time.clone());
                    *seen.earlier_copies.entry(e.hash.clone()).or_default() += 1;
                }
            }
        }
        seen
    }

    /// Decides whether a record is written (true) or skipped as already emitted, and
    /// remembers a written one.
    pub(crate) fn admit(&mut self, key: RecordKey) -> bool {
        let Some(id) = key.id else {
            if let Some(left) = self.earlier_copies.get_mut(&key.hash)
                && *left > 0
            {
                *left -= 1;
                return false;
            }
            self.anonymous.entry(key.hash).or_default().push(key.time);
            return true;
        };
        let versions = self.by_id.entry(id).or_default();
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

    /// Forgets records older than `before` (records without a time are kept).
    pub(crate) fn prune(&mut self, before: DateTime<Utc>) {
        let recent =
            |time: &Option<String>| match time.as_deref().and_then(aad_common::time::parse_instant)
            {
                Some(t) => t >= before,
                None => true,
            };
        self.by_id.retain(|_, versions| {
            versions.retain(|(_, time)| recent(time));
            !versions.is_empty()
        });
        self.anonymous.retain(|_, times| {
            times.retain(recent);
            !times.is_empty()
        });
    }

    /// The entries, for the state file (sorted, so the file is stable).
    pub(crate) fn entries(&self) -> Vec<Emitted> {
        let with_id = self.by_id.iter().flat_map(|(id, versions)| {
            versions.iter().map(|(hash, time)| Emitted {
                id: Some(id.clone()),
                hash: hash.clone(),
                time: time.clone(),
            })
        });
        let without_id = self.anonymous.iter().flat_map(|(hash, times)| {
            times.iter().map(|time| Emitted {
                id: None,
                hash: hash.clone(),
                time: time.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_id_and_time_of_any_report() {
        let k = RecordKey::of(
            br#"{"id":"a","createdDateTime":"2024-01-01T00:00:00Z","x":[1,{"id":"inner"}]}"#,
        );
        assert_eq!(k.id.as_deref(), Some("a"));
        assert_eq!(k.time.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(k.hash.len(), 16);
        assert_eq!(RecordKey::of(br#"{"n":1}"#).id, None);
    }

    #[test]
    fn changed_mode_emits_each_version_once() {
        let mut seen = Seen::new(Dedup::Changed);
        let v1 = RecordKey::of(br#"{"id":"a","n":1}"#);
        let v2 = RecordKey::of(br#"{"id":"a","n":2}"#);
        assert!(seen.admit(v1.clone()));
        assert!(!seen.admit(v1.clone()));
        assert!(seen.admit(v2.clone()), "a changed version is new");
        let mut by_id = Seen::new(Dedup::Id);
        assert!(by_id.admit(v1));
        assert!(!by_id.admit(v2), "id mode skips any version of a seen id");
    }

    #[test]
    fn prune_and_round_trip() {
        let mut seen = Seen::new(Dedup::Changed);
        seen.admit(RecordKey::of(
            br#"{"id":"old","activityDateTime":"2024-01-01T00:00:00Z"}"#,
        ));
        seen.admit(RecordKey::of(
            br#"{"id":"new","activityDateTime":"2024-01-03T00:00:00Z"}"#,
        ));
        seen.prune(aad_common::time::parse_instant("2024-01-02").unwrap());
        let entries = seen.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id.as_deref(), Some("new"));
        let back = Seen::load(Dedup::Changed, &entries);
        assert_eq!(back.entries(), entries);
    }

    #[test]
    fn records_without_id_are_never_the_same_event_within_a_run() {
        let mut seen = Seen::new(Dedup::Changed);
        assert!(seen.admit(RecordKey::of(b"{}")));
        assert!(
            seen.admit(RecordKey::of(b"{}")),
            "a second equal record is written"
        );
    }

    #[test]
    fn copies_without_id_from_earlier_runs_are_skipped_once_each() {
        let mut first = Seen::new(Dedup::Changed);
        for _ in 0..2 {
            assert!(first.admit(RecordKey::of(br#"{"n":1}"#)));
        }
        let mut next = Seen::load(Dedup::Changed, &first.entries());
        assert!(!next.admit(RecordKey::of(br#"{"n":1}"#)));
        assert!(!next.admit(RecordKey::of(br#"{"n":1}"#)));
        assert!(
            next.admit(RecordKey::of(br#"{"n":1}"#)),
            "a third copy is new"
        );
        assert_eq!(next.entries().len(), 3);
    }

    #[test]
    fn old_state_entries_without_an_id_are_read_as_anonymous() {
        let key = RecordKey::of(b"{}");
        let old = Emitted {
            id: Some(key.hash.clone()),
            hash: key.hash.clone(),
            time: None,
        };
        let mut seen = Seen::load(Dedup::Changed, &[old]);
        assert!(!seen.admit(key.clone()));
        assert!(seen.admit(key));
    }
}
