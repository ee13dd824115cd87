mod common;
use common::*;
use optnet_runtime::*;
#[test]
fn smoke() {
    let mut r = rng(1);
    for &(n, m, p) in &[
        (5, 0, 0),
        (10, 3, 0),
        (10, 0, 15),
        (20, 5, 30),
        (100, 0, 100),
        (50, 10, 60),
    ] {
        let qp = random_qp(&mut r, n, m, p, n, 1e-3);
        let batch = QpBatch::builder()
            .Q(qp.Q.view())
            .q(qp.q.view())
            .A(qp.A.view())
            .b(qp.b.view())
            .G(qp.G.view())
            .h(qp.h.view())
            .build()
            .unwrap();
        let sol = Solver::cpu().solve(&batch).unwrap();
        let rf = clarabel(
            qp.Q.view(),
            qp.q.view(),
            qp.A.view(),
            qp.b.view(),
            qp.G.view(),
            qp.h.view(),
        );
        let err = max_abs_diff(sol.z.row(0), rf.z.view());
        println!(
            "{n} {m} {p}: {:?} iters {} err {err:e} obj {} ref {}",
            sol.status[0], sol.iters[0], sol.objective[0], rf.obj
        );
    }
}
