use optnet_macros::optnet;

optnet! {
    layer L(n) {
        param lambda: scalar;
        variable z: [n];
        minimize sum_squares(z) + lambda * norm1(z);
    }
}

fn main() {}
