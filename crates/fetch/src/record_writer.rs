//! Writing pages out: records (or whole pages) to stdout or `--output`, `--save-pages`
//! copies, the records a broken chain brings again ([`crate::frontier`]), duplicate
//! suppression ([`crate::dedup`]), `--top`, and the state after every page.
//!
//! Order per page (the delivery guarantees rest on it): save the page copy, write the
//! records, flush (and fsync a file), then append the page to the state's journal: the
//! file length, the records to remember, and where the chain stands. A crash between
//! the two last steps leaves the file longer than the state says; the next run cuts it
//! back and fetches that page again.

use std::io::{BufWriter, StdoutLock, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use aad_common::time::{graph_time, parse_instant};
use aad_common::{Error, Result};
use chrono::{DateTime, TimeDelta, Utc};

use crate::dedup::{RecordKey, Seen};
use crate::frontier::{Frontier, Mark, Resync, Verdict};
use crate::output_file::OutputFile;
use crate::page::{Page, one_line};
use crate::progress::Progress;
use crate::questions::LocalFilter;
use crate::record_fields::{self, content_hash};
use crate::record_tags::Tags;
use crate::state::StateFile;
use crate::state_doc::{ChainState, DoneEntry, Emitted, JournalLine, OutputMark, PageEntry};
use crate::sweep::{After, Position, span_text};
use crate::window::{Slice, earliest};

/// Where records go: stdout is written at least once, a file exactly once.
enum Out {
    Stdout(BufWriter<StdoutLock<'static>>),
    File(BufWriter<OutputFile>),
}

impl Out {
    fn write_line(&mut self, bytes: &[u8]) -> Result<()> {
        let result = match self {
            Out::Stdout(w) => w.write_all(bytes).and_then(|()| w.write_all(b"\n")),
            Out::File(w) => w.write_all(bytes).and_then(|()| w.write_all(b"\n")),
        };
        result.map_err(|e| match self {
            Out::Stdout(_) => Error::stdout(e),
            Out::File(w) => Error::file("write", &w.get_ref().path, e),
        })
    }
}

/// Whether to go on after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Fetch more; with `--top`, `wanted` more records.
    Continue { wanted: Option<u64> },
    /// `--top` reached.
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
    /// `--top`: stop after writing this many records.
    pub(crate) limit: Option<u64>,
    /// `--overlap`: how far before a family's end the dedup memory must reach.
    pub(crate) overlap: TimeDelta,
    /// The query flags' conditions tested here (set from the target).
    pub(crate) local: LocalFilter,
    /// `--add-field`: members put at the front of every record written.
    pub(crate) tags: Tags,
}

/// What the writer needs to know about the target and the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordContext {
    /// The target's time field; none: records carry no time aad-fetch knows.
    pub(crate) time_field: Option<String>,
    /// The clock at the start of the run: the end of a family with an open end.
    pub(crate) now: DateTime<Utc>,
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
    limit: Option<u64>,
    /// Records written in this run, for `--top`.
    written: u64,
    /// What earlier pages and runs emitted (None: no dedup).
    seen: Option<Seen>,
    /// Records that fail it are not written (nor counted, nor remembered).
    local: LocalFilter,
    /// `--add-field`.
    tags: Tags,
    overlap: TimeDelta,
    context: RecordContext,
    frontier: Frontier,
    /// The last time text read and what it means: records of a page often share times.
    last_time: (String, Option<DateTime<Utc>>),
    state: Option<StateFile>,
    progress: Arc<Progress>,
    /// Reused for records the server spread over several lines.
    scratch: Vec<u8>,
    warned_unordered: bool,
}

impl RecordWriter {
    /// Opens the output; with a state file, first truncates an output file that is
    /// longer than the state says back to that length, and takes up the family the
    /// state has in progress. `page_stem` names the `--save-pages` files; `seen` is the
    /// dedup memory, if any.
    pub(crate) fn open(
        options: WriterOptions,
        context: RecordContext,
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
                        state.doc.output = Some(mark.clone());
                        state.append(&JournalLine::Page(PageEntry {
                            output: Some(mark),
                            emitted: Vec::new(),
                            chain: state.doc.chain.clone(),
                        }))?;
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
        let mut frontier = Frontier::new(context.time_field.is_some());
        if let Some(chain) = state.as_ref().and_then(|s| s.doc.chain.as_ref()) {
            frontier.restore(Mark {
                family: chain.family.into(),
                frontier: chain.frontier,
                ties: chain.ties.clone(),
                ordered: chain.ordered,
            });
        }
        Ok(RecordWriter {
            out,
            pages_mode: options.pages,
            save_pages: options.save_pages.map(|dir| (dir, page_stem.to_string())),
            saved: 0,
            limit: options.limit,
            written: 0,
            seen,
            local: options.local,
            tags: options.tags,
            overlap: options.overlap,
            context,
            frontier,
            last_time: (String::new(), None),
            state,
            progress,
            scratch: Vec::new(),
            warned_unordered: false,
        })
    }

