//! aad-token: gets an Azure AD (Entra ID) access token and prints it for a pipeline.
//!
//! [`run`] parses the command line ([`cli`]), resolves it with the environment into
//! settings (`settings`, pure), then acts: a token from the `cache`, else one acquired
//! by `credential`, then `print`.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | the command line as typed, and the man page's extra sections |
//! | `settings` | flags + environment → the settings of one run (pure, unit-tested) |
//! | `credential_choice` | which credential, and where its secret, certificate or endpoint is |
//! | `token_endpoint` | which token URL, and `scope` or `resource` |
//! | `source` | the resolved request: client credentials or a managed identity |
//! | `credential` | turning a source into requests: secrets, certificates, workload and managed identities |
//! | `request` | sending with brief retries (through aad-http), `-v` request lines |
//! | `response` | reading a token response leniently |
//! | `cache` | `--cache`: the private per-user token cache |
//! | `print` | writing the token: raw, JSON, header line, claims; to stdout or `-o FILE` |
//! | `private_file` | files only their owner reads, replaced whole: the cache, `-o FILE` |
//! | `log` | `-v` lines and warnings on stderr |

pub mod cli;

mod cache;
mod credential;
mod credential_choice;
mod log;
mod print;
mod private_file;
mod request;
mod response;
mod settings;
mod source;
mod token_endpoint;

use aad_common::Result;
use clap::{CommandFactory as _, FromArgMatches as _};

use crate::cli::Args;
use crate::credential_choice::Typed;

/// The program's name: clap's command name, the prefix of every diagnostic, the
/// `User-Agent`.
pub const NAME: &str = "aad-token";

/// Runs aad-token: parse, resolve, then print a cached or a newly acquired token.
pub fn run() -> Result<()> {
    let Some(matches) = aad_common::cli::parse(NAME, Args::command())? else {
        return Ok(());
    };
    let args = Args::from_arg_matches(&matches)?;
    let typed = Typed::from_matches(&matches);
    let settings = settings::resolve(&args, typed, &|name| std::env::var(name).ok())?;
    let log = log::Log::new(settings.verbose, settings.quiet);
    for warning in &settings.warnings {
        log.warn(warning);
    }
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
    print::write(&token, settings.print, settings.output.as_deref())
}
