//! The normalized copy of a record that the ECS (`entra.*`) and OCSF (`unmapped`) outputs
//! carry: the record's properties in input order with every `null` removed at every
//! depth, and the numeric properties that the service sometimes sends as strings turned
//! into numbers. Nothing else changes: empty strings, arrays and objects stay, and
//! JSON-in-string values stay strings. Why: Elasticsearch, Parquet and BigQuery need one
//! type per path, and null-or-object and string-or-number are the two mixes that occur.

use std::borrow::Cow;

use super::out::Writer;
use super::tree::{Members, Node};

/// A property that holds a number, or an object some of whose properties do.
pub(crate) struct Numeric {
    key: &'static str,
    inner: &'static [Numeric],
}

/// A numeric property (a leaf).
const fn number(key: &'static str) -> Numeric {
    Numeric { key, inner: &[] }
}

/// An object with numeric properties inside.
const fn within(key: &'static str, inner: &'static [Numeric]) -> Numeric {
    Numeric { key, inner }
}

const COORDINATES: &[Numeric] = &[number("latitude"), number("longitude"), number("altitude")];

/// The numeric properties of a Graph sign-in (`signIn`, v1.0 and beta).
pub(crate) const SIGN_IN_NUMBERS: &[Numeric] = &[
    within("status", &[number("errorCode")]),
    number("processingTimeInMilliseconds"),
    number("autonomousSystemNumber"),
    within("location", &[within("geoCoordinates", COORDINATES)]),
    within(
        "tokenProtectionStatusDetails",
        &[number("signInSessionStatusCode")],
    ),
];

/// The numeric properties of a legacy `signinEvents` record (coordinates at the top).
pub(crate) const LEGACY_SIGN_IN_NUMBERS: &[Numeric] = &[within("geoCoordinates", COORDINATES)];

/// The numeric property of a provisioning record.
pub(crate) const PROVISIONING_NUMBERS: &[Numeric] = &[number("durationInMilliseconds")];

/// No numeric properties (directory audits).
pub(crate) const NO_NUMBERS: &[Numeric] = &[];

/// What a numeric property's rule says below `key`, if anything.
fn rule<'r>(rules: &'r [Numeric], key: &str) -> Option<&'r Numeric> {
    rules.iter().find(|rule| rule.key == key)
}

/// A number, or a string that holds exactly a JSON number, as a number node.
pub(crate) fn as_number<'a>(node: &Node<'a>) -> Option<Node<'a>> {
    match node {
        Node::Int(_) | Node::UInt(_) | Node::Float(_) => Some(node.clone()),
        Node::Str(text) => number_in(text),
        _ => None,
    }
}

/// The number a string holds, when it is exactly a JSON number (no spaces, no `+`).
fn number_in<'a>(text: &str) -> Option<Node<'a>> {
    let bytes = text.as_bytes();
    let starts = matches!(bytes.first(), Some(b'-' | b'0'..=b'9'));
    let ends = matches!(bytes.last(), Some(b'0'..=b'9'));
    if !(starts && ends) {
        return None;
    }
    match Node::parse(text).ok()? {
        Node::Int(n) => Some(Node::Int(n)),
        Node::UInt(n) => Some(Node::UInt(n)),
        Node::Float(n) if n.is_finite() => Some(Node::Float(n)),
        _ => None,
    }
}

