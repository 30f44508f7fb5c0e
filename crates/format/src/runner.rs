//! The run: parse the command line, resolve it, then format every input to stdout on
//! one thread or several, and end with the status bad input calls for.

use aad_common::{Error, Result};
use clap::Parser;

use crate::bad_input::Reporter;
use crate::cli::Args;
use crate::field_check::FieldCheck;
use crate::output::Output;
use crate::parallel::Ran;
use crate::sequential::Pick;
use crate::settings::{self, Env};
use crate::sorted::Sorted;
use crate::{parallel, sequential};

/// The whole program, for [`crate::run`].
pub(crate) fn run() -> Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    let settings = settings::resolve(args, Env::current())?;
    let mut reporter = Reporter::new(settings.skip_invalid, settings.quiet);
    let (inputs, max_line) = (&settings.inputs, settings.max_line);
    let pick = || Pick {
        filter: settings.filter.clone(),
        check: settings.columns.as_deref().and_then(FieldCheck::new),
    };
    // One thread for --sort, which sees every record before it writes one.
    let sequential = |output: Output, reporter: &mut Reporter| {
        output.feed(aad_common::io::stdout(), |sink| {
            if settings.sort.is_empty() {
                return sequential::run(inputs, max_line, &mut pick(), sink, reporter);
            }
            let mut sorted = Sorted::new(sink, &settings.sort);
            sequential::run(inputs, max_line, &mut pick(), &mut sorted, reporter)
        })
    };
    match Output::of(&settings)? {
        // Standalone records can be rendered on several threads; stdout is opened on the
        // thread that writes.
        Output::Records(render, frame) if settings.threads > 1 && settings.sort.is_empty() => {
            let ran = parallel::run(
                inputs,
                max_line,
                settings.threads,
                (&*render, pick()),
                frame,
                aad_common::io::stdout,
                &mut reporter,
            )?;
            if let Ran::NoThreads(frame) = ran {
                reporter.warn(
                    "could not start any thread (a resource limit); formatting on one thread",
                );
                sequential(Output::Records(render, frame), &mut reporter)?;
            }
        }
        output => sequential(output, &mut reporter)?,
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
