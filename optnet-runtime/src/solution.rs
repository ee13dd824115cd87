//! What a solve returns, and what the backward pass returns.

use crate::{Status, Term};
use ndarray::{Array1, Array2, Ix1, Ix2};

/// Solutions of a batch: primal z, duals λ (inequalities) and ν (equalities), slacks s,
/// and per-example status and iteration count. Examples that did not solve hold the last
/// iterate and their status says so; an infeasible one holds its certificate (see
/// [`Status`]: (λ, ν) for `PrimalInfeasible`, the direction d in z for `DualInfeasible`),
/// the homogeneous embedding's iterate divided by κ, so scaled by how fast κ grew rather
/// than to unit norm.
///
/// A `Solution` also keeps what the backward pass needs (the KKT factorization at the
/// solution); pass it to [`crate::Solver::backward`].
#[derive(Debug)]
pub struct Solution<T> {
    /// Primal solution, `[batch, n]`.
    pub z: Array2<T>,
    /// Inequality duals λ ≥ 0, `[batch, p]`.
    pub lam: Array2<T>,
    /// Equality duals ν, `[batch, m]`.
    pub nu: Array2<T>,
    /// Inequality slacks s = h − Gz ≥ 0, `[batch, p]`.
    pub s: Array2<T>,
    /// Per-example outcome.
    pub status: Vec<Status>,
    /// Interior point iterations per example.
    pub iters: Vec<u32>,
    /// Polishing solves per example (`Settings::polish`): each a factorization of the KKT
    /// system on a guessed active set, at most four per attempt; 0 where the example did not
    /// polish. With `iters`, how many factorizations its solve took: one for the start, one
    /// per iteration but the first, which takes the start's factors (on the GPU and on the
    /// CPU one example at a time; the CPU's lanes factor it again).
    pub polish_solves: Vec<u32>,
    /// Objective ½zᵀQz + qᵀz per example (NaN where not solved).
    pub objective: Array1<T>,
    /// Relative primal residual at exit, per example (see [`crate::Settings`]).
    pub res_primal: Array1<T>,
    /// Relative dual residual at exit, per example.
    pub res_dual: Array1<T>,
    /// Absolute duality gap at exit, per example.
    pub gap: Array1<T>,
    pub(crate) cache: crate::solver::Cache<T>,
}

impl<T> Solution<T> {
    /// Number of examples.
    pub fn batch(&self) -> usize {
        self.status.len()
    }

    /// Whether every example is [`Status::Solved`].
    pub fn all_solved(&self) -> bool {
        self.status.iter().all(|s| *s == Status::Solved)
    }
}

/// Gradients of a scalar loss ℓ with respect to the QP data (OptNet eq. 8), each shaped
/// like the array it belongs to: per example for batched arrays, summed over the batch for
/// shared ones. Absent constraints have `None`. Examples that did not solve contribute zero.
#[derive(Clone, Debug)]
pub struct QpGrad<T: 'static> {
    /// ∂ℓ/∂Q (symmetric).
    pub dQ: Term<'static, T, Ix2>,
    /// ∂ℓ/∂q.
    pub dq: Term<'static, T, Ix1>,
    /// ∂ℓ/∂A.
    pub dA: Option<Term<'static, T, Ix2>>,
    /// ∂ℓ/∂b.
    pub db: Option<Term<'static, T, Ix1>>,
    /// ∂ℓ/∂G.
    pub dG: Option<Term<'static, T, Ix2>>,
    /// ∂ℓ/∂h.
    pub dh: Option<Term<'static, T, Ix1>>,
}

/// An empty gradient: Q and q empty and shared, no constraints. A training loop can hand it
/// to its first [`crate::Solver::backward_into`], which replaces every part of it.
impl<T: 'static> Default for QpGrad<T> {
    fn default() -> Self {
        let empty2 = Array2::from_shape_vec((0, 0), Vec::new()).expect("an empty shape");
        let empty1 = Array1::from_vec(Vec::new());
        QpGrad {
            dQ: Term::Shared(empty2.into()),
            dq: Term::Shared(empty1.into()),
            dA: None,
            db: None,
            dG: None,
            dh: None,
        }
    }
}
