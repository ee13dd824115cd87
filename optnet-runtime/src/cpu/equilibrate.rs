//! Ruiz equilibration of one example's data.
//!
//! The KKT matrix [Q Aᵀ Gᵀ; A 0 0; G 0 0] is scaled symmetrically, `diag(D, E)·K·diag(D, E)`,
//! until its columns' ∞-norms are near one (Ruiz 2001), and the cost by a scalar c, so that the
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

/// Ruiz stops after the first pass in which no scaling changes by more than this fraction
/// (|sⱼ − 1| < 0.5 for every row and column: their ∞-norms all within (4/9, 4) of one), or
/// after `Settings::equilibrate_max_iter` passes. The interior point method needs unit scale
/// to within a small factor, not to three digits. Measured against 1e-3 (session 13, the
/// development machine, one thread, OptNet's random QPs, 4 × 128 (seeds 0–3)): 11 → 4 sweeps of
/// the data per example, 5.81–5.87 → 5.41–5.44 iterations, polishing solves 1.93–2.06 →
/// 1.70–1.76 per example; the Maros–Meszaros set 478 → 472 iterations, all 44 solved to
/// 1e-6 in f64, f32 and lockstep (0.1 left QBEACONF, whose objective error sits at 7–9e-7 in
/// every setting tried, at 1.2e-6 in one of eight lockstep copies; 0.3 and 0.4 pass).
pub(crate) const SETTLED: f64 = 0.5;

/// Equilibrates `lp` in place and records the scaling in `lp.scaling`; `lp` holds the
/// example's unscaled data (its scaling the identity, as [`Local::refill`] leaves it).
///
/// Passes run until the scalings settle ([`SETTLED`]). Each Ruiz pass needs the ∞-norms of the
/// columns of [Q; A; G] and of the rows of [A; G] of the data as scaled so far. The passes only
/// read the data ([`measure`]: the norms of the unscaled data under the scalings accumulated so
/// far, max |Mᵢⱼ|·Dᵢ·Dⱼ), and the data are scaled once at the end ([`apply`], the cost scaling c
/// with them), instead of every pass scaling the matrices and measuring them in the same sweep. On
/// one of OptNet's random QPs (n = p = 100, ten passes, in L2) on the development machine: 92 µs →
/// 67 µs per example (best of 30 × 20), a sweep of [`measure`] 4.9 µs. The scalings are those of
/// the pass-by-pass scaling up to rounding (3e-16 relative: each norm is the same product, rounded
/// once instead of once per pass).
pub(crate) fn ruiz<T: Real>(lp: &mut Local<T>, max_iter: u32, min_scale: T, max_scale: T) {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    debug_assert!(lp.scaling.c == T::one());
    let mut norms = Norms {
        col: vec![T::zero(); n],
        row: vec![T::zero(); m + p],
        q_col: vec![T::zero(); n],
    };
    let mut sc = Scaling::identity(n, m + p);
    let clip = |norm: T| -> T {
        if norm <= T::epsilon() {
            T::one()
        } else {
            (T::one() / norm.sqrt()).max(min_scale).min(max_scale)
        }
    };
    measure(lp, &sc, &mut norms);
    for _ in 0..max_iter {
        let mut done = true;
        for (d, &c) in sc.d.iter_mut().zip(&norms.col) {
            let s = clip(c);
            done &= (s - T::one()).abs() < T::of(SETTLED);
            *d *= s;
        }
        for (e, &r) in sc.e.iter_mut().zip(&norms.row) {
            let s = clip(r);
            done &= (s - T::one()).abs() < T::of(SETTLED);
            *e *= s;
        }
        measure(lp, &sc, &mut norms);
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
    let qnorm = (0..n).fold(T::zero(), |a, j| a.max((lp.q[j] * sc.d[j]).abs()));
    let scale = mean.max(qnorm);
    sc.c = if scale <= T::epsilon() {
        T::one()
    } else {
        (T::one() / scale).max(min_scale).min(max_scale)
    };
    apply(lp, &sc);
}

/// ∞-norms of the data under the scalings D, E: columns of [Q; A; G] (`col`), rows of
/// [A; G] (`row`), and the columns of Q alone (`q_col`, for the cost scaling).
struct Norms<T> {
    col: Vec<T>,
    row: Vec<T>,
    q_col: Vec<T>,
}

/// Fills `norms` with the norms of the data scaled by `sc`'s D and E (c is not applied):
/// column j of Q has norm Dⱼ·maxᵢ |Qᵢⱼ|·Dᵢ, row i of G has norm Eᵢ·maxⱼ |Gᵢⱼ|·Dⱼ, and so on.
/// Reads every matrix once and writes none; one dispatch for the whole sweep (one per
/// column, 300 per sweep, cost a tenth of the time).
fn measure<T: Real>(lp: &Local<T>, sc: &Scaling<T>, norms: &mut Norms<T>) {
    struct Op<'a, T> {
        lp: &'a Local<T>,
        sc: &'a Scaling<T>,
        norms: &'a mut Norms<T>,
    }
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            let Op { lp, sc, norms } = self;
            let (n, m) = (lp.n, lp.m);
            let (d, (e_eq, e_in)) = (&sc.d, sc.e.split_at(m));
            norms.row.fill(T::zero());
            let (row_eq, row_in) = norms.row.split_at_mut(m);
            for j in 0..n {
                let q = amax_scaled(lp.Q.col_as_slice(j), d);
                let a = amax_scaled_rows(lp.A.col_as_slice(j), e_eq, d[j], row_eq);
                let g = amax_scaled_rows(lp.G.col_as_slice(j), e_in, d[j], row_in);
                norms.q_col[j] = q * d[j];
                norms.col[j] = q.max(a).max(g) * d[j];
            }
            for (r, &e) in norms.row.iter_mut().zip(&sc.e) {
                *r *= e;
            }
        }
    }
    dispatch(Op { lp, sc, norms })
}

