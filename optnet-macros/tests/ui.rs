//! Compile-fail tests of the `optnet!` checks: each `tests/ui/<case>.rs` must fail to
//! compile with exactly the message and span recorded in `tests/ui/<case>.stderr`.
//! (One trybuild run for all cases: each run compiles the crate once.)

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
