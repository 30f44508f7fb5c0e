//! Flattening: a record's nested objects become dotted keys (`initiatedBy.user.id`);
//! arrays, scalars, null and empty objects are the leaves, each kept as raw JSON text.
//!
//! [`walk`] visits the leaves of a record in input order and tells a [`Flatten`] about
//! each key and leaf; the text output prints them, [`Discover`] turns them into columns.
//! Objects are parsed level by level with their values kept raw, so arrays (most of an
//! audit record's bytes) are never parsed beyond the scan that finds their end.

use std::collections::HashSet;

use serde_json::value::RawValue;

use crate::bad_input::{Bad, Place, Reporter};
use crate::fields::{NodeId, PathTree};
use crate::raw::{Entries, Kind, object_entries, offset_in};
use crate::select::Cells;

/// Objects nested deeper than this are refused (serde_json's own limit is the same).
pub(crate) const MAX_DEPTH: usize = 128;

/// Receives the keys and leaves of a record from [`walk`].
pub(crate) trait Flatten<'de> {
    /// Where the walk is: the record, or a key below it.
    type At: Copy;

    /// Steps from `parent` into `key`. An error (a reason) rejects the record.
    fn key(&mut self, parent: Self::At, key: &str) -> Result<Self::At, String>;

    /// A leaf at `at`: a scalar, null, an array or an empty object, as raw JSON.
    fn leaf(&mut self, at: Self::At, value: &'de RawValue) -> Result<(), String>;
}

/// The dotted keys of a record may add up to at most this many times its size (plus
/// [`KEY_SLACK`]). Each dotted key repeats the keys above it, so a long key over many
/// others (1 MB over 3,000) would otherwise make gigabytes of keys of one record.
pub(crate) const MAX_KEY_GROWTH: usize = 8;

/// What the dotted keys of any record may take besides [`MAX_KEY_GROWTH`].
const KEY_SLACK: usize = 64 << 10;

/// Walks the leaves of `record`, which must be a JSON object.
pub(crate) fn walk<'de, F: Flatten<'de>>(
    record: &'de str,
    root: F::At,
    f: &mut F,
) -> Result<(), Bad> {
    let entries = object_entries(record).map_err(|e| Bad::record(&e, record))?;
    let mut walk = Walk {
        record,
        key_budget: record.len().saturating_mul(MAX_KEY_GROWTH) + KEY_SLACK,
    };
    walk.entries(entries, root, f, 0, 1).map(|_| ())
}

/// One walk over a record.
struct Walk<'de> {
    record: &'de str,
    /// Bytes of dotted keys still allowed.
    key_budget: usize,
}

impl<'de> Walk<'de> {
    /// Walks one object's entries, whose dotted keys start with `prefix` bytes; returns how
    /// many leaves it had.
    fn entries<F: Flatten<'de>>(
        &mut self,
        entries: Entries<'de>,
        at: F::At,
        f: &mut F,
        prefix: usize,
        depth: usize,
    ) -> Result<usize, Bad> {
        let record = self.record;
        let mut leaves = 0;
        for (key, value) in entries {
            let json = value.get();
            let bad = |reason| Bad::new(offset_in(record, json), reason);
            let dotted = if prefix == 0 {
                key.len()
            } else {
                prefix + 1 + key.len()
            };
            self.key_budget = self.key_budget.checked_sub(dotted).ok_or_else(|| {
            bad(format!(
                "the record's dotted keys would be more than {MAX_KEY_GROWTH} times its size (a long key above many others); name the columns with --fields"
            ))
        })?;
            let child = f.key(at, &key).map_err(bad)?;
            let mut inner = 0;
            if Kind::of(json) == Kind::Object {
                if depth >= MAX_DEPTH {
                    return Err(bad(format!(
                        "objects nested more than {MAX_DEPTH} levels deep"
                    )));
                }
                let entries = object_entries(json).map_err(|e| Bad::json(&e, json, record))?;
                inner = self.entries(entries, child, f, dotted, depth + 1)?;
            }
            if inner == 0 {
                f.leaf(child, value).map_err(bad)?;
                inner = 1;
            }
            leaves += inner;
        }
        Ok(leaves)
    }
}

/// Columns from the flattened keys of the records, in the order first seen.
///
/// While learning, every new key becomes a column. Once [`Discover::freeze`] is called
/// (after the read-ahead of csv and tsv), a new key is reported once and left out, or
/// with `--strict-fields` rejects its record.
#[derive(Debug)]
pub(crate) struct Discover {
    tree: PathTree,
    /// The column of each tree node that is a leaf of some record.
    column_of: Vec<Option<usize>>,
    names: Vec<String>,
    frozen: bool,
    strict: bool,
    /// New keys already reported after the freeze.
    reported: HashSet<NodeId>,
}

