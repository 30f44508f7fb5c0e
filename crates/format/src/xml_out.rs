//! XML 1.0 through quick-xml: `<records><record>…</record></records>`, one record per
//! line (a newline in a value is written as `&#10;`); object keys become elements, array
//! elements repeated `<item>`s, null an empty element with `nil="true"`.
//!
//! Well-formed for every input: a key that is not an XML name (without a colon) becomes
//! `<field name="…">`, quick-xml escapes markup characters, and the characters XML 1.0
//! cannot carry at all are written as the text `\uXXXX`.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::io::{self, Write};

use aad_common::{Error, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, BytesText, Event};
use serde::de::{self, DeserializeSeed as _, Deserializer as _};

use crate::bad_input::Bad;
use crate::flatten::MAX_DEPTH;
use crate::output::recycle;
use crate::raw::{Key, Kind, array_elements, object_entries, offset_in, push_str};
use crate::render::{Frame, Render};
use crate::select::{Cells, Select};

/// The element of each array element.
const ARRAY_ITEM: &str = "item";

/// The XML declaration and the root element (an NCName) around the records.
pub(crate) fn frame(root: &str) -> Result<Frame> {
    let mut head = Writer::new(Vec::new());
    head.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|()| head.get_mut().write_all(b"\n"))
        .and_then(|()| head.write_event(Event::Start(BytesStart::new(root))))
        .and_then(|()| head.get_mut().write_all(b"\n"))
        .map_err(|e| Error::internal(format!("XML writer: {e}")))?;
    let mut tail = Writer::new(Vec::new());
    tail.write_event(Event::End(BytesEnd::new(root)))
        .and_then(|()| tail.get_mut().write_all(b"\n"))
        .map_err(|e| Error::internal(format!("XML writer: {e}")))?;
    Ok(Frame {
        head: head.into_inner(),
        tail: tail.into_inner(),
        ..Frame::default()
    })
}

/// Renders a record as one `item` element on one line.
#[derive(Clone)]
pub(crate) struct XmlRender {
    item: String,
    select: Option<Select>,
    body: RecordXml,
    spare: Cells<'static>,
}

/// One record's XML, copied to the output only when the whole record was good.
#[derive(Clone)]
struct RecordXml {
    xml: Writer<Vec<u8>>,
    /// A decoded string value.
    text: String,
    /// Try the one-pass writer first: always, but in the test that compares the two.
    one_pass: bool,
}

impl RecordXml {
    fn new() -> RecordXml {
        RecordXml {
            xml: Writer::new(Vec::new()),
            text: String::new(),
            one_pass: true,
        }
    }
}

/// Why a record's XML could not be written.
enum Failure {
    Bad(Bad),
    Write(io::Error),
}

impl From<Bad> for Failure {
    fn from(bad: Bad) -> Failure {
        Failure::Bad(bad)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Write(err)
    }
}

impl XmlRender {
    /// Records as `item` elements (an NCName) of all their keys, or of `select`.
    pub(crate) fn new(item: &str, select: Option<Select>) -> XmlRender {
        XmlRender {
            item: item.to_string(),
            select,
            body: RecordXml::new(),
            spare: Vec::new(),
        }
    }

    /// One record as an `item` element holding its keys or its columns.
    fn write_record(&mut self, record: &str) -> Result<(), Failure> {
        let item = BytesStart::new(self.item.as_str());
        match &self.select {
            None => {
                if self.body.streamed_record(&self.item, record) {
                    return Ok(());
                }
                self.body.xml.get_mut().clear();
                let entries = object_entries(record).map_err(|e| Bad::record(&e, record))?;
                self.body.xml.write_event(Event::Start(item.borrow()))?;
                for (key, value) in entries {
                    self.body.value(&key, value.get(), record, 1)?;
                }
            }
            Some(select) => {
                let mut cells = recycle(std::mem::take(&mut self.spare));
                let written = self.body.columns(select, record, &mut cells, &item);
                self.spare = recycle(cells);
                written?;
            }
        }
        self.body.xml.write_event(Event::End(item.to_end()))?;
        Ok(())
    }
}

impl Render for XmlRender {
    fn render(&mut self, record: &str, out: &mut Vec<u8>) -> Result<(), Bad> {
        self.body.xml.get_mut().clear();
        match self.write_record(record) {
            Ok(()) => {
                out.extend_from_slice(self.body.xml.get_ref());
                out.push(b'\n');
                Ok(())
            }
            Err(Failure::Bad(bad)) => Err(bad),
            // Writing to a vector cannot fail; should it, the record is reported.
            Err(Failure::Write(err)) => Err(Bad::new(0, format!("XML writer: {err}"))),
        }
    }

