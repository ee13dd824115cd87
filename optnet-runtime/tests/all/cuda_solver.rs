//! GPU against CPU: solutions, statuses and gradients of the CUDA backend on the problem
//! families of the CPU tests. Every test prints a skip reason and passes when no CUDA device
//! or driver is present (CI only compiles these).
use crate::common::*;
use ndarray::{Array1, Array2, Axis};
use optnet_runtime::{
    Error, QpBatch, QpGrad, Real, Settings, Solution, Solver, Specialization, Status, Term,
};

/// The CUDA solver on device 0, or `None` (with the reason printed) when there is none.
fn gpu() -> Option<Solver> {
    match Solver::cuda(0) {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(
                matches!(e, Error::Cuda(_)),
                "expected Error::Cuda, got {e:?}"
            );
            println!("skipped: no usable CUDA device ({e})");
            None
        }
    }
}

/// Whether the f32-arithmetic kernel solves f32 batches (`OPTNET_CUDA_F32_ARITHMETIC=f32`, an
/// experiment; by default f32 data are solved in f64 arithmetic).
fn f32_kernel() -> bool {
    std::env::var("OPTNET_CUDA_F32_ARITHMETIC").is_ok_and(|v| v == "f32")
}

/// Compares statuses, and z, λ, ν, objective of solved examples.
fn compare(label: &str, gpu: &Solution<f64>, cpu: &Solution<f64>, tol: f64) {
    assert_eq!(gpu.status, cpu.status, "{label}: statuses differ");
    let mut worst = 0.0f64;
    for e in 0..gpu.batch() {
        if !cpu.status[e].is_solved() {
            continue;
        }
        let ez = scaled_diff(gpu.z.row(e), cpu.z.row(e));
        let el = scaled_diff(gpu.lam.row(e), cpu.lam.row(e));
        let en = scaled_diff(gpu.nu.row(e), cpu.nu.row(e));
        let eo = (gpu.objective[e] - cpu.objective[e]).abs() / cpu.objective[e].abs().max(1.0);
        worst = worst.max(ez).max(el).max(en).max(eo);
    }
    let it_g: u32 = gpu.iters.iter().sum();
    let it_c: u32 = cpu.iters.iter().sum();
    println!(
        "{label}: batch {} statuses {:?} max rel err {worst:.2e} (iters gpu {it_g}, cpu {it_c})",
        gpu.batch(),
        count(&gpu.status)
    );
    assert!(
        worst < tol,
        "{label}: GPU and CPU differ by {worst:e} > {tol:e}"
    );
}

/// Solves `qp` on the GPU `g` and on the CPU and [`compare`]s the two; returns both.
fn against_cpu(
    label: &str,
    g: &Solver,
    qp: &QpBatch<'_, f64>,
    tol: f64,
) -> (Solution<f64>, Solution<f64>) {
    let sg = g.solve(qp).unwrap();
    let sc = Solver::cpu().solve(qp).unwrap();
    compare(label, &sg, &sc, tol);
    (sg, sc)
}

/// Example 0 of a stacked batch solved by Clarabel, against the GPU's answer `sol`: asserts
/// max |Δz| / max(1, ‖z‖∞) < 1e-6 and returns it.
fn first_against_clarabel(label: &str, s: &Stack, sol: &Solution<f64>) -> f64 {
    let rf = clarabel(
        s.Q.index_axis(Axis(0), 0),
        s.q.row(0),
        s.A.index_axis(Axis(0), 0),
        s.b.row(0),
        s.G.index_axis(Axis(0), 0),
        s.h.row(0),
    );
    let err = scaled_diff(sol.z.row(0), rf.z.view());
    assert!(err < 1e-6, "{label}: GPU vs Clarabel {err:e}");
    err
}

/// The backward passes of the GPU's and the CPU's solutions of `qp` for ∂ℓ/∂z = `dl`: the
/// GPU's gradients and their [`grad_err`] from the CPU's (printed).
fn gradients_against_cpu(
    label: &str,
    g: &Solver,
    qp: &QpBatch<'_, f64>,
    (sg, sc): (&Solution<f64>, &Solution<f64>),
    dl: &Array2<f64>,
) -> (QpGrad<f64>, f64) {
    let gg = g.backward(qp, sg, dl.view()).unwrap();
    let gc = Solver::cpu().backward(qp, sc, dl.view()).unwrap();
    let err = grad_err(&gg, &gc);
    println!("{label}: gradients, GPU vs CPU, max rel err {err:.2e}");
    (gg, err)
}

/// `s`'s batched Q and q with `base`'s A and G shared by the batch and per-example b, h.
fn a_g_shared<'a>(
    s: &'a Stack,
    base: &'a Qp,
    (b, h): (&'a Array2<f64>, &'a Array2<f64>),
) -> QpBatch<'a, f64> {
    QpBatch::builder()
        .Q(s.Q.view())
        .q(s.q.view())
        .A(base.A.view())
        .b(b.view())
        .G(base.G.view())
        .h(h.view())
        .build()
        .unwrap()
}

/// `base`'s Q, A and G shared by the batch (a layer's learned matrices) with per-example q, b
/// and h.
fn matrices_shared<'a>(
    base: &'a Qp,
    q: &'a Array2<f64>,
    (b, h): (&'a Array2<f64>, &'a Array2<f64>),
) -> QpBatch<'a, f64> {
    QpBatch::builder()
        .Q(base.Q.view())
        .q(q.view())
        .A(base.A.view())
        .b(b.view())
        .G(base.G.view())
        .h(h.view())
        .build()
        .unwrap()
}

/// Per-example right-hand sides for `base`'s shared A and G: b = A z₀ and h = G z₀ + 1 for
/// random z₀ (feasible, with slack 1), `batch` of them.
fn feasible_rhs(base: &Qp, batch: usize, r: &mut rand::rngs::StdRng) -> (Array2<f64>, Array2<f64>) {
    let z0 = randn(r, (batch, base.Q.nrows()));
    (z0.dot(&base.A.t()), z0.dot(&base.G.t()) + 1.0)
}

fn count(st: &[Status]) -> Vec<(Status, usize)> {
    let mut out: Vec<(Status, usize)> = Vec::new();
    for &s in st {
        match out.iter_mut().find(|(k, _)| *k == s) {
            Some((_, c)) => *c += 1,
            None => out.push((s, 1)),
        }
    }
    out
}

fn family(seed: u64, batch: usize, n: usize, m: usize, p: usize, rank: usize) -> Vec<Qp> {
    let mut r = rng(seed);
    (0..batch)
        .map(|_| random_qp(&mut r, n, m, p, rank, 1e-3))
        .collect()
}

#[test]
fn random_batched_matches_cpu() {
    let Some(g) = gpu() else { return };
    for &(n, m, p) in &[
        (5, 0, 0),
        (10, 3, 0),
        (10, 0, 15),
        (20, 5, 30),
        (50, 10, 60),
        (100, 0, 100),
        (64, 32, 64),
        // n + m = 138, the largest reduced matrix that fits an H100/H200's shared memory in
        // f64; below 256 threads (`OPTNET_CUDA_THREADS`) its factorization takes its rows in
        // two rounds.
        (110, 28, 40),
    ] {
        let s = stack(&family(n as u64 * 7 + p as u64, 12, n, m, p, n));
        let label = format!("random n={n} m={m} p={p}");
        let (sg, _) = against_cpu(&label, &g, &s.batch(), 1e-6);
        first_against_clarabel(&label, &s, &sg);
    }
}

/// `Settings::polish` on the GPU: without it the kernel's interior point answers agree with
/// the CPU's without it (1e-6, as the other families); with it both polish, to the same exact
/// answers (1e-9) and with complementarity exact (λᵢsᵢ = 0) on both; and with the iteration
/// limit set to the most iterations an example took before polishing on either backend, every
/// example still ends polished on both (the attempt comes before the limit on both).
#[test]
fn polishing_on_and_off_matches_cpu() {
    let Some(_) = gpu() else { return };
    let s = stack(&family(77, 24, 40, 4, 50, 40));
    let qp = s.batch();
    let with = |polish: bool, max_iter: u32| Settings {
        polish,
        max_iter,
        ..Settings::default()
    };
    let run = |label: &str, st: Settings, tol: f64| {
        let sg = Solver::cuda(0)
            .unwrap()
            .with_settings(st.clone())
            .unwrap()
            .solve(&qp)
            .unwrap();
        let sc = Solver::cpu()
            .with_settings(st.clone())
            .unwrap()
            .solve(&qp)
            .unwrap();
        compare(label, &sg, &sc, tol);
        if st.polish {
            for sol in [&sg, &sc] {
                assert!(sol.status.iter().all(|x| *x == Status::Solved), "{label}");
                assert!(
                    sol.lam.iter().zip(sol.s.iter()).all(|(l, s)| l * s == 0.0),
                    "{label}: complementarity not exact"
                );
            }
        }
        sg.iters.iter().chain(&sc.iters).copied().max().unwrap()
    };
    run("polish off", with(false, 100), 1e-6);
    let most = run("polish on", with(true, 100), 1e-9);
    run(&format!("polish on, limit {most}"), with(true, most), 1e-9);
}

