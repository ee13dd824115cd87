//! Shared test helpers: random problem families, stacking them into a batch, the
//! Maros–Meszaros data, and the Clarabel reference solver.
#![allow(dead_code)]

pub mod mm;
pub mod npz;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettings, DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT,
    SolverStatus, SupportedConeT, ZeroConeT,
};
use ndarray::{Array1, Array2, Array3, ArrayView, ArrayView1, ArrayView2, Axis, Dimension};
use optnet_runtime::{QpBatch, Real};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::path::PathBuf;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

pub fn randn(r: &mut StdRng, shape: (usize, usize)) -> Array2<f64> {
    Array2::from_shape_fn(shape, |_| r.sample(StandardNormal))
}

pub fn randn1(r: &mut StdRng, n: usize) -> Array1<f64> {
    Array1::from_shape_fn(n, |_| r.sample(StandardNormal))
}

/// One QP without a batch axis: minimize ½zᵀQz + qᵀz subject to Az = b, Gz ≤ h (absent
/// constraints are arrays with no rows).
#[derive(Clone)]
pub struct Qp {
    pub Q: Array2<f64>,
    pub q: Array1<f64>,
    pub A: Array2<f64>,
    pub b: Array1<f64>,
    pub G: Array2<f64>,
    pub h: Array1<f64>,
}

impl Qp {
    pub fn n(&self) -> usize {
        self.q.len()
    }
    pub fn m(&self) -> usize {
        self.b.len()
    }
    pub fn p(&self) -> usize {
        self.h.len()
    }

    /// Clarabel's answer to this QP ([`clarabel`]).
    pub fn clarabel(&self) -> Reference {
        clarabel(
            self.Q.view(),
            self.q.view(),
            self.A.view(),
            self.b.view(),
            self.G.view(),
            self.h.view(),
        )
    }

    /// This QP alone: a batch of one, every array shared (the builder drops empty A, G).
    pub fn batch(&self) -> QpBatch<'_, f64> {
        QpBatch::builder()
            .Q(self.Q.view())
            .q(self.q.view())
            .A(self.A.view())
            .b(self.b.view())
            .G(self.G.view())
            .h(self.h.view())
            .build()
            .expect("a valid QP")
    }

    /// Makes the QP primal infeasible: its first two inequalities become z₀ ≤ −1 and
    /// −z₀ ≤ −1.
    pub fn make_infeasible(&mut self) {
        self.G.row_mut(0).fill(0.0);
        self.G[[0, 0]] = 1.0;
        self.h[0] = -1.0;
        self.G.row_mut(1).fill(0.0);
        self.G[[1, 0]] = -1.0;
        self.h[1] = -1.0;
    }

    /// ½zᵀQz + qᵀz.
    pub fn objective(&self, z: ArrayView1<f64>) -> f64 {
        0.5 * z.dot(&self.Q.dot(&z)) + self.q.dot(&z)
    }
}

/// A feasible random QP: Q = LLᵀ + εI (rank `rank`), A, G ~ N(0,1), b = Az₀, h = Gz₀ + s₀.
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

/// QPs of one size stacked along a leading batch axis.
#[derive(Clone)]
pub struct Stack<T = f64> {
    pub Q: Array3<T>,
    pub q: Array2<T>,
    pub A: Array3<T>,
    pub b: Array2<T>,
    pub G: Array3<T>,
    pub h: Array2<T>,
}

/// Stacks `qps` (all of one size) into batched arrays, example `i` at index `i`.
pub fn stack(qps: &[Qp]) -> Stack {
    let v3 = |f: &dyn Fn(&Qp) -> &Array2<f64>| {
        let views: Vec<_> = qps.iter().map(|q| f(q).view()).collect();
        ndarray::stack(Axis(0), &views).unwrap()
    };
    let v2 = |f: &dyn Fn(&Qp) -> &Array1<f64>| {
        let views: Vec<_> = qps.iter().map(|q| f(q).view()).collect();
        ndarray::stack(Axis(0), &views).unwrap()
    };
    Stack {
        Q: v3(&|q| &q.Q),
        q: v2(&|q| &q.q),
        A: v3(&|q| &q.A),
        b: v2(&|q| &q.b),
        G: v3(&|q| &q.G),
        h: v2(&|q| &q.h),
    }
}

