//! Solutions against Clarabel on the problem families a layer meets.
use crate::common::*;
use ndarray::{s, Array1, Array2, Axis};
use optnet_runtime::{QpBatch, Settings, Solver, Status};

const TOL: f64 = 1e-6;

/// Stacks per-example problems into one batched `QpBatch` and checks every example.
fn check_batch(qps: &[Qp]) {
    check_batch_with(qps, &Solver::cpu());
}

/// Checks the examples solved one by one (`lockstep` off) and, repeated to a batch of 13
/// (three examples in each of four lanes and one more), solved in lockstep.
fn check_batch_with(qps: &[Qp], solver: &Solver) {
    check_batch_known(qps, solver, None);
}

/// [`check_batch_with`], comparing z with `known` (one exact solution per example) instead
/// of Clarabel's where given.
fn check_batch_known(qps: &[Qp], solver: &Solver, known: Option<&[Array1<f64>]>) {
    for lockstep in [false, true] {
        let settings = Settings {
            lockstep,
            ..solver.settings().clone()
        };
        let solver = Solver::cpu().with_settings(settings).unwrap();
        let count = if lockstep {
            13.max(qps.len())
        } else {
            qps.len()
        };
        let batch: Vec<Qp> = qps.iter().cycle().take(count).cloned().collect();
        let known: Option<Vec<Array1<f64>>> =
            known.map(|k| k.iter().cycle().take(count).cloned().collect());
        check_one_batch(&batch, &solver, known.as_deref());
    }
}

fn check_one_batch(qps: &[Qp], solver: &Solver, known: Option<&[Array1<f64>]>) {
    let (n, m, p) = (qps[0].n(), qps[0].m(), qps[0].p());
    let data = stack(qps);
    let batch = data.batch();
    let sol = solver.solve(&batch).unwrap();
    for (i, x) in qps.iter().enumerate() {
        let r = x.clarabel();
        assert_eq!(
            sol.status[i],
            Status::Solved,
            "example {i} (n={n}, m={m}, p={p})"
        );
        let z_ref = known.map_or(&r.z, |k| &k[i]);
        let scale = 1.0f64.max(z_ref.iter().fold(0.0f64, |a, v| a.max(v.abs())));
        let ez = max_abs_diff(sol.z.row(i), z_ref.view()) / scale;
        assert!(
            ez < TOL,
            "example {i} (n={n}, m={m}, p={p}): z differs from Clarabel by {ez:e}"
        );
        let eo = (sol.objective[i] - r.obj).abs() / 1f64.max(r.obj.abs());
        assert!(
            eo < TOL,
            "example {i}: objective {} vs Clarabel {}",
            sol.objective[i],
            r.obj
        );
        // s = h − Gz and complementarity hold for the returned iterate.
        let slack = &x.h - &x.G.dot(&sol.z.row(i));
        assert!(max_abs_diff(slack.view(), sol.s.row(i)) < 1e-6 * scale);
        assert!(sol.lam.row(i).iter().all(|&l| l >= 0.0));
    }
}

#[test]
fn random_dense_qps_of_several_shapes() {
    let mut r = rng(1);
    for &(n, m, p) in &[
        (1, 0, 1),
        (5, 0, 0),
        (10, 3, 0),
        (10, 0, 15),
        (20, 5, 30),
        (60, 10, 80),
        (100, 0, 100),
    ] {
        let qps: Vec<Qp> = (0..4)
            .map(|_| random_qp(&mut r, n, m, p, n, 1e-3))
            .collect();
        check_batch(&qps);
    }
}

