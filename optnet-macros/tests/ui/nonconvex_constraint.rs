use optnet_macros::optnet;

optnet! {
    layer L(n) {
        variable z: [n];
        minimize sum_squares(z);
        subject to abs(z) == 1;
    }
}

fn main() {}
