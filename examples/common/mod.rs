//! Code shared by the paper's two experiments (`examples/sudoku.rs`, `examples/denoise.rs`)
//! and by their tests (`tests/examples_*.rs`): the seeded data generators, the two layers
//! with their parameter gradients, Adam, progress bars, plots and command-line flags.

// Each example and each test uses only part of this module.
#![allow(dead_code)]

pub mod adam;
pub mod cli;
pub mod layers;
pub mod plot;
pub mod signals;
pub mod sudoku_data;
pub mod sudoku_layer;
pub mod tv_layer;
pub mod tv_learn;

use optnet::ndarray::{Array, Array2, ArrayView2, Axis, Dimension, RemoveAxis};
use optnet::Term;

/// [`mse`] over the examples whose QP was solved: rows of unsolved examples (whose output
/// is not a solution and may be NaN) count neither in the loss nor in the gradient, which
/// is zero there. Also returns how many rows were left out.
pub fn mse_solved(
    pred: ArrayView2<'_, f64>,
    target: ArrayView2<'_, f64>,
    status: &[optnet::Status],
) -> (f64, Array2<f64>, usize) {
    let solved: Vec<usize> = (0..pred.nrows())
        .filter(|&i| status[i].is_solved())
        .collect();
    let left_out = pred.nrows() - solved.len();
    if left_out == 0 {
        let (loss, grad) = mse(pred, target);
        return (loss, grad, 0);
    }
    let mut grad = Array2::zeros(pred.raw_dim());
    if solved.is_empty() {
        return (f64::NAN, grad, left_out);
    }
    let (loss, g) = mse(
        pred.select(Axis(0), &solved).view(),
        target.select(Axis(0), &solved).view(),
    );
    for (k, &i) in solved.iter().enumerate() {
        grad.row_mut(i).assign(&g.row(k));
    }
    (loss, grad, left_out)
}

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

/// Whether every entry of `a` is finite (a gradient worth a step).
pub fn all_finite<D: Dimension>(a: &Array<f64, D>) -> bool {
    a.iter().all(|v| v.is_finite())
}

/// "" when every QP was solved, else a note with the count and the statuses seen.
pub fn unsolved_note(statuses: &[optnet::Status]) -> String {
    let bad: Vec<_> = statuses.iter().filter(|s| !s.is_solved()).collect();
    if bad.is_empty() {
        return String::new();
    }
    let mut kinds: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
    kinds.sort();
    kinds.dedup();
    format!(", {} QPs not solved ({})", bad.len(), kinds.join(", "))
}

/// "" when no step was skipped, else a note with the count.
pub fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        k => format!(", {k} steps skipped (gradient not finite)"),
    }
}
