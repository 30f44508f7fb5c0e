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

fn main() -> ExitCode {
    aad_common::run_main("aad-token", run)
}

fn run() -> Result<()> {
    let (args, typed) = cli::Args::parse_with_origin();
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
