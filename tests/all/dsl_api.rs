//! The generated API: runtime checks of params and inputs (each error names the array),
//! hygiene under awkward user names, layers without params or inputs, and `f32`.
#![deny(warnings)]

use optnet::ndarray::{array, Array1, Array2, Array3};
use optnet::prelude::{optnet, Error, Solver, Status};

// Items named like those the expansion uses (it refers to them by full path).
#[allow(dead_code)]
struct QpBatch;
#[allow(dead_code)]
struct Solution;
#[allow(dead_code)]
type Real = ();

optnet! {
    /// Every name here is also a name the generated code uses internally.
    pub(crate) layer Awkward(params, inputs) {
        input  solver: [params];
        input  tape: [params, inputs];
        param  T: [params, params];
        param  s: nonneg;
        param  v0: [inputs];
        variable g0: [params];
        variable batch_: scalar;
        minimize 0.5 * quad_form(g0, T * T.T + eye(params)) + solver.T * g0
            + s * sum_squares(batch_ - 1) + (tape * v0).T * g0;
        subject to g0 <= 1, batch_ >= -1;
    }
}

optnet! {
    layer Parameterless(n) {
        input y: [n];
        input w8: scalar;
        variable x: [n];
        minimize sum_squares(x - y) + w8 * sum(x);
        subject to sum(x) == 0;
    }
}

optnet! {
    layer Inputless(n) {
        param c: [n];
        variable x: [n] nonneg;
        minimize sum_squares(x) + c.T * x;
    }
}

optnet! {
    pub layer Tv(n) {
        input  y: [n];
        param  D: [n - 1, n];
        param  lambda: nonneg;
        variable z: [n];
        minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z);
    }
}

optnet! {
    layer Qf(n) {
        input q: [n];
        param P: [n, n];
        variable z: [n];
        minimize quad_form(z, P) + q.T * z;
    }
}

fn diff(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n - 1, n), |(r, c)| {
        if c == r + 1 {
            1.0
        } else if c == r {
            -1.0
        } else {
            0.0
        }
    })
}

#[test]
fn awkward_names_expand_and_solve() {
    let (p, k) = (3, 2);
    let layer = Awkward::new(
        p,
        k,
        AwkwardParams {
            T: Array2::eye(p),
            s: 1.0,
            v0: Array1::ones(k),
        },
    )
    .unwrap();
    assert_eq!(layer.sizes().params, 3);
    let solver_in = Array2::<f64>::zeros((2, p));
    let tape_in = Array3::<f64>::zeros((2, p, k));
    let out = layer
        .forward(
            &AwkwardInputs {
                solver: solver_in.view(),
                tape: tape_in.view(),
            },
            &Solver::cpu(),
        )
        .unwrap();
    assert!(out.status.iter().all(|s| *s == Status::Solved));
    // With zero inputs: g0 = 0 and batch_ = 1.
    assert!(out.g0.iter().all(|x| x.abs() < 1e-6));
    assert!(out.batch_.iter().all(|x| (x - 1.0).abs() < 1e-6));
}

#[test]
fn layers_without_params_or_inputs() {
    let layer = Parameterless::<f64>::new(3, ParameterlessParams::default()).unwrap();
    let y = array![[1.0, 2.0, 3.0]];
    let w8 = array![0.7];
    let out = layer
        .forward(
            &ParameterlessInputs {
                y: y.view(),
                w8: w8.view(),
            },
            &Solver::cpu(),
        )
        .unwrap();
    // Projection onto sum(x) = 0.
    for (a, b) in out.x.iter().zip([-1.0, 0.0, 1.0]) {
        assert!((a - b).abs() < 1e-6);
    }
    let layer = Inputless::<f64>::new(
        2,
        InputlessParams {
            c: array![-2.0, 2.0],
        },
    )
    .unwrap();
    let out = layer
        .forward(&InputlessInputs { batch: 4 }, &Solver::cpu())
        .unwrap();
    assert_eq!(out.x.shape(), &[4, 2]);
    assert!((out.x[[3, 0]] - 1.0).abs() < 1e-6 && out.x[[3, 1]].abs() < 1e-6);
    let dx = Array2::<f64>::ones((4, 2));
    let g = layer
        .backward(&out, &InputlessOutputGrads { x: dx.view() })
        .unwrap();
    // x0 = -c0/2 while positive: ∂(Σ x0)/∂c0 = -4/2 summed over the batch; x1 = 0 is fixed.
    assert!((g.params.c[0] + 2.0).abs() < 1e-5, "{:?}", g.params.c);
    assert!(g.params.c[1].abs() < 1e-5);
}

