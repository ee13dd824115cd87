//! Parsing: Rust tokens → text (`tokens.rs`) → pest parse tree (`grammar/optnet.pest`) →
//! [`ast::Layer`]. A parse error is mapped back to the user's token.

use crate::ast::*;
use crate::tokens::{Sp, TokenText};
use pest::iterators::Pair;
use pest::Parser as _;
use proc_macro2::TokenStream;

/// The pest parser generated from the one grammar file.
#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/optnet.pest"]
pub struct LayerParser;

/// Parses a layer from the macro's input tokens.
pub fn parse_layer(tokens: TokenStream) -> Result<Layer, syn::Error> {
    let tt = TokenText::new(tokens);
    let mut pairs =
        LayerParser::parse(Rule::layer_file, &tt.text).map_err(|e| pest_error(&tt, &e))?;
    let file = pairs.next().expect("layer_file matched");
    let layer = file
        .into_inner()
        .find(|p| p.as_rule() == Rule::layer)
        .expect("layer_file holds a layer");
    Ok(Builder { tt: &tt }.layer(layer))
}

/// Words a user understands for the rules pest expected.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::expr | Rule::term | Rule::unary | Rule::postfix => "an expression",
        Rule::ident | Rule::name => "a name",
        Rule::number => "a number",
        Rule::integer => "an integer",
        Rule::size_expr | Rule::size_term => "a size",
        Rule::shape | Rule::dims => "a shape (`scalar`, `[k]`, `[k, l]`, `nonneg`, `nonpos`)",
        Rule::sign => "a sign (`nonneg`, `nonpos`)",
        Rule::declaration | Rule::decl_kind => "`input`, `param` or `variable`",
        Rule::objective | Rule::sense => "`minimize` or `maximize`",
        Rule::constraints | Rule::kw_subject => "`subject to`",
        Rule::kw_to => "`to`",
        Rule::constraint => "a constraint",
        Rule::relation => "`==`, `<=` or `>=`",
        Rule::add_op => "`+` or `-`",
        Rule::mul_op => "`*` or `/`",
        Rule::transpose => "`.T`",
        Rule::kw_layer => "`layer`",
        Rule::visibility | Rule::kw_pub => "`pub`",
        Rule::attribute => "an attribute",
        Rule::size_list => "size arguments",
        Rule::call => "a call",
        Rule::block | Rule::block_row => "a block `[a, b; c, d]`",
        Rule::EOI => "the end of the layer",
        Rule::kw_T => "`T`",
        Rule::string => "a string",
        Rule::semi => "`;`",
        Rule::comma => "`,`",
        _ => "something else",
    }
}

fn pest_error(tt: &TokenText, e: &pest::error::Error<Rule>) -> syn::Error {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let found = tt
        .token_at(pos)
        .map(|i| &tt.text[tt.toks[i].start..tt.toks[i].end]);
    let msg = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut words: Vec<&str> = positives.iter().map(|r| describe(*r)).collect();
            words.dedup();
            words.sort_unstable();
            words.dedup();
            let expected = match words.len() {
                0 => "something else".to_string(),
                1 => words[0].to_string(),
                _ => {
                    let (last, rest) = words.split_last().expect("two or more");
                    format!("{} or {}", rest.join(", "), last)
                }
            };
            match found {
                Some(f) => format!("optnet: expected {expected}, found `{f}`"),
                None => format!("optnet: expected {expected}, found the end of the layer"),
            }
        }
        pest::error::ErrorVariant::CustomError { message } => format!("optnet: {message}"),
    };
    match tt.token_at(pos) {
        Some(i) => Sp::one(tt.toks[i].span).error(msg),
        None => syn::Error::new(proc_macro2::Span::call_site(), msg),
    }
}

