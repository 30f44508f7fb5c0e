//! Tests: emulator.
