//! Inputs, options, the pipe, and threads.

use std::io::{BufRead, BufReader, Read};

use super::{FIELDS, fixture, format};
use crate::util::tool;

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
