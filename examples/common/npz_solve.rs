//! The QP file solver of `examples/solve.rs` (its doc describes the files), all but the
//! process itself: [`parse_args`] reads the command line, [`run`] reads INPUT (and DZ),
//! solves, runs the backward pass, writes OUTPUT and returns the summary line. Every bad
//! argument or file is an `Err` with a message that names the file and the array, never a
//! panic; OUTPUT is created only once everything it will hold has been computed, so a bad
//! DZ or a failed solve leaves no partial file. Tested by `tests/all/examples_solve.rs`.

use ndarray::{Array1, ArrayD, Ix1, Ix2, Ix3, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter};
use optnet::prelude::*;
use std::fs::File;
use std::time::Instant;

/// The command line: two files and the options of `examples/solve.rs`.
#[derive(Clone, Debug)]
pub struct Args {
    /// The QP batch to read (`Q q`, optionally `A b`, `G h`).
    pub input: String,
    /// Where the solutions (and gradients) go.
    pub output: String,
    /// `--grad DZ.npz`: the loss gradient with respect to z, array `z` of shape `[B, n]`.
    pub grad: Option<String>,
    /// `--device cuda` (GPU 0) instead of the CPU.
    pub cuda: bool,
    /// `--threads N`: CPU threads (`Settings::threads`).
    pub threads: Option<usize>,
    /// `--f32`: solve the data as an f32 batch.
    pub f32: bool,
}

/// The usage line, also the message of `-h` / `--help` and of a wrong argument count.
pub const USAGE: &str =
    "usage: solve INPUT.npz OUTPUT.npz [--grad DZ.npz] [--device cpu|cuda] [--threads N] [--f32]";

/// Parses the arguments (without the program name).
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut pos = vec![];
    let (mut grad, mut cuda, mut threads, mut f32) = (None, false, None, false);
    let mut it = args.into_iter();
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

/// Reads INPUT, solves (in f32 with `--f32`), runs the backward pass with `--grad`, writes
/// OUTPUT, and returns the one-line summary (sizes, statuses, times).
pub fn run(args: &Args) -> Result<String, String> {
    let inp = load(&args.input)?;
    if args.f32 {
        run_as::<f32>(args, &inp)
    } else {
        run_as::<f64>(args, &inp)
    }
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

/// The QP batch of the input's arrays; `QpBatch::build` checks shapes, batch sizes,
/// finiteness and Q's symmetry and semi-definiteness.
fn build<T: Real>(inp: &Input) -> Result<QpBatch<'static, T>, String> {
    let need = |n: &str| {
        inp.get(n)
            .ok_or_else(|| format!("the input has no array `{n}` (`Q` and `q` are required)"))
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

/// Array `z` of the DZ file, checked to be `[batch, n]`.
fn read_dz<T: Real>(path: &str, batch: usize, n: usize) -> Result<ndarray::Array2<T>, String> {
    let mut g = read_npz(path)?;
    let names = g.names().map_err(|e| format!("{path}: {e}"))?;
    if !names.iter().any(|x| x == "z") {
        return Err(format!("{path}: no array `z` (the loss gradient dl/dz)"));
    }
    let dz = read_real(&mut g, path, "z")?;
    if dz.shape() != [batch, n] {
        return Err(format!(
            "{path}: array `z` has shape {:?}; expected [batch, n] = [{batch}, {n}]",
            dz.shape()
        ));
    }
    Ok(dz.into_dimensionality::<Ix2>().expect("rank 2").mapv(T::of))
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

fn run_as<T: Real>(args: &Args, inp: &Input) -> Result<String, String> {
    let qp = build::<T>(inp).map_err(|e| format!("{}: {e}", args.input))?;
    // DZ is read and checked before the solve, so a bad one costs no solve.
    let dz = match &args.grad {
        Some(path) => Some(read_dz::<T>(path, qp.batch(), qp.n())?),
        None => None,
    };
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

    let mut grads = vec![];
    let mut grad_time = None;
    if let (Some(dz), Some(gpath)) = (&dz, &args.grad) {
        let t = Instant::now();
        let gr = solver
            .backward(&qp, &sol, dz.view())
            .map_err(|e| format!("{gpath}: {e}"))?;
        grad_time = Some(t.elapsed().as_secs_f64());
        grads.push(("dQ", term64(&gr.dQ)));
        grads.push(("dq", term64(&gr.dq)));
        if let (Some(dA), Some(db)) = (&gr.dA, &gr.db) {
            grads.push(("dA", term64(dA)));
            grads.push(("db", term64(db)));
        }
        if let (Some(dG), Some(dh)) = (&gr.dG, &gr.dh) {
            grads.push(("dG", term64(dG)));
            grads.push(("dh", term64(dh)));
        }
        // An input A/b or G/h with no rows (m = 0 or p = 0) has no gradient in the library's
        // answer; its file gets the empty array of the input's shape all the same.
        for (d, a) in [("dA", "A"), ("db", "b"), ("dG", "G"), ("dh", "h")] {
            if let Some(x) = inp.get(a).filter(|_| grads.iter().all(|(n, _)| *n != d)) {
                grads.push((d, ArrayD::zeros(x.shape())));
            }
        }
    }

    let out = File::create(&args.output).map_err(|e| format!("{}: {e}", args.output))?;
    let mut npz = NpzWriter::new(out);
    let werr = |e: ndarray_npy::WriteNpzError| format!("{}: {e}", args.output);
    npz.add_array("z", &to64(&sol.z)).map_err(werr)?;
    npz.add_array("lam", &to64(&sol.lam)).map_err(werr)?;
    npz.add_array("nu", &to64(&sol.nu)).map_err(werr)?;
    npz.add_array("s", &to64(&sol.s)).map_err(werr)?;
    let iters: Array1<i32> = sol.iters.iter().map(|&i| i as i32).collect();
    let status: Array1<i32> = sol.status.iter().map(|s| s.code()).collect();
    let polish: Array1<i32> = sol.polish_solves.iter().map(|&i| i as i32).collect();
    npz.add_array("iters", &iters).map_err(werr)?;
    npz.add_array("polish_solves", &polish).map_err(werr)?;
    npz.add_array("status", &status).map_err(werr)?;
    for (name, g) in &grads {
        npz.add_array(*name, g).map_err(werr)?;
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
    Ok(format!(
        "batch {} n {} m {} p {} ({}, {}): {}; solve {:.2} ms{grad}",
        qp.batch(),
        qp.n(),
        qp.m(),
        qp.p(),
        T::NAME,
        if args.cuda { "cuda" } else { "cpu" },
        counts.join(", "),
        solve_time * 1e3,
    ))
}
