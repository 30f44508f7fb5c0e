//! Text: for each record one `key: value` line per flattened key (or per `--fields`
//! column), and a blank line between records. Control and bidirectional characters are
//! shown escaped, so one value is always one line and cannot drive the terminal.

use std::io::Write;

use aad_common::{Error, Result};
use serde_json::value::RawValue;

use crate::cell::{push_cell, push_visible};
use crate::fault::{Bad, Faults, LONE_SURROGATE, Place};
use crate::flatten::{Flatten, walk};
use crate::output::{Sink, recycle};
use crate::select::{Cells, Select};

/// Writes records as blocks of `key: value` lines.
pub(crate) struct TextSink<W: Write> {
    out: W,
    select: Option<Select>,
    lines: Lines,
    written: u64,
    spare: Cells<'static>,
}

/// The lines of one record.
#[derive(Default)]
struct Lines {
    text: String,
    /// The dotted key being built while flattening.
    key: String,
    /// A value's cell text before it is made visible.
    cell: String,
}

impl<W: Write> TextSink<W> {
    /// A sink of all keys, or of the `select` columns.
    pub(crate) fn new(out: W, select: Option<Select>) -> TextSink<W> {
        TextSink {
            out,
            select,
            lines: Lines::default(),
            written: 0,
            spare: Vec::new(),
        }
    }

    fn lines(&mut self, record: &str) -> Result<(), Bad> {
        self.lines.text.clear();
        let Some(select) = &self.select else {
            self.lines.key.clear();
            return walk(record, 0, &mut self.lines);
        };
        let mut cells = recycle(std::mem::take(&mut self.spare));
        let mut result = select.cells(record, &mut cells);
        for (name, value) in select.names().iter().zip(&cells) {
            if result.is_err() {
                break;
            }
            result = self.lines.line(name, *value).map_err(|reason| {
                Bad::new(
                    value.map_or(0, |v| crate::raw::offset_in(record, v.get())),
                    reason,
                )
            });
        }
        self.spare = recycle(cells);
        result
    }
}

impl Lines {
    /// Adds `key: value`, or `key:` when the value is empty.
    fn line(&mut self, key: &str, value: Option<&RawValue>) -> Result<(), String> {
        self.cell.clear();
        push_cell(value, &mut self.cell).map_err(|_| LONE_SURROGATE.to_string())?;
        push_visible(key, &mut self.text);
        self.text.push(':');
        if !self.cell.is_empty() {
            self.text.push(' ');
            push_visible(&self.cell, &mut self.text);
        }
        self.text.push('\n');
        Ok(())
    }
}

impl<'de> Flatten<'de> for Lines {
    /// The length of the dotted key up to here.
    type At = usize;

    fn key(&mut self, parent: usize, key: &str) -> Result<usize, String> {
        self.key.truncate(parent);
        if parent > 0 {
            self.key.push('.');
        }
        self.key.push_str(key);
        Ok(self.key.len())
    }

    fn leaf(&mut self, at: usize, value: &'de RawValue) -> Result<(), String> {
        let key = std::mem::take(&mut self.key);
        let result = self.line(&key[..at], Some(value));
        self.key = key;
        result
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn record(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()> {
        if let Err(bad) = self.lines(record) {
            return faults.bad(place, bad);
        }
        if self.written > 0 {
            self.out.write_all(b"\n").map_err(Error::stdout)?;
        }
        self.out
            .write_all(self.lines.text.as_bytes())
            .map_err(Error::stdout)?;
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::stdout)
    }

    fn finish(&mut self, _: &mut Faults) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;

    fn run(fields: Option<&str>, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut faults = Faults::new(false, true);
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut sink = TextSink::new(&mut out, select);
        let place = Place {
            file: "t".into(),
            line: 1,
            column: 1,
        };
        for record in records {
            sink.record(record, &place, &mut faults).unwrap();
        }
        sink.finish(&mut faults).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn records_are_blocks_of_flattened_keys() {
        assert_eq!(
            run(
                None,
                &[
                    r#"{"id":"1","by":{"user":{"upn":"a@b"},"app":null},"t":[1,2]}"#,
                    r#"{"msg":"two\nlines \u202e"}"#
                ]
            ),
            "id: 1\nby.user.upn: a@b\nby.app:\nt: [1,2]\n\nmsg: two\\nlines \\u{202e}\n"
        );
    }

    #[test]
    fn fields_name_the_lines() {
        assert_eq!(
            run(
                Some("upn=by.user.upn,gone"),
                &[r#"{"by":{"user":{"upn":"a@b"}}}"#]
            ),
            "upn: a@b\ngone:\n"
        );
    }
}