/// Q ← c·DQD, q ← c·Dq, A ← E_A A D, b ← E_A b, G ← E_G G D, h ← E_G h, and
/// `lp.scaling` ← `sc`: each entry multiplied by the same product as in
/// [`Local::scaled`] (which rebuilds the scaled data for the backward pass), so that both
/// see the same matrices.
pub(crate) fn apply<T: Real>(lp: &mut Local<T>, sc: &Scaling<T>) {
    struct Op<'a, T> {
        lp: &'a mut Local<T>,
        sc: &'a Scaling<T>,
    }
    impl<T: Real> WithSimd for Op<'_, T> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) {
            let Op { lp, sc } = self;
            let (n, m) = (lp.n, lp.m);
            let (d, (e_eq, e_in), c) = (&sc.d, sc.e.split_at(m), sc.c);
            let cd: Vec<T> = d.iter().map(|&di| c * di).collect();
            let scale = |v: &mut [T], s: &[T], dj: T| {
                for (x, &si) in v.iter_mut().zip(s) {
                    *x *= si * dj;
                }
            };
            for j in 0..n {
                scale(lp.Q.col_as_slice_mut(j), &cd, d[j]);
                scale(lp.A.col_as_slice_mut(j), e_eq, d[j]);
                scale(lp.G.col_as_slice_mut(j), e_in, d[j]);
                lp.q[j] *= c * d[j];
            }
            for (b, &e) in lp.b.iter_mut().zip(e_eq) {
                *b *= e;
            }
            for (h, &e) in lp.h.iter_mut().zip(e_in) {
                *h *= e;
            }
        }
    }
    dispatch(Op { lp: &mut *lp, sc });
    lp.scaling = sc.clone();
}

/// maxᵢ |vᵢ|·sᵢ, and rowᵢ ← max(rowᵢ, |vᵢ|·d) (in a loop of its own, which vectorizes).
#[inline(always)]
fn amax_scaled_rows<T: Real>(v: &[T], s: &[T], d: T, row: &mut [T]) -> T {
    for (r, x) in row[..v.len()].iter_mut().zip(v) {
        upd(r, x.abs() * d);
    }
    amax_scaled(v, s)
}

/// `a > m` rather than `max`: the same result for non-NaN data, and NaN entries (never in
/// validated data) are skipped either way.
#[inline(always)]
fn upd<T: Real>(m: &mut T, a: T) {
    *m = if a > *m { a } else { *m };
}

