//! The batched solver: settings, backend choice, and the forward and backward entry points.

use crate::cpu;
use crate::{Error, QpBatch, QpGrad, Real, Settings, Solution, Term};
use ndarray::{Array1, Array2, Array3, ArrayView2, Axis, CowArray, Ix1, Ix2, Zip};
use std::sync::Arc;

/// Where a [`Solver`] runs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Device {
    /// CPU cores (rayon), one independent solve per example.
    Cpu,
    /// The CUDA device with this ordinal (feature `cuda`).
    Cuda(usize),
}

/// Whether a CUDA solver compiles its kernels for each problem shape it meets
/// ([`Solver::with_cuda_specialization`]).
///
/// The kernels are compiled at run time (NVRTC). Kernels specialized for one shape have n, m,
/// p and their strides compiled in as constants, so that loop bounds and strides fold into
/// the instructions: the same operations in the same order, with fewer instructions. On the
/// random QPs of the README's benchmark (n = p = 100, f64, an H200) 14–17 % fewer, batches
/// 1–128 4–5 % and batch 2048 12 % faster, at n = p = 32 batch 2048 32 %; the answers and
/// gradients bit-identical. Each shape costs a compile (about a minute of one CPU core; kept in
/// the disk cache, `OPTNET_CUDA_CACHE`, so that later processes read it in a fraction of a
/// second) and about 7 MB of device memory; a solver specializes at most eight shapes, later
/// ones run the generic kernels. Only f64 arithmetic (f64 data, and f32 data solved in f64) is
/// specialized.
///
/// Not the default because the compile stalls the first call of each shape: worth it where a
/// few shapes are solved many times (a training loop), not for one-off solves of many shapes.
/// (A specialized shape does not load the generic kernels, so a process that solves one shape
/// compiles one module either way where the disk cache holds neither.)
/// (A compile on a background thread was tried and dropped: a process that ended while it
/// ran aborted in NVRTC's teardown.)
///
/// ```no_run
/// use optnet_runtime::{Solver, Specialization};
/// // A training loop's solver: its first step compiles the kernels for the layer's shape.
/// let solver = Solver::cuda(0)?.with_cuda_specialization(Specialization::PerShape);
/// # Ok::<(), optnet_runtime::Error>(())
/// ```
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum Specialization {
    /// Every shape runs the generic kernels (the default).
    #[default]
    Off,
    /// Each shape's first call compiles its kernels (or reads them from the disk cache) and
    /// waits for them; every call of the shape then runs them.
    PerShape,
}

/// What the backward pass needs from the forward pass, kept inside [`Solution`].
#[derive(Debug)]
pub(crate) enum Cache<T> {
    /// Per-example state of the KKT system at the solution (`None` for unsolved examples),
    /// in f64 whatever `T` (the CPU backend computes in f64).
    Cpu(Vec<Option<cpu::KktState>>, std::marker::PhantomData<T>),
    #[cfg(feature = "cuda")]
    #[allow(dead_code)]
    Cuda(crate::cuda::Cache<T>),
}

/// A batched, differentiable QP solver.
///
/// ```
/// use optnet_runtime::{QpBatch, Solver, Status};
/// use ndarray::{array, Array2};
/// let qp = QpBatch::builder()
///     .Q(Array2::<f64>::eye(2)).q(array![1.0, -1.0])
///     .build().unwrap();
/// let sol = Solver::cpu().solve(&qp).unwrap();
/// assert_eq!(sol.status[0], Status::Solved);
/// assert!((sol.z[[0, 0]] + 1.0).abs() < 1e-8 && (sol.z[[0, 1]] - 1.0).abs() < 1e-8);
/// ```
#[derive(Clone)]
pub struct Solver {
    device: Device,
    settings: Settings,
    pool: Option<Arc<rayon::ThreadPool>>,
    #[cfg(feature = "cuda")]
    cuda: Option<Arc<crate::cuda::Context>>,
}

impl std::fmt::Debug for Solver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Solver")
            .field("device", &self.device)
            .field("settings", &self.settings)
            .finish()
    }
}

impl Default for Solver {
    fn default() -> Self {
        Solver::cpu()
    }
}

impl Solver {
    /// A solver on all CPU cores with default settings.
    pub fn cpu() -> Solver {
        Solver {
            device: Device::Cpu,
            settings: Settings::default(),
            pool: None,
            #[cfg(feature = "cuda")]
            cuda: None,
        }
    }

