//! Tests: pipeline.