/// maxᵢ |vᵢ|·sᵢ in 2·[`L`] independent maxima (four AVX2 vectors, so that the loop is
/// not bound by the latency of the maxima), reduced by halves with [`upd`] (`f64::max`,
/// which orders NaNs, compiled to four instructions per step: per column of 100 entries
/// its 16-way reduction cost about as much as the loop).
#[inline(always)]
fn amax_scaled<T: Real>(v: &[T], s: &[T]) -> T {
    const K: usize = 2 * L;
    let s = &s[..v.len()];
    let k = v.len() / K * K;
    let mut acc = [T::zero(); K];
    for (c, sc) in v[..k].chunks_exact(K).zip(s[..k].chunks_exact(K)) {
        for l in 0..K {
            upd(&mut acc[l], c[l].abs() * sc[l]);
        }
    }
    let mut half = K / 2;
    while half > 0 {
        for l in 0..half {
            let x = acc[l + half];
            upd(&mut acc[l], x);
        }
        half /= 2;
    }
    v[k..].iter().zip(&s[k..]).fold(acc[0], |mut m, (x, &si)| {
        upd(&mut m, x.abs() * si);
        m
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::nan_max;
    use faer::Mat;

    /// An example with Q = diag(qd), no equalities and G of `p` rows, its scaling the identity.
    fn example(qd: &[f64], G: Mat<f64>) -> Local<f64> {
        let (n, p) = (qd.len(), G.nrows());
        Local {
            n,
            m: 0,
            p,
            Q: Mat::from_fn(n, n, |i, j| if i == j { qd[i] } else { 0.0 }),
            q: vec![1.0; n],
            A: Mat::zeros(0, n),
            b: vec![],
            G,
            h: vec![1.0; p],
            scaling: Scaling::identity(n, p),
        }
    }

    /// ∞-norms of the columns of [Q/c; G] and of the rows of G, as `ruiz` left them.
    fn norms(lp: &Local<f64>) -> (Vec<f64>, Vec<f64>) {
        let c = lp.scaling.c;
        let col = (0..lp.n)
            .map(|j| {
                let q = (0..lp.n).fold(0.0f64, |a, i| nan_max(a, lp.Q[(i, j)].abs() / c));
                (0..lp.p).fold(q, |a, i| nan_max(a, lp.G[(i, j)].abs()))
            })
            .collect();
        let row = (0..lp.p)
            .map(|i| (0..lp.n).fold(0.0f64, |a, j| nan_max(a, lp.G[(i, j)].abs())))
            .collect();
        (col, row)
    }

    /// Data already at unit norms are left alone: the first pass finds every scaling 1
    /// (within `SETTLED`), so D = E = 1 exactly and only the cost is scaled.
    #[test]
    fn unit_norm_data_keep_unit_scalings() {
        let mut lp = example(
            &[1.0, 1.0, 1.0],
            Mat::from_fn(3, 3, |i, j| (i == j) as u8 as f64),
        );
        ruiz(&mut lp, 10, 1e-4, 1e4);
        assert!(
            lp.scaling.d.iter().chain(&lp.scaling.e).all(|&s| s == 1.0),
            "{:?}",
            lp.scaling
        );
    }

    /// Rows and columns spread over six orders of magnitude end within a factor of four of
    /// unit ∞-norm, the band in which the passes stop (a pass changes no scaling by more than
    /// 1.5×), and the scaled entries are the original ones times Dⱼ·Eᵢ.
    #[test]
    fn badly_scaled_data_end_near_unit_norms() {
        let (n, p) = (6, 9);
        let qd: Vec<f64> = (0..n).map(|j| 10f64.powi(j as i32 - 2)).collect();
        let g = |i: usize, j: usize| {
            let v = ((i * 7 + j * 3) % 5) as f64 - 2.0 + 0.5;
            v * 10f64.powi((i % 5) as i32 - 2) * 10f64.powi((j % 3) as i32 - 1)
        };
        let mut lp = example(&qd, Mat::from_fn(p, n, g));
        ruiz(&mut lp, 10, 1e-4, 1e4);
        let (col, row) = norms(&lp);
        for (k, v) in col.iter().chain(&row).enumerate() {
            assert!(
                (0.25..=4.0).contains(v),
                "norm {k}: {v} (columns {col:?}, rows {row:?})"
            );
        }
        let sc = &lp.scaling;
        for i in 0..p {
            for j in 0..n {
                let want = g(i, j) * sc.e[i] * sc.d[j];
                assert!(
                    (lp.G[(i, j)] - want).abs() <= 1e-15 * want.abs(),
                    "G[{i}, {j}]"
                );
            }
        }
    }
}
