#![allow(non_snake_case)] // Q, A, G are the paper's names.
//! A QP file solver: reads a batch of QPs from a NumPy `.npz`, solves it, writes the
//! solutions (and, with `--grad`, the gradients of the backward pass) to another `.npz`.
//!
//! ```sh
//! cargo run --release --example solve -- INPUT.npz OUTPUT.npz [--grad DZ.npz] \
//!     [--device cpu|cuda] [--threads N] [--f32]
//! ```
//!
//! INPUT holds `Q q` and optionally `A b`, `G h` (float64, as written by `np.savez` or
//! `np.savez_compressed`), each batched (`Q: [B,n,n]`, `q: [B,n]`, `A: [B,m,n]`, `b: [B,m]`,
//! `G: [B,p,n]`, `h: [B,p]`) or shared by the batch (one dimension fewer).
//!
//! OUTPUT gets `z [B,n]`, `lam [B,p]`, `nu [B,m]`, `s [B,p]` (float64), `iters [B]` and
//! `status [B]` (int32: 0 solved, 1 primal infeasible, 2 dual infeasible, 3 max iterations,
//! 4 numerical error, 5 almost solved, 6 insufficient progress). With `--grad DZ.npz` (array
//! `z`, `[B,n]`, the gradient of a loss with respect to the solution) it also writes `dQ dq
//! dA db dG dh`, each shaped like the input array it belongs to (shared arrays get the sum
//! over the batch).
//!
//! `--f32` converts the data to f32 and solves it as an f32 batch: f32 tolerances, answers
//! rounded to f32 (the arithmetic stays f64 on the CPU and on the GPU, see `Settings`).

use ndarray::{Array1, ArrayD, Ix1, Ix2, Ix3, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter};
use optnet::prelude::*;
use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    input: String,
    output: String,
    grad: Option<String>,
    cuda: bool,
    threads: Option<usize>,
    f32: bool,
}

const USAGE: &str =
    "usage: solve INPUT.npz OUTPUT.npz [--grad DZ.npz] [--device cpu|cuda] [--threads N] [--f32]";

fn parse_args() -> Result<Args, String> {
    let mut pos = vec![];
    let (mut grad, mut cuda, mut threads, mut f32) = (None, false, None, false);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--grad" => grad = Some(it.next().ok_or("--grad needs a file")?),
            "--device" => match it.next().as_deref() {
                Some("cpu") => cuda = false,
                Some("cuda") => cuda = true,
                other => return Err(format!("--device must be cpu or cuda, got {other:?}")),
            },
            "--threads" => {
                let t = it.next().ok_or("--threads needs a number")?;
                threads = Some(
                    t.parse()
                        .map_err(|_| format!("--threads: not a number: {t}"))?,
                );
            }
            "--f32" => f32 = true,
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => pos.push(a),
        }
    }
    if pos.len() != 2 {
        return Err(USAGE.into());
    }
    let output = pos.pop().expect("two positional arguments");
    let input = pos.pop().expect("two positional arguments");
    Ok(Args {
        input,
        output,
        grad,
        cuda,
        threads,
        f32,
    })
}

