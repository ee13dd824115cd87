//! The CUDA backend (feature `cuda`): the whole batched interior point method and its
//! backward pass on the GPU.
//!
//! - One thread block (256 threads) solves one QP from start to finish (`pdipm.cu`): the
//!   iteration never returns to the host, each example stops on its own test, and the
//!   reduced KKT matrix stays in shared memory — its lower triangle holds the blocked LDLᵀ
//!   factor, its upper triangle Q and Aᵀ (read once per solve) — with G beside it when it
//!   fits (n = p = 100 in f64 does). Shared arrays of the batch are uploaded once and read by
//!   every block.
//! - Every linear solve is refined against the full Newton system, as on the CPU. After the
//!   LDLᵀ, the diagonal 32×32 blocks of L are inverted in place, so the triangular solves
//!   take 32 rows per step. The whole block solves: up to eight warps per right-hand side
//!   apply the inverted block, a row's sum split over up to eight lanes (since session 31;
//!   before, one warp per right-hand side while the others waited: 10 % of the cycles per
//!   example at batches 1 and 128, 7 % at 2048, notes/s31.md), then all warps subtract the
//!   finished rows from the rest (right-looking, two barriers per step); in f32 on a double
//!   copy of x, so that partial sums are not rounded to f32 (which lost accuracy).
//! - Steps 4 and 5 (the constant direction d₂ and the affine direction) share one two-column
//!   reduced solve. In f64, as on the CPU, d₂ stays unrefined and the affine and the combined
//!   direction are each refined as the solution of the system bordered by the τ row and
//!   column (one column refined per direction), with W regularized in the reduced system
//!   (`notes/gpu_s7.md`: 5 % fewer cycles per QP than refining d₂ and the affine direction
//!   as a two-column solve). The f32 kernel refines both columns together, each stopping on
//!   its own, and eliminates Δτ after (the bordered scheme lost f32's accuracy).
//! - In f64 the two symmetric rank-k products — GᵀWG when the KKT matrix is assembled, and
//!   the trailing updates of the LDLᵀ — run on the fp64 tensor cores (`mma.m8n8k4`, a warp
//!   per group of four 8×8 tiles of one tile column, sharing each B fragment; since session 32
//!   each warp reads its groups from a table in constant memory instead of walking the tile
//!   columns: 3.5 % of the cycles per example at batch 1, 1.8 % at 2048, notes/s32.md); f32
//!   keeps register tiles on the CUDA cores.
//! - The forward kernel leaves, for every solved example, the LDLᵀ factorization of the KKT
//!   matrix at the solution in device memory ([`Cache`]); the backward kernel uses it to
//!   precondition the full KKT system of OptNet eq. 7 (the reduced system alone loses all
//!   accuracy once W = λ/s reaches 1/ε at active constraints). The gradient of a Q, A or G
//!   shared by the batch (OptNet eq. 8, a sum over the examples) is summed on the device
//!   beside the adjoints (`sums.cu`, [`shared_sums`]; since session 22), in an order that does
//!   not depend on the launch.
//! - Kernels are compiled by NVRTC to a CUBIN once per process and precision (and a narrow
//!   module once more, when a large batch of a small problem first asks for it) and kept on disk
//!   (`$OPTNET_CUDA_CACHE`, else `~/.cache/optnet`, keyed by a hash of source, options and
//!   NVRTC version; `context.rs`); device buffers come from pools and are reused between calls.
//! - Kernels specialized for a problem's shape (since session 26; [`Specialization`],
//!   `Solver::with_cuda_specialization`, `OPTNET_CUDA_SPECIALIZE=1`): f64 modules compiled
//!   with n, m, p and the layout's N, ld and V as constants (`-DOPTNET_DIMS`;
//!   `context::Build::Shape` for the default module's four kernels,
//!   `context::Build::NarrowShape` for a narrow module's, `context::Build::RuizShape` for the
//!   equilibration kernel; not the K-global module), so that
//!   loop bounds and strides fold into the instructions; compiled on a shape's first call, at
//!   most `context::SHAPES` shapes per context. The vector slots' stride stays opaque to the
//!   compiler (`Blk::v`: as a constant it cost the one-block kernel spills and 3–4 %), and the
//!   two-block kernels' loops over G in device memory stay loops (`ROLLED`). Measured on the
//!   H200 (2026-12-02, notes/s26.md, the peers' QPs, n = p = 100, f64): warp instructions of
//!   the forward kernel −17 % at batch 128 and −14 % at 2048; fwd+bwd 0.810 → 0.770 ms at 128,
//!   8.80 → 7.75 ms at 2048, fwd 0.557 → 0.536 ms at batch 1; n = p = 32 at 2048 3.15 → 2.15
//!   ms (the equilibration kernel specialized too: 59 k → 47 k cycles at batch 128, batch
//!   2048 a further −2 %); answers and gradients bit-identical (digests). Off by default: the
//!   compile stalls a shape's first call (a background compile made processes that ended
//!   during it abort in NVRTC's teardown).
//! - `OPTNET_CUDA_SOURCE=FILE` compiles FILE instead of the embedded `pdipm.cu` (kernel
//!   development: one build times several kernel variants on the GPU machine), after
//!   `common.cuh` as `pdipm.cu` is: what the three sources share (`struct Layout`,
//!   `with_dims`, the status codes, `IST`), put before each by the host since session 27.
//! - `OPTNET_CUDA_PROFILE=total` prints the forward kernel's cycles per example (each block's
//!   clock from its start to its statistics, the final factorization for the backward pass
//!   not included), its iteration and refinement counts, and the slowest block's cycles,
//!   example and iterations (a batch lasts as long as its slowest example), the kernels
//!   unchanged.
//!   `OPTNET_CUDA_PROFILE=1` compiles them with phase timers (`-DOPTNET_PROFILE`; without it
//!   the timers compile away) and prints the share of each phase of the forward kernel (clock64
//!   timers, the solves split into G products, triangular solves, refinement residuals and
//!   corrections) and the iteration and refinement counts. Either setting also prints the
//!   host's time to pack and upload the data, wait for the kernel and unpack the results,
//!   and for a backward call the time until the adjoints are on the host and until the
//!   gradients are assembled (`Solver::backward`).
//! - f32 batches are solved by the f64 kernel, as the CPU backend solves them: converted as
//!   they are uploaded, stopped at the f32 tolerances, answers and gradients rounded to f32.
//!   Measured on the H200 (2026-11-30, OptNet's QPs, n = p = 100, fwd+bwd) against the f32
//!   kernel: batch 1 1.29 against 2.00 ms, 128 1.97 against 2.85 ms, 2048 23.5 against
//!   21.7 ms; every example `Solved`, where the f32 kernel ended 58 of 128 and 709 of 2048
//!   `AlmostSolved` and 4 of 2048 `NumericalError`. Since session 9 the f32 gap floor is
//!   3e-8 (`Settings::F32_GAP_FLOOR`; 1e-7 in session 8 left one of 128 CPU benchmark QPs at
//!   1.5e-4 from f64) and f32 data skip the refinement of the predictor and corrector while
//!   κ ≤ 100τ (`Settings::REFINEMENT_KT_RATIO`): on the H200 (2026-11-30 22:47 UTC, the
//!   peers' QPs) the answers are within 3.6e-5 (batch 128) and 5.6e-5 (2048) of the f64 ones
//!   at 9.7 iterations against f64's 11.0, 1.82 M cycles per QP against 2.86 M, fwd+bwd 1.56×
//!   (128) and 1.51× (2048) faster than f64 (session 8: 1.14×, 1.16×, at 9.3–9.4 iterations,
//!   within 7.7e-5 and 8.8e-5). `OPTNET_CUDA_F32_ARITHMETIC=f32` selects the f32 kernel (half the
//!   device memory; gap floor 1e-5, 5.7e-4 from f64, refinement as before; since session 33
//!   its backward pass factors K at W regularized as the f64 kernel's and refines against W
//!   itself: its factors at W = λ/s had held infinities, its gradients NaN). Since session
//!   12 f64 data skip that refinement too, before the 10th iteration
//!   (`Settings::refinement_from_iteration`), and with polishing f32 and f64 data take the
//!   same iterations: the two cost the same (fwd+bwd 1.00× at 2048).
//! - Polishing (`Settings::polish`, notes/ALGORITHM.md §4b, since session 11): the f64
//!   kernels solve the KKT system on the active set the iterate points to (`polish` in
//!   `pdipm.cu`, with the kernel's own assembly, factorization and refined solve; since session
//!   20 every refinement step verified, and a retry's solves refined as far as refinement
//!   gains, as on the CPU) and take that point if it passes the termination test; a polished
//!   solution's backward reuses the last polishing factorization. On the H200 (2026-12-01, the
//!   peers' QPs): 6.3 iterations instead of 10.4, f64 fwd+bwd 1.79 → 1.24 ms at batch 128 and
//!   20.3 → 13.9 ms at 2048 (with the two-block kernel's products below). f32 data polish as
//!   f64 do, after the same iterations, so their advantage is now only the unrefined predictor
//!   and corrector: 1.27× f64 at 2048. The f32 kernel does not polish (`Params::polish_gap` =
//!   0).
//! - Large f64 batches (at least two blocks per multiprocessor, `two_blocks`) run
//!   `pdipm2_f64` and `backward2_f64`: the same arithmetic (bit-identical answers and
//!   gradients) at two blocks per multiprocessor, 128 registers per thread, with G and 16 of
//!   the 49 vector slots in global memory (113 KB of shared memory per block), their loads
//!   from G batched. Each block runs 1.6–1.8× longer than the one-block kernel's, but the
//!   multiprocessor runs two: measured on the H200 (2026-12-01, `notes/gpu_s10_x2.md`), f64
//!   fwd at batch 2048 20.8 ms against 24.1 ms, fwd+bwd 21.3 against 25.1 ms; f32 data 13.0
//!   against 15.4 ms. Session 11 (`notes/gpu_s11_x2.md`) gave it the one-block kernel's
//!   products (eight rows per warp and pass, G's loads grouped by two chunks) and its three
//!   barriers fewer: 4.04 M cycles per QP against 4.57 M at batch 264, f64 fwd+bwd at 2048
//!   18.2 ms against 20.4, f32 data 12.2 against 13.3 ms; it runs from batch 9/8 × SMs on.
//! - Small f64 problems (n + m ≤ 96) run the two-block kernels of a narrow module, compiled on
//!   first use at 128 threads per block (`-DOPTNET_NARROW=B`; [`two_block`]): with launch
//!   bounds for four blocks per multiprocessor for n + m ≤ 64 in batches of more than two
//!   blocks per multiprocessor (three or four such QPs share one), else for two (255
//!   registers). Measured on the H200 (2026-12-01, notes/s16.md §7), f64 fwd against the
//!   256-thread kernel: n = p = 32 at batch 149 0.34 against 0.43 ms, 512 0.52 against 0.89,
//!   2048 2.8–2.9 against 3.93; n = 64 0.55 / 0.85–0.86 / 4.18–4.28 against 0.62–0.63 /
//!   1.28–1.30 / 5.20–5.22; n = 88 at 2048 6.57–6.58 against 7.16–7.17. Their sums run in another
//!   order than the 256-thread kernels', so there the answers agree across batch sizes to
//!   rounding, not bit for bit.
//! - Uploads are packed into a page-locked host buffer kept by the context (grown when too
//!   small), so a call does not fault in fresh pages and the copy runs at DMA speed. Batches
//!   larger than one wave of blocks go in chunks ([`chunk_len`], `forward_chunks`): a chunk's
//!   data are packed and copied (on a copy stream) while the earlier chunks' kernels run, on
//!   eight compute streams in turn, and its results come back (to a page-locked download
//!   buffer) and are unpacked while the later ones run. Measured on the H200 (2026-12-01,
//!   `notes/gpu_s11_e2e.md`, n = p = 100, f64, host arrays to host arrays): batch 2048 fwd
//!   35.5 → 21.9 ms, fwd+bwd 55.5 → 36.0 ms (with the backward's huge pages, `solver.rs`);
//!   512: 10.5 → 8.3 and 16.0 → 13.1 ms; same bits. The kernels' span (first chunk's start
//!   to last chunk's end) grows by the time the device waits for the first chunks' data
//!   (2048: 19.9 → 20.3 ms; 512: 5.7 → 7.0 ms).
//! - Problems whose reduced KKT matrix does not fit shared memory (in f64 on an H100/H200,
//!   n + m > 139; since session 17) run the two-block kernels of the K-global module
//!   (`-DOPTNET_KGLOBAL`, compiled on first use, 1024 threads per block; [`k_global_layout`]):
//!   K in device memory, in the example's record of the factorization buffer that the
//!   backward pass reads anyway, whatever the batch size. The same arithmetic on slower
//!   memory: every access to K goes through the L2 cache.
//!
//! Limits ([`layout`]): in f64 (f32 data included) max(n + m, p) up to 682 on an H100/H200,
//! where the vector slots alone fill a block's shared memory; the f32 kernel
//! (`OPTNET_CUDA_F32_ARITHMETIC=f32`) n + m ≤ 256 and K in shared memory; else
//! [`Error::CudaTooLarge`].
//!
//! `Settings::equilibrate` (since session 18; ignored before): each chunk is scaled on the
//! device before the solver's kernel runs (`ruiz.cu`, one block per example, the CPU's Ruiz
//! passes and cost scaling, the same scalings to the bit) into a copy of its own with every
//! array batched (shared arrays get each example's scaling; but where Q, A and G are all
//! shared, so are D and E, and the copy keeps one Ã, one G̃ and one unscaled Q, which the
//! kernels scale by each example's c as they load it: [`scaled_layout`], since session 20;
//! since session 21 one block runs the passes for such a batch and a warp per example its
//! cost scaling, [`RuizMode`]), which the solver and the backward pass read; the solver's
//! termination test and its answers are in the original units, as on the CPU (the scalings in
//! device memory, their address in `Params::scal`). The kernel gives each example a block of
//! [`ruiz_threads`] threads (1024) that share out the column and row maxima in groups
//! ([`ruiz_groups`]), from shared-memory copies of Q, A and G wherever they fit
//! ([`ruiz_smem`]). On OptNet's random QPs, which are well scaled, it costs 1–14 % at
//! n = p = 100 (H200, session 20's run F; the equilibration kernel about 38 µs per
//! example-block under ncu, the iterations of the start in notes/ALGORITHM.md §2 up to a tenth
//! more); without it the kernels are 0.3–1.4 % slower than before session 18 (notes/s18.md).
//!
//! As on the CPU, the f64 kernel computes a direction that is not finite again with 100× the
//! regularization (at most three times; the f32 kernel does not). Unlike the CPU, a run that
//! breaks down (NaN, too short steps, iteration limit) after an iterate met the reduced
//! tolerances returns that iterate as `AlmostSolved`.
//!
//! Speed (H200, n = p = 100, f64): about 2.5–2.6 M cycles per QP in the one-block kernel
//! (10.5 iterations; 6.4 M before session 4, 4.1 M before session 6, 3.6 M before session 7,
//! 3.1 M before session 9, 2.86 M before session 10; `notes/gpu_s4.md`, `notes/gpu_s6.md`,
//! `notes/gpu_s7.md`, `notes/gpu_s9_factor.md`, `notes/gpu_s10_lat.md`,
//! `notes/gpu_s10_lat2.md`), a block's run being bound by instruction issue and
//! latency (one 8-warp block per SM, short dependent chains), not by arithmetic or memory. The
//! triangular solve is a called function whose registers are what the caller leaves free:
//! values kept live across the iteration (the profiling build's timers, hoisted addresses of
//! the vector slots) cost it its loads in flight; count its load registers in the SASS of
//! every change.

