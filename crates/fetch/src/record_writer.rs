//! Writing pages out: records (or whole pages) to stdout or `--output`, `--save-pages`
//! copies, duplicate suppression, and the state file after every page.
//!
//! Order per page (the delivery guarantees rest on it): save the page copy, write the
//! records, flush (and fsync a file), then record the file length and emitted ids in the
//! state file. A crash between the two last steps leaves the file longer than the state
//! says; the next run truncates it back and refetches that page.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io::{BufWriter, StdoutLock, Write};
use std::path::PathBuf;
use std::sync::Arc;

use aad_common::time::graph_time;
use aad_common::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

use crate::dedup::{RecordKey, Seen};
use crate::output_file::OutputFile;
use crate::page::{Page, one_line};
use crate::progress::Progress;
use crate::questions::LocalFilter;
use crate::state::StateFile;

/// Where records go: stdout is written at least once, a file exactly once.
enum Out {
    Stdout(BufWriter<StdoutLock<'static>>),
    File(BufWriter<OutputFile>),
}

/// Whether to go on after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Fetch more.
    Continue,
    /// `--max-records` reached.
    Stop,
}

/// What the flags ask of the writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WriterOptions {
    /// `--output`: append to this file instead of stdout.
    pub(crate) output: Option<PathBuf>,
    /// `--pages`: each page body as one line, not its records.
    pub(crate) pages: bool,
    /// `--save-pages`: also keep each page in this directory.
    pub(crate) save_pages: Option<PathBuf>,
    /// `--max-records`: stop after writing this many.
    pub(crate) max_records: Option<u64>,
    /// `--overlap`: how far before the checkpoint the dedup memory must reach.
    pub(crate) overlap: TimeDelta,
    /// The query flags' conditions tested here (set from the target).
    pub(crate) local: LocalFilter,
}

/// The writer side of the page pipeline: records out, then the state.
pub(crate) struct RecordWriter {
    out: Out,
    /// `--pages`.
    pages_mode: bool,
    /// `--save-pages`: the directory and the file name stem (the report's label).
    save_pages: Option<(PathBuf, String)>,
    /// Pages saved so far, the number in the next file name.
    saved: u64,
    max_records: Option<u64>,
    /// Records written in this run, for `--max-records`.
    written: u64,
    /// What earlier pages and runs emitted (None: no dedup).
    seen: Option<Seen>,
    /// Records that fail it are not written (nor counted, nor remembered).
    local: LocalFilter,
    overlap: TimeDelta,
    /// The slice family (a slice of the window and all its halves) being written.
    slice_family: Option<usize>,
    /// How often each content hash was written from the current family, so a refetch of
    /// the family can skip exactly what was written before (equal records count apart).
    family_written: HashMap<u64, u32>,
    /// What the current refetch has still to skip, taken from `family_written`.
    refetch_skip: HashMap<u64, u32>,
    /// Hashes record contents for `family_written`; seeded per run, never stored.
    hasher: RandomState,
    state: Option<StateFile>,
    progress: Arc<Progress>,
    /// Reused for records the server spread over several lines.
    scratch: Vec<u8>,
}

impl RecordWriter {
    /// Opens the output; with a state file, first truncates an output file that is
    /// longer than the state says back to that length. `page_stem` names the
    /// `--save-pages` files; `seen` is the dedup memory, if any.
    pub(crate) fn open(
        options: WriterOptions,
        page_stem: &str,
        seen: Option<Seen>,
        mut state: Option<StateFile>,
        progress: Arc<Progress>,
    ) -> Result<RecordWriter> {
        let out = match &options.output {
            None => Out::Stdout(aad_common::io::stdout()),
            Some(path) => {
                let output = OutputFile::open(path, state.as_ref().map(StateFile::path))?;
                if let Some(state) = &mut state {
                    // Record where this state starts writing before writing anything, so
                    // a run killed during its first page can be undone too.
                    let mark = match &state.doc.output {
                        Some(mark) => output.reconcile(mark, &progress)?,
                        None => output.mark()?,
                    };
                    if state.doc.output.as_ref() != Some(&mark) {
                        state.doc.output = Some(mark);
                        state.save()?;
                    }
                }
                Out::File(BufWriter::with_capacity(
                    aad_common::io::BUFFER_SIZE,
                    output,
                ))
            }
        };
        if let Some(dir) = &options.save_pages {
            std::fs::create_dir_all(dir).map_err(|e| Error::file("create directory", dir, e))?;
        }
        Ok(RecordWriter {
            out,
            pages_mode: options.pages,
            save_pages: options.save_pages.map(|dir| (dir, page_stem.to_string())),
            saved: 0,
            max_records: options.max_records,
            written: 0,
            seen,
            local: options.local,
            overlap: options.overlap,
            slice_family: None,
            family_written: HashMap::new(),
            refetch_skip: HashMap::new(),
            hasher: RandomState::new(),
            state,
            progress,
            scratch: Vec::new(),
        })
    }

