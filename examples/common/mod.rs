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
use optnet::Term;

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
