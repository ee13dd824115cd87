//! Polishing: the exact solution on the active set that the interior point iterate points to.
//!
//! Near a solution the iterate tells which inequalities are active: λᵢ ≫ sᵢ for an active
//! one, sᵢ ≫ λᵢ for an inactive one (the guess takes λᵢ/sᵢ, extrapolated one iteration
//! ahead by [`guess_ratio`], above [`GUESS_RATIO`]). With that
//! guess 𝒜 the KKT conditions (OptNet eq. 3)
//! become one linear system,
//!
//! ```text
//! [Q    Aᵀ   G_𝒜ᵀ] [z  ]   [−q ]
//! [A    0    0   ] [ν  ] = [ b ]          λᵢ = 0 and sᵢ = hᵢ − Gᵢz for i ∉ 𝒜,  s_𝒜 = 0,
//! [G_𝒜  0    0   ] [λ_𝒜]   [h_𝒜]
//! ```
//!
//! whose solution is the QP's solution if the guess is right: then λ_𝒜 ≥ 0 and Gᵢz ≤ hᵢ for
//! i ∉ 𝒜. It is solved with the interior point method's own machinery (notes/ALGORITHM.md
//! §3): the reduced matrix K = Q + GᵀWG + εI with W = [`W_ACTIVE`] on 𝒜 (regularized to
//! 1/ε, [`super::pdipm::regularized`]) and [`W_INACTIVE`] off it, refined against the
//! unregularized system, in which those weights stand for ∞ and 0 up to terms far below
//! rounding. A constraint that the guess got wrong shows as a negative λᵢ (drop it) or a
//! violated Gᵢz ≤ hᵢ (add it); the system is solved again with the corrected set, at most
//! [`ROUNDS`] times in all, as a primal–dual active-set method started from the interior
//! point's guess would. The guess is checked on the unrefined solve (exact but for ε), and
//! only a set that stands (or the last round's) is refined and checked again: a wrong set's
//! solve needs no more accuracy than its signs (session 12, H200: refinement steps per
//! example 4.4 → 2.9, batch 128 f64 fwd+bwd 0.91 → 0.84 ms, the batch's slowest examples
//! being those with three corrections). The polished point (negative λᵢ and sᵢ clamped to
//! 0, so that a wrong guess shows in the residuals) replaces the iterate only if it passes
//! the termination test of notes/ALGORITHM.md §5 with the same tolerances; otherwise the
//! interior point method goes on from its own iterate.
//!
//! Why: the interior point method converges linearly in its last iterations where a
//! constraint is nearly degenerate (both sᵢ and λᵢ small, or sᵢ small at the solution of an
//! inactive one), and a batch on the GPU waits for its slowest example. On OptNet's random
//! QPs (n = p = 100) polishing from a relative gap of [`Settings::POLISH_GAP`] on took the
//! mean from 10.5 to 5.1 iterations and the slowest of each batch of 128 from 14–15 to 7, at
//! 1.7 polishing solves per example (each a factorization and a solve, the last refined), and the
//! answers are exact up to rounding (complementarity holds exactly). OSQP polishes its
//! ADMM answers the same way (Stellato et al. 2020, §5.2).
//!
//! A polishing solve verifies every refinement step, and a retry refines as far as
//! refinement gains. The iteration's solves stop at a tolerance and take a first correction
//! within [`super::pdipm::UNVERIFIED_CORRECTION`] times it without measuring the residual again
//! (it reaches the tolerance 98 % of the time, within 10× the rest), but a polished point must
//! pass the termination test itself, whose gap, |zᵀr_d| for a point with exact
//! complementarity, asks more of the dual residual r_d than the residual test does. Points that
//! missed it by a few times sent the interior point method on to the full tolerance: on the
//! benchmark's QPs, equilibrated (n = p = 100, 16 batches of 256, half of them with Q and G
//! shared), the slowest example of four batches took 10, 11, 13 and 13 iterations where the
//! others' took 6–7; with verified steps 6–9, as without equilibration. On the H200 two batches
//! of 512 kept an example whose verified point had a relative gap of 1.6e-10 and 1.9e-10 (the
//! tolerance 1e-10) at dual residuals of 4e-12, 12 and 15 iterations; refining every polishing
//! solve until a step no longer gains a factor of 5 (no tolerance) took them to 7 but cost 2 %
//! (5 % at batch 1) where no example needed it, and doing so only from an example's second
//! attempt on took them to 8 and 9 at no measurable cost (notes/s20.md §3). A batch on the GPU
//! lasts as long as its slowest example.
//!
//! Since session 21 a first attempt whose set stood but whose point fails the termination test
//! is refined on, on the same factors, as far as refinement gains, and tested again before the
//! iteration goes on: only the examples that need it pay for the further steps, and they no
//! longer wait for the retry 100 times further down the gap. On the benchmark's QPs (4 × 256,
//! seeds 1000–1003, equilibrated) one example went from 8 iterations to 6; with refinement
//! tolerances 10⁵ times looser (1e-7) every example takes the iterations it takes at the
//! defaults, where before a quarter of them took one or two more (the test
//! `a_point_short_of_the_gap_is_refined_on`; notes/s21.md).
//!
//! A set that a refined solve's check moved to is refined before it is checked. The unrefined
//! solve is exact but for ε, which can hide the side of a nearly degenerate constraint (λᵢ and
//! sᵢ both near 0 at the solution): on one of the benchmark's QPs with Q and G shared
//! (equilibrated) the unrefined solve without row i put sᵢ at −2.3e-5 on the GPU (−1.7e-4 on
//! the CPU), the refined solve with it λᵢ at −2.5e-7, and the four rounds went back and forth
//! between the two sets, so that every attempt failed and the example took 15 iterations
//! (notes/s20.md §3). A refined check is trusted, so the set it gives is judged on a refined
//! solve too.

