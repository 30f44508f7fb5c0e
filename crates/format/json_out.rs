//! JSON (an array) and NDJSON. Without `--fields` each record is copied byte for byte
//! after serde_json has checked it; with `--fields` each record becomes an object of the
//! columns, their values copied as they were.

use std::io::Write;

use aad_common::{Error, Result};
use serde_json::value::RawValue;

use crate::fault::{Bad, Faults, Place};
use crate::output::{Sink, recycle};
use crate::raw::{Kind, pretty};
use crate::select::{Cells, Select};

/// Writes records as a JSON array or as NDJSON.
pub(crate) struct JsonSink<W: Write> {
    out: W,
    /// A JSON array (`--to json`) rather than one object per line.
    array: bool,
    pretty: bool,
    written: u64,
    /// `--fields`, with each column name already written as a JSON string.
    select: Option<(Select, Vec<String>)>,
    /// The record object built from the columns.
    object: String,
    /// The record re-laid out by `--pretty`.
    layout: String,
    spare: Cells<'static>,
}

impl<W: Write> JsonSink<W> {
    /// A sink writing an array (`array`) or NDJSON, of whole records or of `select`.
    pub(crate) fn new(out: W, array: bool, pretty: bool, select: Option<Select>) -> JsonSink<W> {
        let select = select.map(|select| {
            let keys = select
                .names()
                .iter()
                .map(|name| serde_json::Value::from(name.as_str()).to_string())
                .collect();
            (select, keys)
        });
        JsonSink {
            out,
            array,
            pretty,
            written: 0,
            select,
            object: String::new(),
            layout: String::new(),
            spare: Vec::new(),
        }
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn record(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()> {
        let body = match &self.select {
            None => match whole_record(record) {
                Ok(body) => body,
                Err(bad) => return faults.bad(place, bad),
            },
            Some((select, keys)) => {
                let mut cells = recycle(std::mem::take(&mut self.spare));
                let selected = select.cells(record, &mut cells);
                if selected.is_ok() {
                    columns_object(keys, &cells, &mut self.object);
                }
                self.spare = recycle(cells);
                if let Err(bad) = selected {
                    return faults.bad(place, bad);
                }
                self.object.as_str()
            }
        };
        let out = &mut self.out;
        if self.array {
            out.write_all(if self.written == 0 { b"[\n" } else { b",\n" })
                .map_err(Error::stdout)?;
            if self.pretty {
                self.layout.clear();
                self.layout.push_str("  ");
                pretty(body, 1, &mut self.layout);
                out.write_all(self.layout.as_bytes())
            } else {
                out.write_all(body.as_bytes())
            }
            .map_err(Error::stdout)?;
        } else {
            out.write_all(body.as_bytes()).map_err(Error::stdout)?;
            out.write_all(b"\n").map_err(Error::stdout)?;
        }
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::stdout)
    }

    fn finish(&mut self, _: &mut Faults) -> Result<()> {
        if self.array {
            let end: &[u8] = if self.written == 0 { b"[]\n" } else { b"\n]\n" };
            self.out.write_all(end).map_err(Error::stdout)?;
        }
        self.flush()
    }
}

/// The record's text as it was, once serde_json has checked that it is one object.
fn whole_record(record: &str) -> Result<&str, Bad> {
    let value: &RawValue = serde_json::from_str(record).map_err(|e| Bad::record(&e, record))?;
    match Kind::of(value.get()) {
        Kind::Object => Ok(value.get()),
        kind => Err(Bad::new(
            crate::raw::offset_in(record, value.get()),
            format!(
                "expected a record (a JSON object), found {}",
                kind.described()
            ),
        )),
    }
}

/// `{"name":value,...}` with each value as it was, `null` when missing.
fn columns_object(keys: &[String], cells: &[Option<&RawValue>], out: &mut String) {
    out.clear();
    out.push('{');
    for (i, (key, value)) in keys.iter().zip(cells).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
        out.push(':');
        out.push_str(value.map_or("null", |v| v.get()));
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;

    fn run(array: bool, pretty: bool, fields: Option<&str>, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut faults = Faults::new(false, true);
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut sink = JsonSink::new(&mut out, array, pretty, select);
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

    const A: &str = r#" {"n":1.50,"s":"\u00e9\/","e":[]} "#;
    const B: &str = r#"{"n":1e3}"#;

    #[test]
    fn records_pass_through_byte_for_byte() {
        assert_eq!(
            run(false, false, None, &[A, B]),
            format!("{}\n{B}\n", A.trim())
        );
        assert_eq!(
            run(true, false, None, &[A, B]),
            format!("[\n{},\n{B}\n]\n", A.trim())
        );
    }

    #[test]
    fn an_empty_input_is_an_empty_array() {
        assert_eq!(run(true, false, None, &[]), "[]\n");
        assert_eq!(run(true, true, None, &[]), "[]\n");
        assert_eq!(run(false, false, None, &[]), "");
    }

    #[test]
    fn pretty_indents_inside_the_array() {
        assert_eq!(
            run(true, true, None, &[A, B]),
            "[\n  {\n    \"n\": 1.50,\n    \"s\": \"\\u00e9\\/\",\n    \"e\": []\n  },\n  {\n    \"n\": 1e3\n  }\n]\n"
        );
    }

    #[test]
    fn fields_build_objects_of_the_columns() {
        assert_eq!(
            run(false, false, Some("num=n,s,missing,\"q"), &[A]),
            "{\"num\":1.50,\"s\":\"\\u00e9\\/\",\"missing\":null,\"\\\"q\":null}\n"
        );
    }
}
