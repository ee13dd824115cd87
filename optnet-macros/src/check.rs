//! Checks: names, shapes and disciplined convexity (DCP), all errors collected.
//!
//! The result is a typed tree ([`TExpr`]) in which every node knows its shape, curvature
//! and sign; canonicalization (`canon.rs`) may then assume the layer is a valid QP.
//!
//! Curvature follows the DCP composition rules: a sum keeps the common curvature; a
//! product needs one side to be data, and multiplying a convex expression by data of
//! unknown sign is rejected; each atom states its own rule in `atoms.rs`.

use crate::ast::{self, BinOp, DeclKind, Expr, Name, Rel, SignDecl, SizeExpr};
use crate::atoms::{self, AtomDef};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Size};
use crate::tokens::Sp;

/// Curvature of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curv {
    /// Depends on no variable.
    Constant,
    /// Affine in the variables.
    Affine,
    /// Convex.
    Convex,
    /// Concave.
    Concave,
    /// Neither (not DCP).
    Unknown,
}

impl Curv {
    /// Curvature of `a + b`.
    pub fn add(self, other: Curv) -> Curv {
        use Curv::*;
        match (self, other) {
            (Constant, x) | (x, Constant) => x,
            (Affine, x) | (x, Affine) => x,
            (Convex, Convex) => Convex,
            (Concave, Concave) => Concave,
            _ => Unknown,
        }
    }

    /// Curvature of `−a`.
    pub fn neg(self) -> Curv {
        match self {
            Curv::Convex => Curv::Concave,
            Curv::Concave => Curv::Convex,
            c => c,
        }
    }

    /// Constant or affine.
    pub fn is_affine(self) -> bool {
        matches!(self, Curv::Constant | Curv::Affine)
    }

    /// Constant, affine or convex.
    pub fn is_convex(self) -> bool {
        matches!(self, Curv::Constant | Curv::Affine | Curv::Convex)
    }

    /// Constant, affine or concave.
    pub fn is_concave(self) -> bool {
        matches!(self, Curv::Constant | Curv::Affine | Curv::Concave)
    }

    /// In words, for messages.
    pub fn words(self) -> &'static str {
        match self {
            Curv::Constant => "constant",
            Curv::Affine => "affine",
            Curv::Convex => "convex",
            Curv::Concave => "concave",
            Curv::Unknown => "neither convex nor concave",
        }
    }
}

/// Sign of an expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// ≥ 0
    Nonneg,
    /// ≤ 0
    Nonpos,
    /// Either.
    Unknown,
}

impl Sign {
    /// Sign of `−a`.
    pub fn neg(self) -> Sign {
        match self {
            Sign::Nonneg => Sign::Nonpos,
            Sign::Nonpos => Sign::Nonneg,
            Sign::Unknown => Sign::Unknown,
        }
    }
    /// Sign of `a + b`.
    pub fn add(self, o: Sign) -> Sign {
        if self == o {
            self
        } else {
            Sign::Unknown
        }
    }
    /// Sign of `a · b`.
    pub fn mul(self, o: Sign) -> Sign {
        match (self, o) {
            (Sign::Unknown, _) | (_, Sign::Unknown) => Sign::Unknown,
            (a, b) if a == b => Sign::Nonneg,
            _ => Sign::Nonpos,
        }
    }
}

/// What the checks know about an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Info {
    /// Its shape.
    pub shape: Shape,
    /// Its curvature.
    pub curv: Curv,
    /// Its sign.
    pub sign: Sign,
    /// Holds a quadratic atom (allowed only in the objective, under `+` and `c ·` with c ≥ 0).
    pub quad: bool,
}

impl Info {
    /// Data of this shape and sign.
    pub fn data(shape: Shape, sign: Sign) -> Info {
        Info {
            shape,
            curv: Curv::Constant,
            sign,
            quad: false,
        }
    }
}

/// What a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    /// Param, by index among params.
    Param(usize),
    /// Input, by index among inputs.
    Input(usize),
    /// Variable, by index among variables.
    Var(usize),
}

