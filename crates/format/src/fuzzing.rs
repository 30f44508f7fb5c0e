//! What the fuzz targets of `aad-fuzz` reach inside aad-format. Built only with the
//! `fuzzing` feature, which only aad-fuzz enables, so the tool's public surface stays
//! `run` and `cli`; each function is a thin door to the code the tool itself runs.

use aad_common::{Error, Result};
use clap::Parser as _;

use crate::bad_input::Reporter;
use crate::cli::Args;
use crate::field_check::FieldCheck;
use crate::fields;
use crate::filter::Filter;
use crate::input::{Line, LineReader};
use crate::output::Output;
use crate::page::line_records;
use crate::sequential::{self, Pick};
use crate::settings::{self, Env};
use crate::sink::Sink as _;
use crate::sorted::Sorted;

/// Formats `input` as `aad-format ARGS` would with it on stdin, on one thread: what
/// was written, and how the run ended. A usage error in `args` ends it before any
/// output.
pub fn format(args: &[&str], input: &[u8]) -> (Vec<u8>, Result<()>) {
    let mut out = Vec::new();
    let ended = format_into(args, input, &mut out);
    (out, ended)
}

fn format_into(args: &[&str], input: &[u8], out: &mut Vec<u8>) -> Result<()> {
    let argv = std::iter::once(crate::NAME).chain(args.iter().copied());
    let args = Args::try_parse_from(argv).map_err(|e| Error::usage(e.to_string()))?;
    let env = Env {
        cpus: 1,
        terminal_width: None,
    };
    let settings = settings::resolve(args, env)?;
    let mut reporter = Reporter::new(settings.skip_invalid, true);
    let mut pick = Pick {
        filter: settings.filter.clone(),
        check: settings.columns.as_deref().and_then(FieldCheck::new),
    };
    let max_line = settings.max_line;
    Output::of(&settings)?.feed(out, |sink| {
        let lines = LineReader::new(input, "<fuzz>", max_line);
        // Ended even after bad data, as the tool ends its document then.
        if settings.sort.is_empty() {
            let fed = sequential::read_lines(lines, max_line, &mut pick, sink, &mut reporter);
            return fed.and(sink.finish(&mut reporter));
        }
        let mut sorted = Sorted::new(sink, &settings.sort);
        let fed = sequential::read_lines(lines, max_line, &mut pick, &mut sorted, &mut reporter);
        fed.and(sorted.finish(&mut reporter))
    })?;
    reporter.finish()
}

/// One line as the reader hands it out: its records (one, or a page's), or why it
/// has none (too long, or bad).
pub type LineOutcome = std::result::Result<Vec<String>, String>;

/// Every line of `input` read with the line limit `max_line`, each split into records.
pub fn lines(input: &[u8], max_line: usize) -> Result<Vec<LineOutcome>> {
    let mut reader = LineReader::new(input, "<fuzz>", max_line);
    let mut lines = Vec::new();
    while let Some(line) = reader.next_line(&mut || Ok(()))? {
        lines.push(match line {
            Line::TooLong { number } => Err(format!("line {number} is too long")),
            Line::Text { bytes, number, .. } => match line_records(bytes, number) {
                Ok(records) => Ok(records.iter().map(|(r, _)| r.to_string()).collect()),
                Err(bad) => Err(bad.reason),
            },
        });
    }
    Ok(lines)
}

/// A `--fields` path as its steps.
pub fn parse_path(text: &str) -> std::result::Result<Vec<String>, String> {
    fields::parse_path(text)
}

/// Steps written back as a path that [`parse_path`] reads as the same steps.
pub fn written_path(steps: &[String]) -> String {
    fields::written(steps)
}

/// A whole `--fields` list: the names of its columns.
pub fn parse_fields(list: &str) -> std::result::Result<Vec<String>, String> {
    fields::parse(list).map(|columns| columns.into_iter().map(|c| c.name).collect())
}

/// Whether the `--where` expression `expr` keeps `record`: `Err` when `expr` does not
/// compile, `Ok(Err)` when the record is bad for it.
pub fn where_keeps(
    expr: &str,
    record: &str,
) -> std::result::Result<std::result::Result<bool, String>, String> {
    let mut filter = Filter::new(expr).map_err(|e| e.message)?;
    Ok(filter.keeps(record).map_err(|bad| bad.reason))
}