use super::dense::gemv;
use super::kkt::{Kkt, KktParams, Ldl};
use super::pdipm::{measure, refine_full, residuals, solve_full, Dir, Info, Point, Refine};
use super::problem::Local;
use crate::{Real, Settings};
use faer::Mat;

/// W on a constraint guessed active: regularized to 1/ε in the reduced matrix, and its
/// inverse (the refinement's −W⁻¹λ) far below rounding.
pub(crate) const W_ACTIVE: f64 = 1e30;
/// W on a constraint guessed inactive: λᵢ = W(Gᵢz − hᵢ) vanishes far below rounding.
pub(crate) const W_INACTIVE: f64 = 1e-30;
/// Solves per polishing attempt: the first guess and up to three corrections of the set
/// (attempts from a relative gap of 3e-2 (`Settings::POLISH_GAP` then) guessed more
/// constraints wrong than from 1e-3: with three solves the slowest of 128 benchmark QPs took
/// 11–13 iterations and polishing solves, with four 9–10, five no fewer; session 35's
/// attempts from gaps of 0.3–0.5 cut to two or three solves cost more iterations than they
/// saved).
pub(crate) const ROUNDS: u32 = 4;

/// A constraint is guessed active where λᵢ > `GUESS_RATIO`·sᵢ. Traced on OptNet's random QPs
/// (2 × 128, no Ruiz), every constraint a correction moved had been guessed inactive with
/// λᵢ/sᵢ between 0.04 and 0.98 (none the other way), so the cut sits below 1: with 0.05 the
/// polishing solves per example fell from 1.89 to 1.23 without Ruiz and from 2.21 to 1.47
/// with it (4 × 128), the iterations unchanged (6.29, 7.05–7.09; Maros–Meszaros 502 → 500,
/// all solved); 0.1 took 1.22 and 1.65, 0.01 1.77 and 1.26. 0.03 since session 35, with the
/// guess from a relative gap of 0.2 ([`guess_ratio`] has the numbers).
pub(crate) const GUESS_RATIO: f64 = 0.03;

