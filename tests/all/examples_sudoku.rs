//! The Sudoku example's data generator and layer (`examples/common`): the puzzles have
//! unique solutions, the encoding is one-hot, the `optnet!` layer agrees with the one
//! built by hand on the runtime, its gradients match finite differences, and a short
//! training run lowers the loss on a fixed batch.

#![allow(non_snake_case)]

use crate::dsl_common::max_diff;
use crate::examples_common::layers::{
    sudoku_init, Sudoku, SudokuInputs, SudokuOutputGrads, SudokuParams,
};
use crate::examples_common::sudoku_data::{self, Board, CELLS, ONE_HOT};
use crate::examples_common::sudoku_layer::{SudokuLayer, SudokuParams as HandParams};
use crate::examples_common::{adam::Adam, mse};
use optnet::ndarray::{Array1, Array2};
use optnet::Solver;
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
fn there_are_288_mini_sudoku_grids() {
    assert_eq!(sudoku_data::count_solutions(&[0; CELLS], 1000), 288);
}

#[test]
fn puzzles_have_unique_solutions_and_minimal_clues() {
    let mut rng = StdRng::seed_from_u64(7);
    for p in sudoku_data::puzzles(300, &mut rng) {
        assert!(
            sudoku_data::is_valid_solution(&p.solution),
            "{:?}",
            p.solution
        );
        for (c, s) in p.clues.iter().zip(&p.solution) {
            assert!(*c == 0 || c == s, "a clue disagrees with the solution");
        }
        assert_eq!(sudoku_data::count_solutions(&p.clues, 2), 1);
        // The only completion is the solution.
        let mut b = p.clues;
        for (d, s) in b.iter_mut().zip(&p.solution) {
            if *d == 0 {
                *d = *s;
            }
        }
        assert_eq!(b, p.solution);
        // Minimal: every remaining clue is needed.
        for cell in (0..CELLS).filter(|&c| p.clues[c] != 0) {
            let mut fewer = p.clues;
            fewer[cell] = 0;
            assert!(sudoku_data::count_solutions(&fewer, 2) > 1);
        }
    }
}

