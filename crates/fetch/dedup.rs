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
pub(crate) struct Key {
    /// `id`, or the hash when the record has none.
    pub(crate) id: String,
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

impl Key {
    /// The key of one record line.
    pub(crate) fn of(record: &[u8]) -> Key {
        let hash: String = digest::digest(&digest::SHA256, record).as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let fields: Option<Fields<'_>> = serde_json::from_slice(record).ok();
        let (id, time) = match fields {
            Some(f) => (f.id.map(Cow::into_owned), f.time.map(Cow::into_owned)),
            None => (None, None),
        };
        Key {
            id: id.unwrap_or_else(|| hash.clone()),
            hash,
            time,
        }
    }
}

/// The records emitted so far (within the retention window).
#[derive(Debug)]
pub(crate) struct Seen {
    mode: Dedup,
    by_id: HashMap<String, Vec<(String, Option<String>)>>,
}

impl Seen {
    /// An empty set for a mode.
    pub(crate) fn new(mode: Dedup) -> Seen {
        Seen {
            mode,
            by_id: HashMap::new(),
        }
    }

    /// Loads what the state file remembers.
    pub(crate) fn load(mode: Dedup, entries: &[Emitted]) -> Seen {
        let mut seen = Seen::new(mode);
        for e in entries {
            seen.by_id
                .entry(e.id.clone())
                .or_default()
                .push((e.hash.clone(), e.time.clone()));
        }
        seen
    }

    /// True when the record must be skipped as already emitted.
    pub(crate) fn contains(&self, key: &Key) -> bool {
        match self.mode {
            Dedup::None => false,
            Dedup::Id => self.by_id.contains_key(&key.id),
            Dedup::Changed => self
                .by_id
                .get(&key.id)
                .is_some_and(|v| v.iter().any(|(h, _)| *h == key.hash)),
        }
    }

    /// Remembers an emitted record.
    pub(crate) fn insert(&mut self, key: Key) {
        self.by_id
            .entry(key.id)
            .or_default()
            .push((key.hash, key.time));
    }

    /// Forgets records older than `before` (records without a time are kept).
    pub(crate) fn prune(&mut self, before: DateTime<Utc>) {
        self.by_id.retain(|_, versions| {
            versions.retain(|(_, time)| {
                match time.as_deref().and_then(aad_common::time::parse_instant) {
                    Some(t) => t >= before,
                    None => true,
                }
            });
            !versions.is_empty()
        });
    }

    /// The entries, for the state file (sorted, so the file is stable).
    pub(crate) fn entries(&self) -> Vec<Emitted> {
        let mut out: Vec<Emitted> = self
            .by_id
            .iter()
            .flat_map(|(id, versions)| {
                versions.iter().map(|(hash, time)| Emitted {
                    id: id.clone(),
                    hash: hash.clone(),
                    time: time.clone(),
                })
            })
            .collect();
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
        let k = Key::of(
            br#"{"id":"a","createdDateTime":"2024-01-01T00:00:00Z","x":[1,{"id":"inner"}]}"#,
        );
        assert_eq!(k.id, "a");
        assert_eq!(k.time.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(k.hash.len(), 16);
        let no_id = Key::of(br#"{"n":1}"#);
        assert_eq!(no_id.id, no_id.hash);
    }

    #[test]
    fn changed_mode_emits_each_version_once() {
        let mut seen = Seen::new(Dedup::Changed);
        let v1 = Key::of(br#"{"id":"a","n":1}"#);
        let v2 = Key::of(br#"{"id":"a","n":2}"#);
        assert!(!seen.contains(&v1));
        seen.insert(v1.clone());
        assert!(seen.contains(&v1));
        assert!(!seen.contains(&v2), "a changed version is new");
        let mut by_id = Seen::new(Dedup::Id);
        by_id.insert(v1);
        assert!(
            by_id.contains(&v2),
            "id mode skips any version of a seen id"
        );
    }

    #[test]
    fn prune_and_round_trip() {
        let mut seen = Seen::new(Dedup::Changed);
        seen.insert(Key::of(
            br#"{"id":"old","activityDateTime":"2024-01-01T00:00:00Z"}"#,
        ));
        seen.insert(Key::of(
            br#"{"id":"new","activityDateTime":"2024-01-03T00:00:00Z"}"#,
        ));
        seen.prune(aad_common::time::parse_instant("2024-01-02").unwrap());
        let entries = seen.entries();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].id, "new");
        let back = Seen::load(Dedup::Changed, &entries);
        assert_eq!(back.entries(), entries);
    }
}
