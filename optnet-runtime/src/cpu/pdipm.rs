//! The primal–dual interior point method for one example.
//!
//! Mehrotra's predictor–corrector method (Mattingley & Boyd 2012, as in OptNet §3.1) applied
//! to the homogeneous self-dual embedding of the QP (as in Clarabel, Goulart & Chen 2024):
//!
//! ```text
//! Qz + Aᵀν + Gᵀλ + qτ = 0          (dual residual rx)
//! Az − bτ = 0                       (equality residual r_eq)
//! Gz + s − hτ = 0                   (inequality residual r_in)
//! qᵀz + bᵀν + hᵀλ + zᵀQz/τ + κ = 0  (gap residual rτ)
//! s, λ ≥ 0,  τ, κ ≥ 0,  s∘λ = 0,  τκ = 0.
//! ```
//!
//! A solution is (z, ν, λ, s)/τ when τ > 0 stays away from zero; when κ > 0 and τ → 0 the
//! iterate converges to a certificate of primal (bᵀν + hᵀλ < 0) or dual (qᵀz < 0)
//! infeasibility. Each Newton step solves the KKT system twice with one factorization
//! ([`super::kkt`]): once for a constant right-hand side (the τ column) and once per
//! predictor and corrector right-hand side.

use super::dense::{dot, gemv, gemv_tn};
use super::equilibrate::Scaling;
use super::kkt::{inf_norm, Kkt, KktParams, Ldl};
use super::polish::{guess_ratio, solution_weight, LastFactors, Polisher, Schedule, Tried};
use super::problem::Local;
use crate::{Real, Settings, Status};
use faer::Mat;

/// Tolerances converted to `T`, raised to the `f32` floor where needed.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Tols<T> {
    pub max_iter: u32,
    pub gap_abs: T,
    pub gap_rel: T,
    pub feas: T,
    pub infeas_abs: T,
    pub infeas_rel: T,
    pub ktratio: T,
    pub reduced_gap: T,
    pub reduced_feas: T,
    pub step_fraction: T,
    /// `Settings::centered_step_fraction`, taken where α_aff ≥ `Settings::CENTERED_AFFINE_STEP`.
    pub centered_step_fraction: T,
    pub min_step: T,
    pub kkt: KktParams<T>,
    /// Steps 5 and 7 refine their directions where κ/τ exceeds this
    /// ([`Settings::REFINEMENT_KT_RATIO`]) ...
    pub refine_kt: T,
    /// ... or from this iteration on ([`Settings::refinement_from_iteration`]).
    pub refine_from: u32,
    /// `Settings::polish`.
    pub polish: bool,
    /// `Settings::keep_factorization`.
    pub keep_factors: bool,
    pub verbose: bool,
}

impl<T: Real> Tols<T> {
    /// The fraction of the step to the boundary that step 8 takes after an affine step
    /// `alpha_aff` (`Settings::centered_step_fraction` from `Settings::CENTERED_AFFINE_STEP`).
    pub(crate) fn fraction(&self, alpha_aff: T) -> T {
        if alpha_aff >= T::of(Settings::CENTERED_AFFINE_STEP) {
            self.centered_step_fraction
        } else {
            self.step_fraction
        }
    }

    /// Whether steps 5 and 7 of iteration `iter` (counted from 1) refine their directions
    /// at an iterate with these τ, κ.
    pub(crate) fn refines(&self, tau: T, kappa: T, iter: u32) -> bool {
        iter >= self.refine_from || kappa > self.refine_kt * tau
    }

    /// The constants of a solve in `T` of data whose precision is `f32` if `single`: the
    /// stopping tolerances take the f32 floors then (the answer is returned in f32), the
    /// regularization and refinement constants follow `T`, the arithmetic's precision.
    pub fn for_data(s: &Settings, data_single: bool) -> Self {
        let s = s.for_precision(data_single, T::epsilon().to64() > 1e-10);
        Tols {
            max_iter: s.max_iter,
            gap_abs: T::of(s.tol_gap_abs),
            gap_rel: T::of(s.tol_gap_rel),
            feas: T::of(s.tol_feas),
            infeas_abs: T::of(s.tol_infeas_abs),
            infeas_rel: T::of(s.tol_infeas_rel),
            ktratio: T::of(s.tol_ktratio),
            reduced_gap: T::of(s.reduced_tol_gap),
            reduced_feas: T::of(s.reduced_tol_feas),
            step_fraction: T::of(s.max_step_fraction),
            centered_step_fraction: T::of(s.centered_step_fraction),
            min_step: T::of(s.min_step_length),
            kkt: KktParams {
                static_reg: T::of(s.static_regularization),
                dyn_eps: T::of(s.dynamic_regularization_eps),
                dyn_delta: T::of(s.dynamic_regularization_delta),
                refine_max_iter: s.refinement_max_iter,
                refine_abstol: T::of(s.refinement_abstol),
                refine_reltol: T::of(s.refinement_reltol),
                refine_unverified: T::of(UNVERIFIED_CORRECTION),
            },
            refine_kt: T::of(Settings::REFINEMENT_KT_RATIO),
            refine_from: Settings::refinement_from_iteration(data_single),
            polish: s.polish,
            keep_factors: s.keep_factorization,
            verbose: s.verbose,
        }
    }
}

/// The result of one example's solve, in the original (unscaled) units.
pub(crate) struct Outcome<T> {
    pub z: Vec<T>,
    pub nu: Vec<T>,
    pub lam: Vec<T>,
    pub s: Vec<T>,
    pub status: Status,
    pub iters: u32,
    /// Polishing solves (factorizations on a guessed active set), every attempt's.
    pub polish_solves: u32,
    pub res_primal: T,
    pub res_dual: T,
    pub gap: T,
    /// For a solved example, what the backward pass needs (K at the solution).
    pub factors: Option<AtSolution<T>>,
}

/// What the backward pass needs of a solved example (OptNet eq. 7, K at the solution): the
/// scaling that relates the scaled data to the original, W = λ/s of the solution (scaled
/// units), and either K's LDLᵀ factors at that W, kept from the forward pass (`ldl`, with
/// the constants it was factored with), or the constants of the last factorization (the
/// regularization may have been raised), with which the backward pass forms and factors K
/// itself.
pub(crate) struct AtSolution<T> {
    pub params: KktParams<T>,
    pub scaling: Scaling<T>,
    pub w: Vec<T>,
    pub ldl: Option<Mat<T>>,
}

/// The sizes only: a `Solution`'s debug output would otherwise print every kept factor.
impl<T> std::fmt::Debug for AtSolution<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtSolution")
            .field("w", &format_args!("[{} weights]", self.w.len()))
            .field(
                "ldl",
                &self
                    .ldl
                    .as_ref()
                    .map(|F| format!("{0} × {0} LDLᵀ factors", F.nrows())),
            )
            .finish_non_exhaustive()
    }
}

impl Outcome<f64> {
    /// The outcome in the batch's type `T` (a copy when `T` is f64), and apart from it what
    /// the backward pass needs, which stays in f64.
    #[allow(clippy::type_complexity)]
    pub(crate) fn narrow<T: Real>(self) -> (Outcome<T>, Option<AtSolution<f64>>) {
        let v = |x: Vec<f64>| x.into_iter().map(T::of).collect();
        let out = Outcome {
            z: v(self.z),
            nu: v(self.nu),
            lam: v(self.lam),
            s: v(self.s),
            status: self.status,
            iters: self.iters,
            polish_solves: self.polish_solves,
            res_primal: T::of(self.res_primal),
            res_dual: T::of(self.res_dual),
            gap: T::of(self.gap),
            factors: None,
        };
        (out, self.factors)
    }
}

impl<T: Real> Outcome<T> {
    /// An example that ended without an answer: NaN vectors and no factors.
    pub(crate) fn failed(n: usize, m: usize, p: usize, status: Status, iters: u32) -> Self {
        Outcome {
            z: vec![T::nan(); n],
            nu: vec![T::nan(); m],
            lam: vec![T::nan(); p],
            s: vec![T::nan(); p],
            status,
            iters,
            polish_solves: 0,
            res_primal: T::nan(),
            res_dual: T::nan(),
            gap: T::nan(),
            factors: None,
        }
    }
}

/// A search direction (or a right-hand side of the same shape).
pub(crate) struct Dir<T> {
    pub z: Vec<T>,
    pub nu: Vec<T>,
    pub lam: Vec<T>,
    s: Vec<T>,
    tau: T,
    kappa: T,
}

impl<T: Real> Dir<T> {
    pub(crate) fn zeros(n: usize, m: usize, p: usize) -> Self {
        Dir {
            z: vec![T::zero(); n],
            nu: vec![T::zero(); m],
            lam: vec![T::zero(); p],
            s: vec![T::zero(); p],
            tau: T::zero(),
            kappa: T::zero(),
        }
    }
}

/// Everything the iteration needs, allocated once per example.
struct Work<T> {
    kkt: Kkt<T>,
    rf: Refine<T>,
    /// Right-hand side / solution buffer of the reduced system, length n + m.
    buf: Vec<T>,
    /// Scratch of length p.
    tp: Vec<T>,
    /// W = λ / s.
    w: Vec<T>,
    Qz: Vec<T>,
    rx: Vec<T>,
    r_eq: Vec<T>,
    r_in: Vec<T>,
    /// Right-hand sides of the current solve.
    rhs_x: Vec<T>,
    rhs_eq: Vec<T>,
    rhs_in: Vec<T>,
    /// Complementarity term d_s of the current step.
    ds: Vec<T>,
    /// Constant direction (the τ column), the affine and the combined direction.
    d2: Dir<T>,
    d1: Dir<T>,
    aff: Dir<T>,
    step: Dir<T>,
}

