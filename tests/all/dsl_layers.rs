//! Ten layers through the whole pipeline. For each: the canonical Q, q, A, b, G, h equal
//! hand-built matrices; the generated data VJPs equal central differences; the forward
//! pass equals Clarabel on the hand-built QP; and every param and input gradient equals
//! central differences through the whole layer (f64).
#![deny(warnings)]
#![allow(non_snake_case, non_upper_case_globals)]

use crate::dsl_common::*;
use crate::examples_common::layers::{
    TvDenoise, TvDenoiseInputs, TvDenoiseOutputGrads, TvDenoiseParams,
};
use optnet::ndarray::{s, Array1, Axis};
use optnet::prelude::*;

optnet! {
    /// OptNet's general layer.
    pub layer Generic(nz, nineq, neq) {
        input  q: [nz];
        param  L: [nz, nz];  param G: [nineq, nz];  param A: [neq, nz];
        param  z0: [nz];     param s0: [nineq];
        variable z: [nz];
        minimize 0.5 * quad_form(z, L * L.T + 1e-4 * eye(nz)) + q.T * z;
        subject to A * z == A * z0, G * z <= G * z0 + s0;
    }
}

optnet! {
    /// Box-constrained least squares (params named like the QP's own arrays).
    layer BoxLs(n, m) {
        input b: [m];
        param A: [m, n];
        variable x: [n];
        minimize sum_squares(A * x - b);
        subject to -1 <= x <= 1;
    }
}

optnet! {
    layer Hinge(n) {
        input c: [n];
        param w: nonneg;
        variable x: [n];
        minimize 0.5 * sum_squares(x) + c.T * x + w * sum(pos(x - 0.5));
    }
}

optnet! {
    layer Robust(n) {
        input y: [n];
        param mu: nonneg;
        variable x: [n];
        maximize -sum_squares(x - y) - mu * norm_inf(x);
    }
}

optnet! {
    layer TwoVar(n) {
        input a: [n];
        param w: [n];
        variable u: [n];
        variable v: scalar;
        minimize sum_squares(u) + 0.5 * sum_squares(v - 1) + sum(abs(u - a));
        subject to exp(w).T * u + v == 1, [u; v] >= -1;
    }
}

optnet! {
    layer MaxLayer(n) {
        input p: [n];
        variable x: [n];
        minimize sum_squares(x - p) + sum(max(x, -x, 0.2));
    }
}

optnet! {
    layer Huber(n) {
        input y: [n];
        param M: nonneg;
        variable x: [n];
        minimize huber(x - y, M) + 0.1 * sum_squares(x);
    }
}

optnet! {
    layer MatVar(k, l) {
        input Y: [k, l];
        param c: nonneg;
        variable X: [k, l];
        minimize sum_squares(X - Y) + c * sum(X);
        subject to X >= 0;
    }
}

optnet! {
    layer Portfolio(n) {
        input mu: [n];
        param S: [n, n];
        param gamma: nonneg;
        variable w: [n] nonneg;
        maximize mu.T * w - gamma * quad_form(w, S * S.T + 0.1 * eye(n));
        subject to sum(w) == 1;
    }
}

optnet! {
    /// Data blocks, division by a param, `ones` and `zeros`.
    layer Stack(n) {
        input y: [n];
        param D: [n - 1, n];
        param c: nonneg;
        variable z: [n];
        minimize sum_squares(z - y) / 2 + sum(pos([D; -D] * z)) / c + ones(n).T * z
            + zeros(n).T * z;
        subject to z <= 2 * ones(n);
    }
}

const B: usize = 3;

fn tv() -> Case {
    const n: usize = 5;
    case!("TvDenoise", TvDenoise, TvDenoiseParams, TvDenoiseInputs, TvDenoiseOutputGrads,
    sizes(n), batch B,
    params { D: [n - 1, n], lambda: [] },
    inputs { y: optnet::ndarray::Ix2 [n] },
    vars [z],
    expected |th, i, p, x| {
        let _ = th;
        let lam = p.lambda.abs();
        assert_eq!(lam, p.lambda);
        let y = x.y.row(i).to_owned();
        let D = p.D.clone();
        Dense {
            Q: bmat(&[&[eye(n), zeros(n, n - 1)], &[zeros(n - 1, n), zeros(n - 1, n - 1)]]),
            q: bvec(&[-y, ones(n - 1) * lam]),
            A: zeros(0, 2 * n - 1),
            b: zvec(0),
            G: bmat(&[&[D.clone(), -eye(n - 1)], &[-D, -eye(n - 1)]]),
            h: zvec(2 * (n - 1)),
        }
    })
}

