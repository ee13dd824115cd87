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

use super::dense::{dispatch, L};
use super::problem::Local;
use crate::Real;
use pulp::{Simd, WithSimd};

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
///
/// Each Ruiz pass needs the ∞-norms of the columns of [Q; A; G] and of the rows of [A; G]
/// of the data as scaled so far; they are measured while the previous pass scales the data
/// ([`scale_data`]), so a pass reads every matrix once.
pub(crate) fn ruiz<T: Real>(lp: &mut Local<T>, max_iter: u32, min_scale: T, max_scale: T) {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    let mut norms = Norms {
        col: vec![T::zero(); n],
        row: vec![T::zero(); m + p],
        q_col: vec![T::zero(); n],
    };
    let mut dcol = vec![T::zero(); n];
    let mut erow = vec![T::zero(); m + p];
    let clip = |norm: T| -> T {
        if norm <= T::epsilon() {
            T::one()
        } else {
            (T::one() / norm.sqrt()).max(min_scale).min(max_scale)
        }
    };
    measure(lp, &mut norms);
    for _ in 0..max_iter {
        for j in 0..n {
            dcol[j] = clip(norms.col[j]);
        }
        for (e, &r) in erow.iter_mut().zip(&norms.row) {
            *e = clip(r);
        }
        let done = dcol
            .iter()
            .chain(&erow)
            .all(|&s| (s - T::one()).abs() < T::of(1e-3));
        scale_data(lp, &dcol, &erow, &mut norms);
        if done {
            break;
        }
    }
    // Cost scaling: bring the mean column norm of Q and ‖q‖∞ to about one.
    let mut mean = T::zero();
    for j in 0..n {
        mean += norms.q_col[j];
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

/// ∞-norms of the data as it stands: columns of [Q; A; G] (`col`), rows of [A; G] (`row`),
/// and the columns of Q alone (`q_col`, for the cost scaling).
struct Norms<T> {
    col: Vec<T>,
    row: Vec<T>,
    q_col: Vec<T>,
}

/// Fills `norms` from the data (the first pass; later ones come from [`scale_data`]).
fn measure<T: Real>(lp: &mut Local<T>, norms: &mut Norms<T>) {
    let (n, m) = (lp.n, lp.m);
    let ones_n = vec![T::one(); n];
    let ones_e = vec![T::one(); norms.row.len()];
    norms.row.fill(T::zero());
    let (row_eq, row_in) = norms.row.split_at_mut(m);
    for j in 0..n {
        let q = scale_col_amax(lp.Q.col_as_slice_mut(j), &ones_n, T::one(), None);
        let a = scale_col_amax(
            lp.A.col_as_slice_mut(j),
            &ones_e[..m],
            T::one(),
            Some(row_eq),
        );
        let g = scale_col_amax(
            lp.G.col_as_slice_mut(j),
            &ones_e[m..],
            T::one(),
            Some(row_in),
        );
        norms.q_col[j] = q;
        norms.col[j] = q.max(a).max(g);
    }
}

/// Q ← DQD, q ← Dq, A ← E_A A D, b ← E_A b, G ← E_G G D, h ← E_G h; accumulate D, E; and
/// measure the norms of the scaled data in the same sweep.
fn scale_data<T: Real>(lp: &mut Local<T>, d: &[T], e: &[T], norms: &mut Norms<T>) {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    norms.row.fill(T::zero());
    let (row_eq, row_in) = norms.row.split_at_mut(m);
    for j in 0..n {
        let q = scale_col_amax(lp.Q.col_as_slice_mut(j), d, d[j], None);
        let a = scale_col_amax(lp.A.col_as_slice_mut(j), &e[..m], d[j], Some(row_eq));
        let g = scale_col_amax(lp.G.col_as_slice_mut(j), &e[m..], d[j], Some(row_in));
        norms.q_col[j] = q;
        norms.col[j] = q.max(a).max(g);
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

/// vᵢ ← vᵢ·(eᵢ·d) (exact when every factor is one, as in [`measure`]);
/// returns max |vᵢ| after scaling and raises `row[i]` to |vᵢ|. Eight independent maxima,
/// so that the loop vectorizes (a single running max is a serial dependency chain).
fn scale_col_amax<T: Real>(v: &mut [T], e: &[T], d: T, row: Option<&mut [T]>) -> T {
    struct Op<'a, T> {
        v: &'a mut [T],
        e: &'a [T],
        d: T,
        row: Option<&'a mut [T]>,
    }
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = T;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> T {
            let Op { v, e, d, row } = self;
            match row {
                Some(row) => scale_amax_rows(v, e, d, row),
                None => scale_amax(v, e, d),
            }
        }
    }
    dispatch(Op { v, e, d, row })
}

/// `a > m` rather than `max`: the same result for non-NaN data, and NaN entries (never in
/// validated data) are skipped either way.
#[inline(always)]
fn upd<T: Real>(m: &mut T, a: T) {
    *m = if a > *m { a } else { *m };
}

/// [`scale_col_amax`] without row maxima: the scaling and the maximum in loops of their own
/// (fused into one, with the row maxima, they had compiled to scalar code).
#[inline(always)]
fn scale_amax<T: Real>(v: &mut [T], e: &[T], d: T) -> T {
    for (x, &s) in v.iter_mut().zip(e) {
        *x *= s * d;
    }
    let k = v.len() / L * L;
    let mut acc = [T::zero(); L];
    for c in v[..k].chunks_exact(L) {
        for l in 0..L {
            upd(&mut acc[l], c[l].abs());
        }
    }
    let tail = v[k..].iter().fold(T::zero(), |mut m, x| {
        upd(&mut m, x.abs());
        m
    });
    acc.iter().fold(tail, |a, &x| a.max(x))
}

/// [`scale_col_amax`] raising the row maxima `row` too: the column scaled and its maximum
/// first, then the rows' maxima in a loop of its own (an unconditional store of a select,
/// which vectorizes where the fused loop did not).
#[inline(always)]
fn scale_amax_rows<T: Real>(v: &mut [T], e: &[T], d: T, row: &mut [T]) -> T {
    let amax = scale_amax(v, e, d);
    for (r, x) in row[..v.len()].iter_mut().zip(v.iter()) {
        upd(r, x.abs());
    }
    amax
}
