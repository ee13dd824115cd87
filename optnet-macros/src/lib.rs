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

/// Declares a differentiable QP layer. See the `optnet` crate documentation and
/// `grammar/README.md` for the language.
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
