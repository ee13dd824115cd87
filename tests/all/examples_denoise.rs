//! The denoising example's data generator and TV layer (`examples/common`): signal
//! statistics, the `optnet!` layer's limits (λ = 0 and λ large), its agreement with the
//! layer built by hand on the runtime, its gradients against finite differences, and
//! short training runs lowering the loss on a fixed batch (every entry of D, and the
//! example's default: one weight per difference).

#![allow(non_snake_case)]

use crate::dsl_common::{max_abs, max_diff};
use crate::examples_common::layers::{
    difference_operator, tv_baseline, TvDenoise, TvDenoiseInputs, TvDenoiseOutputGrads,
    TvDenoiseParams,
};
use crate::examples_common::signals::{self, HEIGHTS, LEN, PIECES, SIGMA};
use crate::examples_common::tv_layer::{TvLayer, TvParams};
use crate::examples_common::tv_learn::{row_scale_grad, DLearner, Learn};
use crate::examples_common::{adam::Adam, mse};
use optnet::ndarray::{Array1, Array2, Axis};
use optnet::Solver;
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
fn signals_are_piecewise_constant_with_the_stated_ranges() {
    let data = signals::signals(2000, &mut StdRng::seed_from_u64(11));
    assert_eq!(data.clean.shape(), [2000, LEN]);
    let mut seen = [false; 10];
    for x in data.clean.outer_iter() {
        let x = x.to_vec();
        let pieces = signals::pieces(&x);
        assert!((PIECES.0..=PIECES.1).contains(&pieces), "{pieces} pieces");
        seen[pieces] = true;
        for v in x {
            assert_eq!(v, v.round(), "heights are integers");
            assert!((HEIGHTS.0 as f64..=HEIGHTS.1 as f64).contains(&v));
        }
    }
    assert!(seen[1] && seen[9], "1 and 9 pieces both occur");
    // Noise: mean 0 and standard deviation σ = 10 over 200 000 samples (the standard
    // error of the mean is 0.022, of the deviation about 0.016).
    let noise = &data.noisy - &data.clean;
    let n = noise.len() as f64;
    let mean = noise.sum() / n;
    let sd = (noise.mapv(|e| (e - mean) * (e - mean)).sum() / n).sqrt();
    assert!(mean.abs() < 0.1, "noise mean {mean}");
    assert!((sd - SIGMA).abs() < 0.1, "noise sd {sd}");
}

#[test]
fn signals_are_seeded() {
    let a = signals::signals(5, &mut StdRng::seed_from_u64(3));
    let b = signals::signals(5, &mut StdRng::seed_from_u64(3));
    assert_eq!(a.noisy, b.noisy);
    assert_ne!(
        a.noisy,
        signals::signals(5, &mut StdRng::seed_from_u64(4)).noisy
    );
}

#[test]
fn difference_operator_rows_are_e_i_minus_e_next() {
    let D = difference_operator(5);
    assert_eq!(D.shape(), [4, 5]);
    let ramp = Array1::from_iter((0..5).map(|i| i as f64));
    assert_eq!(D.dot(&ramp), Array1::from_elem(4, -1.0));
    assert_eq!(D.dot(&Array1::ones(5)), Array1::<f64>::zeros(4));
}

fn layer(lambda: f64) -> TvDenoise<f64> {
    tv_baseline(LEN, lambda).unwrap()
}

fn denoise(layer: &TvDenoise<f64>, y: &Array2<f64>) -> (Array2<f64>, Vec<optnet::Status>) {
    let out = layer
        .forward(&TvDenoiseInputs { y: y.view() }, &Solver::cpu())
        .unwrap();
    (out.z, out.status)
}

#[test]
fn tv_layer_limits() {
    let data = signals::signals(3, &mut StdRng::seed_from_u64(2));
    // λ = 0: nothing to smooth, z = y.
    let (z, status) = denoise(&layer(0.0), &data.noisy);
    assert!(status.iter().all(|s| s.is_solved()));
    let err = max_diff(&z, &data.noisy);
    assert!(err < 1e-5, "λ = 0: max |z − y| = {err}");
    // λ large: a constant signal at the mean of y (½‖y − c1‖² is least at the mean).
    let (z, status) = denoise(&layer(1e4), &data.noisy);
    assert!(status.iter().all(|s| s.is_solved()));
    let means = data.noisy.mean_axis(Axis(1)).unwrap();
    for (z, m) in z.outer_iter().zip(means) {
        let err = max_abs(&(&z - m));
        assert!(err < 1e-4 * m.abs(), "λ large: max |z − mean| = {err}");
    }
}

fn loss(layer: &TvDenoise<f64>, y: &Array2<f64>, x: &Array2<f64>) -> f64 {
    let (z, status) = denoise(layer, y);
    assert!(status.iter().all(|s| s.is_solved()));
    mse(z.view(), x.view()).0
}

/// ∂ℓ/∂(D, λ) of the `optnet!` layer for the MSE against `x`.
fn grads(layer: &TvDenoise<f64>, y: &Array2<f64>, x: &Array2<f64>) -> TvDenoiseParams<f64> {
    let out = layer
        .forward(&TvDenoiseInputs { y: y.view() }, &Solver::cpu())
        .unwrap();
    let (_, dz) = mse(out.z.view(), x.view());
    layer
        .backward(&out, &TvDenoiseOutputGrads { z: dz.view() })
        .unwrap()
        .params
}