    /// Writes one page fetched for slice family `family`.
    pub(crate) fn page(&mut self, page: &Page, family: usize) -> Result<Flow> {
        if self.slice_family != Some(family) {
            self.slice_family = Some(family);
            self.family_written.clear();
            self.refetch_skip.clear();
        }
        if let Some((dir, stem)) = &self.save_pages {
            let path = dir.join(format!("{stem}{}.json", self.saved));
            std::fs::write(&path, &page.body).map_err(|e| Error::file("write", &path, e))?;
            self.saved += 1;
        }
        let (mut written, mut skipped) = (0u64, 0u64);
        let mut flow = Flow::Continue;
        if self.pages_mode {
            let mut scratch = std::mem::take(&mut self.scratch);
            self.write_line(one_line(&page.body, &mut scratch))?;
            self.scratch = scratch;
            written = page.records.len() as u64;
        } else {
            let mut scratch = std::mem::take(&mut self.scratch);
            for range in &page.records {
                let record = page.record(range, &mut scratch);
                if !self.local.admits(record) {
                    continue;
                }
                let content = self.hasher.hash_one(record);
                if let Some(left) = self.refetch_skip.get_mut(&content)
                    && *left > 0
                {
                    *left -= 1;
                    skipped += 1;
                    continue;
                }
                if let Some(seen) = &mut self.seen
                    && !seen.admit(RecordKey::of(record))
                {
                    skipped += 1;
                    continue;
                }
                *self.family_written.entry(content).or_default() += 1;
                self.write_line(record)?;
                written += 1;
                self.written += 1;
                if self.max_records.is_some_and(|max| self.written >= max) {
                    flow = Flow::Stop;
                    break;
                }
            }
            self.scratch = scratch;
        }
        self.commit()?;
        self.progress.page(written, skipped);
        Ok(flow)
    }

    /// The fetcher starts the current slice family again (halved or from its first page):
    /// what the family wrote so far is skipped once per time it was written.
    pub(crate) fn refetch(&mut self) {
        self.refetch_skip = self.family_written.clone();
    }

    /// A slice (with all its halves) is complete: the checkpoint moves to its end.
    pub(crate) fn slice_done(&mut self, end: Option<DateTime<Utc>>) -> Result<()> {
        self.family_written.clear();
        self.refetch_skip.clear();
        self.slice_family = None;
        let (Some(state), Some(end)) = (&mut self.state, end) else {
            return Ok(());
        };
        state.doc.checkpoint = Some(graph_time(end));
        if let Some(seen) = &mut self.seen {
            seen.prune(end - self.overlap);
        }
        self.commit()
    }

    fn write_line(&mut self, bytes: &[u8]) -> Result<()> {
        let result = match &mut self.out {
            Out::Stdout(w) => w.write_all(bytes).and_then(|()| w.write_all(b"\n")),
            Out::File(w) => w.write_all(bytes).and_then(|()| w.write_all(b"\n")),
        };
        result.map_err(|e| self.write_error(e))
    }

    fn write_error(&self, e: std::io::Error) -> Error {
        match &self.out {
            Out::Stdout(_) => Error::stdout(e),
            Out::File(w) => Error::file("write", &w.get_ref().path, e),
        }
    }

    /// Flushes (and fsyncs a file), then saves the state.
    fn commit(&mut self) -> Result<()> {
        let mark = match &mut self.out {
            Out::Stdout(w) => {
                w.flush().map_err(Error::stdout)?;
                None
            }
            Out::File(w) => {
                w.flush()
                    .map_err(|e| Error::file("write", &w.get_ref().path, e))?;
                let output = w.get_ref();
                output
                    .file
                    .sync_data()
                    .map_err(|e| Error::file("sync", &output.path, e))?;
                self.state.is_some().then(|| output.mark()).transpose()?
            }
        };
        if let Some(state) = &mut self.state {
            if mark.is_some() {
                state.doc.output = mark;
            }
            if let Some(seen) = &self.seen {
                state.doc.emitted = seen.entries();
            }
            state.save()?;
        }
        Ok(())
    }

    /// Flushes everything at the end of the run.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.commit()
    }
}