impl<T: Real> Work<T> {
    fn new(n: usize, m: usize, p: usize, params: KktParams<T>) -> Self {
        Work {
            kkt: Kkt::new(n, m, p, params),
            rf: Refine::new(n, m, p),
            buf: vec![T::zero(); n + m],
            tp: vec![T::zero(); p],
            w: vec![T::one(); p],
            Qz: vec![T::zero(); n],
            rx: vec![T::zero(); n],
            r_eq: vec![T::zero(); m],
            r_in: vec![T::zero(); p],
            rhs_x: vec![T::zero(); n],
            rhs_eq: vec![T::zero(); m],
            rhs_in: vec![T::zero(); p],
            ds: vec![T::zero(); p],
            d2: Dir::zeros(n, m, p),
            d1: Dir::zeros(n, m, p),
            aff: Dir::zeros(n, m, p),
            step: Dir::zeros(n, m, p),
        }
    }
}

/// Scratch of the full-system refinement.
pub(crate) struct Refine<T> {
    ex: Vec<T>,
    eeq: Vec<T>,
    ein: Vec<T>,
    corr: Dir<T>,
}

impl<T: Real> Refine<T> {
    pub(crate) fn new(n: usize, m: usize, p: usize) -> Self {
        Refine {
            ex: vec![T::zero(); n],
            eeq: vec![T::zero(); m],
            ein: vec![T::zero(); p],
            corr: Dir::zeros(n, m, p),
        }
    }
}

/// W regularized as the (3,3) block −(W⁻¹ + εI) of the full system: 1/(1/w + ε) ≤ 1/ε.
/// Without it, GᵀWG swamps Q when w reaches 1e16 at active constraints near the solution
/// and the factorization loses every digit; refinement against the unregularized system
/// restores the accuracy.
#[inline]
pub(crate) fn regularized<T: Real>(w: T, eps: T) -> T {
    w / (T::one() + eps * w)
}

/// One solve through the reduced matrix: (Q + GᵀWG)Δz + AᵀΔν = rx + Gᵀ(W∘r_in), AΔz = r_eq,
/// then Δλ = W∘(GΔz − r_in); into `out`'s z, ν and λ.
#[allow(clippy::too_many_arguments)]
fn solve_reduced<T: Real, K: Ldl<T>>(
    lp: &Local<T>,
    kkt: &K,
    w: &[T],
    buf: &mut [T],
    tp: &mut [T],
    rx: &[T],
    r_eq: &[T],
    r_in: &[T],
    out: &mut Dir<T>,
) {
    let n = lp.n;
    let (z, nu, lam) = (&mut out.z, &mut out.nu, &mut out.lam);
    let eps = kkt.params().static_reg;
    buf[..n].copy_from_slice(rx);
    for i in 0..lp.p {
        tp[i] = regularized(w[i], eps) * r_in[i];
    }
    gemv(&mut buf[..n], true, &lp.G, true, tp, T::one());
    buf[n..].copy_from_slice(r_eq);
    kkt.solve_plain(buf);
    z.copy_from_slice(&buf[..n]);
    nu.copy_from_slice(&buf[n..]);
    gemv(lam, false, &lp.G, false, z, T::one());
    for i in 0..lp.p {
        lam[i] = regularized(w[i], eps) * (lam[i] - r_in[i]);
    }
}

/// The τ row and column that border the full system in the homogeneous embedding's Newton
/// system (notes/ALGORITHM.md §4, steps 4–5):
///
/// ```text
/// [K_full          −(−q, b, h) ] [Δ ]   [r  ]
/// [−(q + 2Qz/τ, b, h)ᵀ    den0 ] [Δτ] = [r_τ]      den0 = κ/τ + zᵀQz/τ²
/// ```
///
/// `d2` is the reduced solve of the τ column, K⁻¹(−q, b, h), unrefined: eliminating Δτ
/// with it gives the bordered system's approximate inverse that the refinement uses, and
/// `den` = den0 − (q + 2Qz/τ, b, h)ᵀd2 its pivot (see [`tau_denominator`]).
pub(crate) struct Border<'a, T> {
    pub Qz: &'a [T],
    pub tau: T,
    pub den0: T,
    pub den: T,
    pub d2: &'a Dir<T>,
    pub rt: T,
}

impl<'a, T: Real> Border<'a, T> {
    /// The border at an iterate (Qz, τ, κ, zᵀQz) with the constant direction `d2` and the
    /// pivot `den` ([`tau_denominator`]); the τ row's right-hand side `rt` is set per solve.
    pub(crate) fn new(Qz: &'a [T], tau: T, kappa: T, zQz: T, d2: &'a Dir<T>, den: T) -> Self {
        Border {
            Qz,
            tau,
            den0: kappa / tau + zQz / (tau * tau),
            den,
            d2,
            rt: T::zero(),
        }
    }

    /// (q + 2Qz/τ)ᵀΔz + bᵀΔν + hᵀΔλ.
    fn row(&self, lp: &Local<T>, d: &Dir<T>) -> T {
        dot(&lp.q, &d.z)
            + dot(&lp.b, &d.nu)
            + dot(&lp.h, &d.lam)
            + T::of(2.0) * dot(self.Qz, &d.z) / self.tau
    }

    /// Completes a reduced solve `d` of the first block row into a solve of the bordered
    /// system with τ-row right-hand side `rt`: Δτ = (rt + row(d))/den, d += Δτ·d2.
    fn complete(&self, lp: &Local<T>, rt: T, d: &mut Dir<T>) {
        let dtau = (rt + self.row(lp, d)) / self.den;
        let d2 = self.d2;
        for (a, &b) in d.z.iter_mut().zip(&d2.z) {
            *a += dtau * b;
        }
        for (a, &b) in d.nu.iter_mut().zip(&d2.nu) {
            *a += dtau * b;
        }
        for (a, &b) in d.lam.iter_mut().zip(&d2.lam) {
            *a += dtau * b;
        }
        d.tau = dtau;
    }
}

/// The pivot of the bordered system (notes/ALGORITHM.md §4, step 4), den = den0 − c₀ =
/// κ/τ + ξᵀQξ − (q + 2Qξ)ᵀz₂ − bᵀν₂ − hᵀλ₂ with ξ = z/τ and d₂ = (z₂, ν₂, λ₂) the reduced
/// solve of (−q, b, h), computed as the sum of non-negative terms it equals,
///
/// ```text
/// den = κ/τ + (ξ − z₂)ᵀQ(ξ − z₂) + ε(‖z₂‖² + ‖ν₂‖²) + Σ λ₂ᵢ²/w̃ᵢ      (w̃ = w/(1 + εw))
/// ```
///
/// by the reduced system's rows: −qᵀz₂ = z₂ᵀ(Q + εI)z₂ + ν₂ᵀAz₂ + λ₂ᵀGz₂,
/// bᵀν₂ = ν₂ᵀAz₂ − ε‖ν₂‖² and hᵀλ₂ = λ₂ᵀGz₂ − λ₂ᵀW̃⁻¹λ₂. Near the solution den0 ≈ ξᵀQξ stays
/// of the order of ‖Q‖ while den goes to κ/τ, and den0 − c₀ loses every digit to
/// cancellation: on one of OptNet's random QPs it came out −8.1e-5 for 2.3e-6 (the GPU's
/// kernel, −7.2e-9 for 2.0e-5, ended it `AlmostSolved`; notes/gpu_s8.md). This form is at
/// least κ/τ and as accurate as d₂. `v`, `Qv`: scratch of n entries.
#[allow(clippy::too_many_arguments)]
pub(crate) fn tau_denominator<T: Real>(
    lp: &Local<T>,
    z: &[T],
    tau: T,
    kappa: T,
    d2: &Dir<T>,
    w: &[T],
    eps: T,
    v: &mut [T],
    Qv: &mut [T],
) -> T {
    let n = lp.n;
    for j in 0..n {
        v[j] = z[j] / tau - d2.z[j];
    }
    gemv(&mut Qv[..n], false, &lp.Q, false, &v[..n], T::one());
    let lam2_w: T = d2
        .lam
        .iter()
        .zip(w)
        .fold(T::zero(), |a, (&l, &w)| a + l * (l / regularized(w, eps)));
    kappa / tau + dot(&v[..n], &Qv[..n]) + eps * (dot(&d2.z, &d2.z) + dot(&d2.nu, &d2.nu)) + lam2_w
}

/// Which form of the bordered system's pivot to use: `direct` = den0 − (q + 2Qz/τ, b, h)ᵀd₂,
/// the Schur complement of the computed d₂ (with it the bordered refinement takes fewer steps:
/// 20.9 against 22.1 per QP in the GPU's kernel, notes/gpu_s8_den.md), while it is at least
/// half of `sum_form` ([`tau_denominator`]); `sum_form` once cancellation has eaten `direct`.
pub(crate) fn pick_denominator<T: Real>(direct: T, sum_form: T) -> T {
    if direct >= T::of(0.5) * sum_form {
        direct
    } else {
        sum_form
    }
}

