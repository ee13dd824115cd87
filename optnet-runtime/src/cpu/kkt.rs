//! The reduced KKT system of one example and its regularized LDLᵀ factorization.
//!
//! Eliminating the inequality duals from the Newton system of the interior point method
//! (Mattingley & Boyd 2012, §5; OptNet §3.1) leaves the quasi-definite matrix
//!
//! ```text
//! K = [ Q + GᵀWG + εI    Aᵀ ]        W = diag(λ / s)
//!     [ A               −εI ]
//! ```
//!
//! of size n + m (W regularized as 1/(1/w + ε), see [`super::pdipm::regularized`]).
//! It is factored as LDLᵀ without pivoting (as Cholesky LLᵀ when m = 0, where K is positive
//! definite, then stored in LDLᵀ form), with static regularization ε
//! and dynamic regularization of pivots of the wrong sign (faer's `LdltRegularization`),
//! and every solve is refined iteratively against the unregularized matrix.

use super::dense::{all_finite, ldl_solve};
use crate::Real;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::{
    cholesky_in_place, cholesky_in_place_scratch, LdltRegularization,
};
use faer::linalg::cholesky::llt::factor::{
    cholesky_in_place as llt_in_place, cholesky_in_place_scratch as llt_scratch, LltRegularization,
};
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::reborrow::ReborrowMut;
use faer::{Accum, Mat, Par};

/// Numerical constants of the factorization, already converted to `T`.
#[derive(Copy, Clone, Debug)]
pub(crate) struct KktParams<T> {
    pub static_reg: T,
    pub dyn_eps: T,
    pub dyn_delta: T,
    pub refine_max_iter: u32,
    pub refine_abstol: T,
    pub refine_reltol: T,
    /// A first correction of a residual at most this many times the tolerance is final
    /// ([`super::pdipm::UNVERIFIED_CORRECTION`]; zero verifies every correction).
    pub refine_unverified: T,
}

impl<T: Real> KktParams<T> {
    /// The constants for an example whose cost Ruiz equilibration scaled by `c`
    /// (`Scaling::c`; 1 without equilibration): the static regularization ε times c (since
    /// session 30, on the GPU too). The scaled Hessian is c·DQD, so a fixed ε would be ε/c
    /// relative to the example's own cost; with c ≪ 1 it then exceeds W = λ/s at a bound
    /// that becomes active late, and each Newton step moves that variable by ε's share only
    /// (Maros–Meszaros QBEACONF, c = 9.2e-3: 43 iterations, 15 with ε·c or without
    /// equilibration; notes/s30/qbeaconf/report.md).
    pub fn for_cost(self, c: T) -> Self {
        KktParams {
            static_reg: self.static_reg * c,
            ..self
        }
    }
}

/// Workspace for forming, factoring and solving K for one example. Allocated once per
/// example; nothing inside the iteration loop allocates.
pub(crate) struct Kkt<T> {
    pub n: usize,
    pub m: usize,
    /// K's lower triangle as formed, then (in place) its LDLᵀ factors: strictly lower
    /// part L (unit diagonal implied) and diagonal D.
    F: Mat<T>,
    /// √W ∘ G, scratch for the product GᵀWG.
    Gw: Mat<T>,
    sqrt_w: Vec<T>,
    /// The rows of G in `Gw` ([`Kkt::factor_rows`]).
    kept: Vec<usize>,
    signs: Vec<i8>,
    mem: MemBuffer,
    /// The constants in use: `base` with its regularization scaled by [`Kkt::boost`].
    params: KktParams<T>,
    base: KktParams<T>,
}

impl<T: Real> Kkt<T> {
    pub fn new(n: usize, m: usize, p: usize, params: KktParams<T>) -> Self {
        let dim = n + m;
        let mut signs = vec![1i8; dim];
        signs[n..].fill(-1);
        let scratch = cholesky_in_place_scratch::<T>(dim, Par::Seq, Default::default())
            .or(llt_scratch::<T>(dim, Par::Seq, Default::default()));
        Kkt {
            n,
            m,
            F: Mat::zeros(dim, dim),
            Gw: Mat::zeros(p, n),
            sqrt_w: vec![T::zero(); p],
            kept: vec![0; p],
            signs,
            mem: MemBuffer::new(scratch),
            params,
            base: params,
        }
    }

