//! Times the CUDA backend on OptNet's random-QP benchmark (n variables, p inequalities,
//! Q = LLᵀ + 10⁻³I, h = Gz₀ + s₀), forward and forward+backward, in f64 and f32, and prints a
//! table; with the peers' timings (`../shared/peers/peers.py`) it prints the ratios too.
//!
//! ```text
//! cargo run --release --features cuda --example bench -- \
//!     [--data DIR] [--peers peers.json] [--batches 1,8,32,128,512,2048] [--n 100] [--p 100] \
//!     [--reps 5] [--device N] [--json OUT.json] [--tol T] [--no-equilibrate] [--shared] \
//!     [--reuse-grads] [--generic]
//! ```
//!
//! - `--data DIR` reads the problems `peers.py --save DIR` wrote (`DIR/qp_B{B}.npz` with Q, q,
//!   G, h), so both sides time the same data; without it the problems are drawn here.
//! - Times are medians of `--reps` runs after one warm-up. "kernel" is device time of the
//!   solver's kernels alone (CUDA events; the data already on the device, as the peers time
//!   theirs); "e2e" is the wall time of `Solver::solve` (+ `Solver::backward`) from host
//!   arrays to host arrays, copies and host-side gradient assembly included.
//! - The loss is ℓ = Σ z (as in peers.py), so ∂ℓ/∂z = 1.
//! - `--tol T` solves to gap and feasibility tolerances T (`tol_gap_abs`, `tol_gap_rel`,
//!   `tol_feas`) instead of the defaults (1e-10, 1e-10, 1e-9), for comparisons at a peer's
//!   accuracy (qpax stops when its KKT residual's ∞-norm is below 1e-5, qpth at 1e-12 or 20
//!   iterations); it also prints how far those answers are from the default ones (f64:
//!   max |z − z_default| / max(1, ‖z_default‖∞) over the batch).
//! - `--no-equilibrate` solves without Ruiz equilibration (`Settings::equilibrate = false`;
//!   neither peer equilibrates).
//! - `--shared` gives the batch one Q and one G (`Term::Shared`, as a layer's learned
//!   parameters are) and batched q, h (inputs): h = Gz₀ + s₀ with each example's own z₀, s₀.
//!   The peers time batched data only, so the ratios are not printed with it.
//! - `--reuse-grads` times the backward pass as a training loop would call it, into the
//!   previous step's gradients (`Solver::backward_into`: the batched dQ and dG written over in
//!   place) instead of fresh arrays (`Solver::backward`); the answers and gradients, and so
//!   the digests, are the same.
//! - The kernels are specialized for the problem's shape (`Specialization::PerShape`,
//!   compiled at the warm-up call, as a training loop's first step would);
//!   `--generic` times the generic kernels instead (`Specialization::Off`, the solver's
//!   default). The answers and gradients, and so the digests, are the same.

#![allow(non_snake_case)] // Q, G as in the paper

use ndarray::{Array2, Array3, Axis};
use optnet_runtime::{QpBatch, QpGrad, Real, Solution, Solver, Specialization, Status, Term};
use std::time::Instant;

