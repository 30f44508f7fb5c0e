//! `--sort`: a [`Sink`] in front of the output that holds every record, then hands them
//! on in order. Memory grows with the input (the records are kept as text, with their
//! keys).
//!
//! The order is stable and typed: numbers by value, then RFC 3339 times by instant, then
//! other strings by code point, then false and true, then objects and arrays by their
//! compact JSON; missing and null values come last, also with `:desc` (which reverses
//! the rest).

use std::cmp::Ordering;

use aad_common::Result;
use serde_json::value::RawValue;

use crate::bad_input::{Bad, Place, Reporter};
use crate::fields;
use crate::raw::{Kind, compact, push_str};
use crate::select::{Cells, Select, recycle};
use crate::sink::Sink;
use crate::times::{Instant, instant};

/// One `--sort` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SortKey {
    pub(crate) path: Vec<String>,
    pub(crate) descending: bool,
}

/// The `--sort` keys: `PATH[:asc|:desc]`, comma-separated or repeated.
pub(crate) fn sort_keys(given: &[String]) -> Result<Vec<SortKey>, String> {
    let mut keys = Vec::new();
    for list in given {
        for key in fields::split_unescaped(list, ',') {
            let key = key.trim();
            let (path, descending) = match key.rsplit_once(':') {
                Some((path, "desc")) => (path, true),
                Some((path, "asc")) => (path, false),
                Some((_, order)) if !order.contains('.') => {
                    return Err(format!(
                        "--sort: '{key}': the order is asc or desc, not '{order}'"
                    ));
                }
                _ => (key, false),
            };
            if path.is_empty() {
                return Err(format!("--sort: empty key in '{list}'"));
            }
            let path = fields::parse_path(path).map_err(|e| format!("--sort: {e}"))?;
            keys.push(SortKey { path, descending });
        }
    }
    Ok(keys)
}

/// A sort key's value, in the order of the kinds.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Number(f64),
    Time(Instant),
    Str(String),
    Bool(bool),
    Json(String),
    /// Missing or null: always last.
    Absent,
}

impl Key {
    fn of(value: Option<&RawValue>, record: &str) -> Result<Key, Bad> {
        let Some(value) = value else {
            return Ok(Key::Absent);
        };
        let json = value.get();
        Ok(match Kind::of(json) {
            Kind::Null => Key::Absent,
            Kind::Number => Key::Number(json.parse().unwrap_or(f64::INFINITY)),
            Kind::Bool => Key::Bool(json == "true"),
            Kind::String => {
                let mut text = String::new();
                push_str(json, &mut text).map_err(|_| Bad::string(json, record))?;
                match instant(&text) {
                    Some(time) => Key::Time(time),
                    None => Key::Str(text),
                }
            }
            Kind::Object | Kind::Array => {
                let mut text = String::new();
                compact(json, &mut text);
                Key::Json(text)
            }
        })
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Number(_) => 0,
            Key::Time(_) => 1,
            Key::Str(_) => 2,
            Key::Bool(_) => 3,
            Key::Json(_) => 4,
            Key::Absent => 5,
        }
    }

    /// The order of two keys; `descending` reverses it except for absent values.
    fn order(&self, other: &Key, descending: bool) -> Ordering {
        let ordered = match (self, other) {
            (Key::Absent, Key::Absent) => return Ordering::Equal,
            (Key::Absent, _) => return Ordering::Greater,
            (_, Key::Absent) => return Ordering::Less,
            (Key::Number(a), Key::Number(b)) => a.total_cmp(b),
            (Key::Time(a), Key::Time(b)) => a.cmp(b),
            (Key::Str(a), Key::Str(b)) | (Key::Json(a), Key::Json(b)) => a.cmp(b),
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        };
        if descending {
            ordered.reverse()
        } else {
            ordered
        }
    }
}

/// A record held until the end.
struct Held {
    record: String,
    place: Place,
    keys: Vec<Key>,
}

/// Holds the records and hands them to `inner` sorted when the input ends.
pub(crate) struct Sorted<'s> {
    inner: &'s mut dyn Sink,
    select: Select,
    descending: Vec<bool>,
    held: Vec<Held>,
    spare: Cells<'static>,
}

impl<'s> Sorted<'s> {
    /// Sorts by `keys` into `inner`.
    pub(crate) fn new(inner: &'s mut dyn Sink, keys: &[SortKey]) -> Sorted<'s> {
        let paths: Vec<Vec<String>> = keys.iter().map(|k| k.path.clone()).collect();
        Sorted {
            inner,
            select: Select::of_paths(&paths),
            descending: keys.iter().map(|k| k.descending).collect(),
            held: Vec::new(),
            spare: Vec::new(),
        }
    }

    fn keys(&mut self, record: &str) -> Result<Vec<Key>, Bad> {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let keys = self.select.cells(record, &mut cells).and_then(|()| {
            cells
                .iter()
                .map(|value| Key::of(*value, record))
                .collect::<Result<Vec<Key>, Bad>>()
        });
        self.spare = recycle(cells);
        keys
    }
}

impl Sink for Sorted<'_> {
    fn record(&mut self, record: &str, place: &Place, reporter: &mut Reporter) -> Result<()> {
        match self.keys(record) {
            Ok(keys) => {
                self.held.push(Held {
                    record: record.to_string(),
                    place: place.clone(),
                    keys,
                });
                Ok(())
            }
            Err(bad) => reporter.bad(place, bad),
        }
    }

