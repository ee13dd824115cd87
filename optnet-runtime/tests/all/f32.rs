//! The single-precision path, at its own documented tolerance.
use crate::common::*;
use ndarray::{Array2, ArrayView, Ix1, Ix2};
use optnet_runtime::{QpBatch, Solver, Status, Term};

#[test]
fn f32_solutions_match_f64_within_1e_4() {
    let mut r = rng(21);
    let (B, n, m, p) = (8, 40, 5, 50);
    let qps: Vec<Qp> = (0..B)
        .map(|_| random_qp(&mut r, n, m, p, n, 1e-1))
        .collect();
    let d = stack(&qps);
    let qp64 = d.batch();
    let (Q32, q32, A32, b32, G32, h32) = (
        d.Q.mapv(|v| v as f32),
        d.q.mapv(|v| v as f32),
        d.A.mapv(|v| v as f32),
        d.b.mapv(|v| v as f32),
        d.G.mapv(|v| v as f32),
        d.h.mapv(|v| v as f32),
    );
    let qp32 = QpBatch::builder()
        .Q(&Q32)
        .q(&q32)
        .A(&A32)
        .b(&b32)
        .G(&G32)
        .h(&h32)
        .build()
        .unwrap();
    let s = Solver::cpu();
    let s64 = s.solve(&qp64).unwrap();
    let s32 = s.solve(&qp32).unwrap();
    for i in 0..B {
        assert_eq!(s64.status[i], Status::Solved);
        assert!(
            s32.status[i].is_solved(),
            "f32 example {i}: {}",
            s32.status[i]
        );
        let scale = 1f64.max(s64.z.row(i).iter().fold(0.0f64, |a, v| a.max(v.abs())));
        let err = s32
            .z
            .row(i)
            .iter()
            .zip(s64.z.row(i))
            .fold(0.0f64, |a, (&x, &y)| a.max(entry_diff(x as f64, y)))
            / scale;
        assert!(err < 1e-4, "f32 example {i}: relative error {err:e}");
    }
}

/// Max |x − y| over the entries of an f64 gradient `x` and its f32 counterpart `y`,
/// relative to ‖x‖∞: each gradient against its own scale (not zero, or the comparison
/// would say nothing).
fn rel_err<D: ndarray::Dimension>(x: ArrayView<f64, D>, y: ArrayView<f32, D>) -> f64 {
    assert_eq!(x.shape(), y.shape());
    let scale = x.iter().fold(0f64, |m, v| m.max(v.abs()));
    assert!(scale > 1e-6, "a zero gradient: {x}");
    x.iter()
        .zip(y.iter())
        .fold(0f64, |m, (&a, &b)| m.max(entry_diff(a, b as f64)))
        / scale
}

