//! Helpers over JSON text kept raw (serde_json's `RawValue`): its kind, the text of a
//! string, the entries of an object and the elements of an array, and compact or
//! indented re-layout that changes whitespace only, so every number and string stays
//! byte for byte as it was.
//!
//! The JSON parsing is serde_json's; the re-layout works on text serde_json has already
//! validated, and only has to know where strings start and end.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;

/// What kind of JSON value a text is, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    /// The kind of `json`, valid JSON without leading whitespace (as `RawValue`s are).
    pub(crate) fn of(json: &str) -> Kind {
        match json.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// The kind with an article, for messages: "an array".
    pub(crate) fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// An object's entries in input order: keys decoded (borrowed when they hold no
/// escape), values raw. Fails when `json` is not one object.
pub(crate) type Entries<'de> = Vec<(Cow<'de, str>, &'de RawValue)>;

/// Parses the object `json` into its entries; checks that nothing follows it.
pub(crate) fn object_entries(json: &str) -> serde_json::Result<Entries<'_>> {
    let mut de = serde_json::Deserializer::from_str(json);
    let entries = de.deserialize_map(EntriesVisitor)?;
    de.end()?;
    Ok(entries)
}

/// Parses the array `json` into its raw elements.
pub(crate) fn array_elements(json: &str) -> serde_json::Result<Vec<&RawValue>> {
    serde_json::from_str(json)
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(key) = map.next_key_seed(Key)? {
            entries.push((key, map.next_value()?));
        }
        Ok(entries)
    }
}

/// An object key, borrowed from the input when it holds no escape.
pub(crate) struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

/// Appends the text of the JSON string `json` (quotes removed, escapes decoded) to `out`.
pub(crate) fn push_str(json: &str, out: &mut String) -> serde_json::Result<()> {
    let inner = json.get(1..json.len().saturating_sub(1)).unwrap_or("");
    // Valid JSON strings hold no raw control characters and no raw quotes, so without a
    // backslash the text between the quotes is the string itself.
    if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
        out.push_str(inner);
        return Ok(());
    }
    serde_json::Deserializer::from_str(json).deserialize_str(PushStr(out))
}

struct PushStr<'a>(&'a mut String);

impl Visitor<'_> for PushStr<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<(), E> {
        self.0.push_str(text);
        Ok(())
    }
}

/// Appends `json` (valid JSON) to `out` without insignificant whitespace.
pub(crate) fn compact(json: &str, out: &mut String) {
    let bytes = json.as_bytes();
    // Strings escape CR and LF, so these are always whitespace; they are rare in a line.
    if memchr::memchr2(b'\r', b'\n', bytes).is_some() {
        // Without indentation the text only shrinks: there is no limit to reach.
        let _ = relayout(json, None, out);
        return;
    }
    // Copy the runs between spaces and tabs outside strings (usually the whole text).
    let (mut run, mut i) = (0, 0);
    while let Some(n) = memchr::memchr3(b'"', b' ', b'\t', &bytes[i..]) {
        i += n;
        if bytes[i] == b'"' {
            i = string_end(bytes, i);
        } else {
            out.push_str(&json[run..i]);
            i = skip_whitespace(bytes, i);
            run = i;
        }
    }
    out.push_str(&json[run..]);
}

/// Objects and arrays nested deeper than this are not indented: the indentation of
/// each line grows with the depth, so the layout of deep values grows with its square.
pub(crate) const MAX_PRETTY_DEPTH: usize = 128;

/// The indented layout may be at most this many times the size of the record (plus
/// [`PRETTY_SLACK`]): a record stays within a small multiple of its size in memory.
pub(crate) const MAX_PRETTY_GROWTH: usize = 16;

/// What the indented layout of any record may take besides [`MAX_PRETTY_GROWTH`].
const PRETTY_SLACK: usize = 1 << 20;

/// Appends `json` (valid JSON) to `out` indented by two spaces per level, as `jq .`
/// writes it; `level` is the nesting it starts at (its first line is not indented).
/// Refuses (with the reason) values nested more than [`MAX_PRETTY_DEPTH`] levels deep,
/// and a layout larger than [`MAX_PRETTY_GROWTH`] times `json`.
pub(crate) fn pretty(json: &str, level: usize, out: &mut String) -> Result<(), String> {
    relayout(json, Some(level), out)
}

/// Copies `json` token by token: strings, numbers and literals verbatim, whitespace
/// dropped, and, when `indent` is given, a newline and indentation after `{`, `[` and `,`
/// and before `}` and `]`, and a space after `:`. Empty containers stay `{}` and `[]`.
fn relayout(json: &str, indent: Option<usize>, out: &mut String) -> Result<(), String> {
    let bytes = json.as_bytes();
    let mut level = indent.unwrap_or(0);
    let most = out.len() + json.len().saturating_mul(MAX_PRETTY_GROWTH) + PRETTY_SLACK;
    let newline = |out: &mut String, level: usize| {
        if indent.is_some() {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", level));
        }
    };
    // Checked where a line starts that may be followed by more (an opening or a comma):
    // what a closing adds is bounded by what was opened.
    let check = |out: &String, level: usize| {
        if indent.is_none() {
            return Ok(());
        }
        if level > MAX_PRETTY_DEPTH {
            return Err(format!(
                "values nested more than {MAX_PRETTY_DEPTH} levels deep cannot be indented (--pretty)"
            ));
        }
        if out.len() > most {
            return Err(format!(
                "the indented record would be more than {MAX_PRETTY_GROWTH} times its size (--pretty); write it without --pretty"
            ));
        }
        Ok(())
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                out.push_str(&json[i..end]);
                i = end;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            open @ (b'{' | b'[') => {
                out.push(char::from(open));
                let next = skip_whitespace(bytes, i + 1);
                if let Some(&close @ (b'}' | b']')) = bytes.get(next) {
                    out.push(char::from(close));
                    i = next + 1;
                    continue;
                }
                level += 1;
                check(out, level)?;
                newline(out, level);
            }
            close @ (b'}' | b']') => {
                level = level.saturating_sub(1);
                newline(out, level);
                out.push(char::from(close));
            }
            b',' => {
                out.push(',');
                check(out, level)?;
                newline(out, level);
            }
            b':' => out.push_str(if indent.is_some() { ": " } else { ":" }),
            _ => {
                // A number or a literal: up to the next delimiter.
                let end = bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map_or(bytes.len(), |n| i + n);
                out.push_str(&json[i..end]);
                i = end;
                continue;
            }
        }
        i += 1;
    }
    Ok(())
}

