//! The aad-format binary; the program is the library's [`aad_format::run`].

fn main() -> std::process::ExitCode {
    aad_common::run_main(aad_format::NAME, aad_format::run)
}
