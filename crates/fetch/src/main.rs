//! The `aad-fetch` program; everything is in the library.

fn main() -> std::process::ExitCode {
    aad_common::run_main(aad_fetch::NAME, aad_fetch::run)
}