    /// Writes one page of the chain at `position`.
    pub(crate) fn page(&mut self, page: &Page, position: &Position) -> Result<Flow> {
        self.frontier.enter(position.family);
        let family_end = position.family.end.unwrap_or(self.context.now);
        let keep_from = family_end
            .checked_sub_signed(self.overlap)
            .unwrap_or_else(earliest);
        if let Some((dir, stem)) = &self.save_pages {
            let path = dir.join(format!("{stem}{}.json", self.saved));
            std::fs::write(&path, &page.body).map_err(|e| Error::file("write", &path, e))?;
            self.saved += 1;
        }
        let (written, skipped, stopped) = if self.pages_mode {
            self.whole_page(page)?
        } else {
            self.records(page, family_end, keep_from)?
        };
        self.frontier.end_page(&page.body);
        let mark = self.commit()?;
        self.journal(position, mark, keep_from, stopped == Some(true))?;
        self.progress.page(written, skipped);
        Ok(if stopped.is_some() {
            Flow::Stop
        } else {
            Flow::Continue {
                wanted: self.limit.map(|limit| limit.saturating_sub(self.written)),
            }
        })
    }

    /// `--pages`: the body as one line; the frontier still follows its records, and
    /// `--top` counts them (whole pages: the last may hold more than asked for).
    fn whole_page(&mut self, page: &Page) -> Result<(u64, u64, Option<bool>)> {
        let mut scratch = std::mem::take(&mut self.scratch);
        self.write_line(one_line(&page.body, &mut scratch))?;
        for range in &page.records {
            let record = page.record(range, &mut scratch);
            let time = self.time_of(record);
            self.frontier.handled(time, record, range.clone());
        }
        self.scratch = scratch;
        let written = page.records.len() as u64;
        self.written += written;
        let stopped = self
            .limit
            .is_some_and(|limit| self.written >= limit)
            .then_some(false);
        Ok((written, 0, stopped))
    }

    /// The records of a page, each written unless it came again or was emitted before;
    /// returns how many were written and skipped, and whether `--top` was reached (with
    /// records of the page left: true).
    fn records(
        &mut self,
        page: &Page,
        family_end: DateTime<Utc>,
        keep_from: DateTime<Utc>,
    ) -> Result<(u64, u64, Option<bool>)> {
        let (mut written, mut skipped) = (0u64, 0u64);
        let mut stopped = None;
        let mut scratch = std::mem::take(&mut self.scratch);
        for (at, range) in page.records.iter().enumerate() {
            let record = page.record(range, &mut scratch);
            let fields = record_fields::read(
                record,
                self.context.time_field.as_deref(),
                self.seen.is_some(),
            );
            let time = self.parse_time(fields.time.as_deref());
            if self.frontier.check(time, record) == Verdict::Again {
                skipped += 1;
                continue;
            }
            if !self.local.admits(record) {
                // Not asked for: passed over (the chain has still reached it), never
                // written, counted or remembered.
                self.frontier.handled(time, record, range.clone());
                continue;
            }
            if let Some(seen) = &mut self.seen {
                let key = RecordKey {
                    id: fields.id.map(|id| id.into_owned()),
                    hash: content_hash(record),
                    time: time.unwrap_or(family_end),
                };
                if !seen.admit(key, keep_from) {
                    self.frontier.handled(time, record, range.clone());
                    skipped += 1;
                    continue;
                }
            }
            self.frontier.handled(time, record, range.clone());
            self.write_record(record)?;
            written += 1;
            self.written += 1;
            if self.limit.is_some_and(|limit| self.written >= limit) {
                stopped = Some(at + 1 < page.records.len());
                break;
            }
        }
        self.scratch = scratch;
        Ok((written, skipped, stopped))
    }

    /// The time of a record (its time field), none when it has no readable one.
    fn time_of(&mut self, record: &[u8]) -> Option<DateTime<Utc>> {
        let fields = record_fields::read(record, self.context.time_field.as_deref(), false);
        self.parse_time(fields.time.as_deref())
    }

    fn parse_time(&mut self, text: Option<&str>) -> Option<DateTime<Utc>> {
        let text = text?;
        if self.last_time.0 != text {
            self.last_time.0.clear();
            self.last_time.0.push_str(text);
            self.last_time.1 = parse_instant(text);
        }
        self.last_time.1
    }

