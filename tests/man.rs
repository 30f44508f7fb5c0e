//! Tests: man.
