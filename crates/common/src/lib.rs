//! What the aad-tools programs must agree on.
//!
//! Only what two or more tools share lives here; what one tool alone needs stays in that
//! tool's package. No HTTP client or TLS: aad-format and the emulator depend on this
//! crate, and the HTTP client of aad-token and aad-fetch lives in aad-http.
//!
//! | module | what |
//! |---|---|
//! | [`status`] | the exit statuses every program documents and ends with |
//! | [`error`] | [`Error`]: status + message + hint + cause |
//! | [`process`] | [`run_main`]: error printing, exit codes, quiet broken pipes, `ulimit -f` |
//! | [`io`] | buffered stdout, inputs (`-` = stdin), secret files, size-limited reads, terminal checks |
//! | [`url`] | the host a URL names, loopback and link-local hosts, the https-or-loopback rule |
//! | [`cloud`] | national cloud presets and the service base URLs |
//! | [`token`] | the token document (raw or `az`-shaped JSON), JWT decoding, [`token::Secret`] |
//! | [`service_error`] | OAuth/Graph/legacy error bodies and their hints |
//! | [`query`] | OData query encoding |
//! | [`time`] | Graph timestamps, durations (`90m`, `7d`), request budgets (`5/10s`) |
//! | [`sanitize`] | escaping untrusted text for terminals and JSON, redacting secrets in URLs |
//! | [`mask`] | the secrets this process knows, masked in every diagnostic |

pub mod cloud;
pub mod error;
pub mod io;
pub mod mask;
pub mod process;
pub mod query;
pub mod sanitize;
pub mod service_error;
pub mod status;
pub mod time;
pub mod token;
pub mod url;

pub use error::{Error, Result};
pub use process::run_main;
pub use status::Status;