    /// A solver on the CUDA device `ordinal`. Fails with [`Error::Cuda`] when the crate was
    /// built without feature `cuda`, or when no driver or device is present. A solver that
    /// solves a few shapes many times (a training loop) runs faster with kernels compiled for
    /// each shape: [`Solver::with_cuda_specialization`].
    pub fn cuda(ordinal: usize) -> Result<Solver, Error> {
        #[cfg(feature = "cuda")]
        {
            let ctx = crate::cuda::Context::new(ordinal)?;
            Ok(Solver {
                device: Device::Cuda(ordinal),
                settings: Settings::default(),
                pool: None,
                cuda: Some(Arc::new(ctx)),
            })
        }
        #[cfg(not(feature = "cuda"))]
        {
            let _ = ordinal;
            Err(Error::Cuda(
                "this build has no CUDA support; rebuild with `--features cuda`".into(),
            ))
        }
    }

    /// Replaces the settings after validating them.
    pub fn with_settings(mut self, settings: Settings) -> Result<Solver, Error> {
        settings.validate()?;
        self.pool = match settings.threads {
            Some(t) => Some(Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .map_err(|e| Error::Settings {
                        name: "threads",
                        reason: e.to_string(),
                    })?,
            )),
            None => None,
        };
        self.settings = settings;
        Ok(self)
    }

    /// Sets whether a CUDA solver specializes its kernels for the shapes it meets
    /// ([`Specialization`]; [`Specialization::Off`] unless `OPTNET_CUDA_SPECIALIZE=1` says
    /// [`Specialization::PerShape`] for the process). It applies to this solver and its clones
    /// (they share the device context). A CPU solver is returned unchanged.
    pub fn with_cuda_specialization(self, mode: Specialization) -> Solver {
        #[cfg(feature = "cuda")]
        if let Some(ctx) = &self.cuda {
            ctx.set_specialization(mode);
        }
        #[cfg(not(feature = "cuda"))]
        let _ = mode;
        self
    }

    /// The shapes (n, m, p) whose specialized kernels a CUDA solver has compiled and loaded,
    /// in the order it met them ([`Specialization`]); empty on the CPU.
    pub fn cuda_specialized_shapes(&self) -> Vec<(usize, usize, usize)> {
        #[cfg(feature = "cuda")]
        if let Some(ctx) = &self.cuda {
            return ctx.specialized_shapes();
        }
        Vec::new()
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The device this solver runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Device time of the last forward and backward kernel launches of a CUDA solver, in
    /// milliseconds (CUDA events around the kernels alone, without host↔device copies);
    /// `None` on the CPU.
    pub fn cuda_kernel_ms(&self) -> Option<(f32, f32)> {
        #[cfg(feature = "cuda")]
        if let Some(ctx) = &self.cuda {
            return Some(crate::cuda::last_kernel_ms(ctx));
        }
        None
    }

    fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    /// Solves every example of the batch. Outcomes are per-example statuses in the
    /// returned [`Solution`]; an `Err` only means the settings or device failed.
    pub fn solve<T: Real>(&self, qp: &QpBatch<'_, T>) -> Result<Solution<T>, Error> {
        <T as crate::scalar::Sealed>::solve(self, qp)
    }

    pub(crate) fn solve_impl<T: Real>(&self, qp: &QpBatch<'_, T>) -> Result<Solution<T>, Error> {
        #[cfg(feature = "cuda")]
        if let Some(ctx) = &self.cuda {
            return crate::cuda::solve(ctx, &self.settings, qp);
        }
        Ok(self.install(|| cpu::solve_batch(&self.settings, qp)))
    }

    /// Backward pass: given ∂ℓ/∂z (`[batch, n]`) for the solution `sol` of `qp`, returns
    /// ∂ℓ/∂(Q, q, A, b, G, h) by implicit differentiation of the KKT conditions (OptNet
    /// eqs. 6–8) with the KKT matrix at the solution, reusing the forward pass's
    /// factorization of it: on the GPU always, on the CPU for each polished answer (the last
    /// polishing system, `Settings::keep_factorization`); the CPU forms and factors K here
    /// for an answer the interior point method reached without polishing. Shared arrays get
    /// the sum over the batch; examples that did not solve contribute zero.
    pub fn backward<T: Real>(
        &self,
        qp: &QpBatch<'_, T>,
        sol: &Solution<T>,
        dl_dz: ArrayView2<'_, T>,
    ) -> Result<QpGrad<T>, Error> {
        <T as crate::scalar::Sealed>::backward(self, qp, sol, dl_dz, None)
    }

    /// [`Solver::backward`] into `grads`, the gradients of an earlier call (or
    /// `QpGrad::default()` at first): a per-example (batched) gradient of Q, A or G whose
    /// array already has this call's shape is overwritten in place, and everything else is
    /// replaced. A training loop that passes the
    /// same `QpGrad` every step so writes its largest arrays (at batch 2048, n = p = 100, f64,
    /// two of 164 MB) into memory it already holds, instead of faulting in fresh pages on
    /// every call. The result is the same, bit for bit. On an error `grads` is left as it was.
    ///
    /// ```
    /// # use optnet_runtime::{QpBatch, QpGrad, Solver};
    /// # use ndarray::{array, Array2, Array3};
    /// let solver = Solver::cpu();
    /// let Q = array![[2.0, 0.0], [0.0, 1.0]];
    /// let q = Array2::from_shape_fn((2, 2), |(b, j)| (b + j) as f64 - 1.0);
    /// let G = Array3::from_shape_fn((2, 1, 2), |(b, _, j)| (b + j) as f64 + 1.0);
    /// let h = array![1.0];
    /// let qp = QpBatch::builder().Q(Q.view()).q(q.view()).G(G.view()).h(h.view()).build()?;
    /// let sol = solver.solve(&qp)?;
    /// let dl_dz = Array2::ones((2, 2));
    /// let mut grads = QpGrad::default();
    /// for _step in 0..3 {
    ///     // From the second step on, dG (per example here) is written in place.
    ///     solver.backward_into(&qp, &sol, dl_dz.view(), &mut grads)?;
    /// }
    /// assert_eq!(grads.dG.as_ref().unwrap().get(1).shape(), &[1, 2]);
    /// # Ok::<(), optnet_runtime::Error>(())
    /// ```
    pub fn backward_into<T: Real>(
        &self,
        qp: &QpBatch<'_, T>,
        sol: &Solution<T>,
        dl_dz: ArrayView2<'_, T>,
        grads: &mut QpGrad<T>,
    ) -> Result<(), Error> {
        let g = <T as crate::scalar::Sealed>::backward(self, qp, sol, dl_dz, Some(&mut *grads))?;
        *grads = g;
        Ok(())
    }

    pub(crate) fn backward_impl<T: Real>(
        &self,
        qp: &QpBatch<'_, T>,
        sol: &Solution<T>,
        dl_dz: ArrayView2<'_, T>,
        reuse: Option<&mut QpGrad<T>>,
    ) -> Result<QpGrad<T>, Error> {
        let (batch, n) = (qp.batch, qp.n);
        if sol.batch() != batch
            || sol.z.ncols() != n
            || sol.lam.ncols() != qp.p
            || sol.nu.ncols() != qp.m
        {
            return Err(Error::Backward(format!(
                "the solution has batch {} with (n, m, p) = ({}, {}, {}), the QP batch {} with ({}, {}, {})",
                sol.batch(),
                sol.z.ncols(),
                sol.nu.ncols(),
                sol.lam.ncols(),
                batch,
                n,
                qp.m,
                qp.p
            )));
        }
        if dl_dz.shape() != [batch, n] {
            return Err(Error::Shape {
                array: "dl_dz",
                expected: format!("[batch, n] = [{batch}, {n}]"),
                found: dl_dz.shape().to_vec(),
            });
        }
        if let Some((idx, v)) = dl_dz.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                array: "dl_dz",
                example: Some(idx.0),
                index: vec![idx.1],
                value: format!("{v}"),
            });
        }
        #[cfg(feature = "cuda")]
        let t_start = std::time::Instant::now();
        let adj = match &sol.cache {
            Cache::Cpu(factors, _) => {
                if factors.len() != batch {
                    return Err(Error::Backward(
                        "the solution's factorizations do not match the batch".into(),
                    ));
                }
                self.install(|| cpu::adjoints(&self.settings, qp, sol, factors, dl_dz))
            }
            #[cfg(feature = "cuda")]
            Cache::Cuda(c) => match &self.cuda {
                Some(ctx) => crate::cuda::adjoints(ctx, &self.settings, qp, sol, c, dl_dz)?,
                None => return Err(Error::Backward(
                    "the solution was computed on a CUDA device; call backward on a CUDA solver"
                        .into(),
                )),
            },
        };
        #[cfg(feature = "cuda")]
        let t_adjoints = t_start.elapsed();
        let grads = self.install(|| assemble_grads(qp, sol, adj, reuse));
        #[cfg(feature = "cuda")]
        if matches!(sol.cache, Cache::Cuda(_))
            && crate::cuda::profiling() != crate::cuda::Profile::Off
        {
            let ms = |t: std::time::Duration| t.as_secs_f64() * 1e3;
            eprintln!(
                "optnet cuda host backward ({} batch {batch}): adjoints on the host at {:.2} ms \
                 (kernel {:.2} ms), gradients assembled at {:.2} ms",
                T::NAME,
                ms(t_adjoints),
                self.cuda_kernel_ms().map_or(f32::NAN, |k| k.1),
                ms(t_start.elapsed())
            );
        }
        Ok(grads)
    }
}