/// Solves the full Newton system
///
/// ```text
/// [Q  Aᵀ  Gᵀ  ] [Δz]   [rhs_x ]
/// [A  0   0   ] [Δν] = [rhs_eq]          W = diag(λ / s)
/// [G  0  −W⁻¹ ] [Δλ]   [rhs_in]
/// ```
///
/// with the factored reduced matrix ([`solve_reduced`]), then refines iteratively against
/// the full system: eliminating Δλ amplifies rounding errors by W, which grows without
/// bound at active constraints, so the residual is measured on the unreduced equations.
///
/// With `border`, the system is the homogeneous embedding's bordered one (Δτ in `out.tau`),
/// refined as one system: its residual is measured on the unreduced equations and the τ
/// row, and each correction is a reduced solve completed by the border.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_full<T: Real, K: Ldl<T>>(
    lp: &Local<T>,
    kkt: &K,
    w: &[T],
    buf: &mut [T],
    tp: &mut [T],
    rf: &mut Refine<T>,
    rhs_x: &[T],
    rhs_eq: &[T],
    rhs_in: &[T],
    border: Option<&Border<T>>,
    refine: bool,
    out: &mut Dir<T>,
) {
    solve_reduced(lp, kkt, w, buf, tp, rhs_x, rhs_eq, rhs_in, out);
    out.tau = T::zero();
    if let Some(bd) = border {
        bd.complete(lp, bd.rt, out);
    }
    if refine {
        refine_full(lp, kkt, w, buf, tp, rf, rhs_x, rhs_eq, rhs_in, border, out);
    }
}

/// The iterative refinement of [`solve_full`] against the full (or bordered) system, from
/// the solution in `out`: the reduced solve's, or one that [`solve_full`] returned unrefined.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refine_full<T: Real, K: Ldl<T>>(
    lp: &Local<T>,
    kkt: &K,
    w: &[T],
    buf: &mut [T],
    tp: &mut [T],
    rf: &mut Refine<T>,
    rhs_x: &[T],
    rhs_eq: &[T],
    rhs_in: &[T],
    border: Option<&Border<T>>,
    out: &mut Dir<T>,
) {
    let rt = border.map_or(T::zero(), |bd| bd.rt);
    let params = kkt.params();
    let norm_rhs = inf_norm(rhs_x)
        .max(inf_norm(rhs_eq))
        .max(inf_norm(rhs_in))
        .max(rt.abs());
    let tol = params.refine_abstol + params.refine_reltol * norm_rhs;
    let mut prev_err = T::infinity();
    let mut corrected = false;
    for _ in 0..params.refine_max_iter {
        // e = rhs − K_full·out (Gᵀλ and Gz from one sweep over G), with the border's
        // column Δτ·(−q, b, h) on the right and its row's residual e_τ.
        let dtau = out.tau;
        for j in 0..lp.n {
            rf.ex[j] = rhs_x[j] - dtau * lp.q[j];
        }
        gemv(&mut rf.ex, true, &lp.Q, false, &out.z, -T::one());
        gemv(&mut rf.ex, true, &lp.A, true, &out.nu, -T::one());
        for i in 0..lp.m {
            rf.eeq[i] = rhs_eq[i] + dtau * lp.b[i];
        }
        gemv(&mut rf.eeq, true, &lp.A, false, &out.z, -T::one());
        for i in 0..lp.p {
            rf.ein[i] = rhs_in[i] + dtau * lp.h[i];
        }
        gemv_tn(&lp.G, &out.lam, &mut rf.ex, &out.z, &mut rf.ein, -T::one());
        for i in 0..lp.p {
            rf.ein[i] += out.lam[i] / w[i];
        }
        let e_tau = border.map_or(T::zero(), |bd| rt - dtau * bd.den0 + bd.row(lp, out));
        let err = inf_norm(&rf.ex)
            .max(inf_norm(&rf.eeq))
            .max(inf_norm(&rf.ein))
            .max(if e_tau.is_nan() { e_tau } else { e_tau.abs() });
        // A correction that made the residual worse (or not finite) is taken back.
        if corrected && (err.is_nan() || err > prev_err) {
            let c = &rf.corr;
            for (a, &b) in out.z.iter_mut().zip(&c.z) {
                *a -= b;
            }
            for (a, &b) in out.nu.iter_mut().zip(&c.nu) {
                *a -= b;
            }
            for (a, &b) in out.lam.iter_mut().zip(&c.lam) {
                *a -= b;
            }
            out.tau -= c.tau;
            break;
        }
        // Stop when accurate, or when a step no longer gains a factor of 5 (the
        // regularization bounds what refinement can reach).
        if err <= tol || !err.is_finite() || err * T::of(5.0) > prev_err {
            break;
        }
        // A first correction of a residual within `UNVERIFIED_CORRECTION` of the tolerance
        // is taken without measuring the residual again (see the constant).
        let last = !corrected && err <= tol * params.refine_unverified;
        corrected = true;
        prev_err = err;
        let Refine { ex, eeq, ein, corr } = rf;
        solve_reduced(lp, kkt, w, buf, tp, ex, eeq, ein, corr);
        corr.tau = T::zero();
        if let Some(bd) = border {
            bd.complete(lp, e_tau, corr);
        }
        for (a, &b) in out.z.iter_mut().zip(&corr.z) {
            *a += b;
        }
        for (a, &b) in out.nu.iter_mut().zip(&corr.nu) {
            *a += b;
        }
        for (a, &b) in out.lam.iter_mut().zip(&corr.lam) {
            *a += b;
        }
        out.tau += corr.tau;
        if last {
            break;
        }
    }
}

/// Iterative refinement (notes/ALGORITHM.md §3) does not measure the residual after its
/// first correction when the residual before it was at most this many times the
/// tolerance: the reduced solve was then already accurate to about six digits, and one
/// correction brings it to the tolerance. Measured on OptNet's random QPs (n = p = 100,
/// 1548 solves): 96 % of first residuals were within this bound, and 98 % of all first
/// corrections reached the tolerance (the rest came within 10× of it); none made the
/// residual worse. Skipping that measurement saves a product with Q and a sweep over G per
/// solve, about 8 % of an iteration. The test
/// `unverified_first_corrections_keep_the_refined_accuracy` checks that the answers stay
/// within 10× of what verifying every correction reaches, W from 1e-8 to 1e8.
pub(crate) const UNVERIFIED_CORRECTION: f64 = 1e6;

/// Largest α ∈ (0, 1] keeping v + α·dv ≥ 0.
fn max_step<T: Real>(v: &[T], dv: &[T], mut alpha: T) -> T {
    for (&x, &dx) in v.iter().zip(dv) {
        if dx < T::zero() {
            alpha = alpha.min(-x / dx);
        }
    }
    alpha
}

/// The starting τ = κ = √μ₀ with μ₀ = sᵀλ/p the mean complementarity of the shifted start
/// (notes/ALGORITHM.md "Start"): the pair τκ starts as centred as the pairs sᵢλᵢ. (With
/// τ = κ = 1 and μ₀ ≫ 1 the first step drove τ towards 0 on some problems, which then spent
/// several iterations recovering.) τ = κ = 1 without inequalities or for a μ₀ that is not
/// positive and finite.
pub(crate) fn start_tau_kappa<T: Real>(sl: T, p: usize) -> T {
    let mu0 = sl / T::of(p.max(1) as f64);
    if p > 0 && mu0 > T::zero() && mu0.is_finite() {
        mu0.sqrt()
    } else {
        T::one()
    }
}

/// W of the start's factorization for inequality row i of an equilibrated example
/// (notes/ALGORITHM.md §2): (c/Eᵢ²)^¾ with c the cost scaling and Eᵢ the row's scaling, computed
/// as r·√r with r = √c/Eᵢ (correctly rounded operations only, so that the CPU and the GPU
/// kernels start from the same point to the bit). W = 1 is the identity in the equilibrated
/// units, W = c/Eᵢ² the identity in the original ones; between them on OptNet's random QPs
/// (n = p = 100, 3 × 256, development machine, session 19) the mean iterations are
/// 5.38 (W = 1), 5.21 (exponent ½), 5.16 (¾) and 5.10 (1), without equilibration 5.05;
/// the badly scaled family of the GPU tests 76, 64, 60, 62 (141 without); the
/// Maros–Meszaros set 472, 458, 480, 475 in total but for QBEACONF 454, 435, 437, 429 (the
/// exponents taken with `powf`). With the exponent 1 QBEACONF's objective error (1e-6 needed)
/// is 7.1e-6; with ½ taken as `powf(0.5)` CVXQP3_S's data rounded to f32 end `AlmostSolved`
/// in f64 (a last step of length 1e-22), but with ½ taken as √c/Eᵢ they are solved and every
/// test passes (the set 458, QBEACONF 23): that test's outcome turns on the start's last bit.
/// ¾ is the exponent the GPU kernels were validated with (session 19). ½ as √c/Eᵢ, tried on
/// the GPU in session 20 (notes/s20.md §1), left the same CVXQP3_S `AlmostSolved` there after
/// 26 iterations (the CPU solves it) and gained nothing measurable in time: ¾ stays. 1
/// without equilibration.
pub(crate) fn start_w<T: Real>(c: T, e: T) -> T {
    let r = c.sqrt() / e;
    r * r.sqrt()
}

/// Sets a start pair (sᵢ, λᵢ) to the ratio λᵢ/sᵢ = Wᵢ of the start's factorization keeping
/// its product μᵢ = sᵢλᵢ: sᵢ = √(μᵢ/Wᵢ), λᵢ = √(μᵢWᵢ) (notes/ALGORITHM.md §2, since session
/// 25), where [`start_w_is_even`]. The first iteration's K = Q + GᵀWG (W = λ/s) is then the
/// start's, already factored: on OptNet's random QPs 7.7 → 6.8 factorizations per example for
/// 0.05–0.1 more iterations (the GPU kernels' `onto_start_w`, the same operations).
pub(crate) fn onto_start_w<T: Real>(mu: T, w: T) -> (T, T) {
    ((mu / w).sqrt(), (mu * w).sqrt())
}

