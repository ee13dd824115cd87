//! The facade's integration tests, one module a concern, in one test binary: each binary
//! links the whole dependency graph (the runtime, clarabel, plotters, …), so one binary
//! instead of six keeps CI's cold build short.
//!
//! Run one concern with a filter on its module: `cargo test --test all dsl_layers::`.
#[macro_use]
mod dsl_common;
/// The examples' shared code (`examples/common`): data, layers, Adam, plots.
#[allow(non_snake_case)]
#[path = "../../examples/common/mod.rs"]
mod examples_common;

mod dsl_api;
mod dsl_layers;
mod dsl_timing;
mod examples_denoise;
mod examples_solve;
mod examples_sudoku;
