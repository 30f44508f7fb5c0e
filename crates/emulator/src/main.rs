//! The `aad-emulator` program: everything but the exit status is in the library.

fn main() -> std::process::ExitCode {
    aad_common::run_main(aad_emulator::NAME, aad_emulator::run)
}
