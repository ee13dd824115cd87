//! The dense vector kernels of one interior point iteration: dot products, matrix–vector
//! products with Q, A, G (and their transposes), and the two triangular solves with the
//! LDLᵀ factors of the reduced KKT matrix.
//!
//! At n ≈ 100 these kernels run ten to twenty times per iteration, each on a matrix that
//! sits in L2, so they are bound by how many independent multiply–adds are in flight, not
//! by the memory: the loops below keep many accumulators (four columns × eight lanes) and
//! touch each column once. Every public kernel runs under [`dispatch`], which compiles the
//! loop bodies for AVX2 + FMA and picks that build at run time where the CPU has it, so a
//! portable build still vectorizes them with fused multiply–adds. Summation order is fixed
//! per instruction set: results are reproducible on one machine.

use crate::Real;
use faer::{Mat, MatRef};
use pulp::{Arch, Simd, WithSimd};

/// Lanes per accumulator block: one AVX-512 register of `f64`, two of AVX2.
pub(crate) const L: usize = 8;

/// Runs `op` compiled for AVX2 with FMA where the CPU has it, else for the best instruction
/// set pulp finds. (pulp is built with AVX-512 support for two lane kernels, see
/// [`super::lane_kernels`]; these loops stay on AVX2, whose 256-bit multiply–adds issue at
/// twice the rate of 512-bit ones on the development CPU.)
#[inline(always)]
pub(crate) fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = pulp::x86::V3::try_new() {
        return Simd::vectorize(s, op);
    }
    Arch::new().dispatch(op)
}

/// a·b + c, fused where the instruction set has it.
#[inline(always)]
fn fma<T: Real>(a: T, b: T, c: T) -> T {
    num_traits::Float::mul_add(a, b, c)
}

/// ⟨a, b⟩ over the common length.
pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    struct Op<'a, T>(&'a [T], &'a [T]);
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = T;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> T {
            dot_body(self.0, self.1)
        }
    }
    dispatch(Op(a, b))
}

#[inline(always)]
fn dot_body<T: Real>(a: &[T], b: &[T]) -> T {
    let n = a.len().min(b.len());
    let k = n / L * L;
    let mut acc = [T::zero(); L];
    for (x, y) in a[..k].chunks_exact(L).zip(b[..k].chunks_exact(L)) {
        for l in 0..L {
            acc[l] = fma(x[l], y[l], acc[l]);
        }
    }
    let mut t = sum8(&acc);
    for i in k..n {
        t = fma(a[i], b[i], t);
    }
    t
}

#[inline(always)]
fn sum8<T: Real>(a: &[T; L]) -> T {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// Four dot products ⟨cᵢ, x⟩ sharing the loads of x: 32 independent accumulators.
#[inline(always)]
fn dot4<T: Real>(c: [&[T]; 4], x: &[T]) -> [T; 4] {
    let n = x.len();
    let k = n / L * L;
    let mut acc = [[T::zero(); L]; 4];
    let (c0, c1, c2, c3) = (&c[0][..n], &c[1][..n], &c[2][..n], &c[3][..n]);
    for ((((xv, v0), v1), v2), v3) in x[..k]
        .chunks_exact(L)
        .zip(c0[..k].chunks_exact(L))
        .zip(c1[..k].chunks_exact(L))
        .zip(c2[..k].chunks_exact(L))
        .zip(c3[..k].chunks_exact(L))
    {
        for l in 0..L {
            acc[0][l] = fma(v0[l], xv[l], acc[0][l]);
            acc[1][l] = fma(v1[l], xv[l], acc[1][l]);
            acc[2][l] = fma(v2[l], xv[l], acc[2][l]);
            acc[3][l] = fma(v3[l], xv[l], acc[3][l]);
        }
    }
    let mut out = [sum8(&acc[0]), sum8(&acc[1]), sum8(&acc[2]), sum8(&acc[3])];
    for i in k..n {
        out[0] = fma(c0[i], x[i], out[0]);
        out[1] = fma(c1[i], x[i], out[1]);
        out[2] = fma(c2[i], x[i], out[2]);
        out[3] = fma(c3[i], x[i], out[3]);
    }
    out
}

/// y ← β·y + α·op(M)·x with β ∈ {0, 1} (`add`) and op(M) = M or Mᵀ (`trans`), for a
/// column-major M.
pub(crate) fn gemv<T: Real>(y: &mut [T], add: bool, M: &Mat<T>, trans: bool, x: &[T], alpha: T) {
    struct Op<'a, T> {
        y: &'a mut [T],
        add: bool,
        M: MatRef<'a, T>,
        trans: bool,
        x: &'a [T],
        alpha: T,
    }
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            if !self.add {
                self.y.fill(T::zero());
            }
            if self.trans {
                gemv_t_body(self.y, self.M, self.x, self.alpha)
            } else {
                gemv_n_body(self.y, self.M, self.x, self.alpha)
            }
        }
    }
    dispatch(Op {
        y,
        add,
        M: M.as_ref(),
        trans,
        x,
        alpha,
    })
}