/// A checked expression.
#[derive(Clone, Debug)]
pub struct TExpr {
    /// The operation.
    pub kind: TKind,
    /// Shape, curvature, sign.
    pub info: Info,
    /// Source range.
    pub sp: Sp,
}

/// Checked expression operations.
#[derive(Clone, Debug)]
pub enum TKind {
    /// A number.
    Num(f64),
    /// A declared symbol.
    Sym(Sym),
    /// `−a`
    Neg(Box<TExpr>),
    /// `a + b`, `a − b`, `a · b`, `a / b`.
    Bin(BinOp, Box<TExpr>, Box<TExpr>),
    /// `aᵀ`
    T(Box<TExpr>),
    /// An atom applied to expressions (or to sizes, for `eye`, `ones`, `zeros`), with the
    /// source text of each argument.
    Atom(&'static AtomDef, Vec<TExpr>, Vec<Size>, Vec<String>),
    /// Rows of blocks.
    Block(Vec<Vec<TExpr>>),
}

/// A declared symbol after checking.
#[derive(Clone, Debug)]
pub struct DeclInfo {
    /// Its name.
    pub name: Name,
    /// Its shape.
    pub shape: Shape,
    /// Its declared sign.
    pub sign: Option<SignDecl>,
    /// The size expressions as written (for messages and runtime checks).
    pub dims: Vec<Size>,
}

/// A checked constraint link.
#[derive(Clone, Debug)]
pub struct TConstraint {
    /// Left side.
    pub lhs: TExpr,
    /// Relation.
    pub rel: Rel,
    /// Right side.
    pub rhs: TExpr,
}

/// A layer that passed every check.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The parsed layer.
    pub layer: ast::Layer,
    /// Params in declaration order.
    pub params: Vec<DeclInfo>,
    /// Inputs in declaration order.
    pub inputs: Vec<DeclInfo>,
    /// Variables in declaration order.
    pub vars: Vec<DeclInfo>,
    /// `true` for `maximize`, and the objective.
    pub objective: (bool, TExpr),
    /// Constraint links in order.
    pub constraints: Vec<TConstraint>,
}

/// Names a variable may not have: they are fields of the generated output type.
pub const RESERVED: &[&str] = &["status", "qp", "solution"];

/// Runs every check; returns the typed layer or all errors.
pub fn check(layer: ast::Layer) -> Result<Checked, syn::Error> {
    let mut cx = Checker {
        cx: Ctxt::default(),
        layer: &layer,
        params: Vec::new(),
        inputs: Vec::new(),
        vars: Vec::new(),
    };
    cx.declarations();
    let objective = cx.objective();
    let constraints: Vec<_> = layer
        .constraints
        .iter()
        .filter_map(|c| cx.constraint(c))
        .collect();
    let Checker {
        cx: errors,
        params,
        inputs,
        vars,
        ..
    } = cx;
    errors.check()?;
    Ok(Checked {
        objective: objective.expect("an objective when there are no errors"),
        layer,
        params,
        inputs,
        vars,
        constraints,
    })
}

struct Checker<'l> {
    cx: Ctxt,
    layer: &'l ast::Layer,
    params: Vec<DeclInfo>,
    inputs: Vec<DeclInfo>,
    vars: Vec<DeclInfo>,
}

