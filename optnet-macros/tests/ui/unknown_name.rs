use optnet_macros::optnet;

optnet! {
    layer L(n) {
        variable z: [n];
        minimize sum_squares(zz);
    }
}

fn main() {}
