//! Workload identity federation: the federated token file is the client assertion.
//! It is read for every request, since the platform rotates it (AKS every hour), at
//! most [`SECRET_LIMIT`] bytes of it.

use std::path::Path;

use aad_common::io::{SECRET_LIMIT, read_file_limited};
use aad_common::token::Secret;
use aad_common::{Error, Result, Status};

/// The current federated token (masked in diagnostics from now on).
pub(crate) fn read(path: &Path) -> Result<Secret> {
    let bytes = read_file_limited(path, SECRET_LIMIT, "federated token file")?;
    let unusable = |why: &str| {
        Error::new(
            Status::File,
            format!("federated token file '{}' {why}", path.display()),
        )
    };
    let text = String::from_utf8(bytes).map_err(|_| unusable("is not UTF-8 text"))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(unusable("is empty"));
    }
    Ok(Secret::new(token))
}
