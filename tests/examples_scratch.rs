#![allow(non_snake_case)]
#[path = "../examples/common/mod.rs"]
mod common;
use common::signals;
use common::layers::difference_operator;
use common::tv_layer::{TvLayer, TvParams};
use common::mse;
use optnet::Solver;
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
#[ignore]
fn scratch_grad_structure() {
    let data = signals::signals(2000, &mut StdRng::seed_from_u64(0));
    let l = TvLayer::new(TvParams { D: difference_operator(100), lambda: 20.749 });
    let solver = Solver::cpu();
    let fwd = l.forward(data.noisy.view(), &solver).unwrap();
    let (loss, dz) = mse(fwd.z(), data.clean.view());
    let g = l.backward(&fwd, &solver, dz.view()).unwrap();
    println!("loss {loss} dlambda {}", g.lambda);
    let D = &g.D;
    for off in -3i32..=4 {
        let v: Vec<f64> = (0..99).filter_map(|i| { let j = i as i32 + off; if (0..100).contains(&j) { Some(D[[i, j as usize]]) } else { None } }).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x-mean)*(x-mean)).sum::<f64>() / v.len() as f64).sqrt();
        println!("offset {off}: mean {mean:.3e} sd {sd:.3e} first {:.3e} {:.3e} last {:.3e} {:.3e}", v[0], v[1], v[v.len()-2], v[v.len()-1]);
    }
    let far: Vec<f64> = (0..99).flat_map(|i| (0..100).filter(move |&j| (j as i32 - i as i32).abs() > 5).map(move |j| (i, j))).map(|(i,j)| D[[i,j]]).collect();
    let rms = (far.iter().map(|x| x*x).sum::<f64>() / far.len() as f64).sqrt();
    println!("far rms {rms:.3e}; row sums first {:?}", (0..5).map(|i| D.row(i).sum()).collect::<Vec<_>>());
    // gradient wrt lambda through scaling D: sum D.*dD
    println!("<D, dD> = {}", (&difference_operator(100) * D).sum());
}

#[test]
#[ignore]
fn scratch_error_by_position() {
    let data = signals::signals(2000, &mut StdRng::seed_from_u64(0));
    let l = TvLayer::new(TvParams { D: difference_operator(100), lambda: 20.749 });
    let solver = Solver::cpu();
    let fwd = l.forward(data.noisy.view(), &solver).unwrap();
    let err = (&fwd.z() - &data.clean).mapv(|e| e * e).mean_axis(optnet::ndarray::Axis(0)).unwrap();
    println!("by position: {:?}", err.iter().map(|v| format!("{v:.1}")).collect::<Vec<_>>());
    // error by distance to nearest jump
    let mut by_d = vec![(0.0, 0usize); 101];
    for (k, x) in data.clean.outer_iter().enumerate() {
        let jumps: Vec<usize> = (1..100).filter(|&i| x[i] != x[i - 1]).collect();
        for i in 0..100 {
            let d = jumps.iter().map(|&j| if i < j { j - i - 1 } else { i - j }).min().unwrap_or(100);
            let e = fwd.z()[[k, i]] - x[i];
            by_d[d].0 += e * e;
            by_d[d].1 += 1;
        }
    }
    for (d, (s, c)) in by_d.iter().enumerate().take(12) { println!("dist {d}: mse {:.1} n {c}", s / *c as f64); }
    let (s, c) = by_d[12..].iter().fold((0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("dist >=12: mse {:.1} n {c}", s / c as f64);
}