impl Checker<'_> {
    fn err(&mut self, sp: Sp, msg: impl std::fmt::Display) {
        self.cx.push(sp.error(format!("optnet: {msg}")));
    }

    fn declarations(&mut self) {
        let layer = self.layer;
        let mut seen: Vec<&str> = Vec::new();
        for s in &layer.sizes {
            if seen.contains(&s.text.as_str()) {
                self.err(s.sp, format!("size `{}` is declared twice", s.text));
            }
            seen.push(&s.text);
        }
        for d in &layer.decls {
            if seen.contains(&d.name.text.as_str()) {
                self.err(d.sp, format!("`{}` is declared twice", d.name.text));
            }
            seen.push(&d.name.text);
            if d.kind == DeclKind::Variable && RESERVED.contains(&d.name.text.as_str()) {
                self.err(
                    d.name.sp,
                    format!(
                        "a variable may not be named `{}`: the layer's output has a field of that name",
                        d.name.text
                    ),
                );
            }
            let dims: Vec<Size> = d.dims.iter().filter_map(|s| self.size(s)).collect();
            if dims.len() != d.dims.len() {
                continue;
            }
            let shape = match dims.as_slice() {
                [] => Shape::Scalar,
                [k] => Shape::Vector(k.clone()),
                [r, c] => Shape::Matrix(r.clone(), c.clone()),
                _ => unreachable!("the grammar allows at most two sizes"),
            };
            let info = DeclInfo {
                name: d.name.clone(),
                shape,
                sign: d.sign,
                dims,
            };
            match d.kind {
                DeclKind::Param => self.params.push(info),
                DeclKind::Input => self.inputs.push(info),
                DeclKind::Variable => self.vars.push(info),
            }
        }
        if self.vars.is_empty() && layer.decls.iter().all(|d| d.kind != DeclKind::Variable) {
            self.err(layer.name.sp, "a layer needs at least one `variable`");
        }
    }

    fn size(&mut self, s: &SizeExpr) -> Option<Size> {
        Some(match s {
            SizeExpr::Int(v, sp) => {
                if *v > 1 << 40 {
                    self.err(*sp, "this size is too large");
                    return None;
                }
                Size::int(*v)
            }
            SizeExpr::Name(n) => {
                if self.layer.sizes.iter().any(|s| s.text == n.text) {
                    Size::var(&n.text)
                } else {
                    self.err(
                        n.sp,
                        format!("unknown size `{}`: sizes are the layer's arguments", n.text),
                    );
                    return None;
                }
            }
            SizeExpr::Add(a, b) => {
                let (a, b) = (self.size(a), self.size(b));
                a?.add(&b?)
            }
            SizeExpr::Sub(a, b) => {
                let (a, b) = (self.size(a), self.size(b));
                a?.sub(&b?)
            }
            SizeExpr::Mul(a, b) => {
                let (a, b) = (self.size(a), self.size(b));
                a?.mul(&b?)
            }
        })
    }

    /// A size written as an expression (the arguments of `eye`, `ones`, `zeros`).
    fn size_of_expr(&mut self, e: &Expr) -> Option<Size> {
        match e {
            Expr::Num(v, sp) => {
                if v.fract() == 0.0 && *v >= 0.0 && *v <= (1u64 << 40) as f64 {
                    Some(Size::int(*v as i64))
                } else {
                    self.err(*sp, "a size must be a non-negative integer");
                    None
                }
            }
            Expr::Name(n) => self.size(&SizeExpr::Name(n.clone())),
            Expr::Bin(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul), a, b, _) => {
                let (a, b) = (self.size_of_expr(a), self.size_of_expr(b));
                let (a, b) = (a?, b?);
                Some(match op {
                    BinOp::Add => a.add(&b),
                    BinOp::Sub => a.sub(&b),
                    _ => a.mul(&b),
                })
            }
            other => {
                self.err(
                    other.sp(),
                    "expected a size (an integer or a size argument)",
                );
                None
            }
        }
    }

    fn objective(&mut self) -> Option<(bool, TExpr)> {
        let layer = self.layer;
        if layer.objectives.is_empty() {
            self.err(
                layer.name.sp,
                "the layer has no objective: add `minimize …;` or `maximize …;`",
            );
            return None;
        }
        for extra in &layer.objectives[1..] {
            self.err(extra.sp, "a layer has one objective; this is a second one");
        }
        let o = &layer.objectives[0];
        let e = self.expr(&o.expr)?;
        if !e.info.shape.is_scalar() {
            self.err(
                o.expr.sp(),
                format!(
                    "the objective must be a scalar, but it has shape {}",
                    e.info.shape
                ),
            );
            return None;
        }
        let ok = if o.maximize {
            e.info.curv.is_concave()
        } else {
            e.info.curv.is_convex()
        };
        if !ok {
            let (verb, want) = if o.maximize {
                ("maximize", "concave")
            } else {
                ("minimize", "convex")
            };
            self.err(
                o.expr.sp(),
                format!(
                    "non-convex objective: `{verb}` needs a {want} expression, but this one is {}",
                    e.info.curv.words()
                ),
            );
            return None;
        }
        Some((o.maximize, e))
    }

    fn constraint(&mut self, c: &ast::Constraint) -> Option<TConstraint> {
        let (l, r) = (self.expr(&c.lhs), self.expr(&c.rhs));
        let (l, r) = (l?, r?);
        if broadcast(&l.info.shape, &r.info.shape).is_none() {
            self.err(
                c.sp,
                format!(
                    "shape mismatch: the left side has shape {} but the right side {}",
                    l.info.shape, r.info.shape
                ),
            );
            return None;
        }
        if l.info.quad || r.info.quad {
            self.err(
                c.sp,
                "quadratic atoms (`sum_squares`, `quad_form`, `huber`) may appear only in the \
                 objective of a QP, not in a constraint",
            );
            return None;
        }
        if l.info.curv == Curv::Constant && r.info.curv == Curv::Constant {
            self.err(c.sp, "this constraint involves no variable");
            return None;
        }
        let ok = match c.rel {
            Rel::Eq => l.info.curv.is_affine() && r.info.curv.is_affine(),
            Rel::Le => l.info.curv.is_convex() && r.info.curv.is_concave(),
            Rel::Ge => l.info.curv.is_concave() && r.info.curv.is_convex(),
        };
        if !ok {
            let why = match c.rel {
                Rel::Eq => "both sides of `==` must be affine".to_string(),
                Rel::Le => "`<=` needs a convex left side and a concave right side".to_string(),
                Rel::Ge => "`>=` needs a concave left side and a convex right side".to_string(),
            };
            self.err(
                c.sp,
                format!(
                    "non-convex constraint: {why} (the left side is {}, the right side {})",
                    l.info.curv.words(),
                    r.info.curv.words()
                ),
            );
            return None;
        }
        Some(TConstraint {
            lhs: l,
            rel: c.rel,
            rhs: r,
        })
    }

    fn lookup(&self, name: &str) -> Option<(Sym, &DeclInfo)> {
        if let Some(i) = self.params.iter().position(|d| d.name.text == name) {
            return Some((Sym::Param(i), &self.params[i]));
        }
        if let Some(i) = self.inputs.iter().position(|d| d.name.text == name) {
            return Some((Sym::Input(i), &self.inputs[i]));
        }
        if let Some(i) = self.vars.iter().position(|d| d.name.text == name) {
            return Some((Sym::Var(i), &self.vars[i]));
        }
        None
    }

    /// Types an expression; `None` after reporting an error.
    fn expr(&mut self, e: &Expr) -> Option<TExpr> {
        let sp = e.sp();
        let (kind, info) = match e {
            Expr::Num(v, nsp) => {
                if !v.is_finite() {
                    self.err(*nsp, "this number is not a finite `f64`");
                    return None;
                }
                let sign = if *v >= 0.0 {
                    Sign::Nonneg
                } else {
                    Sign::Nonpos
                };
                (TKind::Num(*v), Info::data(Shape::Scalar, sign))
            }
            Expr::Name(n) => match self.lookup(&n.text) {
                Some((sym, d)) => {
                    let sign = match d.sign {
                        Some(SignDecl::Nonneg) => Sign::Nonneg,
                        Some(SignDecl::Nonpos) => Sign::Nonpos,
                        None => Sign::Unknown,
                    };
                    let curv = if matches!(sym, Sym::Var(_)) {
                        Curv::Affine
                    } else {
                        Curv::Constant
                    };
                    let info = Info {
                        shape: d.shape.clone(),
                        curv,
                        sign,
                        quad: false,
                    };
                    (TKind::Sym(sym), info)
                }
                None => {
                    let what = if self.layer.sizes.iter().any(|s| s.text == n.text) {
                        format!(
                            "`{}` is a size argument; sizes may appear only in shapes and in `eye`, `ones`, `zeros`",
                            n.text
                        )
                    } else {
                        format!("unknown name `{}`", n.text)
                    };
                    self.err(n.sp, what);
                    return None;
                }
            },
            Expr::Neg(a, _) => {
                let a = self.expr(a)?;
                let info = Info {
                    shape: a.info.shape.clone(),
                    curv: a.info.curv.neg(),
                    sign: a.info.sign.neg(),
                    quad: a.info.quad,
                };
                (TKind::Neg(Box::new(a)), info)
            }
            Expr::Transpose(a, _) => {
                let a = self.expr(a)?;
                if !a.info.curv.is_affine() {
                    self.err(sp, "`.T` applies to data and affine expressions only");
                    return None;
                }
                if a.info.curv != Curv::Constant && matches!(a.info.shape, Shape::Matrix(..)) {
                    self.err(
                        sp,
                        "transposing a matrix that depends on a variable is not supported",
                    );
                    return None;
                }
                let info = Info {
                    shape: a.info.shape.transpose(),
                    ..a.info.clone()
                };
                (TKind::T(Box::new(a)), info)
            }
            Expr::Bin(op, a, b, _) => {
                let (a, b) = (self.expr(a), self.expr(b));
                let (a, b) = (a?, b?);
                let info = self.binary(*op, &a, &b, sp)?;
                (TKind::Bin(*op, Box::new(a), Box::new(b)), info)
            }
            Expr::Call(f, args, texts, _) => {
                let Some(def) = atoms::lookup(&f.text) else {
                    self.err(
                        f.sp,
                        format!(
                            "unknown atom `{}`; the atoms are {}",
                            f.text,
                            atoms::ATOMS
                                .iter()
                                .map(|a| format!("`{}`", a.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    return None;
                };
                if args.len() < def.min_args || args.len() > def.max_args {
                    let want = if def.min_args == def.max_args {
                        format!("{}", def.min_args)
                    } else {
                        format!("{} to {}", def.min_args, def.max_args)
                    };
                    self.err(
                        sp,
                        format!(
                            "`{}` takes {want} argument(s), found {}",
                            def.name,
                            args.len()
                        ),
                    );
                    return None;
                }
                let (targs, sizes) = if def.size_args {
                    let sizes: Vec<_> = args.iter().filter_map(|a| self.size_of_expr(a)).collect();
                    if sizes.len() != args.len() {
                        return None;
                    }
                    (Vec::new(), sizes)
                } else {
                    let targs: Vec<_> = args.iter().map(|a| self.expr(a)).collect();
                    (targs.into_iter().collect::<Option<Vec<_>>>()?, Vec::new())
                };
                for &(k, what) in def.data_args {
                    if let Some(t) = targs.get(k) {
                        if t.info.curv != Curv::Constant {
                            self.err(
                                t.sp,
                                format!(
                                    "a variable appears where data is required: {what} must \
                                     depend only on params, inputs and constants"
                                ),
                            );
                            return None;
                        }
                    }
                }
                let infos: Vec<Info> = targs.iter().map(|t| t.info.clone()).collect();
                let info = match (def.info)(&infos, &sizes) {
                    Ok(i) => i,
                    Err(msg) => {
                        self.err(sp, msg);
                        return None;
                    }
                };
                if info.curv == Curv::Constant && !def.size_args && def.data.is_none() {
                    self.err(
                        sp,
                        format!(
                            "`{}` of data (no variable in its arguments) is not supported",
                            def.name
                        ),
                    );
                    return None;
                }
                (TKind::Atom(def, targs, sizes, texts.clone()), info)
            }
            Expr::Block(rows, _) => {
                let mut trows = Vec::new();
                for row in rows {
                    let r: Vec<_> = row.iter().map(|e| self.expr(e)).collect();
                    trows.push(r.into_iter().collect::<Option<Vec<_>>>()?);
                }
                let info = self.block(&trows, sp)?;
                (TKind::Block(trows), info)
            }
        };
        Some(TExpr { kind, info, sp })
    }

    fn binary(&mut self, op: BinOp, a: &TExpr, b: &TExpr, sp: Sp) -> Option<Info> {
        let (ai, bi) = (&a.info, &b.info);
        match op {
            BinOp::Add | BinOp::Sub => {
                let Some(shape) = broadcast(&ai.shape, &bi.shape) else {
                    self.err(
                        sp,
                        format!(
                            "shape mismatch: cannot {} {} and {}",
                            if op == BinOp::Add { "add" } else { "subtract" },
                            ai.shape,
                            bi.shape
                        ),
                    );
                    return None;
                };
                let quad = ai.quad || bi.quad;
                if quad && !shape.is_scalar() {
                    self.err(sp, "a quadratic atom cannot be broadcast against a vector");
                    return None;
                }
                let (bc, bs) = if op == BinOp::Add {
                    (bi.curv, bi.sign)
                } else {
                    (bi.curv.neg(), bi.sign.neg())
                };
                Some(Info {
                    shape,
                    curv: ai.curv.add(bc),
                    sign: ai.sign.add(bs),
                    quad,
                })
            }
            BinOp::Mul => {
                let Some(shape) = product_shape(&ai.shape, &bi.shape) else {
                    let hint =
                        if matches!((&ai.shape, &bi.shape), (Shape::Vector(_), Shape::Vector(_))) {
                            " (for an inner product write `x.T * y`)"
                        } else {
                            ""
                        };
                    self.err(
                        sp,
                        format!(
                            "shape mismatch: cannot multiply {} by {}{hint}",
                            ai.shape, bi.shape
                        ),
                    );
                    return None;
                };
                self.scaled(ai, bi, shape, sp)
            }
            BinOp::Div => {
                if bi.curv != Curv::Constant || !bi.shape.is_scalar() {
                    self.err(sp, "division is by scalar data only");
                    return None;
                }
                self.scaled(ai, bi, ai.shape.clone(), sp)
            }
        }
    }

    /// DCP rule of a product (or quotient) where one side must be data.
    fn scaled(&mut self, ai: &Info, bi: &Info, shape: Shape, sp: Sp) -> Option<Info> {
        let sign = ai.sign.mul(bi.sign);
        if ai.curv == Curv::Constant && bi.curv == Curv::Constant {
            return Some(Info::data(shape, sign));
        }
        if ai.curv != Curv::Constant && bi.curv != Curv::Constant {
            self.err(
                sp,
                "a product of two expressions that both depend on variables is not affine \
                 (use `sum_squares` or `quad_form` for quadratic terms)",
            );
            return None;
        }
        // `x` is the side with variables, `d` the data side.
        let x_left = ai.curv != Curv::Constant;
        let (d, x) = if x_left { (bi, ai) } else { (ai, bi) };
        // Supported layouts of `data · expr` (see canon.rs `mul`).
        let layout_ok = d.shape.is_scalar()
            || x.shape.is_scalar()
            || (!x_left && matches!(x.shape, Shape::Vector(_)))
            || (x_left && matches!(x.shape, Shape::Row(_)));
        if !layout_ok {
            self.err(
                sp,
                format!(
                    "this product of data ({}) and an expression in the variables ({}) is not \
                     supported: multiply vectors from the left by data (`D * z`) or take \
                     row vectors times data (`z.T * d`)",
                    d.shape, x.shape
                ),
            );
            return None;
        }
        if x.curv == Curv::Affine {
            return Some(Info {
                shape,
                curv: Curv::Affine,
                sign,
                quad: false,
            });
        }
        if !d.shape.is_scalar() {
            self.err(
                sp,
                format!(
                    "only a scalar may multiply a {} expression; this factor has shape {}",
                    x.curv.words(),
                    d.shape
                ),
            );
            return None;
        }
        if x.curv == Curv::Unknown {
            return Some(Info {
                shape,
                curv: Curv::Unknown,
                sign,
                quad: x.quad,
            });
        }
        let curv = match d.sign {
            Sign::Nonneg => x.curv,
            Sign::Nonpos => x.curv.neg(),
            Sign::Unknown => {
                self.err(
                    sp,
                    format!(
                        "the sign of this factor is unknown, so its product with a {} \
                         expression may not be convex: declare the param `nonneg` or `nonpos`",
                        x.curv.words()
                    ),
                );
                return None;
            }
        };
        Some(Info {
            shape,
            curv,
            sign,
            quad: x.quad,
        })
    }

    fn block(&mut self, rows: &[Vec<TExpr>], sp: Sp) -> Option<Info> {
        let mut height = Size::int(0);
        let mut width: Option<Size> = None;
        let mut constant = true;
        for row in rows {
            let (h, _) = row[0].info.shape.dims();
            let mut w = Size::int(0);
            for e in row {
                let (r, c) = e.info.shape.dims();
                if r != h {
                    self.err(
                        e.sp,
                        format!("block has {r} rows but its row of blocks has {h}"),
                    );
                    return None;
                }
                if !e.info.curv.is_affine() {
                    self.err(e.sp, "blocks must be data or affine expressions");
                    return None;
                }
                constant &= e.info.curv == Curv::Constant;
                w = w.add(&c);
            }
            if let Some(w0) = &width {
                if *w0 != w {
                    self.err(
                        sp,
                        format!("rows of blocks have different widths: {w0} and {w}"),
                    );
                    return None;
                }
            }
            width = Some(w);
            height = height.add(&h);
        }
        let shape = Shape::from_dims(height, width.expect("a block has a row"));
        if !constant {
            let column = rows.iter().all(|r| r.len() == 1)
                && rows
                    .iter()
                    .all(|r| matches!(r[0].info.shape, Shape::Scalar | Shape::Vector(_)));
            let row = rows.len() == 1
                && rows[0]
                    .iter()
                    .all(|e| matches!(e.info.shape, Shape::Scalar | Shape::Row(_)));
            if !(column || row) {
                self.err(
                    sp,
                    "blocks with variables must stack vectors (`[x; y]`) or row vectors (`[x.T, y.T]`)",
                );
                return None;
            }
        }
        Some(Info {
            shape,
            curv: if constant {
                Curv::Constant
            } else {
                Curv::Affine
            },
            sign: Sign::Unknown,
            quad: false,
        })
    }
}

/// The shape of `a + b`: equal shapes, or a scalar against anything.
pub fn broadcast(a: &Shape, b: &Shape) -> Option<Shape> {
    match (a, b) {
        (Shape::Scalar, s) | (s, Shape::Scalar) => Some(s.clone()),
        _ if a == b => Some(a.clone()),
        _ => None,
    }
}

/// The shape of `a * b`.
pub fn product_shape(a: &Shape, b: &Shape) -> Option<Shape> {
    use Shape::*;
    match (a, b) {
        (Scalar, s) | (s, Scalar) => Some(s.clone()),
        (Matrix(r, k), Vector(k2)) if k == k2 => Some(Vector(r.clone())),
        (Matrix(r, k), Matrix(k2, c)) if k == k2 => Some(Matrix(r.clone(), c.clone())),
        (Row(k), Vector(k2)) if k == k2 => Some(Scalar),
        (Row(k), Matrix(k2, c)) if k == k2 => Some(Row(c.clone())),
        (Vector(r), Row(c)) => Some(Matrix(r.clone(), c.clone())),
        _ => None,
    }
}