#[test]
fn linear_programs() {
    // Q = 0, box constraints −1 ≤ z ≤ 1 keep the LP bounded, plus random cuts.
    let mut r = rng(2);
    let qps: Vec<Qp> = (0..5)
        .map(|_| {
            let (n, m) = (12, 3);
            let mut x = random_qp(&mut r, n, m, 6, 1, 0.0);
            x.Q.fill(0.0);
            let mut G = Array2::zeros((6 + 2 * n, n));
            G.slice_mut(s![..6, ..]).assign(&x.G);
            let mut h = Array1::zeros(6 + 2 * n);
            h.slice_mut(s![..6]).assign(&x.h);
            for j in 0..n {
                G[[6 + j, j]] = 1.0;
                G[[6 + n + j, j]] = -1.0;
                // The point z0 behind b, h lies in a box of radius max|z0|; use a larger box.
                h[6 + j] = 10.0;
                h[6 + n + j] = 10.0;
            }
            x.G = G;
            x.h = h;
            x
        })
        .collect();
    check_batch(&qps);
}

#[test]
fn singular_q() {
    let mut r = rng(3);
    let qps: Vec<Qp> = (0..4)
        .map(|_| random_qp(&mut r, 20, 2, 40, 7, 0.0))
        .collect();
    check_batch(&qps);
}

#[test]
fn equality_only_and_unconstrained() {
    let mut r = rng(4);
    check_batch(
        &(0..3)
            .map(|_| random_qp(&mut r, 15, 6, 0, 15, 1e-2))
            .collect::<Vec<_>>(),
    );
    check_batch(
        &(0..3)
            .map(|_| random_qp(&mut r, 15, 0, 0, 15, 1e-2))
            .collect::<Vec<_>>(),
    );
}

/// Without inequalities the start's solve (refined, ALGORITHM §2) is the solution: every
/// example ends at iteration 0, alone and in lockstep, within 1e-9 of Clarabel's. (With an
/// unrefined start, as with inequalities, such problems took an iteration more.)
#[test]
fn equality_only_problems_end_at_the_start() {
    let mut r = rng(5);
    for (m, lockstep) in [(5, false), (5, true), (0, false), (0, true)] {
        let qps: Vec<Qp> = (0..3)
            .map(|_| random_qp(&mut r, 12, m, 0, 12, 1e-2))
            .collect();
        let batch: Vec<Qp> = qps.iter().cycle().take(13).cloned().collect();
        let s = stack(&batch);
        let settings = Settings {
            lockstep,
            ..Settings::default()
        };
        let sol = Solver::cpu()
            .with_settings(settings)
            .unwrap()
            .solve(&s.batch())
            .unwrap();
        for (e, qp) in batch.iter().enumerate() {
            assert_eq!(
                sol.status[e],
                Status::Solved,
                "lockstep {lockstep}, example {e}"
            );
            assert_eq!(sol.iters[e], 0, "lockstep {lockstep}, example {e}");
            let rf = qp.clarabel();
            let err = scaled_diff(sol.z.row(e), rf.z.view());
            assert!(
                err < 1e-9,
                "m {m}, lockstep {lockstep}, example {e}: {err:e}"
            );
        }
    }
}

#[test]
fn degenerate_duplicated_and_weakly_active_constraints() {
    let mut r = rng(5);
    let (qps, optima): (Vec<Qp>, Vec<Array1<f64>>) = (0..3)
        .map(|_| {
            let mut x = random_qp(&mut r, 10, 2, 8, 10, 1e-1);
            // Duplicate every constraint row (and one equality row).
            let G = ndarray::concatenate(Axis(0), &[x.G.view(), x.G.view()]).unwrap();
            let h = ndarray::concatenate(Axis(0), &[x.h.view(), x.h.view()]).unwrap();
            let A = ndarray::concatenate(Axis(0), &[x.A.view(), x.A.slice(s![..1, ..])]).unwrap();
            let b = ndarray::concatenate(Axis(0), &[x.b.view(), x.b.slice(s![..1])]).unwrap();
            // A weakly active constraint: a row through the optimum with zero multiplier.
            let opt = clarabel(
                x.Q.view(),
                x.q.view(),
                A.view(),
                b.view(),
                G.view(),
                h.view(),
            );
            let g = randn1(&mut r, 10);
            let hw = g.dot(&opt.z);
            let G =
                ndarray::concatenate(Axis(0), &[G.view(), g.view().insert_axis(Axis(0))]).unwrap();
            let h =
                ndarray::concatenate(Axis(0), &[h.view(), ndarray::arr1(&[hw]).view()]).unwrap();
            x.G = G;
            x.h = h;
            x.A = A;
            x.b = b;
            // The weak row does not move the optimum: z is that of the problem without it,
            // which Clarabel solves to its tolerance (no weakly active constraint there).
            (x, opt.z)
        })
        .unzip();
    // At a weakly active constraint both s and λ vanish, and the iterate's distance to the
    // solution shrinks like √μ rather than μ: ask for a gap of 1e-12 to be within 1e-6 (at
    // 1e-11 one lockstep solve ended 2.2e-6 away, the others up to 8e-7; at 1e-12 all within
    // 4.1e-7). The same holds for Clarabel's answer to these problems, so z is compared with
    // the optimum of the problem without the weak row.
    let tight = Settings {
        tol_gap_abs: 1e-12,
        tol_gap_rel: 1e-12,
        tol_feas: 1e-10,
        ..Settings::default()
    };
    check_batch_known(
        &qps,
        &Solver::cpu().with_settings(tight).unwrap(),
        Some(&optima),
    );
}

