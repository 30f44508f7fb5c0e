//! Workload identity federation: the federated token file is the client assertion.
//! It is read for every request, since the platform rotates it (AKS every hour).

use std::path::Path;

use aad_common::{Error, Result, Status};

/// The current federated token.
pub(crate) fn read(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::file("read federated token file", path, e))?;
    let token = text.trim();
    if token.is_empty() {
        return Err(Error::new(
            Status::File,
            format!("federated token file '{}' is empty", path.display()),
        ));
    }
    Ok(token.to_string())
}
