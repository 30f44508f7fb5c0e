//! What the state file holds, as the man page documents it: a snapshot on its first line,
//! then journal lines, one per page written, each applied over the snapshot in order.
//!
//! ```text
//! {"version":2,"query":{...},"checkpoint":"...","span":"1d","output":{...},"emitted":[...],"chain":null}
//! {"page":{"output":{...},"emitted":[<entries of this page>],"chain":{...}}}
//! {"done":{"checkpoint":"...","span":"1d"}}
//! ```
//!
//! Version 1 files (one JSON object, `query` a text, no journal) are read as they are.

use aad_common::time::{graph_time, parse_instant};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::identity::StoredQuery;
use crate::window::Slice;

/// The layout this aad-fetch writes.
pub(crate) const VERSION: u32 = 2;

/// A record emitted recently enough to matter for deduplication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Emitted {
    /// The record's id; none for a record without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    /// The content hash, as 16 hex digits.
    #[serde(with = "hex64")]
    pub(crate) hash: u64,
    /// The record's time (its time field, else the end of its family); none in old
    /// files for records without a known time field.
    #[serde(
        default,
        with = "lenient_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) time: Option<DateTime<Utc>>,
}

/// Where the output file stood after the last page written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutputMark {
    /// The `--output` path.
    pub(crate) path: String,
    /// Its length in bytes.
    pub(crate) length: u64,
    /// 16 hex digits of the SHA-256 of the (up to) 4 KiB before `length`: tells the file
    /// the state wrote from a rotated or replaced one, which must never be cut back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tail: Option<String>,
}

/// A time range as the state writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredRange {
    #[serde(default, with = "lenient_time")]
    pub(crate) start: Option<DateTime<Utc>>,
    #[serde(default, with = "lenient_time")]
    pub(crate) end: Option<DateTime<Utc>>,
}

impl From<Slice> for StoredRange {
    fn from(s: Slice) -> StoredRange {
        StoredRange {
            start: s.start,
            end: s.end,
        }
    }
}

impl From<StoredRange> for Slice {
    fn from(r: StoredRange) -> Slice {
        Slice {
            start: r.start,
            end: r.end,
        }
    }
}

/// The family in progress: enough to go on from the next page after a kill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChainState {
    /// The family (a piece of the window) being fetched.
    pub(crate) family: StoredRange,
    /// The part of it whose chain of pages is in progress.
    pub(crate) part: StoredRange,
    /// The part length in use (`12h`); none: the whole family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) span: Option<String>,
    /// The next page's link; none when the part is done (`done`) or when the chain must
    /// start again just after the frontier (stopped inside a page by `--top`).
    #[serde(default)]
    pub(crate) next: Option<String>,
    /// The part is complete: the next part is the span below it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) done: bool,
    /// The oldest time written from the family.
    #[serde(default, with = "lenient_time")]
    pub(crate) frontier: Option<DateTime<Utc>>,
    /// Content hashes of the records written at the frontier.
    #[serde(default, with = "hex64_list")]
    pub(crate) ties: Vec<u64>,
    /// The family came newest first so far (a chain may be narrowed to the frontier).
    pub(crate) ordered: bool,
}

/// The snapshot: the whole state as of its writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StateDoc {
    /// The layout of the file, so a later version can read an older one.
    pub(crate) version: u32,
    /// The query this state belongs to.
    pub(crate) query: StoredQuery,
    /// End of the last completed family (RFC 3339, seven fractional digits).
    #[serde(default)]
    pub(crate) checkpoint: Option<String>,
    /// The part length that worked with `--slice auto` (`1d`); none: the whole window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) span: Option<String>,
    /// Where `--output` stood after the last page: a longer file is cut back to it.
    #[serde(default)]
    pub(crate) output: Option<OutputMark>,
    /// Records emitted that a later run may list again.
    #[serde(default)]
    pub(crate) emitted: Vec<Emitted>,
    /// The family in progress, when a run stopped inside one.
    #[serde(default)]
    pub(crate) chain: Option<ChainState>,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum JournalLine {
    /// A page was written.
    Page(PageEntry),
    /// A family was completed.
    Done(DoneEntry),
}

/// What a page changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) output: Option<OutputMark>,
    /// The page's records to remember (inside the overlap, or at the frontier).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) emitted: Vec<Emitted>,
    pub(crate) chain: Option<ChainState>,
}