/// How far the start's W may spread, max W / min W, for the start pairs to take its ratio
/// ([`onto_start_w`]): OptNet's random QPs spread 2–3.9 (n = p = 100, equilibrated); rows of G
/// scaled over six orders of magnitude spread W over about nine, and there the ratio W
/// imported that spread into the iterate (the GPU tests' badly scaled family: 57 → 109
/// iterations; with this cut 57 again, the Maros–Meszaros set 458 → 457).
pub(crate) const START_W_SPREAD: f64 = 10.0;

/// Whether the start pairs take the start's ratio W ([`onto_start_w`]), and so the first
/// iteration the start's factors: W spreads no more than [`START_W_SPREAD`] (always without
/// inequalities, where K does not depend on the iterate).
pub(crate) fn start_w_is_even<T: Real>(w: impl IntoIterator<Item = T>) -> bool {
    let (lo, hi) = w
        .into_iter()
        .fold((T::infinity(), T::zero()), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    hi <= T::of(START_W_SPREAD) * lo
}

/// Shifts v into the interior of the non-negative orthant (Clarabel's symmetric start).
fn shift_interior<T: Real>(v: &mut [T]) {
    if v.is_empty() {
        return;
    }
    let min = v.iter().fold(T::infinity(), |a, &x| a.min(x));
    let pos = v.iter().fold(T::zero(), |a, &x| a + x.max(T::zero()));
    let target = T::one().max(T::of(0.1) * pos / T::of(v.len() as f64));
    let shift = if min <= T::zero() {
        -min + target
    } else if min < target {
        target - min
    } else {
        T::zero()
    };
    for x in v.iter_mut() {
        *x += shift;
    }
}

/// Measures of progress in the original units (see [`crate::Settings`]).
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Info<T> {
    pub res_primal: T,
    pub res_dual: T,
    pub gap_abs: T,
    pub gap_rel: T,
    pub ktratio: T,
    /// bᵀν + hᵀλ and ‖Aᵀν + Gᵀλ‖∞ / max(1, ‖(ν, λ)‖∞), unnormalized by τ.
    pub bnu: T,
    pub res_pinf: T,
    /// qᵀz and the certificate residual of the ray z, unnormalized by τ.
    pub qz: T,
    pub res_dinf: T,
}

/// Solves one example. `lp` is already copied (and equilibrated).
pub(crate) fn solve<T: Real>(lp: &Local<T>, tols: &Tols<T>) -> Outcome<T> {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    let sc = &lp.scaling;
    let (e_eq, e_in) = sc.e.split_at(m);
    let mut wk = Work::new(n, m, p, tols.kkt.for_cost(sc.c));
    // Norms of the data in the original units.
    let normq = (0..n).fold(T::zero(), |a, j| a.max((lp.q[j] / (sc.d[j] * sc.c)).abs()));
    let normb = (0..m)
        .map(|i| (lp.b[i] / e_eq[i]).abs())
        .chain((0..p).map(|i| (lp.h[i] / e_in[i]).abs()))
        .fold(T::zero(), |a, x| a.max(x));

    // Iterate.
    let mut z = vec![T::zero(); n];
    let mut nu = vec![T::zero(); m];
    let mut lam = vec![T::one(); p];
    let mut s = vec![T::one(); p];

    // Starting point: solve with W = `start_w` (I in the original units' direction; ALGORITHM
    // §2), refined only without inequalities (then the point is the solution; with them it is
    // shifted into the interior).
    let refine = p == 0;
    for (w, &e) in wk.w.iter_mut().zip(e_in) {
        *w = start_w(sc.c, e);
    }
    if !wk.kkt.factor(&lp.Q, &lp.A, &lp.G, &wk.w) {
        return Outcome::failed(n, m, p, Status::NumericalError, 0);
    }
    let Work {
        kkt,
        rf,
        buf,
        tp,
        w,
        d1,
        d2,
        ..
    } = &mut wk;
    if lp.is_lp() {
        let zero_n = vec![T::zero(); n];
        solve_full(
            lp, kkt, w, buf, tp, rf, &zero_n, &lp.b, &lp.h, None, refine, d1,
        );
        z.copy_from_slice(&d1.z);
        for i in 0..p {
            s[i] = -d1.lam[i] / w[i];
        }
        let neg_q: Vec<T> = lp.q.iter().map(|&x| -x).collect();
        let (zero_m, zero_p) = (vec![T::zero(); m], vec![T::zero(); p]);
        solve_full(
            lp, kkt, w, buf, tp, rf, &neg_q, &zero_m, &zero_p, None, refine, d2,
        );
        nu.copy_from_slice(&d2.nu);
        lam.copy_from_slice(&d2.lam);
    } else {
        let neg_q: Vec<T> = lp.q.iter().map(|&x| -x).collect();
        solve_full(
            lp, kkt, w, buf, tp, rf, &neg_q, &lp.b, &lp.h, None, refine, d1,
        );
        z.copy_from_slice(&d1.z);
        nu.copy_from_slice(&d1.nu);
        // s = h − Gz = −W⁻¹λ̂ (the start's third block row, Gz − W⁻¹λ̂ = h).
        for i in 0..p {
            lam[i] = d1.lam[i];
            s[i] = -d1.lam[i] / w[i];
        }
    }
    shift_interior(&mut s);
    shift_interior(&mut lam);
    // Whether the first iteration takes the start's factors.
    let even = start_w_is_even(wk.w.iter().copied());
    if even {
        for i in 0..p {
            (s[i], lam[i]) = onto_start_w(s[i] * lam[i], wk.w[i]);
        }
    }
    let mut tau = start_tau_kappa(dot(&s, &lam), p);
    let mut kappa = tau;

    let mut info;
    // The last iterate whose residuals were finite, and its measures.
    let mut last_good: Option<Dir<T>> = None;
    let mut prev_info = Info::<T>::default();
    let status;
    let mut iters = 0u32;
    let mut schedule = Schedule::new(tols.polish);
    let mut polisher: Option<Polisher<T>> = None;
    let mut tried = Tried::new(p);
    let mut polish_solves = 0;
    // Whether the answer is the polisher's (whose last factors are then K at the solution).
    let mut polished = false;
    // Regularization safeguard (see `MAX_BOOSTS`).
    let (mut boosts, mut boost) = (0u32, T::one());
    loop {
        // 1. Residuals.
        let (zQz, qz, bnu) = residuals(
            lp,
            [&z, &nu, &lam, &s],
            tau,
            [&mut wk.Qz, &mut wk.rx, &mut wk.r_eq, &mut wk.r_in],
        );
        let rtau = qz + bnu + kappa + zQz / tau;

        // 2. Termination, measured in the original units.
        info = measure(
            lp,
            &Point {
                z: &z,
                nu: &nu,
                lam: &lam,
                s: &s,
                rx: &wk.rx,
                r_eq: &wk.r_eq,
                r_in: &wk.r_in,
                Qz: &wk.Qz,
                pick: |x: &T| *x,
                tau,
                kappa,
                zQz,
                qz,
                bnu,
            },
            normq,
            normb,
        );
        if tols.verbose {
            eprintln!(
                "iter {iters:3}  pres {:9.2e}  dres {:9.2e}  gap {:9.2e}  rel {:9.2e}  κ/τ {:9.2e}  τ {:9.2e}",
                info.res_primal.to64(),
                info.res_dual.to64(),
                info.gap_abs.to64(),
                info.gap_rel.to64(),
                info.ktratio.to64(),
                tau.to64()
            );
        }
        let finite = info.res_primal.is_finite()
            && info.res_dual.is_finite()
            && info.gap_abs.is_finite()
            && tau.is_finite()
            && kappa.is_finite();
        if !finite {
            // Fall back to the last finite iterate, which may still be almost optimal.
            if let Some(prev) = &last_good {
                z.copy_from_slice(&prev.z);
                nu.copy_from_slice(&prev.nu);
                lam.copy_from_slice(&prev.lam);
                s.copy_from_slice(&prev.s);
                tau = prev.tau;
                kappa = prev.kappa;
                info = prev_info;
            }
            status = Status::NumericalError;
            break;
        }
        if let Some(st) = decide(&info, tols) {
            status = st;
            break;
        }
        // Polishing (notes/ALGORITHM.md §4b): the exact solution on the guessed active set,
        // taken if it passes the termination test. The guess extrapolates λ/s from the last
        // iterate (`last_good`, not yet this one) to this one.
        if schedule.due(&info) {
            let pol = polisher.get_or_insert_with(|| Polisher::new(n, m, p, tols.kkt));
            let tight = schedule.retrying();
            let accept = |info: &Info<T>| decide(info, tols) == Some(Status::Solved);
            let prev = last_good.as_ref();
            let ratio = |i: usize| guess_ratio(lam[i], s[i], prev.map(|d| (d.lam[i], d.s[i])));
            let solves = &mut polish_solves;
            let before = *solves;
            let polished_point =
                pol.polish(lp, ratio, normq, normb, tight, accept, &mut tried, solves);
            if tols.verbose && polish_solves == before {
                // (No solve: the attempt repeated the last failed one, `polish::Tried`.)
                eprintln!("polish    skipped: the last failed attempt's set, as tight");
            }
            if let Some(pt) = polished_point {
                let st = decide(&pt.info, tols);
                if tols.verbose {
                    eprintln!(
                        "polish    pres {:9.2e}  dres {:9.2e}  gap {:9.2e}  rel {:9.2e}  {}",
                        pt.info.res_primal.to64(),
                        pt.info.res_dual.to64(),
                        pt.info.gap_abs.to64(),
                        pt.info.gap_rel.to64(),
                        if st == Some(Status::Solved) {
                            "taken"
                        } else {
                            "not taken"
                        }
                    );
                }
                if st == Some(Status::Solved) {
                    z.copy_from_slice(&pt.z);
                    nu.copy_from_slice(&pt.nu);
                    lam.copy_from_slice(&pt.lam);
                    s.copy_from_slice(&pt.s);
                    (tau, kappa) = (T::one(), T::zero());
                    info = pt.info;
                    status = Status::Solved;
                    polished = true;
                    break;
                }
            }
        }
        match &mut last_good {
            Some(prev) => {
                prev.z.copy_from_slice(&z);
                prev.nu.copy_from_slice(&nu);
                prev.lam.copy_from_slice(&lam);
                prev.s.copy_from_slice(&s);
                prev.tau = tau;
                prev.kappa = kappa;
            }
            None => {
                last_good = Some(Dir {
                    z: z.clone(),
                    nu: nu.clone(),
                    lam: lam.clone(),
                    s: s.clone(),
                    tau,
                    kappa,
                })
            }
        }
        prev_info = info;
        if iters >= tols.max_iter {
            status = Status::MaxIterations;
            break;
        }
        iters += 1;

        // 3.–7. Factor K at W = λ / s and compute the step. The first iteration takes the
        // start's factors where the start pairs took its W (`start_w_is_even`; then W = λ/s
        // is the start's to rounding), as the GPU kernels do: unless a polishing attempt came
        // first (the kernels factor it in K's place) or the safeguard raised the
        // regularization. Safeguard: if the factors or a direction overflow, refactor with
        // 100× the regularization (kept for the rest of this example's solve), at most
        // `MAX_BOOSTS` times.
        for i in 0..p {
            wk.w[i] = lam[i] / s[i];
        }
        let it = Iterate {
            z: &z,
            lam: &lam,
            s: &s,
            tau,
            kappa,
            rtau,
            zQz,
            iter: iters,
        };
        let mut alpha = None;
        loop {
            let factored = (even && iters == 1 && !schedule.attempted() && boosts == 0)
                || wk.kkt.factor(&lp.Q, &lp.A, &lp.G, &wk.w);
            if factored {
                alpha = newton_step(lp, &mut wk, &it, tols);
            }
            if alpha.is_some() || boosts >= MAX_BOOSTS {
                break;
            }
            boosts += 1;
            boost *= T::of(100.0);
            wk.kkt.boost(boost);
        }
        let Some(alpha) = alpha else {
            status = Status::NumericalError;
            break;
        };
        let step = &wk.step;

        // 8. Update.
        for j in 0..n {
            z[j] += alpha * step.z[j];
        }
        for i in 0..m {
            nu[i] += alpha * step.nu[i];
        }
        for i in 0..p {
            lam[i] += alpha * step.lam[i];
            s[i] += alpha * step.s[i];
        }
        tau += alpha * step.tau;
        kappa += alpha * step.kappa;

        if alpha < tols.min_step {
            status = Status::InsufficientProgress;
            break;
        }
    }
    // (The polisher's last factors are K at the solution if its answer was taken.)
    let kept = polisher
        .as_ref()
        .filter(|_| polished)
        .map(|p| p.last_factors());
    Outcome {
        polish_solves,
        ..conclude(
            lp,
            status,
            iters,
            &info,
            [&z, &nu, &lam, &s],
            tau,
            kappa,
            wk.kkt.params(),
            kept,
            tols,
        )
    }
}

/// The end of an example's solve (one at a time or in a lane): `AlmostSolved` for an
/// example that stopped early within the reduced tolerances, and the answer in the original
/// units — the iterate (z, ν, λ, s) over τ, a certificate over κ — with, for a solved one,
/// what the backward pass needs.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conclude<T: Real>(
    lp: &Local<T>,
    mut status: Status,
    iters: u32,
    info: &Info<T>,
    [z, nu, lam, s]: [&[T]; 4],
    tau: T,
    kappa: T,
    params: KktParams<T>,
    polished: Option<LastFactors<'_, T>>,
    tols: &Tols<T>,
) -> Outcome<T> {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    if matches!(
        status,
        Status::InsufficientProgress | Status::MaxIterations | Status::NumericalError
    ) && info.ktratio <= T::one()
        && is_solved(info, tols.reduced_gap, tols.reduced_gap, tols.reduced_feas)
    {
        status = Status::AlmostSolved;
    }
    if status == Status::NumericalError {
        return Outcome::failed(n, m, p, status, iters);
    }
    let sc = &lp.scaling;
    let (e_eq, e_in) = sc.e.split_at(m);
    let infeasible = matches!(status, Status::PrimalInfeasible | Status::DualInfeasible);
    let k = if infeasible {
        T::one() / kappa
    } else {
        T::one() / tau
    };
    let c = sc.c;
    // The backward pass needs K at the solution's W (OptNet eq. 7), not the last iteration's
    // (one step behind; W's largest entries grow tenfold per step). A polished solution's
    // is the last polishing factorization, kept here (`Settings::keep_factorization`) where
    // its weights put every constraint on the side the solution's do (an inactive one
    // whose slack came out exactly 0 would not); otherwise the backward pass forms and
    // factors K itself, only if it is called.
    let factors = status.is_solved().then(|| {
        let w: Vec<T> = (0..p).map(|i| solution_weight(lam[i], s[i])).collect();
        let kept = polished.filter(|f| {
            tols.keep_factors
                && f.w
                    .iter()
                    .zip(&w)
                    .all(|(&a, &b)| (a > T::one()) == (b > T::one()))
        });
        let (params, ldl) = match kept {
            Some(f) => (f.params, Some(f.F.clone())),
            None => (params, None),
        };
        AtSolution {
            params,
            scaling: sc.clone(),
            w,
            ldl,
        }
    });
    Outcome {
        z: (0..n).map(|j| sc.d[j] * z[j] * k).collect(),
        nu: (0..m).map(|i| e_eq[i] * nu[i] * k / c).collect(),
        lam: (0..p).map(|i| e_in[i] * lam[i] * k / c).collect(),
        s: (0..p).map(|i| s[i] * k / e_in[i]).collect(),
        status,
        iters,
        polish_solves: 0,
        res_primal: info.res_primal,
        res_dual: info.res_dual,
        gap: info.gap_abs,
        factors,
    }
}