/// All six gradients of the f32 path (OptNet eq. 8: dQ, dq, dA, db, dG, dh) agree with the
/// f64 path's within 1e-3 of each one's own ∞-norm scale.
#[test]
fn f32_gradients_match_f64() {
    let mut r = rng(22);
    let x = random_qp(&mut r, 10, 2, 12, 10, 0.5);
    let qp64 = x.batch();
    let c = |a: &Array2<f64>| a.mapv(|v| v as f32);
    let c1 = |a: &ndarray::Array1<f64>| a.mapv(|v| v as f32);
    let (Q, q, A, b, G, h) = (c(&x.Q), c1(&x.q), c(&x.A), c1(&x.b), c(&x.G), c1(&x.h));
    let qp32 = QpBatch::builder()
        .Q(&Q)
        .q(&q)
        .A(&A)
        .b(&b)
        .G(&G)
        .h(&h)
        .build()
        .unwrap();
    let s = Solver::cpu();
    let (sol64, sol32) = (s.solve(&qp64).unwrap(), s.solve(&qp32).unwrap());
    assert!(sol64.all_solved() && sol32.status[0].is_solved());
    let g64 = s
        .backward(&qp64, &sol64, Array2::ones((1, 10)).view())
        .unwrap();
    let g32 = s
        .backward(&qp32, &sol32, Array2::ones((1, 10)).view())
        .unwrap();
    // One QP of shared arrays: every gradient is a shared term.
    let m2 = |t: &Term<'static, f64, Ix2>, u: &Term<'static, f32, Ix2>| {
        rel_err(t.shared().unwrap(), u.shared().unwrap())
    };
    let m1 = |t: &Term<'static, f64, Ix1>, u: &Term<'static, f32, Ix1>| {
        rel_err(t.shared().unwrap(), u.shared().unwrap())
    };
    let errs = [
        ("dQ", m2(&g64.dQ, &g32.dQ)),
        ("dq", m1(&g64.dq, &g32.dq)),
        ("dA", m2(g64.dA.as_ref().unwrap(), g32.dA.as_ref().unwrap())),
        ("db", m1(g64.db.as_ref().unwrap(), g32.db.as_ref().unwrap())),
        ("dG", m2(g64.dG.as_ref().unwrap(), g32.dG.as_ref().unwrap())),
        ("dh", m1(g64.dh.as_ref().unwrap(), g32.dh.as_ref().unwrap())),
    ];
    let shown: Vec<String> = errs.iter().map(|(g, e)| format!("{g} {e:.2e}")).collect();
    println!("f32 vs f64 gradients, relative error: {}", shown.join(", "));
    for (name, err) in errs {
        assert!(err < 1e-3, "{name}: relative error {err:e}");
    }
}

/// OptNet's benchmark family (Q = LLᵀ + 10⁻³I with L uniform on [0, 1), G ~ N(0, 1),
/// h = Gz₀ + s₀): ill-conditioned enough that f32 arithmetic ended `AlmostSolved` or worse
/// on about half of them. The CPU solves f32 batches in f64 (with the f32 tolerances), so
/// every one is solved, one at a time and in the lanes, and agrees with Clarabel.
#[test]
fn f32_batches_of_ill_conditioned_qps_all_solve_on_the_cpu() {
    use ndarray::{Array1, Array3, Axis};
    use rand::Rng;
    let mut r = rng(23);
    let (B, n, p) = (12, 100, 100);
    let mut Q = Array3::<f64>::zeros((B, n, n));
    let mut G = Array3::<f64>::zeros((B, p, n));
    let mut h = Array2::<f64>::zeros((B, p));
    let q = randn(&mut r, (B, n));
    for e in 0..B {
        let L = Array2::from_shape_fn((n, n), |_| r.random::<f64>());
        Q.index_axis_mut(Axis(0), e)
            .assign(&(L.dot(&L.t()) + Array2::<f64>::eye(n) * 1e-3));
        let Ge = randn(&mut r, (p, n));
        let s0 = Array1::from_shape_fn(p, |_| r.random::<f64>());
        h.row_mut(e).assign(&(Ge.dot(&randn1(&mut r, n)) + s0));
        G.index_axis_mut(Axis(0), e).assign(&Ge);
    }
    let (Q32, q32, G32, h32) = (
        Q.mapv(|v| v as f32),
        q.mapv(|v| v as f32),
        G.mapv(|v| v as f32),
        h.mapv(|v| v as f32),
    );
    let qp = QpBatch::builder()
        .Q(&Q32)
        .q(&q32)
        .G(&G32)
        .h(&h32)
        .build()
        .unwrap();
    for lockstep in [true, false] {
        let s = Solver::cpu()
            .with_settings(optnet_runtime::Settings {
                lockstep,
                ..Default::default()
            })
            .unwrap();
        let sol = s.solve(&qp).unwrap();
        for e in 0..B {
            assert_eq!(
                sol.status[e],
                Status::Solved,
                "lockstep {lockstep}, example {e}"
            );
            // Against Clarabel on the f32 data itself (widened).
            let w2 = |a: ndarray::ArrayView2<f32>| a.mapv(|v| v as f64);
            let w1 = |a: ndarray::ArrayView1<f32>| a.mapv(|v| v as f64);
            let (A0, b0) = (Array2::<f64>::zeros((0, n)), Array1::<f64>::zeros(0));
            let reference = clarabel(
                w2(Q32.index_axis(Axis(0), e)).view(),
                w1(q32.row(e)).view(),
                A0.view(),
                b0.view(),
                w2(G32.index_axis(Axis(0), e)).view(),
                w1(h32.row(e)).view(),
            );
            let scale = reference.z.iter().fold(1f64, |a, v| a.max(v.abs()));
            let err = sol
                .z
                .row(e)
                .iter()
                .zip(&reference.z)
                .fold(0f64, |a, (&x, &y)| a.max(entry_diff(x as f64, y)))
                / scale;
            // (`Settings::F32_GAP_FLOOR` is what sets this: with a gap floor of 1e-5 these
            // errors reached 9.9e-4, with 1e-6 1.5e-4; with 1e-7 5.5e-5, but 1.5e-4 on
            // another 128, `f32_benchmark_qps_within_1e_4_of_f64`.)
            assert!(
                err < 1e-4,
                "lockstep {lockstep}, example {e}: relative error {err:e}"
            );
        }
    }
}

