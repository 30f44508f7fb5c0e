//! Resolving: the command line, the environment and the clock become the settings of one
//! run.
//!
//! [`resolve`] is pure: the environment arrives as an [`Environment`], nothing is read
//! from disk or network, so the unit tests (`settings/tests.rs`) drive every rule
//! directly. What needs I/O comes after, in `run`: the token ([`Inputs`] says where it
//! is), then the [`Target`] (a legacy report needs the token's tenant when none is
//! given, [`Settings::target`]), then the state file, whose checkpoint fixes the window
//! ([`WindowRule::window`]).

use std::path::PathBuf;
use std::time::Duration;

use aad_common::cloud::Endpoints;
use aad_common::sanitize::printable;
use aad_common::time::{Rate, RateSetting, graph_time, parse_instant, to_time_delta};
use aad_common::{Error, Result, Status};
use aad_http::HttpOptions;
use chrono::{DateTime, Utc};
use clap::parser::ValueSource;
use clap::{ArgMatches, FromArgMatches as _};

use crate::cli::{Args, Dedup, GraphVersion};
use crate::progress::Mode;
use crate::questions::{LocalFilter, Questions};
use crate::record_tags::Tags;
use crate::record_writer::WriterOptions;
use crate::reports;
use crate::target::{Bases, QueryOptions, Target};
use crate::token_source::Inputs;
use crate::when::{Zone, parse_when};
use crate::window::{Slice, Slicing, earliest, parse_slice};

/// What the process environment adds to the command line (clap already read the
/// variables that stand for flags).
#[derive(Debug, Clone, Default)]
pub(crate) struct Environment {
    /// `AAD_ACCESS_TOKEN`.
    pub(crate) access_token: Option<String>,
    /// Stdin is read for a token only when it is not a terminal.
    pub(crate) stdin_is_terminal: bool,
    /// The progress line is drawn by default only on a terminal.
    pub(crate) stderr_is_terminal: bool,
}

impl Environment {
    /// This process's environment.
    pub(crate) fn of_process() -> Environment {
        Environment {
            access_token: std::env::var("AAD_ACCESS_TOKEN").ok(),
            stdin_is_terminal: aad_common::io::stdin_is_terminal(),
            stderr_is_terminal: aad_common::io::stderr_is_terminal(),
        }
    }
}

/// Everything one run needs that can be known before any I/O.
#[derive(Debug)]
pub(crate) struct Settings {
    /// REPORT: a report name, a Graph path or a full URL.
    pub(crate) report: String,
    /// `--time-field`, for a report aad-fetch does not know.
    pub(crate) time_field: Option<String>,
    /// `v1.0` or `beta`.
    pub(crate) graph_version: &'static str,
    /// The Graph and legacy Graph bases, checked.
    pub(crate) endpoints: Endpoints,
    /// `--tenant`; else the token's tenant is used.
    pub(crate) tenant: Option<String>,
    /// Where the token comes from.
    pub(crate) token: Inputs,
    /// `--filter`, `--select`, and the `$top` of each request.
    pub(crate) query: QueryOptions,
    /// `--user`, `--failed`, ...: translated once the report is known.
    pub(crate) questions: Questions,
    /// `--top`: the records wanted; none: all.
    pub(crate) limit: Option<u64>,
    /// `--slice`.
    pub(crate) slicing: Slicing,
    /// Since/until or state: how the window is found.
    pub(crate) window: WindowRule,
    /// `--state`.
    pub(crate) state: Option<PathBuf>,
    /// Which records already emitted are skipped.
    pub(crate) dedup: Dedup,
    /// The progress line and `-v`/`-q`.
    pub(crate) progress: Mode,
    /// The HTTP agent: CA file, user agent, timeout, compression.
    pub(crate) http: HttpOptions,
    /// Where and how records are written.
    pub(crate) writer: WriterOptions,
    /// `--rate`; `None` sends as fast as the service answers.
    pub(crate) rate: Option<Rate>,
    /// `--retry-for`.
    pub(crate) retry_for: Duration,
}

/// How the time window of the run is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WindowRule {
    /// Without `--state`: `--since`/`--until` as given (either may be open).
    Fixed(Slice),
    /// With `--state`: from the checkpoint minus `overlap` (on the first run `since`, or
    /// one day before the end) to now minus `lag`, fixed when the run starts.
    Incremental {
        since: Option<DateTime<Utc>>,
        lag: Duration,
        overlap: Duration,
    },
}

