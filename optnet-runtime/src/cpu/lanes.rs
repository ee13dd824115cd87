//! The interior point method for a pack of [`W`] examples in lockstep, one example per
//! SIMD lane.
//!
//! The same method as [`super::pdipm`] — Mehrotra's predictor–corrector on the homogeneous
//! self-dual embedding, the reduced KKT matrix factored as LDLᵀ with static and dynamic
//! regularization, every Newton solve refined against the full system — with every number
//! widened to a lane vector `[T; W]` and every matrix interleaved
//! ([`super::lane_kernels`]). The examples share the instruction stream, not their
//! decisions: each lane has its own step lengths, refinement steps, regularization
//! boosts, stopping test and status. A lane that has stopped is frozen (its iterate and
//! status no longer change) while the others go on; the pack ends when every lane has.
//! The results are those of [`super::pdipm::solve`] up to rounding (the kernels sum in
//! another order).
//!
//! Examples come from a stream: when a lane's example ends, the next one takes its lane
//! (its first round factors K at the start's W and takes the starting point from the
//! constant direction, as the scalar path's start does), so lanes do not idle while one example of
//! the pack needs more iterations than the others.
//!
//! On OptNet's random QPs (n = p = 100, f64) this path was measured 10–20 % faster than the
//! scalar one (notes/HISTORY.md, session 4, "CPU: lockstep"). Where its time goes on the
//! development machine (`perf`, 128 QPs, one thread, session 5): forming GᵀWG about 24 %,
//! the LDLᵀ 14 %, the products with Q and G of the refined Newton solves about 30 % and
//! their triangular solves 8 %, Ruiz equilibration 6 %, copying the examples out of the
//! batch about 7 %.

use super::kkt::KktParams;
use super::lane_kernels::{self as lk, tri, V, W};
use super::pdipm::{
    self, conclude, decide, measure, pick_denominator, regularized, Info, Outcome, Point, Tols,
    MAX_BOOSTS,
};
use super::polish::{guess_ratio, LastFactors, Polisher, Schedule, Tried};
use super::problem::Local;
use crate::{Real, Status};

/// One number per lane.
#[inline(always)]
fn splat<T: Copy>(x: T) -> V<T> {
    [x; W]
}

/// Lane-wise map of one or two lane vectors.
#[inline(always)]
fn map1<T: Real>(a: &V<T>, f: impl Fn(T) -> T) -> V<T> {
    std::array::from_fn(|l| f(a[l]))
}
#[inline(always)]
fn map2<T: Real>(a: &V<T>, b: &V<T>, f: impl Fn(T, T) -> T) -> V<T> {
    std::array::from_fn(|l| f(a[l], b[l]))
}

/// `Σⱼ a[j]·b[j]` per lane.
fn dot<T: Real>(a: &[V<T>], b: &[V<T>]) -> V<T> {
    let mut acc = splat(T::zero());
    for (x, y) in a.iter().zip(b) {
        for l in 0..W {
            acc[l] += x[l] * y[l];
        }
    }
    acc
}

/// `maxⱼ |v[j]|` per lane (NaN-propagating, as `inf_norm` of one lane would not be: a NaN
/// lane must never look accurate to the refinement test).
fn amax<T: Real>(v: &[V<T>]) -> V<T> {
    let mut acc = splat(T::zero());
    for x in v {
        for l in 0..W {
            let a = x[l].abs();
            acc[l] = if a > acc[l] || a.is_nan() { a } else { acc[l] };
        }
    }
    acc
}

/// Lane `l` of a vector of lane vectors.
fn lane<T: Copy>(v: &[V<T>], l: usize) -> Vec<T> {
    v.iter().map(|x| x[l]).collect()
}

/// The data of a pack, interleaved; matrices column-major.
struct Pack<T> {
    n: usize,
    m: usize,
    p: usize,
    Q: Vec<V<T>>,
    q: Vec<V<T>>,
    A: Vec<V<T>>,
    b: Vec<V<T>>,
    G: Vec<V<T>>,
    h: Vec<V<T>>,
}

impl<T: Real> Pack<T> {
    /// Writes one example (of the pack's sizes) into lane `l`.
    fn set_lane(&mut self, l: usize, lp: &Local<T>) {
        let (n, m, p) = (self.n, self.m, self.p);
        for j in 0..n {
            for (i, &v) in lp.Q.col_as_slice(j).iter().enumerate() {
                self.Q[j * n + i][l] = v;
            }
            for (i, &v) in lp.A.col_as_slice(j).iter().enumerate() {
                self.A[j * m + i][l] = v;
            }
            for (i, &v) in lp.G.col_as_slice(j).iter().enumerate() {
                self.G[j * p + i][l] = v;
            }
            self.q[j][l] = lp.q[j];
        }
        for i in 0..m {
            self.b[i][l] = lp.b[i];
        }
        for i in 0..p {
            self.h[i][l] = lp.h[i];
        }
    }

    /// A pack of `lp`'s sizes with `lp` in every lane (examples then take their lanes
    /// through [`Pack::set_lane`]).
    fn new(lp: &Local<T>) -> Self {
        let (n, m, p) = (lp.n, lp.m, lp.p);
        let z = splat(T::zero());
        let mut pk = Pack {
            n,
            m,
            p,
            Q: vec![z; n * n],
            q: vec![z; n],
            A: vec![z; m * n],
            b: vec![z; m],
            G: vec![z; p * n],
            h: vec![z; p],
        };
        for l in 0..W {
            pk.set_lane(l, lp);
        }
        pk
    }
}

/// A search direction (or a right-hand side of the same shape) of every lane.
struct Dir<T> {
    z: Vec<V<T>>,
    nu: Vec<V<T>>,
    lam: Vec<V<T>>,
    s: Vec<V<T>>,
    tau: V<T>,
    kappa: V<T>,
}

impl<T: Real> Dir<T> {
    fn zeros(n: usize, m: usize, p: usize) -> Self {
        let z = splat(T::zero());
        Dir {
            z: vec![z; n],
            nu: vec![z; m],
            lam: vec![z; p],
            s: vec![z; p],
            tau: z,
            kappa: z,
        }
    }

    /// Copies lane `l` of `src` into lane `l` of `self`.
    fn copy_lane(&mut self, src: &Dir<T>, l: usize) {
        for (a, b) in [
            (&mut self.z, &src.z),
            (&mut self.nu, &src.nu),
            (&mut self.lam, &src.lam),
            (&mut self.s, &src.s),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                x[l] = y[l];
            }
        }
        self.tau[l] = src.tau[l];
        self.kappa[l] = src.kappa[l];
    }
}

