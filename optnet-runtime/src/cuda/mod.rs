//! CUDA backend (placeholder: replaced by the cuda branch).
#![allow(dead_code)]

use crate::solver::Adjoints;
use crate::{Error, QpBatch, Real, Settings, Solution};
use ndarray::ArrayView2;

/// Device context (placeholder).
#[derive(Debug)]
pub(crate) struct Context;

/// Device-side backward cache (placeholder).
#[derive(Debug)]
pub(crate) struct Cache<T>(std::marker::PhantomData<T>);

impl Context {
    pub(crate) fn new(_ordinal: usize) -> Result<Context, Error> {
        Err(Error::Cuda(
            "the CUDA backend is not implemented yet".into(),
        ))
    }
}

pub(crate) fn solve<T: Real>(
    _ctx: &Context,
    _settings: &Settings,
    _qp: &QpBatch<'_, T>,
) -> Result<Solution<T>, Error> {
    Err(Error::Cuda(
        "the CUDA backend is not implemented yet".into(),
    ))
}

pub(crate) fn adjoints<T: Real>(
    _ctx: &Context,
    _settings: &Settings,
    _qp: &QpBatch<'_, T>,
    _sol: &Solution<T>,
    _cache: &Cache<T>,
    _dl_dz: ArrayView2<'_, T>,
) -> Result<Adjoints<T>, Error> {
    Err(Error::Cuda(
        "the CUDA backend is not implemented yet".into(),
    ))
}