fn generic() -> Case {
    const nz: usize = 4;
    const nineq: usize = 3;
    const neq: usize = 2;
    case!("Generic", Generic, GenericParams, GenericInputs, GenericOutputGrads,
    sizes(nz, nineq, neq), batch B,
    params { L: [nz, nz], G: [nineq, nz], A: [neq, nz], z0: [nz], s0: [nineq] },
    inputs { q: optnet::ndarray::Ix2 [nz] },
    vars [z],
    expected |th, i, p, x| {
        let _ = th;
        Dense {
            Q: p.L.dot(&p.L.t()) + eye(nz) * 1e-4,
            q: x.q.row(i).to_owned(),
            A: p.A.clone(),
            b: p.A.dot(&p.z0),
            G: p.G.clone(),
            h: p.G.dot(&p.z0) + &p.s0,
        }
    })
}

fn box_ls() -> Case {
    const n: usize = 3;
    const m: usize = 5;
    case!("BoxLs", BoxLs, BoxLsParams, BoxLsInputs, BoxLsOutputGrads,
    sizes(n, m), batch B,
    params { A: [m, n] },
    inputs { b: optnet::ndarray::Ix2 [m] },
    vars [x],
    expected |th, i, p, x| {
        let _ = th;
        let b = x.b.row(i).to_owned();
        Dense {
            Q: p.A.t().dot(&p.A) * 2.0,
            q: p.A.t().dot(&b) * -2.0,
            A: zeros(0, n),
            b: zvec(0),
            G: bmat(&[&[-eye(n)], &[eye(n)]]),
            h: ones(2 * n),
        }
    })
}

fn hinge() -> Case {
    const n: usize = 4;
    case!("Hinge", Hinge, HingeParams, HingeInputs, HingeOutputGrads,
    sizes(n), batch B,
    params { w: [] },
    inputs { c: optnet::ndarray::Ix2 [n] },
    vars [x],
    expected |th, i, p, x| {
        let _ = th;
        Dense {
            Q: bmat(&[&[eye(n), zeros(n, n)], &[zeros(n, n), zeros(n, n)]]),
            q: bvec(&[x.c.row(i).to_owned(), ones(n) * p.w]),
            A: zeros(0, 2 * n),
            b: zvec(0),
            G: bmat(&[&[eye(n), -eye(n)], &[zeros(n, n), -eye(n)]]),
            h: bvec(&[ones(n) * 0.5, zvec(n)]),
        }
    })
}

fn robust() -> Case {
    const n: usize = 4;
    case!("Robust", Robust, RobustParams, RobustInputs, RobustOutputGrads,
    sizes(n), batch B,
    params { mu: [] },
    inputs { y: optnet::ndarray::Ix2 [n] },
    vars [x],
    expected |th, i, p, x| {
        let _ = th;
        let y = x.y.row(i).to_owned();
        let one = col(&ones(n));
        Dense {
            Q: bmat(&[&[eye(n) * 2.0, zeros(n, 1)], &[zeros(1, n), zeros(1, 1)]]),
            q: bvec(&[y * -2.0, ones(1) * p.mu]),
            A: zeros(0, n + 1),
            b: zvec(0),
            G: bmat(&[&[eye(n), -&one], &[-eye(n), -&one]]),
            h: zvec(2 * n),
        }
    })
}

fn two_var() -> Case {
    const n: usize = 3;
    case!("TwoVar", TwoVar, TwoVarParams, TwoVarInputs, TwoVarOutputGrads,
    sizes(n), batch B,
    params { w: [n] },
    inputs { a: optnet::ndarray::Ix2 [n] },
    vars [u, v],
    expected |th, i, p, x| {
        let _ = th;
        let a = x.a.row(i).to_owned();
        let ew = p.w.mapv(f64::exp);
        Dense {
            Q: bmat(&[
                &[eye(n) * 2.0, zeros(n, 1), zeros(n, n)],
                &[zeros(1, n), eye(1), zeros(1, n)],
                &[zeros(n, n), zeros(n, 1), zeros(n, n)],
            ]),
            q: bvec(&[zvec(n), ones(1) * -1.0, ones(n)]),
            A: bmat(&[&[row(&ew), eye(1), zeros(1, n)]]),
            b: ones(1),
            G: bmat(&[
                &[eye(n), zeros(n, 1), -eye(n)],
                &[-eye(n), zeros(n, 1), -eye(n)],
                &[-eye(n + 1), zeros(n + 1, n)],
            ]),
            h: bvec(&[a.clone(), -a, ones(n + 1)]),
        }
    })
}

fn max_layer() -> Case {
    const n: usize = 4;
    case!("MaxLayer", MaxLayer, MaxLayerParams, MaxLayerInputs, MaxLayerOutputGrads,
    sizes(n), batch B,
    params { },
    inputs { p: optnet::ndarray::Ix2 [n] },
    vars [x],
    expected |th, i, _p, x| {
        let _ = th;
        let p = x.p.row(i).to_owned();
        Dense {
            Q: bmat(&[&[eye(n) * 2.0, zeros(n, n)], &[zeros(n, n), zeros(n, n)]]),
            q: bvec(&[p * -2.0, ones(n)]),
            A: zeros(0, 2 * n),
            b: zvec(0),
            G: bmat(&[&[eye(n), -eye(n)], &[-eye(n), -eye(n)], &[zeros(n, n), -eye(n)]]),
            h: bvec(&[zvec(2 * n), ones(n) * -0.2]),
        }
    })
}

