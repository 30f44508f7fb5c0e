//! Bad input: a clear error with file, line and column, or correct output; never a crash.

use super::format;
use crate::util::tool;

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
