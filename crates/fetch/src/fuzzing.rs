//! What the fuzz targets of `aad-fuzz` reach inside aad-fetch. Built only with the
//! `fuzzing` feature, which only aad-fuzz enables, so the tool's public surface stays
//! `run`, `cli` and `manual`; each function is a thin door to the code the tool runs.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::page::{self, Page};
use crate::state::read;
use crate::state_doc::VERSION;
use crate::when::{Zone, parse_when};
use crate::window::{Slicing, parse_slice};

/// A page parsed as the fetch thread parses it.
#[derive(Debug)]
pub struct ParsedPage {
    /// Each record on one line, as the writer writes it.
    pub records: Vec<Vec<u8>>,
    /// The next link, checked: `Err` with the refusal when it must not be followed.
    pub next: Result<Option<String>, String>,
}

/// Parses `body` as a page fetched from `url` (`keep_api_version` as for the legacy
/// reports): the records and next link, or why it is not a page.
pub fn parse_page(
    body: &[u8],
    url: &str,
    keep_api_version: Option<&str>,
) -> Result<ParsedPage, String> {
    let page = Page::parse(body.to_vec(), url, keep_api_version).map_err(|e| e.to_string())?;
    let mut scratch = Vec::new();
    let records = page
        .records
        .iter()
        .map(|range| page.record(range, &mut scratch).to_vec())
        .collect();
    let next = page.next.map_err(|e| e.to_string());
    Ok(ParsedPage { records, next })
}

/// The next link `lookahead` finds before `value`, if any.
pub fn lookahead_link(body: &[u8]) -> Option<String> {
    match page::lookahead(body) {
        page::Lookahead::Next(link) => Some(link),
        page::Lookahead::Unknown => None,
    }
}

/// A next link resolved against the page's URL and checked to stay on its origin.
pub fn resolve_link(page_url: &str, link: &str) -> Result<String, String> {
    page::resolve(page_url, link, None).map_err(|e| e.to_string())
}

/// `scheme://host:port` of `url` as the origin check compares it.
pub fn origin(url: &str) -> Option<String> {
    page::origin(url)
}

/// Loads a state file's bytes (snapshot and journal) and returns the snapshot that a
/// compaction would write for it, or the error the tool would end with.
pub fn load_state(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let (mut doc, _clean) = read(Path::new("state.json"), bytes).map_err(|e| e.to_string())?;
    doc.version = VERSION;
    let mut text = serde_json::to_vec(&doc).map_err(|e| e.to_string())?;
    text.push(b'\n');
    Ok(text)
}

/// `--since`/`--until` read against the clock `now`, in UTC or (`local`) the local zone.
pub fn parse_time(text: &str, now: DateTime<Utc>, local: bool) -> Result<DateTime<Utc>, String> {
    let zone = if local { Zone::Local } else { Zone::Utc };
    parse_when("--since", text, now, zone).map_err(|e| e.to_string())
}

/// `--slice`: `Ok(None)` for auto or none, else the length in seconds.
pub fn parse_slice_seconds(text: &str) -> Result<Option<i64>, String> {
    match parse_slice(text).map_err(|e| e.to_string())? {
        Slicing::Auto | Slicing::Whole => Ok(None),
        Slicing::Every(length) => Ok(Some(length.num_seconds())),
    }
}
