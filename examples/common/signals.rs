//! Seeded piecewise-constant signals with Gaussian noise, the denoising experiment's data.

use optnet::ndarray::{Array1, Array2};
use rand::seq::index;
use rand::Rng;
use rand_distr::{Distribution, Normal};

/// Length of a signal.
pub const LEN: usize = 100;
/// Fewest and most constant pieces of a signal.
pub const PIECES: (usize, usize) = (1, 9);
/// Lowest and highest height of a piece.
pub const HEIGHTS: (u32, u32) = (10, 99);
/// Standard deviation of the additive noise.
pub const SIGMA: f64 = 10.0;

/// Clean signals and their noisy observations, `[count, LEN]` each.
#[derive(Clone, Debug)]
pub struct Signals {
    /// The piecewise-constant signals.
    pub clean: Array2<f64>,
    /// The same plus N(0, σ²) noise in every sample.
    pub noisy: Array2<f64>,
}

/// One piecewise-constant signal: 1–9 pieces (uniformly), their change points drawn
/// without replacement from the 99 gaps between samples, each piece an integer height
/// drawn uniformly from 10–99.
pub fn piecewise_constant(rng: &mut impl Rng) -> Array1<f64> {
    let pieces = rng.random_range(PIECES.0..=PIECES.1);
    let mut cuts = index::sample(rng, LEN - 1, pieces - 1).into_vec();
    cuts.iter_mut().for_each(|c| *c += 1);
    cuts.sort_unstable();
    cuts.push(LEN);
    let mut x = Array1::zeros(LEN);
    let mut start = 0;
    for end in cuts {
        let height = rng.random_range(HEIGHTS.0..=HEIGHTS.1) as f64;
        x.slice_mut(optnet::ndarray::s![start..end]).fill(height);
        start = end;
    }
    x
}

/// `count` signals and their noisy observations drawn from `rng`.
pub fn signals(count: usize, rng: &mut impl Rng) -> Signals {
    let noise = Normal::new(0.0, SIGMA).expect("σ is positive");
    let mut clean = Array2::zeros((count, LEN));
    let mut noisy = Array2::zeros((count, LEN));
    for i in 0..count {
        let x = piecewise_constant(rng);
        for j in 0..LEN {
            noisy[[i, j]] = x[j] + noise.sample(rng);
        }
        clean.row_mut(i).assign(&x);
    }
    Signals { clean, noisy }
}

/// Number of constant pieces of a signal (one more than its change points).
pub fn pieces(x: &[f64]) -> usize {
    1 + x.windows(2).filter(|w| w[0] != w[1]).count()
}