/// The layer at λ = 12 with D off the difference operator, so that no entry sits at a kink.
fn perturbed() -> TvDenoise<f64> {
    let mut l = layer(12.0);
    l.params_mut().D +=
        &Array2::from_shape_fn((LEN - 1, LEN), |(i, j)| 0.01 * ((3 * i + j) % 5) as f64);
    l
}

#[test]
fn dsl_layer_matches_the_hand_built_one() {
    let data = signals::signals(5, &mut StdRng::seed_from_u64(6));
    let (y, x) = (&data.noisy, &data.clean);
    let l = perturbed();
    let hand = TvLayer::new(TvParams {
        D: l.params().D.clone(),
        lambda: l.params().lambda,
    });
    let solver = Solver::cpu();
    let fwd = hand.forward(y.view(), &solver).unwrap();
    let (z, _) = denoise(&l, y);
    assert!(max_diff(&z, &fwd.z().to_owned()) < 1e-5);
    let (_, dz) = mse(fwd.z(), x.view());
    let h = hand.backward(&fwd, &solver, dz.view()).unwrap();
    let g = grads(&l, y, x);
    let scale = h.D.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(max_diff(&g.D, &h.D) < 1e-5 * scale, "∂ℓ/∂D differs");
    assert!((g.lambda - h.lambda).abs() < 1e-5 * h.lambda.abs().max(1e-3));
}

#[test]
fn gradients_match_finite_differences() {
    let data = signals::signals(4, &mut StdRng::seed_from_u64(9));
    let (y, x) = (&data.noisy, &data.clean);
    let l = perturbed();
    let g = grads(&l, y, x);
    let close = |fd: f64, an: f64| (fd - an).abs() <= 2e-3 * fd.abs().max(1e-2);
    let h = 1e-6;
    for &(i, j) in &[(0, 0), (10, 11), (50, 50), (98, 99), (40, 70)] {
        let (mut lp, mut lm) = (l.clone(), l.clone());
        lp.params_mut().D[[i, j]] += h;
        lm.params_mut().D[[i, j]] -= h;
        let fd = (loss(&lp, y, x) - loss(&lm, y, x)) / (2.0 * h);
        assert!(
            close(fd, g.D[[i, j]]),
            "∂ℓ/∂D[{i},{j}]: {} vs {fd}",
            g.D[[i, j]]
        );
    }
    let (mut lp, mut lm) = (l.clone(), l.clone());
    lp.params_mut().lambda += h;
    lm.params_mut().lambda -= h;
    let fd = (loss(&lp, y, x) - loss(&lm, y, x)) / (2.0 * h);
    assert!(close(fd, g.lambda), "∂ℓ/∂λ: {} vs {fd}", g.lambda);
}

#[test]
fn adam_steps_lower_the_loss_on_a_fixed_batch() {
    let data = signals::signals(20, &mut StdRng::seed_from_u64(4));
    let (y, x) = (&data.noisy, &data.clean);
    let mut l = layer(6.0);
    let before = loss(&l, y, x);
    let mut adam_D = Adam::new(2e-3, &l.params().D);
    let mut lam = Array1::from_elem(1, l.params().lambda);
    let mut adam_lam = Adam::new(0.5, &lam);
    for _ in 0..3 {
        let g = grads(&l, y, x);
        adam_D.step(&mut l.params_mut().D, &g.D);
        adam_lam.step(&mut lam, &Array1::from_elem(1, g.lambda));
        l.params_mut().lambda = lam[0].max(0.0);
    }
    let after = loss(&l, y, x);
    assert!(after < 0.99 * before, "loss {before} → {after}");
}

#[test]
fn row_scale_gradient_is_the_chain_rule_through_diag_w_d0() {
    // D = diag(w)·D₀ is linear in w: ⟨∂ℓ/∂w, δw⟩ = ⟨∂ℓ/∂D, diag(δw)·D₀⟩ for any δw.
    let dD = Array2::from_shape_fn((LEN - 1, LEN), |(i, j)| ((7 * i + 3 * j) % 11) as f64 - 5.0);
    let dw = Array1::from_shape_fn(LEN - 1, |i| ((5 * i) % 7) as f64 - 3.0);
    let lhs = row_scale_grad(dD.view()).dot(&dw);
    let rhs = (&dD * &(&difference_operator(LEN) * &dw.view().insert_axis(Axis(1)))).sum();
    assert!(
        (lhs - rhs).abs() < 1e-9 * rhs.abs().max(1.0),
        "{lhs} vs {rhs}"
    );
}

#[test]
fn row_weight_steps_lower_the_loss_on_a_fixed_batch() {
    let data = signals::signals(20, &mut StdRng::seed_from_u64(4));
    let (y, x) = (&data.noisy, &data.clean);
    let mut l = layer(6.0);
    let before = loss(&l, y, x);
    let mut learner = DLearner::new(Learn::Rows, l.params(), 0.05);
    for _ in 0..3 {
        let g = grads(&l, y, x);
        learner.step(l.params_mut(), &g);
    }
    assert_eq!(l.params().lambda, 6.0, "λ stays fixed when the rows learn");
    let D = &l.params().D;
    for i in 0..LEN - 1 {
        assert_eq!(
            D[[i, i]],
            -D[[i, i + 1]],
            "row {i} is still a scaled difference"
        );
    }
    let after = loss(&l, y, x);
    assert!(after < 0.99 * before, "loss {before} → {after}");
}