#[inline(always)]
fn col<'a, T>(M: MatRef<'a, T>, j: usize) -> &'a [T] {
    M.col(j)
        .try_as_col_major()
        .expect("unit row stride")
        .as_slice()
}

/// y_j += α·⟨M[:, j], x⟩.
#[inline(always)]
fn gemv_t_body<T: Real>(y: &mut [T], M: MatRef<'_, T>, x: &[T], alpha: T) {
    let nc = M.ncols().min(y.len());
    let x = &x[..M.nrows()];
    let mut j = 0;
    while j + 4 <= nc {
        let r = dot4([col(M, j), col(M, j + 1), col(M, j + 2), col(M, j + 3)], x);
        for l in 0..4 {
            y[j + l] = fma(alpha, r[l], y[j + l]);
        }
        j += 4;
    }
    while j < nc {
        y[j] = fma(alpha, dot_body(col(M, j), x), y[j]);
        j += 1;
    }
}

/// y += Σ_j (α·x_j)·M[:, j], four columns per pass over y.
#[inline(always)]
fn gemv_n_body<T: Real>(y: &mut [T], M: MatRef<'_, T>, x: &[T], alpha: T) {
    let nc = M.ncols().min(x.len());
    let r = M.nrows();
    let y = &mut y[..r];
    let mut j = 0;
    while j + 4 <= nc {
        let (a, b, c, d) = (
            alpha * x[j],
            alpha * x[j + 1],
            alpha * x[j + 2],
            alpha * x[j + 3],
        );
        let (ca, cb, cc, cd) = (col(M, j), col(M, j + 1), col(M, j + 2), col(M, j + 3));
        for ((((yi, &va), &vb), &vc), &vd) in y.iter_mut().zip(ca).zip(cb).zip(cc).zip(cd) {
            *yi = fma(a, va, fma(b, vb, fma(c, vc, fma(d, vd, *yi))));
        }
        j += 4;
    }
    while j < nc {
        let a = alpha * x[j];
        for (yi, &v) in y.iter_mut().zip(col(M, j)) {
            *yi = fma(a, v, *yi);
        }
        j += 1;
    }
}

