//! One element as both XML writers write it: the tag a key gets (`<key>`, or
//! `<field name="key">` when the key cannot be an element name), `nil="true"` for null,
//! and text on one line. The one-pass writer (`xml_stream`) and the level-by-level
//! writer (`xml_out`) share these, so that the two write the same bytes.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesRef, BytesStart, BytesText, Event};

use crate::xml_syntax::{is_ncname, xml_chars};

/// The element of each array element.
pub(crate) const ARRAY_ITEM: &str = "item";

/// The start tag for a key: `<key>`, or `<field name="key">` when the key is not an
/// XML name without a colon.
pub(crate) fn start_tag(key: &str) -> BytesStart<'_> {
    if is_ncname(key) {
        BytesStart::new(key)
    } else {
        BytesStart::new("field").with_attributes([("name", &*xml_chars(key))])
    }
}

/// The tag with `nil="true"`.
pub(crate) fn nil(start: BytesStart<'_>) -> BytesStart<'_> {
    start.with_attributes([("nil", "true")])
}

/// `<name>text</name>`, or `<name/>` when the text is empty.
pub(crate) fn text_element(
    xml: &mut Writer<Vec<u8>>,
    start: BytesStart<'_>,
    text: &str,
) -> io::Result<()> {
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
