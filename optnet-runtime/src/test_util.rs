//! Helpers for the unit tests (the integration tests have their own in `tests/all/common`).

/// max(a, b), NaN if either is (`f64::max` returns the other argument, dropping a NaN).
pub(crate) fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