#[test]
fn shared_data_matches_cpu() {
    let Some(g) = gpu() else { return };
    let (n, m, p, batch) = (30, 5, 40, 20);
    let base = &family(11, 1, n, m, p, n)[0];
    let mut r = rng(12);
    // Shared Q, A, G; per-example q, b (= A z0) and h (= G z0 + s0).
    let q = randn(&mut r, (batch, n));
    let (b, h) = feasible_rhs(base, batch, &mut r);
    let qp = matrices_shared(base, &q, (&b, &h));
    against_cpu("shared Q, A, G", &g, &qp, 1e-6);
    // Everything shared: one problem repeated.
    let qp = QpBatch::builder()
        .Q(base.Q.view())
        .q(base.q.view())
        .G(base.G.view())
        .h(base.h.view())
        .batch_size(5)
        .build()
        .unwrap();
    against_cpu("all shared", &g, &qp, 1e-6);
}

#[test]
fn lp_singular_and_equality_only() {
    let Some(g) = gpu() else { return };
    // LP: Q = 0 with box constraints −1 ≤ z ≤ 1 and random rows.
    let (n, batch) = (20, 8);
    let mut r = rng(21);
    let mut qps = Vec::new();
    for _ in 0..batch {
        let extra = randn(&mut r, (10, n));
        let G = ndarray::concatenate![Axis(0), Array2::eye(n), -Array2::<f64>::eye(n), extra];
        let h = Array1::from_elem(2 * n + 10, 1.0)
            + Array1::from_shape_fn(2 * n + 10, |i| if i >= 2 * n { 5.0 } else { 0.0 });
        qps.push(Qp {
            Q: Array2::zeros((n, n)),
            q: randn1(&mut r, n),
            A: Array2::zeros((0, n)),
            b: Array1::zeros(0),
            G,
            h,
        });
    }
    against_cpu("LP", &g, &stack(&qps).batch(), 1e-6);
    // Singular Q (rank 3) with inequalities.
    let s = stack(&family(22, 8, 25, 0, 40, 3));
    against_cpu("singular Q (rank 3)", &g, &s.batch(), 1e-6);
    // Equality constraints only.
    let s = stack(&family(23, 8, 30, 10, 0, 30));
    against_cpu("equality only", &g, &s.batch(), 1e-6);
}

/// The CPU's fuzzing regressions (`fuzz_input::regressions_found_by_fuzzing`) on the GPU, each
/// with the CPU's status: an LP unbounded along Az = 0 ends dual infeasible and an inconsistent
/// equality (a zero row of A with b ≠ 0) primal infeasible, neither `Solved`. (On the CPU the
/// second was reported `Solved` while its primal residual was relative to ‖z‖; the GPU's kernel
/// kept that measure until session 29, but its iterates reach the certificate first, in three
/// iterations on session 28's kernel as on this one; the test that tells the two measures
/// apart is `primal_residual_is_relative_to_what_the_constraints_see`.)
#[test]
fn fuzzing_regressions_end_as_on_the_cpu() {
    let Some(g) = gpu() else { return };
    let cpu = Solver::cpu();
    let (lp, inconsistent) = (fuzz_unbounded_lp(), fuzz_inconsistent_equality());
    for (label, qp) in [
        ("unbounded LP", &lp),
        ("inconsistent equality", &inconsistent),
    ] {
        let (sg, sc) = (g.solve(qp).unwrap(), cpu.solve(qp).unwrap());
        println!(
            "{label}: gpu {} after {} iterations (z {:?}), cpu {}",
            sg.status[0],
            sg.iters[0],
            sg.z.row(0).to_vec(),
            sc.status[0]
        );
        assert_ne!(sg.status[0], Status::Solved, "{label}");
        assert_eq!(sg.status[0], sc.status[0], "{label}");
    }
}