#[test]
fn puzzles_are_seeded() {
    let a = sudoku_data::puzzles(20, &mut StdRng::seed_from_u64(1));
    let b = sudoku_data::puzzles(20, &mut StdRng::seed_from_u64(1));
    let c = sudoku_data::puzzles(20, &mut StdRng::seed_from_u64(2));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn one_hot_encoding_round_trips() {
    let mut rng = StdRng::seed_from_u64(5);
    let ps = sudoku_data::puzzles(50, &mut rng);
    let (x, y) = sudoku_data::encode(&ps);
    assert_eq!(x.shape(), [50, ONE_HOT]);
    for (i, p) in ps.iter().enumerate() {
        let clues = p.clues.iter().filter(|&&d| d != 0).count() as f64;
        assert_eq!(x.row(i).sum(), clues);
        assert_eq!(y.row(i).sum(), CELLS as f64);
        let decoded: Board = sudoku_data::decode(&y.row(i).to_vec());
        assert_eq!(decoded, p.solution);
        // Cell (r, c) holding d sets entry (r·4 + c)·4 + d − 1.
        let d = p.solution[6];
        assert_eq!(y[[i, sudoku_data::one_hot_index(1, 2, d)]], 1.0);
        assert_eq!(sudoku_data::one_hot_index(1, 2, d), 24 + d as usize - 1);
    }
}

/// A few puzzles and the `optnet!` layer with a non-trivial w.
fn setup(count: usize) -> (Sudoku<f64>, Array2<f64>, Array2<f64>) {
    let mut rng = StdRng::seed_from_u64(3);
    let ps = sudoku_data::puzzles(count, &mut rng);
    let (x, y) = sudoku_data::encode(&ps);
    let mut layer = sudoku_init(ONE_HOT, 40, &mut rng).unwrap();
    layer.params_mut().w = Array1::from_shape_fn(ONE_HOT, |i| 0.1 * ((i % 7) as f64 - 3.0));
    (layer, x, y)
}

fn loss(layer: &Sudoku<f64>, x: &Array2<f64>, y: &Array2<f64>) -> f64 {
    let out = layer
        .forward(&SudokuInputs { p: x.view() }, &Solver::cpu())
        .unwrap();
    assert!(out.status.iter().all(|s| s.is_solved()));
    mse(out.z.view(), y.view()).0
}

/// ∂ℓ/∂(A, w) of the `optnet!` layer for the MSE against `y`.
fn grads(layer: &Sudoku<f64>, x: &Array2<f64>, y: &Array2<f64>) -> SudokuParams<f64> {
    let out = layer
        .forward(&SudokuInputs { p: x.view() }, &Solver::cpu())
        .unwrap();
    let (_, dz) = mse(out.z.view(), y.view());
    layer
        .backward(&out, &SudokuOutputGrads { z: dz.view() })
        .unwrap()
        .params
}

#[test]
fn dsl_layer_matches_the_hand_built_one() {
    let (layer, x, y) = setup(6);
    let solver = Solver::cpu();
    let hand = SudokuLayer::new(HandParams {
        A: layer.params().A.clone(),
        w: layer.params().w.clone(),
    });
    let out = layer
        .forward(&SudokuInputs { p: x.view() }, &solver)
        .unwrap();
    let fwd = hand.forward(x.view(), &solver).unwrap();
    assert!(max_diff(&out.z, &fwd.z().to_owned()) < 1e-6);
    let (_, dz) = mse(fwd.z(), y.view());
    let h = hand.backward(&fwd, &solver, dz.view()).unwrap();
    let g = grads(&layer, &x, &y);
    let scale = h.A.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(max_diff(&g.A, &h.A) < 1e-6 * scale, "∂ℓ/∂A differs");
    assert!(max_diff(&g.w, &h.w) < 1e-6 * scale, "∂ℓ/∂w differs");
}

#[test]
fn gradients_match_finite_differences() {
    let (layer, x, y) = setup(4);
    let g = grads(&layer, &x, &y);
    let h = 1e-5;
    let close = |fd: f64, an: f64| (fd - an).abs() <= 2e-3 * fd.abs().max(1e-2);
    for &(i, j) in &[(0, 0), (3, 17), (39, 63), (20, 5)] {
        let (mut lp, mut lm) = (layer.clone(), layer.clone());
        lp.params_mut().A[[i, j]] += h;
        lm.params_mut().A[[i, j]] -= h;
        let fd = (loss(&lp, &x, &y) - loss(&lm, &x, &y)) / (2.0 * h);
        assert!(
            close(fd, g.A[[i, j]]),
            "∂ℓ/∂A[{i},{j}]: {} vs {fd}",
            g.A[[i, j]]
        );
    }
    for &j in &[0, 9, 40, 63] {
        let (mut lp, mut lm) = (layer.clone(), layer.clone());
        lp.params_mut().w[j] += h;
        lm.params_mut().w[j] -= h;
        let fd = (loss(&lp, &x, &y) - loss(&lm, &x, &y)) / (2.0 * h);
        assert!(close(fd, g.w[j]), "∂ℓ/∂w[{j}]: {} vs {fd}", g.w[j]);
    }
}

#[test]
fn adam_steps_lower_the_loss_on_a_fixed_batch() {
    let (mut layer, x, y) = setup(30);
    let before = loss(&layer, &x, &y);
    let mut adam_A = Adam::new(0.05, &layer.params().A);
    let mut adam_w = Adam::new(0.05, &layer.params().w);
    for _ in 0..3 {
        let g = grads(&layer, &x, &y);
        adam_A.step(&mut layer.params_mut().A, &g.A);
        adam_w.step(&mut layer.params_mut().w, &g.w);
    }
    let after = loss(&layer, &x, &y);
    assert!(after < 0.9 * before, "loss {before} → {after}");
}
