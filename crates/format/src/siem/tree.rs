//! A record as a tree that borrows from the input: the SIEM mappings read many
//! properties of every record and rewrite all of it (nulls dropped, numbers and strings
//! re-encoded), so one parse into borrowed strings is cheaper than looking values up in
//! the text again and again. Strings without escapes and keys stay slices of the input.
//!
//! A key that an object repeats keeps its first position and its last value (as
//! serde_json's `Value` and Python's `json` read it), so no output repeats a key.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::raw::Key;

/// One JSON value of a record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// Any other number (serde_json reads it exactly with `float_roundtrip`).
    Float(f64),
    /// A string, decoded; borrowed when the input held no escape.
    Str(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    /// Members in input order, each key once.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// Node's borrowed-object members, for the views.
pub(crate) type Members<'a> = [(Cow<'a, str>, Node<'a>)];

impl<'a> Node<'a> {
    /// Parses one JSON value; serde_json's nesting limit applies.
    pub(crate) fn parse(json: &'a str) -> serde_json::Result<Node<'a>> {
        let mut de = serde_json::Deserializer::from_str(json);
        let node = Node::deserialize(&mut de)?;
        de.end()?;
        Ok(node)
    }

    /// The value of member `key` when this is an object that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The members when this is an object.
    pub(crate) fn members(&self) -> Option<&Members<'a>> {
        match self {
            Node::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The elements when this is an array.
    pub(crate) fn elements(&self) -> Option<&[Node<'a>]> {
        match self {
            Node::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The text when this is a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The value when this is `true` or `false`.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// What kind of value this is, with an article, for messages.
    pub(crate) fn described(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) | Node::UInt(_) | Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Node::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Node::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Node::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(n).map_or(Node::UInt(n), Node::Int))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Node::Float(n))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Node::Str(Cow::Owned(text)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut elements = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(element) = seq.next_element()? {
            elements.push(element);
        }
        Ok(Node::Array(elements))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(Cow<'de, str>, Node<'de>)> = Vec::with_capacity(8);
        // Keys seen, by a cheap signature: only a key whose signature was seen before
        // is looked for among the members (a record has some 45 keys, all different).
        let mut seen = 0u128;
        while let Some(key) = map.next_key_seed(Key)? {
            let value: Node<'de> = map.next_value()?;
            let bit = 1u128 << signature(&key);
            let earlier = if seen & bit == 0 {
                None
            } else {
                members.iter_mut().find(|(k, _)| *k == key)
            };
            seen |= bit;
            match earlier {
                Some(member) => member.1 = value,
                None => members.push((key, value)),
            }
        }
        Ok(Node::Object(members))
    }
}

/// A number below 128 from a key's length and three of its bytes.
fn signature(key: &str) -> u32 {
    let bytes = key.as_bytes();
    let byte = |i: usize| u32::from(bytes.get(i).copied().unwrap_or(0));
    let mixed = (bytes.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(byte(0).wrapping_mul(7))
        .wrapping_add(byte(bytes.len() / 2).wrapping_mul(13))
        .wrapping_add(byte(bytes.len().saturating_sub(1)));
    mixed % 128
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let node = Node::parse(r#"{"a":"plain","b":"esc\u00e9\n"}"#).unwrap();
        assert!(matches!(
            node.get("a"),
            Some(Node::Str(Cow::Borrowed("plain")))
        ));
        assert!(matches!(node.get("b"), Some(Node::Str(Cow::Owned(s))) if s == "escé\n"));
    }

    #[test]
    fn numbers_keep_their_kind() {
        let node = Node::parse(r#"[0, -3, 18446744073709551615, 0.0, 47.6740, 1e3]"#).unwrap();
        assert_eq!(
            node,
            Node::Array(vec![
                Node::Int(0),
                Node::Int(-3),
                Node::UInt(u64::MAX),
                Node::Float(0.0),
                Node::Float(47.674),
                Node::Float(1000.0),
            ])
        );
    }

    #[test]
    fn seventeen_digit_floats_parse_exactly() {
        // float_roundtrip: the nearest double, as Python reads it.
        let node = Node::parse("78.376632690429688").unwrap();
        assert_eq!(node, Node::Float(78.376_632_690_429_69));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value() {
        let node = Node::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(
            node,
            Node::Object(vec![("a".into(), Node::Int(3)), ("b".into(), Node::Int(2))])
        );
    }

    #[test]
    fn repeated_keys_are_found_among_many() {
        let keys: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
        let mut json: Vec<String> = keys.iter().map(|k| format!("\"{k}\":1")).collect();
        json.extend(keys.iter().map(|k| format!("\"{k}\":2")));
        let text = format!("{{{}}}", json.join(","));
        let node = Node::parse(&text).unwrap();
        let members = node.members().unwrap();
        assert_eq!(members.len(), 300);
        assert!(members.iter().all(|(_, v)| *v == Node::Int(2)));
        assert_eq!(members[7].0, "k7");
    }

    #[test]
    fn lookups_read_objects_only() {
        let node = Node::parse(r#"{"s":"x","t":true,"l":[1]}"#).unwrap();
        assert_eq!(node.get("s").and_then(Node::as_str), Some("x"));
        assert_eq!(node.get("t").and_then(Node::as_bool), Some(true));
        assert_eq!(
            node.get("l").and_then(Node::elements).map(<[_]>::len),
            Some(1)
        );
        assert_eq!(node.get("s").and_then(|s| s.get("x")), None);
        assert_eq!(node.get("missing"), None);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(Node::parse(&deep).is_err());
    }
}
