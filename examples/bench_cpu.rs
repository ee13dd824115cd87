#![allow(non_snake_case)] // Q, G are the paper's names.
//! CPU benchmark on OptNet's random QPs (n = p = 100, Q = LLᵀ + 10⁻³I, G ~ N(0,1),
//! h = Gz₀ + s₀, as `shared/peers/peers.py`): forward and forward+backward, batch 1, 128
//! and 2048, one thread and all cores, f64 and f32. Prints a Markdown table.
//!
//! ```sh
//! cargo run --release --example bench_cpu [-- --batches 1,128,2048 --reps 3] [--no-lockstep] [--tol T] [--shared]
//! ```
//!
//! `--no-lockstep` solves every example alone (`Settings::lockstep = false`) instead of four
//! at a time in SIMD lanes. `--tol T` solves to gap and feasibility tolerances T instead of
//! the defaults (1e-10, 1e-10, 1e-9), for comparisons at a peer's accuracy (qpax stops at a
//! KKT residual of 1e-5), and prints how far the f64 answers are from the default ones.
//! `--shared` gives the batch one Q and one G (`Term::Shared`, as a layer's learned
//! parameters) and batched q, h (`random_qp::generate_shared`).

use ndarray::{Array2, Array3, Axis};
use optnet::prelude::*;
use std::time::Instant;

#[path = "common/random_qp.rs"]
mod random_qp;

/// One batch of benchmark problems.
struct Problems {
    Q: Array3<f64>,
    q: Array2<f64>,
    G: Array3<f64>,
    h: Array2<f64>,
}

fn generate(batch: usize, n: usize, p: usize, seed: u64, shared: bool) -> Problems {
    let (Q, q, G, h) = if shared {
        random_qp::generate_shared(batch, n, p, seed)
    } else {
        random_qp::generate(batch, n, p, seed)
    };
    Problems { Q, q, G, h }
}

/// The QP batch of `Q, q, G, h`; Q and G of leading dimension one with a larger batch are
/// shared by the batch (`--shared`).
fn qp_batch<'a, T: Real>(
    Q: &'a Array3<T>,
    q: &'a Array2<T>,
    G: &'a Array3<T>,
    h: &'a Array2<T>,
) -> Result<QpBatch<'a, T>, Error> {
    // Q = LLᵀ + 10⁻³I is PSD by construction: skip the check, as a layer would.
    let builder = QpBatch::builder().q(q).h(h).check_psd(false);
    let builder = if Q.shape()[0] == 1 && q.shape()[0] > 1 {
        builder
            .Q(Q.index_axis(Axis(0), 0))
            .G(G.index_axis(Axis(0), 0))
    } else {
        builder.Q(Q).G(G)
    };
    builder.build()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// (forward seconds, forward+backward seconds, solved count, mean iterations)
fn time<T: Real>(
    pr: &Problems,
    solver: &Solver,
    reps: usize,
) -> Result<(f64, f64, usize, f64), Error> {
    let cast3 = |a: &Array3<f64>| a.mapv(T::of);
    let cast2 = |a: &Array2<f64>| a.mapv(T::of);
    let (Q, q, G, h) = (cast3(&pr.Q), cast2(&pr.q), cast3(&pr.G), cast2(&pr.h));
    let qp = qp_batch(&Q, &q, &G, &h)?;
    let dz = Array2::<T>::ones(q.dim());
    let mut fwd = vec![];
    let mut both = vec![];
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let sol = solver.solve(&qp)?;
        fwd.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let sol2 = solver.solve(&qp)?;
        solver.backward(&qp, &sol2, dz.view())?;
        both.push(t.elapsed().as_secs_f64());
        last = Some(sol);
    }
    let sol = last.expect("reps ≥ 1");
    let solved = sol.status.iter().filter(|s| **s == Status::Solved).count();
    if solved < sol.status.len() {
        let mut other: Vec<String> = sol
            .status
            .iter()
            .filter(|s| **s != Status::Solved)
            .map(|s| s.to_string())
            .collect();
        other.sort();
        other.dedup();
        eprintln!("{}: not solved: {other:?}", T::NAME);
    }
    let iters = sol.iters.iter().map(|&i| i as f64).sum::<f64>() / sol.iters.len() as f64;
    Ok((median(fwd), median(both), solved, iters))
}

/// How far `solver`'s f64 answers are from `reference`'s ([`random_qp::z_error`]).
fn z_error(pr: &Problems, solver: &Solver, reference: &Solver) -> Result<f64, Error> {
    let qp = qp_batch(&pr.Q, &pr.q, &pr.G, &pr.h)?;
    let (z, zr) = (solver.solve(&qp)?.z, reference.solve(&qp)?.z);
    Ok(random_qp::z_error(z.view(), zr.view()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let mut batches = vec![1usize, 128, 2048];
    let mut reps = 3usize;
    let mut lockstep = true;
    let mut tol: Option<f64> = None;
    let mut shared = false;
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--batches" => {
                batches = args
                    .get(i + 1)
                    .ok_or("--batches needs a list")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
                i += 1;
            }
            "--reps" => {
                reps = args.get(i + 1).ok_or("--reps needs a number")?.parse()?;
                i += 1;
            }
            "--no-lockstep" => lockstep = false,
            "--shared" => shared = true,
            "--tol" => {
                tol = Some(args.get(i + 1).ok_or("--tol needs a number")?.parse()?);
                i += 1;
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 1;
    }
    let (n, p) = (100, 100);
    let cores = std::thread::available_parallelism()
        .map(|c| c.get())
        .unwrap_or(1);
    println!("OptNet random QPs, n = {n}, p = {p}; median of {reps}; {cores} cores available");
    if shared {
        println!("Q and G shared by the batch, q and h batched (--shared)");
    }
    match tol {
        Some(t) => println!("gap and feasibility tolerances {t:e} (--tol), not the defaults\n"),
        None => println!(),
    }
    println!("| batch | dtype | threads | forward (s) | fwd+bwd (s) | solved | mean iters |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for &b in &batches {
        let pr = generate(b, n, p, 0, shared);
        for threads in [1, cores] {
            let defaults = Settings {
                threads: Some(threads),
                lockstep,
                ..Settings::default()
            };
            let settings = match tol {
                Some(t) => random_qp::at_tolerance(defaults.clone(), t),
                None => defaults.clone(),
            };
            let solver = Solver::cpu().with_settings(settings)?;
            if tol.is_some() && threads == cores {
                let reference = Solver::cpu().with_settings(defaults)?;
                let err = z_error(&pr, &solver, &reference)?;
                println!("(batch {b}: f64 z within {err:.2e} of the default tolerances' answers)");
            }
            let (f, fb, solved, it) = time::<f64>(&pr, &solver, reps)?;
            println!("| {b} | f64 | {threads} | {f:.4} | {fb:.4} | {solved}/{b} | {it:.1} |");
            let (f, fb, solved, it) = time::<f32>(&pr, &solver, reps)?;
            println!("| {b} | f32 | {threads} | {f:.4} | {fb:.4} | {solved}/{b} | {it:.1} |");
        }
    }
    Ok(())
}
