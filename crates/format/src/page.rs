//! Records and pages: a line holds one record, or a whole Microsoft Graph page whose
//! `value` array holds the records (`aad-fetch --pages`, `curl`).
//!
//! A page is an object whose keys are only `value`, an array, and annotations (keys
//! starting with `@`, such as `@odata.nextLink`, or with `odata.` as in the legacy Azure
//! AD Graph). Only lines whose first key looks like that are parsed as a possible page;
//! all others go to the record walkers directly, which parse them once.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;

use crate::bad_input::Bad;
use crate::raw::{Key, Kind, array_elements, offset_in};

/// What one non-blank line holds.
#[derive(Debug)]
enum Records<'a> {
    /// The line is one record (not yet validated: the record walker parses it).
    One,
    /// The records of a page, validated objects, in order.
    Page(Vec<&'a RawValue>),
}

/// The records of one input line.
#[derive(Debug)]
pub(crate) enum LineRecords<'a> {
    /// A blank line, which holds no record.
    Blank,
    /// The line is one record, not yet validated (the renderer parses it once).
    One(&'a str),
    /// The line is a page: the line and its records.
    Page(&'a str, Vec<&'a RawValue>),
}

impl<'a> LineRecords<'a> {
    /// The records' texts and their byte offsets in the line.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, usize)> + '_ {
        let (one, line, page): (Option<&'a str>, &'a str, &[&'a RawValue]) = match self {
            LineRecords::Blank => (None, "", &[]),
            LineRecords::One(line) => (Some(line), line, &[]),
            LineRecords::Page(line, records) => (None, line, records),
        };
        let page = page
            .iter()
            .map(move |record| (record.get(), offset_in(line, record.get())));
        one.map(|record| (record, 0)).into_iter().chain(page)
    }
}

/// The records of a line's bytes: none for a blank line, else one record or the
/// records of a page. `number` is the line number (the first line may carry a UTF-16
/// byte-order mark, which gets its own message).
pub(crate) fn line_records(bytes: &[u8], number: u64) -> Result<LineRecords<'_>, Bad> {
    if bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        return Ok(LineRecords::Blank);
    }
    let line = std::str::from_utf8(bytes).map_err(|err| {
        let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
        if number == 1 && utf16 {
            Bad::new(
                0,
                "the input is UTF-16 (it starts with a UTF-16 byte-order mark); \
                 convert it with: iconv -f UTF-16 -t UTF-8",
            )
        } else {
            Bad::new(
                err.valid_up_to(),
                "invalid UTF-8 (the input must be UTF-8 JSON)",
            )
        }
    })?;
    Ok(match classify(line)? {
        Records::One => LineRecords::One(line),
        Records::Page(records) => LineRecords::Page(line, records),
    })
}

/// Tells a page from a record.
fn classify(line: &str) -> Result<Records<'_>, Bad> {
    if !may_be_page(line) {
        return Ok(Records::One);
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let value = serde::Deserializer::deserialize_map(&mut de, PageVisitor)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| Bad::record(&e, line))?;
    let Some(value) = value.filter(|v| Kind::of(v.get()) == Kind::Array) else {
        return Ok(Records::One);
    };
    let records = array_elements(value.get()).map_err(|e| Bad::json(&e, value.get(), line))?;
    for (i, record) in records.iter().enumerate() {
        let kind = Kind::of(record.get());
        if kind != Kind::Object {
            return Err(Bad::new(
                offset_in(line, record.get()),
                format!(
                    "value[{i}] of the page is {}, not a record (a JSON object)",
                    kind.described()
                ),
            ));
        }
    }
    Ok(Records::Page(records))
}

/// True when the first key of the line's object is `value`, an annotation, or escaped.
fn may_be_page(line: &str) -> bool {
    let rest = line.trim_start_matches([' ', '\t', '\r', '\n']);
    let Some(rest) = rest.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
    ["\"value\"", "\"@", "\"odata.", "\"\\"]
        .iter()
        .any(|start| rest.starts_with(start))
}

/// True for keys that annotate a page rather than hold data.
fn is_annotation(key: &str) -> bool {
    key.starts_with('@') || key.starts_with("odata.")
}

/// Finds `value` in a page object; `None` when the object has any other data key.
struct PageVisitor;

impl<'de> Visitor<'de> for PageVisitor {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record or a page (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut value = None;
        let mut page = true;
        while let Some(key) = map.next_key_seed(Key)? {
            if key == "value" && value.is_none() {
                value = Some(map.next_value::<&RawValue>()?);
            } else {
                page &= is_annotation(&key);
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(value.filter(|_| page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(line: &str) -> Vec<&str> {
        match classify(line).unwrap() {
            Records::Page(records) => records.iter().map(|r| r.get()).collect(),
            Records::One => panic!("not a page: {line}"),
        }
    }

    #[test]
    fn graph_and_legacy_pages_are_pages() {
        assert_eq!(
            page(r#"{"@odata.context":"x","value":[{"a":1}, {"b":2}],"@odata.nextLink":"y"}"#),
            [r#"{"a":1}"#, r#"{"b":2}"#]
        );
        assert_eq!(
            page(r#" {"odata.metadata":"m","value":[],"odata.nextLink":"n"}"#),
            Vec::<&str>::new()
        );
        assert_eq!(page(r#"{"\u0076alue":[{"c":3}]}"#), [r#"{"c":3}"#]);
    }

    #[test]
    fn records_are_not_pages() {
        for line in [
            r#"{"id":"1","value":[1]}"#,
            r#"{"value":[{"a":1}],"id":"1"}"#,
            r#"{"value":"text"}"#,
            r##"{"@odata.type":"#user","id":"2"}"##,
            "[1,2]",
            "not json",
        ] {
            assert!(matches!(classify(line), Ok(Records::One)), "{line}");
        }
    }

    fn records_of(bytes: &[u8]) -> Result<Vec<(String, usize)>, Bad> {
        let records = line_records(bytes, 1)?;
        Ok(records.iter().map(|(r, at)| (r.to_string(), at)).collect())
    }

    #[test]
    fn lines_give_their_records_with_offsets() {
        assert_eq!(records_of(b" \t\r").unwrap(), []);
        assert_eq!(
            records_of(b" {\"a\":1}").unwrap(),
            [(" {\"a\":1}".to_string(), 0)]
        );
        assert_eq!(
            records_of(br#"{"value":[{"a":1}, {"b":2}]}"#).unwrap(),
            [
                (r#"{"a":1}"#.to_string(), 10),
                (r#"{"b":2}"#.to_string(), 19)
            ]
        );
        assert_eq!(records_of(b"{\"a\":\"\xff\"}").unwrap_err().at, 6);
        let utf16 = records_of(b"\xFF\xFE{\0").unwrap_err();
        assert!(utf16.reason.contains("UTF-16"), "{}", utf16.reason);
    }

    #[test]
    fn a_page_must_hold_objects() {
        let line = r#"{"value":[{"a":1},"oops"]}"#;
        let bad = classify(line).unwrap_err();
        assert_eq!(bad.at, line.find("\"oops").unwrap());
        assert!(
            bad.reason.contains("value[1] of the page is a string"),
            "{}",
            bad.reason
        );
    }

    #[test]
    fn a_malformed_page_is_bad_where_it_breaks() {
        let line = r#"{"@odata.context":"x","value":[{"a":1}"#;
        let bad = classify(line).unwrap_err();
        assert_eq!(
            bad.at,
            line.len() - 1,
            "serde_json points at the last byte read"
        );
        assert!(bad.reason.starts_with("EOF"), "{}", bad.reason);
    }
}
