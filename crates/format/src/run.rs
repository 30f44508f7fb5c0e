//! The run: parse the command line, pick how the format is produced, feed it the
//! records of each input, end the document.

use std::sync::Arc;

use aad_common::{Error, Result, Status};
use clap::Parser;

use crate::bad_input::{Bad, Place, Reporter};
use crate::cli::Args;
use crate::csv_out::CsvSink;
use crate::input::{Line, LineReader};
use crate::output::{Output, Sink};
use crate::page::line_records;
use crate::parallel;
use crate::render::Framed;
use crate::settings::Settings;
use crate::table_out::TableSink;

/// aad-format's `run`, for `aad_common::run_main`.
pub(crate) fn run() -> Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    let settings = Settings::resolve(args)?;
    let mut reporter = Reporter::new(settings.skip_invalid, settings.quiet);
    let out = aad_common::io::stdout;
    match Output::of(&settings)? {
        Output::Records(render, frame) if settings.threads > 1 => parallel::run(
            &settings.inputs,
            settings.max_line,
            settings.threads,
            &*render,
            frame,
            out,
            &mut reporter,
        )?,
        Output::Records(render, frame) => {
            let mut sink = Framed::new(render, frame, out())?;
            sequential(&settings, &mut sink, &mut reporter)?;
        }
        Output::KeyedCsv { delimiter } => {
            let (strict, header, excel) = (settings.strict_fields, settings.header, settings.excel);
            let mut sink = CsvSink::new(out(), delimiter, strict, header, excel);
            sequential(&settings, &mut sink, &mut reporter)?;
        }
        Output::Table(columns) => {
            let mut sink = TableSink::new(out(), columns, settings.header, settings.max_width);
            sequential(&settings, &mut sink, &mut reporter)?;
        }
    }
    reporter.finish()
}

/// The parsed command line; `None` when `--help` or `--version` was answered.
fn parse_args() -> Result<Option<Args>> {
    match Args::try_parse() {
        Ok(args) => Ok(Some(args)),
        Err(err) if !err.use_stderr() => {
            // --help and --version: clap prints them to stdout.
            err.print().map_err(Error::stdout)?;
            Ok(None)
        }
        Err(err) => {
            let hint = format!("{} --help shows the options and examples", crate::NAME);
            Err(Error::from(err).with_hint(hint))
        }
    }
}

/// Feeds every record to `sink` on this thread, then ends the document.
fn sequential(settings: &Settings, sink: &mut dyn Sink, reporter: &mut Reporter) -> Result<()> {
    let fed = settings
        .inputs
        .iter()
        .try_for_each(|input| read_input(input, settings.max_line, sink, reporter));
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
    sink: &mut dyn Sink,
    reporter: &mut Reporter,
) -> Result<()> {
    let file: Arc<str> = if name == "-" {
        "<stdin>".into()
    } else {
        name.into()
    };
    let mut lines = LineReader::new(aad_common::io::open_input(name)?, &file, max_line);
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
        match line_records(bytes, number) {
            Err(bad) => reporter.bad(&place, bad)?,
            Ok(records) => {
                for (record, offset) in records.iter() {
                    sink.record(record, &place.further(offset), reporter)?;
                }
            }
        }
    }
}