/// The primal residual is relative to ‖(Az, Gz)‖, not ‖z‖, on the GPU as on the CPU
/// (notes/ALGORITHM.md §5): a QP whose solution is large along a direction no constraint sees
/// (z₀ = 1/ε with Q₀₀ = ε, up to 10⁶ here) reports the CPU's primal residual at its last iterate
/// (polishing off, so that the residual is the interior point method's own, about 1e-15), within
/// a factor 100 (the last iterates differ by rounding). Until session 29 the kernel divided by
/// ‖z‖ and reported 1e-20, 10⁵ times less than the CPU.
#[test]
fn primal_residual_is_relative_to_what_the_constraints_see() {
    let Some(g) = gpu() else { return };
    let st = Settings {
        polish: false,
        ..Settings::default()
    };
    let g = g.with_settings(st.clone()).unwrap();
    let cpu = Solver::cpu().with_settings(st).unwrap();
    for eps in [1e-4f64, 1e-6] {
        let qp = QpBatch::builder()
            .Q(ndarray::array![
                [eps, 0.0, 0.0],
                [0.0, 1.0, 0.0],
                [0.0, 0.0, 1.0]
            ])
            .q(ndarray::array![-1.0, 0.3, -0.2])
            .A(ndarray::array![[0.0, 1.0, 1.0]])
            .b(ndarray::array![1.0])
            .G(ndarray::array![[0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])
            .h(ndarray::array![0.0, 0.0])
            .build()
            .unwrap();
        let (sg, sc) = (g.solve(&qp).unwrap(), cpu.solve(&qp).unwrap());
        let (rg, rc) = (sg.res_primal[0], sc.res_primal[0]);
        println!(
            "Q00 = {eps:e}: gpu {} after {} iterations, primal residual {rg:.3e}; cpu {} after {}, {rc:.3e}; z0 {:.6e}",
            sg.status[0], sg.iters[0], sc.status[0], sc.iters[0], sg.z[[0, 0]]
        );
        assert_eq!(
            (sg.status[0], sc.status[0]),
            (Status::Solved, Status::Solved)
        );
        assert!(
            (sg.z[[0, 0]] * eps - 1.0).abs() < 1e-6,
            "z0 = {}",
            sg.z[[0, 0]]
        );
        assert!(
            rg > rc / 100.0 && rg < rc * 100.0,
            "Q00 = {eps:e}: the GPU's primal residual {rg:e} against the CPU's {rc:e}"
        );
    }
}

/// The GPU ends extreme problems whose answers overflow as the CPU does, `NumericalError`, never
/// solved with values that are not finite (cpu/mod.rs `check_answer`, whose finiteness check the
/// kernel's output makes since session 29): Az = b with b near the largest double and a small
/// entry of A. Both backends end all five `NumericalError` (the GPU through its own breakdown
/// path). The last (A = [0.5, −4.12], b = f64::MAX) is an LP unbounded along z₁ whose
/// unboundedness the overflow hides: the GPU until session 30, and the CPU with ε·c (session
/// 30's run 2), reported it `Solved` at the start's regularized solve, z ≈ (1.3e308, −2.7e307),
/// whose dual residual looked tiny relative to ‖z‖; since the dual residual is relative to its
/// own terms (session 30), neither does. No case here reaches the output check itself, which
/// stays for parity.
#[test]
fn answers_that_overflow_are_not_solved() {
    let Some(g) = gpu() else { return };
    let cpu = Solver::cpu();
    for (a, b) in [
        (1e-3, 1e306),
        (1e-2, 1e307),
        (1e-1, f64::MAX),
        (1e-4, 1e305),
        (0.5, f64::MAX),
    ] {
        let qp = fuzz_overflowing_equality(a, b);
        let (sg, sc) = (g.solve(&qp).unwrap(), cpu.solve(&qp).unwrap());
        println!(
            "A = [{a:e}, −4.12], b = {b:e}: gpu {} (z {:?}, objective {:e}), cpu {} (z {:?})",
            sg.status[0],
            sg.z.row(0).to_vec(),
            sg.objective[0],
            sc.status[0],
            sc.z.row(0).to_vec()
        );
        assert_eq!(sg.status[0], sc.status[0], "b = {b:e}: statuses differ");
        assert_eq!(sc.status[0], Status::NumericalError, "b = {b:e}");
    }
}

/// ‖(Az − b, Gz + s − h)‖∞ / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞, ‖s‖∞) of example `e`'s answer in
/// `qp`'s own arrays: the measure of the CPU's `check_answer`, computed here.
fn answer_residual(qp: &Qp, sol: &Solution<f64>, e: usize) -> f64 {
    let (z, s) = (sol.z.row(e), sol.s.row(e));
    let (Az, Gz) = (qp.A.dot(&z), qp.G.dot(&z));
    let r = nan_max(max_abs(&(&Az - &qp.b)), max_abs(&(&Gz + &s - &qp.h)));
    let scale = max_abs(qp.b.iter().chain(&qp.h))
        .max(max_abs(Az.iter().chain(&Gz)))
        .max(max_abs(s));
    r / scale.max(1.0)
}

/// The settings of [`solved_answers_are_rechecked_in_the_original_data`], and whether every
/// example ends solved by the loop before the check: the loop's tolerances loose (`tol_feas`
/// 1e-2, the gaps 1e-1, polishing off, so that the interior point method stops early, with
/// primal residuals from about 1e-9 to 1e-2) and the reduced feasibility tolerance 1e-4 inside
/// that range, with and without equilibration; and the iteration limit at 3 with the reduced
/// tolerances at 10 (gap) and 1e-2 (feasibility), so that examples end almost solved (the
/// kernel's output multiplies by A and G again for those).
fn recheck_settings() -> [(&'static str, Settings, bool); 3] {
    let loose = |equilibrate| Settings {
        tol_feas: 1e-2,
        tol_gap_abs: 1e-1,
        tol_gap_rel: 1e-1,
        reduced_tol_feas: 1e-4,
        polish: false,
        equilibrate,
        ..Settings::default()
    };
    let capped = Settings {
        max_iter: 3,
        reduced_tol_gap: 10.0,
        reduced_tol_feas: 1e-2,
        polish: false,
        ..Settings::default()
    };
    [
        ("loose", loose(true), true),
        ("loose, not equilibrated", loose(false), true),
        ("three iterations", capped, false),
    ]
}

/// `s` solved by `solver` under `st` (the solver with those settings, for its backward pass),
/// with each example's [`answer_residual`].
fn answers_of(
    solver: &Solver,
    qps: &[Qp],
    s: &Stack,
    st: &Settings,
) -> (Solver, Solution<f64>, Vec<f64>) {
    let solver = solver.clone().with_settings(st.clone()).unwrap();
    let sol = solver.solve(&s.batch()).unwrap();
    let res = (0..qps.len())
        .map(|e| answer_residual(&qps[e], &sol, e))
        .collect();
    (solver, sol, res)
}

/// The GPU rechecks a solved answer's primal residual in the original units, as the CPU's
/// `check_answer` does (cpu/mod.rs, since 2026-11-23; the kernel's output pass since session 30).
/// With the loop's tolerances loose and the reduced tolerance 1e-4 inside the range of the
/// residuals it stops at ([`recheck_settings`]), an example whose answer's residual (computed
/// here from the returned z, s and the QP's own arrays) is above 1e-4 ends `NumericalError` and
/// one below it stays solved, on both backends, and both classes occur; capped at three
/// iterations (reduced tolerance 1e-2), no answer above it is reported solved and some end almost
/// solved. The GPU's statuses are the CPU's where the residual is not within a factor 2 of the
/// tolerance (the backends' last iterates differ by rounding). The GPU's backward pass, which
/// reads the statuses on the device, gives the demoted examples zero gradients (as the CPU's)
/// and the others the CPU's. One batch takes the one-block kernel, one the two-block kernels.
/// Session 29's kernel reported every loosely solved example solved (run 1).
#[test]
fn solved_answers_are_rechecked_in_the_original_data() {
    let Some(g) = gpu() else { return };
    // 48: the one-block kernel; 160: the two-block kernels (a narrow module at n + m = 35).
    for batch in [48, 160] {
        let qps = family(303, batch, 30, 5, 40, 30);
        for (label, st, all_solved) in recheck_settings() {
            recheck_case(
                &format!("batch {batch}, {label}"),
                &g,
                &qps,
                &st,
                all_solved,
            );
        }
    }
}

/// One batch and settings of [`solved_answers_are_rechecked_in_the_original_data`]: `qps` on
/// the GPU `g` and on the CPU under `st`; `all_solved`: whether the loop solves every example.
fn recheck_case(label: &str, g: &Solver, qps: &[Qp], st: &Settings, all_solved: bool) {
    let reduced = st.reduced_tol_feas;
    let s = stack(qps);
    let dl = randn(&mut rng(304), (qps.len(), 30));
    let (g, sg, rg) = answers_of(g, qps, &s, st);
    let (c, sc, rc) = answers_of(&Solver::cpu(), qps, &s, st);
    let mut demoted = 0;
    for e in 0..qps.len() {
        for (who, st, r) in [("gpu", sg.status[e], rg[e]), ("cpu", sc.status[e], rc[e])] {
            if r > reduced {
                assert!(
                    !st.is_solved(),
                    "{label}: {who} example {e}: {st}, residual {r:e}"
                );
                if all_solved {
                    assert_eq!(st, Status::NumericalError, "{label}: {who} example {e}");
                }
            } else if all_solved {
                assert!(
                    st.is_solved(),
                    "{label}: {who} example {e}: {st}, residual {r:e}"
                );
            }
        }
        if !(rc[e] > reduced / 2.0 && rc[e] < reduced * 2.0) {
            assert_eq!(
                sg.status[e], sc.status[e],
                "{label}: example {e}: statuses differ"
            );
        }
        demoted += usize::from(sg.status[e] == Status::NumericalError);
    }
    let (lo, hi) = rg
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    println!(
        "{label}: gpu {:?}, cpu {:?}, residuals {lo:.1e}…{hi:.1e}",
        count(&sg.status),
        count(&sc.status)
    );
    if all_solved {
        assert!(
            demoted > 0 && demoted < qps.len(),
            "{label}: both classes should occur: {demoted} of {} demoted",
            qps.len()
        );
    } else {
        assert!(
            sg.status.contains(&Status::AlmostSolved),
            "{label}: no example almost solved"
        );
    }
    let gg = g.backward(&s.batch(), &sg, dl.view()).unwrap();
    let gc = c.backward(&s.batch(), &sc, dl.view()).unwrap();
    let (Term::Batched(dq_g), Term::Batched(dq_c)) = (&gg.dq, &gc.dq) else {
        panic!("batched q, batched dq")
    };
    let mut worst = 0.0f64;
    for e in 0..qps.len() {
        let (rg, rc) = (dq_g.row(e), dq_c.row(e));
        if !sg.status[e].is_solved() {
            assert!(
                rg.iter().all(|&x| x == 0.0),
                "{label}: example {e}: {}, dq ≠ 0",
                sg.status[e]
            );
        } else {
            assert!(
                rg.iter().any(|&x| x != 0.0),
                "{label}: example {e}: solved, dq = 0"
            );
            if sg.status[e] == sc.status[e] && sg.iters[e] == sc.iters[e] {
                worst = worst.max(scaled_diff(rg, rc));
            }
        }
    }
    println!("  dq of the solved examples, GPU vs CPU: {worst:.1e}");
    assert!(worst < 1e-6, "{label}: dq GPU vs CPU {worst:e}");
}

#[test]
fn infeasible_and_unbounded_members() {
    let Some(g) = gpu() else { return };
    let n = 6;
    let mut r = rng(31);
    let mut qps = family(32, 4, n, 0, 8, n);
    // Primal infeasible: z₀ ≤ −1 and −z₀ ≤ −1.
    let mut G = randn(&mut r, (8, n));
    G.row_mut(0).fill(0.0);
    G.row_mut(1).fill(0.0);
    G[[0, 0]] = 1.0;
    G[[1, 0]] = -1.0;
    let mut h = Array1::from_elem(8, 10.0);
    h[0] = -1.0;
    h[1] = -1.0;
    qps[1] = Qp {
        Q: Array2::eye(n),
        q: randn1(&mut r, n),
        A: Array2::zeros((0, n)),
        b: Array1::zeros(0),
        G,
        h,
    };
    // Dual infeasible (unbounded): an LP whose only constraints leave z₀ free downwards.
    let mut G = Array2::zeros((8, n));
    for i in 0..n.min(8) {
        if i > 0 {
            G[[i, i]] = -1.0;
        }
    }
    let mut q = Array1::from_elem(n, 1.0);
    q[0] = 1.0;
    G[[7, 0]] = 1.0; // z₀ ≤ 1 only: minimizing z₀ is unbounded below.
    qps[2] = Qp {
        Q: Array2::zeros((n, n)),
        q,
        A: Array2::zeros((0, n)),
        b: Array1::zeros(0),
        G,
        h: Array1::from_elem(8, 1.0),
    };
    let s = stack(&qps);
    let qp = QpBatch::builder()
        .Q(s.Q.view())
        .q(s.q.view())
        .G(s.G.view())
        .h(s.h.view())
        .check_psd(false)
        .build()
        .unwrap();
    let sg = g.solve(&qp).unwrap();
    let sc = Solver::cpu().solve(&qp).unwrap();
    println!(
        "infeasible/unbounded members: gpu {:?} cpu {:?}",
        sg.status, sc.status
    );
    assert_eq!(sg.status[1], Status::PrimalInfeasible);
    assert_eq!(sg.status[2], Status::DualInfeasible);
    compare("infeasible and unbounded members", &sg, &sc, 1e-6);
    // The same batch in f32, whose directions are refined only on the way to a certificate
    // (κ/τ > 100, `Settings::refinement_kt_ratio`): the same statuses.
    let s32 = s.map(|x| x as f32);
    let qp32 = QpBatch::builder()
        .Q(s32.Q.view())
        .q(s32.q.view())
        .G(s32.G.view())
        .h(s32.h.view())
        .check_psd(false)
        .build()
        .unwrap();
    let st32 = g.solve(&qp32).unwrap().status;
    println!("the same in f32: gpu {st32:?}");
    assert_eq!(st32[1], Status::PrimalInfeasible);
    assert_eq!(st32[2], Status::DualInfeasible);
    // (The f32 kernel, an experiment, ends one of them `AlmostSolved`.)
    let f32k = f32_kernel();
    for i in [0, 3] {
        assert!(
            st32[i] == Status::Solved || (f32k && st32[i].is_solved()),
            "example {i}: {}",
            st32[i]
        );
    }
}

/// Eight random QPs (n = 20, m = 4, p = 30) with the rows of G and h over six orders of
/// magnitude and Q scaled by 1e-3.
fn badly_scaled() -> Vec<Qp> {
    let mut qps = family(41, 8, 20, 4, 30, 20);
    let mut r = rng(42);
    for qp in qps.iter_mut() {
        for i in 0..qp.G.nrows() {
            let f = 10f64.powf(r.random_range(-3.0..3.0));
            qp.G.row_mut(i).mapv_inplace(|x| x * f);
            qp.h[i] *= f;
        }
        qp.Q.mapv_inplace(|x| x * 1e-3);
    }
    qps
}

#[test]
fn bad_scaling() {
    let Some(g) = gpu() else { return };
    against_cpu("bad scaling", &g, &stack(&badly_scaled()).batch(), 1e-5);
}

/// `Settings::equilibrate` on the GPU (`ruiz.cu`): on badly scaled data, with and without it,
/// the GPU's statuses and answers agree with the CPU's under the same settings; with it (the
/// CPU's scalings) the GPU takes about the CPU's iterations, far fewer than without it;
/// example 0 agrees with Clarabel, and the gradients with the CPU's. Also with A and G shared
/// by the batch (each example equilibrated on its own copy), and with Q, A and G shared (one
/// copy of the scaled matrices for the batch).
#[test]
fn equilibration_matches_cpu() {
    let Some(_) = gpu() else { return };
    let s = stack(&badly_scaled());
    let qp = s.batch();
    let solvers = |equilibrate: bool| {
        let st = Settings {
            equilibrate,
            ..Settings::default()
        };
        (
            Solver::cuda(0).unwrap().with_settings(st.clone()).unwrap(),
            Solver::cpu().with_settings(st).unwrap(),
        )
    };
    let (g_on, c_on) = solvers(true);
    let (g_off, c_off) = solvers(false);
    let (sg, sc) = (g_on.solve(&qp).unwrap(), c_on.solve(&qp).unwrap());
    compare("equilibrated", &sg, &sc, 1e-5);
    let (og, oc) = (g_off.solve(&qp).unwrap(), c_off.solve(&qp).unwrap());
    compare("not equilibrated", &og, &oc, 1e-5);
    // Iterations in all: the GPU's within 10 % of the CPU's, and under 3/4 of its own without
    // equilibration (session 18, H200: 73 against the CPU's 76; 143 without, the CPU 141).
    // Examples differ by a few either way, as in the other families (rounding decides
    // when polishing succeeds).
    let total = |s: &Solution<f64>| s.iters.iter().sum::<u32>() as f64;
    assert!(
        (total(&sg) - total(&sc)).abs() <= 0.1 * total(&sc),
        "equilibrated: {} GPU iterations against the CPU's {}",
        total(&sg),
        total(&sc)
    );
    assert!(
        total(&sg) < 0.75 * total(&og),
        "equilibrated {} iterations, without {}",
        total(&sg),
        total(&og)
    );
    first_against_clarabel("equilibrated", &s, &sg);
    let dl = Array2::from_elem((qp.batch(), qp.n()), 1.0);
    let (_, err) = gradients_against_cpu("equilibrated", &g_on, &qp, (&sg, &sc), &dl);
    assert!(err < 1e-6, "equilibrated: gradients differ by {err:e}");
    // Shared matrices, equilibrated on both backends: statuses and answers within 1e-5 of the
    // CPU's, gradients within 1e-6.
    let shared_against_cpu = |label: &str, qp: &QpBatch<'_, f64>| {
        let (sg, sc) = (g_on.solve(qp).unwrap(), c_on.solve(qp).unwrap());
        compare(label, &sg, &sc, 1e-5);
        let dl = Array2::from_elem((qp.batch(), qp.n()), 1.0);
        let (_, err) = gradients_against_cpu(label, &g_on, qp, (&sg, &sc), &dl);
        assert!(err < 1e-6, "{label}: gradients differ by {err:e}");
    };
    // A and G shared: every example's own scaling of them.
    let base = &badly_scaled()[0];
    let rhs = feasible_rhs(base, 6, &mut rng(43));
    let sub = stack(&badly_scaled()[..6]);
    let shared = a_g_shared(&sub, base, (&rhs.0, &rhs.1));
    shared_against_cpu("equilibrated, A and G shared", &shared);
    // Q, A and G shared (a layer's learned matrices, batched q, b, h): one scaling of the
    // matrices for the whole batch, Q scaled by each example's cost scaling as the kernels
    // load it (`scaled_layout`).
    let all = matrices_shared(base, &sub.q, (&rhs.0, &rhs.1));
    shared_against_cpu("equilibrated, Q, A and G shared", &all);
}

use rand::Rng;

#[test]
fn f32_close_to_f64() {
    let Some(g) = gpu() else { return };
    let s = stack(&family(51, 16, 100, 0, 100, 100));
    let qp = s.batch();
    let s64 = Solver::cpu().solve(&qp).unwrap();
    let data32 = s.map(|x| x as f32);
    let s32 = g.solve(&data32.batch()).unwrap();
    let z32 = s32.z.mapv(|x| x as f64);
    let err = scaled_diff(z32.view(), s64.z.view());
    println!(
        "f32 GPU vs f64 CPU, n = p = 100, batch 16: statuses {:?}, max rel err in z {err:.2e}",
        count(&s32.status)
    );
    assert!(s32.status.iter().all(|s| s.is_solved()));
    // Issue 4's goal: f32 solutions within 1e-4 of f64 (`Settings::F32_GAP_FLOOR`). The f32
    // kernel (f32 arithmetic, an experiment behind OPTNET_CUDA_F32_ARITHMETIC=f32) does not
    // reach it (5.7e-4 on the H200, 2026-11-30, with one of 16 `AlmostSolved`): 1e-3 there.
    let limit = if f32_kernel() { 1e-3 } else { 1e-4 };
    assert!(err < limit, "f32 error {err:e} (limit {limit:e})");
}

/// f32 batches with equality constraints, solution and gradients: the GPU (the f64 kernel on
/// the converted data, by default) against the CPU in f64 on the same (f32-rounded) data.
/// Both stop at the f32 tolerances, so they agree to about their 1e-5; a wrong conversion of
/// the data, of ∂ℓ/∂z or of the gradients would be off by far more.
#[test]
fn f32_solutions_and_gradients_match_f64() {
    let Some(g) = gpu() else { return };
    let (batch, n, m, p) = (6, 20, 5, 30);
    let s = stack(&family(71, batch, n, m, p, n));
    // The data rounded to f32, and the same numbers in f64.
    let s32 = s.map(|x| x as f32);
    let s64 = s32.map(f64::from);
    let (qp32, qp64) = (s32.batch(), s64.batch());
    let mut r = rng(72);
    let dl = randn(&mut r, (batch, n));
    let dl32 = dl.mapv(|x| x as f32);
    let s32 = g.solve(&qp32).unwrap();
    let cpu = Solver::cpu();
    let c64 = cpu.solve(&qp64).unwrap();
    let err_z = scaled_diff(s32.z.mapv(f64::from).view(), c64.z.view());
    // The f32 kernel (f32 arithmetic, an experiment behind OPTNET_CUDA_F32_ARITHMETIC=f32) may
    // end an example `AlmostSolved` near f32's floor (one of six, sessions 30–33), as in
    // `f32_close_to_f64`; its answers and gradients must still match. (Its gradients were NaN
    // for four of these six examples until session 33, which a comparison blind to NaN passed.)
    let gpu_solved = if f32_kernel() {
        s32.status.iter().all(|s| s.is_solved())
    } else {
        s32.all_solved()
    };
    assert!(gpu_solved && c64.all_solved(), "{:?}", count(&s32.status));
    let g32 = g.backward(&qp32, &s32, dl32.view()).unwrap();
    let g64 = cpu.backward(&qp64, &c64, dl.view()).unwrap();
    let err_dq = scaled_diff(
        batched1(&Some(g32.dq.clone())).view(),
        batched1(&Some(g64.dq.clone())).view(),
    );
    let err_db = scaled_diff(batched1(&g32.db).view(), batched1(&g64.db).view());
    let err_dh = scaled_diff(batched1(&g32.dh).view(), batched1(&g64.dh).view());
    println!(
        "f32 on the GPU vs f64 on the CPU, n={n} m={m} p={p}, batch {batch}: z {err_z:.2e}, dq {err_dq:.2e}, db {err_db:.2e}, dh {err_dh:.2e}"
    );
    for (what, e) in [("z", err_z), ("dq", err_dq), ("db", err_db), ("dh", err_dh)] {
        assert!(e < 1e-2, "{what}: f32 GPU and f64 CPU differ by {e:e}");
    }
}

/// Dense solve with partial pivoting (test reference only).
fn dense_solve(mut a: Array2<f64>, mut b: Array1<f64>) -> Array1<f64> {
    let n = b.len();
    for k in 0..n {
        let piv = (k..n)
            .max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))
            .unwrap();
        for j in 0..n {
            a.swap([k, j], [piv, j]);
        }
        b.swap(k, piv);
        for i in k + 1..n {
            let f = a[[i, k]] / a[[k, k]];
            for j in k..n {
                a[[i, j]] -= f * a[[k, j]];
            }
            b[i] -= f * b[k];
        }
    }
    let mut x = Array1::zeros(n);
    for i in (0..n).rev() {
        let mut t = b[i];
        for j in i + 1..n {
            t -= a[[i, j]] * x[j];
        }
        x[i] = t / a[[i, i]];
    }
    x
}

