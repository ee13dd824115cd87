//! Investigation only (notes/s30/qbeaconf): QBEACONF with and without Ruiz, traced.
use crate::common::mm::load_all;
use optnet_runtime::{Settings, Solver};

fn run(verbose: bool, equilibrate: bool, passes: u32, only: Option<&str>) -> (u32, u32) {
    let settings = Settings {
        equilibrate,
        equilibrate_max_iter: passes,
        verbose,
        ..Settings::default()
    };
    let solver = Solver::cpu().with_settings(settings).unwrap();
    let (mut total, mut failed) = (0, 0);
    for pb in load_all() {
        if only.is_some_and(|o| o != pb.name) {
            continue;
        }
        let sol = solver.solve(&pb.qp.batch()).unwrap();
        let z = sol.z.row(0);
        let (oe, inf) = (pb.objective_error(pb.qp.objective(z)), pb.infeasibility(z));
        let ok = sol.status[0] == optnet_runtime::Status::Solved && oe <= 1e-6 && inf <= 1e-6;
        eprintln!(
            "MM {:10} {:14} it={:3} pol={:2} objerr {:8.1e} infeas {:8.1e} {}",
            pb.name,
            format!("{}", sol.status[0]),
            sol.iters[0],
            sol.polish_solves[0],
            oe,
            inf,
            if ok { "" } else { "FAIL" }
        );
        total += sol.iters[0];
        failed += u32::from(!ok);
    }
    (total, failed)
}

#[test]
#[ignore]
fn qbeaconf_trace() {
    let passes: u32 = std::env::var("X_PASSES").ok().map_or(10, |v| v.parse().unwrap());
    let name = std::env::var("X_ONLY").unwrap_or("QBEACONF".into());
    for eq in [true, false] {
        eprintln!("===== equilibrate = {eq}");
        run(true, eq, passes, Some(&name));
    }
}

#[test]
#[ignore]
fn mm_totals() {
    let passes: u32 = std::env::var("X_PASSES").ok().map_or(10, |v| v.parse().unwrap());
    let eq = std::env::var("X_NOEQ").is_err();
    let (t, f) = run(false, eq, passes, None);
    eprintln!("TOTAL equilibrate={eq} passes={passes}: {t} iterations, {f} failed");
}

#[test]
#[ignore]
fn qbeaconf_col196() {
    let pb = load_all().into_iter().find(|p| p.name == "QBEACONF").unwrap();
    let qp = &pb.qp;
    for &j in &[196usize, 194, 135, 133] {
        let gi: Vec<usize> = (0..qp.G.nrows()).filter(|&i| qp.G[[i, j]] != 0.0).collect();
        let ai: Vec<usize> = (0..qp.A.nrows()).filter(|&i| qp.A[[i, j]] != 0.0).collect();
        eprintln!("col {j}: q {} Qdiag {} G rows {:?} (G {:?} h {:?} row nnz {:?}) A rows {} amax {:.3e} amin {:.3e}",
            qp.q[j], qp.Q[[j, j]], gi, gi.iter().map(|&i| qp.G[[i, j]]).collect::<Vec<_>>(), gi.iter().map(|&i| qp.h[i]).collect::<Vec<_>>(),
            gi.iter().map(|&i| (0..qp.G.ncols()).filter(|&k| qp.G[[i, k]] != 0.0).count()).collect::<Vec<_>>(),
            ai.len(), ai.iter().map(|&i| qp.A[[i, j]].abs()).fold(0.0, f64::max), ai.iter().map(|&i| qp.A[[i, j]].abs()).fold(f64::INFINITY, f64::min));
    }
    for eq in [true, false] {
        let solver = Solver::cpu().with_settings(Settings { equilibrate: eq, ..Settings::default() }).unwrap();
        let sol = solver.solve(&qp.batch()).unwrap();
        for &j in &[196usize, 194, 135, 133] {
            let gi: Vec<usize> = (0..qp.G.nrows()).filter(|&i| qp.G[[i, j]] != 0.0).collect();
            eprintln!("eq={eq} it={} z[{j}] {:.6e}  s {:?} λ {:?}", sol.iters[0], sol.z[[0, j]],
                gi.iter().map(|&i| sol.s[[0, i]]).collect::<Vec<_>>(), gi.iter().map(|&i| sol.lam[[0, i]]).collect::<Vec<_>>());
        }
        let nfree = (0..qp.G.nrows()).filter(|&i| sol.s[[0, i]] > 1e-6 && sol.lam[[0, i]] < 1e-6).count();
        let nact = (0..qp.G.nrows()).filter(|&i| sol.s[[0, i]] <= 1e-6 && sol.lam[[0, i]] >= 1e-6).count();
        let ndeg = (0..qp.G.nrows()).filter(|&i| sol.s[[0, i]] <= 1e-6 && sol.lam[[0, i]] < 1e-6).count();
        eprintln!("eq={eq}: inactive {nfree} active {nact} weakly active (s, λ both < 1e-6) {ndeg}");
    }
}
