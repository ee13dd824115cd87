#![deny(warnings)]
use optnet::prelude::*;

optnet! {
    /// TV denoising.
    pub layer TvDenoise(n) {
        input  y: [n];
        param  D: [n - 1, n];
        param  lambda: nonneg;
        variable z: [n];
        minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z);
    }
}

optnet! {
    pub layer Generic(nz, nineq, neq) {
        input  q: [nz];
        param  L: [nz, nz];  param G: [nineq, nz];  param A: [neq, nz];
        param  z0: [nz];     param s0: [nineq];
        variable z: [nz];
        minimize 0.5 * quad_form(z, L * L.T + 1e-4 * eye(nz)) + q.T * z;
        subject to A * z == A * z0, G * z <= G * z0 + s0;
    }
}

#[test]
fn tv_canonical() {
    use optnet::ndarray::{Array1, Array2};
    let n = 4;
    let mut d = Array2::<f64>::zeros((n - 1, n));
    for i in 0..n - 1 {
        d[[i, i]] = -1.0;
        d[[i, i + 1]] = 1.0;
    }
    let layer = TvDenoise::new(n, TvDenoiseParams { D: d, lambda: 0.3 }).unwrap();
    let y = Array2::from_shape_fn((2, n), |(i, j)| (i + j) as f64);
    let qp = layer
        .canonicalize(&TvDenoiseInputs { y: y.view() })
        .unwrap();
    println!("{:?}", qp);
    let _ = Array1::<f64>::zeros(1);
}
