use optnet::prelude::*;

optnet! {
    layer L(n) {
        variable z: [n];
        minimize sum_squares(zz);
    }
}

fn main() {}
