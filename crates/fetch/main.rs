//! aad-fetch: streams every record of an Azure AD / Microsoft Graph report as NDJSON.
//!
//! | module | what |
//! |---|---|
//! | `cli` | the command line |
//! | `settings` | flag checks, the time window, the dedup mode |
//! | `reports` | the known reports |
//! | `target` | what to fetch and each slice's first URL |
//! | `window` | `--since`/`--until`, slices, halving |
//! | `token_source` | where the token comes from, renewal |
//! | `client` | one GET and what its outcome means |
//! | `page` | page parsing, next links, one-line records |
//! | `pacing` | the request budget |
//! | `retry` | backoff and Retry-After |
//! | `fetcher` | the fetch thread |
//! | `sink` | writing records, the state after each page |
//! | `state` | the state file and its lock |
//! | `dedup` | which records were already emitted |
//! | `progress` | the progress line and `-v` log |

mod cli;
mod client;
mod dedup;
mod fetcher;
mod output_file;
mod pacing;
mod page;
mod progress;
mod reports;
mod retry;
mod settings;
mod sink;
mod state;
mod target;
mod token_source;
mod window;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc::{channel, sync_channel};

use aad_common::cloud::Endpoints;
use aad_common::http::HttpOptions;
use aad_common::time::{RateSetting, to_time_delta};
use aad_common::{Error, Result};
use clap::Parser as _;

use crate::cli::{Args, Dedup, GraphVersion};
use crate::fetcher::{Ack, Event, Fetcher};
use crate::page::{Page, PageError};
use crate::progress::{Mode, Progress};
use crate::sink::{Flow, Sink, SinkOptions};
use crate::target::{Bases, QueryOptions, Target};
use crate::token_source::{Inputs, Tokens};

fn main() -> ExitCode {
    aad_common::run_main("aad-fetch", run)
}

