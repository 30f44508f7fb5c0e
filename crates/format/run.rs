//! The run: parse the command line, open the output format, feed it the records of each
//! input, end the document.

use std::rc::Rc;

use aad_common::{Error, Result, Status};
use clap::Parser;

use crate::cli::Args;
use crate::fault::{Bad, Faults, Place};
use crate::input::{Line, LineReader};
use crate::output::{Sink, open};
use crate::page::{Records, classify};
use crate::raw::offset_in;
use crate::settings::Settings;

/// aad-format's `run`, for `aad_common::run_main`.
pub(crate) fn run() -> Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    let settings = Settings::resolve(args)?;
    let mut faults = Faults::new(settings.skip_invalid, settings.quiet);
    let mut sink = open(&settings, aad_common::io::stdout())?;
    let fed = settings
        .inputs
        .iter()
        .try_for_each(|input| read_input(input, settings.max_line, &mut *sink, &mut faults));
    if let Err(err) = fed {
        if err.status() != Status::BadData {
            return Err(err);
        }
        // Bad data stops the run, but what came before it is written and the document
        // is ended (a closed array, a closed root element), so it stays well-formed.
        return match sink.finish(&mut faults) {
            Err(finish) if finish.is_broken_pipe() => Err(finish),
            _ => Err(err),
        };
    }
    sink.finish(&mut faults)?;
    faults.finish()
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
            Err(Error::from(err).with_hint("aad-format --help shows the options and examples"))
        }
    }
}

/// Feeds the records of one input to `sink`.
fn read_input(name: &str, max_line: usize, sink: &mut dyn Sink, faults: &mut Faults) -> Result<()> {
    let file: Rc<str> = if name == "-" {
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
        match line {
            Line::Text {
                bytes,
                number,
                column,
            } => {
                let place = Place {
                    file: Rc::clone(&file),
                    line: number,
                    column,
                };
                read_line(bytes, &place, sink, faults)?;
            }
            Line::TooLong { number } => {
                let place = Place {
                    file: Rc::clone(&file),
                    line: number,
                    column: 1,
                };
                let limit = max_line.to_string();
                faults.bad(
                    &place,
                    Bad::new(
                        0,
                        format!("line longer than {limit} bytes (--max-line raises the limit)"),
                    ),
                )?;
            }
        }
    }
}

/// Feeds the record or the page records of one line to `sink`.
fn read_line(bytes: &[u8], place: &Place, sink: &mut dyn Sink, faults: &mut Faults) -> Result<()> {
    if bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) {
        return Ok(());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => return faults.bad(place, not_utf8(bytes, &err)),
    };
    match classify(text) {
        Err(bad) => faults.bad(place, bad),
        Ok(Records::One) => sink.record(text, place, faults),
        Ok(Records::Page(records)) => {
            for record in records {
                let place = Place {
                    column: place.column + offset_in(text, record.get()),
                    ..place.clone()
                };
                sink.record(record.get(), &place, faults)?;
            }
            Ok(())
        }
    }
}

/// Why a line is not UTF-8; a UTF-16 byte-order mark gets its own advice.
fn not_utf8(bytes: &[u8], err: &std::str::Utf8Error) -> Bad {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Bad::new(
            0,
            "the input is UTF-16 (it starts with a UTF-16 byte-order mark); \
             convert it with: iconv -f UTF-16 -t UTF-8",
        );
    }
    Bad::new(
        err.valid_up_to(),
        "invalid UTF-8 (the input must be UTF-8 JSON)",
    )
}
