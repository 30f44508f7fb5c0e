//! aad-fetch: streams every record of an Azure AD / Microsoft Graph report as NDJSON.
//!
//! [`run`] parses the command line ([`cli`]), resolves it with the environment and the
//! clock into settings (`settings`, pure), then acts: reads the token, opens the state
//! and the output, and runs the page pipeline (`pipeline`): the fetch thread
//! (`fetcher`) hands pages to the writer (`record_writer`) on the main thread.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line as typed, and the man page's extra sections |
//! | `settings` | flags + environment + clock → the settings of one run (pure, unit-tested) |
//! | `reports` | the known reports |
//! | `target` | what to fetch and each slice's first URL |
//! | `window` | `--since`/`--until`, slices, halving |
//! | `token_source` | where the token comes from, renewal |
//! | `token_command` | running `--token-command`: its own process group, `--token-timeout`, limits, masked stderr |
//! | `client` | one GET (through aad-http) and what its outcome means |
//! | `page` | page parsing, next links, one-line records |
//! | `pacing` | the request budget |
//! | `pipeline` | the fetch thread and the writer: one page in flight, unparsed handover, acknowledgements |
//! | `fetcher` | the fetch thread: slices, chains of pages, retries, token renewal, halving |
//! | `record_writer` | writing records, the state after each page |
//! | `output_file` | the `--output` file: its lock, its owner, cutting back what a killed run wrote |
//! | `state` | the state file and its lock |
//! | `dedup` | which records were already emitted |
//! | `progress` | the progress line, `-v` lines, warnings |

pub mod cli;

mod client;
mod dedup;
mod fetcher;
mod output_file;
mod pacing;
mod page;
mod pipeline;
mod progress;
mod record_writer;
mod reports;
mod settings;
mod state;
mod target;
mod token_command;
mod token_source;
mod window;

use std::sync::Arc;

use aad_common::Result;
use clap::CommandFactory as _;

use crate::cli::Args;
use crate::fetcher::Fetcher;
use crate::progress::Progress;
use crate::record_writer::RecordWriter;
use crate::settings::Environment;
use crate::state::StateFile;
use crate::token_source::Tokens;

/// The program's name: clap's command name, the prefix of every diagnostic, the
/// `User-Agent`.
pub const NAME: &str = "aad-fetch";

/// Runs aad-fetch: parse, resolve, then fetch and write. Clap prints help, version and
/// usage errors itself and exits.
pub fn run() -> Result<()> {
    let matches = Args::command().get_matches();
    if matches.get_flag("list") {
        return reports::write_list(&mut aad_common::io::stdout());
    }
    let now = chrono::Utc::now();
    let settings = settings::resolve(&matches, &Environment::of_process(), now)?;

    let tokens = Tokens::acquire(&settings.token)?;
    let target = settings.target(tokens.tenant())?;
    let progress = Arc::new(Progress::new(settings.progress, &target.label));
    let state = match &settings.state {
        Some(path) => Some(StateFile::open(path, &target.identity(&settings.query))?),
        None => None,
    };
    let checkpoint = state.as_ref().and_then(|s| s.doc.checkpoint.as_deref());
    let window = settings.window.window(checkpoint, now)?;
    let seen = dedup::Seen::for_run(settings.dedup, state.as_ref().map(|s| &s.doc.emitted[..]));
    if window.is_empty() {
        progress.warn(
            "the window is empty (the checkpoint is newer than now minus --lag); nothing to fetch",
        );
        return Ok(());
    }

    let agent = aad_http::agent(&settings.http, &[&target.url])?;
    let mut writer = RecordWriter::open(
        settings.writer,
        &target.label,
        seen,
        state,
        progress.clone(),
    )?;
    let slices = window::slices(window, settings.slice_length, now);
    let fetcher = Fetcher {
        client: client::Client::new(agent),
        tokens,
        pacer: pacing::Pacer::new(settings.rate),
        target,
        options: settings.query,
        retry_for: settings.retry_for,
        progress: progress.clone(),
    };
    let outcome = pipeline::run(move |handover| fetcher.run(slices, handover), &mut writer);
    // Whatever happened, what was written stays recorded; the first error wins.
    let finished = writer.finish();
    progress.finish();
    outcome.and(finished)
}
