//! The single-precision path, at its own documented tolerance.
use crate::common::*;
use ndarray::Array2;
use optnet_runtime::{QpBatch, Solver, Status};

#[test]
fn f32_solutions_match_f64_within_1e_3() {
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
            .fold(0.0f64, |a, (&x, &y)| a.max((x as f64 - y).abs()))
            / scale;
        assert!(err < 1e-3, "f32 example {i}: relative error {err:e}");
    }
}

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
    let (a, b) = (g64.dq.shared().unwrap(), g32.dq.shared().unwrap());
    let scale = a.iter().fold(1f64, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(b.iter()) {
        assert!((x - *y as f64).abs() < 1e-3 * scale, "dq: {x} vs {y}");
    }
}
