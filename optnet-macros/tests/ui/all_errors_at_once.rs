use optnet_macros::optnet;

// Every mistake of a layer is reported, not just the first.
optnet! {
    layer L(n) {
        param D: [m, n];
        variable z: [n];
        minimize sum_squares(y - z) + maximum(z);
        subject to z * z <= 1;
    }
}

fn main() {}
