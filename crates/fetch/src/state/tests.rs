//! The state file on disk: journal, torn lines, damage, versions, locks, directories.

use aad_common::time::parse_instant;

use super::*;
use crate::state_doc::{DoneEntry, Emitted, PageEntry};

fn query(path: &str) -> QueryIdentity {
    QueryIdentity {
        path: path.into(),
        params: None,
        filter: None,
        select: None,
        local: None,
        tenant: None,
    }
}

/// Opens again after a drop. Other tests in this process spawn `sh`; a child holds a
/// copy of every descriptor from fork to exec (close-on-exec closes it only then), and
/// a flock lasts while any copy is open, so the lock may be held for a moment longer.
fn reopen(path: &Path, q: &QueryIdentity) -> Result<StateFile> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match StateFile::open_or_fail(path, q) {
            Err(e)
                if e.to_string().contains("another aad-fetch run")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::yield_now()
            }
            other => return other,
        }
    }
}

fn page(n: u64) -> JournalLine {
    JournalLine::Page(PageEntry {
        output: None,
        emitted: vec![Emitted {
            id: Some(format!("r{n}")),
            hash: n,
            time: parse_instant("2024-01-01T00:00:00Z"),
        }],
        chain: None,
    })
}

#[test]
fn snapshot_and_journal_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let q = query("/v1.0/x");
    let mut state = StateFile::open_or_fail(&path, &q).unwrap();
    state.doc.checkpoint = Some("2024-01-01T00:00:00.0000000Z".into());
    state.compact().unwrap();
    let a = state.append(&page(1)).unwrap();
    let b = state.append(&page(2)).unwrap();
    assert_eq!(a, b, "a page costs the same whatever came before");
    state
        .append(&JournalLine::Done(DoneEntry {
            checkpoint: Some("2024-01-02T00:00:00.0000000Z".into()),
            span: Some("6h".into()),
        }))
        .unwrap();
    drop(state);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    let again = reopen(&path, &q).unwrap();
    assert_eq!(
        again.doc.checkpoint.as_deref(),
        Some("2024-01-02T00:00:00.0000000Z")
    );
    assert_eq!(again.doc.span.as_deref(), Some("6h"));
    assert_eq!(again.doc.emitted.len(), 2);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "a clean file is not rewritten on open"
    );
}

#[test]
fn a_torn_last_line_is_ignored_and_the_file_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let q = query("/v1.0/x");
    let mut state = StateFile::open_or_fail(&path, &q).unwrap();
    state.append(&page(1)).unwrap();
    drop(state);
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(br#"{"page":{"emitted":[{"id":"r2","ha"#)
        .unwrap();
    drop(file);
    let mut state = reopen(&path, &q).unwrap();
    assert_eq!(state.doc.emitted.len(), 1, "the torn line is ignored");
    state.append(&page(3)).unwrap();
    drop(state);
    let state = reopen(&path, &q).unwrap();
    let ids: Vec<_> = state
        .doc
        .emitted
        .iter()
        .filter_map(|e| e.id.clone())
        .collect();
    assert_eq!(ids, vec!["r1", "r3"]);
}

#[test]
fn a_damaged_line_before_the_last_is_a_file_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let q = query("/v1.0/x");
    let mut state = StateFile::open_or_fail(&path, &q).unwrap();
    state.append(&page(1)).unwrap();
    state.append(&page(2)).unwrap();
    drop(state);
    let text = std::fs::read_to_string(&path).unwrap();
    let damaged = text.replacen("\"r1\"", "\"r1", 1);
    std::fs::write(&path, damaged).unwrap();
    let err = reopen(&path, &q).unwrap_err();
    assert_eq!(err.status(), Status::File);
    assert!(err.to_string().contains("is damaged at line 2"), "{err}");
    std::fs::write(&path, "{not json").unwrap();
    assert_eq!(reopen(&path, &q).unwrap_err().status(), Status::File);
}

#[test]
fn another_query_is_refused_showing_both() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    drop(StateFile::open_or_fail(&path, &query("/v1.0/auditLogs/directoryAudits")).unwrap());
    let err = reopen(&path, &query("/v1.0/auditLogs/signIns")).unwrap_err();
    assert_eq!(err.status(), Status::Usage);
    assert_eq!(
        err.to_string(),
        format!(
            "the state file '{}' was made for /v1.0/auditLogs/directoryAudits; this run asks for /v1.0/auditLogs/signIns",
            path.display()
        )
    );
}

#[test]
fn version_1_files_are_upgraded_on_open_and_newer_ones_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(
        &path,
        r#"{"version":1,"query":"http://127.0.0.1:4000/v1.0/x","checkpoint":"2024-01-01T00:00:00.0000000Z","emitted":[{"id":"a","hash":"0123456789abcdef","time":"2024-01-01T00:00:00Z"}]}"#,
    )
    .unwrap();
    let state = reopen(&path, &query("/v1.0/x")).unwrap();
    assert_eq!(state.doc.emitted.len(), 1);
    drop(state);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with(r#"{"version":2,"query":{"path":"/v1.0/x"}"#),
        "{text}"
    );
    std::fs::write(&path, r#"{"version":3,"query":"x"}"#).unwrap();
    let err = reopen(&path, &query("/v1.0/x")).unwrap_err();
    assert!(err.to_string().contains("has version 3"), "{err}");
}

#[test]
fn a_second_open_is_refused_while_the_first_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let _first = StateFile::open_or_fail(&path, &query("q")).unwrap();
    let err = StateFile::open_or_fail(&path, &query("q")).unwrap_err();
    assert_eq!(err.status(), Status::File);
    assert!(err.to_string().contains("another aad-fetch run"), "{err}");
}

#[test]
fn a_missing_directory_is_created_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/deeper/s.state");
    drop(StateFile::open_or_fail(&path, &query("q")).unwrap());
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("new/deeper"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[test]
fn compaction_is_wanted_once_the_journal_outgrows_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let mut state = StateFile::open_or_fail(&path, &query("q")).unwrap();
    let mut appended = 0;
    while !state.wants_compaction() {
        appended += state.append(&page(appended)).unwrap();
    }
    assert!(
        appended > JOURNAL_FLOOR && appended < JOURNAL_FLOOR + 200,
        "{appended}"
    );
    state.compact().unwrap();
    assert!(!state.wants_compaction());
    assert_eq!(state.bytes(), std::fs::metadata(&path).unwrap().len());
}
