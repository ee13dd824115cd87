//! The two experiments' layers, declared with `optnet!`: the macro writes the canonical QP,
//! the solve, and the gradients of every param (Q, q, A, b, G, h → params by the chain
//! rule). `sudoku_layer.rs` and `tv_layer.rs` hold the same layers built on the runtime by
//! hand; the tests check that both give the same outputs and gradients.

use optnet::ndarray::{Array1, Array2};
use optnet::prelude::*;
use rand::Rng;

optnet! {
    /// The paper's Sudoku layer: z = argmin ½·0.1‖z‖² − pᵀz s.t. Az = A·exp(w), z ≥ 0.
    /// b = A·exp(w) keeps every QP feasible (z = exp(w) > 0 is strictly feasible).
    pub layer Sudoku(nz, neq) {
        input  p: [nz];
        param  A: [neq, nz];
        param  w: [nz];
        variable z: [nz];
        minimize 0.05 * sum_squares(z) - p.T * z;
        subject to A * z == A * exp(w), z >= 0;
    }
}

optnet! {
    /// Total-variation denoising with a learned differencing operator (paper eq. 12).
    pub layer TvDenoise(n) {
        input  y: [n];
        param  D: [n - 1, n];
        param  lambda: nonneg;
        variable z: [n];
        minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z);
    }
}

/// The paper's initialization of the Sudoku layer: A (`[neq, nz]`) uniform in [0, 1),
/// w = 0.
pub fn sudoku_init(nz: usize, neq: usize, rng: &mut impl Rng) -> Result<Sudoku<f64>, Error> {
    let A = Array2::from_shape_simple_fn((neq, nz), || rng.random::<f64>());
    Sudoku::new(
        nz,
        neq,
        SudokuParams {
            A,
            w: Array1::zeros(nz),
        },
    )
}

/// The first-order differencing operator of length `n`, rows Dᵢ = eᵢ − eᵢ₊₁ (paper eq. 12).
pub fn difference_operator(n: usize) -> Array2<f64> {
    let mut D = Array2::zeros((n - 1, n));
    for i in 0..n - 1 {
        D[[i, i]] = 1.0;
        D[[i, i + 1]] = -1.0;
    }
    D
}

/// The TV layer with D the difference operator: the classic baseline at weight `lambda`.
pub fn tv_baseline(n: usize, lambda: f64) -> Result<TvDenoise<f64>, Error> {
    TvDenoise::new(
        n,
        TvDenoiseParams {
            D: difference_operator(n),
            lambda,
        },
    )
}