mod context;

pub(crate) use context::Context;
use context::{Pooled, Pools};

use crate::solver::{Adjoints, Cache as SolverCache};
use crate::{Error, QpBatch, Real, Settings, Solution, Specialization, Status, Term};
use cudarc::driver::{
    CudaEvent, CudaFunction, DevicePtr, DeviceRepr, LaunchConfig, PushKernelArg, ValidAsZeroBits,
};
use ndarray::{
    Array1, Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Dimension, RemoveAxis,
};
use rayon::prelude::*;
use std::marker::PhantomData;
use std::sync::Arc;

/// What `OPTNET_CUDA_PROFILE` asks for (read once per process, so the compiled kernels and
/// the counters agree).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Profile {
    /// Unset: no counters.
    Off,
    /// `total`: the kernels as they run unprofiled, with each block's cycles, iterations and
    /// refinement steps counted.
    Total,
    /// Anything else: the profiling build (`-DOPTNET_PROFILE`), with phase timers too.
    Phases,
}

/// The profiling mode of this process (`OPTNET_CUDA_PROFILE`).
pub(crate) fn profiling() -> Profile {
    static P: std::sync::OnceLock<Profile> = std::sync::OnceLock::new();
    *P.get_or_init(|| match std::env::var("OPTNET_CUDA_PROFILE") {
        Err(std::env::VarError::NotPresent) => Profile::Off,
        Ok(v) if v == "total" => Profile::Total,
        _ => Profile::Phases,
    })
}

/// Whether f32 batches are solved by the f64 kernel (the default; `OPTNET_CUDA_F32_ARITHMETIC=f32`
/// selects the f32 kernel; read once per process): converted as they are uploaded, stopped
/// at the f32 tolerances, answers and gradients rounded to f32, as the CPU backend solves
/// them (see the module documentation for the measurements).
pub(crate) fn f32_in_f64() -> bool {
    static F: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *F.get_or_init(|| std::env::var("OPTNET_CUDA_F32_ARITHMETIC").as_deref() != Ok("f32"))
}

/// Threads per block: 256, or `OPTNET_CUDA_THREADS=T` for T a multiple of 32 from 128 to 512
/// (an experiment knob: more warps to hide latency and fewer registers per thread, or the
/// reverse; the f32 kernel needs T ≥ 256, the two-block kernels run only for T ≤ 256, the
/// narrow module's only at the default, [`two_block`]). NVRTC
/// gets it as `-DNT`. Measured on the H200 (2026-12-01, session 15, notes/s15.md), f64 fwd:
/// 512 threads (128 registers, spills) 0.691 ms at batch 1 and 0.974 ms at 128 against
/// 0.601 and 0.818 ms with 256; 128 threads in the two-block kernel (255 registers, no
/// spills) 8.436–8.444 ms at batch 2048 against 8.452–8.468 ms. The GPU tests (`cuda_solver`,
/// n + m ≤ 96) passed with 128 (two-block kernel forced) and 384 threads, and in session 16
/// the n + m = 138 member of `random_batched_matches_cpu` with 128; other counts are untested.
pub(crate) fn threads() -> u32 {
    static NT: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *NT.get_or_init(|| {
        std::env::var("OPTNET_CUDA_THREADS")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|t| t % 32 == 0 && (128..=512).contains(t))
            .unwrap_or(256)
    })
}
/// The process's default [`Specialization`] for new contexts: `OPTNET_CUDA_SPECIALIZE=1`
/// per shape, else off. Read once per process.
pub(crate) fn default_specialization() -> Specialization {
    static S: std::sync::OnceLock<Specialization> = std::sync::OnceLock::new();
    *S.get_or_init(
        || match std::env::var("OPTNET_CUDA_SPECIALIZE").as_deref() {
            Ok("1") => Specialization::PerShape,
            _ => Specialization::Off,
        },
    )
}

/// Whether launches of layout `l` in precision `E` can take a specialized module: f64
/// arithmetic and the default module's kernels (not the K-global module's).
fn specializable<E: Elem>(ctx: &Context, l: &Layout) -> bool {
    E::DOUBLE && l.k_global == 0 && ctx.specialization() != Specialization::Off
}

/// The shape of a launch's layout, as a specialized module is compiled for it.
fn dims_of(l: &Layout) -> context::Dims {
    context::Dims {
        n: l.n,
        m: l.m,
        p: l.p,
        big_n: l.big_n,
        ld: l.ld,
        v: l.v,
    }
}

/// The forward and backward kernels for layout `l` in precision `E`: the module specialized
/// for `l`'s shape (`context::Build::Shape`, `-DOPTNET_DIMS`) where [`specializable`] and it
/// asks for it ([`Specialization`]; compiled on the shape's first call; at most
/// `context::SHAPES` shapes per context), else the precision's generic module.
fn solver_kernels<'a, E: Elem>(
    ctx: &'a Context,
    l: &Layout,
) -> Result<&'a context::Kernels, Error> {
    if specializable::<E>(ctx, l) {
        if let Some(k) = ctx.shape_kernels(dims_of(l)) {
            return k;
        }
    }
    ctx.kernels(E::DOUBLE)
}

/// The equilibration kernel for layout `l`: specialized for `l`'s shape as
/// [`solver_kernels`] says, else the precision's generic one.
fn ruiz_kernel<'a, E: Elem>(ctx: &'a Context, l: &Layout) -> Result<&'a CudaFunction, Error> {
    if specializable::<E>(ctx, l) {
        if let Some(k) = ctx.ruiz_shape(dims_of(l)) {
            return k;
        }
    }
    ctx.ruiz(E::DOUBLE)
}

/// Panel width, vector slots, and the vector slots the two-block kernels keep in global
/// memory: as `NB`, `NVEC` and `X2_NGLOBAL` in `pdipm.cu`.
const NB: usize = 8;
const NVEC: usize = 49;
const NVEC_GLOBAL: usize = 16;
/// Ints per example in the forward kernel's `ist` (`IST` in `common.cuh`): its status, its
/// iterations, its polishing solves.
const IST: usize = 3;
/// Phase timers of the forward kernel (8: the iterations' assemble, factor, solves and the
/// rest of their steps, the output, the start, polishing, the residuals and termination
/// tests), the iteration and the refinement-step counts, the timers of four parts of the
/// solves (wherever they run), the blocks' cycles from start to end, and the slowest block's
/// (its cycles, iterations and example within its launch: 32, 8 and 24 bits).
const PROF_LEN: usize = 16;
/// Where the counts start in the profile counters (after the phase timers).
const PROF_COUNTS: usize = 8;
/// Largest n + m the kernels with K in shared memory take (the f32 kernel's panel takes a
/// thread per row); beyond it, and wherever K does not fit shared memory, f64 runs the
/// K-global module ([`k_global_layout`]).
const MAX_N: usize = 256;
/// Largest n + m the f64 kernels with K in shared memory take: pdipm.cu's tables of the
/// tensor-core products' tile groups cover 8·`WALK_NT` = 176 rows (every K that fits 227 KB of
/// shared memory, N ≤ 169); a device with more shared memory runs larger K in the K-global
/// module, which walks its tiles without the tables.
const TILE_WALK_MAX_N: usize = 176;

/// Where the arrays of a batch live in the uploaded buffer. Mirrors `Layout` in `common.cuh`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct Layout {
    o_q2: i64,
    o_q: i64,
    o_a: i64,
    o_b: i64,
    o_g: i64,
    o_h: i64,
    s_q2: i64,
    s_q: i64,
    s_a: i64,
    s_b: i64,
    s_g: i64,
    s_h: i64,
    out_stride: i64,
    fac_stride: i64,
    n: i32,
    m: i32,
    p: i32,
    batch: i32,
    big_n: i32,
    ld: i32,
    v: i32,
    g_smem: i32,
    /// K in device memory (the K-global module's launches; [`k_global_layout`]).
    k_global: i32,
}

// SAFETY: plain `repr(C)` integers, laid out as the kernel's `struct Layout`.
unsafe impl DeviceRepr for Layout {}

impl Layout {
    /// Examples `first..first + count` as a batch of their own: every offset moved to example
    /// `first` (a shared array's stride is 0), `count` examples.
    fn chunk(&self, first: usize, count: usize) -> Layout {
        let at = first as i64;
        Layout {
            o_q2: self.o_q2 + at * self.s_q2,
            o_q: self.o_q + at * self.s_q,
            o_a: self.o_a + at * self.s_a,
            o_b: self.o_b + at * self.s_b,
            o_g: self.o_g + at * self.s_g,
            o_h: self.o_h + at * self.s_h,
            batch: count as i32,
            ..*self
        }
    }
}

/// Settings as the kernel reads them. Mirrors `Params` in `pdipm.cu`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct Params {
    tol_gap_abs: f64,
    tol_gap_rel: f64,
    tol_feas: f64,
    tol_infeas_abs: f64,
    tol_infeas_rel: f64,
    tol_ktratio: f64,
    reduced_tol_gap: f64,
    reduced_tol_feas: f64,
    max_step_fraction: f64,
    min_step_length: f64,
    static_reg: f64,
    dyn_eps: f64,
    dyn_delta: f64,
    refine_abstol: f64,
    refine_reltol: f64,
    /// A first correction of a residual within this many times the tolerance is final
    /// (notes/ALGORITHM.md §3).
    refine_unverified: f64,
    /// Steps 5 and 7 refine their directions where κ/τ exceeds this
    /// ([`Settings::REFINEMENT_KT_RATIO`]; 0 in the f32 kernel, which always refines) ...
    refine_kt: f64,
    /// `Settings::centered_step_fraction`, from α_aff ≥ `Settings::CENTERED_AFFINE_STEP`.
    centered_step_fraction: f64,
    centered_affine_step: f64,
    /// Polishing from a relative gap below this (`Settings::POLISH_GAP`), 0 without
    /// `Settings::polish` and in the f32 kernel, which does not polish.
    polish_gap: f64,
    /// The start pairs take the start's W, and the first iteration its factors, where W
    /// spreads at most this many-fold (the CPU's `pdipm::START_W_SPREAD`).
    start_w_spread: f64,
    max_iter: i32,
    refine_max_iter: i32,
    /// ... or from this iteration on ([`Settings::refinement_from_iteration`]).
    refine_from: i32,
    /// Solves per polishing attempt (the CPU's `polish::ROUNDS`).
    polish_rounds: i32,
    /// Ruiz equilibration of a batch that shares Q, A and G ([`scaled_layout`]): the data's Q
    /// is unscaled, and the kernels scale it by each example's c·DᵢDⱼ as they load it (1), or
    /// the data are as solved (0).
    q_unscaled: i32,
    /// Ruiz equilibration: the device address of the launch's scalings ([`scalings_len`]
    /// values per example of the launch), 0 when the data are not scaled.
    scal: u64,
}

// SAFETY: plain `repr(C)` numbers, laid out as the kernel's `struct Params`.
unsafe impl DeviceRepr for Params {}

impl Params {
    /// The settings for data of precision `T` solved in the arithmetic of `E`, adjusted as
    /// for the CPU ([`Settings::for_precision`]).
    fn new<T: Real, E: Elem>(s: &Settings) -> Params {
        let single = !E::DOUBLE;
        let s = s.for_precision(T::NAME == "f32", single);
        Params {
            tol_gap_abs: s.tol_gap_abs,
            tol_gap_rel: s.tol_gap_rel,
            tol_feas: s.tol_feas,
            tol_infeas_abs: s.tol_infeas_abs,
            tol_infeas_rel: s.tol_infeas_rel,
            tol_ktratio: s.tol_ktratio,
            reduced_tol_gap: s.reduced_tol_gap,
            reduced_tol_feas: s.reduced_tol_feas,
            max_step_fraction: s.max_step_fraction,
            centered_step_fraction: s.centered_step_fraction,
            centered_affine_step: Settings::CENTERED_AFFINE_STEP,
            polish_gap: if s.polish && !single {
                Settings::POLISH_GAP
            } else {
                0.0
            },
            start_w_spread: crate::cpu::START_W_SPREAD,
            min_step_length: s.min_step_length,
            static_reg: s.static_regularization,
            dyn_eps: s.dynamic_regularization_eps,
            dyn_delta: s.dynamic_regularization_delta,
            refine_abstol: s.refinement_abstol,
            refine_reltol: s.refinement_reltol,
            refine_unverified: if single {
                UNVERIFIED_CORRECTION_F32
            } else {
                crate::cpu::UNVERIFIED_CORRECTION
            },
            refine_kt: if single {
                0.0
            } else {
                Settings::REFINEMENT_KT_RATIO
            },
            max_iter: s.max_iter.min(i32::MAX as u32) as i32,
            refine_max_iter: s.refinement_max_iter.min(i32::MAX as u32) as i32,
            refine_from: Settings::refinement_from_iteration(T::NAME == "f32").min(i32::MAX as u32)
                as i32,
            polish_rounds: crate::cpu::POLISH_ROUNDS as i32,
            q_unscaled: 0,
            scal: 0,
        }
    }
}

