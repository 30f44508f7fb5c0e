//! What aad-fetch looks at in a record: its `id` (for `--dedup`), its time (the
//! target's time field: the frontier of a chain, the age of a dedup entry), and a hash
//! of its bytes (equal records, for `--dedup changed` and for a chain fetched again).
//!
//! Records are read on the writer's hot path, so the reader stops as soon as it has what
//! it was asked for (Graph puts both fields near the start of a record) and borrows the
//! strings instead of copying them. Only top-level keys count: a nested object with a
//! key of the same name is skipped whole.

use std::borrow::Cow;

use ring::digest;
use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};

/// The first 8 bytes of the SHA-256 of a record's bytes: stable across runs (it is kept
/// in the state file) and wide enough that two different records in one overlap window
/// never share it in practice.
pub(crate) fn content_hash(record: &[u8]) -> u64 {
    let digest = digest::digest(&digest::SHA256, record);
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    u64::from_be_bytes(first)
}

/// What [`read`] found in one record.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Fields<'a> {
    /// The top-level `id`, when it is a string.
    pub(crate) id: Option<Cow<'a, str>>,
    /// The top-level time field, when it is a string.
    pub(crate) time: Option<Cow<'a, str>>,
}

/// Reads the top-level `time_field` (when given) and `id` (when `want_id`) of a record,
/// which is valid JSON (it came out of the page parser).
pub(crate) fn read<'a>(record: &'a [u8], time_field: Option<&str>, want_id: bool) -> Fields<'a> {
    let mut fields = Fields::default();
    if time_field.is_none() && !want_id {
        return fields;
    }
    let mut de = serde_json::Deserializer::from_slice(record);
    // Stopping early leaves the object unfinished, which the parser reports; that error
    // is expected, and what was read stays in `fields`.
    let _ = (&mut de).deserialize_map(Probe {
        fields: &mut fields,
        time_field,
        want_id,
    });
    fields
}

struct Probe<'f, 'a, 'k> {
    fields: &'f mut Fields<'a>,
    time_field: Option<&'k str>,
    want_id: bool,
}

impl<'de> Visitor<'de> for Probe<'_, 'de, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut need_time = self.time_field.is_some();
        let mut need_id = self.want_id;
        while need_time || need_id {
            let Some(key) = map.next_key::<Cow<'de, str>>()? else {
                break;
            };
            if need_time && Some(key.as_ref()) == self.time_field {
                self.fields.time = map.next_value::<StringOrNot<'de>>()?.0;
                need_time = false;
            } else if need_id && key == "id" {
                self.fields.id = map.next_value::<StringOrNot<'de>>()?.0;
                need_id = false;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A value that is a string (borrowed when it has no escapes), or anything else (none).
struct StringOrNot<'a>(Option<Cow<'a, str>>);

impl<'de> serde::Deserialize<'de> for StringOrNot<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrNot<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StringOrNot(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StringOrNot(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(StringOrNot(Some(Cow::Owned(v))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StringOrNot(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StringOrNot(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StringOrNot(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StringOrNot(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(StringOrNot(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StringOrNot(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StringOrNot(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_id_and_time_only() {
        let record = br#"{"x":{"id":"inner","when":"nested"},"id":"a","n":[1,{"when":"no"}],"when":"2024-01-01T00:00:00Z","z":1}"#;
        let f = read(record, Some("when"), true);
        assert_eq!(f.id.as_deref(), Some("a"));
        assert_eq!(f.time.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert!(matches!(f.time, Some(Cow::Borrowed(_))), "no copy");
        assert_eq!(read(record, None, false), Fields::default());
        assert_eq!(read(record, Some("when"), false).id, None);
    }

    #[test]
    fn fields_that_are_not_strings_or_missing_are_none() {
        let f = read(br#"{"id":7,"when":null}"#, Some("when"), true);
        assert_eq!(f, Fields::default());
        let f = read(br#"{"other":"x"}"#, Some("when"), true);
        assert_eq!(f, Fields::default());
        let f = read(br#"[1,2]"#, Some("when"), true);
        assert_eq!(f, Fields::default());
    }

    #[test]
    fn hashes_are_the_first_bytes_of_sha_256() {
        // sha256("abc") = ba7816bf8f01cfea...
        assert_eq!(content_hash(b"abc"), 0xba78_16bf_8f01_cfea);
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let f = read(
            br#"{"id":"a\"b","when":"2024\u002d01-01"}"#,
            Some("when"),
            true,
        );
        assert_eq!(f.id.as_deref(), Some("a\"b"));
        assert_eq!(f.time.as_deref(), Some("2024-01-01"));
    }
}