/// The index just past the string that starts with the quote at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(n) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
        if bytes[i + n] == b'"' {
            return i + n + 1;
        }
        i += n + 2; // a backslash and the character it escapes
        if i >= bytes.len() {
            break;
        }
    }
    bytes.len()
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Where `inner`, a part of `outer`, starts in it, in bytes.
pub(crate) fn offset_in(outer: &str, inner: &str) -> usize {
    inner
        .as_ptr()
        .addr()
        .saturating_sub(outer.as_ptr().addr())
        .min(outer.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compacted(json: &str) -> String {
        let mut out = String::new();
        compact(json, &mut out);
        out
    }

    fn indented(json: &str) -> String {
        let mut out = String::new();
        pretty(json, 0, &mut out).unwrap();
        out
    }

    #[test]
    fn kinds_come_from_the_first_byte() {
        assert_eq!(Kind::of("{}"), Kind::Object);
        assert_eq!(Kind::of("[1]"), Kind::Array);
        assert_eq!(Kind::of("\"x\""), Kind::String);
        assert_eq!(Kind::of("-1.5e3"), Kind::Number);
        assert_eq!(Kind::of("false"), Kind::Bool);
        assert_eq!(Kind::of("null"), Kind::Null);
    }

    #[test]
    fn entries_borrow_plain_keys_and_decode_escaped_ones() {
        let entries = object_entries(r#"{"a":1, "b\u00e9" : {"c":[2]} }"#).unwrap();
        assert!(matches!(entries[0].0, Cow::Borrowed("a")));
        assert_eq!(entries[0].1.get(), "1");
        assert_eq!(entries[1].0, "bé");
        assert_eq!(entries[1].1.get(), r#"{"c":[2]}"#);
        assert!(object_entries("[1]").is_err());
        assert!(object_entries(r#"{"a":1} x"#).is_err());
    }

    #[test]
    fn strings_lose_quotes_and_escapes() {
        let mut out = String::new();
        push_str(r#""plain""#, &mut out).unwrap();
        push_str(r#""|\"q\"\n\u00e9\ud83d\ude00""#, &mut out).unwrap();
        assert_eq!(out, "plain|\"q\"\né😀");
        assert!(push_str(r#""\ud800""#, &mut String::new()).is_err());
    }

    #[test]
    fn compact_drops_whitespace_outside_strings_only() {
        assert_eq!(
            compacted(r#" { "a b" : [ 1 , 2.50 , "x , y" ] , "c":{ } , "d":[ ] } "#),
            r#"{"a b":[1,2.50,"x , y"],"c":{},"d":[]}"#
        );
        assert_eq!(compacted(r#""esc \" , \\""#), r#""esc \" , \\""#);
        assert_eq!(compacted("{\"a\":\r\n[1,\t2]}"), r#"{"a":[1,2]}"#);
        assert_eq!(compacted(r#"[ "\\", "x" ]"#), r#"["\\","x"]"#);
    }

    #[test]
    fn pretty_matches_jq_layout_and_keeps_tokens() {
        assert_eq!(
            indented(r#"{"a":[1,1.50,{}],"b":{"c":"\u00e9 , :"},"d":[]}"#),
            "{\n  \"a\": [\n    1,\n    1.50,\n    {}\n  ],\n  \"b\": {\n    \"c\": \"\\u00e9 , :\"\n  },\n  \"d\": []\n}"
        );
        assert_eq!(indented("7"), "7");
    }

    #[test]
    fn offsets_are_measured_inside_the_outer_text() {
        let outer = "0123456789";
        assert_eq!(offset_in(outer, &outer[4..6]), 4);
        assert_eq!(offset_in(outer, &outer[10..]), 10);
    }

    #[test]
    fn pretty_refuses_deep_nesting_and_runaway_growth() {
        let mut out = String::new();
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        let err = pretty(&deep, 0, &mut out).unwrap_err();
        assert!(err.contains("more than 128 levels"), "{err}");
        assert!(out.len() < 128 * 128 * 2, "stopped early: {}", out.len());
        let ok = format!("{}1{}", "[".repeat(128), "]".repeat(128));
        assert!(pretty(&ok, 0, &mut String::new()).is_ok());
        // 100 levels deep, a million short elements: the layout would be ~100 times
        // the input.
        let wide = format!(
            "{}{}1{}",
            "[".repeat(100),
            "1,".repeat(1 << 20),
            "]".repeat(100)
        );
        let mut out = String::new();
        let err = pretty(&wide, 0, &mut out).unwrap_err();
        assert!(err.contains("more than 16 times"), "{err}");
        assert!(out.len() <= 16 * wide.len() + (2 << 20), "{}", out.len());
    }
}
