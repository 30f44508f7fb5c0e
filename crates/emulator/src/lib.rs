//! aad-emulator: a local Azure AD + Microsoft Graph reporting service with synthetic
//! data and fault injection, for the demo, the tests, the benchmarks, and for anyone who
//! wants to try a pipeline offline.
//!
//! Run it as the `aad-emulator` binary ([`run`]), or in-process with
//! [`Server::start`].
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line |
//! | [`config`] | resolved settings |
//! | `server` | listening, TLS, latency, gzip, truncation, test endpoints |
//! | `routes` | which endpoint a request reaches |
//! | `auth` | tenant, apps, credentials, token endpoints, bearer checks |
//! | `reports` | the Graph and legacy report listings |
//! | `odata` | query options, `$filter`, skip tokens, next links |
//! | `store` | the records, newest first, and live-mode publication |
//! | [`data`] | synthetic records per the real schemas |
//! | `faults` | fault counters and the request budget |

pub mod cli;
mod config;
mod data;

mod auth;
mod budget;
mod dump;
mod env_files;
mod faults;
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

use clap::Parser as _;

pub use config::Config;
pub use server::Server;


/// The program name, as clap, diagnostics, log lines and temporary directories use it.
pub const NAME: &str = "aad-emulator";

/// The `aad-emulator` program: serve until SIGINT/SIGTERM, or `--dump` a report.
pub fn run() -> aad_common::Result<()> {
    let args = cli::Args::parse();
    let config = Config::from_args(&args)?;
    let mut stdout = std::io::stdout().lock();
    match &args.dump {
        Some(report) => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
            dump::dump(&config, report, &mut out)
        }
        None => server::run(config, &mut stdout),
    }
}
