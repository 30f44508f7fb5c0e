//! How aad-token and aad-fetch talk HTTP: one blocking client, set up one way.
//!
//! The tools are short-lived pipe programs, so the client is `ureq` (blocking, no async
//! runtime). aad-common holds what every tool shares without HTTP (errors, the URL
//! rules); this crate adds the HTTP client, so aad-format and the emulator do not build
//! it.
//!
//! | module | what |
//! |---|---|
//! | [`agent`](mod@agent) | the agent: trust roots, `--ca-cert`, proxies and gzip by host, timeouts |
//! | [`exchange`](mod@exchange) | one request and its whole body (capped), status, headers, time, or a classified failure |
//! | [`retry`] | exponential backoff with full jitter, and `Retry-After` |

pub mod agent;
pub mod exchange;
pub mod retry;

pub use agent::{Compression, HttpOptions, agent};
pub use exchange::{Failure, FailureKind, Reply, Request, exchange};
pub use retry::{Backoff, parse_retry_after};
