//! The run: parse the command line, resolve it, then format every input to stdout (or
//! `-o FILE`) on one thread or several, and end with the status bad input calls for.

use aad_common::Result;
use aad_common::output::Destination;
use clap::{CommandFactory as _, FromArgMatches as _};

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
    let output = Output::of(&settings)?;
    let destination = Destination::open(settings.output.as_deref())?;
    // One thread for --sort, which sees every record before it writes one.
    let sequential = |output: Output, reporter: &mut Reporter| {
        output.feed(destination.writer(), |sink| {
            if settings.sort.is_empty() {
                return sequential::run(inputs, max_line, &mut pick(), sink, reporter);
            }
            let mut sorted = Sorted::new(sink, &settings.sort);
            sequential::run(inputs, max_line, &mut pick(), &mut sorted, reporter)
        })
    };
    let formatted = match output {
        // Standalone records can be rendered on several threads; stdout is opened on the
        // thread that writes.
        Output::Records(render, frame) if settings.threads > 1 && settings.sort.is_empty() => {
            let ran = parallel::run(
                inputs,
                max_line,
                settings.threads,
                (&*render, pick()),
                frame,
                || destination.writer(),
                &mut reporter,
            );
            match ran {
                Ok(Ran::NoThreads(frame)) => {
                    reporter.warn(
                        "could not start any thread (a resource limit); formatting on one thread",
                    );
                    sequential(Output::Records(render, frame), &mut reporter)
                }
                Ok(_) => Ok(()),
                Err(err) => Err(err),
            }
        }
        output => sequential(output, &mut reporter),
    };
    // The writers word their failures for stdout; with -o they were the file's.
    formatted.map_err(|err| err.for_output_file(destination.path()))?;
    reporter.finish()
}

/// The parsed command line; `None` when help, the version or completions were printed.
fn parse_args() -> Result<Option<Args>> {
    let Some(matches) = aad_common::cli::parse(crate::NAME, Args::command())? else {
        return Ok(None);
    };
    Ok(Some(Args::from_arg_matches(&matches)?))
}