/// The factored reduced KKT matrix of every lane and its constants.
struct Fac<T> {
    N: usize,
    /// Lower triangle, packed by rows ([`tri`]): L (strict), D (diagonal).
    F: Vec<V<T>>,
    inv_d: Vec<V<T>>,
    u: Vec<V<T>>,
    /// W regularized as 1/(1/w + ε).
    wr: Vec<V<T>>,
    /// The constants in use per lane (the settings' ones, boosted per lane, see
    /// [`super::kkt::Kkt::boost`]).
    static_reg: V<T>,
    dyn_eps: V<T>,
    dyn_delta: V<T>,
    base: KktParams<T>,
    /// Each lane's example's cost scaling c ([`KktParams::for_cost`]).
    cost: V<T>,
}

impl<T: Real> Fac<T> {
    fn new(n: usize, m: usize, p: usize, base: KktParams<T>) -> Self {
        let N = n + m;
        let z = splat(T::zero());
        Fac {
            N,
            F: vec![z; tri(N)],
            inv_d: vec![z; N],
            u: vec![z; N * lk::PB],
            wr: vec![z; p],
            static_reg: splat(base.static_reg),
            dyn_eps: splat(base.dyn_eps),
            dyn_delta: splat(base.dyn_delta),
            base,
            cost: splat(T::one()),
        }
    }

    /// Lane `l` takes an example whose cost Ruiz equilibration scaled by `c`: its constants
    /// are the settings' ([`KktParams::for_cost`]), unboosted.
    fn take(&mut self, l: usize, c: T) {
        self.cost[l] = c;
        self.boost(l, T::one());
    }

    /// Scales lane `l`'s regularization by `factor`.
    fn boost(&mut self, l: usize, factor: T) {
        self.static_reg[l] = self.base.for_cost(self.cost[l]).static_reg * factor;
        self.dyn_eps[l] = self.base.dyn_eps * factor;
        self.dyn_delta[l] = self.base.dyn_delta * factor;
    }

    /// The constants of lane `l`, as the scalar path keeps them.
    fn params(&self, l: usize) -> KktParams<T> {
        KktParams {
            static_reg: self.static_reg[l],
            dyn_eps: self.dyn_eps[l],
            dyn_delta: self.dyn_delta[l],
            ..self.base
        }
    }

    /// Forms K = [Q + GᵀWG + εI, Aᵀ; A, −εI] (W regularized) and factors it; per lane,
    /// whether the factors are usable.
    fn factor(&mut self, pk: &Pack<T>, w: &[V<T>]) -> [bool; W] {
        let (n, m, p, N) = (pk.n, pk.m, pk.p, self.N);
        let eps = self.static_reg;
        for (r, wi) in self.wr.iter_mut().zip(w) {
            *r = map2(wi, &eps, regularized);
        }
        if p > 0 {
            lk::form_h(&mut self.F, &pk.Q, n, &pk.G, &self.wr, p);
        } else {
            for i in 0..n {
                for j in 0..=i {
                    self.F[tri(i) + j] = pk.Q[j * n + i];
                }
            }
        }
        for i in 0..n {
            self.F[tri(i) + i] = map2(&self.F[tri(i) + i], &eps, |a, e| a + e);
        }
        for r in 0..m {
            for j in 0..n {
                self.F[tri(n + r) + j] = pk.A[j * m + r];
            }
            for c in 0..=r {
                self.F[tri(n + r) + n + c] = if r == c {
                    map1(&eps, |e| -e)
                } else {
                    splat(T::zero())
                };
            }
        }
        lk::ldl_factor(
            &mut self.F,
            N,
            n,
            &self.dyn_eps,
            &self.dyn_delta,
            &mut self.inv_d,
            &mut self.u,
        )
    }
}

/// Scratch of the Newton solves.
struct Scratch<T> {
    /// One `buf` (n + m) and `tp` (p) per right-hand side of [`solve_reduced`].
    buf: [Vec<V<T>>; lk::MAX_RHS],
    tp: [Vec<V<T>>; lk::MAX_RHS],
    ex: Vec<V<T>>,
    eeq: Vec<V<T>>,
    ein: Vec<V<T>>,
    corr: Dir<T>,
}

/// `R` solves through the reduced matrix for every lane: (Q + GᵀW̃G)Δz + AᵀΔν =
/// rx + Gᵀ(W̃∘r_in), AΔz = r_eq, then Δλ = W̃∘(GΔz − r_in) (W̃ = `fac.wr`, W regularized as
/// the factors have it), for each right-hand side
/// (rx, r_eq, r_in) into its `out`. Each pass over G and over the factors serves all `R`
/// ([`lk::gemv_t`], [`lk::ldl_solve`], [`lk::gemv_n`]), and each solve comes out as it
/// would alone.
#[allow(clippy::too_many_arguments)]
fn solve_reduced<T: Real, const R: usize>(
    pk: &Pack<T>,
    fac: &Fac<T>,
    buf: [&mut [V<T>]; R],
    tp: [&mut [V<T>]; R],
    rx: [&[V<T>]; R],
    r_eq: [&[V<T>]; R],
    r_in: [&[V<T>]; R],
    out: [&mut Dir<T>; R],
) {
    let (n, p) = (pk.n, pk.p);
    // (W̃ as the factorization regularized it: the same numbers, without two divisions
    // per entry and solve.)
    let wr = &fac.wr;
    let (mut buf, tp, mut out) = (buf, tp, out);
    for r in 0..R {
        buf[r][..n].copy_from_slice(rx[r]);
        for i in 0..p {
            tp[r][i] = std::array::from_fn(|l| wr[i][l] * r_in[r][i][l]);
        }
    }
    lk::gemv_t(
        buf.each_mut().map(|b| &mut b[..n]),
        &pk.G,
        p,
        n,
        tp.each_ref().map(|t| &**t),
        T::one(),
    );
    for r in 0..R {
        buf[r][n..].copy_from_slice(r_eq[r]);
    }
    lk::ldl_solve(&fac.F, fac.N, &fac.inv_d, buf.each_mut().map(|b| &mut **b));
    for (o, b) in out.iter_mut().zip(&buf) {
        o.z.copy_from_slice(&b[..n]);
        o.nu.copy_from_slice(&b[n..]);
    }
    // (G Δz from Δz in `buf`, of which `out.z` is a copy.)
    lk::gemv_n(
        out.each_mut().map(|o| &mut o.lam[..]),
        &pk.G,
        p,
        n,
        buf.each_ref().map(|b| &b[..n]),
        T::one(),
        false,
    );
    for (o, r_in) in out.iter_mut().zip(r_in) {
        for i in 0..p {
            o.lam[i] = std::array::from_fn(|l| wr[i][l] * (o.lam[i][l] - r_in[i][l]));
        }
    }
}

