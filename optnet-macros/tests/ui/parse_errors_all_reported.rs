use optnet_macros::optnet;

// A syntax error in one statement does not hide the errors of the others.
optnet! {
    layer L(n) {
        param : [n];
        variable z: [n];
        minimize sum(z) +;
    }
}

fn main() {}