#[test]
fn f32_layers_run() {
    let n = 6;
    let d = diff(n).mapv(|x| x as f32);
    let layer = Tv::<f32>::new(n, TvParams { D: d, lambda: 0.1 }).unwrap();
    let y = Array2::<f32>::from_shape_fn((2, n), |(_, c)| if c < 3 { 0.0 } else { 1.0 });
    let out = layer
        .forward(&TvInputs { y: y.view() }, &Solver::cpu())
        .unwrap();
    assert!(out.status.iter().all(|s| *s == Status::Solved));
    assert!(out.z[[0, 0]] < 0.2 && out.z[[0, 5]] > 0.8);
}

#[test]
fn param_errors_name_the_param() {
    let n = 4;
    let e = Tv::<f64>::new(
        n,
        TvParams {
            D: Array2::zeros((n, n)),
            lambda: 1.0,
        },
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Shape { array: "D", found, .. } if found == &vec![n, n]),
        "{e}"
    );

    let mut d = diff(n);
    d[[1, 2]] = f64::NAN;
    let e = Tv::<f64>::new(n, TvParams { D: d, lambda: 1.0 }).unwrap_err();
    assert!(
        matches!(&e, Error::NonFinite { array: "D", index, .. } if index == &vec![1, 2]),
        "{e}"
    );

    // A nonneg param that training pushed below zero is an error naming it.
    let mut layer = Tv::<f64>::new(
        n,
        TvParams {
            D: diff(n),
            lambda: 1.0,
        },
    )
    .unwrap();
    layer.params_mut().lambda = -0.5;
    let y = Array2::<f64>::zeros((2, n));
    let e = layer.canonicalize(&TvInputs { y: y.view() }).unwrap_err();
    assert!(
        e.to_string().contains("`lambda`") && e.to_string().contains("nonneg"),
        "{e}"
    );

    let e = Tv::<f64>::new(
        0,
        TvParams {
            D: Array2::zeros((0, 0)),
            lambda: 1.0,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("n - 1"), "{e}");
}

#[test]
fn input_errors_name_the_input() {
    let n = 4;
    let layer = Tv::<f64>::new(
        n,
        TvParams {
            D: diff(n),
            lambda: 1.0,
        },
    )
    .unwrap();
    let y = Array2::<f64>::zeros((2, n + 1));
    let e = layer.canonicalize(&TvInputs { y: y.view() }).unwrap_err();
    assert!(matches!(&e, Error::Shape { array: "y", .. }), "{e}");
    let mut y = Array2::<f64>::zeros((3, n));
    y[[2, 1]] = f64::INFINITY;
    let e = layer.canonicalize(&TvInputs { y: y.view() }).unwrap_err();
    assert!(
        matches!(&e, Error::NonFinite { array: "y", example: Some(2), index, .. } if index == &vec![1]),
        "{e}"
    );
    let y = Array2::<f64>::zeros((3, n));
    let out = layer
        .forward(&TvInputs { y: y.view() }, &Solver::cpu())
        .unwrap();
    let dz = Array2::<f64>::zeros((2, n));
    let e = layer
        .backward(&out, &TvOutputGrads { z: dz.view() })
        .unwrap_err();
    assert!(matches!(&e, Error::Shape { array: "z", .. }), "{e}");
}