/// The current iterate, as [`newton_step`] reads it.
struct Iterate<'a, T> {
    z: &'a [T],
    lam: &'a [T],
    s: &'a [T],
    tau: T,
    kappa: T,
    /// The gap residual rτ and zᵀQz of the iterate.
    rtau: T,
    zQz: T,
    /// The iteration that steps from it (counted from 1).
    iter: u32,
}

/// Safeguard: how many times one example's solve may raise its regularization 100-fold
/// after an overflow (see [`Kkt::boost`]).
pub(crate) const MAX_BOOSTS: u32 = 3;

/// Steps 4–7 of notes/ALGORITHM.md with K already factored (and the residuals, W and Qz in `wk`):
/// the constant direction, the affine and the combined direction (left in `wk.step`).
/// Returns the step length, or `None` if a direction is not finite.
fn newton_step<T: Real>(
    lp: &Local<T>,
    wk: &mut Work<T>,
    it: &Iterate<'_, T>,
    tols: &Tols<T>,
) -> Option<T> {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    let Iterate {
        z,
        lam,
        s,
        tau,
        kappa,
        rtau,
        zQz,
        iter,
    } = *it;
    let Work {
        kkt,
        rf,
        buf,
        tp,
        w,
        Qz,
        rx,
        r_eq,
        r_in,
        rhs_x,
        rhs_eq,
        rhs_in,
        ds,
        d2,
        d1: _,
        aff,
        step,
    } = wk;
    // 4. The constant direction: the reduced solve of (−q, b, h), the τ column of the
    // bordered system that steps 5 and 7 refine as a whole.
    for j in 0..n {
        rhs_x[j] = -lp.q[j];
    }
    solve_reduced(lp, kkt, w, buf, tp, rhs_x, &lp.b, &lp.h, d2);
    // With it the denominator of Δτ.
    let eps = kkt.params().static_reg;
    let sum_form = tau_denominator(lp, z, tau, kappa, d2, w, eps, rhs_x, buf);
    let mut border = Border::new(Qz, tau, kappa, zQz, d2, sum_form);
    border.den = pick_denominator(border.den0 - border.row(lp, d2), sum_form);

    // Refinement of the directions (§3) from the 10th iteration in f64, or where the
    // iterate is heading for a certificate (`Tols::refines`).
    let refine = tols.refines(tau, kappa, iter);
    // Direction for residual factor `f` and complementarity terms (d_s, d_κ), where
    // d_s is passed in `ds` (overwritten by Δs).
    let mut direction = |f: T, ds: &[T], dkappa: T, out: &mut Dir<T>| {
        for j in 0..n {
            rhs_x[j] = f * rx[j];
        }
        for i in 0..m {
            rhs_eq[i] = -f * r_eq[i];
        }
        for i in 0..p {
            rhs_in[i] = -f * r_in[i] + ds[i] / lam[i];
        }
        border.rt = f * rtau - dkappa / tau;
        solve_full(
            lp,
            kkt,
            w,
            buf,
            tp,
            rf,
            rhs_x,
            rhs_eq,
            rhs_in,
            Some(&border),
            refine,
            out,
        );
        for i in 0..p {
            out.s[i] = -(ds[i] + s[i] * out.lam[i]) / lam[i];
        }
        out.kappa = -(dkappa + kappa * out.tau) / tau;
    };
    let step_to_boundary = |d: &Dir<T>| -> T {
        let mut a = T::one();
        if d.tau < T::zero() {
            a = a.min(-tau / d.tau);
        }
        if d.kappa < T::zero() {
            a = a.min(-kappa / d.kappa);
        }
        let a = max_step(s, &d.s, a);
        max_step(lam, &d.lam, a)
    };

    // 5. Affine (predictor) step: d_s = s∘λ, d_κ = τκ.
    for i in 0..p {
        ds[i] = s[i] * lam[i];
    }
    direction(T::one(), ds, tau * kappa, aff);
    let alpha_aff = step_to_boundary(aff);

    // 6. Centering.
    let mu = (dot(s, lam) + tau * kappa) / T::of((p + 1) as f64);
    let sigma = (T::one() - alpha_aff).powi(3);

    // 7. Combined (corrector) step.
    for i in 0..p {
        ds[i] = s[i] * lam[i] + aff.s[i] * aff.lam[i] - sigma * mu;
    }
    let dkappa = tau * kappa + aff.tau * aff.kappa - sigma * mu;
    direction(T::one() - sigma, ds, dkappa, step);
    let alpha = tols.fraction(alpha_aff) * step_to_boundary(step);
    let finite = |d: &Dir<T>| {
        d.tau.is_finite()
            && d.kappa.is_finite()
            && d.z
                .iter()
                .chain(&d.nu)
                .chain(&d.lam)
                .chain(&d.s)
                .all(|x| x.is_finite())
    };
    (alpha.is_finite() && finite(step)).then_some(alpha)
}

