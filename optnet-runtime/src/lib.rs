//! # optnet-runtime
//!
//! A batched, differentiable solver for convex quadratic programs,
//!
//! ```text
//! minimize_z  ½ zᵀQz + qᵀz   subject to  Az = b,  Gz ≤ h          (OptNet eq. 2)
//! ```
//!
//! - [`QpBatch`] holds a batch of such problems; each of Q, q, A, b, G, h is either shared by
//!   the whole batch or given per example ([`Term`]), and shared data is never copied.
//! - [`Solver`] runs a Mehrotra predictor–corrector primal–dual interior point method on the
//!   homogeneous self-dual embedding of each problem (so infeasibility and unboundedness are
//!   detected with certificates), one independent solve per example spread over CPU cores, or
//!   on an NVIDIA GPU with feature `cuda`.
//! - [`Solver::backward`] differentiates the KKT conditions at the solution (OptNet eqs. 6–8)
//!   reusing the forward factorization, and returns ∂ℓ/∂(Q, q, A, b, G, h) ([`QpGrad`]).
//!
//! Outcomes of a solve are per-example [`Status`] values, never errors; only bad input
//! (shapes, NaN/Inf, asymmetric or indefinite Q, bad settings) is an [`Error`].

#![allow(non_snake_case)] // Q, A, G are the paper's names.

mod batch;
mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
mod error;
mod scalar;
mod settings;
mod solution;
mod solver;
mod status;
#[cfg(test)]
mod test_util;

pub use batch::{QpBatch, QpBatchBuilder, Term};
pub use error::Error;
pub use scalar::Real;
pub use settings::Settings;
pub use solution::{QpGrad, Solution};
pub use solver::{Device, Solver, Specialization};
pub use status::Status;