/// The adjoint vectors of the backward pass, per example (zero rows for unsolved ones):
/// the solution (d_z, d_ν, D(λ)d_λ) of the transposed KKT system (OptNet eq. 7).
pub(crate) struct Adjoints<T> {
    /// d_z, `[batch, n]`.
    pub dz: Array2<T>,
    /// d_ν, `[batch, m]`.
    pub dnu: Array2<T>,
    /// D(λ) d_λ, `[batch, p]`.
    pub dlam: Array2<T>,
    /// Batch sums the backend formed itself for shared Q, A, G (in that order): Σ d_z zᵀ
    /// (n×n, before its symmetric part is taken), Σ d_ν zᵀ + ν d_zᵀ, Σ D(λ)d_λ zᵀ + λ d_zᵀ over
    /// the solved examples, from the backend's own copy of the solution (the GPU's, on the
    /// device); `None` where the array is batched or the backend left the sum to
    /// [`assemble_grads`] (the CPU's).
    pub sums: [Option<Array2<T>>; 3],
}

/// OptNet eq. 8 from the adjoints:
/// ∂ℓ/∂Q = ½(d_z zᵀ + z d_zᵀ), ∂ℓ/∂q = d_z, ∂ℓ/∂A = d_ν zᵀ + ν d_zᵀ, ∂ℓ/∂b = −d_ν,
/// ∂ℓ/∂G = D(λ)d_λ zᵀ + λ d_zᵀ, ∂ℓ/∂h = −D(λ)d_λ.
/// A shared array's gradient is the batch sum: the backend's own where it formed one
/// ([`Adjoints::sums`]: the GPU, from its copy of the solution), else [`batch_sum`]'s.
pub(crate) fn assemble_grads<'a, T: Real>(
    qp: &QpBatch<'_, T>,
    sol: &'a Solution<T>,
    adj: Adjoints<T>,
    reuse: Option<&mut QpGrad<T>>,
) -> QpGrad<T> {
    let half = T::of(0.5);
    let Adjoints {
        dz,
        dnu,
        dlam,
        sums: [sum_q, sum_a, sum_g],
    } = adj;
    // The batched arrays of an earlier call's gradients, to be written over where their
    // shapes fit ([`Solver::backward_into`]).
    let [mut rQ, mut rA, mut rG] = match reuse {
        Some(g) => [
            take_batched(Some(&mut g.dQ)),
            take_batched(g.dA.as_mut()),
            take_batched(g.dG.as_mut()),
        ],
        None => [None, None, None],
    };
    // Unsolved examples contribute zero: their rows of z, λ, ν may hold NaN (or a
    // certificate), and 0·NaN in a batch sum would poison a shared array's gradient. (A copy
    // only where an example did not solve.)
    let all_solved = sol.status.iter().all(|st| st.is_solved());
    let mask = |a: &'a Array2<T>| -> CowArray<'a, T, Ix2> {
        if all_solved {
            return CowArray::from(a.view());
        }
        let mut a = a.clone();
        for (mut row, st) in a.outer_iter_mut().zip(&sol.status) {
            if !st.is_solved() {
                row.fill(T::zero());
            }
        }
        CowArray::from(a)
    };
    let (z, lam, nu) = (mask(&sol.z), mask(&sol.lam), mask(&sol.nu));
    let sol = Masked { z, lam, nu };
    let dQ = match sum_q {
        Some(ux) if qp.Q.is_shared() => Term::Shared(CowArray::from((&ux + &ux.t()) * half)),
        _ => outer_term(qp.Q.is_shared(), dz.view(), sol.z.view(), half, rQ.take()),
    };
    let dq = vec_term(qp.q.is_shared(), dz.view(), T::one());
    let (dA, db) = match &qp.A {
        Some(A) => (
            Some(backend_sum_or(sum_a, A.is_shared(), || {
                outer_pair(
                    A.is_shared(),
                    dnu.view(),
                    sol.z.view(),
                    sol.nu.view(),
                    dz.view(),
                    rA.take(),
                )
            })),
            Some(vec_term(
                qp.b.as_ref().is_some_and(Term::is_shared),
                dnu.view(),
                -T::one(),
            )),
        ),
        None => (None, None),
    };
    let (dG, dh) = match &qp.G {
        Some(G) => (
            Some(backend_sum_or(sum_g, G.is_shared(), || {
                outer_pair(
                    G.is_shared(),
                    dlam.view(),
                    sol.z.view(),
                    sol.lam.view(),
                    dz.view(),
                    rG.take(),
                )
            })),
            Some(vec_term(
                qp.h.as_ref().is_some_and(Term::is_shared),
                dlam.view(),
                -T::one(),
            )),
        ),
        None => (None, None),
    };
    QpGrad {
        dQ,
        dq,
        dA,
        db,
        dG,
        dh,
    }
}