/// After the freeze, at most this many new keys are remembered and reported, so that
/// input with ever new keys cannot grow memory without bound.
const MAX_REPORTED: usize = 1000;

/// How many records csv and tsv read ahead to find their columns.
pub(crate) const READ_AHEAD: usize = 1000;

impl Discover {
    /// No columns yet, learning; `strict` is `--strict-fields`.
    pub(crate) fn new(strict: bool) -> Discover {
        Discover {
            tree: PathTree::new(),
            column_of: vec![None],
            names: Vec::new(),
            frozen: false,
            strict,
            reported: HashSet::new(),
        }
    }

    /// The column names so far, in order.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Fixes the columns: from now on new keys are reported, not added.
    pub(crate) fn freeze(&mut self) {
        self.frozen = true;
    }

    /// Fills `cells` (one per column, resized here) from the record at `place`; learns
    /// new columns unless frozen. Warnings about new keys go through `reporter`.
    pub(crate) fn cells<'de>(
        &mut self,
        record: &'de str,
        place: &Place,
        reporter: &Reporter,
        cells: &mut Cells<'de>,
    ) -> Result<(), Bad> {
        cells.clear();
        cells.resize(self.names.len(), None);
        let mut fill = Fill {
            discover: self,
            cells,
            place,
            reporter,
        };
        walk(record, Some(PathTree::ROOT), &mut fill)
    }
}

/// Flattens one record into [`Discover`]'s columns.
struct Fill<'a, 'de> {
    discover: &'a mut Discover,
    cells: &'a mut Cells<'de>,
    place: &'a Place,
    reporter: &'a Reporter,
}

// `key` and `leaf` run for every key of every record of csv, tsv and table without
// `--fields`; `#[inline]` keeps them in `walk`'s loop, which the optimiser stopped doing on
// its own once aad-format became a library (2% more instructions for `--to csv`).
impl<'de> Flatten<'de> for Fill<'_, 'de> {
    /// The tree node, or `None` below a new key that is no longer remembered.
    type At = Option<NodeId>;

    #[inline]
    fn key(&mut self, parent: Self::At, key: &str) -> Result<Self::At, String> {
        let Some(parent) = parent else {
            return Ok(None);
        };
        let d = &mut *self.discover;
        if let Some(child) = d.tree.key_child(parent, key) {
            return Ok(Some(child));
        }
        if d.frozen && d.reported.len() >= MAX_REPORTED {
            return Ok(None);
        }
        let child = d.tree.child_or_insert(parent, key);
        d.column_of.resize(d.tree.len(), None);
        Ok(Some(child))
    }

    #[inline]
    fn leaf(&mut self, at: Self::At, value: &'de RawValue) -> Result<(), String> {
        let Some(node) = at else {
            return Ok(());
        };
        let d = &mut *self.discover;
        let column = match d.column_of[node] {
            Some(column) => column,
            None if !d.frozen => {
                let column = d.names.len();
                d.names.push(d.tree.dotted(node));
                d.tree.add_column(node, column);
                d.column_of[node] = Some(column);
                self.cells.push(None);
                column
            }
            None => return self.new_key_after_freeze(node),
        };
        self.cells[column] = Some(value);
        Ok(())
    }
}

impl Fill<'_, '_> {
    fn new_key_after_freeze(&mut self, node: NodeId) -> Result<(), String> {
        let d = &mut *self.discover;
        let key = d.tree.dotted(node);
        if d.strict {
            return Err(format!(
                "key '{key}' is not one of the columns found in the first {READ_AHEAD} records (--strict-fields; name the columns with --fields)"
            ));
        }
        if d.reported.insert(node) {
            self.reporter.warn(&format!(
                "{}:{}: key '{key}' first seen after the first {READ_AHEAD} records is left out (name the columns with --fields)",
                self.place.file, self.place.line
            ));
            if d.reported.len() == MAX_REPORTED {
                self.reporter.warn(&format!(
                    "more than {MAX_REPORTED} new keys; no more are reported"
                ));
            }
        }
        Ok(())
    }
}