/// The kernel's f32 threshold of unverified corrections (f64 takes the CPU's,
/// [`crate::cpu::UNVERIFIED_CORRECTION`]): f32's tolerance is near its rounding and a
/// correction gains about three digits. Measured on the H200 (2026-11-30, 2048 random QPs,
/// fwd+bwd): none 33.9 ms and 2047 solved, 10: 32.3 ms and 2048 solved, 100: 29.6 ms and
/// 2044 solved; 1e6 (the f64 value) failed the test `f32_close_to_f64` (1.01e-3).
const UNVERIFIED_CORRECTION_F32: f64 = 10.0;

/// The device element type of a precision.
trait Elem: DeviceRepr + ValidAsZeroBits + Copy + Default + Send + Sync + 'static {
    const DOUBLE: bool;
    fn pool(p: &Pools) -> &context::Pool<Self>;
    fn staging(p: &Pools) -> &context::Staging<Self>;
    fn down(p: &Pools) -> &context::Staging<Self>;
    fn from_real<T: Real>(x: T) -> Self;
    fn to_real<T: Real>(self) -> T;
}

impl Elem for f64 {
    const DOUBLE: bool = true;
    fn pool(p: &Pools) -> &context::Pool<f64> {
        &p.f64
    }
    fn staging(p: &Pools) -> &context::Staging<f64> {
        &p.stage_f64
    }
    fn down(p: &Pools) -> &context::Staging<f64> {
        &p.down_f64
    }
    fn from_real<T: Real>(x: T) -> f64 {
        x.to64()
    }
    fn to_real<T: Real>(self) -> T {
        T::of(self)
    }
}

impl Elem for f32 {
    const DOUBLE: bool = false;
    fn pool(p: &Pools) -> &context::Pool<f32> {
        &p.f32
    }
    fn staging(p: &Pools) -> &context::Staging<f32> {
        &p.stage_f32
    }
    fn down(p: &Pools) -> &context::Staging<f32> {
        &p.down_f32
    }
    fn from_real<T: Real>(x: T) -> f32 {
        x.to64() as f32
    }
    fn to_real<T: Real>(self) -> T {
        T::of(self as f64)
    }
}

fn pool_i32(p: &Pools) -> &context::Pool<i32> {
    &p.i32
}

fn down_i32(p: &Pools) -> &context::Staging<i32> {
    &p.down_i32
}

/// Device buffers of one precision kept by a solution for its backward pass: the data the
/// kernels solved (the equilibrated copy where there is one), the factorizations, the
/// statuses, and the equilibration's scalings.
#[derive(Debug)]
struct Buffers<E: Elem> {
    data: Pooled<E>,
    fac: Pooled<E>,
    ist: Pooled<i32>,
    sc: Option<Pooled<E>>,
    /// The forward pass's results (z, ν, λ, s, … per example, the layout's `out_stride` values
    /// apart), in the original units: the batch sums of shared gradients read z, ν, λ here
    /// ([`shared_sums`]).
    out: Pooled<E>,
}

/// Threads per block of the batch-sum kernel (`sums.cu`).
pub(crate) const SUMS_THREADS: u32 = 256;

/// Examples per split of the batch-sum kernel (`sums.cu` `SPLIT`): each split's partial sums
/// are formed in example order, and a second kernel adds the splits in order.
const SUM_SPLIT: usize = 32;

/// Result entries per thread of the batch-sum kernel (`sums.cu` `ENTRIES`).
const SUM_ENTRIES: usize = 8;

/// One factor of a batch sum (`sums.cu` `Rows`): example b's vector at `base` + b·`stride`
/// elements (a device address).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct Rows {
    base: u64,
    stride: i64,
}

/// One shared array's batch sum (`sums.cu` `Spec`): Σ u xᵀ (+ y vᵀ with two pairs), r×n, its
/// splits' partial sums at `part` and its total at `total` (element offsets in the sums'
/// buffer), `stage` examples in shared memory at a time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct SumSpec {
    u: Rows,
    x: Rows,
    y: Rows,
    v: Rows,
    pairs: i32,
    r: i32,
    stage: i32,
    pad: i32,
    part: i64,
    total: i64,
}

/// Up to three arrays' sums in one launch (`sums.cu` `Specs`): Q, A, G, those present first.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct SumSpecs {
    s: [SumSpec; 3],
}

// SAFETY: `Rows`, `SumSpec` and `SumSpecs` are `#[repr(C)]` with the layouts of `sums.cu`'s
// `Rows<T>` (a pointer and a `long long`), `Spec<T>` (four of those, four `int`s, two `long
// long`s) and `Specs<T>` (three of those): plain data.
unsafe impl DeviceRepr for Rows {}
unsafe impl DeviceRepr for SumSpec {}
unsafe impl DeviceRepr for SumSpecs {}

#[derive(Debug)]
enum AnyBuffers {
    F64(Buffers<f64>),
    F32(Buffers<f32>),
}

/// What the backward pass needs from a CUDA solve: the uploaded data, the statuses, and
/// the LDLᵀ factorization of the KKT matrix at each solved example's solution, all in
/// device memory (buffers return to the pool when the solution is dropped).
pub(crate) struct Cache<T> {
    inner: Box<CacheInner>,
    _t: PhantomData<T>,
}

struct CacheInner {
    ordinal: usize,
    layout: Layout,
    bufs: Option<AnyBuffers>,
}

impl<T> std::fmt::Debug for Cache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("cuda::Cache")
            .field("ordinal", &self.inner.ordinal)
            .field("layout", &self.inner.layout)
            .finish()
    }
}