/// The arrays of the input file, as read (f64, any rank).
struct Input {
    arrays: Vec<(&'static str, ArrayD<f64>)>,
}

impl Input {
    fn get(&self, name: &str) -> Option<&ArrayD<f64>> {
        self.arrays.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

fn read_npz(path: &str) -> Result<NpzReader<File>, String> {
    let f = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    NpzReader::new(f).map_err(|e| format!("{path}: not a readable .npz file: {e}"))
}

/// Reads array `name` as f64 whatever its real dtype: NumPy stores integer-valued data
/// (common in benchmark files) as int8/uint8/int16/… arrays.
fn read_real(npz: &mut NpzReader<File>, path: &str, name: &str) -> Result<ArrayD<f64>, String> {
    macro_rules! try_as {
        ($($t:ty),*) => {$(
            if let Ok(a) = npz.by_name::<ndarray::OwnedRepr<$t>, IxDyn>(name) {
                return Ok(a.mapv(|v| v as f64));
            }
        )*};
    }
    try_as!(f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);
    if let Ok(a) = npz.by_name::<ndarray::OwnedRepr<bool>, IxDyn>(name) {
        return Ok(a.mapv(|v| if v { 1.0 } else { 0.0 }));
    }
    Err(format!(
        "{path}: array `{name}` is not a real numeric array (float, int or bool)"
    ))
}

fn load(path: &str) -> Result<Input, String> {
    let mut npz = read_npz(path)?;
    let names = npz.names().map_err(|e| format!("{path}: {e}"))?;
    let mut arrays = vec![];
    for name in ["Q", "q", "A", "b", "G", "h"] {
        if names.iter().any(|n| n == name) {
            arrays.push((name, read_real(&mut npz, path, name)?));
        }
    }
    Ok(Input { arrays })
}

/// A matrix term: rank 2 shared, rank 3 batched.
fn mat<T: Real>(name: &'static str, a: &ArrayD<f64>) -> Result<Term<'static, T, Ix2>, String> {
    let a = a.mapv(T::of);
    match a.ndim() {
        2 => Ok(a.into_dimensionality::<Ix2>().expect("rank 2").into()),
        3 => Ok(a.into_dimensionality::<Ix3>().expect("rank 3").into()),
        r => Err(format!(
            "array `{name}` has rank {r} (shape {:?}); expected 2 (shared) or 3 (batched)",
            a.shape()
        )),
    }
}

/// A vector term: rank 1 shared, rank 2 batched.
fn vec_term<T: Real>(name: &'static str, a: &ArrayD<f64>) -> Result<Term<'static, T, Ix1>, String> {
    let a = a.mapv(T::of);
    match a.ndim() {
        1 => Ok(a.into_dimensionality::<Ix1>().expect("rank 1").into()),
        2 => Ok(a.into_dimensionality::<Ix2>().expect("rank 2").into()),
        r => Err(format!(
            "array `{name}` has rank {r} (shape {:?}); expected 1 (shared) or 2 (batched)",
            a.shape()
        )),
    }
}

fn build<T: Real>(inp: &Input) -> Result<QpBatch<'static, T>, String> {
    let need = |n: &str| {
        inp.get(n)
            .ok_or_else(|| format!("the input has no array `{n}`"))
    };
    let mut b = QpBatch::builder()
        .Q(mat::<T>("Q", need("Q")?)?)
        .q(vec_term::<T>("q", need("q")?)?);
    if let Some(A) = inp.get("A") {
        b = b.A(mat::<T>("A", A)?);
    }
    if let Some(bb) = inp.get("b") {
        b = b.b(vec_term::<T>("b", bb)?);
    }
    if let Some(G) = inp.get("G") {
        b = b.G(mat::<T>("G", G)?);
    }
    if let Some(h) = inp.get("h") {
        b = b.h(vec_term::<T>("h", h)?);
    }
    b.build().map_err(|e| e.to_string())
}

fn to64<T: Real, D: ndarray::Dimension>(a: &ndarray::Array<T, D>) -> ArrayD<f64> {
    a.mapv(|v| v.to64()).into_dyn()
}

fn term64<T: Real, D: ndarray::Dimension>(t: &Term<'static, T, D>) -> ArrayD<f64>
where
    D::Larger: ndarray::RemoveAxis<Smaller = D>,
{
    match t {
        Term::Shared(a) => a.mapv(|v| v.to64()).into_dyn(),
        Term::Batched(a) => a.mapv(|v| v.to64()).into_dyn(),
    }
}

fn run<T: Real>(args: &Args, inp: &Input) -> Result<(), String> {
    let qp = build::<T>(inp)?;
    let settings = Settings {
        threads: args.threads,
        ..Settings::default()
    };
    let solver = if args.cuda {
        Solver::cuda(0).map_err(|e| e.to_string())?
    } else {
        Solver::cpu()
    };
    let solver = solver.with_settings(settings).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let sol = solver.solve(&qp).map_err(|e| e.to_string())?;
    let solve_time = t.elapsed().as_secs_f64();

    let out = File::create(&args.output).map_err(|e| format!("{}: {e}", args.output))?;
    let mut npz = NpzWriter::new(out);
    let werr = |e: ndarray_npy::WriteNpzError| format!("{}: {e}", args.output);
    npz.add_array("z", &to64(&sol.z)).map_err(werr)?;
    npz.add_array("lam", &to64(&sol.lam)).map_err(werr)?;
    npz.add_array("nu", &to64(&sol.nu)).map_err(werr)?;
    npz.add_array("s", &to64(&sol.s)).map_err(werr)?;
    let iters: Array1<i32> = sol.iters.iter().map(|&i| i as i32).collect();
    let status: Array1<i32> = sol.status.iter().map(|s| s.code()).collect();
    npz.add_array("iters", &iters).map_err(werr)?;
    npz.add_array("status", &status).map_err(werr)?;

    let mut grad_time = None;
    if let Some(gpath) = &args.grad {
        let mut g = read_npz(gpath)?;
        let dz: ArrayD<f64> = g
            .by_name("z")
            .map_err(|e| format!("{gpath}: array `z`: {e}"))?;
        let dz = dz
            .into_dimensionality::<Ix2>()
            .map_err(|_| {
                format!(
                    "{gpath}: array `z` must be [batch, n] = [{}, {}]",
                    qp.batch(),
                    qp.n()
                )
            })?
            .mapv(T::of);
        let t = Instant::now();
        let gr = solver
            .backward(&qp, &sol, dz.view())
            .map_err(|e| format!("{gpath}: {e}"))?;
        grad_time = Some(t.elapsed().as_secs_f64());
        npz.add_array("dQ", &term64(&gr.dQ)).map_err(werr)?;
        npz.add_array("dq", &term64(&gr.dq)).map_err(werr)?;
        if let (Some(dA), Some(db)) = (&gr.dA, &gr.db) {
            npz.add_array("dA", &term64(dA)).map_err(werr)?;
            npz.add_array("db", &term64(db)).map_err(werr)?;
        }
        if let (Some(dG), Some(dh)) = (&gr.dG, &gr.dh) {
            npz.add_array("dG", &term64(dG)).map_err(werr)?;
            npz.add_array("dh", &term64(dh)).map_err(werr)?;
        }
    }
    npz.finish().map_err(werr)?;

    let mut counts: Vec<(Status, usize)> = vec![];
    for s in &sol.status {
        match counts.iter_mut().find(|(k, _)| k == s) {
            Some((_, c)) => *c += 1,
            None => counts.push((*s, 1)),
        }
    }
    let counts: Vec<String> = counts.iter().map(|(s, c)| format!("{c} {s}")).collect();
    let grad = grad_time
        .map(|t| format!(", backward {:.2} ms", t * 1e3))
        .unwrap_or_default();
    println!(
        "batch {} n {} m {} p {} ({}, {}): {}; solve {:.2} ms{grad}",
        qp.batch(),
        qp.n(),
        qp.m(),
        qp.p(),
        T::NAME,
        if args.cuda { "cuda" } else { "cpu" },
        counts.join(", "),
        solve_time * 1e3,
    );
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|args| {
        let inp = load(&args.input)?;
        if args.f32 {
            run::<f32>(&args, &inp)
        } else {
            run::<f64>(&args, &inp)
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("solve: {msg}");
            ExitCode::FAILURE
        }
    }
}
