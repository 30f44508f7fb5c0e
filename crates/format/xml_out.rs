//! XML 1.0 through quick-xml: `<records><record>…</record></records>`, one record per
//! line (a newline in a value is written as `&#10;`); object keys become elements, array
//! elements repeated `<item>`s, null an empty element with `nil="true"`.
//!
//! Well-formed for every input: a key that is not an XML name (without a colon) becomes
//! `<field name="…">`, quick-xml escapes markup characters, and the characters XML 1.0
//! cannot carry at all are written as the text `\uXXXX`.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use aad_common::{Error, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesRef, BytesStart, BytesText, Event};

use crate::fault::{Bad, Faults, Place};
use crate::flatten::MAX_DEPTH;
use crate::output::{Sink, recycle};
use crate::raw::{Kind, array_elements, object_entries, offset_in, push_str};
use crate::select::{Cells, Select};

/// The element of each array element.
const ARRAY_ITEM: &str = "item";

/// Writes records as one XML document.
pub(crate) struct XmlSink<W: Write> {
    out: W,
    root: String,
    item: String,
    select: Option<Select>,
    body: RecordXml,
    spare: Cells<'static>,
}

/// One record's XML, written to the output only when the whole record was good.
struct RecordXml {
    xml: Writer<Vec<u8>>,
    /// A decoded string value.
    text: String,
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

impl<W: Write> XmlSink<W> {
    /// Writes the declaration and the root start tag; `root` and `item` must be NCNames.
    pub(crate) fn new(
        mut out: W,
        root: &str,
        item: &str,
        select: Option<Select>,
    ) -> Result<XmlSink<W>> {
        let mut head = Writer::new(&mut out);
        head.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .and_then(|()| head.get_mut().write_all(b"\n"))
            .and_then(|()| head.write_event(Event::Start(BytesStart::new(root))))
            .and_then(|()| head.get_mut().write_all(b"\n"))
            .map_err(Error::stdout)?;
        Ok(XmlSink {
            out,
            root: root.to_string(),
            item: item.to_string(),
            select,
            body: RecordXml {
                xml: Writer::new(Vec::with_capacity(aad_common::io::BUFFER_SIZE)),
                text: String::new(),
            },
            spare: Vec::new(),
        })
    }

    /// One record as an `item` element holding its keys or its columns.
    fn write_record(&mut self, record: &str) -> Result<(), Failure> {
        let item = BytesStart::new(self.item.as_str());
        match &self.select {
            None => {
                let entries = object_entries(record).map_err(|e| Bad::record(&e, record))?;
                self.body.xml.write_event(Event::Start(item.borrow()))?;
                for (key, value) in entries {
                    self.body.element(&key, value.get(), record, 1)?;
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
                Some(value) => self.element(name, value.get(), record, 1)?,
                None => self.xml.write_event(Event::Empty(nil(start_tag(name))))?,
            }
        }
        Ok(())
    }

    /// The element `name` holding the JSON value `json`, a part of `record`.
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
                        self.element(&key, value.get(), record, depth + 1)?;
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
                        self.element(ARRAY_ITEM, value.get(), record, depth + 1)?;
                    }
                    self.xml.write_event(Event::End(start.to_end()))?;
                }
            }
            Kind::String => {
                self.text.clear();
                push_str(json, &mut self.text).map_err(|_| Bad::string(json, record))?;
                self.text_element(start, None)?;
            }
            Kind::Number | Kind::Bool => self.text_element(start, Some(json))?,
        }
        Ok(())
    }

    /// `<name>text</name>`, or `<name/>` when the text is empty; the text is `literal`,
    /// or else the decoded string in `self.text`.
    fn text_element(&mut self, start: BytesStart<'_>, literal: Option<&str>) -> io::Result<()> {
        let text = literal.unwrap_or(&self.text);
        if text.is_empty() {
            return self.xml.write_event(Event::Empty(start));
        }
        let end = start.to_end().into_owned();
        self.xml.write_event(Event::Start(start))?;
        // A newline is written as the reference &#10;, so a record stays on one line.
        for (i, part) in xml_chars(text).split('\n').enumerate() {
            if i > 0 {
                self.xml
                    .write_event(Event::GeneralRef(BytesRef::new("#10")))?;
            }
            if !part.is_empty() {
                self.xml.write_event(Event::Text(BytesText::new(part)))?;
            }
        }
        self.xml.write_event(Event::End(end))
    }
}

impl<W: Write> Sink for XmlSink<W> {
    fn record(&mut self, record: &str, place: &Place, faults: &mut Faults) -> Result<()> {
        self.body.xml.get_mut().clear();
        match self.write_record(record) {
            Ok(()) => {
                let xml = self.body.xml.get_mut();
                xml.push(b'\n');
                self.out.write_all(xml).map_err(Error::stdout)
            }
            Err(Failure::Bad(bad)) => faults.bad(place, bad),
            Err(Failure::Write(err)) => Err(Error::internal(format!("XML writer: {err}"))),
        }
    }

    fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(Error::stdout)
    }

    fn finish(&mut self, _: &mut Faults) -> Result<()> {
        Writer::new(&mut self.out)
            .write_event(Event::End(BytesEnd::new(self.root.as_str())))
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(Error::stdout)?;
        self.flush()
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
    if name.is_ascii() {
        let bytes = name.as_bytes();
        return bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
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

    fn run(fields: Option<&str>, records: &[&str]) -> String {
        let mut out = Vec::new();
        let mut faults = Faults::new(false, true);
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut sink = XmlSink::new(&mut out, "records", "record", select).unwrap();
        let place = Place {
            file: "t".into(),
            line: 1,
            column: 1,
        };
        for record in records {
            sink.record(record, &place, &mut faults).unwrap();
        }
        sink.finish(&mut faults).unwrap();
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