/// The exact adjoints of example `e` from its active set (λᵢ > sᵢ): the equality-constrained
/// KKT system [Q Aᵀ G_𝒜ᵀ; A 0 0; G_𝒜 0 0](d_z, d_ν, d_λ𝒜) = (−∂ℓ/∂z, 0, 0), the limit of
/// OptNet eq. 7 at a strictly complementary solution. Returns (∂ℓ/∂q, ∂ℓ/∂b, ∂ℓ/∂h).
fn active_set_grads(
    s: &Stack,
    sol: &Solution<f64>,
    e: usize,
    dl: &Array2<f64>,
) -> (Array1<f64>, Array1<f64>, Array1<f64>) {
    let (n, m, p) = (s.q.ncols(), s.b.ncols(), s.h.ncols());
    let act: Vec<usize> = (0..p)
        .filter(|&i| sol.lam[[e, i]] > sol.s[[e, i]])
        .collect();
    let k = n + m + act.len();
    let mut K = Array2::<f64>::zeros((k, k));
    let mut rhs = Array1::<f64>::zeros(k);
    for i in 0..n {
        rhs[i] = -dl[[e, i]];
        for j in 0..n {
            K[[i, j]] = s.Q[[e, i, j]];
        }
    }
    for r in 0..m {
        for j in 0..n {
            K[[n + r, j]] = s.A[[e, r, j]];
            K[[j, n + r]] = s.A[[e, r, j]];
        }
    }
    for (a, &i) in act.iter().enumerate() {
        for j in 0..n {
            K[[n + m + a, j]] = s.G[[e, i, j]];
            K[[j, n + m + a]] = s.G[[e, i, j]];
        }
    }
    let x = dense_solve(K, rhs);
    let dq = x.slice(ndarray::s![..n]).to_owned();
    let db = x.slice(ndarray::s![n..n + m]).mapv(|v| -v);
    let mut dh = Array1::zeros(p);
    for (a, &i) in act.iter().enumerate() {
        dh[i] = -x[n + m + a];
    }
    (dq, db, dh)
}