    /// Scales the static and dynamic regularization by `factor` (1 restores the settings).
    ///
    /// The safeguard for a factorization or a solve that overflowed: with W capped at 1/ε,
    /// the reduced matrix spans 1/ε to ε, and a pivot of the (2,2) block computed with the
    /// wrong sign (cancellation in −ε − A H⁻¹Aᵀ) and replaced by −δ makes the factors grow
    /// without bound. A larger ε and δ bound that growth; refinement against the
    /// unregularized system restores the accuracy of the solves.
    pub fn boost(&mut self, factor: T) {
        self.params.static_reg = self.base.static_reg * factor;
        self.params.dyn_eps = self.base.dyn_eps * factor;
        self.params.dyn_delta = self.base.dyn_delta * factor;
    }

    /// Sets the static regularization ε (unboosted) for the factorizations that follow: a
    /// workspace reused across examples takes each example's [`KktParams::for_cost`].
    pub fn set_static_reg(&mut self, eps: T) {
        self.base.static_reg = eps;
        self.params.static_reg = eps;
    }

    /// Sets the refinement's tolerances (`refine_abstol`, `refine_reltol`) for the solves
    /// that follow.
    pub fn set_refine_tol(&mut self, abstol: T, reltol: T) {
        for p in [&mut self.params, &mut self.base] {
            p.refine_abstol = abstol;
            p.refine_reltol = reltol;
        }
    }

    /// The LDLᵀ factors of the last factorization (strictly lower L, diagonal D).
    pub fn factors(&self) -> &Mat<T> {
        &self.F
    }

    /// Forms K for weights `w` (W = diag(w)) and factors it. Returns false if the
    /// factorization broke down (a zero or non-finite pivot).
    pub fn factor(&mut self, Q: &Mat<T>, A: &Mat<T>, G: &Mat<T>, w: &[T]) -> bool {
        self.factor_rows(Q, A, G, w, |_| true)
    }

    /// [`Kkt::factor`] with GᵀWG summed over the rows of G that `keep` names only: polishing
    /// (`super::polish`) leaves out the inactive rows, whose W of 1e-30 adds nothing above
    /// rounding, and so halves the product's work where half the constraints are active.
    pub fn factor_rows(
        &mut self,
        Q: &Mat<T>,
        A: &Mat<T>,
        G: &Mat<T>,
        w: &[T],
        keep: impl Fn(usize) -> bool,
    ) -> bool {
        let (n, m) = (self.n, self.m);
        let eps = self.params.static_reg;
        // (1,1) block, lower triangle: Q + GᵀWG + εI.
        {
            let mut H = self.F.as_mut().submatrix_mut(0, 0, n, n);
            H.copy_from(Q.as_ref());
            // The kept rows of √W∘G, packed at the top of Gw.
            let mut rows = 0;
            for (i, &wi) in w.iter().enumerate().take(G.nrows()) {
                if keep(i) {
                    self.sqrt_w[rows] = super::pdipm::regularized(wi, eps).sqrt();
                    self.kept[rows] = i;
                    rows += 1;
                }
            }
            if rows > 0 {
                for j in 0..n {
                    let col = &mut self.Gw.col_as_slice_mut(j)[..rows];
                    let g = G.col_as_slice(j);
                    for ((c, &i), &r) in col.iter_mut().zip(&self.kept[..rows]).zip(&self.sqrt_w) {
                        *c = g[i] * r;
                    }
                }
                let Gw = self.Gw.as_ref().subrows(0, rows);
                triangular::matmul(
                    H.rb_mut(),
                    BlockStructure::TriangularLower,
                    Accum::Add,
                    Gw.transpose(),
                    BlockStructure::Rectangular,
                    Gw,
                    BlockStructure::Rectangular,
                    T::one(),
                    Par::Seq,
                );
            }
            for i in 0..n {
                H[(i, i)] += eps;
            }
        }
        // (2,1), (1,2) and (2,2) blocks.
        for j in 0..n {
            for i in 0..m {
                let v = A[(i, j)];
                self.F[(n + i, j)] = v;
            }
        }
        for i in 0..m {
            for j in 0..m {
                self.F[(n + i, n + j)] = if i == j { -eps } else { T::zero() };
            }
        }
        let ok = if m == 0 {
            self.factor_llt()
        } else {
            let reg = LdltRegularization {
                dynamic_regularization_signs: Some(&self.signs),
                dynamic_regularization_delta: self.params.dyn_delta,
                dynamic_regularization_epsilon: self.params.dyn_eps,
            };
            cholesky_in_place(
                self.F.as_mut(),
                reg,
                Par::Seq,
                MemStack::new(&mut self.mem),
                Default::default(),
            )
            .is_ok()
        };
        // Growth in L can overflow while every pivot is finite: check the whole factor
        // (O((n + m)²) beside the factorization's O((n + m)³)).
        ok && (0..n + m).all(|i| self.F[(i, i)] != T::zero())
            && (0..n + m).all(|j| all_finite(&self.F.col_as_slice(j)[j..]))
    }

