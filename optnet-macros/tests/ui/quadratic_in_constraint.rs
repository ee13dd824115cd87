use optnet_macros::optnet;

optnet! {
    layer L(n) {
        variable z: [n];
        minimize sum(z);
        subject to sum_squares(z) <= 1;
    }
}

fn main() {}