/// The ratio that guesses constraint i's side ([`GUESS_RATIO`]): wᵢ = λᵢ/sᵢ extrapolated
/// ahead from the previous iterate's, wᵢ·(wᵢ/wᵢ′)^1.5 (log w moves on by 1.5 times the step it
/// just took; computed as r·√r, correctly rounded operations that the GPU kernels repeat to
/// the bit), or wᵢ itself at the first iterate (`prev` = None: the previous λᵢ′, sᵢ′).
///
/// Since session 35 (notes/s35.md) polishing starts from a relative gap of 0.2
/// (`Settings::POLISH_GAP`), at iterates further from the solution. From 0.3, on `peers.py`'s
/// 2048 QPs, one step of extrapolation with the cut at 0.05 took 2.36 polishing solves per
/// example, 1.5 steps with the cut at 0.03 2.15, 2 steps with 0.02 2.12 (but five examples at
/// 12–13 factorizations). A logistic fit of the final side on log λᵢ, log sᵢ, log λᵢ′, log sᵢ′
/// at the attempt weighs them as w^1.5/w′ does, with the same errors on the fit's held-out
/// half. At a gap of 3e-2 this rule would have taken 1.43 solves against 1.55.
///
/// Session 24's reasoning for extrapolating at all: near a solution an active constraint's sᵢ falls with μ while λᵢ settles, an inactive one's
/// λᵢ falls while sᵢ settles, so wᵢ/wᵢ′ (the product of El-Bakry, Tapia and Zhang's
/// indicators λᵢ/λᵢ′ and sᵢ′/sᵢ, 1994) is large on the one and small on the other. The
/// constraints that a correction moved had ratios of 0.01–0.04 under the cut and their moves
/// were wrong about half the time (one benchmark QP: six guessed inactive, three of them
/// right); their extrapolated ratios separate them. On OptNet's random QPs (n = p = 100,
/// equilibrated, `peers.py`'s 128 and 2048) the polishing solves per example fall from 1.65
/// and 1.73 to 1.45 and 1.55 (at 128 no example needs four), the iterations unchanged, and the
/// slowest of the 128, which sets a GPU batch's time, from 11 factorizations to 9
/// (notes/s24.md §2).
pub(crate) fn guess_ratio<T: Real>(lam: T, s: T, prev: Option<(T, T)>) -> T {
    let w = lam / s;
    match prev {
        Some((lam_prev, s_prev)) => {
            let r = w / (lam_prev / s_prev);
            w * (r * r.sqrt())
        }
        None => w,
    }
}

/// W = λ/s of a solution, for the backward pass's K (OptNet eq. 7): exact zeros, which a
/// polished solution has, become [`W_ACTIVE`] (s = 0) and [`W_INACTIVE`] (λ = 0), and every
/// weight is kept within them.
pub(crate) fn solution_weight<T: Real>(lam: T, s: T) -> T {
    let (lo, hi) = (T::of(W_INACTIVE), T::of(W_ACTIVE));
    if s <= T::zero() {
        hi
    } else if lam <= T::zero() {
        lo
    } else {
        (lam / s).max(lo).min(hi)
    }
}

/// A polished point (τ = 1, κ = 0) and its measures.
pub(crate) struct Polished<T> {
    pub z: Vec<T>,
    pub nu: Vec<T>,
    pub lam: Vec<T>,
    pub s: Vec<T>,
    pub info: Info<T>,
}

/// When an example tries polishing: from a relative gap and a κ/τ below
/// [`Settings::POLISH_GAP`] on, and after a failed attempt only once the gap has fallen a
/// further [`RETRY_GAIN`]-fold, so that an example whose guess stays wrong (a degenerate
/// LP, say) pays for few attempts ([`LOOSE_RETRY_GAIN`]-fold and below [`LOOSE_GAP`] after
/// an attempt from a gap of [`LOOSE_GAP`] or more).
#[derive(Copy, Clone, Debug)]
pub(crate) struct Schedule {
    next_gap: f64,
    /// Attempts so far, the one [`Schedule::due`] just allowed included.
    attempts: u32,
}

