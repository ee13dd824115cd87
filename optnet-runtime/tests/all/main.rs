//! The runtime's integration tests, one module a concern, in one test binary: each binary
//! links the whole dependency graph (clarabel, faer, ndarray, …), so one binary instead of
//! nine keeps CI's cold build short.
//!
//! Run one concern with a filter on its module: `cargo test -p optnet-runtime --test all
//! gradients::`. The GPU modules are compiled with `--features cuda` only; on the GPU
//! machine: `all cuda_solver:: --test-threads=1` and `all cuda_maros_meszaros::
//! --test-threads=1`.
#![allow(non_snake_case)]

/// The benchmarks' random QPs (`examples/common/random_qp.rs`: OptNet's family as
/// `peers.py` draws it), for tests on those very problems.
#[path = "../../../examples/common/random_qp.rs"]
#[allow(dead_code)]
mod bench_qps;
mod common;

mod concurrency;
mod errors;
mod f32;
mod fuzz_input;
mod gradients;
mod maros_meszaros;
mod polish;
mod solve_vs_clarabel;

#[cfg(feature = "cuda")]
mod cuda_maros_meszaros;
#[cfg(feature = "cuda")]
mod cuda_solver;
