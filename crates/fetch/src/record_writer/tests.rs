//! The writer and its state, driven page by page: the cost of a page in the state file
//! does not grow with the family, and the state keeps only the overlap, whatever the
//! report's time field is called.

use std::path::Path;

use aad_common::time::{graph_time, parse_instant};
use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::cli::Dedup;
use crate::identity::QueryIdentity;
use crate::progress::Mode;

fn t(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap()
}

fn quiet() -> Arc<Progress> {
    Arc::new(Progress::new(
        Mode {
            draw: false,
            verbose: false,
            quiet: true,
        },
        "test",
    ))
}

fn writer(dir: &Path, dedup: Dedup, time_field: &str, overlap: TimeDelta) -> RecordWriter {
    let query = QueryIdentity {
        path: "/custom".into(),
        params: None,
        filter: None,
        select: None,
        local: None,
        tenant: None,
    };
    let state = StateFile::open(&dir.join("s.state"), &query).unwrap();
    let undated = t("2024-01-01");
    let seen = Seen::for_run(dedup, Some(&state.doc.emitted), undated);
    RecordWriter::open(
        WriterOptions {
            output: Some(dir.join("out.ndjson")),
            pages: false,
            save_pages: None,
            limit: None,
            overlap,
            local: LocalFilter::default(),
            tags: Tags::default(),
        },
        RecordContext {
            time_field: Some(time_field.to_string()),
            now: t("2030-01-01"),
        },
        "test",
        seen,
        Some(state),
        quiet(),
    )
    .unwrap()
}

/// A page of `n` records, the first at `newest`, each `step` older than the one before.
fn page(first_id: usize, n: usize, newest: DateTime<Utc>, step: TimeDelta, field: &str) -> Page {
    let records: Vec<String> = (0..n)
        .map(|i| {
            let time = graph_time(newest - step * i32::try_from(i).unwrap());
            format!(
                r#"{{"id":"r{}","{field}":"{time}","x":"{}"}}"#,
                first_id + i,
                "p".repeat(200)
            )
        })
        .collect();
    let body = format!(r#"{{"value":[{}]}}"#, records.join(","));
    Page::parse(body.into_bytes(), "http://h/x", None).unwrap()
}

fn position(family: Slice, page: usize) -> Position {
    Position {
        family,
        part: family,
        span: None,
        after: After::Link(format!("http://h/x?$skiptoken={page:08}")),
    }
}

/// Writes a family of `pages` pages of 20 records, newest first, one record a minute;
/// returns what each page added to the state file (none where it was compacted).
fn write_family(
    w: &mut RecordWriter,
    family: Slice,
    pages: usize,
    field: &str,
) -> Vec<Option<u64>> {
    let end = family.end.unwrap();
    let mut growth = Vec::new();
    for n in 0..pages {
        let before = w.state_bytes().unwrap();
        let newest = end - TimeDelta::minutes(1) - TimeDelta::minutes(20 * n as i64);
        let p = page(n * 20, 20, newest, TimeDelta::minutes(1), field);
        w.page(&p, &position(family, n)).unwrap();
        let after = w.state_bytes().unwrap();
        growth.push((after > before).then(|| after - before));
    }
    growth
}

#[test]
fn a_page_costs_the_state_the_same_at_the_start_and_the_end_of_a_long_family() {
    for dedup in [Dedup::Changed, Dedup::None] {
        let dir = tempfile::tempdir().unwrap();
        let mut w = writer(dir.path(), dedup, "activityDateTime", TimeDelta::hours(2));
        let family = Slice {
            start: Some(t("2024-01-01T00:00:00Z")),
            end: Some(t("2024-01-08T00:00:00Z")),
        };
        // 500 pages: a week of records, one a minute, newest first.
        let growth = write_family(&mut w, family, 500, "activityDateTime");
        // The first 6 pages are the last two hours (the overlap); after them a page adds
        // the same few bytes, whether it is the 10th or the 490th.
        let outside: Vec<u64> = growth[10..].iter().flatten().copied().collect();
        assert!(outside.len() > 480, "{dedup:?}: few compactions");
        let (min, max) = (outside.iter().min().unwrap(), outside.iter().max().unwrap());
        assert!(
            max - min <= 8 && *max < 1024,
            "{dedup:?}: {min}..{max} bytes a page"
        );
        if dedup == Dedup::Changed {
            let inside = growth[1].unwrap();
            assert!(
                inside > 20 * 50 && inside < 20 * 200,
                "{inside} bytes for 20 entries"
            );
        }
        w.family_done(family, None, None).unwrap();
        w.finish().unwrap();
        let size = std::fs::metadata(dir.path().join("s.state")).unwrap().len();
        let entries = if dedup == Dedup::Changed { 120 } else { 0 };
        assert!(
            size < 600 + entries * 100,
            "{dedup:?}: {size} bytes: only the last two hours are kept"
        );
    }
}

#[test]
fn the_state_keeps_only_the_overlap_of_a_custom_time_field_run_after_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut sizes = Vec::new();
    for run in 0..40 {
        let mut w = writer(
            dir.path(),
            Dedup::Changed,
            "whenItHappened",
            TimeDelta::minutes(30),
        );
        let end = t("2024-01-01T00:00:00Z") + TimeDelta::hours(run + 1);
        let family = Slice {
            start: Some(end - TimeDelta::hours(1) - TimeDelta::minutes(30)),
            end: Some(end),
        };
        write_family(&mut w, family, 3, "whenItHappened");
        w.family_done(family, None, None).unwrap();
        w.finish().unwrap();
        drop(w);
        sizes.push(std::fs::metadata(dir.path().join("s.state")).unwrap().len());
    }
    let (first, last) = (sizes[2], sizes[39]);
    assert!(last <= first + 64, "the state does not grow: {sizes:?}");
    let doc = std::fs::read_to_string(dir.path().join("s.state")).unwrap();
    assert!(
        doc.matches("\"id\"").count() <= 31,
        "30 minutes of records: {doc}"
    );
}
