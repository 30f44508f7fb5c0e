//! Columns found by the read-ahead of csv and tsv without `--fields`.

use super::format;

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
