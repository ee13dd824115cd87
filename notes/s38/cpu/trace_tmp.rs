#![allow(non_snake_case)]
#[path = "common/random_qp.rs"]
mod random_qp;
use ndarray::Axis;
use optnet_runtime::{QpBatch, Settings, Solver};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let b: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(1);
    let verbose_ex: Option<usize> = args.get(2).map(|s| s.parse().unwrap());
    let (Q, q, G, h) = if let Ok(dir) = std::env::var("DATA") {
        use ndarray::{Array2, Array3};
        use ndarray_npy::NpzReader;
        let f = std::fs::File::open(format!("{dir}/qp_B{b}.npz")).unwrap();
        let mut z = NpzReader::new(f).unwrap();
        let Q: Array3<f64> = z.by_name("Q").unwrap();
        let q: Array2<f64> = z.by_name("q").unwrap();
        let G: Array3<f64> = z.by_name("G").unwrap();
        let h: Array2<f64> = z.by_name("h").unwrap();
        (Q, q, G, h)
    } else { random_qp::generate(b, 100, 100, b as u64) };
    let dbg2 = std::env::var("DBG2").is_ok();
    let settings = Settings { verbose: verbose_ex.is_some(), threads: if dbg2 { Some(1) } else { None }, lockstep: !(dbg2 || std::env::var("NOLOCK").is_ok()), ..Settings::default() };
    let solver = Solver::cpu().with_settings(settings).unwrap();
    if let Some(e) = verbose_ex {
        let Qe = Q.index_axis(Axis(0), e).to_owned().insert_axis(Axis(0));
        let qe = q.index_axis(Axis(0), e).to_owned().insert_axis(Axis(0));
        let Ge = G.index_axis(Axis(0), e).to_owned().insert_axis(Axis(0));
        let he = h.index_axis(Axis(0), e).to_owned().insert_axis(Axis(0));
        let qp = QpBatch::builder().Q(Qe.view()).q(qe.view()).G(Ge.view()).h(he.view()).check_psd(false).build().unwrap();
        let sol = solver.solve(&qp).unwrap();
        println!("iters {:?} polish {:?}", sol.iters, sol.polish_solves);
        return;
    }
    let qp = QpBatch::builder().Q(Q.view()).q(q.view()).G(G.view()).h(h.view()).check_psd(false).build().unwrap();
    let sol = solver.solve(&qp).unwrap();
    if dbg2 {
        for e in 0..b {
            let v: Vec<String> = sol.lam.row(e).iter().map(|x| format!("{:e}", x)).collect();
            println!("FINAL {e} {}", v.join(" "));
        }
    }
    let mut hist = std::collections::BTreeMap::new();
    for e in 0..b {
        *hist.entry((sol.iters[e], sol.polish_solves[e])).or_insert(0) += 1;
    }
    let it: f64 = sol.iters.iter().map(|&x| x as f64).sum::<f64>() / b as f64;
    let ps: f64 = sol.polish_solves.iter().map(|&x| x as f64).sum::<f64>() / b as f64;
    let mx = (0..b).map(|e| sol.iters[e] + sol.polish_solves[e]).max().unwrap();
    let ns = sol.status.iter().filter(|s| **s != optnet_runtime::Status::Solved).count();
    println!("mean iters {it:.3} polish {ps:.3} sum {:.3} max {mx} unsolved {ns}", it + ps);
    if std::env::var("HIST").is_ok() { println!("{hist:?}"); }
    { let mut h = [0usize; 20]; for e in 0..b { h[(sol.iters[e] + sol.polish_solves[e]) as usize] += 1; } println!("sum hist {:?}", &h[4..16]); }
    if let Ok(f) = std::env::var("DUMP") { let v: Vec<String> = (0..b).map(|e| format!("{} {}", sol.iters[e], sol.polish_solves[e])).collect(); std::fs::write(f, v.join("\n")).unwrap(); }
    if std::env::var("SLOW").is_ok() { let v: Vec<usize> = (0..b).filter(|&e| sol.iters[e] + sol.polish_solves[e] >= 11).collect(); println!("slow {v:?}"); }
}
