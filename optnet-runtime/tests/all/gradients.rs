//! Backward pass (OptNet eq. 7–8) against central finite differences of the loss
//! ℓ = wᵀz through the solver, for all six arrays, batched and shared.
use crate::common::*;
use ndarray::{Array2, Axis};
use optnet_runtime::{QpBatch, QpGrad, Settings, Solver, Status, Term};

fn solver() -> Solver {
    Solver::cpu()
        .with_settings(Settings {
            tol_gap_abs: 1e-13,
            tol_gap_rel: 1e-13,
            tol_feas: 1e-12,
            ..Settings::default()
        })
        .unwrap()
}

/// Which arrays are shared by the batch (take example 0's copy).
#[derive(Clone, Copy)]
struct Sharing {
    Q: bool,
    q: bool,
    A: bool,
    b: bool,
    G: bool,
    h: bool,
}

fn build<'a>(d: &'a Stack, sh: Sharing) -> QpBatch<'a, f64> {
    let mut bld = QpBatch::builder();
    bld = if sh.Q {
        bld.Q(d.Q.index_axis(Axis(0), 0))
    } else {
        bld.Q(d.Q.view())
    };
    bld = if sh.q {
        bld.q(d.q.row(0))
    } else {
        bld.q(d.q.view())
    };
    bld = if sh.A {
        bld.A(d.A.index_axis(Axis(0), 0))
    } else {
        bld.A(d.A.view())
    };
    bld = if sh.b {
        bld.b(d.b.row(0))
    } else {
        bld.b(d.b.view())
    };
    bld = if sh.G {
        bld.G(d.G.index_axis(Axis(0), 0))
    } else {
        bld.G(d.G.view())
    };
    bld = if sh.h {
        bld.h(d.h.row(0))
    } else {
        bld.h(d.h.view())
    };
    bld.batch_size(d.q.nrows()).build().unwrap()
}

fn loss(d: &Stack, sh: Sharing, w: &Array2<f64>) -> f64 {
    let sol = solver().solve(&build(d, sh)).unwrap();
    assert!(sol.all_solved());
    (&sol.z * w).sum()
}

fn grad_entry2(t: &Term<'static, f64, ndarray::Ix2>, e: usize, i: usize, j: usize) -> f64 {
    match t {
        Term::Shared(a) => a[[i, j]],
        Term::Batched(a) => a[[e, i, j]],
    }
}

fn grad_entry1(t: &Term<'static, f64, ndarray::Ix1>, e: usize, i: usize) -> f64 {
    match t {
        Term::Shared(a) => a[i],
        Term::Batched(a) => a[[e, i]],
    }
}

fn check(sh: Sharing, seed: u64) {
    let (B, n, m, p) = (3, 6, 2, 9);
    let mut r = rng(seed);
    let qps: Vec<Qp> = (0..B).map(|_| random_qp(&mut r, n, m, p, n, 0.5)).collect();
    let mut d = stack(&qps);
    // Shared arrays: every example sees example 0's copy; make h feasible for all.
    if sh.G || sh.h {
        for e in 0..B {
            let g0 = d.G.index_axis(Axis(0), 0).to_owned();
            if sh.G {
                d.G.index_axis_mut(Axis(0), e).assign(&g0);
            }
        }
    }
    let w = randn(&mut r, (B, n));
    let qp = build(&d, sh);
    let s = solver();
    let sol = s.solve(&qp).unwrap();
    assert!(sol.all_solved(), "{:?}", sol.status);
    // Some inequality constraints are active at the solution (else G, h gradients vanish).
    assert!(sol.s.iter().any(|&v| v < 1e-6));
    let g: QpGrad<f64> = s.backward(&qp, &sol, w.view()).unwrap();
    let step = 1e-6;
    let tol = |fd: f64| 1e-5 * (1.0 + fd.abs());
    let examples = |shared: bool| if shared { vec![0] } else { (0..B).collect() };
    // Central difference of ℓ after `f` perturbs the data by ±step.
    let fd = |f: &dyn Fn(&mut Stack, f64)| {
        let mut up = d.clone();
        f(&mut up, step);
        let mut dn = d.clone();
        f(&mut dn, -step);
        (loss(&up, sh, &w) - loss(&dn, sh, &w)) / (2.0 * step)
    };
    for e in examples(sh.q) {
        for i in 0..n {
            let num = fd(&|x: &mut Stack, t| x.q[[e, i]] += t);
            let ana = grad_entry1(&g.dq, e, i);
            assert!(
                (num - ana).abs() < tol(num),
                "dq[{e},{i}]: fd {num} vs {ana}"
            );
        }
    }
    for e in examples(sh.h) {
        for i in 0..p {
            let num = fd(&|x: &mut Stack, t| x.h[[e, i]] += t);
            let ana = grad_entry1(g.dh.as_ref().unwrap(), e, i);
            assert!(
                (num - ana).abs() < tol(num),
                "dh[{e},{i}]: fd {num} vs {ana}"
            );
        }
    }
    for e in examples(sh.b) {
        for i in 0..m {
            let num = fd(&|x: &mut Stack, t| x.b[[e, i]] += t);
            let ana = grad_entry1(g.db.as_ref().unwrap(), e, i);
            assert!(
                (num - ana).abs() < tol(num),
                "db[{e},{i}]: fd {num} vs {ana}"
            );
        }
    }
    for e in examples(sh.Q) {
        for i in 0..n {
            for j in 0..=i {
                // Perturb the symmetric pair; ℓ changes by dQ[i,j] + dQ[j,i].
                let num = fd(&|x: &mut Stack, t| {
                    x.Q[[e, i, j]] += t;
                    if i != j {
                        x.Q[[e, j, i]] += t;
                    }
                });
                let mut ana = grad_entry2(&g.dQ, e, i, j);
                if i != j {
                    ana += grad_entry2(&g.dQ, e, j, i);
                }
                assert!(
                    (num - ana).abs() < tol(num),
                    "dQ[{e},{i},{j}]: fd {num} vs {ana}"
                );
            }
        }
    }
    for e in examples(sh.A) {
        for i in 0..m {
            for j in 0..n {
                let num = fd(&|x: &mut Stack, t| x.A[[e, i, j]] += t);
                let ana = grad_entry2(g.dA.as_ref().unwrap(), e, i, j);
                assert!(
                    (num - ana).abs() < tol(num),
                    "dA[{e},{i},{j}]: fd {num} vs {ana}"
                );
            }
        }
    }
    for e in examples(sh.G) {
        for i in 0..p {
            for j in 0..n {
                let num = fd(&|x: &mut Stack, t| x.G[[e, i, j]] += t);
                let ana = grad_entry2(g.dG.as_ref().unwrap(), e, i, j);
                assert!(
                    (num - ana).abs() < tol(num),
                    "dG[{e},{i},{j}]: fd {num} vs {ana}"
                );
            }
        }
    }
}

