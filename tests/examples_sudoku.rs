//! The Sudoku example's data generator and layer (examples/common).

#![allow(non_snake_case)]

#[path = "../examples/common/mod.rs"]
mod common;

use common::sudoku_data::{self, Board};
use common::sudoku_layer::{SudokuLayer, SudokuParams};
use common::{adam::Adam, mse};
use optnet::ndarray::{Array1, Array2};
use optnet::Solver;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn loss(layer: &SudokuLayer, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let fwd = layer.forward(x.view(), &Solver::cpu()).unwrap();
    assert!(fwd.status().iter().all(|s| s.is_solved()));
    mse(fwd.z(), y.view()).0
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = StdRng::seed_from_u64(3);
    let ps = sudoku_data::puzzles(4, &mut rng);
    let (x, y) = sudoku_data::encode(&ps);
    let mut layer = SudokuLayer::random(40, &mut rng);
    layer.params.w = Array1::from_shape_fn(64, |i| 0.1 * ((i % 7) as f64 - 3.0));
    let solver = Solver::cpu();
    let bsolver = Solver::cpu().with_settings(optnet::Settings { refinement_abstol: 1e300, ..Default::default() }).unwrap();
    let fwd = layer.forward(x.view(), &solver).unwrap();
    let (_, dz) = mse(fwd.z(), y.view());
    let g = layer.backward(&fwd, &bsolver, dz.view()).unwrap();
    let h = 1e-5;
    for &(i, j) in &[(0, 0), (3, 17), (39, 63), (20, 5)] {
        let mut lp = layer.clone();
        lp.params.A[[i, j]] += h;
        let mut lm = layer.clone();
        lm.params.A[[i, j]] -= h;
        let fd = (loss(&lp, &x, &y) - loss(&lm, &x, &y)) / (2.0 * h);
        println!("A[{i},{j}]: analytic {} fd {fd}", g.A[[i, j]]);
        assert!((fd - g.A[[i, j]]).abs() < 1e-3 * (1.0 + fd.abs()), "A[{i},{j}]");
    }
    for &j in &[0, 9, 40, 63] {
        let mut lp = layer.clone();
        lp.params.w[j] += h;
        let mut lm = layer.clone();
        lm.params.w[j] -= h;
        let fd = (loss(&lp, &x, &y) - loss(&lm, &x, &y)) / (2.0 * h);
        println!("w[{j}]: analytic {} fd {fd}", g.w[j]);
        assert!((fd - g.w[j]).abs() < 1e-3 * (1.0 + fd.abs()), "w[{j}]");
    }
}

#[test]
fn debug_raw_grads() {
    let mut rng = StdRng::seed_from_u64(3);
    let ps = sudoku_data::puzzles(4, &mut rng);
    let (x, y) = sudoku_data::encode(&ps);
    let layer = SudokuLayer::random(40, &mut rng);
    let solver = Solver::cpu();
    let fwd = layer.forward(x.view(), &solver).unwrap();
    let maxabs = |a: optnet::ndarray::ArrayView2<f64>| a.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    println!("status {:?} iters {:?}", fwd.sol.status, fwd.sol.iters);
    println!("|z| {} |lam| {} |nu| {} |s| {}", maxabs(fwd.sol.z.view()), maxabs(fwd.sol.lam.view()), maxabs(fwd.sol.nu.view()), maxabs(fwd.sol.s.view()));
    println!("z0 {:?}", fwd.sol.z.row(0));
    let (_, dz) = mse(fwd.z(), y.view());
    let g = solver.backward(&fwd.qp, &fwd.sol, dz.view()).unwrap();
    println!("dq {}", maxabs(g.dq.batched().unwrap()));
    println!("dq0 {:?}", g.dq.batched().unwrap().index_axis(optnet::ndarray::Axis(0),0));
    println!("db {:?}", g.db.as_ref().unwrap().shared().unwrap());
}
