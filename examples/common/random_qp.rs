//! OptNet's random QP benchmark family, as `shared/peers/peers.py` draws it: n variables,
//! p inequalities, Q = LLᵀ + 10⁻³I with L uniform on [0, 1), q ~ N(0, 1), G ~ N(0, 1),
//! h = Gz₀ + s₀ with z₀ ~ N(0, 1) and s₀ uniform on [0, 1) (so every QP is feasible).
//! Shared by the CPU and GPU benchmarks (`#[path]`-included, not part of `common`).

use ndarray::{Array1, Array2, Array3, ArrayView2, Axis};
use optnet_runtime::Settings;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// A batch of benchmark problems: Q `[batch, n, n]`, q `[batch, n]`, G `[batch, p, n]`,
/// h `[batch, p]`.
pub type Problems = (Array3<f64>, Array2<f64>, Array3<f64>, Array2<f64>);

/// Draws `batch` problems from the seeded generator.
#[allow(non_snake_case)]
pub fn generate(batch: usize, n: usize, p: usize, seed: u64) -> Problems {
    let mut r = StdRng::seed_from_u64(seed);
    let mut Q = Array3::zeros((batch, n, n));
    let mut G = Array3::zeros((batch, p, n));
    let mut h = Array2::zeros((batch, p));
    let q = Array2::from_shape_fn((batch, n), |_| r.sample(StandardNormal));
    for e in 0..batch {
        let L = Array2::from_shape_fn((n, n), |_| r.random::<f64>());
        let mut Qe = L.dot(&L.t());
        for i in 0..n {
            Qe[[i, i]] += 1e-3;
        }
        Q.index_axis_mut(Axis(0), e).assign(&Qe);
        let Ge = Array2::from_shape_fn((p, n), |_| r.sample::<f64, _>(StandardNormal));
        let z0 = Array1::from_shape_fn(n, |_| r.sample::<f64, _>(StandardNormal));
        let s0 = Array1::from_shape_fn(p, |_| r.random::<f64>());
        h.row_mut(e).assign(&(Ge.dot(&z0) + s0));
        G.index_axis_mut(Axis(0), e).assign(&Ge);
    }
    (Q, q, G, h)
}

/// Draws `batch` problems that share one Q and one G (drawn as [`generate`] draws them), each
/// with its own q ~ N(0, 1) and h = Gz₀ + s₀: Q `[1, n, n]`, q `[batch, n]`, G `[1, p, n]`,
/// h `[batch, p]`.
#[allow(non_snake_case)]
pub fn generate_shared(batch: usize, n: usize, p: usize, seed: u64) -> Problems {
    let (Q, _, G, _) = generate(1, n, p, seed);
    let mut r = StdRng::seed_from_u64(seed ^ 0x5eed);
    let q = Array2::from_shape_fn((batch, n), |_| r.sample(StandardNormal));
    let Ge = G.index_axis(Axis(0), 0);
    let mut h = Array2::zeros((batch, p));
    for e in 0..batch {
        let z0 = Array1::from_shape_fn(n, |_| r.sample::<f64, _>(StandardNormal));
        let s0 = Array1::from_shape_fn(p, |_| r.random::<f64>());
        h.row_mut(e).assign(&(Ge.dot(&z0) + s0));
    }
    (Q, q, G, h)
}

/// `s` with the gap and feasibility tolerances (`tol_gap_abs`, `tol_gap_rel`, `tol_feas`) set
/// to `t`: the benchmarks' `--tol`, for timings at a peer's accuracy.
pub fn at_tolerance(s: Settings, t: f64) -> Settings {
    Settings {
        tol_gap_abs: t,
        tol_gap_rel: t,
        tol_feas: t,
        ..s
    }
}

/// max |z − z_ref| / max(1, ‖z_ref‖∞) over a batch of answers: how far `z` is from the
/// reference answers (the benchmarks' `--tol` report, against the default tolerances').
pub fn z_error(z: ArrayView2<f64>, z_ref: ArrayView2<f64>) -> f64 {
    let scale = z_ref.iter().fold(1f64, |a, x| a.max(x.abs()));
    let err = z
        .iter()
        .zip(z_ref.iter())
        .fold(0f64, |a, (x, y)| a.max((x - y).abs()));
    err / scale
}
