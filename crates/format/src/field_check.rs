//! The warning for a `--fields` column that found nothing in the first records read (a
//! misspelt `userPrincipleName` would otherwise give an empty column without a word),
//! with a did-you-mean from the keys those records had. Preset columns are not checked:
//! some of them are empty in a whole report (an error reason where nothing failed).

use std::collections::BTreeSet;

use serde_json::value::RawValue;

use crate::fields::{Column, written};
use crate::flatten::{Flatten, READ_AHEAD, walk};
use crate::page::line_records;
use crate::select::{Cells, Select, recycle};

/// Keys remembered for suggestions at most, whatever the records hold.
const MAX_KEYS: usize = 2000;

/// The records whose keys are collected for suggestions: a slip is a key of most
/// records, and walking every key of all the first records would double their cost.
const KEY_SAMPLE: usize = 100;

/// Watches the first [`READ_AHEAD`] records for columns that find nothing.
pub(crate) struct FieldCheck {
    select: Select,
    /// Each checked column's paths as written, and whether some record had a value.
    columns: Vec<(String, bool)>,
    /// The index in `select`'s columns of each checked column.
    checked: Vec<usize>,
    keys: BTreeSet<String>,
    records: usize,
    done: bool,
    spare: Cells<'static>,
}

impl FieldCheck {
    /// A check of the `columns` not from presets; `None` when there are none.
    pub(crate) fn new(columns: &[Column]) -> Option<FieldCheck> {
        let checked: Vec<usize> = (0..columns.len())
            .filter(|&i| !columns[i].from_preset)
            .collect();
        if checked.is_empty() {
            return None;
        }
        let names = checked
            .iter()
            .map(|&i| {
                let paths: Vec<String> = columns[i].paths.iter().map(|p| written(p)).collect();
                (paths.join("|"), false)
            })
            .collect();
        Some(FieldCheck {
            select: Select::new(columns),
            columns: names,
            checked,
            keys: BTreeSet::new(),
            records: 0,
            done: false,
            spare: Vec::new(),
        })
    }

    /// Looks at the records of one input line; once [`READ_AHEAD`] records were seen,
    /// returns the warnings (once).
    pub(crate) fn line(&mut self, bytes: &[u8], number: u64) -> Vec<String> {
        if self.done {
            return Vec::new();
        }
        // Bad lines and records are the renderers' to report.
        let Ok(records) = line_records(bytes, number) else {
            return Vec::new();
        };
        for (record, _) in records.iter() {
            self.record(record);
            if self.records >= READ_AHEAD {
                return self.finish();
            }
        }
        Vec::new()
    }

    fn record(&mut self, record: &str) {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        if self.select.cells(record, &mut cells).is_ok() {
            self.records += 1;
            for (column, &i) in self.columns.iter_mut().zip(&self.checked) {
                column.1 |= cells[i].is_some();
            }
            if self.records <= KEY_SAMPLE && self.keys.len() < MAX_KEYS {
                let mut keys = Keys {
                    keys: &mut self.keys,
                    key: String::new(),
                };
                let _ = walk(record, 0, &mut keys);
            }
        }
        self.spare = recycle(cells);
    }

    /// The warnings, when not given yet: at the end of the input, or after the
    /// read-ahead.
    pub(crate) fn finish(&mut self) -> Vec<String> {
        if std::mem::replace(&mut self.done, true) || self.records == 0 {
            return Vec::new();
        }
        let read = if self.records >= READ_AHEAD {
            format!("the first {} records", self.records)
        } else if self.records == 1 {
            "the one record read".to_string()
        } else {
            format!("the {} records read", self.records)
        };
        self.columns
            .iter()
            .filter(|(_, found)| !found)
            .map(|(path, _)| {
                let mut warning = format!("--fields path '{path}' matched nothing in {read}");
                if let Some(key) = closest(path, &self.keys) {
                    warning.push_str(&format!(" (did you mean '{key}'?)"));
                }
                warning
            })
            .collect()
    }
}

/// Collects the dotted keys of records, up to [`MAX_KEYS`].
struct Keys<'a> {
    keys: &'a mut BTreeSet<String>,
    key: String,
}

impl<'de> Flatten<'de> for Keys<'_> {
    type At = usize;

    fn key(&mut self, parent: usize, key: &str) -> Result<usize, String> {
        self.key.truncate(parent);
        if parent > 0 {
            self.key.push('.');
        }
        self.key.push_str(key);
        if self.keys.len() < MAX_KEYS && !self.keys.contains(&self.key) {
            self.keys.insert(self.key.clone());
        }
        Ok(self.key.len())
    }

    fn leaf(&mut self, _: usize, _: &'de RawValue) -> Result<(), String> {
        Ok(())
    }
}

/// The key nearest to `path` in edits, when it is near enough to be a slip: at most a
/// third of the path's characters differ (so short paths get no suggestion).
fn closest<'k>(path: &str, keys: &'k BTreeSet<String>) -> Option<&'k str> {
    let most = path.chars().count() / 3;
    keys.iter()
        .map(|key| (distance(path, key), key))
        .filter(|(d, _)| *d <= most)
        .min_by_key(|(d, _)| *d)
        .map(|(_, key)| key.as_str())
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let replaced = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = replaced.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::parse;

    fn check(list: &str, lines: &[&str]) -> Vec<String> {
        let mut check = FieldCheck::new(&parse(list).unwrap()).unwrap();
        let mut warnings = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            warnings.extend(check.line(line.as_bytes(), i as u64 + 1));
        }
        warnings.extend(check.finish());
        warnings
    }

    #[test]
    fn a_path_that_finds_nothing_is_named_with_a_suggestion() {
        let lines = [
            r#"{"userPrincipalName":"a","status":{"errorCode":0},"t":[{"id":1}]}"#,
            r#"{"userPrincipalName":"b","late":1}"#,
        ];
        assert_eq!(
            check(
                "userPrincipleName,status.errorCode,late,who=nope|t.0.id,status.errrCode,zzz",
                &lines
            ),
            [
                "--fields path 'userPrincipleName' matched nothing in the 2 records read (did you mean 'userPrincipalName'?)",
                "--fields path 'status.errrCode' matched nothing in the 2 records read (did you mean 'status.errorCode'?)",
                "--fields path 'zzz' matched nothing in the 2 records read",
            ]
        );
    }

    #[test]
    fn only_the_read_ahead_counts_and_presets_are_not_checked() {
        let mut lines = vec![r#"{"a":1}"#.to_string(); READ_AHEAD];
        lines.push(r#"{"b":1}"#.to_string());
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(
            check("b", &lines),
            ["--fields path 'b' matched nothing in the first 1000 records"]
        );
        assert!(FieldCheck::new(&parse("@audits").unwrap()).is_none());
        assert_eq!(check("a", &[]), Vec::<String>::new());
        // Pages count their records; bad lines count nothing.
        assert_eq!(
            check("x", &[r#"{"value":[{"x":1},{"y":2}]}"#, "not json"]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn distances_count_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