/// A batched gradient of a vector (in f64 whatever its type).
fn batched1<T: Real>(t: &Option<Term<'static, T, ndarray::Ix1>>) -> Array2<f64> {
    match t {
        Some(Term::Batched(a)) => a.mapv(|x| x.to64()).into_dimensionality().unwrap(),
        other => panic!("expected a batched gradient, got {other:?}"),
    }
}

#[test]
fn gradients_match_active_set_reference() {
    let Some(g) = gpu() else { return };
    for &(n, m, p) in &[
        (10, 0, 15),
        (20, 5, 30),
        (100, 0, 100),
        (40, 10, 0),
        (50, 10, 60),
    ] {
        let batch = 6;
        let s = stack(&family(61 + n as u64, batch, n, m, p, n));
        let qp = s.batch();
        let mut r = rng(62);
        let dl = randn(&mut r, (batch, n));
        let sol = g.solve(&qp).unwrap();
        assert!(sol.all_solved());
        let gr = g.backward(&qp, &sol, dl.view()).unwrap();
        let dq = batched1(&Some(gr.dq.clone()));
        let mut worst = 0.0f64;
        for e in 0..batch {
            let (rq, rb, rh) = active_set_grads(&s, &sol, e, &dl);
            worst = worst.max(scaled_diff(dq.row(e), rq.view()));
            if m > 0 {
                worst = worst.max(scaled_diff(batched1(&gr.db).row(e), rb.view()));
            }
            if p > 0 {
                worst = worst.max(scaled_diff(batched1(&gr.dh).row(e), rh.view()));
            }
        }
        // The CPU backward on the same data, for the record (not asserted).
        let sc = Solver::cpu().solve(&qp).unwrap();
        let gc = Solver::cpu().backward(&qp, &sc, dl.view()).unwrap();
        let cpu_dq = batched1(&Some(gc.dq.clone()));
        println!(
            "gradients n={n} m={m} p={p}: GPU vs exact active-set adjoints (dq, db, dh) max rel err {worst:.2e}; CPU backward vs GPU dq {:.2e}",
            scaled_diff(cpu_dq.view(), dq.view())
        );
        // The interior point solution has a finite W = λ/s, so its adjoints differ from the
        // active-set limit by O(μ): about 1e-5 relative at the default tolerances.
        assert!(
            worst < 1e-4,
            "n={n} m={m} p={p}: GPU gradients differ from the reference by {worst:e}"
        );
    }
}

