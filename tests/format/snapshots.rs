//! Snapshots: what users read, for every format, and the help.

use super::{FIELDS, format_fixture};
use crate::util::{self, tool};

fn snapshot(name: &str, args: &[&str]) {
    util::assert_snapshot(
        &format!("tests/snapshots/format/{name}"),
        &format_fixture(args),
    );
}

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
    snapshot("audits.txt", &["-t", "text", "-f", "@all"]);
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