/// A shared array's gradient from the backend's own batch sum where it formed one
/// ([`Adjoints::sums`]), else `term()`.
fn backend_sum_or<'a, T: Real>(
    sum: Option<Array2<T>>,
    shared: bool,
    term: impl FnOnce() -> Term<'a, T, Ix2>,
) -> Term<'a, T, Ix2> {
    match sum {
        Some(s) if shared => Term::Shared(CowArray::from(s)),
        _ => term(),
    }
}

/// The solution rows that enter the gradients, zero for unsolved examples.
struct Masked<'a, T> {
    z: CowArray<'a, T, Ix2>,
    lam: CowArray<'a, T, Ix2>,
    nu: CowArray<'a, T, Ix2>,
}

/// `scale · v` per example, or its batch sum.
fn vec_term<T: Real>(shared: bool, v: ArrayView2<'_, T>, scale: T) -> Term<'static, T, Ix1> {
    if shared {
        let s: Array1<T> = v.sum_axis(Axis(0)) * scale;
        Term::Shared(CowArray::from(s))
    } else {
        Term::Batched(CowArray::from(v.to_owned() * scale))
    }
}

/// The array of a batched gradient that the caller owns, taken out of `term` (which is left
/// an empty shared array) to be written over; `None` for anything else.
fn take_batched<T: Real>(term: Option<&mut Term<'static, T, Ix2>>) -> Option<Array3<T>> {
    let term = term?;
    if !matches!(term, Term::Batched(a) if !a.is_view()) {
        return None;
    }
    match std::mem::replace(term, Term::Shared(CowArray::from(Array2::zeros((0, 0))))) {
        Term::Batched(a) => Some(a.into_owned()),
        Term::Shared(_) => None,
    }
}

/// `scale · (u xᵀ + x uᵀ)` (symmetric) per example, or summed; a per-example result is
/// written into `reuse` where that has its shape.
fn outer_term<T: Real>(
    shared: bool,
    u: ArrayView2<'_, T>,
    x: ArrayView2<'_, T>,
    scale: T,
    reuse: Option<Array3<T>>,
) -> Term<'static, T, Ix2> {
    if shared {
        let ux = batch_sum(&[(u, x)]);
        let s = (&ux + &ux.t()) * scale;
        Term::Shared(CowArray::from(s))
    } else {
        let (b, n) = (u.nrows(), u.ncols());
        let mut out = out3(reuse, (b, n, n));
        Zip::from(out.outer_iter_mut())
            .and(u.outer_iter())
            .and(x.outer_iter())
            .par_for_each(|mut o, u, x| {
                let (u, x) = (u.to_vec(), x.to_vec());
                // Row by row over contiguous slices, so that the loop vectorizes.
                for (row, i) in rows_of(&mut o).zip(0..n) {
                    let (ui, xi) = (scale * u[i], scale * x[i]);
                    for ((o, &uj), &xj) in row.iter_mut().zip(&u).zip(&x) {
                        *o = ui * xj + xi * uj;
                    }
                }
            });
        Term::Batched(CowArray::from(out))
    }
}