/// See [`Schedule`].
pub(crate) const RETRY_GAIN: f64 = 100.0;

/// A failed attempt from a relative gap of at least `LOOSE_GAP` (3e-2, the polishing gap of
/// sessions 12–34) is retried once the gap has fallen [`LOOSE_RETRY_GAIN`]-fold and below
/// `LOOSE_GAP`, not [`RETRY_GAIN`]-fold ([`Schedule`]; session 35, notes/s35.md): such an
/// attempt fails where its guess was far off (its corrections cycling between two sets through
/// all [`ROUNDS`] solves), not where the iterate is degenerate, and an example that waited
/// 100-fold took two or three more iterations than its batch.
pub(crate) const LOOSE_GAP: f64 = 3e-2;
/// See [`LOOSE_GAP`].
pub(crate) const LOOSE_RETRY_GAIN: f64 = 3.0;

impl Schedule {
    pub(crate) fn new(enabled: bool) -> Self {
        Schedule {
            next_gap: if enabled { Settings::POLISH_GAP } else { 0.0 },
            attempts: 0,
        }
    }

    /// Whether to polish at an iterate with these measures; if so, the next attempt waits
    /// for a gap `RETRY_GAIN` times smaller.
    pub(crate) fn due<T: Real>(&mut self, info: &Info<T>) -> bool {
        let gap = info.gap_rel.to64();
        let due = gap < self.next_gap && info.ktratio.to64() < Settings::POLISH_GAP;
        if due {
            self.next_gap = if gap >= LOOSE_GAP {
                (gap / LOOSE_RETRY_GAIN).min(LOOSE_GAP)
            } else {
                gap / RETRY_GAIN
            };
            self.attempts += 1;
        }
        due
    }

    /// Whether the attempt [`Schedule::due`] just allowed is a retry (its solves are then
    /// refined as far as refinement gains, `Polisher::polish`'s `tight`).
    pub(crate) fn retrying(&self) -> bool {
        self.attempts > 1
    }

    /// Whether any attempt has been allowed (the solve's first iteration takes the start's
    /// factors only before one, as the GPU kernels, which factor polishing's K in K's place).
    pub(crate) fn attempted(&self) -> bool {
        self.attempts > 0
    }
}

/// An example's last polishing attempt ([`Polisher::polish`]): the set it guessed at first and
/// whether it was tight (a retry), so that a later attempt that would repeat it is skipped.
///
/// An attempt is a function of its first guess and its tightness alone, given the example's
/// data: W on the set is constant ([`W_ACTIVE`], [`W_INACTIVE`]), the right-hand side is
/// (−q, b, h), and the corrections, refinement and test follow from the solves. Where the
/// iterate points to the same set again, the attempt would reach the same point and fail the
/// same test: on the Maros–Meszaros problem CVXQP3_S (session 27) three attempts took four
/// solves each to the same residuals (12 → 8 solves with the skip; notes/ALGORITHM.md §4b).
/// Such an attempt counts as made and failed (the [`Schedule`] has already moved on) but takes
/// no solve. Only an example that is still iterating asks for another attempt, so its last
/// attempt failed.
pub(crate) struct Tried {
    /// The first guess of the last attempt (unused before one).
    set: Vec<bool>,
    /// Whether the last attempt was tight; `None` before the example's first attempt.
    tight: Option<bool>,
}

impl Tried {
    pub(crate) fn new(p: usize) -> Self {
        Tried {
            set: vec![false; p],
            tight: None,
        }
    }

    /// Forgets the last attempt (a new example).
    pub(crate) fn clear(&mut self) {
        self.tight = None;
    }

