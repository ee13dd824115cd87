//! Code generation: the canonical QP's blocks and the data graph → a Rust layer type.
//!
//! The generated code refers to the runtime only through the facade (`::optnet::…`).
//! Its bodies are spanned at `Span::mixed_site()`, so their local variables cannot clash
//! with names in the user's code; the user's names appear only as field names.
//!
//! Data nodes become locals `v0, v1, …` computed in graph order: nodes no input touches
//! once for the batch, the others once per example. The backward pass walks the same
//! nodes in reverse with adjoints `g0, g1, …` (vector-Jacobian products), summing the
//! adjoints of shared nodes over the batch.

use crate::canon::{Block, Qp};
use crate::check::{Checked, DeclInfo};
use crate::graph::{children, lit_f64, NodeId, Op};
use crate::shape::{Shape, Size};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

macro_rules! q {
    ($($t:tt)*) => { quote_spanned!(Span::mixed_site()=> $($t)*) };
}

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn v(k: NodeId) -> Ident {
    local(&format!("v{k}"))
}

fn g(k: NodeId) -> Ident {
    local(&format!("g{k}"))
}

fn user(d: &DeclInfo) -> Ident {
    Ident::new(&d.name.text, d.name.sp.start)
}

/// A size as a `usize` expression over `base.<size name>`.
fn size_usize(s: &Size, base: &TokenStream) -> TokenStream {
    let term = |mono: &Vec<String>, c: i64| {
        let mut parts: Vec<TokenStream> = mono
            .iter()
            .map(|n| {
                let id = local(n);
                q!(#base.#id)
            })
            .collect();
        if c != 1 || parts.is_empty() {
            let lit = Literal::usize_unsuffixed(c.unsigned_abs() as usize);
            parts.insert(0, q!(#lit));
        }
        let mut ts = TokenStream::new();
        for (i, p) in parts.into_iter().enumerate() {
            if i > 0 {
                ts.extend(q!(*));
            }
            ts.extend(p);
        }
        ts
    };
    let pos: Vec<TokenStream> =
        s.0.iter()
            .filter(|(_, &c)| c > 0)
            .map(|(m, &c)| term(m, c))
            .collect();
    let neg: Vec<TokenStream> =
        s.0.iter()
            .filter(|(_, &c)| c < 0)
            .map(|(m, &c)| term(m, c))
            .collect();
    let pos = if pos.is_empty() {
        q!(0usize)
    } else {
        q!(#(#pos)+*)
    };
    if neg.is_empty() {
        q!((#pos))
    } else {
        q!((#pos - #(#neg)-*))
    }
}

/// A size as an `i64` expression (for the checks that sizes are not negative).
fn size_i64(s: &Size, base: &TokenStream) -> TokenStream {
    let terms: Vec<TokenStream> =
        s.0.iter()
            .map(|(mono, &c)| {
                let lit = Literal::i64_unsuffixed(c.abs());
                let ids: Vec<Ident> = mono.iter().map(|n| local(n)).collect();
                let t = q!(#lit #(* (#base.#ids as i64))*);
                if c < 0 {
                    q!(- #t)
                } else {
                    q!(+ #t)
                }
            })
            .collect();
    q!((0i64 #(#terms)*))
}

fn f64_lit(x: f64) -> TokenStream {
    let lit = Literal::f64_suffixed(x.abs());
    if x < 0.0 {
        q!((-#lit))
    } else {
        q!(#lit)
    }
}

/// Names of the generated types.
struct Names {
    layer: Ident,
    sizes: Ident,
    params: Ident,
    inputs: Ident,
    output: Ident,
    output_grads: Ident,
    input_grads: Ident,
    grads: Ident,
    tape: Ident,
}

/// Generates the layer.
pub fn generate(ck: &Checked, qp: &Qp) -> TokenStream {
    let name = &ck.layer.name;
    let span = name.sp.start;
    let id = |suffix: &str| Ident::new(&format!("{}{suffix}", name.text), span);
    let nm = Names {
        layer: id(""),
        sizes: id("Sizes"),
        params: id("Params"),
        inputs: id("Inputs"),
        output: id("Output"),
        output_grads: id("OutputGrads"),
        input_grads: id("InputGrads"),
        grads: id("Grads"),
        tape: format_ident!("{}Tape", name.text, span = Span::mixed_site()),
    };
    let gen = Gen { ck, qp, nm: &nm };
    let types = gen.types();
    let imp = gen.impl_block();
    quote! {
        #types
        const _: () = {
            #imp
        };
    }
}

struct Gen<'a> {
    ck: &'a Checked,
    qp: &'a Qp,
    nm: &'a Names,
}

fn shape_words(d: &DeclInfo) -> String {
    match d.dims.len() {
        0 => "scalar".to_string(),
        _ => format!(
            "[{}]",
            d.dims
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Gen<'_> {
    fn self_sizes(&self) -> TokenStream {
        q!(self.sizes)
    }

    fn sz(&self, s: &Size) -> TokenStream {
        size_usize(s, &self.self_sizes())
    }

    /// The public types: layer, sizes, params, inputs, outputs and gradients.
    fn types(&self) -> TokenStream {
        let Names {
            layer,
            sizes,
            params,
            inputs,
            output,
            output_grads,
            input_grads,
            grads,
            tape,
        } = self.nm;
        let vis = &self.ck.layer.vis;
        let docs = self.ck.layer.docs.iter().map(|d| q!(#[doc = #d]));
        let lname = layer.to_string();
        let size_ids: Vec<Ident> = self
            .ck
            .layer
            .sizes
            .iter()
            .map(|s| Ident::new(&s.text, Span::mixed_site()))
            .collect();
        let size_docs = self
            .ck
            .layer
            .sizes
            .iter()
            .map(|s| format!("The size argument `{}`.", s.text));
        let sizes_doc = format!("The size arguments of a [`{lname}`] layer.");

        let pf: Vec<TokenStream> = self
            .ck
            .params
            .iter()
            .map(|d| {
                let id = user(d);
                let ty = owned_ty(&d.shape, 0);
                let doc = format!(
                    "Param `{}`: {}.",
                    d.name.text,
                    shape_words(d) + &sign_words(d)
                );
                q!(#[doc = #doc] pub #id: #ty,)
            })
            .collect();
        let params_doc = format!(
            "The params of a [`{lname}`] layer (and, in [`{}`], their gradients).",
            grads
        );
        let params_def = if pf.is_empty() {
            q!(
                #[doc = #params_doc]
                #[derive(Debug, Clone, Default)]
                #vis struct #params<T> {
                    #[doc(hidden)]
                    pub _marker: ::core::marker::PhantomData<T>,
                }
            )
        } else {
            q!(
                #[doc = #params_doc]
                #[allow(non_snake_case)]
                #[derive(Debug, Clone, Default)]
                #vis struct #params<T> { #(#pf)* }
            )
        };

        let inputs_doc =
            format!("The inputs of a [`{lname}`] layer: views with a leading batch axis.");
        let inputs_def = if self.ck.inputs.is_empty() {
            q!(
                #[doc = #inputs_doc]
                #[derive(Debug, Clone, Copy)]
                #vis struct #inputs {
                    /// Number of examples (the layer has no inputs to tell it).
                    pub batch: usize,
                }
            )
        } else {
            let f = self.ck.inputs.iter().map(|d| {
                let id = user(d);
                let ty = view_ty(&d.shape);
                let doc = format!(
                    "Input `{}`: {} per example, batch first.",
                    d.name.text,
                    shape_words(d) + &sign_words(d)
                );
                q!(#[doc = #doc] pub #id: #ty,)
            });
            q!(
                #[doc = #inputs_doc]
                #[allow(non_snake_case)]
                #[derive(Debug, Clone, Copy)]
                #vis struct #inputs<'a, T> { #(#f)* }
            )
        };

        let input_grads_doc =
            format!("Gradients of the inputs of a [`{lname}`] layer, per example.");
        let input_grads_def = if self.ck.inputs.is_empty() {
            q!(
                #[doc = #input_grads_doc]
                #[derive(Debug, Clone)]
                #vis struct #input_grads<T> {
                    _marker: ::core::marker::PhantomData<T>,
                }
            )
        } else {
            let f = self.ck.inputs.iter().map(|d| {
                let id = user(d);
                let ty = owned_ty(&d.shape, 1);
                let doc = format!("∂ℓ/∂`{}`, batch first.", d.name.text);
                q!(#[doc = #doc] pub #id: #ty,)
            });
            q!(
                #[doc = #input_grads_doc]
                #[allow(non_snake_case)]
                #[derive(Debug, Clone)]
                #vis struct #input_grads<T> { #(#f)* }
            )
        };

        let out_fields = self.ck.vars.iter().map(|d| {
            let id = user(d);
            let ty = owned_ty(&d.shape, 1);
            let doc = format!("Solution `{}`, batch first.", d.name.text);
            q!(#[doc = #doc] pub #id: #ty,)
        });
        let og_fields = self.ck.vars.iter().map(|d| {
            let id = user(d);
            let ty = view_ty(&d.shape);
            let doc = format!("∂ℓ/∂`{}`, batch first.", d.name.text);
            q!(#[doc = #doc] pub #id: #ty,)
        });
        let output_doc = format!("What [`{lname}::forward`] returns.");
        let og_doc =
            format!("Gradients of a loss with respect to the outputs of a [`{lname}`] layer.");
        let grads_doc = format!("What [`{lname}::backward`] returns.");
        let layer_doc_extra = format!(
            "\n\nGenerated by `optnet!`: build it with [`{lname}::new`], then call \
             [`{lname}::forward`] and [`{lname}::backward`]."
        );
        let layout: Vec<String> = self
            .qp
            .vars
            .iter()
            .map(|(v, off)| {
                let end = off.add(&v.shape.numel());
                let kind = if v.user.is_some() {
                    "variable"
                } else {
                    "auxiliary"
                };
                format!("- `{}..{}`: {kind} `{}` ({})", off, end, v.name, v.shape)
            })
            .collect();
        let layer_doc_extra = format!(
            "{layer_doc_extra}\n\n# Canonical form\n\nThe layer solves `minimize ½xᵀQx + qᵀx s.t. \
             Ax = b, Gx ≤ h` with {} equality and {} inequality rows, in the stacked variable \
             x of length {}:\n\n{}",
            self.qp.m,
            self.qp.p,
            self.qp.n,
            layout.join("\n")
        );
        let layer_docs_tail = if self.ck.layer.docs.is_empty() {
            let d = format!("A differentiable QP layer.{layer_doc_extra}");
            q!(#[doc = #d])
        } else {
            q!(#[doc = #layer_doc_extra])
        };
        q! {
            #(#docs)*
            #layer_docs_tail
            #[derive(Debug, Clone)]
            #vis struct #layer<T: ::optnet::runtime::Real> {
                sizes: #sizes,
                params: #params<T>,
            }

            #[doc = #sizes_doc]
            #[allow(non_snake_case)]
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            #vis struct #sizes {
                #(#[doc = #size_docs] pub #size_ids: usize,)*
            }

            #params_def
            #inputs_def

            #[doc = #output_doc]
            #[allow(non_snake_case)]
            #[derive(Debug)]
            #vis struct #output<T: ::optnet::runtime::Real> {
                #(#out_fields)*
                /// Per-example solve status.
                pub status: ::std::vec::Vec<::optnet::runtime::Status>,
                /// The canonical QP that was solved.
                pub qp: ::optnet::runtime::QpBatch<'static, T>,
                /// The canonical solution (all variables, auxiliaries included, and duals).
                pub solution: ::optnet::runtime::Solution<T>,
                tape: #tape<T>,
                solver: ::optnet::runtime::Solver,
            }

            #[doc = #og_doc]
            #[allow(non_snake_case)]
            #[derive(Debug, Clone, Copy)]
            #vis struct #output_grads<'a, T> { #(#og_fields)* }

            #input_grads_def

            #[doc = #grads_doc]
            #[derive(Debug, Clone)]
            #vis struct #grads<T: 'static> {
                /// ∂ℓ/∂params, summed over the batch.
                pub params: #params<T>,
                /// ∂ℓ/∂inputs, per example.
                pub inputs: #input_grads<T>,
                /// ∂ℓ/∂(Q, q, A, b, G, h) of the canonical QP.
                pub qp: ::optnet::runtime::QpGrad<T>,
            }

            /// Values of the data graph kept by the forward pass for the backward pass.
            #[derive(Debug, Clone)]
            struct #tape<T> {
                shared: ::std::vec::Vec<::optnet::ndarray::Array2<T>>,
                batched: ::std::vec::Vec<::std::vec::Vec<::optnet::ndarray::Array2<T>>>,
            }
        }
    }

    fn inputs_ty(&self) -> TokenStream {
        let i = &self.nm.inputs;
        if self.ck.inputs.is_empty() {
            q!(#i)
        } else {
            q!(#i<'_, T>)
        }
    }

    fn impl_block(&self) -> TokenStream {
        let Names {
            layer,
            sizes,
            params,
            output,
            output_grads,
            grads,
            tape,
            ..
        } = self.nm;
        let inputs_ty = self.inputs_ty();
        // The size arguments keep the user's spans (so a size may be called `params`).
        let size_args: Vec<Ident> = self
            .ck
            .layer
            .sizes
            .iter()
            .map(|s| Ident::new(&s.text, s.sp.start))
            .collect();
        let size_checks = self.size_checks();
        let check_params = self.check_params();
        let check_inputs = self.check_inputs();
        let evaluate = self.evaluate();
        let vjp = self.vjp();
        let outputs = self.output_slices();
        let dz = self.output_grads_in();
        let n = self.sz(&self.qp.n);
        let new_doc = format!(
            "A layer with sizes ({}) and `params`; fails if a size is negative or a param \
             has the wrong shape, a non-finite value or the wrong sign.",
            size_args
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        q! {
            use ::optnet::ndarray::{s, Array, Array1, Array2, Array3, Axis, Dimension};
            use ::optnet::runtime::{Error, QpBatch, QpGrad, Real, Solver, Term};

            #[allow(non_snake_case, unused_mut, unused_variables, clippy::all)]
            impl<T: Real> #layer<T> {
                #[doc = #new_doc]
                pub fn new(#(#size_args: usize,)* params: #params<T>) -> ::core::result::Result<Self, Error> {
                    let sizes = #sizes { #(#size_args,)* };
                    #size_checks
                    let layer = Self { sizes, params };
                    layer.check_params()?;
                    Ok(layer)
                }

                /// The size arguments.
                pub fn sizes(&self) -> &#sizes {
                    &self.sizes
                }

                /// The params.
                pub fn params(&self) -> &#params<T> {
                    &self.params
                }

                /// The params, to update them in training (they are checked again by
                /// every `canonicalize` and `forward`).
                pub fn params_mut(&mut self) -> &mut #params<T> {
                    &mut self.params
                }

                /// Checks shapes, finiteness and declared signs of the params.
                pub fn check_params(&self) -> ::core::result::Result<(), Error> {
                    #check_params
                    Ok(())
                }

                /// Checks the inputs and returns the batch size.
                fn check_inputs(&self, inputs: &#inputs_ty) -> ::core::result::Result<usize, Error> {
                    #check_inputs
                }

                /// The canonical QP of every example (data no input touches is shared).
                pub fn canonicalize(&self, inputs: &#inputs_ty) -> ::core::result::Result<QpBatch<'static, T>, Error> {
                    Ok(self.evaluate(inputs)?.0)
                }

                /// Builds the QP and keeps the data graph's values for the backward pass.
                fn evaluate(&self, inputs: &#inputs_ty) -> ::core::result::Result<(QpBatch<'static, T>, #tape<T>), Error> {
                    #evaluate
                }

                /// Solves the layer's QP for every example.
                pub fn forward(&self, inputs: &#inputs_ty, solver: &Solver) -> ::core::result::Result<#output<T>, Error> {
                    let (qp, tape) = self.evaluate(inputs)?;
                    let solution = solver.solve(&qp)?;
                    let batch = qp.batch();
                    Ok(#output {
                        #outputs
                        status: solution.status.clone(),
                        qp,
                        solution,
                        tape,
                        solver: solver.clone(),
                    })
                }

                /// Gradients of a loss ℓ with respect to every param (summed over the
                /// batch) and every input (per example), given ∂ℓ/∂outputs.
                pub fn backward(&self, out: &#output<T>, grads: &#output_grads<'_, T>) -> ::core::result::Result<#grads<T>, Error> {
                    let dz = self.output_dz(out, grads)?;
                    let qg = out.solver.backward(&out.qp, &out.solution, dz.view())?;
                    self.vjp(&out.tape, qg)
                }

                /// [`Self::backward`] into `last`, the gradients of an earlier call: the
                /// canonical QP's per-example gradients (`last.qp`; the largest arrays where Q,
                /// A or G depends on an input) are written over in place where their shapes
                /// fit (`Solver::backward_into`), the params' and inputs' are new. The result
                /// is `backward`'s, bit for bit. On an error in the output gradients or the
                /// solver `last` is left as it was; past those, it is replaced whole.
                pub fn backward_into(&self, out: &#output<T>, grads: &#output_grads<'_, T>, last: &mut #grads<T>) -> ::core::result::Result<(), Error> {
                    let dz = self.output_dz(out, grads)?;
                    out.solver.backward_into(&out.qp, &out.solution, dz.view(), &mut last.qp)?;
                    *last = self.vjp(&out.tape, ::core::mem::take(&mut last.qp))?;
                    Ok(())
                }

                /// ∂ℓ/∂z of the canonical QP from ∂ℓ/∂outputs (each checked against its
                /// output's shape), for `backward` and `backward_into`.
                fn output_dz(&self, out: &#output<T>, grads: &#output_grads<'_, T>) -> ::core::result::Result<Array2<T>, Error> {
                    let batch = out.status.len();
                    let mut dz = Array2::<T>::zeros((batch, #n));
                    #dz
                    Ok(dz)
                }

                /// Maps a gradient with respect to the canonical QP data (as
                /// `Solver::backward` returns it for `self.canonicalize(inputs)`) to the
                /// params and inputs.
                pub fn backward_qp(&self, inputs: &#inputs_ty, qg: QpGrad<T>) -> ::core::result::Result<#grads<T>, Error> {
                    let (_, tape) = self.evaluate(inputs)?;
                    self.vjp(&tape, qg)
                }

                /// Vector-Jacobian products of the data graph, last node first.
                fn vjp(&self, tape: &#tape<T>, qg: QpGrad<T>) -> ::core::result::Result<#grads<T>, Error> {
                    #vjp
                }
            }
        }
    }

    fn size_checks(&self) -> TokenStream {
        let base = q!(sizes);
        let mut seen = Vec::new();
        let mut out = TokenStream::new();
        for d in self
            .ck
            .params
            .iter()
            .chain(&self.ck.inputs)
            .chain(&self.ck.vars)
        {
            for s in &d.dims {
                if s.0.values().all(|&c| c > 0) || seen.contains(s) {
                    continue;
                }
                seen.push(s.clone());
                let e = size_i64(s, &base);
                let msg = format!(
                    "optnet: size `{s}` (of `{}`) is negative: {{}}",
                    d.name.text
                );
                out.extend(q! {
                    if #e < 0 {
                        return Err(Error::Layer(format!(#msg, #e)));
                    }
                });
            }
        }
        out
    }

    fn expected_dims(&self, d: &DeclInfo) -> Vec<TokenStream> {
        d.dims.iter().map(|s| self.sz(s)).collect()
    }

    fn check_params(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for d in &self.ck.params {
            let id = user(d);
            let name = d.name.text.clone();
            let dims = self.expected_dims(d);
            let words = shape_words(d);
            if d.dims.is_empty() {
                out.extend(q! {
                    let value = self.params.#id;
                    if !value.is_finite() {
                        return Err(Error::NonFinite { array: #name, example: None, index: vec![], value: format!("{value}") });
                    }
                });
            } else {
                let fmt = format!("[{}] (declared {words})", vec!["{}"; dims.len()].join(", "));
                let idx = 0..dims.len();
                out.extend(q! {
                    let want = [#(#dims),*];
                    if self.params.#id.shape() != want {
                        return Err(Error::Shape { array: #name, expected: format!(#fmt, #(want[#idx]),*), found: self.params.#id.shape().to_vec() });
                    }
                    if let Some((index, value)) = self.params.#id.view().into_dyn().indexed_iter().find(|(_, v)| !v.is_finite()) {
                        return Err(Error::NonFinite { array: #name, example: None, index: index.slice().to_vec(), value: format!("{value}") });
                    }
                });
            }
            if let Some(sign) = d.sign {
                let (bad, word) = match sign {
                    crate::ast::SignDecl::Nonneg => (q!(<), "nonneg"),
                    crate::ast::SignDecl::Nonpos => (q!(>), "nonpos"),
                };
                let msg = format!("param `{name}` is declared {word} but holds {{}}");
                let find = if d.dims.is_empty() {
                    q!(Some(self.params.#id).filter(|v| *v #bad T::zero()))
                } else {
                    q!(self.params.#id.iter().copied().find(|v| *v #bad T::zero()))
                };
                out.extend(q! {
                    if let Some(value) = #find {
                        return Err(Error::Layer(format!(#msg, value)));
                    }
                });
            }
        }
        out
    }

    fn check_inputs(&self) -> TokenStream {
        if self.ck.inputs.is_empty() {
            return q!(Ok(inputs.batch));
        }
        let first = user(&self.ck.inputs[0]);
        let mut out = q! { let batch = inputs.#first.shape()[0]; };
        for d in &self.ck.inputs {
            let id = user(d);
            let name = d.name.text.clone();
            let dims = self.expected_dims(d);
            let words = shape_words(d);
            let fmt = format!(
                "[batch, {}] (declared {words} per example)",
                vec!["{}"; dims.len()].join(", ")
            )
            .replace("[batch, ]", "[batch]");
            let idx = 0..dims.len();
            let ndims = dims.len();
            out.extend(q! {
                let found = inputs.#id.shape();
                if found[0] != batch {
                    return Err(Error::BatchSize { array: #name, expected: batch, found: found[0] });
                }
                let want: [usize; #ndims] = [#(#dims),*];
                if found[1..] != want[..] {
                    return Err(Error::Shape { array: #name, expected: format!(#fmt, #(want[#idx]),*), found: found.to_vec() });
                }
                if let Some((index, value)) = inputs.#id.into_dyn().indexed_iter().find(|(_, v)| !v.is_finite()) {
                    let index = index.slice().to_vec();
                    return Err(Error::NonFinite { array: #name, example: Some(index[0]), index: index[1..].to_vec(), value: format!("{value}") });
                }
            });
            if let Some(sign) = d.sign {
                let (bad, word) = match sign {
                    crate::ast::SignDecl::Nonneg => (q!(<), "nonneg"),
                    crate::ast::SignDecl::Nonpos => (q!(>), "nonpos"),
                };
                let msg = format!("input `{name}` is declared {word} but holds {{}}");
                out.extend(q! {
                    if let Some(value) = inputs.#id.iter().copied().find(|v| *v #bad T::zero()) {
                        return Err(Error::Layer(format!(#msg, value)));
                    }
                });
            }
        }
        out.extend(q!(Ok(batch)));
        out
    }

    /// Nodes the QP's blocks need, in evaluation order.
    fn live_nodes(&self) -> Vec<NodeId> {
        let gr = &self.qp.graph;
        let mut live = vec![false; gr.nodes.len()];
        let mut stack: Vec<NodeId> = self
            .blocks()
            .flat_map(|(_, bl)| bl.iter().map(|b| b.node))
            .chain(self.qp.psd.iter().map(|p| p.node))
            .collect();
        while let Some(k) = stack.pop() {
            if !live[k] {
                live[k] = true;
                stack.extend(children(&gr.nodes[k].op));
            }
        }
        (0..gr.nodes.len()).filter(|&k| live[k]).collect()
    }

    fn blocks(&self) -> impl Iterator<Item = (&'static str, &Vec<Block>)> {
        [
            ("Q", &self.qp.Q),
            ("q", &self.qp.q),
            ("A", &self.qp.A),
            ("b", &self.qp.b),
            ("G", &self.qp.G),
            ("h", &self.qp.h),
        ]
        .into_iter()
    }

    /// Whether array `name` (Q, q, …) is batched, and whether it is present.
    fn array_kind(&self, name: &str) -> (bool, bool) {
        let blocks = match name {
            "Q" => &self.qp.Q,
            "q" => &self.qp.q,
            "A" => &self.qp.A,
            "b" => &self.qp.b,
            "G" => &self.qp.G,
            _ => &self.qp.h,
        };
        let present = match name {
            "A" | "b" => !self.qp.m.0.is_empty(),
            "G" | "h" => !self.qp.p.0.is_empty(),
            _ => true,
        };
        let batched = blocks.iter().any(|b| self.qp.graph.nodes[b.node].batched);
        (batched, present)
    }

    fn array_dims(&self, name: &str) -> Vec<TokenStream> {
        let (n, m, p) = (
            self.sz(&self.qp.n),
            self.sz(&self.qp.m),
            self.sz(&self.qp.p),
        );
        match name {
            "Q" => vec![n.clone(), n],
            "q" => vec![n],
            "A" => vec![m, n],
            "b" => vec![m],
            "G" => vec![p, n],
            _ => vec![p],
        }
    }

    /// The value of node `k` (for an input leaf: of example `i`).
    fn node_value(&self, k: NodeId) -> TokenStream {
        let gr = &self.qp.graph;
        let node = &gr.nodes[k];
        let val = |a: &NodeId| v(*a);
        match &node.op {
            Op::Param(p) => {
                let d = &self.ck.params[*p];
                let id = user(d);
                match d.shape {
                    Shape::Scalar => q!(Array2::from_elem((1, 1), self.params.#id)),
                    Shape::Vector(_) => q!(self.params.#id.view().insert_axis(Axis(1)).to_owned()),
                    _ => q!(self.params.#id.to_owned()),
                }
            }
            Op::Input(p) => {
                let d = &self.ck.inputs[*p];
                let id = user(d);
                match d.shape {
                    Shape::Scalar => q!(Array2::from_elem((1, 1), inputs.#id[i])),
                    Shape::Vector(_) => q!(inputs.#id.row(i).insert_axis(Axis(1)).to_owned()),
                    _ => q!(inputs.#id.index_axis(Axis(0), i).to_owned()),
                }
            }
            Op::Lit(b) => {
                let x = f64_lit(lit_f64(*b));
                q!(Array2::from_elem((1, 1), T::of(#x)))
            }
            Op::Eye(s) => {
                let s = self.sz(s);
                q!(Array2::eye(#s))
            }
            Op::Ones => {
                let (r, c) = (self.sz(&node.rows), self.sz(&node.cols));
                q!(Array2::ones((#r, #c)))
            }
            Op::Zeros => {
                let (r, c) = (self.sz(&node.rows), self.sz(&node.cols));
                q!(Array2::zeros((#r, #c)))
            }
            Op::Neg(a) => {
                let a = val(a);
                q!(-&#a)
            }
            Op::Add(a, b) => {
                let (a, b) = (val(a), val(b));
                q!(&#a + &#b)
            }
            Op::Sub(a, b) => {
                let (a, b) = (val(a), val(b));
                q!(&#a - &#b)
            }
            Op::MatMul(a, b) => {
                let (a, b) = (val(a), val(b));
                q!(#a.dot(&#b))
            }
            Op::Scale(s, a) => {
                let (s, a) = (val(s), val(a));
                q!(&#a * #s[[0, 0]])
            }
            Op::T(a) => {
                let a = val(a);
                q!(#a.t().to_owned())
            }
            Op::Recip(a) => {
                let a = val(a);
                q!(#a.mapv(|x| T::one() / x))
            }
            Op::Exp(a) => {
                let a = val(a);
                q!(#a.mapv(T::exp))
            }
            Op::Abs(a) => {
                let a = val(a);
                q!(#a.mapv(T::abs))
            }
            Op::Pos(a) => {
                let a = val(a);
                q!(#a.mapv(|x| x.max(T::zero())))
            }
            Op::Sum(a) => {
                let a = val(a);
                q!(Array2::from_elem((1, 1), #a.sum()))
            }
            Op::SumSq(a) => {
                let a = val(a);
                q!(Array2::from_elem((1, 1), #a.iter().fold(T::zero(), |acc, &x| acc + x * x)))
            }
            Op::Vec(a) => {
                let a = val(a);
                q!(#a.iter().copied().collect::<Array1<T>>().insert_axis(Axis(1)))
            }
            Op::VStack(parts) => {
                let ps: Vec<Ident> = parts.iter().map(val).collect();
                let first = &ps[0];
                q!({
                    let mut out = Array2::zeros((0 #(+ #ps.nrows())*, #first.ncols()));
                    let mut at = 0;
                    for part in [#(&#ps),*] {
                        out.slice_mut(s![at..at + part.nrows(), ..]).assign(part);
                        at += part.nrows();
                    }
                    out
                })
            }
            Op::HStack(parts) => {
                let ps: Vec<Ident> = parts.iter().map(val).collect();
                let first = &ps[0];
                q!({
                    let mut out = Array2::zeros((#first.nrows(), 0 #(+ #ps.ncols())*));
                    let mut at = 0;
                    for part in [#(&#ps),*] {
                        out.slice_mut(s![.., at..at + part.ncols()]).assign(part);
                        at += part.ncols();
                    }
                    out
                })
            }
        }
    }

    /// `X.slice_mut(..) += node` for each block of array `name` that is `batched`-side.
    fn assemble(&self, name: &str, blocks: &[Block], per_example: bool) -> TokenStream {
        let arr = local(name);
        let mut out = TokenStream::new();
        let vector = matches!(name, "q" | "b" | "h");
        for b in blocks {
            let val = v(b.node);
            let r = self.sz(&b.row);
            let c = self.sz(&b.col);
            let idx = if per_example { q!(i,) } else { q!() };
            out.extend(if vector {
                q!(#arr.slice_mut(s![#idx #r..#r + #val.nrows()]).scaled_add(T::one(), &#val.column(0));)
            } else {
                q!(#arr.slice_mut(s![#idx #r..#r + #val.nrows(), #c..#c + #val.ncols()]).scaled_add(T::one(), &#val);)
            });
        }
        out
    }

    fn psd_check(&self, k: NodeId, text: &str, per_example: bool) -> TokenStream {
        let val = v(k);
        let msg = format!(
            "optnet: the matrix `{text}` of `quad_form` is not positive semi-definite: {{}}"
        );
        let label = if per_example {
            q!(format!(#msg, format!("{e} (example {i})")))
        } else {
            q!(format!(#msg, e))
        };
        q! {
            QpBatch::builder()
                .Q(#val.clone())
                .q(Array1::<T>::zeros(#val.nrows()))
                .build()
                .map_err(|e| Error::Layer(#label))?;
        }
    }

    fn evaluate(&self) -> TokenStream {
        let live = self.live_nodes();
        let gr = &self.qp.graph;
        let shared: Vec<NodeId> = live
            .iter()
            .copied()
            .filter(|&k| !gr.nodes[k].batched)
            .collect();
        let batched: Vec<NodeId> = live
            .iter()
            .copied()
            .filter(|&k| gr.nodes[k].batched)
            .collect();
        let mut out = q! {
            self.check_params()?;
            let batch = self.check_inputs(inputs)?;
        };
        if !shared.is_empty() {
            out.extend(q!(// Data shared by the batch.
            ));
        }
        for &k in &shared {
            let (val, e) = (v(k), self.node_value(k));
            out.extend(q!(let #val: Array2<T> = #e;));
        }
        for p in &self.qp.psd {
            if !gr.nodes[p.node].batched {
                out.extend(self.psd_check(p.node, &p.text, false));
            }
        }
        let mut build = TokenStream::new();
        let mut in_loop = TokenStream::new();
        for (name, blocks) in self.blocks() {
            let (is_batched, present) = self.array_kind(name);
            if !present {
                continue;
            }
            let arr = local(name);
            let dims = self.array_dims(name);
            if is_batched {
                out.extend(q!(let mut #arr = Array::<T, _>::zeros((batch, #(#dims),*));));
                in_loop.extend(self.assemble(name, blocks, true));
            } else {
                out.extend(q!(let mut #arr = Array::<T, _>::zeros((#(#dims),*));));
                out.extend(self.assemble(name, blocks, false));
            }
            let setter = local(name);
            build.extend(q!(.#setter(#arr)));
        }
        let bvals: Vec<Ident> = batched.iter().map(|&k| v(k)).collect();
        let mut body = TokenStream::new();
        for &k in &batched {
            let (val, e) = (v(k), self.node_value(k));
            body.extend(q!(let #val: Array2<T> = #e;));
        }
        for p in &self.qp.psd {
            if gr.nodes[p.node].batched {
                body.extend(self.psd_check(p.node, &p.text, true));
            }
        }
        let svals: Vec<Ident> = shared.iter().map(|&k| v(k)).collect();
        let tape = &self.nm.tape;
        out.extend(q! {
            let mut tape_batched = Vec::with_capacity(batch);
            for i in 0..batch {
                #body
                #in_loop
                tape_batched.push(vec![#(#bvals),*]);
            }
            let qp = QpBatch::builder()
                #build
                .batch_size(batch)
                .check_psd(false)
                .build()?;
            Ok((qp, #tape { shared: vec![#(#svals),*], batched: tape_batched }))
        });
        out
    }

    fn output_slices(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (var, off) in &self.qp.vars {
            let Some(u) = var.user else { continue };
            let d = &self.ck.vars[u];
            let id = user(d);
            let off = self.sz(off);
            out.extend(match &d.shape {
                Shape::Scalar => q!(#id: solution.z.column(#off).to_owned(),),
                Shape::Vector(k) | Shape::Row(k) => {
                    let k = self.sz(k);
                    q!(#id: solution.z.slice(s![.., #off..#off + #k]).to_owned(),)
                }
                Shape::Matrix(r, c) => {
                    let (r, c) = (self.sz(r), self.sz(c));
                    q!(#id: Array3::from_shape_fn((batch, #r, #c), |(e, a, b)| solution.z[[e, #off + a * #c + b]]),)
                }
            });
        }
        out
    }

    fn output_grads_in(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (var, off) in &self.qp.vars {
            let Some(u) = var.user else { continue };
            let d = &self.ck.vars[u];
            let id = user(d);
            let name = d.name.text.clone();
            let off = self.sz(off);
            let dims = self.expected_dims(d);
            let fmt = format!(
                "[batch, {}] = [{{}}, {}]",
                d.dims
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                vec!["{}"; dims.len()].join(", ")
            )
            .replace("[batch, ]", "[batch]")
            .replace("[{}, ]", "[{}]");
            out.extend(q! {
                let want = [batch, #(#dims),*];
                if grads.#id.shape() != want {
                    return Err(Error::Shape { array: #name, expected: format!(#fmt, batch, #(#dims),*), found: grads.#id.shape().to_vec() });
                }
            });
            out.extend(match &d.shape {
                Shape::Scalar => q!(dz.column_mut(#off).assign(&grads.#id);),
                Shape::Vector(k) | Shape::Row(k) => {
                    let k = self.sz(k);
                    q!(dz.slice_mut(s![.., #off..#off + #k]).assign(&grads.#id);)
                }
                Shape::Matrix(_, c) => {
                    let c = self.sz(c);
                    q! {
                        for ((e, a, b), &x) in grads.#id.indexed_iter() {
                            dz[[e, #off + a * #c + b]] = x;
                        }
                    }
                }
            });
        }
        out
    }

    /// The adjoint of node `k` flowing to its operands.
    fn node_vjp(&self, k: NodeId) -> TokenStream {
        let gr = &self.qp.graph;
        let node = &gr.nodes[k];
        let gk = g(k);
        let vk = v(k);
        let wants = |a: &NodeId| gr.nodes[*a].grad;
        let mut out = TokenStream::new();
        match &node.op {
            Op::Param(p) => {
                let d = &self.ck.params[*p];
                let id = user(d);
                out.extend(match d.shape {
                    Shape::Scalar => q!(gp.#id = gp.#id + #gk[[0, 0]];),
                    Shape::Vector(_) => q!(gp.#id.scaled_add(T::one(), &#gk.column(0));),
                    _ => q!(gp.#id.scaled_add(T::one(), &#gk);),
                });
            }
            Op::Input(p) => {
                let d = &self.ck.inputs[*p];
                let id = user(d);
                out.extend(match d.shape {
                    Shape::Scalar => q!(gi.#id[i] = gi.#id[i] + #gk[[0, 0]];),
                    Shape::Vector(_) => q!(gi.#id.row_mut(i).scaled_add(T::one(), &#gk.column(0));),
                    _ => q!(gi.#id.index_axis_mut(Axis(0), i).scaled_add(T::one(), &#gk);),
                });
            }
            Op::Lit(_) | Op::Eye(_) | Op::Ones | Op::Zeros => {}
            Op::Neg(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(-T::one(), &#gk);));
                }
            }
            Op::Add(a, b) | Op::Sub(a, b) => {
                let sign = if matches!(node.op, Op::Add(..)) {
                    q!(T::one())
                } else {
                    q!(-T::one())
                };
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(T::one(), &#gk);));
                }
                if wants(b) {
                    let gb = g(*b);
                    out.extend(q!(#gb.scaled_add(#sign, &#gk);));
                }
            }
            Op::MatMul(a, b) => {
                let (va, vb) = (v(*a), v(*b));
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(T::one(), &#gk.dot(&#vb.t()));));
                }
                if wants(b) {
                    let gb = g(*b);
                    out.extend(q!(#gb.scaled_add(T::one(), &#va.t().dot(&#gk));));
                }
            }
            Op::Scale(s, a) => {
                let (vs, va) = (v(*s), v(*a));
                if wants(s) {
                    let gs = g(*s);
                    out.extend(q!(#gs[[0, 0]] = #gs[[0, 0]] + #gk.iter().zip(#va.iter()).fold(T::zero(), |acc, (&x, &y)| acc + x * y);));
                }
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(#vs[[0, 0]], &#gk);));
                }
            }
            Op::T(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(T::one(), &#gk.t());));
                }
            }
            Op::Recip(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(-T::one(), &(&#gk * &#vk.mapv(|x| x * x)));));
                }
            }
            Op::Exp(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.scaled_add(T::one(), &(&#gk * &*#vk));));
                }
            }
            Op::Abs(a) | Op::Pos(a) => {
                if wants(a) {
                    let (ga, va) = (g(*a), v(*a));
                    let d = if matches!(node.op, Op::Abs(_)) {
                        q!(#va.mapv(|x| if x > T::zero() { T::one() } else if x < T::zero() { -T::one() } else { T::zero() }))
                    } else {
                        q!(#va.mapv(|x| if x > T::zero() { T::one() } else { T::zero() }))
                    };
                    out.extend(q!(#ga.scaled_add(T::one(), &(&#gk * &#d));));
                }
            }
            Op::Sum(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!({ let c = #gk[[0, 0]]; #ga.mapv_inplace(|x| x + c); }));
                }
            }
            Op::SumSq(a) => {
                if wants(a) {
                    let (ga, va) = (g(*a), v(*a));
                    out.extend(q!(#ga.scaled_add(T::of(2.0) * #gk[[0, 0]], &*#va);));
                }
            }
            Op::Vec(a) => {
                if wants(a) {
                    let ga = g(*a);
                    out.extend(q!(#ga.iter_mut().zip(#gk.iter()).for_each(|(x, &y)| *x = *x + y);));
                }
            }
            Op::VStack(parts) | Op::HStack(parts) => {
                let vertical = matches!(node.op, Op::VStack(_));
                let mut steps = TokenStream::new();
                for p in parts {
                    let vp = v(*p);
                    let extent = if vertical {
                        q!(#vp.nrows())
                    } else {
                        q!(#vp.ncols())
                    };
                    if wants(p) {
                        let gp_ = g(*p);
                        let sl = if vertical {
                            q!(s![at..at + #extent, ..])
                        } else {
                            q!(s![.., at..at + #extent])
                        };
                        steps.extend(q!(#gp_.scaled_add(T::one(), &#gk.slice(#sl));));
                    }
                    steps.extend(q!(at += #extent;));
                }
                out.extend(q!({ let mut at = 0; #steps }));
            }
        }
        out
    }

    /// Seeds adjoints from the QP gradient: `g += dX[block]`.
    fn seeds(&self, name: &str, blocks: &[Block], batched_array: bool) -> TokenStream {
        let gr = &self.qp.graph;
        let dx = local(&format!("d{name}"));
        let vector = matches!(name, "q" | "b" | "h");
        let idx = if batched_array { q!(i,) } else { q!() };
        let mut out = TokenStream::new();
        for b in blocks {
            if !gr.nodes[b.node].grad {
                continue;
            }
            let (gk, vk) = (g(b.node), v(b.node));
            let r = self.sz(&b.row);
            let c = self.sz(&b.col);
            out.extend(if vector {
                q!(#gk.column_mut(0).scaled_add(T::one(), &#dx.slice(s![#idx #r..#r + #vk.nrows()]));)
            } else {
                q!(#gk.scaled_add(T::one(), &#dx.slice(s![#idx #r..#r + #vk.nrows(), #c..#c + #vk.ncols()]));)
            });
        }
        out
    }

    fn vjp(&self) -> TokenStream {
        let live = self.live_nodes();
        let gr = &self.qp.graph;
        let shared: Vec<NodeId> = live
            .iter()
            .copied()
            .filter(|&k| !gr.nodes[k].batched)
            .collect();
        let batched: Vec<NodeId> = live
            .iter()
            .copied()
            .filter(|&k| gr.nodes[k].batched)
            .collect();
        let Names {
            params,
            input_grads,
            grads,
            ..
        } = self.nm;
        // Zero gradients of params and inputs.
        let pz: Vec<TokenStream> = self
            .ck
            .params
            .iter()
            .map(|d| {
                let id = user(d);
                match d.shape {
                    Shape::Scalar => q!(#id: T::zero(),),
                    _ => q!(#id: Array::zeros(self.params.#id.raw_dim()),),
                }
            })
            .collect();
        let params_zero = if pz.is_empty() {
            q!(#params { _marker: ::core::marker::PhantomData })
        } else {
            q!(#params { #(#pz)* })
        };
        let inputs_zero = if self.ck.inputs.is_empty() {
            q!(#input_grads { _marker: ::core::marker::PhantomData })
        } else {
            let f = self.ck.inputs.iter().map(|d| {
                let id = user(d);
                let dims = self.expected_dims(d);
                q!(#id: Array::zeros((batch, #(#dims),*)),)
            });
            q!(#input_grads { #(#f)* })
        };
        let mut out = q! {
            let batch = tape.batched.len();
            let mut gp = #params_zero;
            let mut gi = #inputs_zero;
        };
        for (slot, &k) in shared.iter().enumerate() {
            let vk = v(k);
            out.extend(q!(let #vk = &tape.shared[#slot];));
            if gr.nodes[k].grad {
                let gk = g(k);
                out.extend(q!(let mut #gk = Array2::<T>::zeros(#vk.raw_dim());));
            }
        }
        // The QP gradient, array by array, and the shared seeds.
        let mut seeds_loop = TokenStream::new();
        for (name, blocks) in self.blocks() {
            let (is_batched, present) = self.array_kind(name);
            if !present || !blocks.iter().any(|b| gr.nodes[b.node].grad) {
                continue;
            }
            let field = local(&format!("d{name}"));
            let dx = local(&format!("d{name}"));
            let optional = !matches!(name, "Q" | "q");
            let get = if is_batched { q!(batched) } else { q!(shared) };
            let term = if optional {
                q!(qg.#field.as_ref().and_then(|t| t.#get()))
            } else {
                q!(qg.#field.#get())
            };
            let s = self.seeds(name, blocks, is_batched);
            if is_batched {
                out.extend(q!(let #dx = #term;));
                seeds_loop.extend(q!(if let Some(#dx) = &#dx { #s }));
            } else {
                out.extend(q!(if let Some(#dx) = #term { #s }));
            }
        }
        // Per example: batched nodes, last first.
        let mut body = TokenStream::new();
        for (slot, &k) in batched.iter().enumerate() {
            let (vk, gk) = (v(k), g(k));
            body.extend(q! {
                let #vk = &tb[#slot];
                let mut #gk = Array2::<T>::zeros(#vk.raw_dim());
            });
        }
        body.extend(seeds_loop);
        for &k in batched.iter().rev() {
            body.extend(self.node_vjp(k));
        }
        out.extend(q! {
            for (i, tb) in tape.batched.iter().enumerate() {
                #body
            }
        });
        for &k in shared.iter().rev() {
            if gr.nodes[k].grad {
                out.extend(self.node_vjp(k));
            }
        }
        out.extend(q!(Ok(#grads { params: gp, inputs: gi, qp: qg })));
        out
    }
}

fn sign_words(d: &DeclInfo) -> String {
    match d.sign {
        Some(crate::ast::SignDecl::Nonneg) => " nonneg".into(),
        Some(crate::ast::SignDecl::Nonpos) => " nonpos".into(),
        None => String::new(),
    }
}

/// `T`, `Array1<T>`, `Array2<T>`, … for a shape with `extra` leading axes.
fn owned_ty(shape: &Shape, extra: usize) -> TokenStream {
    let rank = match shape {
        Shape::Scalar => 0,
        Shape::Vector(_) | Shape::Row(_) => 1,
        Shape::Matrix(..) => 2,
    } + extra;
    match rank {
        0 => q!(T),
        1 => q!(::optnet::ndarray::Array1<T>),
        2 => q!(::optnet::ndarray::Array2<T>),
        _ => q!(::optnet::ndarray::Array3<T>),
    }
}

/// The view type of a per-example array with a leading batch axis.
fn view_ty(shape: &Shape) -> TokenStream {
    match shape {
        Shape::Scalar => q!(::optnet::ndarray::ArrayView1<'a, T>),
        Shape::Vector(_) | Shape::Row(_) => q!(::optnet::ndarray::ArrayView2<'a, T>),
        Shape::Matrix(..) => q!(::optnet::ndarray::ArrayView3<'a, T>),
    }
}