    fn fork(&self) -> Box<dyn Render> {
        Box::new(self.clone())
    }
}

impl RecordXml {
    /// The start of the record element and one element per column.
    fn columns<'de>(
        &mut self,
        select: &Select,
        record: &'de str,
        cells: &mut Cells<'de>,
        item: &BytesStart<'_>,
    ) -> Result<(), Failure> {
        select.cells(record, cells)?;
        self.xml.write_event(Event::Start(item.borrow()))?;
        for (name, value) in select.names().iter().zip(cells.iter()) {
            match value {
                Some(value) => self.value(name, value.get(), record, 1)?,
                None => self.xml.write_event(Event::Empty(nil(start_tag(name))))?,
            }
        }
        Ok(())
    }

    /// The element `name` holding the JSON value `json`, a part of `record`, at nesting
    /// `depth`: written in one pass where [`Streamed`] can, level by level otherwise.
    fn value(&mut self, name: &str, json: &str, record: &str, depth: usize) -> Result<(), Failure> {
        let mark = self.xml.get_ref().len();
        if self.one_pass {
            let streamed = Streamed {
                xml: &mut self.xml,
                name,
                depth,
            };
            if streamed
                .deserialize(&mut serde_json::Deserializer::from_str(json))
                .is_ok()
            {
                return Ok(());
            }
            self.xml.get_mut().truncate(mark);
        }
        self.element(name, json, record, depth)
    }

    /// The whole record element in one pass; `false` (with partial output) when the
    /// record needs the level-by-level writer, which also reports what is wrong.
    fn streamed_record(&mut self, item: &str, record: &str) -> bool {
        let mut parser = serde_json::Deserializer::from_str(record);
        let streamed = Streamed {
            xml: &mut self.xml,
            name: item,
            depth: 0,
        };
        self.one_pass
            && parser
                .deserialize_map(streamed)
                .and_then(|()| parser.end())
                .is_ok()
    }

    /// The element `name` holding the JSON value `json`, a part of `record`, parsed one
    /// level at a time so that numbers keep their text and errors their position.
    fn element(
        &mut self,
        name: &str,
        json: &str,
        record: &str,
        depth: usize,
    ) -> Result<(), Failure> {
        let start = start_tag(name);
        let kind = Kind::of(json);
        if matches!(kind, Kind::Object | Kind::Array) && depth >= MAX_DEPTH {
            return Err(Bad::new(
                offset_in(record, json),
                format!("values nested more than {MAX_DEPTH} levels deep"),
            )
            .into());
        }
        match kind {
            Kind::Null => self.xml.write_event(Event::Empty(nil(start)))?,
            Kind::Object => {
                let entries = object_entries(json).map_err(|e| Bad::json(&e, json, record))?;
                if entries.is_empty() {
                    self.xml.write_event(Event::Empty(start))?;
                } else {
                    self.xml.write_event(Event::Start(start.borrow()))?;
                    for (key, value) in entries {
                        self.value(&key, value.get(), record, depth + 1)?;
                    }
                    self.xml.write_event(Event::End(start.to_end()))?;
                }
            }
            Kind::Array => {
                let elements = array_elements(json).map_err(|e| Bad::json(&e, json, record))?;
                if elements.is_empty() {
                    self.xml.write_event(Event::Empty(start))?;
                } else {
                    self.xml.write_event(Event::Start(start.borrow()))?;
                    for value in elements {
                        self.value(ARRAY_ITEM, value.get(), record, depth + 1)?;
                    }
                    self.xml.write_event(Event::End(start.to_end()))?;
                }
            }
            Kind::String => {
                self.text.clear();
                push_str(json, &mut self.text).map_err(|_| Bad::string(json, record))?;
                text_element(&mut self.xml, start, &self.text)?;
            }
            Kind::Number | Kind::Bool => text_element(&mut self.xml, start, json)?,
        }
        Ok(())
    }
}

/// `<name>text</name>`, or `<name/>` when the text is empty.
fn text_element(xml: &mut Writer<Vec<u8>>, start: BytesStart<'_>, text: &str) -> io::Result<()> {
    if text.is_empty() {
        return xml.write_event(Event::Empty(start));
    }
    xml.write_event(Event::Start(start.borrow()))?;
    // A newline is written as the reference &#10;, so a record stays on one line.
    for (i, part) in xml_chars(text).split('\n').enumerate() {
        if i > 0 {
            xml.write_event(Event::GeneralRef(BytesRef::new("#10")))?;
        }
        if !part.is_empty() {
            xml.write_event(Event::Text(BytesText::new(part)))?;
        }
    }
    xml.write_event(Event::End(start.to_end()))
}

