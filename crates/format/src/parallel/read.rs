//! The reading side of the parallel run: lines of each input gathered into jobs for the
//! workers; a line too long to be worth a copy (a Graph page) is rendered right here.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use aad_common::{Error, Result};

use crate::input::{Line, LineReader};
use crate::render::Render;

use super::budget::{Budget, JOB_BYTES, Pool};
use super::job::{Done, How, Job, JobLine, Lines, render_lines};
use crate::field_check::FieldCheck;
use crate::filter::Filter;

/// The reading side: lines into jobs.
pub(super) struct Dispatch<'p> {
    jobs: Sender<Job>,
    /// Renders lines too long to be worth a copy, here and in order.
    render: Box<dyn Render>,
    filter: Option<Filter>,
    /// The `--fields` check, on the first records read.
    check: Option<FieldCheck>,
    done: Sender<Done>,
    how: How,
    budget: &'p Budget,
    pool: &'p Pool,
    seq: u64,
    /// No worker runs: every line is rendered here.
    alone: bool,
    /// Reading stopped because the writer has ended, or will end at a line already
    /// handed out (an overlong one); either way the writer reports why.
    writer_gone: bool,
}

impl<'p> Dispatch<'p> {
    /// Hands jobs to `jobs`, and what it renders itself to `done`.
    pub(super) fn new(
        jobs: Sender<Job>,
        (render, filter, check): (Box<dyn Render>, Option<Filter>, Option<FieldCheck>),
        done: Sender<Done>,
        how: How,
        budget: &'p Budget,
        pool: &'p Pool,
        alone: bool,
    ) -> Dispatch<'p> {
        Dispatch {
            jobs,
            render,
            filter,
            check,
            done,
            how,
            budget,
            pool,
            seq: 0,
            alone,
            writer_gone: false,
        }
    }

    /// True when reading stopped because the writer had ended (and will say why).
    pub(super) fn writer_gone(&self) -> bool {
        self.writer_gone
    }

    /// Reads one input and hands out its lines.
    pub(super) fn input(&mut self, name: &str, max_line: usize) -> Result<()> {
        let mut lines = LineReader::open(name, max_line)?;
        let file = Arc::clone(lines.name());
        let mut job = Job::new(&file, self.pool.take());
        loop {
            // Hand out what was read before the input may block, so that it is
            // written without waiting for more.
            let line = lines.next_line(&mut || self.send(&mut job))?;
            let Some(line) = line else {
                return self.send(&mut job);
            };
            let warnings = match (&mut self.check, &line) {
                (Some(check), Line::Text { bytes, number, .. }) => check.line(bytes, *number),
                _ => Vec::new(),
            };
            match line {
                Line::Text {
                    bytes,
                    number,
                    column,
                } if bytes.len() > JOB_BYTES || self.alone => {
                    // A long line (a Graph page) is rendered right here, after the
                    // jobs before it: copying it and holding several in flight would
                    // cost megabytes.
                    self.send(&mut job)?;
                    self.render_here(&file, bytes, number, column)?;
                }
                Line::Text {
                    bytes,
                    number,
                    column,
                } => {
                    let start = job.text.len();
                    job.text.extend_from_slice(bytes);
                    job.lines.push(JobLine {
                        number,
                        column,
                        span: Some((start, job.text.len())),
                    });
                }
                Line::TooLong { number } => {
                    job.lines.push(JobLine {
                        number,
                        column: 1,
                        span: None,
                    });
                    if !self.how.skip {
                        // The run ends at this line, and the writer will say so. Reading
                        // past its rest could take forever: a line that never ends
                        // (/dev/zero).
                        self.send(&mut job)?;
                        self.writer_gone = true;
                        return Err(Error::internal("stopped at an overlong line"));
                    }
                }
            }
            if !warnings.is_empty() {
                // After the job that holds the line they are about.
                self.send(&mut job)?;
                self.notes(warnings)?;
            } else if job.text.len() >= JOB_BYTES {
                self.send(&mut job)?;
            }
        }
    }

    /// The warnings of the `--fields` check when the input ended before they were
    /// given, passed on after everything read.
    pub(super) fn finish_check(&mut self) -> Result<()> {
        let warnings = self
            .check
            .as_mut()
            .map(FieldCheck::finish)
            .unwrap_or_default();
        if warnings.is_empty() {
            return Ok(());
        }
        self.notes(warnings)
    }

    /// Passes `notes` to the writer, in order.
    pub(super) fn notes(&mut self, notes: Vec<String>) -> Result<()> {
        let done = Done::notes(self.next_seq(), notes);
        if !self.budget.acquire(0) || self.done.send(done).is_err() {
            self.writer_gone = true;
            return Err(Error::internal("the writer ended"));
        }
        Ok(())
    }

    /// Renders one line on this thread and passes it on to the writer.
    fn render_here(
        &mut self,
        file: &Arc<str>,
        bytes: &[u8],
        number: u64,
        column: usize,
    ) -> Result<()> {
        let line = JobLine {
            number,
            column,
            span: Some((0, bytes.len())),
        };
        let seq = self.next_seq();
        let buffer = self.pool.take();
        let lines = Lines {
            file,
            text: bytes,
            lines: &[line],
        };
        let done = render_lines(
            &mut *self.render,
            self.filter.as_mut(),
            seq,
            lines,
            buffer,
            self.how,
        );
        if !self.budget.acquire(bytes.len()) || self.done.send(done).is_err() {
            self.writer_gone = true;
            return Err(Error::internal("the writer ended"));
        }
        Ok(())
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq - 1
    }

    /// Hands out `job` unless it is empty, and starts the next one.
    fn send(&mut self, job: &mut Job) -> Result<()> {
        if job.lines.is_empty() {
            return Ok(());
        }
        let next = Job::new(&job.file, self.pool.take());
        let mut full = std::mem::replace(job, next);
        full.seq = self.next_seq();
        if !self.budget.acquire(full.text.len()) || self.jobs.send(full).is_err() {
            self.writer_gone = true;
            return Err(Error::internal("the writer ended"));
        }
        Ok(())
    }
}
