//! The OptNet paper's mini-Sudoku experiment (Amos & Kolter 2017, §5.4): a single QP layer
//!
//! ```text
//! z = argmin_z ½·0.1‖z‖² − puzzleᵀz   subject to  Az = A·exp(w),  z ≥ 0
//! ```
//!
//! with A (40×64) and w learned from 9000 solved 4×4 puzzles, told nothing about the rules.
//! Trained with Adam on the mean squared error against the one-hot solution; a board is
//! counted right when every cell's largest entry is the right digit.
//!
//! The layer is declared with `optnet!` (`examples/common/layers.rs`):
//!
//! ```text
//! pub layer Sudoku(nz, neq) {
//!     input  p: [nz];
//!     param  A: [neq, nz];
//!     param  w: [nz];
//!     variable z: [nz];
//!     minimize 0.05 * sum_squares(z) - p.T * z;
//!     subject to A * z == A * exp(w), z >= 0;
//! }
//! ```
//!
//! ```sh
//! cargo run --release --example sudoku               # CPU, all cores
//! cargo run --release --example sudoku -- --help     # flags
//! cargo run --release --features cuda --example sudoku -- --device cuda
//! ```

#![allow(non_snake_case)] // A, Q, G are the paper's names.

mod common;

use common::cli::{solver_for, Flags};
use common::layers::{sudoku_init, Sudoku, SudokuInputs, SudokuOutputGrads};
use common::plot::{save_png, Panel, Series};
use common::sudoku_data::{self, Puzzle};
use common::{adam::Adam, all_finite, mse_solved, skipped_note, unsolved_note};
use indicatif::{ProgressBar, ProgressStyle};
use optnet::ndarray::{Array2, Axis};
use optnet::{Solver, Status};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
Learn mini-Sudoku (4×4) with one OptNet QP layer (the OptNet paper's experiment).

usage: cargo run --release --example sudoku -- [flags]

  --train N      training puzzles                   (default 9000)
  --test N       held-out puzzles                   (default 1000)
  --epochs N     passes over the training puzzles   (default 10)
  --batch N      minibatch size                     (default 150)
  --lr X         Adam step size                     (default 0.1)
  --lr-drop N    divide the step size by 10 after epoch N, 0 never (default 5)
  --neq N        rows of the learned equality matrix A (default 40)
  --seed N       seed of the data and of A's initialization (default 0)
  --device D     cpu, cuda or cuda:N                (default cpu)
  --out PATH     learning curves, PNG               (default target/sudoku.png)";

/// The settings of a run.
struct Config {
    train: usize,
    test: usize,
    epochs: usize,
    batch: usize,
    lr: f64,
    lr_drop: usize,
    neq: usize,
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
        epochs: f.get("epochs", 10)?,
        batch: f.get("batch", 150)?,
        lr: f.get("lr", 0.1)?,
        lr_drop: f.get("lr-drop", 5)?,
        neq: f.get("neq", 40)?,
        seed: f.get("seed", 0)?,
        device: f.get("device", "cpu".to_string())?,
        out: f.get("out", PathBuf::from("target/sudoku.png"))?,
    };
    f.finish(USAGE)?;
    if c.train == 0 || c.test == 0 || c.batch == 0 || c.neq == 0 {
        return Err("--train, --test, --batch and --neq must be positive".into());
    }
    Ok(Some(c))
}

/// Loss and error of the layer on a data set, solved in chunks of `chunk` puzzles.
struct Eval {
    loss: f64,
    error: f64,
    status: Vec<Status>,
}

fn evaluate(
    layer: &Sudoku<f64>,
    solver: &Solver,
    x: &Array2<f64>,
    y: &Array2<f64>,
    chunk: usize,
) -> Result<Eval, Box<dyn Error>> {
    let (mut loss, mut wrong, mut unsolved) = (0.0, 0, 0);
    let mut status = Vec::with_capacity(x.nrows());
    for (xc, yc) in x
        .axis_chunks_iter(Axis(0), chunk)
        .zip(y.axis_chunks_iter(Axis(0), chunk))
    {
        let out = layer.forward(&SudokuInputs { p: xc }, solver)?;
        let (l, _, left_out) = mse_solved(out.z.view(), yc, &out.status);
        if left_out < xc.nrows() {
            loss += l * (xc.nrows() - left_out) as f64;
        }
        unsolved += left_out;
        status.extend_from_slice(&out.status);
        // A puzzle whose QP was not solved counts as wrong.
        for ((z, t), st) in out.z.outer_iter().zip(yc.outer_iter()).zip(&out.status) {
            if !st.is_solved()
                || sudoku_data::decode(&z.to_vec()) != sudoku_data::decode(&t.to_vec())
            {
                wrong += 1;
            }
        }
    }
    let n = x.nrows() as f64;
    Ok(Eval {
        loss: loss / (n - unsolved as f64),
        error: wrong as f64 / n,
        status,
    })
}

