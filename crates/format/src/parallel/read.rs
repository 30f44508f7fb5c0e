//! The reading side of the parallel run: lines of each input gathered into jobs for the
//! workers; a line too long to be worth a copy (a Graph page) is rendered right here.

use std::sync::Arc;
use std::sync::mpsc::Sender;

use aad_common::{Error, Result};

use crate::input::{Line, LineReader};
use crate::render::Render;

use super::budget::{Budget, JOB_BYTES, Pool};
use super::job::{Done, How, Job, JobLine, render_lines};

/// The reading side: lines into jobs.
pub(super) struct Dispatch<'p> {
    jobs: Sender<Job>,
    /// Renders lines too long to be worth a copy, here and in order.
    render: Box<dyn Render>,
    done: Sender<Done>,
    how: How,
    budget: &'p Budget,
    pool: &'p Pool,
    seq: u64,
    /// The writer has ended (and will report why), so reading stopped.
    writer_gone: bool,
}

impl<'p> Dispatch<'p> {
    /// Hands jobs to `jobs`, and what it renders itself to `done`.
    pub(super) fn new(
        jobs: Sender<Job>,
        render: Box<dyn Render>,
        done: Sender<Done>,
        how: How,
        budget: &'p Budget,
        pool: &'p Pool,
    ) -> Dispatch<'p> {
        Dispatch {
            jobs,
            render,
            done,
            how,
            budget,
            pool,
            seq: 0,
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
            match line {
                Line::Text {
                    bytes,
                    number,
                    column,
                } if bytes.len() > JOB_BYTES => {
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
                Line::TooLong { number } => job.lines.push(JobLine {
                    number,
                    column: 1,
                    span: None,
                }),
            }
            if job.text.len() >= JOB_BYTES {
                self.send(&mut job)?;
            }
        }
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
        let done = render_lines(
            &mut *self.render,
            seq,
            file,
            bytes,
            &[line],
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
