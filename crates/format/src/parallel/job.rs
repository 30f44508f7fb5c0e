//! Jobs: lines copied out of the reader's buffer, and the workers that render them into
//! a [`Done`] the writer puts in order.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use crate::bad_input::{Bad, Place};
use crate::filter::Filter;
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
    /// Warnings to print after the records (the `--fields` check's, from the reader).
    pub(super) notes: Vec<String>,
}

impl Done {
    /// A result of no records that carries `notes`, for the writer to print in order.
    pub(super) fn notes(seq: u64, notes: Vec<String>) -> Done {
        Done {
            seq,
            input: 0,
            bytes: Vec::new(),
            ends: Vec::new(),
            bad: Vec::new(),
            notes,
        }
    }
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
    mut filter: Option<Filter>,
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
        let rendered = render_job(&mut *render, filter.as_mut(), &job, pool.take(), how);
        pool.give(job.text);
        if done.send(rendered).is_err() {
            return;
        }
    }
}

/// Renders the records of one job; without `skip` it stops at the first bad one.
fn render_job(
    render: &mut dyn Render,
    filter: Option<&mut Filter>,
    job: &Job,
    bytes: Vec<u8>,
    how: How,
) -> Done {
    let lines = Lines {
        file: &job.file,
        text: &job.text,
        lines: &job.lines,
    };
    render_lines(render, filter, job.seq, lines, bytes, how)
}

/// Lines to render: where they come from, their bytes, and each line's place in them.
pub(super) struct Lines<'a> {
    pub(super) file: &'a Arc<str>,
    pub(super) text: &'a [u8],
    pub(super) lines: &'a [JobLine],
}

/// What rendering needs to know besides the records.
#[derive(Clone, Copy)]
pub(super) struct How {
    /// `--skip-invalid`: go on after a bad record.
    pub(super) skip: bool,
    pub(super) max_line: usize,
}

/// Renders the records of `lines` (the job `seq`) that `filter` keeps into `bytes`.
pub(super) fn render_lines(
    render: &mut dyn Render,
    mut filter: Option<&mut Filter>,
    seq: u64,
    Lines { file, text, lines }: Lines<'_>,
    bytes: Vec<u8>,
    How { skip, max_line }: How,
) -> Done {
    let mut done = Done {
        seq,
        input: text.len(),
        bytes,
        ends: Vec::new(),
        bad: Vec::new(),
        notes: Vec::new(),
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
            let kept = filter.as_deref_mut().map_or(Ok(true), |f| f.keeps(record));
            let rendered = match kept {
                Ok(true) => render.render(record, &mut done.bytes),
                Ok(false) => continue,
                Err(bad) => Err(bad),
            };
            match rendered {
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
