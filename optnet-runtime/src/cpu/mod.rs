//! The CPU backend: one independent interior point solve per example, spread over cores
//! with rayon. Each example has its own step lengths, stopping test and iteration count,
//! so a hard example never holds the others back.
//!
//! Every example is solved in f64, whatever the batch's type: an `f32` batch is converted
//! example by example as it is copied out of the batch, stops at the f32 tolerances (see
//! [`Settings`]) and gets its answer and gradients rounded to f32. On the CPU that is both
//! faster and more robust than f32 arithmetic: the four-lane f64 path applies to it, and
//! f32 took more iterations and often ended `AlmostSolved` on ill-conditioned data (67 of
//! OptNet's 128 benchmark QPs solved, in 0.45 s against 0.17 s for f64 on one core).

// Dense kernels index several parallel arrays in one loop (z, d, e, s, λ, W …), which
// reads like the math; iterator chains over four or five zipped slices would not.
#![allow(clippy::needless_range_loop)]

mod dense;
mod equilibrate;
mod kkt;
mod lane_kernels;
mod lanes;
mod pdipm;
mod polish;
mod problem;
pub(crate) mod psd;

use crate::solver::{Adjoints, Cache};
use crate::{QpBatch, Real, Settings, Solution, Status};
use kkt::Kkt;
use lane_kernels::W;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use pdipm::Tols;
#[cfg(feature = "cuda")]
pub(crate) use pdipm::{START_W_SPREAD, UNVERIFIED_CORRECTION};
#[cfg(feature = "cuda")]
pub(crate) use polish::ROUNDS as POLISH_ROUNDS;
use problem::Local;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the backward pass needs of one example's solution ([`pdipm::AtSolution`]): the
/// equilibration that relates the scaled data to the original, W = λ/s at the solution
/// (scaled units) and K's factors at that W where the forward pass kept them (a polished
/// answer's last polishing factorization, `Settings::keep_factorization`); otherwise the
/// constants the forward pass ended with (its regularization may have been raised, see
/// [`kkt::Kkt::boost`]), with which [`adjoints`] forms and factors K, only when gradients
/// are asked for.
pub(crate) type KktState = pdipm::AtSolution<f64>;

