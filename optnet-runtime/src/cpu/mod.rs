//! The CPU backend: one independent interior point solve per example, spread over cores
//! with rayon. Each example has its own step lengths, stopping test and iteration count,
//! so a hard example never holds the others back.

mod equilibrate;
mod kkt;
mod pdipm;
mod problem;
pub(crate) mod psd;

use crate::solver::{Adjoints, Cache};
use crate::{QpBatch, Real, Settings, Solution};
use equilibrate::Scaling;
use faer::Mat;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use pdipm::Tols;
use problem::Local;
use rayon::prelude::*;

/// The KKT factorization at one example's solution, kept for the backward pass: the
/// LDLᵀ factors of the equilibrated reduced KKT matrix of the last iteration, and the
/// equilibration that relates it to the original data.
#[derive(Debug)]
pub(crate) struct Factor<T> {
    F: Mat<T>,
    scaling: Scaling<T>,
}

/// Solves every example of the batch.
pub(crate) fn solve_batch<T: Real>(settings: &Settings, qp: &QpBatch<'_, T>) -> Solution<T> {
    let (batch, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    let tols = Tols::<T>::new(settings);
    let outcomes: Vec<(pdipm::Outcome<T>, T)> = (0..batch)
        .into_par_iter()
        .map(|i| {
            let ex = qp.example(i);
            let mut lp = Local::from_example(&ex);
            if settings.equilibrate {
                equilibrate::ruiz(
                    &mut lp,
                    settings.equilibrate_max_iter,
                    T::of(settings.equilibrate_min_scaling),
                    T::of(settings.equilibrate_max_scaling),
                );
            }
            let out = pdipm::solve(&lp, &tols);
            let obj = if out.status.is_solved() {
                objective(ex.Q, ex.q, &out.z)
            } else {
                T::nan()
            };
            (out, obj)
        })
        .collect();
    let mut sol = Solution {
        z: Array2::zeros((batch, n)),
        lam: Array2::zeros((batch, p)),
        nu: Array2::zeros((batch, m)),
        s: Array2::zeros((batch, p)),
        status: Vec::with_capacity(batch),
        iters: Vec::with_capacity(batch),
        objective: Array1::zeros(batch),
        res_primal: Array1::zeros(batch),
        res_dual: Array1::zeros(batch),
        gap: Array1::zeros(batch),
        cache: Cache::Cpu(Vec::new()),
    };
    let mut factors = Vec::with_capacity(batch);
    for (i, (out, obj)) in outcomes.into_iter().enumerate() {
        sol.z.row_mut(i).assign(&ArrayView1::from(&out.z));
        sol.nu.row_mut(i).assign(&ArrayView1::from(&out.nu));
        sol.lam.row_mut(i).assign(&ArrayView1::from(&out.lam));
        sol.s.row_mut(i).assign(&ArrayView1::from(&out.s));
        sol.status.push(out.status);
        sol.iters.push(out.iters);
        sol.objective[i] = obj;
        sol.res_primal[i] = out.res_primal;
        sol.res_dual[i] = out.res_dual;
        sol.gap[i] = out.gap;
        factors.push(out.factors.map(|(F, scaling)| Factor { F, scaling }));
    }
    sol.cache = Cache::Cpu(factors);
    sol
}

/// ½zᵀQz + qᵀz.
fn objective<T: Real>(Q: ArrayView2<'_, T>, q: ArrayView1<'_, T>, z: &[T]) -> T {
    let z = ArrayView1::from(z);
    T::of(0.5) * z.dot(&Q.dot(&z)) + q.dot(&z)
}

/// The adjoint vectors of every example (OptNet eq. 7): with W = diag(λ/s) at the solution,
///
/// ```text
/// [Q + GᵀWG  Aᵀ] [d_z]   [−∂ℓ/∂z]
/// [A         0 ] [d_ν] = [   0   ],      D(λ)d_λ = W·G·d_z,
/// ```
///
/// solved with the forward pass's factorization of the equilibrated matrix
/// K̃ = T·K·T, T = diag(√c·D, E_A/√c), so K⁻¹ = T·K̃⁻¹·T, refined against K at the
/// solution's W.
pub(crate) fn adjoints<T: Real>(
    settings: &Settings,
    qp: &QpBatch<'_, T>,
    sol: &Solution<T>,
    factors: &[Option<Factor<T>>],
    dl_dz: ArrayView2<'_, T>,
) -> Adjoints<T> {
    let (batch, n, m, p) = (qp.batch, qp.n, qp.m, qp.p);
    let tols = Tols::<T>::new(settings);
    let rows: Vec<Option<(Vec<T>, Vec<T>, Vec<T>)>> = (0..batch)
        .into_par_iter()
        .map(|i| {
            let f = factors[i].as_ref()?;
            if !sol.status[i].is_solved() {
                return None;
            }
            let ex = qp.example(i);
            let lam = sol.lam.row(i);
            let s = sol.s.row(i);
            let w: Array1<T> = Array1::from_shape_fn(p, |k| lam[k] / s[k]);
            // T as a vector over the n + m unknowns.
            let sqc = f.scaling.c.sqrt();
            let t: Vec<T> = (0..n)
                .map(|j| sqc * f.scaling.d[j])
                .chain((0..m).map(|k| f.scaling.e[k] / sqc))
                .collect();
            let apply = |v: &[T]| -> Vec<T> {
                // K x in the original units: [Q x₁ + Gᵀ(W G x₁) + Aᵀ x₂; A x₁].
                let x1 = ArrayView1::from(&v[..n]);
                let x2 = ArrayView1::from(&v[n..]);
                let mut top = ex.Q.dot(&x1);
                if p > 0 {
                    let gx = ex.G.dot(&x1) * &w;
                    top = top + ex.G.t().dot(&gx);
                }
                if m > 0 {
                    top = top + ex.A.t().dot(&x2);
                }
                let bottom = ex.A.dot(&x1);
                top.iter().chain(bottom.iter()).copied().collect()
            };
            let precond = |r: &[T]| -> Vec<T> {
                let mut y: Vec<T> = r.iter().zip(&t).map(|(&a, &b)| a * b).collect();
                kkt::solve_ldl(f.F.as_ref(), &mut y);
                y.iter_mut().zip(&t).for_each(|(a, &b)| *a *= b);
                y
            };
            let rhs: Vec<T> = dl_dz
                .row(i)
                .iter()
                .map(|&g| -g)
                .chain(std::iter::repeat_n(T::zero(), m))
                .collect();
            let mut x = precond(&rhs);
            let tol = tols.kkt.refine_abstol + tols.kkt.refine_reltol * kkt::inf_norm(&rhs);
            for _ in 0..tols.kkt.refine_max_iter.max(4) {
                let kx = apply(&x);
                let r: Vec<T> = rhs.iter().zip(&kx).map(|(&a, &b)| a - b).collect();
                if kkt::inf_norm(&r) <= tol {
                    break;
                }
                let c = precond(&r);
                x.iter_mut().zip(&c).for_each(|(a, &b)| *a += b);
            }
            let dz = x[..n].to_vec();
            let dnu = x[n..].to_vec();
            let gdz = ex.G.dot(&ArrayView1::from(&dz));
            let dlam: Vec<T> = (0..p).map(|k| w[k] * gdz[k]).collect();
            Some((dz, dnu, dlam))
        })
        .collect();
    let mut adj = Adjoints {
        dz: Array2::zeros((batch, n)),
        dnu: Array2::zeros((batch, m)),
        dlam: Array2::zeros((batch, p)),
    };
    for (i, row) in rows.into_iter().enumerate() {
        if let Some((dz, dnu, dlam)) = row {
            adj.dz.row_mut(i).assign(&ArrayView1::from(&dz));
            adj.dnu.row_mut(i).assign(&ArrayView1::from(&dnu));
            adj.dlam.row_mut(i).assign(&ArrayView1::from(&dlam));
        }
    }
    adj
}
