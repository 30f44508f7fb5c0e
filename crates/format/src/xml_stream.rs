//! The one-pass XML writer: a JSON value written as XML while serde_json parses it,
//! nothing kept. It is the fast path for nearly every record; where it gives up, the
//! level-by-level writer in `xml_out` writes the value instead (and reports what is
//! wrong with it).

use std::fmt;

use quick_xml::Writer;
use quick_xml::events::{BytesStart, Event};
use serde::de::{self, DeserializeSeed as _, Deserializer as _};

use crate::flatten::MAX_DEPTH;
use crate::raw::Key;
use crate::xml_element::{ARRAY_ITEM, nil, start_tag, text_element};

/// Writes the element `name` for the JSON value `json` at nesting `depth`; false, with
/// partial output to be dropped, when the level-by-level writer is needed.
pub(crate) fn write_value(xml: &mut Writer<Vec<u8>>, name: &str, json: &str, depth: usize) -> bool {
    Streamed { xml, name, depth }
        .deserialize(&mut serde_json::Deserializer::from_str(json))
        .is_ok()
}

/// Writes the element `item` for the whole `record` (an object, with nothing after it);
/// false, with partial output to be dropped, when the level-by-level writer is needed.
pub(crate) fn write_record(xml: &mut Writer<Vec<u8>>, item: &str, record: &str) -> bool {
    let mut parser = serde_json::Deserializer::from_str(record);
    let streamed = Streamed {
        xml,
        name: item,
        depth: 0,
    };
    parser
        .deserialize_map(streamed)
        .and_then(|()| parser.end())
        .is_ok()
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
