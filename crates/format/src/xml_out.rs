//! XML 1.0 through quick-xml: `<records><record>…</record></records>`, one record per
//! line (a newline in a value is written as `&#10;`); object keys become elements, array
//! elements repeated `<item>`s, null an empty element with `nil="true"`.
//!
//! Well-formed for every input: a key that is not an XML name (without a colon) becomes
//! `<field name="…">`, quick-xml escapes markup characters, and the characters XML 1.0
//! cannot carry at all are written as the text `\uXXXX`.

use std::io::{self, Write};

use aad_common::{Error, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use crate::bad_input::Bad;
use crate::flatten::MAX_DEPTH;
use crate::raw::{Kind, array_elements, object_entries, offset_in, push_str};
use crate::render::{Frame, Render};
use crate::select::{Cells, Select, recycle};
use crate::xml_element::{ARRAY_ITEM, nil, start_tag, text_element};
use crate::xml_stream;

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
    /// `depth`: written in one pass by `xml_stream` where it can, level by level otherwise.
    fn value(&mut self, name: &str, json: &str, record: &str, depth: usize) -> Result<(), Failure> {
        let mark = self.xml.get_ref().len();
        if self.one_pass {
            if xml_stream::write_value(&mut self.xml, name, json, depth) {
                return Ok(());
            }
            self.xml.get_mut().truncate(mark);
        }
        self.element(name, json, record, depth)
    }

    /// The whole record element in one pass; `false` (with partial output) when the
    /// record needs the level-by-level writer, which also reports what is wrong.
    fn streamed_record(&mut self, item: &str, record: &str) -> bool {
        self.one_pass && xml_stream::write_record(&mut self.xml, item, record)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields;
    use crate::render::render_all;

    fn run(fields: Option<&str>, records: &[&str]) -> String {
        let select = fields.map(|f| Select::new(&fields::parse(f).unwrap()));
        let mut render = XmlRender::new("record", select);
        render_all(&mut render, frame("records").unwrap(), records)
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
}