/// The τ row and column bordering the full system of every lane (as
/// [`super::pdipm::Border`]): `d2` the unrefined reduced solve of (−q, b, h), `den` =
/// den0 − (q + 2Qz/τ, b, h)ᵀd2.
struct Border<'a, T> {
    Qz: &'a [V<T>],
    tau: V<T>,
    den0: V<T>,
    den: V<T>,
    d2: &'a Dir<T>,
    rt: V<T>,
}

impl<T: Real> Border<'_, T> {
    /// (q + 2Qz/τ)ᵀΔz + bᵀΔν + hᵀΔλ, per lane.
    fn row(&self, pk: &Pack<T>, d: &Dir<T>) -> V<T> {
        let (q, b, h, Q) = (
            dot(&pk.q, &d.z),
            dot(&pk.b, &d.nu),
            dot(&pk.h, &d.lam),
            dot(self.Qz, &d.z),
        );
        std::array::from_fn(|l| q[l] + b[l] + h[l] + T::of(2.0) * Q[l] / self.tau[l])
    }

    /// Completes a reduced solve `d` into a solve of the bordered system with τ-row
    /// right-hand side `rt`: Δτ = (rt + row(d))/den, d += Δτ·d2.
    fn complete(&self, pk: &Pack<T>, rt: &V<T>, d: &mut Dir<T>) {
        let r = self.row(pk, d);
        let dtau: V<T> = std::array::from_fn(|l| (rt[l] + r[l]) / self.den[l]);
        let d2 = self.d2;
        for (a, b) in [
            (&mut d.z, &d2.z),
            (&mut d.nu, &d2.nu),
            (&mut d.lam, &d2.lam),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x = std::array::from_fn(|l| x[l] + dtau[l] * y[l]);
            }
        }
        d.tau = dtau;
    }
}

/// The full Newton system of every lane (as [`super::pdipm::solve_full`]), bordered by
/// the τ row and column when `border` is given (Δτ in `out.tau`): a reduced solve, then
/// iterative refinement against [Q Aᵀ Gᵀ; A 0 0; G 0 −W⁻¹] (and the border), each lane
/// stopping (or taking back a correction that made its residual worse) on its own. Lanes
/// not in `refine` keep the reduced solve (as the result of each lane depends on its own
/// data only, whichever examples share its pack). With `reduced_done`, `out` already holds
/// the reduced solve of this right-hand side (from a two-column [`solve_reduced`]).
#[allow(clippy::too_many_arguments)]
fn solve_full<T: Real>(
    pk: &Pack<T>,
    fac: &Fac<T>,
    w: &[V<T>],
    sc: &mut Scratch<T>,
    rhs_x: &[V<T>],
    rhs_eq: &[V<T>],
    rhs_in: &[V<T>],
    border: Option<&Border<T>>,
    refine: [bool; W],
    reduced_done: bool,
    out: &mut Dir<T>,
) {
    let (n, m, p) = (pk.n, pk.m, pk.p);
    if !reduced_done {
        let [buf, _] = &mut sc.buf;
        let [tp, _] = &mut sc.tp;
        solve_reduced(
            pk,
            fac,
            [buf],
            [tp],
            [rhs_x],
            [rhs_eq],
            [rhs_in],
            [&mut *out],
        );
    }
    out.tau = splat(T::zero());
    let rt = border.map_or(splat(T::zero()), |bd| bd.rt);
    if let Some(bd) = border {
        bd.complete(pk, &rt, out);
    }
    let b = fac.base;
    let norm_rhs = {
        let (a, e, i) = (amax(rhs_x), amax(rhs_eq), amax(rhs_in));
        std::array::from_fn::<T, W, _>(|l| a[l].max(e[l]).max(i[l]).max(rt[l].abs()))
    };
    let tol = map1(&norm_rhs, |r| b.refine_abstol + b.refine_reltol * r);
    let mut prev_err = splat(T::infinity());
    let mut corrected = [false; W];
    let mut done = refine.map(|r| !r);
    let mut last = [false; W];
    for _ in 0..b.refine_max_iter {
        if done.iter().all(|&d| d) {
            break;
        }
        // e = rhs − K_full·out (Gᵀλ and Gz from one sweep over G), with the border's
        // column Δτ·(−q, b, h) on the right and its row's residual e_τ.
        let dtau = out.tau;
        for j in 0..n {
            sc.ex[j] = std::array::from_fn(|l| rhs_x[j][l] - dtau[l] * pk.q[j][l]);
        }
        lk::gemv_n([&mut sc.ex], &pk.Q, n, n, [&out.z], -T::one(), true);
        lk::gemv_t([&mut sc.ex], &pk.A, m, n, [&out.nu], -T::one());
        for i in 0..m {
            sc.eeq[i] = std::array::from_fn(|l| rhs_eq[i][l] + dtau[l] * pk.b[i][l]);
        }
        lk::gemv_n([&mut sc.eeq], &pk.A, m, n, [&out.z], -T::one(), true);
        for i in 0..p {
            sc.ein[i] = std::array::from_fn(|l| rhs_in[i][l] + dtau[l] * pk.h[i][l]);
        }
        lk::g_sweep(
            &pk.G,
            p,
            n,
            &out.lam,
            &mut sc.ex,
            -T::one(),
            &out.z,
            &mut sc.ein,
            -T::one(),
        );
        for i in 0..p {
            sc.ein[i] = std::array::from_fn(|l| sc.ein[i][l] + out.lam[i][l] / w[i][l]);
        }
        let e_tau: V<T> = match border {
            Some(bd) => {
                let r = bd.row(pk, out);
                std::array::from_fn(|l| rt[l] - dtau[l] * bd.den0[l] + r[l])
            }
            None => splat(T::zero()),
        };
        let err = {
            let (a, e, i) = (amax(&sc.ex), amax(&sc.eeq), amax(&sc.ein));
            std::array::from_fn::<T, W, _>(|l| {
                if a[l].is_nan() || e[l].is_nan() || i[l].is_nan() || e_tau[l].is_nan() {
                    T::nan()
                } else {
                    a[l].max(e[l]).max(i[l]).max(e_tau[l].abs())
                }
            })
        };
        for l in 0..W {
            if done[l] {
                continue;
            }
            // A correction that made the residual worse (or not finite) is taken back.
            if corrected[l] && (err[l].is_nan() || err[l] > prev_err[l]) {
                let c = &sc.corr;
                for (a, b) in [
                    (&mut out.z, &c.z),
                    (&mut out.nu, &c.nu),
                    (&mut out.lam, &c.lam),
                ] {
                    for (x, y) in a.iter_mut().zip(b) {
                        x[l] -= y[l];
                    }
                }
                out.tau[l] -= c.tau[l];
                done[l] = true;
                continue;
            }
            // Stop when accurate, or when a step no longer gains a factor of 5.
            if err[l] <= tol[l] || !err[l].is_finite() || err[l] * T::of(5.0) > prev_err[l] {
                done[l] = true;
                continue;
            }
            // (As the scalar path: a first correction close to the tolerance is final.)
            last[l] = !corrected[l] && err[l] <= tol[l] * b.refine_unverified;
            corrected[l] = true;
            prev_err[l] = err[l];
        }
        if done.iter().all(|&d| d) {
            break;
        }
        let Scratch {
            buf,
            tp,
            ex,
            eeq,
            ein,
            corr,
            ..
        } = sc;
        let ([buf, _], [tp, _]) = (buf, tp);
        solve_reduced(pk, fac, [buf], [tp], [ex], [eeq], [ein], [&mut *corr]);
        corr.tau = splat(T::zero());
        if let Some(bd) = border {
            bd.complete(pk, &e_tau, corr);
        }
        for (a, b) in [
            (&mut out.z, &corr.z),
            (&mut out.nu, &corr.nu),
            (&mut out.lam, &corr.lam),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                for l in 0..W {
                    if !done[l] {
                        x[l] += y[l];
                    }
                }
            }
        }
        for l in 0..W {
            if !done[l] {
                out.tau[l] += corr.tau[l];
            }
            done[l] |= last[l];
        }
    }
}