/// Step 1 of notes/ALGORITHM.md §4 for the iterate (z, ν, λ, s) with τ: Qz, the residuals
/// rx = −(Qz + qτ + Aᵀν + Gᵀλ), r_eq = Az − bτ and r_in = Gz + s − hτ into `out` (in that
/// order), and zᵀQz, qᵀz and bᵀν + hᵀλ returned. (The lockstep path has its own, on lane
/// vectors.)
pub(crate) fn residuals<T: Real>(
    lp: &Local<T>,
    [z, nu, lam, s]: [&[T]; 4],
    tau: T,
    [Qz, rx, r_eq, r_in]: [&mut [T]; 4],
) -> (T, T, T) {
    gemv(Qz, false, &lp.Q, false, z, T::one());
    for j in 0..lp.n {
        rx[j] = -(Qz[j] + lp.q[j] * tau);
    }
    gemv(rx, true, &lp.A, true, nu, -T::one());
    gemv(rx, true, &lp.G, true, lam, -T::one());
    gemv(r_eq, false, &lp.A, false, z, T::one());
    for i in 0..lp.m {
        r_eq[i] -= lp.b[i] * tau;
    }
    gemv(r_in, false, &lp.G, false, z, T::one());
    for i in 0..lp.p {
        r_in[i] += s[i] - lp.h[i] * tau;
    }
    (dot(z, Qz), dot(&lp.q, z), dot(&lp.b, nu) + dot(&lp.h, lam))
}

/// One example's iterate and residuals as step 2 reads them, entry by entry (so that the
/// one-at-a-time and the lockstep paths share one termination test).
#[allow(non_snake_case)]
pub(crate) struct Point<'a, E, T, L: Fn(&E) -> T> {
    pub z: &'a [E],
    pub nu: &'a [E],
    pub lam: &'a [E],
    pub s: &'a [E],
    pub rx: &'a [E],
    pub r_eq: &'a [E],
    pub r_in: &'a [E],
    pub Qz: &'a [E],
    /// The example's number in an entry (the entry itself, or its lane).
    pub pick: L,
    pub tau: T,
    pub kappa: T,
    /// zᵀQz, qᵀz and bᵀν + hᵀλ.
    pub zQz: T,
    pub qz: T,
    pub bnu: T,
}

/// Step 2: the measures of progress of an iterate, in the original units (`normq`,
/// `normb`: ‖q‖∞ and ‖(b, h)‖∞ there).
#[allow(non_snake_case)]
pub(crate) fn measure<T: Real, E, L: Fn(&E) -> T>(
    lp: &Local<T>,
    pt: &Point<'_, E, T, L>,
    normq: T,
    normb: T,
) -> Info<T> {
    let (n, m, p) = (lp.n, lp.m, lp.p);
    let sc = &lp.scaling;
    let (e_eq, e_in) = sc.e.split_at(m);
    let (c, d) = (sc.c, &sc.d);
    let Point {
        z,
        nu,
        lam,
        s,
        rx,
        r_eq,
        r_in,
        Qz,
        ref pick,
        tau,
        kappa,
        zQz,
        qz,
        bnu,
    } = *pt;
    let (z, nu, lam, s) = (
        |j: usize| pick(&z[j]),
        |i: usize| pick(&nu[i]),
        |i: usize| pick(&lam[i]),
        |i: usize| pick(&s[i]),
    );
    let (rx, r_eq, r_in, Qz) = (
        |j: usize| pick(&rx[j]),
        |i: usize| pick(&r_eq[i]),
        |i: usize| pick(&r_in[i]),
        |j: usize| pick(&Qz[j]),
    );
    let it = T::one() / tau;
    let norm_z = (0..n).fold(T::zero(), |a, j| a.max((d[j] * z(j)).abs()));
    let norm_s = (0..p).fold(T::zero(), |a, i| a.max((s(i) / e_in[i]).abs()));
    let norm_y = (0..m)
        .map(|i| (e_eq[i] * nu(i) / c).abs())
        .chain((0..p).map(|i| (e_in[i] * lam(i) / c).abs()))
        .fold(T::zero(), |a, x| a.max(x));
    let r_p = (0..m)
        .map(|i| (r_eq(i) / e_eq[i]).abs())
        .chain((0..p).map(|i| (r_in(i) / e_in[i]).abs()))
        .fold(T::zero(), |a, x| a.max(x));
    let r_d = (0..n).fold(T::zero(), |a, j| a.max((rx(j) / (d[j] * c)).abs()));
    // ‖(Az, Gz)‖∞ (from the residuals: Az = r_eq + bτ, Gz = r_in + hτ − s). The primal
    // residual is relative to it rather than to ‖z‖ (Clarabel's choice): a huge z that the
    // constraints do not see (a singular or inconsistent A) must not make a large ‖Az − b‖
    // look small.
    let norm_Az = (0..m)
        .map(|i| ((r_eq(i) + lp.b[i] * tau) / e_eq[i]).abs())
        .chain((0..p).map(|i| ((r_in(i) + lp.h[i] * tau - s(i)) / e_in[i]).abs()))
        .fold(T::zero(), |a, x| a.max(x));
    let half = T::of(0.5);
    let pobj = (qz * it + half * zQz * it * it) / c;
    let dobj = (-bnu * it - half * zQz * it * it) / c;
    let gap_abs = (pobj - dobj).abs();
    // Certificates (unnormalized by τ): Aᵀν + Gᵀλ = −rx − Qz − qτ (scaled); back to the
    // original units ÷ (d c).
    let cert = (0..n).fold(T::zero(), |a, j| {
        a.max((-(rx(j) + Qz(j) + lp.q[j] * tau) / (d[j] * c)).abs())
    });
    let qres = (0..n).fold(T::zero(), |a, j| a.max((Qz(j) / (d[j] * c)).abs()));
    let ares = (0..m)
        .map(|i| ((r_eq(i) + lp.b[i] * tau) / e_eq[i]).abs())
        .chain((0..p).map(|i| ((r_in(i) + lp.h[i] * tau) / e_in[i]).abs()))
        .fold(T::zero(), |a, x| a.max(x));
    Info {
        res_primal: r_p * it / T::one().max(normb + (norm_Az + norm_s) * it),
        // The dual residual Qz + q + Aᵀν + Gᵀλ relative to its own terms, ‖q‖ + ‖Qz‖ +
        // ‖Aᵀν + Gᵀλ‖ (`qres`, `cert`), not to ‖z‖ + ‖(ν, λ)‖ as Clarabel's (since session 30):
        // as on the primal side, a huge z must not make a large residual look small (an LP
        // whose unboundedness overflow hid, b = f64::MAX, passed as solved at z ≈ 1e308).
        res_dual: r_d * it / T::one().max(normq + (qres + cert) * it),
        gap_abs,
        gap_rel: gap_abs / T::one().max(pobj.abs().min(dobj.abs())),
        ktratio: kappa / tau,
        bnu: bnu / c,
        res_pinf: cert / T::one().max(norm_y),
        qz: qz / c,
        res_dinf: (qres / T::one().max(norm_z)).max(ares / T::one().max(norm_z + norm_s)),
    }
}

/// Step 2's decision for finite measures: `Solved`, `PrimalInfeasible` or `DualInfeasible`
/// (with their certificates), or `None` to go on.
pub(crate) fn decide<T: Real>(info: &Info<T>, tols: &Tols<T>) -> Option<Status> {
    if info.ktratio <= T::one() && is_solved(info, tols.gap_abs, tols.gap_rel, tols.feas) {
        return Some(Status::Solved);
    }
    if info.ktratio > T::of(1000.0) / tols.ktratio {
        if info.bnu < -tols.infeas_abs && info.res_pinf < -tols.infeas_rel * info.bnu {
            return Some(Status::PrimalInfeasible);
        }
        if info.qz < -tols.infeas_abs && info.res_dinf < -tols.infeas_rel * info.qz {
            return Some(Status::DualInfeasible);
        }
    }
    None
}

