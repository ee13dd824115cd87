use optnet_macros::optnet;

optnet! {
    layer L(n) {
        param P: [n, n];
        variable z: [n];
        minimize sum_squares(P - z);
    }
}

fn main() {}
