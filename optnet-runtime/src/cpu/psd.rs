//! Positive semi-definiteness check of Q: one Cholesky factorization of Q + εI.

use crate::{Error, Real};
use faer::linalg::cholesky::llt::factor::{
    cholesky_in_place, cholesky_in_place_scratch, LltRegularization,
};
use faer::{
    dyn_stack::{MemBuffer, MemStack},
    Mat, Par,
};
use ndarray::ArrayView2;

/// Relative tolerance of the PSD check: Q may have eigenvalues down to −1e-5·‖Q‖∞.
/// Data rounded to a few digits makes some convex problems slightly indefinite (the
/// Maros–Meszaros problem VALUES has λ_min = −1.3e-5 with ‖Q‖ ≈ 11); the regularized
/// interior point method solves those, while a real negative curvature is reported.
pub(crate) const PSD_TOL: f64 = 1e-5;

/// Fails with [`Error::NotPsd`] when Q + εI, ε = max(100·n·eps·max|Qᵢⱼ|, PSD_TOL·‖Q‖∞), has
/// no Cholesky factorization; a PSD Q (singular ones included) passes. On failure the
/// reported curvature is the smallest eigenvalue of Q.
pub(crate) fn check_psd<T: Real>(
    Q: ArrayView2<'_, T>,
    example: Option<usize>,
) -> Result<(), Error> {
    let n = Q.nrows();
    if n == 0 {
        return Ok(());
    }
    let scale = Q.iter().fold(T::zero(), |acc, &x| acc.max(x.abs()));
    if scale == T::zero() {
        return Ok(());
    }
    let norm_inf = (0..n)
        .map(|i| Q.row(i).iter().fold(T::zero(), |a, &x| a + x.abs()))
        .fold(T::zero(), |a, x| a.max(x));
    let eps = (T::of(100.0 * n as f64) * T::epsilon() * scale).max(T::of(PSD_TOL) * norm_inf);
    let mut L = Mat::<T>::from_fn(n, n, |i, j| {
        let v = Q[[i, j]];
        if i == j {
            v + eps
        } else {
            v
        }
    });
    let mut mem = MemBuffer::new(cholesky_in_place_scratch::<T>(
        n,
        Par::Seq,
        Default::default(),
    ));
    let ok = cholesky_in_place(
        L.as_mut(),
        LltRegularization::default(),
        Par::Seq,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .is_ok();
    if ok {
        return Ok(());
    }
    let Qm = Mat::<T>::from_fn(n, n, |i, j| Q[[i, j]]);
    let curvature = Qm
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .ok()
        .and_then(|ev| ev.first().map(|&x| x.to64()))
        .unwrap_or(f64::NAN);
    Err(Error::NotPsd { example, curvature })
}
