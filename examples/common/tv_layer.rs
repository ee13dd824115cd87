//! The total-variation denoising layer built on the runtime by hand — the reference that
//! the tests hold the `optnet!` layer ([`super::layers::TvDenoise`]) to:
//!
//! ```text
//! z(y) = argmin_z ½‖y − z‖² + λ‖Dz‖₁
//! ```
//!
//! with D (`[n−1, n]`) and λ ≥ 0 the parameters. The ℓ₁ norm becomes an epigraph variable
//! t ∈ ℝⁿ⁻¹ with −t ≤ Dz ≤ t, which gives the QP (OptNet eq. 2; the constant ½‖y‖²
//! dropped) over x = (z, t):
//!
//! ```text
//! minimize ½‖z‖² − yᵀz + λ·1ᵀt   subject to  Dz − t ≤ 0,  −Dz − t ≤ 0
//! ```
//!
//! i.e. Q = diag(I, 0), q = (−y, λ1), G = [D −I; −D −I], h = 0. Q is singular: the
//! solver accepts positive semi-definite Q.

use super::batch_sum;
use optnet::ndarray::{s, Array1, Array2, ArrayView2};
use optnet::{Error, QpBatch, Solution, Solver, Status};

/// The parameters of the TV layer, or their gradients.
#[derive(Clone, Debug)]
pub struct TvParams {
    /// Differencing operator D, `[n − 1, n]`.
    pub D: Array2<f64>,
    /// Weight λ ≥ 0 of the ℓ₁ penalty.
    pub lambda: f64,
}

/// The TV layer: its parameters and the constant QP data.
#[derive(Clone, Debug)]
pub struct TvLayer {
    /// The parameters.
    pub params: TvParams,
    n: usize,
    Q: Array2<f64>,
    h: Array1<f64>,
}

/// A forward pass's QP and solution, kept for the backward pass.
#[derive(Debug)]
pub struct Forward {
    /// The batch of QPs solved.
    pub qp: QpBatch<'static, f64>,
    /// Their solutions over x = (z, t).
    pub sol: Solution<f64>,
    n: usize,
}

impl Forward {
    /// The layer's output z, `[batch, n]` (the epigraph variables t left out).
    pub fn z(&self) -> ArrayView2<'_, f64> {
        self.sol.z.slice(s![.., ..self.n])
    }
    /// Per-example outcome of the solve.
    pub fn status(&self) -> &[Status] {
        &self.sol.status
    }
}

impl TvLayer {
    /// A layer with the given parameters (D is `[n − 1, n]`).
    pub fn new(params: TvParams) -> TvLayer {
        let n = params.D.ncols();
        assert_eq!(params.D.nrows() + 1, n, "D is [n - 1, n]");
        let mut Q = Array2::zeros((2 * n - 1, 2 * n - 1));
        for i in 0..n {
            Q[[i, i]] = 1.0;
        }
        TvLayer {
            params,
            n,
            Q,
            h: Array1::zeros(2 * (n - 1)),
        }
    }

    /// Signal length n.
    pub fn n(&self) -> usize {
        self.n
    }

    /// G = [D −I; −D −I], `[2(n − 1), 2n − 1]`.
    fn G(&self) -> Array2<f64> {
        let (n, k) = (self.n, self.n - 1);
        let D = &self.params.D;
        let mut G = Array2::zeros((2 * k, n + k));
        G.slice_mut(s![..k, ..n]).assign(D);
        G.slice_mut(s![k.., ..n]).assign(&-D);
        for i in 0..k {
            G[[i, n + i]] = -1.0;
            G[[k + i, n + i]] = -1.0;
        }
        G
    }

    /// The batch of QPs for noisy signals `y` (`[batch, n]`).
    pub fn qp(&self, y: ArrayView2<'_, f64>) -> Result<QpBatch<'static, f64>, Error> {
        let (batch, n) = (y.nrows(), self.n);
        if y.ncols() != n {
            return Err(Error::Shape {
                array: "y",
                expected: format!("[batch, {n}]"),
                found: y.shape().to_vec(),
            });
        }
        let mut q = Array2::from_elem((batch, 2 * n - 1), self.params.lambda);
        q.slice_mut(s![.., ..n]).assign(&-&y);
        QpBatch::builder()
            .Q(self.Q.clone())
            .q(q)
            .G(self.G())
            .h(self.h.clone())
            .build()
    }

    /// Denoises the signals `y` (`[batch, n]`).
    pub fn forward(&self, y: ArrayView2<'_, f64>, solver: &Solver) -> Result<Forward, Error> {
        let qp = self.qp(y)?;
        let sol = solver.solve(&qp)?;
        Ok(Forward { qp, sol, n: self.n })
    }

    /// Gradients of the loss with respect to D and λ, summed over the batch, given ∂ℓ/∂z
    /// (`[batch, n]`). From the runtime's ∂ℓ/∂G and ∂ℓ/∂q: D enters G as +D in the first
    /// block row and −D in the second, λ every t entry of q.
    pub fn backward(
        &self,
        fwd: &Forward,
        solver: &Solver,
        dl_dz: ArrayView2<'_, f64>,
    ) -> Result<TvParams, Error> {
        let (n, k) = (self.n, self.n - 1);
        let mut dl_dx = Array2::zeros((dl_dz.nrows(), n + k));
        dl_dx.slice_mut(s![.., ..n]).assign(&dl_dz);
        let g = solver.backward(&fwd.qp, &fwd.sol, dl_dx.view())?;
        let dG = batch_sum(
            g.dG.as_ref()
                .ok_or_else(|| Error::Backward("no gradient for G".into()))?,
        );
        let dq = batch_sum(&g.dq);
        let dD = &dG.slice(s![..k, ..n]) - &dG.slice(s![k.., ..n]);
        let dlambda = dq.slice(s![n..]).sum();
        Ok(TvParams {
            D: dD,
            lambda: dlambda,
        })
    }
}
