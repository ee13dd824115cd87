//! The OptNet paper's denoising experiment (Amos & Kolter 2017, §5.3): total-variation
//! denoising as a QP layer,
//!
//! ```text
//! z(y) = argmin_z ½‖y − z‖² + λ‖Dz‖₁
//! ```
//!
//! first as the classic baseline (D the first-difference operator, λ chosen by a grid
//! search on training signals), then with D learned end to end ("OptNet tuned TV"):
//! initialized at the difference operator and λ at the baseline's best, trained with Adam
//! on the mean squared error against the clean signals. By default D = diag(w)·D₀ with one
//! weight per difference learned and λ fixed (`--learn rows`); `--learn band` and
//! `--learn full` train D's two diagonals or all of it, with λ (`common::tv_learn` says
//! why the default). The layer is declared with `optnet!` (`examples/common/layers.rs`):
//!
//! ```text
//! pub layer TvDenoise(n) {
//!     input  y: [n];
//!     param  D: [n - 1, n];
//!     param  lambda: nonneg;
//!     variable z: [n];
//!     minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z);
//! }
//! ```
//!
//! The layer is fed each signal minus its mean, and the mean is added back to its output
//! (`--center`, on by default). For the baseline this changes nothing (D·1 = 0 makes TV
//! shift-equivariant), nor for D = diag(w)·D₀; for `--learn band` or `full` it keeps the
//! signals' level (about 55) from dominating the gradient of D through D·1.
//!
//! ```sh
//! cargo run --release --example denoise
//! cargo run --release --example denoise -- --help
//! ```

#![allow(non_snake_case)] // D is the paper's name.

mod common;

use common::cli::{solver_for, Flags};
use common::layers::{tv_baseline, TvDenoise, TvDenoiseInputs, TvDenoiseOutputGrads};
use common::plot::{save_png, Panel, Series};
use common::signals::{self, Signals, LEN};
use common::tv_learn::{DLearner, Learn};
use common::{all_finite, mse, mse_solved, skipped_note, unsolved_note};
use indicatif::{ProgressBar, ProgressStyle};
use optnet::ndarray::{s, Array1, Array2, ArrayView2, Axis};
use optnet::{Solver, Status};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
Total-variation denoising: the classic baseline against a learned OptNet layer.