    /// Appends the page to the state's journal: the output length, the records to
    /// remember, and where the chain stands. `stopped`: `--top` ended the run with
    /// records of the page left, so a later run goes on from the frontier, not from the
    /// next link.
    fn journal(
        &mut self,
        position: &Position,
        output: Option<OutputMark>,
        keep_from: DateTime<Utc>,
        stopped: bool,
    ) -> Result<()> {
        let mark = self.frontier.mark();
        let passed = mark.as_ref().filter(|m| m.ordered).and_then(|m| m.frontier);
        let kept = match &mut self.seen {
            Some(seen) => seen.page_done(passed, keep_from),
            None => Vec::new(),
        };
        let Some(state) = &mut self.state else {
            return Ok(());
        };
        let started = Instant::now();
        let (next, done) = match &position.after {
            After::Link(link) if !stopped => (Some(link.clone()), false),
            After::PartEnd if !stopped => (None, true),
            _ => (None, false),
        };
        let chain = mark.map(|m| ChainState {
            family: m.family.into(),
            part: position.part.into(),
            span: position.span.map(span_text),
            next,
            done,
            frontier: m.frontier,
            ties: m.ties,
            ordered: m.ordered,
        });
        if output.is_some() {
            state.doc.output.clone_from(&output);
        }
        state.doc.chain.clone_from(&chain);
        let bytes = state.append(&JournalLine::Page(PageEntry {
            output,
            emitted: kept.iter().map(Emitted::from).collect(),
            chain,
        }))?;
        if self.progress.verbose() {
            self.progress.log(&format!(
                "state: page journaled, {bytes} bytes in {:.3} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }
        if state.wants_compaction() {
            self.compact()?;
        }
        Ok(())
    }

    /// The fetcher asks where the family stands, to fetch a broken chain again.
    pub(crate) fn resync(&mut self) -> Resync {
        let resync = self.frontier.resync();
        if !resync.ordered && self.context.time_field.is_some() && !self.warned_unordered {
            self.warned_unordered = true;
            let how = if self.seen.is_some() {
                "records already written are skipped by --dedup only"
            } else {
                "records already written may be written again (give --dedup to skip them)"
            };
            self.progress.warn(&format!(
                "the service did not list records newest first, so a broken chain is fetched again whole; {how}"
            ));
        }
        resync
    }

    /// A family is complete: the checkpoint moves to its end, and the dedup memory
    /// forgets what neither a later run (which starts `--overlap` before the end) nor
    /// the next family of this run (starting at `next_start`) can list again.
    pub(crate) fn family_done(
        &mut self,
        family: Slice,
        next_start: Option<DateTime<Utc>>,
        span: Option<TimeDelta>,
    ) -> Result<()> {
        if let Some(seen) = &mut self.seen {
            seen.family_done();
            if let Some(end) = family.end {
                let before = end
                    .checked_sub_signed(self.overlap)
                    .unwrap_or_else(earliest);
                seen.prune(next_start.map_or(before, |next| before.min(next)));
            }
        }
        let Some(state) = &mut self.state else {
            return Ok(());
        };
        let previous = state.doc.checkpoint.as_deref().and_then(parse_instant);
        let checkpoint = match (previous, family.end) {
            (Some(previous), Some(end)) => Some(previous.max(end)),
            (previous, end) => end.or(previous),
        };
        let done = DoneEntry {
            checkpoint: checkpoint.map(graph_time),
            span: span.map(span_text),
        };
        state.doc.checkpoint.clone_from(&done.checkpoint);
        state.doc.span.clone_from(&done.span);
        state.doc.chain = None;
        state.append(&JournalLine::Done(done))?;
        if state.wants_compaction() {
            self.compact()?;
        }
        Ok(())
    }

    /// Folds the journal into the snapshot, with the dedup memory as it is now.
    fn compact(&mut self) -> Result<()> {
        let Some(state) = &mut self.state else {
            return Ok(());
        };
        state.doc.emitted = self.seen.as_ref().map(Seen::entries).unwrap_or_default();
        state.compact()
    }

    /// Writes a record with the `--add-field` members at its front.
    fn write_record(&mut self, record: &[u8]) -> Result<()> {
        let line = self.tags.apply(record, &self.progress);
        self.out.write_line(line)
    }

    fn write_line(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_line(bytes)
    }

    /// Flushes (and fsyncs a file); returns the output file's mark when a state
    /// records it.
    fn commit(&mut self) -> Result<Option<OutputMark>> {
        match &mut self.out {
            Out::Stdout(w) => {
                w.flush().map_err(Error::stdout)?;
                Ok(None)
            }
            Out::File(w) => {
                w.flush()
                    .map_err(|e| Error::file("write", &w.get_ref().path, e))?;
                let output = w.get_ref();
                output
                    .file
                    .sync_data()
                    .map_err(|e| Error::file("sync", &output.path, e))?;
                self.state.is_some().then(|| output.mark()).transpose()
            }
        }
    }

    /// Flushes everything at the end of the run and compacts the state.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.commit()?;
        self.compact()
    }

    /// The state's checkpoint as it is now.
    pub(crate) fn checkpoint(&self) -> Option<String> {
        self.state.as_ref()?.doc.checkpoint.clone()
    }

    /// The size of the state file, for tests of its growth.
    #[cfg(test)]
    pub(crate) fn state_bytes(&self) -> Option<u64> {
        self.state.as_ref().map(StateFile::bytes)
    }
}

#[cfg(test)]
mod tests;
