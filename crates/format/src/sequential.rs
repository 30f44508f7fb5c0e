//! The run on one thread: every record of every input goes to one [`Sink`], in order.
//! csv and tsv without `--fields` and table always run here; the other formats do with
//! `--threads 1`.

use std::io::Read;
use std::sync::Arc;

use aad_common::{Result, Status};

use crate::bad_input::{Bad, Place, Reporter};
use crate::field_check::FieldCheck;
use crate::filter::Filter;
use crate::input::{Line, LineReader};
use crate::page::line_records;
use crate::sink::Sink;

/// What happens to the records on their way to the sink: `--where` picks them, and the
/// first ones are checked for `--fields` paths that find nothing.
#[derive(Default)]
pub(crate) struct Pick {
    pub(crate) filter: Option<Filter>,
    pub(crate) check: Option<FieldCheck>,
}

/// Feeds every record of `inputs` that `pick` keeps to `sink`, then ends the document.
pub(crate) fn run(
    inputs: &[String],
    max_line: usize,
    pick: &mut Pick,
    sink: &mut dyn Sink,
    reporter: &mut Reporter,
) -> Result<()> {
    let fed = inputs
        .iter()
        .try_for_each(|input| read_input(input, max_line, pick, sink, reporter));
    if let Some(check) = &mut pick.check {
        check.finish().iter().for_each(|w| reporter.warn(w));
    }
    if let Err(err) = fed {
        if err.status() != Status::BadData {
            return Err(err);
        }
        // Bad data stops the run, but what came before it is written and the document
        // is ended (a closed array, a closed root element), so it stays well-formed.
        return match sink.finish(reporter) {
            Err(finish) if finish.is_broken_pipe() => Err(finish),
            _ => Err(err),
        };
    }
    sink.finish(reporter)
}

/// Feeds the records of one input to `sink`.
fn read_input(
    name: &str,
    max_line: usize,
    pick: &mut Pick,
    sink: &mut dyn Sink,
    reporter: &mut Reporter,
) -> Result<()> {
    read_lines(
        LineReader::open(name, max_line)?,
        max_line,
        pick,
        sink,
        reporter,
    )
}

/// Feeds the records of the lines `lines` reads to `sink`.
pub(crate) fn read_lines<R: Read>(
    mut lines: LineReader<R>,
    max_line: usize,
    pick: &mut Pick,
    sink: &mut dyn Sink,
    reporter: &mut Reporter,
) -> Result<()> {
    let file = Arc::clone(lines.name());
    loop {
        // Output is flushed whenever the input may block, so records flow on at once.
        let line = lines.next_line(&mut || sink.flush())?;
        let Some(line) = line else {
            return Ok(());
        };
        let (number, column) = match line {
            Line::Text { number, column, .. } => (number, column),
            Line::TooLong { number } => (number, 1),
        };
        let place = Place {
            file: Arc::clone(&file),
            line: number,
            column,
        };
        let Line::Text { bytes, .. } = line else {
            reporter.bad(&place, Bad::too_long(max_line))?;
            continue;
        };
        if let Some(check) = &mut pick.check {
            check
                .line(bytes, number)
                .iter()
                .for_each(|w| reporter.warn(w));
        }
        match line_records(bytes, number) {
            Err(bad) => reporter.bad(&place, bad)?,
            Ok(records) => {
                for (record, offset) in records.iter() {
                    let place = place.further(offset);
                    match pick.filter.as_mut().map(|f| f.keeps(record)) {
                        Some(Ok(false)) => {}
                        Some(Err(bad)) => reporter.bad(&place, bad)?,
                        Some(Ok(true)) | None => sink.record(record, &place, reporter)?,
                    }
                }
            }
        }
    }
}
