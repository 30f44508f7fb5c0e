//! JSON as the targets check it: syntax only, so that what the tools accept and pass
//! through byte for byte (numbers beyond `f64` such as `1e309`, lone surrogate escapes
//! such as `\ud800`, as the man pages say) is not taken for broken output.

use std::fmt;

use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;

/// `bytes` as one JSON value (syntax only); `None` when it is not JSON.
pub(super) fn raw(bytes: &[u8]) -> Option<Box<RawValue>> {
    serde_json::from_slice(&without_lone_surrogates(bytes)).ok()
}

/// The entries of the JSON object `bytes`, in order, duplicates kept.
pub(super) fn entries(bytes: &[u8]) -> Option<Vec<(String, Box<RawValue>)>> {
    struct Entries;
    impl<'de> Visitor<'de> for Entries {
        type Value = Vec<(String, Box<RawValue>)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    let bytes = without_lone_surrogates(bytes);
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let entries = (&mut de).deserialize_map(Entries).ok()?;
    de.end().ok()?;
    Some(entries)
}

/// The elements of the JSON array `text`.
pub(super) fn elements(text: &str) -> Option<Vec<Box<RawValue>>> {
    serde_json::from_str(text).ok()
}

/// JSON text without the white space between tokens (and lone surrogates made
/// `\u0000`, as [`raw`] and [`entries`] read them), to compare records.
pub(super) fn compact(bytes: &[u8]) -> Vec<u8> {
    let (mut out, mut in_string, mut escaped) = (Vec::with_capacity(bytes.len()), false, false);
    for b in without_lone_surrogates(bytes) {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            in_string = b == b'"';
            out.push(b);
        }
    }
    out
}

/// `bytes` with every `\uD800`-`\uDFFF` escape made `\u0000`: the same length, and
/// acceptable to serde_json.
fn without_lone_surrogates(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + 5 < out.len() {
        if out[i] == b'\\' && out[i + 1] == b'\\' {
            i += 2;
            continue;
        }
        if out[i] == b'\\'
            && out[i + 1] == b'u'
            && matches!(out[i + 2], b'd' | b'D')
            && matches!(out[i + 3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
        {
            out[i + 2..i + 6].copy_from_slice(b"0000");
        }
        i += 1;
    }
    out
}