/// Writes a JSON value as XML while serde_json parses it: one pass, nothing kept.
///
/// It gives up (with an error, its output to be dropped) where the level-by-level
/// writer is needed: a number that is not an integer (serde_json hands those over as
/// `f64`, which would lose their text: 1.50, 1e3, -0), nesting at the depth limit, or
/// any error in the input, which the level-by-level writer then reports.
struct Streamed<'a> {
    xml: &'a mut Writer<Vec<u8>>,
    name: &'a str,
    depth: usize,
}

impl<'a> Streamed<'a> {
    fn text<E: de::Error>(self, text: &str) -> Result<(), E> {
        text_element(self.xml, start_tag(self.name), text).map_err(E::custom)
    }

    /// Writes the start tag; when the container then turns out to be empty, `close`
    /// replaces it with an empty-element tag.
    fn open<E: de::Error>(&mut self) -> Result<(usize, BytesStart<'a>), E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom("deep"));
        }
        let mark = self.xml.get_ref().len();
        let start = start_tag(self.name);
        self.xml
            .write_event(Event::Start(start.borrow()))
            .map_err(E::custom)?;
        Ok((mark, start))
    }

    fn close<E: de::Error>(
        self,
        (mark, start): (usize, BytesStart<'_>),
        empty: bool,
    ) -> Result<(), E> {
        if empty {
            self.xml.get_mut().truncate(mark);
            self.xml.write_event(Event::Empty(start))
        } else {
            self.xml.write_event(Event::End(start.to_end()))
        }
        .map_err(E::custom)
    }
}

impl<'de> de::DeserializeSeed<'de> for Streamed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Streamed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.xml
            .write_event(Event::Empty(nil(start_tag(self.name))))
            .map_err(E::custom)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.text(if value { "true" } else { "false" })
    }

    // JSON integers have one spelling, so these print as they were written.
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.text(&value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.text(&value.to_string())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom("not an integer"))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        self.text(value)
    }

    fn visit_map<A: de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let opened = self.open()?;
        let mut empty = true;
        while let Some(key) = map.next_key_seed(Key)? {
            empty = false;
            map.next_value_seed(Streamed {
                xml: self.xml,
                name: &key,
                depth: self.depth + 1,
            })?;
        }
        self.close(opened, empty)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let opened = self.open()?;
        let mut empty = true;
        while seq
            .next_element_seed(Streamed {
                xml: self.xml,
                name: ARRAY_ITEM,
                depth: self.depth + 1,
            })?
            .is_some()
        {
            empty = false;
        }
        self.close(opened, empty)
    }
}

/// The start tag for a key: `<key>`, or `<field name="key">` when the key is not an
/// XML name without a colon.
fn start_tag(key: &str) -> BytesStart<'_> {
    if is_ncname(key) {
        BytesStart::new(key)
    } else {
        BytesStart::new("field").with_attributes([("name", &*xml_chars(key))])
    }
}