/// `a xᵀ + y bᵀ` per example (a: [B, r], x: [B, n], y: [B, r], b: [B, n]), or summed; a
/// per-example result is written into `reuse` where that has its shape.
fn outer_pair<T: Real>(
    shared: bool,
    a: ArrayView2<'_, T>,
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    reuse: Option<Array3<T>>,
) -> Term<'static, T, Ix2> {
    if shared {
        Term::Shared(CowArray::from(batch_sum(&[(a, x), (y, b)])))
    } else {
        let (bs, r, n) = (a.nrows(), a.ncols(), x.ncols());
        let mut out = out3(reuse, (bs, r, n));
        Zip::from(out.outer_iter_mut())
            .and(a.outer_iter())
            .and(x.outer_iter())
            .and(y.outer_iter())
            .and(b.outer_iter())
            .par_for_each(|mut o, a, x, y, b| {
                let (x, b) = (x.to_vec(), b.to_vec());
                for (row, i) in rows_of(&mut o).zip(0..r) {
                    let (ai, yi) = (a[i], y[i]);
                    for ((o, &xj), &bj) in row.iter_mut().zip(&x).zip(&b) {
                        *o = ai * xj + yi * bj;
                    }
                }
            });
        Term::Batched(CowArray::from(out))
    }
}

