//! `--add-field NAME=VALUE`: members put at the front of every record written, so that
//! files merged for a SIEM still say where each record came from (`"tenantId":"..."`).
//!
//! The record itself is not re-encoded: the members are spliced in after its opening
//! `{` and every byte the service sent follows unchanged. Dedup, the frontier and the
//! state all see the record as the service sent it (the tags are added only on the way
//! out), so fingerprints and the exactly-once `--output` guarantee do not depend on the
//! tags. A record that already has a top-level member of that name keeps its own: JSON
//! with a key twice is read differently by every parser, and the service's value is the
//! one that describes the record.

use std::borrow::Cow;

use aad_common::{Error, Result};
use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use crate::progress::Progress;

/// The members to add, ready to splice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tags {
    /// `(name, "name":"value")`, in the order given.
    members: Vec<(String, String)>,
    /// The names some record already had, said once each (`-v`).
    said: Vec<String>,
    /// Where a tagged record is put together.
    buffer: Vec<u8>,
}

/// One `--add-field` as typed: `NAME=VALUE`, NAME not empty.
pub(crate) fn parse_add_field(text: &str) -> std::result::Result<(String, String), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Err(format!("'{text}' is not NAME=VALUE"));
    };
    if name.is_empty() {
        return Err(format!("'{text}' has no NAME before '='"));
    }
    Ok((name.to_string(), value.to_string()))
}

impl Tags {
    /// The tags of the `--add-field` flags; a name given twice is refused.
    pub(crate) fn new(fields: &[(String, String)]) -> Result<Tags> {
        let mut members: Vec<(String, String)> = Vec::with_capacity(fields.len());
        for (name, value) in fields {
            if members.iter().any(|(n, _)| n == name) {
                return Err(Error::usage(format!(
                    "--add-field names '{}' twice; a record can hold it once",
                    aad_common::sanitize::printable(name)
                )));
            }
            let member = format!("{}:{}", json_string(name), json_string(value));
            members.push((name.clone(), member));
        }
        Ok(Tags {
            members,
            ..Tags::default()
        })
    }

    /// The record to write: `record` with the tags at its front; `-v` says once per
    /// name that a record had its own member.
    pub(crate) fn apply<'r>(&'r mut self, record: &'r [u8], progress: &Progress) -> &'r [u8] {
        if self.members.is_empty() {
            return record;
        }
        let mut buffer = std::mem::take(&mut self.buffer);
        let kept = splice(&self.members, record, &mut buffer);
        for name in kept {
            if !self.said.contains(&name) {
                progress.log(&format!(
                    "--add-field: a record already has a member '{name}'; records that have it keep their own"
                ));
                self.said.push(name);
            }
        }
        self.buffer = buffer;
        if self.buffer.is_empty() {
            record
        } else {
            &self.buffer
        }
    }
}

/// Puts into `buffer` the record with the members it does not have at its front (left
/// empty when there is none to add); returns the names it had. `record` is one JSON
/// object on one line, as the page parser hands it over.
fn splice(members: &[(String, String)], record: &[u8], buffer: &mut Vec<u8>) -> Vec<String> {
    buffer.clear();
    if record.first() != Some(&b'{') {
        return Vec::new();
    }
    let present = top_level_keys(record, members);
    let mut kept = Vec::new();
    let mut added = false;
    for (i, (name, member)) in members.iter().enumerate() {
        if present[i] {
            kept.push(name.clone());
            continue;
        }
        buffer.push(if added { b',' } else { b'{' });
        buffer.extend_from_slice(member.as_bytes());
        added = true;
    }
    if !added {
        return kept;
    }
    let rest = &record[1..];
    let empty = rest
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'}');
    if !empty {
        buffer.push(b',');
    }
    buffer.extend_from_slice(rest);
    kept
}

/// `text` as a JSON string, quotes included.
fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

