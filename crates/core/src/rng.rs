//! The one source of randomness in a simulation: a named, seeded PRNG.
//!
//! PCG (`Pcg64Mcg`) is small, fast and has a documented output sequence, so the same seed
//! gives the same draws natively and in WebAssembly. All helpers use integer arithmetic only.

use crate::time::Micros;
use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

/// A probability in parts per million (0 = never, 1_000_000 = always).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Ppm(pub u32);

impl Ppm {
    pub const NEVER: Ppm = Ppm(0);
    pub const ALWAYS: Ppm = Ppm(1_000_000);

    /// A probability from a percentage, clamped to 0..=100.
    pub fn percent(p: u32) -> Ppm {
        Ppm(p.min(100) * 10_000)
    }

    pub fn is_valid(self) -> bool {
        self.0 <= 1_000_000
    }
}

#[derive(Clone, Debug)]
pub struct SimRng {
    inner: Pcg64Mcg,
    draws: u64,
}

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng {
            inner: Pcg64Mcg::seed_from_u64(seed),
            draws: 0,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.draws += 1;
        self.inner.next_u64()
    }

    /// How many values have been drawn; part of the determinism check.
    pub fn draws(&self) -> u64 {
        self.draws
    }

    /// A uniform value in `0..n` (0 when `n` is 0), without modulo bias worth speaking of:
    /// the 128-bit multiply maps the full 64-bit draw onto the range.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A uniform value in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with the given probability. Draws nothing when the outcome is certain, so that
    /// switching a fault off does not shift every later random choice.
    pub fn chance(&mut self, p: Ppm) -> bool {
        match p.0 {
            0 => false,
            x if x >= 1_000_000 => true,
            x => self.below(1_000_000) < u64::from(x),
        }
    }

    /// A duration drawn from the exponential distribution with mean `mean_us` (the time to
    /// the next event of a process that happens at a constant rate, such as a failure).
    /// Integer arithmetic only, so that every platform draws the same durations: the
    /// inverse of the distribution's CDF, `-ln(u)`, is taken through a fixed-point
    /// logarithm of a uniform `u` in (0, 1].
    pub fn exponential(&mut self, mean_us: Micros) -> Micros {
        // u = k / 2^53 with k in 1..=2^53.
        let k = (self.next_u64() >> 11) + 1;
        let minus_ln_q32 = (LN2_Q32 * ((53u128 << 32) - log2_q32(k))) >> 32;
        ((u128::from(mean_us) * minus_ln_q32) >> 32) as Micros
    }

    /// Picks an element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Derives an independent seed, e.g. the seed of fuzz run `i`.
    pub fn derive_seed(base: u64, i: u64) -> u64 {
        // SplitMix64 finaliser: consecutive inputs give unrelated outputs.
        let mut z = base
            .wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// ln 2 with 32 bits after the point.
const LN2_Q32: u128 = 2_977_044_472;

/// log2 of `x` (at least 1) with 32 bits after the point: the integer part from the
/// leading zeros, then each bit of the fraction by squaring the mantissa.
fn log2_q32(x: u64) -> u128 {
    let whole = 63 - x.leading_zeros();
    // The mantissa in [1, 2), with 62 bits after the point (so that its square fits).
    let mut m = u128::from(x) << 62 >> whole;
    let mut fraction = 0u128;
    for bit in (0..32).rev() {
        m = (m * m) >> 62;
        if m >= 1 << 63 {
            m >>= 1;
            fraction |= 1 << bit;
        }
    }
    (u128::from(whole) << 32) | fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_point_logarithm_is_close() {
        for x in [1u64, 2, 3, 10, 1000, 123_456_789, 1 << 52, (1 << 53) - 1] {
            let got = log2_q32(x) as f64 / 4_294_967_296.0;
            assert!((got - (x as f64).log2()).abs() < 1e-8, "log2 {x}: {got}");
        }
    }

    /// The draws' mean is the mean asked for, and they spread as an exponential does
    /// (about 63% below the mean, 5% above three times it).
    #[test]
    fn exponential_draws_have_their_mean_and_shape() {
        let mut r = SimRng::new(7);
        let n = 100_000u64;
        let draws: Vec<Micros> = (0..n).map(|_| r.exponential(1_000_000)).collect();
        let mean = draws.iter().sum::<u64>() / n;
        assert!((980_000..=1_020_000).contains(&mean), "mean {mean}");
        let below = draws.iter().filter(|d| **d < 1_000_000).count() as f64 / n as f64;
        assert!((below - 0.632).abs() < 0.01, "{below} below the mean");
        let far = draws.iter().filter(|d| **d > 3_000_000).count() as f64 / n as f64;
        assert!((far - 0.0498).abs() < 0.005, "{far} above three means");
    }

    #[test]
    fn same_seed_same_draws() {
        let mut a = SimRng::new(42);
        let mut b = SimRng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_eq!(a.draws(), 100);
    }

    #[test]
    fn range_stays_in_bounds() {
        let mut r = SimRng::new(1);
        for _ in 0..10_000 {
            let v = r.range(150, 300);
            assert!((150..=300).contains(&v));
        }
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn certain_chances_draw_nothing() {
        let mut r = SimRng::new(3);
        assert!(!r.chance(Ppm::NEVER));
        assert!(r.chance(Ppm::ALWAYS));
        assert_eq!(r.draws(), 0);
        let hits = (0..100_000).filter(|_| r.chance(Ppm::percent(10))).count();
        assert!((9_000..11_000).contains(&hits), "{hits}");
    }
}
