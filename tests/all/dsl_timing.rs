//! How much of a TV layer's forward + backward is the generated code (building the
//! canonical QP, and the vector-Jacobian products of its data) rather than the solver.
//!
//! `cargo test --release --test all dsl_timing:: -- --ignored --nocapture`

use crate::examples_common::layers::{
    TvDenoise, TvDenoiseInputs, TvDenoiseOutputGrads, TvDenoiseParams,
};
use optnet::ndarray::Array2;
use optnet::prelude::*;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[test]
#[ignore = "a measurement, not a check: run in release"]
fn tv_share_of_generated_code() {
    let (n, batch, reps) = (100, 128, 7);
    let mut d = Array2::<f64>::zeros((n - 1, n));
    for i in 0..n - 1 {
        d[[i, i]] = -1.0;
        d[[i, i + 1]] = 1.0;
    }
    let layer = TvDenoise::new(n, TvDenoiseParams { D: d, lambda: 0.5 }).unwrap();
    let y = Array2::from_shape_fn((batch, n), |(b, i)| {
        let step = if i < n / 2 { 0.0 } else { 1.0 };
        step + 0.3 * (((b * 31 + i * 17) % 23) as f64 / 23.0 - 0.5)
    });
    let inputs = TvDenoiseInputs { y: y.view() };
    let solver = Solver::cpu();
    let dz = Array2::from_elem((batch, n), 1.0 / (batch * n) as f64);
    let (mut canon, mut fwd, mut bwd, mut vjp) = (vec![], vec![], vec![], vec![]);
    for _ in 0..reps {
        let t = Instant::now();
        let qp = layer.canonicalize(&inputs).unwrap();
        canon.push(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let out = layer.forward(&inputs, &solver).unwrap();
        fwd.push(t.elapsed().as_secs_f64());
        assert!(out.status.iter().all(|s| *s == Status::Solved));

        let t = Instant::now();
        let g = layer
            .backward(&out, &TvDenoiseOutputGrads { z: dz.view() })
            .unwrap();
        bwd.push(t.elapsed().as_secs_f64());

        // The generated VJP alone: backward_qp = canonicalize + VJP.
        let t = Instant::now();
        let _ = layer.backward_qp(&inputs, g.qp.clone()).unwrap();
        vjp.push((t.elapsed().as_secs_f64() - canon.last().unwrap()).max(0.0));
        drop(qp);
    }
    let (c, f, b, v) = (median(canon), median(fwd), median(bwd), median(vjp));
    let share = (c + v) / (f + b);
    println!(
        "TV n = {n}, batch {batch}: canonicalize {:.3} ms, VJP {:.3} ms; forward {:.3} ms, \
         backward {:.3} ms; generated code = {:.3}% of forward + backward",
        c * 1e3,
        v * 1e3,
        f * 1e3,
        b * 1e3,
        100.0 * share
    );
}