/// Everything the iteration needs, allocated once per pack.
struct Work<T> {
    fac: Fac<T>,
    sc: Scratch<T>,
    w: Vec<V<T>>,
    Qz: Vec<V<T>>,
    rx: Vec<V<T>>,
    r_eq: Vec<V<T>>,
    r_in: Vec<V<T>>,
    rhs_x: Vec<V<T>>,
    rhs_eq: Vec<V<T>>,
    rhs_in: Vec<V<T>>,
    /// −q, the constant direction's right-hand side (then scratch).
    nq: Vec<V<T>>,
    ds: Vec<V<T>>,
    d2: Dir<T>,
    aff: Dir<T>,
    step: Dir<T>,
}

impl<T: Real> Work<T> {
    fn new(n: usize, m: usize, p: usize, params: KktParams<T>) -> Self {
        let z = splat(T::zero());
        Work {
            fac: Fac::new(n, m, p, params),
            sc: Scratch {
                buf: std::array::from_fn(|_| vec![z; n + m]),
                tp: std::array::from_fn(|_| vec![z; p]),
                ex: vec![z; n],
                eeq: vec![z; m],
                ein: vec![z; p],
                corr: Dir::zeros(n, m, p),
            },
            w: vec![splat(T::one()); p],
            Qz: vec![z; n],
            rx: vec![z; n],
            r_eq: vec![z; m],
            r_in: vec![z; p],
            rhs_x: vec![z; n],
            rhs_eq: vec![z; m],
            rhs_in: vec![z; p],
            nq: vec![z; n],
            ds: vec![z; p],
            d2: Dir::zeros(n, m, p),
            aff: Dir::zeros(n, m, p),
            step: Dir::zeros(n, m, p),
        }
    }
}

/// Per lane: the largest α ∈ (0, a] keeping v + α·dv ≥ 0.
fn max_step<T: Real>(v: &[V<T>], dv: &[V<T>], mut a: V<T>) -> V<T> {
    for (x, dx) in v.iter().zip(dv) {
        for l in 0..W {
            if dx[l] < T::zero() {
                a[l] = a[l].min(-x[l] / dx[l]);
            }
        }
    }
    a
}

/// Shifts lane `l` of v into the interior of the non-negative orthant (as the scalar
/// path's `shift_interior`).
fn shift_interior<T: Real>(v: &mut [V<T>], l: usize) {
    if v.is_empty() {
        return;
    }
    let min = v.iter().fold(T::infinity(), |a, x| a.min(x[l]));
    let pos = v.iter().fold(T::zero(), |a, x| a + x[l].max(T::zero()));
    let target = T::one().max(T::of(0.1) * pos / T::of(v.len() as f64));
    let shift = if min <= T::zero() {
        -min + target
    } else if min < target {
        target - min
    } else {
        T::zero()
    };
    for x in v.iter_mut() {
        x[l] += shift;
    }
}

/// Where a lane of a stream stands.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Phase {
    /// No example (the queue is empty).
    Idle,
    /// An example was just loaded: this round factors K at the start's W
    /// (`pdipm::start_w`) and takes the starting
    /// point from the constant direction, solve(−q, b, h) (notes/ALGORITHM.md "Start", for Q ≠ 0).
    Start,
    /// Iterating.
    Run,
}

/// The per-lane bookkeeping of a stream.
struct Lanes<T> {
    phase: [Phase; W],
    /// Index in the batch of the example in each lane.
    slot: [usize; W],
    status: [Option<Status>; W],
    iters: [u32; W],
    infos: [Info<T>; W],
    prev_infos: [Info<T>; W],
    has_last: [bool; W],
    /// Polishing solves of each lane's example so far.
    polish_solves: [u32; W],
    boosts: [u32; W],
    boost: V<T>,
    normq: V<T>,
    normb: V<T>,
    /// W of each lane's start (`pdipm::start_w`), per inequality.
    w_start: Vec<V<T>>,
    /// When each lane's example tries polishing.
    schedule: [Schedule; W],
    /// Each lane's example's last polishing attempt (the polisher is the lanes').
    tried: [Tried; W],
}

