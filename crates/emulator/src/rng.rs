//! A small deterministic random source (SplitMix64).
//!
//! The synthetic data must be the same for a seed on every machine and every version of
//! every dependency, so the generator is defined here rather than borrowed from a crate
//! whose stream may change. Each record gets its own stream (`Rng::for_item`), so
//! records can be generated independently and lazily.

/// SplitMix64: fast, statistically fine for synthetic data, fully specified.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A stream for item `index` of stream family `salt` under `seed`.
    pub(crate) fn for_item(seed: u64, salt: u64, index: u64) -> Rng {
        let mut rng = Rng(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.0 ^= index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: unbiased enough for synthetic data, no division.
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// A float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A random GUID in the usual 8-4-4-4-12 form (version 4 bits set).
    pub(crate) fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_item(1, 2, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::for_item(1, 2, 3).next_u64(),
            Rng::for_item(1, 2, 4).next_u64()
        );
        assert_ne!(
            Rng::for_item(1, 2, 3).next_u64(),
            Rng::for_item(2, 2, 3).next_u64()
        );
    }

    #[test]
    fn guid_shape() {
        let g = Rng::for_item(7, 7, 7).guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert!(g.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    }

    #[test]
    fn below_stays_in_range() {
        let mut rng = Rng::for_item(1, 1, 1);
        assert!((0..1000).all(|_| rng.below(7) < 7));
    }
}
