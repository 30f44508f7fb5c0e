//! What every binary shares on the command line: help that matches its snapshot,
//! `--version`, usage errors with status 2, quiet broken pipes.

use crate::util::{assert_snapshot, tool};

#[test]
fn help_texts_match_their_snapshots() {
    for name in ["aad-fetch", "aad-emulator"] {
        let long = tool(name).arg("--help").success();
        long.assert_quiet();
        assert_snapshot(
            &format!("tests/fixtures/cli/{name}-help.txt"),
            &long.stdout_text(),
        );
        let short = tool(name).arg("-h").success();
        assert_snapshot(
            &format!("tests/fixtures/cli/{name}-h.txt"),
            &short.stdout_text(),
        );
    }
}

#[test]
fn every_binary_answers_version() {
    for name in TOOLS {
        let out = tool(name).arg("--version").success();
        out.assert_quiet();
        assert_eq!(
            out.stdout_text(),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

const TOOLS: [&str; 4] = ["aad-token", "aad-fetch", "aad-format", "aad-emulator"];

#[test]
fn unknown_flags_are_one_line_usage_errors() {
    for name in TOOLS {
        let out = tool(name).arg("--no-such-flag").run();
        out.assert_code(2);
        assert_eq!(
            out.stderr,
            format!(
                "{name}: error: unexpected argument '--no-such-flag' found\nhint: {name} --help shows the options\n"
            ),
            "{}",
            out.describe()
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_errors_carry_clap_s_suggestion_or_the_values() {
    let out = tool("aad-fetch").args(["signIns", "--sinse", "1d"]).run();
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "aad-fetch: error: unexpected argument '--sinse' found\nhint: did you mean '--since'?\n"
    );
    let out = tool("aad-format").args(["--to", "csvv"]).run();
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "aad-format: error: invalid value 'csvv' for '--to <FORMAT>' (possible values: json, ndjson, csv, tsv, xml, text, table, ecs, ocsf, azure-monitor)\nhint: did you mean 'csv'?\n"
    );
    let out = tool("aad-emulator").args(["--port", "x"]).run();
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "aad-emulator: error: invalid value 'x' for '--port <PORT>': invalid digit found in string\nhint: aad-emulator --help shows the options\n"
    );
    let out = tool("aad-fetch").run();
    out.assert_code(2);
    assert_eq!(
        out.stderr,
        "aad-fetch: error: missing required argument <REPORT>\nhint: aad-fetch --help shows the options\n"
    );
}

/// Text with every run of white space made one space: clap wraps long lines to the
/// terminal's width.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_long_help_ends_with_the_exit_status_table() {
    let table = words(&format!("Exit status:\n{}", aad_common::Status::table()));
    for name in TOOLS {
        let long = tool(name).arg("--help").success().stdout_text();
        assert!(
            words(&long).ends_with(&table),
            "{name} --help does not end with the exit statuses:\n{long}"
        );
        let short = tool(name).arg("-h").success().stdout_text();
        assert!(
            short.ends_with(&format!(
                "Examples, details and the exit statuses: {name} --help (or man {name})\n"
            )),
            "{name} -h:\n{short}"
        );
    }
}

/// Runs `shell` with `args` and the script on stdin; `None` when the shell is not installed.
fn check_syntax(shell: &str, args: &[&str], script: &[u8]) -> Option<std::process::Output> {
    use std::io::Write as _;
    let mut child = std::process::Command::new(shell)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(script).ok()?;
    child.wait_with_output().ok()
}

#[test]
#[allow(clippy::print_stderr, reason = "says which shell checks did not run")]
fn completion_scripts_are_valid_shell() {
    let shells: [(&str, &str, &[&str]); 3] = [
        ("bash", "bash", &["-n"]),
        ("zsh", "zsh", &["-n"]),
        ("fish", "fish", &["--no-execute"]),
    ];
    for (flag, shell, args) in shells {
        for name in TOOLS {
            let out = tool(name).args(["--completions", flag]).success();
            out.assert_quiet();
            assert!(
                out.stdout_text().contains(name),
                "{name} --completions {flag} does not name the program"
            );
            let Some(checked) = check_syntax(shell, args, &out.stdout) else {
                // bash is always there; zsh and fish are checked where installed.
                assert_ne!(shell, "bash", "bash is needed for this test");
                eprintln!("skipped: {shell} not installed");
                break;
            };
            assert!(
                checked.status.success(),
                "{name} --completions {flag} fails `{shell} {}`: {}",
                args.join(" "),
                String::from_utf8_lossy(&checked.stderr)
            );
        }
    }
    let out = tool("aad-token")
        .args(["--completions", "powershell"])
        .success();
    assert!(out.stdout_text().contains("Register-ArgumentCompleter"));
    let out = tool("aad-fetch")
        .args(["--completions", "bash", "signIns"])
        .run();
    out.assert_code(2);
}

#[test]
fn help_never_shows_environment_values() {
    for name in ["aad-token", "aad-fetch"] {
        let out = tool(name)
            .env("AZURE_TENANT_ID", "tenant-value-from-env")
            .env("AAD_GRAPH_URL", "https://graph-value-from-env.example")
            .env("SSL_CERT_FILE", "/ca-value-from-env.pem")
            .arg("--help")
            .success();
        let text = out.stdout_text();
        assert!(
            !text.contains("value-from-env"),
            "{name} --help shows an environment value"
        );
    }
}

#[test]
fn a_closed_stdout_ends_dump_quietly() {
    let mut child = tool("aad-emulator")
        .args(["--dump", "signIns", "--records", "50000"])
        .spawn();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!((status.code(), stderr.as_str()), (Some(0), ""));
}

/// Twenty sign-ins, the same every time.
const DUMP: [&str; 6] = [
    "--dump",
    "signIns",
    "--records",
    "20",
    "--now",
    "2026-11-20T00:00:00Z",
];

#[test]
fn output_names_a_file_in_every_tool_and_a_format_word_is_refused() {
    let refusals = [
        (
            "aad-fetch",
            vec!["directoryAudits", "-o", "csv"],
            "aad-fetch: error: --output 'csv' looks like a format, not a file\nhint: aad-fetch writes NDJSON; pipe it into aad-format -t csv, or write -o ./csv to mean the file\n",
        ),
        (
            "aad-format",
            vec!["--output", "xml"],
            "aad-format: error: --output 'xml' looks like a format, not a file\nhint: choose the format with -t xml, or write -o ./xml to mean the file\n",
        ),
        (
            "aad-emulator",
            vec!["--dump", "signIns", "-o", "json"],
            "aad-emulator: error: --output 'json' looks like a format, not a file\nhint: aad-emulator --dump writes NDJSON; pipe it into aad-format -t json, or write -o ./json to mean the file\n",
        ),
    ];
    for (name, args, stderr) in refusals {
        let out = tool(name).args(&args).stdin("").run();
        out.assert_code(2);
        assert_eq!(out.stderr, stderr, "{name} {args:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let dumped = dir.path().join("json");
    let mut dump = tool("aad-emulator").args(DUMP).args(["-o", "./json"]);
    dump.command_mut().current_dir(dir.path());
    let out = dump.success();
    out.assert_quiet();
    let records = std::fs::read_to_string(&dumped).unwrap();
    assert_eq!(records.lines().count(), 20);
    let stdout = tool("aad-emulator").args(DUMP).success().stdout_text();
    assert!(records == stdout, "-o FILE gets what stdout gets");

    let csv = dir.path().join("signins.csv");
    tool("aad-format")
        .args(["-t", "csv", "-f", "id,userPrincipalName", "-o"])
        .arg(&csv)
        .arg(&dumped)
        .success()
        .assert_quiet();
    let piped = tool("aad-format")
        .args(["-t", "csv", "-f", "id,userPrincipalName"])
        .arg(&dumped)
        .success()
        .stdout_text();
    assert!(
        std::fs::read_to_string(&csv).unwrap() == piped,
        "-o FILE gets what stdout gets"
    );
    let out = tool("aad-format")
        .args(["-t", "csv", "-o", "/dev/full"])
        .arg(&dumped)
        .run();
    out.assert_code(7);
    assert!(
        out.stderr
            .starts_with("aad-format: error: cannot write '/dev/full' ("),
        "{}",
        out.describe()
    );
}