    /// Whether an attempt on `set` with `tight` repeats the last one; if not, it becomes the
    /// last one.
    fn repeats(&mut self, set: &[bool], tight: bool) -> bool {
        if self.tight == Some(tight) && self.set[..] == *set {
            return true;
        }
        self.set.copy_from_slice(set);
        self.tight = Some(tight);
        false
    }
}

/// The last polishing factorization ([`Polisher::last_factors`]): K's LDLᵀ factors, the
/// weights W it was formed with and its constants.
#[derive(Copy, Clone)]
pub(crate) struct LastFactors<'a, T> {
    pub F: &'a Mat<T>,
    pub w: &'a [T],
    pub params: KktParams<T>,
}

/// Workspace of polishing one example at a time: its own K (the lockstep path polishes one
/// lane's example while the pack keeps its factors).
pub(crate) struct Polisher<T> {
    kkt: Kkt<T>,
    /// The settings' refinement constants: a first attempt's tolerances, and what the
    /// backward pass refines with ([`Polisher::last_factors`]).
    settings: KktParams<T>,
    active: Vec<bool>,
    w: Vec<T>,
    buf: Vec<T>,
    tp: Vec<T>,
    rf: Refine<T>,
    d: Dir<T>,
    neg_q: Vec<T>,
    Gz: Vec<T>,
    Qz: Vec<T>,
    rx: Vec<T>,
    r_eq: Vec<T>,
    r_in: Vec<T>,
    /// The last polished point (nothing allocates per attempt).
    out: Polished<T>,
}

impl<T: Real> Polisher<T> {
    pub(crate) fn new(n: usize, m: usize, p: usize, params: KktParams<T>) -> Self {
        // Every refinement step of a polishing solve is verified (`refine_unverified` = 0),
        // and a retry's is refined as far as refinement gains (`polish`'s `tight`); the
        // module's documentation says why.
        let settings = params;
        let params = KktParams {
            refine_unverified: T::zero(),
            ..params
        };
        Polisher {
            kkt: Kkt::new(n, m, p, params),
            settings,
            active: vec![false; p],
            w: vec![T::zero(); p],
            buf: vec![T::zero(); n + m],
            tp: vec![T::zero(); p],
            rf: Refine::new(n, m, p),
            d: Dir::zeros(n, m, p),
            neg_q: vec![T::zero(); n],
            Gz: vec![T::zero(); p],
            Qz: vec![T::zero(); n],
            rx: vec![T::zero(); n],
            r_eq: vec![T::zero(); m],
            r_in: vec![T::zero(); p],
            out: Polished {
                z: vec![T::zero(); n],
                nu: vec![T::zero(); m],
                lam: vec![T::zero(); p],
                s: vec![T::zero(); p],
                info: Info::default(),
            },
        }
    }

