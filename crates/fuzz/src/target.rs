//! What a fuzz target is, and the helpers the targets share: the signature of what an
//! input did, and the input read as text or as two values.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher as _};

/// One fuzz target.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Its name: `aad-fuzz --target NAME`, and its folders under `seeds/`,
    /// `regressions/` and `crashes/`.
    pub name: &'static str,
    /// What it drives, for `aad-fuzz --list`.
    pub about: &'static str,
    /// Runs one input; panics when an invariant does not hold.
    pub run: fn(&[u8]) -> u64,
    /// Words of its input language, which the mutator inserts.
    pub words: &'static [&'static [u8]],
}

/// A signature of `parts`: digits are dropped and each part cut to 48 characters, so
/// that "line 3" and "line 4" or two long messages that start alike are the same.
pub(crate) fn signature<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.chars()
            .filter(|c| !c.is_ascii_digit())
            .take(48)
            .for_each(|c| c.hash(&mut hasher));
        0xffu8.hash(&mut hasher);
    }
    hasher.finish()
}

/// The signature word of a result: "ok", or its error.
pub(crate) fn outcome<T, E: AsRef<str>>(result: &Result<T, E>) -> &str {
    match result {
        Ok(_) => "ok",
        Err(e) => e.as_ref(),
    }
}

/// The input as text: as the tools see a command-line value or a decoded request,
/// invalid UTF-8 replaced.
pub(crate) fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The input cut in two at its first line feed: two values for targets that take two.
pub(crate) fn two_parts(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, b""),
    }
}
