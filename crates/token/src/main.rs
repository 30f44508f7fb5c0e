//! The `aad-token` program; everything is in the library.

fn main() -> std::process::ExitCode {
    aad_common::run_main(aad_token::NAME, aad_token::run)
}
