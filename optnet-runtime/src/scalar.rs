//! The floating-point types the solver runs in: `f32` and `f64`.

use std::fmt::{Debug, Display};

mod sealed {
    use crate::{Error, QpBatch, QpGrad, Solution, Solver};
    use ndarray::ArrayView2;

    /// The solver's entry points, instantiated once per scalar type here in
    /// `optnet-runtime`. Generic callers (`Solver::solve::<T>`) go through these
    /// non-generic functions, so a crate that uses the solver links the machine code built
    /// with this crate instead of monomorphizing the whole interior point method again
    /// (which made every test and example binary take tens of seconds to compile).
    pub trait Sealed: Sized {
        fn solve(solver: &Solver, qp: &QpBatch<'_, Self>) -> Result<Solution<Self>, Error>;
        fn backward(
            solver: &Solver,
            qp: &QpBatch<'_, Self>,
            sol: &Solution<Self>,
            dl_dz: ArrayView2<'_, Self>,
            reuse: Option<&mut QpGrad<Self>>,
        ) -> Result<QpGrad<Self>, Error>;
        fn check_psd(Q: ArrayView2<'_, Self>, example: Option<usize>) -> Result<(), Error>;
    }

    macro_rules! entry_points {
        ($t:ty) => {
            impl Sealed for $t {
                #[inline(never)]
                fn solve(solver: &Solver, qp: &QpBatch<'_, $t>) -> Result<Solution<$t>, Error> {
                    solver.solve_impl(qp)
                }
                #[inline(never)]
                fn backward(
                    solver: &Solver,
                    qp: &QpBatch<'_, $t>,
                    sol: &Solution<$t>,
                    dl_dz: ArrayView2<'_, $t>,
                    reuse: Option<&mut QpGrad<$t>>,
                ) -> Result<QpGrad<$t>, Error> {
                    solver.backward_impl(qp, sol, dl_dz, reuse)
                }
                #[inline(never)]
                fn check_psd(Q: ArrayView2<'_, $t>, example: Option<usize>) -> Result<(), Error> {
                    crate::cpu::psd::check_psd(Q, example)
                }
            }
        };
    }
    entry_points!(f32);
    entry_points!(f64);
}

pub(crate) use sealed::Sealed;

/// A real scalar the solver works in: implemented for `f32` and `f64` only.
pub trait Real:
    sealed::Sealed
    + num_traits::Float
    + num_traits::FromPrimitive
    + faer::traits::RealField
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + std::iter::Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
{
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Converts from `f64` (rounding to nearest for `f32`).
    fn of(x: f64) -> Self;
    /// Widens to `f64`.
    fn to64(self) -> f64;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to64(self) -> f64 {
        self as f64
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to64(self) -> f64 {
        self
    }
}
