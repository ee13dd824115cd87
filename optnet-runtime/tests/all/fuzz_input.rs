//! Property tests (proptest) over the solver's input path: the `QpBatch` builder's
//! validation and the CPU solve behind it, and the `.npz` QP file reader.
//!
//! Claims, for any input: no panic; no hang (every case finishes in seconds); an `Err` for
//! bad input; and no NaN or infinity in an example reported `Solved`. Inputs mix random
//! shapes (including empty arrays and mismatched or batched/shared dimensions), NaN and
//! ±Inf, huge (1e150…1e308) and tiny (1e-300, subnormal) magnitudes, asymmetric and
//! indefinite Q, and infeasible or unbounded problems.
//!
//! `PROPTEST_CASES=N` sets the number of cases per property (default 64 here, to keep CI
//! fast); a long run is e.g. `PROPTEST_CASES=20000 cargo test -p optnet-runtime --release
//! --test all fuzz_input::`.

use crate::common::{
    fuzz_inconsistent_equality, fuzz_overflowing_equality, fuzz_unbounded_lp, max_abs, max_pos, npz,
};
use ndarray::{Array1, Array2, Array3};
use optnet_runtime::{QpBatch, Real, Settings, Solution, Solver, Status, Term};
use proptest::prelude::*;
use std::io::Cursor;
use std::time::{Duration, Instant};

/// No single case may take longer than this (a hang shows up as a failure, not a stall).
const CASE_LIMIT: Duration = Duration::from_secs(20);

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A value: mostly ordinary, sometimes zero, extreme or not finite.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => -10.0f64..10.0,
        2 => Just(0.0),
        1 => prop_oneof![
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MAX),
            Just(-f64::MAX),
            Just(1e300),
            Just(-1e150),
            Just(1e-300),
            Just(5e-324),
            Just(f64::MIN_POSITIVE),
            Just(1e20),
            Just(-1e-20),
        ],
    ]
}

/// How Q is made.
#[derive(Clone, Debug)]
enum QKind {
    /// Arbitrary entries: asymmetric, indefinite.
    Raw,
    /// ½(M + Mᵀ): symmetric, usually indefinite.
    Symmetric,
    /// s·LLᵀ: PSD (singular when L has few columns), scaled by s.
    Psd(f64, usize),
    Zero,
}

fn qkind() -> impl Strategy<Value = QKind> {
    prop_oneof![
        Just(QKind::Raw),
        Just(QKind::Symmetric),
        (
            prop_oneof![
                Just(1.0),
                Just(1e-12),
                Just(1e12),
                Just(1e-300),
                Just(1e150)
            ],
            0usize..4
        )
            .prop_map(|(s, r)| QKind::Psd(s, r)),
        Just(QKind::Zero),
    ]
}

/// The description of one fuzzed problem batch.
#[derive(Clone, Debug)]
struct Case {
    batch: usize,
    n: usize,
    m: usize,
    p: usize,
    qkind: QKind,
    /// Per array (Q, q, A, b, G, h): batched (true) or shared.
    batched: [bool; 6],
    /// Per array: an off-by-one in its first example dimension (a shape error).
    bad_dim: [bool; 6],
    /// Whether A/b and G/h are given at all.
    with_eq: bool,
    with_in: bool,
    /// Whether to drop one array of a pair (a missing-array error).
    drop_one: Option<usize>,
    values: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        // Batches of 8 and more are solved in lockstep (`Settings::lockstep`).
        (
            prop_oneof![3 => 0usize..4, 1 => 8usize..12],
            0usize..7,
            0usize..4,
            0usize..6,
        ),
        qkind(),
        (
            any::<[bool; 6]>(),
            any::<[bool; 6]>().prop_map(|b| b.map(|x| x && rare())),
        ),
        (any::<bool>(), any::<bool>()),
        prop_oneof![8 => Just(None), 1 => (0usize..6).prop_map(Some)],
        prop::collection::vec(value(), 64..512),
    )
        .prop_map(
            |(
                (batch, n, m, p),
                qkind,
                (batched, bad_dim),
                (with_eq, with_in),
                drop_one,
                values,
            )| {
                Case {
                    batch,
                    n,
                    m,
                    p,
                    qkind,
                    batched,
                    bad_dim,
                    with_eq,
                    with_in,
                    drop_one,
                    values,
                }
            },
        )
}