/// Examples per partial product of [`batch_sum`]: one product up to batch 128, sixteen at
/// 2048. Measured on the development machine (2 cores, n = 100, one product of the three):
/// runs of 128 took 64 / 201 / 766 µs at batch 128 / 512 / 2048, runs of 64 90 / 216 / 1451
/// (a product per 64 rows costs more than its arithmetic), `ndarray`'s `dot` 102 / 344 / 1638.
const SUM_ROWS: usize = 128;

/// Σₖ uₖᵀxₖ over the pairs (uₖ: `[batch, r]`, xₖ: `[batch, n]`), an r×n matrix: a shared
/// array's gradient, the sum over the batch of each example's outer products (OptNet eq. 8).
/// The batch goes in runs of [`SUM_ROWS`] examples, one faer product per run and pair, the
/// runs on the solver's threads, and the runs' products are added in batch order: the same
/// bits whatever the number of threads. The CPU backend's sums: the GPU forms its own on the
/// device ([`Adjoints::sums`]). (`ndarray`'s `dot` ran on one thread: on the H200's host, 16
/// cores, a backward call with Q and G shared took about 8.4 ms at batch 2048, n = p = 100,
/// the kernel 0.46 ms of it; notes/s22.md §1.)
fn batch_sum<T: Real>(pairs: &[(ArrayView2<'_, T>, ArrayView2<'_, T>)]) -> Array2<T> {
    use faer::linalg::matmul::matmul;
    use faer::{Accum, MatMut, MatRef, Par};
    use rayon::prelude::*;
    let (batch, r, n) = match pairs.first() {
        Some((u, x)) => (u.nrows(), u.ncols(), x.ncols()),
        None => return Array2::zeros((0, 0)),
    };
    let pairs: Vec<_> = pairs
        .iter()
        .map(|(u, x)| (u.as_standard_layout(), x.as_standard_layout()))
        .collect();
    let part = |start: usize| {
        let rows = SUM_ROWS.min(batch - start);
        let mut acc = Array2::<T>::zeros((r, n));
        {
            let mut out = MatMut::from_row_major_slice_mut(
                acc.as_slice_mut().expect("a fresh array is contiguous"),
                r,
                n,
            );
            for (k, (u, x)) in pairs.iter().enumerate() {
                let u = u.as_slice().expect("standard layout");
                let x = x.as_slice().expect("standard layout");
                let u = MatRef::from_row_major_slice(&u[start * r..(start + rows) * r], rows, r);
                let x = MatRef::from_row_major_slice(&x[start * n..(start + rows) * n], rows, n);
                let accum = if k == 0 { Accum::Replace } else { Accum::Add };
                matmul(out.as_mut(), accum, u.transpose(), x, T::one(), Par::Seq);
            }
        }
        acc
    };
    let parts: Vec<Array2<T>> = (0..batch)
        .step_by(SUM_ROWS)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(part)
        .collect();
    let mut sum = Array2::<T>::zeros((r, n));
    for p in &parts {
        sum += p;
    }
    sum
}

