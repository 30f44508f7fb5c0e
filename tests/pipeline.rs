//! Whole pipelines across the binaries, the seed-sample scripts, and every example in
//! the README and the man pages, run against the emulator.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{Emulator, bin, ids, repo_root};

/// A directory holding the four binaries, to put first on PATH.
fn bin_dir() -> PathBuf {
    Path::new(bin("aad-fetch"))
        .parent()
        .expect("target dir")
        .to_path_buf()
}

/// Runs a bash command with the emulator's environment and the binaries on PATH.
fn bash(
    emu: &Emulator,
    dir: &Path,
    script: &str,
    extra_env: &[(&str, String)],
) -> (i32, String, String) {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("AZURE_")
            || key.starts_with("AAD_")
            || key.starts_with("IDENTITY_")
            || key.ends_with("_PROXY")
            || key.ends_with("_proxy")
            || key == "SSL_CERT_FILE"
        {
            cmd.env_remove(key);
        }
    }
    let path = format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path)
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("TZ", "UTC");
    for (k, v) in &emu.exports {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn token_fetch_format_pipeline() {
    let emu = Emulator::start(&["--records", "300"]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bash(
        &emu,
        dir.path(),
        "aad-token | aad-fetch directoryAudits --since 8d --rate off | aad-format --to csv --fields id,time=activityDateTime",
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let mut rows = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        vec!["id", "time"]
    );
    let got: HashSet<String> = rows.records().map(|r| r.unwrap()[0].to_string()).collect();
    let want = ids(&json_lines(
        &emu.get("/_emulator/truth?report=directoryAudits").1,
    ));
    assert_eq!(got, want);
    assert_eq!(err, "");
}

#[test]
fn every_tool_ends_quietly_when_its_reader_leaves() {
    let emu = Emulator::start(&["--records", "3000"]);
    let dir = tempfile::tempdir().unwrap();
    for script in [
        "aad-token | head -c 1 > /dev/null; exit ${PIPESTATUS[0]}",
        "aad-token | aad-fetch directoryAudits --rate off | head -n 1 > /dev/null; exit ${PIPESTATUS[1]}",
        "aad-emulator --dump directoryAudits --records 20000 | aad-format --to csv | head -n 1 > /dev/null; exit ${PIPESTATUS[1]}",
        "aad-emulator --dump directoryAudits --records 20000 | aad-format --to xml | head -c 100 > /dev/null; exit ${PIPESTATUS[1]}",
    ] {
        let (code, _, err) = bash(&emu, dir.path(), script, &[]);
        assert_eq!((code, err.as_str()), (0, ""), "{script}");
    }
}

#[test]
fn seed_samples_print_the_same_events_as_aad_fetch() {
    let emu = Emulator::start(&["--records", "400", "--days", "3"]);
    let dir = tempfile::tempdir().unwrap();
    let samples = repo_root().join("scripts/seed-samples");
    let fetched = |since: &str| {
        let (code, out, err) = bash(
            &emu,
            dir.path(),
            &format!(
                "aad-token --endpoint v1 --resource https://graph.windows.net | aad-fetch auditEvents --since {since} --rate off"
            ),
            &[],
        );
        assert_eq!(code, 0, "{err}");
        json_lines(&out)
    };
    let week = fetched("7d");
    let yesterday = fetched("\"$(date -u -d '1 day ago' +%Y-%m-%d)\"");
    assert!(!yesterday.is_empty() && yesterday.len() < week.len());

    let (code, out, err) = bash(
        &emu,
        dir.path(),
        &format!("'{}' pages", samples.join("powershell-loop.sh").display()),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let printed: Vec<Value> = serde_json::from_str(&out).expect("a JSON array");
    assert_eq!(printed.len(), week.len());
    assert_eq!(
        printed.iter().collect::<HashSet<_>>(),
        week.iter().collect::<HashSet<_>>()
    );
    let saved: usize = std::fs::read_dir(dir.path().join("pages")).unwrap().count();
    assert!(saved >= 1 && dir.path().join("pages/auditEvents0.json").exists());

    let (code, out, err) = bash(
        &emu,
        dir.path(),
        &format!("'{}'", samples.join("bash-jq.sh").display()),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let printed: Vec<Value> = serde_json::from_str(&out).expect("a JSON array");
    assert_eq!(
        printed.iter().collect::<HashSet<_>>(),
        yesterday.iter().collect::<HashSet<_>>()
    );

    let (code, out, err) = bash(
        &emu,
        dir.path(),
        &format!("'{}'", samples.join("python-print.sh").display()),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let printed: Vec<Value> = json_lines(&out)
        .into_iter()
        .flat_map(|page| page["value"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(
        printed.iter().collect::<HashSet<_>>(),
        yesterday.iter().collect::<HashSet<_>>()
    );
}

/// Examples that are not run here, and why (what runs them instead).
fn covered_elsewhere(command: &str) -> Option<&'static str> {
    Some(match command {
        c if c.starts_with("aad-emulator") && !c.contains("--dump") => {
            "a server: the emulator tests start it with these flags on port 0"
        }
        c if c.starts_with("scripts/demo.sh") => "the README's first command",
        c if c.starts_with("cargo ") => "the README's own test command",
        c if c.starts_with("source ") || c.starts_with("export ") => {
            "settings; the emulator's are used"
        }
        c if c.starts_with("parallel ") => "GNU parallel around the cron example, which runs",
        c if c.starts_with("*/15 * * * * /usr/local/bin/aad-fetch ") => {
            "the cron recipe: tests/deploy.rs runs it as cron does, twice"
        }
        _ => return None,
    })
}

/// The commands of a help text's examples: lines after "Examples:" that start with a
/// program (or a cron schedule), with `\` continuations joined.
fn help_examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_examples = false;
    let mut pending = String::new();
    for line in help.lines() {
        if line.starts_with("Examples") {
            in_examples = true;
            continue;
        }
        if !line.starts_with(' ') && !line.is_empty() {
            in_examples = false;
        }
        let text = line.trim();
        if !in_examples
            || (pending.is_empty() && !(text.starts_with("aad-") || text.starts_with("*/")))
        {
            continue;
        }
        // Keep the lines as a user would paste them: bash decides what a trailing
        // backslash means (a continuation, or a literal inside quotes).
        pending.push_str(if pending.is_empty() { text } else { line });
        if text.ends_with('\\') {
            pending.push('\n');
            continue;
        }
        out.push(std::mem::take(&mut pending));
    }
    out
}

/// The commands in the README's ```sh blocks.
fn readme_examples(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim() == "```sh";
            continue;
        }
        if in_block && !line.trim().is_empty() {
            out.push(line.split(" #").next().unwrap_or(line).trim().to_string());
        }
    }
    out
}

#[test]
fn every_example_in_the_readme_and_the_man_pages_runs() {
    let emu = Emulator::start(&["--records", "200", "--days", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // What the examples refer to: a secret and a certificate where the examples keep
    // them, an NDJSON file, a damaged one, directories for state and logs.
    std::fs::create_dir_all(d.join(".config/aad")).unwrap();
    std::fs::copy(
        emu.export("AAD_CLIENT_SECRET_FILE"),
        d.join(".config/aad/secret"),
    )
    .unwrap();
    std::fs::copy(
        emu.export("AAD_EMULATOR_CERTIFICATE_PATH"),
        d.join(".config/aad/app.pem"),
    )
    .unwrap();
    for sub in ["var/lib/aad", "var/log/aad"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let audits = emu.get("/_emulator/truth?report=directoryAudits").1;
    std::fs::write(d.join("audits.ndjson"), &audits).unwrap();
    std::fs::write(
        d.join("damaged.ndjson"),
        format!("{audits}{{\"id\":\"cut\n"),
    )
    .unwrap();
    let token = bash(&emu, d, "aad-token", &[]).1.trim().to_string();
    let env = [
        ("AAD_ACCESS_TOKEN", token),
        (
            "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            emu.export("AAD_EMULATOR_IMDS_ENDPOINT").to_string(),
        ),
    ];

    let mut examples: Vec<(String, String)> =
        readme_examples(&std::fs::read_to_string(repo_root().join("README.md")).unwrap())
            .into_iter()
            .map(|c| ("README.md".to_string(), c))
            .collect();
    for name in ["aad-token", "aad-fetch", "aad-format", "aad-emulator"] {
        let help = Command::new(bin(name)).arg("--help").output().unwrap();
        for c in help_examples(&String::from_utf8_lossy(&help.stdout)) {
            examples.push((format!("{name} --help"), c));
        }
    }
    assert!(
        examples.len() >= 20,
        "found only {} examples",
        examples.len()
    );
    let has_curl = Command::new("curl").arg("--version").output().is_ok();

    let mut failures = Vec::new();
    let runs: Vec<_> = examples
        .into_iter()
        .filter(|(_, c)| covered_elsewhere(c).is_none())
        .filter(|(_, c)| has_curl || !c.contains("curl "))
        .map(|(source, command)| {
            let script = command
                .trim_start_matches("*/15 * * * * ")
                .replace("https://graph.microsoft.com", "$AAD_GRAPH_URL")
                .replace("/var/lib/aad/", "var/lib/aad/")
                .replace("/var/log/aad/", "var/log/aad/")
                .replace("| less", "| cat");
            let env = env.clone();
            let emu = &emu;
            (source, command, script, env, emu)
        })
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .into_iter()
            .map(|(source, command, script, env, emu)| {
                scope.spawn(move || {
                    let mut env: Vec<(&str, String)> =
                        env.iter().map(|(k, v)| (*k, v.clone())).collect();
                    if command.contains("--managed-identity") {
                        // A managed identity needs no application id; the emulator's would
                        // select a user-assigned identity that does not exist.
                        env.push(("AZURE_CLIENT_ID", String::new()));
                    }
                    // `--skip-invalid` reports skipped lines with status 6 by design.
                    let want = if command.contains("--skip-invalid") {
                        6
                    } else {
                        0
                    };
                    let (code, _, err) = bash(emu, d, &format!("set -o pipefail; {script}"), &env);
                    (code == want)
                        .then_some(())
                        .ok_or(format!("{source}: `{command}` exited {code}: {err}"))
                })
            })
            .collect();
        for h in handles {
            if let Err(e) = h.join().unwrap() {
                failures.push(e);
            }
        }
    });
    assert!(
        failures.is_empty(),
        "examples that failed:\n{}",
        failures.join("\n")
    );
}