/// A shape error in about one array of 48 (with proptest's `any::<bool>()`, ½).
fn rare() -> bool {
    use std::sync::atomic::{AtomicU64, Ordering};
    static C: AtomicU64 = AtomicU64::new(0);
    C.fetch_add(1, Ordering::Relaxed) % 24 == 0
}

/// Cycles through the case's values.
struct Values<'a> {
    v: &'a [f64],
    i: usize,
}

impl Values<'_> {
    fn next(&mut self) -> f64 {
        let x = self.v[self.i % self.v.len()];
        self.i += 1;
        x
    }
}

/// The arrays of a case, batch axis included where batched.
struct Arrays {
    Q: Term<'static, f64, ndarray::Ix2>,
    q: Term<'static, f64, ndarray::Ix1>,
    A: Term<'static, f64, ndarray::Ix2>,
    b: Term<'static, f64, ndarray::Ix1>,
    G: Term<'static, f64, ndarray::Ix2>,
    h: Term<'static, f64, ndarray::Ix1>,
}

fn matrix(vals: &mut Values, r: usize, c: usize) -> Array2<f64> {
    Array2::from_shape_fn((r, c), |_| vals.next())
}

fn make_q(vals: &mut Values, kind: &QKind, n: usize) -> Array2<f64> {
    match kind {
        QKind::Raw => matrix(vals, n, n),
        QKind::Symmetric => {
            let M = matrix(vals, n, n);
            (&M + &M.t()) * 0.5
        }
        QKind::Psd(s, r) => {
            // Finite, ordinary entries for L so that the product is PSD.
            let L = Array2::from_shape_fn((n, *r), |_| {
                let x = vals.next();
                if x.is_finite() && x.abs() < 1e3 {
                    x
                } else {
                    1.0
                }
            });
            L.dot(&L.t()) * *s
        }
        QKind::Zero => Array2::zeros((n, n)),
    }
}

fn arrays(c: &Case) -> Arrays {
    let mut vals = Values { v: &c.values, i: 0 };
    let d = |k: usize, x: usize| if c.bad_dim[k] { x + 1 } else { x };
    let mat = |vals: &mut Values, k: usize, r: usize, cols: usize, q: bool| {
        let r = d(k, r);
        if c.batched[k] {
            let mut a = Array3::zeros((c.batch, r, cols));
            for mut e in a.outer_iter_mut() {
                let m = if q {
                    make_q(vals, &c.qkind, cols)
                        .slice(ndarray::s![..r.min(cols), ..])
                        .to_owned()
                } else {
                    matrix(vals, r, cols)
                };
                e.slice_mut(ndarray::s![..m.nrows(), ..]).assign(&m);
            }
            Term::Batched(a.into())
        } else if q && r == cols {
            Term::Shared(make_q(vals, &c.qkind, cols).into())
        } else {
            Term::Shared(matrix(vals, r, cols).into())
        }
    };
    let vec = |vals: &mut Values, k: usize, len: usize| {
        let len = d(k, len);
        if c.batched[k] {
            Term::Batched(Array2::from_shape_fn((c.batch, len), |_| vals.next()).into())
        } else {
            Term::Shared(Array1::from_shape_fn(len, |_| vals.next()).into())
        }
    };
    Arrays {
        Q: mat(&mut vals, 0, c.n, c.n, true),
        q: vec(&mut vals, 1, c.n),
        A: mat(&mut vals, 2, c.m, c.n, false),
        b: vec(&mut vals, 3, c.m),
        G: mat(&mut vals, 4, c.p, c.n, false),
        h: vec(&mut vals, 5, c.p),
    }
}

