//! Writing the SIEM documents: compact JSON objects built member by member, in the
//! order the mapping tables give, straight into the output buffer. An absent value
//! writes nothing, and an object or array that ends up with no member is taken back
//! whole, so "absent" never becomes `null`, `{}` or `[]`. Strings and numbers are
//! encoded by serde_json, so the escaping is exactly serde_json's.

use serde::Serializer as _;

/// Appends JSON to a byte buffer that may already hold earlier records.
pub(crate) struct Writer<'b> {
    buf: &'b mut Vec<u8>,
}

/// Where an object or array was opened, to close it or take it back.
#[derive(Debug, Clone, Copy)]
#[must_use = "an opened object or array must be closed"]
pub(crate) struct Mark {
    /// Where its key (and the comma before it) starts.
    start: usize,
    /// Just after its opening bracket.
    body: usize,
    close: u8,
}

impl<'b> Writer<'b> {
    /// A writer that appends to `buf`.
    pub(crate) fn new(buf: &'b mut Vec<u8>) -> Writer<'b> {
        Writer { buf }
    }

    /// Opens the document's top-level object.
    pub(crate) fn document(&mut self) -> Mark {
        let start = self.buf.len();
        self.buf.push(b'{');
        Mark {
            start,
            body: self.buf.len(),
            close: b'}',
        }
    }

    /// Opens the object that is the value of `key`.
    pub(crate) fn object(&mut self, key: &'static str) -> Mark {
        self.open(key, b'{', b'}')
    }

    /// Opens the array that is the value of `key`.
    pub(crate) fn array(&mut self, key: &'static str) -> Mark {
        self.open(key, b'[', b']')
    }

    fn open(&mut self, key: &'static str, open: u8, close: u8) -> Mark {
        let start = self.buf.len();
        self.key(key);
        self.buf.push(open);
        Mark {
            start,
            body: self.buf.len(),
            close,
        }
    }

    /// Closes what `mark` opened, or takes it back when nothing was written into it.
    pub(crate) fn close(&mut self, mark: Mark) {
        if self.buf.len() == mark.body {
            self.buf.truncate(mark.start);
        } else {
            self.buf.push(mark.close);
        }
    }

    /// Closes what `mark` opened, empty or not (`{}` and `[]` of the record copies).
    pub(crate) fn close_kept(&mut self, mark: Mark) {
        self.buf.push(mark.close);
    }

    /// A comma unless this is the first member or element.
    fn separator(&mut self) {
        if !matches!(self.buf.last(), Some(b'{' | b'[')) {
            self.buf.push(b',');
        }
    }

    /// `"key":`, after a comma where one is needed, for the mappings' own keys (plain
    /// ASCII names that need no escaping).
    pub(crate) fn key(&mut self, key: &'static str) {
        self.key_unescaped(key);
    }

    /// `"key":` for a key read from the input, escaped where needed.
    pub(crate) fn key_escaped(&mut self, key: &str) {
        self.separator();
        self.string(key);
        self.buf.push(b':');
    }

    /// `"key":` for a key that needs no escaping (a slice of input that held no escape).
    pub(crate) fn key_unescaped(&mut self, key: &str) {
        self.separator();
        self.string_unescaped(key);
        self.buf.push(b':');
    }

    /// Opens an object (`{`, `}`) or array (`[`, `]`) where a value goes: after a key
    /// or [`Writer::element`].
    pub(crate) fn open_value(&mut self, open: u8, close: u8) -> Mark {
        let start = self.buf.len();
        self.buf.push(open);
        Mark {
            start,
            body: self.buf.len(),
            close,
        }
    }

    /// `null`.
    pub(crate) fn null_value(&mut self) {
        self.buf.extend_from_slice(b"null");
    }

    /// A string value, escaped as serde_json escapes it: most strings need no escape
    /// and are copied as they are (serde_json's call costs more than the check).
    pub(crate) fn string(&mut self, text: &str) {
        if !needs_escape(text.as_bytes()) {
            self.string_unescaped(text);
        } else {
            // Writing to a Vec cannot fail.
            let _ = serde_json::Serializer::new(&mut *self.buf).serialize_str(text);
        }
    }

    /// A string known to need no escaping (a slice of JSON input that held no escape).
    pub(crate) fn string_unescaped(&mut self, text: &str) {
        self.buf.push(b'"');
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.push(b'"');
    }

    /// `"key":"value"` when `value` is given.
    pub(crate) fn str(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(key);
            self.string(value);
        }
    }

    /// The next string element of an array.
    pub(crate) fn element_str(&mut self, value: &str) {
        self.separator();
        self.string(value);
    }