/// The tag with `nil="true"`.
fn nil(start: BytesStart<'_>) -> BytesStart<'_> {
    start.with_attributes([("nil", "true")])
}

/// `text` with each character XML 1.0 cannot carry (the C0 controls other than tab,
/// LF and CR, U+FFFE and U+FFFF) written as `\uXXXX`.
pub(crate) fn xml_chars(text: &str) -> Cow<'_, str> {
    // Fast check on bytes: a C0 control, or 0xEF, the first byte of U+FFFE and U+FFFF.
    let suspect = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0xEF;
    if !text.as_bytes().iter().any(suspect) || !text.chars().any(not_xml) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if not_xml(c) {
            let _ = write!(out, "\\u{:04X}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True for the characters outside XML 1.0's `Char` production. (Surrogates cannot
/// occur in a Rust string.)
fn not_xml(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// True when `name` is an XML 1.0 (fifth edition) name without a colon: an NCName, which
/// namespace-aware parsers accept as an element name.
pub(crate) fn is_ncname(name: &str) -> bool {
    // Most keys are ASCII: decide those on bytes.
    let ascii_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    match name.as_bytes() {
        [first, rest @ ..]
            if (first.is_ascii_alphabetic() || *first == b'_') && rest.iter().all(ascii_name) =>
        {
            return true;
        }
        [first, ..] if first.is_ascii() && name.is_ascii() => return false,
        [] => return false,
        _ => {}
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{2ff}'
        | '\u{370}'..='\u{37d}' | '\u{37f}'..='\u{1fff}' | '\u{200c}'..='\u{200d}'
        | '\u{2070}'..='\u{218f}' | '\u{2c00}'..='\u{2fef}' | '\u{3001}'..='\u{d7ff}'
        | '\u{f900}'..='\u{fdcf}' | '\u{fdf0}'..='\u{fffd}' | '\u{10000}'..='\u{effff}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{b7}' | '\u{300}'..='\u{36f}' | '\u{203f}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;
    use crate::render::FrameWriter;

    fn run(fields: Option<&str>, records: &[&str]) -> String {
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut render = XmlRender::new("record", select);
        let mut out = Vec::new();
        let mut writer = FrameWriter::new(&mut out, frame("records").unwrap()).unwrap();
        for record in records {
            let mut bytes = Vec::new();
            render.render(record, &mut bytes).unwrap();
            writer.record(&bytes).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n";

    #[test]
    fn an_empty_input_is_a_closed_root() {
        assert_eq!(run(None, &[]), format!("{HEAD}</records>\n"));
    }

    #[test]
    fn nested_values_become_elements() {
        let record = r##"{"id":"a<&>b","by":{"user":null,"n":1.50},"t":[{"x":true},[],"s"],"e":"","@odata.type":"#x"}"##;
        assert_eq!(
            run(None, &[record]),
            format!(
                "{HEAD}<record><id>a&lt;&amp;&gt;b</id><by><user nil=\"true\"/><n>1.50</n></by>\
                 <t><item><x>true</x></item><item/><item>s</item></t><e/>\
                 <field name=\"@odata.type\">#x</field></record>\n</records>\n"
            )
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_escaped_as_text() {
        let record =
            r#"{"a":"nul\u0000 esc\u001b tab\t cr\r lf\n ffff\uffff ok\u0085","b\u0001":1}"#;
        assert_eq!(
            run(None, &[record]),
            format!(
                "{HEAD}<record><a>nul\\u0000 esc\\u001B tab\t cr&#13; lf&#10; ffff\\uFFFF ok\u{85}</a>\
                 <field name=\"b\\u0001\">1</field></record>\n</records>\n"
            )
        );
    }

    #[test]
    fn fields_become_elements_and_missing_ones_nil() {
        assert_eq!(
            run(
                Some("upn=a.b,t.0,gone"),
                &[r#"{"a":{"b":"x"},"t":[{"k":"v"}]}"#]
            ),
            format!(
                "{HEAD}<record><upn>x</upn><t.0><k>v</k></t.0><gone nil=\"true\"/></record>\n</records>\n"
            )
        );
    }

    /// The record as the one-pass writer and as the level-by-level writer write it.
    fn both_writers(record: &str) -> (Option<String>, Option<String>) {
        let mut fast = RecordXml::new();
        let streamed = fast.streamed_record("r", record);
        let fast = streamed.then(|| String::from_utf8(fast.xml.into_inner()).unwrap());
        let mut exact = RecordXml::new();
        exact.one_pass = false;
        let written = exact.value("r", record, record, 0).is_ok();
        let exact = written.then(|| String::from_utf8(exact.xml.into_inner()).unwrap());
        (fast, exact)
    }

    #[test]
    fn both_writers_agree_and_the_one_pass_writer_knows_its_limits() {
        for record in [
            r#"{"a":"x\ny<&>","b":null,"c":[1,-2,18446744073709551615,-9223372036854775808],"d":{},"e":[],"f":true}"#,
            r##"{"@odata.type":"#x","":"e","1":{"a:b":[[]]},"k\u0000":"\u0001\ud83d\ude00"}"##,
            r#"{"deep":[[[[[[{"x":[{"y":"z"}]}]]]]]]}"#,
        ] {
            let (fast, exact) = both_writers(record);
            assert!(fast.is_some(), "{record}");
            assert_eq!(fast, exact, "{record}");
        }
        for record in [
            r#"{"n":1.50}"#,
            r#"{"n":-0}"#,
            r#"{"n":1e3}"#,
            r#"{"n":18446744073709551616}"#,
        ] {
            let (fast, exact) = both_writers(record);
            assert_eq!(fast, None, "{record} needs the exact writer");
            let number = &record[5..record.len() - 1];
            assert_eq!(exact.unwrap(), format!("<r><n>{number}</n></r>"));
        }
        let deep = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(both_writers(&deep), (None, None));
        let deepest = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH - 2),
            "]".repeat(MAX_DEPTH - 2)
        );
        let (fast, exact) = both_writers(&deepest);
        assert!(fast.is_some());
        assert_eq!(fast, exact);
    }

    #[test]
    fn ncnames_follow_the_xml_spec() {
        for good in ["a", "_x", "a.b-c_1", "é", "日本", "xmlThing"] {
            assert!(is_ncname(good), "{good}");
        }
        for bad in [
            "",
            "1a",
            "-a",
            ".a",
            "a:b",
            "a b",
            "@odata.type",
            "a\u{0}",
            "a/b",
        ] {
            assert!(!is_ncname(bad), "{bad}");
        }
    }
}