/// Solves a stream of examples of equal sizes, [`W`] at a time in lockstep: whenever a
/// lane's example ends, the next example of the stream takes its lane, so that no lane
/// idles while another example needs more iterations (until the stream runs out).
/// `next()` gives the stream's next example (its index in the batch and its data, copied and
/// equilibrated), or `None` at the end; several streams may share one queue of examples, so
/// that every worker stays busy until the queue is empty. An LP (Q = 0) takes a second
/// solve for its start (notes/ALGORITHM.md "Start"): it is solved alone, as it comes, by
/// [`super::pdipm::solve`]. Returns each example's index and outcome, as
/// [`super::pdipm::solve`] would give it.
pub(crate) fn solve_stream<T: Real>(
    mut queue: impl FnMut(Option<Local<T>>) -> Option<(usize, Local<T>)>,
    tols: &Tols<T>,
) -> Vec<(usize, Outcome<T>)> {
    let mut alone: Vec<(usize, Outcome<T>)> = Vec::new();
    // The next example of the stream, refilling `spare`'s buffers (a finished example's,
    // see `Local::refill`) where given.
    let mut next = |mut spare: Option<Local<T>>| loop {
        let (i, lp) = queue(spare.take())?;
        if !lp.is_lp() {
            return Some((i, lp));
        }
        alone.push((i, pdipm::solve(&lp, tols)));
        spare = Some(lp);
    };
    let mut results: Vec<(usize, Outcome<T>)> = Vec::new();
    let Some(first) = next(None) else {
        return alone;
    };
    let (n, m, p) = (first.1.n, first.1.m, first.1.p);
    let mut pk = Pack::new(&first.1);
    let mut locals: Vec<Option<Local<T>>> = (0..W).map(|_| None).collect();
    let mut pending = Some(first);
    let mut wk = Work::new(n, m, p, tols.kkt);
    let mut ln = Lanes {
        phase: [Phase::Idle; W],
        slot: [0; W],
        status: [None; W],
        iters: [0; W],
        infos: [Info::default(); W],
        prev_infos: [Info::default(); W],
        has_last: [false; W],
        polish_solves: [0; W],
        boosts: [0; W],
        boost: splat(T::one()),
        normq: splat(T::zero()),
        normb: splat(T::zero()),
        w_start: vec![splat(T::one()); p],
        schedule: [Schedule::new(tols.polish); W],
        tried: std::array::from_fn(|_| Tried::new(p)),
    };
    let mut polisher: Option<Polisher<T>> = None;
    let mut it = Dir::zeros(n, m, p);
    it.lam.fill(splat(T::one()));
    it.s.fill(splat(T::one()));
    it.tau = splat(T::one());
    it.kappa = splat(T::one());
    let mut last = Dir::zeros(n, m, p);
    let (mut zQz, mut rtau) = (splat(T::zero()), splat(T::zero()));

    // A round: idle lanes take new examples (0), every lane's K is factored and its step
    // taken (3.–8.; a new example's start), then the residuals and termination test of the
    // moved iterates (1., 2.). A lane whose example stops in 2. takes its next example at the
    // top of the next round, so that the new example's start shares that round's
    // factorization. (Until session 13 the round began with 1. and 2.: a lane that stopped
    // there was factored once idle before its next example came in, one wasted lane
    // factorization per example: 7.84 lane factorizations per example instead of 6.88 on
    // 128 of OptNet's random QPs, the answers the same.)
    loop {
        // 0. Idle lanes take the next examples of the stream (into the buffers of the
        // lane's finished example, which `retire` leaves in `locals`).
        for l in 0..W {
            if ln.phase[l] != Phase::Idle {
                continue;
            }
            let Some((index, lp)) = pending.take().or_else(|| next(locals[l].take())) else {
                break;
            };
            pk.set_lane(l, &lp);
            let sc = &lp.scaling;
            ln.normq[l] = (0..n).fold(T::zero(), |a, j| a.max((lp.q[j] / (sc.d[j] * sc.c)).abs()));
            ln.normb[l] = (0..m)
                .map(|i| (lp.b[i] / sc.e[i]).abs())
                .chain((0..p).map(|i| (lp.h[i] / sc.e[m + i]).abs()))
                .fold(T::zero(), |a, x| a.max(x));
            for (w, &e) in ln.w_start.iter_mut().zip(&sc.e[m..]) {
                w[l] = pdipm::start_w(sc.c, e);
            }
            ln.phase[l] = Phase::Start;
            ln.slot[l] = index;
            ln.status[l] = None;
            ln.iters[l] = 0;
            ln.has_last[l] = false;
            ln.polish_solves[l] = 0;
            ln.boosts[l] = 0;
            ln.boost[l] = T::one();
            ln.schedule[l] = Schedule::new(tols.polish);
            ln.tried[l].clear();
            wk.fac.take(l, sc.c);
            locals[l] = Some(lp);
        }
        if ln.phase.iter().all(|&ph| ph == Phase::Idle) {
            break;
        }
        // A lane left idle (the stream has run out) computes along with the others: park
        // it at the benign starting iterate, so that it never feeds the shared instruction
        // stream overflows or subnormal numbers (which cost far more than normal ones).
        for l in (0..W).filter(|&l| ln.phase[l] == Phase::Idle) {
            for v in it.z.iter_mut().chain(it.nu.iter_mut()) {
                v[l] = T::zero();
            }
            for v in it.lam.iter_mut().chain(it.s.iter_mut()) {
                v[l] = T::one();
            }
            it.tau[l] = T::one();
            it.kappa[l] = T::one();
        }
        let run: [bool; W] = std::array::from_fn(|l| ln.phase[l] == Phase::Run);
        let start: [bool; W] = std::array::from_fn(|l| ln.phase[l] == Phase::Start);

        // 3.–7. Factor K at W = λ / s (`pdipm::start_w` for a starting lane, I for an idle
        // one) and compute the step,
        // with the scalar path's safeguard: a running lane whose factors or direction
        // overflow refactors with 100× its regularization, at most `MAX_BOOSTS` times.
        // The other lanes recompute exactly what they had.
        for i in 0..p {
            wk.w[i] = std::array::from_fn(|l| {
                if run[l] {
                    it.lam[i][l] / it.s[i][l]
                } else if start[l] {
                    ln.w_start[i][l]
                } else {
                    T::one()
                }
            });
        }
        let (alpha, good) = loop {
            let ok = wk.fac.factor(&pk, &wk.w);
            let refine = LaneRefine {
                starting: start,
                directions: std::array::from_fn(|l| {
                    tols.refines(it.tau[l], it.kappa[l], ln.iters[l])
                }),
            };
            let (alpha, fine) = newton_step(&pk, &mut wk, &it, zQz, rtau, tols, refine);
            let good: [bool; W] = std::array::from_fn(|l| ok[l] && (fine[l] || start[l]));
            let mut retry = false;
            for l in 0..W {
                if run[l] && !good[l] && ln.boosts[l] < MAX_BOOSTS {
                    ln.boosts[l] += 1;
                    ln.boost[l] *= T::of(100.0);
                    wk.fac.boost(l, ln.boost[l]);
                    retry = true;
                }
            }
            if !retry {
                break (alpha, good);
            }
        };
        for l in 0..W {
            if (run[l] || start[l]) && !good[l] {
                ln.status[l] = Some(Status::NumericalError);
                retire(&mut ln, &locals, &mut results, &it, &wk.fac, l, None, tols);
            }
        }

        // A starting lane takes its starting point from the constant direction:
        // z, ν, λ from it, s = −W⁻¹λ, both shifted into the interior and, where W is even,
        // set to the ratio λ/s = W; τ = κ = √(sᵀλ/p).
        let starting: [bool; W] = std::array::from_fn(|l| ln.phase[l] == Phase::Start);
        for l in (0..W).filter(|&l| starting[l]) {
            let d2 = &wk.d2;
            for (x, y) in it.z.iter_mut().zip(&d2.z) {
                x[l] = y[l];
            }
            for (x, y) in it.nu.iter_mut().zip(&d2.nu) {
                x[l] = y[l];
            }
            for (((lam, s), y), w) in it
                .lam
                .iter_mut()
                .zip(it.s.iter_mut())
                .zip(&d2.lam)
                .zip(&ln.w_start)
            {
                lam[l] = y[l];
                s[l] = -y[l] / w[l];
            }
            shift_interior(&mut it.s, l);
            shift_interior(&mut it.lam, l);
            // The start's W for (s, λ) where it is even (`pdipm::onto_start_w`; the lanes
            // factor K again in the next round, at W = λ/s, the same to rounding).
            if pdipm::start_w_is_even(ln.w_start.iter().map(|w| w[l])) {
                for ((s, lam), w) in it.s.iter_mut().zip(it.lam.iter_mut()).zip(&ln.w_start) {
                    (s[l], lam[l]) = pdipm::onto_start_w(s[l] * lam[l], w[l]);
                }
            }
            it.tau[l] = pdipm::start_tau_kappa(dot(&it.s, &it.lam)[l], p);
            it.kappa[l] = it.tau[l];
            ln.phase[l] = Phase::Run;
        }

        // 8. Update the lanes that were running.
        let st = &wk.step;
        let upd: [bool; W] = std::array::from_fn(|l| run[l] && ln.phase[l] == Phase::Run);
        for (x, d) in [
            (&mut it.z, &st.z),
            (&mut it.nu, &st.nu),
            (&mut it.lam, &st.lam),
            (&mut it.s, &st.s),
        ] {
            for (xi, di) in x.iter_mut().zip(d) {
                for l in 0..W {
                    if upd[l] {
                        xi[l] += alpha[l] * di[l];
                    }
                }
            }
        }
        for l in (0..W).filter(|&l| upd[l]) {
            it.tau[l] += alpha[l] * st.tau[l];
            it.kappa[l] += alpha[l] * st.kappa[l];
            if alpha[l] < tols.min_step {
                ln.status[l] = Some(Status::InsufficientProgress);
                retire(&mut ln, &locals, &mut results, &it, &wk.fac, l, None, tols);
            }
        }

        // 1. Residuals at the moved iterates (every lane; only the running ones are read).
        let run: [bool; W] = std::array::from_fn(|l| ln.phase[l] == Phase::Run);
        lk::gemv_n([&mut wk.Qz], &pk.Q, n, n, [&it.z], T::one(), false);
        for j in 0..n {
            wk.rx[j] = std::array::from_fn(|l| -(wk.Qz[j][l] + pk.q[j][l] * it.tau[l]));
        }
        lk::gemv_t([&mut wk.rx], &pk.A, m, n, [&it.nu], -T::one());
        lk::gemv_n([&mut wk.r_eq], &pk.A, m, n, [&it.z], T::one(), false);
        for i in 0..m {
            wk.r_eq[i] = std::array::from_fn(|l| wk.r_eq[i][l] - pk.b[i][l] * it.tau[l]);
        }
        wk.r_in.fill(splat(T::zero()));
        lk::g_sweep(
            &pk.G,
            p,
            n,
            &it.lam,
            &mut wk.rx,
            -T::one(),
            &it.z,
            &mut wk.r_in,
            T::one(),
        );
        for i in 0..p {
            wk.r_in[i] =
                std::array::from_fn(|l| wk.r_in[i][l] + it.s[i][l] - pk.h[i][l] * it.tau[l]);
        }
        zQz = dot(&it.z, &wk.Qz);
        let qz = dot(&pk.q, &it.z);
        let bnu = map2(&dot(&pk.b, &it.nu), &dot(&pk.h, &it.lam), |a, b| a + b);
        rtau = std::array::from_fn(|l| qz[l] + bnu[l] + it.kappa[l] + zQz[l] / it.tau[l]);

        // 2. Termination of the running lanes, measured in the original units.
        for l in (0..W).filter(|&l| run[l]) {
            let lp = locals[l].as_ref().expect("a running lane holds an example");
            let info = measure(
                lp,
                &Point {
                    z: &it.z,
                    nu: &it.nu,
                    lam: &it.lam,
                    s: &it.s,
                    rx: &wk.rx,
                    r_eq: &wk.r_eq,
                    r_in: &wk.r_in,
                    Qz: &wk.Qz,
                    pick: |v: &V<T>| v[l],
                    tau: it.tau[l],
                    kappa: it.kappa[l],
                    zQz: zQz[l],
                    qz: qz[l],
                    bnu: bnu[l],
                },
                ln.normq[l],
                ln.normb[l],
            );
            ln.infos[l] = info;
            let finite = info.res_primal.is_finite()
                && info.res_dual.is_finite()
                && info.gap_abs.is_finite()
                && it.tau[l].is_finite()
                && it.kappa[l].is_finite();
            let mut polished = false;
            let stop = if !finite {
                // Fall back to the last finite iterate, which may still be almost optimal.
                if ln.has_last[l] {
                    it.copy_lane(&last, l);
                    ln.infos[l] = ln.prev_infos[l];
                }
                Some(Status::NumericalError)
            } else if let Some(st) = decide(&info, tols) {
                Some(st)
            } else if ln.schedule[l].due(&info)
                && polish_lane(&mut polisher, lp, &mut it, &last, l, &mut ln, tols)
            {
                polished = true;
                Some(Status::Solved)
            } else {
                last.copy_lane(&it, l);
                ln.has_last[l] = true;
                ln.prev_infos[l] = info;
                if ln.iters[l] >= tols.max_iter {
                    Some(Status::MaxIterations)
                } else {
                    ln.iters[l] += 1;
                    None
                }
            };
            if let Some(st) = stop {
                ln.status[l] = Some(st);
                // (A polished answer's K at the solution is the polisher's last factorization.)
                let kept = polisher
                    .as_ref()
                    .filter(|_| polished)
                    .map(|p| p.last_factors());
                retire(&mut ln, &locals, &mut results, &it, &wk.fac, l, kept, tols);
            }
        }
    }
    results.append(&mut alone);
    results
}

