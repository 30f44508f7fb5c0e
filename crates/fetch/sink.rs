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

use crate::dedup::{Key, Seen};
use crate::output_file::OutputFile;
use crate::page::{Page, one_line};
use crate::progress::Progress;
use crate::state::StateFile;

/// Where records go.
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

/// How the sink is set up.
pub(crate) struct SinkOptions {
    /// `--output`.
    pub(crate) output: Option<PathBuf>,
    /// `--pages`.
    pub(crate) pages: bool,
    /// `--save-pages` directory and file name stem.
    pub(crate) save_pages: Option<(PathBuf, String)>,
    /// `--max-records`.
    pub(crate) max_records: Option<u64>,
    /// Dedup memory (None: no dedup).
    pub(crate) seen: Option<Seen>,
    /// `--overlap`, for pruning the dedup memory.
    pub(crate) overlap: TimeDelta,
}

/// The writer side.
pub(crate) struct Sink {
    out: Out,
    pages_mode: bool,
    save_pages: Option<(PathBuf, String)>,
    saved: u64,
    max_records: Option<u64>,
    written: u64,
    seen: Option<Seen>,
    overlap: TimeDelta,
    /// The slice family (a slice of the window and all its halves) being written.
    slice_family: Option<usize>,
    /// How often each content hash was written from the current family, so a refetch of
    /// the family can skip exactly what was written before (equal records count apart).
    family_written: HashMap<u64, u32>,
    /// What the current refetch has still to skip, taken from `family_written`.
    refetch_skip: HashMap<u64, u32>,
    hasher: RandomState,
    state: Option<StateFile>,
    progress: Arc<Progress>,
    scratch: Vec<u8>,
}

impl Sink {
    /// Opens the output; with a state file, first truncates an output file that is
    /// longer than the state says back to that length.
    pub(crate) fn open(
        options: SinkOptions,
        mut state: Option<StateFile>,
        progress: Arc<Progress>,
    ) -> Result<Sink> {
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
        if let Some((dir, _)) = &options.save_pages {
            std::fs::create_dir_all(dir).map_err(|e| Error::file("create directory", dir, e))?;
        }
        Ok(Sink {
            out,
            pages_mode: options.pages,
            save_pages: options.save_pages,
            saved: 0,
            max_records: options.max_records,
            written: 0,
            seen: options.seen,
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
                let content = self.hasher.hash_one(record);
                if let Some(left) = self.refetch_skip.get_mut(&content)
                    && *left > 0
                {
                    *left -= 1;
                    skipped += 1;
                    continue;
                }
                if let Some(seen) = &mut self.seen
                    && !seen.admit(Key::of(record))
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