/// The `[b, r, n]` array a batched gradient is written into (every entry): `reuse` where it
/// has that shape in standard layout, else a fresh one ([`fresh3`]).
fn out3<T: Real>(reuse: Option<Array3<T>>, shape: (usize, usize, usize)) -> Array3<T> {
    match reuse {
        Some(a) if a.dim() == shape && a.is_standard_layout() => a,
        _ => fresh3(shape),
    }
}

/// A zeroed `[b, r, n]` array for a batched gradient. Those are the largest arrays of a
/// backward call (two of 164 MB at batch 2048, n = p = 100, f64), fresh memory on every
/// `backward` call (`backward_into` writes over an earlier call's), so their pages are
/// faulted in as they are written, 4 KB at a time: on Linux, the allocation is advised to
/// take transparent huge pages ([`advise_huge_pages`]; without the advice the H200's host
/// took 64–81 ms for batch 2048 fwd+bwd end to end against 39–47, notes/s23.md §6).
fn fresh3<T: Real>(shape: (usize, usize, usize)) -> Array3<T> {
    let len = shape.0 * shape.1 * shape.2;
    // All-zero bits: a large allocation comes from the kernel untouched (calloc).
    let v = vec![T::zero(); len];
    advise_huge_pages(&v);
    Array3::from_shape_vec(shape, v).expect("the length is the shape's product")
}

