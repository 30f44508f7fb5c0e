//! Records rendered on several threads and written in input order.
//!
//! The calling thread reads lines and hands them out in jobs (the lines of one read of
//! the input); worker threads turn each job's records into bytes with their own
//! [`Render`]; one writer thread puts the results back in input order through the
//! [`Frame`], reports bad records in that order, and flushes whenever it has nothing
//! else to write, so that the records of a slow producer pass through at once. The
//! output is the same, byte for byte, as on one thread. A [`Budget`] of jobs and bytes
//! in flight bounds memory, also when lines are megabytes long (Graph pages).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Condvar, Mutex};

use aad_common::{Error, Result, Status};

use crate::bad_input::{Bad, Place, Reporter};
use crate::input::{Line, LineReader};
use crate::page::line_records;
use crate::render::{Frame, FrameWriter, Render};

/// A job is handed out once it holds this many bytes, or the input would block (which
/// is every read of the reader's buffer).
const JOB_BYTES: usize = 256 << 10;

/// Free buffers the pool keeps at most.
const POOL_BUFFERS: usize = 16;

/// Input bytes in flight at most (a job is always let through when none is).
const BUDGET_BYTES: usize = 2 << 20;

/// Jobs handed out but not yet written, limited in number and input bytes; the reader
/// waits for room, the writer makes it.
struct Budget {
    state: Mutex<InFlight>,
    changed: Condvar,
    max_jobs: usize,
}

#[derive(Default)]
struct InFlight {
    jobs: usize,
    bytes: usize,
    /// The writer has ended: nothing will be written any more.
    closed: bool,
}

impl Budget {
    fn new(max_jobs: usize) -> Budget {
        Budget {
            state: Mutex::new(InFlight::default()),
            changed: Condvar::new(),
            max_jobs,
        }
    }

    /// Waits until a job of `bytes` fits; false once the writer has ended.
    fn acquire(&self, bytes: usize) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        loop {
            if state.closed {
                return false;
            }
            let fits = state.jobs < self.max_jobs && state.bytes + bytes <= BUDGET_BYTES;
            if state.jobs == 0 || fits {
                state.jobs += 1;
                state.bytes += bytes;
                return true;
            }
            state = match self.changed.wait(state) {
                Ok(state) => state,
                Err(_) => return false,
            };
        }
    }

    /// A job of `bytes` was written.
    fn release(&self, bytes: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.jobs -= 1;
            state.bytes -= bytes;
        }
        self.changed.notify_all();
    }

    /// The writer has ended: a waiting reader stops.
    fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.closed = true;
        }
        self.changed.notify_all();
    }
}

/// Closes the budget when the writer ends, however it ends.
struct CloseOnDrop<'a>(&'a Budget);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Byte buffers handed back after use, so that jobs do not allocate (and fault in) fresh
/// memory each time. It keeps a few, and none that a huge line made big.
#[derive(Default)]
struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    /// An empty buffer, reused when one is free.
    fn take(&self) -> Vec<u8> {
        let reused = self.0.lock().ok().and_then(|mut free| free.pop());
        reused.unwrap_or_else(|| Vec::with_capacity(JOB_BYTES))
    }

    /// Hands `buffer` back for reuse.
    fn give(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() > 4 * JOB_BYTES {
            return;
        }
        buffer.clear();
        if let Ok(mut free) = self.0.lock()
            && free.len() < POOL_BUFFERS
        {
            free.push(buffer);
        }
    }
}

/// Lines of one input, copied out of the reader's buffer.
struct Job {
    seq: u64,
    file: Arc<str>,
    text: Vec<u8>,
    lines: Vec<JobLine>,
}

/// A line of a job: its bytes in `Job::text`, or a line that was too long.
struct JobLine {
    number: u64,
    column: usize,
    span: Option<(usize, usize)>,
}

/// A rendered job: the records' bytes, where each record ends, and the bad records
/// with the number of good ones before each.
struct Done {
    seq: u64,
    /// The job's input bytes, for the budget.
    input: usize,
    bytes: Vec<u8>,
    ends: Vec<usize>,
    bad: Vec<(usize, Place, Bad)>,
}

/// Renders the records of `inputs` with `threads` workers and writes them to the
/// output `make_out` opens on the writer thread.
pub(crate) fn run<W: Write>(
    inputs: &[String],
    max_line: usize,
    threads: usize,
    render: &dyn Render,
    frame: Frame,
    make_out: impl FnOnce() -> W + Send,
    reporter: &mut Reporter,
) -> Result<()> {
    let how = How {
        skip: reporter.skips(),
        max_line,
    };
    // The budget bounds what is in the channels.
    let (job_tx, job_rx) = channel::<Job>();
    let (done_tx, done_rx) = channel::<Done>();
    let job_rx = Mutex::new(job_rx);
    let budget = Budget::new(2 * threads);
    let read_failed = AtomicBool::new(false);
    let pool = Pool::default();
    std::thread::scope(|scope| {
        let (job_rx, budget, pool, read_failed) = (&job_rx, &budget, &pool, &read_failed);
        for _ in 0..threads {
            let (render, done) = (render.fork(), done_tx.clone());
            scope.spawn(move || work(render, job_rx, &done, pool, how));
        }
        let writer = scope.spawn(move || {
            let _close = CloseOnDrop(budget);
            let out = make_out();
            write_in_order(&done_rx, budget, frame, out, reporter, pool, read_failed)
        });
        let mut reader = Dispatch {
            jobs: job_tx,
            render: render.fork(),
            done: done_tx,
            how,
            budget,
            pool,
            seq: 0,
            writer_gone: false,
        };
        let read = inputs
            .iter()
            .try_for_each(|input| reader.input(input, max_line));
        let writer_gone = reader.writer_gone;
        if read.is_err() && !writer_gone {
            read_failed.store(true, Ordering::SeqCst);
        }
        drop(reader);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Error::internal("the writer thread failed")));
        // When the writer ended first (a failed write, a bad record), it says why.
        written.and(if writer_gone { Ok(()) } else { read })
    })
}