#[test]
fn badly_scaled_data() {
    let mut r = rng(6);
    let qps: Vec<Qp> = (0..3)
        .map(|_| {
            let mut x = random_qp(&mut r, 15, 3, 20, 15, 1e-2);
            // Rows of G and h over eight orders of magnitude, variables over four.
            for i in 0..20 {
                let f = 10f64.powi(i as i32 % 9 - 4);
                x.G.row_mut(i).mapv_inplace(|v| v * f);
                x.h[i] *= f;
            }
            let d = Array1::from_shape_fn(15, |j| 10f64.powi(j as i32 % 5 - 2));
            // z = D y: Q → DQD, q → Dq, A → AD, G → GD.
            x.Q = &x.Q * &d.view().insert_axis(Axis(0)) * d.view().insert_axis(Axis(1));
            x.q = &x.q * &d;
            x.A = &x.A * &d.view().insert_axis(Axis(0));
            x.G = &x.G * &d.view().insert_axis(Axis(0));
            x.q *= 1e3;
            x
        })
        .collect();
    check_batch(&qps);
}

#[test]
fn infeasible_and_unbounded_members_leave_the_rest_right() {
    let qps = infeasible_and_unbounded_members();
    // Twice over, so that the batch is also solved in lockstep (the LP member, example 4,
    // is solved alone either way).
    let twice: Vec<Qp> = qps.iter().chain(&qps).cloned().collect();
    for (qps, solver) in [
        (&qps, Solver::cpu()),
        (
            &twice,
            Solver::cpu()
                .with_settings(Settings {
                    lockstep: true,
                    ..Settings::default()
                })
                .unwrap(),
        ),
    ] {
        check_infeasible_unbounded(qps, &solver, false);
    }
}

/// Six random QPs (n = 8, m = 2, p = 12), of which example 1 is primal infeasible and
/// example 4 an unbounded LP.
pub(crate) fn infeasible_and_unbounded_members() -> Vec<Qp> {
    let mut r = rng(7);
    let (n, m, p) = (8, 2, 12);
    let mut qps: Vec<Qp> = (0..6)
        .map(|_| random_qp(&mut r, n, m, p, n, 1e-1))
        .collect();
    // Example 1: primal infeasible, z₀ ≤ −1 and z₀ ≥ 1.
    qps[1].make_infeasible();
    // Example 4: unbounded LP, z ≥ −1 only, minimize Σ z… with q pointing down: q = 1, G = I
    // bounds z from below only on the other side, so −q is a ray.
    qps[4].Q.fill(0.0);
    qps[4].A.fill(0.0);
    qps[4].A[[0, 0]] = 1.0;
    qps[4].A[[1, 1]] = 1.0;
    qps[4].b.fill(0.0);
    qps[4].G.fill(0.0);
    for i in 0..p.min(n) {
        qps[4].G[[i, i]] = -1.0;
        qps[4].h[i] = 1.0;
    }
    qps[4].q.fill(0.0);
    qps[4].q[5] = -1.0;
    qps[4].G[[5, 5]] = 0.0;
    qps
}