#[test]
fn quad_form_matrices_must_be_psd() {
    let layer = Qf::new(
        2,
        QfParams {
            P: array![[1.0, 0.0], [0.0, -1.0]],
        },
    )
    .unwrap();
    let q = Array2::<f64>::zeros((1, 2));
    let e = layer.canonicalize(&QfInputs { q: q.view() }).unwrap_err();
    assert!(
        e.to_string().contains("`P`") && e.to_string().contains("semi-definite"),
        "{e}"
    );
    // A non-symmetric P is used through its symmetric part.
    let layer = Qf::new(
        2,
        QfParams {
            P: array![[1.0, 2.0], [0.0, 1.0]],
        },
    )
    .unwrap();
    let qp = layer.canonicalize(&QfInputs { q: q.view() }).unwrap();
    assert_eq!(qp.Q().get(0), array![[2.0, 2.0], [2.0, 2.0]]);
}

#[test]
fn shared_data_stays_shared() {
    let n = 5;
    let layer = Tv::<f64>::new(
        n,
        TvParams {
            D: diff(n),
            lambda: 1.0,
        },
    )
    .unwrap();
    let y = Array2::<f64>::zeros((4, n));
    let qp = layer.canonicalize(&TvInputs { y: y.view() }).unwrap();
    assert!(qp.Q().is_shared() && qp.G().unwrap().is_shared() && qp.h().unwrap().is_shared());
    assert!(!qp.q().is_shared());
}

optnet! {
    /// A layer whose constraint matrix is an input: the canonical G is per example.
    layer InputMat(n, p) {
        input M: [p, n];
        input c: [n];
        param r: [p];
        variable x: [n];
        minimize 0.5 * sum_squares(x) + c.T * x;
        subject to M * x <= r;
    }
}

/// A layer's `backward_into` gives `backward`'s gradients bit for bit and writes the canonical
/// QP's per-example gradient of G (here an input) over the earlier call's array.
#[test]
fn layer_backward_into_writes_over_the_previous_gradients() {
    let (n, p, b) = (3, 4, 5);
    let layer = InputMat::<f64>::new(
        n,
        p,
        InputMatParams {
            r: Array1::from_elem(p, 0.5),
        },
    )
    .unwrap();
    let m = Array3::from_shape_fn((b, p, n), |(e, i, j)| {
        ((e + 2 * i + 3 * j) % 7) as f64 - 3.0
    });
    let c = Array2::from_shape_fn((b, n), |(e, j)| ((e * 5 + j) % 4) as f64 - 1.5);
    let out = layer
        .forward(
            &InputMatInputs {
                M: m.view(),
                c: c.view(),
            },
            &Solver::cpu(),
        )
        .unwrap();
    assert!(out.status.iter().all(|s| s.is_solved()));
    let d0 = Array2::from_elem((b, n), 1.0);
    let d1 = Array2::from_shape_fn((b, n), |(e, j)| (e as f64) - (j as f64) * 0.5);
    let fresh = layer
        .backward(&out, &InputMatOutputGrads { x: d1.view() })
        .unwrap();
    let mut last = layer
        .backward(&out, &InputMatOutputGrads { x: d0.view() })
        .unwrap();
    let at = last.qp.dG.as_ref().unwrap().batched().unwrap().as_ptr();
    layer
        .backward_into(&out, &InputMatOutputGrads { x: d1.view() }, &mut last)
        .unwrap();
    let dg = last.qp.dG.as_ref().unwrap().batched().unwrap();
    assert_eq!(dg.as_ptr(), at, "written in place");
    let bits = |a: &[f64]| a.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(fresh.inputs.M.as_slice().unwrap()),
        bits(last.inputs.M.as_slice().unwrap())
    );
    assert_eq!(
        bits(fresh.inputs.c.as_slice().unwrap()),
        bits(last.inputs.c.as_slice().unwrap())
    );
    assert_eq!(
        bits(fresh.params.r.as_slice().unwrap()),
        bits(last.params.r.as_slice().unwrap())
    );
    assert!(last.inputs.M.iter().any(|&v| v != 0.0));
    // A wrong-shaped output gradient: an error, and `last` as it was.
    let bad = Array2::from_elem((b, n + 1), 1.0);
    assert!(layer
        .backward_into(&out, &InputMatOutputGrads { x: bad.view() }, &mut last)
        .is_err());
    assert_eq!(last.qp.dG.as_ref().unwrap().batched().unwrap().as_ptr(), at);
}