/// A term's values in row-major order, and whether it is shared.
fn term_values<D: ndarray::Dimension>(t: &Term<'_, f64, D>) -> (bool, Vec<f64>) {
    match t {
        Term::Shared(a) => (true, a.iter().copied().collect()),
        Term::Batched(a) => (false, a.iter().copied().collect()),
    }
}

/// max |a − b| / max(1, |b|∞) over every gradient of two backward passes (which must agree
/// on which gradients exist and which are shared).
fn grad_err(a: &QpGrad<f64>, b: &QpGrad<f64>) -> f64 {
    let pair = |x: Option<(bool, Vec<f64>)>, y: Option<(bool, Vec<f64>)>| match (x, y) {
        (None, None) => 0.0,
        (Some((sx, x)), Some((sy, y))) => {
            assert_eq!(
                (sx, x.len()),
                (sy, y.len()),
                "gradients of different shapes"
            );
            scaled_diff(ndarray::ArrayView1::from(&x), ndarray::ArrayView1::from(&y))
        }
        _ => panic!("one backward pass has a gradient the other lacks"),
    };
    [
        pair(Some(term_values(&a.dQ)), Some(term_values(&b.dQ))),
        pair(Some(term_values(&a.dq)), Some(term_values(&b.dq))),
        pair(
            a.dA.as_ref().map(term_values),
            b.dA.as_ref().map(term_values),
        ),
        pair(
            a.db.as_ref().map(term_values),
            b.db.as_ref().map(term_values),
        ),
        pair(
            a.dG.as_ref().map(term_values),
            b.dG.as_ref().map(term_values),
        ),
        pair(
            a.dh.as_ref().map(term_values),
            b.dh.as_ref().map(term_values),
        ),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

/// A batch that the forward call splits into chunks (`chunk_len` in `cuda/mod.rs`: chunks of
/// at least a wave; on the H200 examples of this size run the narrow module's two-block
/// kernels, four blocks per multiprocessor, 528 at once, so 700 go in two chunks, 528 and 172
/// (`OPTNET_CUDA_PROFILE=total` prints them); from session 16 to 22 this test's 300 examples
/// fitted one wave and were not chunked), with batched and shared terms: solutions, statuses
/// and every gradient against the CPU backend; and the first and last chunk's examples solved
/// as batches of their own (one launch each, the one-block kernel) give the same answers to
/// rounding (the 128-thread narrow kernels sum in another order than the 256-thread one; an
/// example solved from another's data would be off by O(1)).
#[test]
fn chunked_batch_matches_cpu() {
    let Some(g) = gpu() else { return };
    let (n, m, p, batch) = (20, 5, 30, 700);
    let s = stack(&family(91, batch, n, m, p, n));
    let base = &family(92, 1, n, m, p, n)[0];
    let mut r = rng(93);
    let dl = randn(&mut r, (batch, n));
    // A and G shared, b = A z0 and h = G z0 + 1 per example.
    let (b, h) = feasible_rhs(base, batch, &mut r);
    let mixed = a_g_shared(&s, base, (&b, &h));
    // Q, A and G shared: the equilibrated copy holds them once, written by the first chunk's
    // equilibration and read by every chunk's solver.
    let matrices = matrices_shared(base, &s.q, (&b, &h));
    let mut chunked = None;
    for (label, qp, batched) in [
        ("all batched", s.batch(), true),
        ("A and G shared", mixed, false),
        ("Q, A and G shared", matrices, false),
    ] {
        // The worst of 300 examples (measured 1.1e-6 with A and G shared, 2.3e-7 all batched,
        // H200 2026-12-01; of 700 in session 22's run E, printed above the assertion); an
        // example solved from another's data would be off by O(1).
        let label = format!("chunked, {label}");
        let (sg, sc) = against_cpu(&label, &g, &qp, 1e-5);
        let (gg, err) = gradients_against_cpu(&label, &g, &qp, (&sg, &sc), &dl);
        // As `gradients_match_active_set_reference`: the two backends' solutions differ
        // within their tolerances, their gradients by O(μ). With A and G shared (batch sums
        // of 300 examples' products) the two backends' gradients differed by 6.4e-3 on the
        // H200 (`notes/gpu_s11_e2e.md`): printed, not asserted.
        if batched {
            assert!(
                err < 1e-4,
                "{label}: GPU and CPU gradients differ by {err:e}"
            );
            chunked = Some((sg, gg));
        }
    }
    let Some((sg, gg)) = chunked else {
        unreachable!("the all-batched case ran")
    };
    let dq = batched1(&Some(gg.dq.clone()));
    for rows in [0..10, batch - 10..batch] {
        let part = QpBatch::builder()
            .Q(s.Q.slice(ndarray::s![rows.clone(), .., ..]))
            .q(s.q.slice(ndarray::s![rows.clone(), ..]))
            .A(s.A.slice(ndarray::s![rows.clone(), .., ..]))
            .b(s.b.slice(ndarray::s![rows.clone(), ..]))
            .G(s.G.slice(ndarray::s![rows.clone(), .., ..]))
            .h(s.h.slice(ndarray::s![rows.clone(), ..]))
            .build()
            .unwrap();
        let alone = g.solve(&part).unwrap();
        let dl_part = dl.slice(ndarray::s![rows.clone(), ..]);
        let alone_dq = batched1(&Some(g.backward(&part, &alone, dl_part).unwrap().dq));
        let rows_of = |x: &Array2<f64>| x.slice(ndarray::s![rows.clone(), ..]).to_owned();
        for (what, a, b) in [
            ("z", &alone.z, rows_of(&sg.z)),
            ("λ", &alone.lam, rows_of(&sg.lam)),
            ("dQ", &alone_dq, rows_of(&dq)),
        ] {
            let err = scaled_diff(a.view(), b.view());
            println!("examples {rows:?} alone against in the batch: {what} {err:.1e}");
            assert!(
                err < 1e-7,
                "examples {rows:?}: a chunk's {what} differs from a launch of their own by {err:e}"
            );
        }
    }
}

/// A shared array's gradient is the batch sum of every solved example's own (OptNet eq. 8),
/// which the GPU forms on the device (`cuda/sums.cu`, splits of 128 examples added in order by
/// the host): Q, A and G shared by 300 examples (three splits) against the same problems with
/// each example holding its own copy of them, whose per-example gradients are summed here;
/// example 7 is infeasible (two opposite rows of G with h₀ + h₁ < 0) and adds nothing. Also
/// against the CPU backend's shared gradients, and a second backward pass gives the same bits.
#[test]
fn shared_gradients_are_the_batch_sums_of_the_per_example_ones() {
    let Some(g) = gpu() else { return };
    let (n, m, p, batch) = (12, 3, 16, 300);
    let mut base = family(95, 1, n, m, p, n).remove(0);
    let g0 = base.G.row(0).to_owned();
    base.G.row_mut(1).assign(&(-&g0));
    let mut r = rng(96);
    let q = randn(&mut r, (batch, n));
    let (b, mut h) = feasible_rhs(&base, batch, &mut r);
    h[[7, 0]] = -1.0;
    h[[7, 1]] = -1.0;
    let dl = randn(&mut r, (batch, n));
    let shared = matrices_shared(&base, &q, (&b, &h));
    let (Qb, Ab, Gb) = (
        base.Q.broadcast((batch, n, n)).unwrap().to_owned(),
        base.A.broadcast((batch, m, n)).unwrap().to_owned(),
        base.G.broadcast((batch, p, n)).unwrap().to_owned(),
    );
    let own = QpBatch::builder()
        .Q(Qb.view())
        .q(q.view())
        .A(Ab.view())
        .b(b.view())
        .G(Gb.view())
        .h(h.view())
        .build()
        .unwrap();
    let (ss, sc) = against_cpu("Q, A, G shared", &g, &shared, 1e-6);
    let so = g.solve(&own).unwrap();
    assert_eq!(so.status, ss.status);
    assert_eq!(ss.status[7], Status::PrimalInfeasible);
    assert_eq!(
        ss.status.iter().filter(|s| s.is_solved()).count(),
        batch - 1
    );
    let gs = g.backward(&shared, &ss, dl.view()).unwrap();
    let go = g.backward(&own, &so, dl.view()).unwrap();
    let shared_of = |t: &Term<'static, f64, ndarray::Ix2>| match t {
        Term::Shared(a) => a.to_owned(),
        other => panic!("expected a shared gradient, got {other:?}"),
    };
    let summed = |t: &Term<'static, f64, ndarray::Ix2>| match t {
        Term::Batched(a) => {
            assert!(a.index_axis(Axis(0), 7).iter().all(|&x| x == 0.0));
            a.sum_axis(Axis(0))
        }
        other => panic!("expected a batched gradient, got {other:?}"),
    };
    for (what, s, o) in [
        ("dQ", &gs.dQ, &go.dQ),
        ("dA", gs.dA.as_ref().unwrap(), go.dA.as_ref().unwrap()),
        ("dG", gs.dG.as_ref().unwrap(), go.dG.as_ref().unwrap()),
    ] {
        let (s, o) = (shared_of(s), summed(o));
        let err = scaled_diff(
            s.view().into_shape_with_order(s.len()).unwrap(),
            o.view().into_shape_with_order(o.len()).unwrap(),
        );
        println!(
            "{what}: the device's batch sum against the per-example gradients summed: {err:.1e}"
        );
        assert!(
            err < 1e-9,
            "{what}: the batch sum differs from the per-example sum by {err:e}"
        );
    }
    let (_, err) = gradients_against_cpu("Q, A, G shared", &g, &shared, (&ss, &sc), &dl);
    assert!(
        err < 1e-6,
        "shared gradients: GPU and CPU differ by {err:e}"
    );
    let again = g.backward(&shared, &ss, dl.view()).unwrap();
    assert_eq!(
        term_values(&again.dG.unwrap()).1,
        term_values(gs.dG.as_ref().unwrap()).1,
        "a second backward pass gave other bits"
    );
}

