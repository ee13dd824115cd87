//! The Maros–Meszaros small set as test data, shared by the CPU and GPU suites.

use super::npz;
use super::{data_dir, max_abs, max_pos, nan_max, Qp};
use ndarray::{Array1, Array2, Array3, ArrayView1, Axis};

/// One problem of the set, without its batch axis.
pub struct Problem {
    pub name: String,
    pub qp: Qp,
    pub reference: f64,
}

impl Problem {
    /// |f(z) − f*| / max(1, |f*|).
    pub fn objective_error(&self, obj: f64) -> f64 {
        (obj - self.reference).abs() / self.reference.abs().max(1.0)
    }

    /// max(‖Az − b‖∞, ‖(Gz − h)₊‖∞) / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞).
    pub fn infeasibility(&self, z: ArrayView1<f64>) -> f64 {
        let qp = &self.qp;
        let (Az, Gz) = (qp.A.dot(&z), qp.G.dot(&z));
        let r_eq = max_abs(&(&Az - &qp.b));
        let r_in = max_pos(&(&Gz - &qp.h));
        let scale = [&qp.b, &qp.h, &Az, &Gz]
            .into_iter()
            .fold(1.0, |m, v| nan_max(m, max_abs(v)));
        nan_max(r_eq, r_in) / scale
    }
}

/// `reference.json` holds Clarabel's objectives at its default tolerances, which agree with
/// the published optimal values to 3e-8 (relative) except QSHARE1B's: 720082.0137 is 5.1e-6
/// above its optimum. The published value is 7.2007832e5, and Clarabel at tolerances 1e-12
/// finds 720078.318153918 (a feasible point, so no lower value can be right): that is the
/// value used here.
const CORRECTED: &[(&str, f64)] = &[("QSHARE1B", 720078.318153918)];

pub fn reference() -> Vec<(String, f64)> {
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

/// Polishing solves at most on problems where a retry's first guess is the last failed
/// attempt's and is skipped (`polish::Tried`, the kernel's `polish_repeats`,
/// notes/ALGORITHM.md §4b): the CPU's before → after in session 28, CVXQP3_S 12 → 8, QRECIPE
/// 16 → 8. Since session 35 QRECIPE's first attempt comes at a relative gap of 3.1e-2, above
/// `polish::LOOSE_GAP`, so its retry comes one iteration later instead of 100-fold down the gap
/// and takes four solves more (12; two later attempts are still skipped). The CPU test
/// `maros_meszaros::a_repeated_polishing_attempt_is_skipped` and the GPU's
/// `cuda_maros_meszaros::maros_meszaros_on_gpu` hold both backends to it.
pub const POLISH_SKIP_MOST: [(&str, u32); 2] = [("CVXQP3_S", 8), ("QRECIPE", 12)];

pub fn load_all() -> Vec<Problem> {
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
                qp: Qp {
                    Q: first2(f.Q),
                    q: first1(f.q),
                    A,
                    b,
                    G,
                    h,
                },
                reference,
            }
        })
        .collect()
}
