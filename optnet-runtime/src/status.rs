//! Per-example outcome of a solve.

use std::fmt;

/// How the solve of one example ended. Outcomes are values, not errors: an infeasible
/// example in a batch gets its status and the rest of the batch is unaffected.
///
/// The integer codes (see [`Status::code`]) are what `examples/solve.rs` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Optimal to the requested tolerances. Code 0.
    Solved,
    /// A certificate of primal infeasibility was found: λ ≥ 0, ν with
    /// Aᵀν + Gᵀλ = 0 and bᵀν + hᵀλ < 0 (to tolerance). Code 1.
    PrimalInfeasible,
    /// A certificate of dual infeasibility (unboundedness) was found: a direction d with
    /// Qd = 0, Ad = 0, Gd ≤ 0 and qᵀd < 0 (to tolerance). Code 2.
    DualInfeasible,
    /// The iteration limit was reached first. Code 3.
    MaxIterations,
    /// The linear algebra broke down (non-finite values in the iterates), or an answer the
    /// iteration took as solved failed its final check: its values or objective are not finite,
    /// or its primal residual ‖(Az − b, Gz + s − h)‖∞ / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞, ‖s‖∞),
    /// recomputed on the answer in the original units, is above
    /// [`crate::Settings::reduced_tol_feas`]. The values are returned as computed. Code 4.
    NumericalError,
    /// Steps became too short to make progress, but the iterate meets the reduced
    /// tolerances of [`crate::Settings`] (`reduced_tol_*`); or a solved answer whose
    /// recomputed primal residual (see [`Status::NumericalError`]) is above 1000 ×
    /// [`crate::Settings::tol_feas`] but within the reduced tolerance. Code 5.
    AlmostSolved,
    /// Steps became too short to make progress and the iterate is not near optimal. Code 6.
    InsufficientProgress,
}

impl Status {
    /// The integer code of this status (0 solved, 1 primal infeasible, 2 dual infeasible,
    /// 3 max iterations, 4 numerical error, 5 almost solved, 6 insufficient progress).
    pub fn code(self) -> i32 {
        match self {
            Status::Solved => 0,
            Status::PrimalInfeasible => 1,
            Status::DualInfeasible => 2,
            Status::MaxIterations => 3,
            Status::NumericalError => 4,
            Status::AlmostSolved => 5,
            Status::InsufficientProgress => 6,
        }
    }

    /// The status with integer code `code`, if any.
    pub fn from_code(code: i32) -> Option<Status> {
        Some(match code {
            0 => Status::Solved,
            1 => Status::PrimalInfeasible,
            2 => Status::DualInfeasible,
            3 => Status::MaxIterations,
            4 => Status::NumericalError,
            5 => Status::AlmostSolved,
            6 => Status::InsufficientProgress,
            _ => return None,
        })
    }

    /// Whether the example has a usable solution (and so gets gradients): `Solved` or
    /// `AlmostSolved`.
    pub fn is_solved(self) -> bool {
        matches!(self, Status::Solved | Status::AlmostSolved)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Status::Solved => "solved",
            Status::PrimalInfeasible => "primal infeasible",
            Status::DualInfeasible => "dual infeasible",
            Status::MaxIterations => "max iterations",
            Status::NumericalError => "numerical error",
            Status::AlmostSolved => "almost solved",
            Status::InsufficientProgress => "insufficient progress",
        };
        f.write_str(s)
    }
}
