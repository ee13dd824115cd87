//! The Maros–Meszaros problems that fit the CUDA backend (since session 17 all 44: those
//! whose reduced KKT matrix exceeds shared memory, n + m up to 402, run the K-global module),
//! solved on the GPU and compared with the reference objectives and the CPU.
//! The test requires every problem solved to 1e-6 (objective and feasibility) at the default
//! settings (Ruiz equilibration on the GPU since session 18), no answer reported `Solved`
//! that is wrong, and prints the table.
//! Polishing skips an attempt that would repeat the last failed one (notes/ALGORITHM.md §4b) on
//! the GPU as on the CPU: the problems where the CPU's skip saves solves take no more on the GPU.
//! Prints a skip reason and passes when no CUDA device is present.

use crate::common::mm::{load_all, POLISH_SKIP_MOST};
use optnet_runtime::{Error, Solver, Status};

/// Every problem that fits the GPU kernel is solved there as on the CPU.
#[test]
fn maros_meszaros_on_gpu() {
    let g = match Solver::cuda(0) {
        Ok(s) => s,
        Err(e) => {
            println!("skipped: no usable CUDA device ({e})");
            return;
        }
    };
    let (mut fit, mut ok, mut unsolved) = (0, 0, 0);
    let (mut solves_gpu, mut solves_cpu) = (0, 0);
    // Polishing solves at most where the skip applies, as on the CPU.
    let most = POLISH_SKIP_MOST;
    let mut too_many = Vec::new();
    for pb in load_all() {
        let qp = pb.qp.batch();
        let sol = match g.solve(&qp) {
            Ok(s) => s,
            // Only the size limits (shared memory for the vectors) may turn a problem away: any
            // other CUDA error (a failed launch, an illegal address) fails the test.
            Err(e @ Error::CudaTooLarge { .. }) => {
                let msg = e.to_string();
                println!(
                    "{:10} n {:4} m {:4} p {:4}: does not fit ({msg})",
                    pb.name,
                    pb.qp.n(),
                    pb.qp.m(),
                    pb.qp.p()
                );
                continue;
            }
            Err(e) => panic!("{}: {e}", pb.name),
        };
        fit += 1;
        let cpu = Solver::cpu().solve(&qp).unwrap();
        let z = sol.z.row(0);
        let (oe, inf) = (pb.objective_error(pb.qp.objective(z)), pb.infeasibility(z));
        let good = oe < 1e-6 && inf < 1e-6;
        println!(
            "{:10} n {:4} m {:4} p {:4}: gpu {} ({} it, {} polishing solves) obj err {oe:.1e} infeas {inf:.1e}; cpu {} ({} it, {} polishing solves)",
            pb.name,
            pb.qp.n(),
            pb.qp.m(),
            pb.qp.p(),
            sol.status[0],
            sol.iters[0],
            sol.polish_solves[0],
            cpu.status[0],
            cpu.iters[0],
            cpu.polish_solves[0]
        );
        solves_gpu += sol.polish_solves[0];
        solves_cpu += cpu.polish_solves[0];
        if let Some(&(_, k)) = most.iter().find(|(name, _)| *name == pb.name) {
            if sol.polish_solves[0] > k {
                too_many.push(format!(
                    "{}: {} (at most {k})",
                    pb.name, sol.polish_solves[0]
                ));
            }
        }
        if sol.status[0] == Status::Solved {
            assert!(
                good,
                "{}: reported solved but obj err {oe:e}, infeasibility {inf:e}",
                pb.name
            );
            ok += 1;
        } else {
            unsolved += 1;
        }
    }
    println!(
        "Maros–Meszaros on the GPU: {fit} of 44 fit, {ok} solved to 1e-6, {unsolved} not solved; polishing solves {solves_gpu} (CPU {solves_cpu})"
    );
    // Every problem solved, as on the CPU (44 of 44 on the H200 since session 17; session 20's
    // trial start left CVXQP3_S `AlmostSolved` and this test, which only printed it, passed).
    assert_eq!(
        unsolved, 0,
        "{unsolved} Maros–Meszaros problems not solved on the GPU"
    );
    assert!(
        too_many.is_empty(),
        "polishing solves on the GPU: {}",
        too_many.join(", ")
    );
}
