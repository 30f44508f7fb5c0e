//! aad-emulator: a local Azure AD + Microsoft Graph reporting service with synthetic
//! data and fault injection, for the demo, the tests, the benchmarks, and for anyone who
//! wants to try a pipeline offline.
//!
//! Run it as the `aad-emulator` program ([`run`]), or in-process with [`Server::start`]
//! (a [`Config`] from [`cli::Args`]).
//!
//! A request travels `server` (accept) → `handler` (read; the rest on the blocking
//! pool: log, latency) → `routes` (which endpoint, which tenant) → `auth` or `reports`
//! → `response` (HTTP, gzip, truncation).
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line, as typed, and the man page's extra sections |
//! | `config` | the command line checked and resolved |
//! | `server` | binding (plain or TLS), start-up, the accept loop, shutdown; [`Server`] |
//! | `handler` | one request from arrival to response |
//! | `routes` | which endpoint a request reaches, and what the request log keeps of it |
//! | `response` | replies as HTTP responses: headers, gzip, truncated bodies |
//! | `reply` | replies as the services shape them: JSON, the three error formats, request ids |
//! | `endpoint` | the name of the route a request took, the key of counts and fault counters |
//! | `inspection` | `/_emulator/*`: ground truth, received requests, counts, for tests |
//! | `state` | what every connection shares: the tenants, fault counters, the request log |
//! | `tenant` | one emulated tenant (`--tenants`): directory, data and request budget, as one value |
//! | `auth` | the directory, token endpoints, assertions, managed identity, discovery, bearer checks |
//! | `reports` | the report listings: validate, apply faults, select the page, render |
//! | `odata` | query options, `$filter`, skip tokens, next links |
//! | `store` | the records of each dataset, newest first, and live-mode publication |
//! | `data` | synthetic records per the real schemas, generated from a seed |
//! | `faults` | which request of an endpoint gets which injected fault |
//! | `budget` | `--rate-limit`: each client's sliding window |
//! | `requests_log` | the last requests and per-endpoint counts |
//! | `env_files` | `--print-env`, `--env-dir`: credential files and `export` lines |
//! | `dump` | `--dump`: a report as NDJSON without serving |
//! | `fuzzing` | (feature `fuzzing`, for aad-fuzz only) doors to `$filter`, skip tokens and query strings |
//! | `tls` | the CA and server certificate made at start |
//! | `time`, `rng` | 100 ns ticks; the deterministic random source of the data |

pub mod cli;
mod config;

mod auth;
mod budget;
mod data;
mod dump;
mod endpoint;
mod env_files;
mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod handler;
mod inspection;
mod odata;
mod reply;
mod reports;
mod requests_log;
mod response;
mod rng;
mod routes;
mod server;
mod state;
mod store;
mod tenant;
mod time;
mod tls;

use aad_common::output::Destination;
use clap::{CommandFactory as _, FromArgMatches as _};

pub use config::Config;
pub use server::Server;

/// The program name, as clap, diagnostics, log lines and temporary directories use it.
pub const NAME: &str = "aad-emulator";

/// The `aad-emulator` program: serve until SIGINT/SIGTERM, or `--dump` a report.
pub fn run() -> aad_common::Result<()> {
    let Some(matches) = aad_common::cli::parse(NAME, cli::Args::command())? else {
        return Ok(());
    };
    let args = cli::Args::from_arg_matches(&matches)?;
    let config = Config::from_args(&args)?;
    match &args.dump {
        Some(report) => {
            if let Some(path) = &args.output {
                let hint = format!(
                    "aad-emulator --dump writes NDJSON; pipe it into {}",
                    aad_common::output::aad_format_command(path)
                );
                aad_common::output::check_file_name(path, &hint)?;
            }
            let destination = Destination::open(args.output.as_deref())?;
            let path = destination.path().map(std::path::Path::to_path_buf);
            let dumped = dump::dump(&config, report, &mut destination.writer());
            dumped.map_err(|err| err.for_output_file(path.as_deref()))
        }
        None => server::run(config, &mut std::io::stdout().lock()),
    }
}