fn run() -> Result<(), Box<dyn Error>> {
    let Some(c) = config()? else {
        return Ok(());
    };
    let solver = solver_for(&c.device)?;
    let start = Instant::now();
    let mut rng = StdRng::seed_from_u64(c.seed);

    let train: Vec<Puzzle> = sudoku_data::puzzles(c.train, &mut rng);
    let test: Vec<Puzzle> = sudoku_data::puzzles(c.test, &mut rng);
    let (x_train, y_train) = sudoku_data::encode(&train);
    let (x_test, y_test) = sudoku_data::encode(&test);
    let clues = |ps: &[Puzzle]| {
        ps.iter()
            .map(|p| p.clues.iter().filter(|&&d| d != 0).count())
            .sum::<usize>() as f64
            / ps.len() as f64
    };
    println!(
        "data: {} training and {} held-out 4×4 puzzles with unique solutions, {:.1} clues on average (seed {})",
        c.train,
        c.test,
        clues(&train),
        c.seed
    );

    let mut layer = sudoku_init(sudoku_data::ONE_HOT, c.neq, &mut rng)?;
    let mut adam_A = Adam::new(c.lr, &layer.params().A);
    let mut adam_w = Adam::new(c.lr, &layer.params().w);
    println!(
        "model: z = argmin ½·0.1‖z‖² − pᵀz s.t. Az = A·exp(w), z ≥ 0; A {}×64, w 64; Adam lr {}{}, batch {}, device {}",
        c.neq,
        c.lr,
        match c.lr_drop {
            0 => String::new(),
            k => format!(" (÷10 after epoch {k})"),
        },
        c.batch,
        c.device
    );

    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {pos}/{len} puzzles, {msg} ({elapsed} < {eta})",
    )?
    .progress_chars("=> ");
    let mut curve: Vec<(f64, f64, f64)> = Vec::new();
    let init = evaluate(&layer, &solver, &x_test, &y_test, 500)?;
    println!(
        "epoch  0: test loss {:.5}, test error {:5.1}%",
        init.loss,
        100.0 * init.error
    );
    let mut test_curve = vec![(0.0, init.loss, init.error)];

    let mut order: Vec<usize> = (0..c.train).collect();
    for epoch in 1..=c.epochs {
        if c.lr_drop > 0 && epoch == c.lr_drop + 1 {
            // The paper's step size learns the constraints within a few epochs; a tenth of
            // it afterwards settles Adam's steps around them.
            adam_A.lr = c.lr / 10.0;
            adam_w.lr = c.lr / 10.0;
        }
        order.shuffle(&mut rng);
        let bar = ProgressBar::new(c.train as u64)
            .with_style(style.clone())
            .with_prefix(format!("epoch {epoch:>2}"));
        let (mut seen, mut loss_sum, mut skipped) = (0usize, 0.0, 0usize);
        let mut status = Vec::with_capacity(c.train);
        for idx in order.chunks(c.batch) {
            let x = x_train.select(Axis(0), idx);
            let y = y_train.select(Axis(0), idx);
            let out = layer.forward(&SudokuInputs { p: x.view() }, &solver)?;
            let (loss, dz, left_out) = mse_solved(out.z.view(), y.view(), &out.status);
            status.extend_from_slice(&out.status);
            let grad = layer
                .backward(&out, &SudokuOutputGrads { z: dz.view() })?
                .params;
            drop(out);
            if all_finite(&grad.A) && all_finite(&grad.w) {
                let params = layer.params_mut();
                adam_A.step(&mut params.A, &grad.A);
                adam_w.step(&mut params.w, &grad.w);
            } else {
                skipped += 1;
            }
            if left_out < idx.len() {
                seen += idx.len() - left_out;
                loss_sum += loss * (idx.len() - left_out) as f64;
            }
            bar.inc(idx.len() as u64);
            bar.set_message(format!("loss {:.5}", loss_sum / seen as f64));
        }
        bar.finish_and_clear();
        let train_loss = loss_sum / seen as f64;
        let ev = evaluate(&layer, &solver, &x_test, &y_test, 500)?;
        println!(
            "epoch {epoch:>2}: train loss {train_loss:.5}, test loss {:.5}, test error {:5.1}%{}{}  [{:.0} s]",
            ev.loss,
            100.0 * ev.error,
            unsolved_note(&[status, ev.status].concat()),
            skipped_note(skipped),
            start.elapsed().as_secs_f64(),
        );
        curve.push((epoch as f64, train_loss, ev.loss));
        test_curve.push((epoch as f64, ev.loss, ev.error));
    }

    let panels = [
        Panel {
            title: "Sudoku: loss (MSE)".into(),
            x_label: "epoch".into(),
            y_label: "MSE".into(),
            series: vec![
                Series::new("train", curve.iter().map(|p| (p.0, p.1)).collect()),
                Series::new("test", test_curve.iter().map(|p| (p.0, p.1)).collect()),
            ],
        },
        Panel {
            title: "Sudoku: test error".into(),
            x_label: "epoch".into(),
            y_label: "boards wrong (%)".into(),
            series: vec![Series::new(
                "test error",
                test_curve.iter().map(|p| (p.0, 100.0 * p.2)).collect(),
            )],
        },
    ];
    save_png(&c.out, (1200, 480), &panels)
        .map_err(|e| format!("cannot write {}: {e}", c.out.display()))?;
    println!(
        "learning curves: {} (total {:.0} s)",
        c.out.display(),
        start.elapsed().as_secs_f64()
    );
    let final_error = test_curve.last().map_or(init.error, |p| p.2);
    println!("final test error: {:.1}%", 100.0 * final_error);
    Ok(())
}
