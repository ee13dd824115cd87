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
//! of size n + m. It is factored as LDLᵀ without pivoting, with static regularization ε
//! and dynamic regularization of pivots of the wrong sign (faer's `LdltRegularization`),
//! and every solve is refined iteratively against the unregularized matrix.

use crate::Real;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::{
    cholesky_in_place, cholesky_in_place_scratch, LdltRegularization,
};
use faer::linalg::cholesky::ldlt::solve::solve_in_place_with_conj;
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::reborrow::ReborrowMut;
use faer::{Accum, ColMut, ColRef, Conj, Mat, MatRef, Par};

/// Numerical constants of the factorization, already converted to `T`.
#[derive(Copy, Clone, Debug)]
pub(crate) struct KktParams<T> {
    pub static_reg: T,
    pub dyn_eps: T,
    pub dyn_delta: T,
    pub refine_max_iter: u32,
    pub refine_abstol: T,
    pub refine_reltol: T,
}

/// Workspace for forming, factoring and solving K for one example. Allocated once per
/// example; nothing inside the iteration loop allocates.
pub(crate) struct Kkt<T> {
    pub n: usize,
    pub m: usize,
    /// K as formed (both triangles), regularization included.
    K: Mat<T>,
    /// LDLᵀ factors of K: strictly lower part L (unit diagonal implied), diagonal D.
    F: Mat<T>,
    /// √W ∘ G, scratch for the product GᵀWG.
    Gw: Mat<T>,
    signs: Vec<i8>,
    mem: MemBuffer,
    /// Scratch vectors of length n + m.
    x: Vec<T>,
    r: Vec<T>,
    c: Vec<T>,
    params: KktParams<T>,
}

impl<T: Real> Kkt<T> {
    pub fn new(n: usize, m: usize, p: usize, params: KktParams<T>) -> Self {
        let dim = n + m;
        let mut signs = vec![1i8; dim];
        signs[n..].fill(-1);
        let scratch = cholesky_in_place_scratch::<T>(dim, Par::Seq, Default::default());
        Kkt {
            n,
            m,
            K: Mat::zeros(dim, dim),
            F: Mat::zeros(dim, dim),
            Gw: Mat::zeros(p, n),
            signs,
            mem: MemBuffer::new(scratch),
            x: vec![T::zero(); dim],
            r: vec![T::zero(); dim],
            c: vec![T::zero(); dim],
            params,
        }
    }

    /// Forms K for weights `w` (W = diag(w)) and factors it. Returns false if the
    /// factorization broke down (a zero or non-finite pivot).
    pub fn factor(
        &mut self,
        Q: MatRef<'_, T>,
        A: MatRef<'_, T>,
        G: MatRef<'_, T>,
        w: &[T],
    ) -> bool {
        let (n, m) = (self.n, self.m);
        let eps = self.params.static_reg;
        // (1,1) block, lower triangle: Q + GᵀWG + εI.
        {
            let mut H = self.K.as_mut().submatrix_mut(0, 0, n, n);
            H.copy_from(Q);
            if G.nrows() > 0 {
                for j in 0..n {
                    for i in 0..G.nrows() {
                        self.Gw[(i, j)] = G[(i, j)] * w[i].sqrt();
                    }
                }
                triangular::matmul(
                    H.rb_mut(),
                    BlockStructure::TriangularLower,
                    Accum::Add,
                    self.Gw.transpose(),
                    BlockStructure::Rectangular,
                    self.Gw.as_ref(),
                    BlockStructure::Rectangular,
                    T::one(),
                    Par::Seq,
                );
            }
            for i in 0..n {
                H[(i, i)] += eps;
            }
            // Mirror the lower triangle so that K can be applied as a full matrix.
            for j in 0..n {
                for i in 0..j {
                    let v = H[(j, i)];
                    H[(i, j)] = v;
                }
            }
        }
        // (2,1), (1,2) and (2,2) blocks.
        for j in 0..n {
            for i in 0..m {
                let v = A[(i, j)];
                self.K[(n + i, j)] = v;
                self.K[(j, n + i)] = v;
            }
        }
        for i in 0..m {
            for j in 0..m {
                self.K[(n + i, n + j)] = if i == j { -eps } else { T::zero() };
            }
        }
        self.F.copy_from(&self.K);
        let reg = LdltRegularization {
            dynamic_regularization_signs: Some(&self.signs),
            dynamic_regularization_delta: self.params.dyn_delta,
            dynamic_regularization_epsilon: self.params.dyn_eps,
        };
        let ok = cholesky_in_place(
            self.F.as_mut(),
            reg,
            Par::Seq,
            MemStack::new(&mut self.mem),
            Default::default(),
        )
        .is_ok();
        ok && (0..n + m).all(|i| self.F[(i, i)].is_finite() && self.F[(i, i)] != T::zero())
    }

    /// Solves K_true x = rhs in place (rhs has length n + m), where K_true is K without
    /// the static regularization, by one solve with the factors followed by iterative
    /// refinement: r = rhs − K_true x, x += K⁻¹ r, until ‖r‖∞ ≤ abstol + reltol‖rhs‖∞.
    pub fn solve(&mut self, rhs: &mut [T]) {
        let dim = self.n + self.m;
        debug_assert_eq!(rhs.len(), dim);
        self.x.copy_from_slice(rhs);
        self.ldl_solve_x();
        let norm_rhs = inf_norm(rhs);
        let tol = self.params.refine_abstol + self.params.refine_reltol * norm_rhs;
        for _ in 0..self.params.refine_max_iter {
            self.residual(rhs);
            let rnorm = inf_norm(&self.r);
            if rnorm <= tol || !rnorm.is_finite() {
                break;
            }
            self.c.copy_from_slice(&self.r);
            solve_ldl(self.F.as_ref(), &mut self.c);
            for (x, c) in self.x.iter_mut().zip(&self.c) {
                *x += *c;
            }
        }
        rhs.copy_from_slice(&self.x);
    }

    fn ldl_solve_x(&mut self) {
        solve_ldl(self.F.as_ref(), &mut self.x);
    }

    /// self.r = rhs − K_true x, with K_true = K − diag(εI, −εI).
    fn residual(&mut self, rhs: &[T]) {
        let n = self.n;
        let eps = self.params.static_reg;
        self.r.copy_from_slice(rhs);
        matmul(
            ColMut::from_slice_mut(&mut self.r).as_mat_mut(),
            Accum::Add,
            self.K.as_ref(),
            ColRef::from_slice(&self.x).as_mat(),
            -T::one(),
            Par::Seq,
        );
        for i in 0..n {
            self.r[i] += eps * self.x[i];
        }
        for i in n..self.r.len() {
            self.r[i] -= eps * self.x[i];
        }
    }

    /// The factors, kept by the forward pass for the backward pass.
    pub fn into_factors(self) -> Mat<T> {
        self.F
    }
}

/// x ← (LDLᵀ)⁻¹ x with L, D stored in `F` (strictly lower part and diagonal).
pub(crate) fn solve_ldl<T: Real>(F: MatRef<'_, T>, x: &mut [T]) {
    let mut mem = MemBuffer::new(faer::dyn_stack::StackReq::EMPTY);
    solve_in_place_with_conj(
        F,
        F.diagonal(),
        Conj::No,
        ColMut::from_slice_mut(x).as_mat_mut(),
        Par::Seq,
        MemStack::new(&mut mem),
    );
}

pub(crate) fn inf_norm<T: Real>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |a, &x| a.max(x.abs()))
}
