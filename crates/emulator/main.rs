//! aad-emulator: the local Azure AD + Microsoft Graph reporting service.

use std::process::ExitCode;

fn main() -> ExitCode {
    aad_common::run_main("aad-emulator", aad_emulator::main)
}