/// Which of `members`' names are top-level keys of `record` (keys compared decoded, so
/// `"tenant\u0049d"` is `tenantId`).
fn top_level_keys(record: &[u8], members: &[(String, String)]) -> Vec<bool> {
    let mut present = vec![false; members.len()];
    let mut de = serde_json::Deserializer::from_slice(record);
    let _ = (&mut de).deserialize_map(KeyProbe {
        members,
        present: &mut present,
    });
    present
}

struct KeyProbe<'m, 'p> {
    members: &'m [(String, String)],
    present: &'p mut [bool],
}

impl<'de> Visitor<'de> for KeyProbe<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if let Some(i) = self.members.iter().position(|(n, _)| *n == *key) {
                self.present[i] = true;
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(fields: &[(&str, &str)]) -> Tags {
        let owned: Vec<(String, String)> = fields
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect();
        Tags::new(&owned).unwrap()
    }

    fn applied(tags: &Tags, record: &str) -> (String, Vec<String>) {
        let mut buffer = Vec::new();
        let kept = splice(&tags.members, record.as_bytes(), &mut buffer);
        let out = if buffer.is_empty() {
            record.as_bytes().to_vec()
        } else {
            buffer
        };
        (String::from_utf8(out).unwrap(), kept)
    }

    #[test]
    fn members_go_first_and_the_rest_is_unchanged() {
        let t = tags(&[("tenantId", "t-1"), ("site", "eu")]);
        let record = r#"{"id":"a",  "x":{"tenantId":1} ,"y":"\u00e9"}"#;
        let (out, kept) = applied(&t, record);
        assert_eq!(
            out,
            format!("{{\"tenantId\":\"t-1\",\"site\":\"eu\",{}", &record[1..])
        );
        assert!(kept.is_empty());
    }

    #[test]
    fn an_empty_record_gets_no_trailing_comma() {
        let t = tags(&[("tenantId", "t")]);
        assert_eq!(applied(&t, "{ }").0, r#"{"tenantId":"t" }"#);
        assert_eq!(applied(&t, "{}").0, r#"{"tenantId":"t"}"#);
    }

    #[test]
    fn names_and_values_are_json_escaped() {
        let t = tags(&[("a\"b", "line\nquote\"back\\slash\u{1}")]);
        let (out, _) = applied(&t, r#"{"id":"x"}"#);
        assert_eq!(out, r#"{"a\"b":"line\nquote\"back\\slash\u0001","id":"x"}"#);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["a\"b"], "line\nquote\"back\\slash\u{1}");
    }

    #[test]
    fn a_record_that_has_the_member_keeps_its_own() {
        let t = tags(&[("tenantId", "mine"), ("site", "eu")]);
        let record = r#"{"tenant\u0049d":"theirs","id":"a"}"#;
        let (out, kept) = applied(&t, record);
        assert_eq!(out, format!("{{\"site\":\"eu\",{}", &record[1..]));
        assert_eq!(kept, ["tenantId"]);
        let only = tags(&[("tenantId", "mine")]);
        assert_eq!(applied(&only, record).0, record);
    }

    #[test]
    fn a_nested_member_of_the_same_name_does_not_count() {
        let t = tags(&[("id", "tag")]);
        let record = r#"{"inner":{"id":"x"}}"#;
        assert_eq!(applied(&t, record).0, r#"{"id":"tag","inner":{"id":"x"}}"#);
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse_add_field("tenantId").is_err());
        assert!(parse_add_field("=x").is_err());
        assert_eq!(
            parse_add_field("a=b=c").unwrap(),
            ("a".to_string(), "b=c".to_string())
        );
        assert_eq!(
            parse_add_field("a=").unwrap(),
            ("a".to_string(), String::new())
        );
        let twice = [
            ("a".to_string(), "1".to_string()),
            ("a".to_string(), "2".to_string()),
        ];
        assert_eq!(
            Tags::new(&twice).unwrap_err().message(),
            "--add-field names 'a' twice; a record can hold it once"
        );
    }
}
