//! Errors: bad input and bad settings. Solve outcomes are [`crate::Status`] values instead.

/// What is wrong with the input, the settings or the device.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An array has the wrong shape.
    #[error("array `{array}` has shape {found:?}, expected {expected}")]
    Shape {
        /// Which array (`"Q"`, `"q"`, `"A"`, `"b"`, `"G"`, `"h"`, `"dl_dz"`, …).
        array: &'static str,
        /// The expected shape, in words, e.g. `"[batch, n, n] or [n, n] with n = 3"`.
        expected: String,
        /// The shape found.
        found: Vec<usize>,
    },
    /// Two arrays disagree on the batch size.
    #[error("array `{array}` has batch size {found}, but the batch has {expected} examples")]
    BatchSize {
        /// Which array.
        array: &'static str,
        /// The batch size set by the other arrays.
        expected: usize,
        /// This array's leading dimension.
        found: usize,
    },
    /// A value is NaN or infinite.
    #[error("array `{array}` holds a non-finite value ({value}) at index {index:?}{}", example_suffix(*example))]
    NonFinite {
        /// Which array.
        array: &'static str,
        /// The example, for per-example arrays; `None` for shared arrays.
        example: Option<usize>,
        /// Index of the value inside the example's array.
        index: Vec<usize>,
        /// The offending value, as text (`NaN`, `inf`, `-inf`).
        value: String,
    },
    /// Q is not symmetric.
    #[error("Q is not symmetric{}: Q[{i},{j}] = {qij:e} but Q[{j},{i}] = {qji:e}", example_suffix(*example))]
    Asymmetric {
        /// The example, for per-example Q; `None` for a shared Q.
        example: Option<usize>,
        /// Row of the first asymmetric pair found.
        i: usize,
        /// Column of the first asymmetric pair found.
        j: usize,
        /// Q[i, j].
        qij: f64,
        /// Q[j, i].
        qji: f64,
    },
    /// Q is not positive semi-definite.
    #[error("Q is not positive semi-definite{}: it has a negative curvature direction with zᵀQz/zᵀz = {curvature:e}", example_suffix(*example))]
    NotPsd {
        /// The example, for per-example Q; `None` for a shared Q.
        example: Option<usize>,
        /// The most negative curvature found (a Rayleigh quotient).
        curvature: f64,
    },
    /// A required array is missing, or one of a pair (A/b, G/h) is given without the other.
    #[error("{0}")]
    Missing(String),
    /// A setting is out of its range.
    #[error("invalid setting `{name}`: {reason}")]
    Settings {
        /// The setting's field name.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The backward pass was given a solution that does not belong to the batch, or a
    /// solution computed without what the backward pass needs.
    #[error("backward pass: {0}")]
    Backward(String),
    /// The CUDA backend cannot run: no `cuda` feature, no driver, no device, or a CUDA error.
    #[error("CUDA: {0}")]
    Cuda(String),
}

fn example_suffix(example: Option<usize>) -> String {
    match example {
        Some(e) => format!(" in example {e}"),
        None => String::new(),
    }
}
