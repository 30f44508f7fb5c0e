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

use crate::fault::Bad;
use crate::raw::{Key, Kind, array_elements, offset_in};

/// What one line holds.
#[derive(Debug)]
pub(crate) enum Records<'a> {
    /// The line is one record (not yet validated: the record walker parses it).
    One,
    /// The records of a page, validated objects, in order.
    Page(Vec<&'a RawValue>),
}

/// Tells a page from a record.
pub(crate) fn classify(line: &str) -> Result<Records<'_>, Bad> {
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
