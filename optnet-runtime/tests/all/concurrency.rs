//! `Solver` is `Send + Sync`, and several threads calling one solver at once get the same
//! answers, bit for bit, as one thread calling it alone (each example's solve is sequential
//! and deterministic; threads only share the read-only solver and data).
use crate::common::*;
use ndarray::Array2;
use optnet_runtime::{QpBatch, Settings, Solution, Solver};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn solver_and_solutions_are_send_and_sync() {
    assert_send_sync::<Solver>();
    assert_send_sync::<Solution<f64>>();
    assert_send_sync::<Solution<f32>>();
    assert_send_sync::<QpBatch<'static, f64>>();
}

/// A batch of random QPs, some with singular Q, so iteration counts differ per example.
fn data(batch: usize, n: usize, m: usize, p: usize, seed: u64) -> Stack {
    let mut r = rng(seed);
    let qps: Vec<Qp> = (0..batch)
        .map(|i| {
            let rank = if i % 3 == 0 { n / 2 } else { n };
            random_qp(&mut r, n, m, p, rank, if i % 3 == 0 { 0.0 } else { 1e-3 })
        })
        .collect();
    stack(&qps)
}

fn same(a: &Solution<f64>, b: &Solution<f64>) {
    assert_eq!(a.status, b.status);
    assert_eq!(a.iters, b.iters);
    // Bitwise equality (NaN-aware: compare bit patterns).
    let bits = |x: &Array2<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.z), bits(&b.z));
    assert_eq!(bits(&a.nu), bits(&b.nu));
    assert_eq!(bits(&a.lam), bits(&b.lam));
    assert_eq!(bits(&a.s), bits(&b.s));
}

fn hammer(solver: &Solver) {
    let (d1, d2) = (data(12, 20, 5, 30, 7), data(9, 12, 0, 16, 8));
    let (qp1, qp2) = (d1.batch(), d2.batch());
    let (ref1, ref2) = (solver.solve(&qp1).unwrap(), solver.solve(&qp2).unwrap());
    let dl = Array2::<f64>::ones((12, 20));
    let gref = solver.backward(&qp1, &ref1, dl.view()).unwrap();
    assert!(ref1.all_solved() && ref2.all_solved());
    std::thread::scope(|sc| {
        for t in 0..8 {
            let (qp1, qp2, ref1, ref2, gref, dl) = (&qp1, &qp2, &ref1, &ref2, &gref, &dl);
            sc.spawn(move || {
                for k in 0..4 {
                    // Alternate the two batches so that different work overlaps.
                    if (t + k) % 2 == 0 {
                        let s = solver.solve(qp1).unwrap();
                        same(&s, ref1);
                        let g = solver.backward(qp1, &s, dl.view()).unwrap();
                        let (a, b) = (g.dq.batched().unwrap(), gref.dq.batched().unwrap());
                        assert_eq!(a, b);
                    } else {
                        same(&solver.solve(qp2).unwrap(), ref2);
                    }
                }
            });
        }
    });
}

#[test]
fn concurrent_solves_on_the_global_pool_match_a_lone_solve() {
    hammer(&Solver::cpu());
}

#[test]
fn concurrent_solves_on_a_private_pool_match_a_lone_solve() {
    let solver = Solver::cpu()
        .with_settings(Settings {
            threads: Some(2),
            ..Settings::default()
        })
        .unwrap();
    hammer(&solver);
    // A clone shares the pool; moving it to other threads works the same.
    let clone = solver.clone();
    std::thread::spawn(move || hammer(&clone)).join().unwrap();
}