/// The flattened keys and leaves of a record, in order, as (key, raw value) pairs.
#[cfg(test)]
pub(crate) fn pairs(record: &str) -> Result<Vec<(String, String)>, Bad> {
    struct Pairs(Vec<(String, String)>, String);
    impl<'de> Flatten<'de> for Pairs {
        type At = usize;
        fn key(&mut self, parent: usize, key: &str) -> Result<usize, String> {
            self.1.truncate(parent);
            if parent > 0 {
                self.1.push('.');
            }
            self.1.push_str(key);
            Ok(self.1.len())
        }
        fn leaf(&mut self, at: usize, value: &'de RawValue) -> Result<(), String> {
            self.0
                .push((self.1[..at].to_string(), value.get().to_string()));
            Ok(())
        }
    }
    let mut pairs = Pairs(Vec::new(), String::new());
    walk(record, 0, &mut pairs)?;
    Ok(pairs.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn objects_flatten_to_dotted_keys_and_arrays_stay_whole() {
        let record =
            r#"{"id":"1","by":{"user":{"upn":"a"},"app":null},"t":[{"x":1}],"e":{},"n":-0.0}"#;
        assert_eq!(
            pairs(record).unwrap(),
            p(&[
                ("id", r#""1""#),
                ("by.user.upn", r#""a""#),
                ("by.app", "null"),
                ("t", r#"[{"x":1}]"#),
                ("e", "{}"),
                ("n", "-0.0"),
            ])
        );
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!(r#"{}1{}"#, r#"{"a":"#.repeat(200), "}".repeat(200));
        let bad = pairs(&deep).unwrap_err();
        assert!(
            bad.reason.contains("nested more than 128"),
            "{}",
            bad.reason
        );
        let ok = format!(r#"{}1{}"#, r#"{"a":"#.repeat(128), "}".repeat(128));
        assert_eq!(pairs(&ok).unwrap().len(), 1);
        // Arrays are leaves: any depth of them is fine.
        let arrays = format!(r#"{{"a":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(pairs(&arrays).unwrap().len(), 1);
    }

    #[test]
    fn long_keys_over_many_keys_are_refused() {
        let inner: Vec<String> = (0..3000).map(|i| format!(r#""k{i}":1"#)).collect();
        let record = format!(r#"{{"{}":{{{}}}}}"#, "K".repeat(100_000), inner.join(","));
        let bad = pairs(&record).unwrap_err();
        assert!(
            bad.reason.contains("more than 8 times its size"),
            "{}",
            bad.reason
        );
        // A long key over a few keys is fine.
        let record = format!(r#"{{"{}":{{"a":1,"b":2}}}}"#, "K".repeat(100_000));
        assert_eq!(pairs(&record).unwrap().len(), 2);
    }

    fn place() -> Place {
        Place {
            file: "f".into(),
            line: 9,
            column: 1,
        }
    }

    fn cells_of<'a>(d: &mut Discover, record: &'a str) -> Result<Vec<Option<&'a str>>, Bad> {
        let mut cells = Vec::new();
        d.cells(record, &place(), &Reporter::new(false, true), &mut cells)?;
        Ok(cells.iter().map(|c| c.map(RawValue::get)).collect())
    }

    #[test]
    fn columns_are_learned_in_first_seen_order() {
        let mut d = Discover::new(false);
        assert_eq!(
            cells_of(&mut d, r#"{"a":1,"b":{"c":2}}"#).unwrap(),
            [Some("1"), Some("2")]
        );
        assert_eq!(
            cells_of(&mut d, r#"{"d":3,"b":null,"a":4}"#).unwrap(),
            [Some("4"), None, Some("3"), Some("null")]
        );
        assert_eq!(d.names(), ["a", "b.c", "d", "b"]);
    }

    #[test]
    fn after_the_freeze_new_keys_are_left_out_or_rejected() {
        let mut d = Discover::new(false);
        cells_of(&mut d, r#"{"a":1}"#).unwrap();
        d.freeze();
        assert_eq!(
            cells_of(&mut d, r#"{"z":{"y":0},"a":2}"#).unwrap(),
            [Some("2")]
        );
        assert_eq!(d.names(), ["a"]);

        let mut strict = Discover::new(true);
        cells_of(&mut strict, r#"{"a":1}"#).unwrap();
        strict.freeze();
        let record = r#"{"a":2,"z":{"y":0}}"#;
        let bad = cells_of(&mut strict, record).unwrap_err();
        assert_eq!(bad.at, record.find("0}").unwrap());
        assert!(
            bad.reason.contains("key 'z.y' is not one of the columns"),
            "{}",
            bad.reason
        );
    }

    #[test]
    fn endless_new_keys_do_not_grow_memory_without_bound() {
        let mut d = Discover::new(false);
        cells_of(&mut d, r#"{"a":1}"#).unwrap();
        d.freeze();
        for i in 0..5000 {
            cells_of(&mut d, &format!(r#"{{"k{i}":{{"x":1}}}}"#)).unwrap();
        }
        assert!(d.tree.len() < 2 * MAX_REPORTED + 10, "{}", d.tree.len());
    }
}
