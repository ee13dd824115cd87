//! The CPU backend: one independent interior point solve per example, spread over cores.

pub(crate) mod psd;

use crate::solver::{Adjoints, Cache};
use crate::{QpBatch, Real, Settings, Solution, Status};
use ndarray::{Array1, Array2, ArrayView2};

/// The KKT factorization at one example's solution, kept for the backward pass.
#[derive(Debug)]
pub(crate) struct Factor<T> {
    _p: std::marker::PhantomData<T>,
}

pub(crate) fn solve_batch<T: Real>(_settings: &Settings, qp: &QpBatch<'_, T>) -> Solution<T> {
    let (b, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    Solution {
        z: Array2::zeros((b, n)),
        lam: Array2::zeros((b, p)),
        nu: Array2::zeros((b, m)),
        s: Array2::zeros((b, p)),
        status: vec![Status::NumericalError; b],
        iters: vec![0; b],
        objective: Array1::from_elem(b, T::nan()),
        res_primal: Array1::zeros(b),
        res_dual: Array1::zeros(b),
        gap: Array1::zeros(b),
        cache: Cache::Cpu((0..b).map(|_| None).collect()),
    }
}

pub(crate) fn adjoints<T: Real>(
    _settings: &Settings,
    qp: &QpBatch<'_, T>,
    _sol: &Solution<T>,
    _factors: &[Option<Factor<T>>],
    _dl_dz: ArrayView2<'_, T>,
) -> Adjoints<T> {
    Adjoints {
        dz: Array2::zeros((qp.batch, qp.n)),
        dnu: Array2::zeros((qp.batch, qp.m)),
        dlam: Array2::zeros((qp.batch, qp.p)),
    }
}