/// Places a term's data at `*at` in the upload buffer: returns (offset, per-example stride,
/// 0 when shared) and moves `*at` past it. An absent term takes no room.
fn place<T, D: Dimension>(at: &mut usize, term: Option<&Term<'_, T, D>>) -> (i64, i64)
where
    D::Larger: RemoveAxis<Smaller = D>,
{
    let off = *at as i64;
    let (len, per) = match term {
        None => (0, 0),
        Some(Term::Shared(a)) => (a.len(), 0),
        Some(Term::Batched(a)) => (a.len(), a.shape()[1..].iter().product()),
    };
    *at += len;
    (if len > 0 { off } else { 0 }, per as i64)
}

/// The layout of the equilibrated copy of a batch laid out as `l` (`ruiz.cu` writes it), in
/// `place`'s order, and its length in elements. Every array batched, each example's scaling
/// being its own; but where Q, A and G are all shared by the batch, so are the scalings D and
/// E (they depend on those matrices alone), and the copy shares them too: Ã and G̃ once, and
/// Q once as it is (the kernels scale it by each example's cost scaling c as they load it,
/// [`q_unscaled`]), so that a layer with learned Q, A, G and batched inputs keeps one
/// copy of its matrices on the device; Q is then followed by the scalings every example
/// shares (D, E and the mean column norm of DQD), which one block computes for the batch
/// ([`RuizMode::Shared`]).
fn scaled_layout(l: &Layout) -> (Layout, usize) {
    let (n, m, p, batch) = (l.n as i64, l.m as i64, l.p as i64, l.batch as i64);
    let shared = l.s_q2 == 0 && l.s_a == 0 && l.s_g == 0;
    let mut s = *l;
    let mut at = 0i64;
    let mut put = |size: i64, batched: bool| {
        if size == 0 {
            return (0, 0);
        }
        let off = at;
        let stride = if batched { size } else { 0 };
        at += size.max(stride * batch);
        (off, stride)
    };
    (s.o_q2, s.s_q2) = put(n * n, !shared);
    if shared {
        // The common scalings (`ruiz.cu` `example`): D, E and the mean Q-column norm.
        put(n + m + p + 1, false);
    }
    (s.o_q, s.s_q) = put(n, true);
    (s.o_a, s.s_a) = put(m * n, !shared);
    (s.o_b, s.s_b) = put(m, true);
    (s.o_g, s.s_g) = put(p * n, !shared);
    (s.o_h, s.s_h) = put(p, true);
    (s, at as usize)
}

/// [`Params::q_unscaled`] for data in `scaled`, an equilibrated copy's layout
/// ([`scaled_layout`]): 1 where the copy shares Q, which it then holds unscaled.
fn q_unscaled(scaled: &Layout) -> i32 {
    i32::from(scaled.s_q2 == 0)
}

/// Values per example of the equilibration's scalings: D (n), E (m + p), c and their
/// reciprocals (1/(c·D), 1/E, 1/c).
fn scalings_len(l: &Layout) -> usize {
    2 * (l.n + l.m + l.p + 1) as usize
}

/// Groups of `count` threads in the equilibration kernel (`ruiz.cu` `groups_of`): its threads
/// split into ⌊threads/count⌋ groups, each thread of a group taking one column (row) over every
/// groups-th row (column), so that the whole block works on the maxima when n or m + p is
/// below its threads.
fn ruiz_groups(count: usize, threads: usize) -> usize {
    if count > 0 && count < threads {
        threads / count
    } else {
        1
    }
}

/// The leading dimension of the equilibration kernel's shared-memory copies of A and G
/// (`ruiz.cu` `padded`): n rounded up to odd, so that threads reading a column of consecutive
/// rows hit distinct banks.
fn ruiz_ld(n: usize) -> usize {
    n | 1
}

/// The equilibration kernel's shared memory and whether it holds copies of Q, A and G (which
/// then its passes read instead of device memory): D, E, the Q-column norms, the cost scaling
/// and the partial maxima of a pass (two arrays of groups·n for the columns, groups·(m + p) for
/// the rows, [`ruiz_groups`]), and the matrices (A and G with leading dimension [`ruiz_ld`])
/// wherever they fit `smem_max` bytes. Measured at n = p = 100 on an H200 with session 19's
/// run B kernel (notes/s19.md §1, the row maxima still by warp shuffles): with the copies, one
/// block of 1024 threads per multiprocessor, 0.69 ms at batch 2048 under ncu; reading device
/// memory with two blocks per multiprocessor, 0.82 ms. (The final kernel, always with the
/// copies at that size: 0.61 ms.)
fn ruiz_smem<E>(l: &Layout, threads: usize, smem_max: usize) -> (usize, bool) {
    let (n, rows) = (l.n as usize, (l.m + l.p) as usize);
    let size = std::mem::size_of::<E>();
    let parts = 2 * ruiz_groups(n, threads) * n + ruiz_groups(rows, threads) * rows;
    let base = (2 * n + rows + 1 + parts) * size;
    let cached = base + (n * n + rows * ruiz_ld(n)) * size;
    if cached <= smem_max {
        (cached, true)
    } else {
        (base, false)
    }
}

/// Elements per task of the upload's parallel copy (256 KB of f64). A copy of at most this
/// many elements (and an unpacking of at most this many results) runs on the calling thread:
/// handing it to the thread pool costs a round trip to the pool's threads, which at batch 128
/// with shared Q and G took about 0.1 ms of a forward call's host time for four small
/// arrays (session 23, notes/s23.md §7).
const UPLOAD_CHUNK: usize = 1 << 15;

/// dst[i] = src[i] converted, over the cores in [`UPLOAD_CHUNK`]s where there are more than
/// one, else on the calling thread.
fn convert_into<A: Copy + Sync, B: Send>(dst: &mut [B], src: &[A], f: impl Fn(A) -> B + Sync) {
    if src.len() <= UPLOAD_CHUNK {
        dst.iter_mut().zip(src).for_each(|(d, &x)| *d = f(x));
    } else {
        dst.par_chunks_mut(UPLOAD_CHUNK)
            .zip(src.par_chunks(UPLOAD_CHUNK))
            .for_each(|(d, s)| d.iter_mut().zip(s).for_each(|(d, &x)| *d = f(x)));
    }
}

/// Writes examples `first..first + count` of a term's data, converted to `E`, in row-major
/// order where `place` put them (`off`, `stride`), and returns that range of the upload
/// buffer; a shared term is written whole with the first chunk (`first == 0`) and never
/// again. `None`: nothing to write. A plain loop over the slice when the array is contiguous
/// (what callers almost always pass; far faster than ndarray's strided iterator), else
/// element by element.
fn pack_rows<T: Real, E: Elem, D: Dimension>(
    host: &mut [E],
    (off, stride): (i64, i64),
    term: Option<&Term<'_, T, D>>,
    first: usize,
    count: usize,
) -> Option<std::ops::Range<usize>>
where
    D::Larger: RemoveAxis<Smaller = D>,
{
    fn copy<T: Real, E: Elem, S: ndarray::Data<Elem = T>, D: Dimension>(
        dst: &mut [E],
        a: &ndarray::ArrayBase<S, D>,
    ) {
        match a.as_slice() {
            // In chunks over the cores: one thread's copy (and conversion) into page-locked
            // memory took longer than the solve itself for large batches.
            Some(s) => convert_into(dst, s, E::from_real),
            None => dst
                .iter_mut()
                .zip(a.iter())
                .for_each(|(d, &x)| *d = E::from_real(x)),
        }
    }
    let off = off as usize;
    let range = match term? {
        Term::Shared(a) if first == 0 => {
            let r = off..off + a.len();
            copy(&mut host[r.clone()], a);
            r
        }
        Term::Shared(_) => return None,
        Term::Batched(a) => {
            let per = stride as usize;
            let r = off + first * per..off + (first + count) * per;
            let rows = a.slice_axis(Axis(0), ndarray::Slice::from(first..first + count));
            copy(&mut host[r.clone()], &rows);
            r
        }
    };
    (!range.is_empty()).then_some(range)
}

/// Examples per chunk of a forward call of `batch` examples, where `slots` blocks of the
/// kernel run at once (multiprocessors × blocks per multiprocessor); the chunks go to the
/// context's compute streams (lanes) in turn. The chunks' data are packed and uploaded one
/// after another while the earlier chunks' kernels run (each chunk's kernel waits only for
/// its own upload), so that the upload, which ran entirely before the kernel, is hidden
/// behind it but for the first chunk's. A batch that runs in one wave (`batch ≤ slots`) goes whole: its last blocks
/// would start after the whole upload whatever the chunks (and splitting its upload in
/// pieces of 4 MB, each copied while the next is packed, was slower: the pieces' packing
/// kept fewer cores busy). Otherwise at most `CHUNKS_MAX` chunks and at least a wave each
/// (`slots` examples; `CHUNK_MIN` where the slots are fewer): a chunk's kernel then fills the
/// device by itself and the next chunk's, on another lane, its last blocks' place. Session 11
/// (`notes/gpu_s11_e2e.md`) took chunks that let the lanes hold twice the slots (66 examples
/// at 132 multiprocessors, 8 lanes and two blocks each), which on session 22's kernels
/// stretched their span (H200, n = p = 100, f64 fwd, kernels / e2e ms: batch 512 4.4–4.7 /
/// 5.4–5.9 against 2.5–2.7 / 5.0–5.6 in waves; 1024 8.9–9.1 / 10.3–10.7 against 5.3–5.8 /
/// 7.8–8.6; 2048 in chunks of 128 12.2–12.3 / 14.5–14.8 against 10.9–11.3 / 13.9–14.7;
/// notes/s22.md §3). Smaller chunks cost more: with chunks of 32 at batch 512 on 4 lanes the
/// kernels took 12.1 ms against 5.7 for one launch, and f32 data at batch 2048 in chunks of
/// 64 took 18–19 ms of kernels against 13.7 in chunks of 128 (session 11).
/// `OPTNET_CUDA_CHUNK=K` (an experiment knob, read once per process): K examples per chunk,
/// 0 for one chunk.
fn chunk_len(batch: usize, slots: usize) -> usize {
    static KNOB: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    let knob = *KNOB.get_or_init(|| {
        std::env::var("OPTNET_CUDA_CHUNK")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    let whole = batch.max(1);
    match knob {
        Some(0) => whole,
        Some(k) => k,
        None if batch <= slots => whole,
        None => batch.div_ceil(CHUNKS_MAX).max(slots).max(CHUNK_MIN),
    }
}

/// The smallest chunk and the most chunks of a forward call ([`chunk_len`]).
const CHUNK_MIN: usize = 32;
const CHUNKS_MAX: usize = 16;

/// Shared-memory bytes of the forward kernel.
fn forward_smem<E>(l: &Layout, g_smem: bool) -> usize {
    let (n, p, big_n, ld, v) = (
        l.n as usize,
        l.p as usize,
        l.big_n as usize,
        l.ld as usize,
        l.v as usize,
    );
    let elems = big_n * ld
        + if g_smem { p * n } else { 0 }
        + NB * big_n
        + NVEC * v
        + (threads() as usize / 32) * 32
        + 8 * v;
    elems * std::mem::size_of::<E>()
}

/// Shared-memory bytes of the backward kernel: the forward kernel's layout.
fn backward_smem<E>(l: &Layout) -> usize {
    forward_smem::<E>(l, l.g_smem != 0)
}

/// Shared-memory bytes of the two-block kernels (`pdipm2_f64`, `backward2_f64`; `Blk<T, true>`
/// in `pdipm.cu`): K (unless the K-global module keeps it in device memory), the vector slots
/// other than the `NVEC_GLOBAL` in global memory, the reduction and product scratch; G in
/// global memory, no panel scratch. `threads` per block (the reduction scratch holds 32
/// values per warp).
fn smem_two_blocks<E>(l: &Layout, threads: u32) -> usize {
    let (big_n, ld, v) = (l.big_n as usize, l.ld as usize, l.v as usize);
    let k = if l.k_global != 0 { 0 } else { big_n * ld };
    let elems = k + (NVEC - NVEC_GLOBAL) * v + (threads as usize / 32) * 32 + 8 * v;
    elems * std::mem::size_of::<E>()
}

/// Threads per block of the K-global module's kernels (launch bounds for one block per
/// multiprocessor): 1024, or `OPTNET_CUDA_KGLOBAL_THREADS=T` for T a multiple of 32 from 256
/// to 1024 (an experiment knob, read once per process). With K in device memory a block waits
/// on loads from the L2 cache more than on anything else, and more warps keep more of them in
/// flight, which outweighs the spills of 64 registers per thread. Measured on the H200
/// (2026-12-01, notes/s17.md, the bench's random QPs, f64 fwd ms at batch 1 / 32 / 128 / 512):
/// n = p = 200 3.17 / 4.46 / 6.22 / 23.2 at 1024 threads, 3.16 / 4.50 / 6.43 / 24.1 at 768,
/// 3.23–3.27 / 4.55–4.56 / 6.55–6.60 / 24.8–24.9 at 512 (128 registers), 3.67 / 5.11 / 6.94–6.95
/// / 26.0 at 256 (255 registers), and 4.41 / 6.15 / 8.63–8.70 / 26.3 at 256 with two blocks
/// per multiprocessor (128 registers; session 17's first build); n = p = 300 10.06 / 12.32 /
/// 20.0 / 77.4, 9.79 / 11.79 / 21.9 / 85.4, 10.08–10.22 / 12.03–12.32 / 24.1–24.3 / 93.6–93.7,
/// 12.37 / 14.4–14.9 / 25.7 / 97.9–98.2 and 14.71–14.72 / 17.8–18.0 / 31.5–31.6 / 100.5.
pub(crate) fn kglobal_threads() -> u32 {
    static NT: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *NT.get_or_init(|| {
        std::env::var("OPTNET_CUDA_KGLOBAL_THREADS")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|t| t % 32 == 0 && (256..=1024).contains(t))
            .unwrap_or(1024)
    })
}

/// Lays out a problem whose reduced KKT matrix does not fit shared memory (f64, n + m beyond
/// [`MAX_N`] or the block's shared memory) for the K-global module (`-DOPTNET_KGLOBAL`,
/// [`kglobal_threads`]): the two-block kernels with K (N×N, leading dimension N) in the
/// example's record of `fac`, which holds the factorization for the backward pass anyway, and
/// G and 16 vector slots in global memory; shared memory holds the other vector slots and the
/// scratch ([`smem_two_blocks`]), which bounds max(n + m, p) at about 680 on a device with
/// 227 KB. Every access to K goes to the L2 cache or device memory instead of shared memory,
/// so a block runs several times slower per flop than one with K in shared memory, but the
/// problem solves on the GPU (it was refused with [`Error::CudaTooLarge`] before session 17).
fn k_global_layout(l: &mut Layout) {
    l.k_global = 1;
    l.ld = l.big_n;
    l.g_smem = 0;
}

/// Threads per block of the narrow module's two-block kernels.
pub(crate) const NARROW_THREADS: u32 = 128;

/// Threads per block of the equilibration kernel (`ruiz.cu`): 1024, or
/// `OPTNET_CUDA_RUIZ_THREADS` (256, 512 or 1024; a kernel-development knob).
pub(crate) fn ruiz_threads() -> u32 {
    static NT: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *NT.get_or_init(|| {
        std::env::var("OPTNET_CUDA_RUIZ_THREADS")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|t| [256, 512, 1024].contains(t))
            .unwrap_or(1024)
    })
}

/// Largest n + m for which large f64 batches run a narrow module's two-block kernels
/// ([`two_block`]): 128 threads per block with launch bounds for four blocks per
/// multiprocessor (128 registers), where the default module's run 256 threads and two blocks.
const NARROW_MAX_N: usize = 64;

/// Largest n + m for which f64 two-block launches that [`NARROW_MAX_N`]'s rule leaves run the
/// narrow module with launch bounds for two blocks per multiprocessor (128 threads, up to 255
/// registers): batches of up to two blocks per multiprocessor, and n + m from 65 on, where
/// shared memory leaves room for two or three blocks and registers matter more than a third.
const NARROW_WIDE_MAX_N: usize = 96;

/// Which narrow module a two-block launch of `batch` examples with n + m = `big_n` takes on a
/// device of `sms` multiprocessors: launch bounds for 4 or 2 blocks per multiprocessor, or 0
/// (the default module). `OPTNET_CUDA_NARROW=0`, `2` or `4` (an experiment knob, read once per
/// process) sets it for every two-block launch.
fn narrow_blocks(big_n: usize, batch: usize, sms: usize) -> u32 {
    static KNOB: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    let knob = *KNOB.get_or_init(|| match std::env::var("OPTNET_CUDA_NARROW").as_deref() {
        Ok("0") => Some(0),
        Ok("2") => Some(2),
        Ok("4") => Some(4),
        _ => None,
    });
    knob.unwrap_or(if big_n <= NARROW_MAX_N && batch > 2 * sms {
        4
    } else if big_n <= NARROW_WIDE_MAX_N {
        2
    } else {
        0
    })
}

/// The two-block kernels run from a batch of `TWO_BLOCKS_FROM_EIGHTHS`/8 blocks per
/// multiprocessor on ([`two_blocks_wanted`]): 9/8, 149 on the H200's 132 multiprocessors. Past one
/// block per multiprocessor the one-block kernel runs a second wave; the two-block kernel's
/// pairs cost less than that from about there. Measured on the H200 (2026-12-01,
/// `notes/gpu_s11_x2.md`, the bench's random QPs, f64 fwd / fwd+bwd ms, one block per
/// multiprocessor against two, medians of 5, two runs each): at 05:13 UTC batch 133 2.30 /
/// 2.39–2.40 against 2.55–2.56 / 2.61–2.62, 140 2.51 / 2.61 against 2.73 / 2.80, 148 2.86–2.87
/// / 2.96–2.97 against 2.69 / 2.75, 150 2.74 / 2.85 against 2.74 / 2.81–2.82, 175 2.87–2.88 /
/// 2.99 against 2.69–2.70 / 2.78; at 04:45 UTC 200 2.99 / 3.13–3.14 against 2.86 / 2.95, 232
/// 3.13 / 3.28–3.29 against 2.86–2.87 / 2.95–2.97, 264 3.12 / 3.27 against 2.74–2.76 /
/// 2.84–2.85. f32 data (f64 arithmetic) gain from 133 on (fwd+bwd 1.72–1.74 against
/// 1.69–1.70 ms; 148: 2.05–2.06 against 1.75).
const TWO_BLOCKS_FROM_EIGHTHS: usize = 9;

/// Whether a launch of `batch` blocks asks for a two-block kernel (`pdipm2_f64` or
/// `backward2_f64`; [`two_block`] picks it and checks that two of its blocks fit a
/// multiprocessor): from `TWO_BLOCKS_FROM_EIGHTHS`/8 blocks per multiprocessor, at most 256
/// threads per block. A block's run is bound by issue and latency (IPC ≈ 1 with one 8-warp block per
/// multiprocessor), so two blocks share a multiprocessor at little cost to each (+14 % cycles
/// per block); but the two-block kernel's block, at 128 registers per thread and with G and
/// 16 vector slots in global memory, runs about 1.5× the one-block kernel's cycles, so small
/// batches keep the one-block kernel and its latency.
/// `OPTNET_CUDA_TWO_BLOCKS=0` or `1` (an experiment knob, read once per process) turns it
/// off or on for every batch.
fn two_blocks_wanted(ctx: &Context, batch: usize) -> bool {
    static KNOB: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();
    let knob = *KNOB.get_or_init(
        || match std::env::var("OPTNET_CUDA_TWO_BLOCKS").as_deref() {
            Ok("0") => Some(false),
            Ok("1") => Some(true),
            _ => None,
        },
    );
    threads() <= 256 && knob.unwrap_or(8 * batch >= TWO_BLOCKS_FROM_EIGHTHS * ctx.sm_count)
}

/// A launch of a two-block kernel: the function, its threads per block and shared memory.
#[derive(Clone, Copy)]
struct TwoBlock<'a> {
    function: &'a CudaFunction,
    threads: u32,
    smem: usize,
}

/// The two-block kernel (forward, or `backward`) a launch of `batch` examples of layout `l`
/// takes, if any ([`two_blocks_wanted`], and at least two blocks fit a multiprocessor).
///
/// In f64 at the default 256 threads, for n + m ≤ [`NARROW_WIDE_MAX_N`], it is a narrow
/// module's ([`narrow_blocks`]), compiled on first use: 128 threads per block, with launch
/// bounds for four blocks per multiprocessor (128 registers, as the default two-block
/// kernel's) for n + m ≤ [`NARROW_MAX_N`] in batches of more than two blocks per
/// multiprocessor, so that three or four small QPs share one; else for two (up to 255
/// registers). Measured on the H200 (2026-12-01, notes/s16.md §7, the bench's random QPs with
/// n = p, f64 fwd ms, interleaved twice), default / 2-block / 4-block variant:
/// n = 32 at batch 149 0.432–0.433 / 0.340–0.341, 512 0.889–0.891 / — / 0.518–0.521, 2048
/// 3.927–3.931 / — / 2.794–2.900; n = 48 at 149 0.551–0.557 / 0.447–0.449, 512 1.114–1.130 /
/// 0.933–0.943 / 0.690–0.702, 2048 4.669–4.714 / 4.047–4.134 / 3.612–3.713; n = 64 at 149
/// 0.624–0.628 / 0.545–0.550 / 0.697–0.698, 512 1.275–1.301 / 1.143–1.157 / 0.852–0.863, 2048
/// 5.197–5.216 / 4.576–4.613 / 4.178–4.279; n = 72 at 149 0.785–0.791 / 0.713–0.719 / 0.940–0.946,
/// 2048 5.981–5.987 / 5.413–5.416 / 5.743–5.789; n = 88 at 149 0.937–0.945 / 0.847–0.849, 2048
/// 7.161–7.167 / 6.573–6.584; n = 96 at 149 0.986–1.023 / 0.923–0.952, 2048 7.671–7.675 /
/// 7.256–7.270; at n = 100 the same (2048: 8.31–8.33 / 8.22–8.23, 512: 2.14–2.15 / 2.17–2.18).
/// Their reductions sum in another order than the 256-thread kernels', so their answers agree
/// with those to rounding, not bit for bit.
fn two_block<'a, E: Elem>(
    ctx: &'a Context,
    l: &Layout,
    batch: usize,
    backward: bool,
) -> Result<Option<TwoBlock<'a>>, Error> {
    if l.k_global != 0 {
        // Whatever the batch: the K-global module's kernels, one block per multiprocessor
        // (the default module is not loaded, nor compiled, for them).
        let k = ctx.kglobal()?;
        let function = k.pass(backward);
        let threads = kglobal_threads();
        return Ok(Some(TwoBlock {
            function,
            threads,
            smem: smem_two_blocks::<E>(l, threads),
        }));
    }
    let wanted = two_blocks_wanted(ctx, batch);
    let blocks = if wanted && E::DOUBLE && threads() == 256 {
        narrow_blocks(l.big_n as usize, batch, ctx.sm_count)
    } else {
        0
    };
    // A narrow module specialized for the shape, where the solver specializes: the default
    // module, generic or specialized, is then neither compiled nor loaded for it.
    let special = if blocks > 0 && specializable::<E>(ctx, l) {
        ctx.narrow_shape(blocks, dims_of(l)).transpose()?
    } else {
        None
    };
    let (function, threads) = if let Some(k) = special {
        (k.pass(backward), NARROW_THREADS)
    } else {
        let kernels = solver_kernels::<E>(ctx, l)?;
        let own = if backward {
            kernels.backward2.as_ref()
        } else {
            kernels.forward2.as_ref()
        };
        // f32 arithmetic, or a source from OPTNET_CUDA_SOURCE without the two-block kernels.
        let Some(own) = own else { return Ok(None) };
        if !wanted {
            return Ok(None);
        }
        if blocks > 0 {
            (ctx.narrow(blocks)?.pass(backward), NARROW_THREADS)
        } else {
            (own, threads())
        }
    };
    let smem = smem_two_blocks::<E>(l, threads);
    let fits = smem <= ctx.smem_max
        && function
            .occupancy_max_active_blocks_per_multiprocessor(threads, smem, None)
            .is_ok_and(|b| b >= 2);
    Ok(fits.then_some(TwoBlock {
        function,
        threads,
        smem,
    }))
}

