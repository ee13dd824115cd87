//! The `optnet!` procedural macro: a layer declared once becomes a Rust type that builds
//! the canonical QP from its params and inputs, solves the batch, and returns gradients
//! for every param and input.
//!
//! The pipeline, one module a step (as in serde_derive and sqlx-macros, the core works on
//! `proc_macro2` tokens and is unit-tested without a compiler in the loop):
//!
//! 1. [`tokens`]: Rust tokens → the text pest parses, remembering each token's span;
//! 2. [`parse`]: pest (`grammar/optnet.pest`) → [`ast`];
//! 3. [`check`]: names, shapes, DCP convexity, every error collected ([`ctxt`]);
//! 4. [`canon`]: canonicalization to one QP, one rule per atom ([`atoms`]), data as a
//!    DAG of operations on params and inputs ([`graph`]);
//! 5. [`codegen`]: the layer type, its forward pass and its vector-Jacobian products.

#![allow(non_snake_case)] // Q, A, G are the paper's names.

mod ast;
mod atoms;
mod canon;
mod check;
mod codegen;
mod ctxt;
mod graph;
mod parse;
mod shape;
mod tokens;

use proc_macro2::TokenStream;

/// Declares a differentiable QP layer.
///
/// ```ignore
/// use optnet::prelude::*;
/// optnet! {
///     /// Doc comments pass through to the generated type.
///     pub layer TvDenoise(n) {                 // size arguments, in order
///         input  y: [n];                       // per example: scalar, [k] or [k, l]
///         param  D: [n - 1, n];                // learned, shared by the batch
///         param  lambda: nonneg;               // a scalar with a declared sign
///         variable z: [n];
///         minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z);
///     }
/// }
/// ```
///
/// For `layer Name(sizes…)` the macro generates `Name<T>` (`T` = `f32` or `f64`) with
/// `new(sizes…, NameParams { … })`, `canonicalize(&NameInputs { … })` (the batched QP,
/// data no input touches shared), `forward(&inputs, &solver)` → `NameOutput` (one field
/// per variable, batch first, plus `status`, `qp` and `solution`), and
/// `backward(&out, &NameOutputGrads { … })` → `NameGrads` with `.params` (summed over
/// the batch) and `.inputs` (per example).
///
/// Atoms: `+ - * /`, `.T`, `sum`, `sum_squares`, `quad_form(x, P)`, `norm1`, `norm_inf`,
/// `abs`, `pos`, `max` (of one argument's entries, or elementwise of several), `huber(x, M)`,
/// `exp` (data), `eye`, `ones`, `zeros`, blocks `[A, B; C, D]`; constraints `==`, `<=`,
/// `>=` and chains `l <= x <= u`; `minimize` a convex or `maximize` a concave objective.
/// Errors (unknown names, shape mismatches, non-convexity, a variable where data is
/// required, a param of unknown sign multiplying a convex atom) are reported at the
/// offending tokens, all at once. See `grammar/README.md` for the grammar and how to add
/// an atom.
#[proc_macro]
pub fn optnet(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into()).into()
}

/// The whole macro on `proc_macro2` tokens: errors become `compile_error!`s at the
/// user's tokens.
fn expand(input: TokenStream) -> TokenStream {
    match expand_layer(input) {
        Ok(ts) => ts,
        Err(e) => e.to_compile_error(),
    }
}

fn expand_layer(input: TokenStream) -> Result<TokenStream, syn::Error> {
    let layer = parse::parse_layer(input)?;
    let checked = check::check(layer)?;
    let qp = canon::canonicalize(&checked);
    Ok(codegen::generate(&checked, &qp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const LAYERS: &[&str] = &[
        "/// doc\n pub layer TvDenoise(n) { input y: [n]; param D: [n - 1, n]; \
         param lambda: nonneg; variable z: [n]; \
         minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z); }",
        "pub(crate) layer Generic(nz, nineq, neq) { input q: [nz]; param L: [nz, nz]; \
         param G: [nineq, nz]; param A: [neq, nz]; param z0: [nz]; param s0: [nineq]; \
         variable z: [nz]; minimize 0.5 * quad_form(z, L * L.T + 1e-4 * eye(nz)) + q.T * z; \
         subject to A * z == A * z0, G * z <= G * z0 + s0; }",
        "layer B(n, m) { input b: [m]; param A: [m, n]; variable x: [n]; variable v: scalar; \
         maximize -sum_squares(A * x - b) - huber(x, 1) - norm_inf(x) + v; \
         subject to -1 <= x <= 1, [x; v] >= -2, max(x, 0.5) <= 3, sum(pos(x)) <= exp(2); }",
    ];

    fn expands_without_panic(src: &str) -> Option<String> {
        let ts = TokenStream::from_str(src).ok()?;
        let out = std::panic::catch_unwind(|| expand(ts).to_string());
        match out {
            Ok(s) => Some(s),
            Err(_) => panic!("the macro panicked on input:\n{src}"),
        }
    }

    #[test]
    fn valid_layers_expand_to_code() {
        for l in LAYERS {
            let out = expands_without_panic(l).expect("lexes");
            assert!(!out.contains("compile_error"), "{out}");
            assert!(out.contains("fn forward"));
        }
    }

    #[test]
    fn truncated_layers_give_errors_not_panics() {
        for l in LAYERS {
            for cut in (0..l.len()).filter(|&c| l.is_char_boundary(c)) {
                if let Some(out) = expands_without_panic(&l[..cut]) {
                    assert!(
                        out.contains("compile_error"),
                        "accepted a truncation: {}",
                        &l[..cut]
                    );
                }
            }
        }
    }

    #[test]
    fn random_token_streams_give_errors_not_panics() {
        const VOCAB: &[&str] = &[
            "layer",
            "L",
            "(",
            ")",
            "n",
            ",",
            "{",
            "}",
            "[",
            "]",
            ";",
            ":",
            "input",
            "param",
            "variable",
            "x",
            "y",
            "minimize",
            "maximize",
            "subject",
            "to",
            "<=",
            ">=",
            "==",
            "+",
            "-",
            "*",
            "/",
            ".",
            "T",
            "0.5",
            "2",
            "sum",
            "norm1",
            "quad_form",
            "eye",
            "max",
            "abs",
            "nonneg",
            "scalar",
            "pub",
            "#",
            "=",
            "\"s\"",
            "huber",
            "'a",
            "1e400",
        ];
        let mut state: u64 = 0x9e3779b97f4a7c15;
        let mut next = |k: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % k as u64) as usize
        };
        for _ in 0..3000 {
            let len = 1 + next(40);
            let words: Vec<&str> = (0..len).map(|_| VOCAB[next(VOCAB.len())]).collect();
            expands_without_panic(&words.join(" "));
        }
        // Valid layers with one token replaced.
        for l in LAYERS {
            let toks: Vec<&str> = l.split(' ').collect();
            for _ in 0..300 {
                let mut t = toks.clone();
                let i = next(t.len());
                t[i] = VOCAB[next(VOCAB.len())];
                expands_without_panic(&t.join(" "));
            }
        }
    }
}