/// Ends lane `l`'s example: its outcome goes to the results and the lane becomes idle (its
/// example stays in `locals`, whose buffers the lane's next example refills).
/// Polishes lane `l`'s example on its own (notes/ALGORITHM.md §4b, [`Polisher`]) and, if
/// the polished point passes the termination test, makes it the lane's iterate (τ = 1,
/// κ = 0) with its measures. Returns whether it did. `last`: the lane's previous iterate
/// where it has one (`Lanes::has_last`), from which the guess extrapolates λ/s
/// ([`guess_ratio`]).
fn polish_lane<T: Real>(
    polisher: &mut Option<Polisher<T>>,
    lp: &Local<T>,
    it: &mut Dir<T>,
    last: &Dir<T>,
    l: usize,
    ln: &mut Lanes<T>,
    tols: &Tols<T>,
) -> bool {
    let pol = polisher.get_or_insert_with(|| Polisher::new(lp.n, lp.m, lp.p, tols.kkt));
    let (lam, s) = (&it.lam, &it.s);
    let has_last = ln.has_last[l];
    let tight = ln.schedule[l].retrying();
    let Some(pt) = pol.polish(
        lp,
        |i| {
            guess_ratio(
                lam[i][l],
                s[i][l],
                has_last.then(|| (last.lam[i][l], last.s[i][l])),
            )
        },
        ln.normq[l],
        ln.normb[l],
        tight,
        |info| decide(info, tols) == Some(Status::Solved),
        &mut ln.tried[l],
        &mut ln.polish_solves[l],
    ) else {
        return false;
    };
    if decide(&pt.info, tols) != Some(Status::Solved) {
        return false;
    }
    for (v, x) in [
        (&mut it.z, &pt.z),
        (&mut it.nu, &pt.nu),
        (&mut it.lam, &pt.lam),
        (&mut it.s, &pt.s),
    ] {
        for (e, &y) in v.iter_mut().zip(x) {
            e[l] = y;
        }
    }
    it.tau[l] = T::one();
    it.kappa[l] = T::zero();
    ln.infos[l] = pt.info;
    true
}