usage: cargo run --release --example denoise -- [flags]

  --train N        training signals                          (default 9000)
  --test N         held-out signals                          (default 1000)
  --grid N         training signals the λ grid search uses   (default 1000)
  --lambda X       baseline λ, skipping the grid search      (default: search)
  --epochs N       passes of Adam over the training signals  (default 2)
  --batch N        minibatch size                            (default 100)
  --lr X           Adam step size for D (λ's is lr·λ₀)       (default 0.003)
  --learn WHAT     rows (D = diag(w)·D₀, w learned, λ fixed), band (D's two
                   diagonals and λ) or full (every entry of D and λ) (default rows)
  --center B       feed the layer signals minus their mean   (default true)
  --seed N         seed of the data                          (default 0)
  --device D       cpu, cuda or cuda:N                       (default cpu)
  --out PATH       plot, PNG                                 (default target/denoise.png)";

/// Signals solved per call of the solver outside training.
const CHUNK: usize = 500;

/// The settings of a run.
struct Config {
    train: usize,
    test: usize,
    grid: usize,
    lambda: Option<f64>,
    epochs: usize,
    batch: usize,
    lr: f64,
    center: bool,
    learn: Learn,
    seed: u64,
    device: String,
    out: PathBuf,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config() -> Result<Option<Config>, String> {
    let Some(mut f) = Flags::from_env(USAGE)? else {
        return Ok(None);
    };
    let c = Config {
        train: f.get("train", 9000)?,
        test: f.get("test", 1000)?,
        grid: f.get("grid", 1000)?,
        lambda: match f.get("lambda", f64::NAN)? {
            l if l.is_nan() => None,
            l if l >= 0.0 && l.is_finite() => Some(l),
            l => return Err(format!("--lambda must be finite and non-negative, got {l}")),
        },
        epochs: f.get("epochs", 2)?,
        batch: f.get("batch", 100)?,
        lr: f.get("lr", 3e-3)?,
        center: f.get("center", true)?,
        learn: f.get("learn", Learn::Rows)?,
        seed: f.get("seed", 0)?,
        device: f.get("device", "cpu".to_string())?,
        out: f.get("out", PathBuf::from("target/denoise.png"))?,
    };
    f.finish(USAGE)?;
    if c.train == 0 || c.test == 0 || c.grid == 0 || c.batch == 0 {
        return Err("--train, --test, --grid and --batch must be positive".into());
    }
    Ok(Some(c))
}

/// The signals minus their means (as a column), and the means; unchanged (means 0) when
/// `center` is false.
fn centered(y: ArrayView2<'_, f64>, center: bool) -> (Array2<f64>, Array2<f64>) {
    let mean = if center {
        y.mean_axis(Axis(1)).expect("signals are not empty")
    } else {
        Array1::zeros(y.nrows())
    };
    let mean = mean.insert_axis(Axis(1));
    (&y - &mean, mean)
}

/// What [`denoise`] returns.
struct Denoised {
    /// The denoised signals.
    z: Array2<f64>,
    /// Their MSE against the clean signals (over the solved examples).
    mse: f64,
    /// Per-signal solve status.
    status: Vec<Status>,
}

/// Denoises `noisy` with `layer` and scores it against `clean`.
fn denoise(
    layer: &TvDenoise<f64>,
    solver: &Solver,
    noisy: ArrayView2<'_, f64>,
    clean: ArrayView2<'_, f64>,
    center: bool,
) -> Result<Denoised, Box<dyn Error>> {
    let mut out = Array2::zeros(noisy.raw_dim());
    let mut status = Vec::with_capacity(noisy.nrows());
    for (i, y) in noisy.axis_chunks_iter(Axis(0), CHUNK).enumerate() {
        let (yc, mean) = centered(y, center);
        let res = layer.forward(&TvDenoiseInputs { y: yc.view() }, solver)?;
        status.extend_from_slice(&res.status);
        out.slice_mut(s![i * CHUNK..i * CHUNK + y.nrows(), ..])
            .assign(&(&res.z + &mean));
    }
    let (mse, _, _) = mse_solved(out.view(), clean, &status);
    Ok(Denoised {
        z: out,
        mse,
        status,
    })
}

/// The λ of the lowest MSE on the first `n` training signals: a grid of powers of √2
/// from 4 to 64, then eighth-octave steps around the best.
fn grid_search(solver: &Solver, data: &Signals, n: usize) -> Result<f64, Box<dyn Error>> {
    let (noisy, clean) = (data.noisy.slice(s![..n, ..]), data.clean.slice(s![..n, ..]));
    let eval = |lambda: f64| -> Result<f64, Box<dyn Error>> {
        let layer = tv_baseline(LEN, lambda)?;
        let d = denoise(&layer, solver, noisy, clean, false)?;
        println!(
            "  λ = {lambda:7.3}: training MSE {:.3}{}",
            d.mse,
            unsolved_note(&d.status)
        );
        Ok(d.mse)
    };
    let mut best = (f64::NAN, f64::INFINITY);
    let coarse = (4..=12).map(|k| 2f64.powf(k as f64 / 2.0));
    for lambda in coarse {
        let err = eval(lambda)?;
        if err < best.1 {
            best = (lambda, err);
        }
    }
    let center = best.0;
    for k in [-3, -2, -1, 1, 2, 3] {
        let lambda = center * 2f64.powf(k as f64 / 8.0);
        let err = eval(lambda)?;
        if err < best.1 {
            best = (lambda, err);
        }
    }
    Ok(best.0)
}

fn run() -> Result<(), Box<dyn Error>> {
    let Some(c) = config()? else {
        return Ok(());
    };
    let solver = solver_for(&c.device)?;
    let start = Instant::now();
    let mut rng = StdRng::seed_from_u64(c.seed);
    let train = signals::signals(c.train, &mut rng);
    let test = signals::signals(c.test, &mut rng);
    let noise_mse = mse(test.noisy.view(), test.clean.view()).0;
    println!(
        "data: {} training and {} test piecewise-constant signals of length {LEN}, noise σ = {} (test MSE of the noisy signals {noise_mse:.2}; seed {})",
        c.train, c.test, signals::SIGMA, c.seed
    );

    // The baseline: D the difference operator, λ by grid search.
    let lambda0 = match c.lambda {
        Some(l) => l,
        None => {
            let grid = c.grid.min(c.train);
            println!("TV baseline: grid search for λ on {grid} training signals");
            grid_search(&solver, &train, grid)?
        }
    };
    let baseline = tv_baseline(LEN, lambda0)?;
    let base = denoise(
        &baseline,
        &solver,
        test.noisy.view(),
        test.clean.view(),
        false,
    )?;
    println!(
        "TV baseline: λ = {lambda0:.3}, test MSE {:.3}{}  [{:.0} s]",
        base.mse,
        unsolved_note(&base.status),
        start.elapsed().as_secs_f64()
    );

    // OptNet tuned TV: D (and λ) learned from the baseline's starting point
    // (`common::tv_learn` says which entries move and why).
    let mut layer = baseline.clone();
    let D0 = layer.params().D.clone();
    let mut learner = DLearner::new(c.learn, layer.params(), c.lr);
    println!(
        "learned TV ({:?}): D {}×{} from the difference operator, λ from {lambda0:.3}; Adam lr {}{}, batch {}, {} epochs{}",
        c.learn,
        LEN - 1,
        LEN,
        c.lr,
        match c.learn {
            Learn::Rows => " (λ fixed)".to_string(),
            _ => format!(" (λ: {:.4})", c.lr * lambda0),
        },
        c.batch,
        c.epochs,
        if c.center { ", centered signals" } else { "" }
    );
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} signals, {msg} ({elapsed} < {eta})",
    )?
    .progress_chars("=> ");
    let (base_test, base_mse) = (base.z, base.mse);
    let mut curve = vec![(0.0, base_mse)];
    let mut order: Vec<usize> = (0..c.train).collect();
    let mut learned_test = base_test.clone();
    let mut learned_mse = base_mse;
    for epoch in 1..=c.epochs {
        order.shuffle(&mut rng);
        let bar = ProgressBar::new(c.train as u64)
            .with_style(style.clone())
            .with_prefix(format!("epoch {epoch}"));
        let (mut seen, mut loss_sum, mut skipped) = (0usize, 0.0, 0usize);
        let mut status = Vec::with_capacity(c.train);
        for idx in order.chunks(c.batch) {
            let y = train.noisy.select(Axis(0), idx);
            let x = train.clean.select(Axis(0), idx);
            let (yc, mean) = centered(y.view(), c.center);
            let out = layer.forward(&TvDenoiseInputs { y: yc.view() }, &solver)?;
            let z = &out.z + &mean;
            let (loss, dz, left_out) = mse_solved(z.view(), x.view(), &out.status);
            status.extend_from_slice(&out.status);
            let grad = layer
                .backward(&out, &TvDenoiseOutputGrads { z: dz.view() })?
                .params;
            if all_finite(&grad.D) && grad.lambda.is_finite() {
                learner.step(layer.params_mut(), &grad);
            } else {
                skipped += 1;
            }
            if left_out < idx.len() {
                seen += idx.len() - left_out;
                loss_sum += loss * (idx.len() - left_out) as f64;
            }
            bar.inc(idx.len() as u64);
            bar.set_message(format!("MSE {:.3}", loss_sum / seen as f64));
        }
        bar.finish_and_clear();
        let d = denoise(
            &layer,
            &solver,
            test.noisy.view(),
            test.clean.view(),
            c.center,
        )?;
        let dD = &layer.params().D - &D0;
        println!(
            "epoch {epoch}: train MSE {:.3}, test MSE {:.3}, λ = {:.3}, D moved in {} entries (‖D − D₀‖ = {:.3}; first row {:.3} {:.3}, last row {:.3} {:.3}){}{}  [{:.0} s]",
            loss_sum / seen as f64,
            d.mse,
            layer.params().lambda,
            dD.iter().filter(|v| **v != 0.0).count(),
            dD.iter().map(|v| v * v).sum::<f64>().sqrt(),
            layer.params().D[[0, 0]],
            layer.params().D[[0, 1]],
            layer.params().D[[LEN - 2, LEN - 2]],
            layer.params().D[[LEN - 2, LEN - 1]],
            unsolved_note(&[status, d.status].concat()),
            skipped_note(skipped),
            start.elapsed().as_secs_f64()
        );
        curve.push((epoch as f64, d.mse));
        learned_test = d.z;
        learned_mse = d.mse;
    }

    let row = |a: &Array2<f64>| -> Vec<(f64, f64)> {
        a.row(0)
            .iter()
            .enumerate()
            .map(|(j, &v)| (j as f64, v))
            .collect()
    };
    let panels = [
        Panel {
            title: "A test signal".into(),
            x_label: "sample".into(),
            y_label: "value".into(),
            series: vec![
                Series::new("noisy", row(&test.noisy))
                    .width(1)
                    .rgb(170, 170, 170),
                Series::new("clean", row(&test.clean)).rgb(0, 0, 0),
                Series::new(format!("TV baseline (λ = {lambda0:.1})"), row(&base_test)),
                Series::new("learned (OptNet)", row(&learned_test)),
            ],
        },
        Panel {
            title: "Test MSE".into(),
            x_label: "epoch".into(),
            y_label: "MSE".into(),
            series: vec![
                Series::new(
                    "TV baseline",
                    vec![(0.0, base_mse), (c.epochs.max(1) as f64, base_mse)],
                ),
                Series::new("learned", curve),
            ],
        },
    ];
    save_png(&c.out, (1300, 480), &panels)
        .map_err(|e| format!("cannot write {}: {e}", c.out.display()))?;
    println!(
        "plot: {} (total {:.0} s)",
        c.out.display(),
        start.elapsed().as_secs_f64()
    );
    // Paired over the test signals: per-signal MSE of learned minus baseline.
    let per_signal = |z: &Array2<f64>| -> Array1<f64> {
        (z - &test.clean)
            .mapv(|e| e * e)
            .mean_axis(Axis(1))
            .expect("signals are not empty")
    };
    let diff = per_signal(&learned_test) - per_signal(&base_test);
    let n = diff.len() as f64;
    let mean = diff.sum() / n;
    let se = (diff.mapv(|d| (d - mean) * (d - mean)).sum() / (n - 1.0) / n).sqrt();
    let better = diff.iter().filter(|&&d| d < 0.0).count();
    println!(
        "learned − baseline, paired over the {} test signals: {mean:+.3} ± {se:.3} (standard error); better on {better}, worse on {}",
        diff.len(),
        diff.iter().filter(|&&d| d > 0.0).count()
    );
    println!("TV baseline test MSE: {base_mse:.2}");
    println!("learned test MSE: {learned_mse:.2}");
    Ok(())
}
