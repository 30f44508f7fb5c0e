//! aad-fetch: streams every record of an Azure AD / Microsoft Graph report as NDJSON.
//!
//! [`run`] parses the command line ([`cli`]), resolves it with the environment and the
//! clock into settings (`settings`, pure), then acts: reads the token, opens the state
//! and the output, and runs the page pipeline (`pipeline`): the fetch thread
//! (`fetcher`) hands pages to the writer (`record_writer`) on the main thread.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line as typed |
//! | [`manual`] | the man page's own sections: query flags, times, tokens, paging, state, delivery |
//! | `settings` | flags + environment + clock → the settings of one run (pure, unit-tested) |
//! | `reports` | the known reports: path, time field, how their time filter is written |
//! | `target` | what to fetch, each part's first URL, the query a state is bound to |
//! | `questions` | the query flags (`--user`, `--failed`, ...): `$filter` per report, or tested here |
//! | `when` | reading `--since`/`--until`: dates, times, today, yesterday, durations, `--local` |
//! | `window` | the time window, the families of the window (made lazily) |
//! | `sweep` | one family, newest part first: halving and narrowing |
//! | `token_source` | where the token comes from, renewal |
//! | `token_command` | running `--token-command`: its own process group, `--token-timeout`, limits, masked stderr |
//! | `client` | one GET (through aad-http) and what its outcome means |
//! | `page` | page parsing, next links, one-line records |
//! | `pacing` | the request budget: this process's own window, or its group's |
//! | `rate_group` | which processes share a budget (`--rate-group`), and where (`--rate-dir`) |
//! | `shared_budget` | a group's budget file: send times, a pause, its lock |
//! | `pipeline` | the fetch thread and the writer: one page in flight, unparsed handover, replies |
//! | `fetcher` | the fetch thread: families, sweeps, what to do when a chain breaks, resuming |
//! | `chain` | one chain of pages: retries, token renewal, next links that repeat |
//! | `retries` | backoff and `--retry-for` for one chain |
//! | `record_writer` | writing records, `--top`, the state after each page |
//! | `record_fields` | a record's id, time and content hash |
//! | `record_tags` | `--add-field`: members put at the front of every record |
//! | `run_report` | `--metrics` and `--summary`: what a run did, also a failed one |
//! | `frontier` | what a family wrote, so a chain fetched again writes nothing twice |
//! | `dedup` | which records were already emitted (`--dedup`) |
//! | `output_file` | the `--output` file: its lock, its owner, cutting back what a killed run wrote |
//! | `state` | the state file on disk: lock, journal, compaction |
//! | `state_doc` | what the state file holds |
//! | `identity` | the query a state file is bound to |
//! | `fuzzing` | (feature `fuzzing`, for aad-fuzz only) doors to the parsers the fuzz targets drive |
//! | `progress` | the progress line, `-v` lines, warnings |

pub mod cli;
pub mod manual;

mod chain;
mod client;
mod dedup;
mod fetcher;
mod frontier;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod identity;
mod output_file;
mod pacing;
mod page;
mod pipeline;
mod progress;
mod questions;
mod rate_group;
mod record_fields;
mod record_tags;
mod record_writer;
mod reports;
mod retries;
mod run_report;
mod settings;
mod shared_budget;
mod state;
mod state_doc;
mod sweep;
mod target;
mod token_command;
mod token_source;
mod when;
mod window;

use std::sync::Arc;

use aad_common::{Error, Result};
use clap::CommandFactory as _;

use crate::chain::Chains;
use crate::cli::Args;
use crate::fetcher::{Fetcher, Plan, Resume, ResumeFrom};
use crate::progress::Progress;
use crate::record_writer::{RecordContext, RecordWriter};
use crate::run_report::RunReport;
use crate::settings::Environment;
use crate::state::StateFile;
use crate::state_doc::ChainState;
use crate::token_source::Tokens;

/// The program's name: clap's command name, the prefix of every diagnostic, the
/// `User-Agent`.
pub const NAME: &str = "aad-fetch";

/// Runs aad-fetch: parse, resolve, then fetch and write.
pub fn run() -> Result<()> {
    let Some(matches) = aad_common::cli::parse(NAME, Args::command())? else {
        return Ok(());
    };
    if matches.get_flag("list") {
        return reports::write_list(&mut aad_common::io::stdout());
    }
    let mut report = RunReport::new(
        matches.get_one::<std::path::PathBuf>("metrics").cloned(),
        matches.get_flag("summary"),
        matches.get_flag("quiet"),
        matches
            .get_one::<String>("report")
            .cloned()
            .unwrap_or_default(),
    );
    // Known before anything can fail; the token's tenant replaces it once known.
    report.tenant = matches
        .get_many::<(String, String)>("add_field")
        .into_iter()
        .flatten()
        .find(|(name, _)| name == "tenantId")
        .map(|(_, value)| value.clone())
        .or_else(|| matches.get_one::<String>("tenant").cloned())
        .filter(|t| !t.is_empty());
    let outcome = fetch(&matches, &mut report);
    report.finish(&outcome);
    outcome
}