#[test]
fn all_six_gradients_batched() {
    let sh = Sharing {
        Q: false,
        q: false,
        A: false,
        b: false,
        G: false,
        h: false,
    };
    check(sh, 11);
}

#[test]
fn all_six_gradients_shared() {
    let sh = Sharing {
        Q: true,
        q: true,
        A: true,
        b: true,
        G: true,
        h: true,
    };
    check(sh, 12);
}

#[test]
fn mixed_sharing() {
    let sh = Sharing {
        Q: true,
        q: false,
        A: true,
        b: false,
        G: true,
        h: false,
    };
    check(sh, 13);
}

#[test]
fn unsolved_examples_get_zero_gradients() {
    let mut r = rng(14);
    let mut qps: Vec<Qp> = (0..3).map(|_| random_qp(&mut r, 4, 0, 6, 4, 0.5)).collect();
    // Example 1 infeasible: z₀ ≤ −1 and −z₀ ≤ −1.
    qps[1].make_infeasible();
    let data = stack(&qps);
    let qp = data.batch();
    let s = Solver::cpu();
    let sol = s.solve(&qp).unwrap();
    assert_eq!(sol.status[1], Status::PrimalInfeasible);
    assert_eq!(sol.status[0], Status::Solved);
    let g = s.backward(&qp, &sol, Array2::ones((3, 4)).view()).unwrap();
    let dq = g.dq.batched().unwrap();
    assert!(dq.row(1).iter().all(|&v| v == 0.0));
    assert!(dq.row(0).iter().any(|&v| v != 0.0));
}

