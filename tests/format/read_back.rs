//! Reading aad-format's CSV and XML back (with the csv crate and quick-xml's reader) and
//! checking every cell and element against the documented rules for the JSON value.

use quick_xml::events::Event;

use super::json_model::J;

/// Asserts a cell against the value the documented rules put there.
pub(super) fn assert_cell(cell: &str, value: Option<&J>, what: &str) {
    match value {
        None => assert_eq!(cell, "", "{what}: missing must be empty"),
        Some(container @ (J::Arr(_) | J::Obj(_))) => {
            assert_eq!(&J::parse(cell), container, "{what}: compact JSON");
        }
        Some(leaf) => assert_eq!(cell, leaf.cell(), "{what}"),
    }
}

/// Reads CSV (or TSV) text into rows of cells.
pub(super) fn read_csv(text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect();
    // The reader takes a leading U+FEFF for a byte-order mark; here it is data.
    if let Some(rest) = text.strip_prefix('\u{feff}')
        && !rest.starts_with('\u{feff}')
    {
        rows[0][0].insert(0, '\u{feff}');
    }
    rows
}

/// Checks CSV without --fields: the columns are the flattened keys in first-seen order,
/// and each cell holds the value of its key in its record.
pub(super) fn assert_csv_matches_flattened(text: &str, records: &[J]) {
    let mut columns: Vec<Vec<String>> = Vec::new();
    let mut flat = Vec::new();
    for record in records {
        let J::Obj(entries) = record else {
            panic!("records are objects")
        };
        let mut leaves = Vec::new();
        for (key, value) in entries {
            value.leaves(&mut vec![key.clone()], &mut leaves);
        }
        for (path, _) in &leaves {
            if !columns.contains(path) {
                columns.push(path.clone());
            }
        }
        flat.push(leaves);
    }
    let rows = read_csv(text, b',');
    if columns.is_empty() {
        assert_eq!(text, "", "no keys, no output");
        return;
    }
    let names: Vec<String> = columns.iter().map(|p| p.join(".")).collect();
    assert_eq!(rows[0], names, "header");
    assert_eq!(rows.len(), records.len() + 1, "one row per record");
    for (r, (row, leaves)) in rows[1..].iter().zip(&flat).enumerate() {
        for (column, cell) in columns.iter().zip(row) {
            let value = leaves
                .iter()
                .rev()
                .find(|(p, _)| p == column)
                .map(|(_, v)| *v);
            assert_cell(
                cell,
                value,
                &format!("record {r}, column {}", column.join(".")),
            );
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Node {
    pub(super) name: String,
    attributes: Vec<(String, String)>,
    text: String,
    pub(super) children: Vec<Node>,
}

impl Node {
    pub(super) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The JSON key this element stands for.
    fn key(&self) -> &str {
        match (self.name.as_str(), self.attribute("name")) {
            ("field", Some(name)) => name,
            (name, _) => name,
        }
    }
}

/// Parses a whole document with every reader check on; panics unless well-formed.
pub(super) fn parse_xml(text: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().enable_all_checks(true);
    let mut stack = vec![Node::default()];
    let mut saw_declaration = false;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
        match event {
            Event::Decl(decl) => {
                assert_eq!(&*decl.version().unwrap(), "1.0");
                saw_declaration = true;
            }
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => stack.last_mut().unwrap().children.push(element(&start)),
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().expect("balanced").children.push(node);
            }
            Event::Text(text) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&text.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().expect("valid reference") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_xml_entity(&reference)
                        .expect("predefined entity")
                        .to_string(),
                };
                stack.last_mut().unwrap().text.push_str(&resolved);
            }
            Event::Eof => break,
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(saw_declaration, "XML declaration");
    let mut document = stack.pop().unwrap();
    assert!(stack.is_empty(), "unclosed elements");
    assert!(document.text.trim().is_empty(), "text outside the root");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

/// A node for a start tag, with its attribute values unescaped and normalised.
fn element(start: &quick_xml::events::BytesStart<'_>) -> Node {
    let mut node = Node {
        name: start.name().as_ref().to_string(),
        ..Node::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.expect("valid attribute");
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Explicit1_0)
            .expect("valid attribute value");
        node.attributes
            .push((attribute.key.as_ref().to_string(), value.into_owned()));
    }
    node
}

/// Text as aad-format writes it in XML: characters XML 1.0 cannot carry as `\uXXXX`.
fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c.to_string(),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                format!("\\u{:04X}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

/// Asserts that `node` is the XML the documented rules give for `value`.
pub(super) fn assert_xml_value(node: &Node, value: &J, at: &str) {
    match value {
        J::Null => {
            assert_eq!(node.attribute("nil"), Some("true"), "{at}: nil");
            assert!(
                node.children.is_empty() && node.text.is_empty(),
                "{at}: empty"
            );
        }
        J::Bool(_) | J::Num(_) | J::Str(_) => {
            assert!(node.children.is_empty(), "{at}: no children");
            assert_eq!(node.text, xml_text(&value.cell()), "{at}: text");
        }
        J::Arr(items) => {
            assert_eq!(node.children.len(), items.len(), "{at}: items");
            for (i, (child, item)) in node.children.iter().zip(items).enumerate() {
                assert_eq!(child.name, "item", "{at}.{i}");
                assert_xml_value(child, item, &format!("{at}.{i}"));
            }
        }
        J::Obj(entries) => {
            assert_eq!(node.children.len(), entries.len(), "{at}: keys");
            for (child, (key, item)) in node.children.iter().zip(entries) {
                assert_eq!(child.key(), xml_text(key), "{at}: key");
                assert_xml_value(child, item, &format!("{at}.{key}"));
            }
        }
    }
}

pub(super) fn assert_xml_matches(text: &str, records: &[J]) {
    let root = parse_xml(text);
    assert_eq!(root.name, "records");
    assert_eq!(root.children.len(), records.len(), "one element per record");
    for (i, (node, record)) in root.children.iter().zip(records).enumerate() {
        assert_eq!(node.name, "record");
        assert_xml_value(node, record, &format!("record {i}"));
    }
}
