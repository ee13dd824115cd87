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
/// data (the usual layout of a batch) in blocks of eight columns, each row's eight entries
/// (one cache line) going to the ends of eight column streams. Both copy slice to slice,
/// with no index arithmetic per entry (`Mat::from_fn` with a closure per entry took 7 % of
/// a one-core solve of 128 QPs at n = p = 100).
fn to_col_major<T: Real, U: Real>(a: &ArrayView2<'_, U>) -> Mat<T> {
    let (rows, cols) = a.dim();
    let mut M = Mat::zeros(rows, cols);
    if rows == 0 || cols == 0 {
        return M;
    }
    if let Some(s) = a.t().as_slice() {
        // Column-major data: each column is a contiguous chunk.
        for (j, src) in s.chunks_exact(rows).enumerate() {
            for (d, &v) in M.col_as_slice_mut(j).iter_mut().zip(src) {
                *d = T::of(v.to64());
            }
        }
        return M;
    }
    match a.as_slice() {
        Some(s) => {
            // (Through a plain column-major buffer: indexing M entry by entry does not
            // compile to plain stores.)
            const B: usize = 8;
            let mut buf = vec![T::zero(); rows * cols];
            let mut j0 = 0;
            while j0 < cols {
                let w = B.min(cols - j0);
                for (i, row) in s.chunks_exact(cols).enumerate() {
                    for (b, &v) in row[j0..j0 + w].iter().enumerate() {
                        buf[(j0 + b) * rows + i] = T::of(v.to64());
                    }
                }
                j0 += w;
            }
            for (j, col) in buf.chunks_exact(rows).enumerate() {
                M.col_as_slice_mut(j).copy_from_slice(col);
            }
        }
        None => {
            for j in 0..cols {
                for (i, d) in M.col_as_slice_mut(j).iter_mut().enumerate() {
                    *d = T::of(a[[i, j]].to64());
                }
            }
        }
    }
    M
}

/// The values of `v` in the working type `T` (a copy when `U` is `T`).
fn convert<'a, T: Real, U: Real>(v: impl Iterator<Item = &'a U>) -> Vec<T> {
    v.map(|x| T::of(x.to64())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2, ShapeBuilder};

    /// Every layout a batch may come in (row-major, column-major, strided) gives the same
    /// column-major copy, entry for entry, widened from f32 where the batch is f32; 13 × 21
    /// leaves a partial block of columns.
    #[test]
    fn copies_are_column_major_in_every_layout() {
        let (r, c) = (13, 21);
        let val = |i: usize, j: usize| (i * 100 + j) as f32 * 0.25 - 7.0;
        let row_major = Array2::from_shape_fn((r, c), |(i, j)| val(i, j));
        let col_major = Array2::from_shape_fn((r, c).f(), |(i, j)| val(i, j));
        let wide = Array2::from_shape_fn((r, 2 * c), |(i, j)| {
            if j % 2 == 0 {
                val(i, j / 2)
            } else {
                f32::NAN
            }
        });
        let strided = wide.slice(s![.., ..;2]);
        assert!(row_major.as_slice().is_some() && col_major.t().as_slice().is_some());
        assert!(strided.as_slice().is_none() && strided.t().as_slice().is_none());
        for a in [row_major.view(), col_major.view(), strided] {
            let M: Mat<f64> = to_col_major(&a);
            assert_eq!((M.nrows(), M.ncols()), (r, c));
            for j in 0..c {
                for i in 0..r {
                    assert_eq!(M[(i, j)], val(i, j) as f64, "entry ({i}, {j})");
                }
            }
        }
    }
}
