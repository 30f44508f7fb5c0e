//! aad-token: gets an Azure AD (Entra ID) access token and prints it for a pipeline.
//!
//! Parse ([`cli`]), resolve ([`settings`]), act: the [`cache`], else a request made by
//! [`credential`] through [`request`] and read by [`response`], then [`output`].

mod cache;
mod cli;
mod credential;
mod log;
mod output;
mod request;
mod response;
mod settings;

use std::process::ExitCode;

use aad_common::Result;
use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::Args;
use crate::settings::Typed;

fn main() -> ExitCode {
    aad_common::run_main("aad-token", run)
}

fn run() -> Result<()> {
    let (args, typed) = parse();
    let settings = settings::resolve(&args, typed, &|name| std::env::var(name).ok())?;
    let log = log::Log::new(settings.verbose, settings.quiet);
    let cache = settings
        .cache
        .clone()
        .and_then(|dir| cache::Cache::open(dir, &settings.cache_key, log));
    let now = chrono::Utc::now().timestamp();
    let token = match cache.as_ref().and_then(|c| c.load(now)) {
        Some(token) => token,
        None => {
            let token = credential::acquire(&settings, &log)?;
            if let Some(cache) = &cache {
                cache.store(&token, now);
            }
            token
        }
    };
    output::write(&mut aad_common::io::stdout(), &token, settings.print)
}

/// Parses the command line (clap prints help, version and usage errors itself) and
/// notes which credential settings were typed rather than taken from the environment.
fn parse() -> (Args, Typed) {
    let matches = Args::command().get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    (args, Typed::from_matches(&matches))
}
