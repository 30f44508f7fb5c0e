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

mod budget;
mod job;
mod read;
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

/// How a parallel run went when it did not fail.
pub(crate) enum Ran {
    /// Every record was written.
    Done,
    /// No worker or no writer thread could be started (resource limits); nothing was
    /// read or written, and the frame comes back for a run on the calling thread.
    NoThreads(Frame),
}

/// Renders the records of `inputs` with `threads` workers and writes them to the
/// output `make_out` opens on the writer thread. When fewer threads can be started
/// than asked for, it warns and goes on with those that could.
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
    let budget = Budget::new(2 * threads);
    let read_failed = AtomicBool::new(false);
    let pool = Pool::default();
    let fallback = frame.clone();
    std::thread::scope(|scope| {
        let (job_rx, budget, pool, read_failed) = (&job_rx, &budget, &pool, &read_failed);
        let mut started = 0;
        for _ in 0..threads {
            let (render, done) = (render.fork(), done_tx.clone());
            let filter = pick.filter.clone();
            let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                work(render, filter, job_rx, &done, pool, how)
            });
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        if started > 0 && started < threads {
            reporter.warn(&format!(
                "could start only {started} of {threads} threads (a resource limit); going on with {started}"
            ));
        }
        let writer = (started > 0)
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || {
                        let _close = CloseOnDrop(budget);
                        let out = make_out();
                        write_in_order(&done_rx, budget, frame, out, reporter, pool, read_failed)
                    })
                    .ok()
            })
            .flatten();
        let Some(writer) = writer else {
            // The workers started end when their channel closes.
            drop(job_tx);
            return Ok(Ran::NoThreads(fallback));
        };
        let reading = (render.fork(), pick.filter, pick.check);
        let mut reader = Dispatch::new(job_tx, reading, done_tx, how, budget, pool);
        let read = inputs
            .iter()
            .try_for_each(|input| reader.input(input, max_line))
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