/// The layout of a batch of `batch` examples with n variables, m equality and p inequality
/// constraints, and the one-block kernels' shared memory per block: K in shared memory (G
/// too where it fits) when n + m ≤ [`MAX_N`] and the kernels' shared memory fits `smem_max`
/// bytes, else (f64 arithmetic only) the K-global module's layout ([`k_global_layout`]) if
/// its vectors fit; `Err` says which limit a problem exceeds.
fn layout<E: Elem>(
    (n, m, p, batch): (usize, usize, usize, usize),
    smem_max: usize,
) -> Result<(Layout, usize), String> {
    let big_n = n + m;
    let v = big_n.max(p).max(1).next_multiple_of(2);
    let ld = if big_n % 2 == 0 { big_n + 1 } else { big_n };
    let mut l = Layout {
        out_stride: (n + m + 2 * p + 4) as i64,
        fac_stride: (big_n * big_n + big_n + p) as i64,
        n: n as i32,
        m: m as i32,
        p: p as i32,
        batch: batch as i32,
        big_n: big_n as i32,
        ld: ld as i32,
        v: v as i32,
        ..Layout::default()
    };
    let mut smem = forward_smem::<E>(&l, true);
    l.g_smem = 1;
    if smem > smem_max {
        smem = forward_smem::<E>(&l, false);
        l.g_smem = 0;
    }
    let walk = E::DOUBLE && big_n > TILE_WALK_MAX_N;
    if big_n > MAX_N || walk || smem > smem_max || backward_smem::<E>(&l) > smem_max {
        if !E::DOUBLE {
            return Err(if big_n > MAX_N {
                format!("n + m = {big_n} exceeds the f32 kernel's limit of {MAX_N}")
            } else {
                format!(
                    "needs {smem} bytes of shared memory per block, the device allows {smem_max}"
                )
            });
        }
        k_global_layout(&mut l);
        let need = smem_two_blocks::<E>(&l, kglobal_threads());
        if need > smem_max {
            return Err(format!(
                "with the KKT matrix in device memory, the vectors still need {need} bytes of \
                 shared memory per block, the device allows {smem_max}"
            ));
        }
    }
    Ok((l, smem))
}

/// Solves every example of `qp` on the device of `ctx`.
pub(crate) fn solve<T: Real>(
    ctx: &Arc<Context>,
    settings: &Settings,
    qp: &QpBatch<'_, T>,
) -> Result<Solution<T>, Error> {
    if T::NAME == "f64" || f32_in_f64() {
        solve_as::<T, f64>(ctx, settings, qp)
    } else {
        solve_as::<T, f32>(ctx, settings, qp)
    }
}

fn solve_as<T: Real, E: Elem>(
    ctx: &Arc<Context>,
    settings: &Settings,
    qp: &QpBatch<'_, T>,
) -> Result<Solution<T>, Error> {
    settings.validate()?;
    let (batch, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    if n == 0 {
        return Err(Error::Cuda(
            "the CUDA backend needs at least one variable (n ≥ 1)".into(),
        ));
    }
    let too_large = |reason: String| Error::CudaTooLarge {
        n,
        m,
        p,
        precision: T::NAME,
        reason,
    };
    for (name, len) in [("n", n), ("m", m), ("p", p), ("batch", batch)] {
        if len > i32::MAX as usize / 4 {
            return Err(too_large(format!(
                "{name} = {len} overflows the kernel's indices"
            )));
        }
    }
    let (mut l, smem) = layout::<E>((n, m, p, batch), ctx.smem_max).map_err(too_large)?;

    // The upload buffer: shared arrays once, batched ones example after example.
    let t_start = std::time::Instant::now();
    let mut len = 0;
    (l.o_q2, l.s_q2) = place(&mut len, Some(&qp.Q));
    (l.o_q, l.s_q) = place(&mut len, Some(&qp.q));
    (l.o_a, l.s_a) = place(&mut len, qp.A.as_ref());
    (l.o_b, l.s_b) = place(&mut len, qp.b.as_ref());
    (l.o_g, l.s_g) = place(&mut len, qp.G.as_ref());
    (l.o_h, l.s_h) = place(&mut len, qp.h.as_ref());
    let params = Params::new::<T, E>(settings);

    if batch == 0 {
        return Ok(empty_solution(n, m, p, ctx, l));
    }
    // Large batches: two blocks per multiprocessor, with 16 vector slots per example in `gvec`
    // (chosen for the whole batch, whatever its chunks); the K-global module's kernels.
    let forward2 = two_block::<E>(ctx, &l, batch, false)?;
    // `Settings::equilibrate`: each chunk is scaled on the device (`ruiz.cu`) into a copy with
    // every array batched, which the solver and the backward pass read.
    let ruiz = match settings.equilibrate {
        true => {
            let (layout, len) = scaled_layout(&l);
            Some((
                Ruiz {
                    function: ruiz_kernel::<E>(ctx, &l)?,
                    layout,
                    max_iter: settings.equilibrate_max_iter.min(i32::MAX as u32) as i32,
                    lo: settings.equilibrate_min_scaling,
                    hi: settings.equilibrate_max_scaling,
                },
                len,
            ))
        }
        false => None,
    };
    let mut bufs = ForwardBuffers {
        data: ctx.take::<E>(len, E::pool)?,
        eq: match &ruiz {
            Some((_, len)) => Some(Equilibrated {
                data: ctx.take::<E>(*len, E::pool)?,
                sc: ctx.take::<E>(batch * scalings_len(&l), E::pool)?,
            }),
            None => None,
        },
        out: ctx.take::<E>(batch * l.out_stride as usize, E::pool)?,
        ist: ctx.take::<i32>(IST * batch, pool_i32)?,
        fac: ctx.take::<E>(batch * l.fac_stride as usize, E::pool)?,
        gvec: match forward2 {
            Some(_) => Some(ctx.take::<E>(batch * NVEC_GLOBAL * l.v as usize, E::pool)?),
            None => None,
        },
        // OPTNET_CUDA_PROFILE: the kernels sum their counters (and with `=1`, the phase
        // timers of their profiling build) into `prof`.
        prof: if profiling() != Profile::Off {
            Some(
                ctx.stream
                    .alloc_zeros::<u64>(PROF_LEN)
                    .map_err(context::cuda_err("allocating the profile counters"))?,
            )
        } else {
            None
        },
    };
    let kernel = Launch {
        function: match forward2 {
            Some(t) => t.function,
            None => &solver_kernels::<E>(ctx, &l)?.forward,
        },
        threads: forward2.map_or(threads(), |t| t.threads),
        shared_mem_bytes: forward2.map_or(smem, |t| t.smem) as u32,
        ruiz: ruiz.map(|(r, _)| r),
    };
    // The page-locked buffers, locked until this call's copies are done.
    let mut stage = Staged {
        up: ctx.staging(E::staging, len)?,
        down: ctx.staging(E::down, batch * l.out_stride as usize)?,
        down_ist: ctx.staging(down_i32, IST * batch)?,
    };
    let r = match forward_chunks::<T, E>(ctx, qp, &l, &params, &kernel, &mut bufs, &mut stage) {
        Ok(r) => r,
        Err(e) => {
            // No copy or kernel may still use the buffers when they go back to their pools,
            // nor the staging buffers when they are unlocked.
            ctx.settle();
            return Err(e);
        }
    };
    drop(stage);
    if let (Some(ms), Ok(mut last)) = (r.kernel_ms, ctx.last_ms.lock()) {
        last.0 = ms;
    }
    if let Some(counters) = &bufs.prof {
        let mut h = [0u64; PROF_LEN];
        ctx.stream
            .memcpy_dtoh(counters, &mut h)
            .map_err(context::cuda_err("reading the profile counters"))?;
        let (iters, refs) = (
            h[PROF_COUNTS] as f64 / batch as f64,
            h[PROF_COUNTS + 1] as f64 / batch as f64,
        );
        let block_kcycles = h[PROF_COUNTS + 6] as f64 / batch as f64 / 1e3;
        let slowest = h[PROF_COUNTS + 7];
        if self::profiling() == Profile::Total {
            eprintln!(
                "optnet cuda cycles ({} batch {batch}, n {n} m {m} p {p}): {iters:.1} iterations and \
                 {refs:.1} refinement steps/example, {block_kcycles:.0} kcycles/example{}; the \
                 slowest block {:.0} kcycles, example {} of its launch, {} iterations",
                T::NAME,
                match (forward2.is_some(), l.k_global != 0) {
                    (_, true) => " (the K-global module: K in device memory)",
                    (true, false) => " (the two-block kernels)",
                    (false, false) => "",
                },
                (slowest >> 32) as f64 / 1e3,
                slowest & 0xff_ffff,
                (slowest >> 24) & 0xff,
            );
        } else {
            let total: u64 = h[..PROF_COUNTS].iter().sum::<u64>().max(1);
            let pct = |k: usize| 100.0 * h[k] as f64 / total as f64;
            eprintln!(
                "optnet cuda profile ({} batch {batch}, n {n} m {m} p {p}): {iters:.1} iterations and \
                 {refs:.1} refinement steps/example, {:.0} kcycles/example ({block_kcycles:.0} from \
                 block start to end); start {:.1}%, iterations: residuals and termination {:.1}%, \
                 assemble {:.1}%, factor {:.1}%, solves {:.1}%, rest of the step {:.1}%; polishing \
                 {:.1}%, output {:.1}%; anywhere: G products and scaling {:.1}%, triangular solves \
                 {:.1}%, refinement residuals {:.1}%, corrections {:.1}%",
                T::NAME,
                total as f64 / batch as f64 / 1e3,
                pct(5),
                pct(7),
                pct(0),
                pct(1),
                pct(2),
                pct(3),
                pct(6),
                pct(4),
                pct(PROF_COUNTS + 2),
                pct(PROF_COUNTS + 3),
                pct(PROF_COUNTS + 4),
                pct(PROF_COUNTS + 5),
            );
        }
        let ms = |t: std::time::Duration| t.as_secs_f64() * 1e3;
        eprintln!(
            "optnet cuda host ({} batch {batch}, {} chunks of {}): uploads queued at {:.2} ms and \
             done at {:.2} ms, the last kernel done at {:.2} ms, its results on the host at {:.2} \
             ms, unpacked at {:.2} ms, the call's results at {:.2} ms (kernels {:.2} ms)",
            T::NAME,
            r.chunks,
            r.chunk,
            ms(r.queued),
            ms(r.uploaded),
            r.kernels_done.map_or(f64::NAN, ms),
            ms(r.downloaded),
            ms(r.unpacked),
            ms(t_start.elapsed()),
            r.kernel_ms.unwrap_or(f32::NAN),
        );
    }
    let ForwardBuffers {
        data,
        eq,
        ist,
        fac,
        out,
        ..
    } = bufs;
    // The backward pass reads the data the kernels solved: the equilibrated copy, if any,
    // with its scalings.
    let (data, layout, sc) = match (eq, &kernel.ruiz) {
        (Some(eq), Some(r)) => (eq.data, r.layout, Some(eq.sc)),
        _ => (data, l, None),
    };
    let bufs = Buffers {
        data,
        fac,
        ist,
        sc,
        out,
    };
    let bufs = if E::DOUBLE {
        into_any_f64(bufs)
    } else {
        into_any_f32(bufs)
    };
    Ok(Solution {
        z: r.z,
        lam: r.lam,
        nu: r.nu,
        s: r.s,
        status: r.status,
        iters: r.iters,
        polish_solves: r.polish_solves,
        objective: r.objective,
        res_primal: r.res_primal,
        res_dual: r.res_dual,
        gap: r.gap,
        cache: SolverCache::Cuda(Cache {
            inner: Box::new(CacheInner {
                ordinal: ctx.ctx.ordinal(),
                layout,
                bufs,
            }),
            _t: PhantomData,
        }),
    })
}

/// The equilibrated copy of a batch ([`scaled_layout`]) and its scalings ([`scalings_len`]
/// values per example), which the solver's and the backward kernels read instead of the data.
struct Equilibrated<E: Elem> {
    data: Pooled<E>,
    sc: Pooled<E>,
}

/// The device buffers of a forward call.
struct ForwardBuffers<E: Elem> {
    /// The QP data, laid out by `place`.
    data: Pooled<E>,
    /// With `Settings::equilibrate`: what `ruiz.cu` writes.
    eq: Option<Equilibrated<E>>,
    /// Per example: z, ν, λ, s, objective and residuals (`out_stride` values).
    out: Pooled<E>,
    /// Per example: status code and iteration count.
    ist: Pooled<i32>,
    /// Per example: the KKT factorization at the solution (`fac_stride` values).
    fac: Pooled<E>,
    /// The two-block kernel's vector slots in global memory.
    gvec: Option<Pooled<E>>,
    /// Profile counters (`OPTNET_CUDA_PROFILE`).
    prof: Option<cudarc::driver::CudaSlice<u64>>,
}

/// The page-locked buffers of a forward call: its upload (the data, laid out as on the
/// device) and its downloads (`out`, `ist`).
struct Staged<'a, E> {
    up: context::StagingGuard<'a, E>,
    down: context::StagingGuard<'a, E>,
    down_ist: context::StagingGuard<'a, i32>,
}