/// Both products with one sweep over a column-major M: yt += α·Mᵀxt and yn += α·M·xn.
/// Refinement needs Gᵀλ and Gz of the same G; reading G once instead of twice halves the
/// memory traffic of the pair, which is what bounds these kernels at n ≈ 100.
pub(crate) fn gemv_tn<T: Real>(
    M: &Mat<T>,
    xt: &[T],
    yt: &mut [T],
    xn: &[T],
    yn: &mut [T],
    alpha: T,
) {
    struct Op<'a, T> {
        M: MatRef<'a, T>,
        xt: &'a [T],
        yt: &'a mut [T],
        xn: &'a [T],
        yn: &'a mut [T],
        alpha: T,
    }
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            let Op {
                M,
                xt,
                yt,
                xn,
                yn,
                alpha,
            } = self;
            let (r, nc) = (M.nrows(), M.ncols());
            let (xt, yn, yt, xn) = (&xt[..r], &mut yn[..r], &mut yt[..nc], &xn[..nc]);
            let k = r / L * L;
            let mut j = 0;
            while j + 4 <= nc {
                let c = [col(M, j), col(M, j + 1), col(M, j + 2), col(M, j + 3)];
                let a = [
                    alpha * xn[j],
                    alpha * xn[j + 1],
                    alpha * xn[j + 2],
                    alpha * xn[j + 3],
                ];
                let c = [&c[0][..r], &c[1][..r], &c[2][..r], &c[3][..r]];
                let mut acc = [[T::zero(); L]; 4];
                for (((((x, y), c0), c1), c2), c3) in xt[..k]
                    .chunks_exact(L)
                    .zip(yn[..k].chunks_exact_mut(L))
                    .zip(c[0][..k].chunks_exact(L))
                    .zip(c[1][..k].chunks_exact(L))
                    .zip(c[2][..k].chunks_exact(L))
                    .zip(c[3][..k].chunks_exact(L))
                {
                    for l in 0..L {
                        acc[0][l] = fma(c0[l], x[l], acc[0][l]);
                        acc[1][l] = fma(c1[l], x[l], acc[1][l]);
                        acc[2][l] = fma(c2[l], x[l], acc[2][l]);
                        acc[3][l] = fma(c3[l], x[l], acc[3][l]);
                        y[l] = fma(
                            a[0],
                            c0[l],
                            fma(a[1], c1[l], fma(a[2], c2[l], fma(a[3], c3[l], y[l]))),
                        );
                    }
                }
                let mut d = [sum8(&acc[0]), sum8(&acc[1]), sum8(&acc[2]), sum8(&acc[3])];
                for i in k..r {
                    let (v0, v1, v2, v3) = (c[0][i], c[1][i], c[2][i], c[3][i]);
                    d[0] = fma(v0, xt[i], d[0]);
                    d[1] = fma(v1, xt[i], d[1]);
                    d[2] = fma(v2, xt[i], d[2]);
                    d[3] = fma(v3, xt[i], d[3]);
                    yn[i] = fma(a[0], v0, fma(a[1], v1, fma(a[2], v2, fma(a[3], v3, yn[i]))));
                }
                for l in 0..4 {
                    yt[j + l] = fma(alpha, d[l], yt[j + l]);
                }
                j += 4;
            }
            while j < nc {
                let c = col(M, j);
                yt[j] = fma(alpha, dot_body(c, xt), yt[j]);
                let a = alpha * xn[j];
                for (y, &v) in yn.iter_mut().zip(c) {
                    *y = fma(a, v, *y);
                }
                j += 1;
            }
        }
    }
    dispatch(Op {
        M: M.as_ref(),
        xt,
        yt,
        xn,
        yn,
        alpha,
    })
}

/// Whether every entry is finite: 0·x is ±0 for a finite x and NaN for ±∞ or NaN, so
/// the sum of the products is 0 exactly when all are finite (a branch-free loop that
/// vectorizes, unlike a short-circuiting test per entry).
pub(crate) fn all_finite<T: Real>(v: &[T]) -> bool {
    struct Op<'a, T>(&'a [T]);
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = bool;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> bool {
            let v = self.0;
            let k = v.len() / L * L;
            let mut acc = [T::zero(); L];
            for c in v[..k].chunks_exact(L) {
                for l in 0..L {
                    acc[l] += c[l] * T::zero();
                }
            }
            let t = v[k..].iter().fold(sum8(&acc), |a, &x| a + x * T::zero());
            t == T::zero()
        }
    }
    dispatch(Op(v))
}