/// Batches of more than two blocks per multiprocessor (on the H200) of the largest problems each
/// narrow module takes (n + m = 64: launch bounds for four blocks per multiprocessor; n + m =
/// 72: for two), with equality constraints: solutions and gradients against the CPU backend.
#[test]
fn narrow_two_block_kernels_match_cpu() {
    let Some(g) = gpu() else { return };
    for (n, m, p, batch) in [(56, 8, 64, 300), (64, 8, 64, 300)] {
        let s = stack(&family(95 + n as u64, batch, n, m, p, n));
        let qp = s.batch();
        let label = format!("narrow, n = {n}, m = {m}, p = {p}");
        let (sg, sc) = against_cpu(&label, &g, &qp, 1e-5);
        let dl = randn(&mut rng(96), (batch, n));
        let (_, err) = gradients_against_cpu(&label, &g, &qp, (&sg, &sc), &dl);
        assert!(
            err < 1e-4,
            "{label}: GPU and CPU gradients differ by {err:e}"
        );
    }
}

/// max |a − b| / max(1, ‖b‖∞) over z, λ, ν of every example, after asserting equal statuses,
/// iterations and polishing solves.
fn same_solution(label: &str, a: &Solution<f64>, b: &Solution<f64>) -> f64 {
    assert_eq!(a.status, b.status, "{label}: statuses differ");
    assert_eq!(a.iters, b.iters, "{label}: iterations differ");
    assert_eq!(
        a.polish_solves, b.polish_solves,
        "{label}: polishing solves differ"
    );
    (0..a.batch())
        .map(|e| {
            scaled_diff(a.z.row(e), b.z.row(e))
                .max(scaled_diff(a.lam.row(e), b.lam.row(e)))
                .max(scaled_diff(a.nu.row(e), b.nu.row(e)))
        })
        .fold(0.0, f64::max)
}

/// Kernels specialized for the problem's shape (`Specialization::PerShape`: n, m, p and the
/// strides compiled in) take the generic kernels' steps: the same statuses, iterations and
/// polishing solves, and answers and gradients within 1e-12 (the same operations in the same
/// order; on the bench's QPs bit-identical), for the one-block kernels (a batch of 16 at
/// n + m = 23 with equalities, with and without equilibration), the two-block kernels
/// (n + m = 104, a batch of 300) and a narrow module's (n + m = 32, a batch of 600: four
/// 128-thread blocks per multiprocessor on an H200), and the first example against Clarabel.
/// A problem whose K lives in device memory (n + m = 150) runs the generic K-global module and
/// equilibration kernel either way (the K-global module compiled for its shape measured within
/// ±1 % of the generic one, session 27).
/// The solver reports the shapes it specialized.
#[test]
fn specialized_kernels_take_the_generic_steps() {
    let Some(g) = gpu() else { return };
    let generic = g.with_cuda_specialization(Specialization::Off);
    let special = Solver::cuda(0)
        .unwrap()
        .with_cuda_specialization(Specialization::PerShape);
    for (n, m, p, batch, equilibrate) in [
        (20, 3, 15, 16, true),
        (20, 3, 15, 16, false),
        (100, 4, 60, 300, true),
        (30, 2, 30, 600, true),
        (140, 10, 120, 6, true),
    ] {
        let label = format!("n = {n}, m = {m}, p = {p}, batch {batch}, equilibrate {equilibrate}");
        let settings = Settings {
            equilibrate,
            ..Settings::default()
        };
        let generic = generic.clone().with_settings(settings.clone()).unwrap();
        let special = special.clone().with_settings(settings).unwrap();
        let s = stack(&family(400 + n as u64, batch, n, m, p, n));
        let qp = s.batch();
        let sg = generic.solve(&qp).unwrap();
        let ss = special.solve(&qp).unwrap();
        let err = same_solution(&label, &ss, &sg);
        let dl = randn(&mut rng(401), (batch, n));
        let gg = generic.backward(&qp, &sg, dl.view()).unwrap();
        let gs = special.backward(&qp, &ss, dl.view()).unwrap();
        let gerr = grad_err(&gs, &gg);
        let ref_err = first_against_clarabel(&label, &s, &ss);
        println!(
            "{label}: specialized vs generic, answers {err:.1e}, gradients {gerr:.1e} \
             (statuses {:?}); vs Clarabel {ref_err:.1e}",
            count(&ss.status)
        );
        assert!(err <= 1e-12, "{label}: answers differ by {err:e}");
        assert!(gerr <= 1e-12, "{label}: gradients differ by {gerr:e}");
    }
    assert_eq!(
        special.cuda_specialized_shapes(),
        vec![(20, 3, 15), (100, 4, 60), (30, 2, 30)]
    );
    assert!(generic.cuda_specialized_shapes().is_empty());
}

#[test]
fn repeated_calls_reuse_buffers_and_agree() {
    let Some(g) = gpu() else { return };
    let s = stack(&family(71, 32, 40, 5, 50, 40));
    let qp = s.batch();
    let a = g.solve(&qp).unwrap();
    drop(g.solve(&qp).unwrap());
    let b = g.solve(&qp).unwrap();
    assert_eq!(a.status, b.status);
    assert_eq!(a.z, b.z, "a repeated solve must give bit-identical results");
    println!("repeated solves: identical");
}

/// Reduced KKT matrices that do not fit shared memory run the K-global module (K in device
/// memory): just past the shared-memory limit (n + m = 150, with G too large for shared memory
/// as well), past the 256 that the kernels with K in shared memory take (n + m = 280, an
/// unbounded LP among them), and with shared A and G: statuses, solutions and every gradient
/// against the CPU backend, the first example against Clarabel.
#[test]
fn large_problems_keep_k_in_device_memory() {
    let Some(g) = gpu() else { return };
    for (n, m, p, batch) in [(140, 10, 120, 6), (260, 20, 150, 4)] {
        let mut qps = family(97 + n as u64, batch, n, m, p, n);
        // An LP member (Q = 0): with p < n − m its feasible region holds a ray along which
        // qᵀz falls without bound, so both backends must call it dual infeasible.
        if n == 260 {
            let mut r = rng(98);
            let lp = random_qp(&mut r, n, m, p, 0, 0.0);
            qps[1] = lp;
        }
        let s = stack(&qps);
        let qp = s.batch();
        let label = format!("K global, n = {n}, m = {m}, p = {p}");
        let (sg, sc) = against_cpu(&label, &g, &qp, 1e-6);
        let err = first_against_clarabel(&label, &s, &sg);
        println!("{label}: example 0 against Clarabel {err:.2e}");
        let dl = randn(&mut rng(99), (batch, n));
        let (gg, err) = gradients_against_cpu(&label, &g, &qp, (&sg, &sc), &dl);
        assert!(
            err < 1e-4,
            "{label}: GPU and CPU gradients differ by {err:e}"
        );
        // A second backward pass reads the same factorization (the K-global backward does
        // not write it): the same gradients, bit for bit.
        let again = g.backward(&qp, &sg, dl.view()).unwrap();
        assert_eq!(
            grad_err(&again, &gg),
            0.0,
            "{label}: a second backward pass differs"
        );
    }
    // Shared A and G with per-example b and h.
    let (n, m, p, batch) = (200, 30, 100, 5);
    let base = &family(101, 1, n, m, p, n)[0];
    let s = stack(&family(102, batch, n, m, p, n));
    let (b, h) = feasible_rhs(base, batch, &mut rng(103));
    let qp = a_g_shared(&s, base, (&b, &h));
    against_cpu("K global, A and G shared", &g, &qp, 1e-6);
}

