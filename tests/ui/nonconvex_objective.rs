use optnet::prelude::*;

optnet! {
    layer L(n) {
        variable z: [n];
        minimize -sum_squares(z);
    }
}

fn main() {}