/// Advises the kernel to back the 2 MB-aligned whole pages inside `v` with transparent huge
/// pages (`madvise(MADV_HUGEPAGE)`; where the system's setting is `madvise`, as on the
/// machines of `notes/gpu_s11_e2e.md`, the default is 4 KB pages). Only advice: the contents
/// do not change, and a refusal changes nothing. `OPTNET_HUGE_PAGES=0` (read once per
/// process) turns it off.
fn advise_huge_pages<T>(v: &[T]) {
    #[cfg(target_os = "linux")]
    {
        static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let on = *ON.get_or_init(|| std::env::var("OPTNET_HUGE_PAGES").as_deref() != Ok("0"));
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + std::mem::size_of_val(v);
        let (a, b) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if on && b > a {
            // SAFETY: `a..b` is a range of whole pages inside `v`'s allocation, which `v`
            // keeps alive for the call; the advice changes how its pages are backed, not
            // their contents (errors are ignored: it stays a hint).
            unsafe { libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// The rows of a matrix of the output (standard layout, freshly allocated) as slices.
fn rows_of<'a, T>(o: &'a mut ndarray::ArrayViewMut2<'_, T>) -> impl Iterator<Item = &'a mut [T]> {
    let n = o.ncols().max(1);
    o.as_slice_mut()
        .expect("a freshly allocated gradient is contiguous")
        .chunks_exact_mut(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn an_unsolved_example_with_nan_rows_leaves_shared_gradients_finite() {
        let (Q, G) = (Array2::<f64>::eye(2), Array2::<f64>::eye(2));
        // Example 0's minimizer −q = (0.5, −0.25) is inside z ≤ 1: a dQ of nonzero entries.
        let q = ndarray::array![[-0.5, 0.25], [1.0, 1.0]];
        let h = Array2::<f64>::ones((2, 2));
        let qp = QpBatch::builder().Q(&Q).q(&q).G(&G).h(&h).build().unwrap();
        let mut sol = Solver::cpu().solve(&qp).unwrap();
        assert!((sol.z[[0, 0]] - 0.5).abs() < 1e-6 && (sol.z[[0, 1]] + 0.25).abs() < 1e-6);
        // Example 1 ends in a numerical error: NaN rows, zero adjoints.
        sol.status[1] = Status::NumericalError;
        sol.z.row_mut(1).fill(f64::NAN);
        sol.lam.row_mut(1).fill(f64::NAN);
        let mut adj = Adjoints {
            dz: Array2::ones((2, 2)),
            dnu: Array2::zeros((2, 0)),
            dlam: Array2::ones((2, 2)),
            sums: [None, None, None],
        };
        adj.dz.row_mut(1).fill(0.0);
        adj.dlam.row_mut(1).fill(0.0);
        let g = assemble_grads(&qp, &sol, adj, None);
        let dQ = g.dQ.shared().unwrap();
        let dG = g.dG.as_ref().unwrap().shared().unwrap();
        assert!(dQ.iter().chain(dG.iter()).all(|v| v.is_finite()));
        // Only example 0 contributes: dQ = ½(d_z zᵀ + z d_zᵀ) of example 0, with d_z = (1, 1)
        // and z = (0.5, −0.25): dQ₀₀ = 0.5, dQ₀₁ = 0.125, dQ₁₁ = −0.25.
        let z0 = sol.z.row(0);
        assert!((dQ[[0, 1]] - 0.5 * (z0[1] + z0[0])).abs() < 1e-12);
        for (ij, v) in [((0, 0), 0.5), ((0, 1), 0.125), ((1, 1), -0.25)] {
            assert!(
                (dQ[ij] - v).abs() < 1e-6,
                "dQ{ij:?} = {}, expected {v}",
                dQ[ij]
            );
        }
    }

    /// A backend's own batch sums (the GPU's) are the shared arrays' gradients: Q's symmetric
    /// part, G's as it is; the per-example adjoints are not summed again for them.
    #[test]
    fn backend_sums_become_the_shared_gradients() {
        let (Q, G) = (Array2::<f64>::eye(2), Array2::<f64>::eye(2));
        let q = Array2::<f64>::zeros((2, 2));
        let h = Array2::<f64>::ones((2, 2));
        let qp = QpBatch::builder().Q(&Q).q(&q).G(&G).h(&h).build().unwrap();
        let sol = Solver::cpu().solve(&qp).unwrap();
        let ux = ndarray::array![[1.0, 2.0], [4.0, 8.0]];
        let sg = ndarray::array![[0.5, -1.5], [3.0, 0.25]];
        let adj = Adjoints {
            dz: Array2::ones((2, 2)),
            dnu: Array2::zeros((2, 0)),
            dlam: Array2::ones((2, 2)),
            sums: [Some(ux.clone()), None, Some(sg.clone())],
        };
        let g = assemble_grads(&qp, &sol, adj, None);
        assert_eq!(g.dQ.shared().unwrap(), (&ux + &ux.t()) * 0.5);
        assert_eq!(g.dG.as_ref().unwrap().shared().unwrap(), sg);
    }

    /// A batch that is not a whole number of runs, two pairs, f64 and f32: the sum of every
    /// example's outer products, summed here one entry at a time, and the same bits on one
    /// thread as on three.
    #[test]
    fn batch_sums_are_the_outer_products_summed_whatever_the_threads() {
        fn check<T: Real>(tol: f64) {
            let (batch, r, n) = (2 * SUM_ROWS + 7, 5, 3);
            let f = |i: usize, j: usize, s: usize| {
                T::of((((i * 31 + j * 17 + s) % 23) as f64 - 11.0) / 7.0)
            };
            let a = Array2::from_shape_fn((batch, r), |(i, j)| f(i, j, 1));
            let x = Array2::from_shape_fn((batch, n), |(i, j)| f(i, j, 2));
            let y = Array2::from_shape_fn((batch, r), |(i, j)| f(i, j, 3));
            let b = Array2::from_shape_fn((batch, n), |(i, j)| f(i, j, 4));
            let pairs = [(a.view(), x.view()), (y.view(), b.view())];
            let on = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| batch_sum(&pairs))
            };
            let (one, three) = (on(1), on(3));
            assert_eq!(one.shape(), [r, n]);
            for i in 0..r {
                for j in 0..n {
                    let want: f64 = (0..batch)
                        .map(|e| {
                            a[[e, i]].to64() * x[[e, j]].to64()
                                + y[[e, i]].to64() * b[[e, j]].to64()
                        })
                        .sum();
                    let got = one[[i, j]].to64();
                    assert!(
                        (got - want).abs() <= tol * (1.0 + want.abs()),
                        "[{i}, {j}]: {got} against {want}"
                    );
                    assert_eq!(got.to_bits(), three[[i, j]].to64().to_bits());
                }
            }
        }
        check::<f64>(1e-12);
        check::<f32>(1e-5);
    }
}