    /// `"key":["a","b"]`, taken back when there is no element.
    pub(crate) fn strings<'s>(
        &mut self,
        key: &'static str,
        elements: impl IntoIterator<Item = &'s str>,
    ) {
        let list = self.array(key);
        for element in elements {
            self.element_str(element);
        }
        self.close(list);
    }

    /// `"key":n`.
    pub(crate) fn int(&mut self, key: &'static str, value: i64) {
        self.key(key);
        self.int_value(value);
    }

    /// An integer value.
    pub(crate) fn int_value(&mut self, value: i64) {
        let _ = serde_json::Serializer::new(&mut *self.buf).serialize_i64(value);
    }

    /// An unsigned integer value.
    pub(crate) fn uint_value(&mut self, value: u64) {
        let _ = serde_json::Serializer::new(&mut *self.buf).serialize_u64(value);
    }

    /// `"key":x` for a finite float, in shortest round-trip form.
    pub(crate) fn float(&mut self, key: &'static str, value: f64) {
        self.key(key);
        self.float_value(value);
    }

    /// A float value in shortest round-trip form (`47.674`, `0.0`).
    pub(crate) fn float_value(&mut self, value: f64) {
        let _ = serde_json::Serializer::new(&mut *self.buf).serialize_f64(value);
    }

    /// `"key":true` or `false`, when given.
    pub(crate) fn bool(&mut self, key: &'static str, value: Option<bool>) {
        if let Some(value) = value {
            self.key(key);
            self.bool_value(value);
        }
    }

    /// `true` or `false`.
    pub(crate) fn bool_value(&mut self, value: bool) {
        self.buf
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// Bytes that are already JSON (a record as it was read).
    pub(crate) fn raw(&mut self, key: &'static str, json: &str) {
        self.key(key);
        self.buf.extend_from_slice(json.as_bytes());
    }

    /// The separator before an element of an array that the caller writes itself.
    pub(crate) fn element(&mut self) {
        self.separator();
    }
}

/// True when `bytes` hold a character JSON escapes: a control character, `"` or `\\`.
/// Eight bytes at a time (a byte is below 0x20, or equal to 0x22 or 0x5C, exactly when
/// the classic "has a byte less than" and "has a zero byte" tests say so).
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let less_than = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        if less_than(x, 0x20) || less_than(x ^ (ONES * 0x22), 1) || less_than(x ^ (ONES * 0x5C), 1)
        {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(f: impl FnOnce(&mut Writer<'_>)) -> String {
        let mut buf = b"earlier\n".to_vec();
        f(&mut Writer::new(&mut buf));
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn members_are_separated_and_strings_escaped() {
        let text = write(|w| {
            let doc = w.document();
            w.str("a", Some("x\"\n\u{1b}é\u{2028}"));
            w.str("absent", None);
            w.int("n", -4);
            w.float("f", 47.674);
            w.float("z", 0.0);
            w.bool("b", Some(true));
            w.close(doc);
        });
        assert_eq!(
            text,
            "earlier\n{\"a\":\"x\\\"\\n\\u001bé\u{2028}\",\"n\":-4,\"f\":47.674,\"z\":0.0,\"b\":true}"
        );
    }

    #[test]
    fn the_escape_check_finds_every_character_to_escape() {
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=0x7Fu8 {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    let expected = byte < 0x20 || byte == b'"' || byte == b'\\';
                    assert_eq!(needs_escape(&text), expected, "{len} {at} {byte:#x}");
                }
            }
        }
        assert!(!needs_escape("é\u{2028}\u{7f}ÿ".as_bytes()));
    }

    #[test]
    fn empty_objects_and_arrays_are_taken_back() {
        let text = write(|w| {
            let doc = w.document();
            let outer = w.object("outer");
            let inner = w.object("inner");
            w.str("x", None);
            w.close(inner);
            let list = w.array("list");
            w.close(list);
            w.close(outer);
            let list = w.array("ips");
            w.element_str("::1");
            w.close(list);
            w.close(doc);
        });
        assert_eq!(text, "earlier\n{\"ips\":[\"::1\"]}");
    }

    #[test]
    fn kept_containers_stay_even_when_empty() {
        let text = write(|w| {
            let doc = w.document();
            let o = w.object("o");
            w.close_kept(o);
            let a = w.array("a");
            w.element();
            let e = w.open_value(b'{', b'}');
            w.close_kept(e);
            w.close_kept(a);
            w.close(doc);
        });
        assert_eq!(text, "earlier\n{\"o\":{},\"a\":[{}]}");
    }
}
