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

/// Relative tolerance on negative curvature: Q passes when its smallest eigenvalue is
/// above about −`PSD_TOL`·‖Q‖∞. Real data is PSD only to the digits it was written with:
/// Maros–Meszaros VALUES has λ_min = −1.2e-6·‖Q‖∞, and the interior point method's
/// regularized factorization handles such a Q as the nearby convex problem (Clarabel does
/// the same). A Q with clearly negative curvature is still rejected.
const PSD_TOL: f64 = 1e-5;

/// Fails with [`Error::NotPsd`] when Q + εI, ε = max(`PSD_TOL`, 100·n·eps)·‖Q‖∞, has no
/// Cholesky factorization; a PSD Q (singular ones included) passes. On failure the
/// reported curvature is the smallest eigenvalue of Q.
pub(crate) fn check_psd<T: Real>(
    Q: ArrayView2<'_, T>,
    example: Option<usize>,
) -> Result<(), Error> {
    let n = Q.nrows();
    if n == 0 {
        return Ok(());
    }
    // ‖Q‖∞ (max row sum) bounds every eigenvalue's magnitude (max |Qᵢⱼ| if it overflows).
    let max_abs = Q.iter().fold(T::zero(), |acc, &x| acc.max(x.abs()));
    if max_abs == T::zero() {
        return Ok(());
    }
    let row_sum = Q
        .rows()
        .into_iter()
        .map(|r| r.iter().fold(T::zero(), |acc, &x| acc + x.abs()))
        .fold(T::zero(), |acc, x| acc.max(x));
    let scale = if row_sum.is_finite() {
        row_sum
    } else {
        max_abs
    };
    let eps = T::of(PSD_TOL).max(T::of(100.0 * n as f64) * T::epsilon()) * scale;
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