/// Infeasible and unbounded members of an f32 batch get their status and certificate, one
/// at a time and in the lanes, although an f32 solve refines its directions only on the
/// way to a certificate (κ/τ > 100, `Settings::refinement_kt_ratio`); the other members are
/// solved.
#[test]
fn f32_infeasible_and_unbounded_members_get_their_status() {
    use crate::solve_vs_clarabel::{check_infeasible_unbounded, infeasible_and_unbounded_members};
    let qps = infeasible_and_unbounded_members();
    let twice: Vec<Qp> = qps.iter().chain(&qps).cloned().collect();
    for lockstep in [false, true] {
        let s = Solver::cpu()
            .with_settings(optnet_runtime::Settings {
                lockstep,
                ..Default::default()
            })
            .unwrap();
        check_infeasible_unbounded(if lockstep { &twice } else { &qps }, &s, true);
    }
}

use crate::bench_qps as random_qp;

/// Issue 4's accuracy goal for f32 on OptNet's benchmark QPs (the generator of the
/// benchmarks): every z within 1e-4 (relative to max(1, ‖z‖∞)) of the f64 answer. 128 QPs of
/// the seed on which the previous gap floor, 1e-7, left one example at 1.5e-4 (development
/// machine, 2026-11-30); `Settings::F32_GAP_FLOOR` sets this error (about as √gap).
#[test]
fn f32_benchmark_qps_within_1e_4_of_f64() {
    let (Q, q, G, h) = random_qp::generate(128, 100, 100, 1);
    let qp64 = QpBatch::builder().Q(&Q).q(&q).G(&G).h(&h).build().unwrap();
    let (Q32, q32, G32, h32) = (
        Q.mapv(|v| v as f32),
        q.mapv(|v| v as f32),
        G.mapv(|v| v as f32),
        h.mapv(|v| v as f32),
    );
    let qp32 = QpBatch::builder()
        .Q(&Q32)
        .q(&q32)
        .G(&G32)
        .h(&h32)
        .build()
        .unwrap();
    let s = Solver::cpu();
    let (s64, s32) = (s.solve(&qp64).unwrap(), s.solve(&qp32).unwrap());
    assert!(s64.all_solved() && s32.all_solved());
    let mut worst = (0.0f64, 0);
    for i in 0..128 {
        let scale = 1f64.max(s64.z.row(i).iter().fold(0.0f64, |a, v| a.max(v.abs())));
        let err = s32
            .z
            .row(i)
            .iter()
            .zip(s64.z.row(i))
            .fold(0.0f64, |a, (&x, &y)| a.max(entry_diff(x as f64, y)))
            / scale;
        if err > worst.0 {
            worst = (err, i);
        }
    }
    println!(
        "f32 vs f64, 128 benchmark QPs: max relative error in z {:.2e} (example {})",
        worst.0, worst.1
    );
    assert!(
        worst.0 < 1e-4,
        "example {}: relative error {:e}",
        worst.1,
        worst.0
    );
}