impl<T: Real> Stack<T> {
    /// The batch with every array batched (the builder drops empty A, G).
    pub fn batch(&self) -> QpBatch<'_, T> {
        QpBatch::builder()
            .Q(&self.Q)
            .q(&self.q)
            .A(&self.A)
            .b(&self.b)
            .G(&self.G)
            .h(&self.h)
            .build()
            .unwrap()
    }

    /// Every entry mapped by `f` (e.g. rounded to f32).
    pub fn map<U: Real>(&self, f: impl Fn(T) -> U) -> Stack<U> {
        Stack {
            Q: self.Q.mapv(&f),
            q: self.q.mapv(&f),
            A: self.A.mapv(&f),
            b: self.b.mapv(&f),
            G: self.G.mapv(&f),
            h: self.h.mapv(&f),
        }
    }
}

/// The Maros–Meszaros data; `OPTNET_MM_DIR` overrides it for a test binary run on another
/// machine (the GPU machine).
pub fn data_dir() -> PathBuf {
    std::env::var_os("OPTNET_MM_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/maros_meszaros"),
        PathBuf::from,
    )
}

/// `M` in compressed sparse column form (its upper triangle only if `upper_only`).
pub fn csc(M: ArrayView2<f64>, upper_only: bool) -> CscMatrix<f64> {
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

/// A dense QP as Clarabel takes it: P = triu(Q), the constraints [A; G] z + s = [b; h] with
/// s in the zero cone (m rows) then the nonnegative cone (p rows).
pub struct ClarabelQp {
    P: CscMatrix<f64>,
    q: Vec<f64>,
    AG: CscMatrix<f64>,
    rhs: Vec<f64>,
    cones: Vec<SupportedConeT<f64>>,
}

impl ClarabelQp {
    pub fn new(
        Q: ArrayView2<f64>,
        q: ArrayView1<f64>,
        A: ArrayView2<f64>,
        b: ArrayView1<f64>,
        G: ArrayView2<f64>,
        h: ArrayView1<f64>,
    ) -> Self {
        let (n, m, p) = (q.len(), A.nrows(), G.nrows());
        let mut AG = Array2::<f64>::zeros((m + p, n));
        AG.slice_mut(ndarray::s![..m, ..]).assign(&A);
        AG.slice_mut(ndarray::s![m.., ..]).assign(&G);
        let mut cones = vec![];
        if m > 0 {
            cones.push(ZeroConeT(m));
        }
        if p > 0 {
            cones.push(NonnegativeConeT(p));
        }
        ClarabelQp {
            P: csc(Q, true),
            q: q.to_vec(),
            AG: csc(AG.view(), false),
            rhs: b.iter().chain(h.iter()).copied().collect(),
            cones,
        }
    }

    /// Clarabel's solver for this QP (set up, not yet solved).
    pub fn solver(&self, settings: DefaultSettings<f64>) -> DefaultSolver<f64> {
        DefaultSolver::new(&self.P, &self.q, &self.AG, &self.rhs, &self.cones, settings).unwrap()
    }
}

/// Clarabel's settings at tolerance `tol` (gap and feasibility), quiet, 500 iterations.
pub fn clarabel_settings(tol: f64) -> DefaultSettings<f64> {
    DefaultSettingsBuilder::default()
        .verbose(false)
        .tol_gap_abs(tol)
        .tol_gap_rel(tol)
        .tol_feas(tol)
        .max_iter(500)
        .build()
        .unwrap()
}

/// The reference answer.
pub struct Reference {
    pub status: SolverStatus,
    pub z: Array1<f64>,
    pub nu: Array1<f64>,
    pub lam: Array1<f64>,
    pub obj: f64,
}

/// Solves with Clarabel at tight tolerances (1e-11).
pub fn clarabel(
    Q: ArrayView2<f64>,
    q: ArrayView1<f64>,
    A: ArrayView2<f64>,
    b: ArrayView1<f64>,
    G: ArrayView2<f64>,
    h: ArrayView1<f64>,
) -> Reference {
    let m = A.nrows();
    let mut solver = ClarabelQp::new(Q, q, A, b, G, h).solver(clarabel_settings(1e-11));
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

/// |x − y|, infinite where exactly one of them is NaN (or their difference is: +∞ against
/// −∞), 0 where they are equal or both NaN: a comparison that a NaN cannot pass (`f64::max`
/// drops a NaN argument, so a fold of plain |x − y| would skip it).
pub fn entry_diff(x: f64, y: f64) -> f64 {
    if x == y || (x.is_nan() && y.is_nan()) {
        0.0
    } else {
        let d = (x - y).abs();
        if d.is_nan() {
            f64::INFINITY
        } else {
            d
        }
    }
}

/// max(a, b), NaN if either is (`f64::max` returns the other argument).
pub fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// ‖v‖∞, NaN if an entry is: a residual's norm that a NaN cannot pass (`assert!(r < tol)`
/// fails on it).
pub fn max_abs<'a>(v: impl IntoIterator<Item = &'a f64>) -> f64 {
    v.into_iter().fold(0.0, |m, x| nan_max(m, x.abs()))
}

/// max(0, maxᵢ vᵢ) (the positive part's ∞-norm), NaN if an entry is.
pub fn max_pos<'a>(v: impl IntoIterator<Item = &'a f64>) -> f64 {
    v.into_iter().fold(0.0, |m, &x| nan_max(m, x))
}

