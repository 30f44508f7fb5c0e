//! Jobs: lines copied out of the reader's buffer, and the workers that render them into
//! a [`Done`] the writer puts in order.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::bad_input::{Bad, Place};
use crate::page::line_records;
use crate::render::Render;

use super::budget::Pool;

/// Lines of one input, copied out of the reader's buffer.
pub(super) struct Job {
    /// Its place in input order, which the writer restores.
    pub(super) seq: u64,
    pub(super) file: Arc<str>,
    /// The bytes of all its lines, one after the other.
    pub(super) text: Vec<u8>,
    pub(super) lines: Vec<JobLine>,
}

/// A line of a job: its bytes in `Job::text`, or a line that was too long.
pub(super) struct JobLine {
    pub(super) number: u64,
    pub(super) column: usize,
    /// `text[start..end]`; `None` for a line over `--max-line`, whose bytes were dropped.
    pub(super) span: Option<(usize, usize)>,
}

/// A rendered job: the records' bytes, where each record ends, and the bad records
/// with the number of good ones before each.
pub(super) struct Done {
    pub(super) seq: u64,
    /// The job's input bytes, for the budget.
    pub(super) input: usize,
    pub(super) bytes: Vec<u8>,
    /// Where each record's bytes end in `bytes`.
    pub(super) ends: Vec<usize>,
    /// Each bad record, after how many good ones it came, so that the writer reports
    /// it in input order.
    pub(super) bad: Vec<(usize, Place, Bad)>,
}

impl Job {
    /// An empty job of `file` that fills the (reused) buffer `text`.
    pub(super) fn new(file: &Arc<str>, text: Vec<u8>) -> Job {
        Job {
            seq: 0,
            file: Arc::clone(file),
            text,
            lines: Vec::new(),
        }
    }
}

/// A worker: renders jobs until there are no more or the writer has gone.
pub(super) fn work(
    mut render: Box<dyn Render>,
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    pool: &Pool,
    how: How,
) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            return;
        };
        let rendered = render_job(&mut *render, &job, pool.take(), how);
        pool.give(job.text);
        if done.send(rendered).is_err() {
            return;
        }
    }
}

/// Renders the records of one job; without `skip` it stops at the first bad one.
fn render_job(render: &mut dyn Render, job: &Job, bytes: Vec<u8>, how: How) -> Done {
    render_lines(
        render, job.seq, &job.file, &job.text, &job.lines, bytes, how,
    )
}

/// What rendering needs to know besides the records.
#[derive(Clone, Copy)]
pub(super) struct How {
    /// `--skip-invalid`: go on after a bad record.
    pub(super) skip: bool,
    pub(super) max_line: usize,
}

/// Renders `lines` of `text` (the job `seq` of `file`) into `bytes`.
pub(super) fn render_lines(
    render: &mut dyn Render,
    seq: u64,
    file: &Arc<str>,
    text: &[u8],
    lines: &[JobLine],
    bytes: Vec<u8>,
    How { skip, max_line }: How,
) -> Done {
    let mut done = Done {
        seq,
        input: text.len(),
        bytes,
        ends: Vec::new(),
        bad: Vec::new(),
    };
    for line in lines {
        let place = Place {
            file: Arc::clone(file),
            line: line.number,
            column: line.column,
        };
        let bad = |place: Place, bad: Bad, done: &mut Done| {
            done.bad.push((done.ends.len(), place, bad));
            skip
        };
        let Some((start, end)) = line.span else {
            if bad(place, Bad::too_long(max_line), &mut done) {
                continue;
            }
            return done;
        };
        let records = match line_records(&text[start..end], line.number) {
            Ok(records) => records,
            Err(err) => {
                if bad(place, err, &mut done) {
                    continue;
                }
                return done;
            }
        };
        for (record, offset) in records.iter() {
            match render.render(record, &mut done.bytes) {
                Ok(()) => done.ends.push(done.bytes.len()),
                Err(err) => {
                    if !bad(place.further(offset), err, &mut done) {
                        return done;
                    }
                }
            }
        }
    }
    done
}