fn huber() -> Case {
    const n: usize = 4;
    case!("Huber", Huber, HuberParams, HuberInputs, HuberOutputGrads,
    sizes(n), batch B,
    params { M: [] },
    inputs { y: optnet::ndarray::Ix2 [n] },
    vars [x],
    expected |th, i, p, x| {
        let _ = th;
        let y = x.y.row(i).to_owned();
        // variables (x, w, t): huber(r) = min_w ‖w‖² + 2M·1ᵀ|r − w|
        Dense {
            Q: bmat(&[
                &[eye(n) * 0.2, zeros(n, n), zeros(n, n)],
                &[zeros(n, n), eye(n) * 2.0, zeros(n, n)],
                &[zeros(n, n), zeros(n, n), zeros(n, n)],
            ]),
            q: bvec(&[zvec(n), zvec(n), ones(n) * (2.0 * p.M)]),
            A: zeros(0, 3 * n),
            b: zvec(0),
            G: bmat(&[&[eye(n), -eye(n), -eye(n)], &[-eye(n), eye(n), -eye(n)]]),
            h: bvec(&[y.clone(), -y]),
        }
    })
}

fn mat_var() -> Case {
    const k: usize = 2;
    const l: usize = 3;
    case!("MatVar", MatVar, MatVarParams, MatVarInputs, MatVarOutputGrads,
    sizes(k, l), batch B,
    params { c: [] },
    inputs { Y: optnet::ndarray::Ix3 [k, l] },
    vars [X],
    expected |th, i, p, x| {
        let _ = th;
        let y: Array1<f64> = x.Y.index_axis(Axis(0), i).iter().copied().collect();
        Dense {
            Q: eye(k * l) * 2.0,
            q: y * -2.0 + p.c,
            A: zeros(0, k * l),
            b: zvec(0),
            G: -eye(k * l),
            h: zvec(k * l),
        }
    })
}

fn portfolio() -> Case {
    const n: usize = 4;
    case!("Portfolio", Portfolio, PortfolioParams, PortfolioInputs, PortfolioOutputGrads,
    sizes(n), batch B,
    params { S: [n, n], gamma: [] },
    inputs { mu: optnet::ndarray::Ix2 [n] },
    vars [w],
    expected |th, i, p, x| {
        let _ = th;
        let M = p.S.dot(&p.S.t()) + eye(n) * 0.1;
        Dense {
            Q: M * (2.0 * p.gamma),
            q: -x.mu.row(i).to_owned(),
            A: row(&ones(n)),
            b: ones(1),
            G: -eye(n),
            h: zvec(n),
        }
    })
}

fn stack() -> Case {
    const n: usize = 4;
    case!("Stack", Stack, StackParams, StackInputs, StackOutputGrads,
    sizes(n), batch B,
    params { D: [n - 1, n], c: [] },
    inputs { y: optnet::ndarray::Ix2 [n] },
    vars [z],
    expected |th, i, p, x| {
        let _ = th;
        let y = x.y.row(i).to_owned();
        let k = 2 * (n - 1);
        let DD = bmat(&[std::slice::from_ref(&p.D), &[-p.D.clone()]]);
        Dense {
            Q: bmat(&[&[eye(n), zeros(n, k)], &[zeros(k, n), zeros(k, k)]]),
            q: bvec(&[-y + 1.0, ones(k) / p.c]),
            A: zeros(0, n + k),
            b: zvec(0),
            G: bmat(&[&[DD, -eye(k)], &[zeros(k, n), -eye(k)], &[eye(n), zeros(n, k)]]),
            h: bvec(&[zvec(2 * k), ones(n) * 2.0]),
        }
    })
}

fn cases() -> Vec<Case> {
    vec![
        tv(),
        generic(),
        box_ls(),
        hinge(),
        robust(),
        two_var(),
        max_layer(),
        huber(),
        mat_var(),
        portfolio(),
        stack(),
    ]
}

#[test]
fn canonical_data_equals_hand_built_matrices() {
    for c in cases() {
        check_canonical(&c);
    }
}

#[test]
fn data_vjps_equal_central_differences() {
    for c in cases() {
        check_data_vjp(&c);
    }
}

#[test]
fn forward_equals_clarabel() {
    for c in cases() {
        check_forward(&c);
    }
}

/// Through `layer.backward` (the runtime's KKT backward, then the generated VJPs).
#[test]
fn gradients_equal_central_differences() {
    for c in cases() {
        check_gradients(&c);
    }
}

/// The same, with the QP step differentiated by a dense reference KKT solve in this test:
/// checks the generated VJPs and output plumbing independently of the runtime's backward.
#[test]
fn gradients_with_reference_kkt_equal_central_differences() {
    for c in cases() {
        check_gradients_reference(&c);
    }
}

#[test]
fn outputs_have_the_declared_shapes() {
    let c = mat_var();
    let (z, _) = (c.forward)(&c.theta);
    assert_eq!(z.shape(), &[B, 6]);
    let _ = s![..];
}