/// What completing a family changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DoneEntry {
    pub(crate) checkpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) span: Option<String>,
}

impl StateDoc {
    /// A new state for `query`.
    pub(crate) fn new(query: StoredQuery) -> StateDoc {
        StateDoc {
            version: VERSION,
            query,
            checkpoint: None,
            span: None,
            output: None,
            emitted: Vec::new(),
            chain: None,
        }
    }

    /// Applies a journal line.
    pub(crate) fn apply(&mut self, line: JournalLine) {
        match line {
            JournalLine::Page(page) => {
                if page.output.is_some() {
                    self.output = page.output;
                }
                self.emitted.extend(page.emitted);
                self.chain = page.chain;
            }
            JournalLine::Done(done) => {
                self.checkpoint = done.checkpoint;
                self.span = done.span;
                self.chain = None;
            }
        }
    }
}

/// A `u64` as 16 hex digits.
mod hex64 {
    use super::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:016x}"))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        u64::from_str_radix(&text, 16)
            .map_err(|_| serde::de::Error::custom(format!("'{text}' is not 16 hex digits")))
    }
}

/// A list of `u64`s as hex digits.
mod hex64_list {
    use super::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = v.iter().map(|h| format!("{h:016x}")).collect();
        texts.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| {
                u64::from_str_radix(t, 16)
                    .map_err(|_| serde::de::Error::custom(format!("'{t}' is not 16 hex digits")))
            })
            .collect()
    }
}

/// A time written as Graph writes it; read in any form [`parse_instant`] knows, and a
/// text that is no time (version 1 kept whatever a record held) read as none.
mod lenient_time {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc, graph_time, parse_instant};

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&graph_time(*t)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        Ok(text.as_deref().and_then(parse_instant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_1_files_are_read() {
        let v1 = r#"{"version":1,"query":"http://127.0.0.1:1/v1.0/auditLogs/directoryAudits","checkpoint":"2024-01-01T00:00:00.0000000Z","output":{"path":"o","length":3,"tail":"00"},"emitted":[{"id":"a","hash":"0123456789abcdef","time":"2024-01-01T00:00:00Z"},{"hash":"00000000000000ff","time":"not a time"}]}"#;
        let doc: StateDoc = serde_json::from_str(v1).unwrap();
        assert_eq!(doc.version, 1);
        assert!(matches!(doc.query, StoredQuery::Text(_)));
        assert_eq!(doc.emitted[0].hash, 0x0123_4567_89ab_cdef);
        assert_eq!(doc.emitted[1].time, None);
        assert_eq!(doc.chain, None);
    }

    #[test]
    fn journal_lines_round_trip_and_apply() {
        let chain = ChainState {
            family: StoredRange {
                start: parse_instant("2024-01-01"),
                end: parse_instant("2024-01-02"),
            },
            part: StoredRange {
                start: parse_instant("2024-01-01"),
                end: parse_instant("2024-01-02"),
            },
            span: None,
            next: Some("http://h/x?$skiptoken=1".into()),
            done: false,
            frontier: parse_instant("2024-01-01T12:00:00Z"),
            ties: vec![1, u64::MAX],
            ordered: true,
        };
        let line = JournalLine::Page(PageEntry {
            output: None,
            emitted: vec![Emitted {
                id: None,
                hash: 5,
                time: parse_instant("2024-01-01T12:00:00Z"),
            }],
            chain: Some(chain.clone()),
        });
        let text = serde_json::to_string(&line).unwrap();
        assert!(text.starts_with(r#"{"page":{"emitted":[{"hash":"0000000000000005","time":"2024-01-01T12:00:00.0000000Z"}],"chain":{"family":"#), "{text}");
        assert!(
            text.contains(r#""ties":["0000000000000001","ffffffffffffffff"]"#),
            "{text}"
        );
        let back: JournalLine = serde_json::from_str(&text).unwrap();
        assert_eq!(back, line);
        let mut doc = StateDoc::new(StoredQuery::Text("q".into()));
        doc.apply(back);
        assert_eq!(doc.chain, Some(chain));
        assert_eq!(doc.emitted.len(), 1);
        doc.apply(JournalLine::Done(DoneEntry {
            checkpoint: Some("2024-01-02T00:00:00.0000000Z".into()),
            span: Some("1d".into()),
        }));
        assert_eq!(doc.chain, None);
        assert_eq!(doc.span.as_deref(), Some("1d"));
    }
}
