use optnet_macros::optnet;

optnet! {
    layer L(n) {
        variable z: [n];
        variable s: scalar;
        minimize quad_form(z, s * eye(n)) + s;
    }
}

fn main() {}
