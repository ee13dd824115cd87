//! The Maros–Meszaros problems that fit the CUDA backend (n + m ≤ 256 and its shared
//! memory), solved on the GPU and compared with the reference objectives and the CPU.
//! Without Ruiz equilibration on the GPU some badly scaled problems end unsolved; the test
//! requires that no example is reported `Solved` with a wrong answer, and prints the table.
//! Prints a skip reason and passes when no CUDA device is present.
#![cfg(feature = "cuda")]
#![allow(non_snake_case)]

#[path = "common/npz.rs"]
mod npz;

use ndarray::{Array1, Array2, Array3, ArrayView1, Axis};
use optnet_runtime::{Error, QpBatch, Solver, Status};
use std::path::PathBuf;

/// The data directory; `OPTNET_MM_DIR` overrides it for a test binary run on another machine.
fn data_dir() -> PathBuf {
    std::env::var_os("OPTNET_MM_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/maros_meszaros"),
        PathBuf::from,
    )
}

/// One problem of the set, without its batch axis.
struct Problem {
    name: String,
    Q: Array2<f64>,
    q: Array1<f64>,
    A: Array2<f64>,
    b: Array1<f64>,
    G: Array2<f64>,
    h: Array1<f64>,
    reference: f64,
}

impl Problem {
    fn n(&self) -> usize {
        self.q.len()
    }
    fn m(&self) -> usize {
        self.b.len()
    }
    fn p(&self) -> usize {
        self.h.len()
    }

    fn batch(&self) -> QpBatch<'_, f64> {
        let mut bld = QpBatch::builder().Q(self.Q.view()).q(self.q.view());
        if self.m() > 0 {
            bld = bld.A(self.A.view()).b(self.b.view());
        }
        if self.p() > 0 {
            bld = bld.G(self.G.view()).h(self.h.view());
        }
        bld.build()
            .expect("a Maros–Meszaros problem is valid input")
    }

    /// ½zᵀQz + qᵀz.
    fn objective(&self, z: ArrayView1<f64>) -> f64 {
        0.5 * z.dot(&self.Q.dot(&z)) + self.q.dot(&z)
    }

    /// |f(z) − f*| / max(1, |f*|).
    fn objective_error(&self, obj: f64) -> f64 {
        (obj - self.reference).abs() / self.reference.abs().max(1.0)
    }

    /// max(‖Az − b‖∞, ‖(Gz − h)₊‖∞) / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞).
    fn infeasibility(&self, z: ArrayView1<f64>) -> f64 {
        let (Az, Gz) = (self.A.dot(&z), self.G.dot(&z));
        let inf = |v: &Array1<f64>| v.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let r_eq = inf(&(&Az - &self.b));
        let r_in = (&Gz - &self.h).iter().fold(0.0f64, |a, &x| a.max(x));
        let scale = 1f64
            .max(inf(&self.b))
            .max(inf(&self.h))
            .max(inf(&Az))
            .max(inf(&Gz));
        r_eq.max(r_in) / scale
    }
}

/// `reference.json` holds Clarabel's objectives at its default tolerances, which agree with
/// the published optimal values to 3e-8 (relative) except QSHARE1B's: 720082.0137 is 5.1e-6
/// above its optimum. The published value is 7.2007832e5, and Clarabel at tolerances 1e-12
/// finds 720078.318153918 (a feasible point, so no lower value can be right): that is the
/// value used here.
const CORRECTED: &[(&str, f64)] = &[("QSHARE1B", 720078.318153918)];

fn reference() -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(data_dir().join("reference.json")).unwrap();
    // reference.json is flat: "NAME": { "n": …, "m": …, "p": …, "objective": …, … }.
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\": {") {
        let name_start = rest[..i].rfind('"').unwrap() + 1;
        let name = rest[name_start..i].to_string();
        let body_end = rest[i..].find('}').unwrap() + i;
        let body = &rest[i..body_end];
        let k = body.find("\"objective\":").unwrap() + "\"objective\":".len();
        let v: f64 = body[k..]
            .split([',', '\n'])
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let v = CORRECTED
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(v, |&(_, c)| c);
        out.push((name, v));
        rest = &rest[body_end..];
    }
    out
}

fn load_all() -> Vec<Problem> {
    let refs = reference();
    assert_eq!(refs.len(), 44, "reference.json lists the 44 small problems");
    refs.into_iter()
        .map(|(name, reference)| {
            let f = npz::read_qp_file(&data_dir().join(format!("{name}.npz"))).unwrap();
            let n = f.q.shape()[1];
            let first2 = |a: Array3<f64>| a.index_axis_move(Axis(0), 0);
            let first1 = |a: Array2<f64>| a.index_axis_move(Axis(0), 0);
            let (A, b) =
                f.A.map_or((Array2::zeros((0, n)), Array1::zeros(0)), |(A, b)| {
                    (first2(A), first1(b))
                });
            let (G, h) =
                f.G.map_or((Array2::zeros((0, n)), Array1::zeros(0)), |(G, h)| {
                    (first2(G), first1(h))
                });
            Problem {
                name,
                Q: first2(f.Q),
                q: first1(f.q),
                A,
                b,
                G,
                h,
                reference,
            }
        })
        .collect()
}

/// One solve with our CPU solver: status, iterations, seconds, objective error, infeasibility.
#[test]
fn maros_meszaros_on_gpu() {
    let g = match Solver::cuda(0) {
        Ok(s) => s,
        Err(e) => {
            println!("skipped: no usable CUDA device ({e})");
            return;
        }
    };
    let (mut fit, mut ok, mut unsolved) = (0, 0, 0);
    for pb in load_all() {
        let qp = pb.batch();
        let sol = match g.solve(&qp) {
            Ok(s) => s,
            Err(Error::Cuda(msg)) => {
                println!(
                    "{:10} n {:4} m {:4} p {:4}: does not fit ({msg})",
                    pb.name,
                    pb.n(),
                    pb.m(),
                    pb.p()
                );
                continue;
            }
            Err(e) => panic!("{}: {e}", pb.name),
        };
        fit += 1;
        let cpu = Solver::cpu().solve(&qp).unwrap();
        let z = sol.z.row(0);
        let (oe, inf) = (pb.objective_error(pb.objective(z)), pb.infeasibility(z));
        let good = oe < 1e-6 && inf < 1e-6;
        println!(
            "{:10} n {:4} m {:4} p {:4}: gpu {} ({} it) obj err {oe:.1e} infeas {inf:.1e}; cpu {}",
            pb.name,
            pb.n(),
            pb.m(),
            pb.p(),
            sol.status[0],
            sol.iters[0],
            cpu.status[0]
        );
        if sol.status[0] == Status::Solved {
            assert!(
                good,
                "{}: reported solved but obj err {oe:e}, infeasibility {inf:e}",
                pb.name
            );
            ok += 1;
        } else {
            unsolved += 1;
        }
    }
    println!(
        "Maros–Meszaros on the GPU: {fit} of 44 fit, {ok} solved to 1e-6, {unsolved} not solved"
    );
}