struct Args {
    data: Option<String>,
    peers: Option<String>,
    batches: Vec<usize>,
    n: usize,
    p: usize,
    reps: usize,
    device: usize,
    json: Option<String>,
    tol: Option<f64>,
    equilibrate: bool,
    shared: bool,
    reuse_grads: bool,
    generic: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        data: None,
        peers: None,
        batches: vec![1, 8, 32, 128, 512, 2048],
        n: 100,
        p: 100,
        reps: 5,
        device: 0,
        json: None,
        tol: None,
        equilibrate: true,
        shared: false,
        reuse_grads: false,
        generic: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => a.data = Some(val()?),
            "--peers" => a.peers = Some(val()?),
            "--json" => a.json = Some(val()?),
            "--batches" => {
                a.batches = val()?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|e| format!("--batches: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--n" => a.n = val()?.parse().map_err(|e| format!("--n: {e}"))?,
            "--p" => a.p = val()?.parse().map_err(|e| format!("--p: {e}"))?,
            "--reps" => a.reps = val()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--device" => a.device = val()?.parse().map_err(|e| format!("--device: {e}"))?,
            "--tol" => a.tol = Some(val()?.parse().map_err(|e| format!("--tol: {e}"))?),
            "--no-equilibrate" => a.equilibrate = false,
            "--shared" => a.shared = true,
            "--reuse-grads" => a.reuse_grads = true,
            "--generic" => a.generic = true,
            "-h" | "--help" => {
                println!("see the doc comment of examples/bench.rs");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

#[path = "common/random_qp.rs"]
mod random_qp;
use random_qp::Problems;

/// The benchmark's problems for batch `b`: read from `DIR/qp_B{b}.npz`, or drawn (with
/// `--shared`, Q and G of leading dimension one, shared by the batch).
fn problems(a: &Args, b: usize) -> Result<Problems, String> {
    if a.shared {
        return Ok(random_qp::generate_shared(b, a.n, a.p, b as u64));
    }
    if let Some(dir) = &a.data {
        use ndarray_npy::NpzReader;
        let path = format!("{dir}/qp_B{b}.npz");
        let f = std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?;
        let mut z = NpzReader::new(f).map_err(|e| format!("{path}: {e}"))?;
        let Q: Array3<f64> = z.by_name("Q").map_err(|e| format!("{path} Q: {e}"))?;
        let q: Array2<f64> = z.by_name("q").map_err(|e| format!("{path} q: {e}"))?;
        let G: Array3<f64> = z.by_name("G").map_err(|e| format!("{path} G: {e}"))?;
        let h: Array2<f64> = z.by_name("h").map_err(|e| format!("{path} h: {e}"))?;
        return Ok((Q, q, G, h));
    }
    Ok(random_qp::generate(b, a.n, a.p, b as u64))
}

/// The mean of per-example counts (NaN for none).
fn mean_of(v: &[u32]) -> f64 {
    v.iter().map(|&i| f64::from(i)).sum::<f64>() / v.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// One row of the table.
#[derive(Default, Clone)]
struct Row {
    fwd_kernel: f64,
    fwdbwd_kernel: f64,
    fwd_e2e: f64,
    fwdbwd_e2e: f64,
    solved: usize,
    iters: f64,
    /// The most iterations an example took (a launch lasts as long as its slowest block).
    max_iters: u32,
    /// Mean polishing solves per example (`Solution::polish_solves`).
    polish_solves: f64,
    /// The most factorizations an example took: the start's, one per iteration but the first
    /// (which takes the start's factors), one per polishing solve.
    max_factorizations: u32,
    z0: [f64; 3],
    /// max |z − z_ref| / max(1, ‖z_ref‖∞) against the reference solver's answers (`--tol`).
    z_err: Option<f64>,
    /// The answers, widened to f64 (the f32 row's distance from the f64 row's).
    z: Array2<f64>,
    /// [`digest`] of the warm-up run's answers and gradients.
    digest: u64,
    /// [`grad_digest`] of the warm-up run's gradients.
    grad_digest: u64,
}

/// FNV-1a over the bits of the answers z, λ, s and the gradients ∂ℓ/∂q, ∂ℓ/∂h: kernel
/// variants with equal digests gave bit-identical results.
fn digest<T: Real>(sol: &Solution<T>, g: &QpGrad<T>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: T| {
        for b in x.to64().to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    };
    sol.z
        .iter()
        .chain(&sol.lam)
        .chain(&sol.s)
        .for_each(|&x| eat(x));
    match &g.dq {
        Term::Shared(a) => a.iter().for_each(|&x| eat(x)),
        Term::Batched(a) => a.iter().for_each(|&x| eat(x)),
    }
    match &g.dh {
        Some(Term::Shared(a)) => a.iter().for_each(|&x| eat(x)),
        Some(Term::Batched(a)) => a.iter().for_each(|&x| eat(x)),
        None => {}
    }
    h
}

/// FNV-1a over the bits of every gradient (∂ℓ/∂Q, ∂ℓ/∂q, ∂ℓ/∂A, ∂ℓ/∂b, ∂ℓ/∂G, ∂ℓ/∂h; the
/// matrices that [`digest`] leaves out): host-side assembly variants with equal values wrote
/// bit-identical gradients.
fn grad_digest<T: Real>(g: &QpGrad<T>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: T| {
        for b in x.to64().to_bits().to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    };
    fn each<T: Copy, D: ndarray::Dimension>(t: Option<&Term<'_, T, D>>, f: &mut impl FnMut(T)) {
        match t {
            Some(Term::Shared(a)) => a.iter().for_each(|&x| f(x)),
            Some(Term::Batched(a)) => a.iter().for_each(|&x| f(x)),
            None => {}
        }
    }
    each(Some(&g.dQ), &mut eat);
    each(Some(&g.dq), &mut eat);
    each(g.dA.as_ref(), &mut eat);
    each(g.db.as_ref(), &mut eat);
    each(g.dG.as_ref(), &mut eat);
    each(g.dh.as_ref(), &mut eat);
    h
}

fn time<T: Real>(
    solver: &Solver,
    reference: Option<&Solver>,
    Q: &Array3<f64>,
    q: &Array2<f64>,
    G: &Array3<f64>,
    h: &Array2<f64>,
    a: &Args,
) -> Result<Row, String> {
    let cv = |x: &f64| T::of(*x);
    let (Q, q, G, h) = (Q.map(cv), q.map(cv), G.map(cv), h.map(cv));
    // Q and G of leading dimension one with a larger batch: shared by the batch (`--shared`).
    let shared = Q.shape()[0] == 1 && q.shape()[0] > 1;
    let builder = QpBatch::builder().q(q.view()).h(h.view()).check_psd(false);
    let builder = if shared {
        builder
            .Q(Q.index_axis(Axis(0), 0))
            .G(G.index_axis(Axis(0), 0))
    } else {
        builder.Q(Q.view()).G(G.view())
    };
    let qp = builder.build().map_err(|e| e.to_string())?;
    let b = qp.batch();
    let dl = Array2::<T>::from_elem((b, qp.n()), T::one());
    type Run<T> = (f64, f64, f64, f64, Solution<T>);
    // The gradients of the last call (written over by the next with `--reuse-grads`).
    let mut grads: Option<QpGrad<T>> = None;
    let mut run = || -> Result<Run<T>, String> {
        let t = Instant::now();
        let sol = solver.solve(&qp).map_err(|e| e.to_string())?;
        let fwd = t.elapsed().as_secs_f64() * 1e3;
        let kf = solver.cuda_kernel_ms().map_or(f64::NAN, |k| k.0 as f64);
        let t = Instant::now();
        match grads.as_mut() {
            Some(g) if a.reuse_grads => solver.backward_into(&qp, &sol, dl.view(), g),
            _ => solver
                .backward(&qp, &sol, dl.view())
                .map(|g| grads = Some(g)),
        }
        .map_err(|e| e.to_string())?;
        let bwd = t.elapsed().as_secs_f64() * 1e3;
        let kb = solver.cuda_kernel_ms().map_or(f64::NAN, |k| k.1 as f64);
        Ok((kf, kf + kb, fwd, fwd + bwd, sol))
    };
    let (_, _, _, _, sol) = run()?; // warm-up: compiles the kernels, fills the buffer pools
    let mut rows = (vec![], vec![], vec![], vec![]);
    for _ in 0..a.reps {
        let (a, b2, c, d, _) = run()?;
        rows.0.push(a);
        rows.1.push(b2);
        rows.2.push(c);
        rows.3.push(d);
    }
    let solved = sol.status.iter().filter(|s| s.is_solved()).count();
    let almost = sol
        .status
        .iter()
        .filter(|s| **s == Status::AlmostSolved)
        .count();
    if solved < b {
        let other: Vec<_> = sol.status.iter().filter(|s| !s.is_solved()).collect();
        eprintln!(
            "{} B={b}: {} not solved, e.g. {:?}",
            T::NAME,
            b - solved,
            other.first()
        );
    }
    if almost > 0 {
        eprintln!("{} B={b}: {almost} of the solved are AlmostSolved", T::NAME);
    }
    let iters = mean_of(&sol.iters);
    let z0 = [0, 1, 2].map(|j| sol.z.get([0, j]).map_or(f64::NAN, |x| x.to64()));
    let z_err = match reference {
        Some(r) => {
            let zr = r.solve(&qp).map_err(|e| e.to_string())?.z;
            let to64 = |a: &Array2<T>| a.mapv(|x| x.to64());
            Some(random_qp::z_error(to64(&sol.z).view(), to64(&zr).view()))
        }
        None => None,
    };
    let g = grads.ok_or("no gradients")?;
    Ok(Row {
        fwd_kernel: median(rows.0),
        fwdbwd_kernel: median(rows.1),
        fwd_e2e: median(rows.2),
        fwdbwd_e2e: median(rows.3),
        solved,
        iters,
        max_iters: sol.iters.iter().copied().max().unwrap_or(0),
        polish_solves: mean_of(&sol.polish_solves),
        max_factorizations: (0..b)
            .map(|e| sol.iters[e].max(1) + sol.polish_solves[e])
            .max()
            .unwrap_or(0),
        z0,
        z_err,
        z: sol.z.mapv(|x| x.to64()),
        digest: digest(&sol, &g),
        grad_digest: grad_digest(&g),
    })
}

/// `res[section][batch][field]` from peers.json, by plain text search (the file is small
/// and regular: `{"qpax_f64": {"128": {"fwd_s": 0.0063, ...}, ...}, ...}`).
fn peer(json: &str, section: &str, batch: usize, field: &str) -> Option<f64> {
    let s = &json[json.find(&format!("\"{section}\""))?..];
    let s = &s[s.find(&format!("\"{batch}\""))?..];
    let s = &s[s.find(&format!("\"{field}\""))? + field.len() + 2..];
    let s = s.trim_start_matches([':', ' ']);
    let end = s.find([',', '}', '\n']).unwrap_or(s.len());
    s[..end].trim().parse().ok()
}

fn main() {
    let a = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(2);
        }
    };
    let base = optnet_runtime::Settings {
        equilibrate: a.equilibrate,
        ..optnet_runtime::Settings::default()
    };
    let specialization = if a.generic {
        Specialization::Off
    } else {
        Specialization::PerShape
    };
    let solver = match Solver::cuda(a.device).and_then(|s| s.with_settings(base.clone())) {
        Ok(s) => s.with_cuda_specialization(specialization),
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    // With --tol: the timed solver at those tolerances, the default one as the reference.
    let (solver, reference) = match a.tol {
        None => (solver, None),
        Some(t) => {
            let settings = random_qp::at_tolerance(base.clone(), t);
            match solver.clone().with_settings(settings) {
                Ok(s) => (s, Some(solver)),
                Err(e) => {
                    eprintln!("bench: --tol: {e}");
                    std::process::exit(2);
                }
            }
        }
    };
    let peers = a
        .peers
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let mut out = Vec::new();
    for &b in &a.batches {
        let (Q, q, G, h) = match problems(&a, b) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("bench: {e}");
                std::process::exit(1);
            }
        };
        let r64 = time::<f64>(&solver, reference.as_ref(), &Q, &q, &G, &h, &a);
        let r32 = time::<f32>(&solver, None, &Q, &q, &G, &h, &a);
        match (r64, r32) {
            (Ok(r64), Ok(r32)) => {
                println!(
                    "B={b}: f64 fwd {:.3} ms, fwd+bwd {:.3} ms (e2e {:.2} / {:.2}), solved {}/{b}, iters {:.1} (max {}), polishing solves {:.2} (factorizations max {}), z[0,:3] {:?} | f32 fwd {:.3}, fwd+bwd {:.3} (e2e {:.2} / {:.2}), solved {}/{b}",
                    r64.fwd_kernel, r64.fwdbwd_kernel, r64.fwd_e2e, r64.fwdbwd_e2e, r64.solved, r64.iters, r64.max_iters, r64.polish_solves, r64.max_factorizations, r64.z0,
                    r32.fwd_kernel, r32.fwdbwd_kernel, r32.fwd_e2e, r32.fwdbwd_e2e, r32.solved
                );
                println!(
                    "B={b}: f32 iters {:.1} (max {}), z within {:.2e} of the f64 answers (relative to their ‖z‖∞)",
                    r32.iters,
                    r32.max_iters,
                    random_qp::z_error(r32.z.view(), r64.z.view())
                );
                println!(
                    "B={b}: digest of the answers and gradients: f64 {:016x}, f32 {:016x}",
                    r64.digest, r32.digest
                );
                println!(
                    "B={b}: digest of all gradients: f64 {:016x}, f32 {:016x}",
                    r64.grad_digest, r32.grad_digest
                );
                if let Some(e) = r64.z_err {
                    println!("B={b}: f64 at tol {:e}: z within {e:.2e} of the default tolerances' answers", a.tol.unwrap_or(f64::NAN));
                }
                out.push((b, r64, r32));
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("bench: B={b}: {e}");
                std::process::exit(1);
            }
        }
    }
    // The table (ms, median of reps).
    println!();
    println!("n = {}, p = {}, ms (median of {}); optnet = CUDA kernel time, e2e = host arrays to host arrays", a.n, a.p, a.reps);
    if let Some(t) = a.tol {
        println!("optnet solved to gap and feasibility tolerances {t:e} (--tol), not the defaults");
    }
    if !a.equilibrate {
        println!("optnet solved without Ruiz equilibration (--no-equilibrate)");
    }
    if a.shared {
        println!("Q and G shared by the batch, q and h batched (--shared)");
    }
    println!(
        "f32: f32 data solved in {} arithmetic (OPTNET_CUDA_F32_ARITHMETIC=f32 selects the f32 kernel)",
        if std::env::var("OPTNET_CUDA_F32_ARITHMETIC").as_deref() == Ok("f32") { "f32" } else { "f64" }
    );
    println!("| batch | optnet f64 fwd | optnet f64 fwd+bwd | optnet f32 fwd | optnet f32 fwd+bwd | f64/f32 (fwd+bwd) | e2e f64 fwd | e2e f64 fwd+bwd | qpth f64 fwd+bwd | qpax f64 fwd | qpax f64 fwd+bwd | vs qpth (fwd+bwd) | vs qpax (fwd+bwd) | vs qpax (fwd) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (b, r64, r32) in &out {
        let pk = |sec: &str, f: &str| {
            peers
                .as_deref()
                .and_then(|j| peer(j, sec, *b, f))
                .map(|s| s * 1e3)
        };
        let fmt = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.2}"));
        let ratio =
            |x: Option<f64>, y: f64| x.map_or("–".to_string(), |v| format!("{:.1}×", v / y));
        let qpth = pk("qpth_f64", "fwd_bwd_s");
        let qpax_f = pk("qpax_f64", "fwd_s");
        let qpax = pk("qpax_f64", "fwd_bwd_s");
        println!(
            "| {b} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2}× | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} |",
            r64.fwd_kernel,
            r64.fwdbwd_kernel,
            r32.fwd_kernel,
            r32.fwdbwd_kernel,
            r64.fwdbwd_kernel / r32.fwdbwd_kernel,
            r64.fwd_e2e,
            r64.fwdbwd_e2e,
            fmt(qpth),
            fmt(qpax_f),
            fmt(qpax),
            ratio(qpth, r64.fwdbwd_kernel),
            ratio(qpax, r64.fwdbwd_kernel),
            ratio(qpax_f, r64.fwd_kernel),
        );
    }
    if let Some(path) = &a.json {
        let mut s = String::from("{\n");
        for (i, (b, r64, r32)) in out.iter().enumerate() {
            s += &format!(
                "  \"{b}\": {{\"f64\": {{\"fwd_kernel_ms\": {}, \"fwdbwd_kernel_ms\": {}, \"fwd_e2e_ms\": {}, \"fwdbwd_e2e_ms\": {}, \"solved\": {}, \"iters\": {}}}, \"f32\": {{\"fwd_kernel_ms\": {}, \"fwdbwd_kernel_ms\": {}, \"fwd_e2e_ms\": {}, \"fwdbwd_e2e_ms\": {}, \"solved\": {}, \"iters\": {}}}}}{}\n",
                r64.fwd_kernel, r64.fwdbwd_kernel, r64.fwd_e2e, r64.fwdbwd_e2e, r64.solved, r64.iters,
                r32.fwd_kernel, r32.fwdbwd_kernel, r32.fwd_e2e, r32.fwdbwd_e2e, r32.solved, r32.iters,
                if i + 1 < out.len() { "," } else { "" }
            );
        }
        s += "}\n";
        if let Err(e) = std::fs::write(path, s) {
            eprintln!("bench: writing {path}: {e}");
        }
    }
}