/// What a launch of the equilibration kernel does (`ruiz.cu` `RUIZ_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RuizMode {
    /// A block per example: the passes, the cost scaling and the scaled copy of its own data.
    Examples = 0,
    /// One block for a batch that shares Q, A and G ([`scaled_layout`]): the passes once, the
    /// shared part of the copy and the scalings every example shares.
    Shared = 1,
    /// After `Shared`, a warp per example: its cost scaling, its scaled vectors and scalings.
    Costs = 2,
}

/// The equilibration kernel of a forward call and its arguments: the equilibrated copy's
/// layout (the whole batch's) and the settings.
struct Ruiz<'a> {
    function: &'a CudaFunction,
    layout: Layout,
    max_iter: i32,
    lo: f64,
    hi: f64,
}

/// The solver's kernel, its threads and shared memory per block, and the equilibration kernel
/// that runs before it on each chunk, if any.
struct Launch<'a> {
    function: &'a CudaFunction,
    threads: u32,
    shared_mem_bytes: u32,
    ruiz: Option<Ruiz<'a>>,
}

/// What a forward call brings back to the host, with its timings.
struct Results<T> {
    z: Array2<T>,
    nu: Array2<T>,
    lam: Array2<T>,
    s: Array2<T>,
    objective: Array1<T>,
    res_primal: Array1<T>,
    res_dual: Array1<T>,
    gap: Array1<T>,
    status: Vec<Status>,
    iters: Vec<u32>,
    polish_solves: Vec<u32>,
    /// From the first chunk's kernel start to the last kernel's end.
    kernel_ms: Option<f32>,
    /// Chunks, and examples per chunk.
    chunks: usize,
    chunk: usize,
    /// Since the call began: every chunk's upload and kernel queued; the uploads done; with
    /// `OPTNET_CUDA_PROFILE`, the last chunk's kernel done (waited for on its own); the last
    /// chunk's results on the host; everything unpacked.
    queued: std::time::Duration,
    uploaded: std::time::Duration,
    kernels_done: Option<std::time::Duration>,
    downloaded: std::time::Duration,
    unpacked: std::time::Duration,
}

/// The forward call's transfers and kernels, in chunks of [`chunk_len`] examples: chunk c's
/// data are packed into the page-locked upload buffer and copied (on the copy stream) while
/// the kernels of the chunks before it run; its kernel runs on compute stream c mod the
/// context's count as soon as its upload is done, and its results are copied back
/// (to the page-locked download buffer, on the same stream) as soon as its kernel is done,
/// then unpacked while the later chunks' kernels run. Every example's arithmetic is that of
/// one launch over the whole batch (a block solves one example; the chunk's layout points at
/// its first example's data, the output buffers are views from its first example on).
fn forward_chunks<T: Real, E: Elem>(
    ctx: &Context,
    qp: &QpBatch<'_, T>,
    l: &Layout,
    params: &Params,
    kernel: &Launch<'_>,
    b: &mut ForwardBuffers<E>,
    stage: &mut Staged<'_, E>,
) -> Result<Results<T>, Error> {
    let t_start = std::time::Instant::now();
    let (batch, n, m, p) = (l.batch as usize, l.n as usize, l.m as usize, l.p as usize);
    let (os, fs) = (l.out_stride as usize, l.fac_stride as usize);
    let gs = NVEC_GLOBAL * l.v as usize;
    let ss = scalings_len(l);
    let blocks_per_sm = kernel
        .function
        .occupancy_max_active_blocks_per_multiprocessor(
            kernel.threads,
            kernel.shared_mem_bytes as usize,
            None,
        )
        .map_or(1, |b| b.max(1) as usize);
    let slots = ctx.sm_count * blocks_per_sm;
    let chunk = chunk_len(batch, slots);
    let err = context::cuda_err;
    // The buffers were taken (allocated, zeroed) on the first compute stream: the copy
    // stream and the other compute streams start after that.
    let ready = ctx.event(false)?;
    ready
        .record(&ctx.stream)
        .map_err(err("ordering the streams"))?;
    for s in ctx.lanes[1..].iter().chain([&ctx.copy]) {
        s.wait(&ready).map_err(err("ordering the streams"))?;
    }
    let up_h = stage.up.host()?;
    let out_h = stage.down.host()?;
    let ist_h = stage.down_ist.host()?;
    let null = 0u64;
    let t0 = ctx.event(true)?;
    let mut last_upload = None;
    // Per chunk: first example, examples, its kernel's end, its results on the host.
    let mut chunks = Vec::new();
    // With an equilibrated copy that shares Q, A, G: the first chunk's equilibration done.
    let mut shared_written: Option<CudaEvent> = None;
    let mut first = 0;
    while first < batch {
        let count = chunk.min(batch - first);
        let ranges = [
            pack_rows(up_h, (l.o_q2, l.s_q2), Some(&qp.Q), first, count),
            pack_rows(up_h, (l.o_q, l.s_q), Some(&qp.q), first, count),
            pack_rows(up_h, (l.o_a, l.s_a), qp.A.as_ref(), first, count),
            pack_rows(up_h, (l.o_b, l.s_b), qp.b.as_ref(), first, count),
            pack_rows(up_h, (l.o_g, l.s_g), qp.G.as_ref(), first, count),
            pack_rows(up_h, (l.o_h, l.s_h), qp.h.as_ref(), first, count),
        ];
        for r in ranges.into_iter().flatten() {
            ctx.copy
                .memcpy_htod(&up_h[r.clone()], &mut b.data.slice_mut().slice_mut(r))
                .map_err(err("copying the QP data to the device"))?;
        }
        let uploaded = ctx.event(false)?;
        uploaded
            .record(&ctx.copy)
            .map_err(err("copying the QP data to the device"))?;
        let lane = &ctx.lanes[chunks.len() % ctx.lanes.len()];
        lane.wait(&uploaded).map_err(err("ordering the streams"))?;
        if chunks.is_empty() {
            t0.record(lane).map_err(err("recording a timing event"))?;
        }
        let lc = l.chunk(first, count);
        // With equilibration: the chunk scaled into its part of the equilibrated copy, which
        // the solver reads instead.
        let solved_layout = match (&kernel.ruiz, b.eq.as_mut()) {
            (Some(rz), Some(eq)) => {
                let ls = rz.layout.chunk(first, count);
                let mut scv = eq
                    .sc
                    .slice_mut()
                    .slice_mut(first * ss..(first + count) * ss);
                let (lo, hi) = (E::from_real(rz.lo), E::from_real(rz.hi));
                let threads = ruiz_threads();
                let (smem, cached) = ruiz_smem::<E>(l, threads as usize, ctx.smem_max);
                let cached = i32::from(cached);
                let mut run = |mode: RuizMode, grid: usize, smem: usize| -> Result<(), Error> {
                    let mode = mode as i32;
                    let mut launch = lane.launch_builder(rz.function);
                    launch
                        .arg(&lc)
                        .arg(&ls)
                        .arg(b.data.slice())
                        .arg(eq.data.slice_mut())
                        .arg(&mut scv)
                        .arg(&rz.max_iter)
                        .arg(&lo)
                        .arg(&hi)
                        .arg(&cached)
                        .arg(&mode);
                    let cfg = LaunchConfig {
                        grid_dim: (grid as u32, 1, 1),
                        block_dim: (threads, 1, 1),
                        shared_mem_bytes: smem as u32,
                    };
                    // SAFETY: the arguments match `ruiz_{f64,f32}(Layout, Layout, const T*, T*,
                    // T*, int, T, T, int, int)`; `data` holds the chunk's examples at `lc`
                    // (uploaded before the stream gets here), the equilibrated copy holds `ls`'s
                    // offsets + strides · count (`scaled_layout` of the whole batch, moved by
                    // `first`, with the common scalings after a shared Q), `scv` is `count`
                    // records of `scalings_len` values; the grid covers the chunk's examples
                    // as `mode` assigns them (a block each, one block, a warp each); the shared
                    // memory is the kernel's, with the matrices only where `cached` says so
                    // (`ruiz_smem`, within the raised limit), none for `Costs`.
                    unsafe { launch.launch(cfg) }
                        .map(drop)
                        .map_err(err("launching the equilibration kernel"))
                };
                if ls.s_q2 == 0 {
                    // Q, A and G shared (`scaled_layout`): the first chunk's launch runs the
                    // passes once and writes the shared copy and the common scalings, which
                    // every chunk's costs (on other streams too) and solver read.
                    match &shared_written {
                        None => {
                            run(RuizMode::Shared, 1, smem)?;
                            let ev = ctx.event(false)?;
                            ev.record(lane).map_err(err("ordering the streams"))?;
                            shared_written = Some(ev);
                        }
                        Some(ev) => lane.wait(ev).map_err(err("ordering the streams"))?,
                    }
                    run(RuizMode::Costs, count.div_ceil(threads as usize / 32), 0)?;
                } else {
                    run(RuizMode::Examples, count, smem)?;
                }
                Some(ls)
            }
            _ => None,
        };
        {
            let mut out = b
                .out
                .slice_mut()
                .slice_mut(first * os..(first + count) * os);
            let mut ist = b
                .ist
                .slice_mut()
                .slice_mut(IST * first..IST * (first + count));
            let mut fac = b
                .fac
                .slice_mut()
                .slice_mut(first * fs..(first + count) * fs);
            let mut gvec = b
                .gvec
                .as_mut()
                .map(|g| g.slice_mut().slice_mut(first * gs..(first + count) * gs));
            // The data the kernel solves: the chunk's part of the equilibrated copy with its
            // scalings (through the parameters, `Params::scal`), or the uploaded data.
            let mut pc = *params;
            let (layout, data, _scal) = match (&solved_layout, b.eq.as_ref()) {
                (Some(ls), Some(eq)) => {
                    let (ptr, sync) = eq.sc.slice().device_ptr(lane);
                    pc.scal = ptr + (first * ss * std::mem::size_of::<E>()) as u64;
                    pc.q_unscaled = q_unscaled(ls);
                    (*ls, eq.data.slice(), Some(sync))
                }
                _ => (lc, b.data.slice(), None),
            };
            let mut launch = lane.launch_builder(kernel.function);
            launch.arg(&layout).arg(&pc).arg(data);
            launch.arg(&mut out).arg(&mut ist).arg(&mut fac);
            match b.prof.as_mut() {
                Some(pr) => launch.arg(pr),
                None => launch.arg(&null),
            };
            if let Some(g) = gvec.as_mut() {
                launch.arg(g);
            }
            let cfg = LaunchConfig {
                grid_dim: (count as u32, 1, 1),
                block_dim: (kernel.threads, 1, 1),
                shared_mem_bytes: kernel.shared_mem_bytes,
            };
            // SAFETY: the arguments match `pdipm_{f64,f32}(Layout, Params, const T*, T*, int*,
            // T*, u64*)`, or `pdipm2_f64` with `gvec` after them; the data (uploaded or
            // equilibrated) hold every offset + stride·(count−1) + size of the chunk's layout
            // (those of the whole batch, moved by `first` examples), `pc.scal` is 0 or the
            // address of `count` records of `scalings_len` values in `b.sc` (alive until the
            // call returns), `out`, `ist`, `fac` and `gvec` are views of `count` times their
            // strides, and the shared memory size is the one the kernel lays out
            // (`forward_smem`, `smem_two_blocks`), within the limit set on the function; the
            // K-global module's K is each example's first N² values of `fac` (stride N² + N +
            // p, `k_global_layout`'s ld = N). The chunk's data were uploaded before the stream
            // reaches the kernel (`uploaded`).
            unsafe { launch.launch(cfg) }.map_err(err("launching the solver"))?;
        }
        let kernel_done = ctx.event(true)?;
        kernel_done
            .record(lane)
            .map_err(err("recording a timing event"))?;
        lane.memcpy_dtoh(
            &b.out.slice().slice(first * os..(first + count) * os),
            &mut out_h[first * os..(first + count) * os],
        )
        .map_err(err("running the solver"))?;
        lane.memcpy_dtoh(
            &b.ist.slice().slice(IST * first..IST * (first + count)),
            &mut ist_h[IST * first..IST * (first + count)],
        )
        .map_err(err("copying the statuses"))?;
        let downloaded = ctx.event(false)?;
        downloaded
            .record(lane)
            .map_err(err("copying the results"))?;
        chunks.push((first, count, kernel_done, downloaded));
        last_upload = Some(uploaded);
        first += count;
    }
    let queued = t_start.elapsed();
    if let Some(u) = &last_upload {
        u.synchronize()
            .map_err(err("copying the QP data to the device"))?;
    }
    let uploaded = t_start.elapsed();
    let kernels_done = match (profiling(), chunks.last()) {
        (Profile::Off, _) | (_, None) => None,
        (_, Some((_, _, k, _))) => {
            k.synchronize().map_err(err("running the solver"))?;
            Some(t_start.elapsed())
        }
    };
    let mut downloaded_at = uploaded;

    let mut z = Array2::<T>::zeros((batch, n));
    let mut nu = Array2::<T>::zeros((batch, m));
    let mut lam = Array2::<T>::zeros((batch, p));
    let mut s = Array2::<T>::zeros((batch, p));
    let mut objective = Array1::<T>::zeros(batch);
    let mut res_primal = Array1::<T>::zeros(batch);
    let mut res_dual = Array1::<T>::zeros(batch);
    let mut gap = Array1::<T>::zeros(batch);
    let mut status = Vec::with_capacity(batch);
    let mut iters = Vec::with_capacity(batch);
    let mut polish_solves = Vec::with_capacity(batch);
    for (first, count, _, downloaded) in &chunks {
        let (first, count) = (*first, *count);
        downloaded
            .synchronize()
            .map_err(err("running the solver"))?;
        downloaded_at = t_start.elapsed();
        let rows = ndarray::Slice::from(first..first + count);
        let rec = &out_h[first * os..(first + count) * os];
        unpack_into(rec, os, 0, z.slice_axis_mut(Axis(0), rows));
        unpack_into(rec, os, n, nu.slice_axis_mut(Axis(0), rows));
        unpack_into(rec, os, n + m, lam.slice_axis_mut(Axis(0), rows));
        unpack_into(rec, os, n + m + p, s.slice_axis_mut(Axis(0), rows));
        for e in first..first + count {
            let o = &out_h[e * os..(e + 1) * os];
            let st = n + m + 2 * p;
            objective[e] = o[st].to_real();
            res_primal[e] = o[st + 1].to_real();
            res_dual[e] = o[st + 2].to_real();
            gap[e] = o[st + 3].to_real();
            status.push(Status::from_code(ist_h[IST * e]).unwrap_or(Status::NumericalError));
            iters.push(ist_h[IST * e + 1].max(0) as u32);
            polish_solves.push(ist_h[IST * e + 2].max(0) as u32);
        }
    }
    let kernel_ms = chunks
        .iter()
        .filter_map(|(_, _, k, _)| t0.elapsed_ms(k).ok())
        .reduce(f32::max);
    Ok(Results {
        z,
        nu,
        lam,
        s,
        objective,
        res_primal,
        res_dual,
        gap,
        status,
        iters,
        polish_solves,
        kernel_ms,
        chunks: chunks.len(),
        chunk: chunk.min(batch),
        queued,
        uploaded,
        kernels_done,
        downloaded: downloaded_at,
        unpacked: t_start.elapsed(),
    })
}