/// Writes the object `members` as the normalized value of `key`, leaving out the
/// members `skip` names (and the whole object when nothing is left); `numbers` are the
/// record's numeric properties.
pub(crate) fn write_object(
    w: &mut Writer<'_>,
    key: &'static str,
    members: &Members<'_>,
    numbers: &[Numeric],
    skip: impl Fn(&str, &Node<'_>) -> bool,
) {
    let mark = w.object(key);
    for member in members {
        let (name, value) = member;
        if !matches!(value, Node::Null) && !skip(name, value) {
            write_member(w, member, numbers);
        }
    }
    w.close(mark);
}

/// Writes one object member; a key borrowed from the input held no escape and is
/// copied as it is.
fn write_member(w: &mut Writer<'_>, (name, value): &(Cow<'_, str>, Node<'_>), rules: &[Numeric]) {
    match name {
        Cow::Borrowed(name) => w.key_unescaped(name),
        Cow::Owned(name) => w.key_escaped(name),
    }
    write_value(w, value, rule(rules, name));
}

fn write_value(w: &mut Writer<'_>, value: &Node<'_>, rule: Option<&Numeric>) {
    match (value, rule) {
        (Node::Str(_), Some(rule)) if rule.inner.is_empty() => match as_number(value) {
            Some(number) => write_value(w, &number, None),
            None => write_value(w, value, None),
        },
        (Node::Object(members), rule) => {
            let inner = rule.map_or(NO_NUMBERS, |rule| rule.inner);
            let mark = w.open_value(b'{', b'}');
            for member in members {
                if !matches!(member.1, Node::Null) {
                    write_member(w, member, inner);
                }
            }
            w.close_kept(mark);
        }
        (Node::Array(elements), _) => {
            let mark = w.open_value(b'[', b']');
            for element in elements {
                if !matches!(element, Node::Null) {
                    w.element();
                    write_value(w, element, None);
                }
            }
            w.close_kept(mark);
        }
        (Node::Str(Cow::Borrowed(text)), _) => w.string_unescaped(text),
        (Node::Str(Cow::Owned(text)), _) => w.string(text),
        (Node::Int(n), _) => w.int_value(*n),
        (Node::UInt(n), _) => w.uint_value(*n),
        (Node::Float(n), _) => w.float_value(*n),
        (Node::Bool(b), _) => w.bool_value(*b),
        // Left out by the callers; written only if a caller hands one in.
        (Node::Null, _) => w.null_value(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(json: &str, numbers: &[Numeric]) -> String {
        let node = Node::parse(json).unwrap();
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        let doc = w.document();
        write_object(&mut w, "copy", node.members().unwrap(), numbers, |_, _| {
            false
        });
        w.close(doc);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn nulls_go_at_every_depth_and_empty_things_stay() {
        assert_eq!(
            normalized(
                r#"{"a":null,"b":{"c":null},"d":[null,1,null,{"e":null}],"f":"","g":[],"h":{}}"#,
                NO_NUMBERS
            ),
            r#"{"copy":{"b":{},"d":[1,{}],"f":"","g":[],"h":{}}}"#
        );
    }

    #[test]
    fn numeric_strings_become_numbers_only_where_the_schema_has_numbers() {
        assert_eq!(
            normalized(
                r#"{"durationInMilliseconds":"2549","other":"2549","status":{"errorCode":"7"}}"#,
                PROVISIONING_NUMBERS
            ),
            r#"{"copy":{"durationInMilliseconds":2549,"other":"2549","status":{"errorCode":"7"}}}"#
        );
        assert_eq!(
            normalized(
                r#"{"status":{"errorCode":"50126"},"location":{"geoCoordinates":{"latitude":"47.6740","longitude":-122.1215,"altitude":"high"}},"autonomousSystemNumber":" 5"}"#,
                SIGN_IN_NUMBERS
            ),
            r#"{"copy":{"status":{"errorCode":50126},"location":{"geoCoordinates":{"latitude":47.674,"longitude":-122.1215,"altitude":"high"}},"autonomousSystemNumber":" 5"}}"#
        );
    }

    #[test]
    fn strings_are_re_escaped_as_serde_json_writes_them() {
        assert_eq!(
            normalized(r#"{"s":"\u00e9\/\u2028\u0000\t","\u006b":1}"#, NO_NUMBERS),
            "{\"copy\":{\"s\":\"é/\u{2028}\\u0000\\t\",\"k\":1}}"
        );
    }

    #[test]
    fn only_json_numbers_count_as_numbers() {
        for text in ["12", "-3", "0.5", "1e3", "18446744073709551615"] {
            assert!(number_in(text).is_some(), "{text}");
        }
        for text in [
            "", " 1", "1 ", "+1", "0x10", "NaN", "1.", "1e999", "abc", "1,5",
        ] {
            assert!(number_in(text).is_none(), "{text}");
        }
    }
}
