//! The layer as parsed: names, declarations, the objective and the constraints, each
//! with the user's source range. Nothing here is checked yet (see `check.rs`).

use crate::tokens::Sp;

/// A name with its source range.
#[derive(Clone, Debug)]
pub struct Name {
    /// The identifier.
    pub text: String,
    /// Where it is.
    pub sp: Sp,
}

/// A whole `layer` item.
#[derive(Clone, Debug)]
pub struct Layer {
    /// `#[doc = "..."]` string literals, in order.
    pub docs: Vec<proc_macro2::Literal>,
    /// `pub`, `pub(crate)`, … as Rust tokens (empty for private).
    pub vis: proc_macro2::TokenStream,
    /// The layer's type name.
    pub name: Name,
    /// Size arguments, in order.
    pub sizes: Vec<Name>,
    /// `input`, `param` and `variable` declarations, in order.
    pub decls: Vec<Decl>,
    /// `minimize …;` / `maximize …;` (more than one is an error reported by the checks).
    pub objectives: Vec<Objective>,
    /// All constraints of all `subject to` lists, in order.
    pub constraints: Vec<Constraint>,
}

/// What a declared symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    /// Per-example data (batched).
    Input,
    /// Learned data shared by the batch.
    Param,
    /// A decision variable.
    Variable,
}

/// A declared sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignDecl {
    /// `nonneg`
    Nonneg,
    /// `nonpos`
    Nonpos,
}

/// `kind name: [dims] sign;`
#[derive(Clone, Debug)]
pub struct Decl {
    /// Input, param or variable.
    pub kind: DeclKind,
    /// The declared name.
    pub name: Name,
    /// Zero (scalar), one or two sizes.
    pub dims: Vec<SizeExpr>,
    /// Declared sign, if any.
    pub sign: Option<SignDecl>,
    /// The whole declaration.
    pub sp: Sp,
}

/// A size expression over the size arguments.
#[derive(Clone, Debug)]
pub enum SizeExpr {
    /// An integer literal.
    Int(i64, Sp),
    /// A size argument.
    Name(Name),
    /// `a + b`
    Add(Box<SizeExpr>, Box<SizeExpr>),
    /// `a - b`
    Sub(Box<SizeExpr>, Box<SizeExpr>),
    /// `a * b`
    Mul(Box<SizeExpr>, Box<SizeExpr>),
}

/// `minimize e;` or `maximize e;`
#[derive(Clone, Debug)]
pub struct Objective {
    /// True for `maximize`.
    pub maximize: bool,
    /// The objective expression.
    pub expr: Expr,
    /// The whole objective statement.
    pub sp: Sp,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    /// `==`
    Eq,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

/// One link `lhs rel rhs` of a (possibly chained) constraint.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// Left side.
    pub lhs: Expr,
    /// The relation.
    pub rel: Rel,
    /// Right side.
    pub rhs: Expr,
    /// The link's source range (`lhs rel rhs`).
    pub sp: Sp,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

/// An expression.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A number literal.
    Num(f64, Sp),
    /// A declared name or a size argument.
    Name(Name),
    /// `f(args…)`: an atom, with each argument's source text (for messages).
    Call(Name, Vec<Expr>, Vec<String>, Sp),
    /// `-e`
    Neg(Box<Expr>, Sp),
    /// `a op b`
    Bin(BinOp, Box<Expr>, Box<Expr>, Sp),
    /// `e.T`
    Transpose(Box<Expr>, Sp),
    /// `[a, b; c, d]`: rows of blocks.
    Block(Vec<Vec<Expr>>, Sp),
}

impl Expr {
    /// The expression's source range.
    pub fn sp(&self) -> Sp {
        match self {
            Expr::Num(_, sp)
            | Expr::Call(_, _, _, sp)
            | Expr::Neg(_, sp)
            | Expr::Bin(_, _, _, sp)
            | Expr::Transpose(_, sp)
            | Expr::Block(_, sp) => *sp,
            Expr::Name(n) => n.sp,
        }
    }
}