/// The reading side: lines into jobs.
struct Dispatch<'p> {
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

impl Dispatch<'_> {
    /// Reads one input and hands out its lines.
    fn input(&mut self, name: &str, max_line: usize) -> Result<()> {
        let file: Arc<str> = if name == "-" {
            "<stdin>".into()
        } else {
            name.into()
        };
        let mut lines = LineReader::new(aad_common::io::open_input(name)?, &file, max_line);
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

impl Job {
    fn new(file: &Arc<str>, text: Vec<u8>) -> Job {
        Job {
            seq: 0,
            file: Arc::clone(file),
            text,
            lines: Vec::new(),
        }
    }
}

/// A worker: renders jobs until there are no more or the writer has gone.
fn work(
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
struct How {
    /// `--skip-invalid`: go on after a bad record.
    skip: bool,
    max_line: usize,
}

/// Renders `lines` of `text` (the job `seq` of `file`) into `bytes`.
fn render_lines(
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

/// The writer: results in input order through the frame; bad records to `reporter`.
fn write_in_order<W: Write>(
    results: &Receiver<Done>,
    budget: &Budget,
    frame: Frame,
    out: W,
    reporter: &mut Reporter,
    pool: &Pool,
    read_failed: &AtomicBool,
) -> Result<()> {
    let mut writer = FrameWriter::new(out, frame)?;
    let mut pending = BTreeMap::new();
    let mut next = 0;
    loop {
        let done = match results.try_recv() {
            Ok(done) => done,
            Err(TryRecvError::Empty) => {
                writer.flush()?;
                match results.recv() {
                    Ok(done) => done,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        pending.insert(done.seq, done);
        while let Some(done) = pending.remove(&next) {
            if let Err(err) = write_done(&mut writer, &done, reporter) {
                // Bad data ends the document properly; a failed write cannot.
                if err.status() == Status::BadData
                    && let Err(finish) = writer.finish()
                    && finish.is_broken_pipe()
                {
                    return Err(finish);
                }
                return Err(err);
            }
            budget.release(done.input);
            pool.give(done.bytes);
            next += 1;
        }
    }
    if read_failed.load(Ordering::SeqCst) {
        // As on one thread, a read error stops the run where it is.
        return writer.flush();
    }
    writer.finish()
}

/// Writes one job's records, reporting its bad records where they were.
fn write_done<W: Write>(
    writer: &mut FrameWriter<W>,
    done: &Done,
    reporter: &mut Reporter,
) -> Result<()> {
    let mut faulty = done.bad.iter().peekable();
    let mut start = 0;
    for (i, &end) in done.ends.iter().enumerate() {
        while let Some((_, place, bad)) = faulty.next_if(|(before, ..)| *before == i) {
            reporter.bad(place, bad.clone())?;
        }
        writer.record(&done.bytes[start..end])?;
        start = end;
    }
    for (_, place, bad) in faulty {
        reporter.bad(place, bad.clone())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_limits_jobs_and_bytes_but_always_lets_one_through() {
        let budget = Budget::new(2);
        assert!(budget.acquire(BUDGET_BYTES * 3), "one job always fits");
        budget.release(BUDGET_BYTES * 3);
        assert!(budget.acquire(1));
        assert!(budget.acquire(1));
        std::thread::scope(|scope| {
            let third = scope.spawn(|| budget.acquire(1));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!third.is_finished(), "a third job waits");
            budget.release(1);
            assert!(third.join().unwrap());
        });
    }

    #[test]
    fn a_closed_budget_stops_the_reader() {
        let budget = Budget::new(1);
        assert!(budget.acquire(10));
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| budget.acquire(10));
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(CloseOnDrop(&budget));
            assert!(!waiting.join().unwrap());
        });
        assert!(!budget.acquire(1));
    }

    #[test]
    fn the_pool_keeps_buffers_but_not_huge_ones() {
        let pool = Pool::default();
        let mut buffer = pool.take();
        buffer.extend_from_slice(b"used");
        pool.give(buffer);
        let again = pool.take();
        assert!(again.is_empty() && again.capacity() >= JOB_BYTES);
        assert_eq!(pool.0.lock().unwrap().len(), 0);
        pool.give(Vec::with_capacity(8 * JOB_BYTES));
        assert_eq!(pool.0.lock().unwrap().len(), 0, "a huge buffer is not kept");
        for _ in 0..2 * POOL_BUFFERS {
            pool.give(Vec::with_capacity(16));
        }
        assert_eq!(pool.0.lock().unwrap().len(), POOL_BUFFERS);
    }
}