fn build(c: &Case, a: Arrays) -> Result<QpBatch<'static, f64>, optnet_runtime::Error> {
    let mut bld = QpBatch::builder();
    let keep = |k: usize| c.drop_one != Some(k);
    if keep(0) {
        bld = bld.Q(a.Q);
    }
    if keep(1) {
        bld = bld.q(a.q);
    }
    if c.with_eq {
        if keep(2) {
            bld = bld.A(a.A);
        }
        if keep(3) {
            bld = bld.b(a.b);
        }
    }
    if c.with_in {
        if keep(4) {
            bld = bld.G(a.G);
        }
        if keep(5) {
            bld = bld.h(a.h);
        }
    }
    if c.batched.iter().all(|b| !b) {
        bld = bld.batch_size(c.batch);
    }
    bld.build()
}

/// Every example reported `Solved` has finite values everywhere and satisfies its
/// constraints (recomputed in f64 from the input, relative to the scale of the terms
/// max(1, ‖(b, h)‖∞, ‖|A||z|‖∞, ‖|G||z|‖∞), where that does not itself overflow);
/// statuses are one per example.
fn check_solution<T: Real>(
    qp: &QpBatch<'_, T>,
    sol: &Solution<T>,
    tol: f64,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(sol.status.len(), qp.batch());
    for (i, st) in sol.status.iter().enumerate() {
        if *st != Status::Solved {
            continue;
        }
        let finite = sol.z.row(i).iter().all(|x| x.is_finite())
            && sol.nu.row(i).iter().all(|x| x.is_finite())
            && sol.lam.row(i).iter().all(|x| x.is_finite())
            && sol.s.row(i).iter().all(|x| x.is_finite())
            && sol.objective[i].is_finite();
        prop_assert!(finite, "example {} is Solved with a non-finite value", i);
        let ex = qp.example(i);
        let z = sol.z.row(i).mapv(|x| x.to64());
        let f = |a: ndarray::ArrayView2<T>| a.mapv(|x| x.to64());
        let v = |a: ndarray::ArrayView1<T>| a.mapv(|x| x.to64());
        let (Az, Gz) = (f(ex.A).dot(&z), f(ex.G).dot(&z));
        let r_eq = max_abs(&(&Az - &v(ex.b)));
        let r_in = max_pos(&(&Gz - &v(ex.h)));
        // The scale of the terms, |A||z| (not |Az|, which cancellation can make small):
        // rounding in Az is relative to it.
        let za = z.mapv(f64::abs);
        let (Aa, Ga) = (f(ex.A).mapv(f64::abs), f(ex.G).mapv(f64::abs));
        let scale = 1f64
            .max(max_abs(&v(ex.b)))
            .max(max_abs(&v(ex.h)))
            .max(max_abs(&Aa.dot(&za)))
            .max(max_abs(&Ga.dot(&za)));
        let viol = r_eq.max(r_in) / scale;
        if viol.is_finite() {
            prop_assert!(
                viol <= tol,
                "example {} is Solved but violates its constraints by {:e}",
                i,
                viol
            );
        }
    }
    Ok(())
}

/// `FUZZ_VERBOSE=1` prints what each case built and how it ended.
fn verbose() -> bool {
    std::env::var_os("FUZZ_VERBOSE").is_some()
}

fn solver() -> Solver {
    Solver::cpu()
        .with_settings(Settings {
            threads: Some(1),
            ..Settings::default()
        })
        .unwrap()
}

