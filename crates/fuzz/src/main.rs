//! The `aad-fuzz` program; everything is in the library.

fn main() -> std::process::ExitCode {
    aad_fuzz::cli::run()
}
