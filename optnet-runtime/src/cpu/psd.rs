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

/// Fails with [`Error::NotPsd`] when Q + εI, ε = 100·n·eps·max|Qᵢⱼ|, has no Cholesky
/// factorization; a PSD Q (singular ones included) passes. On failure the reported
/// curvature is the smallest eigenvalue of Q.
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
    let eps = T::of(100.0 * n as f64) * T::epsilon() * scale;
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