/// x ← (LDLᵀ)⁻¹ x with L (unit diagonal, strictly lower part) and D (diagonal) stored
/// together in `F`: forward substitution by columns (axpy), the diagonal, then backward
/// substitution by dot products with the columns of L (= rows of Lᵀ).
pub(crate) fn ldl_solve<T: Real>(F: MatRef<'_, T>, x: &mut [T]) {
    struct Op<'a, T>(MatRef<'a, T>, &'a mut [T]);
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            let Op(F, x) = self;
            let n = F.nrows();
            let x = &mut x[..n];
            // L y = x.
            for j in 0..n {
                let xj = x[j];
                if xj != T::zero() {
                    let (_, below) = x.split_at_mut(j + 1);
                    for (v, &l) in below.iter_mut().zip(&col(F, j)[j + 1..]) {
                        *v = fma(-xj, l, *v);
                    }
                }
            }
            // D z = y.
            for (j, v) in x.iter_mut().enumerate() {
                *v /= F[(j, j)];
            }
            // Lᵀ x = z.
            for j in (0..n).rev() {
                let (head, below) = x.split_at_mut(j + 1);
                head[j] -= dot_body(&col(F, j)[j + 1..], below);
            }
        }
    }
    dispatch(Op(F, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(M: &Mat<f64>, trans: bool, x: &[f64]) -> Vec<f64> {
        let (r, c) = if trans {
            (M.ncols(), M.nrows())
        } else {
            (M.nrows(), M.ncols())
        };
        (0..r)
            .map(|i| {
                (0..c)
                    .map(|j| if trans { M[(j, i)] } else { M[(i, j)] } * x[j])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn kernels_match_naive_loops() {
        // Sizes around the block widths (4 columns, 8 lanes), including empty ones.
        for &(r, c) in &[
            (0, 3),
            (3, 0),
            (1, 1),
            (7, 5),
            (8, 4),
            (13, 17),
            (100, 100),
            (33, 70),
        ] {
            let M = Mat::<f64>::from_fn(r, c, |i, j| ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.5);
            for trans in [false, true] {
                let len_x = if trans { r } else { c };
                let len_y = if trans { c } else { r };
                let x: Vec<f64> = (0..len_x).map(|i| (i as f64 * 0.37).sin()).collect();
                let want = naive(&M, trans, &x);
                let mut y = vec![1.0; len_y];
                gemv(&mut y, true, &M, trans, &x, -2.0);
                for (a, b) in y.iter().zip(&want) {
                    assert!((a - (1.0 - 2.0 * b)).abs() < 1e-12, "{r}x{c} trans={trans}");
                }
            }
            // Both products in one sweep.
            let xt: Vec<f64> = (0..r).map(|i| (i as f64 * 0.61).cos()).collect();
            let xn: Vec<f64> = (0..c).map(|j| (j as f64 * 0.29).sin()).collect();
            let (want_t, want_n) = (naive(&M, true, &xt), naive(&M, false, &xn));
            let (mut yt, mut yn) = (vec![1.0; c], vec![1.0; r]);
            gemv_tn(&M, &xt, &mut yt, &xn, &mut yn, -2.0);
            for (a, b) in yt.iter().zip(&want_t).chain(yn.iter().zip(&want_n)) {
                assert!((a - (1.0 - 2.0 * b)).abs() < 1e-12, "{r}x{c} gemv_tn");
            }
            let a: Vec<f64> = (0..r).map(|i| i as f64 - 3.0).collect();
            let b: Vec<f64> = (0..r).map(|i| 1.0 / (i as f64 + 1.0)).collect();
            let want: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - want).abs() < 1e-12);
            // all_finite sees a non-finite entry wherever it is (vector body or tail).
            let mut v: Vec<f64> = (0..r).map(|i| i as f64 - 1e300).collect();
            assert!(all_finite(&v));
            for bad in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
                for i in 0..r {
                    let keep = v[i];
                    v[i] = bad;
                    assert!(!all_finite(&v), "{r}: {bad} at {i}");
                    v[i] = keep;
                }
            }
        }
    }

    #[test]
    fn ldl_solve_inverts_the_factors() {
        let n = 37;
        // L unit lower, D with both signs (quasi-definite).
        let F = Mat::<f64>::from_fn(n, n, |i, j| {
            if i == j {
                if i % 3 == 0 {
                    -2.0 - i as f64 * 0.1
                } else {
                    1.5 + i as f64 * 0.05
                }
            } else if i > j {
                ((i * 7 + j * 3) % 11) as f64 / 20.0 - 0.25
            } else {
                f64::NAN // never read
            }
        });
        let Lmat = Mat::<f64>::from_fn(n, n, |i, j| match i.cmp(&j) {
            std::cmp::Ordering::Equal => 1.0,
            std::cmp::Ordering::Greater => F[(i, j)],
            _ => 0.0,
        });
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos()).collect();
        // b = L D Lᵀ x.
        let t = naive(&Lmat, true, &x_true);
        let t: Vec<f64> = t.iter().enumerate().map(|(i, v)| v * F[(i, i)]).collect();
        let mut b = naive(&Lmat, false, &t);
        ldl_solve(F.as_ref(), &mut b);
        for (a, e) in b.iter().zip(&x_true) {
            assert!((a - e).abs() < 1e-10, "{a} vs {e}");
        }
    }
}
