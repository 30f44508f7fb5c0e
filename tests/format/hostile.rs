//! Hostile input and a hostile machine: no hang on a line that never ends, memory within
//! a small multiple of the record, threads that cannot start, malformed field paths,
//! line separators in text, and XML element names that strict parsers refuse.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::format;
use crate::util::{bin, tool};

/// Runs aad-format with `args` and no stdin; fails the test when it has not ended after
/// `seconds`. Returns the exit code and stderr.
fn run_within(args: &[&str], seconds: u64) -> (Option<i32>, String) {
    let mut child = Command::new(bin("aad-format"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aad-format {args:?} still ran after {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_line_that_never_ends_stops_at_the_limit() {
    for threads in ["1", "2"] {
        for to in ["json", "csv"] {
            let args = ["--max-line", "1M", "-j", threads, "-t", to, "/dev/zero"];
            let (code, stderr) = run_within(&args, 60);
            assert_eq!(code, Some(6), "{args:?}: {stderr}");
            assert_eq!(
                stderr,
                "aad-format: error: /dev/zero:1:1: line longer than 1048576 bytes (--max-line raises the limit)\n"
            );
        }
    }
}

/// The peak resident memory of aad-format with `args`, in KiB, its exit code and
/// stderr: from GNU time's `%M` (the kernel's account at exit) where /usr/bin/time is
/// GNU time, else the highest VmHWM read from /proc while it ran.
fn peak_rss(args: &[&str], input: &Path) -> (u64, Option<i32>, String) {
    let gnu_time = Path::new("/usr/bin/time").exists()
        && Command::new("/usr/bin/time")
            .args(["-f", "%M", "true"])
            .output()
            .is_ok_and(|o| o.status.success());
    let report = tempfile::NamedTempFile::new().unwrap();
    let mut command = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(report.path());
        c.arg(bin("aad-format"));
        c
    } else {
        Command::new(bin("aad-format"))
    };
    let mut child = command
        .args(args)
        .arg(input)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut polled = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "{args:?} took over 120 s");
        let hwm = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0);
        polled = polled.max(hwm);
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let peak = if gnu_time {
        let text = std::fs::read_to_string(report.path()).unwrap();
        let last = text.lines().last().unwrap_or("").trim().to_string();
        // GNU time adds a line about a signal or a non-zero status before the figure.
        last.parse()
            .unwrap_or_else(|_| panic!("GNU time wrote {text:?}"))
    } else {
        polled
    };
    (peak, status.code(), stderr)
}

#[test]
fn memory_stays_within_a_small_multiple_of_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text + "\n").unwrap();
        path
    };
    let inner: Vec<String> = (0..3000).map(|i| format!(r#""k{i}":1"#)).collect();
    let long_key = write(
        "long-key.ndjson",
        format!(r#"{{"{}":{{{}}}}}"#, "K".repeat(1 << 20), inner.join(",")),
    );
    let deep = write(
        "deep.ndjson",
        format!(r#"{{"a":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
    );
    let keys: Vec<String> = (0..100_000).map(|i| format!(r#""key{i}":{i}"#)).collect();
    let many_keys = write("many-keys.ndjson", format!("{{{}}}", keys.join(",")));
    let huge_string = write(
        "huge-string.ndjson",
        format!(
            r#"{{"s":"{}","t":[{}]}}"#,
            r"\u001b".repeat(1 << 20),
            "1,".repeat(1 << 18) + "1"
        ),
    );
    // (input, --to and flags, exit status): the refused ones say why.
    let cases: &[(&Path, &[&str], i32)] = &[
        (&long_key, &["-t", "csv"], 6),
        (&long_key, &["-t", "tsv"], 6),
        (&long_key, &["-t", "text"], 6),
        (&long_key, &["-t", "table"], 6),
        (&long_key, &["-t", "xml"], 0),
        (&long_key, &["-t", "json", "--pretty"], 0),
        (&long_key, &["-t", "csv", "-f", "a,b.c"], 0),
        (&deep, &["-t", "json", "--pretty"], 6),
        (&deep, &["-t", "json"], 0),
        (&deep, &["-t", "ndjson"], 0),
        (&deep, &["-t", "xml"], 6),
        (&deep, &["-t", "text"], 0),
        (&deep, &["-t", "csv", "-f", "a"], 0),
        (&many_keys, &["-t", "csv"], 0),
        (&many_keys, &["-t", "table"], 0),
        (&many_keys, &["-t", "text"], 0),
        (&many_keys, &["-t", "xml"], 0),
        (&many_keys, &["-t", "json", "--pretty"], 0),
        (&huge_string, &["-t", "json", "--pretty"], 0),
        (&huge_string, &["-t", "csv"], 0),
        (&huge_string, &["-t", "table", "--max-width", "0"], 0),
        (&huge_string, &["-t", "text"], 0),
        (&huge_string, &["-t", "xml"], 0),
    ];
    for (input, args, status) in cases {
        let size = std::fs::metadata(input).unwrap().len() / 1024;
        let (peak, code, stderr) = peak_rss(args, input);
        assert_eq!(code, Some(*status), "{args:?} on {input:?}: {stderr}");
        if *status == 6 {
            assert!(
                stderr.contains("more than") && stderr.starts_with("aad-format: error: "),
                "{args:?}: {stderr}"
            );
        }
        // The process itself, the reader's buffer, and a few copies of the record (and,
        // for many keys, the columns: a tree node, a map entry and a name per key, some
        // 250 bytes for a key of 17).
        let limit = 32 * 1024 + 24 * size;
        assert!(
            peak <= limit,
            "{args:?} on {input:?} ({size} KiB) peaked at {peak} KiB (limit {limit})"
        );
    }
}

#[test]
fn out_of_range_numbers_are_usage_errors() {
    for args in [
        &["-j", "30000"][..],
        &["-j", "0"],
        &["--max-line", "2G"],
        &["--max-line", "0"],
        &["-t", "table", "--max-width", "1"],
        &["-t", "table", "--max-width", "99999999999999999999"],
    ] {
        let out = format(args, "{}\n");
        out.assert_code(2);
        assert!(
            out.stderr.starts_with("aad-format: error: "),
            "{}",
            out.describe()
        );
    }
}

/// 2000 records of 200-odd bytes in `in.ndjson` of a new directory, and what
/// `-t csv -f id` makes of them (worked out here, not by aad-format).
fn two_thousand_records() -> (tempfile::TempDir, String) {
    let records: String = (0..2000)
        .map(|i| format!("{{\"id\":{i},\"x\":\"{}\"}}\n", "y".repeat(200)))
        .collect();
    let expected: String = std::iter::once("id\n".to_string())
        .chain((0..2000).map(|i| format!("{i}\n")))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.ndjson"), &records).unwrap();
    (dir, expected)
}

/// Threads are limited through RLIMIT_NPROC, which counts every thread of a user and
/// which root ignores: the program runs as `nobody` (setpriv), so this needs root. The
/// counts are exact here, unlike under an address-space limit (the next test), where
/// they depend on what the machine has mapped.
#[test]
#[allow(clippy::print_stderr, reason = "says why the test did not run")]
fn threads_that_cannot_start_leave_fewer_threads_and_a_warning() {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    let setpriv = Command::new("setpriv").arg("--version").output();
    if !matches!(root, Ok(true)) || setpriv.is_err() {
        eprintln!("skipped: needs root and setpriv to limit the threads of another user");
        return;
    }
    let (dir, expected) = two_thousand_records();
    let input = dir.path().join("in.ndjson");
    // `ulimit -u N`: the process itself and N - 1 more threads.
    for (limit, warning) in [
        (
            1,
            "could not start any thread (a resource limit); formatting on one thread".to_string(),
        ),
        (
            2,
            "could start only 0 of 200 threads (a resource limit); going on with 0, \
             formatting on the reading thread"
                .to_string(),
        ),
        (
            10,
            "could start only 8 of 200 threads (a resource limit); going on with 8".to_string(),
        ),
    ] {
        let script = format!(
            "ulimit -u {limit} && exec setpriv --reuid=65534 --regid=65534 --clear-groups \
             {} -t csv -f id -j 200 < {}",
            bin("aad-format"),
            input.display()
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "ulimit -u {limit}: {stderr}");
        assert!(
            out.stdout == expected.as_bytes(),
            "ulimit -u {limit}: other output"
        );
        assert_eq!(
            stderr,
            format!("aad-format: warning: {warning}\n"),
            "ulimit -u {limit}"
        );
    }
}

/// Under an address-space limit (`ulimit -v`, KiB) aad-format starts only the threads it
/// has room for, decided from what the kernel reports before any starts: it once let
/// them all start and then aborted at its first large allocation (the exact limits
/// where it did depend on the machine, so several are tried).
#[test]
fn an_address_space_limit_leaves_fewer_threads_and_never_an_abort() {
    let (dir, expected) = two_thousand_records();
    let input = dir.path().join("in.ndjson");
    for limit in (60_000..=420_000).step_by(5_000) {
        let script = format!(
            "ulimit -v {limit} && exec {} -t csv -f id -j 200 {}",
            bin("aad-format"),
            input.display()
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "ulimit -v {limit}: {stderr}");
        assert!(
            out.stdout == expected.as_bytes(),
            "ulimit -v {limit}: other output"
        );
        let fewer = stderr.starts_with("aad-format: warning: could start only ")
            && stderr.contains(" of 200 threads (a resource limit); going on with ");
        let none = stderr
            == "aad-format: warning: could not start any thread (a resource limit); formatting on one thread\n";
        assert!(
            (fewer || none) && stderr.lines().count() == 1,
            "ulimit -v {limit}: {stderr}"
        );
    }
}

#[test]
fn malformed_field_paths_are_usage_errors() {
    for (fields, message) in [
        (r"\", "ends in a backslash that escapes nothing"),
        (r"a,b\", "ends in a backslash that escapes nothing"),
        ("a..b", "empty step in the path 'a..b'"),
        ("x=a|", "empty step"),
        ("@nosuch", "no preset '@nosuch'"),
    ] {
        let out = format(&["-t", "csv", "-f", fields], "{}\n");
        out.assert_code(2);
        assert!(out.stderr.contains(message), "{fields}: {}", out.describe());
    }
    let escaped = format(
        &["-t", "csv", "-f", r"a\\,b\.c,d\|e"],
        r#"{"a\\":1,"b.c":2,"d|e":3}"#,
    );
    escaped.assert_code(0).assert_quiet();
    assert_eq!(escaped.stdout_text(), "a\\,b.c,d|e\n1,2,3\n");
}

#[test]
fn line_and_paragraph_separators_are_escaped_in_text_and_table() {
    let record = "{\"a\":\"one\u{2028}two\u{2029}three\u{85}four\u{2066}\"}\n";
    for args in [&["-t", "text"][..], &["-t", "table", "--max-width", "0"]] {
        let to = args[1];
        let out = format(&[args, &["-f", "a"]].concat(), record);
        out.assert_code(0).assert_quiet();
        let text = out.stdout_text();
        assert!(
            text.contains(r"one\u{2028}two\u{2029}three\u{85}four\u{2066}"),
            "{to}: {text}"
        );
        assert!(!text.contains(['\u{2028}', '\u{2029}', '\u{85}', '\u{2066}']));
    }
}

/// Random non-ASCII keys (a fixed seed): letters of many scripts, combining marks,
/// digits of other scripts, symbols.
fn random_keys(count: usize) -> Vec<String> {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..count)
        .map(|_| {
            let len = 1 + next() % 4;
            (0..len)
                .map(|_| {
                    loop {
                        let c = 0xA0 + (next() % 0x2_FF60) as u32;
                        if let Some(c) = char::from_u32(c).filter(|c| !c.is_control()) {
                            break c;
                        }
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn xml_from_any_keys_parses_with_expat() {
    let Ok(python) = Command::new("python3")
        .arg("-c")
        .arg("import xml.parsers.expat")
        .output()
    else {
        // No Python here: its expat is what this test checks against.
        return;
    };
    assert!(python.status.success());
    let keys = random_keys(3000);
    let records: String = keys
        .chunks(30)
        .map(|chunk| {
            let mut object = serde_json::Map::new();
            for key in chunk {
                object.insert(key.clone(), serde_json::Value::from(key.as_str()));
            }
            format!("{}\n", serde_json::Value::Object(object))
        })
        .collect();
    let xml = tool("aad-format")
        .args(["-t", "xml"])
        .stdin(records)
        .success();
    let check = r#"
import sys, xml.parsers.expat
names = []
parser = xml.parsers.expat.ParserCreate()
def start(name, attrs):
    if name == 'field':
        names.append(attrs['name'])
parser.StartElementHandler = start
parser.Parse(sys.stdin.buffer.read(), True)
print(len(names))
"#;
    let mut child = Command::new("python3")
        .args(["-c", check])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &xml.stdout).unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(
        parsed.status.success(),
        "expat refused the XML: {}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    // Every key was non-ASCII, so every one went into a name attribute.
    assert_eq!(String::from_utf8_lossy(&parsed.stdout).trim(), "3000");
}

#[test]
fn a_file_size_limit_is_a_write_error_on_any_thread() {
    let dir = tempfile::tempdir().unwrap();
    let input = crate::util::repo_root().join(super::AUDITS);
    for args in [
        &["-t", "json", "-j", "3"][..],
        &["-t", "table", "-f", "@all", "--max-width", "0"],
    ] {
        let script = format!(
            "ulimit -f 1 && exec {} {} {} > {}",
            bin("aad-format"),
            args.join(" "),
            input.display(),
            dir.path().join("out").display()
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{args:?}: {stderr}");
        assert_eq!(
            stderr, "aad-format: error: cannot write to stdout (File too large (os error 27))\n",
            "{args:?}"
        );
    }
}