/// Solves every example of the batch (in f64, see the module's documentation).
pub(crate) fn solve_batch<T: Real>(settings: &Settings, qp: &QpBatch<'_, T>) -> Solution<T> {
    let (batch, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    let data_single = T::epsilon().to64() > 1e-10;
    let tols = Tols::<f64>::for_data(settings, data_single);
    // One example copied out of the batch (in f64, into a finished example's buffers
    // where there is one) and equilibrated.
    let prepare = |i: usize, spare: Option<Local<f64>>| {
        let ex = qp.example(i);
        let mut lp = match spare {
            Some(mut lp) => {
                lp.refill(&ex);
                lp
            }
            None => Local::<f64>::from_example(&ex),
        };
        if settings.equilibrate {
            equilibrate::ruiz(
                &mut lp,
                settings.equilibrate_max_iter,
                settings.equilibrate_min_scaling,
                settings.equilibrate_max_scaling,
            );
        }
        lp
    };
    // Streams of examples solved W at a time in lockstep (see `lanes`, which solves an LP
    // alone as it comes), each stream at least 2W long; small batches one by one.
    let lockstep = settings.lockstep && batch >= 2 * W;
    let (streamed, single): (Vec<usize>, Vec<usize>) = (0..batch).partition(|_| lockstep);
    // One stream per worker thread, all fed from one queue: every worker stays busy until
    // the queue is empty (streams with fixed shares of the batch waited for the slowest).
    let queue = AtomicUsize::new(0);
    let next = |spare: Option<Local<f64>>| {
        let k = queue.fetch_add(1, Ordering::Relaxed);
        streamed.get(k).map(|&i| (i, prepare(i, spare)))
    };
    let workers = rayon::current_num_threads()
        .min(streamed.len().div_ceil(2 * W))
        .max(usize::from(!streamed.is_empty()));
    let jobs: Vec<Option<usize>> = std::iter::repeat_n(None, workers)
        .chain(single.iter().map(|&i| Some(i)))
        .collect();
    // (outcome, objective, what the backward pass needs) per example, in batch order.
    type Checked<T> = (pdipm::Outcome<T>, T, Option<KktState>);
    let mut outcomes: Vec<Option<Checked<T>>> = (0..batch).map(|_| None).collect();
    let solved: Vec<Vec<(usize, Checked<T>)>> = jobs
        .into_par_iter()
        .map(|job| {
            let outs = match job {
                Some(i) => vec![(i, pdipm::solve(&prepare(i, None), &tols))],
                None => lanes::solve_stream(next, &tols),
            };
            // The next example's data is prefetched while this one is checked: 128 benchmark
            // QPs on one core, 7.6 → 5.7 ms for the checks (means of 9 runs; the batch is
            // read from memory, and each check on its own waits on it line by line).
            let next: Vec<usize> = outs.iter().skip(1).map(|o| o.0).collect();
            outs.into_iter()
                .zip(next.into_iter().map(Some).chain([None]))
                .map(|((i, out), next)| {
                    if let Some(k) = next {
                        problem::prefetch(&qp.example(k));
                    }
                    let (out, factors) = out.narrow::<T>();
                    let (out, obj) = check_answer(&qp.example(i), out, &tols);
                    let factors = factors.filter(|_| out.status.is_solved());
                    (i, (out, obj, factors))
                })
                .collect()
        })
        .collect();
    for (i, r) in solved.into_iter().flatten() {
        outcomes[i] = Some(r);
    }
    let outcomes = outcomes
        .into_iter()
        .map(|o| o.expect("every example solved"));
    let mut sol = Solution {
        z: Array2::zeros((batch, n)),
        lam: Array2::zeros((batch, p)),
        nu: Array2::zeros((batch, m)),
        s: Array2::zeros((batch, p)),
        status: Vec::with_capacity(batch),
        iters: Vec::with_capacity(batch),
        polish_solves: Vec::with_capacity(batch),
        objective: Array1::zeros(batch),
        res_primal: Array1::zeros(batch),
        res_dual: Array1::zeros(batch),
        gap: Array1::zeros(batch),
        cache: Cache::Cpu(Vec::new(), std::marker::PhantomData),
    };
    let mut factors = Vec::with_capacity(batch);
    for (i, (out, obj, kkt)) in outcomes.enumerate() {
        sol.z.row_mut(i).assign(&ArrayView1::from(&out.z));
        sol.nu.row_mut(i).assign(&ArrayView1::from(&out.nu));
        sol.lam.row_mut(i).assign(&ArrayView1::from(&out.lam));
        sol.s.row_mut(i).assign(&ArrayView1::from(&out.s));
        sol.status.push(out.status);
        sol.iters.push(out.iters);
        sol.polish_solves.push(out.polish_solves);
        sol.objective[i] = obj;
        sol.res_primal[i] = out.res_primal;
        sol.res_dual[i] = out.res_dual;
        sol.gap[i] = out.gap;
        factors.push(kkt);
    }
    sol.cache = Cache::Cpu(factors, std::marker::PhantomData);
    sol
}

/// The final checks of one example's outcome in the original data: its objective, and
/// that an answer reported as solved is finite and meets the constraints.
fn check_answer<T: Real>(
    ex: &crate::batch::Example<'_, T>,
    mut out: pdipm::Outcome<T>,
    tols: &Tols<f64>,
) -> (pdipm::Outcome<T>, T) {
    let mut obj = T::nan();
    if out.status.is_solved() {
        obj = objective(ex.Q, ex.q, &out.z);
        // Unscaling or the objective can overflow on extreme data (entries near
        // f64::MAX): never report a non-finite answer as solved.
        let finite = obj.is_finite()
            && out
                .z
                .iter()
                .chain(&out.nu)
                .chain(&out.lam)
                .chain(&out.s)
                .all(|x| x.is_finite());
        // The HSDE measures residuals on the iterate before dividing by τ; when τ
        // collapses together with κ (an ill-posed problem, e.g. an unbounded one
        // without inequalities), rounding noise divided by τ can pass as a solution.
        // Recheck the answer itself in the original data (one product with A and G).
        let res = primal_residual(ex, &out.z, &out.s);
        // (In the batch's type: the answer is checked as it is returned.)
        let (strict, reduced) = (T::of(tols.feas * 1000.0), T::of(tols.reduced_feas));
        if !finite || res.is_nan() || res > reduced {
            out.status = Status::NumericalError;
        } else if out.status == Status::Solved && res > strict.min(reduced) {
            out.status = Status::AlmostSolved;
        }
        if !out.status.is_solved() {
            out.factors = None;
            obj = T::nan();
        }
    }
    (out, obj)
}

/// ‖(Az − b, Gz + s − h)‖∞ / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞, ‖s‖∞) in the original data:
/// the solver's primal residual measure, recomputed on the answer it returns.
fn primal_residual<T: Real>(ex: &crate::batch::Example<'_, T>, z: &[T], s: &[T]) -> T {
    let z = ArrayView1::from(z);
    let (Az, Gz) = (ex.A.dot(&z), ex.G.dot(&z));
    let amax = |v: &mut dyn Iterator<Item = T>| v.fold(T::zero(), |a, x| a.max(x.abs()));
    let r = amax(&mut Az.iter().zip(ex.b).map(|(&a, &b)| a - b)).max(amax(
        &mut Gz.iter().zip(s).zip(ex.h).map(|((&g, &si), &h)| g + si - h),
    ));
    // The max of the three norms, not their sum as in the loop (within a factor 3 of it),
    // so that data near f64::MAX cannot overflow the scale to ∞ and the residual to 0.
    let scale = amax(&mut ex.b.iter().chain(ex.h).copied())
        .max(amax(&mut Az.iter().chain(&Gz).copied()))
        .max(amax(&mut s.iter().copied()));
    r / T::one().max(scale)
}

/// ½zᵀQz + qᵀz.
fn objective<T: Real>(Q: ArrayView2<'_, T>, q: ArrayView1<'_, T>, z: &[T]) -> T {
    let z = ArrayView1::from(z);
    T::of(0.5) * z.dot(&Q.dot(&z)) + q.dot(&z)
}

/// The adjoint vectors of every example (OptNet eq. 7): with W = diag(λ/s) at the solution,
///
/// ```text
/// [Q  Aᵀ  Gᵀ  ] [d_z ]   [−∂ℓ/∂z]
/// [A  0   0   ] [d_ν ] = [   0   ]        d̃_λ = D(λ)d_λ
/// [G  0  −W⁻¹ ] [d̃_λ]   [   0   ]
/// ```
///
/// solved in the forward pass's equilibrated units with K formed and factored at the
/// solution's W (with the forward pass's final constants), refined against the full system
/// as every Newton step is. With z = D z̃ the equilibrated
/// system's right-hand side is −D∘∂ℓ/∂z, and its solution y maps back as d_z = c·D∘y_z,
/// d_ν = E_A∘y_ν, d̃_λ = E_G∘y_λ.
pub(crate) fn adjoints<T: Real>(
    settings: &Settings,
    qp: &QpBatch<'_, T>,
    sol: &Solution<T>,
    factors: &[Option<KktState>],
    dl_dz: ArrayView2<'_, T>,
) -> Adjoints<T> {
    let _ = settings;
    let (batch, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    // In f64, as the forward pass (see the module's documentation). (Solving these four at
    // a time in the SIMD lanes, as the forward pass, was measured no faster: copying each
    // example out of the batch and writing its gradients cost more than its factorization.)
    let rows: Vec<Option<[Vec<f64>; 3]>> = (0..batch)
        .into_par_iter()
        .map(|i| {
            let f = factors[i].as_ref()?;
            if !sol.status[i].is_solved() {
                return None;
            }
            let sc = &f.scaling;
            let lp = Local::<f64>::scaled(&qp.example(i), sc);
            let (e_eq, e_in) = sc.e.split_at(m);
            // W̃ = λ̃ / s̃ with λ̃ = c·λ / E_G and s̃ = E_G·s.
            let w: Vec<f64> = (0..p)
                .map(|k| {
                    let (lam, s) = (sol.lam[[i, k]].to64(), sol.s[[i, k]].to64());
                    polish::solution_weight(sc.c * lam, e_in[k] * e_in[k] * s)
                })
                .collect();
            let rhs_x: Vec<f64> = (0..n).map(|j| -sc.d[j] * dl_dz[[i, j]].to64()).collect();
            let mut y = pdipm::Dir::zeros(n, m, p);
            let (mut buf, mut tp) = (vec![0.0; n + m], vec![0.0; p]);
            let mut rf = pdipm::Refine::new(n, m, p);
            let (zero_m, zero_p) = (vec![0.0; m], vec![0.0; p]);
            // K's factors at the solution: the forward pass's (a polished answer's), or K
            // formed and factored at the forward pass's own W (as it would have factored
            // it). The refinement measures residuals with W from the returned λ and s.
            let fresh;
            let factors = match &f.ldl {
                Some(F) => kkt::Kept {
                    F,
                    params: f.params,
                },
                None => {
                    let mut kkt = Kkt::new(n, m, p, f.params);
                    if !kkt.factor(&lp.Q, &lp.A, &lp.G, &f.w) {
                        return None;
                    }
                    fresh = kkt;
                    kkt::Kept {
                        F: fresh.factors(),
                        params: f.params,
                    }
                }
            };
            pdipm::solve_full(
                &lp, &factors, &w, &mut buf, &mut tp, &mut rf, &rhs_x, &zero_m, &zero_p, None,
                true, &mut y,
            );
            // Back to the original units: d_z = c·D∘y_z, d_ν = E_A∘y_ν, d̃_λ = E_G∘y_λ.
            Some([
                (0..n).map(|j| y.z[j] * sc.c * sc.d[j]).collect(),
                (0..m).map(|k| y.nu[k] * e_eq[k]).collect(),
                (0..p).map(|k| y.lam[k] * e_in[k]).collect(),
            ])
        })
        .collect();
    let mut adj = Adjoints {
        dz: Array2::zeros((batch, n)),
        dnu: Array2::zeros((batch, m)),
        dlam: Array2::zeros((batch, p)),
        sums: [None, None, None],
    };
    for (i, row) in rows.into_iter().enumerate() {
        if let Some([dz, dnu, dlam]) = row {
            let narrow = |v: &[f64]| ArrayView1::from(v).mapv(T::of);
            adj.dz.row_mut(i).assign(&narrow(&dz));
            adj.dnu.row_mut(i).assign(&narrow(&dnu));
            adj.dlam.row_mut(i).assign(&narrow(&dlam));
        }
    }
    adj
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3};

    /// Q, q, A, b, G, h, batched.
    type Data = (
        Array3<f64>,
        Array2<f64>,
        Array3<f64>,
        Array2<f64>,
        Array3<f64>,
        Array2<f64>,
    );

    /// A batch of 9 random QPs (n = 8, m = 2, p = 12; Q = LLᵀ + ½I, h = Gz₀ + s₀) from a
    /// fixed deterministic sequence.
    fn data() -> Data {
        let (B, n, m, p) = (9, 8, 2, 12);
        let mut k = 0u32;
        let mut x = || {
            k += 1;
            (f64::from(k) * 0.754_877_666).sin() * 1.3
        };
        let mut Q = Array3::zeros((B, n, n));
        let (mut A, mut G) = (Array3::zeros((B, m, n)), Array3::zeros((B, p, n)));
        let (mut q, mut b, mut h) = (
            Array2::zeros((B, n)),
            Array2::zeros((B, m)),
            Array2::zeros((B, p)),
        );
        for e in 0..B {
            let L = Array2::from_shape_fn((n, n), |_| x());
            Q.index_axis_mut(ndarray::Axis(0), e)
                .assign(&(L.dot(&L.t()) + Array2::<f64>::eye(n) * 0.5));
            let z0: Vec<f64> = (0..n).map(|_| x()).collect();
            for j in 0..n {
                q[[e, j]] = x();
                for i in 0..m {
                    A[[e, i, j]] = x();
                }
                for i in 0..p {
                    G[[e, i, j]] = x();
                }
            }
            for i in 0..m {
                b[[e, i]] = (0..n).map(|j| A[[e, i, j]] * z0[j]).sum();
            }
            for i in 0..p {
                h[[e, i]] = (0..n).map(|j| G[[e, i, j]] * z0[j]).sum::<f64>() + 0.5 + 0.3 * x();
            }
        }
        (Q, q, A, b, G, h)
    }

    /// What a CPU solve kept for the backward pass, per example.
    fn kept_states(sol: &Solution<f64>) -> &[Option<KktState>] {
        #[allow(irrefutable_let_patterns)] // (refutable with feature `cuda`)
        let Cache::Cpu(states, _) = &sol.cache
        else {
            unreachable!("a CPU solve")
        };
        states
    }

    /// A polished answer keeps its last polishing factorization for the backward pass
    /// (`Settings::keep_factorization`), and that factorization is K's LDLᵀ at the solution's
    /// W: equal, entry for entry to rounding, to what the backward pass forms and factors
    /// when nothing was kept. Off, nothing is kept.
    #[test]
    fn polished_solutions_keep_k_at_the_solution() {
        let (Q, q, A, b, G, h) = data();
        let qp = QpBatch::builder()
            .Q(&Q)
            .q(&q)
            .A(&A)
            .b(&b)
            .G(&G)
            .h(&h)
            .build()
            .unwrap();
        let (n, m, p) = (qp.n, qp.m, qp.p);
        for lockstep in [true, false] {
            let settings = Settings {
                lockstep,
                ..Settings::default()
            };
            let sol = solve_batch(&settings, &qp);
            for (i, f) in kept_states(&sol).iter().enumerate() {
                assert_eq!(sol.status[i], Status::Solved, "example {i}");
                let f = f.as_ref().expect("a solved example's state");
                let kept = f.ldl.as_ref().expect("a polished answer keeps its factors");
                // (Debug output names the factors' size, not their entries.)
                let shown = format!("{f:?}");
                assert!(
                    shown.contains("10 × 10 LDLᵀ factors") && shown.len() < 200,
                    "{shown}"
                );
                let lp = Local::<f64>::scaled(&qp.example(i), &f.scaling);
                let mut kkt = Kkt::new(n, m, p, f.params);
                assert!(kkt.factor(&lp.Q, &lp.A, &lp.G, &f.w));
                let fresh = kkt.factors();
                for j in 0..n + m {
                    for r in j..n + m {
                        let (a, b) = (kept[(r, j)], fresh[(r, j)]);
                        assert!(
                            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                            "lockstep {lockstep}, example {i}, entry ({r}, {j}): {a} vs {b}"
                        );
                    }
                }
            }
            let off = Settings {
                keep_factorization: false,
                ..settings
            };
            let sol = solve_batch(&off, &qp);
            assert!(kept_states(&sol)
                .iter()
                .all(|f| f.as_ref().is_some_and(|f| f.ldl.is_none())));
        }
    }
}
