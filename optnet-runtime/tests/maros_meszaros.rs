//! The Maros–Meszaros convex QP test set, small problems (n ≤ 300, m + p ≤ 600): every
//! problem must be `Solved` at default settings with the reference objective to 1e-6
//! (relative) and its constraints satisfied to 1e-6 relative to the data's scale.
//!
//! Data: `tests/data/maros_meszaros/` (see its README for the source and licence).
//! `cargo test -p optnet-runtime --test maros_meszaros -- --ignored --nocapture` prints the
//! README's table, ours beside Clarabel's on the same machine in the same run.
#![allow(non_snake_case)]

#[path = "common/npz.rs"]
mod npz;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, ZeroConeT,
};
use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};
use optnet_runtime::{QpBatch, Solver, Status};
use std::path::PathBuf;
use std::time::Instant;

const OBJ_TOL: f64 = 1e-6;
const FEAS_TOL: f64 = 1e-6;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/maros_meszaros")
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
struct Run {
    status: String,
    solved: bool,
    iters: u32,
    secs: f64,
    obj_err: f64,
    infeas: f64,
}

fn ours(pb: &Problem, solver: &Solver) -> Run {
    let qp = pb.batch();
    let t = Instant::now();
    let sol = solver.solve(&qp).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let z = sol.z.row(0);
    Run {
        status: format!("{}", sol.status[0]),
        solved: sol.status[0] == Status::Solved,
        iters: sol.iters[0],
        secs,
        obj_err: pb.objective_error(pb.objective(z)),
        infeas: pb.infeasibility(z),
    }
}