#[allow(clippy::too_many_arguments)]
fn retire<T: Real>(
    ln: &mut Lanes<T>,
    locals: &[Option<Local<T>>],
    results: &mut Vec<(usize, Outcome<T>)>,
    it: &Dir<T>,
    fac: &Fac<T>,
    l: usize,
    kept: Option<LastFactors<'_, T>>,
    tols: &Tols<T>,
) {
    let lp = locals[l].as_ref().expect("a busy lane holds an example");
    let status = ln.status[l];
    let out = Outcome {
        polish_solves: ln.polish_solves[l],
        ..finish(
            lp,
            it,
            fac,
            l,
            status,
            ln.iters[l],
            &ln.infos[l],
            kept,
            tols,
        )
    };
    // A lane whose step collapsed or whose direction overflowed retries its example alone
    // (`pdipm::solve`), whose rounding differs, and keeps that answer if it is solved. The
    // two paths take the same iterates to rounding, but near a degenerate end a direction's
    // step length can hang on it: on a 2-core AMD EPYC without AVX-512 (session 24) the
    // Maros–Meszaros problem CVXQP3_S took both paths to the same 9th iterate, from which the
    // lanes' step was 2.6e-8 (`InsufficientProgress`) and the scalar path's 0.26, solved at
    // the 11th. (In session 27, on the same kind of machine, the lanes solved it without the
    // retry in 11 iterations, as all 44 problems in lockstep; the runtime's tests retried
    // three lanes, each `NumericalError` alone as well: a safety net nothing needed then.)
    let out = match status {
        Some(Status::InsufficientProgress | Status::NumericalError) => {
            let alone = pdipm::solve(lp, tols);
            if alone.status == Status::Solved {
                alone
            } else {
                out
            }
        }
        _ => out,
    };
    results.push((ln.slot[l], out));
    ln.phase[l] = Phase::Idle;
}

/// Which lanes' solves [`newton_step`] refines: a starting lane's constant direction (its
/// start, refined as the scalar path's: only without inequalities), and the directions of
/// steps 5 and 7 as the scalar path's (`Tols::refines`, per lane: its τ, κ and iteration).
#[derive(Copy, Clone)]
struct LaneRefine {
    starting: [bool; W],
    directions: [bool; W],
}

