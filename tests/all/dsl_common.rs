//! Helpers shared by the DSL tests: flattening params and inputs into one vector θ (so
//! finite differences can perturb any entry), an independent Clarabel solve of a dense QP,
//! and the checks every layer case runs.
#![allow(dead_code, non_snake_case)]

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, NonnegativeConeT, SolverStatus, ZeroConeT,
};
use optnet::ndarray::{s, Array, Array1, Array2, ArrayD, ArrayView2, CowArray, Dimension};
use optnet::prelude::*;

/// Reads params and inputs off a flat θ.
pub struct Reader<'a> {
    pub v: &'a [f64],
    pub at: usize,
}

/// Something that can be read from and written to a flat vector.
pub trait Flat: Sized {
    fn read(r: &mut Reader<'_>, dims: &[usize]) -> Self;
    fn write(&self, out: &mut Vec<f64>);
}

impl Flat for f64 {
    fn read(r: &mut Reader<'_>, _: &[usize]) -> Self {
        r.at += 1;
        r.v[r.at - 1]
    }
    fn write(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
}

impl<D: Dimension> Flat for Array<f64, D> {
    fn read(r: &mut Reader<'_>, dims: &[usize]) -> Self {
        let len: usize = dims.iter().product();
        let a = ArrayD::from_shape_vec(dims.to_vec(), r.v[r.at..r.at + len].to_vec()).unwrap();
        r.at += len;
        a.into_dimensionality::<D>().unwrap()
    }
    fn write(&self, out: &mut Vec<f64>) {
        out.extend(self.iter().copied());
    }
}

/// A small deterministic pseudo-random sequence in [-1, 1).
pub fn pseudo(seed: u64, len: usize) -> Vec<f64> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// One example's canonical QP as dense arrays (absent constraints are empty).
#[derive(Clone, Debug)]
pub struct Dense {
    pub Q: Array2<f64>,
    pub q: Array1<f64>,
    pub A: Array2<f64>,
    pub b: Array1<f64>,
    pub G: Array2<f64>,
    pub h: Array1<f64>,
}

impl Dense {
    pub fn of(qp: &QpBatch<'_, f64>, i: usize) -> Dense {
        let e = qp.example(i);
        Dense {
            Q: e.Q.to_owned(),
            q: e.q.to_owned(),
            A: e.A.to_owned(),
            b: e.b.to_owned(),
            G: e.G.to_owned(),
            h: e.h.to_owned(),
        }
    }
}

/// ‖v‖∞, NaN if an entry is (a fold through `f64::max` would drop it).
pub fn max_abs<'a>(v: impl IntoIterator<Item = &'a f64>) -> f64 {
    v.into_iter().fold(0.0, |m: f64, x| {
        if m.is_nan() || x.is_nan() {
            f64::NAN
        } else {
            m.max(x.abs())
        }
    })
}

/// max |a − b| over two arrays of one shape; a NaN on one side only (or +∞ against −∞) is an
/// infinite difference, where a fold of plain |x − y| through `f64::max` would drop it.
pub fn max_diff<D: Dimension>(a: &Array<f64, D>, b: &Array<f64, D>) -> f64 {
    assert_eq!(a.shape(), b.shape());
    a.iter().zip(b.iter()).fold(0.0, |m, (&x, &y)| {
        let d = if x == y || (x.is_nan() && y.is_nan()) {
            0.0
        } else {
            (x - y).abs()
        };
        m.max(if d.is_nan() { f64::INFINITY } else { d })
    })
}

/// Asserts two dense QPs are equal to `tol`.
pub fn assert_dense_eq(got: &Dense, want: &Dense, tol: f64, what: &str) {
    for (name, d) in [
        ("Q", max_diff(&got.Q, &want.Q)),
        ("A", max_diff(&got.A, &want.A)),
        ("G", max_diff(&got.G, &want.G)),
    ] {
        assert!(
            d <= tol,
            "{what}: {name} differs by {d}\ngot {got:?}\nwant {want:?}"
        );
    }
    for (name, d) in [
        ("q", max_diff(&got.q, &want.q)),
        ("b", max_diff(&got.b, &want.b)),
        ("h", max_diff(&got.h, &want.h)),
    ] {
        assert!(
            d <= tol,
            "{what}: {name} differs by {d}\ngot {got:?}\nwant {want:?}"
        );
    }
}

fn csc(M: ArrayView2<f64>, upper: bool) -> CscMatrix<f64> {
    let (m, n) = M.dim();
    let (mut colptr, mut rowval, mut nzval) = (vec![0], vec![], vec![]);
    for j in 0..n {
        for i in 0..m {
            if (!upper || i <= j) && M[[i, j]] != 0.0 {
                rowval.push(i);
                nzval.push(M[[i, j]]);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

/// Solves a dense QP with Clarabel (the independent reference).
pub fn clarabel(d: &Dense) -> Array1<f64> {
    let (m, p, n) = (d.A.nrows(), d.G.nrows(), d.q.len());
    let mut stacked = Array2::<f64>::zeros((m + p, n));
    stacked.slice_mut(s![..m, ..]).assign(&d.A);
    stacked.slice_mut(s![m.., ..]).assign(&d.G);
    let rhs: Vec<f64> = d.b.iter().chain(d.h.iter()).copied().collect();
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
    let q: Vec<f64> = d.q.to_vec();
    let mut solver = DefaultSolver::new(
        &csc(d.Q.view(), true),
        &q,
        &csc(stacked.view(), false),
        &rhs,
        &cones,
        settings,
    )
    .unwrap();
    solver.solve();
    assert_eq!(solver.solution.status, SolverStatus::Solved, "clarabel");
    Array1::from(solver.solution.x.clone())
}

/// A function of θ.
pub type ThetaFn<R> = Box<dyn Fn(&[f64]) -> R>;
/// A function of θ and one more argument.
pub type ThetaFn2<A, R> = Box<dyn Fn(&[f64], A) -> R>;
/// The canonical QP and its solution (z, λ, ν).
pub type Solved = (QpBatch<'static, f64>, Array2<f64>, Array2<f64>, Array2<f64>);
/// ∂ℓ/∂θ given ∂ℓ/∂outputs.
pub type GradFn = Box<dyn Fn(&[f64], &Array2<f64>) -> Vec<f64>>;

/// A layer under test, seen through a flat θ = (params, inputs).
pub struct Case {
    pub name: &'static str,
    pub theta: Vec<f64>,
    pub n_params: usize,
    pub batch: usize,
    /// Number of user-variable entries (they come first in the canonical z).
    pub n_user: usize,
    pub canon: ThetaFn<QpBatch<'static, f64>>,
    /// Forward: the user variables per example, flattened `[batch, n_user]`, and statuses.
    pub forward: ThetaFn<(Array2<f64>, Vec<Status>)>,
    /// ∂ℓ/∂θ for ℓ = ⟨c, outputs⟩ with the case's fixed c (flattened like `forward`).
    pub grad: GradFn,
    /// Forward, then the canonical QP, its solution (z, λ, ν per example) for `reference_grad`.
    pub solve: ThetaFn<Solved>,
    /// The data VJP: ∂/∂θ of ⟨dQP, QP(θ)⟩.
    pub data_vjp: ThetaFn2<QpGrad<f64>, Vec<f64>>,
    /// The hand-built canonical QP of example i.
    pub expected: ThetaFn2<usize, Dense>,
}

/// Builds a [`Case`] for a generated layer.
#[macro_export]
macro_rules! case {
    (
        $name:literal, $L:ident, $P:ident, $I:ident, $OG:ident,
        sizes ($($s:expr),*), batch $B:expr,
        params { $($p:ident : [$($pd:expr),*]),* $(,)? },
        inputs { $($x:ident : $xdim:ty [$($xd:expr),*]),* $(,)? },
        vars [$($v:ident),*],
        expected |$th:ident, $i:ident, $pp:ident, $ii:ident| $exp:block
    ) => {{
        use $crate::dsl_common::*;
        use optnet::ndarray::{Array, Array2};
        use optnet::prelude::*;
        #[allow(unused)]
        struct Ins { $($x: Array<f64, $xdim>,)* }
        fn make(th: &[f64]) -> ($L<f64>, Ins) {
            let mut r = Reader { v: th, at: 0 };
            #[allow(clippy::redundant_field_names)]
            #[allow(clippy::needless_update)]
            let params = $P { $($p: Flat::read(&mut r, &[$($pd),*]),)* ..Default::default() };
            let ins = Ins { $($x: Flat::read(&mut r, &[$B, $($xd),*]),)* };
            assert_eq!(r.at, th.len());
            ($L::new($($s,)* params).expect("valid layer"), ins)
        }
        #[allow(unused)]
        fn params_of(th: &[f64]) -> $P<f64> {
            make(th).0.params().clone()
        }
        let n_params: usize = 0 $(+ [1usize $(* $pd)*].iter().product::<usize>())*;
        let n_inputs: usize = 0 $(+ $B $(* $xd)*)*;
        #[allow(unused_mut)]
        let mut theta = pseudo(7, n_params + n_inputs);
        // Scalar params are weights with declared signs here: make them positive.
        #[allow(unused_mut)]
        let mut at = 0;
        $(
            let len = [1usize $(* $pd)*].iter().product::<usize>();
            let dims: [usize; 0 $(+ { let _ = $pd; 1 })*] = [$($pd),*];
            if dims.is_empty() {
                theta[at] = theta[at].abs() + 0.1;
            }
            at += len;
        )*
        let _ = at;
        let (layer0, ins0) = make(&theta);
        let out0 = layer0.forward(&$I { $($x: ins0.$x.view()),* }, &Solver::cpu()).unwrap();
        let n_user: usize = 0 $(+ out0.$v.len() / $B)*;
        Case {
            name: $name,
            theta,
            n_params,
            batch: $B,
            n_user,
            canon: Box::new(|th| {
                let (layer, ins) = make(th);
                layer.canonicalize(&$I { $($x: ins.$x.view()),* }).unwrap()
            }),
            forward: Box::new(|th| {
                let (layer, ins) = make(th);
                let out = layer.forward(&$I { $($x: ins.$x.view()),* }, &Solver::cpu()).unwrap();
                let mut rows: Vec<f64> = Vec::new();
                for e in 0..$B {
                    $( rows.extend(out.$v.index_axis(optnet::ndarray::Axis(0), e).iter().copied()); )*
                }
                let n_user = rows.len() / $B;
                (Array2::from_shape_vec(($B, n_user), rows).unwrap(), out.status.clone())
            }),
            grad: Box::new(|th, c| {
                let (layer, ins) = make(th);
                let out = layer.forward(&$I { $($x: ins.$x.view()),* }, &Solver::cpu()).unwrap();
                // Split c back into one array per variable, shaped like the outputs.
                let mut at = 0;
                $(
                    let per = out.$v.len() / $B;
                    let mut $v = out.$v.clone();
                    for e in 0..$B {
                        let src = c.slice(optnet::ndarray::s![e, at..at + per]);
                        for (dst, &val) in $v.index_axis_mut(optnet::ndarray::Axis(0), e).iter_mut().zip(src.iter()) {
                            *dst = val;
                        }
                    }
                    at += per;
                )*
                let _ = at;
                let g = layer.backward(&out, &$OG { $($v: $v.view()),* }).unwrap();
                let mut flat = Vec::new();
                $( g.params.$p.write(&mut flat); )*
                $( g.inputs.$x.write(&mut flat); )*
                flat
            }),
            solve: Box::new(|th| {
                let (layer, ins) = make(th);
                let out = layer.forward(&$I { $($x: ins.$x.view()),* }, &Solver::cpu()).unwrap();
                let sol = &out.solution;
                (out.qp.clone(), sol.z.clone(), sol.lam.clone(), sol.nu.clone())
            }),
            data_vjp: Box::new(|th, qg| {
                let (layer, ins) = make(th);
                let g = layer.backward_qp(&$I { $($x: ins.$x.view()),* }, qg).unwrap();
                let mut flat = Vec::new();
                $( g.params.$p.write(&mut flat); )*
                $( g.inputs.$x.write(&mut flat); )*
                flat
            }),
            expected: Box::new(|$th, $i| {
                let (layer, $ii) = make($th);
                let $pp = layer.params().clone();
                $exp
            }),
        }
    }};
}

/// Dense block matrix from rows of blocks.
pub fn bmat(rows: &[&[Array2<f64>]]) -> Array2<f64> {
    use optnet::ndarray::{concatenate, Axis};
    let rs: Vec<Array2<f64>> = rows
        .iter()
        .map(|r| concatenate(Axis(1), &r.iter().map(|b| b.view()).collect::<Vec<_>>()).unwrap())
        .collect();
    concatenate(Axis(0), &rs.iter().map(|b| b.view()).collect::<Vec<_>>()).unwrap()
}

/// Concatenated vectors.
pub fn bvec(parts: &[Array1<f64>]) -> Array1<f64> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

pub fn eye(n: usize) -> Array2<f64> {
    Array2::eye(n)
}
pub fn zeros(r: usize, c: usize) -> Array2<f64> {
    Array2::zeros((r, c))
}
pub fn ones(n: usize) -> Array1<f64> {
    Array1::ones(n)
}
pub fn zvec(n: usize) -> Array1<f64> {
    Array1::zeros(n)
}
/// A row vector as a 1 × n matrix.
pub fn row(v: &Array1<f64>) -> Array2<f64> {
    v.clone().insert_axis(optnet::ndarray::Axis(0))
}
/// A column vector as an n × 1 matrix.
pub fn col(v: &Array1<f64>) -> Array2<f64> {
    v.clone().insert_axis(optnet::ndarray::Axis(1))
}
/// An empty constraint block with n columns.
pub fn none(n: usize) -> (Array2<f64>, Array1<f64>) {
    (Array2::zeros((0, n)), Array1::zeros(0))
}

/// A random QP-data gradient with the batch layout of `qp`.
pub fn random_qp_grad(qp: &QpBatch<'_, f64>, seed: u64) -> QpGrad<f64> {
    use optnet::ndarray::{Ix1, Ix2};
    fn t2(t: &Term<'_, f64, Ix2>, seed: u64) -> Term<'static, f64, Ix2> {
        let sh = t.shape();
        let len = sh.iter().product();
        let a = ArrayD::from_shape_vec(sh.clone(), pseudo(seed, len)).unwrap();
        match t {
            Term::Shared(_) => {
                Term::Shared(CowArray::from(a.into_dimensionality::<Ix2>().unwrap()))
            }
            Term::Batched(_) => Term::Batched(CowArray::from(
                a.into_dimensionality::<optnet::ndarray::Ix3>().unwrap(),
            )),
        }
    }
    fn t1(t: &Term<'_, f64, Ix1>, seed: u64) -> Term<'static, f64, Ix1> {
        let sh = t.shape();
        let len = sh.iter().product();
        let a = ArrayD::from_shape_vec(sh.clone(), pseudo(seed, len)).unwrap();
        match t {
            Term::Shared(_) => {
                Term::Shared(CowArray::from(a.into_dimensionality::<Ix1>().unwrap()))
            }
            Term::Batched(_) => {
                Term::Batched(CowArray::from(a.into_dimensionality::<Ix2>().unwrap()))
            }
        }
    }
    QpGrad {
        dQ: t2(qp.Q(), seed),
        dq: t1(qp.q(), seed + 1),
        dA: qp.A().map(|t| t2(t, seed + 2)),
        db: qp.b().map(|t| t1(t, seed + 3)),
        dG: qp.G().map(|t| t2(t, seed + 4)),
        dh: qp.h().map(|t| t1(t, seed + 5)),
    }
}

/// ⟨dQP, QP⟩ summed over what each term holds (a shared term once).
pub fn pair(qg: &QpGrad<f64>, qp: &QpBatch<'_, f64>) -> f64 {
    use optnet::ndarray::{Ix1, Ix2};
    fn dot2(a: &Term<'_, f64, Ix2>, b: &Term<'_, f64, Ix2>) -> f64 {
        match (a, b) {
            (Term::Shared(x), Term::Shared(y)) => (x * y).sum(),
            (Term::Batched(x), Term::Batched(y)) => (x * y).sum(),
            _ => panic!("layout mismatch"),
        }
    }
    fn dot1(a: &Term<'_, f64, Ix1>, b: &Term<'_, f64, Ix1>) -> f64 {
        match (a, b) {
            (Term::Shared(x), Term::Shared(y)) => (x * y).sum(),
            (Term::Batched(x), Term::Batched(y)) => (x * y).sum(),
            _ => panic!("layout mismatch"),
        }
    }
    let mut s = dot2(&qg.dQ, qp.Q()) + dot1(&qg.dq, qp.q());
    if let (Some(a), Some(b)) = (&qg.dA, qp.A()) {
        s += dot2(a, b);
    }
    if let (Some(a), Some(b)) = (&qg.db, qp.b()) {
        s += dot1(a, b);
    }
    if let (Some(a), Some(b)) = (&qg.dG, qp.G()) {
        s += dot2(a, b);
    }
    if let (Some(a), Some(b)) = (&qg.dh, qp.h()) {
        s += dot1(a, b);
    }
    s
}

/// Canonical data of every example equals the hand-built QP.
pub fn check_canonical(c: &Case) {
    let qp = (c.canon)(&c.theta);
    assert_eq!(qp.batch(), c.batch);
    for i in 0..c.batch {
        let want = (c.expected)(&c.theta, i);
        assert_dense_eq(
            &Dense::of(&qp, i),
            &want,
            1e-12,
            &format!("{} example {i}", c.name),
        );
    }
}

/// The generated VJP of the data equals central differences of ⟨dQP, QP(θ)⟩.
pub fn check_data_vjp(c: &Case) {
    let qp = (c.canon)(&c.theta);
    let qg = random_qp_grad(&qp, 11);
    let got = (c.data_vjp)(&c.theta, qg.clone());
    assert_eq!(got.len(), c.theta.len(), "{}: gradient length", c.name);
    let h = 1e-6;
    for k in 0..c.theta.len() {
        let mut tp = c.theta.clone();
        tp[k] += h;
        let mut tm = c.theta.clone();
        tm[k] -= h;
        let fd = (pair(&qg, &(c.canon)(&tp)) - pair(&qg, &(c.canon)(&tm))) / (2.0 * h);
        let err = (fd - got[k]).abs();
        assert!(
            err <= 1e-6 * (1.0 + fd.abs()),
            "{}: data VJP of θ[{k}] is {} but central differences give {fd}",
            c.name,
            got[k]
        );
    }
}

/// The layer's forward pass equals Clarabel on the hand-built QP.
pub fn check_forward(c: &Case) {
    let (z, status) = (c.forward)(&c.theta);
    assert!(
        status.iter().all(|s| *s == Status::Solved),
        "{}: {status:?}",
        c.name
    );
    for i in 0..c.batch {
        let want = clarabel(&(c.expected)(&c.theta, i));
        for j in 0..c.n_user {
            let d = (z[[i, j]] - want[j]).abs();
            assert!(
                d <= 1e-6 * (1.0 + want[j].abs()),
                "{}: example {i} entry {j}: layer {} vs Clarabel {}",
                c.name,
                z[[i, j]],
                want[j]
            );
        }
    }
}

/// Every gradient equals central differences through the whole layer.
pub fn check_gradients(c: &Case) {
    let cvec = Array2::from_shape_vec((c.batch, c.n_user), pseudo(3, c.batch * c.n_user)).unwrap();
    let got = (c.grad)(&c.theta, &cvec);
    assert_eq!(got.len(), c.theta.len());
    fd_compare(c, &got, &cvec);
}

/// Solves the dense system `M x = r` by Gaussian elimination with partial pivoting.
pub fn dense_solve(mut M: Array2<f64>, mut r: Array1<f64>) -> Array1<f64> {
    let n = r.len();
    for k in 0..n {
        let piv = (k..n)
            .max_by(|&a, &b| M[[a, k]].abs().total_cmp(&M[[b, k]].abs()))
            .unwrap();
        if piv != k {
            for j in 0..n {
                M.swap([k, j], [piv, j]);
            }
            r.swap(k, piv);
        }
        let d = M[[k, k]];
        assert!(d.abs() > 1e-300, "singular KKT system");
        for i in k + 1..n {
            let f = M[[i, k]] / d;
            if f != 0.0 {
                for j in k..n {
                    M[[i, j]] -= f * M[[k, j]];
                }
                r[i] -= f * r[k];
            }
        }
    }
    let mut x = Array1::zeros(n);
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|j| M[[k, j]] * x[j]).sum();
        x[k] = (r[k] - s) / M[[k, k]];
    }
    x
}

/// An independent backward pass: OptNet eqs. 6–8 by a dense solve of the full
/// (unreduced) KKT system at the solution, for dℓ/dz = `c` on the canonical variables.
pub fn reference_grad(
    qp: &QpBatch<'_, f64>,
    z: &Array2<f64>,
    lam: &Array2<f64>,
    nu: &Array2<f64>,
    c: &Array2<f64>,
) -> QpGrad<f64> {
    use optnet::ndarray::{Array3, Ix1, Ix2};
    let (bs, n, m, p) = (qp.batch(), qp.n(), qp.m(), qp.p());
    let mut dQ = Array3::<f64>::zeros((bs, n, n));
    let mut dq = Array2::<f64>::zeros((bs, n));
    let mut dA = Array3::<f64>::zeros((bs, m, n));
    let mut db = Array2::<f64>::zeros((bs, m));
    let mut dG = Array3::<f64>::zeros((bs, p, n));
    let mut dh = Array2::<f64>::zeros((bs, p));
    for i in 0..bs {
        let e = Dense::of(qp, i);
        let (zi, li, ni) = (z.row(i), lam.row(i), nu.row(i));
        let slack = e.G.dot(&zi) - &e.h;
        // K = [[Q, Gᵀ, Aᵀ], [D(λ)G, D(Gz − h), 0], [A, 0, 0]]; solve Kᵀ d = −[c; 0; 0].
        let N = n + p + m;
        let mut K = Array2::<f64>::zeros((N, N));
        K.slice_mut(s![..n, ..n]).assign(&e.Q);
        K.slice_mut(s![..n, n..n + p]).assign(&e.G.t());
        K.slice_mut(s![..n, n + p..]).assign(&e.A.t());
        for k in 0..p {
            for j in 0..n {
                K[[n + k, j]] = li[k] * e.G[[k, j]];
            }
            K[[n + k, n + k]] = slack[k];
        }
        K.slice_mut(s![n + p.., ..n]).assign(&e.A);
        let mut rhs = Array1::<f64>::zeros(N);
        for j in 0..n {
            rhs[j] = -c[[i, j]];
        }
        let d = dense_solve(K.t().to_owned(), rhs);
        let (dz, dl, dn) = (
            d.slice(s![..n]),
            d.slice(s![n..n + p]),
            d.slice(s![n + p..]),
        );
        for a in 0..n {
            for b in 0..n {
                dQ[[i, a, b]] = 0.5 * (dz[a] * zi[b] + zi[a] * dz[b]);
            }
            dq[[i, a]] = dz[a];
        }
        for k in 0..m {
            for j in 0..n {
                dA[[i, k, j]] = dn[k] * zi[j] + ni[k] * dz[j];
            }
            db[[i, k]] = -dn[k];
        }
        for k in 0..p {
            for j in 0..n {
                dG[[i, k, j]] = li[k] * dl[k] * zi[j] + li[k] * dz[j];
            }
            dh[[i, k]] = -li[k] * dl[k];
        }
    }
    fn lay2(t: &Term<'_, f64, Ix2>, a: Array3<f64>) -> Term<'static, f64, Ix2> {
        if t.is_shared() {
            Term::Shared(CowArray::from(a.sum_axis(optnet::ndarray::Axis(0))))
        } else {
            Term::Batched(CowArray::from(a))
        }
    }
    fn lay1(t: &Term<'_, f64, Ix1>, a: Array2<f64>) -> Term<'static, f64, Ix1> {
        if t.is_shared() {
            Term::Shared(CowArray::from(a.sum_axis(optnet::ndarray::Axis(0))))
        } else {
            Term::Batched(CowArray::from(a))
        }
    }
    QpGrad {
        dQ: lay2(qp.Q(), dQ),
        dq: lay1(qp.q(), dq),
        dA: qp.A().map(|t| lay2(t, dA)),
        db: qp.b().map(|t| lay1(t, db)),
        dG: qp.G().map(|t| lay2(t, dG)),
        dh: qp.h().map(|t| lay1(t, dh)),
    }
}

/// Gradients through the whole layer, with the QP step differentiated by
/// [`reference_grad`] and the rest by the generated code, equal central differences.
pub fn check_gradients_reference(c: &Case) {
    let cvec = Array2::from_shape_vec((c.batch, c.n_user), pseudo(3, c.batch * c.n_user)).unwrap();
    let (qp, z, lam, nu) = (c.solve)(&c.theta);
    let mut cz = Array2::<f64>::zeros((c.batch, qp.n()));
    cz.slice_mut(s![.., ..c.n_user]).assign(&cvec);
    let qg = reference_grad(&qp, &z, &lam, &nu, &cz);
    let got = (c.data_vjp)(&c.theta, qg);
    fd_compare(c, &got, &cvec);
}

fn fd_compare(c: &Case, got: &[f64], cvec: &Array2<f64>) {
    let loss = |th: &[f64]| -> f64 {
        let (z, status) = (c.forward)(th);
        assert!(status.iter().all(|s| *s == Status::Solved));
        (&z * cvec).sum()
    };
    let h = 1e-5;
    for k in 0..c.theta.len() {
        let mut tp = c.theta.clone();
        tp[k] += h;
        let mut tm = c.theta.clone();
        tm[k] -= h;
        let fd = (loss(&tp) - loss(&tm)) / (2.0 * h);
        let err = (fd - got[k]).abs() / (1.0 + fd.abs());
        assert!(
            err <= 1e-5,
            "{}: ∂ℓ/∂θ[{k}] ({}) is {} but central differences give {fd}",
            c.name,
            if k < c.n_params { "param" } else { "input" },
            got[k]
        );
    }
}