fn run() -> Result<()> {
    let args = Args::parse();
    if args.list {
        return reports::write_list(&mut aad_common::io::stdout());
    }
    settings::check_combinations(&args)?;
    let report = args
        .report
        .as_deref()
        .ok_or_else(|| Error::usage("name a report (see --list), a Graph path or a URL"))?;
    let slice_length = window::parse_slice(&args.slice)?;
    let endpoints = Endpoints::resolve(
        args.cloud,
        None,
        args.graph_url.as_deref(),
        args.legacy_graph_url.as_deref(),
    )?;

    let tokens = Tokens::acquire(&Inputs {
        command: args.token_command.as_deref(),
        file: args.token_file.as_deref(),
        env: std::env::var("AAD_ACCESS_TOKEN").ok(),
        stdin_is_terminal: aad_common::io::stdin_is_terminal(),
    })?;
    let tenant = args
        .tenant
        .clone()
        .filter(|t| !t.is_empty())
        .or_else(|| tokens.tenant().map(str::to_string));
    let version = match args.graph_version {
        GraphVersion::V1 => "v1.0",
        GraphVersion::Beta => "beta",
    };
    let bases = Bases {
        graph: &endpoints.graph_url,
        legacy: &endpoints.legacy_graph_url,
        tenant: tenant.as_deref(),
        graph_version: version,
    };
    let target = Target::resolve(report, &bases, args.time_field.as_deref())?;
    if target.legacy && tenant.is_none() && reports::by_name(report).is_some() {
        return Err(Error::usage(
            "legacy reports need the tenant: give --tenant or AZURE_TENANT_ID (or a token that names it)",
        ));
    }
    let windowed = args.since.is_some() || args.until.is_some() || args.state.is_some();
    if windowed && target.time_field.is_none() {
        return Err(Error::usage(format!(
            "cannot filter '{report}' by time: its time field is unknown; give --time-field"
        )));
    }
    let options = QueryOptions {
        filter: args.filter.clone(),
        select: args.select.clone(),
        top: args.top,
    };

    let progress = Arc::new(Progress::new(
        Mode {
            draw: !args.quiet && (args.progress || aad_common::io::stderr_is_terminal()),
            verbose: args.verbose,
            quiet: args.quiet,
        },
        &target.label,
    ));
    let state = args
        .state
        .as_deref()
        .map(|path| state::StateFile::open(path, &target.identity(&options)))
        .transpose()?;
    let window = settings::window(
        &args,
        state.as_ref().and_then(|s| s.doc.checkpoint.as_deref()),
        chrono::Utc::now(),
    )?;
    let dedup = settings::dedup_mode(&args);
    let seen = match (&state, dedup) {
        (_, Dedup::None) => None,
        (Some(s), mode) => Some(dedup::Seen::load(mode, &s.doc.emitted)),
        (None, mode) => Some(dedup::Seen::new(mode)),
    };
    if let (Some(start), Some(end)) = (window.start, window.end)
        && start >= end
    {
        progress.warn(
            "the window is empty (the checkpoint is newer than now minus --lag); nothing to fetch",
        );
        return Ok(());
    }

    let agent = aad_common::http::agent(
        &HttpOptions {
            ca_cert: args.ca_cert.clone(),
            user_agent: format!("aad-fetch/{}", env!("CARGO_PKG_VERSION")),
            connect_timeout: None,
            response_timeout: Some(args.timeout),
            compression: args.compression,
        },
        &[&target.url],
    )?;
    let mut sink = Sink::open(
        SinkOptions {
            output: args.output.clone(),
            pages: args.pages,
            save_pages: args
                .save_pages
                .clone()
                .map(|dir| (dir, target.label.clone())),
            max_records: args.max_records,
            seen,
            overlap: to_time_delta(args.overlap),
        },
        state,
        progress.clone(),
    )?;
    let rate = match args.rate {
        RateSetting::Off => None,
        RateSetting::Limit(rate) => Some(rate),
    };
    let (ack_tx, acks) = channel::<Ack>();
    let fetcher = Fetcher {
        client: client::Client::new(agent),
        tokens,
        pacer: pacing::Pacer::new(rate),
        target,
        options,
        retry_for: args.retry_for,
        progress: progress.clone(),
        acks,
        sequence: 0,
    };
    let slices = window::slices(window, slice_length, chrono::Utc::now());

    // A rendezvous channel: the fetcher hands over a page only when the writer takes it.
    let (tx, rx) = sync_channel::<Event>(0);
    std::thread::Builder::new()
        .name("fetch".into())
        .spawn(move || fetcher.run(slices, &tx))
        .map_err(|e| Error::internal("cannot start the fetch thread").with_source(e))?;

    let outcome = (|| -> Result<()> {
        for event in &rx {
            match event {
                Event::Page { page, family } => {
                    if sink.page(&page, family)? == Flow::Stop {
                        return Ok(());
                    }
                }
                Event::Unparsed {
                    body,
                    url,
                    family,
                    seq,
                    keep_api_version,
                } => match Page::parse(body, &url, keep_api_version.as_deref()) {
                    Ok(page) => {
                        let _ = ack_tx.send(Ack { seq, parsed: true });
                        if sink.page(&page, family)? == Flow::Stop {
                            return Ok(());
                        }
                    }
                    Err(PageError::Unparsable(_)) => {
                        let _ = ack_tx.send(Ack { seq, parsed: false });
                    }
                    Err(e) => {
                        return Err(Error::bad_data(format!(
                            "{e} (from {})",
                            aad_common::sanitize::redact_url(&url)
                        )));
                    }
                },
                Event::Refetch => sink.refetch(),
                Event::SliceDone { end } => sink.slice_done(end)?,
                Event::Failed(error) => return Err(error),
                Event::Finished => return Ok(()),
            }
        }
        Err(Error::internal("the fetch thread ended without a result"))
    })();
    // Whatever happened, what was written stays recorded; the first error wins.
    let finished = sink.finish();
    progress.finish();
    outcome.and(finished)
    // The fetch thread may still be blocked in a request; returning ends the process.
}
