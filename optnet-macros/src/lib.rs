//! The `optnet!` procedural macro (placeholder until the DSL lands).
use proc_macro::TokenStream;

/// Declares a differentiable QP layer. See the crate documentation.
#[proc_macro]
pub fn optnet(_input: TokenStream) -> TokenStream {
    "compile_error!(\"the optnet! DSL is not implemented yet\");"
        .parse()
        .unwrap()
}
