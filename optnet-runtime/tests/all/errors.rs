//! Bad input is a typed error that names what is wrong; nothing panics.
use ndarray::{array, Array1, Array2, Array3};
use optnet_runtime::{Error, QpBatch, Settings, Solver};

fn err(r: Result<QpBatch<'_, f64>, Error>) -> Error {
    r.expect_err("must be rejected")
}

#[test]
fn wrong_shapes_name_the_array() {
    let Q = Array2::<f64>::eye(3);
    let e = err(QpBatch::builder().Q(&Q).q(Array1::<f64>::zeros(4)).build());
    assert!(matches!(e, Error::Shape { array: "Q", .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "array `Q` has shape [3, 3], expected [n, n] or [batch, n, n] with n = 4 (the length of q)"
    );
    let e = err(QpBatch::builder()
        .Q(&Q)
        .q(Array1::zeros(3))
        .G(Array2::zeros((2, 4)))
        .h(Array1::zeros(2))
        .build());
    assert!(matches!(e, Error::Shape { array: "G", .. }), "{e}");
    let e = err(QpBatch::builder()
        .Q(&Q)
        .q(Array1::zeros(3))
        .G(Array2::zeros((2, 3)))
        .h(Array1::zeros(5))
        .build());
    assert!(matches!(e, Error::Shape { array: "h", .. }), "{e}");
    let e = err(QpBatch::builder()
        .Q(&Q)
        .q(Array1::zeros(3))
        .A(Array2::zeros((1, 2)))
        .b(Array1::zeros(1))
        .build());
    assert!(matches!(e, Error::Shape { array: "A", .. }), "{e}");
}

#[test]
fn batch_sizes_must_agree() {
    let e = err(QpBatch::builder()
        .Q(Array3::<f64>::zeros((4, 2, 2)))
        .q(Array2::zeros((5, 2)))
        .build());
    assert_eq!(
        e,
        Error::BatchSize {
            array: "q",
            expected: 4,
            found: 5
        }
    );
    assert_eq!(
        e.to_string(),
        "array `q` has batch size 5, but the batch has 4 examples"
    );
}

#[test]
fn missing_and_unpaired_arrays() {
    let e = err(QpBatch::builder().q(Array1::<f64>::zeros(2)).build());
    assert_eq!(e.to_string(), "the quadratic term Q is required");
    let e = err(QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(Array1::zeros(2))
        .G(Array2::zeros((1, 2)))
        .build());
    assert_eq!(e.to_string(), "G is given without h");
    let e = err(QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(Array1::zeros(2))
        .b(Array1::zeros(1))
        .build());
    assert_eq!(e.to_string(), "b is given without A");
}

#[test]
fn non_finite_values_name_array_example_and_index() {
    let mut q = Array2::<f64>::zeros((3, 2));
    q[[2, 1]] = f64::NAN;
    let e = err(QpBatch::builder().Q(Array2::<f64>::eye(2)).q(&q).build());
    assert_eq!(
        e.to_string(),
        "array `q` holds a non-finite value (NaN) at index [1] in example 2"
    );
    let mut h = array![1.0, 2.0];
    h[0] = f64::INFINITY;
    let e = err(QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(Array1::zeros(2))
        .G(Array2::eye(2))
        .h(&h)
        .build());
    assert_eq!(
        e.to_string(),
        "array `h` holds a non-finite value (inf) at index [0]"
    );
}

#[test]
fn asymmetric_and_indefinite_q_are_reported() {
    let e = err(QpBatch::builder()
        .Q(array![[1.0, 2.0], [0.0, 1.0]])
        .q(Array1::zeros(2))
        .build());
    assert!(
        matches!(
            e,
            Error::Asymmetric {
                example: None,
                i: 1,
                j: 0,
                ..
            }
        ),
        "{e}"
    );
    let mut Q = Array3::<f64>::zeros((2, 2, 2));
    Q[[0, 0, 0]] = 1.0;
    Q[[0, 1, 1]] = 1.0;
    Q[[1, 0, 0]] = 1.0;
    Q[[1, 1, 1]] = -0.5;
    let e = err(QpBatch::builder().Q(&Q).q(Array2::zeros((2, 2))).build());
    match e {
        Error::NotPsd {
            example: Some(1),
            curvature,
        } => assert!((curvature + 0.5).abs() < 1e-12),
        other => panic!("expected NotPsd in example 1, got {other}"),
    }
}

#[test]
fn bad_settings_are_rejected() {
    let e = Solver::cpu()
        .with_settings(Settings {
            max_step_fraction: 1.5,
            ..Settings::default()
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid setting `max_step_fraction`: must lie in (0, 1), got 1.5"
    );
    let e = Solver::cpu()
        .with_settings(Settings {
            centered_step_fraction: 1.0,
            ..Settings::default()
        })
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid setting `centered_step_fraction`: must lie in (0, 1), got 1"
    );
    let e = Solver::cpu()
        .with_settings(Settings {
            tol_feas: f64::NAN,
            ..Settings::default()
        })
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Settings {
            name: "tol_feas",
            ..
        }
    ));
    let e = Solver::cpu()
        .with_settings(Settings {
            threads: Some(0),
            ..Settings::default()
        })
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Settings {
            name: "threads",
            ..
        }
    ));
}

#[test]
fn backward_checks_its_inputs() {
    let qp = QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(Array2::<f64>::zeros((3, 2)))
        .build()
        .unwrap();
    let s = Solver::cpu();
    let sol = s.solve(&qp).unwrap();
    let e = s
        .backward(&qp, &sol, Array2::zeros((3, 5)).view())
        .unwrap_err();
    assert!(matches!(e, Error::Shape { array: "dl_dz", .. }), "{e}");
    let mut dz = Array2::<f64>::zeros((3, 2));
    dz[[1, 0]] = f64::NEG_INFINITY;
    let e = s.backward(&qp, &sol, dz.view()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                array: "dl_dz",
                example: Some(1),
                ..
            }
        ),
        "{e}"
    );
    let other = QpBatch::builder()
        .Q(Array2::<f64>::eye(2))
        .q(Array2::<f64>::zeros((4, 2)))
        .build()
        .unwrap();
    let e = s
        .backward(&other, &sol, Array2::zeros((4, 2)).view())
        .unwrap_err();
    assert!(matches!(e, Error::Backward(_)), "{e}");
}

#[test]
fn cuda_without_the_feature_or_a_device_is_an_error() {
    // Without feature `cuda` this is the "no CUDA support" error; with it on a machine
    // without a GPU it is a driver/device error. Either way: Err, no panic.
    if let Err(e) = Solver::cuda(0) {
        assert!(e.to_string().starts_with("CUDA: "), "{e}");
    }
}
