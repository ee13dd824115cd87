//! Ruiz equilibration of one example's data.
//!
//! The KKT matrix [Q Aᵀ Gᵀ; A 0 0; G 0 0] is scaled symmetrically, `diag(D, E)·K·diag(D, E)`,
//! until its columns have unit ∞-norm (Ruiz 2001), and the cost by a scalar c, so that the
//! interior point method sees a problem of unit scale:
//!
//! ```text
//! Q̃ = c·DQD,  q̃ = c·Dq,  Ã = E_A·A·D,  b̃ = E_A·b,  G̃ = E_G·G·D,  h̃ = E_G·h.
//! ```
//!
//! A solution (z̃, ν̃, λ̃, s̃) of the scaled problem maps back as
//! z = Dz̃, ν = E_A ν̃ / c, λ = E_G λ̃ / c, s = s̃ / E_G.

use super::problem::Local;
use crate::Real;

/// The scalings of one example: D (n), E (m + p: equalities first), c.
#[derive(Clone, Debug)]
pub(crate) struct Scaling<T> {
    pub d: Vec<T>,
    pub e: Vec<T>,
    pub c: T,
}

impl<T: Real> Scaling<T> {
    pub fn identity(n: usize, rows: usize) -> Self {
        Scaling {
            d: vec![T::one(); n],
            e: vec![T::one(); rows],
            c: T::one(),
        }
    }
}

/// Equilibrates `lp` in place and records the scaling in `lp.scaling`.
pub(crate) fn ruiz<T: Real>(lp: &mut Local<T>, max_iter: u32, min_scale: T, max_scale: T) {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    let mut dcol = vec![T::zero(); n];
    let mut erow = vec![T::zero(); m + p];
    let clip = |norm: T| -> T {
        if norm <= T::epsilon() {
            T::one()
        } else {
            (T::one() / norm.sqrt()).max(min_scale).min(max_scale)
        }
    };
    for _ in 0..max_iter {
        // Column norms of the primal block: max over Q's column, A's and G's columns.
        for j in 0..n {
            dcol[j] = clip(
                amax(lp.Q.col_as_slice(j))
                    .max(amax(lp.A.col_as_slice(j)))
                    .max(amax(lp.G.col_as_slice(j))),
            );
        }
        // Row norms of the constraint block (A and G are column-major: sweep by column).
        erow.fill(T::zero());
        for j in 0..n {
            for (e, &a) in erow[..m].iter_mut().zip(lp.A.col_as_slice(j)) {
                *e = e.max(a.abs());
            }
            for (e, &g) in erow[m..].iter_mut().zip(lp.G.col_as_slice(j)) {
                *e = e.max(g.abs());
            }
        }
        for e in erow.iter_mut() {
            *e = clip(*e);
        }
        let done = dcol
            .iter()
            .chain(&erow)
            .all(|&s| (s - T::one()).abs() < T::of(1e-3));
        scale_data(lp, &dcol, &erow);
        if done {
            break;
        }
    }
    // Cost scaling: bring the mean column norm of Q and ‖q‖∞ to about one.
    let mut mean = T::zero();
    for j in 0..n {
        mean += amax(lp.Q.col_as_slice(j));
    }
    if n > 0 {
        mean /= T::of(n as f64);
    }
    let qnorm = lp.q.iter().fold(T::zero(), |a, &x| a.max(x.abs()));
    let scale = mean.max(qnorm);
    let c = if scale <= T::epsilon() {
        T::one()
    } else {
        (T::one() / scale).max(min_scale).min(max_scale)
    };
    for j in 0..n {
        for v in lp.Q.col_as_slice_mut(j) {
            *v *= c;
        }
        lp.q[j] *= c;
    }
    lp.scaling.c *= c;
}

/// Q ← DQD, q ← Dq, A ← E_A A D, b ← E_A b, G ← E_G G D, h ← E_G h; accumulate D, E.
fn scale_data<T: Real>(lp: &mut Local<T>, d: &[T], e: &[T]) {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    for j in 0..n {
        for (v, &di) in lp.Q.col_as_slice_mut(j).iter_mut().zip(d) {
            *v *= di * d[j];
        }
        for (v, &ei) in lp.A.col_as_slice_mut(j).iter_mut().zip(&e[..m]) {
            *v *= ei * d[j];
        }
        for (v, &ei) in lp.G.col_as_slice_mut(j).iter_mut().zip(&e[m..]) {
            *v *= ei * d[j];
        }
        lp.q[j] *= d[j];
        lp.scaling.d[j] *= d[j];
    }
    for i in 0..m {
        lp.b[i] *= e[i];
    }
    for i in 0..p {
        lp.h[i] *= e[m + i];
    }
    for (acc, &s) in lp.scaling.e.iter_mut().zip(e) {
        *acc *= s;
    }
}

/// max |vᵢ| (0 for an empty slice).
fn amax<T: Real>(v: &[T]) -> T {
    v.iter().fold(T::zero(), |a, &x| a.max(x.abs()))
}