/// The source text of an expression without the spaces the token writer put in:
/// `L * L . T + eye ( n )` → `L * L.T + eye(n)`.
pub fn tidy(text: &str) -> String {
    let mut s = text.trim().to_string();
    for (from, to) in [
        (" . ", "."),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        ("[ ", "["),
        (" ]", "]"),
    ] {
        while s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// Turns pest pairs into the AST, attaching source ranges.
struct Builder<'t> {
    tt: &'t TokenText,
}

impl Builder<'_> {
    fn sp(&self, p: &Pair<'_, Rule>) -> Sp {
        let s = p.as_span();
        self.tt.range(s.start(), s.end())
    }

    fn name(&self, p: Pair<'_, Rule>) -> Name {
        Name {
            text: p.as_str().to_string(),
            sp: self.sp(&p),
        }
    }

    fn layer(&self, p: Pair<'_, Rule>) -> Layer {
        let mut layer = Layer {
            docs: Vec::new(),
            vis: TokenStream::new(),
            name: Name {
                text: String::new(),
                sp: self.sp(&p),
            },
            sizes: Vec::new(),
            decls: Vec::new(),
            objectives: Vec::new(),
            constraints: Vec::new(),
        };
        for q in p.into_inner() {
            match q.as_rule() {
                Rule::attribute => {
                    let mut it = q.into_inner();
                    let _key = it.next();
                    if let Some(s) = it.next() {
                        if let Some(lit) = self.tt.literal_at(s.as_span().start()) {
                            layer.docs.push(lit);
                        }
                    }
                }
                Rule::visibility => {
                    let spans: Vec<_> = self
                        .tt
                        .toks
                        .iter()
                        .filter(|t| t.start >= q.as_span().start() && t.end <= q.as_span().end())
                        .map(|t| t.span)
                        .collect();
                    let text = q.as_str().replace(' ', "");
                    // Rebuild `pub` / `pub(crate)` with the user's spans.
                    let mut ts = TokenStream::new();
                    let pub_kw = proc_macro2::Ident::new("pub", spans[0]);
                    ts.extend([proc_macro2::TokenTree::Ident(pub_kw)]);
                    if let Some(open) = text.find('(') {
                        let scope = &text[open + 1..text.len() - 1];
                        let inner = proc_macro2::Ident::new(scope, spans[2]);
                        let g = proc_macro2::Group::new(
                            proc_macro2::Delimiter::Parenthesis,
                            TokenStream::from(proc_macro2::TokenTree::Ident(inner)),
                        );
                        ts.extend([proc_macro2::TokenTree::Group(g)]);
                    }
                    layer.vis = ts;
                }
                Rule::kw_layer => {}
                Rule::ident => layer.name = self.name(q),
                Rule::size_list => layer.sizes = q.into_inner().map(|i| self.name(i)).collect(),
                Rule::declaration => layer.decls.push(self.decl(q)),
                Rule::objective => {
                    let sp = self.sp(&q);
                    let mut it = q.into_inner();
                    let sense = it.next().expect("sense");
                    let maximize = sense.as_str().starts_with("max");
                    let expr = self.expr(it.next().expect("objective expr"));
                    layer.objectives.push(Objective { maximize, expr, sp });
                }
                Rule::constraints => {
                    for c in q.into_inner().filter(|c| c.as_rule() == Rule::constraint) {
                        self.constraint(c, &mut layer.constraints);
                    }
                }
                _ => {}
            }
        }
        layer
    }

    fn decl(&self, p: Pair<'_, Rule>) -> Decl {
        let sp = self.sp(&p);
        let mut it = p.into_inner();
        let kind = match it.next().expect("decl kind").as_str() {
            "input" => DeclKind::Input,
            "param" => DeclKind::Param,
            _ => DeclKind::Variable,
        };
        let name = self.name(it.next().expect("decl name"));
        let mut dims = Vec::new();
        let mut sign = None;
        for s in it.next().expect("shape").into_inner() {
            match s.as_rule() {
                Rule::dims => dims = s.into_inner().map(|d| self.size(d)).collect(),
                Rule::sign => {
                    sign = Some(if s.as_str() == "nonneg" {
                        SignDecl::Nonneg
                    } else {
                        SignDecl::Nonpos
                    })
                }
                _ => {}
            }
        }
        Decl {
            kind,
            name,
            dims,
            sign,
            sp,
        }
    }

    fn size(&self, p: Pair<'_, Rule>) -> SizeExpr {
        match p.as_rule() {
            Rule::size_expr => {
                let mut it = p.into_inner();
                let mut acc = self.size(it.next().expect("size term"));
                while let Some(op) = it.next() {
                    let rhs = self.size(it.next().expect("size term"));
                    acc = if op.as_str() == "+" {
                        SizeExpr::Add(Box::new(acc), Box::new(rhs))
                    } else {
                        SizeExpr::Sub(Box::new(acc), Box::new(rhs))
                    };
                }
                acc
            }
            Rule::size_term => {
                let mut it = p.into_inner();
                let mut acc = self.size(it.next().expect("size atom"));
                for rhs in it {
                    acc = SizeExpr::Mul(Box::new(acc), Box::new(self.size(rhs)));
                }
                acc
            }
            Rule::integer => {
                let sp = self.sp(&p);
                SizeExpr::Int(p.as_str().parse().unwrap_or(i64::MAX), sp)
            }
            _ => SizeExpr::Name(self.name(p)),
        }
    }

    fn constraint(&self, p: Pair<'_, Rule>, out: &mut Vec<Constraint>) {
        let parts: Vec<Pair<'_, Rule>> = p.into_inner().collect();
        // expr (rel expr)+ : each adjacent pair is one link of the chain.
        let mut i = 0;
        while i + 2 < parts.len() {
            let (l, r) = (&parts[i], &parts[i + 2]);
            let rel = match parts[i + 1].as_str() {
                "==" => Rel::Eq,
                "<=" => Rel::Le,
                _ => Rel::Ge,
            };
            let sp = self.tt.range(l.as_span().start(), r.as_span().end());
            out.push(Constraint {
                lhs: self.expr(l.clone()),
                rel,
                rhs: self.expr(r.clone()),
                sp,
            });
            i += 2;
        }
    }

    fn expr(&self, p: Pair<'_, Rule>) -> Expr {
        let sp = self.sp(&p);
        match p.as_rule() {
            Rule::expr | Rule::term => {
                let start = p.as_span().start();
                let mut it = p.into_inner();
                let mut acc = self.expr(it.next().expect("operand"));
                while let Some(op) = it.next() {
                    let rhs_pair = it.next().expect("operand");
                    let end = rhs_pair.as_span().end();
                    let rhs = self.expr(rhs_pair);
                    let op = match op.as_str() {
                        "+" => BinOp::Add,
                        "-" => BinOp::Sub,
                        "*" => BinOp::Mul,
                        _ => BinOp::Div,
                    };
                    acc = Expr::Bin(op, Box::new(acc), Box::new(rhs), self.tt.range(start, end));
                }
                acc
            }
            Rule::unary => {
                let parts: Vec<_> = p.into_inner().collect();
                let (negs, rest) = parts.split_at(parts.len() - 1);
                let mut e = self.expr(rest[0].clone());
                for n in negs.iter().rev() {
                    let s = self.tt.range(n.as_span().start(), rest[0].as_span().end());
                    e = Expr::Neg(Box::new(e), s);
                }
                e
            }
            Rule::postfix => {
                let start = p.as_span().start();
                let mut it = p.into_inner();
                let mut e = self.expr(it.next().expect("primary"));
                for t in it {
                    e = Expr::Transpose(Box::new(e), self.tt.range(start, t.as_span().end()));
                }
                e
            }
            Rule::number => {
                let v = p
                    .as_str()
                    .replace('_', "")
                    .parse::<f64>()
                    .unwrap_or(f64::NAN);
                Expr::Num(v, sp)
            }
            Rule::name => Expr::Name(self.name(p.into_inner().next().expect("ident"))),
            Rule::call => {
                let mut it = p.into_inner();
                let f = self.name(it.next().expect("callee"));
                let args: Vec<_> = it.collect();
                let texts = args.iter().map(|a| tidy(a.as_str())).collect();
                Expr::Call(
                    f,
                    args.into_iter().map(|a| self.expr(a)).collect(),
                    texts,
                    sp,
                )
            }
            Rule::block => Expr::Block(
                p.into_inner()
                    .map(|row| row.into_inner().map(|e| self.expr(e)).collect())
                    .collect(),
                sp,
            ),
            r => unreachable!("expression rule {r:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn parse(src: &str) -> Result<Layer, syn::Error> {
        parse_layer(TokenStream::from_str(src).unwrap())
    }

    #[test]
    fn parses_the_tv_layer() {
        let l = parse(
            "/// doc\n pub layer TvDenoise(n) { input y: [n]; param D: [n - 1, n]; \
             param lambda: nonneg; variable z: [n]; \
             minimize 0.5 * sum_squares(y - z) + lambda * norm1(D * z); }",
        )
        .unwrap();
        assert_eq!(l.name.text, "TvDenoise");
        assert_eq!(l.docs.len(), 1);
        assert_eq!(l.sizes.len(), 1);
        assert_eq!(l.decls.len(), 4);
        assert_eq!(l.decls[2].sign, Some(SignDecl::Nonneg));
        assert!(l.decls[2].dims.is_empty());
        assert_eq!(l.objectives.len(), 1);
        assert!(matches!(l.objectives[0].expr, Expr::Bin(BinOp::Add, ..)));
    }

    #[test]
    fn chained_constraints_become_links() {
        let l = parse(
            "layer Box(n) { variable x: [n]; minimize sum(x); \
             subject to -1 <= x <= 1, x.T * x >= 0; }",
        )
        .unwrap();
        assert_eq!(l.constraints.len(), 3);
        assert_eq!(l.constraints[0].rel, Rel::Le);
        assert_eq!(l.constraints[2].rel, Rel::Ge);
        assert!(matches!(l.constraints[2].lhs, Expr::Bin(BinOp::Mul, ..)));
    }

    #[test]
    fn errors_name_what_was_expected() {
        let e = parse("layer X(n) { variable z: [n] minimize sum(z); }").unwrap_err();
        assert!(e.to_string().contains("expected"), "{e}");
        assert!(e.to_string().contains("`minimize`"), "{e}");
    }
}