/// Wraps typed buffers; `E` is known to be `f64` by the caller (`E::DOUBLE`).
fn into_any_f64<E: Elem>(bufs: Buffers<E>) -> Option<AnyBuffers> {
    let any: Box<dyn std::any::Any> = Box::new(bufs);
    any.downcast::<Buffers<f64>>()
        .ok()
        .map(|b| AnyBuffers::F64(*b))
}

/// Wraps typed buffers; `E` is known to be `f32` by the caller.
fn into_any_f32<E: Elem>(bufs: Buffers<E>) -> Option<AnyBuffers> {
    let any: Box<dyn std::any::Any> = Box::new(bufs);
    any.downcast::<Buffers<f32>>()
        .ok()
        .map(|b| AnyBuffers::F32(*b))
}

fn timing_event(ctx: &Context) -> Result<CudaEvent, Error> {
    let ev = ctx
        .ctx
        .new_event(Some(cudarc::driver::sys::CUevent_flags::CU_EVENT_DEFAULT))
        .map_err(context::cuda_err("creating a timing event"))?;
    ev.record(&ctx.stream)
        .map_err(context::cuda_err("recording a timing event"))?;
    Ok(ev)
}

fn empty_solution<T: Real>(n: usize, m: usize, p: usize, ctx: &Context, l: Layout) -> Solution<T> {
    Solution {
        z: Array2::zeros((0, n)),
        lam: Array2::zeros((0, p)),
        nu: Array2::zeros((0, m)),
        s: Array2::zeros((0, p)),
        status: Vec::new(),
        iters: Vec::new(),
        polish_solves: Vec::new(),
        objective: Array1::zeros(0),
        res_primal: Array1::zeros(0),
        res_dual: Array1::zeros(0),
        gap: Array1::zeros(0),
        cache: SolverCache::Cuda(Cache {
            inner: Box::new(CacheInner {
                ordinal: ctx.ctx.ordinal(),
                layout: l,
                bufs: None,
            }),
            _t: PhantomData,
        }),
    }
}

/// The backward pass's adjoint vectors on the device, reusing the forward factorization.
pub(crate) fn adjoints<T: Real>(
    ctx: &Arc<Context>,
    settings: &Settings,
    qp: &QpBatch<'_, T>,
    _sol: &Solution<T>,
    cache: &Cache<T>,
    dl_dz: ArrayView2<'_, T>,
) -> Result<Adjoints<T>, Error> {
    let cache = &cache.inner;
    if cache.ordinal != ctx.ctx.ordinal() {
        return Err(Error::Backward(format!(
            "the solution was computed on CUDA device {}, this solver uses device {}",
            cache.ordinal,
            ctx.ctx.ordinal()
        )));
    }
    let l = cache.layout;
    if l.n as usize != qp.n
        || l.m as usize != qp.m
        || l.p as usize != qp.p
        || l.batch as usize != qp.batch
    {
        return Err(Error::Backward(
            "the solution's device data do not match the QP batch".into(),
        ));
    }
    let shared = [
        qp.Q.is_shared(),
        qp.A.as_ref().is_some_and(Term::is_shared),
        qp.G.as_ref().is_some_and(Term::is_shared),
    ];
    match &cache.bufs {
        None => Ok(Adjoints {
            dz: Array2::zeros((qp.batch, qp.n)),
            dnu: Array2::zeros((qp.batch, qp.m)),
            dlam: Array2::zeros((qp.batch, qp.p)),
            sums: [None, None, None],
        }),
        Some(AnyBuffers::F64(b)) => backward_as::<T, f64>(ctx, settings, b, l, dl_dz, shared),
        Some(AnyBuffers::F32(b)) => backward_as::<T, f32>(ctx, settings, b, l, dl_dz, shared),
    }
}

fn backward_as<T: Real, E: Elem>(
    ctx: &Arc<Context>,
    settings: &Settings,
    b: &Buffers<E>,
    l: Layout,
    dl_dz: ArrayView2<'_, T>,
    shared: [bool; 3],
) -> Result<Adjoints<T>, Error> {
    let (batch, n, m, p) = (l.batch as usize, l.n as usize, l.m as usize, l.p as usize);
    let stream = &ctx.stream;
    let mut params = Params::new::<T, E>(settings);
    // The forward pass's scalings, through the parameters (`Params::scal`), if it had any.
    let _scal = b.sc.as_ref().map(|sc| {
        let (ptr, sync) = sc.slice().device_ptr(stream);
        params.scal = ptr;
        params.q_unscaled = q_unscaled(&l);
        sync
    });
    // ∂ℓ/∂z goes up and the adjoints come down through the context's page-locked buffers
    // (as the forward pass's data and results): from and to pageable memory each copy was
    // staged by the driver, and a fresh vector faulted its pages in (session 22: at batch 2048,
    // n = p = 100, 1.4 ms of the call's host time beside a 0.46 ms kernel).
    let w = n + m + p;
    // The batch sums of the shared arrays' gradients, formed on the device beside the adjoints
    // ([`shared_sums`]): per shared Q, A, G its rows r and the offsets of its sum (the totals
    // first, which come down) and of its splits' partial sums in `parts`.
    let splits = batch.div_ceil(SUM_SPLIT);
    let mut sums_at = [None; 3];
    let present: Vec<(usize, usize)> = [n, m, p]
        .into_iter()
        .enumerate()
        .filter(|&(k, r)| shared[k] && r > 0 && batch > 0)
        .collect();
    let totals_len: usize = present.iter().map(|&(_, r)| r * n).sum();
    let (mut total_off, mut part_off) = (0, totals_len);
    for &(k, r) in &present {
        sums_at[k] = Some((r, total_off, part_off));
        total_off += r * n;
        part_off += splits * r * n;
    }
    let parts_len = part_off;
    let mut up = ctx.staging(E::staging, batch * n)?;
    let mut down = ctx.staging(E::down, batch * w + totals_len)?;
    let up_h = up.host()?;
    let (down_h, parts_h) = down.host()?.split_at_mut(batch * w);
    {
        let dl_dz = dl_dz.as_standard_layout();
        let src = dl_dz.as_slice().expect("standard layout");
        convert_into(up_h, src, E::from_real);
    }
    let mut g = ctx.take::<E>(batch * n, E::pool)?;
    let mut adj = ctx.take::<E>(batch * w, E::pool)?;
    let mut parts = ctx.take::<E>(parts_len.max(1), E::pool)?;
    let sums_fn = match totals_len {
        0 => None,
        _ => Some(ctx.sums(E::DOUBLE)?),
    };
    let backward2 = two_block::<E>(ctx, &l, batch, true)?;
    let function = match backward2 {
        Some(t) => t.function,
        None => &solver_kernels::<E>(ctx, &l)?.backward,
    };
    let cfg = LaunchConfig {
        grid_dim: (batch as u32, 1, 1),
        block_dim: (backward2.map_or(threads(), |t| t.threads), 1, 1),
        shared_mem_bytes: backward2.map_or_else(|| backward_smem::<E>(&l), |t| t.smem) as u32,
    };
    let mut run = || -> Result<(CudaEvent, CudaEvent), Error> {
        if batch * n > 0 {
            stream
                .memcpy_htod(&up_h[..], &mut g.slice_mut().slice_mut(0..batch * n))
                .map_err(context::cuda_err("copying ∂ℓ/∂z to the device"))?;
        }
        let t0 = timing_event(ctx)?;
        let mut launch = stream.launch_builder(function);
        launch
            .arg(&l)
            .arg(&params)
            .arg(b.data.slice())
            .arg(b.ist.slice())
            .arg(b.fac.slice())
            .arg(g.slice())
            .arg(adj.slice_mut());
        // SAFETY: the arguments match `backward_{f64,f32}` and `backward2_f64(Layout, Params,
        // const T*, const int*, const T*, const T*, T*)`; the buffers are those the forward
        // launch filled for this layout (the equilibrated data, with `params.scal` the address
        // of their scalings in `b.sc`, or the uploaded data and 0), `g` holds batch × n values
        // and `adj` batch × (n + m + p); the shared memory size is the one the kernel lays out
        // (`backward_smem`, `smem_two_blocks`). The K-global module's backward reads K in
        // `fac` and writes only `adj`.
        unsafe { launch.launch(cfg) }.map_err(context::cuda_err("launching the backward pass"))?;
        if let Some(f) = sums_fn {
            shared_sums(ctx, f, b, &adj, &l, &sums_at, &mut parts)?;
        }
        let t1 = timing_event(ctx)?;
        if batch * w > 0 {
            stream
                .memcpy_dtoh(&adj.slice().slice(0..batch * w), &mut down_h[..])
                .map_err(context::cuda_err("running the backward pass"))?;
        }
        if totals_len > 0 {
            stream
                .memcpy_dtoh(&parts.slice().slice(0..totals_len), &mut parts_h[..])
                .map_err(context::cuda_err("running the backward pass"))?;
        }
        // The copies from and to page-locked memory are asynchronous: wait before the
        // adjoints are read.
        stream
            .synchronize()
            .map_err(context::cuda_err("running the backward pass"))?;
        Ok((t0, t1))
    };
    let (t0, t1) = match run() {
        Ok(t) => t,
        Err(e) => {
            // No copy or kernel may still use the staging buffers when their guards go, nor
            // `g`, `adj` and `parts` when they go back to their pools.
            ctx.settle();
            return Err(e);
        }
    };
    if let (Ok(ms), Ok(mut last)) = (t0.elapsed_ms(&t1), ctx.last_ms.lock()) {
        last.1 = ms;
    }
    let adj_h = &down_h[..];
    let sums = sums_at.map(|at| {
        at.map(|(r, off, _)| {
            let total = &parts_h[off..off + r * n];
            Array2::from_shape_fn((r, n), |(i, j)| total[i * n + j].to_real::<T>())
        })
    });
    Ok(Adjoints {
        dz: unpack_rows(adj_h, w, batch, 0, n),
        dnu: unpack_rows(adj_h, w, batch, n, m),
        dlam: unpack_rows(adj_h, w, batch, n + m, p),
        sums,
    })
}

