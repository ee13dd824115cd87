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
        let mut lp = Local {
            n,
            m,
            p,
            Q: Mat::zeros(n, n),
            q: vec![T::zero(); n],
            A: Mat::zeros(m, n),
            b: vec![T::zero(); m],
            G: Mat::zeros(p, n),
            h: vec![T::zero(); p],
            scaling: Scaling::identity(n, m + p),
        };
        lp.refill(ex);
        lp
    }

    /// [`Local::from_example`] into this example's buffers, which must have the new
    /// example's sizes (those of one batch do). A stream of examples recycles one `Local`
    /// per lane this way: with a fresh one per example, page faults and zeroing took a tenth
    /// of a one-core profile of two solves of 128 QPs at n = p = 100 (freed 80 KB buffers went
    /// back to the operating system and came back as new pages; 1.8 % after).
    pub fn refill<U: Real>(&mut self, ex: &Example<'_, U>) {
        let (n, m, p) = (self.n, self.m, self.p);
        debug_assert_eq!((ex.q.len(), ex.b.len(), ex.h.len()), (n, m, p));
        let half = T::of(0.5);
        // Column j of Qᵀ is row j of Q, contiguous in a row-major batch: copy Qᵀ, which the
        // symmetrization below turns into the same ½(Q + Qᵀ).
        copy_col_major(&mut self.Q, &ex.Q.t());
        let Q = &mut self.Q;
        for j in 0..n {
            for i in 0..j {
                let v = half * (Q[(i, j)] + Q[(j, i)]);
                Q[(i, j)] = v;
                Q[(j, i)] = v;
            }
        }
        copy_col_major(&mut self.A, &ex.A);
        copy_col_major(&mut self.G, &ex.G);
        convert(&mut self.q, ex.q.iter());
        convert(&mut self.b, ex.b.iter());
        convert(&mut self.h, ex.h.iter());
        self.scaling.d.fill(T::one());
        self.scaling.e.fill(T::one());
        self.scaling.c = T::one();
    }

    /// Copies an example out of the batch and applies a known scaling (as [`super::equilibrate::ruiz`]
    /// would have produced it, entry for entry: both scale through [`super::equilibrate::apply`]).
    pub fn scaled<U: Real>(ex: &Example<'_, U>, scaling: &Scaling<T>) -> Self {
        let mut lp = Local::from_example(ex);
        super::equilibrate::apply(&mut lp, scaling);
        lp
    }

    /// Whether Q is identically zero (an LP), which changes the starting point.
    pub fn is_lp(&self) -> bool {
        (0..self.n).all(|j| (0..self.n).all(|i| self.Q[(i, j)] == T::zero()))
    }
}

/// Asks the CPU to bring an example's matrices (Q, A, G: what copying or checking it reads)
/// into its L2 cache, without waiting for them: issued one example ahead, the loads of the
/// next example overlap the work on this one instead of each waiting on memory (the batch
/// is read in full twice per solve, far larger than the caches).
pub(crate) fn prefetch<U: Real>(ex: &Example<'_, U>) {
    #[cfg(target_arch = "x86_64")]
    for a in [&ex.Q, &ex.A, &ex.G] {
        if let Some(s) = a.as_slice_memory_order() {
            for line in s.chunks((64 / std::mem::size_of::<U>()).max(1)) {
                // SAFETY: a prefetch is a hint only: it cannot fault or change any value,
                // and `line` points into a live slice; SSE is part of x86_64's baseline.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
                    _mm_prefetch::<_MM_HINT_T1>(line.as_ptr().cast());
                }
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = ex;
}

/// Copies `a` into the column-major `M` of the same shape: column by column for
/// column-major data, and for row-major data (the usual layout of a batch) in blocks of
/// eight columns, each row's eight entries (one cache line) going to the ends of eight
/// column streams. Both copy slice to slice, with no index arithmetic per entry
/// (`Mat::from_fn` with a closure per entry took 7 % of a one-core solve of 128 QPs at
/// n = p = 100).
fn copy_col_major<T: Real, U: Real>(M: &mut Mat<T>, a: &ArrayView2<'_, U>) {
    let (rows, cols) = a.dim();
    debug_assert_eq!((M.nrows(), M.ncols()), (rows, cols));
    if rows == 0 || cols == 0 {
        return;
    }
    if let Some(s) = a.t().as_slice() {
        // Column-major data: each column is a contiguous chunk.
        for (j, src) in s.chunks_exact(rows).enumerate() {
            for (d, &v) in M.col_as_slice_mut(j).iter_mut().zip(src) {
                *d = T::of(v.to64());
            }
        }
        return;
    }
    match a.as_slice() {
        Some(s) => {
            // (Through a plain column-major buffer of one block of columns: indexing M
            // entry by entry does not compile to plain stores.)
            const B: usize = 8;
            let mut buf = vec![T::zero(); rows * B.min(cols)];
            let mut j0 = 0;
            while j0 < cols {
                let w = B.min(cols - j0);
                for (i, row) in s.chunks_exact(cols).enumerate() {
                    for (b, &v) in row[j0..j0 + w].iter().enumerate() {
                        buf[b * rows + i] = T::of(v.to64());
                    }
                }
                for (b, col) in buf.chunks_exact(rows).take(w).enumerate() {
                    M.col_as_slice_mut(j0 + b).copy_from_slice(col);
                }
                j0 += w;
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
}

/// `dst` ← the values of `v` in the working type `T`.
fn convert<'a, T: Real, U: Real>(dst: &mut [T], v: impl Iterator<Item = &'a U>) {
    for (d, x) in dst.iter_mut().zip(v) {
        *d = T::of(x.to64());
    }
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
            let mut M = Mat::<f64>::from_fn(r, c, |_, _| f64::NAN);
            copy_col_major(&mut M, &a);
            assert_eq!((M.nrows(), M.ncols()), (r, c));
            for j in 0..c {
                for i in 0..r {
                    assert_eq!(M[(i, j)], val(i, j) as f64, "entry ({i}, {j})");
                }
            }
        }
    }
}
