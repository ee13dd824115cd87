#![allow(non_snake_case)] // Q, A, G are the paper's names.
//! A QP file solver: reads a batch of QPs from a NumPy `.npz`, solves it, writes the
//! solutions (and, with `--grad`, the gradients of the backward pass) to another `.npz`.
//!
//! ```sh
//! cargo run --release --example solve -- INPUT.npz OUTPUT.npz [--grad DZ.npz] \
//!     [--device cpu|cuda] [--threads N] [--f32]
//! ```
//!
//! INPUT holds `Q q` and optionally `A b`, `G h` (float64, as written by `np.savez` or
//! `np.savez_compressed`), each batched (`Q: [B,n,n]`, `q: [B,n]`, `A: [B,m,n]`, `b: [B,m]`,
//! `G: [B,p,n]`, `h: [B,p]`) or shared by the batch (one dimension fewer). Integer, bool and
//! float32 arrays are read as float64.
//!
//! OUTPUT gets `z [B,n]`, `lam [B,p]`, `nu [B,m]`, `s [B,p]` (float64), `iters [B]`,
//! `polish_solves [B]` and `status [B]` (int32: 0 solved, 1 primal infeasible, 2 dual
//! infeasible, 3 max iterations, 4 numerical error, 5 almost solved, 6 insufficient
//! progress). With `--grad DZ.npz` (array `z`, `[B,n]`, the gradient of a loss with
//! respect to the solution) it also writes `dQ dq dA db dG dh`, each shaped like the input
//! array it belongs to (shared arrays get the sum over the batch).
//!
//! `--f32` converts the data to f32 and solves it as an f32 batch: f32 tolerances, answers
//! rounded to f32 (the arithmetic stays f64 on the CPU and on the GPU, see `Settings`).
//!
//! It prints one summary line; a bad argument or file gets a message on stderr and exit
//! status 1. With `--device cuda` the solve time of a process's first run includes compiling
//! the kernel (about a minute on a fresh machine; cached on disk for later runs). The work is done in `examples/common/npz_solve.rs` (tested by
//! `tests/all/examples_solve.rs`); this file is the process around it.

#[path = "common/npz_solve.rs"]
mod npz_solve;

use std::process::ExitCode;

fn main() -> ExitCode {
    match npz_solve::parse_args(std::env::args().skip(1)).and_then(|args| npz_solve::run(&args)) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("solve: {msg}");
            ExitCode::FAILURE
        }
    }
}