fn csc(M: ArrayView2<f64>, upper_only: bool) -> CscMatrix<f64> {
    let (rows, cols) = M.dim();
    let (mut colptr, mut rowval, mut nzval) = (vec![0usize], vec![], vec![]);
    for j in 0..cols {
        for i in 0..rows {
            if (!upper_only || i <= j) && M[[i, j]] != 0.0 {
                rowval.push(i);
                nzval.push(M[[i, j]]);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(rows, cols, colptr, rowval, nzval)
}

/// The same problem with Clarabel at its default settings; the time covers setup and solve.
fn clarabel(pb: &Problem) -> Run {
    let (n, m, p) = (pb.n(), pb.m(), pb.p());
    let mut AG = Array2::<f64>::zeros((m + p, n));
    AG.slice_mut(ndarray::s![..m, ..]).assign(&pb.A);
    AG.slice_mut(ndarray::s![m.., ..]).assign(&pb.G);
    let rhs: Vec<f64> = pb.b.iter().chain(pb.h.iter()).copied().collect();
    let mut cones = vec![];
    if m > 0 {
        cones.push(ZeroConeT(m));
    }
    if p > 0 {
        cones.push(NonnegativeConeT(p));
    }
    let (P, Acsc) = (csc(pb.Q.view(), true), csc(AG.view(), false));
    let settings = DefaultSettings {
        verbose: false,
        ..DefaultSettings::default()
    };
    let t = Instant::now();
    let mut s =
        DefaultSolver::new(&P, pb.q.as_slice().unwrap(), &Acsc, &rhs, &cones, settings).unwrap();
    s.solve();
    let secs = t.elapsed().as_secs_f64();
    let z = Array1::from(s.solution.x.clone());
    Run {
        status: format!("{:?}", s.solution.status),
        solved: s.solution.status == SolverStatus::Solved,
        iters: s.solution.iterations,
        secs,
        obj_err: pb.objective_error(pb.objective(z.view())),
        infeas: pb.infeasibility(z.view()),
    }
}

fn clarabel_z(pb: &Problem, tol: f64) -> Array1<f64> {
    let (n, m, p) = (pb.n(), pb.m(), pb.p());
    let mut AG = Array2::<f64>::zeros((m + p, n));
    AG.slice_mut(ndarray::s![..m, ..]).assign(&pb.A);
    AG.slice_mut(ndarray::s![m.., ..]).assign(&pb.G);
    let rhs: Vec<f64> = pb.b.iter().chain(pb.h.iter()).copied().collect();
    let mut cones = vec![];
    if m > 0 {
        cones.push(ZeroConeT(m));
    }
    if p > 0 {
        cones.push(NonnegativeConeT(p));
    }
    let settings = DefaultSettings {
        verbose: false,
        tol_gap_abs: tol,
        tol_gap_rel: tol,
        tol_feas: tol,
        max_iter: 500,
        ..DefaultSettings::default()
    };
    let mut s = DefaultSolver::new(
        &csc(pb.Q.view(), true),
        pb.q.as_slice().unwrap(),
        &csc(AG.view(), false),
        &rhs,
        &cones,
        settings,
    )
    .unwrap();
    s.solve();
    eprintln!("clarabel tight status {:?}", s.solution.status);
    Array1::from(s.solution.x.clone())
}

#[test]
fn every_small_problem_is_solved_at_default_settings() {
    let solver = Solver::cpu();
    let mut failures = Vec::new();
    for pb in load_all() {
        let r = ours(&pb, &solver);
        eprintln!(
            "{:10} n={:3} m={:3} p={:3}  {:22} it={:3}  {:8.2} ms  obj err {:8.1e}  infeas {:8.1e}",
            pb.name,
            pb.n(),
            pb.m(),
            pb.p(),
            r.status,
            r.iters,
            1e3 * r.secs,
            r.obj_err,
            r.infeas
        );
        if !(r.solved && r.obj_err <= OBJ_TOL && r.infeas <= FEAS_TOL) {
            failures.push(format!(
                "{}: {} after {} iterations, objective error {:e}, infeasibility {:e}",
                pb.name, r.status, r.iters, r.obj_err, r.infeas
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 44 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Prints the README's table (markdown): ours beside Clarabel's (default settings), same
/// machine, same run. Times are the best of three solves.
#[test]
#[ignore = "prints the README table; run with --ignored --nocapture"]
fn print_readme_table() {
    let solver = Solver::cpu();
    println!("| problem | n | m | p | iters (ours) | time ms (ours) | obj. error (ours) | iters (Clarabel) | time ms (Clarabel) | obj. error (Clarabel) |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let (mut t_ours, mut t_cl) = (0.0, 0.0);
    let (mut ok_ours, mut ok_cl) = (0, 0);
    let probs = load_all();
    for pb in &probs {
        let best = |f: &dyn Fn() -> Run| {
            let mut r = f();
            for _ in 0..2 {
                let r2 = f();
                r.secs = r.secs.min(r2.secs);
            }
            r
        };
        let a = best(&|| ours(pb, &solver));
        let c = best(&|| clarabel(pb));
        t_ours += a.secs;
        t_cl += c.secs;
        ok_ours += usize::from(a.solved && a.obj_err <= OBJ_TOL && a.infeas <= FEAS_TOL);
        ok_cl += usize::from(c.solved && c.obj_err <= OBJ_TOL && c.infeas <= FEAS_TOL);
        let mark = |r: &Run| if r.solved { "" } else { " ✗" };
        println!(
            "| {} | {} | {} | {} | {}{} | {:.2} | {:.1e} | {}{} | {:.2} | {:.1e} |",
            pb.name,
            pb.n(),
            pb.m(),
            pb.p(),
            a.iters,
            mark(&a),
            1e3 * a.secs,
            a.obj_err,
            c.iters,
            mark(&c),
            1e3 * c.secs,
            c.obj_err,
        );
    }
    println!(
        "\nSolved to 1e-6: ours {ok_ours}/{}, Clarabel {ok_cl}/{}; total time ours {:.1} ms, Clarabel {:.1} ms.",
        probs.len(),
        probs.len(),
        1e3 * t_ours,
        1e3 * t_cl
    );
}

/// Traces one problem (`MM_PROBLEM=NAME`) with the solver's per-iteration output.
#[test]
#[ignore = "a diagnostic: MM_PROBLEM=NAME cargo test … -- --ignored trace_one --nocapture"]
fn trace_one() {
    let Ok(name) = std::env::var("MM_PROBLEM") else {
        return;
    };
    let solver = Solver::cpu()
        .with_settings(optnet_runtime::Settings {
            verbose: true,
            ..Default::default()
        })
        .unwrap();
    for pb in load_all().iter().filter(|p| p.name == name) {
        let qp = QpBatch::builder()
            .Q(pb.Q.view())
            .q(pb.q.view())
            .A(pb.A.view())
            .b(pb.b.view())
            .G(pb.G.view())
            .h(pb.h.view())
            .check_psd(false)
            .build()
            .unwrap();
        let sol = solver.solve(&qp).unwrap();
        let z = sol.z.row(0);
        eprintln!(
            "{}: {} after {} iterations, objective error {:e}, infeasibility {:e}",
            pb.name,
            sol.status[0],
            sol.iters[0],
            pb.objective_error(pb.objective(z)),
            pb.infeasibility(z)
        );
        let c = clarabel(pb);
        eprintln!(
            "Clarabel: {} after {} iterations, objective error {:e}",
            c.status, c.iters, c.obj_err
        );
        let viol = |z: ArrayView1<f64>| {
            let a = (&pb.A.dot(&z) - &pb.b)
                .iter()
                .fold(0.0f64, |a, x| a.max(x.abs()));
            let g = (&pb.G.dot(&z) - &pb.h)
                .iter()
                .fold(0.0f64, |a, &x| a.max(x));
            (a, g, pb.objective(z))
        };
        eprintln!("ours abs viol/obj {:?}", viol(z));
        let zc = clarabel_z(pb, 1e-12);
        eprintln!("clarabel tight viol/obj {:?}", viol(zc.view()));
    }
}

#[test]
#[ignore]
fn sweep_tmp() {
    let env = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let solver = Solver::cpu()
        .with_settings(optnet_runtime::Settings {
            static_regularization: env("MM_STATIC", 1e-8),
            dynamic_regularization_eps: env("MM_DEPS", 1e-13),
            dynamic_regularization_delta: env("MM_DDELTA", 2e-7),
            refinement_abstol: env("MM_RABS", 1e-12),
            refinement_reltol: env("MM_RREL", 1e-13),
            refinement_max_iter: env("MM_RIT", 8.0) as u32,
            verbose: std::env::var("MM_VERBOSE").is_ok(),
            ..Default::default()
        })
        .unwrap();
    let mut bad = 0;
    let mut tot = 0.0;
    let mut its = 0;
    let only = std::env::var("MM_PROBLEM").ok();
    for pb in load_all()
        .into_iter()
        .filter(|p| only.as_ref().is_none_or(|o| *o == p.name))
    {
        let qp = QpBatch::builder()
            .Q(pb.Q.view())
            .q(pb.q.view())
            .A(pb.A.view())
            .b(pb.b.view())
            .G(pb.G.view())
            .h(pb.h.view())
            .check_psd(false)
            .build()
            .unwrap();
        let t = Instant::now();
        let sol = solver.solve(&qp).unwrap();
        tot += t.elapsed().as_secs_f64();
        its += sol.iters[0];
        let z = sol.z.row(0);
        let (oe, inf) = (pb.objective_error(pb.objective(z)), pb.infeasibility(z));
        if !(sol.status[0] == Status::Solved && oe <= OBJ_TOL && inf <= FEAS_TOL) {
            bad += 1;
            eprintln!(
                "{}: {} it {} obj err {:e} infeas {:e} obj-ref {:e}",
                pb.name,
                sol.status[0],
                sol.iters[0],
                oe,
                inf,
                pb.objective(z) - pb.reference
            );
        }
    }
    eprintln!("failed {bad}, total iters {its}, time {:.3}s", tot);
}

#[test]
#[ignore]
fn tight_refs_tmp() {
    for pb in load_all() {
        let z = clarabel_z(&pb, 1e-12);
        let o = pb.objective(z.view());
        eprintln!(
            "TIGHT {} {:.17e} rel_diff {:e} infeas {:e}",
            pb.name,
            o,
            pb.objective_error(o),
            pb.infeasibility(z.view())
        );
    }
}