/// Turns the command line, the environment and the clock into settings. Help, version
/// and usage errors were handled by clap when `matches` was made.
pub(crate) fn resolve(
    matches: &ArgMatches,
    env: &Environment,
    now: DateTime<Utc>,
) -> Result<Settings> {
    let args = Args::from_arg_matches(matches)?;
    let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    check_combinations(&args, given("lag") || given("overlap"))?;
    if let Some(path) = &args.output {
        let hint = format!(
            "aad-fetch writes NDJSON; pipe it into {}",
            aad_common::output::aad_format_command(path)
        );
        aad_common::output::check_file_name(path, &hint)?;
    }
    let report = args
        .report
        .clone()
        .ok_or_else(|| Error::usage("name a report (see --list), a Graph path or a URL"))?;
    let slicing = parse_slice(&args.slice)?;
    let endpoints = Endpoints::resolve(
        args.cloud,
        None,
        args.graph_url.as_deref(),
        args.legacy_graph_url.as_deref(),
    )?;
    let window = window_rule(&args, now)?;
    Ok(Settings {
        report,
        time_field: args.time_field.clone(),
        graph_version: match args.graph_version {
            GraphVersion::V1 => "v1.0",
            GraphVersion::Beta => "beta",
        },
        endpoints,
        tenant: args.tenant.clone().filter(|t| !t.is_empty()),
        token: Inputs {
            command: args.token_command.clone(),
            command_timeout: args.token_timeout,
            file: args.token_file.clone(),
            env: env.access_token.clone(),
            stdin_is_terminal: env.stdin_is_terminal,
        },
        query: QueryOptions {
            filter: args.filter.clone(),
            select: args.select.clone(),
            page_size: args.page_size,
            limit: args.top,
        },
        questions: Questions {
            user: args.user.clone(),
            app: args.app.clone(),
            ip: args.ip.clone(),
            failed: args.failed,
            error_code: args.error_code,
            activity: args.activity.clone(),
            category: args.category.clone(),
            target_resource: args.target_resource.clone(),
            initiated_by: args.initiated_by.clone(),
        },
        limit: args.top,
        slicing,
        window,
        state: args.state.clone(),
        dedup: dedup_mode(&args),
        progress: Mode {
            draw: !args.quiet && (args.progress || env.stderr_is_terminal),
            verbose: args.verbose,
            quiet: args.quiet,
        },
        http: HttpOptions {
            ca_cert: args.ca_cert.clone(),
            user_agent: format!("{}/{}", crate::NAME, env!("CARGO_PKG_VERSION")),
            connect_timeout: None,
            response_timeout: Some(args.timeout),
            compression: args.compression,
        },
        writer: WriterOptions {
            output: args.output.clone(),
            pages: args.pages,
            save_pages: args.save_pages.clone(),
            limit: args.top,
            overlap: to_time_delta(args.overlap),
            local: LocalFilter::default(),
            tags: Tags::new(&args.add_field)?,
        },
        rate: match args.rate {
            RateSetting::Off => None,
            RateSetting::Limit(rate) => Some(rate),
        },
        retry_for: args.retry_for,
    })
}

impl Settings {
    /// What to fetch, once the token is known: `token_tenant` names the tenant of a
    /// legacy report when `--tenant` does not.
    pub(crate) fn target(&self, token_tenant: Option<&str>) -> Result<Target> {
        let tenant = self.tenant.as_deref().or(token_tenant);
        let bases = Bases {
            graph: &self.endpoints.graph_url,
            legacy: &self.endpoints.legacy_graph_url,
            tenant,
            graph_version: self.graph_version,
        };
        let mut target = Target::resolve(&self.report, &bases, self.time_field.as_deref())?;
        target.check_options(&self.query)?;
        target.ask(&self.questions)?;
        if self.writer.pages && !target.local.is_empty() {
            return Err(Error::usage(
                "--pages writes whole pages, so it cannot leave out the records that a query flag tests here (aad-fetch -v names them)",
            ));
        }
        if target.legacy && tenant.is_none() && reports::by_name(&self.report).is_some() {
            return Err(Error::usage(
                "legacy reports need the tenant: give --tenant or AZURE_TENANT_ID (or a token that names it)",
            ));
        }
        let windowed = match &self.window {
            WindowRule::Fixed(slice) => slice.start.is_some() || slice.end.is_some(),
            WindowRule::Incremental { .. } => true,
        };
        if windowed && target.time_field.is_none() {
            return Err(Error::usage(format!(
                "cannot filter '{}' by time: its time field is unknown; give --time-field",
                self.report
            )));
        }
        Ok(target)
    }
}