#[test]
fn gradients_of_a_batch_solved_in_lockstep() {
    // Nine examples: more than two packs' worth, so the forward pass runs in lockstep.
    let (B, n, m, p) = (9, 6, 2, 9);
    let mut r = rng(11);
    let qps: Vec<Qp> = (0..B).map(|_| random_qp(&mut r, n, m, p, n, 0.5)).collect();
    let d = stack(&qps);
    let w = randn(&mut r, (B, n));
    let s = solver();
    assert!(s.settings().lockstep);
    let sol = s.solve(&d.batch()).unwrap();
    assert!(sol.all_solved(), "{:?}", sol.status);
    let g = s.backward(&d.batch(), &sol, w.view()).unwrap();
    let loss = |x: &Stack| {
        let sol = s.solve(&x.batch()).unwrap();
        assert!(sol.all_solved());
        (&sol.z * &w).sum()
    };
    let step = 1e-6;
    let fd = |f: &dyn Fn(&mut Stack, f64)| {
        let (mut up, mut dn) = (d.clone(), d.clone());
        f(&mut up, step);
        f(&mut dn, -step);
        (loss(&up) - loss(&dn)) / (2.0 * step)
    };
    let close = |num: f64, ana: f64, what: &str| {
        assert!(
            (num - ana).abs() < 1e-5 * (1.0 + num.abs()),
            "{what}: fd {num} vs {ana}"
        )
    };
    for e in [0, 4, 8] {
        for i in 0..n {
            let num = fd(&|x: &mut Stack, t| x.q[[e, i]] += t);
            close(num, grad_entry1(&g.dq, e, i), &format!("dq[{e},{i}]"));
        }
        for i in 0..p {
            let num = fd(&|x: &mut Stack, t| x.h[[e, i]] += t);
            close(
                num,
                grad_entry1(g.dh.as_ref().unwrap(), e, i),
                &format!("dh[{e},{i}]"),
            );
            let num = fd(&|x: &mut Stack, t| x.G[[e, i, 1]] += t);
            close(
                num,
                grad_entry2(g.dG.as_ref().unwrap(), e, i, 1),
                &format!("dG[{e},{i},1]"),
            );
        }
        for i in 0..m {
            let num = fd(&|x: &mut Stack, t| x.b[[e, i]] += t);
            close(
                num,
                grad_entry1(g.db.as_ref().unwrap(), e, i),
                &format!("db[{e},{i}]"),
            );
        }
    }
}

/// The six gradients of a batch with every array batched, each as one array [batch, …]
/// (dQ, dq, dA, db, dG, dh), copied.
fn six(g: &QpGrad<f64>) -> [ndarray::ArrayD<f64>; 6] {
    let m2 = |t: &Term<'static, f64, ndarray::Ix2>| t.batched().unwrap().to_owned().into_dyn();
    let m1 = |t: &Term<'static, f64, ndarray::Ix1>| t.batched().unwrap().to_owned().into_dyn();
    [
        m2(&g.dQ),
        m1(&g.dq),
        m2(g.dA.as_ref().unwrap()),
        m1(g.db.as_ref().unwrap()),
        m2(g.dG.as_ref().unwrap()),
        m1(g.dh.as_ref().unwrap()),
    ]
}

/// The gradients of a batch solved in the SIMD lanes (four examples at a time) against
/// those of the same batch solved one example at a time: the same gradients, and zero
/// gradients for an infeasible member in either.
#[test]
fn lockstep_and_one_at_a_time_gradients_agree() {
    let (B, n, m, p) = (11, 7, 2, 10);
    let mut r = rng(15);
    let mut qps: Vec<Qp> = (0..B).map(|_| random_qp(&mut r, n, m, p, n, 0.5)).collect();
    qps[5].make_infeasible();
    let d = stack(&qps);
    let w = randn(&mut r, (B, n));
    let run = |lockstep: bool| {
        let s = Solver::cpu()
            .with_settings(Settings {
                lockstep,
                ..Settings::default()
            })
            .unwrap();
        let sol = s.solve(&d.batch()).unwrap();
        let g = s.backward(&d.batch(), &sol, w.view()).unwrap();
        (sol, g)
    };
    let ((s1, g1), (s2, g2)) = (run(true), run(false));
    assert_eq!(s1.status, s2.status);
    assert_eq!(s1.status[5], Status::PrimalInfeasible);
    assert_eq!(
        s1.status.iter().filter(|s| **s == Status::Solved).count(),
        B - 1
    );
    let pairs: Vec<_> = six(&g1).into_iter().zip(six(&g2)).collect();
    for (k, (a, b)) in pairs.iter().enumerate() {
        let diff = scaled_diff(a.view(), b.view());
        assert!(
            diff < 1e-7,
            "array {k}: lockstep vs alone differ by {diff:e} (relative)"
        );
        // The infeasible member's gradients are zero either way; the others are not.
        assert!(
            a.index_axis(Axis(0), 5).iter().all(|&v| v == 0.0),
            "array {k}"
        );
        assert!(
            b.index_axis(Axis(0), 5).iter().all(|&v| v == 0.0),
            "array {k}"
        );
    }
    assert!(pairs[1].0.index_axis(Axis(0), 0).iter().any(|&v| v != 0.0));
}

