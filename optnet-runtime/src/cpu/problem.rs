//! One example's data, copied out of the batch (and possibly equilibrated) for the solve.

use super::equilibrate::Scaling;
use crate::batch::Example;
use crate::Real;
use faer::Mat;
use ndarray::ArrayView2;

/// One example's QP in the solver's working scale (see [`super::equilibrate`]).
pub(crate) struct Local<T> {
    pub n: usize,
    pub m: usize,
    pub p: usize,
    pub Q: Mat<T>,
    pub q: Vec<T>,
    pub A: Mat<T>,
    pub b: Vec<T>,
    pub G: Mat<T>,
    pub h: Vec<T>,
    pub scaling: Scaling<T>,
}

impl<T: Real> Local<T> {
    /// Copies an example out of the batch (data of type `U`, converted to the working type
    /// `T`); Q is symmetrized as ½(Q + Qᵀ).
    pub fn from_example<U: Real>(ex: &Example<'_, U>) -> Self {
        let (n, m, p) = (ex.q.len(), ex.b.len(), ex.h.len());
        let half = T::of(0.5);
        // Column j of Qᵀ is row j of Q, contiguous in a row-major batch: copy Qᵀ, which the
        // symmetrization below turns into the same ½(Q + Qᵀ).
        let mut Q = to_col_major(&ex.Q.t());
        for j in 0..n {
            for i in 0..j {
                let v = half * (Q[(i, j)] + Q[(j, i)]);
                Q[(i, j)] = v;
                Q[(j, i)] = v;
            }
        }
        Local {
            n,
            m,
            p,
            Q,
            q: convert(ex.q.iter()),
            A: to_col_major(&ex.A),
            b: convert(ex.b.iter()),
            G: to_col_major(&ex.G),
            h: convert(ex.h.iter()),
            scaling: Scaling::identity(n, m + p),
        }
    }

    /// Copies an example out of the batch and applies a known scaling (as [`super::equilibrate::ruiz`]
    /// would have produced it).
    pub fn scaled<U: Real>(ex: &Example<'_, U>, scaling: &Scaling<T>) -> Self {
        let mut lp = Local::from_example(ex);
        let (n, m, p) = (lp.n, lp.m, lp.p);
        let (d, e, c) = (&scaling.d, &scaling.e, scaling.c);
        for j in 0..n {
            for i in 0..n {
                lp.Q[(i, j)] *= c * d[i] * d[j];
            }
            for i in 0..m {
                lp.A[(i, j)] *= e[i] * d[j];
            }
            for i in 0..p {
                lp.G[(i, j)] *= e[m + i] * d[j];
            }
            lp.q[j] *= c * d[j];
        }
        for i in 0..m {
            lp.b[i] *= e[i];
        }
        for i in 0..p {
            lp.h[i] *= e[m + i];
        }
        lp.scaling = scaling.clone();
        lp
    }

    /// Whether Q is identically zero (an LP), which changes the starting point.
    pub fn is_lp(&self) -> bool {
        (0..self.n).all(|j| (0..self.n).all(|i| self.Q[(i, j)] == T::zero()))
    }
}

/// A column-major copy of `a`: column by column for column-major data, and for row-major
/// data (the usual layout of a batch) each column a strided read of one slice (the rows'
/// cache lines stay in L1 from one column to the next).
fn to_col_major<T: Real, U: Real>(a: &ArrayView2<'_, U>) -> Mat<T> {
    let (rows, cols) = a.dim();
    if rows == 0 || cols == 0 {
        return Mat::zeros(rows, cols);
    }
    // (`Mat::from_fn` fills column by column without zeroing the matrix first.)
    if let Some(s) = a.t().as_slice() {
        // Column-major data: each column is a contiguous chunk.
        return Mat::from_fn(rows, cols, |i, j| T::of(s[j * rows + i].to64()));
    }
    match a.as_slice() {
        Some(s) => Mat::from_fn(rows, cols, |i, j| T::of(s[i * cols + j].to64())),
        None => Mat::from_fn(rows, cols, |i, j| T::of(a[[i, j]].to64())),
    }
}

/// The values of `v` in the working type `T` (a copy when `U` is `T`).
fn convert<'a, T: Real, U: Real>(v: impl Iterator<Item = &'a U>) -> Vec<T> {
    v.map(|x| T::of(x.to64())).collect()
}
