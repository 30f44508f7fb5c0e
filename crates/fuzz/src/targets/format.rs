//! aad-format: the line and page reader, every `--to` format over the records it reads,
//! the `--fields` path parser and the `--where` expression parser.

use std::sync::OnceLock;

use aad_format::fuzzing::{
    LineOutcome, format, lines, parse_fields, parse_path, where_keeps, written_path,
};
use clap::CommandFactory as _;

use super::json;
use crate::target::{Target, outcome, signature, text, two_parts};

/// Words of NDJSON audit records and Graph pages.
const RECORD_WORDS: &[&[u8]] = &[
    b"{\"value\":[",
    b"]}",
    b"\"@odata.nextLink\":\"https://x/y\"",
    b"\"odata.nextLink\":1",
    b"\"@odata.context\":\"c\",",
    b"\"id\":\"1\"",
    b"\"activityDateTime\":\"2026-11-28T10:00:00Z\"",
    b"\"createdDateTime\":\"2026-11-28T10:00:00.1234567Z\"",
    b"\"initiatedBy\":{\"user\":{",
    b"\"userPrincipalName\":\"a@b\"",
    b"\"targetResources\":[{\"id\":\"t\"}]",
    b"\"status\":{\"errorCode\":0}",
    b"\"a.b\":",
    b"\"<x>\"",
    b"\"=1+2\"",
    b"\"\\u001b[31m\"",
    b"\xef\xbb\xbf",
];

pub(super) const LINES: Target = Target {
    name: "format-lines",
    about: "aad-format's line reader (limits, CRLF, byte-order mark) and record/page splitter",
    run: run_lines,
    words: RECORD_WORDS,
};

pub(super) const RENDER: Target = Target {
    name: "format-render",
    about: "every aad-format --to format over the records of the input, --skip-invalid",
    run: run_render,
    words: RECORD_WORDS,
};

pub(super) const FIELDS: Target = Target {
    name: "format-fields",
    about: "aad-format's --fields list and path parser: a path that parses renders back",
    run: run_fields,
    words: &[
        b".",
        b"\\",
        b"\\.",
        b"|",
        b"=",
        b",",
        b"@signins",
        b"@audits",
        b"@provisioning",
        b"0",
        b"@odata\\.type",
        b"a=b.c|d.0",
    ],
};

pub(super) const WHERE: Target = Target {
    name: "format-where",
    about: "aad-format's --where expression parser and evaluation (expression, newline, record)",
    run: run_where,
    words: &[
        b" = ",
        b" != ",
        b" < ",
        b" >= ",
        b" and ",
        b" or ",
        b"not ",
        b"(",
        b")",
        b"'",
        b"\"",
        b"status.errorCode",
        b"activityDateTime",
        b" ~ ",
        b"null",
        b"true",
        b"exists ",
        b" in (",
        b"2026-11-28T10:00:00Z",
    ],
};

/// Lines with a limit from the first byte (so that lines over it are tried), the rest
/// of the input as the stream.
fn run_lines(data: &[u8]) -> u64 {
    let (limit, input) = match data.split_first() {
        Some((&first, rest)) => (usize::from(first) * 16 + 1, rest),
        None => (1, data),
    };
    let read = lines(input, limit).expect("reading from memory cannot fail");
    assert_eq!(
        read.len(),
        expected_lines(input),
        "lines of {:?}",
        String::from_utf8_lossy(input)
    );
    for (line, outcome) in input.split(|&b| b == b'\n').zip(&read) {
        check_page(line, outcome);
    }
    let seen: Vec<&str> = read
        .iter()
        .map(|l| if l.is_ok() { "ok" } else { "bad" })
        .collect();
    signature(
        seen.iter().take(8).copied().chain(
            read.iter()
                .filter_map(|l| l.as_ref().err().map(String::as_str)),
        ),
    )
}

/// The lines a reader must hand out: one per line feed, and an unended last line.
fn expected_lines(input: &[u8]) -> usize {
    let feeds = input.iter().filter(|&&b| b == b'\n').count();
    feeds + usize::from(!input.is_empty() && !input.ends_with(b"\n"))
}