/// Launches the batch sums of the shared arrays' gradients (`sums.cu`, OptNet eq. 8) on the
/// context's stream after the backward kernel: for Q Σ d_z zᵀ, for A Σ d_ν zᵀ + ν d_zᵀ, for G
/// Σ D(λ)d_λ zᵀ + λ d_zᵀ over the solved examples, with d_z, d_ν, D(λ)d_λ from `adj` (n + m + p
/// values per example) and z, ν, λ from the forward pass's results (`b.out`, `out_stride`
/// values per example), for the layout's `batch` examples: `sums` writes each split of [`SUM_SPLIT`] examples' partial sums, `sums_total`
/// adds them in order, one launch each for all the arrays (`at`: per array its rows, the offset
/// of its sum and of its partial sums in `parts`). On the host (16 cores, batch 2048,
/// n = p = 100) the same sums took about 1.5 ms beside the 0.46 ms backward kernel
/// (notes/s22.md §2, run B).
fn shared_sums<E: Elem>(
    ctx: &Context,
    (function, total): &(CudaFunction, CudaFunction),
    b: &Buffers<E>,
    adj: &Pooled<E>,
    l: &Layout,
    at: &[Option<(usize, usize, usize)>; 3],
    parts: &mut Pooled<E>,
) -> Result<(), Error> {
    let stream = &ctx.stream;
    let size = std::mem::size_of::<E>();
    let (a0, _a_sync) = adj.slice().device_ptr(stream);
    let (o0, _o_sync) = b.out.slice().device_ptr(stream);
    let rows = |base: u64, off: usize, stride: usize| Rows {
        base: base + (off * size) as u64,
        stride: stride as i64,
    };
    let (batch, n, m, p) = (l.batch as usize, l.n as usize, l.m as usize, l.p as usize);
    let (w, os) = (n + m + p, l.out_stride as usize);
    let splits = batch.div_ceil(SUM_SPLIT);
    let mut specs = SumSpecs::default();
    let (mut count, mut tiles, mut rn_max, mut smem) = (0, 0, 0, 0);
    for (k, spec) in at.iter().enumerate() {
        let Some((r, total_off, part_off)) = *spec else {
            continue;
        };
        // d_z zᵀ (Q); d_ν zᵀ + ν d_zᵀ (A); D(λ)d_λ zᵀ + λ d_zᵀ (G).
        let (u, y, pairs) = match k {
            0 => (rows(a0, 0, w), rows(o0, 0, os), 1),
            1 => (rows(a0, n, w), rows(o0, n, os), 2),
            _ => (rows(a0, n + m, w), rows(o0, n + m, os), 2),
        };
        // Examples staged in shared memory at a time: up to 8, within 48 KB (no opt-in).
        let per = (2 * r + 2 * n) * size;
        let stage = (48 * 1024 / per).clamp(1, 8);
        specs.s[count] = SumSpec {
            u,
            x: rows(o0, 0, os),
            y,
            v: rows(a0, 0, w),
            pairs,
            r: r as i32,
            stage: stage as i32,
            pad: 0,
            part: part_off as i64,
            total: total_off as i64,
        };
        count += 1;
        tiles = tiles.max((r * n).div_ceil(SUMS_THREADS as usize * SUM_ENTRIES));
        rn_max = rn_max.max(r * n);
        smem = smem.max(stage * per);
    }
    if count == 0 {
        return Ok(());
    }
    let (batch_i, n_i, splits_i) = (batch as i32, n as i32, splits as i32);
    {
        let mut launch = stream.launch_builder(function);
        launch
            .arg(&specs)
            .arg(parts.slice_mut())
            .arg(b.ist.slice())
            .arg(&batch_i)
            .arg(&n_i);
        let cfg = LaunchConfig {
            grid_dim: (tiles as u32, splits as u32, count as u32),
            block_dim: (SUMS_THREADS, 1, 1),
            shared_mem_bytes: smem as u32,
        };
        // SAFETY: the arguments match `sums_{f64,f32}(Specs, T*, const int*, int, int)`; the
        // first `count` specs' `Rows` address `batch` records inside `adj` (w values each: d_z
        // at 0, d_ν at n, D(λ)d_λ at n + m) or `b.out` (`os` values each: z, ν, λ at the same
        // offsets), both alive on this stream until the call synchronizes; `ist` holds
        // IST·batch ints, a status first; `parts` holds each spec's splits·r·n partial sums
        // from its `part` (blocks past a spec's r·n entries return); the shared memory is the
        // largest spec's `stage` examples' rows (≤ 48 KB).
        unsafe { launch.launch(cfg) }.map_err(context::cuda_err("launching the batch sums"))?;
    }
    let mut launch = stream.launch_builder(total);
    launch
        .arg(&specs)
        .arg(parts.slice_mut())
        .arg(&splits_i)
        .arg(&n_i);
    let cfg = LaunchConfig {
        grid_dim: (
            rn_max.div_ceil(SUMS_THREADS as usize) as u32,
            1,
            count as u32,
        ),
        block_dim: (SUMS_THREADS, 1, 1),
        shared_mem_bytes: 0,
    };
    // SAFETY: the arguments match `sums_total_{f64,f32}(Specs, T*, int, int)`; each spec's
    // partial sums (written by the launch before, on this stream) and its r·n total (before
    // every spec's partial sums in `parts`, disjoint) lie inside `parts`; a thread per entry,
    // those past a spec's r·n return.
    unsafe { launch.launch(cfg) }.map_err(context::cuda_err("launching the batch sums"))?;
    Ok(())
}

/// Entries `off..off + len` of each example's record (`stride` values per example) of a
/// downloaded buffer, as a `[batch, len]` array; examples in parallel.
fn unpack_rows<T: Real, E: Elem>(
    h: &[E],
    stride: usize,
    batch: usize,
    off: usize,
    len: usize,
) -> Array2<T> {
    let mut a = Array2::<T>::zeros((batch, len));
    unpack_into(h, stride, off, a.view_mut());
    a
}

/// Entries `off..off + dst.ncols()` of each example's record (`stride` values per example)
/// of downloaded results, into the rows of `dst`; rows in parallel where there are more than
/// [`UPLOAD_CHUNK`] values.
fn unpack_into<T: Real, E: Elem>(
    h: &[E],
    stride: usize,
    off: usize,
    mut dst: ArrayViewMut2<'_, T>,
) {
    let len = dst.ncols();
    let row = |(mut row, rec): (ArrayViewMut1<'_, T>, &[E])| {
        for (d, x) in row.iter_mut().zip(&rec[off..off + len]) {
            *d = x.to_real();
        }
    };
    if len == 0 {
        return;
    }
    if dst.len() <= UPLOAD_CHUNK {
        dst.axis_iter_mut(Axis(0))
            .zip(h.chunks(stride))
            .for_each(row);
    } else {
        dst.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(h.par_chunks(stride))
            .for_each(row);
    }
}

/// Kernel times of the last forward and backward launches on this context, in ms.
pub(crate) fn last_kernel_ms(ctx: &Context) -> (f32, f32) {
    ctx.last_ms.lock().map(|g| *g).unwrap_or((0.0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The opt-in shared memory per block of an H100 or H200 (227 KB).
    const H100_SMEM: usize = 232_448;

    /// The equilibrated copy's layout: every array batched (a shared Q included), one after
    /// another in `place`'s order, an absent array at (0, 0); where Q, A and G are all shared,
    /// those three shared; a chunk of either layout; the
    /// scalings' record; the equilibration kernel's shared memory with and without the
    /// matrices.
    #[test]
    fn equilibrated_layout() {
        let (n, m, p, batch) = (100i64, 3i64, 40i64, 5i64);
        let l = Layout {
            o_q2: 0,
            s_q2: 0, // Q shared by the batch
            o_q: n * n,
            s_q: n,
            o_a: n * n + batch * n,
            s_a: m * n,
            o_b: n * n + batch * (n + m * n),
            s_b: m,
            o_g: n * n + batch * (n + m * n + m),
            s_g: p * n,
            n: n as i32,
            m: m as i32,
            p: p as i32,
            batch: batch as i32,
            ..Layout::default()
        };
        let (s, len) = scaled_layout(&l);
        assert_eq!((s.o_q2, s.s_q2), (0, n * n));
        assert_eq!((s.o_q, s.s_q), (batch * n * n, n));
        assert_eq!((s.o_a, s.s_a), (batch * (n * n + n), m * n));
        assert_eq!((s.o_b, s.s_b), (batch * (n * n + n + m * n), m));
        assert_eq!((s.o_g, s.s_g), (batch * (n * n + n + m * n + m), p * n));
        assert_eq!((s.o_h, s.s_h), (s.o_g + batch * p * n, p));
        assert_eq!(len as i64, batch * (n * n + n + m * n + m + p * n + p));
        assert_eq!(scalings_len(&l), 2 * (100 + 3 + 40 + 1));
        // A chunk of examples 2..5: offsets moved by two examples, a shared array's not.
        let (lc, sc) = (l.chunk(2, 3), s.chunk(2, 3));
        assert_eq!((lc.o_q2, lc.o_q, lc.batch), (0, l.o_q + 2 * n, 3));
        assert_eq!((sc.o_q2, sc.o_h, sc.batch), (2 * n * n, s.o_h + 2 * p, 3));
        // Without equalities A and b take no room.
        let (s, _) = scaled_layout(&Layout { m: 0, ..l });
        assert_eq!((s.o_a, s.s_a, s.o_b, s.s_b), (0, 0, 0, 0));
        assert_eq!(s.o_g, batch * (n * n + n));
        assert_eq!(q_unscaled(&s), 0);
        // Q, A and G all shared: the copy shares them too (one Q, unscaled, one Ã, one G̃) and
        // batches the vectors; a chunk's matrices stay where they are.
        let all = Layout {
            s_a: 0,
            s_g: 0,
            ..l
        };
        // Q is followed by the common scalings (D, E, the mean Q-column norm).
        let (s, len) = scaled_layout(&all);
        let common = n + m + p + 1;
        assert_eq!((s.o_q2, s.s_q2), (0, 0));
        assert_eq!((s.o_q, s.s_q), (n * n + common, n));
        assert_eq!((s.o_a, s.s_a), (n * n + common + batch * n, 0));
        assert_eq!((s.o_b, s.s_b), (n * n + common + batch * n + m * n, m));
        assert_eq!(
            (s.o_g, s.s_g),
            (n * n + common + batch * (n + m) + m * n, 0)
        );
        assert_eq!((s.o_h, s.s_h), (s.o_g + p * n, p));
        assert_eq!(
            len as i64,
            n * n + common + m * n + p * n + batch * (n + m + p)
        );
        assert_eq!(q_unscaled(&s), 1);
        let sc = s.chunk(2, 3);
        assert_eq!((sc.o_q2, sc.o_a, sc.o_g), (s.o_q2, s.o_a, s.o_g));
        assert_eq!((sc.o_q, sc.o_h), (s.o_q + 2 * n, s.o_h + 2 * p));
        // n = p = 100: Q and G (160 KB) fit beside the norms; n = p = 200 do not.
        let bench = |n: i32| Layout {
            n,
            p: n,
            ..Layout::default()
        };
        // 1024 threads: ten groups of the column maxima at n = 100, five at n = 200; none
        // without constraints.
        assert_eq!((ruiz_groups(100, 1024), ruiz_groups(200, 1024)), (10, 5));
        assert_eq!((ruiz_groups(100, 256), ruiz_groups(300, 256)), (2, 1));
        assert_eq!(ruiz_groups(0, 1024), 1);
        assert_eq!((ruiz_ld(100), ruiz_ld(101)), (101, 101));
        let parts = |n: usize| 2 * (1024 / n) * n + (1024 / n) * n;
        assert_eq!(
            ruiz_smem::<f64>(&bench(100), 1024, H100_SMEM),
            ((3 * 100 + 1 + parts(100) + 100 * 100 + 100 * 101) * 8, true)
        );
        assert_eq!(
            ruiz_smem::<f64>(&bench(200), 1024, H100_SMEM),
            ((3 * 200 + 1 + parts(200)) * 8, false)
        );
    }

    /// Which layout a problem gets on an H100/H200, without a device: the limits the module
    /// documentation states. (Run with `OPTNET_CUDA_THREADS` and
    /// `OPTNET_CUDA_KGLOBAL_THREADS` unset: both change shared memory per block.)
    #[test]
    fn layouts_on_an_h100() {
        let k_global = |n, m, p| layout::<f64>((n, m, p, 1), H100_SMEM).map(|(l, _)| l.k_global);
        // f64, n + m ≤ 139 with p ≤ n + m: K in shared memory; from 140: in device memory.
        assert_eq!(k_global(139, 0, 100), Ok(0));
        assert_eq!(k_global(100, 39, 139), Ok(0));
        assert_eq!(k_global(140, 0, 100), Ok(1));
        assert_eq!(k_global(110, 30, 0), Ok(1));
        // n = p = 100 keeps G in shared memory too (the benchmark's size).
        let (l, smem) = layout::<f64>((100, 0, 100, 128), H100_SMEM).unwrap();
        assert_eq!((l.g_smem, l.k_global), (1, 0));
        assert!(smem <= H100_SMEM);
        // The K-global layout: ld = N, G in global memory, the vectors alone in shared memory,
        // up to max(n + m, p) = 682 (V, even, ≤ 682).
        let (l, _) = layout::<f64>((300, 20, 150, 4), H100_SMEM).unwrap();
        assert_eq!((l.ld, l.g_smem, l.k_global), (320, 0, 1));
        assert_eq!(l.fac_stride, 320 * 320 + 320 + 150);
        assert_eq!(k_global(682, 0, 0), Ok(1));
        assert_eq!(k_global(10, 0, 682), Ok(1));
        for (n, p) in [(683, 0), (10, 683), (1000, 0)] {
            let e = layout::<f64>((n, 0, p, 1), H100_SMEM).unwrap_err();
            assert!(e.contains("device memory"), "{e}");
        }
        // f32 arithmetic keeps K in shared memory and n + m ≤ 256.
        assert_eq!(
            layout::<f32>((150, 0, 100, 1), H100_SMEM).map(|(l, _)| l.k_global),
            Ok(0)
        );
        let e = layout::<f32>((257, 0, 0, 1), H100_SMEM).unwrap_err();
        assert!(e.contains("f32 kernel's limit of 256"), "{e}");
    }

    /// pdipm.cu's tables of `syrk_dmma`'s tile groups (`WALK_NT` tile rows of 8, which
    /// [`TILE_WALK_MAX_N`] mirrors) cover every f64 K that the kernels keep in shared memory at
    /// an H100's or H200's shared memory, and on a device with more, larger K go to the K-global module (which walks
    /// its tiles without the tables).
    #[test]
    fn shared_k_fits_the_tile_walk() {
        // The tables' tile rows, as pdipm.cu defines them.
        let walk_nt: usize = include_str!("pdipm.cu")
            .lines()
            .find_map(|l| l.strip_prefix("#define WALK_NT "))
            .and_then(|v| v.trim().parse().ok())
            .expect("pdipm.cu defines WALK_NT");
        assert_eq!(TILE_WALK_MAX_N, 8 * walk_nt);
        let mut largest = 0;
        for big_n in 1..=256 {
            for (n, m, p) in [(big_n, 0, 0), (big_n, 0, big_n), (1, big_n - 1, 0)] {
                if let Ok((l, _)) = layout::<f64>((n, m, p, 1), H100_SMEM) {
                    if l.k_global == 0 {
                        largest = largest.max(big_n);
                    }
                }
            }
        }
        assert!(largest >= 100, "{largest}");
        assert!(
            largest <= TILE_WALK_MAX_N,
            "K of {largest} rows in shared memory"
        );
        // K alone, N·(N + 1) doubles, fits 227 KB only up to N = 169.
        const { assert!(169 * 170 * 8 <= H100_SMEM && 170 * 171 * 8 > H100_SMEM) };
        const { assert!(169 <= TILE_WALK_MAX_N) };
        // With 1 MB of shared memory K would fit up to N = 361: beyond 176 it goes to device memory.
        let k_global = |n| layout::<f64>((n, 0, 0, 1), 1 << 20).map(|(l, _)| l.k_global);
        assert_eq!(k_global(176), Ok(0));
        assert_eq!(k_global(177), Ok(1));
        // f32 does not take the tables (its K has register tiles on the CUDA cores).
        let l = layout::<f32>((200, 0, 0, 1), 1 << 20).unwrap().0;
        assert_eq!(l.k_global, 0);
    }
}
