//! Tests: token.