/// Steps 4–7 with K factored: the constant direction, the affine and the combined
/// direction (left in `wk.step`) of every lane. Returns the step lengths and, per lane,
/// whether the direction is finite.
fn newton_step<T: Real>(
    pk: &Pack<T>,
    wk: &mut Work<T>,
    it: &Dir<T>,
    zQz: V<T>,
    rtau: V<T>,
    tols: &Tols<T>,
    refine: LaneRefine,
) -> (V<T>, [bool; W]) {
    let LaneRefine {
        starting,
        directions: refine,
    } = refine;
    let (n, p) = (pk.n, pk.p);
    let (lam, s, tau, kappa) = (&it.lam, &it.s, it.tau, it.kappa);
    let Work {
        fac,
        sc,
        w,
        Qz,
        rx,
        r_eq,
        r_in,
        rhs_x,
        rhs_eq,
        rhs_in,
        nq,
        ds,
        d2,
        aff,
        step,
    } = wk;
    // 4. The constant direction: the reduced solve of (−q, b, h), the τ column of the
    // bordered system that steps 5 and 7 refine as a whole. Step 5's right-hand side
    // (d_s = s∘λ, d_κ = τκ) does not depend on it: both reduced solves share their passes
    // over G and the factors.
    for j in 0..n {
        nq[j] = map1(&pk.q[j], |x| -x);
    }
    for i in 0..p {
        ds[i] = map2(&s[i], &lam[i], |a, b| a * b);
    }
    let dkappa_aff = map2(&tau, &kappa, |a, b| a * b);
    direction_rhs(
        &splat(T::one()),
        rx,
        r_eq,
        r_in,
        ds,
        lam,
        rhs_x,
        rhs_eq,
        rhs_in,
    );
    solve_reduced(
        pk,
        fac,
        sc.buf.each_mut().map(|b| &mut b[..]),
        sc.tp.each_mut().map(|t| &mut t[..]),
        [nq, rhs_x],
        [&pk.b, rhs_eq],
        [&pk.h, rhs_in],
        [d2, aff],
    );
    // (A starting lane takes its start from this solve, refined as the scalar path's: only
    // without inequalities, ALGORITHM §2.)
    let refined = if p == 0 { starting } else { [false; W] };
    solve_full(pk, fac, w, sc, nq, &pk.b, &pk.h, None, refined, true, d2);
    let den0: V<T> = std::array::from_fn(|l| kappa[l] / tau[l] + zQz[l] / (tau[l] * tau[l]));
    // The bordered system's pivot den = den0 − (q + 2Qz/τ, b, h)ᵀd₂, and the sum of
    // non-negative terms it equals (`pdipm::tau_denominator`, which says why):
    // κ/τ + (ξ − z₂)ᵀQ(ξ − z₂) + ε(‖z₂‖² + ‖ν₂‖²) + Σ λ₂ᵢ²/w̃ᵢ, ξ = z/τ.
    let v = &mut nq[..n];
    for j in 0..n {
        v[j] = std::array::from_fn(|l| it.z[j][l] / tau[l] - d2.z[j][l]);
    }
    lk::gemv_n([&mut sc.ex], &pk.Q, n, n, [&*v], T::one(), false);
    let (vQv, zz, nn) = (dot(v, &sc.ex[..n]), dot(&d2.z, &d2.z), dot(&d2.nu, &d2.nu));
    let lam2_w = d2
        .lam
        .iter()
        .zip(&fac.wr)
        .fold(splat(T::zero()), |mut a, (l2, wr)| {
            for k in 0..W {
                a[k] += l2[k] * (l2[k] / wr[k]);
            }
            a
        });
    let eps = fac.static_reg;
    let mut border = Border {
        Qz,
        tau,
        den0,
        den: std::array::from_fn(|l| {
            kappa[l] / tau[l] + vQv[l] + eps[l] * (zz[l] + nn[l]) + lam2_w[l]
        }),
        d2,
        rt: splat(T::zero()),
    };
    // The first form while it holds up against the second (`pdipm::pick_denominator`).
    let direct = border.row(pk, d2);
    border.den = std::array::from_fn(|l| pick_denominator(den0[l] - direct[l], border.den[l]));

    // The τ row's right-hand side and the slacks' and κ's parts of a direction for
    // residual factor f and complementarity terms (d_s, d_κ).
    let rt = |f: &V<T>, dkappa: &V<T>| -> V<T> {
        std::array::from_fn(|l| f[l] * rtau[l] - dkappa[l] / tau[l])
    };
    let finish_direction = |ds: &[V<T>], dkappa: V<T>, out: &mut Dir<T>| {
        for i in 0..p {
            out.s[i] = std::array::from_fn(|l| -(ds[i][l] + s[i][l] * out.lam[i][l]) / lam[i][l]);
        }
        out.kappa = std::array::from_fn(|l| -(dkappa[l] + kappa[l] * out.tau[l]) / tau[l]);
    };
    let step_to_boundary = |d: &Dir<T>| -> V<T> {
        let mut a = splat(T::one());
        for l in 0..W {
            if d.tau[l] < T::zero() {
                a[l] = a[l].min(-tau[l] / d.tau[l]);
            }
            if d.kappa[l] < T::zero() {
                a[l] = a[l].min(-kappa[l] / d.kappa[l]);
            }
        }
        let a = max_step(s, &d.s, a);
        max_step(lam, &d.lam, a)
    };

    // 5. Affine (predictor) step: d_s = s∘λ, d_κ = τκ (its reduced solve done above).
    border.rt = rt(&splat(T::one()), &dkappa_aff);
    solve_full(
        pk,
        fac,
        w,
        sc,
        rhs_x,
        rhs_eq,
        rhs_in,
        Some(&border),
        refine,
        true,
        aff,
    );
    finish_direction(ds, dkappa_aff, aff);
    let alpha_aff = step_to_boundary(aff);

    // 6. Centering.
    let sl = dot(s, lam);
    let mu: V<T> = std::array::from_fn(|l| (sl[l] + tau[l] * kappa[l]) / T::of((p + 1) as f64));
    let sigma = map1(&alpha_aff, |a| (T::one() - a).powi(3));

    // 7. Combined (corrector) step.
    for i in 0..p {
        ds[i] = std::array::from_fn(|l| {
            s[i][l] * lam[i][l] + aff.s[i][l] * aff.lam[i][l] - sigma[l] * mu[l]
        });
    }
    let dkappa: V<T> =
        std::array::from_fn(|l| tau[l] * kappa[l] + aff.tau[l] * aff.kappa[l] - sigma[l] * mu[l]);
    let f = map1(&sigma, |s| T::one() - s);
    direction_rhs(&f, rx, r_eq, r_in, ds, lam, rhs_x, rhs_eq, rhs_in);
    border.rt = rt(&f, &dkappa);
    solve_full(
        pk,
        fac,
        w,
        sc,
        rhs_x,
        rhs_eq,
        rhs_in,
        Some(&border),
        refine,
        false,
        step,
    );
    finish_direction(ds, dkappa, step);
    let alpha = map2(&step_to_boundary(step), &alpha_aff, |a, aa| {
        tols.fraction(aa) * a
    });
    let mut fin = [true; W];
    for l in 0..W {
        fin[l] = alpha[l].is_finite() && step.tau[l].is_finite() && step.kappa[l].is_finite();
    }
    for v in [&step.z, &step.nu, &step.lam, &step.s] {
        let bad = v.iter().fold(splat(T::zero()), |mut acc, x| {
            for l in 0..W {
                acc[l] += x[l] * T::zero();
            }
            acc
        });
        for l in 0..W {
            fin[l] &= bad[l] == T::zero();
        }
    }
    (alpha, fin)
}

/// The right-hand side of a direction (steps 5 and 7) for residual factor f and
/// complementarity terms d_s: (f·r_x, −f·r_eq, −f·r_in + d_s/λ).
#[allow(clippy::too_many_arguments)]
fn direction_rhs<T: Real>(
    f: &V<T>,
    rx: &[V<T>],
    r_eq: &[V<T>],
    r_in: &[V<T>],
    ds: &[V<T>],
    lam: &[V<T>],
    rhs_x: &mut [V<T>],
    rhs_eq: &mut [V<T>],
    rhs_in: &mut [V<T>],
) {
    for (o, r) in rhs_x.iter_mut().zip(rx) {
        *o = map2(f, r, |f, r| f * r);
    }
    for (o, r) in rhs_eq.iter_mut().zip(r_eq) {
        *o = map2(f, r, |f, r| -f * r);
    }
    for (i, o) in rhs_in.iter_mut().enumerate() {
        *o = std::array::from_fn(|l| -f[l] * r_in[i][l] + ds[i][l] / lam[i][l]);
    }
}

/// Lane `l`'s outcome in the original units ([`super::pdipm::conclude`]; `kept`: the
/// polisher's last factors where the lane's answer is its).
#[allow(clippy::too_many_arguments)]
fn finish<T: Real>(
    lp: &Local<T>,
    it: &Dir<T>,
    fac: &Fac<T>,
    l: usize,
    status: Option<Status>,
    iters: u32,
    info: &Info<T>,
    kept: Option<LastFactors<'_, T>>,
    tols: &Tols<T>,
) -> Outcome<T> {
    let (z, nu, lam, s) = (
        lane(&it.z, l),
        lane(&it.nu, l),
        lane(&it.lam, l),
        lane(&it.s, l),
    );
    conclude(
        lp,
        status.unwrap_or(Status::NumericalError),
        iters,
        info,
        [&z, &nu, &lam, &s],
        it.tau[l],
        it.kappa[l],
        fac.params(l),
        kept,
        tols,
    )
}