    /// Without equality constraints K = Q + GᵀWG + εI is positive definite: factor it as
    /// LLᵀ (Cholesky, about 1.5× faster than LDLᵀ in faer at n ≈ 100), with the same
    /// dynamic regularization of small pivots, and store the result in LDLᵀ form
    /// (L̃ = L·diag(L)⁻¹, D = diag(L)²) so that solves and the backward pass are shared.
    fn factor_llt(&mut self) -> bool {
        let reg = LltRegularization {
            dynamic_regularization_delta: self.params.dyn_delta,
            dynamic_regularization_epsilon: self.params.dyn_eps,
        };
        let ok = llt_in_place(
            self.F.as_mut(),
            reg,
            Par::Seq,
            MemStack::new(&mut self.mem),
            Default::default(),
        )
        .is_ok();
        if ok {
            let n = self.n;
            for j in 0..n {
                let d = self.F[(j, j)];
                let inv = T::one() / d;
                self.F[(j, j)] = d * d;
                for v in &mut self.F.col_as_slice_mut(j)[j + 1..] {
                    *v *= inv;
                }
            }
        }
        ok
    }
}

/// Something that solves with LDLᵀ factors of K (the forward and the backward pass's
/// [`Kkt`]; a trait so that the Newton solves do not depend on where the factors live).
pub(crate) trait Ldl<T> {
    /// Solves K x = rhs in place with the factors (K including its regularization).
    /// Accuracy comes from the caller's refinement against the full Newton system.
    fn solve_plain(&self, rhs: &mut [T]);
    /// The numerical constants.
    fn params(&self) -> KktParams<T>;
}

/// LDLᵀ factors of K that the forward pass kept for the backward pass (the polishing
/// system that stood, whose W is the solution's: [`super::pdipm::AtSolution`]) and their
/// constants.
pub(crate) struct Kept<'a, T> {
    pub F: &'a Mat<T>,
    pub params: KktParams<T>,
}

impl<T: Real> Ldl<T> for Kept<'_, T> {
    fn solve_plain(&self, rhs: &mut [T]) {
        ldl_solve(self.F.as_ref(), rhs);
    }
    fn params(&self) -> KktParams<T> {
        self.params
    }
}

impl<T: Real> Ldl<T> for Kkt<T> {
    fn solve_plain(&self, rhs: &mut [T]) {
        ldl_solve(self.F.as_ref(), rhs);
    }
    fn params(&self) -> KktParams<T> {
        self.params
    }
}

pub(crate) fn inf_norm<T: Real>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |a, &x| a.max(x.abs()))
}
