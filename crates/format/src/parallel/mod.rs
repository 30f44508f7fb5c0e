//! Records rendered on several threads and written in input order.
//!
//! The calling thread reads lines and hands them out in jobs (the lines of one read of
//! the input); worker threads turn each job's records into bytes with their own
//! [`Render`]; one writer thread puts the results back in input order through the
//! [`Frame`], reports bad records in that order, and flushes whenever it has nothing
//! else to write, so that the records of a slow producer pass through at once. The
//! output is the same, byte for byte, as on one thread. A [`Budget`] of jobs and bytes
//! in flight bounds memory, also when lines are megabytes long (Graph pages).
//!
//! | module | what |
//! |---|---|
//! | `read` | the reading side: lines into jobs |
//! | `job` | jobs, and the workers that render them |
//! | `write` | the writing side: results in input order |
//! | `budget` | what bounds memory: jobs and bytes in flight, reused buffers |
//! | `room` | the address space a `ulimit -v` leaves for another thread |

mod budget;
mod job;
mod read;
mod room;
mod write;

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;

use aad_common::{Error, Result};

use crate::bad_input::Reporter;
use crate::render::{Frame, Render};
use crate::sequential::Pick;

use budget::{Budget, CloseOnDrop, Pool};
use job::{Done, How, Job, work};
use read::Dispatch;
use write::write_in_order;

/// Address space a thread takes: its stack (2 MiB by default), the signal stack it maps
/// first thing (std panics when that fails), and a malloc arena (64 MiB reserved at its
/// first allocation).
const THREAD_ROOM: usize = 72 << 20;

/// Address space kept free for what the run itself allocates (jobs and rendered bytes
/// in flight, reused buffers, the CSV read-ahead, the reading thread's own heap):
/// without it a tight `ulimit -v` lets threads start and then aborts the run at its
/// first large allocation.
const WORK_ROOM: usize = 64 << 20;

/// How many threads (the writer and the workers) an address-space limit leaves room
/// for; all that are asked for when there is no limit. Decided once, before any thread
/// starts, from what the kernel reports: see [`room`].
fn threads_with_room(asked: usize) -> usize {
    match room::address_space_left() {
        Some(left) => asked.min(left.saturating_sub(WORK_ROOM) / THREAD_ROOM),
        None => asked,
    }
}

/// Starts `body` on a thread of `scope` and waits until it runs; `None` when it cannot
/// start.
fn start<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    body: impl FnOnce() -> T + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, T>> {
    let (running, started) = std::sync::mpsc::sync_channel(1);
    let handle = std::thread::Builder::new()
        .spawn_scoped(scope, move || {
            let _ = running.send(());
            body()
        })
        .ok()?;
    started.recv().ok()?;
    Some(handle)
}

/// How a parallel run went when it did not fail.
pub(crate) enum Ran {
    /// Every record was written.
    Done,
    /// The writer thread could not be started (resource limits); nothing was read or
    /// written, and the frame comes back for a run on the calling thread.
    NoThreads(Frame),
}

/// Renders the records of `inputs` with `threads` workers and writes them to the
/// output `make_out` opens on the writer thread. When fewer workers can be started
/// than asked for, it warns and goes on with those that could (with none, the reading
/// thread renders).
pub(crate) fn run<W: Write>(
    inputs: &[String],
    max_line: usize,
    threads: usize,
    (render, pick): (&dyn Render, Pick),
    frame: Frame,
    make_out: impl FnOnce() -> W + Send,
    reporter: &mut Reporter,
) -> Result<Ran> {
    let how = How {
        skip: reporter.skips(),
        max_line,
    };
    // The budget bounds what is in the channels.
    let (job_tx, job_rx) = channel::<Job>();
    let (done_tx, done_rx) = channel::<Done>();
    let job_rx = Mutex::new(job_rx);
    // The writer and the workers that an address-space limit leaves room for.
    let room = threads_with_room(threads + 1);
    let budget = Budget::new(2 * room.saturating_sub(1).max(1));
    let read_failed = AtomicBool::new(false);
    let pool = Pool::default();
    let fallback = frame.clone();
    std::thread::scope(|scope| {
        let (job_rx, budget, pool, read_failed) = (&job_rx, &budget, &pool, &read_failed);
        // The writer first: nothing is written before it runs, so when it cannot start
        // the run can still go on one thread.
        if room == 0 {
            return Ok(Ran::NoThreads(fallback));
        }
        let writer = start(scope, move || {
            let _close = CloseOnDrop(budget);
            let out = make_out();
            write_in_order(&done_rx, budget, frame, out, reporter, pool, read_failed)
        });
        let Some(writer) = writer else {
            return Ok(Ran::NoThreads(fallback));
        };
        let mut started = 0;
        while started < room - 1 {
            let (render, done) = (render.fork(), done_tx.clone());
            let filter = pick.filter.clone();
            if start(scope, move || {
                work(render, filter, job_rx, &done, pool, how)
            })
            .is_none()
            {
                break;
            }
            started += 1;
        }
        let reading = (render.fork(), pick.filter, pick.check);
        // Without a worker the reader renders every line itself.
        let mut reader = Dispatch::new(job_tx, reading, done_tx, how, budget, pool, started == 0);
        let read = (if started < threads {
            reader.notes(vec![format!(
                "could start only {started} of {threads} threads (a resource limit); going on with {started}{}",
                if started == 0 { ", formatting on the reading thread" } else { "" }
            )])
        } else {
            Ok(())
        })
        .and_then(|()| {
            inputs
                .iter()
                .try_for_each(|input| reader.input(input, max_line))
        })
        .and_then(|()| reader.finish_check());
        let writer_gone = reader.writer_gone();
        if read.is_err() && !writer_gone {
            read_failed.store(true, Ordering::SeqCst);
        }
        drop(reader);
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(Error::internal("the writer thread failed")));
        // When the writer ended first (a failed write, a bad record), it says why.
        written
            .and(if writer_gone { Ok(()) } else { read })
            .map(|()| Ran::Done)
    })
}
