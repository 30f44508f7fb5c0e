//! JSON (an array) and NDJSON. Without `--fields` each record is copied byte for byte
//! after serde_json has checked it; with `--fields` each record becomes an object of the
//! columns, their values copied as they were.

use serde_json::value::RawValue;

use crate::bad_input::Bad;
use crate::raw::{Kind, offset_in, pretty};
use crate::render::{Frame, Render};
use crate::select::{Cells, Select, recycle};

/// A JSON array (`array`) or NDJSON.
pub(crate) fn frame(array: bool) -> Frame {
    if array {
        Frame {
            open: b"[\n",
            between: b",\n",
            close: b"\n]\n",
            empty: b"[]\n",
            ..Frame::default()
        }
    } else {
        Frame::default()
    }
}

/// Renders records as JSON objects: one line each, or indented as array elements.
#[derive(Clone)]
pub(crate) struct JsonRender {
    /// One object per line (NDJSON), rather than elements of an array.
    lines: bool,
    pretty: bool,
    /// `--fields`, with each column name already written as a JSON string.
    select: Option<(Select, Vec<String>)>,
    /// The record object built from the columns.
    object: String,
    /// The record re-laid out by `--pretty`.
    layout: String,
    spare: Cells<'static>,
}

impl JsonRender {
    /// Renders NDJSON lines (`lines`) or array elements, of whole records or `select`.
    pub(crate) fn new(lines: bool, pretty: bool, select: Option<Select>) -> JsonRender {
        let select = select.map(|select| {
            let keys = select
                .names()
                .iter()
                .map(|name| serde_json::Value::from(name.as_str()).to_string())
                .collect();
            (select, keys)
        });
        JsonRender {
            lines,
            pretty,
            select,
            object: String::new(),
            layout: String::new(),
            spare: Vec::new(),
        }
    }
}

impl Render for JsonRender {
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        let body = match &self.select {
            None => whole_record(record)?,
            Some((select, keys)) => {
                let mut cells = recycle(std::mem::take(&mut self.spare));
                let selected = select.cells(record, &mut cells);
                if selected.is_ok() {
                    columns_object(keys, &cells, &mut self.object);
                }
                self.spare = recycle(cells);
                selected?;
                self.object.as_str()
            }
        };
        if self.pretty {
            self.layout.clear();
            self.layout.push_str("  ");
            pretty(body, 1, &mut self.layout).map_err(|reason| Bad::new(0, reason))?;
            out.extend_from_slice(self.layout.as_bytes());
        } else {
            out.extend_from_slice(body.as_bytes());
        }
        if self.lines {
            out.push(b'\n');
        }
        Ok(())
    }

    fn fork(&self) -> Box<dyn Render> {
        Box::new(self.clone())
    }
}

/// The record's text as it was, once serde_json has checked that it is one object.
fn whole_record(record: &str) -> Result<&str, Bad> {
    let value: &RawValue = serde_json::from_str(record).map_err(|e| Bad::record(&e, record))?;
    match Kind::of(value.get()) {
        Kind::Object => Ok(value.get()),
        kind => Err(Bad::new(
            offset_in(record, value.get()),
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
    use crate::render::render_all;

    fn run(array: bool, pretty: bool, fields: Option<&str>, records: &[&str]) -> String {
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut render = JsonRender::new(!array, pretty, select);
        render_all(&mut render, frame(array), records)
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

    #[test]
    fn bad_records_render_nothing() {
        let mut render = JsonRender::new(true, false, None);
        let mut out = Vec::new();
        let bad = render.render("  [1]", &mut out).unwrap_err();
        assert_eq!(bad.at, 2);
        assert!(out.is_empty());
    }
}
