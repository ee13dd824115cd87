//! The paper's Sudoku layer built on the runtime by hand — the reference that the tests
//! hold the `optnet!` layer ([`super::layers::Sudoku`]) to:
//!
//! ```text
//! z(p) = argmin_z ½·0.1‖z‖² − pᵀz   subject to  Az = A·exp(w),  z ≥ 0
//! ```
//!
//! with the equality matrix A (`[neq, 64]`) and w (`[64]`) learned. b = A·exp(w) keeps
//! every QP feasible (z = exp(w) > 0 satisfies all constraints strictly), whatever A is.
//! As a QP (OptNet eq. 2): Q = 0.1·I, q = −p, A, b = A·exp(w), G = −I, h = 0.

use super::batch_sum;
use super::sudoku_data::ONE_HOT;
use optnet::ndarray::{Array1, Array2, ArrayView2, Axis, CowArray};
use optnet::{Error, QpBatch, Solution, Solver, Status, Term};
use rand::Rng;

/// Weight of the quadratic term: Q = 0.1·I, as in the paper.
pub const Q_PENALTY: f64 = 0.1;
/// Rows of the learned equality matrix, as in the paper.
pub const NEQ: usize = 40;

/// The learned parameters of the Sudoku layer, or their gradients.
#[derive(Clone, Debug)]
pub struct SudokuParams {
    /// Equality matrix A, `[neq, 64]`.
    pub A: Array2<f64>,
    /// w, `[64]`: b = A·exp(w).
    pub w: Array1<f64>,
}

/// The Sudoku layer: its parameters and the constant QP data.
#[derive(Clone, Debug)]
pub struct SudokuLayer {
    /// The learned parameters.
    pub params: SudokuParams,
    Q: Array2<f64>,
    G: Array2<f64>,
    h: Array1<f64>,
}

/// A forward pass's QP and solution, kept for the backward pass.
#[derive(Debug)]
pub struct Forward<'a> {
    /// The batch of QPs solved.
    pub qp: QpBatch<'a, f64>,
    /// Their solutions; `sol.z` is the layer's output, `[batch, 64]`.
    pub sol: Solution<f64>,
}

impl Forward<'_> {
    /// The layer's output, `[batch, 64]`.
    pub fn z(&self) -> ArrayView2<'_, f64> {
        self.sol.z.view()
    }
    /// Per-example outcome of the solve.
    pub fn status(&self) -> &[Status] {
        &self.sol.status
    }
}

impl SudokuLayer {
    /// A layer with the given parameters.
    pub fn new(params: SudokuParams) -> SudokuLayer {
        assert_eq!(params.A.ncols(), ONE_HOT, "A has 64 columns");
        assert_eq!(params.w.len(), ONE_HOT, "w has 64 entries");
        SudokuLayer {
            params,
            Q: Array2::eye(ONE_HOT) * Q_PENALTY,
            G: -Array2::eye(ONE_HOT),
            h: Array1::zeros(ONE_HOT),
        }
    }

    /// The paper's initialization: A uniform in [0, 1), w = 0.
    pub fn random(neq: usize, rng: &mut impl Rng) -> SudokuLayer {
        let A = Array2::from_shape_simple_fn((neq, ONE_HOT), || rng.random::<f64>());
        SudokuLayer::new(SudokuParams {
            A,
            w: Array1::zeros(ONE_HOT),
        })
    }

    /// The batch of QPs for puzzles `p` (`[batch, 64]`, one-hot clues).
    pub fn qp<'a>(&'a self, p: ArrayView2<'_, f64>) -> Result<QpBatch<'a, f64>, Error> {
        let b = self.params.A.dot(&self.params.w.mapv(f64::exp));
        QpBatch::builder()
            .Q(&self.Q)
            // Owned per-call data, wrapped by hand: `From<Array>` would make the batch 'static.
            .q(Term::Batched(CowArray::from(-&p)))
            .A(&self.params.A)
            .b(Term::Shared(CowArray::from(b)))
            .G(&self.G)
            .h(&self.h)
            .build()
    }

    /// Solves the layer's QPs for puzzles `p`.
    pub fn forward<'a>(
        &'a self,
        p: ArrayView2<'_, f64>,
        solver: &Solver,
    ) -> Result<Forward<'a>, Error> {
        let qp = self.qp(p)?;
        let sol = solver.solve(&qp)?;
        Ok(Forward { qp, sol })
    }

    /// Gradients of the loss with respect to A and w, summed over the batch, given
    /// ∂ℓ/∂z (`[batch, 64]`). From the runtime's ∂ℓ/∂A and ∂ℓ/∂b, with b = A·exp(w):
    /// ∂ℓ/∂A += ∂ℓ/∂b · exp(w)ᵀ and ∂ℓ/∂w = exp(w) ∘ (Aᵀ ∂ℓ/∂b).
    pub fn backward(
        &self,
        fwd: &Forward<'_>,
        solver: &Solver,
        dl_dz: ArrayView2<'_, f64>,
    ) -> Result<SudokuParams, Error> {
        let g = solver.backward(&fwd.qp, &fwd.sol, dl_dz)?;
        let missing = || Error::Backward("no gradient for the equality constraints".into());
        let dA = g.dA.as_ref().ok_or_else(missing)?;
        let db = g.db.as_ref().ok_or_else(missing)?;
        let (dA, db) = (batch_sum(dA), batch_sum(db));
        let ew = self.params.w.mapv(f64::exp);
        let outer = db
            .view()
            .insert_axis(Axis(1))
            .dot(&ew.view().insert_axis(Axis(0)));
        let dw = &ew * &self.params.A.t().dot(&db);
        Ok(SudokuParams {
            A: dA + outer,
            w: dw,
        })
    }
}
