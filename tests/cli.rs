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
    for name in ["aad-token", "aad-fetch", "aad-format", "aad-emulator"] {
        let out = tool(name).arg("--version").success();
        out.assert_quiet();
        assert_eq!(
            out.stdout_text(),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn unknown_flags_are_usage_errors() {
    for name in ["aad-token", "aad-fetch", "aad-format", "aad-emulator"] {
        let out = tool(name).arg("--no-such-flag").run();
        out.assert_code(2);
        assert!(out.stderr.contains("--no-such-flag"), "{}", out.describe());
        assert!(out.stdout.is_empty());
    }
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