/// One run past the command line; `report` learns what the run found out on the way.
fn fetch(matches: &clap::ArgMatches, report: &mut RunReport) -> Result<()> {
    let now = chrono::Utc::now();
    let settings = settings::resolve(matches, &Environment::of_process(), now)?;

    let tokens = Tokens::acquire(&settings.token)?;
    if let Some(tid) = tokens.tenant() {
        report.tenant = Some(tid.to_string());
    }
    let tenant = settings
        .tenant
        .clone()
        .or_else(|| tokens.tenant().map(str::to_string));
    let target = settings.target(tokens.tenant())?;
    report.report.clone_from(&target.label);
    let progress = Arc::new(Progress::new(settings.progress, &target.label));
    report.progress = Some(progress.clone());
    let state = match &settings.state {
        Some(path) => {
            let query = target.identity(&settings.query, tenant.as_deref());
            match StateFile::open(path, &query, settings.if_locked, &progress)? {
                Some(state) => Some(state),
                None => {
                    report.skipped = true;
                    return Ok(());
                }
            }
        }
        None => None,
    };
    let doc = state.as_ref().map(|s| &s.doc);
    let checkpoint = doc.and_then(|d| d.checkpoint.as_deref());
    report.checkpoint = checkpoint.map(str::to_string);
    let window = settings.window.window(checkpoint, now)?;
    let resume = doc
        .and_then(|d| d.chain.as_ref())
        .map(|c| resume_from(c, &target));
    if window.is_empty() && resume.is_none() {
        progress.warn(
            "the window is empty (the checkpoint is newer than now minus --lag); nothing to fetch",
        );
        return Ok(());
    }
    let learned_span = doc
        .and_then(|d| d.span.as_deref())
        .and_then(|s| aad_common::time::parse_duration(s).ok())
        .map(aad_common::time::to_time_delta);
    let undated = checkpoint
        .and_then(aad_common::time::parse_instant)
        .unwrap_or(now);
    let seen = dedup::Seen::for_run(settings.dedup, doc.map(|d| &d.emitted[..]), undated);

    for note in target.local.notes() {
        progress.log(note);
    }
    let agent = aad_http::agent(&settings.http, &[&target.url])?;
    let shared = match settings.rate {
        Some(_) => {
            let token = tokens.current().expose();
            settings.sharing.open(token, &target.url, &progress)?
        }
        None => None,
    };
    let mut writer_options = settings.writer;
    writer_options.local = target.local.clone();
    let mut writer = RecordWriter::open(
        writer_options,
        RecordContext {
            time_field: target.time_field.clone(),
            now,
        },
        &target.label,
        seen,
        state,
        progress.clone(),
    )?;
    let keep_api_version = target.legacy.then(|| {
        target
            .fixed
            .iter()
            .find(|(k, _)| k == "api-version")
            .map_or_else(|| "beta".to_string(), |(_, v)| v.clone())
    });
    let fetcher = Fetcher {
        chains: Chains {
            client: client::Client::new(agent),
            tokens,
            pacer: pacing::Pacer::new(settings.rate, shared, progress.clone()),
            retry_for: settings.retry_for,
            progress: progress.clone(),
            keep_api_version,
            limit: settings.limit,
            page_size: target.request_top(&settings.query),
        },
        target,
        options: settings.query,
        plan: Plan {
            window,
            slicing: settings.slicing,
            learned_span,
            resume,
            now,
        },
        progress: progress.clone(),
    };
    let filter = fetcher.options.filter.clone();
    let outcome = pipeline::run(move |handover| fetcher.run(handover), &mut writer);
    // Whatever happened, what was written stays recorded; the first error wins.
    let finished = writer.finish();
    report.checkpoint = writer.checkpoint();
    progress.finish();
    outcome
        .and(finished)
        .map_err(|err| explain_dotted_paths(err, filter.as_deref()))
}

/// A refused `--filter` that names a property with dots (`status.errorCode`, as
/// aad-format's `--fields` writes paths) gets a hint: OData paths use `/`.
fn explain_dotted_paths(err: Error, filter: Option<&str>) -> Error {
    if err.status() != aad_common::Status::Api {
        return err;
    }
    match filter.and_then(questions::dotted_path) {
        Some(path) => err.with_hint(format!(
            "OData paths use '/', not '.': write {} in --filter (aad-format --fields is the one that uses dots)",
            path.replace('.', "/")
        )),
        None => err,
    }
}

/// Where a family a killed run left goes on: its saved link (moved onto this run's
/// host), the part after a complete one, or just after the frontier.
fn resume_from(chain: &ChainState, target: &target::Target) -> Resume {
    let from = match (&chain.next, chain.done) {
        (_, true) => ResumeFrom::NextPart,
        (Some(link), false) => target
            .rebase(link)
            .map_or(ResumeFrom::Frontier, ResumeFrom::Link),
        (None, false) => ResumeFrom::Frontier,
    };
    Resume {
        family: chain.family.into(),
        part: chain.part.into(),
        span: chain
            .span
            .as_deref()
            .and_then(|s| aad_common::time::parse_duration(s).ok())
            .map(aad_common::time::to_time_delta),
        from,
    }
}