    fn flush(&mut self) -> Result<()> {
        // Nothing is written before the end; what the output holds is its head.
        self.inner.flush()
    }

    fn finish(&mut self, reporter: &mut Reporter) -> Result<()> {
        let descending = &self.descending;
        self.held.sort_by(|a, b| {
            a.keys
                .iter()
                .zip(&b.keys)
                .zip(descending)
                .map(|((a, b), desc)| a.order(b, *desc))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        for held in std::mem::take(&mut self.held) {
            self.inner.record(&held.record, &held.place, reporter)?;
        }
        self.inner.finish(reporter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that keeps what it is given.
    #[derive(Default)]
    struct Keep(Vec<String>);

    impl Sink for Keep {
        fn record(&mut self, record: &str, _: &Place, _: &mut Reporter) -> Result<()> {
            self.0.push(record.to_string());
            Ok(())
        }
        fn flush(&mut self) -> Result<()> {
            Ok(())
        }
        fn finish(&mut self, _: &mut Reporter) -> Result<()> {
            Ok(())
        }
    }

    fn sorted(keys: &str, records: &[&str]) -> Vec<String> {
        let keys: Vec<SortKey> = keys
            .split(',')
            .map(|k| {
                let (path, descending) = match k.strip_suffix(":desc") {
                    Some(path) => (path, true),
                    None => (k, false),
                };
                SortKey {
                    path: path.split('.').map(str::to_string).collect(),
                    descending,
                }
            })
            .collect();
        let mut keep = Keep::default();
        let mut reporter = Reporter::new(false, true);
        let place = Place {
            file: "t".into(),
            line: 1,
            column: 1,
        };
        let mut sink = Sorted::new(&mut keep, &keys);
        for record in records {
            sink.record(record, &place, &mut reporter).unwrap();
        }
        sink.finish(&mut reporter).unwrap();
        keep.0
    }

    #[test]
    fn typed_order_with_missing_last_both_ways() {
        let records = [
            r#"{"k":"b"}"#,
            r#"{"k":10}"#,
            r#"{"x":1}"#,
            r#"{"k":"2026-11-29T21:47:56.5Z"}"#,
            r#"{"k":9.5}"#,
            r#"{"k":null}"#,
            r#"{"k":"2026-11-29T22:47:56.4999999+01:00"}"#,
            r#"{"k":"a"}"#,
            r#"{"k":true}"#,
            r#"{"k":[1]}"#,
        ];
        let ascending = sorted("k", &records);
        assert_eq!(
            ascending,
            [
                records[4], records[1], records[6], records[3], records[7], records[0], records[8],
                records[9], records[2], records[5]
            ]
        );
        let descending = sorted("k:desc", &records);
        assert_eq!(
            descending,
            [
                records[9], records[8], records[0], records[7], records[3], records[6], records[1],
                records[4], records[2], records[5]
            ]
        );
    }

    #[test]
    fn sort_keys_take_an_order() {
        let given = ["a.b:desc,c", r"d\:e:asc", "x.y:z.w"].map(String::from);
        let keys: Vec<_> = sort_keys(&given)
            .unwrap()
            .iter()
            .map(|k| (k.path.join("/"), k.descending))
            .collect();
        assert_eq!(
            keys,
            [
                ("a/b".to_string(), true),
                ("c".to_string(), false),
                ("d:e".to_string(), false),
                ("x/y:z/w".to_string(), false)
            ]
        );
        assert!(
            sort_keys(&["a:down".to_string()])
                .unwrap_err()
                .contains("asc or desc")
        );
        assert!(
            sort_keys(&[":desc".to_string()])
                .unwrap_err()
                .contains("empty key")
        );
        assert!(
            sort_keys(&["a..b".to_string()])
                .unwrap_err()
                .contains("empty step")
        );
    }

    #[test]
    fn later_keys_break_ties_and_equal_records_keep_their_order() {
        let records = [
            r#"{"a":1,"b":"y","n":1}"#,
            r#"{"a":0,"b":"z","n":2}"#,
            r#"{"a":1,"b":"x","n":3}"#,
            r#"{"a":1,"b":"y","n":4}"#,
        ];
        assert_eq!(
            sorted("a:desc,b", &records),
            [records[2], records[0], records[3], records[1]]
        );
    }
}
