//! Code shared by the paper's two experiments (`examples/sudoku.rs`, `examples/denoise.rs`)
//! and by their tests (`tests/examples_*.rs`): the seeded data generators, the two layers
//! with their parameter gradients, Adam, progress bars, plots and command-line flags.

// Each example and each test uses only part of this module.
#![allow(dead_code)]

pub mod adam;
pub mod cli;
pub mod plot;
pub mod signals;
pub mod sudoku_data;
pub mod sudoku_layer;
pub mod tv_layer;

use optnet::ndarray::{Array, Array2, ArrayView2, Axis, Dimension, RemoveAxis};
use optnet::{Settings, Solver, Term};

/// Mean squared error over every entry of `pred` against `target`, and its gradient
/// with respect to `pred`: 2(pred − target)/len.
pub fn mse(pred: ArrayView2<'_, f64>, target: ArrayView2<'_, f64>) -> (f64, Array2<f64>) {
    let diff = &pred - &target;
    let len = diff.len() as f64;
    let loss = diff.iter().map(|d| d * d).sum::<f64>() / len;
    (loss, diff * (2.0 / len))
}

/// The batch sum of a gradient from the runtime: a shared array's gradient is already the
/// sum, a batched one's is summed here.
pub fn batch_sum<D: Dimension>(t: &Term<'_, f64, D>) -> Array<f64, D>
where
    D::Larger: RemoveAxis<Smaller = D>,
{
    match t {
        Term::Shared(a) => a.to_owned(),
        Term::Batched(a) => a.sum_axis(Axis(0)),
    }
}

/// The solver to hand to `backward`: `solver` with iterative refinement of the backward
/// solve turned off.
///
/// Workaround (runtime at main df160ff): the CPU backward pass refines the adjoint solve
/// against the KKT matrix at the solution with the factorization of the last iteration,
/// and that refinement diverges when inequalities are active (gradients ~1e10). One solve
/// with the kept factorization alone matches finite differences (tests/examples_sudoku.rs).
/// Remove once the runtime's backward is fixed.
pub fn backward_solver(solver: &Solver) -> Result<Solver, optnet::Error> {
    solver.clone().with_settings(Settings {
        refinement_abstol: 1e300,
        ..solver.settings().clone()
    })
}