impl WindowRule {
    /// The window `[start, end)` of this run; `checkpoint` is the state's, when there is
    /// one.
    pub(crate) fn window(&self, checkpoint: Option<&str>, now: DateTime<Utc>) -> Result<Slice> {
        let (since, lag, overlap) = match self {
            WindowRule::Fixed(slice) => return Ok(*slice),
            WindowRule::Incremental {
                since,
                lag,
                overlap,
            } => (since, lag, overlap),
        };
        // The flags are at most 100 years, so only a checkpoint near the year 1 can
        // reach before the first time a filter names: the window then starts there.
        let back = |t: DateTime<Utc>, d: Duration| {
            t.checked_sub_signed(to_time_delta(d))
                .map_or_else(earliest, |t| t.max(earliest()))
        };
        let end = back(now, *lag);
        let start = match checkpoint {
            Some(text) => back(checkpoint_start(text, now)?, *overlap),
            None => since.unwrap_or_else(|| back(end, Duration::from_secs(86_400))),
        };
        Ok(Slice {
            start: Some(start),
            end: Some(end),
        })
    }
}

/// Refuses flag combinations that cannot work together. `lag_or_overlap` says whether
/// `--lag` or `--overlap` was given on the command line.
fn check_combinations(args: &Args, lag_or_overlap: bool) -> Result<()> {
    if args.state.is_some() && args.until.is_some() {
        return Err(Error::usage(
            "--until cannot be used with --state: each incremental run ends its window at now minus --lag",
        ));
    }
    if args.state.is_some() && args.pages {
        return Err(Error::usage(
            "--pages cannot be used with --state: deduplication works on records, not whole pages",
        ));
    }
    if args.pages && args.dedup.is_some_and(|d| d != Dedup::None) {
        return Err(Error::usage(
            "--pages writes whole pages; it cannot skip records with --dedup",
        ));
    }
    if args.pages && !args.add_field.is_empty() {
        return Err(Error::usage(
            "--add-field adds a member to each record; --pages writes whole pages",
        ));
    }
    if args.state.is_none() && lag_or_overlap {
        return Err(Error::usage(
            "--lag and --overlap apply to --state runs only",
        ));
    }
    Ok(())
}

/// The dedup mode: as given, else `changed` with `--state` and `none` without.
fn dedup_mode(args: &Args) -> Dedup {
    args.dedup.unwrap_or(if args.state.is_some() {
        Dedup::Changed
    } else {
        Dedup::None
    })
}

/// `--since` and `--until` read against `now`: the window itself without `--state`, the
/// first run's start with it.
fn window_rule(args: &Args, now: DateTime<Utc>) -> Result<WindowRule> {
    let zone = if args.local { Zone::Local } else { Zone::Utc };
    let since = args
        .since
        .as_deref()
        .map(|s| parse_when("--since", s, now, zone))
        .transpose()?;
    if args.state.is_some() {
        return Ok(WindowRule::Incremental {
            since,
            lag: args.lag,
            overlap: args.overlap,
        });
    }
    let until = args
        .until
        .as_deref()
        .map(|s| parse_when("--until", s, now, zone))
        .transpose()?;
    if let (Some(s), Some(e)) = (since, until)
        && s >= e
    {
        return Err(Error::usage(format!(
            "--since ({s}) is not before --until ({e})"
        )));
    }
    Ok(WindowRule::Fixed(Slice {
        start: since,
        end: until,
    }))
}

/// The checkpoint of a state file, refused when it is not a time or lies in the future:
/// such a state would make every run fetch nothing, quietly, forever.
fn checkpoint_start(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let shown = printable(text);
    let checkpoint = parse_instant(text).ok_or_else(|| {
        Error::new(
            Status::File,
            format!("the state's checkpoint '{shown}' is not a time"),
        )
        .with_hint("the state file is damaged; delete it to start again from --since")
    })?;
    if checkpoint > now {
        return Err(Error::new(
            Status::File,
            format!("the state's checkpoint {shown} lies in the future (now is {})", graph_time(now)),
        )
        .with_hint("was the clock wrong when it was written? Fix the clock, then delete the state file (or set its checkpoint to a past time) to fetch again"));
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests;
