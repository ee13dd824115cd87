//! The QP file solver, `examples/solve.rs`, end to end through its module
//! (`examples/common/npz_solve.rs`): input files written here as NumPy writes them, the
//! output read back and checked against Clarabel, against the KKT conditions of the QP, and
//! (the gradients) against central differences of Clarabel's solutions; bad arguments and
//! files give an error that names the problem and leave no output file.

#![allow(non_snake_case)]

#[path = "../../examples/common/npz_solve.rs"]
mod npz_solve;

use crate::dsl_common::{clarabel, max_abs, Dense};
use ndarray_npy::{NpzReader, NpzWriter};
use npz_solve::{parse_args, run};
use optnet::ndarray::{s, Array1, Array2, Array3, ArrayD, Axis, IxDyn, OwnedRepr};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::fs::File;
use std::path::PathBuf;

/// A fresh directory under the system's temp dir, unique to this process and test, removed
/// when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "optnet-examples-solve-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file's arrays by name, in the order written.
type Arrays = Vec<(&'static str, ArrayD<f64>)>;

/// The QP data of a file: `Q [B,n,n]`, `q [B,n]`, `G [B,p,n]`, `h [B,p]` batched, `A [m,n]`,
/// `b [m]` shared (as in the issue's example), G/h absent when `p = 0`.
#[derive(Clone)]
struct Data {
    Q: Array3<f64>,
    q: Array2<f64>,
    A: Array2<f64>,
    b: Array1<f64>,
    G: Array3<f64>,
    h: Array2<f64>,
}

impl Data {
    /// A feasible batch: Q = LLᵀ + I, and h = Gz₀ + s₀ with Az₀ = b and s₀ ∈ [0, 0.5), so
    /// that some inequalities are active at the solution and others not.
    fn random(seed: u64, (B, n, m, p): (usize, usize, usize, usize)) -> Data {
        let mut r = StdRng::seed_from_u64(seed);
        let mut randn = |shape: &[usize]| {
            ArrayD::from_shape_simple_fn(IxDyn(shape), || r.sample::<f64, _>(StandardNormal))
        };
        let A = randn(&[m, n]).into_dimensionality().unwrap();
        let b = randn(&[m]).into_dimensionality().unwrap();
        let G: Array3<f64> = randn(&[B, p, n]).into_dimensionality().unwrap();
        let q = randn(&[B, n]).into_dimensionality().unwrap();
        let L: Array3<f64> = randn(&[B, n, n]).into_dimensionality().unwrap();
        let w: Array2<f64> = randn(&[B, n]).into_dimensionality().unwrap();
        let mut Q = Array3::zeros((B, n, n));
        let mut h = Array2::zeros((B, p));
        let mut r = StdRng::seed_from_u64(seed + 1);
        for i in 0..B {
            let Li = L.index_axis(Axis(0), i);
            Q.index_axis_mut(Axis(0), i)
                .assign(&(Li.dot(&Li.t()) + Array2::<f64>::eye(n)));
            // z₀ = w + Aᵀ(AAᵀ)⁻¹(b − Aw), for m ≤ 1 (the tests' sizes).
            let mut z0 = w.row(i).to_owned();
            if m == 1 {
                let a = A.row(0);
                z0 = &z0 + &(&a * ((b[0] - a.dot(&z0)) / a.dot(&a)));
            }
            let s0 = Array1::from_shape_simple_fn(p, || 0.5 * r.random::<f64>());
            h.row_mut(i)
                .assign(&(G.index_axis(Axis(0), i).dot(&z0) + s0));
        }
        Data { Q, q, A, b, G, h }
    }

    /// Example `i` as a dense QP (for Clarabel and the KKT check).
    fn example(&self, i: usize) -> Dense {
        Dense {
            Q: self.Q.index_axis(Axis(0), i).to_owned(),
            q: self.q.row(i).to_owned(),
            A: self.A.clone(),
            b: self.b.clone(),
            G: self.G.index_axis(Axis(0), i).to_owned(),
            h: self.h.row(i).to_owned(),
        }
    }

    /// The file's arrays: all six, or four without G/h when p = 0.
    fn arrays(&self) -> Arrays {
        let mut v = vec![
            ("Q", self.Q.clone().into_dyn()),
            ("q", self.q.clone().into_dyn()),
            ("A", self.A.clone().into_dyn()),
            ("b", self.b.clone().into_dyn()),
        ];
        if self.h.ncols() > 0 {
            v.push(("G", self.G.clone().into_dyn()));
            v.push(("h", self.h.clone().into_dyn()));
        }
        v
    }
}

fn write_npz(path: &str, arrays: &[(&str, ArrayD<f64>)]) {
    let mut npz = NpzWriter::new(File::create(path).unwrap());
    for (name, a) in arrays {
        npz.add_array(*name, a).unwrap();
    }
    npz.finish().unwrap();
}

/// The output file, read back: the names it holds, and its arrays by dtype (reading fails
/// unless the stored dtype is exactly float64, resp. int32).
struct Output(NpzReader<File>);

/// The arrays every output file holds (sorted), after any gradients.
const SOLUTION_ARRAYS: [&str; 7] = ["iters", "lam", "nu", "polish_solves", "s", "status", "z"];
/// Every gradient of a QP with inequalities and equalities (sorted).
const ALL_GRADIENTS: [&str; 6] = ["dA", "dG", "dQ", "db", "dh", "dq"];

/// The sorted names of an output file holding `grads` (sorted, each before "iters") and the
/// solution's arrays.
fn names_with(grads: &[&str]) -> Vec<String> {
    grads
        .iter()
        .chain(&SOLUTION_ARRAYS)
        .map(|s| s.to_string())
        .collect()
}

impl Output {
    fn open(path: &str) -> Output {
        Output(NpzReader::new(File::open(path).unwrap()).unwrap())
    }

    fn names(&mut self) -> Vec<String> {
        let mut n = self.0.names().unwrap();
        n.sort();
        n
    }

    fn f64(&mut self, name: &str) -> ArrayD<f64> {
        self.0
            .by_name::<OwnedRepr<f64>, IxDyn>(name)
            .unwrap_or_else(|e| panic!("array `{name}` as float64: {e}"))
    }

    fn i32(&mut self, name: &str) -> ArrayD<i32> {
        self.0
            .by_name::<OwnedRepr<i32>, IxDyn>(name)
            .unwrap_or_else(|e| panic!("array `{name}` as int32: {e}"))
    }
}

fn args(v: &[&str]) -> npz_solve::Args {
    parse_args(v.iter().map(|a| a.to_string())).unwrap()
}

/// The KKT conditions of example `d` at the written (z, λ, ν, s), to `tol` relative to
/// the data's scale: stationarity Qz + q + Aᵀν + Gᵀλ = 0, Az = b, Gz + s = h, λ ≥ 0,
/// s ≥ 0 and λ∘s = 0.
fn assert_kkt(
    d: &Dense,
    z: &Array1<f64>,
    lam: &Array1<f64>,
    nu: &Array1<f64>,
    s: &Array1<f64>,
    tol: f64,
    what: &str,
) {
    let scale = 1.0 + max_abs(&d.q) + max_abs(z) + max_abs(lam) + max_abs(nu);
    let stat = d.Q.dot(z) + &d.q + d.A.t().dot(nu) + d.G.t().dot(lam);
    let eq = d.A.dot(z) - &d.b;
    let ineq = d.G.dot(z) + s - &d.h;
    let comp = lam * s;
    for (name, r) in [
        ("stationarity", max_abs(&stat)),
        ("Az = b", max_abs(&eq)),
        ("Gz + s = h", max_abs(&ineq)),
        ("λ∘s = 0", max_abs(&comp)),
    ] {
        assert!(r <= tol * scale, "{what}: {name} residual {r:e}");
    }
    let low = lam.iter().chain(s).fold(0.0f64, |m, &v| m.min(v));
    assert!(low >= -tol * scale, "{what}: λ or s negative ({low:e})");
}

/// The written z of every example against Clarabel's, and the KKT conditions at the
/// written (z, λ, ν, s), for the examples in `which`.
fn check_solutions(data: &Data, out: &mut Output, which: &[usize]) {
    let (z, lam, nu, s) = (out.f64("z"), out.f64("lam"), out.f64("nu"), out.f64("s"));
    for &i in which {
        let d = data.example(i);
        let row = |a: &ArrayD<f64>| a.index_axis(Axis(0), i).to_owned().into_dimensionality();
        let (zi, li, ni, si) = (row(&z), row(&lam), row(&nu), row(&s));
        let (zi, li, ni, si) = (zi.unwrap(), li.unwrap(), ni.unwrap(), si.unwrap());
        let reference = clarabel(&d);
        let err = max_abs(&(&zi - &reference)) / (1.0 + max_abs(&reference));
        assert!(err < 1e-7, "example {i}: z {zi} vs Clarabel {reference}");
        assert_kkt(&d, &zi, &li, &ni, &si, 1e-8, &format!("example {i}"));
    }
}

/// The issue's example: batched Q/q/G/h, shared A/b. The output holds exactly z, λ, ν, s
/// (float64) and iterations, statuses (int32) with the issue's shapes; every status is 0,
/// z is Clarabel's, (z, λ, ν, s) meet the KKT conditions, and the summary line counts them.
#[test]
fn solutions_have_the_issues_shapes_and_match_clarabel() {
    let (B, n, m, p) = (3, 4, 1, 3);
    let data = Data::random(1, (B, n, m, p));
    let dir = TempDir::new("solutions");
    let (input, output) = (dir.path("in.npz"), dir.path("out.npz"));
    write_npz(&input, &data.arrays());
    let summary = run(&args(&[&input, &output])).unwrap();
    assert!(
        summary.starts_with("batch 3 n 4 m 1 p 3 (f64, cpu): 3 solved; solve "),
        "{summary}"
    );

    let mut out = Output::open(&output);
    assert_eq!(out.names(), names_with(&[]));
    for (name, shape) in [
        ("z", vec![B, n]),
        ("lam", vec![B, p]),
        ("nu", vec![B, m]),
        ("s", vec![B, p]),
    ] {
        assert_eq!(out.f64(name).shape(), shape, "{name}");
    }
    assert_eq!(out.i32("status").as_slice().unwrap(), [0, 0, 0]);
    let iters = out.i32("iters");
    assert_eq!(iters.shape(), [B]);
    assert!(iters.iter().all(|&k| (1..=100).contains(&k)), "{iters}");
    // Every example polished (`Solution::polish_solves`), within one attempt's four solves.
    let polish = out.i32("polish_solves");
    assert_eq!(polish.shape(), [B]);
    assert!(polish.iter().all(|&k| (1..=4).contains(&k)), "{polish}");
    // Some inequalities are active (so the data exercise them) and some are not.
    let lam = out.f64("lam");
    assert!(lam.iter().any(|&l| l > 1e-3) && lam.iter().any(|&l| l < 1e-6));
    check_solutions(&data, &mut out, &[0, 1, 2]);
}

/// An infeasible member (its first variable ≤ −1 and ≥ 1) gets status 1, and λ, ν holding a
/// certificate of it (λ ≥ 0, Aᵀν + Gᵀλ ≈ 0, bᵀν + hᵀλ < 0); the others are solved as before.
#[test]
fn an_infeasible_member_gets_status_1() {
    let mut data = Data::random(1, (3, 4, 1, 3));
    let mut G1 = data.G.index_axis_mut(Axis(0), 1);
    G1.slice_mut(s![0..2, ..]).fill(0.0);
    G1[[0, 0]] = 1.0;
    G1[[1, 0]] = -1.0;
    data.h.slice_mut(s![1, 0..2]).fill(-1.0);
    let dir = TempDir::new("infeasible");
    let (input, output) = (dir.path("in.npz"), dir.path("out.npz"));
    write_npz(&input, &data.arrays());
    let summary = run(&args(&[&input, &output])).unwrap();
    assert!(
        summary.contains(": 2 solved, 1 primal infeasible; "),
        "{summary}"
    );

    let mut out = Output::open(&output);
    assert_eq!(out.i32("status").as_slice().unwrap(), [0, 1, 0]);
    let d = data.example(1);
    let lam: Array1<f64> = out.f64("lam").slice(s![1, ..]).to_owned();
    let nu: Array1<f64> = out.f64("nu").slice(s![1, ..]).to_owned();
    assert!(lam.iter().all(|&l| l >= 0.0), "λ = {lam}");
    // Farkas: for any z with Az = b and Gz ≤ h, bᵀν + hᵀλ ≥ νᵀAz + λᵀGz = rᵀz with
    // r = Aᵀν + Gᵀλ, so ‖r‖∞ ≤ 1e-5·|bᵀν + hᵀλ| rules out every z with ‖z‖₁ < 1e5. (The
    // solver stops at ‖r‖∞ < 1e-8·|bᵀν + hᵀλ|·max(1, ‖(ν, λ)‖∞): 1.5e-6·|bᵀν + hᵀλ| here.)
    let r = max_abs(&(d.A.t().dot(&nu) + d.G.t().dot(&lam)));
    let obj = d.b.dot(&nu) + d.h.dot(&lam);
    assert!(
        obj < 0.0 && r <= 1e-5 * obj.abs(),
        "‖Aᵀν + Gᵀλ‖∞ = {r:e}, bᵀν + hᵀλ = {obj:e}"
    );
    check_solutions(&data, &mut out, &[0, 2]);
}

/// `--grad`: dQ, dq, dG, dh (batched) and dA, db (shared) are written, each shaped like its
/// input array, and equal the derivatives of ℓ = Σᵢ dzᵢ·zᵢ by central differences of
/// Clarabel's solutions, entry by entry. The shared arrays' differences move A (b) in every
/// example at once, so they check that dA (db) is the sum over the batch.
#[test]
fn gradients_have_the_input_shapes_and_match_central_differences() {
    let (B, n, m, p) = (3, 4, 1, 3);
    let data = Data::random(1, (B, n, m, p));
    let dz = Array2::from_shape_fn((B, n), |(i, j)| ((3 * i + j) % 5) as f64 - 2.0);
    let dir = TempDir::new("gradients");
    let (input, output, dzf) = (dir.path("in.npz"), dir.path("out.npz"), dir.path("dz.npz"));
    write_npz(&input, &data.arrays());
    write_npz(&dzf, &[("z", dz.clone().into_dyn())]);
    let summary = run(&args(&[&input, &output, "--grad", &dzf])).unwrap();
    assert!(summary.contains(", backward "), "{summary}");

    let mut out = Output::open(&output);
    assert_eq!(out.names(), names_with(&ALL_GRADIENTS));
    let inputs = data.arrays();
    let grad = |out: &mut Output, name: &str| {
        let g = out.f64(&format!("d{name}"));
        let input = &inputs.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(g.shape(), input.shape(), "d{name}");
        g
    };
    let (dQ, dq, dA, db, dG, dh) = (
        grad(&mut out, "Q"),
        grad(&mut out, "q"),
        grad(&mut out, "A"),
        grad(&mut out, "b"),
        grad(&mut out, "G"),
        grad(&mut out, "h"),
    );

    // Active inequalities and the equality make dG, dh, dA, db more than zeros.
    for (name, g) in [("dG", &dG), ("dh", &dh), ("dA", &dA), ("db", &db)] {
        assert!(max_abs(g) > 1e-2, "{name} = {g}");
    }

    // ℓ of the examples in `which`, each solved by Clarabel after `perturb`.
    let loss = |which: &[usize], perturb: &dyn Fn(&mut Dense)| {
        which
            .iter()
            .map(|&i| {
                let mut d = data.example(i);
                perturb(&mut d);
                dz.row(i).dot(&clarabel(&d))
            })
            .sum::<f64>()
    };
    const EPS: f64 = 1e-5;
    let diff = |which: &[usize], perturb: &dyn Fn(&mut Dense, f64)| {
        (loss(which, &|d| perturb(d, EPS)) - loss(which, &|d| perturb(d, -EPS))) / (2.0 * EPS)
    };
    let mut worst = (0.0f64, String::new());
    let mut check = |what: String, written: f64, fd: f64| {
        let err = (written - fd).abs() / (1.0 + fd.abs());
        if err > worst.0 {
            worst = (err, format!("{what}: written {written}, differences {fd}"));
        }
    };
    for i in 0..B {
        let one = [i];
        for j in 0..n {
            // Q is symmetric: move Q[j,k] and Q[k,j] together, the derivative is
            // dQ[j,k] + dQ[k,j].
            for k in j..n {
                let fd = diff(&one, &|d, e| {
                    d.Q[[j, k]] += e;
                    if k != j {
                        d.Q[[k, j]] += e;
                    }
                });
                let written = if k == j {
                    dQ[[i, j, j]]
                } else {
                    dQ[[i, j, k]] + dQ[[i, k, j]]
                };
                check(format!("dQ[{i},{j},{k}]"), written, fd);
            }
            check(
                format!("dq[{i},{j}]"),
                dq[[i, j]],
                diff(&one, &|d, e| d.q[j] += e),
            );
            for r in 0..p {
                check(
                    format!("dG[{i},{r},{j}]"),
                    dG[[i, r, j]],
                    diff(&one, &|d, e| d.G[[r, j]] += e),
                );
            }
        }
        for r in 0..p {
            check(
                format!("dh[{i},{r}]"),
                dh[[i, r]],
                diff(&one, &|d, e| d.h[r] += e),
            );
        }
    }
    let all: Vec<usize> = (0..B).collect();
    for r in 0..m {
        for j in 0..n {
            check(
                format!("dA[{r},{j}]"),
                dA[[r, j]],
                diff(&all, &|d, e| d.A[[r, j]] += e),
            );
        }
        check(format!("db[{r}]"), db[[r]], diff(&all, &|d, e| d.b[r] += e));
    }
    println!(
        "--grad against central differences: worst {:.1e} ({})",
        worst.0, worst.1
    );
    // (Clarabel's solutions to 1e-11 put the differences within 1e-10 of the derivatives.)
    assert!(worst.0 < 1e-7, "{}", worst.1);
}

/// Without G and h (equality constraints only), from a compressed file whose A is int64 and b
/// int32 (as NumPy stores integer-valued data): λ and s are [B, 0], z is Clarabel's, (z, ν)
/// meet the KKT conditions, and `--grad` writes dQ, dq, dA, db and no dG, dh.
#[test]
fn equality_only_input_from_a_compressed_file_with_integer_arrays() {
    let (B, n) = (2, 3);
    let mut data = Data::random(2, (B, n, 1, 0));
    data.A = Array2::from_elem((1, n), 1.0);
    data.b = Array1::from_elem(1, 1.0);
    let dir = TempDir::new("equality");
    let (input, output, dzf) = (dir.path("in.npz"), dir.path("out.npz"), dir.path("dz.npz"));
    let mut npz = NpzWriter::new_compressed(File::create(&input).unwrap());
    npz.add_array("Q", &data.Q).unwrap();
    npz.add_array("q", &data.q).unwrap();
    npz.add_array("A", &data.A.mapv(|v| v as i64)).unwrap();
    npz.add_array("b", &data.b.mapv(|v| v as i32)).unwrap();
    npz.finish().unwrap();
    write_npz(&dzf, &[("z", Array2::<f64>::ones((B, n)).into_dyn())]);
    let summary = run(&args(&[&input, &output, "--grad", &dzf])).unwrap();
    assert!(
        summary.starts_with("batch 2 n 3 m 1 p 0 (f64, cpu): 2 solved; "),
        "{summary}"
    );

    let mut out = Output::open(&output);
    assert_eq!(out.names(), names_with(&["dA", "dQ", "db", "dq"]));
    assert_eq!(out.f64("lam").shape(), [B, 0]);
    assert_eq!(out.f64("s").shape(), [B, 0]);
    assert_eq!(out.f64("nu").shape(), [B, 1]);
    assert_eq!(out.i32("status").as_slice().unwrap(), [0, 0]);
    assert_eq!(out.f64("dA").shape(), [1, n]);
    assert_eq!(out.f64("db").shape(), [1]);
    assert_eq!(out.f64("dQ").shape(), [B, n, n]);
    check_solutions(&data, &mut out, &[0, 1]);
}

/// G and h given with no rows ([B, 0, n] and [B, 0]: p = 0, as a batch with no inequalities
/// may be saved) are accepted, and `--grad` writes dG and dh as empty arrays of their input's
/// shape, beside the dA, db of the equalities.
#[test]
fn zero_row_inequalities_get_empty_gradients_of_their_shape() {
    let (B, n) = (2, 3);
    let data = Data::random(3, (B, n, 1, 0));
    let dir = TempDir::new("zero_rows");
    let (input, output, dzf) = (dir.path("in.npz"), dir.path("out.npz"), dir.path("dz.npz"));
    let mut arrays = data.arrays();
    arrays.push(("G", ndarray::Array3::<f64>::zeros((B, 0, n)).into_dyn()));
    arrays.push(("h", Array2::<f64>::zeros((B, 0)).into_dyn()));
    write_npz(&input, &arrays);
    write_npz(&dzf, &[("z", Array2::<f64>::ones((B, n)).into_dyn())]);
    let summary = run(&args(&[&input, &output, "--grad", &dzf])).unwrap();
    assert!(
        summary.contains("m 1 p 0") && summary.contains("2 solved"),
        "{summary}"
    );
    let mut out = Output::open(&output);
    assert_eq!(out.names(), names_with(&ALL_GRADIENTS));
    assert_eq!(out.f64("dG").shape(), [B, 0, n]);
    assert_eq!(out.f64("dh").shape(), [B, 0]);
    assert_eq!(out.f64("lam").shape(), [B, 0]);
    check_solutions(&data, &mut out, &[0, 1]);
}

/// Bad arguments are errors naming the problem.
#[test]
fn bad_arguments_are_errors() {
    let a = args(&[
        "in.npz",
        "out.npz",
        "--grad",
        "dz.npz",
        "--threads",
        "2",
        "--f32",
    ]);
    assert_eq!(
        (a.input.as_str(), a.output.as_str(), a.grad.as_deref()),
        ("in.npz", "out.npz", Some("dz.npz"))
    );
    assert_eq!((a.threads, a.f32, a.cuda), (Some(2), true, false));
    let err = |v: &[&str]| parse_args(v.iter().map(|a| a.to_string())).unwrap_err();
    assert!(err(&["in.npz"]).starts_with("usage: solve INPUT.npz OUTPUT.npz"));
    assert!(err(&["a", "b", "--device", "gpu"]).contains("--device must be cpu or cuda"));
    assert!(err(&["a", "b", "--threads", "x"]).contains("--threads: not a number: x"));
    assert!(err(&["a", "b", "--grad"]).contains("--grad needs a file"));
    assert!(err(&["a", "b", "--tol", "1"]).contains("unknown option --tol"));
}

/// Each bad file is an `Err` whose message names the file and the problem (not a panic), and
/// no output file is written: a missing input, one that is not an npz, one without `q`, an h
/// of the wrong shape, a Q of the wrong rank, a NaN in Q, a DZ of the wrong shape or
/// without `z`.
#[test]
fn bad_files_are_errors_naming_the_problem() {
    let data = Data::random(1, (3, 4, 1, 3));
    let dir = TempDir::new("bad");
    let output = dir.path("out.npz");
    let good = dir.path("good.npz");
    write_npz(&good, &data.arrays());
    let with = |name: &str, change: &dyn Fn(&mut Arrays)| {
        let path = dir.path(name);
        let mut arrays = data.arrays();
        change(&mut arrays);
        write_npz(&path, &arrays);
        path
    };
    let set = |arrays: &mut Arrays, name: &str, a: ArrayD<f64>| {
        arrays.iter_mut().find(|(n, _)| *n == name).unwrap().1 = a;
    };
    let not_npz = dir.path("text.npz");
    std::fs::write(&not_npz, "Q = [[1]]\n").unwrap();
    let no_q = with("no_q.npz", &|a| a.retain(|(n, _)| *n != "q"));
    let bad_h = with("bad_h.npz", &|a| set(a, "h", ArrayD::zeros(IxDyn(&[3, 4]))));
    let rank_Q = with("rank_Q.npz", &|a| set(a, "Q", ArrayD::zeros(IxDyn(&[4]))));
    let nan_Q = with("nan_Q.npz", &|a| {
        let mut Q = data.Q.clone();
        Q[[2, 1, 1]] = f64::NAN;
        set(a, "Q", Q.into_dyn());
    });
    let dz_shape = dir.path("dz_shape.npz");
    write_npz(&dz_shape, &[("z", ArrayD::zeros(IxDyn(&[2, 4])))]);
    let dz_name = dir.path("dz_name.npz");
    write_npz(&dz_name, &[("dz", ArrayD::zeros(IxDyn(&[3, 4])))]);
    let absent = dir.path("absent.npz");

    let cases: [(&[&str], &[&str]); 8] = [
        (&[&absent], &["absent.npz: ", "No such file"]),
        (&[&not_npz], &["text.npz: not a readable .npz file"]),
        (&[&no_q], &["no_q.npz: ", "no array `q`"]),
        (
            &[&bad_h],
            &["bad_h.npz: ", "array `h` has shape [4]", "p = 3"],
        ),
        (&[&rank_Q], &["rank_Q.npz: ", "array `Q` has rank 1"]),
        (
            &[&nan_Q],
            &["nan_Q.npz: ", "array `Q` holds a non-finite value (NaN)"],
        ),
        (
            &[&good, "--grad", &dz_shape],
            &["dz_shape.npz: array `z` has shape [2, 4]; expected [batch, n] = [3, 4]"],
        ),
        (&[&good, "--grad", &dz_name], &["dz_name.npz: no array `z`"]),
    ];
    for (given, wanted) in cases {
        let mut v = vec![given[0], output.as_str()];
        v.extend(&given[1..]);
        let msg = run(&args(&v)).expect_err(&format!("{v:?} should fail"));
        for w in wanted {
            assert!(msg.contains(w), "{v:?}: message {msg:?} lacks {w:?}");
        }
        assert!(
            !std::path::Path::new(&output).exists(),
            "{v:?}: an output file was written"
        );
    }
}
