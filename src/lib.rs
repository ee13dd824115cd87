//! # optnet
//!
//! Differentiable quadratic-program layers (Amos & Kolter, *OptNet*, ICML 2017).
//!
//! A layer's output is the solution of the convex quadratic program
//!
//! ```text
//! minimize_z  ½ zᵀQz + qᵀz   subject to  Az = b,  Gz ≤ h
//! ```
//!
//! whose data depend on the layer's inputs and learned parameters. This crate is a thin
//! facade: the solver, its backward pass and the batch types live in [`optnet_runtime`],
//! the `optnet!` layer DSL in `optnet-macros`.
//!
//! ```
//! use optnet::prelude::*;
//! use optnet::ndarray::{array, Array2};
//!
//! // minimize ½‖z‖² − z₀ − z₁ subject to z₀ + z₁ ≤ 1: the answer is z = (½, ½).
//! let q = array![-1.0, -1.0];
//! let qp = QpBatch::builder()
//!     .Q(Array2::<f64>::eye(2))
//!     .q(q)
//!     .G(array![[1.0, 1.0]])
//!     .h(array![1.0])
//!     .build()
//!     .unwrap();
//! let sol = Solver::cpu().solve(&qp).unwrap();
//! assert_eq!(sol.status[0], Status::Solved);
//! assert!((sol.z[[0, 0]] - 0.5).abs() < 1e-7);
//! ```

pub use ndarray;
pub use optnet_runtime as runtime;
pub use optnet_runtime::*;

/// Everything a user of layers and of the solver needs: `use optnet::prelude::*;`.
pub mod prelude {
    pub use optnet_macros::optnet;
    pub use optnet_runtime::{
        Error, QpBatch, QpGrad, Real, Settings, Solution, Solver, Specialization, Status, Term,
    };
}