proptest! {
    #![proptest_config(config())]

    /// Builder validation and the solve behind it: never a panic, never a Solved NaN.
    #[test]
    fn builder_and_solver_never_panic(c in case()) {
        let t = Instant::now();
        let built = build(&c, arrays(&c));
        if verbose() {
            eprintln!("FUZZ {:?}", built.as_ref().map(|q| (q.batch(), q.n(), q.m(), q.p())));
        }
        if let Ok(qp) = built {
            // Validation let it through: the data is finite with a symmetric PSD Q.
            let sol = solver().solve(&qp).unwrap();
            if verbose() {
                eprintln!("FUZZ status {:?}", sol.status);
            }
            check_solution(&qp, &sol, 1e-6)?;
            // The backward pass accepts any solution of this batch.
            let dl = Array2::<f64>::ones((qp.batch(), qp.n()));
            let g = solver().backward(&qp, &sol, dl.view()).unwrap();
            prop_assert!(g.dq.shape().iter().product::<usize>() <= qp.batch().max(1) * qp.n());
        }
        prop_assert!(t.elapsed() < CASE_LIMIT, "case took {:?}", t.elapsed());
    }

    /// The same in `f32`, where overflow comes sooner.
    #[test]
    fn f32_builder_and_solver_never_panic(c in case()) {
        let t = Instant::now();
        let a = arrays(&c);
        let cast2 = |t: Term<'static, f64, ndarray::Ix2>| -> Term<'static, f32, ndarray::Ix2> {
            match t {
                Term::Shared(a) => Term::Shared(a.mapv(|x| x as f32).into()),
                Term::Batched(a) => Term::Batched(a.mapv(|x| x as f32).into()),
            }
        };
        let cast1 = |t: Term<'static, f64, ndarray::Ix1>| -> Term<'static, f32, ndarray::Ix1> {
            match t {
                Term::Shared(a) => Term::Shared(a.mapv(|x| x as f32).into()),
                Term::Batched(a) => Term::Batched(a.mapv(|x| x as f32).into()),
            }
        };
        let mut bld = QpBatch::<f32>::builder().Q(cast2(a.Q)).q(cast1(a.q));
        if c.with_eq {
            bld = bld.A(cast2(a.A)).b(cast1(a.b));
        }
        if c.with_in {
            bld = bld.G(cast2(a.G)).h(cast1(a.h));
        }
        if c.batched.iter().all(|b| !b) {
            bld = bld.batch_size(c.batch);
        }
        if let Ok(qp) = bld.build() {
            let sol = solver().solve(&qp).unwrap();
            check_solution(&qp, &sol, 1e-3)?;
        }
        prop_assert!(t.elapsed() < CASE_LIMIT, "case took {:?}", t.elapsed());
    }

    /// The QP file reader on random bytes: an `Err`, never a panic.
    #[test]
    fn npz_reader_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = npz::read_qp(Cursor::new(bytes));
    }

    /// The QP file reader on damaged real files (truncated, bytes overwritten), then the
    /// builder and solver on whatever it accepts.
    #[test]
    fn npz_reader_on_damaged_files(
        file in 0usize..44,
        cut in 0.0f64..1.0,
        flips in prop::collection::vec((0.0f64..1.0, any::<u8>()), 0..8),
    ) {
        let t = Instant::now();
        let mut bytes = std::fs::read(&mm_files()[file]).unwrap();
        for (at, v) in flips {
            let k = ((bytes.len() as f64) * at) as usize;
            if k < bytes.len() {
                bytes[k] = v;
            }
        }
        if cut < 0.5 {
            bytes.truncate(((bytes.len() as f64) * cut * 2.0) as usize);
        }
        if let Ok(f) = npz::read_qp(Cursor::new(bytes)) {
            let mut bld = QpBatch::builder().Q(f.Q).q(f.q);
            if let Some((A, b)) = f.A {
                bld = bld.A(A).b(b);
            }
            if let Some((G, h)) = f.G {
                bld = bld.G(G).h(h);
            }
            if let Ok(qp) = bld.build() {
                let sol = solver().solve(&qp).unwrap();
                check_solution(&qp, &sol, 1e-6)?;
            }
        }
        prop_assert!(t.elapsed() < CASE_LIMIT, "case took {:?}", t.elapsed());
    }
}

