//! Bad input lines and records, and their reporting: what is wrong ([`Bad`], at a byte
//! offset into the record), where the record is ([`Place`]: file, line, column), and
//! what happens then ([`Reporter`]: stop with status 6, or with `--skip-invalid` warn,
//! go on and end with status 6). Warnings about good input (a late key) go through the
//! same [`Reporter`], so that `--quiet` silences them in one place.

use std::sync::Arc;

use aad_common::{Error, Result};

/// Why a string of a valid record cannot be decoded.
pub(crate) const LONE_SURROGATE: &str =
    "a string with a lone UTF-16 surrogate escape (\\ud800 to \\udfff) cannot be decoded";

/// A problem in a record's (or a line's) text, at a byte offset into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bad {
    /// Byte offset from the start of the record text.
    pub(crate) at: usize,
    /// What is wrong, for the message.
    pub(crate) reason: String,
}

impl Bad {
    /// A problem at byte `at` of the record.
    pub(crate) fn new(at: usize, reason: impl Into<String>) -> Bad {
        Bad {
            at,
            reason: reason.into(),
        }
    }

    /// A line longer than `--max-line`.
    pub(crate) fn too_long(max_line: usize) -> Bad {
        Bad::new(
            0,
            format!("line longer than {max_line} bytes (--max-line raises the limit)"),
        )
    }

    /// A serde_json error met while parsing `text`, a part of `record`.
    pub(crate) fn json(err: &serde_json::Error, text: &str, record: &str) -> Bad {
        let at = crate::raw::offset_in(record, text) + err.column().saturating_sub(1);
        Bad::new(at, reason(err))
    }

    /// A JSON string in `record` that serde_json could not decode. The record was
    /// checked already, so the one way this fails is a lone surrogate escape.
    pub(crate) fn string(json: &str, record: &str) -> Bad {
        Bad::new(crate::raw::offset_in(record, json), LONE_SURROGATE)
    }

    /// A serde_json error met while parsing a whole record: a record that is valid JSON
    /// but not an object is named for what it is.
    pub(crate) fn record(err: &serde_json::Error, record: &str) -> Bad {
        let trimmed = record.trim_start_matches([' ', '\t', '\r', '\n']);
        let kind = crate::raw::Kind::of(trimmed);
        if err.classify() == serde_json::error::Category::Data && kind != crate::raw::Kind::Object {
            let at = record.len() - trimmed.len();
            return Bad::new(
                at,
                format!(
                    "expected a record (a JSON object), found {}",
                    kind.described()
                ),
            );
        }
        Bad::json(err, record, record)
    }
}

/// serde_json's message without its " at line L column C" tail: the caller says where.
fn reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let tail = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&tail) {
        Some(reason) => reason.to_string(),
        None => text,
    }
}

/// Where a record starts: file, line, and the 1-based byte column of its first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    /// The file as given, or `<stdin>`.
    pub(crate) file: Arc<str>,
    /// 1-based line number.
    pub(crate) line: u64,
    /// 1-based byte column of the record's first byte.
    pub(crate) column: usize,
}

impl Place {
    /// The place `offset` bytes further on the same line.
    pub(crate) fn further(&self, offset: usize) -> Place {
        Place {
            column: self.column + offset,
            ..self.clone()
        }
    }

    /// `file:line:column: reason` for a problem in the record that starts here.
    pub(crate) fn describe(&self, bad: &Bad) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file,
            self.line,
            self.column + bad.at,
            bad.reason
        )
    }
}

/// Reports bad input on stderr and decides whether the run goes on: stop at the first
/// (status 6), or with `--skip-invalid` warn about each, go on, and end with status 6.
/// Also carries `--quiet` for warnings.
#[derive(Debug)]
pub(crate) struct Reporter {
    skip: bool,
    quiet: bool,
    skipped: u64,
}

impl Reporter {
    /// The policy from `--skip-invalid` and `--quiet`.
    pub(crate) fn new(skip: bool, quiet: bool) -> Reporter {
        Reporter {
            skip,
            quiet,
            skipped: 0,
        }
    }

    /// Handles bad input in the record at `place`: an error that ends the run, or, when
    /// skipping, a warning and `Ok`.
    pub(crate) fn bad(&mut self, place: &Place, bad: Bad) -> Result<()> {
        let message = place.describe(&bad);
        if !self.skip {
            return Err(Error::bad_data(message));
        }
        self.skipped += 1;
        self.warn(&format!("{message}; skipped"));
        Ok(())
    }

    /// True with `--skip-invalid`.
    pub(crate) fn skips(&self) -> bool {
        self.skip
    }

    /// Prints a warning unless `--quiet`.
    pub(crate) fn warn(&self, message: &str) {
        if !self.quiet {
            aad_common::process::warn(crate::NAME, message);
        }
    }

    /// The end of the run: status 6 with the count when anything was skipped.
    pub(crate) fn finish(self) -> Result<()> {
        match self.skipped {
            0 => Ok(()),
            1 => Err(Error::bad_data(
                "skipped 1 invalid line or record (--skip-invalid); the rest was written",
            )),
            n => Err(Error::bad_data(format!(
                "skipped {n} invalid lines or records (--skip-invalid); the rest was written"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            file: "in.ndjson".into(),
            line: 3,
            column: 4,
        }
    }

    #[test]
    fn json_errors_lose_their_position_tail_and_keep_the_column() {
        let record = r#"{"a":1,}"#;
        let err = serde_json::from_str::<serde_json::Value>(record).unwrap_err();
        let bad = Bad::record(&err, record);
        assert_eq!(bad, Bad::new(7, "trailing comma"));
        assert_eq!(place().describe(&bad), "in.ndjson:3:11: trailing comma");
    }

    #[test]
    fn valid_json_that_is_not_an_object_is_named() {
        let record = "  [1,2]";
        let err =
            serde_json::from_str::<std::collections::HashMap<String, u8>>(record).unwrap_err();
        assert_eq!(
            Bad::record(&err, record),
            Bad::new(2, "expected a record (a JSON object), found an array")
        );
    }

    #[test]
    fn skipping_counts_and_ends_with_status_6() {
        let mut reporter = Reporter::new(true, true);
        reporter.bad(&place(), Bad::new(0, "x")).unwrap();
        reporter.bad(&place(), Bad::new(0, "y")).unwrap();
        let err = reporter.finish().unwrap_err();
        assert_eq!(err.status(), aad_common::Status::BadData);
        assert!(err.to_string().starts_with("skipped 2 invalid"), "{err}");
    }

    #[test]
    fn without_skipping_the_first_bad_record_is_the_error() {
        let mut reporter = Reporter::new(false, false);
        let err = reporter.bad(&place(), Bad::new(2, "boom")).unwrap_err();
        assert_eq!(err.to_string(), "in.ndjson:3:6: boom");
        assert!(Reporter::new(false, false).finish().is_ok());
    }
}