pub(crate) fn is_solved<T: Real>(info: &Info<T>, gap_abs: T, gap_rel: T, feas: T) -> bool {
    (info.gap_abs < gap_abs || info.gap_rel < gap_rel)
        && info.res_primal < feas
        && info.res_dual < feas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::equilibrate::Scaling;
    use crate::cpu::kkt::{Kkt, KktParams};
    use crate::test_util::nan_max;
    use faer::Mat;

    /// The start's τ = κ = √(sᵀλ/p), and 1 where that is not a positive finite number.
    #[test]
    fn start_tau_kappa_centres_the_pair() {
        assert_eq!(start_tau_kappa(50.0, 2), 5.0);
        assert_eq!(start_tau_kappa(0.25f64, 1), 0.5);
        assert_eq!(start_tau_kappa(0.0f64, 0), 1.0);
        assert_eq!(start_tau_kappa(0.0f64, 3), 1.0);
        assert_eq!(start_tau_kappa(f64::INFINITY, 3), 1.0);
        assert_eq!(start_tau_kappa(f64::NAN, 3), 1.0);
    }

    /// The start's W = (c/E²)^¾: exactly 1 without equilibration (so that an unequilibrated
    /// solve starts where it did before session 19, to the bit), exact on powers of four, and
    /// within a few ulps of the power elsewhere.
    #[test]
    fn start_w_is_the_three_quarter_power() {
        assert_eq!(start_w(1.0f64, 1.0), 1.0);
        assert_eq!(start_w(1.0f32, 1.0), 1.0);
        // c/E² = 16: 8; c/E² = 1/16: 1/8.
        assert_eq!(start_w(16.0f64, 1.0), 8.0);
        assert_eq!(start_w(1.0f64, 4.0), 0.125);
        for &(c, e) in &[(0.3f64, 2.7), (1e-4, 1e4), (1e4, 1e-4), (0.02, 0.5)] {
            let want = (c / (e * e)).powf(0.75);
            assert!(
                (start_w(c, e) - want).abs() <= 8.0 * f64::EPSILON * want,
                "{c} {e}"
            );
        }
    }

    /// `onto_start_w` keeps each pair's product sᵢλᵢ and gives it the ratio λᵢ/sᵢ = Wᵢ, to a
    /// few roundings, for products and weights from 1e-12 to 1e12.
    #[test]
    fn onto_start_w_keeps_the_product_and_takes_the_ratio() {
        for k in 0..400 {
            let (mu, w) = (10f64.powf(12.0 * r(2 * k)), 10f64.powf(12.0 * r(2 * k + 1)));
            let (s, lam) = onto_start_w(mu, w);
            assert!(s > 0.0 && lam > 0.0, "{mu:e} {w:e}");
            assert!(
                (s * lam - mu).abs() <= 4.0 * f64::EPSILON * mu,
                "{mu:e} {w:e}"
            );
            assert!(
                (lam / s - w).abs() <= 4.0 * f64::EPSILON * w,
                "{mu:e} {w:e}"
            );
        }
        assert_eq!(onto_start_w(4.0f64, 1.0), (2.0, 2.0));
        assert_eq!(onto_start_w(8.0f64, 2.0), (2.0, 4.0));
    }

    /// The start pairs take W's ratio where W spreads at most 10-fold, and always without
    /// inequalities.
    #[test]
    fn start_w_is_even_up_to_a_tenfold_spread() {
        assert!(start_w_is_even(Vec::<f64>::new()));
        assert!(start_w_is_even([0.5f64, 5.0, 1.0]));
        assert!(!start_w_is_even([0.5f64, 5.0000001, 1.0]));
        assert!(!start_w_is_even([1e-3f64, 1e3]));
        assert!(start_w_is_even([7.0f32; 4]));
    }

    /// The first iteration solves with the start's factors (K at the start's W) and its own
    /// W = λ/s, the start's to rounding: its refined solves still meet the refinement
    /// tolerance on the full system at W = λ/s, with and without equality constraints and
    /// with a singular Q.
    #[test]
    fn the_start_factors_serve_the_first_iteration() {
        let tols = Tols::<f64>::for_data(&Settings::default(), false);
        for case in 0..CASES.len() {
            let lp = example(case);
            let (n, m, p) = (lp.n, lp.m, lp.p);
            let w_start = weights(case, p, 1.0);
            let mut kkt = Kkt::new(n, m, p, tols.kkt);
            assert!(kkt.factor(&lp.Q, &lp.A, &lp.G, &w_start));
            // Start pairs of products from 1e-2 to 1e2 set to the start's ratio, and the
            // first iteration's W = λ/s from them.
            let w: Vec<f64> = (0..p)
                .map(|i| {
                    let (s, lam) = onto_start_w(10f64.powf(2.0 * r(400 + i)), w_start[i]);
                    lam / s
                })
                .collect();
            assert!(
                w.iter().zip(&w_start).any(|(a, b)| a != b),
                "case {case}: no rounding"
            );
            for trial in 0..5 {
                let b = rhs(trial, &lp);
                let mut out = Dir::zeros(n, m, p);
                let (mut buf, mut tp) = (vec![0.0; n + m], vec![0.0; p]);
                let mut rf = Refine::new(n, m, p);
                solve_full(
                    &lp, &kkt, &w, &mut buf, &mut tp, &mut rf, &b[0], &b[1], &b[2], None, true,
                    &mut out,
                );
                let err = full_residual(&lp, &w, &b, &out, 0.0);
                let tol = tolerance(&tols, inf(&b));
                assert!(
                    err <= 10.0 * tol,
                    "case {case} trial {trial}: {err:e} > 10 × {tol:e}"
                );
            }
        }
    }

    /// A deterministic pseudo-random number in [−1, 1) (SplitMix64's output function of k).
    fn r(k: usize) -> f64 {
        let mut x = (k as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    /// The systems of the refinement tests, (n, m, p, rank of Q): without equality
    /// constraints, with them, and with a singular Q.
    const CASES: [(usize, usize, usize, usize); 3] =
        [(30, 0, 40, 30), (25, 5, 30, 25), (20, 3, 35, 5)];

    /// The data of case `case` (Q = LLᵀ of the case's rank), unscaled.
    fn example(case: usize) -> Local<f64> {
        let (n, m, p, rank) = CASES[case];
        let L = Mat::from_fn(n, rank, |i, j| r(1000 * case + i * 97 + j));
        Local {
            n,
            m,
            p,
            Q: Mat::from_fn(n, n, |i, j| (0..rank).map(|k| L[(i, k)] * L[(j, k)]).sum()),
            q: (0..n).map(|i| r(7 + i)).collect(),
            A: Mat::from_fn(m, n, |i, j| r(3000 + i * 31 + j)),
            b: (0..m).map(|i| r(11 + i)).collect(),
            G: Mat::from_fn(p, n, |i, j| r(5000 + i * 53 + j)),
            h: (0..p).map(|i| r(13 + i)).collect(),
            scaling: Scaling::identity(n, m + p),
        }
    }

    /// W from 10^−spread to 10^spread: early iterations (1), or near a solution (8: active
    /// constraints large, inactive ones small).
    fn weights(case: usize, p: usize, spread: f64) -> Vec<f64> {
        (0..p)
            .map(|k| 10f64.powf(spread * r(17 + k + case).signum() * (0.5 + 0.5 * r(19 + k).abs())))
            .collect()
    }

    /// The right-hand sides (x, eq, in) of trial `trial`.
    fn rhs(trial: usize, lp: &Local<f64>) -> [Vec<f64>; 3] {
        [
            (0..lp.n).map(|i| r(100 * trial + i)).collect(),
            (0..lp.m).map(|i| r(200 * trial + i + 50)).collect(),
            (0..lp.p).map(|i| r(300 * trial + i + 90)).collect(),
        ]
    }

    /// ‖rhs + Δτ·(−q, b, h) − [Q Aᵀ Gᵀ; A 0 0; G 0 −W⁻¹]·(Δz, Δν, Δλ)‖∞, computed plainly.
    fn full_residual(
        lp: &Local<f64>,
        w: &[f64],
        [rx, req, rin]: &[Vec<f64>; 3],
        d: &Dir<f64>,
        dtau: f64,
    ) -> f64 {
        let (n, m, p) = (lp.n, lp.m, lp.p);
        let mut err = 0f64;
        for i in 0..n {
            let mut e = rx[i] - dtau * lp.q[i];
            for j in 0..n {
                e -= lp.Q[(i, j)] * d.z[j];
            }
            for k in 0..m {
                e -= lp.A[(k, i)] * d.nu[k];
            }
            for k in 0..p {
                e -= lp.G[(k, i)] * d.lam[k];
            }
            err = nan_max(err, e.abs());
        }
        for k in 0..m {
            let az = (0..n).map(|j| lp.A[(k, j)] * d.z[j]).sum::<f64>();
            err = nan_max(err, (req[k] + dtau * lp.b[k] - az).abs());
        }
        for k in 0..p {
            let gz = (0..n).map(|j| lp.G[(k, j)] * d.z[j]).sum::<f64>();
            err = nan_max(err, (rin[k] + dtau * lp.h[k] - gz + d.lam[k] / w[k]).abs());
        }
        err
    }

    /// The refinement tolerance for right-hand sides of ∞-norm `norm`.
    fn tolerance(tols: &Tols<f64>, norm: f64) -> f64 {
        tols.kkt.refine_abstol + tols.kkt.refine_reltol * norm
    }

    fn inf(v: &[Vec<f64>; 3]) -> f64 {
        v.iter().flatten().fold(0f64, |a, x| nan_max(a, x.abs()))
    }

    /// [`UNVERIFIED_CORRECTION`] against verifying every correction: for W from 1e-8 to 1e8
    /// (as near a solution: active and inactive constraints), with and without equality
    /// constraints and with a singular Q, `solve_full` leaves the full system's residual
    /// within a factor 10 of what the verified refinement reaches (and of its tolerance).
    #[test]
    fn unverified_first_corrections_keep_the_refined_accuracy() {
        let tols = Tols::<f64>::for_data(&Settings::default(), false);
        for case in 0..CASES.len() {
            let lp = example(case);
            let (n, m, p) = (lp.n, lp.m, lp.p);
            for spread in [1.0, 8.0] {
                let w = weights(case, p, spread);
                let mut kkt = Kkt::new(n, m, p, tols.kkt);
                assert!(kkt.factor(&lp.Q, &lp.A, &lp.G, &w));
                let verified = KktParams {
                    refine_unverified: 0.0,
                    ..tols.kkt
                };
                let mut kkt_verified = Kkt::new(n, m, p, verified);
                assert!(kkt_verified.factor(&lp.Q, &lp.A, &lp.G, &w));
                for trial in 0..5 {
                    let b = rhs(trial, &lp);
                    let residual = |k: &Kkt<f64>| {
                        let mut out = Dir::zeros(n, m, p);
                        let (mut buf, mut tp) = (vec![0.0; n + m], vec![0.0; p]);
                        let mut rf = Refine::new(n, m, p);
                        solve_full(
                            &lp, k, &w, &mut buf, &mut tp, &mut rf, &b[0], &b[1], &b[2], None,
                            true, &mut out,
                        );
                        full_residual(&lp, &w, &b, &out, 0.0)
                    };
                    let (err, err_verified) = (residual(&kkt), residual(&kkt_verified));
                    let tol = tolerance(&tols, inf(&b));
                    assert!(
                        err <= 10.0 * tol.max(err_verified),
                        "case {case}, W spread {spread}, trial {trial}: residual {err:e}, \
                     verified {err_verified:e}, tolerance {tol:e}"
                    );
                    if spread == 1.0 {
                        // Early iterations' systems: one correction reaches the tolerance.
                        assert!(
                            err <= 10.0 * tol,
                            "case {case} trial {trial}: {err:e} > 10 × {tol:e}"
                        );
                    }
                }
            }
        }
    }

    /// The bordered refinement of steps 5 and 7 (`solve_full` with a [`Border`] built on
    /// the unrefined constant direction) solves the homogeneous embedding's Newton system:
    /// its residual, computed plainly on the unreduced equations and the τ row, is within 10×
    /// of the refinement tolerance (or of what two separately refined solves reach, the method
    /// it replaced, at W spread 1e±8), for W from 1e-8 to 1e8, with and without equalities and
    /// with a singular Q; its direction agrees with that method's; and the unrefined
    /// elimination alone misses the tolerance.
    #[test]
    fn bordered_refinement_solves_the_embedding_newton_system() {
        let tols = Tols::<f64>::for_data(&Settings::default(), false);
        let mut unrefined_missed = 0;
        for case in 0..CASES.len() {
            let lp = example(case);
            let (n, m, p) = (lp.n, lp.m, lp.p);
            // An iterate: z, τ, κ (and with them Qz, zᵀQz).
            let z: Vec<f64> = (0..n).map(|i| r(23 + i + case)).collect();
            let Qz: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| lp.Q[(i, j)] * z[j]).sum())
                .collect();
            let zQz: f64 = dot(&z, &Qz);
            let (tau, kappa) = (0.7, 0.2);
            for spread in [1.0, 8.0] {
                let w = weights(case, p, spread);
                let mut kkt = Kkt::new(n, m, p, tols.kkt);
                assert!(kkt.factor(&lp.Q, &lp.A, &lp.G, &w));
                let (mut buf, mut tp) = (vec![0.0; n + m], vec![0.0; p]);
                let mut rf = Refine::new(n, m, p);
                let neg_q: Vec<f64> = lp.q.iter().map(|x| -x).collect();
                let mut d2 = Dir::zeros(n, m, p);
                solve_reduced(
                    &lp, &kkt, &w, &mut buf, &mut tp, &neg_q, &lp.b, &lp.h, &mut d2,
                );
                let (mut v, mut Qv) = (vec![0.0; n], vec![0.0; n]);
                let eps = kkt.params().static_reg;
                let den = tau_denominator(&lp, &z, tau, kappa, &d2, &w, eps, &mut v, &mut Qv);
                let mut border = Border::new(&Qz, tau, kappa, zQz, &d2, den);
                let den0 = border.den0;
                // The pivot's two forms agree (the identity of `tau_denominator`), to the
                // rounding of the direct form's terms.
                let direct = den0 - border.row(&lp, &d2);
                let terms = den0
                    + dot(&lp.q, &d2.z).abs()
                    + dot(&lp.b, &d2.nu).abs()
                    + dot(&lp.h, &d2.lam).abs()
                    + 2.0 * dot(&Qz, &d2.z).abs() / tau;
                assert!(
                    (den - direct).abs() <= 1e-10 * terms,
                    "case {case}, W spread {spread}: den {den:e}, direct {direct:e}, terms {terms:e}"
                );
                for trial in 0..5 {
                    let b = rhs(trial, &lp);
                    border.rt = r(400 * trial + 1);
                    // The bordered system's residual: the full system's, and the τ row's.
                    let residual = |d: &Dir<f64>| {
                        let row = (0..n)
                            .map(|j| (lp.q[j] + 2.0 * Qz[j] / tau) * d.z[j])
                            .chain((0..m).map(|k| lp.b[k] * d.nu[k]))
                            .chain((0..p).map(|k| lp.h[k] * d.lam[k]))
                            .sum::<f64>();
                        nan_max(
                            full_residual(&lp, &w, &b, d, d.tau),
                            (border.rt - d.tau * den0 + row).abs(),
                        )
                    };
                    let tol = tolerance(&tols, nan_max(inf(&b), border.rt.abs()));
                    let mut out = Dir::zeros(n, m, p);
                    solve_full(
                        &lp,
                        &kkt,
                        &w,
                        &mut buf,
                        &mut tp,
                        &mut rf,
                        &b[0],
                        &b[1],
                        &b[2],
                        Some(&border),
                        true,
                        &mut out,
                    );
                    let err = residual(&out);
                    let at = format!("case {case}, W spread {spread}, trial {trial}");
                    // The elimination without refinement.
                    let mut raw = Dir::zeros(n, m, p);
                    solve_reduced(
                        &lp, &kkt, &w, &mut buf, &mut tp, &b[0], &b[1], &b[2], &mut raw,
                    );
                    border.complete(&lp, border.rt, &mut raw);
                    if residual(&raw) > 100.0 * tol {
                        unrefined_missed += 1;
                    }
                    // Two refined solves, Δτ eliminated from them.
                    let (mut d1, mut d2r) = (Dir::zeros(n, m, p), Dir::zeros(n, m, p));
                    solve_full(
                        &lp, &kkt, &w, &mut buf, &mut tp, &mut rf, &b[0], &b[1], &b[2], None, true,
                        &mut d1,
                    );
                    solve_full(
                        &lp, &kkt, &w, &mut buf, &mut tp, &mut rf, &neg_q, &lp.b, &lp.h, None,
                        true, &mut d2r,
                    );
                    let dtau = (border.rt + border.row(&lp, &d1)) / (den0 - border.row(&lp, &d2r));
                    let mut old = Dir::zeros(n, m, p);
                    for (o, (a, b)) in [
                        (&mut old.z, (&d1.z, &d2r.z)),
                        (&mut old.nu, (&d1.nu, &d2r.nu)),
                        (&mut old.lam, (&d1.lam, &d2r.lam)),
                    ] {
                        for (x, (y, v)) in o.iter_mut().zip(a.iter().zip(b)) {
                            *x = y + dtau * v;
                        }
                    }
                    old.tau = dtau;
                    let err_old = residual(&old);
                    assert!(
                        err <= 10.0 * tol.max(err_old),
                        "{at}: residual {err:e}, two refined solves {err_old:e}, tolerance {tol:e}"
                    );
                    if spread == 1.0 {
                        assert!(err <= 10.0 * tol, "{at}: residual {err:e} > 10 × {tol:e}");
                    }
                    let scale = 1f64.max(dtau.abs());
                    assert!(
                        (out.tau - dtau).abs() <= 1e-6 * scale,
                        "{at}: Δτ {} against {dtau}",
                        out.tau
                    );
                    for j in 0..n {
                        let big = 1f64.max(old.z[j].abs()).max(d2r.z[j].abs() * scale);
                        assert!(
                            (out.z[j] - old.z[j]).abs() <= 1e-6 * big,
                            "{at}: Δz[{j}] {} against {}",
                            out.z[j],
                            old.z[j]
                        );
                    }
                }
            }
        }
        assert!(
            unrefined_missed > 0,
            "the elimination alone always met the tolerance: the test checks nothing"
        );
    }
}
