//! aad-token: not built yet (see its issue).

use std::process::ExitCode;

fn main() -> ExitCode {
    aad_common::run_main("aad-token", || {
        Err(aad_common::Error::internal("not implemented yet"))
    })
}