/// The backward pass solves with the forward pass's last polishing factorization where it
/// kept one (`Settings::keep_factorization`, the default) and forms and factors K at the
/// solution itself where it did not: the same gradients either way (the refinement against
/// the full system at the solution's W makes both exact to the tolerance), in lockstep and
/// one at a time, and both match central finite differences through the solver (checked for
/// the kept path by the tests above).
#[test]
fn kept_and_refactored_factorizations_give_the_same_gradients() {
    let (B, n, m, p) = (9, 8, 2, 12);
    let mut r = rng(16);
    let qps: Vec<Qp> = (0..B).map(|_| random_qp(&mut r, n, m, p, n, 0.5)).collect();
    let d = stack(&qps);
    let w = randn(&mut r, (B, n));
    let grads = |keep_factorization: bool, lockstep: bool| {
        let s = Solver::cpu()
            .with_settings(Settings {
                keep_factorization,
                lockstep,
                ..Settings::default()
            })
            .unwrap();
        let sol = s.solve(&d.batch()).unwrap();
        assert!(sol.all_solved());
        six(&s.backward(&d.batch(), &sol, w.view()).unwrap())
    };
    for lockstep in [true, false] {
        let (kept, refactored) = (grads(true, lockstep), grads(false, lockstep));
        for (k, (a, b)) in kept.iter().zip(&refactored).enumerate() {
            let diff = scaled_diff(a.view(), b.view());
            assert!(
                diff < 1e-9,
                "lockstep {lockstep}, array {k}: kept vs refactored differ by {diff:e} (relative)"
            );
        }
    }
}

/// The batched arrays of a backward pass's gradients (dQ, dA, dG) by address.
fn addresses(g: &QpGrad<f64>) -> [*const f64; 3] {
    let at = |t: Option<&Term<'static, f64, ndarray::Ix2>>| {
        t.and_then(|t| t.batched())
            .map_or(std::ptr::null(), |a| a.as_ptr())
    };
    [at(Some(&g.dQ)), at(g.dA.as_ref()), at(g.dG.as_ref())]
}

/// `Solver::backward_into` gives `Solver::backward`'s gradients bit for bit, writing the
/// batched dQ, dA and dG over the previous call's arrays where their shapes fit (the same
/// addresses), replacing them where they do not (another batch size), and leaving them as
/// they were on an error.
#[test]
fn backward_into_writes_over_the_previous_gradients() {
    let (B, n, m, p) = (5, 6, 2, 8);
    let mut r = rng(16);
    let mut qps: Vec<Qp> = (0..B).map(|_| random_qp(&mut r, n, m, p, n, 0.5)).collect();
    qps[3].make_infeasible();
    let d = stack(&qps);
    let (w0, w1) = (randn(&mut r, (B, n)), randn(&mut r, (B, n)));
    let s = Solver::cpu();
    let qp = d.batch();
    let sol = s.solve(&qp).unwrap();
    assert_eq!(sol.status[3], Status::PrimalInfeasible);
    let fresh = s.backward(&qp, &sol, w1.view()).unwrap();
    let mut grads = s.backward(&qp, &sol, w0.view()).unwrap();
    let before = addresses(&grads);
    assert!(before.iter().all(|a| !a.is_null()));
    s.backward_into(&qp, &sol, w1.view(), &mut grads).unwrap();
    assert_eq!(addresses(&grads), before, "written in place");
    let (a, b) = (six(&fresh), six(&grads));
    same_bits(&a, &b, "in place against a fresh backward pass");
    assert!(b[4].iter().any(|&v| v != 0.0));

    // From an empty gradient (a loop's first step): replaced whole, then written in place.
    let mut grads = QpGrad::default();
    s.backward_into(&qp, &sol, w0.view(), &mut grads).unwrap();
    let first = addresses(&grads);
    s.backward_into(&qp, &sol, w1.view(), &mut grads).unwrap();
    assert_eq!(
        addresses(&grads),
        first,
        "written in place from the second step"
    );
    same_bits(&a, &six(&grads), "from an empty gradient");

    // Another batch size: the arrays are replaced, the gradients those of a fresh call.
    let mut grads = s.backward(&qp, &sol, w0.view()).unwrap();
    let d3 = stack(&qps[..3]);
    let qp3 = d3.batch();
    let sol3 = s.solve(&qp3).unwrap();
    let w3 = w1.slice(ndarray::s![..3, ..]).to_owned();
    s.backward_into(&qp3, &sol3, w3.view(), &mut grads).unwrap();
    let fresh3 = s.backward(&qp3, &sol3, w3.view()).unwrap();
    same_bits(&six(&fresh3), &six(&grads), "another batch size");

    // A bad ∂ℓ/∂z: an error, and the gradients untouched.
    let mut grads = s.backward(&qp, &sol, w0.view()).unwrap();
    let (kept, at) = (six(&grads), addresses(&grads));
    let bad = Array2::<f64>::ones((B, n + 1));
    assert!(s.backward_into(&qp, &sol, bad.view(), &mut grads).is_err());
    assert_eq!(addresses(&grads), at);
    same_bits(&kept, &six(&grads), "after an error");
}

/// Asserts that two sets of the six gradients ([`six`]) have the same shapes and bits.
fn same_bits(a: &[ndarray::ArrayD<f64>; 6], b: &[ndarray::ArrayD<f64>; 6], what: &str) {
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.shape(), y.shape(), "{what}: array {k}");
        assert!(
            x.iter()
                .zip(y.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "{what}: array {k} differs"
        );
    }
}