/// Solves the batch of [`infeasible_and_unbounded_members`] (or it repeated), in f32 if
/// `single` (the data rounded to f32; the solved members then compared at 1e-4), and checks
/// the statuses, the certificates and the solved members against Clarabel.
pub(crate) fn check_infeasible_unbounded(qps: &[Qp], solver: &Solver, single: bool) {
    let data = stack(qps);
    let (sol, tol) = if single {
        let data32 = data.map(|v| v as f32);
        let sol = solver.solve(&data32.batch()).unwrap();
        let w = |a: &Array2<f32>| a.mapv(f64::from);
        ((w(&sol.z), w(&sol.nu), w(&sol.lam), sol.status), 1e-4)
    } else {
        let sol = solver.solve(&data.batch()).unwrap();
        ((sol.z, sol.nu, sol.lam, sol.status), TOL)
    };
    let (z, nu, lam, status) = sol;
    assert_eq!(status[1], Status::PrimalInfeasible);
    assert_eq!(status[4], Status::DualInfeasible);
    // The certificate of example 1: λ ≥ 0, Aᵀν + Gᵀλ ≈ 0, bᵀν + hᵀλ < 0.
    let cert = qps[1].A.t().dot(&nu.row(1)) + qps[1].G.t().dot(&lam.row(1));
    let obj = qps[1].b.dot(&nu.row(1)) + qps[1].h.dot(&lam.row(1));
    let cert_tol = if single { 1e-4 } else { 1e-6 };
    assert!(
        obj < 0.0 && cert.iter().all(|c| c.abs() < cert_tol * obj.abs()),
        "{cert} {obj}"
    );
    // The ray of example 4: Ad = 0, Gd ≤ 0, qᵀd < 0.
    let d = z.row(4);
    assert!(qps[4].q.dot(&d) < 0.0);
    assert!(qps[4].A.dot(&d).iter().all(|v| v.abs() < cert_tol));
    assert!(qps[4].G.dot(&d).iter().all(|&v| v < cert_tol));
    for i in [0, 2, 3, 5] {
        let x = &qps[i];
        let r = x.clarabel();
        assert_eq!(status[i], Status::Solved);
        let scale = r.z.iter().fold(1f64, |a, v| a.max(v.abs()));
        let err = max_abs_diff(z.row(i), r.z.view()) / if single { scale } else { 1.0 };
        assert!(err < tol, "example {i}: {err:e}");
    }
}

#[test]
fn shared_data_is_solved_per_example() {
    // Q and G shared by the batch, q and h per example.
    let mut r = rng(8);
    let base = random_qp(&mut r, 30, 0, 30, 30, 1e-3);
    let q = randn(&mut r, (5, 30));
    let h = Array2::from_shape_fn((5, 30), |(_, j)| base.h[j]) + 0.1;
    let batch = QpBatch::builder()
        .Q(&base.Q)
        .q(&q)
        .G(&base.G)
        .h(&h)
        .build()
        .unwrap();
    assert!(batch.Q().is_shared() && batch.G().unwrap().is_shared());
    let sol = Solver::cpu().solve(&batch).unwrap();
    let empty = Array2::<f64>::zeros((0, 30));
    let e1 = Array1::<f64>::zeros(0);
    for i in 0..5 {
        let rf = clarabel(
            base.Q.view(),
            q.row(i),
            empty.view(),
            e1.view(),
            base.G.view(),
            h.row(i),
        );
        assert_eq!(sol.status[i], Status::Solved);
        let scale = 1.0f64.max(rf.z.iter().fold(0.0f64, |a, v| a.max(v.abs())));
        let e = max_abs_diff(sol.z.row(i), rf.z.view()) / scale;
        assert!(
            e < TOL,
            "example {i}: {e:e} {:?} iters {} obj {} {}",
            rf.status,
            sol.iters[i],
            sol.objective[i],
            rf.obj
        );
    }
}