fn mm_files() -> Vec<std::path::PathBuf> {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/maros_meszaros");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "npz"))
        .collect();
    v.sort();
    v
}

/// Edge cases the strategies reach only by luck, checked every run.
#[test]
fn empty_and_degenerate_inputs() {
    let s = solver();
    // n = 0: nothing to solve, but not a panic.
    let qp = QpBatch::builder()
        .Q(Array2::<f64>::zeros((0, 0)))
        .q(Array1::<f64>::zeros(0))
        .build()
        .unwrap();
    let sol = s.solve(&qp).unwrap();
    assert_eq!(sol.batch(), 1);
    // batch = 0.
    let qp = QpBatch::builder()
        .Q(Array3::<f64>::zeros((0, 2, 2)))
        .q(Array2::<f64>::zeros((0, 2)))
        .build()
        .unwrap();
    assert_eq!(s.solve(&qp).unwrap().batch(), 0);
    // An unbounded LP and an infeasible one get certificates, not Solved.
    let lp = QpBatch::builder()
        .Q(Array2::<f64>::zeros((1, 1)))
        .q(ndarray::array![1.0])
        .build()
        .unwrap();
    assert_eq!(s.solve(&lp).unwrap().status[0], Status::DualInfeasible);
    let inf = QpBatch::builder()
        .Q(Array2::<f64>::eye(1))
        .q(ndarray::array![0.0])
        .G(ndarray::array![[1.0], [-1.0]])
        .h(ndarray::array![-1.0, -1.0])
        .build()
        .unwrap();
    assert_eq!(s.solve(&inf).unwrap().status[0], Status::PrimalInfeasible);
    // NaN, asymmetric and indefinite Q are typed errors.
    let nan = QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(ndarray::array![f64::NAN, 0.0])
        .build();
    assert!(matches!(
        nan,
        Err(optnet_runtime::Error::NonFinite { array: "q", .. })
    ));
    let asym = QpBatch::builder()
        .Q(ndarray::array![[1.0, 2.0], [0.0, 1.0]])
        .q(ndarray::array![0.0, 0.0])
        .build();
    assert!(matches!(
        asym,
        Err(optnet_runtime::Error::Asymmetric { .. })
    ));
    let indef = QpBatch::builder()
        .Q(ndarray::array![[1.0, 0.0], [0.0, -1e-3]])
        .q(ndarray::array![0.0, 0.0])
        .build();
    assert!(matches!(indef, Err(optnet_runtime::Error::NotPsd { .. })));
}

/// The cases fuzzing found, shrunk, kept as plain tests: each was reported `Solved` with
/// constraints violated by 10% to 100%.
#[test]
fn regressions_found_by_fuzzing() {
    let s = solver();
    let check = |qp: &QpBatch<'_, f64>| {
        let sol = s.solve(qp).unwrap();
        check_solution(qp, &sol, 1e-6).unwrap();
        sol.status[0]
    };
    // An LP unbounded along Az = 0 with no inequalities: τ and κ collapsed together and
    // rounding noise passed the in-loop test.
    assert_ne!(check(&fuzz_unbounded_lp()), Status::Solved);
    // An inconsistent equality (a zero row of A with b ≠ 0): a huge z made ‖Az − b‖ look
    // small relative to ‖z‖.
    assert_ne!(check(&fuzz_inconsistent_equality()), Status::Solved);
    // b = f64::MAX: the residual's scale overflowed to ∞ and the residual to 0. The LP is
    // unbounded along z₁, which the overflow hides: until session 30 it ended `Solved` at the
    // start's regularized solve, z ≈ 1e307, whose dual residual looked small relative to ‖z‖.
    assert_ne!(
        check(&fuzz_overflowing_equality(6.45, f64::MAX)),
        Status::Solved
    );
}
