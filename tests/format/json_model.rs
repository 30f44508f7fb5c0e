//! A JSON value as the tests see it: key order kept, numbers as written, so that what
//! aad-format writes can be checked against the input independently of its own code.

use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Parses JSON text (serde_json checks it), keeping key order and number text.
    pub(super) fn parse(text: &str) -> J {
        let raw: &RawValue = serde_json::from_str(text).expect("valid JSON");
        J::from_raw(raw.get())
    }

    fn from_raw(json: &str) -> J {
        match json.as_bytes()[0] {
            b'{' => {
                let entries: Entries<'_> = serde_json::from_str(json).unwrap();
                J::Obj(
                    entries
                        .0
                        .into_iter()
                        .map(|(k, v)| (k, J::from_raw(v.get())))
                        .collect(),
                )
            }
            b'[' => {
                let items: Vec<&RawValue> = serde_json::from_str(json).unwrap();
                J::Arr(items.into_iter().map(|v| J::from_raw(v.get())).collect())
            }
            b'"' => J::Str(serde_json::from_str(json).unwrap()),
            b't' => J::Bool(true),
            b'f' => J::Bool(false),
            b'n' => J::Null,
            _ => J::Num(json.to_string()),
        }
    }

    /// Compact JSON text; with `escape`, every non-ASCII character and `/` is written
    /// as an escape, so that byte-exactness is put to the test.
    pub(super) fn write(&self, escape: bool, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => json_string(s, escape, out),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(escape, out);
                }
                out.push(']');
            }
            J::Obj(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(key, escape, out);
                    out.push(':');
                    value.write(escape, out);
                }
                out.push('}');
            }
        }
    }

    /// The cell text the documented rules give for a leaf that is not a container.
    pub(super) fn cell(&self) -> String {
        match self {
            J::Null => String::new(),
            J::Bool(b) => b.to_string(),
            J::Num(n) => n.clone(),
            J::Str(s) => s.clone(),
            J::Arr(_) | J::Obj(_) => unreachable!("containers are compared as JSON"),
        }
    }

    /// The value at a `--fields` path: keys in objects, numbers in arrays.
    pub(super) fn at(&self, path: &[&str]) -> Option<&J> {
        let Some((step, rest)) = path.split_first() else {
            return Some(self);
        };
        let next = match self {
            J::Obj(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k == step)
                .map(|(_, v)| v),
            J::Arr(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }?;
        next.at(rest)
    }

    /// The flattened leaves: non-empty objects become dotted paths, all else is a leaf.
    pub(super) fn leaves<'a>(
        &'a self,
        prefix: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, &'a J)>,
    ) {
        match self {
            J::Obj(entries) if !entries.is_empty() => {
                for (key, value) in entries {
                    prefix.push(key.clone());
                    value.leaves(prefix, out);
                    prefix.pop();
                }
            }
            leaf => out.push((prefix.clone(), leaf)),
        }
    }
}

/// An object's entries in order.
pub(super) struct Entries<'a>(pub(super) Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for Entries<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

pub(super) fn json_string(s: &str, escape: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '/' if escape => out.push_str("\\/"),
            c if (c as u32) < 0x20 || (escape && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The records of NDJSON text: one per line, or the elements of a page line.
pub(super) fn records_of(text: &str) -> Vec<J> {
    let mut records = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match J::parse(line) {
            J::Obj(entries) if is_page(&entries) => {
                let (_, J::Arr(items)) = entries.iter().find(|(k, _)| k == "value").unwrap() else {
                    unreachable!()
                };
                records.extend(items.iter().cloned());
            }
            record => records.push(record),
        }
    }
    records
}

pub(super) fn is_page(entries: &[(String, J)]) -> bool {
    entries
        .iter()
        .any(|(k, v)| k == "value" && matches!(v, J::Arr(_)))
        && entries
            .iter()
            .all(|(k, _)| k == "value" || k.starts_with('@'))
}