#[test]
fn too_large_is_a_typed_error() {
    let Some(g) = gpu() else { return };
    // n = 300 without constraints now runs the K-global module: Q = I, q = 1 gives z = −1.
    let n = 300;
    let qp = QpBatch::builder()
        .Q(Array2::<f64>::eye(n))
        .q(Array1::<f64>::ones(n))
        .build()
        .unwrap();
    let s = g.solve(&qp).unwrap();
    assert_eq!(s.status[0], Status::Solved);
    let err = max_abs(&s.z.mapv(|z| z + 1.0));
    assert!(err < 1e-8, "n = 300: z differs from −1 by {err:e}");
    // n = 1000: even with K in device memory, the vector slots exceed shared memory.
    let n = 1000;
    let qp = QpBatch::builder()
        .Q(Array2::<f64>::eye(n))
        .q(Array1::<f64>::ones(n))
        .build()
        .unwrap();
    match g.solve(&qp) {
        Err(
            e @ Error::CudaTooLarge {
                n: 1000,
                m: 0,
                p: 0,
                ..
            },
        ) => {
            let msg = e.to_string();
            assert!(
                msg.contains("device memory") && msg.ends_with("use Solver::cpu()"),
                "{msg}"
            );
            println!("n = 1000: {msg}");
        }
        other => panic!("expected Error::CudaTooLarge, got {other:?}"),
    }
    assert!(matches!(Solver::cuda(1000), Err(Error::Cuda(_))));
}

/// Polishing on the GPU, as on the CPU (`cpu/polish.rs`): every refinement step of a polishing
/// solve verified, and a set that a refined solve's check moved to refined before it is
/// checked. Example 300 of the bench's `--shared` batch of 512 (`generate_shared`, drawn on
/// the machine that runs this) has a nearly degenerate row: on the H200 its polishing rounds
/// cycled between the two sets with and without that row, and the example took 15 iterations
/// (the batch's others at most 7; notes/s20.md §3). Solved alone and in the batch: at most 8
/// iterations, polished, and the CPU's answer.
#[test]
fn polishing_settles_a_nearly_degenerate_row() {
    let Some(g) = gpu() else { return };
    let (Q, q, G, h) = crate::bench_qps::generate_shared(512, 100, 100, 512);
    let (Q, G) = (Q.index_axis(Axis(0), 0), G.index_axis(Axis(0), 0));
    let all = QpBatch::builder()
        .Q(Q)
        .q(q.view())
        .G(G)
        .h(h.view())
        .check_psd(false)
        .build()
        .unwrap();
    let e = 300;
    let one = QpBatch::builder()
        .Q(Q)
        .q(q.slice(ndarray::s![e..e + 1, ..]))
        .G(G)
        .h(h.slice(ndarray::s![e..e + 1, ..]))
        .check_psd(false)
        .build()
        .unwrap();
    let (sg, _) = against_cpu("example 300 alone", &g, &one, 1e-6);
    let sb = g.solve(&all).unwrap();
    let worst = sb.iters.iter().copied().max().unwrap_or(0);
    println!(
        "example 300: {} iterations alone, {} in the batch; the batch's slowest {worst}",
        sg.iters[0], sb.iters[e]
    );
    assert!(sb.status.iter().all(|s| s.is_solved()));
    assert!(
        sg.iters[0] <= 8 && sb.iters[e] <= 8,
        "example 300 took {} / {} iterations",
        sg.iters[0],
        sb.iters[e]
    );
    assert!(
        exactly_complementary(sg.lam.row(0), sg.s.row(0)),
        "example 300 not polished"
    );
}

/// A first polishing attempt whose set stood but whose point failed the termination test is
/// refined on and tested again (`polish_on`, as the CPU's `Polisher::polish`): with refinement
/// tolerances 10⁵ times looser than the defaults (1e-7), the first 48 of the benchmark's QPs of
/// seed 1000, equilibrated, take on the GPU the iterations they take at the defaults, with the
/// same answers, polished, and the CPU's iterations at those tolerances (the CPU test
/// `polish::a_point_short_of_the_gap_is_refined_on`; 12 of them took 7–8 iterations there
/// before, where the defaults take 5–6).
#[test]
fn a_point_short_of_the_gap_is_refined_on_the_gpu() {
    let Some(_) = gpu() else { return };
    let qp = bench_batch(48, 1000);
    let at = |tol: f64| Settings {
        refinement_abstol: tol,
        refinement_reltol: tol,
        ..Settings::default()
    };
    let solve =
        |solver: Solver, tol: f64| solver.with_settings(at(tol)).unwrap().solve(&qp).unwrap();
    let defaults = solve(Solver::cuda(0).unwrap(), 1e-12);
    let loose = solve(Solver::cuda(0).unwrap(), 1e-7);
    let cpu = solve(Solver::cpu(), 1e-7);
    let worst = |s: &Solution<f64>| s.iters.iter().copied().max().unwrap_or(0);
    println!(
        "refinement tolerance 1e-7: GPU slowest {} iterations, at the defaults {}, CPU {}",
        worst(&loose),
        worst(&defaults),
        worst(&cpu)
    );
    for e in 0..48 {
        let label = format!("example {e}");
        assert_eq!(loose.status[e], Status::Solved, "{label}");
        assert_eq!(loose.iters[e], defaults.iters[e], "{label}: iterations");
        assert_eq!(
            loose.iters[e], cpu.iters[e],
            "{label}: the CPU's iterations"
        );
        let err = scaled_diff(loose.z.row(e), defaults.z.row(e));
        assert!(err < 1e-9, "{label}: {err:e} from the defaults' z");
        assert!(
            exactly_complementary(loose.lam.row(e), loose.s.row(e)),
            "{label}: not polished (sᵢλᵢ ≠ 0)"
        );
    }
}

/// Polishing's guess on the GPU is the CPU's (λᵢ/sᵢ extrapolated ahead, `polish::guess_ratio`,
/// from a relative gap of `Settings::POLISH_GAP`): on the benchmark's QPs (2 × 128, seeds 1000
/// and 1002, equilibrated) the GPU takes the CPU's iterations and polishing solves example by
/// example (at most two of the 256 may differ, where rounding puts a ratio on the other side of
/// the cut), at most 6.45 factorizations (iterations plus polishing solves) per example on
/// average (the CPU test `polish::the_extrapolated_guess_keeps_polishing_short`).
#[test]
fn polishing_solves_match_the_cpus() {
    let Some(gpu) = gpu() else { return };
    let (mut factorizations, mut differ) = (0, Vec::new());
    for seed in [1000, 1002] {
        let qp = bench_batch(128, seed);
        let g = gpu.solve(&qp).unwrap();
        let c = Solver::cpu().solve(&qp).unwrap();
        for e in 0..128 {
            assert_eq!(g.status[e], Status::Solved, "seed {seed}, example {e}");
            if (g.iters[e], g.polish_solves[e]) != (c.iters[e], c.polish_solves[e]) {
                differ.push((
                    seed,
                    e,
                    g.iters[e],
                    g.polish_solves[e],
                    c.iters[e],
                    c.polish_solves[e],
                ));
            }
            factorizations += g.iters[e] + g.polish_solves[e];
        }
    }
    let mean = f64::from(factorizations) / 256.0;
    println!("GPU: {mean:.3} factorizations per example; differing from the CPU (seed, example, GPU iterations and solves, CPU's): {differ:?}");
    assert!(
        differ.len() <= 2,
        "{} examples differ: {differ:?}",
        differ.len()
    );
    assert!(mean <= 6.45, "{mean:.3} factorizations per example");
}
