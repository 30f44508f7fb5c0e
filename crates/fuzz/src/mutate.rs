//! Mutations: how the fuzzer makes a new input from the ones it has. Byte-level ones
//! (flip, set, delete, duplicate, splice with another input) find what the seeds' shape
//! does not suggest; structure-aware ones insert what breaks parsers: JSON tokens and
//! the target's own words, huge and extreme numbers, deep nesting, long strings, and
//! invalid UTF-8.

use crate::rng::Rng;

/// JSON tokens every target gets, besides its own words.
const JSON_TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"{}",
    b"[]",
    b"\"\"",
    b"{\"a\":1}",
    b"[1,2]",
    b",",
    b":",
    b"\"value\":[",
    b"\"@odata.nextLink\":\"",
    b"\"id\":\"",
    b"\\u0000",
    b"\\ud800",
    b"\\udc00\\ud800",
    b"\\\"",
    b"\\\\",
    b"\"\\",
    b"\r\n",
    b"\n",
    b"\t",
    b" ",
];

/// Numbers at the edges of the types parsers read them into.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"-1",
    b"1e309",
    b"-1e309",
    b"1e-400",
    b"0.0000000000000000000001",
    b"255",
    b"256",
    b"65536",
    b"4294967295",
    b"4294967296",
    b"2147483648",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999999999999999999999999999999",
    b"NaN",
    b"Infinity",
    b"1.5",
    b"00",
];

/// Bytes that are not UTF-8: a lone continuation, a cut sequence, an encoded surrogate,
/// an overlong encoding, bytes past U+10FFFF.
const NOT_UTF8: &[&[u8]] = &[
    b"\x80",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xef\xbb\xbf",
];

/// Makes a new input from `input`, with `other` (another input of the corpus) for
/// splicing and `words` (the target's own vocabulary) for insertion; never longer than
/// `max_len`.
pub fn mutate(
    rng: &mut Rng,
    input: &[u8],
    other: &[u8],
    words: &[&[u8]],
    max_len: usize,
) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        step(rng, &mut out, other, words, max_len);
    }
    out.truncate(max_len);
    out
}

fn step(rng: &mut Rng, out: &mut Vec<u8>, other: &[u8], words: &[&[u8]], max_len: usize) {
    let at = rng.below(out.len() + 1);
    match rng.below(14) {
        0 if !out.is_empty() => {
            let i = rng.below(out.len());
            out[i] ^= 1 << rng.below(8);
        }
        1 if !out.is_empty() => {
            let i = rng.below(out.len());
            out[i] = *rng.pick(b"\0\xff\"{}[],:\\\n\r.=|@ -+/?#&%$'()0129azTZ");
        }
        2 if !out.is_empty() => {
            let start = rng.below(out.len());
            let len = rng.length(out.len() - start);
            out.drain(start..start + len);
        }
        3 if !out.is_empty() => {
            let start = rng.below(out.len());
            let len = rng.length(out.len() - start);
            let copy = out[start..start + len].to_vec();
            insert(out, at, &copy, max_len);
        }
        4 => {
            // Splice: this input's start, the other's end.
            let from = rng.below(other.len() + 1);
            out.truncate(at);
            insert(out, at, &other[from..], max_len);
        }
        5 | 6 if !words.is_empty() => insert(out, at, pick_word(rng, words), max_len),
        7 => insert(out, at, pick_word(rng, JSON_TOKENS), max_len),
        8 => replace_number(rng, out, max_len),
        9 => {
            let depth = rng.length(4096);
            let (open, close): (&[u8], &[u8]) = match rng.below(4) {
                0 => (b"[", b"]"),
                1 => (b"{\"a\":", b"}"),
                2 => (b"(", b")"),
                _ => (b"a.", b""),
            };
            let mut nested = open.repeat(depth);
            if rng.one_in(2) {
                nested.extend(close.repeat(depth));
            }
            insert(out, at, &nested, max_len);
        }
        10 => {
            let byte = *rng.pick(b"a0 \\\"\xe9.,");
            insert(out, at, &vec![byte; rng.length(70_000)], max_len);
        }
        11 => insert(out, at, pick_word(rng, NOT_UTF8), max_len),
        12 if !other.is_empty() => {
            // A piece of another input, anywhere.
            let start = rng.below(other.len());
            let len = rng.length(other.len() - start);
            insert(out, at, &other[start..start + len], max_len);
        }
        _ => {
            let byte = rng.next_u64() as u8;
            insert(out, at, &[byte], max_len);
        }
    }
}

/// Replaces a run of digits with an extreme number (or inserts one when there is none).
fn replace_number(rng: &mut Rng, out: &mut Vec<u8>, max_len: usize) {
    let number = rng.pick(NUMBERS);
    let digits: Vec<usize> = (0..out.len())
        .filter(|&i| out[i].is_ascii_digit())
        .collect();
    if digits.is_empty() {
        let at = rng.below(out.len() + 1);
        insert(out, at, number, max_len);
        return;
    }
    let start = *rng.pick(&digits);
    let end = (start..out.len())
        .find(|&i| !out[i].is_ascii_digit())
        .unwrap_or(out.len());
    out.splice(start..end, number.iter().copied());
}

/// One of `words`.
fn pick_word<'a>(rng: &mut Rng, words: &[&'a [u8]]) -> &'a [u8] {
    words[rng.below(words.len())]
}

/// Inserts `bytes` at `at`, keeping the input within `max_len`.
fn insert(out: &mut Vec<u8>, at: usize, bytes: &[u8], max_len: usize) {
    let room = max_len.saturating_sub(out.len());
    let bytes = &bytes[..bytes.len().min(room)];
    let at = at.min(out.len());
    out.splice(at..at, bytes.iter().copied());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_stay_within_the_length_limit_and_differ() {
        let mut rng = Rng::new(7);
        let seed = br#"{"value":[{"id":"1"}]}"#;
        let mut changed = 0;
        for _ in 0..2000 {
            let m = mutate(&mut rng, seed, b"other", &[b"word"], 100);
            assert!(m.len() <= 100, "{} bytes", m.len());
            changed += usize::from(m != seed);
        }
        assert!(changed > 1900, "only {changed} of 2000 mutants differ");
    }

    #[test]
    fn the_same_seed_makes_the_same_mutants() {
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| mutate(&mut rng, b"abc 123", b"x", &[], 1000))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }
}
