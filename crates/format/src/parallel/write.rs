//! The writing side of the parallel run: rendered jobs put back in input order through
//! the frame, bad records reported where they were, and the output flushed whenever
//! nothing else is ready, so that the records of a slow producer pass through at once.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use aad_common::{Result, Status};

use crate::bad_input::Reporter;
use crate::render::{Frame, FrameWriter};

use super::budget::{Budget, Pool};
use super::job::Done;

/// The writer: results in input order through the frame; bad records to `reporter`.
pub(super) fn write_in_order<W: Write>(
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
    done.notes.iter().for_each(|note| reporter.warn(note));
    Ok(())
}