/// A line that is a Graph page yields exactly its `value` array's elements, each
/// byte for byte but for white space.
fn check_page(line: &[u8], outcome: &LineOutcome) {
    let Ok(records) = outcome else { return };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let line = String::from_utf8_lossy(line);
    let Some(entries) = json::entries(line.as_bytes()) else {
        return;
    };
    let annotation = |k: &str| k.starts_with('@') || k.starts_with("odata.");
    let values: Vec<&str> = entries
        .iter()
        .filter(|(k, _)| k == "value")
        .map(|(_, v)| v.get())
        .collect();
    let is_page = entries
        .first()
        .is_some_and(|(k, _)| k == "value" || annotation(k))
        && entries.iter().all(|(k, _)| k == "value" || annotation(k))
        && values.len() == 1
        && values[0].starts_with('[');
    if !is_page {
        return;
    }
    let elements = json::elements(values[0]).expect("an array");
    assert_eq!(
        records.len(),
        elements.len(),
        "records of the page {line:?}"
    );
    for (record, element) in records.iter().zip(&elements) {
        assert_eq!(
            json::compact(record.as_bytes()),
            json::compact(element.get().as_bytes()),
            "a record of the page changed"
        );
    }
}

/// Every `--to` format, as aad-format's command line lists them (a new format is
/// fuzzed without a change here).
fn formats() -> &'static [String] {
    static FORMATS: OnceLock<Vec<String>> = OnceLock::new();
    FORMATS.get_or_init(|| {
        let command = aad_format::cli::Args::command();
        let to = command.get_arguments().find(|a| a.get_id() == "to");
        let values = to.expect("aad-format has --to").get_possible_values();
        values.iter().map(|v| v.get_name().to_string()).collect()
    })
}

/// Every format, plus one of a few flag sets picked by the input's length.
fn run_render(data: &[u8]) -> u64 {
    const EXTRA: &[&[&str]] = &[
        &[],
        &[
            "--fields",
            "id,who=initiatedBy.user.userPrincipalName|initiatedBy.app.displayName,targetResources.0.id",
        ],
        &["--fields", "@audits"],
        &["--sort", "activityDateTime:desc"],
        &["--pretty"],
        &["--where", "status.errorCode != 0 or id = '1'"],
        &["--max-line", "64"],
        &["--excel", "--time", "excel"],
    ];
    let extra = EXTRA[data.len() % EXTRA.len()];
    let mut ends = Vec::new();
    for to in formats().iter().map(String::as_str) {
        let mut args = vec!["--to", to, "--skip-invalid"];
        args.extend_from_slice(extra);
        let (out, ended) = format(&args, data);
        match &ended {
            // A flag of the set that this format does not take.
            Err(e) if e.status().code() == 2 => {
                assert!(
                    out.is_empty() && e.to_string().contains("applies to"),
                    "--to {to} {extra:?}: {e}"
                );
            }
            Err(e) => {
                let status = e.status().code();
                assert_eq!(
                    status, 6,
                    "--to {to} {extra:?} ended with status {status}: {e}"
                );
                check_json_output(to, extra, &out);
            }
            Ok(()) => check_json_output(to, extra, &out),
        }
        ends.push(outcome(&ended.map_err(|e| e.to_string())).to_string());
    }
    signature(ends.iter().map(String::as_str))
}

/// json and ndjson output is JSON whatever the input was.
fn check_json_output(to: &str, extra: &[&str], out: &[u8]) {
    match to {
        "json" => {
            let parsed = json::raw(out);
            assert!(
                parsed.is_some_and(|v| v.get().starts_with('[')),
                "--to json {extra:?} wrote {:?}",
                String::from_utf8_lossy(out)
            );
        }
        "ndjson" | "ecs" | "ocsf" | "azure-monitor" => {
            for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                let parsed = json::raw(line);
                assert!(
                    parsed.is_some_and(|v| v.get().starts_with('{')),
                    "--to {to} {extra:?} wrote the line {:?}",
                    String::from_utf8_lossy(line)
                );
            }
        }
        _ => {}
    }
}

fn run_fields(data: &[u8]) -> u64 {
    let text = text(data);
    let path = parse_path(&text);
    if let Ok(steps) = &path {
        let written = written_path(steps);
        assert_eq!(
            parse_path(&written).as_ref(),
            Ok(steps),
            "path {text:?} written as {written:?}"
        );
    }
    let list = parse_fields(&text);
    signature([outcome(&path), outcome(&list)])
}

fn run_where(data: &[u8]) -> u64 {
    let (expr, record) = two_parts(data);
    let keeps = where_keeps(&text(expr), &text(record));
    let record_outcome = match &keeps {
        Ok(Ok(true)) => "kept",
        Ok(Ok(false)) => "dropped",
        Ok(Err(e)) | Err(e) => e.as_str(),
    };
    signature([record_outcome])
}