    /// The last attempt's factorization of K (the one its answer was refined with), the
    /// weights it was formed with and its constants: K at a polished solution, which the
    /// backward pass takes instead of forming and factoring it again
    /// ([`super::pdipm::conclude`]).
    pub(crate) fn last_factors(&self) -> LastFactors<'_, T> {
        // The factorization's regularization, the settings' refinement (as the iteration's
        // and the GPU's backward passes refine).
        let k = self.kkt.params();
        LastFactors {
            F: self.kkt.factors(),
            w: &self.w,
            params: KktParams {
                refine_max_iter: self.settings.refine_max_iter,
                refine_abstol: self.settings.refine_abstol,
                refine_reltol: self.settings.refine_reltol,
                refine_unverified: self.settings.refine_unverified,
                ..k
            },
        }
    }

    /// Polishes `lp` (equilibrated) on the active set that the iterate points to
    /// (`ratio(i)` > [`GUESS_RATIO`], the ratio [`guess_ratio`] of λᵢ and sᵢ, which both
    /// carry the embedding's τ that the ratio does not see). `normq`,
    /// `normb`: ‖q‖∞ and ‖(b, h)‖∞ in the original units, as the termination test takes
    /// them. Adds its solves (factorizations) to `*solves`. Returns the polished point and
    /// its measures, or `None` if a factorization broke down or the attempt repeats the
    /// example's last one (`tried`: the same first guess and tightness, which failed; then no
    /// solve, see [`Tried`]); the caller accepts it only if
    /// it passes the termination test, `accept`: a first attempt's point whose set stood but
    /// that `accept` refuses is refined on as far as refinement gains and measured again (the
    /// module's documentation says why).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn polish(
        &mut self,
        lp: &Local<T>,
        ratio: impl Fn(usize) -> T,
        normq: T,
        normb: T,
        tight: bool,
        accept: impl Fn(&Info<T>) -> bool,
        tried: &mut Tried,
        solves: &mut u32,
    ) -> Option<&Polished<T>> {
        let (n, p) = (lp.n, lp.p);
        let Polisher {
            kkt,
            settings,
            active,
            w,
            buf,
            tp,
            rf,
            d,
            neg_q,
            Gz,
            Qz,
            rx,
            r_eq,
            r_in,
            out,
        } = self;
        // ε for this example's cost scaling (`KktParams::for_cost`; the polisher is reused
        // across the examples of a lane).
        kkt.set_static_reg(settings.for_cost(lp.scaling.c).static_reg);
        for i in 0..p {
            active[i] = ratio(i) > T::of(GUESS_RATIO);
        }
        // The last attempt, which failed, from the same set and as tight: it would fail again
        // the same way (`Tried`).
        if tried.repeats(active, tight) {
            return None;
        }
        // A retry refines as far as refinement gains: no tolerance, until a step no longer
        // gains a factor of 5 (or `refine_max_iter`).
        if tight {
            kkt.set_refine_tol(T::zero(), T::zero());
        } else {
            kkt.set_refine_tol(settings.refine_abstol, settings.refine_reltol);
        }
        for j in 0..n {
            neg_q[j] = -lp.q[j];
        }
        // The point of a solve on the set that `w` was factored with (λᵢ clamped on it, sᵢ
        // off it), the set corrected in `active`; whether the guess was wrong anywhere.
        let check =
            |d: &Dir<T>, w: &[T], Gz: &mut [T], active: &mut [bool], out: &mut Polished<T>| {
                gemv(Gz, false, &lp.G, false, &d.z, T::one());
                let mut changed = false;
                for i in 0..p {
                    if w[i] > T::one() {
                        let li = d.lam[i];
                        changed |= li < T::zero();
                        out.lam[i] = li.max(T::zero());
                        out.s[i] = T::zero();
                        active[i] = li >= T::zero();
                    } else {
                        let si = lp.h[i] - Gz[i];
                        changed |= si < T::zero();
                        out.lam[i] = T::zero();
                        out.s[i] = si.max(T::zero());
                        active[i] = si < T::zero();
                    }
                }
                changed
            };
        // Whether this round's set is one that a refined solve's check moved to; whether the
        // last refined solve's set stood.
        let mut after_refined = false;
        let mut settled = false;
        for round in 1..=ROUNDS {
            for i in 0..p {
                w[i] = T::of(if active[i] { W_ACTIVE } else { W_INACTIVE });
            }
            *solves += 1;
            if !kkt.factor_rows(&lp.Q, &lp.A, &lp.G, w, |i| active[i]) {
                return None;
            }
            // A solve whose set turns out wrong is not refined: the unrefined solution (exact
            // but for ε, §3) tells the constraints to move as well. The set that stands, or
            // the last round's, is refined and checked again; so is a set that a refined
            // solve's check moved to (the module's documentation says why).
            solve_full(lp, kkt, w, buf, tp, rf, neg_q, &lp.b, &lp.h, None, false, d);
            if !after_refined && check(d, w, Gz, active, out) && round < ROUNDS {
                continue;
            }
            refine_full(lp, kkt, w, buf, tp, rf, neg_q, &lp.b, &lp.h, None, d);
            settled = !check(d, w, Gz, active, out);
            if settled {
                break;
            }
            after_refined = true;
        }
        // Step 1's residuals of the polished point (τ = 1, κ = 0) and step 2's measures.
        let mut point = |d: &Dir<T>, out: &mut Polished<T>| {
            out.z.copy_from_slice(&d.z);
            out.nu.copy_from_slice(&d.nu);
            let (zQz, qz, bnu) = residuals(
                lp,
                [&out.z, &out.nu, &out.lam, &out.s],
                T::one(),
                [&mut *Qz, &mut *rx, &mut *r_eq, &mut *r_in],
            );
            out.info = measure(
                lp,
                &Point {
                    z: &out.z,
                    nu: &out.nu,
                    lam: &out.lam,
                    s: &out.s,
                    rx,
                    r_eq,
                    r_in,
                    Qz,
                    pick: |x: &T| *x,
                    tau: T::one(),
                    kappa: T::zero(),
                    zQz,
                    qz,
                    bnu,
                },
                normq,
                normb,
            );
        };
        point(d, out);
        if settled && !tight && !accept(&out.info) {
            // Refined on, on the same factors, as far as refinement gains; the set checked
            // and the point measured again.
            kkt.set_refine_tol(T::zero(), T::zero());
            refine_full(lp, kkt, w, buf, tp, rf, neg_q, &lp.b, &lp.h, None, d);
            check(d, w, Gz, active, out);
            point(d, out);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(gap: f64, kt: f64) -> Info<f64> {
        Info {
            gap_rel: gap,
            ktratio: kt,
            ..Info::default()
        }
    }

    /// The first attempt comes below `Settings::POLISH_GAP` (gap and κ/τ); after a failed one
    /// from a gap of `LOOSE_GAP` or more the next comes once the gap has fallen
    /// `LOOSE_RETRY_GAIN`-fold and below `LOOSE_GAP`, after a tighter one `RETRY_GAIN`-fold.
    #[test]
    fn failed_loose_attempts_are_retried_three_fold_down_the_gap() {
        let pg = Settings::POLISH_GAP;
        let mut s = Schedule::new(true);
        assert!(!s.due(&at(1.01 * pg, 0.0)), "above the polishing gap");
        assert!(
            !s.due(&at(0.5 * pg, 1.01 * pg)),
            "κ/τ above the polishing gap"
        );
        assert!(s.due(&at(0.09, 0.0)) && !s.retrying());
        // 0.09 / 3 = 0.03 = LOOSE_GAP: due below it, not at 0.031.
        assert!(!s.due(&at(0.031, 0.0)));
        assert!(s.due(&at(0.029, 0.0)) && s.retrying());
        // A tight attempt's retry waits 100-fold.
        assert!(!s.due(&at(0.029 / 90.0, 0.0)));
        assert!(s.due(&at(0.029 / 110.0, 0.0)));
        // From just below the loose range: 100-fold.
        let mut s = Schedule::new(true);
        assert!(s.due(&at(0.6 * LOOSE_GAP, 0.0)));
        assert!(!s.due(&at(0.6 * LOOSE_GAP / 50.0, 0.0)));
        // Off: never due.
        assert!(!Schedule::new(false).due(&at(0.0, 0.0)));
    }

    /// wᵢ·(wᵢ/wᵢ′)^1.5 as r·√r: w = 4/2 = 2 after w′ = 1/2 gives 2·4·2 = 16 exactly; w alone
    /// without a previous iterate.
    #[test]
    fn the_guess_extrapolates_one_and_a_half_steps() {
        assert_eq!(guess_ratio(4.0, 2.0, Some((1.0, 2.0))), 16.0);
        assert_eq!(guess_ratio(4.0, 2.0, None), 2.0);
        // A falling ratio falls faster: w = 0.01 after w′ = 0.04 gives 0.01·(1/4)^1.5.
        let g = guess_ratio(0.01f64, 1.0, Some((0.04, 1.0)));
        assert!((g - 0.01 / 8.0).abs() < 1e-18, "{g:e}");
    }
}