/// max |a − b| over two vectors (`entry_diff`).
pub fn max_abs_diff(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .fold(0.0, |m, (x, y)| m.max(entry_diff(*x, *y)))
}

/// The benchmark's first `batch` random QPs of `seed` (`bench_qps::generate`, n = p = 100, Q
/// and G per example) as one batch.
pub fn bench_batch(batch: usize, seed: u64) -> QpBatch<'static, f64> {
    let (Q, q, G, h) = crate::bench_qps::generate(batch, 100, 100, seed);
    QpBatch::builder()
        .Q(Q)
        .q(q)
        .G(G)
        .h(h)
        .check_psd(false)
        .build()
        .unwrap()
}

/// Whether complementarity holds exactly, λᵢ = 0 or sᵢ = 0 for every i (a polished answer).
pub fn exactly_complementary(lam: ArrayView1<f64>, s: ArrayView1<f64>) -> bool {
    lam.iter()
        .zip(s.iter())
        .all(|(&l, &si)| l == 0.0 || si == 0.0)
}

/// max |a − b| over the entries of two arrays of one shape (`entry_diff`: a NaN on one side
/// only is an infinite difference), relative to max(1, ‖b‖∞).
pub fn scaled_diff<D: Dimension>(a: ArrayView<f64, D>, b: ArrayView<f64, D>) -> f64 {
    assert_eq!(a.shape(), b.shape(), "arrays of different shapes");
    let scale = b.iter().fold(1.0f64, |m, x| m.max(x.abs()));
    a.iter()
        .zip(b.iter())
        .fold(0.0f64, |m, (x, y)| m.max(entry_diff(*x, *y)))
        / scale
}

/// The CPU fuzzing's LP unbounded along Az = 0 with no inequalities, shrunk
/// (`fuzz_input::regressions_found_by_fuzzing`; the GPU's `fuzzing_regressions_end_as_on_the_cpu`).
pub fn fuzz_unbounded_lp() -> QpBatch<'static, f64> {
    QpBatch::builder()
        .Q(Array2::<f64>::zeros((6, 6)))
        .q(ndarray::array![-9.09, 3.86, 0.0, 1.39, 2.85, 8.45])
        .A(ndarray::array![[-4.86, 8.87, -7.0, 5.9, 1.3, 4.63]])
        .b(ndarray::array![0.0])
        .build()
        .unwrap()
}

/// The CPU fuzzing's inconsistent equality (a zero row of A with b ≠ 0), shrunk (as
/// [`fuzz_unbounded_lp`]).
pub fn fuzz_inconsistent_equality() -> QpBatch<'static, f64> {
    QpBatch::builder()
        .Q(Array2::<f64>::zeros((2, 2)))
        .q(ndarray::array![1.0, -1.0])
        .A(ndarray::array![[0.0, 0.0]])
        .b(ndarray::array![7.8])
        .build()
        .unwrap()
}

/// The CPU fuzzing's equality with b near the largest double (`fuzz_input`, A = [6.45, −4.12],
/// b = f64::MAX), as a family: min −1.19 z₁ s.t. a z₀ − 4.12 z₁ = b and two zero rows of G, an LP
/// unbounded along z₁ whose solution overflows (the GPU's `answers_that_overflow_are_not_solved`).
pub fn fuzz_overflowing_equality(a: f64, b: f64) -> QpBatch<'static, f64> {
    QpBatch::builder()
        .Q(Array2::<f64>::zeros((2, 2)))
        .q(ndarray::array![0.0, -1.19])
        .A(ndarray::array![[a, -4.12]])
        .b(ndarray::array![b])
        .G(Array2::<f64>::zeros((2, 2)))
        .h(ndarray::array![0.0, 0.0])
        .build()
        .unwrap()
}
