//! Shared test helpers: random problem families and the Clarabel reference solver.
#![allow(dead_code, non_snake_case)]

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, ZeroConeT,
};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn randn(r: &mut StdRng, shape: (usize, usize)) -> Array2<f64> {
    Array2::from_shape_fn(shape, |_| r.sample(StandardNormal))
}

pub fn randn1(r: &mut StdRng, n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| r.sample(StandardNormal))
}

/// A feasible random QP: Q = LLᵀ + εI (rank `rank`), A, G ~ N(0,1), b = Az₀, h = Gz₀ + s₀.
pub struct Qp {
    pub Q: Array2<f64>,
    pub q: Array1<f64>,
    pub A: Array2<f64>,
    pub b: Array1<f64>,
    pub G: Array2<f64>,
    pub h: Array1<f64>,
}

pub fn random_qp(r: &mut StdRng, n: usize, m: usize, p: usize, rank: usize, eps: f64) -> Qp {
    let L = randn(r, (n, rank));
    let Q = L.dot(&L.t()) + Array2::<f64>::eye(n) * eps;
    let q = randn1(r, n);
    let A = randn(r, (m, n));
    let G = randn(r, (p, n));
    let z0 = randn1(r, n);
    let s0 = Array1::from_shape_fn(p, |_| r.random::<f64>());
    let b = A.dot(&z0);
    let h = G.dot(&z0) + s0;
    Qp { Q, q, A, b, G, h }
}

fn csc(M: ArrayView2<f64>, upper_only: bool) -> CscMatrix<f64> {
    let (rows, cols) = M.dim();
    let mut colptr = vec![0usize];
    let mut rowval = vec![];
    let mut nzval = vec![];
    for j in 0..cols {
        for i in 0..rows {
            if upper_only && i > j {
                continue;
            }
            let v = M[[i, j]];
            if v != 0.0 {
                rowval.push(i);
                nzval.push(v);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(rows, cols, colptr, rowval, nzval)
}

/// The reference answer.
pub struct Reference {
    pub status: SolverStatus,
    pub z: Array1<f64>,
    pub nu: Array1<f64>,
    pub lam: Array1<f64>,
    pub obj: f64,
}

/// Solves with Clarabel at tight tolerances.
pub fn clarabel(
    Q: ArrayView2<f64>,
    q: ArrayView1<f64>,
    A: ArrayView2<f64>,
    b: ArrayView1<f64>,
    G: ArrayView2<f64>,
    h: ArrayView1<f64>,
) -> Reference {
    let (m, p) = (A.nrows(), G.nrows());
    let n = q.len();
    let mut stacked = Array2::<f64>::zeros((m + p, n));
    stacked.slice_mut(ndarray::s![..m, ..]).assign(&A);
    stacked.slice_mut(ndarray::s![m.., ..]).assign(&G);
    let rhs: Vec<f64> = b.iter().chain(h.iter()).copied().collect();
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_abs(1e-11)
        .tol_gap_rel(1e-11)
        .tol_feas(1e-11)
        .max_iter(500)
        .build()
        .unwrap();
    let mut cones = vec![];
    if m > 0 {
        cones.push(ZeroConeT(m));
    }
    if p > 0 {
        cones.push(NonnegativeConeT(p));
    }
    let mut solver = DefaultSolver::new(
        &csc(Q, true),
        q.as_slice().unwrap(),
        &csc(stacked.view(), false),
        &rhs,
        &cones,
        settings,
    )
    .unwrap();
    solver.solve();
    let sol = &solver.solution;
    Reference {
        status: sol.status,
        z: Array1::from(sol.x.clone()),
        nu: Array1::from(sol.z[..m].to_vec()),
        lam: Array1::from(sol.z[m..].to_vec()),
        obj: sol.obj_val,
    }
}

pub fn max_abs_diff(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}
