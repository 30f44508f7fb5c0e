//! The run: parse the command line, resolve it, then format every input to stdout on
//! one thread or several, and end with the status bad input calls for.

use std::path::Path;

use aad_common::Result;
use aad_common::output::Destination;
use clap::{CommandFactory as _, FromArgMatches as _};

use crate::bad_input::Reporter;
use crate::cli::Args;
use crate::output::Output;
use crate::settings::{self, Env};
use crate::{parallel, sequential};

/// The whole program, for [`crate::run`].
pub(crate) fn run() -> Result<()> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    let settings = settings::resolve(args, Env::current())?;
    let mut reporter = Reporter::new(settings.skip_invalid, settings.quiet);
    let (inputs, max_line) = (&settings.inputs, settings.max_line);
    let output = Output::of(&settings)?;
    let destination = Destination::open(settings.output.as_deref())?;
    let path = destination.path().map(Path::to_path_buf);
    let formatted = match output {
        // Standalone records can be rendered on several threads; stdout is opened on the
        // thread that writes.
        Output::Records(render, frame) if settings.threads > 1 => parallel::run(
            inputs,
            max_line,
            settings.threads,
            &*render,
            frame,
            move || destination.writer(),
            &mut reporter,
        ),
        output => output.feed(destination.writer(), |sink| {
            sequential::run(inputs, max_line, sink, &mut reporter)
        }),
    };
    // The writers word their failures for stdout; with -o they were the file's.
    formatted.map_err(|err| err.for_output_file(path.as_deref()))?;
    reporter.finish()
}

/// The parsed command line; `None` when help, the version or completions were printed.
fn parse_args() -> Result<Option<Args>> {
    let Some(matches) = aad_common::cli::parse(crate::NAME, Args::command())? else {
        return Ok(None);
    };
    Ok(Some(Args::from_arg_matches(&matches)?))
}
